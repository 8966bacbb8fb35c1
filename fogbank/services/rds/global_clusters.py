"""Aurora global databases: one primary DB cluster that writes, secondary clusters in other
(Fogbank) regions that replicate from it with the engine's own replication, read-only.

A global database's record (``GLOBAL_CLUSTER``) lives in the region where it was created and is
found from any region of its account (AWS's ARN has no region: ``arn:aws:rds::<account>:global-cluster:<id>``);
its members are the clusters whose ``GlobalClusterIdentifier`` names it, the primary the one its
record names. A secondary cluster's first instance (its head) is a replica of the primary's writer
in the other region: its ``ReadReplicaSourceDBInstanceIdentifier`` is the writer's ARN, as RDS names
cross-region sources, which ``replicas.source_of`` resolves here; the secondary's other instances
are replicas of its head. As on Aurora, replication to a secondary is asynchronous (the primary's
commit quorum is its own readers) and a secondary has no writer.

Switchover (``FailoverGlobalCluster`` without data loss, ``SwitchoverGlobalCluster``) fences the
primary's writer first, waits until the target's head holds all it wrote and promotes it (the
Aurora failover's ``clusters.fence_and_promote``): nothing committed is lost; the old primary
becomes a secondary whose writer is copied anew from the new primary. A failover with
``AllowDataLoss`` promotes the head as it is. ``RemoveFromGlobalCluster`` makes a secondary a
standalone cluster: its head is promoted and writes.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

from fogbank.arns import parse as parse_arn
from fogbank.managed.records import Record
from fogbank.managed.store import Store
from fogbank.services.rds import clusters, replicas
from fogbank.services.rds.backend import Backend
from fogbank.services.rds.model import INSTANCE as INSTANCE_LIFECYCLE
from fogbank.services.rds.records import CLUSTER, GLOBAL_CLUSTER, INSTANCE
from fogbank.services.rds.store import Region

log = logging.getLogger(__name__)

# The stores of this process's RDS backends: a region (a ``Scope``) does not know its store, and a
# secondary's source is in another region of the same store.
_stores: weakref.WeakSet[Store] = weakref.WeakSet()


def register(store: Store) -> None:
    _stores.add(store)


def arn(account: str, identifier: str) -> str:
    return f"arn:aws:rds::{account}:global-cluster:{identifier}"


def _store_of(region: Region) -> Store | None:
    return next((store for store in _stores if any(s is region for s in store.scopes.values())), None)


def scope(region: Region, region_name: str) -> Region | None:
    """Another region of ``region``'s account (None when nothing was ever kept there)."""
    store = _store_of(region)
    return store.scopes.get((region.account, region_name)) if store is not None else None


def remote_instance(region: Region, instance_arn: str) -> Record[Any] | None:
    """The DB instance an ARN names, in whichever region of the account it is."""
    parts = parse_arn(instance_arn)
    if parts is None or not parts["resource"].startswith("db:"):
        return None
    found = scope(region, parts["region"])
    return found.get(INSTANCE, parts["resource"][3:]) if found is not None else None


def save_region_of(backend: Backend, region: Region, resource_arn: str) -> None:
    """Persist the region of another region's resource changed here (a source's replication login)."""
    parts = parse_arn(resource_arn)
    found = scope(region, parts["region"]) if parts is not None else None
    if found is not None:
        backend.save(found)


def by_arn(store: Store, account: str, cluster_arn: str) -> tuple[Region, Record[Any]] | None:
    """A DB cluster by its ARN, in any region of the account."""
    parts = parse_arn(cluster_arn)
    if parts is None or not parts["resource"].startswith("cluster:") or parts["account"] != account:
        return None
    found = store.scopes.get((account, parts["region"]))
    cluster = found.get(CLUSTER, parts["resource"][len("cluster:") :].lower()) if found is not None else None
    return (found, cluster) if found is not None and cluster is not None else None


def find(store: Store, account: str, identifier: str) -> tuple[Region, Record[Any]] | None:
    for region, record in store.all_records(GLOBAL_CLUSTER):
        if region.account == account and record.identifier == identifier.lower():
            return region, record
    return None


def members(store: Store, account: str, identifier: str) -> list[tuple[Region, Record[Any]]]:
    """The member clusters, the primary first."""
    found = [(region, cluster) for region, cluster in store.all_records(CLUSTER)
             if region.account == account and cluster.fields.get("GlobalClusterIdentifier") == identifier]  # fmt: skip
    record = find(store, account, identifier)
    primary = record[1].private.primary if record is not None else ""
    return sorted(found, key=lambda pair: (pair[1].arn != primary, pair[0].region))


def global_of(region: Region, cluster: Record[Any]) -> Record[Any] | None:
    name = cluster.fields.get("GlobalClusterIdentifier")
    store = _store_of(region) if name else None
    found = find(store, region.account, name) if store is not None and name else None
    return found[1] if found is not None else None


def is_secondary(region: Region, cluster: Record[Any]) -> bool:
    record = global_of(region, cluster)
    return record is not None and record.private.primary != cluster.arn


def head(region: Region, cluster: Record[Any]) -> Record[Any] | None:
    """A secondary's instance that follows the primary's writer (in another region)."""
    return next((m for m in clusters.members(region, cluster) if str(m.fields.get(replicas.SOURCE, "")).startswith("arn:")),
                None)  # fmt: skip


def primary_writer(store: Store, account: str, record: Record[Any]) -> Record[Any] | None:
    primary = by_arn(store, account, record.private.primary) if record.private.primary else None
    return clusters.writer(*primary) if primary is not None else None


def member_source(region: Region, cluster: Record[Any], writer: Record[Any] | None) -> str | None:
    """Whom a new instance of ``cluster`` replicates from: its writer; in a secondary, its head, or
    (the secondary's first instance) the primary's writer, by ARN."""
    if writer is not None or not is_secondary(region, cluster):
        return writer.identifier if writer is not None else None
    found = head(region, cluster)
    if found is not None:
        return found.identifier
    store, record = _store_of(region), global_of(region, cluster)
    upstream = primary_writer(store, region.account, record) if store is not None and record is not None else None
    return upstream.arn if upstream is not None else None


def rename(store: Store, home: Region, record: Record[Any], new_id: str) -> list[Region]:
    """ModifyGlobalCluster(NewGlobalClusterIdentifier): the record, its ARN and each member's
    ``GlobalClusterIdentifier`` take the new name (tags and resource id stay). Answers the regions
    changed, to save. The caller holds the store lock."""
    found = members(store, home.account, record.identifier)
    home.remove(record)
    record.identifier = record.fields["GlobalClusterIdentifier"] = new_id
    record.arn = record.fields["GlobalClusterArn"] = arn(home.account, new_id)
    home.add(record)
    for _, cluster in found:
        cluster.fields["GlobalClusterIdentifier"] = new_id
    return [home, *(region for region, _ in found)]


# -- the engine work ------------------------------------------------------------------------------


def _save(backend: Backend, *regions: Region) -> None:
    for region in regions:
        backend.save(region)


def detach(backend: Backend, region: Region, cluster: Record[Any]) -> None:
    """RemoveFromGlobalCluster of a secondary: its head stops following the primary and writes; its
    readers already follow the head, and the head now waits for one of them at each commit."""
    from fogbank.services.rds import lifecycle

    found = head(region, cluster)
    try:
        if found is not None:
            source = replicas.source_of(region, found)
            clusters.make_writable(backend, found)
            with backend.store.lock:
                found.fields.pop(replicas.SOURCE, None)
                backend.save(region)
            lifecycle.apply_settings(backend, region, found)  # its stored settings lose read_only
            if source is not None:
                replicas.forget(backend, source, found)
            clusters.sync(backend, region, cluster)
    except Exception as error:
        log.warning("promoting the head of %s failed: %s", cluster.identifier, error)
        backend.event(region, "db-cluster", cluster.identifier, cluster.arn,
                      f"Promoting the DB cluster failed: {error}", "failure")  # fmt: skip
    clusters.set_status_if(backend, region, cluster, ("modifying",), "available")
    backend.event(region, "db-cluster", cluster.identifier, cluster.arn,
                  "DB cluster removed from its global database: it is now a standalone writable cluster",
                  "global-failover")  # fmt: skip


def switch_over(
    backend: Backend,
    home: Region,
    record: Record[Any],
    old: tuple[Region, Record[Any]],
    new: tuple[Region, Record[Any]],
    allow_data_loss: bool,
) -> None:
    """The target secondary becomes the primary (its head writes); the old primary becomes a secondary,
    its writer copied anew from the new primary's, its readers following it."""
    from fogbank.services.rds import lifecycle

    (old_region, old_primary), (new_region, new_primary) = old, new
    old_writer, new_head = clusters.writer(old_region, old_primary), head(new_region, new_primary)
    try:
        assert new_head is not None, "the target DB cluster has no DB instance"
        if old_writer is not None and backend.is_running(old_writer) and not allow_data_loss:
            clusters.fence_and_promote(backend, old_writer, new_head)  # everything it wrote reaches the head
        else:
            clusters.make_writable(backend, new_head)
            if old_writer is not None:
                backend.stop_engine(old_writer)
        with backend.store.lock:
            new_head.fields.pop(replicas.SOURCE, None)
            record.private.primary = new_primary.arn
            old_readers = clusters.readers(old_region, old_primary)
            if old_writer is not None:
                old_writer.fields[replicas.SOURCE] = new_head.arn
                old_writer.private.quorum_ready = False
                INSTANCE_LIFECYCLE.move_if(old_writer, ("available",), "rebooting")  # until copied anew
            _save(backend, home, old_region, new_region)
        lifecycle.apply_settings(backend, new_region, new_head)
        clusters.sync(backend, new_region, new_primary)
    except Exception as error:
        log.warning("switching %s over to %s failed: %s", record.identifier, new_primary.identifier, error)
        backend.event(new_region, "db-cluster", new_primary.identifier, new_primary.arn,
                      f"Global failover to DB cluster {new_primary.arn} failed: {error}", "failure")  # fmt: skip
        _settled(backend, home, record)
        return
    backend.event(new_region, "db-cluster", new_primary.identifier, new_primary.arn,
                  f"Global failover to DB cluster {new_primary.arn} completed.", "global-failover")  # fmt: skip
    _settled(backend, home, record)
    if old_writer is not None:  # on its own queue: it is copied from the new primary's writer, then its readers follow
        backend.jobs.submit(old_writer.resource_id,
                            lambda: _rejoin(backend, old_region, old_writer, old_readers), grace=0)  # fmt: skip


def _rejoin(backend: Backend, region: Region, writer: Record[Any], readers: list[Record[Any]]) -> None:
    """The old primary's writer is copied from the new primary's; then its readers are copied from it (a
    reader left behind on the old timeline by a copy that started after it would not follow)."""
    replicas.create(backend, region, writer, announce=False)
    if writer.status != "available":
        return
    for reader in readers:
        backend.set_status_if(region, reader, ("available",), "rebooting")
        backend.jobs.submit(reader.resource_id, lambda r=reader: _copy_again(backend, region, r), grace=0)


def _copy_again(backend: Backend, region: Region, replica: Record[Any]) -> None:
    backend.stop_engine(replica)
    replicas.create(backend, region, replica, announce=False)


def _settled(backend: Backend, home: Region, record: Record[Any]) -> None:
    with backend.store.lock:
        record.status = "available"
        record.fields.pop("FailoverState", None)
        backend.save(home)


def writer_changed(backend: Backend, region: Region, cluster: Record[Any], writer: Record[Any]) -> None:
    """The primary's writer changed (its failover): each secondary's head follows the new one."""
    store, record = _store_of(region), global_of(region, cluster)
    if store is None or record is None or record.private.primary != cluster.arn:
        return
    for other_region, secondary in members(store, region.account, record.identifier):
        found = head(other_region, secondary) if secondary is not cluster else None
        if found is None:
            continue
        with backend.store.lock:
            found.fields[replicas.SOURCE] = writer.arn
            backend.save(other_region)
        clusters.follow(backend, other_region, found, writer)
