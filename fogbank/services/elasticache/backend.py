"""The ElastiCache backend: its store, engines, background work and configuration endpoints,
all from the shared managed layer (``fogbank.managed``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fogbank.engines import cache_kinds
from fogbank.engines.catalog import Catalog, EngineVersion
from fogbank.engines.interface import Driver
from fogbank.managed.jobs import Jobs
from fogbank.managed.records import Record, Scope
from fogbank.managed.running import Running
from fogbank.managed.store import Store
from fogbank.services.elasticache.discovery import Discovery
from fogbank.services.elasticache.model import KINDS, ClusterPrivate, Node
from fogbank.services.elasticache.parameters import Catalogs

if TYPE_CHECKING:
    from fogbank.core.context import RequestContext
    from fogbank.platform import Platform

SERVICE = "elasticache"
# The engine user passes through (x) Fogbank's directories on the way to its own, reading nothing.
TRAVERSED = 0o711 if os.geteuid() == 0 else 0o700


class Backend:
    def __init__(self, platform: Platform) -> None:
        self.root = platform.service_dir(SERVICE)
        self.clusters_dir = self.root / "clusters"
        for path in (self.root, self.clusters_dir):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.chmod(0o700)
        if any(self.clusters_dir.iterdir()):
            self.open_to_engine()
        self.config = platform.config
        self.supervisor = platform.supervisor
        cache = platform.cache_dir(SERVICE)
        self.catalog = Catalog(self.supervisor, cache / "binaries", cache_kinds.KINDS)
        from fogbank.services.elasticache import groups, serverless, snapshots, users

        kinds = [*KINDS, *snapshots.KINDS, *groups.KINDS, *users.KINDS, *serverless.KINDS]
        self.store = Store(self.root / "state", kinds)
        self.terminators: Any = None  # tls.Terminators of serverless caches (serverless.open_service)
        # Closed and reset with the service: feature modules add theirs (TLS listeners, schedulers).
        self.on_close: list[Callable[[], None]] = []
        self.on_reset: list[Callable[[], None]] = []
        self.jobs = Jobs(SERVICE, platform.config.grace)
        self.discovery = Discovery()
        from fogbank.services.elasticache import nodes

        self.parameters = Catalogs(self.catalog, cache / "parameters", self.clusters_dir / ".probes",
                                   lambda version, work: nodes.probe(self, version, work))  # fmt: skip
        self.running: Running[Driver] = Running()  # process name -> driver, of nodes Fogbank started
        self.scheduler: Any = None  # snapshots.Scheduler: automatic snapshots, started by the service

    # -- state ------------------------------------------------------------------------------

    def scope(self, ctx: RequestContext) -> Scope:
        return self.store.scope(ctx.account_id, ctx.region)

    def save(self, scope: Scope) -> None:
        self.store.save(scope)

    def event(self, scope: Scope, source_type: str, source_id: str, message: str) -> None:
        with self.store.lock:
            scope.events.record(source_type, source_id, message)
            self.store.save(scope)

    # -- engines ----------------------------------------------------------------------------

    def version_of(self, record: Record[ClusterPrivate]) -> EngineVersion:
        return self.catalog.resolve(SERVICE, record.fields["Engine"], record.fields["EngineVersion"])

    def driver_of(self, record: Record[ClusterPrivate]) -> Driver:
        return self.catalog.driver(self.version_of(record))

    @staticmethod
    def process_name(record: Record[ClusterPrivate], node: Node) -> str:
        return f"{SERVICE}/{record.resource_id}/{node.node_id}"

    def open_to_engine(self) -> None:
        """The engine user passes through (x) the directories above its nodes' own, reading
        nothing: opened only once a node exists, as RDS opens its instances' directory."""
        for path in (self.root, self.clusters_dir):
            path.chmod(TRAVERSED)
        if os.geteuid() == 0:
            data_dir = self.root.parent
            data_dir.chmod((data_dir.stat().st_mode | 0o011) & ~0o066)

    def cluster_dir(self, record: Record[Any]) -> Path:
        return self.clusters_dir / record.resource_id

    def node_dir(self, record: Record[ClusterPrivate], node: Node) -> Path:
        self.open_to_engine()
        return self.cluster_dir(record) / node.node_id / "data"

    # -- whole service ----------------------------------------------------------------------

    def stop_all(self) -> None:
        self.running.stop_all()

    def release_ports(self) -> None:
        for _, record in self.store.all_records("cache-cluster"):
            for node in record.private.nodes:
                self.supervisor.release_port(node.port)
            if record.private.config_port:
                self.supervisor.release_port(record.private.config_port)

    def close(self) -> None:
        self.jobs.close()
        self.stop_all()
        self.discovery.close()
        for hook in self.on_close:
            hook()

    def reset(self) -> None:
        self.jobs.wait_all()
        self.stop_all()
        for hook in self.on_reset:  # before the wipe: hooks find their records
            hook()
        with self.store.lock:
            for _, record in self.store.all_records("cache-cluster"):
                self.discovery.stop(record.resource_id)
            self.release_ports()
            self.store.wipe()
        shutil.rmtree(self.clusters_dir, ignore_errors=True)
        shutil.rmtree(self.root / "snapshots", ignore_errors=True)
        self.clusters_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.clusters_dir.chmod(0o700)
