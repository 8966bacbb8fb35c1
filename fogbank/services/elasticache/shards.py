"""Cluster mode enabled: a replication group's nodes as one real Redis Cluster.

Each node group (shard) is a primary with its slots and its replicas; the nodes announce their
own loopback addresses (``cluster-announce-ip``), so ``CLUSTER SLOTS`` / ``CLUSTER SHARDS`` tell
clients addresses they reach directly, and the configuration endpoint is one more address that
a node binds. Resharding moves slots and their keys for real (SETSLOT IMPORTING/MIGRATING,
MIGRATE, SETSLOT NODE), the way ``valkey-cli --cluster reshard`` does.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from contextlib import closing
from typing import Any

import redis

from fogbank.engines.valkey_conf import ADMIN_USER
from fogbank.managed.records import Scope
from fogbank.services.elasticache import addresses, errors
from fogbank.services.elasticache.backend import Backend
from fogbank.services.elasticache.groups import GROUP, LIFECYCLE, MAX_NODE_GROUPS, SLOTS, Group, Member
from fogbank.services.elasticache.replication import (
    _failed,
    each,
    rebind,
    start_member,
    stop_member,
)

STATE_TIMEOUT = 30.0
BATCH = 256  # slots moved per round of pipelined SETSLOTs


def raw(group: Group, member: Member) -> redis.Redis:
    """Fogbank's own binary-safe connection to a node (keys are bytes, as MIGRATE needs them)."""
    authority = group.private.tls_authority
    tls: dict[str, Any] = {"ssl": True, "ssl_ca_certs": authority} if authority else {}
    return redis.Redis(host=member.address, port=group.private.port, username=ADMIN_USER,
                       password=group.private.admin_password, socket_timeout=30, socket_connect_timeout=2,
                       **tls)  # fmt: skip


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _wait(done: Any, what: str, timeout: float = STATE_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if done():
                return
        except redis.RedisError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)


def _ids(group: Group, members: Iterable[Member]) -> dict[str, str]:
    out = {}
    for member in members:
        with closing(raw(group, member)) as conn:
            out[member.cluster_id] = _text(conn.execute_command("CLUSTER", "MYID"))
    return out


def _add_slots(conn: redis.Redis, ranges: list[list[int]]) -> None:
    for first, last in ranges:
        try:
            conn.execute_command("CLUSTER", "ADDSLOTSRANGE", first, last)
        except redis.ResponseError as error:  # Redis 6.2: no ADDSLOTSRANGE
            if "unknown subcommand" not in str(error).lower() and "unknown" not in str(error).lower():
                raise
            conn.execute_command("CLUSTER", "ADDSLOTS", *range(first, last + 1))


class _Links:
    """One admin connection per node, kept while Fogbank polls the cluster's convergence: a
    fresh connection every 20 ms per node is CPU the nodes themselves need on 2 cores."""

    def __init__(self, group: Group) -> None:
        self.group = group
        self.conns: dict[str, redis.Redis] = {}

    def __call__(self, member: Member) -> redis.Redis:
        if member.cluster_id not in self.conns:
            self.conns[member.cluster_id] = raw(self.group, member)
        return self.conns[member.cluster_id]

    def close(self) -> None:
        for conn in self.conns.values():
            conn.close()


def _meet(group: Group, links: _Links, old: list[Member], new: list[Member]) -> None:
    """Every new node MEETs every node after it and every old one: each pair shakes hands
    directly within a cluster tick (100 ms) instead of learning of the others by gossip, which
    pings one random node a second. One MEET per pair: two crossed handshakes would be resolved
    by the nodes too, but only after a round of PONGs."""
    for index, member in enumerate(new):
        for other in [*new[index + 1 :], *old]:
            links(member).execute_command("CLUSTER", "MEET", other.address, group.private.port)


def _known(conn: redis.Redis) -> dict[str, str]:
    """address -> node id of the nodes ``conn``'s node knows, handshakes left out."""
    out = {}
    for line in _text(conn.execute_command("CLUSTER", "NODES")).splitlines():
        parts = line.split()
        if len(parts) >= 3 and "handshake" not in parts[2]:
            out[parts[1].split(":")[0].split("@")[0]] = parts[0]
    return out


def _knows_all(group: Group, links: _Links, members: list[Member]) -> bool:
    everyone = {m.address for m in group.private.members if m.status == "available"}
    return all(everyone <= set(_known(links(member))) for member in members)


def _state_ok(group: Group, members: Iterable[Member], links: _Links | None = None) -> bool:
    own = links or _Links(group)
    try:
        for member in members:
            conn = own(member)
            if "cluster_state:ok" not in _text(conn.execute_command("CLUSTER", "INFO")):
                return False
            if member.role == "replica" and conn.info("replication").get("master_link_status") != "up":
                return False
        return True
    finally:
        if links is None:
            own.close()


def _agree(links: _Links, members: list[Member]) -> bool:
    """Every node tells clients the same slot owners (CLUSTER SLOTS: range -> primary address),
    all 16384 slots of them: what redis-py's RedisCluster reads from whichever node it asks."""
    views = set()
    for member in members:
        ranges = links(member).execute_command("CLUSTER", "SLOTS")
        view = frozenset((int(r[0]), int(r[1]), _text(r[2][0])) for r in ranges)
        if sum(last - first + 1 for first, last, _ in view) != SLOTS:
            return False
        views.add(view)
    return len(views) == 1


def create(be: Backend, scope: Scope, group: Group) -> None:
    members = list(group.private.members)
    each(members, lambda m: start_member(be, scope, group, m))
    links = _Links(group)
    try:
        for index, node_group in enumerate(group.private.node_groups):
            primary = group.private.primary(node_group.node_group_id)
            assert primary is not None
            links(primary).execute_command("CLUSTER", "SET-CONFIG-EPOCH", index + 1)
            _add_slots(links(primary), node_group.slots)
        _join(group, links, [], members)
        _wait(lambda: _state_ok(group, members, links) and _agree(links, members),
              f"{group.identifier}: the cluster did not become ok")  # fmt: skip
    finally:
        links.close()
    rebind(be, scope, group)


def _join(group: Group, links: _Links, old: list[Member], new: list[Member]) -> None:
    """MEET the new members; each replica follows its node group's primary as soon as it knows
    it (its first sync then runs while the rest of the cluster still shakes hands); then every
    new node knows every node."""
    _meet(group, links, old, new)
    for member in new:
        if member.role != "replica":
            continue
        primary = group.private.primary(member.node_group)
        assert primary is not None
        primary_id = _text(links(primary).execute_command("CLUSTER", "MYID"))
        conn = links(member)
        _wait(lambda c=conn, p=primary_id: p in _known(c).values(), f"{member.cluster_id} did not meet its primary")
        _wait(lambda c=conn, p=primary_id: c.execute_command("CLUSTER", "REPLICATE", p) is not None,
              f"{member.cluster_id} could not follow its primary")  # fmt: skip
    _wait(lambda: _knows_all(group, links, new), f"{group.identifier}: nodes did not meet")
    _announce_slots(group, links, old, new)


def _announce_slots(group: Group, links: _Links, old: list[Member], new: list[Member]) -> None:
    """Every primary MEETs the nodes once more, now that they know it by name. A node takes
    another's slots only from a packet whose sender it knows, and the handshake's packets came
    from a stranger; the next regular ping may be seconds away (one random node a second, else
    after half the node timeout). The receiver reads the MEET's header (the sender's slots),
    and the sender drops the duplicate handshake entry as soon as the PONG names a known node."""
    members = [*old, *new]
    for primary in (m for m in members if m.role == "primary"):
        for other in members:
            if other is not primary and (primary in new or other in new):
                links(primary).execute_command("CLUSTER", "MEET", other.address, group.private.port)


def topology(group: Group) -> list[dict[str, Any]]:
    """CLUSTER NODES from a live node: address, id, role, primary id, slot ranges."""
    for member in group.private.members:
        if member.status != "available":
            continue
        try:
            with closing(raw(group, member)) as conn:
                text = _text(conn.execute_command("CLUSTER", "NODES"))
        except redis.RedisError:
            continue
        nodes = []
        for line in text.splitlines():
            parts = line.split()
            if len(parts) < 8:
                continue
            flags = parts[2].split(",")
            if "handshake" in flags:  # a transient entry (``_announce_slots``), not a node
                continue
            ranges = []
            for part in parts[8:]:
                if part.startswith("["):
                    continue
                first, _, last = part.partition("-")
                ranges.append([int(first), int(last or first)])
            nodes.append({"id": parts[0], "address": parts[1].split(":")[0], "failed": "fail" in flags,
                          "role": "primary" if "master" in flags else "replica", "primary": parts[3],
                          "slots": ranges})  # fmt: skip
        return nodes
    return []


def settle(be: Backend, scope: Scope, group: Group) -> None:
    """The record's roles and slots from what the cluster itself says (after a restart, a
    failover Redis Cluster decided on its own, a resharding)."""
    _wait(lambda: _state_ok(group, [m for m in group.private.members if m.status == "available"]),
          f"{group.identifier}: the cluster did not become ok")  # fmt: skip
    nodes = topology(group)
    by_address = {n["address"]: n for n in nodes}
    by_id = {n["id"]: n for n in nodes}
    with be.store.lock:
        for member in group.private.members:
            node = by_address.get(member.address)
            if node is None or node["failed"]:
                continue
            member.role = node["role"]
        for node_group in group.private.node_groups:
            primary = group.private.primary(node_group.node_group_id)
            node = by_address.get(primary.address) if primary else None
            if node is not None:
                node_group.slots = node["slots"]
            elif primary is not None:  # the primary's entry lost: its replica's primary has the slots
                replicas = [by_address.get(m.address) for m in group.private.of(node_group.node_group_id)]
                owner = next((by_id.get(r["primary"]) for r in replicas if r and r["primary"] in by_id), None)
                node_group.slots = owner["slots"] if owner else node_group.slots
        be.save(scope)
    rebind(be, scope, group)


def failover(be: Backend, scope: Scope, group: Group, node_group: str, target: Member | None) -> Member:
    """CLUSTER FAILOVER on a replica: coordinated when the primary is alive (no write is lost),
    TAKEOVER when it is dead (no vote needed)."""
    old = group.private.primary(node_group)
    candidates = [m for m in group.private.of(node_group) if m.role == "replica" and m.status == "available"]
    new = target or (candidates[0] if candidates else None)
    if new is None or old is None:
        raise RuntimeError(f"node group {node_group} has no replica to fail over to")
    with closing(raw(group, new)) as conn:
        conn.execute_command("CLUSTER", "FAILOVER", *(() if old.status == "available" else ("TAKEOVER",)))
        _wait(lambda: conn.info("replication").get("role") == "master", f"{new.cluster_id} did not take over", 10)
    with be.store.lock:
        old.role, new.role = "replica", "primary"
        be.save(scope)
    if old.status == "available":
        settle(be, scope, group)
    else:
        rebind(be, scope, group)
    return new


def add_nodes(be: Backend, scope: Scope, group: Group, added: list[Member]) -> None:
    each(added, lambda m: start_member(be, scope, group, m))
    old = [m for m in group.private.members if m not in added and m.status == "available"]
    links = _Links(group)
    try:
        _join(group, links, old, added)
        _wait(lambda: _state_ok(group, added, links), f"{group.identifier}: the new nodes did not join")
    finally:
        links.close()
    rebind(be, scope, group)


def forget(be: Backend, group: Group, removed: list[Member]) -> None:
    """Removed nodes leave the cluster: reset, then forgotten by every remaining node."""
    ids = _ids(group, [m for m in removed if m.status == "available"])
    for member in removed:
        if member.cluster_id in ids:
            with closing(raw(group, member)) as conn:
                conn.execute_command("CLUSTER", "RESET", "HARD")
    for member in group.private.members:
        if member in removed or member.status != "available":
            continue
        with closing(raw(group, member)) as conn:
            for node_id in ids.values():
                try:
                    conn.execute_command("CLUSTER", "FORGET", node_id)
                except redis.ResponseError:
                    pass  # already unknown to this node


def plan(group: Group, params: dict[str, Any]) -> dict[str, Any]:
    current = [g.node_group_id for g in group.private.node_groups]
    count = params["NodeGroupCount"]
    if count < 1:
        raise errors.invalid_value("The parameter NodeGroupCount must be a positive integer.")
    if count > MAX_NODE_GROUPS:
        from fogbank.protocols.errors import AwsError

        raise AwsError("NodeGroupsPerReplicationGroupQuotaExceeded", "The request cannot be processed because it "
                       f"would exceed the maximum of {MAX_NODE_GROUPS} node groups (shards) in a replication group.")  # fmt: skip
    if count == len(current):
        raise errors.invalid_value(f"The replication group already has {count} node groups.")
    remove = [f"{int(i):04d}" if i.isdigit() else i for i in params.get("NodeGroupsToRemove") or []]
    retain = [f"{int(i):04d}" if i.isdigit() else i for i in params.get("NodeGroupsToRetain") or []]
    if count > len(current):
        if remove or retain:
            raise errors.invalid_combination("NodeGroupsToRemove and NodeGroupsToRetain are only for decreasing "
                                             "NodeGroupCount.")  # fmt: skip
        return {"add": count - len(current), "remove": []}
    if remove and retain:
        raise errors.invalid_combination("Specify either NodeGroupsToRemove or NodeGroupsToRetain, not both.")
    if not remove and not retain:
        raise errors.invalid_value("NodeGroupsToRemove or NodeGroupsToRetain is required when decreasing "
                                   "NodeGroupCount.")  # fmt: skip
    for node_group_id in remove + retain:
        if node_group_id not in current:
            from fogbank.protocols.errors import AwsError

            raise AwsError("NodeGroupNotFoundFault", f"The node group {node_group_id} was not found.")
    gone = remove or [i for i in current if i not in retain]
    if len(current) - len(set(gone)) != count:
        raise errors.invalid_value(f"Removing {len(set(gone))} of {len(current)} node groups does not leave "
                                   f"NodeGroupCount {count}.")  # fmt: skip
    return {"add": 0, "remove": sorted(set(gone))}


def _moves(group: Group, remove: list[str]) -> list[tuple[int, str, str]]:
    """(slot, from node group, to node group) so that the remaining node groups hold even shares."""
    owner = {s: g.node_group_id for g in group.private.node_groups for a, b in g.slots for s in range(a, b + 1)}
    remaining = [g.node_group_id for g in group.private.node_groups if g.node_group_id not in remove]
    share = {g: SLOTS // len(remaining) + (1 if i < SLOTS % len(remaining) else 0) for i, g in enumerate(remaining)}
    held: dict[str, list[int]] = {g.node_group_id: [] for g in group.private.node_groups}
    for slot in sorted(owner):
        held[owner[slot]].append(slot)
    spare: list[tuple[int, str]] = []
    for node_group_id, slots in held.items():
        keep = 0 if node_group_id in remove else share[node_group_id]
        spare += [(slot, node_group_id) for slot in slots[keep:]]
    moves = []
    for node_group_id in remaining:
        need = share[node_group_id] - len(held[node_group_id])
        while need > 0 and spare:
            slot, source = spare.pop(0)
            moves.append((slot, source, node_group_id))
            need -= 1
    return moves


def _migrate(group: Group, slots: list[int], source: Member, target: Member, ids: dict[str, str],
             primaries: list[Member]) -> None:  # fmt: skip
    port, password = group.private.port, group.private.admin_password
    with closing(raw(group, source)) as src, closing(raw(group, target)) as dst:
        pipe = dst.pipeline(transaction=False)
        for slot in slots:
            pipe.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", ids[source.cluster_id])
        pipe.execute()
        pipe = src.pipeline(transaction=False)
        for slot in slots:
            pipe.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", ids[target.cluster_id])
        pipe.execute()
        pipe = src.pipeline(transaction=False)
        for slot in slots:
            pipe.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot)
        counts = pipe.execute()
        for slot, count in zip(slots, counts, strict=True):
            while count:
                keys = src.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 1000)
                if not keys:
                    break
                src.execute_command("MIGRATE", target.address, port, "", 0, 10000, "REPLACE",
                                    "AUTH2", ADMIN_USER, password, "KEYS", *keys)  # fmt: skip
    # The target first, then the source, then the others (gossip would tell them anyway). A
    # primary left without slots becomes a replica of the one that took them (Redis 7+ replica
    # migration), and a replica refuses SETSLOT: that answer is expected.
    # Valkey 8 replicates SETSLOT to the node's replicas and answers NOREPLICAS while one is
    # still syncing: the target retries (it must own the slots); the others learn by gossip.
    deadline = time.monotonic() + STATE_TIMEOUT
    for member in [target, source, *[p for p in primaries if p not in (source, target)]]:
        pending = list(slots)
        while pending:
            with closing(raw(group, member)) as conn:
                pipe = conn.pipeline(transaction=False)
                for slot in pending:
                    pipe.execute_command("CLUSTER", "SETSLOT", slot, "NODE", ids[target.cluster_id])
                answers = pipe.execute(raise_on_error=False)
            retry = []
            for slot, answer in zip(pending, answers, strict=True):
                if not isinstance(answer, Exception) or "only with masters" in str(answer):
                    continue
                if "NOREPLICAS" not in str(answer) or time.monotonic() > deadline:
                    raise answer
                if member is target:
                    retry.append(slot)
            pending = retry
            if pending:
                time.sleep(0.05)


def _migrations(conn: redis.Redis) -> list[dict[bytes, Any]]:
    """CLUSTER GETSLOTMIGRATIONS as dicts (a map per job; RESP2 gives its pairs flat)."""
    jobs = conn.execute_command("CLUSTER", "GETSLOTMIGRATIONS") or []
    return [job if isinstance(job, dict) else dict(zip(job[::2], job[1::2], strict=True)) for job in jobs]


def _migrate_atomic(group: Group, slots: list[int], source: Member, target: Member, ids: dict[str, str]) -> bool:
    """Valkey 9's atomic slot migration (``CLUSTER MIGRATESLOTS``): the server moves the slots and
    their keys itself, as one job per pair of shards, in well under a second where the SETSLOT /
    MIGRATE dance takes a SETSLOT round trip per slot (and, on Valkey 8, a wait for the replicas
    of each). False when the server has no such command (Valkey 8, Redis OSS): the caller moves
    them the older way."""
    with closing(raw(group, source)) as src:
        try:
            before = {job.get(b"name") for job in _migrations(src)}
        except redis.ResponseError:
            return False
        # The source logs in to the target as a replica would: Fogbank's admin user.
        src.config_set("primaryuser", ADMIN_USER)
        src.config_set("primaryauth", group.private.admin_password)
        ranges = [bound for pair in _ranges(slots) for bound in pair]
        src.execute_command("CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", *ranges, "NODE", ids[target.cluster_id])

        def finished() -> bool:
            jobs = [job for job in _migrations(src) if job.get(b"name") not in before]
            failed = [job for job in jobs if _text(job.get(b"state")) in ("failed", "cancelled")]
            if failed:
                raise RuntimeError(f"slot migration to {target.cluster_id} {_text(failed[0].get(b'state'))}: "
                                   f"{_text(failed[0].get(b'message'))}")  # fmt: skip
            return bool(jobs) and all(_text(job.get(b"state")) == "success" for job in jobs)

        _wait(finished, f"slots moving from {source.cluster_id} to {target.cluster_id}")
    return True


def _ranges(slots: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for slot in sorted(slots):
        if out and out[-1][1] == slot - 1:
            out[-1][1] = slot
        else:
            out.append([slot, slot])
    return out


def _progress(be: Backend, group: Group, done: int, total: int) -> None:
    with be.store.lock:
        progress = round(100.0 * done / max(total, 1), 1)
        group.fields["PendingModifiedValues"] = {"Resharding": {"SlotMigration": {"ProgressPercentage": progress}}}


def reshard(be: Backend, scope: Scope, group: Group, added: list[Member], remove: list[str]) -> None:
    """ModifyReplicationGroupShardConfiguration: new node groups join, slots and keys move so
    that the remaining ones hold even shares, removed node groups leave."""
    try:
        if added:
            add_nodes(be, scope, group, added)
        moves = _moves(group, remove)
        primaries = [p for g in group.private.node_groups if (p := group.private.primary(g.node_group_id))]
        ids = _ids(group, primaries)
        pairs: dict[tuple[str, str], list[int]] = {}
        for slot, source, target in moves:
            pairs.setdefault((source, target), []).append(slot)
        done = 0
        for (source, target), slots in pairs.items():
            src, dst = group.private.primary(source), group.private.primary(target)
            assert src is not None and dst is not None
            if _migrate_atomic(group, slots, src, dst, ids):
                done += len(slots)
                _progress(be, group, done, len(moves))
                continue
            for start in range(0, len(slots), BATCH):
                _migrate(group, slots[start : start + BATCH], src, dst, ids, primaries)
                done += len(slots[start : start + BATCH])
                _progress(be, group, done, len(moves))
        owner = {s: g.node_group_id for g in group.private.node_groups for a, b in g.slots for s in range(a, b + 1)}
        for slot, _, target in moves:
            owner[slot] = target
        with be.store.lock:
            for node_group in group.private.node_groups:
                node_group.slots = _ranges([s for s, g in owner.items() if g == node_group.node_group_id])
            be.save(scope)
        if remove:
            gone = [m for m in group.private.members if m.node_group in remove]
            forget(be, group, gone)
            each(gone, lambda m: stop_member(be, group, m))
            with be.store.lock:
                group.private.members = [m for m in group.private.members if m not in gone]
                group.private.node_groups = [g for g in group.private.node_groups if g.node_group_id not in remove]
                be.save(scope)
            for member in gone:
                import shutil

                shutil.rmtree(be.cluster_dir(group) / member.cluster_id, ignore_errors=True)
                addresses.release(member.address)
        settle(be, scope, group)
    except Exception as error:
        with be.store.lock:
            group.fields.pop("PendingModifiedValues", None)
        _failed(be, scope, group, error, "Resharding the replication group")
        return
    with be.store.lock:
        group.fields.pop("PendingModifiedValues", None)
        LIFECYCLE.move_if(group, ("modifying",), "available")
        be.save(scope)
    be.event(scope, GROUP, group.identifier, f"Replication group {group.identifier} now has "
             f"{len(group.private.node_groups)} node groups")  # fmt: skip
