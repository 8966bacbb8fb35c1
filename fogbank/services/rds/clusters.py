"""Aurora DB clusters: a writer instance and reader instances fed by the engine's own replication,
behind the cluster endpoint (always the writer) and the reader endpoint.

Aurora's instances share one storage volume; here each instance is a real engine with its own data,
and the cluster is made of RDS's machinery: the first instance created in a cluster is its writer
(a DB instance made with the cluster's master user, password and database), each later one a
replica of the writer (``replicas.py``: a base backup streaming from it, or a GTID replica) that
the API shows as a reader, not as a read replica. Which instance writes is the one that follows
no other (``replicas.SOURCE`` unset); ``DBClusterMembers`` is computed from the instances.

Endpoints: Aurora's cluster and reader endpoints are DNS names on the cluster's one ``Port``.
Here they are two loopback addresses on that port: ``127.0.0.1`` (the cluster endpoint) and
``127.0.0.2`` (the reader endpoint; Linux routes all of 127/8 to the loopback interface), each a
relay (``fogbank.managed.relay``) that picks its target per new connection: the writer, or the
next available reader in turn (the writer when there is none). Instance endpoints are the engines
themselves, with no relay in the way.

A failover (``FailoverDBCluster``) promotes a reader: the writer is fenced first (PostgreSQL:
stopped, so its streaming readers receive its last WAL; MariaDB: read-only) and the target waits
until it has received everything the writer wrote, so no committed transaction is lost. The other
readers follow the new writer; the old writer is copied anew from it and comes back as a reader.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from fogbank.engines import mariadb_replicas, postgres_replicas
from fogbank.engines.postgres import PostgresEngine
from fogbank.managed import relay
from fogbank.managed.lifecycle import Lifecycle, transitions
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.rds import replicas
from fogbank.services.rds.backend import Backend
from fogbank.services.rds.engines import is_postgres
from fogbank.services.rds.records import CLUSTER, INSTANCE
from fogbank.services.rds.store import Region

log = logging.getLogger(__name__)

WRITER_ADDRESS = "127.0.0.1"
READER_ADDRESS = "127.0.0.2"
# RDS's events for a cluster failover (RDS-EVENT-0072, -0071).
FAILOVER_STARTED = "Started cross AZ failover to DB instance: {}"
FAILOVER_COMPLETED = "Completed failover to DB instance: {}"

_ANY = ("failed", "deleting")
LIFECYCLE = Lifecycle(
    kind="db-cluster",
    transitions=transitions(
        {
            "creating": ("available", *_ANY),
            "available": ("modifying", "failing-over", "stopping", "resetting-master-credentials", "rebooting", *_ANY),
            "modifying": ("available", *_ANY),
            "resetting-master-credentials": ("available", *_ANY),
            "failing-over": ("available", *_ANY),
            "rebooting": ("available", *_ANY),  # RebootDBCluster (Multi-AZ DB clusters)
            "stopping": ("stopped", *_ANY),
            "stopped": ("starting", *_ANY),
            "starting": ("available", *_ANY),
            "failed": ("available", "deleting"),
            "deleting": (),
        }
    ),
    running=frozenset(
        {"available", "modifying", "failing-over", "starting", "resetting-master-credentials", "rebooting"}
    ),
    settles={"stopping": "stopped", "failing-over": "available", "rebooting": "available", "modifying": "available"},
)


def not_found(identifier: str) -> AwsError:
    return AwsError("DBClusterNotFoundFault", f"DBCluster {identifier} not found.")


def invalid_state(message: str) -> AwsError:
    return AwsError("InvalidDBClusterStateFault", message)


# -- membership --------------------------------------------------------------------------------


def members(region: Region, cluster: Record[Any]) -> list[Record[Any]]:
    return sorted(
        (r for r in region.of(INSTANCE).values() if r.fields.get("DBClusterIdentifier") == cluster.identifier),
        key=lambda r: r.fields.get("InstanceCreateTime") or "9",
    )


def cluster_of(region: Region, instance: Record[Any]) -> Record[Any] | None:
    name = instance.fields.get("DBClusterIdentifier")
    return region.get(CLUSTER, name) if name else None


def writer(region: Region, cluster: Record[Any]) -> Record[Any] | None:
    return next((m for m in members(region, cluster) if not m.fields.get(replicas.SOURCE)), None)


def readers(region: Region, cluster: Record[Any]) -> list[Record[Any]]:
    return [m for m in members(region, cluster) if m.fields.get(replicas.SOURCE)]


def is_member(instance: Record[Any]) -> bool:
    return bool(instance.fields.get("DBClusterIdentifier"))


def promotion_order(candidates: list[Record[Any]]) -> list[Record[Any]]:
    """Who a failover promotes first: the lowest PromotionTier (Aurora's rule; 1 by default), then
    the oldest."""
    return sorted(
        candidates, key=lambda r: (r.fields.get("PromotionTier", 1), r.fields.get("InstanceCreateTime") or "")
    )


# -- endpoints ---------------------------------------------------------------------------------

_turns: dict[str, itertools.count[int]] = {}  # each balancing endpoint's next turn, by resource id


def _target(backend: Backend, instance: Record[Any] | None) -> relay.Target | None:
    if instance is None or not backend.is_running(instance):
        return None
    return (WRITER_ADDRESS, instance.fields["Port"])


def _writer_target(backend: Backend, region: Region, cluster: Record[Any]) -> relay.Target | None:
    with backend.store.lock:
        return _target(backend, writer(region, cluster))


def ready(backend: Backend, instances: list[Record[Any]]) -> list[Record[Any]]:
    """The instances an endpoint may send a new connection to now (not being created, failed over,
    rebooted or deleted)."""
    return [r for r in instances if r.status == "available" and backend.is_running(r)]


def in_turn(backend: Backend, key: str, candidates: list[Record[Any]]) -> relay.Target | None:
    """The next of ``candidates`` in turn for the endpoint ``key`` (Aurora balances connections,
    not queries); the reader endpoint and custom endpoints (``cluster_endpoints.py``) share it."""
    if not candidates:
        return None
    turn = next(_turns.setdefault(key, itertools.count()))
    return _target(backend, candidates[turn % len(candidates)])


def forget_turns(key: str) -> None:
    _turns.pop(key, None)


def _reader_target(backend: Backend, region: Region, cluster: Record[Any]) -> relay.Target | None:
    """The next available reader in turn, else the writer."""
    with backend.store.lock:
        found = ready(backend, readers(region, cluster))
        if not found:
            return _target(backend, writer(region, cluster))
        return in_turn(backend, cluster.resource_id, found)


def listen(backend: Backend, region: Region, cluster: Record[Any]) -> None:
    """Serve the cluster's endpoints on its port (again, after a port change)."""
    backend.close_endpoints(cluster.resource_id)
    port = cluster.fields["Port"]
    relays = [relay.Relay(WRITER_ADDRESS, port, lambda: _writer_target(backend, region, cluster))]
    try:
        relays.append(relay.Relay(READER_ADDRESS, port, lambda: _reader_target(backend, region, cluster)))
    except OSError:
        relays[0].close()
        raise
    for listening in relays:
        backend.endpoints.add(cluster.resource_id, listening)


def stop_listening(backend: Backend, cluster: Record[Any]) -> None:
    backend.close_endpoints(cluster.resource_id)
    forget_turns(cluster.resource_id)


# -- the cluster parameter group -----------------------------------------------------------------


def apply_parameters(backend: Backend, region: Region, cluster: Record[Any], associated: bool = False) -> None:
    """The cluster's parameter group changed (or, ``associated``, another one is the cluster's):
    each running member is ``applying`` while its engine takes the dynamic values at once, then
    ``in-sync``, or ``pending-reboot`` while a static value waits for the member's reboot. A newly
    associated group takes full effect at the reboot, as an instance's new DB parameter group does."""
    from fogbank.services.rds import lifecycle

    with backend.store.lock:
        running = [m for m in members(region, cluster) if backend.is_running(m)]
        for member in running:
            member.private.cluster_parameter_status = "applying"
        backend.save(region)

    def apply(member: Record[Any]) -> None:
        lifecycle.apply_settings(backend, region, member)
        if associated:
            with backend.store.lock:
                member.private.cluster_parameter_status = "pending-reboot"
                backend.save(region)

    for member in running:
        backend.jobs.submit(member.resource_id, lambda m=member: apply(m))


# -- failover ----------------------------------------------------------------------------------


def set_status_if(backend: Backend, region: Region, cluster: Record[Any], was: tuple[str, ...], status: str) -> bool:
    with backend.store.lock:
        if not LIFECYCLE.move_if(cluster, was, status):
            return False
        if region.contains(cluster):
            backend.save(region)
        return True


def _event(backend: Backend, region: Region, cluster: Record[Any], message: str, category: str) -> None:
    backend.event(region, "db-cluster", cluster.identifier, cluster.arn, message, category)


def failover(backend: Backend, region: Region, cluster: Record[Any], target: Record[Any]) -> None:
    """Promote ``target`` (a reader) in the writer's place, the writer fenced first; runs on the
    cluster's queue."""
    old = writer(region, cluster)
    if old is None:  # the handler checked; a delete may have taken it since
        _event(backend, region, cluster, f"Failover to DB instance {target.identifier} failed: no writer", "failure")
        set_status_if(backend, region, cluster, ("failing-over",), "available")
        return
    _fail_over(backend, region, cluster, old, target, lambda: fence_and_promote(backend, old, target))


def _fail_over(
    backend: Backend,
    region: Region,
    cluster: Record[Any],
    old: Record[Any],
    target: Record[Any],
    promote: Callable[[], None],
) -> None:
    """``promote`` makes ``target`` writable; then it is the writer and the old writer comes back as
    its reader, copied anew (a planned failover and the writer's death alike), with RDS's events."""
    _event(backend, region, cluster, FAILOVER_STARTED.format(target.identifier), "failover")
    try:
        promote()
        _took_over(backend, region, cluster, old, target)
    except Exception as error:
        log.warning("failover of %s to %s failed: %s", cluster.identifier, target.identifier, error)
        _event(backend, region, cluster, f"Failover to DB instance {target.identifier} failed: {error}", "failure")
        for instance in (old, target):
            backend.set_status_if(region, instance, ("rebooting",), "available")
        set_status_if(backend, region, cluster, ("failing-over",), "available")
        return
    set_status_if(backend, region, cluster, ("failing-over",), "available")
    _event(backend, region, cluster, FAILOVER_COMPLETED.format(target.identifier), "failover")
    with backend.store.lock:
        old.fields[replicas.SOURCE] = target.identifier
        backend.save(region)
    backend.jobs.submit(old.resource_id, lambda: replicas.create(backend, region, old, announce=False), grace=0)


def hand_over(backend: Backend, region: Region, cluster: Record[Any], old: Record[Any], target: Record[Any]) -> None:
    """Make ``target`` the writer in ``old``'s place (which is left stopped); the other readers
    follow it."""
    fence_and_promote(backend, old, target)
    _took_over(backend, region, cluster, old, target)


def _took_over(backend: Backend, region: Region, cluster: Record[Any], old: Record[Any], target: Record[Any]) -> None:
    """``target`` was promoted: it is the writer, the other readers follow it, and it waits for them."""
    from fogbank.services.rds import lifecycle

    with backend.store.lock:
        target.fields.pop(replicas.SOURCE, None)
        old.private.quorum_ready = False
        others = [r for r in readers(region, cluster) if r is not target and r is not old]
        for reader in others:
            reader.fields[replicas.SOURCE] = target.identifier
        backend.save(region)
    lifecycle.apply_settings(backend, region, target)  # its stored settings lose read_only
    backend.set_status_if(region, target, ("rebooting",), "available")
    for reader in others:
        follow(backend, region, reader, target)
    sync(backend, region, cluster)
    from fogbank.services.rds import global_clusters

    global_clusters.writer_changed(backend, region, cluster, target)  # a global database's secondaries follow it


def fence_and_promote(backend: Backend, old: Record[Any], target: Record[Any]) -> None:
    """Fence the running writer, wait until ``target`` holds all it wrote, and promote ``target``."""
    driver, name = backend.driver_of(old), backend.process_name(old)
    target_driver, target_name = backend.driver_of(target), backend.process_name(target)
    if isinstance(driver, PostgresEngine):
        assert isinstance(target_driver, PostgresEngine)
        # A clean shutdown sends the writer's last WAL (its shutdown checkpoint) to its streaming readers.
        backend.stop_engine(old)
        last = postgres_replicas.shutdown_checkpoint(backend.data_dir(old))
        postgres_replicas.wait_received(target_driver, target_name, last)
    else:
        position = mariadb_replicas.fence(driver, name, old.fields["MasterUsername"])
        mariadb_replicas.wait_received(target_driver, target_name, position)
        backend.stop_engine(old)
    make_writable(backend, target)


def make_writable(backend: Backend, target: Record[Any]) -> None:
    """A reader that holds everything stops replicating and takes writes (MariaDB: once it has
    applied all it received)."""
    driver, name = backend.driver_of(target), backend.process_name(target)
    if isinstance(driver, PostgresEngine):
        postgres_replicas.promote(driver, name, backend.data_dir(target))
    else:
        mariadb_replicas.drain(driver, name)
        mariadb_replicas.promote(driver, name, target.fields["MasterUsername"])


def follow(backend: Backend, region: Region, reader: Record[Any], writer_record: Record[Any]) -> None:
    """A reader replicates from the new writer (PostgreSQL: through a slot made on it, across the
    new timeline); one that cannot is copied anew."""
    try:
        if not backend.is_running(reader):
            raise RuntimeError("the reader is not running")
        driver = backend.driver_of(writer_record)
        if isinstance(driver, PostgresEngine):
            postgres_replicas.prepare_source(
                driver,
                backend.process_name(writer_record),
                writer_record.private.replication_password,
                postgres_replicas.slot_name(reader.resource_id),
            )
        replicas.repoint(backend, reader, writer_record)
    except Exception as error:
        log.warning("%s did not follow the new writer, copying it again: %s", reader.identifier, error)
        backend.jobs.submit(reader.resource_id, lambda: replicas.create(backend, region, reader, announce=False))


def writer_leaving(backend: Backend, region: Region, old: Record[Any]) -> None:
    """The writer is being deleted (its engine still runs): Aurora promotes a reader (by promotion
    tier) to take its place, with everything the writer committed."""
    cluster = cluster_of(region, old)
    if cluster is None or old.fields.get(replicas.SOURCE) or cluster.status == "deleting":
        return  # (a cluster being deleted deletes all its instances: nobody takes over)
    # A reader being deleted too (the cluster is emptied) does not take over.
    candidates = [r for r in readers(region, cluster) if backend.is_running(r) and r.status != "deleting"]
    if not candidates or not backend.is_running(old):
        return
    target = promotion_order(candidates)[0]
    _event(backend, region, cluster, FAILOVER_STARTED.format(target.identifier), "failover")
    try:
        hand_over(backend, region, cluster, old, target)
    except Exception as error:
        log.warning("promoting %s in its deleted writer's place failed: %s", target.identifier, error)
        _event(backend, region, cluster, f"Failover to DB instance {target.identifier} failed: {error}", "failure")
        return
    _event(backend, region, cluster, FAILOVER_COMPLETED.format(target.identifier), "failover")


# -- commits that a reader holds (the writer's death fails over) ------------------------------------

SEMI_SYNC_TIMEOUT_MS = "4294967295"  # MariaDB's largest: the writer never goes on asynchronously by itself


def _quoted(names: list[str]) -> str:
    return ", ".join('"' + name.replace('"', '""') + '"' for name in names)


def member_settings(region: Region, record: Record[Any], ready: bool | None = None) -> dict[str, str]:
    """What an Aurora member runs with for its quorum (``ready`` overrides the writer's flag).

    On Aurora a commit is acknowledged once the shared storage has it in another zone, so losing
    the writer loses nothing. Here the writer waits until one of its readers has the commit
    (PostgreSQL ``synchronous_standby_names = 'ANY 1 (...)'``; MariaDB semi-synchronous replication,
    which any one replica acknowledges): a reader that received the most then holds every
    acknowledged commit. Only while ``quorum_ready`` (a reader follows in step): a cluster with no
    running reader commits on its own, as an Aurora cluster of one instance does."""
    cluster = cluster_of(region, record)
    if cluster is None:
        return {}
    postgres = is_postgres(record.fields["Engine"])
    if record.fields.get(replicas.SOURCE):  # a reader
        return {} if postgres else {"rpl_semi_sync_slave_enabled": "ON"}
    ready = record.private.quorum_ready if ready is None else ready
    names = [r.identifier for r in readers(region, cluster)]
    if postgres:
        return {"synchronous_standby_names": f"ANY 1 ({_quoted(names)})"} if ready and names else {}
    return {
        "rpl_semi_sync_master_enabled": "ON" if ready and names else "OFF",
        "rpl_semi_sync_master_wait_point": "AFTER_SYNC",
        "rpl_semi_sync_master_timeout": SEMI_SYNC_TIMEOUT_MS,
    }


def sync(backend: Backend, region: Region, cluster: Record[Any]) -> None:
    """The writer waits for its readers (or, with none running, no longer): its settings applied
    live, and ``quorum_ready`` set once a reader holds everything the writer committed before."""
    from fogbank.services.rds import lifecycle

    with backend.store.lock:
        found = writer(region, cluster)
        live = [r for r in readers(region, cluster) if r.status == "available" and backend.is_running(r)]
    if found is None or not backend.is_running(found):
        return
    ready = bool(live)
    if not ready:
        _save_quorum(backend, region, found, False)
    driver, name = backend.driver_of(found), backend.process_name(found)
    settings = {**lifecycle.settings_for(region, found), **member_settings(region, found, ready)}
    try:
        driver.apply_settings(name, settings)
        if ready and isinstance(driver, PostgresEngine):
            postgres_replicas.wait_quorum(driver, name)
        elif ready:
            mariadb_replicas.wait_synchronous(driver, name, backend.process_name(live[0]))
    except Exception as error:
        log.warning("%s: the writer's commit quorum did not take effect: %s", cluster.identifier, error)
        return
    if ready:
        _save_quorum(backend, region, found, True)


def _save_quorum(backend: Backend, region: Region, record: Record[Any], ready: bool) -> None:
    with backend.store.lock:
        record.private.quorum_ready = ready
        backend.save(region)


def member_changed(backend: Backend, region: Region, record: Record[Any]) -> None:
    """A reader came (available) or is going (deleted): the writer's quorum names its readers now;
    on the cluster's queue, after any failover under way."""
    cluster = cluster_of(region, record)
    if cluster is not None:
        backend.jobs.submit(cluster.resource_id, lambda: sync(backend, region, cluster), grace=0)


def can_fail_over(backend: Backend, region: Region, record: Record[Any]) -> bool:
    """Whether the writer's death is failed over (a reader holds its every commit) rather than
    recovered by restarting it."""
    cluster = cluster_of(region, record)
    if cluster is None or record.fields.get(replicas.SOURCE) or not record.private.quorum_ready:
        return False
    if cluster.status != "available":
        return False
    return any(r.status == "available" and backend.is_running(r) for r in readers(region, cluster))


def writer_died(backend: Backend, region: Region, record: Record[Any]) -> None:
    """The writer's process died: the reader that received the most (every acknowledged commit,
    by the quorum) is promoted; the old writer comes back as a reader of it."""
    cluster = cluster_of(region, record)
    if cluster is None:
        return
    with backend.store.lock:
        if not LIFECYCLE.move_if(cluster, ("available",), "failing-over"):
            return
        backend.save(region)

    def run() -> None:
        candidates = [r for r in readers(region, cluster) if r.status == "available" and backend.is_running(r)]
        target = _most_received(backend, candidates)
        if target is None:  # nobody to take over: the writer is restarted where it was
            from fogbank.services.rds import lifecycle

            set_status_if(backend, region, cluster, ("failing-over",), "available")
            lifecycle.recover(backend, region, record, "rebooting")
            return
        backend.set_status_if(region, target, ("available",), "rebooting")
        _fail_over(backend, region, cluster, record, target, lambda: make_writable(backend, target))

    backend.jobs.submit(cluster.resource_id, run, grace=0)


def _most_received(backend: Backend, candidates: list[Record[Any]]) -> Record[Any] | None:
    """The reader that received the most of the dead writer's log (ties: by promotion tier)."""
    best, best_key = None, None
    for reader in promotion_order(candidates):
        try:
            driver, name = backend.driver_of(reader), backend.process_name(reader)
            if isinstance(driver, PostgresEngine):
                key: Any = postgres_replicas.lsn_key(postgres_replicas.received(driver, name))
            else:
                key = mariadb_replicas.received(driver, name)
        except Exception as error:
            log.warning("%s: its replication position is unknown: %s", reader.identifier, error)
            continue
        if best_key is None or key > best_key:
            best, best_key = reader, key
    return best
