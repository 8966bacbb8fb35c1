"""DynamoDB's durable storage: one SQLite database (WAL) for every table of every account and region.

Rows are keyed ``(tid, h, pk, sk)``: ``pk``/``sk`` are the order-preserving encodings of the key
attributes (keys.encode_key_value), ``h`` a 32-bit hash of ``pk``. Ordering by ``h`` first makes a Scan
walk the table in hash order as DynamoDB does, and lets a parallel Scan segment be a contiguous range
of ``h``. A Query seeks ``(tid, h, pk)`` and reads ``sk`` in order.

Secondary indexes live in ``idx`` with the same layout plus the index's own key in front of the table
key; they are written in the same SQLite transaction as the item, together with the per-table and
per-index item count and size (``stats``). How an item is encoded in its row is codec.py's business.

One writer connection serialises every write under ``lock``, which also makes conditional writes and
transactions serializable; reads use one connection per thread and see the last committed state
(WAL readers never wait for the writer). ``synchronous=NORMAL`` in WAL mode loses nothing that was
committed when the process is killed; only a power loss can drop the last commits.

Writes made on the event loop are group-committed (``fogbank.core.commit``): the first write of a
loop turn opens a transaction and holds ``lock`` until the turn's commit, and the answers wait for the
commit. Every operation checks its input and conditions before it changes anything, so a failing write
normally has nothing to undo; one that fails after a change rolls the whole turn back and its answers
are withdrawn.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from fogbank.core.commit import Deferred

if TYPE_CHECKING:
    from fogbank.core.commit import GroupCommit
    from fogbank.services.dynamodb.processes import Counter, LocalCounter, WriteLock

SCHEMA = """
CREATE TABLE IF NOT EXISTS tables (
    tid INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, meta TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    tid INTEGER NOT NULL, h INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL, size INTEGER NOT NULL,
    item BLOB NOT NULL, PRIMARY KEY (tid, h, pk, sk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idx (
    tid INTEGER NOT NULL, iid INTEGER NOT NULL, h INTEGER NOT NULL, ipk BLOB NOT NULL, isk BLOB NOT NULL,
    pk BLOB NOT NULL, sk BLOB NOT NULL, size INTEGER NOT NULL, item BLOB NOT NULL,
    PRIMARY KEY (tid, iid, h, ipk, isk, pk, sk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats (
    tid INTEGER NOT NULL, iid INTEGER NOT NULL, count INTEGER NOT NULL, bytes INTEGER NOT NULL,
    PRIMARY KEY (tid, iid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, account TEXT NOT NULL, digest TEXT NOT NULL, created REAL NOT NULL, response TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS streams (
    sid INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, region TEXT NOT NULL, table_name TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE, label TEXT NOT NULL, view_type TEXT NOT NULL, key_schema TEXT NOT NULL,
    created REAL NOT NULL, disabled REAL, last_seq INTEGER NOT NULL DEFAULT 0, trimmed_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS shards (
    sid INTEGER NOT NULL, number INTEGER NOT NULL, shard_id TEXT NOT NULL, parent TEXT, first_seq INTEGER NOT NULL,
    last_seq INTEGER, created REAL NOT NULL, PRIMARY KEY (sid, number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
    sid INTEGER NOT NULL, seq INTEGER NOT NULL, created REAL NOT NULL, event INTEGER NOT NULL, keys BLOB NOT NULL,
    new BLOB, old BLOB, size INTEGER NOT NULL, service INTEGER NOT NULL, PRIMARY KEY (sid, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY, tid INTEGER NOT NULL, at REAL NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL,
    size INTEGER NOT NULL, item BLOB
);
CREATE INDEX IF NOT EXISTS history_at ON history (tid, at);
-- AUTOINCREMENT: a backup number is never reused (after DeleteBackup or a reset), so a copy still running for
-- an old backup can never write into, or mark AVAILABLE, a new one.
CREATE TABLE IF NOT EXISTS backups (
    bid INTEGER PRIMARY KEY AUTOINCREMENT, arn TEXT NOT NULL UNIQUE, account TEXT NOT NULL, region TEXT NOT NULL,
    table_name TEXT NOT NULL, tid INTEGER NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, status TEXT NOT NULL,
    created REAL NOT NULL, expires REAL, meta TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS replica_clock (
    tid INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL, at REAL NOT NULL, region TEXT NOT NULL,
    PRIMARY KEY (tid, pk, sk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS replication (
    src INTEGER NOT NULL, dst INTEGER NOT NULL, sid INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (src, dst)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS backup_items (
    bid INTEGER NOT NULL, h INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL, size INTEGER NOT NULL,
    item BLOB NOT NULL, PRIMARY KEY (bid, h, pk, sk)
) WITHOUT ROWID;
"""

HASH_SPACE = 1 << 32
KEEP_SNAPSHOT_SECONDS = 0.05  # how long the event loop may keep a read snapshot no commit has overtaken
T = TypeVar("T")


def key_hash(pk: bytes) -> int:
    """Where a partition key falls in the table's hash order, 0 .. 2**32-1."""
    last = _last_hash  # a write hashes its key twice in a row (read the old item, write the new)
    if last[0] == pk:
        return last[1]
    h = int.from_bytes(hashlib.md5(pk).digest()[:4], "big")
    _remember(pk, h)
    return h


def _remember(pk: bytes, h: int) -> None:
    global _last_hash
    _last_hash = (pk, h)  # one assignment: a thread never sees a key with another key's hash


_last_hash: tuple[bytes, int] = (b"\xff\xff", -1)


def _connect(path: Path) -> sqlite3.Connection:
    # SQLite makes a new database 0644 and gives its -wal and -shm files the database's mode:
    # create it 0600 first, so none of the three is readable by other users.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA cache_size=-65536")  # 64 MB of page cache per connection
    connection.execute("PRAGMA temp_store=MEMORY")
    return connection


class Store:
    def __init__(
        self,
        path: Path,
        group: GroupCommit | None = None,
        write_lock: WriteLock | None = None,
        catalog: Counter | None = None,
        commits: Counter | LocalCounter | None = None,
    ) -> None:
        """``write_lock`` when other processes write too; ``catalog`` when this process is the one that
        changes table definitions and tells the others (processes.py)."""
        self.path = path
        self.group = group
        self.write_lock = write_lock
        self.catalog = catalog
        self.commits = commits  # bumped after every commit: is a reader's snapshot still the latest?
        self._turn_snapshot = -1  # the commit count the event loop's read snapshot was taken at (-1: none)
        self._pinned = False  # a snapshot() is in progress on the loop: keep its view
        self._turn_end_due = False  # _turn_end is scheduled for the end of this loop turn
        self._idle_end_due = False  # _idle_end is scheduled
        self._phase_open = False
        self._phase_failed = False
        self._group_stats: dict[tuple[int, int], list[int]] = {}  # (tid, iid) -> [count, bytes] to add
        self._catalog_changed = False
        self.lock = threading.RLock()
        self.writer = _connect(path)
        self.writer.executescript(SCHEMA)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._high_tid = 0

    def reader(self) -> sqlite3.Connection:
        """This thread's read connection, seeing every commit acknowledged so far.

        On the event loop the reads of one turn share one read transaction, refreshed only when a commit
        happened since it began (the commit count says so): a read transaction costs file-lock calls to
        start and end, which on a small machine are much of a GetItem. A snapshot no commit overtook is
        kept for later turns too (see _turn_end), a moment at most once reads stop, so none is held while
        Fogbank idles (an old snapshot would keep the WAL from being checkpointed).
        """
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = _connect(self.path)
            self._local.connection = connection
            with self._readers_lock:
                self._readers.append(connection)
        group = self.group
        if self.commits is None or group is None or not group.on_loop():
            return connection
        count = self.commits.read()
        if count != self._turn_snapshot and not self._pinned:
            if connection.in_transaction:
                connection.execute("COMMIT")
            connection.execute("BEGIN")
            self._turn_snapshot = count  # read before the snapshot starts: it holds at least these commits
            if not self._turn_end_due:
                self._turn_end_due = True
                group.at_turn_end(self._turn_end)
        return connection

    def _turn_end(self) -> None:
        """A snapshot no commit has overtaken is kept for the next turns (reads of a read-only load then
        start none), until a commit overtakes it or it has been idle a moment. One that a commit overtook
        ends now: held on, it would keep SQLite from restarting the WAL, which then grows."""
        self._turn_end_due = False
        if self.commits is not None and self.commits.read() == self._turn_snapshot:
            if not self._idle_end_due and self.group is not None and self.group.loop is not None:
                self._idle_end_due = True
                self.group.loop.call_later(KEEP_SNAPSHOT_SECONDS, self._idle_end)
            return
        self._end_turn_snapshot()

    def _idle_end(self) -> None:
        self._idle_end_due = False
        if not self._pinned:
            self._end_turn_snapshot()

    def _end_turn_snapshot(self) -> None:
        self._turn_snapshot = -1
        connection = getattr(self._local, "connection", None)
        if connection is not None and connection.in_transaction:
            connection.execute("COMMIT")

    def close(self) -> None:
        with self._readers_lock:
            for connection in self._readers:
                try:
                    connection.close()
                except sqlite3.ProgrammingError:
                    pass  # a reader of another thread still busy: the process is exiting anyway
            self._readers.clear()
        with self.lock:
            self.writer.close()
        for shared in (self.write_lock, self.catalog, self.commits):
            if shared is not None:
                shared.close()

    def deferred(self, write: Callable[[Writer], T]) -> T | Deferred:
        """Run ``write`` in a write transaction: on the event loop, later, in the turn's write phase
        (the handler returns the Deferred; core/commit.py), elsewhere at once."""
        if self.group is not None and self.group.accepts():
            return Deferred(self, functools.partial(self._write_now, write))
        return self._write_now(write)

    def _write_now(self, write: Callable[[Writer], T]) -> T:
        with self.write() as writer:
            return write(writer)

    @contextmanager
    def write(self) -> Iterator[Writer]:
        """One atomic write; every write of the service goes through here. Inside the write phase it
        shares the phase's transaction, elsewhere it commits on its own."""
        if self.group is not None and self.group.in_phase_here():
            if self._phase_failed:
                raise RuntimeError("this write phase was rolled back")
            if self._phase_open:
                writer = Writer(self.writer, self._group_stats)
                changes = self.writer.total_changes
                try:
                    yield writer
                except BaseException:
                    if self.writer.total_changes != changes:
                        self._abandon_phase()
                    raise
                _merge(self._group_stats, writer.deltas)
                self._catalog_changed |= writer.catalog_changed
                return
        with self.lock:
            self._begin()
            writer = Writer(self.writer, {})
            try:
                yield writer
                self._write_stats(writer.deltas)
            except BaseException:
                self._end("ROLLBACK")
                raise
            self._catalog_changed |= writer.catalog_changed
            self._end("COMMIT")

    def _begin(self, wait: bool = True) -> bool:
        """Take the write lock (False: it is taken and ``wait`` is off) and open the write transaction."""
        if self.write_lock is not None:
            if wait:
                self.write_lock.acquire()
            elif not self.write_lock.try_acquire():
                return False
        try:
            self.writer.execute("BEGIN IMMEDIATE")
        except BaseException:
            if self.write_lock is not None:
                self.write_lock.release()
            raise
        return True

    def _end(self, statement: str) -> None:
        """COMMIT or ROLLBACK, then tell other processes about changed tables before they may write."""
        try:
            self.writer.execute(statement)
            if statement == "COMMIT":
                if self.commits is not None:
                    self.commits.bump()
                if self._catalog_changed and self.catalog is not None:
                    self.catalog.bump()
        finally:
            self._catalog_changed = False
            if self.write_lock is not None:
                self.write_lock.release()

    def begin_phase(self, wait: bool) -> bool:
        """The turn's write phase starts: one transaction for every write queued for it. Without ``wait``,
        False when another process holds the write lock (the group commit tries again next turn)."""
        self.lock.acquire()
        if self._turn_snapshot != -1 and self.group is not None and self.group.on_loop():
            self._end_turn_snapshot()  # this phase's commit overtakes it; ended first, it cannot hold the WAL
        try:
            if not self._begin(wait):
                self.lock.release()
                return False
        except BaseException:
            self.lock.release()
            raise
        self._phase_open = True
        return True

    def end_phase(self) -> None:
        try:
            if self._phase_failed:
                raise RuntimeError("a write failed after changing data: this write phase was rolled back")
            stats, self._group_stats = self._group_stats, {}
            try:
                self._write_stats(stats)
            except BaseException:
                self._end("ROLLBACK")
                raise
            self._end("COMMIT")
        finally:
            self._phase_open = False
            self._phase_failed = False
            self.lock.release()

    def _abandon_phase(self) -> None:
        """A write failed after changing data (checks come before changes, so only a bug or a disk error
        gets here): roll the whole phase back; its answers are withdrawn."""
        self._phase_open = False
        self._phase_failed = True
        self._group_stats.clear()
        self._end("ROLLBACK")

    def _write_stats(self, deltas: dict[tuple[int, int], list[int]]) -> None:
        """Item counts and sizes change once per commit, not once per write."""
        rows = [(tid, iid, count, size) for (tid, iid), (count, size) in deltas.items() if count or size]
        if rows:
            self.writer.executemany(
                "INSERT INTO stats (tid, iid, count, bytes) VALUES (?, ?, ?, ?) ON CONFLICT (tid, iid) "
                "DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes",
                rows,
            )

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every read inside sees the same committed state (TransactGetItems)."""
        connection = self.reader()
        if connection.in_transaction:  # the event loop's turn snapshot: keep it as it is until we are done
            self._pinned = True
            try:
                yield connection
            finally:
                self._pinned = False
            return
        connection.execute("BEGIN")
        try:
            yield connection
        finally:
            connection.execute("COMMIT")

    # -- catalog ------------------------------------------------------------------------------------

    def load_tables(self) -> list[tuple[int, str, str, str, str]]:
        return self.writer.execute("SELECT tid, account, region, name, meta FROM tables").fetchall()

    def stats(self, tid: int) -> dict[int, tuple[int, int]]:
        rows = self.reader().execute("SELECT iid, count, bytes FROM stats WHERE tid = ?", (tid,))
        return {iid: (count, size) for iid, count, size in rows}

    def next_tid(self) -> int:
        """A table number never used before, even by a table whose rows are still being dropped, or before a
        reset: a background drop of an old table must never touch a new one."""
        row = self.writer.execute(
            "SELECT MAX(COALESCE((SELECT MAX(tid) FROM tables), 0), COALESCE((SELECT MAX(tid) FROM items), 0), "
            "COALESCE((SELECT MAX(tid) FROM idx), 0))"
        ).fetchone()
        self._high_tid = max(self._high_tid, int(row[0])) + 1
        return self._high_tid

    # -- reads --------------------------------------------------------------------------------------

    def get(
        self, tid: int, pk: bytes, sk: bytes, connection: sqlite3.Connection | None = None
    ) -> tuple[bytes, int] | None:
        """(packed item, size) of one item, or None."""
        if connection is None:
            connection = self.reader()
        return connection.execute(
            "SELECT item, size FROM items WHERE tid = ? AND h = ? AND pk = ? AND sk = ?", (tid, key_hash(pk), pk, sk)
        ).fetchone()

    def reset(self) -> None:
        self._group_stats.clear()
        with self.write() as writer:
            writer.catalog_changed = True
            for table in (
                "tables",
                "items",
                "idx",
                "stats",
                "tokens",
                "streams",
                "shards",
                "records",
                "history",
                "backups",
                "backup_items",
            ):
                writer.connection.execute(f"DELETE FROM {table}")


def _merge(into: dict[tuple[int, int], list[int]], deltas: dict[tuple[int, int], list[int]]) -> None:
    for key, (count, size) in deltas.items():
        total = into.get(key)
        if total is None:
            into[key] = [count, size]
        else:
            total[0] += count
            total[1] += size


class Writer:
    """Statements of one write; the statistics it changes are added up and written at the commit."""

    def __init__(self, connection: sqlite3.Connection, pending: dict[tuple[int, int], list[int]]) -> None:
        self.connection = connection
        self.deltas: dict[tuple[int, int], list[int]] = {}
        self.catalog_changed = False  # a table's definition was written or dropped
        self._pending = pending  # what earlier writes of the same group commit added

    def get(self, tid: int, pk: bytes, sk: bytes) -> tuple[bytes, int] | None:
        return self.connection.execute(
            "SELECT item, size FROM items WHERE tid = ? AND h = ? AND pk = ? AND sk = ?", (tid, key_hash(pk), pk, sk)
        ).fetchone()

    def put_item(self, tid: int, pk: bytes, sk: bytes, size: int, blob: bytes) -> None:
        self.connection.execute(
            # An upsert rewrites the row in place; OR REPLACE deletes and re-inserts it, about twice the work.
            "INSERT INTO items (tid, h, pk, sk, size, item) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (tid, h, pk, sk) DO UPDATE SET size = excluded.size, item = excluded.item",
            (tid, key_hash(pk), pk, sk, size, blob),
        )

    def delete_item(self, tid: int, pk: bytes, sk: bytes) -> None:
        self.connection.execute(
            "DELETE FROM items WHERE tid = ? AND h = ? AND pk = ? AND sk = ?", (tid, key_hash(pk), pk, sk)
        )

    def put_index(
        self, tid: int, iid: int, ipk: bytes, isk: bytes, pk: bytes, sk: bytes, size: int, blob: bytes
    ) -> None:
        self.connection.execute(
            "INSERT INTO idx (tid, iid, h, ipk, isk, pk, sk, size, item) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (tid, iid, h, ipk, isk, pk, sk) DO UPDATE SET size = excluded.size, item = excluded.item",
            (tid, iid, key_hash(ipk), ipk, isk, pk, sk, size, blob),
        )

    def delete_index(self, tid: int, iid: int, ipk: bytes, isk: bytes, pk: bytes, sk: bytes) -> None:
        self.connection.execute(
            "DELETE FROM idx WHERE tid = ? AND iid = ? AND h = ? AND ipk = ? AND isk = ? AND pk = ? AND sk = ?",
            (tid, iid, key_hash(ipk), ipk, isk, pk, sk),
        )

    def add_stats(self, tid: int, iid: int, count: int, size: int) -> None:
        total = self.deltas.get((tid, iid))
        if total is None:
            self.deltas[(tid, iid)] = [count, size]
        else:
            total[0] += count
            total[1] += size

    def size_of(self, tid: int, pk: bytes, sk: bytes) -> int | None:
        """The stored size of an item, or None when there is none (without reading the item)."""
        row = self.connection.execute(
            "SELECT size FROM items WHERE tid = ? AND h = ? AND pk = ? AND sk = ?", (tid, key_hash(pk), pk, sk)
        ).fetchone()
        return None if row is None else row[0]

    def add_record(
        self,
        sid: int,
        created: float,
        event: int,
        keys: bytes,
        new: bytes | None,
        old: bytes | None,
        size: int,
        service: int,
    ) -> int:
        """A stream record, in the transaction of the write it describes; returns its sequence number (the
        stream's next: numbers are dense, so a shard is just a range of them). ``service``: who wrote it
        (streams.BY_USER, BY_TTL, BY_REPLICATION)."""
        seq = self.connection.execute(
            "UPDATE streams SET last_seq = last_seq + 1 WHERE sid = ? RETURNING last_seq", (sid,)
        ).fetchone()[0]
        self.connection.execute(
            "INSERT INTO records (sid, seq, created, event, keys, new, old, size, service) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sid, seq, created, event, keys, new, old, size, service),
        )
        return seq

    def add_history(self, tid: int, at: float, pk: bytes, sk: bytes, size: int, old: bytes | None) -> None:
        """What an item was before a write at ``at`` (None: it did not exist), in the write's transaction: the
        undo log that point-in-time recovery and backups in progress read (history.py)."""
        self.connection.execute(
            "INSERT INTO history (tid, at, pk, sk, size, item) VALUES (?, ?, ?, ?, ?, ?)", (tid, at, pk, sk, size, old)
        )

    def clear_rows(self, tid: int) -> None:
        """A table's items, index entries and statistics, not its definition (a restore starting over)."""
        self._forget_stats(tid)
        for table in ("items", "idx", "stats"):
            self.connection.execute(f"DELETE FROM {table} WHERE tid = ?", (tid,))

    def _forget_stats(self, tid: int, iid: int | None = None) -> None:
        for deltas in (self.deltas, self._pending):
            for key in [key for key in deltas if key[0] == tid and (iid is None or key[1] == iid)]:
                del deltas[key]

    def save_table(self, tid: int, account: str, region: str, name: str, meta: str) -> None:
        self.catalog_changed = True
        self.connection.execute(
            "INSERT OR REPLACE INTO tables (tid, account, region, name, meta) VALUES (?, ?, ?, ?, ?)",
            (tid, account, region, name, meta),
        )

    def drop_table(self, tid: int) -> None:
        self.catalog_changed = True
        self._forget_stats(tid)
        for table in ("tables", "items", "idx", "stats", "history", "replica_clock"):
            self.connection.execute(f"DELETE FROM {table} WHERE tid = ?", (tid,))
        self.connection.execute("DELETE FROM replication WHERE src = ? OR dst = ?", (tid, tid))

    def clock(self, tid: int, pk: bytes, sk: bytes) -> tuple[float, str]:
        """When and in which region a global table's item was last written ((0, "") when never)."""
        row = self.connection.execute(
            "SELECT at, region FROM replica_clock WHERE tid = ? AND pk = ? AND sk = ?", (tid, pk, sk)
        ).fetchone()
        return (0.0, "") if row is None else (row[0], row[1])

    def set_clock(self, tid: int, pk: bytes, sk: bytes, at: float, region: str) -> None:
        self.connection.execute(
            "INSERT OR REPLACE INTO replica_clock (tid, pk, sk, at, region) VALUES (?, ?, ?, ?, ?)",
            (tid, pk, sk, at, region),
        )

    def drop_index(self, tid: int, iid: int) -> None:
        self.catalog_changed = True
        self._forget_stats(tid, iid)
        self.connection.execute("DELETE FROM idx WHERE tid = ? AND iid = ?", (tid, iid))
        self.connection.execute("DELETE FROM stats WHERE tid = ? AND iid = ?", (tid, iid))
