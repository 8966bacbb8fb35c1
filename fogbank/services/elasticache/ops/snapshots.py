"""Snapshots: Create, Copy, Delete, Describe; and what cache cluster operations need of them
(a cluster from ``SnapshotName``, ``FinalSnapshotIdentifier``). Checks first, then the record
moves and the engine work is queued (``elasticache/snapshots.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record, Scope
from fogbank.managed.tags import check as check_tags
from fogbank.protocols import paging
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.elasticache import errors, group_snapshots, snapshots
from fogbank.services.elasticache.backend import Backend
from fogbank.services.elasticache.groups import LIFECYCLE as GROUP_LIFECYCLE
from fogbank.services.elasticache.groups import Group, Member, members_of
from fogbank.services.elasticache.model import CLUSTER, LIFECYCLE, ClusterPrivate
from fogbank.services.elasticache.ops.common import TAG_RULES, backend, cluster
from fogbank.services.elasticache.snapshots import SNAPSHOT, SNAPSHOT_LIFECYCLE, Snapshot

SOURCES = {"system": "automated", "user": "manual"}  # DescribeSnapshots SnapshotSource -> the snapshot's


def _check_new(be: Backend, scope: Scope, name: str) -> None:
    if scope.get(SNAPSHOT, name) is not None:
        raise snapshots.already_exists(name)
    if snapshots.manual_count(scope) >= be.config.elasticache_snapshot_quota:
        raise snapshots.quota_exceeded()


@operation("CreateSnapshot")
def create_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    name = snapshots.check_name(params.get("SnapshotName"))
    tags = check_tags(params.get("Tags"), TAG_RULES)
    if params.get("ReplicationGroupId") and params.get("CacheClusterId"):
        raise errors.invalid_combination("Only one of ReplicationGroupId and CacheClusterId can be specified.")
    if params.get("ReplicationGroupId"):
        return _create_group_snapshot(ctx, be, scope, name, params, tags)
    if not params.get("CacheClusterId"):
        raise errors.invalid_value("One of ReplicationGroupId or CacheClusterId must be specified.")
    if _member(scope, params["CacheClusterId"]) is not None:
        return _create_group_snapshot(ctx, be, scope, name, params, tags)
    with be.store.lock:
        source = cluster(scope, params["CacheClusterId"])
        snapshots.check_snapshottable(source)
        if source.status != "available":
            raise errors.invalid_cluster_state(source.identifier, source.status or "")
        _check_new(be, scope, name)
        record = snapshots.new_record(be, ctx.arn("elasticache", f"snapshot:{name}"), scope, name, source,
                                      "manual", tags)  # fmt: skip
        out = _store(be, scope, record, params, lambda: LIFECYCLE.move(source, "snapshotting"))
    be.jobs.submit(source.resource_id, lambda: snapshots.take(be, scope, record, source))
    return out


def _create_group_snapshot(ctx: RequestContext, be: Backend, scope: Scope, name: str, params: dict[str, Any],
                           tags: list[dict[str, str]]) -> dict[str, Any]:  # fmt: skip
    """CreateSnapshot(ReplicationGroupId): every shard's RDB (``group_snapshots.take``); with the
    CacheClusterId of a member of a cluster mode disabled group, that node's RDB (AWS's example)."""
    from fogbank.services.elasticache.ops.replication_groups import find as find_group
    from fogbank.services.elasticache.ops.replication_groups import invalid_state as group_state

    with be.store.lock:
        found = _member(scope, params.get("CacheClusterId") or "")
        source, member = found if found is not None else (find_group(scope, params["ReplicationGroupId"]), None)
        if member is not None and source.private.cluster_mode:
            raise errors.invalid_combination(f"Cache cluster {member.cluster_id} is a member of the cluster mode "
                                             f"enabled replication group {source.identifier}: snapshot the group "
                                             "with ReplicationGroupId.")  # fmt: skip
        check_group_snapshottable(source)
        if source.status != "available":
            raise group_state(source)
        _check_new(be, scope, name)
        record = group_snapshots.new_record(be, ctx.arn("elasticache", f"snapshot:{name}"), scope, name, source,
                                            "manual", tags, member)  # fmt: skip
        out = _store(be, scope, record, params, lambda: GROUP_LIFECYCLE.move(source, "snapshotting"))
    be.jobs.submit(source.resource_id, lambda: group_snapshots.take(be, scope, record, source))
    return out


def _store(
    be: Backend, scope: Scope, record: Snapshot, params: dict[str, Any], mark: Callable[[], Any]
) -> dict[str, Any]:
    """A new snapshot stored (``KmsKeyId`` recorded) and its source marked (``mark``), under the
    store's lock; the answer. The engine work is queued by the caller once the lock is released."""
    if params.get("KmsKeyId"):
        record.fields["KmsKeyId"] = params["KmsKeyId"]
    scope.add(record)
    mark()
    be.save(scope)
    return {"Snapshot": snapshots.render(record)}


def _member(scope: Scope, cluster_id: str) -> tuple[Group, Member] | None:
    """The replication group and member that a CacheClusterId names, if it names one."""
    wanted = cluster_id.lower()
    return next(((g, m) for g, m in members_of(scope) if m.cluster_id == wanted), None)


def check_group_snapshottable(group: Group) -> None:
    if group.fields["CacheNodeType"] == "cache.t1.micro":
        raise snapshots.not_supported("Snapshots are not supported for cache.t1.micro cache nodes.")


@operation("CopySnapshot")
def copy_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    source_name = snapshots.check_name(params.get("SourceSnapshotName"), "SourceSnapshotName", user=False)
    target_name = snapshots.check_name(params.get("TargetSnapshotName"), "TargetSnapshotName")
    tags = check_tags(params.get("Tags"), TAG_RULES)
    if params.get("TargetBucket"):
        raise errors.invalid_value("TargetBucket: exporting a snapshot to Amazon S3 is not supported by Fogbank "
                                   "(it serves no S3).")  # fmt: skip
    with be.store.lock:
        source = snapshots.find(scope, source_name)
        if source.status != "available":
            raise snapshots.invalid_state(source)
        _check_new(be, scope, target_name)
        target = Record(SNAPSHOT, target_name, ctx.arn("elasticache", f"snapshot:{target_name}"),
                        snapshots.SnapshotPrivate("manual", source.private.binary_version,
                                                  [dict(node) for node in source.private.nodes]),
                        fields=dict(source.fields), status="creating", tags=tags)  # fmt: skip
        if params.get("KmsKeyId"):
            target.fields["KmsKeyId"] = params["KmsKeyId"]
        scope.add(target)
        SNAPSHOT_LIFECYCLE.move(source, "copying")
        be.save(scope)
        out = {"Snapshot": snapshots.render(target)}
    be.jobs.submit(target.resource_id, lambda: snapshots.copy(be, scope, source, target))
    return out


@operation("DeleteSnapshot")
def delete_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    name = snapshots.check_name(params.get("SnapshotName"), user=False)
    with be.store.lock:
        record = snapshots.find(scope, name)
        if record.status not in ("available", "failed"):
            raise snapshots.invalid_state(record)
        SNAPSHOT_LIFECYCLE.move(record, "deleting")
        be.save(scope)
        out = {"Snapshot": snapshots.render(record)}
    be.jobs.submit(record.resource_id, lambda: snapshots.delete(be, scope, record))
    return out


@operation("DescribeSnapshots")
def describe_snapshots(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    size = params.get("MaxRecords")
    if size is None:
        size = 50
    elif not 20 <= size <= 50:
        raise errors.invalid_value(f"Invalid value {size} for MaxRecords. Must be between 20 and 50")
    source = params.get("SnapshotSource")
    if source is not None and source not in SOURCES:
        raise errors.invalid_value(f"Invalid value for SnapshotSource: {source}. Valid values are: system, user")
    with be.store.lock:
        items = list(scope.of(SNAPSHOT).values())
        if params.get("SnapshotName"):
            items = [r for r in items if r.identifier == params["SnapshotName"]]
            if not items:
                raise snapshots.not_found(params["SnapshotName"])
        if params.get("CacheClusterId"):
            wanted = params["CacheClusterId"].lower()
            items = [r for r in items if r.fields.get("CacheClusterId") == wanted]
            if not items and scope.get(CLUSTER, wanted) is None:  # snapshots outlive their cluster
                raise errors.cluster_not_found(wanted)
        if params.get("ReplicationGroupId"):
            items = [r for r in items if r.fields.get("ReplicationGroupId") == params["ReplicationGroupId"].lower()]
        if source is not None:
            items = [r for r in items if r.private.source == SOURCES[source]]
        marker = params.get("Marker")
        chunk, next_marker = paging.page(items, size, marker, key=lambda r: r.identifier,
                                         invalid=lambda: AwsError("InvalidParameterValue", f"Invalid marker: {marker}"))  # fmt: skip
        show = bool(params.get("ShowNodeGroupConfig"))
        return {"Snapshots": [snapshots.render(r, show) for r in chunk], "Marker": next_marker}


# -- what cache cluster operations ask (ops/clusters.py) -------------------------------------


def restore_source(ctx: RequestContext, be: Backend, scope: Scope, params: dict[str, Any]) -> Snapshot | None:
    """CreateCacheCluster's SnapshotName / SnapshotArns: the snapshot to restore, checked; the
    cluster's settings default to the snapshot's (``params`` is completed in place)."""
    if params.get("SnapshotArns"):
        for arn in params["SnapshotArns"]:
            if not isinstance(arn, str) or not arn.startswith("arn:aws:s3:::") or "/" not in arn[13:]:
                raise errors.invalid_value(f"Invalid SnapshotArn: {arn}. It must be the ARN of an RDB file in "
                                           "Amazon S3 (arn:aws:s3:::bucket/object).")  # fmt: skip
        raise errors.invalid_value("SnapshotArns: seeding a cluster from RDB files in Amazon S3 is not supported by "
                                   "Fogbank (it serves no S3); restore a snapshot by SnapshotName.")  # fmt: skip
    name = params.get("SnapshotName")
    if name is None:
        return None
    with be.store.lock:
        record = snapshots.find(scope, snapshots.check_name(name, user=False))
        if record.status != "available":
            raise snapshots.invalid_state(record)
        engine = params.get("Engine") or record.fields["Engine"]
        if engine == "memcached":
            raise errors.invalid_combination("A memcached cache cluster cannot be created from a snapshot.")
        if is_cluster_mode(record):
            raise errors.invalid_combination(f"Snapshot {record.identifier} is of a cluster mode enabled replication "
                                             "group: restore it with CreateReplicationGroup.")  # fmt: skip
        if params.get("NumCacheNodes", 1) != 1:
            raise errors.invalid_combination("A cache cluster created from a snapshot has one cache node.")
        params.setdefault("Engine", engine)
        if engine == record.fields["Engine"]:
            params.setdefault("EngineVersion", record.fields["EngineVersion"])
        params.setdefault("CacheNodeType", record.fields["CacheNodeType"])
        for member in ("Port", "SnapshotRetentionLimit", "SnapshotWindow", "PreferredMaintenanceWindow"):
            if record.fields.get(member) and params.get(member) is None:
                params[member] = record.fields[member]
        return record


def check_restore(be: Backend, record: Snapshot, target: Record[ClusterPrivate]) -> None:
    """An RDB is read only by a server as new as the one that wrote it."""
    from fogbank.engines.binary import version_key

    if record.status != "available":
        raise snapshots.invalid_state(record)
    written, reader = record.private.binary_version, be.version_of(target).binary.version
    if written and version_key(reader) < version_key(written):
        raise errors.invalid_combination(
            f"Snapshot {record.identifier} was written by {record.fields['Engine']} {record.fields['EngineVersion']} "
            f"(server {written}); {target.fields['Engine']} {target.fields['EngineVersion']} is served by {reader}, "
            "which cannot read it. Choose the same or a newer engine version."
        )


def start_restore(be: Backend, scope: Scope, record: Snapshot, target: Record[ClusterPrivate]) -> None:
    """Mark the snapshot ``restoring`` and queue the cluster's create from it."""
    with be.store.lock:
        SNAPSHOT_LIFECYCLE.move_if(record, ("available",), "restoring")
        be.save(scope)
    be.jobs.submit(target.resource_id, lambda: snapshots.restore_cluster(be, scope, record, target))


def final_snapshot(ctx: RequestContext, be: Backend, scope: Scope, target: Record[ClusterPrivate],
                   name: str | None) -> Snapshot | None:  # fmt: skip
    """DeleteCacheCluster's FinalSnapshotIdentifier, checked and recorded ``creating`` (under the lock)."""
    if name is None:
        return None
    name = snapshots.check_name(name, "FinalSnapshotIdentifier")
    snapshots.check_snapshottable(target)
    if target.status != "available":
        raise errors.invalid_cluster_state(target.identifier, target.status or "")
    _check_new(be, scope, name)
    record = snapshots.new_record(be, ctx.arn("elasticache", f"snapshot:{name}"), scope, name, target, "manual", [])
    scope.add(record)
    return record


# -- what replication group operations ask (ops/replication_groups.py) -----------------------


def is_cluster_mode(record: Snapshot) -> bool:
    """A snapshot of a cluster mode enabled group: its shards have slots."""
    return any(node.get("Slots") for node in record.private.nodes)


def group_restore_source(be: Backend, scope: Scope, params: dict[str, Any]) -> Snapshot | None:
    """CreateReplicationGroup's SnapshotName: the snapshot, checked; the group's settings default
    to the snapshot's (``params`` is completed in place). A cluster mode enabled snapshot makes
    a cluster mode enabled group, with the snapshot's shard count unless told another."""
    name = params.get("SnapshotName")
    if name is None:
        return None
    with be.store.lock:
        record = snapshots.find(scope, snapshots.check_name(name, user=False))
        if record.status != "available":
            raise snapshots.invalid_state(record)
        if record.fields["Engine"] == "memcached":
            raise errors.invalid_combination("A replication group cannot be created from a memcached snapshot.")
        params.setdefault("Engine", record.fields["Engine"])
        if params["Engine"] == record.fields["Engine"]:
            params.setdefault("EngineVersion", record.fields["EngineVersion"])
        params.setdefault("CacheNodeType", record.fields["CacheNodeType"])
        for member in ("Port", "SnapshotRetentionLimit", "SnapshotWindow", "PreferredMaintenanceWindow"):
            if record.fields.get(member) and params.get(member) is None:
                params[member] = record.fields[member]
        if is_cluster_mode(record):
            if params.get("ClusterMode") in ("disabled", "compatible"):
                raise errors.invalid_combination(f"Snapshot {record.identifier} is of a cluster mode enabled "
                                                 "replication group: the new group needs cluster mode enabled.")  # fmt: skip
            params.setdefault("ClusterMode", "enabled")
            if not params.get("NodeGroupConfiguration"):
                params.setdefault("NumNodeGroups", len(record.private.nodes))
        return record


def start_group_restore(be: Backend, scope: Scope, record: Snapshot, target: Group) -> None:
    """The group remembers its snapshot (a restart seeds it again) and the snapshot is ``restoring``
    (call under the store lock, once ``check_restore`` passed)."""
    target.private.seed_snapshot = record.identifier
    SNAPSHOT_LIFECYCLE.move_if(record, ("available",), "restoring")


def final_group_snapshot(ctx: RequestContext, be: Backend, scope: Scope, target: Group,
                         name: str | None) -> Snapshot | None:  # fmt: skip
    """DeleteReplicationGroup's FinalSnapshotIdentifier, checked and recorded ``creating`` (under the lock)."""
    if name is None:
        return None
    name = snapshots.check_name(name, "FinalSnapshotIdentifier")
    check_group_snapshottable(target)
    _check_new(be, scope, name)
    record = group_snapshots.new_record(be, ctx.arn("elasticache", f"snapshot:{name}"), scope, name, target,
                                        "manual", [])  # fmt: skip
    scope.add(record)
    return record
