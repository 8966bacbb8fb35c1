"""Global tables (version 2019.11.21): replicas of one table in other regions of this Fogbank, kept in step.

Every replica is an ordinary table (same name, account and definition, another region) whose ``replicas``
names the whole group. Replication is driven from the durable stream, never from memory: a replica must
have a NEW_AND_OLD_IMAGES stream, every write to it writes its record in the write's own transaction
(Backend.apply), and the Replicator applies each replica's records to every other replica, moving a cursor
per (source, destination) pair (the ``replication`` rows) in the transaction that applies them. So a write
acknowledged in one region reaches the others exactly once, even after ``kill -9``.

Conflicts: last writer wins. Every write to a global table notes when and in which region it was made
(``replica_clock``); a replicated change is applied only when it is newer than what the destination holds
(ties broken by region name, so every replica settles on the same item). A replicated write records itself
in the destination's stream as BY_REPLICATION, which the Replicator does not send on again.

A new replica is filled from one snapshot of the source: its items, and where each stream's cursor stood at
that moment, so the changes made during and after the copy follow through the stream.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from fogbank.services.dynamodb.codec import unpack
from fogbank.services.dynamodb.history import Snapshot
from fogbank.services.dynamodb.model import GLOBAL_TABLE_VERSION, LEGACY_VERSION
from fogbank.services.dynamodb.streams import BY_REPLICATION, REMOVE

if TYPE_CHECKING:
    from fogbank.services.dynamodb.backend import Backend
    from fogbank.services.dynamodb.model import Table
    from fogbank.services.dynamodb.store import Writer

log = logging.getLogger("fogbank.dynamodb")

TICK_SECONDS = 0.02  # how often the Replicator looks for new records when nothing woke it
BATCH = 500  # records applied per write transaction
COPY_SLICE = 2000  # items copied per write transaction when a replica is created


def members(backend: Backend, table: Table) -> list[Table]:
    """The tables of ``table``'s replication group that exist (``table`` included)."""
    if table.replicas is None:
        return [table]
    found = []
    for region in sorted(table.replicas):
        member = backend.tables.get((table.account, region, table.name))
        if member is not None:
            found.append(member)
    return found


def share(
    backend: Backend, writer: Writer, table: Table, replicas: dict[str, dict] | None, version: str | None = None
) -> None:
    """Give every member of the group (and ``table``) the same replica list and version, in one transaction."""
    version = None if replicas is None else version or table.global_version or GLOBAL_TABLE_VERSION
    created = table.global_created
    group = [table]  # the members of the new list; one that left is not touched
    for region in replicas or ():
        member = backend.tables.get((table.account, region, table.name))
        if member is not None and member is not table:
            group.append(member)
    for member in group:
        member.replicas = None if replicas is None else {r: dict(v) for r, v in replicas.items()}
        member.global_version = version
        member.global_created = created if version == LEGACY_VERSION else None
        backend.save(writer, member)


class Replicator:
    """A daemon thread of the main process: applies each replica's new stream records to the other replicas,
    and fills replicas being created."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._stop = threading.Event()
        self.wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dynamodb-replication", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self.wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.wake.wait(TICK_SECONDS)
            self.wake.clear()
            try:
                while self.replicate() and not self._stop.is_set():
                    pass
            except Exception:  # the next tick retries
                if not self._stop.is_set():  # (a store closed under it at shutdown is no error)
                    log.exception("replicating global tables")

    def replicate(self) -> bool:
        """One pass over every pair of replicas; True when a full batch was applied (more may wait)."""
        busy = False
        for source in list(self.backend.tables.values()):
            if source.replicas is None or source.stream_id is None or source.status == "DELETING":
                continue
            for target in members(self.backend, source):
                if target is not source and target.status != "DELETING":
                    busy |= self._pair(source, target)
        return busy

    def _pair(self, source: Table, target: Table) -> bool:
        store = self.backend.store
        cursor = (
            store.reader()
            .execute("SELECT sid, seq FROM replication WHERE src = ? AND dst = ?", (source.tid, target.tid))
            .fetchone()
        )
        if cursor is None:  # not filled yet: the copy sets the cursor when it is done
            return False
        after = cursor[1] if cursor[0] == source.stream_id else 0
        rows = (
            store.reader()
            .execute(
                "SELECT seq, created, event, keys, new, service FROM records WHERE sid = ? AND seq > ? "
                "ORDER BY seq LIMIT ?",
                (source.stream_id, after, BATCH),
            )
            .fetchall()
        )
        due = time.time() - self.backend.stream_settings.replication_delay
        ready = next((i for i, row in enumerate(rows) if row[1] > due), len(rows))  # in order: stop at a young one
        full = ready == BATCH
        rows = rows[:ready]
        if not rows:
            return False
        with store.write() as writer:
            if self.backend.tables.get((target.account, target.region, target.name)) is not target:
                return False  # deleted meanwhile
            for _seq, created, event, keys, new, service in rows:
                if service == BY_REPLICATION:
                    continue  # a change that came from another replica reaches every replica from there
                item = None if event == REMOVE or new is None else unpack(new)
                self.apply_change(writer, target, unpack(keys), item, created, source.region)
            writer.connection.execute(
                "INSERT OR REPLACE INTO replication (src, dst, sid, seq) VALUES (?, ?, ?, ?)",
                (source.tid, target.tid, source.stream_id, rows[-1][0]),
            )
        return full

    def apply_change(
        self, writer: Writer, target: Table, keys: dict, item: dict | None, at: float, region: str
    ) -> None:
        """A change made at ``at`` in ``region``, unless the target's item was written later (last writer wins)."""
        pk, sk = target.encode_key(keys)
        if writer.clock(target.tid, pk, sk) >= (at, region):
            return
        old, old_size = self.backend.read(target, pk, sk, writer)
        if old is None and item is None:
            writer.set_clock(target.tid, pk, sk, at, region)  # a deletion still outranks older writes
            return
        self.backend.apply(writer, target, pk, sk, old, old_size, item, origin=(at, region))

    # -- filling a new replica --------------------------------------------------------------------------

    def start_copy(self, target: Table) -> None:
        threading.Thread(target=self._copy, args=(target,), name="dynamodb-replica-copy", daemon=True).start()

    def _copy(self, target: Table) -> None:
        try:
            self.copy(target)
        except Exception:
            log.exception("creating replica %s in %s", target.name, target.region)

    def copy(self, target: Table) -> None:
        """Fill ``target`` from its source's snapshot, then set the cursors and make it ACTIVE everywhere."""
        backend = self.backend
        assert target.replica_source is not None
        source = backend.tables.get((target.account, target.replica_source, target.name))
        if source is None:
            return
        snapshot = Snapshot(backend.store)
        try:
            connection = snapshot.connection
            row = connection.execute("SELECT last_seq FROM streams WHERE sid = ?", (source.stream_id,)).fetchone()
            source_seq = row[0] if row else 0
            # Where the other replicas' changes stood in the source: the new one takes them from there.
            others = connection.execute("SELECT src, sid, seq FROM replication WHERE dst = ?", (source.tid,)).fetchall()
            clocks = {
                (pk, sk): (at, region)
                for pk, sk, at, region in connection.execute(
                    "SELECT pk, sk, at, region FROM replica_clock WHERE tid = ?", (source.tid,)
                )
            }
            items = connection.execute("SELECT pk, sk, item FROM items WHERE tid = ? ORDER BY h, pk, sk", (source.tid,))
            while True:
                rows = items.fetchmany(COPY_SLICE)
                if not rows:
                    break
                with backend.store.write() as writer:
                    if backend.tables.get((target.account, target.region, target.name)) is not target:
                        return
                    for pk, sk, blob in rows:
                        at, region = clocks.get((pk, sk), (0.0, source.region))
                        old, old_size = backend.read(target, pk, sk, writer)
                        backend.apply(writer, target, pk, sk, old, old_size, unpack(blob), origin=(at, region))
        finally:
            snapshot.close()
        with backend.store.write() as writer:
            if backend.tables.get((target.account, target.region, target.name)) is not target:
                return
            cursors = [(source.tid, source.stream_id, source_seq)] + [tuple(row) for row in others]
            for src, sid, seq in cursors:
                writer.connection.execute(
                    "INSERT OR REPLACE INTO replication (src, dst, sid, seq) VALUES (?, ?, ?, ?)",
                    (src, target.tid, sid, seq),
                )
            # The new replica's own changes go to every other replica from its stream's present end on (what
            # it holds so far came from them).
            mine = writer.connection.execute(
                "SELECT last_seq FROM streams WHERE sid = ?", (target.stream_id,)
            ).fetchone()
            for member in members(backend, source):
                if member is not target:
                    writer.connection.execute(
                        "INSERT OR REPLACE INTO replication (src, dst, sid, seq) VALUES (?, ?, ?, ?)",
                        (target.tid, member.tid, target.stream_id, mine[0] if mine else 0),
                    )
            target.replica_source = None
            target.status = "ACTIVE"
            replicas = dict(source.replicas or {})
            replicas[target.region] = {**replicas.get(target.region, {}), "status": "ACTIVE"}
            share(backend, writer, source, replicas)
            if source.status == "UPDATING" and not any(i.status != "ACTIVE" for i in source.indexes):
                source.status = "ACTIVE"
                backend.save(writer, source)
        self.wake.set()

    def resume(self) -> None:
        """After a restart: fill again the replicas whose copy was interrupted (copying is idempotent)."""
        for table in list(self.backend.tables.values()):
            if table.replica_source is not None and table.status == "CREATING":
                self.start_copy(table)


def leave(backend: Backend, writer: Writer, table: Table) -> None:
    """``table`` (being deleted) leaves its group: the other replicas forget it, and a replica left alone is a
    plain table again."""
    if table.replicas is None:
        return
    rest = {region: dict(value) for region, value in table.replicas.items() if region != table.region}
    others = [member for member in members(backend, table) if member is not table]
    table.replicas = None
    table.global_version = table.global_created = None
    if others:
        share(backend, writer, others[0], rest if len(rest) > 1 else None)
    writer.connection.execute("DELETE FROM replication WHERE src = ? OR dst = ?", (table.tid, table.tid))


def replication_attributes(at: float, region: str) -> dict[str, dict[str, Any]]:
    """What a legacy (2017.11.29) global table adds to every item it writes: where and when it was written
    (seconds with microseconds, as AWS shows them), and that it is not being deleted."""
    return {
        "aws:rep:deleting": {"BOOL": False},
        "aws:rep:updatetime": {"N": f"{at:.6f}".rstrip("0").rstrip(".")},
        "aws:rep:updateregion": {"S": region},
    }
