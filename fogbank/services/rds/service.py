"""Amazon RDS (and the rds-compatible Neptune and DocumentDB APIs) on real local engines."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from fogbank.services.base import ManagedService

if TYPE_CHECKING:
    from fogbank.managed.records import Record, Scope
    from fogbank.platform import Platform
    from fogbank.services.rds.backend import Backend

log = logging.getLogger(__name__)


class Rds(ManagedService):
    name = "rds"
    models = ("rds", "neptune", "docdb")
    handler_modules = ("fogbank.services.rds.ops",)

    def open(self, platform: Platform) -> None:
        from fogbank.managed import recovery
        from fogbank.services.rds import backups, global_clusters, lifecycle, records
        from fogbank.services.rds.backend import Backend
        from fogbank.services.rds.model import INSTANCE

        backend = Backend(platform)
        self.backend = backend
        global_clusters.register(backend.store)  # a global database's secondaries reach across its regions
        # Bring back, in the background, every instance whose engine was running; stopped ones
        # stay stopped (their ports stay reserved so their endpoints do not change). What each
        # status becomes is the shared table (``fogbank.managed.recovery``) over ``INSTANCE``.
        with backend.store.lock:
            instances = backend.store.all_records(records.INSTANCE)
            for region, record in instances:
                try:
                    wanted = record.fields["Port"]
                    record.fields["Port"] = lifecycle.allocate_port(backend, wanted)
                    lifecycle.port_event(backend, region, record, wanted)  # taken while Fogbank was down
                except Exception:
                    log.exception("no port for %s", record.identifier)
            recovery.recover(INSTANCE, backend.jobs, instances, _Recovery(backend))
            for region, cluster in backend.store.all_records(records.CLUSTER):
                backend.jobs.submit(cluster.resource_id, lambda r=region, c=cluster: _resume_cluster(backend, r, c))
            for _, record in backend.store.all_records(records.GLOBAL_CLUSTER):
                if record.status != "available":  # a switchover cut short: its members say where it got to
                    record.status = "available"
                    record.fields.pop("FailoverState", None)
            for _, snap in [*backend.store.all_records(records.SNAPSHOT),
                            *backend.store.all_records(records.CLUSTER_SNAPSHOT)]:  # fmt: skip
                if snap.status == "creating":  # interrupted: its copy is incomplete (a final one is taken again)
                    snap.status = "failed"
            for scope in backend.store.scopes.values():
                backend.save(scope)
        # A job, so close() waits for it rather than leaving initdb writing into a removed dir.
        backend.jobs.submit("warm-templates", lambda: self._warm(backend), grace=0)
        backups.start_scheduler(backend)

    @staticmethod
    def _warm(backend: Any) -> None:
        """Read each engine's parameter catalogue ahead of need: that also builds the engine's
        template, so the first CreateDBInstance takes a copy, not an initdb."""
        from fogbank.services.rds.engines import KINDS

        for engine in KINDS:
            try:
                versions = backend.engines.versions(engine)
                if versions and not backend.closing.is_set():
                    backend.catalogs.get(versions[0])
            except Exception:
                if not backend.closing.is_set():
                    log.exception("warming the %s template failed", engine)


def _resume_cluster(backend: Backend, region: Any, cluster: Record[Any]) -> None:
    """At start: a cluster's endpoints listen again (its instances come back on their own
    queues); work a stop of Fogbank interrupted settles as its lifecycle says."""
    from fogbank.services.rds import cluster_endpoints, clusters
    from fogbank.services.rds.ops.clusters import _delete, come_up

    status = cluster.status or "creating"
    if status == "deleting":
        _delete(backend, region, cluster)
        return
    settled = clusters.LIFECYCLE.settles.get(status)
    if settled:
        with backend.store.lock:
            cluster.status = settled
            backend.save(region)
    if status == "creating" and cluster.private.restored_from:  # a restore was interrupted
        from fogbank.services.rds.ops import cluster_backups, cluster_snapshots

        if cluster.private.restored_from.startswith(cluster_backups.POINT_IN_TIME):
            cluster_backups.resume(backend, region, cluster)
        else:
            cluster_snapshots.restore(backend, region, cluster, "")
        return
    if status == "creating":
        come_up(backend, region, cluster)
        return
    try:
        clusters.listen(backend, region, cluster)
    except Exception:
        log.exception("the endpoints of cluster %s did not listen", cluster.identifier)
    cluster_endpoints.resume(backend, region, cluster)


class _Recovery:
    """What each recovery action does for a DB instance (``fogbank.managed.recovery.RecoveryActions``)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def has_data(self, record: Record[Any]) -> bool:
        return self.backend.data_dir(record).is_dir()

    def delete(self, scope: Scope, record: Record[Any]) -> None:
        from fogbank.services.rds import lifecycle

        lifecycle.delete(self.backend, scope, record, None)

    def create(self, scope: Scope, record: Record[Any]) -> None:
        from fogbank.services.rds import lifecycle

        lifecycle.recover(self.backend, scope, record, "creating")

    def restart(self, scope: Scope, record: Record[Any], was: str) -> None:
        # ``failed`` with its data there: only its engine would not start, so try again (RDS
        # recovers an instance whose host failed).
        from fogbank.services.rds import lifecycle

        lifecycle.recover(self.backend, scope, record, was)


service = Rds()
