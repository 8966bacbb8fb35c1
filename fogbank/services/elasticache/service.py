"""Amazon ElastiCache on real Valkey, Redis OSS and Memcached processes (docs/elasticache.md)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from fogbank.services.base import ManagedService

if TYPE_CHECKING:
    from fogbank.platform import Platform

log = logging.getLogger(__name__)


class ElastiCache(ManagedService):
    name = "elasticache"
    models = ("elasticache",)
    handler_modules = ("fogbank.services.elasticache.ops",)

    def open(self, platform: Platform) -> None:
        from fogbank.managed import ports, recovery
        from fogbank.services.elasticache import nodes
        from fogbank.services.elasticache.backend import Backend
        from fogbank.services.elasticache.model import CLUSTER, LIFECYCLE

        backend = Backend(platform)
        self.backend = backend

        class Actions:
            """What recovery does with a cache cluster (fogbank/managed/recovery.py's table)."""

            def has_data(self, record: Any) -> bool:
                return backend.cluster_dir(record).is_dir()

            def delete(self, scope: Any, record: Any) -> None:
                nodes.delete(backend, scope, record)

            def create(self, scope: Any, record: Any) -> None:
                nodes.create(backend, scope, record)

            def restart(self, scope: Any, record: Any, was: str) -> None:
                nodes.restart(backend, scope, record, was)

        with backend.store.lock:
            items = backend.store.all_records(CLUSTER)
            for _, record in items:  # reserve every port again (the same ones when free)
                for node in record.private.nodes:
                    node.port = ports.allocate(backend.supervisor, node.port)
                if record.private.config_port:
                    record.private.config_port = ports.allocate(backend.supervisor, record.private.config_port)
            recovery.recover(LIFECYCLE, backend.jobs, items, Actions())
            from fogbank.services.elasticache import replication

            replication.recover_all(backend)
            for scope in backend.store.scopes.values():
                backend.save(scope)
        from fogbank.services.elasticache import snapshots

        snapshots.recover(backend)
        from fogbank.services.elasticache import serverless

        serverless.open_service(backend)
        backend.scheduler = snapshots.Scheduler(backend, platform.config.elasticache_snapshot_interval)
        backend.scheduler.start()


service = ElastiCache()
