"""The DynamoDB backend: the table catalog in memory over the store, and item writes with their indexes."""

from __future__ import annotations

import functools
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from fogbank.protocols.base import RawJson
from fogbank.protocols.errors import AwsError
from fogbank.services.dynamodb.attributes import Item, item_size, write_capacity_units
from fogbank.services.dynamodb.backups import Backups
from fogbank.services.dynamodb.codec import pack, unpack, wire_json
from fogbank.services.dynamodb.expiry import Expiry
from fogbank.services.dynamodb.history import HistoryKeeper
from fogbank.services.dynamodb.model import INDEX_ENTRY_OVERHEAD, LEGACY_VERSION, Index, Table
from fogbank.services.dynamodb.processes import Counter, LocalCounter, WriteLock
from fogbank.services.dynamodb.replication import Replicator, replication_attributes
from fogbank.services.dynamodb.store import Store, Writer
from fogbank.services.dynamodb.streams import (
    BY_REPLICATION,
    BY_TTL,
    BY_USER,
    StreamKeeper,
    StreamSettings,
    create_stream,
    disable_stream,
    write_record,
)

if TYPE_CHECKING:
    from fogbank.core.commit import GroupCommit

log = logging.getLogger("fogbank.dynamodb")

NOT_FOUND = "Requested resource not found"


class Backend:
    """``role``: "alone" (the only process), "main" (the process with workers: it owns the catalog and the
    background work) or "worker" (serves item operations, follows the main process's catalog)."""

    def __init__(
        self,
        path: Path,
        group: GroupCommit | None = None,
        role: str = "alone",
        stream_settings: StreamSettings | None = None,
    ) -> None:
        shared = role != "alone"
        catalog = Counter(path.with_name(path.name + ".catalog")) if shared else None
        write_lock = WriteLock(path.with_name(path.name + ".lock")) if shared else None
        commits = Counter(path.with_name(path.name + ".commits")) if shared else LocalCounter()
        self.store = Store(path, group, write_lock, catalog if role == "main" else None, commits)
        self.follow = catalog if role == "worker" else None
        self._seen = -1
        self.tables: dict[tuple[str, str, str], Table] = {}
        self._load()
        self.stream_settings = stream_settings or StreamSettings()
        self.expiry: Expiry | None = None
        self.stream_keeper: StreamKeeper | None = None
        self.history_keeper: HistoryKeeper | None = None
        self.replicator: Replicator | None = None
        self.backups = Backups(self)
        if role != "worker":
            self._resume()
            self.expiry = Expiry(self)
            self.stream_keeper = StreamKeeper(self.store, self.stream_settings)
            self.history_keeper = HistoryKeeper(self)
            self.replicator = Replicator(self)
            self.replicator.resume()

    def close(self) -> None:
        if self.replicator is not None:
            self.replicator.close()
        if self.history_keeper is not None:
            self.history_keeper.close()
        if self.expiry is not None:
            self.expiry.close()
        if self.stream_keeper is not None:
            self.stream_keeper.close()
        self.store.close()
        if self.follow is not None:
            self.follow.close()

    def _load(self) -> None:
        if self.follow is not None:
            self._seen = self.follow.read()  # before reading: a change made meanwhile is caught next time
        tables = {}
        for tid, account, region, name, meta in self.store.load_tables():
            tables[(account, region, name)] = Table.from_json(tid, account, region, name, meta)
        self.tables = tables

    def sync(self) -> None:
        """A worker: pick up the table definitions the main process changed since we last looked."""
        if self.follow is not None and self.follow.read() != self._seen:
            self._load()

    def reset(self) -> None:
        with self.store.lock:
            self.store.reset()
            self.tables.clear()

    # -- catalog ------------------------------------------------------------------------------------

    def find(self, account: str, region: str, name: str) -> Table | None:
        if self.follow is not None:
            self.sync()
        return self.tables.get((account, region, name))

    def table(self, account: str, region: str, name: str) -> Table:
        """The table an item operation names; ResourceNotFoundException as AWS words it for item calls."""
        if self.follow is not None:
            self.sync()
        table = self.tables.get((account, region, table_name_of(name)))
        if table is None or table.status in ("CREATING", "DELETING"):
            raise AwsError("ResourceNotFoundException", NOT_FOUND)
        return table

    def save(self, writer: Writer, table: Table) -> None:
        """Store a table's definition, with the stream its StreamSpecification now calls for (a new one when
        it was just enabled, the current one disabled when it was just turned off), in the same transaction."""
        enabled = bool(table.stream and table.stream.get("StreamEnabled"))
        if enabled and table.stream_id is None:
            table.stream_id = create_stream(writer, table, time.time())
        elif not enabled and table.stream_id is not None:
            disable_stream(writer, table.stream_id, time.time())
            table.stream_id = None
        writer.save_table(table.tid, table.account, table.region, table.name, table.to_json())

    def persist(self, table: Table) -> None:
        with self.store.write() as writer:
            self.save(writer, table)

    def in_region(self, account: str, region: str) -> list[Table]:
        if self.follow is not None:
            self.sync()
        return [t for (a, r, _), t in self.tables.items() if a == account and r == region]

    # -- item writes --------------------------------------------------------------------------------

    def read(self, table: Table, pk: bytes, sk: bytes, writer: Writer | None = None) -> tuple[Item | None, int]:
        row = writer.get(table.tid, pk, sk) if writer else self.store.get(table.tid, pk, sk)
        if row is None:
            return None, 0
        return unpack(row[0]), row[1]

    def read_raw(self, table: Table, pk: bytes, sk: bytes) -> tuple[RawJson | None, int]:
        """An item as its wire JSON, for reads that return it whole."""
        row = self.store.get(table.tid, pk, sk)
        if row is None:
            return None, 0
        return RawJson(wire_json(row[0]), unpack), row[1]

    def apply(
        self,
        writer: Writer,
        table: Table,
        pk: bytes,
        sk: bytes,
        old: Item | None,
        old_size: int,
        new: Item | None,
        new_size: int = -1,
        by_ttl: bool = False,
        origin: tuple[float, str] | None = None,
    ) -> dict[str, float]:
        """Write ``new`` (None deletes) over ``old`` with its index entries, the table statistics and, when
        the table has a stream, its record (``by_ttl``: a deletion by Time to Live, which AWS's records show).
        A global table's write also notes when and where it was made, for last-writer-wins (``origin``: the
        write is a replica's, made then and there; replication.py).

        Returns the write capacity units each index consumed, by index name.
        """
        if self.follow is not None:
            table = self.current(table)
        tid = table.tid
        blob = None
        if table.replicas is not None:
            at, region = origin or (time.time(), table.region)
            if new is not None and table.global_version == LEGACY_VERSION:
                new = {**new, **replication_attributes(at, region)}  # legacy global tables show them on items
                new_size = -1
        if new is not None:
            if new_size < 0:
                new_size = item_size(new)
            blob = pack(new)
            writer.put_item(tid, pk, sk, new_size, blob)
        elif old is not None:
            writer.delete_item(tid, pk, sk)
        else:
            return {}
        if table.replicas is not None:
            writer.set_clock(tid, pk, sk, at, region)
            if table.stream_id is not None:
                service = BY_REPLICATION if origin else BY_TTL if by_ttl else BY_USER
                write_record(writer, table, old, new, blob, service, at)
        elif table.stream_id is not None:
            write_record(writer, table, old, new, blob, BY_TTL if by_ttl else BY_USER)
        if table.keeps_history and (old is None or old != new):
            writer.add_history(tid, time.time(), pk, sk, old_size, None if old is None else pack(old))
        count = (new is not None) - (old is not None)
        delta = (new_size if new is not None else 0) - old_size
        if count or delta:
            writer.add_stats(tid, 0, count, delta)
        units: dict[str, float] = {}
        for index in table.indexes:
            if index.status == "DELETING":
                continue
            spent = self._apply_index(writer, table, index, pk, sk, old, new)
            if spent:
                units[index.name] = spent
        return units

    def _apply_index(
        self, writer: Writer, table: Table, index: Index, pk: bytes, sk: bytes, old: Item | None, new: Item | None
    ) -> float:
        before = index.entry(old) if old is not None else None
        after = index.entry(new) if new is not None else None
        if before == after:
            return 0.0
        spent = 0.0
        tid, iid = table.tid, index.iid
        if before is not None and (after is None or before[:2] != after[:2]):
            writer.delete_index(tid, iid, before[0], before[1], pk, sk)
            size = item_size(before[2])
            writer.add_stats(tid, iid, -1, -(size + INDEX_ENTRY_OVERHEAD))
            spent += write_capacity_units(size)
        if after is not None:
            size = item_size(after[2])
            writer.put_index(tid, iid, after[0], after[1], pk, sk, size, pack(after[2]))
            if before is not None and before[:2] == after[:2]:
                writer.add_stats(tid, iid, 0, size - item_size(before[2]))
            else:
                writer.add_stats(tid, iid, 1, size + INDEX_ENTRY_OVERHEAD)
            spent += write_capacity_units(size)
        return spent

    def current(self, table: Table) -> Table:
        """Inside a write: the table as defined now. Only a worker's view can be behind (under the write
        lock no definition changes), so a write maintains exactly the indexes that exist when it commits."""
        if self.follow is None:
            return table
        self.sync()
        current = self.tables.get((table.account, table.region, table.name))
        if current is None or current.tid != table.tid or current.status == "DELETING":
            raise AwsError("ResourceNotFoundException", NOT_FOUND)
        return current

    # -- GSI backfill -------------------------------------------------------------------------------

    def start_backfill(self, table: Table, index: Index) -> None:
        thread = threading.Thread(target=self._backfill, args=(table, index), name="dynamodb-backfill", daemon=True)
        thread.start()

    def _backfill(self, table: Table, index: Index) -> None:
        """Fill a new GSI from the table in batches, each batch in its own write transaction.

        New writes maintain the index from the moment it exists, so the batches only add entries for
        items written before; an entry already present (written since) is simply rewritten.
        """
        try:
            last: tuple[int, bytes, bytes] = (-1, b"", b"")
            while True:
                rows = (
                    self.store.reader()
                    .execute(
                        "SELECT h, pk, sk, item FROM items WHERE tid = ? AND h >= ? AND (h, pk, sk) > (?, ?, ?) "
                        "ORDER BY h, pk, sk LIMIT 500",
                        (table.tid, last[0], *last),
                    )
                    .fetchall()
                )
                if not rows:
                    break
                with self.store.write() as writer:
                    if (
                        index.status != "CREATING"
                        or self.tables.get((table.account, table.region, table.name)) is not table
                    ):
                        return
                    for _h, pk, sk, _blob in rows:
                        current = writer.get(table.tid, pk, sk)
                        if current is None:
                            continue
                        item = unpack(current[0])
                        entry = index.entry(item)
                        if entry is None:
                            continue
                        exists = writer.connection.execute(
                            "SELECT 1 FROM idx WHERE tid = ? AND iid = ? AND ipk = ? AND isk = ? AND pk = ? AND sk = ?",
                            (table.tid, index.iid, entry[0], entry[1], pk, sk),
                        ).fetchone()
                        if exists:
                            continue
                        size = item_size(entry[2])
                        writer.put_index(table.tid, index.iid, entry[0], entry[1], pk, sk, size, pack(entry[2]))
                        writer.add_stats(table.tid, index.iid, 1, size + INDEX_ENTRY_OVERHEAD)
                last = rows[-1][:3]
            with self.store.write() as writer:
                index.status = "ACTIVE"
                index.backfilling = False
                if not any(i.status != "ACTIVE" for i in table.indexes):
                    table.status = "ACTIVE"
                self.save(writer, table)
        except Exception:
            log.exception("backfilling index %s of %s", index.name, table.name)

    def finish_index_delete(self, table: Table, index: Index) -> None:
        with self.store.write() as writer:
            writer.drop_index(table.tid, index.iid)
            if index in table.indexes:
                table.indexes.remove(index)
            if not any(i.status != "ACTIVE" for i in table.indexes):
                table.status = "ACTIVE"
            self.save(writer, table)

    def drop_rows(self, tid: int) -> None:
        """Remove a deleted table's rows in slices, so one huge table does not hold the write lock for long."""
        for table_name, columns in (("items", "h, pk, sk"), ("idx", "iid, h, ipk, isk, pk, sk")):
            while True:
                with self.store.write() as writer:
                    deleted = writer.connection.execute(
                        f"DELETE FROM {table_name} WHERE tid = ? AND ({columns}) IN "
                        f"(SELECT {columns} FROM {table_name} WHERE tid = ? LIMIT 2000)",
                        (tid, tid),
                    ).rowcount
                if deleted == 0:
                    break
        with self.store.write() as writer:
            writer.drop_table(tid)

    def _forget(self, table: Table) -> None:
        """A table left DELETING by a restart: its rows go, then its definition."""
        self.drop_rows(table.tid)
        key = (table.account, table.region, table.name)
        if self.tables.get(key) is table:
            del self.tables[key]

    def _resume(self) -> None:
        """Finish what a restart interrupted: backup copies and restores, backfills, index deletions, tables left
        CREATING/DELETING (a deleted table's system backup is copied before its rows go)."""
        dropping = {t.tid: functools.partial(self._forget, t) for t in self.tables.values() if t.status == "DELETING"}
        deferred = self.backups.resume(dropping)
        for table in list(self.tables.values()):
            if table.status == "DELETING":
                if table.tid not in deferred:
                    with self.store.write() as writer:
                        writer.drop_table(table.tid)
                    del self.tables[(table.account, table.region, table.name)]
                continue
            if table.status == "CREATING" and table.restore is None:
                table.status = "ACTIVE"
                self.persist(table)
            for index in list(table.indexes):
                if index.status == "DELETING":
                    self.finish_index_delete(table, index)
                elif index.status == "CREATING":
                    self.start_backfill(table, index)


def table_name_of(name: str) -> str:
    """A TableName parameter may be the table's ARN: ``arn:aws:dynamodb:r:a:table/Name``."""
    if name.startswith("arn:") and ":table/" in name:
        return name.split(":table/", 1)[1].split("/", 1)[0]
    return name


def check_arn_account(account_id: str, operation: str, arn: str) -> None:
    """A table of another account, named by its ARN: without a resource policy allowing it (Fogbank has none),
    AWS refuses the call as IAM does rather than looking the table up."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[4] != account_id:
        action = f"dynamodb:{operation}"
        raise AwsError(
            "AccessDeniedException",
            f"User: arn:aws:iam::{account_id}:root is not authorized to perform: {action} on resource: {arn} "
            f"because no resource-based policy allows the {action} action",
        )
