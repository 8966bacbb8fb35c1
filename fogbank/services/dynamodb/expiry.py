"""Time to Live: deleting items whose expiry attribute has passed, in the background, as AWS does.

AWS deletes an expired item "within a few days"; Fogbank sweeps every few seconds. As on AWS, the
attribute must be a Number of epoch seconds, and a value more than five years in the past is ignored
(it is taken for something other than an expiry time).
"""

from __future__ import annotations

import logging
import threading
import time
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from fogbank.services.dynamodb.codec import unpack

if TYPE_CHECKING:
    from fogbank.services.dynamodb.backend import Backend
    from fogbank.services.dynamodb.model import Table

log = logging.getLogger("fogbank.dynamodb")

SWEEP_SECONDS = 5.0
BATCH = 500
IGNORED_AFTER = 5 * 365 * 24 * 3600  # expiry times older than five years are not acted on


def expired(value: dict | None, now: float) -> bool:
    if not isinstance(value, dict) or "N" not in value:
        return False
    try:
        when = Decimal(value["N"])
    except InvalidOperation:
        return False
    return now - IGNORED_AFTER <= when <= now


class Expiry:
    """A daemon thread that sweeps the tables with TTL enabled."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dynamodb-ttl", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(SWEEP_SECONDS):
            try:
                self.sweep()
            except Exception:  # a sweep must never kill the thread; the next one retries
                log.exception("expiring items")

    def sweep(self, now: float | None = None) -> int:
        """Delete every expired item now; returns how many were deleted."""
        moment = time.time() if now is None else now
        deleted = 0
        for table in list(self.backend.tables.values()):
            if table.ttl and table.ttl.get("Enabled") and table.status == "ACTIVE":
                deleted += self._sweep_table(table, table.ttl["AttributeName"], moment)
        return deleted

    def _sweep_table(self, table: Table, attribute: str, now: float) -> int:
        backend = self.backend
        deleted = 0
        last: tuple[int, bytes, bytes] = (-1, b"", b"")
        while not self._stop.is_set():
            rows = (
                backend.store.reader()
                .execute(
                    "SELECT h, pk, sk, item FROM items WHERE tid = ? AND h >= ? AND (h, pk, sk) > (?, ?, ?) "
                    "ORDER BY h, pk, sk LIMIT ?",
                    (table.tid, last[0], *last, BATCH),
                )
                .fetchall()
            )
            if not rows:
                return deleted
            last = rows[-1][:3]
            due = [(pk, sk) for _h, pk, sk, blob in rows if expired(unpack(blob).get(attribute), now)]
            if not due:
                continue
            with backend.store.write() as writer:
                if backend.tables.get((table.account, table.region, table.name)) is not table:
                    return deleted
                for pk, sk in due:
                    old, old_size = backend.read(table, pk, sk, writer)
                    # Re-checked inside the write: the item may have been rewritten since it was read.
                    if old is not None and expired(old.get(attribute), now):
                        backend.apply(writer, table, pk, sk, old, old_size, None, by_ttl=True)
                        deleted += 1
        return deleted
