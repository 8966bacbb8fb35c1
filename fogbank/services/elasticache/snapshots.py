"""Snapshots of Valkey / Redis OSS caches: the record, its statuses, and the engine work.

A snapshot is a real RDB per shard (``BGSAVE`` on the node, the file copied by the driver's
``Persistent.snapshot``) in ``<service dir>/snapshots/<resource id>/<node group id>/``, with
the source cluster's settings in its ``fields`` so that a cluster made from it needs only its
name. Automatic snapshots come from ``Scheduler``: at each check (``Config.elasticache_snapshot_interval``)
a cluster with ``SnapshotRetentionLimit`` > 0 whose ``SnapshotWindow`` has begun and has no
snapshot of this window yet gets one, and automatic snapshots older than the limit go.

Replication groups use the same pieces per shard (``group_snapshots.py``): ``take_node`` into a
snapshot, ``restore_node`` out of one, ``finish`` when every shard is in; the Scheduler checks
them too (see docs/elasticache.md, *Snapshots*).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fogbank.arns import arn as make_arn
from fogbank.engines.interface import Persistent
from fogbank.managed.lifecycle import Lifecycle, transitions
from fogbank.managed.records import Record, RecordKind, Scope, dataclass_loader, iso, now
from fogbank.protocols.errors import AwsError
from fogbank.services.elasticache.backend import Backend
from fogbank.services.elasticache.groups import GROUP
from fogbank.services.elasticache.model import CLUSTER, LIFECYCLE, SUBNET_GROUP, ClusterPrivate, Node

log = logging.getLogger(__name__)

SNAPSHOT = "snapshot"
AUTOMATIC_PREFIX = "automatic."
SCHEDULER_KEY = "elasticache automatic snapshots"

SNAPSHOT_LIFECYCLE = Lifecycle(
    SNAPSHOT,
    transitions(
        {
            "creating": ("available", "failed", "deleting"),
            "available": ("copying", "restoring", "deleting"),
            "copying": ("available", "deleting"),
            "restoring": ("available", "deleting"),
            "failed": ("deleting",),
            "deleting": (),
        }
    ),
)
_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


@dataclass
class SnapshotPrivate:
    source: str = "manual"  # "manual" | "automated" (SnapshotSource)
    binary_version: str = ""  # the server that wrote the RDB: an older one cannot load it
    nodes: list[dict[str, Any]] = field(default_factory=list)  # NodeSnapshots, times as ISO strings
    nodes_from: str | None = None  # a replication group's member named by CreateSnapshot's CacheClusterId


KINDS = [RecordKind(SNAPSHOT, dataclass_loader(SnapshotPrivate))]
Snapshot = Record[SnapshotPrivate]


# -- errors (codes from the botocore model; wording follows AWS's, not recorded) ----------------


def not_found(name: str) -> AwsError:
    return AwsError("SnapshotNotFoundFault", f"Snapshot {name} not found.")


def already_exists(name: str) -> AwsError:
    return AwsError("SnapshotAlreadyExistsFault", f"Snapshot {name} already exists.")


def invalid_state(record: Snapshot) -> AwsError:
    return AwsError("InvalidSnapshotState", f"Snapshot {record.identifier} is not in available state (it is "
                    f"{record.status}).")  # fmt: skip


def not_supported(message: str) -> AwsError:
    return AwsError("SnapshotFeatureNotSupportedFault", message)


def quota_exceeded() -> AwsError:
    return AwsError("SnapshotQuotaExceededFault", "The request cannot be processed because it would exceed the "
                    "maximum number of snapshots allowed for this customer.")  # fmt: skip


# -- checks -------------------------------------------------------------------------------------


def check_name(value: Any, member: str = "SnapshotName", user: bool = True) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AwsError("InvalidParameterValue", f"The parameter {member} must be provided and must not be blank.")
    if len(value) > 255 or any(not c.isprintable() or c.isspace() or c in "/\\" for c in value):
        raise AwsError("InvalidParameterValue", f"The parameter {member} is not a valid snapshot name: {value}")
    if user and value.lower().startswith(AUTOMATIC_PREFIX):
        raise AwsError("InvalidParameterValue", f"The parameter {member} must not begin with '{AUTOMATIC_PREFIX}': "
                       "that prefix is reserved for automatic snapshots.")  # fmt: skip
    return value


def check_window(value: str, member: str = "SnapshotWindow") -> str:
    """``hh:mm-hh:mm`` in UTC, at least 60 minutes long, as ElastiCache requires."""
    match = _WINDOW.match(value or "")
    if not match:
        raise AwsError("InvalidParameterValue", f"Invalid {member} format: {value}. The format is hh24:mi-hh24:mi.")
    start, end = int(match[1]) * 60 + int(match[2]), int(match[3]) * 60 + int(match[4])
    if (end - start) % 1440 < 60:
        # Recorded from AWS for SnapshotWindow ("Snapshot window must be at least 60 minutes.").
        what = "Snapshot window" if member == "SnapshotWindow" else f"The {member}"
        raise AwsError("InvalidParameterValue", f"{what} must be at least 60 minutes.")
    return value


def find(scope: Scope, name: str) -> Snapshot:
    record = scope.get(SNAPSHOT, name)
    if record is None:
        raise not_found(name)
    return record


def check_snapshottable(cluster: Record[ClusterPrivate]) -> None:
    """What CreateSnapshot (and FinalSnapshotIdentifier) demand of a cache cluster."""
    if cluster.fields["Engine"] == "memcached":
        raise not_supported("Snapshots are not supported for cache clusters running the memcached engine: "
                            f"{cluster.identifier}.")  # fmt: skip
    if cluster.fields["CacheNodeType"] == "cache.t1.micro":
        raise not_supported("Snapshots are not supported for cache.t1.micro cache nodes.")


def manual_count(scope: Scope) -> int:
    return sum(1 for r in scope.of(SNAPSHOT).values() if r.private.source == "manual")


# -- the record ------------------------------------------------------------------------------


def new_record(be: Backend, ctx_arn: str, scope: Scope, name: str, cluster: Record[ClusterPrivate],
               source: str, tags: list[dict[str, str]]) -> Snapshot:  # fmt: skip
    """A ``creating`` snapshot of a cache cluster, its settings copied (call under the store lock)."""
    fields = cluster_fields(scope, cluster)
    version = be.version_of(cluster)
    private = SnapshotPrivate(source=source, binary_version=version.binary.version)
    return Record(SNAPSHOT, name, ctx_arn, private, fields=fields, status="creating", tags=tags)


def cluster_fields(scope: Scope, cluster: Record[ClusterPrivate]) -> dict[str, Any]:
    f = cluster.fields
    subnet = scope.get(SUBNET_GROUP, f["CacheSubnetGroupName"])
    return {
        "CacheClusterId": cluster.identifier,
        "CacheNodeType": f["CacheNodeType"],
        "Engine": f["Engine"],
        "EngineVersion": f["EngineVersion"],
        "NumCacheNodes": len(cluster.private.nodes),
        "PreferredAvailabilityZone": f["PreferredAvailabilityZone"],
        "CacheClusterCreateTime": cluster.created,
        "PreferredMaintenanceWindow": f["PreferredMaintenanceWindow"],
        "Port": cluster.private.requested_port,
        "CacheParameterGroupName": f["CacheParameterGroupName"],
        "CacheSubnetGroupName": f["CacheSubnetGroupName"],
        "VpcId": subnet.fields.get("VpcId") if subnet is not None else None,
        "AutoMinorVersionUpgrade": f.get("AutoMinorVersionUpgrade", True),
        "SnapshotRetentionLimit": f.get("SnapshotRetentionLimit", 0),
        "SnapshotWindow": f.get("SnapshotWindow"),
        "NumNodeGroups": 1,
        "AutomaticFailover": "disabled",
        "DataTiering": "disabled",
    }


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def render(record: Snapshot, show_node_groups: bool = False) -> dict[str, Any]:
    f = record.fields
    out: dict[str, Any] = {"SnapshotName": record.identifier, "SnapshotStatus": record.status,
                           "SnapshotSource": record.private.source, **f}  # fmt: skip
    out["CacheClusterCreateTime"] = _time(f.get("CacheClusterCreateTime"))
    nodes = []
    for node in record.private.nodes:
        entry: dict[str, Any] = {
            "CacheClusterId": node.get("CacheClusterId") or f.get("CacheClusterId"),
            "CacheNodeId": node["CacheNodeId"],
            "CacheSize": f"{max(1, -(-int(node['CacheSize']) // 2**20))} MB",
            "CacheNodeCreateTime": _time(node.get("CacheNodeCreateTime")),
            "SnapshotCreateTime": _time(node.get("SnapshotCreateTime")),
        }
        if node.get("NodeGroupId"):
            entry["NodeGroupId"] = node["NodeGroupId"]
        if show_node_groups:
            config = {
                "NodeGroupId": node.get("NodeGroupId") or "0001",
                "Slots": node.get("Slots"),
                "ReplicaCount": node.get("ReplicaCount"),
                "PrimaryAvailabilityZone": node.get("PrimaryAvailabilityZone") or f.get("PreferredAvailabilityZone"),
                "ReplicaAvailabilityZones": node.get("ReplicaAvailabilityZones"),
            }
            entry["NodeGroupConfiguration"] = {k: v for k, v in config.items() if v is not None}
        nodes.append({k: v for k, v in entry.items() if v is not None})
    out["NodeSnapshots"] = nodes
    out["ARN"] = record.arn
    return {k: v for k, v in out.items() if v is not None}


def directory(be: Backend, record: Snapshot) -> Path:
    return be.root / "snapshots" / record.resource_id


# -- engine work (on Backend.jobs) -----------------------------------------------------------


def take_node(be: Backend, record: Snapshot, node_group_id: str, process_name: str, data_dir: Path,
              cache_node_id: str, node_created: str, cluster_id: str | None = None) -> None:  # fmt: skip
    """One shard's RDB into the snapshot (the hook replication groups call per node group): the
    running node ``process_name`` BGSAVEs, its RDB is copied; a stopped node's files are copied."""
    driver = be.running.get(process_name)
    if driver is None or not isinstance(driver, Persistent):
        raise RuntimeError(f"{process_name} is not running")
    dest = directory(be, record) / node_group_id
    shutil.rmtree(dest, ignore_errors=True)
    driver.snapshot(process_name, data_dir, dest)
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    with be.store.lock:
        record.private.nodes.append({"CacheClusterId": cluster_id, "NodeGroupId": node_group_id,
                                     "CacheNodeId": cache_node_id, "CacheSize": size,
                                     "CacheNodeCreateTime": node_created, "SnapshotCreateTime": iso(now())})  # fmt: skip


def restore_node(be: Backend, record: Snapshot, node_group_id: str, driver: Any, data_dir: Path) -> None:
    """Make a node's data directory from one shard of the snapshot (the hook for replication
    groups made from a snapshot); the node is then started (not created) on it."""
    source = directory(be, record) / node_group_id
    if not source.is_dir():
        raise RuntimeError(f"snapshot {record.identifier} has no node group {node_group_id}")
    driver.restore(source, data_dir)


def finish(be: Backend, scope: Scope, record: Snapshot, error: Exception | None, source_id: str,
           source_type: str = CLUSTER) -> None:  # fmt: skip
    """The snapshot's status once every shard is in (or one failed), with ElastiCache's event."""
    with be.store.lock:
        if error is None:
            SNAPSHOT_LIFECYCLE.move(record, "available")
        else:
            SNAPSHOT_LIFECYCLE.move(record, "failed")
            log.warning("snapshot %s failed: %s", record.identifier, error)
        be.save(scope)
    source = "cache cluster" if source_type == CLUSTER else "replication group"
    outcome = "succeeded" if error is None else "failed"
    message = f"Snapshot {outcome} for snapshot with ID '{record.identifier}' of {source} with ID '{source_id}'"
    be.event(scope, source_type, source_id, message)


def take(be: Backend, scope: Scope, record: Snapshot, cluster: Record[ClusterPrivate]) -> None:
    """CreateSnapshot's work on a cache cluster (in ``snapshotting`` meanwhile)."""
    error: Exception | None = None
    try:
        node: Node = cluster.private.nodes[0]
        take_node(be, record, "0001", be.process_name(cluster, node), be.node_dir(cluster, node), node.node_id,
                  node.created or cluster.created, cluster.identifier)  # fmt: skip
    except Exception as failure:
        error = failure
    with be.store.lock:
        LIFECYCLE.move_if(cluster, ("snapshotting",), "available")
        be.save(scope)
    finish(be, scope, record, error, cluster.identifier)


def restore_cluster(be: Backend, scope: Scope, record: Snapshot, cluster: Record[ClusterPrivate]) -> None:
    """CreateCacheCluster with SnapshotName: the node's data from the snapshot, then the usual create."""
    from fogbank.services.elasticache import nodes

    try:
        node = cluster.private.nodes[0]
        restore_node(be, record, "0001", be.driver_of(cluster), be.node_dir(cluster, node))
    except Exception as error:
        log.warning("restoring %s from %s failed: %s", cluster.identifier, record.identifier, error)
        with be.store.lock:
            LIFECYCLE.move(cluster, "failed")
            be.save(scope)
        be.event(scope, CLUSTER, cluster.identifier, f"Restore from snapshot {record.identifier} failed: {error}")
    else:
        nodes.create(be, scope, cluster)
        be.event(scope, CLUSTER, cluster.identifier, f"Restored cache cluster from snapshot {record.identifier}")
    with be.store.lock:
        SNAPSHOT_LIFECYCLE.move_if(record, ("restoring",), "available")
        be.save(scope)


def copy(be: Backend, scope: Scope, source: Snapshot, target: Snapshot) -> None:
    error: Exception | None = None
    try:
        shutil.copytree(directory(be, source), directory(be, target))
    except Exception as failure:
        error = failure
    with be.store.lock:
        SNAPSHOT_LIFECYCLE.move_if(source, ("copying",), "available")
        be.save(scope)
    if target.fields.get("ReplicationGroupId"):
        finish(be, scope, target, error, target.fields["ReplicationGroupId"], GROUP)
    else:
        finish(be, scope, target, error, target.fields.get("CacheClusterId") or "")


def delete(be: Backend, scope: Scope, record: Snapshot) -> None:
    shutil.rmtree(directory(be, record), ignore_errors=True)
    with be.store.lock:
        scope.remove(record)
        be.save(scope)


def final_then_delete(be: Backend, scope: Scope, record: Snapshot | None, cluster: Record[ClusterPrivate]) -> None:
    """DeleteCacheCluster: the final snapshot (FinalSnapshotIdentifier) while the node still runs,
    then the delete; the cluster's automatic snapshots go with it, as on AWS."""
    from fogbank.services.elasticache import nodes

    if record is not None:
        error: Exception | None = None
        try:
            node = cluster.private.nodes[0]
            take_node(be, record, "0001", be.process_name(cluster, node), be.node_dir(cluster, node), node.node_id,
                      node.created or cluster.created, cluster.identifier)  # fmt: skip
        except Exception as failure:
            error = failure
        finish(be, scope, record, error, cluster.identifier)
    nodes.delete(be, scope, cluster)
    drop_automatic(be, scope, cluster.identifier)


def drop_automatic(be: Backend, scope: Scope, source_id: str, older_than: dt.datetime | None = None,
                   member: str = "CacheClusterId") -> None:  # fmt: skip
    """The automatic snapshots of a cache cluster (or, by ``member``, a replication group)."""
    with be.store.lock:
        gone = [r for r in scope.of(SNAPSHOT).values()
                if r.private.source == "automated" and r.fields.get(member) == source_id
                and r.status in ("available", "failed")
                and (older_than is None or dt.datetime.fromisoformat(r.created) < older_than)]  # fmt: skip
        for r in gone:
            SNAPSHOT_LIFECYCLE.move(r, "deleting")
        be.save(scope)
    for r in gone:
        delete(be, scope, r)


def recover(be: Backend) -> None:
    """At start: work that was cut short. A snapshot being made is lost (failed), a delete is
    finished, a copy's or restore's source is available again."""
    with be.store.lock:
        items = be.store.all_records(SNAPSHOT)
        for _, record in items:
            if record.status == "creating":
                SNAPSHOT_LIFECYCLE.move(record, "failed")
            elif record.status in ("copying", "restoring"):
                SNAPSHOT_LIFECYCLE.move(record, "available")
        for scope in be.store.scopes.values():
            be.save(scope)
    for scope, record in items:
        if record.status == "deleting":
            be.jobs.submit(record.resource_id, lambda s=scope, r=record: delete(be, s, r), grace=0)


# -- automatic snapshots ---------------------------------------------------------------------


def window_start(window: str, moment: dt.datetime) -> dt.datetime | None:
    """The start of the occurrence of ``window`` (``hh:mm-hh:mm`` UTC) that contains ``moment``, or None."""
    match = _WINDOW.match(window or "")
    if not match:
        return None
    moment = moment.astimezone(dt.UTC)
    start_minute, end_minute = int(match[1]) * 60 + int(match[2]), int(match[3]) * 60 + int(match[4])
    length = (end_minute - start_minute) % 1440 or 1440
    for days_back in (0, 1):  # a window that wraps midnight began yesterday
        day = (moment - dt.timedelta(days=days_back)).replace(hour=0, minute=0, second=0, microsecond=0)
        start = day + dt.timedelta(minutes=start_minute)
        if start <= moment < start + dt.timedelta(minutes=length):
            return start
    return None


def automatic(be: Backend, moment: dt.datetime, sources: list[tuple[Scope, Record[Any]]], lifecycle: Lifecycle,
              make: Callable[[Scope, str, Record[Any]], Snapshot],
              take_one: Callable[[Backend, Scope, Snapshot, Record[Any]], None],
              member: str = "CacheClusterId") -> list[str]:  # fmt: skip
    """Automatic snapshots of cache clusters or replication groups (``sources``) at ``moment``:
    each source's automatic snapshots older than its ``SnapshotRetentionLimit`` in days go, and
    one whose ``SnapshotWindow`` has begun gets that window's snapshot once (``make``, then
    ``take_one`` queued); the names taken. A snapshot names its source in ``member``."""
    taken = []
    for scope, source in sources:
        limit = int(source.fields.get("SnapshotRetentionLimit") or 0)
        drop_automatic(be, scope, source.identifier, moment - dt.timedelta(days=limit), member)
        began = window_start(source.fields.get("SnapshotWindow") or "", moment)
        if limit <= 0 or began is None or source.status != "available":
            continue
        name = f"{AUTOMATIC_PREFIX}{source.identifier}-{began:%Y-%m-%d-%H-%M}"
        with be.store.lock:
            if scope.get(SNAPSHOT, name) is not None or source.status != "available":
                continue
            record = make(scope, name, source)
            scope.add(record)
            lifecycle.move(source, "snapshotting")
            be.save(scope)
        taken.append(name)
        be.jobs.submit(source.resource_id, lambda s=scope, r=record, c=source: take_one(be, s, r, c), grace=0)
    return taken


class Scheduler:
    """Automatic snapshots by SnapshotRetentionLimit / SnapshotWindow, checked every ``interval``
    seconds on the service's jobs. ``tick(moment)`` is one check at any moment (tests pass their own)."""

    def __init__(self, be: Backend, interval: float) -> None:
        self.be, self.interval = be, interval

    def start(self) -> None:
        if self.interval > 0:
            self.be.jobs.later(SCHEDULER_KEY, self.interval, self._again)

    def _again(self) -> None:
        try:
            self.tick(now())
        finally:
            self.start()

    def tick(self, moment: dt.datetime) -> list[str]:
        """Apply the changes whose maintenance window has come (``maintain``), take the snapshots
        due at ``moment`` and drop expired ones; the names taken."""
        self.maintain(moment)
        be = self.be
        clusters = [(scope, c) for scope, c in be.store.all_records(CLUSTER) if c.fields["Engine"] != "memcached"]
        taken = automatic(be, moment, clusters, LIFECYCLE, lambda scope, name, c: new_record(
            be, make_arn("elasticache", scope.region, scope.account, f"snapshot:{name}"), scope, name, c,
            "automated", []), take)  # fmt: skip
        from fogbank.services.elasticache import group_snapshots  # it builds on this module

        return taken + group_snapshots.tick(self.be, moment)

    def maintain(self, moment: dt.datetime) -> list[str]:
        """The pending changes (ApplyImmediately false) of every cache cluster and replication
        group whose next maintenance window has begun at ``moment``; the identifiers applied."""
        # The operations' own checks and work apply them: imported here, as they import this module.
        from fogbank.services.elasticache import maintenance
        from fogbank.services.elasticache.groups import GROUP
        from fogbank.services.elasticache.ops import clusters, replication_groups

        applied = []
        for kind, apply in ((CLUSTER, clusters.apply_pending), (GROUP, replication_groups.apply_pending)):
            for scope, record in self.be.store.all_records(kind):
                window = record.fields.get("PreferredMaintenanceWindow") or ""
                if record.private.pending and maintenance.due(window, record.private.pending_since, moment):
                    if apply(self.be, scope, record):
                        applied.append(record.identifier)
        return applied
