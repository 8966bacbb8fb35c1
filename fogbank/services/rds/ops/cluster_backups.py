"""RestoreDBClusterToPointInTime: a new cluster from a cluster's continuous backup
(``rds/cluster_backups.py`` holds the engine work)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record, iso
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import cluster_backups, clusters
from fogbank.services.rds.ops.automated_backups import target_time
from fogbank.services.rds.ops.cluster_snapshots import RESTORE_ACCEPTED, check_restore
from fogbank.services.rds.ops.clusters import admit, cluster_strict, come_up, new_cluster
from fogbank.services.rds.ops.common import aurora_only, backend
from fogbank.services.rds.records import CLUSTER, CLUSTER_BACKUP
from fogbank.services.rds.store import Region

_RESTORE_TYPES = ("full-copy", "copy-on-write")
POINT_IN_TIME = "point-in-time:"
_ACCEPTED = RESTORE_ACCEPTED - {"Engine", "EngineVersion", "DatabaseName", "AvailabilityZones", "EngineMode"} | {
    "SourceDBClusterIdentifier", "SourceDbClusterResourceId", "RestoreToTime", "UseLatestRestorableTime",
    "RestoreType",
}  # fmt: skip


def _source(region: Region, params: dict[str, Any]) -> Record[Any]:
    if params.get("SourceDBClusterIdentifier"):
        return cluster_strict(region, params["SourceDBClusterIdentifier"])
    if params.get("SourceDbClusterResourceId"):
        found = [c for c in region.of(CLUSTER).values() if c.resource_id == params["SourceDbClusterResourceId"]]
        if not found:
            raise clusters.not_found(params["SourceDbClusterResourceId"])
        return found[0]
    raise AwsError(
        "InvalidParameterCombination",
        "Either SourceDBClusterIdentifier or SourceDbClusterResourceId must be specified.",
    )


@operation("RestoreDBClusterToPointInTime")
def restore_db_cluster_to_point_in_time(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    kind = params.get("RestoreType") or "full-copy"
    if kind not in _RESTORE_TYPES:
        raise AwsError("InvalidParameterValue", f"Invalid RestoreType: {kind}. Valid values: full-copy, copy-on-write")
    with be.store.lock:
        source = _source(region, params)
        if not cluster_backups.archived(source):
            raise AwsError(
                "InvalidParameterCombination",
                f"Fogbank does not restore {source.fields['Engine']} clusters to a point in time yet: "
                "take a DB cluster snapshot (CreateDBClusterSnapshot) and restore it.",
            )
        backup = cluster_backups.cluster_backup(region, source)
        if backup is None:
            raise AwsError("InvalidRestoreFault", "The source DB cluster has no automated backup to restore from yet.")
        target = target_time(params, backup, key="RestoreToTime", source="DB cluster")
        origin = {**source.fields, "password": backup.private.password, "name": backup.private.db_name}
    checked = check_restore(ctx, params, origin, _ACCEPTED)
    cluster = new_cluster(ctx, {**params, "AvailabilityZones": source.fields["AvailabilityZones"]}, checked)
    cluster.private.restored_from = POINT_IN_TIME + backup.identifier  # its first instance waits for the volume
    cluster.private.restore_time = iso(target)
    out = admit(ctx, cluster)
    be.jobs.submit(cluster.resource_id, lambda: _restore(be, region, cluster, backup, target, source.identifier))
    return {"DBCluster": out}


def _restore(be: Any, region: Region, cluster: Record[Any], backup: Record[Any], target: dt.datetime,
             source: str) -> None:  # fmt: skip
    try:
        cluster_backups.restore_to_time(be, region, cluster, backup, target)
    except Exception as error:
        with be.store.lock:
            clusters.LIFECYCLE.move(cluster, "failed")
            cluster.private.restored_from = ""
            be.save(region)
        be.event(region, "db-cluster", cluster.identifier, cluster.arn, f"Restore failed: {error}", "failure")
        return
    with be.store.lock:
        cluster.private.restored_from = ""
        be.save(region)
    be.event(region, "db-cluster", cluster.identifier, cluster.arn,
             f"Restored from DB cluster {source} to {target.isoformat()}", "creation")  # fmt: skip
    come_up(be, region, cluster)


def resume(be: Any, region: Region, cluster: Record[Any]) -> None:
    """At start: a point-in-time restore a stop of Fogbank interrupted is made again (from the
    source's backup, if it is still there)."""
    backup = region.get(CLUSTER_BACKUP, cluster.private.restored_from.removeprefix(POINT_IN_TIME))
    if backup is None:
        with be.store.lock:
            clusters.LIFECYCLE.move(cluster, "failed")
            cluster.private.restored_from = ""
            be.save(region)
        be.event(region, "db-cluster", cluster.identifier, cluster.arn,
                 "Restore failed: the source's automated backup is gone", "failure")  # fmt: skip
        return
    target = dt.datetime.fromisoformat(cluster.private.restore_time)
    _restore(be, region, cluster, backup, target, backup.fields["DBClusterIdentifier"])
