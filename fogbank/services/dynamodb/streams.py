"""DynamoDB Streams' storage: a table's stream, its shards and its records, kept in the table's own database.

A record is written by ``Backend.apply`` in the SQLite transaction of the item write it describes, so a
committed write always has its record and a write rolled back has none; both survive ``kill -9`` alike.

Sequence numbers are dense per stream (``streams.last_seq`` counts them, bumped in the write's transaction),
so a shard is only a range of them: ``first_seq`` up to ``last_seq`` once closed. Closing a shard and opening
its child is one write that moves no record; writers never need to know which shard is open. AWS closes a
stream's shards about every four hours (``dynamodb_shard_seconds``), trims records after 24 hours and deletes
a disabled stream 24 hours after it was disabled (``dynamodb_stream_retention``): the keeper thread of the
main process does all three.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fogbank.services.dynamodb.attributes import Item, item_size
from fogbank.services.dynamodb.codec import pack
from fogbank.services.dynamodb.model import key_schema_api

if TYPE_CHECKING:
    from fogbank.services.dynamodb.model import Table
    from fogbank.services.dynamodb.store import Store, Writer

log = logging.getLogger("fogbank.dynamodb")

INSERT, MODIFY, REMOVE = 1, 2, 3
EVENT_NAMES = {INSERT: "INSERT", MODIFY: "MODIFY", REMOVE: "REMOVE"}
NEW_VIEWS = frozenset(("NEW_IMAGE", "NEW_AND_OLD_IMAGES"))
OLD_VIEWS = frozenset(("OLD_IMAGE", "NEW_AND_OLD_IMAGES"))
# AWS's sequence numbers are decimal strings of 21 digits or more; ours are the stream's count above 10**20.
SEQUENCE_BASE = 10**20


def sequence_number(seq: int) -> str:
    return str(SEQUENCE_BASE + seq)


def parse_sequence_number(text: str) -> int | None:
    """The stream's count a SequenceNumber stands for, or None when it is not one of ours."""
    if not text.isdigit() or not text.isascii() or len(text) > 40:
        return None
    seq = int(text) - SEQUENCE_BASE
    return seq if seq > 0 else None


@dataclass(frozen=True)
class StreamSettings:
    shard_seconds: float = 4 * 3600
    retention: float = 24 * 3600
    iterator_seconds: float = 15 * 60
    replication_delay: float = 0.0  # global tables: a change is replicated once this old (replication.py)


@dataclass
class StreamRow:
    """One stream as stored (``streams`` row)."""

    sid: int
    account: str
    region: str
    table_name: str
    arn: str
    label: str
    view_type: str
    key_schema: list[dict[str, str]]
    created: float
    disabled: float | None
    last_seq: int
    trimmed_seq: int

    COLUMNS = (
        "sid, account, region, table_name, arn, label, view_type, key_schema, created, disabled, last_seq, trimmed_seq"
    )

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> StreamRow:
        values = list(row)
        values[7] = json.loads(values[7])
        return cls(*values)


@dataclass
class Shard:
    number: int
    shard_id: str
    parent: str | None
    first_seq: int
    last_seq: int | None  # None while the shard is open
    created: float

    COLUMNS = "number, shard_id, parent, first_seq, last_seq, created"

    @property
    def closed(self) -> bool:
        return self.last_seq is not None


def new_shard_id(now: float) -> str:
    """Shaped as AWS's: ``shardId-`` 20 digits of time, a dash, 8 hex digits."""
    return f"shardId-{int(now * 1000):020d}-{random.getrandbits(32):08x}"


# -- writes (inside the caller's transaction) -----------------------------------------------------------


def create_stream(writer: Writer, table: Table, now: float) -> int:
    """The stream a table's StreamSpecification has just enabled, with its first shard; returns its number."""
    assert table.stream is not None and table.stream_label is not None
    arn = f"{table.arn}/stream/{table.stream_label}"
    sid = writer.connection.execute(
        "INSERT INTO streams (account, region, table_name, arn, label, view_type, key_schema, created) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING sid",
        (
            table.account,
            table.region,
            table.name,
            arn,
            table.stream_label,
            table.stream["StreamViewType"],
            json.dumps(key_schema_api(table.schema)),
            now,
        ),
    ).fetchone()[0]
    writer.connection.execute(
        "INSERT INTO shards (sid, number, shard_id, parent, first_seq, last_seq, created) "
        "VALUES (?, 1, ?, NULL, 1, NULL, ?)",
        (sid, new_shard_id(now), now),
    )
    return int(sid)


def disable_stream(writer: Writer, sid: int, now: float) -> None:
    """Disabling closes the open shard; the records stay readable until the stream expires."""
    writer.connection.execute("UPDATE streams SET disabled = ? WHERE sid = ? AND disabled IS NULL", (now, sid))
    writer.connection.execute(
        "UPDATE shards SET last_seq = (SELECT last_seq FROM streams WHERE sid = ?) WHERE sid = ? AND last_seq IS NULL",
        (sid, sid),
    )


# Who made a record's write (the records table's ``service`` column): a request, Time to Live (AWS shows its
# userIdentity), or the replication of a global table (which must not replicate it again).
BY_USER, BY_TTL, BY_REPLICATION = 0, 1, 2


def write_record(
    writer: Writer,
    table: Table,
    old: Item | None,
    new: Item | None,
    new_blob: bytes | None,
    service: int = BY_USER,
    at: float | None = None,
) -> None:
    """The record of one item write to a table with a stream: none when nothing changed."""
    if table.stream_id is None or table.stream is None:
        return
    if new is None:
        if old is None:
            return
        event = REMOVE
    elif old is None:
        event = INSERT
    elif old == new:
        return  # AWS writes no record for a write that changed nothing
    else:
        event = MODIFY
    view = table.stream["StreamViewType"]
    image = new if new is not None else old
    assert image is not None
    keys = {name: image[name] for name in table.schema.names}
    size = item_size(keys)
    new_image = old_image = None
    if new is not None and view in NEW_VIEWS:
        new_image = new_blob if new_blob is not None else pack(new)
        size += item_size(new)
    if old is not None and view in OLD_VIEWS:
        old_image = pack(old)
        size += item_size(old)
    writer.add_record(
        table.stream_id, time.time() if at is None else at, event, pack(keys), new_image, old_image, size, service
    )


# -- the keeper: shard rollover, trimming, expiry of disabled streams -----------------------------------


class StreamKeeper:
    """A daemon thread of the main process that rolls shards over and trims what is past retention."""

    def __init__(self, store: Store, settings: StreamSettings) -> None:
        self.store = store
        self.settings = settings
        self._stop = threading.Event()
        # Often enough that a setting of a second (tests) is honoured within a fraction of it.
        self.tick = max(0.05, min(5.0, settings.shard_seconds / 4, settings.retention / 4))
        self._thread = threading.Thread(target=self._run, name="dynamodb-streams", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.tick):
            try:
                self.maintain()
            except Exception:  # the next tick retries
                log.exception("maintaining streams")

    def maintain(self, now: float | None = None) -> None:
        moment = time.time() if now is None else now
        self.roll_shards(moment)
        self.trim(moment)

    def roll_shards(self, now: float) -> None:
        """Close each open shard older than the interval that holds records, and open its child."""
        due = now - self.settings.shard_seconds
        reader = self.store.reader()
        candidates = reader.execute(
            "SELECT s.sid FROM streams s JOIN shards h ON h.sid = s.sid AND h.last_seq IS NULL "
            "WHERE s.disabled IS NULL AND h.created <= ? AND s.last_seq >= h.first_seq",
            (due,),
        ).fetchall()
        if not candidates:
            return
        with self.store.write() as writer:
            connection = writer.connection
            for (sid,) in candidates:
                row = connection.execute(
                    "SELECT h.number, h.shard_id, s.last_seq FROM streams s JOIN shards h ON h.sid = s.sid "
                    "AND h.last_seq IS NULL WHERE s.sid = ? AND s.disabled IS NULL AND h.created <= ? "
                    "AND s.last_seq >= h.first_seq",
                    (sid, due),
                ).fetchone()
                if row is None:  # disabled or rolled meanwhile
                    continue
                number, shard_id, last_seq = row
                connection.execute(
                    "UPDATE shards SET last_seq = ? WHERE sid = ? AND number = ?", (last_seq, sid, number)
                )
                connection.execute(
                    "INSERT INTO shards (sid, number, shard_id, parent, first_seq, last_seq, created) "
                    "VALUES (?, ?, ?, ?, ?, NULL, ?)",
                    (sid, number + 1, new_shard_id(now), shard_id, last_seq + 1, now),
                )

    def trim(self, now: float) -> None:
        cutoff = now - self.settings.retention
        reader = self.store.reader()
        expired = [sid for (sid,) in reader.execute("SELECT sid FROM streams WHERE disabled < ?", (cutoff,))]
        if expired:
            with self.store.write() as writer:
                for sid in expired:
                    for table in ("records", "shards", "streams"):
                        writer.connection.execute(f"DELETE FROM {table} WHERE sid = ?", (sid,))
        for (sid,) in reader.execute("SELECT sid FROM streams").fetchall():
            self._trim_stream(sid, cutoff)

    def _trim_stream(self, sid: int, cutoff: float) -> None:
        """Delete a stream's records older than the cutoff (they are in time order), oldest first, in slices."""
        while not self._stop.is_set():
            rows = (
                self.store.reader()
                .execute("SELECT seq, created FROM records WHERE sid = ? ORDER BY seq LIMIT 1000", (sid,))
                .fetchall()
            )
            old = [seq for seq, created in rows if created < cutoff]
            if not old:
                return
            last = old[-1]
            with self.store.write() as writer:
                writer.connection.execute("DELETE FROM records WHERE sid = ? AND seq <= ?", (sid, last))
                writer.connection.execute(
                    "UPDATE streams SET trimmed_seq = MAX(trimmed_seq, ?) WHERE sid = ?", (last, sid)
                )
                # A closed shard whose every record is gone is no longer listed.
                writer.connection.execute(
                    "DELETE FROM shards WHERE sid = ? AND last_seq IS NOT NULL AND last_seq <= ?", (sid, last)
                )
            if len(old) < len(rows) or len(rows) < 1000:
                return


# -- reads ------------------------------------------------------------------------------------------------


def find_stream(store: Store, arn: str) -> StreamRow | None:
    row = store.reader().execute(f"SELECT {StreamRow.COLUMNS} FROM streams WHERE arn = ?", (arn,)).fetchone()
    return None if row is None else StreamRow.of(row)


def stream_by_number(store: Store, sid: int) -> StreamRow | None:
    row = store.reader().execute(f"SELECT {StreamRow.COLUMNS} FROM streams WHERE sid = ?", (sid,)).fetchone()
    return None if row is None else StreamRow.of(row)


def streams_in(store: Store, account: str, region: str, table_name: str | None) -> list[StreamRow]:
    sql = f"SELECT {StreamRow.COLUMNS} FROM streams WHERE account = ? AND region = ?"
    args: tuple[Any, ...] = (account, region)
    if table_name is not None:
        sql += " AND table_name = ?"
        args += (table_name,)
    return [StreamRow.of(row) for row in store.reader().execute(sql + " ORDER BY sid", args)]


def shards_of(store: Store, sid: int) -> list[Shard]:
    rows = store.reader().execute(f"SELECT {Shard.COLUMNS} FROM shards WHERE sid = ? ORDER BY number", (sid,))
    return [Shard(*row) for row in rows]


def records_of(
    store: Store, sid: int, after: int, last: int | None, limit: int
) -> list[tuple[int, float, int, bytes, bytes | None, bytes | None, int, int]]:
    """Records with a sequence number above ``after`` (and at most ``last``), in order."""
    upper = last if last is not None else (1 << 62)
    return (
        store.reader()
        .execute(
            "SELECT seq, created, event, keys, new, old, size, service FROM records "
            "WHERE sid = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
            (sid, after, upper, limit),
        )
        .fetchall()
    )
