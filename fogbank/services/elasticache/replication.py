"""The engine work behind replication groups: one supervised node per member cache cluster, at
its own loopback address on the group's port, linked by real replication (REPLICAOF), and the
moving endpoints (``addresses.py``) bound by the node that serves them.

Runs on ``Backend.jobs`` threads keyed by the group, so work on one group never overlaps.
Failover: the replica with the most replicated data is promoted, the old primary (alive for a
TestFailover, restarted for a death) follows it, and the primary endpoint's address moves to
the new primary; clients still connected to the old one are disconnected so that they reconnect
to the endpoint. Cluster mode (``shards.py``) uses the same nodes with Redis Cluster's own roles.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import redis

from fogbank.engines.interface import CacheNodeSpec, Credentials, Endpoint, Replication, TlsFiles
from fogbank.engines.supervisor import EngineStartError
from fogbank.engines.valkey_conf import ADMIN_USER
from fogbank.managed import supervision
from fogbank.managed.records import Scope, iso, now
from fogbank.services.elasticache import addresses, node_types, transit, users
from fogbank.services.elasticache.backend import SERVICE, Backend
from fogbank.services.elasticache.groups import GROUP, LIFECYCLE, Group, Member
from fogbank.services.elasticache.model import CLUSTER, PARAMETER_GROUP

log = logging.getLogger(__name__)
SYNC_TIMEOUT = 30.0
_serving: dict[str, tuple[str, ...]] = {}  # process name -> endpoint addresses it binds now


def process_name(group: Group, member: Member) -> str:
    return f"{SERVICE}/{group.resource_id}/{member.cluster_id}"


def data_dir(be: Backend, group: Group, member: Member) -> Any:
    be.open_to_engine()
    return be.cluster_dir(group) / member.cluster_id / "data"


def admin(group: Group) -> Credentials:
    return Credentials(ADMIN_USER, group.private.admin_password)


def tokens(group: Group) -> tuple[str, ...]:
    return tuple(t for t in (group.private.auth_token, group.private.rotating_from) if t)


def holds(group: Group, member: Member) -> tuple[str, ...]:
    """The endpoint addresses ``member`` should serve now, besides its own."""
    private = group.private
    if member.status != "available":
        return ()
    held: list[str] = []
    if private.cluster_mode:
        if private.config_address and _config_holder(group) is member:
            held.append(private.config_address)
        return tuple(held)
    if member.role == "primary" and private.primary_address:
        held.append(private.primary_address)
    if private.reader_address and _reader_holder(group) is member:
        held.append(private.reader_address)
    return tuple(held)


def _reader_holder(group: Group) -> Member | None:
    live = [m for m in group.private.members if m.status == "available"]
    return next((m for m in live if m.role == "replica"), None) or next((m for m in live if m.role == "primary"), None)


def _config_holder(group: Group) -> Member | None:
    live = [m for m in group.private.members if m.status == "available"]
    return next((m for m in live if m.role == "primary"), None) or (live[0] if live else None)


def spec(be: Backend, scope: Scope, group: Group, member: Member) -> CacheNodeSpec:
    private = group.private
    primary = private.primary(member.node_group)
    follows = not private.cluster_mode and member.role == "replica" and primary is not None
    parameter_group = scope.get(PARAMETER_GROUP, group.fields["CacheParameterGroupName"])
    return CacheNodeSpec(
        name=process_name(group, member),
        data_dir=data_dir(be, group, member),
        port=private.port,
        memory_bytes=node_types.memory_bytes(group.fields["CacheNodeType"]),
        settings=dict(parameter_group.private.values) if parameter_group is not None else {},
        auth_tokens=tokens(group),
        acl_users=users.acl_users(scope, (group.fields.get("UserGroupIds") or [None])[0]),  # on every node
        cluster_enabled=private.cluster_mode,
        cluster_port=private.port + 10000 if private.cluster_mode else None,
        replica_of=Endpoint(primary.address, private.port) if follows and primary else None,
        primary_auth=admin(group),
        host=member.address,
        extra_addresses=holds(group, member),
        admin_password=private.admin_password,
        tls=_tls_files(be, group, member),
    )


def _tls_files(be: Backend, group: Group, member: Member) -> TlsFiles | None:
    """TLS on: a certificate naming the member's address and every moving endpoint it may hold."""
    private = group.private
    if not private.tls_authority:
        return None
    return transit.node_files(be, [member.address, private.primary_address, private.reader_address,
                                   private.config_address])  # fmt: skip


def driver_of(be: Backend, group: Group) -> Any:
    return be.catalog.driver(be.catalog.resolve(SERVICE, group.fields["Engine"], group.fields["EngineVersion"]))


def member_driver(be: Backend, group: Group, member: Member) -> Any:
    """The driver of the binary ``member`` runs on now: during an engine upgrade the members of
    one group run on two binaries (the group's version names the new one)."""
    return be.running.get(process_name(group, member)) or driver_of(be, group)


def client(be: Backend, group: Group, member: Member) -> redis.Redis:
    return member_driver(be, group, member).client(process_name(group, member))


def member_event(be: Backend, scope: Scope, member: Member, message: str) -> None:
    be.event(scope, CLUSTER, member.cluster_id, message)


class _MemberHooks:
    """A member's process died: take it from the supervisor and recover it on the group's
    queue (a primary with automatic failover is replaced by a replica first)."""

    def __init__(self, be: Backend, scope: Scope, group: Group, member: Member) -> None:
        self.be, self.scope, self.group, self.member = be, scope, group, member

    def died(self, code: int) -> None:
        log.warning("%s member %s exited with code %s", self.group.identifier, self.member.cluster_id, code)
        with self.be.store.lock:
            if not self.scope.contains(self.group) or self.member not in self.group.private.members:
                return
            self.member.status = "rebooting"
            self.be.save(self.scope)
        stop_member(self.be, self.group, self.member)  # the supervisor does not restart it: we do
        member_event(self.be, self.scope, self.member, "Recovering cache nodes 0001")
        self.be.jobs.submit(self.group.resource_id, lambda: recover(self.be, self.scope, self.group, self.member),
                            grace=0)  # fmt: skip

    def failing(self, failures: int, reason: str) -> None:  # never: ``died`` takes it from the supervisor
        pass

    def restarted(self) -> None:
        pass


def start_member(be: Backend, scope: Scope, group: Group, member: Member) -> None:
    driver = driver_of(be, group)
    fresh = not data_dir(be, group, member).exists()
    node_spec = spec(be, scope, group, member)
    try:
        proc = driver.create(node_spec) if fresh else driver.start(node_spec)
    except EngineStartError:
        if addresses.free(member.address, group.private.port):
            raise
        old = member.address  # another program took the address: the member moves, and says so
        with be.store.lock:
            member.address = addresses.allocate(group.private.port)
            be.save(scope)
        addresses.release(old)
        member_event(be, scope, member, f"The address {old} is in use on this host: the node listens on "
                     f"{member.address}.")  # fmt: skip
        if fresh:
            shutil.rmtree(data_dir(be, group, member), ignore_errors=True)
        node_spec = spec(be, scope, group, member)
        proc = driver.create(node_spec) if fresh else driver.start(node_spec)
    supervision.watch(proc, _MemberHooks(be, scope, group, member))
    _serving[process_name(group, member)] = tuple(node_spec.extra_addresses)
    be.running.add(process_name(group, member), driver)
    with be.store.lock:
        member.status = "available"
        member.created = member.created or iso(now())
        be.save(scope)


def stop_member(be: Backend, group: Group, member: Member) -> None:
    name = process_name(group, member)
    _serving.pop(name, None)
    be.running.stop(name)


def each(members: Iterable[Member], work: Callable[[Member], None]) -> None:
    """``work`` on every member at once; the first failure is raised once all are done."""
    failures: list[BaseException] = []

    def run(member: Member) -> None:
        try:
            work(member)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def wait_synced(be: Backend, group: Group, replicas: Iterable[Member], timeout: float = SYNC_TIMEOUT) -> None:
    """Until every replica's link to its primary is up and its first sync done."""
    deadline = time.monotonic() + timeout
    for member in replicas:
        while not member_driver(be, group, member).replication(process_name(group, member)).link_up:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{member.cluster_id} did not sync with its primary")
            time.sleep(0.01)


def rebind(be: Backend, scope: Scope, group: Group) -> None:
    """Each running member serves exactly the endpoint addresses it holds now: releases first,
    so that an address is free before its new holder binds it. An engine that cannot change its
    addresses while running (Redis < 7) restarts with them."""
    driver = driver_of(be, group)
    if not isinstance(driver, Replication):
        return
    with be.store.lock:
        wanted = {m.cluster_id: holds(group, m) for m in group.private.members if m.status == "available"}
    live = [m for m in group.private.members if m.cluster_id in wanted]
    for phase in ("release", "bind"):
        for member in live:
            name = process_name(group, member)
            now_serving = _serving.get(name, ())
            target = wanted[member.cluster_id]
            if phase == "release":
                target = tuple(a for a in now_serving if a in target)
            if target == now_serving:
                continue
            if member_driver(be, group, member).serve_addresses(name, target):
                _serving[name] = target
            elif phase == "bind":  # the engine reads its addresses only at start
                stop_member(be, group, member)
                start_member(be, scope, group, member)


def disconnect_clients(conn: redis.Redis) -> None:
    """Close every client connection but Fogbank's own: they reconnect to the endpoint."""
    for user in conn.execute_command("ACL", "USERS"):
        name = user.decode() if isinstance(user, bytes) else user
        if name != ADMIN_USER:
            conn.execute_command("CLIENT", "KILL", "USER", name)


def _best_replica(be: Backend, group: Group, node_group: str) -> Member | None:
    best: tuple[int, Member] | None = None
    for member in group.private.of(node_group):
        if member.role != "replica" or member.status != "available":
            continue
        try:
            offset = member_driver(be, group, member).replication(process_name(group, member)).offset
        except (redis.RedisError, KeyError):
            continue
        if best is None or offset > best[0]:
            best = (offset, member)
    return best[1] if best else None


def failover(be: Backend, scope: Scope, group: Group, node_group: str, target: Member | None = None) -> Member:
    """Promote ``target`` (else the most up-to-date replica) to primary of ``node_group``.

    An old primary that still runs stops taking writes (CLIENT PAUSE WRITE) until the new one
    has all its data, then follows it; a dead one is restarted as a replica by ``recover``."""
    if group.private.cluster_mode:
        from fogbank.services.elasticache import shards

        return shards.failover(be, scope, group, node_group, target)
    old = group.private.primary(node_group)
    new = target or _best_replica(be, group, node_group)
    if new is None or old is None:
        raise RuntimeError(f"node group {node_group} has no replica to fail over to")
    old_alive = old.status == "available"
    old_conn = client(be, group, old) if old_alive else None
    if old_conn is not None:
        old_conn.execute_command("CLIENT", "PAUSE", "5000", "WRITE")
        target_offset = int(old_conn.info("replication").get("master_repl_offset", 0))
        deadline = time.monotonic() + 5
        driver = member_driver(be, group, new)
        while driver.replication(process_name(group, new)).offset < target_offset and time.monotonic() < deadline:
            time.sleep(0.002)
    try:
        member_driver(be, group, new).promote(process_name(group, new))
        with be.store.lock:
            old.role, new.role = "replica", "primary"
            be.save(scope)
        primary = Endpoint(new.address, group.private.port)
        followers = [m for m in group.private.of(node_group) if m.role == "replica" and m.status == "available"]
        for member in followers:
            member_driver(be, group, member).replicate(process_name(group, member), primary, admin(group))
        rebind(be, scope, group)
        if old_conn is not None:
            disconnect_clients(old_conn)
    finally:
        if old_conn is not None:
            old_conn.execute_command("CLIENT", "UNPAUSE")
    return new


def create(be: Backend, scope: Scope, group: Group) -> None:
    if be.jobs.closing.is_set():
        return
    from fogbank.services.elasticache import group_snapshots  # SnapshotName: the data seeded

    seeding = group.private.seed_snapshot is not None
    try:
        group_snapshots.seed_before_start(be, scope, group)
        if group.private.cluster_mode:
            from fogbank.services.elasticache import shards

            shards.create(be, scope, group)
        else:
            _start_disabled(be, scope, group)
        group_snapshots.seed_after_start(be, scope, group)
    except Exception as error:
        if seeding:
            group_snapshots.seeded(be, scope, group, error)
        _failed(be, scope, group, error, "Creating the replication group")
        return
    if seeding:
        group_snapshots.seeded(be, scope, group, None)
    with be.store.lock:
        LIFECYCLE.move(group, "available")
        be.save(scope)
    for member in group.private.members:
        member_event(be, scope, member, "Cache cluster created")
    be.event(scope, GROUP, group.identifier, f"Replication group {group.identifier} created")


def _start_disabled(be: Backend, scope: Scope, group: Group) -> None:
    """The primary, then its replicas at once (they need its address to follow it)."""
    primary = group.private.primary("0001")
    assert primary is not None
    start_member(be, scope, group, primary)
    replicas = [m for m in group.private.members if m is not primary]
    each(replicas, lambda m: start_member(be, scope, group, m))
    wait_synced(be, group, replicas)
    rebind(be, scope, group)


def _failed(be: Backend, scope: Scope, group: Group, error: Exception, doing: str) -> None:
    log.warning("%s %s failed: %s", doing, group.identifier, error, exc_info=True)
    reason = getattr(error, "reason", None) or str(error).splitlines()[0]
    with be.store.lock:
        if group.status == "creating":
            LIFECYCLE.move(group, "create-failed")
        else:
            LIFECYCLE.move_if(group, ("modifying",), "available")
        be.save(scope)
    be.event(scope, GROUP, group.identifier, f"{doing} failed: {reason}")


def restart(be: Backend, scope: Scope, group: Group, was: str) -> None:
    """At Fogbank start: every member back with its data and its role (who is primary, slots)."""
    try:
        if group.private.cluster_mode:
            from fogbank.services.elasticache import shards

            each(list(group.private.members), lambda m: start_member(be, scope, group, m))
            shards.settle(be, scope, group)
        else:
            _start_disabled(be, scope, group)
    except Exception as error:
        _failed(be, scope, group, error, "Restarting the replication group")
        return
    with be.store.lock:
        LIFECYCLE.move_if(group, ("modifying", "create-failed"), "available")
        be.save(scope)
    be.event(scope, GROUP, group.identifier, "Replication group restarted")


def recover(be: Backend, scope: Scope, group: Group, member: Member) -> None:
    """A member died: fail over first when it was a primary (and automatic failover is on),
    then start it again; a replica re-syncs from its primary."""
    with be.store.lock:
        if not scope.contains(group) or member not in group.private.members or member.status != "rebooting":
            return
    node_group = member.node_group
    try:
        if member.role == "primary" and group.fields["AutomaticFailover"] == "enabled":
            new = _best_replica(be, group, node_group)
            if new is not None:
                failover(be, scope, group, node_group, new)
                _failover_events(be, scope, group, member, new)
        start_member(be, scope, group, member)
        if group.private.cluster_mode:
            from fogbank.services.elasticache import shards

            shards.settle(be, scope, group)
        rebind(be, scope, group)
    except Exception as error:
        log.warning("recovering %s failed: %s", member.cluster_id, error, exc_info=True)
        be.jobs.retry(group.resource_id, lambda: _retry(be, scope, group, member))
        return
    member_event(be, scope, member, "Finished recovery for cache nodes 0001")
    if group.private.pending:  # AWS: pending changes apply at the next failure reboot too
        from fogbank.services.elasticache.ops.replication_groups import apply_pending

        apply_pending(be, scope, group, grace=0)  # on the group's queue already: queued after this work


def _retry(be: Backend, scope: Scope, group: Group, member: Member) -> bool:
    with be.store.lock:
        if not scope.contains(group) or member not in group.private.members:
            return True
    if process_name(group, member) not in be.running:
        start_member(be, scope, group, member)
    rebind(be, scope, group)
    member_event(be, scope, member, "Finished recovery for cache nodes 0001")
    return True


def _failover_events(be: Backend, scope: Scope, group: Group, old: Member, new: Member) -> None:
    message = f"Failover from primary node {old.cluster_id} to replica node {new.cluster_id} completed"
    member_event(be, scope, new, message)
    be.event(scope, GROUP, group.identifier, message)


def test_failover(be: Backend, scope: Scope, group: Group, node_group: str) -> None:
    """TestFailover: as ElastiCache does, the primary is replaced by a replica; the old primary
    is then recovered as a replica."""
    old = group.private.primary(node_group)
    try:
        new = failover(be, scope, group, node_group)
    except Exception as error:
        _failed(be, scope, group, error, f"Test failover of node group {node_group}")
        return
    assert old is not None
    _failover_events(be, scope, group, old, new)
    member_event(be, scope, old, "Recovering cache nodes 0001")
    member_event(be, scope, old, "Finished recovery for cache nodes 0001")
    with be.store.lock:
        LIFECYCLE.move_if(group, ("modifying",), "available")
        be.save(scope)


def delete(be: Backend, scope: Scope, group: Group, retain: Member | None = None) -> None:
    """Every member's process, directory and address; ``retain`` (RetainPrimaryCluster) becomes
    a cache cluster of its own (``adopt``)."""
    gone = [m for m in group.private.members if m is not retain]
    each(list(group.private.members), lambda m: stop_member(be, group, m))
    if retain is not None:
        adopt(be, scope, group, retain)
    shutil.rmtree(be.cluster_dir(group), ignore_errors=True)
    with be.store.lock:
        for group_id in group.fields.get("UserGroupIds") or []:
            users.detach(scope, group_id, "ReplicationGroups", group.identifier)
        scope.remove(group)
        be.save(scope)
    for member in gone:
        addresses.release(member.address)
        member_event(be, scope, member, "Cache cluster deleted")
    for address in (group.private.primary_address, group.private.reader_address, group.private.config_address):
        addresses.release(address)
    be.event(scope, GROUP, group.identifier, f"Replication group {group.identifier} deleted")


def add_replicas(be: Backend, scope: Scope, group: Group, added: list[Member]) -> None:
    try:
        if group.private.cluster_mode:
            from fogbank.services.elasticache import shards

            shards.add_nodes(be, scope, group, added)
        else:
            each(added, lambda m: start_member(be, scope, group, m))
            wait_synced(be, group, added)
            rebind(be, scope, group)
    except Exception as error:
        _failed(be, scope, group, error, "Adding replicas")
        return
    with be.store.lock:
        LIFECYCLE.move_if(group, ("modifying",), "available")
        be.save(scope)
    for member in added:
        member_event(be, scope, member, "Cache cluster created")
        be.event(scope, GROUP, group.identifier, f"Added replica {member.cluster_id} to node group "
                 f"{member.node_group}")  # fmt: skip


def remove_members(be: Backend, scope: Scope, group: Group, removed: list[Member]) -> None:
    """Members already taken out of the group's record: their processes, data and addresses."""
    if group.private.cluster_mode:
        from fogbank.services.elasticache import shards

        shards.forget(be, group, removed)
    each(removed, lambda m: stop_member(be, group, m))
    for member in removed:
        shutil.rmtree(be.cluster_dir(group) / member.cluster_id, ignore_errors=True)
        addresses.release(member.address)
    try:
        rebind(be, scope, group)
    except Exception as error:
        _failed(be, scope, group, error, "Removing replicas")
        return
    with be.store.lock:
        LIFECYCLE.move_if(group, ("modifying",), "available")
        be.save(scope)
    for member in removed:
        member_event(be, scope, member, "Cache cluster deleted")


def apply_to_members(be: Backend, scope: Scope, group: Group, changes: dict[str, Any]) -> None:
    """ModifyReplicationGroup's engine work: parameters, AUTH tokens, a new node type (each
    node restarts with its new memory limit, replicas first), a new primary."""
    try:
        if changes.get("parameters"):
            group_record = scope.get(PARAMETER_GROUP, group.fields["CacheParameterGroupName"])
            settings = dict(group_record.private.values) if group_record is not None else {}
            for member in group.private.members:
                member_driver(be, group, member).apply_settings(process_name(group, member), settings)
        if changes.get("auth_token"):
            for member in group.private.members:
                member_driver(be, group, member).set_auth_tokens(process_name(group, member), tokens(group))
        if changes.get("node_type") or changes.get("engine_version"):
            _roll(be, scope, group, bool(changes.get("engine_version")))
        if changes.get("users"):
            with be.store.lock:
                wanted = users.acl_users(scope, (group.fields.get("UserGroupIds") or [None])[0])
            for member in group.private.members:
                member_driver(be, group, member).set_users(process_name(group, member), wanted)
        if changes.get("primary"):
            member = group.private.member(changes["primary"])
            old = group.private.primary(member.node_group) if member else None
            if member is not None and old is not None and member is not old:
                failover(be, scope, group, member.node_group, member)
                _failover_events(be, scope, group, old, member)
    except Exception as error:
        _failed(be, scope, group, error, "Modifying the replication group")
        return
    with be.store.lock:
        LIFECYCLE.move_if(group, ("modifying",), "available")
        be.save(scope)
    if changes.get("engine_version"):
        was_engine, was, was_served_by = changes["engine_version"]
        be.event(scope, GROUP, group.identifier, f"Replication group {group.identifier} upgraded from "
                 f"{was_engine} {was} to {group.fields['Engine']} {group.fields['EngineVersion']}, served by "
                 f"{group.private.served_by} (was {was_served_by})")  # fmt: skip
    be.event(scope, GROUP, group.identifier, f"Replication group {group.identifier} modified")


def _roll(be: Backend, scope: Scope, group: Group, upgrade: bool) -> None:
    """Every member restarts with its data (a new memory limit, or the new version's binary),
    replicas first. For an upgrade with cluster mode disabled, an upgraded replica then takes
    over as primary (a failover, as ElastiCache does) before the old primary restarts as a
    replica; elsewhere the primary restarts last."""
    replicas = [m for m in group.private.members if m.role == "replica"]
    for member in replicas:
        stop_member(be, group, member)
        start_member(be, scope, group, member)
    if not group.private.cluster_mode:
        wait_synced(be, group, replicas)
    for node_group in group.private.node_groups:
        old = group.private.primary(node_group.node_group_id)
        if old is None:
            continue
        new = _best_replica(be, group, node_group.node_group_id) if upgrade else None
        if new is not None and not group.private.cluster_mode:
            failover(be, scope, group, node_group.node_group_id, new)
            _failover_events(be, scope, group, old, new)
        stop_member(be, group, old)
        start_member(be, scope, group, old)
        if new is not None and not group.private.cluster_mode:
            wait_synced(be, group, [old])
    rebind(be, scope, group)


def adopt(be: Backend, scope: Scope, group: Group, member: Member) -> None:
    """RetainPrimaryCluster: the primary's data becomes a standalone cache cluster, its node
    on 127.0.0.1 like every cache cluster's (its data directory moves, its data stays)."""
    from fogbank.managed import ports
    from fogbank.managed.records import Record
    from fogbank.services.elasticache import nodes
    from fogbank.services.elasticache.model import ClusterPrivate, Node

    node = Node("0001", ports.allocate(be.supervisor, group.private.port), created=member.created)
    private = ClusterPrivate(nodes=[node], next_node=2, requested_port=group.private.port,
                             auth_token=group.private.auth_token, served_by=group.private.served_by)  # fmt: skip
    fields = {key: group.fields[key] for key in ("CacheNodeType", "Engine", "EngineVersion", "CacheParameterGroupName",
              "CacheSubnetGroupName", "SecurityGroupIds", "AutoMinorVersionUpgrade", "SnapshotRetentionLimit",
              "SnapshotWindow", "PreferredMaintenanceWindow", "TransitEncryptionEnabled")}  # fmt: skip
    fields["PreferredAvailabilityZone"] = member.zone
    arn = group.arn.replace(f"replicationgroup:{group.identifier}", f"cluster:{member.cluster_id}")
    record = Record(CLUSTER, member.cluster_id, arn, private, fields=fields, status="creating", tags=list(group.tags))
    target = be.node_dir(record, node)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(data_dir(be, group, member)), str(target))
    with be.store.lock:
        scope.add(record)
        be.save(scope)
    addresses.release(member.address)
    be.jobs.submit(record.resource_id, lambda: nodes.create(be, scope, record), grace=0)


def recover_all(be: Backend) -> None:
    """At Fogbank start (under the store's lock): every replication group's addresses reserved
    again (the same ones when free) and its recovery queued (``fogbank.managed.recovery``)."""
    from fogbank.managed import recovery

    items = be.store.all_records(GROUP)
    for _, group in items:
        private = group.private
        for member in private.members:
            member.address = addresses.allocate(private.port, member.address)
            if member.status != "creating":
                member.status = "rebooting"
        for name in ("primary_address", "reader_address", "config_address"):
            if getattr(private, name):
                setattr(private, name, addresses.allocate(private.port, getattr(private, name)))
        if private.tls_authority:  # the data directory may have moved since
            private.tls_authority = str(transit.directory(be) / "ca.pem")

    class Actions:
        def has_data(self, group: Group) -> bool:
            return be.cluster_dir(group).is_dir()

        def delete(self, scope: Scope, group: Group) -> None:
            delete(be, scope, group)

        def create(self, scope: Scope, group: Group) -> None:
            shutil.rmtree(be.cluster_dir(group), ignore_errors=True)
            for member in group.private.members:
                member.status = "creating"
            create(be, scope, group)

        def restart(self, scope: Scope, group: Group, was: str) -> None:
            restart(be, scope, group, was)

    recovery.recover(LIFECYCLE, be.jobs, items, Actions())
