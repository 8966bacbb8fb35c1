"""What a table held at a past moment: the current items, with the writes made since undone.

A table with point-in-time recovery on, or with a backup still being copied, keeps a history: every item write
logs, in its own SQLite transaction (``Backend.apply``), what the item was before (its stored bytes, or NULL when
it did not exist) and when. This is an undo log rather than a redo log, so nothing has to be copied when PITR is
turned on, and trimming it is a plain range delete: the state at ``moment`` is the table's current items, where
each item written after ``moment`` takes instead the image its first write after ``moment`` replaced.

Stream records are not used for this: a table's stream is optional, records live 24 hours and are numbered per
stream (a stream disabled and enabled again starts over), and carry old images only for some view types;
PITR needs up to 35 days of every table's before-images whatever its stream settings. Both are written at
the same place, in the write's transaction, so both survive ``kill -9`` exactly as the write does.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from fogbank.services.dynamodb.store import _connect, key_hash

if TYPE_CHECKING:
    from fogbank.services.dynamodb.backend import Backend
    from fogbank.services.dynamodb.store import Store

log = logging.getLogger("fogbank.dynamodb")

DAY = 24 * 3600
KEEPER_SECONDS = 5.0

Row = tuple[int, bytes, bytes, int, bytes]  # h, pk, sk, size, stored item


def table_at(connection: sqlite3.Connection, tid: int, moment: float) -> Iterator[Row]:
    """Table ``tid``'s items as they were at ``moment``, read in ``connection``'s one snapshot (the caller's
    read transaction): in key order, then the items deleted since, in no particular order."""
    undo: dict[tuple[bytes, bytes], tuple[int, bytes | None]] = {}
    for pk, sk, size, item in connection.execute(
        "SELECT pk, sk, size, item FROM history WHERE tid = ? AND at > ? ORDER BY seq", (tid, moment)
    ):
        undo.setdefault((pk, sk), (size, item))  # the first write after the moment replaced what it held
    rows = connection.execute("SELECT h, pk, sk, size, item FROM items WHERE tid = ? ORDER BY h, pk, sk", (tid,))
    if not undo:
        yield from rows
        return
    for h, pk, sk, size, item in rows:
        before = undo.pop((pk, sk), None)
        if before is None:
            yield h, pk, sk, size, item
        elif before[1] is not None:
            yield h, pk, sk, before[0], before[1]
    for (pk, sk), (size, item) in undo.items():
        if item is not None:
            yield key_hash(pk), pk, sk, size, item


class Snapshot:
    """A read connection of its own holding one SQLite snapshot for as long as a copy takes (WAL readers never
    block the writer, so writes continue meanwhile)."""

    def __init__(self, store: Store) -> None:
        self.connection = _connect(store.path)
        self.connection.execute("BEGIN")
        self.connection.execute("SELECT 1 FROM tables LIMIT 1").fetchall()  # the snapshot starts at a first read

    def close(self) -> None:
        try:
            self.connection.execute("COMMIT")
        finally:
            self.connection.close()


def ceil_ms(moment: float) -> float:
    """A moment as AWS shows it, in whole milliseconds, rounded up: a write logged after it began is after it."""
    return math.ceil(moment * 1000) / 1000


def earliest(pitr: dict[str, float], now: float) -> float:
    """EarliestRestorableDateTime: the history starts when PITR was turned on, and keeps RecoveryPeriodInDays."""
    return max(pitr["since"], now - pitr["days"] * DAY)


class HistoryKeeper:
    """A daemon thread of the main process: trims each table's history to what PITR, backups in progress and
    restores in progress still need, and deletes SYSTEM backups past their expiry."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dynamodb-history", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(KEEPER_SECONDS):
            try:
                self.trim()
                self.backend.backups.expire()
            except Exception:  # the next round retries
                log.exception("trimming DynamoDB history")

    def cutoff(self, tid: int, now: float) -> float:
        """History older than this is no longer needed by anything (inf: none of it is)."""
        backend = self.backend
        table = next((t for t in list(backend.tables.values()) if t.tid == tid), None)
        needed = float("inf")
        if table is not None:
            if table.pitr is not None:
                needed = earliest(table.pitr, now)
            if table.backing_up:
                needed = min(needed, min(table.backing_up))
        for target in list(backend.tables.values()):  # a point-in-time restore in progress reads from its moment
            source = (target.restore or {}).get("pitr")
            if source is not None and source["tid"] == tid:
                needed = min(needed, source["moment"])
        return needed

    def trim(self, now: float | None = None) -> None:
        moment = time.time() if now is None else now
        store = self.backend.store
        tids = [tid for (tid,) in store.reader().execute("SELECT DISTINCT tid FROM history").fetchall()]
        for tid in tids:
            cutoff = self.cutoff(tid, moment)
            due = store.reader().execute("SELECT 1 FROM history WHERE tid = ? AND at < ? LIMIT 1", (tid, cutoff))
            if due.fetchone() is None:
                continue
            while not self._stop.is_set():
                with store.write() as writer:  # in slices: a big trim never holds writes up for long
                    deleted = writer.connection.execute(
                        "DELETE FROM history WHERE seq IN (SELECT seq FROM history WHERE tid = ? AND at < ? LIMIT 5000)",
                        (tid, cutoff),
                    ).rowcount
                if deleted < 5000:
                    break
