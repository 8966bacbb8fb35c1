"""Snapshots of replication groups: one real RDB per node group (shard), and groups made from them.

A snapshot is taken from a replica of each node group when it has one, as ElastiCache takes
it (``SnapshottingClusterId``), so that the primary never forks for it; else from the primary.
Each shard's RDB goes through ``snapshots.take_node`` into ``<snapshot>/<node group id>/``.

A group made from a snapshot (``SnapshotName``) gets its data back before it is ``available``:

- cluster mode disabled: the snapshot's RDB becomes the primary's data directory before it
  starts (``snapshots.restore_node``); the replicas sync from it, as after any restart.
- cluster mode enabled: the cluster is made empty with its own slots, then each shard of the
  snapshot is loaded into a short-lived standalone node (the RDB as is) whose keys MIGRATE to
  the primary that owns their slot now. So a snapshot restores into any number of shards and
  any slot layout, as AWS allows (and a cluster-mode-disabled snapshot seeds a cluster too).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections import defaultdict
from contextlib import closing
from typing import Any

import redis
from redis.crc import key_slot

from fogbank.arns import arn as make_arn
from fogbank.engines import datadirs
from fogbank.engines.interface import CacheNodeSpec
from fogbank.engines.valkey_conf import ADMIN_USER
from fogbank.managed import ports
from fogbank.managed.records import Record, Scope
from fogbank.services.elasticache import errors, replication, snapshots
from fogbank.services.elasticache.backend import SERVICE, Backend
from fogbank.services.elasticache.groups import GROUP, LIFECYCLE, Group, Member, slot_text, snapshotting_member
from fogbank.services.elasticache.model import SUBNET_GROUP
from fogbank.services.elasticache.snapshots import SNAPSHOT, SNAPSHOT_LIFECYCLE, Snapshot

log = logging.getLogger(__name__)
MIGRATE_BATCH = 200  # keys per MIGRATE


def group_fields(scope: Scope, group: Group) -> dict[str, Any]:
    """What a Snapshot of a replication group shows of its source (and a group made from it takes)."""
    f = group.fields
    subnet = scope.get(SUBNET_GROUP, f["CacheSubnetGroupName"])
    return {
        "ReplicationGroupId": group.identifier,
        "ReplicationGroupDescription": f["Description"],
        "CacheNodeType": f["CacheNodeType"],
        "Engine": f["Engine"],
        "EngineVersion": f["EngineVersion"],
        "PreferredMaintenanceWindow": f["PreferredMaintenanceWindow"],
        "Port": group.private.port,
        "CacheParameterGroupName": f["CacheParameterGroupName"],
        "CacheSubnetGroupName": f["CacheSubnetGroupName"],
        "VpcId": subnet.fields.get("VpcId") if subnet is not None else None,
        "AutoMinorVersionUpgrade": f.get("AutoMinorVersionUpgrade", True),
        "SnapshotRetentionLimit": f.get("SnapshotRetentionLimit", 0),
        "SnapshotWindow": f.get("SnapshotWindow"),
        "NumNodeGroups": len(group.private.node_groups),
        "AutomaticFailover": f["AutomaticFailover"],
        "DataTiering": "disabled",
    }


def new_record(be: Backend, arn: str, scope: Scope, name: str, group: Group, source: str,
               tags: list[dict[str, str]], member: Member | None = None) -> Snapshot:  # fmt: skip
    """A ``creating`` snapshot of a replication group, or of one ``member`` of it (CreateSnapshot
    with its CacheClusterId: shown as a one-node cluster's snapshot; call under the store lock)."""
    private = snapshots.SnapshotPrivate(source=source, binary_version=be.version_of(group).binary.version)
    fields = group_fields(scope, group)
    if member is not None:
        for key in ("ReplicationGroupId", "ReplicationGroupDescription", "NumNodeGroups", "AutomaticFailover"):
            fields.pop(key)
        fields.update({"CacheClusterId": member.cluster_id, "NumCacheNodes": 1,
                       "PreferredAvailabilityZone": member.zone, "CacheClusterCreateTime": member.created or None})  # fmt: skip
        private.nodes_from = member.cluster_id
    return Record(SNAPSHOT, name, arn, private, fields=fields, status="creating", tags=tags)


def check_modify(group: Group, params: dict[str, Any]) -> dict[str, Any]:
    """ModifyReplicationGroup's SnapshottingClusterId: a member of a cluster mode disabled group."""
    wanted = params.get("SnapshottingClusterId")
    if wanted is None:
        return {}
    if group.private.cluster_mode:
        raise errors.invalid_combination("SnapshottingClusterId cannot be set for cluster mode enabled replication "
                                         "groups.")  # fmt: skip
    if group.private.member(wanted.lower()) is None:
        raise errors.cluster_not_found(wanted.lower())
    return {"snapshotting": wanted.lower()}


def _take_all(be: Backend, record: Snapshot, group: Group) -> None:
    chosen = group.private.member(record.private.nodes_from) if record.private.nodes_from else None
    for node_group in group.private.node_groups:
        member = chosen or snapshotting_member(group, node_group.node_group_id)
        if member is None:
            raise RuntimeError(f"node group {node_group.node_group_id} has no available node")
        snapshots.take_node(be, record, node_group.node_group_id, replication.process_name(group, member),
                            replication.data_dir(be, group, member), "0001", member.created or group.created,
                            member.cluster_id)  # fmt: skip
        with be.store.lock:  # the shard's NodeGroupConfiguration, as ShowNodeGroupConfig shows it
            node = record.private.nodes[-1]
            shard = group.private.of(node_group.node_group_id)
            primary = group.private.primary(node_group.node_group_id)
            node["ReplicaCount"] = len(shard) - 1
            node["PrimaryAvailabilityZone"] = primary.zone if primary is not None else member.zone
            node["ReplicaAvailabilityZones"] = [m.zone for m in shard if m is not primary]
            if group.private.cluster_mode:
                node["Slots"] = slot_text(node_group.slots)


def take(be: Backend, scope: Scope, record: Snapshot, group: Group) -> None:
    """CreateSnapshot's work on a replication group (``snapshotting`` meanwhile)."""
    error: Exception | None = None
    try:
        _take_all(be, record, group)
    except Exception as failure:
        error = failure
    with be.store.lock:
        LIFECYCLE.move_if(group, ("snapshotting",), "available")
        be.save(scope)
    if record.private.nodes_from:
        snapshots.finish(be, scope, record, error, record.private.nodes_from)
    else:
        snapshots.finish(be, scope, record, error, group.identifier, GROUP)


def final_then_delete(be: Backend, scope: Scope, record: Snapshot | None, group: Group,
                      retain: Member | None = None) -> None:  # fmt: skip
    """DeleteReplicationGroup: the final snapshot (FinalSnapshotIdentifier) while the nodes still
    run, then the delete; the group's automatic snapshots go with it, as on AWS."""
    if record is not None:
        error: Exception | None = None
        try:
            _take_all(be, record, group)
        except Exception as failure:
            error = failure
        snapshots.finish(be, scope, record, error, group.identifier, GROUP)
    replication.delete(be, scope, group, retain)
    drop_automatic(be, scope, group.identifier)


def drop_automatic(be: Backend, scope: Scope, group_id: str, older_than: dt.datetime | None = None) -> None:
    snapshots.drop_automatic(be, scope, group_id, older_than, member="ReplicationGroupId")


# -- a group made from a snapshot --------------------------------------------------------------


def _seed_record(scope: Scope, group: Group) -> Snapshot:
    name = group.private.seed_snapshot
    record = scope.get(SNAPSHOT, name) if name else None
    if record is None:
        raise RuntimeError(f"snapshot {name} is gone")
    return record


def seed_before_start(be: Backend, scope: Scope, group: Group) -> None:
    """Cluster mode disabled: the snapshot's RDB is the primary's data directory."""
    if group.private.seed_snapshot is None or group.private.cluster_mode:
        return
    record = _seed_record(scope, group)
    primary = group.private.primary("0001")
    assert primary is not None
    node_group_id = (record.private.nodes[0].get("NodeGroupId") if record.private.nodes else None) or "0001"
    snapshots.restore_node(be, record, node_group_id, replication.driver_of(be, group),
                           replication.data_dir(be, group, primary))  # fmt: skip


def seed_after_start(be: Backend, scope: Scope, group: Group) -> None:
    """Cluster mode enabled: each shard of the snapshot into the running, empty cluster."""
    if group.private.seed_snapshot is None or not group.private.cluster_mode:
        return
    record = _seed_record(scope, group)
    for node in record.private.nodes:
        _load_shard(be, group, record, node.get("NodeGroupId") or "0001")


def _load_shard(be: Backend, group: Group, record: Snapshot, node_group_id: str) -> None:
    """One shard of the snapshot in a standalone node of its own; its keys MIGRATE to the
    primaries that own their slots in ``group``."""
    driver = replication.driver_of(be, group)
    work = be.cluster_dir(group) / f".seed-{node_group_id}"
    shutil.rmtree(work, ignore_errors=True)
    data_dir = work / "data"
    snapshots.restore_node(be, record, node_group_id, driver, data_dir)
    name = f"{SERVICE}/{group.resource_id}/seed-{node_group_id}"
    held = [ports.allocate(be.supervisor, None)]  # the port it runs on (moved when another program took it)

    def begin(port: int) -> Any:
        spec = CacheNodeSpec(name=name, data_dir=data_dir, port=port, settings={},
                             admin_password=group.private.admin_password)  # fmt: skip
        return driver.start(spec)

    def moved(old: int, new: int) -> None:
        held[0] = new

    try:
        try:
            ports.start_on_port(be.supervisor, held[0], begin, moved)
        except Exception as error:
            log_file = datadirs.log_file_for(data_dir)
            tail = log_file.read_text(errors="replace").strip().splitlines()[-3:] if log_file.is_file() else []
            raise RuntimeError(f"loading shard {node_group_id} of snapshot {record.identifier}: {error} "
                               f"{' | '.join(tail)}") from error  # fmt: skip
        with closing(redis.Redis(port=held[0], username=ADMIN_USER, password=group.private.admin_password,
                                 socket_timeout=30)) as source:  # fmt: skip
            others = [db for db in source.info("keyspace") if db != "db0"]
            if others:
                raise RuntimeError(f"the snapshot holds keys in {', '.join(others)}: cluster mode uses db0 only")
            _migrate_all(group, source)
    finally:
        driver.stop(name)
        be.supervisor.release_port(held[0])
        shutil.rmtree(work, ignore_errors=True)


def _migrate_all(group: Group, source: redis.Redis) -> None:
    owner: dict[int, Member] = {}
    for node_group in group.private.node_groups:
        primary = group.private.primary(node_group.node_group_id)
        assert primary is not None
        for first, last in node_group.slots:
            for slot in range(first, last + 1):
                owner[slot] = primary
    port, password = group.private.port, group.private.admin_password
    for keys in _batches(source):
        by_target: dict[str, list[bytes]] = defaultdict(list)
        for key in keys:
            by_target[owner[key_slot(key)].address].append(key)
        for address, chunk in by_target.items():
            source.execute_command("MIGRATE", address, port, "", 0, 10000, "REPLACE", "AUTH2", ADMIN_USER, password,
                                   "KEYS", *chunk)  # fmt: skip


def _batches(source: redis.Redis) -> Any:
    """The node's keys in batches. SCAN returns every key present throughout, though MIGRATE
    removes keys meanwhile; one it returns twice is skipped."""
    seen: set[bytes] = set()
    batch: list[bytes] = []
    for key in source.scan_iter(count=MIGRATE_BATCH):
        if key in seen:
            continue
        seen.add(key)
        batch.append(key)
        if len(batch) >= MIGRATE_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def seeded(be: Backend, scope: Scope, group: Group, error: Exception | None) -> None:
    """The snapshot a group was made from is ``available`` again, and the events say how it went."""
    name = group.private.seed_snapshot
    with be.store.lock:
        record = scope.get(SNAPSHOT, name) if name else None
        if record is not None:
            SNAPSHOT_LIFECYCLE.move_if(record, ("restoring",), "available")
        if error is None:
            group.private.seed_snapshot = None
        be.save(scope)
    if error is None:
        be.event(scope, GROUP, group.identifier, f"Restored replication group from snapshot {name}")
    else:
        be.event(scope, GROUP, group.identifier, f"Restore from snapshot {name} failed: {error}")


# -- automatic snapshots ---------------------------------------------------------------------


def tick(be: Backend, moment: dt.datetime) -> list[str]:
    """The Scheduler's check for replication groups: the snapshots due and the expired ones."""
    return snapshots.automatic(be, moment, be.store.all_records(GROUP), LIFECYCLE, lambda scope, name, group: new_record(
        be, make_arn("elasticache", scope.region, scope.account, f"snapshot:{name}"), scope, name, group,
        "automated", []), take, member="ReplicationGroupId")  # fmt: skip
