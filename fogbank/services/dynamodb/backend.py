"""The DynamoDB backend: the table catalog in memory over the store, and item writes with their indexes."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from fogbank.protocols.base import RawJson
from fogbank.protocols.errors import AwsError
from fogbank.services.dynamodb.attributes import Item, item_size, write_capacity_units
from fogbank.services.dynamodb.codec import pack, unpack, wire_json
from fogbank.services.dynamodb.expiry import Expiry
from fogbank.services.dynamodb.model import INDEX_ENTRY_OVERHEAD, Index, Table
from fogbank.services.dynamodb.processes import Counter, LocalCounter, WriteLock
from fogbank.services.dynamodb.store import Store, Writer

if TYPE_CHECKING:
    from fogbank.core.commit import GroupCommit

log = logging.getLogger("fogbank.dynamodb")

NOT_FOUND = "Requested resource not found"


class Backend:
    """``role``: "alone" (the only process), "main" (the process with workers: it owns the catalog and the
    background work) or "worker" (serves item operations, follows the main process's catalog)."""

    def __init__(self, path: Path, group: GroupCommit | None = None, role: str = "alone") -> None:
        shared = role != "alone"
        catalog = Counter(path.with_name(path.name + ".catalog")) if shared else None
        write_lock = WriteLock(path.with_name(path.name + ".lock")) if shared else None
        commits = Counter(path.with_name(path.name + ".commits")) if shared else LocalCounter()
        self.store = Store(path, group, write_lock, catalog if role == "main" else None, commits)
        self.follow = catalog if role == "worker" else None
        self._seen = -1
        self.tables: dict[tuple[str, str, str], Table] = {}
        self._load()
        self.expiry: Expiry | None = None
        if role != "worker":
            self._resume()
            self.expiry = Expiry(self)

    def close(self) -> None:
        if self.expiry is not None:
            self.expiry.close()
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
    ) -> dict[str, float]:
        """Write ``new`` (None deletes) over ``old`` with its index entries and the table statistics.

        Returns the write capacity units each index consumed, by index name.
        """
        if self.follow is not None:
            table = self.current(table)
        tid = table.tid
        if new is not None:
            if new_size < 0:
                new_size = item_size(new)
            writer.put_item(tid, pk, sk, new_size, pack(new))
        elif old is not None:
            writer.delete_item(tid, pk, sk)
        else:
            return {}
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

    def _resume(self) -> None:
        """Finish what a restart interrupted: backfills, index deletions, tables left CREATING/DELETING."""
        for table in list(self.tables.values()):
            if table.status == "DELETING":
                with self.store.write() as writer:
                    writer.drop_table(table.tid)
                del self.tables[(table.account, table.region, table.name)]
                continue
            if table.status == "CREATING":
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
