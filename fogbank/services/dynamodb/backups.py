"""On-demand and system backups, and the restores that fill a new table from a backup or a point in time.

A backup is a row of ``backups`` (its table's definition as it was, as JSON) and a copy of the items in
``backup_items``. As on AWS, CreateBackup catalogs the moment of the request and the copy happens afterwards:
the table keeps a history of its writes from that moment (history.py) until the copy is done, so the copy,
read from one snapshot whenever it runs, undoes what was written since and holds exactly the items of the
moment. If Fogbank is killed meanwhile, the copy simply runs again at the next start, from the same moment.

A restore creates the target table CREATING (its definition says where its items come from) and fills it in
slices, writing each item's index entries as it goes; it becomes ACTIVE when the last slice is in. A restore
interrupted by a restart starts over: a backup does not change, and a point-in-time source keeps the history
back to the restore's moment until the restore is done (HistoryKeeper.cutoff).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from fogbank.services.dynamodb.codec import unpack
from fogbank.services.dynamodb.history import DAY, Row, Snapshot, ceil_ms, table_at
from fogbank.services.dynamodb.model import Table, key_schema_api

if TYPE_CHECKING:
    from fogbank.services.dynamodb.backend import Backend
    from fogbank.services.dynamodb.store import Writer

log = logging.getLogger("fogbank.dynamodb")

SLICE = 2000  # rows per write transaction of a copy or a restore
SYSTEM_BACKUP_DAYS = 35  # AWS keeps the backup of a deleted PITR table this long, and it cannot be deleted sooner


@dataclass
class Backup:
    """One row of ``backups``."""

    bid: int
    arn: str
    account: str
    region: str
    table_name: str
    tid: int
    name: str
    type: str  # USER or SYSTEM
    status: str  # CREATING or AVAILABLE (a deleted backup has no row)
    created: float
    expires: float | None
    meta: str  # the source table's definition at the moment of the backup (Table.to_json)
    count: int
    bytes: int

    COLUMNS = "bid, arn, account, region, table_name, tid, name, type, status, created, expires, meta, count, bytes"

    def table(self) -> Table:
        return Table.from_json(self.tid, self.account, self.region, self.table_name, self.meta)


def backup_arn(table_arn: str, created: float, system: bool = False) -> str:
    """``<table arn>/backup/<epoch ms, 14 digits>-<8 hex>``; a system backup's suffix is all zeros, as AWS's."""
    suffix = "00000000" if system else f"{random.getrandbits(32):08x}"
    return f"{table_arn}/backup/{round(created * 1000):014d}-{suffix}"


class Backups:
    """The backups of one store, and the background copies and restores (main process only)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store

    # -- reads ----------------------------------------------------------------------------------------

    def find(self, account: str, arn: str) -> Backup | None:
        row = (
            self.store.reader()
            .execute(f"SELECT {Backup.COLUMNS} FROM backups WHERE arn = ? AND account = ?", (arn, account))
            .fetchone()
        )
        return None if row is None else Backup(*row)

    def in_region(self, account: str, region: str) -> list[Backup]:
        rows = self.store.reader().execute(
            f"SELECT {Backup.COLUMNS} FROM backups WHERE account = ? AND region = ? ORDER BY created, bid",
            (account, region),
        )
        return [Backup(*row) for row in rows]

    def restoring_from(self, bid: int) -> Table | None:
        """The table a restore from this backup is filling now: a backup feeds one restore at a time."""
        for table in list(self.backend.tables.values()):
            if table.restore is not None and table.restore.get("bid") == bid:
                return table
        return None

    # -- creating ---------------------------------------------------------------------------------------

    def create(self, table: Table, name: str) -> Backup:
        """Catalog a USER backup of ``table`` at this moment and start its copy."""
        with self.store.write() as writer:
            backup = self.catalog(writer, table, name, "USER")
        self._start(self.copy, backup)
        return backup

    def catalog(self, writer: Writer, table: Table, name: str, kind: str, now: float | None = None) -> Backup:
        """A backup of ``table`` at this moment, CREATING, in the caller's transaction. A USER backup of a live
        table keeps the table's history from now on, in the same transaction, until its copy is done."""
        created = ceil_ms(time.time() if now is None else now)
        system = kind == "SYSTEM"
        arn = backup_arn(table.arn, created, system)
        expires = created + SYSTEM_BACKUP_DAYS * DAY if system else None
        meta = table.to_json()
        bid = writer.connection.execute(
            "INSERT INTO backups (arn, account, region, table_name, tid, name, type, status, created, expires, "
            "meta) VALUES (?, ?, ?, ?, ?, ?, ?, 'CREATING', ?, ?, ?) RETURNING bid",
            (arn, table.account, table.region, table.name, table.tid, name, kind, created, expires, meta),
        ).fetchone()[0]
        if not system:
            table.backing_up.append(created)
            self.backend.save(writer, table)
        return Backup(
            bid, arn, table.account, table.region, table.name, table.tid, name, kind, "CREATING", created, expires,
            meta, 0, 0,
        )  # fmt: skip

    def start_copy_then_drop(self, backup: Backup, drop: Callable[[], None]) -> None:
        self._start(self.copy_then_drop, backup, drop)

    def _start(self, work: Callable[..., None], *args: Any) -> None:
        threading.Thread(target=self._guarded, args=(work, *args), name="dynamodb-backup", daemon=True).start()

    @staticmethod
    def _guarded(work: Callable[..., None], *args: Any) -> None:
        try:
            work(*args)
        except Exception:
            log.exception("DynamoDB backup or restore work %s", work.__name__)

    def copy(self, backup: Backup) -> None:
        """Copy the items the source table held at the backup's moment, then make the backup AVAILABLE."""
        snapshot = Snapshot(self.store)
        count = size = 0
        try:
            with self.store.write() as writer:  # a copy started over (after a restart) begins empty
                writer.connection.execute("DELETE FROM backup_items WHERE bid = ?", (backup.bid,))
            for rows in _slices(table_at(snapshot.connection, backup.tid, backup.created)):
                with self.store.write() as writer:
                    writer.connection.executemany(
                        "INSERT OR REPLACE INTO backup_items (bid, h, pk, sk, size, item) VALUES (?, ?, ?, ?, ?, ?)",
                        [(backup.bid, *row) for row in rows],
                    )
                count += len(rows)
                size += sum(row[3] for row in rows)
        finally:
            snapshot.close()
        with self.store.write() as writer:
            writer.connection.execute(
                "UPDATE backups SET status = 'AVAILABLE', count = ?, bytes = ? WHERE bid = ?", (count, size, backup.bid)
            )
            table = self._live(backup.account, backup.region, backup.table_name, backup.tid)
            if table is not None and backup.created in table.backing_up:
                table.backing_up.remove(backup.created)
                self.backend.save(writer, table)

    def copy_then_drop(self, backup: Backup, drop: Callable[[], None]) -> None:
        """A deleted table's system backup: no write can reach the table any more, so its rows are the moment."""
        self.copy(backup)
        drop()

    def _live(self, account: str, region: str, name: str, tid: int) -> Table | None:
        table = self.backend.tables.get((account, region, name))
        return table if table is not None and table.tid == tid else None

    def delete(self, backup: Backup) -> None:
        with self.store.write() as writer:
            writer.connection.execute("DELETE FROM backups WHERE bid = ?", (backup.bid,))
            writer.connection.execute("DELETE FROM backup_items WHERE bid = ?", (backup.bid,))

    def expire(self, now: float | None = None) -> None:
        """System backups go by themselves after 35 days."""
        moment = time.time() if now is None else now
        rows = self.store.reader().execute(
            f"SELECT {Backup.COLUMNS} FROM backups WHERE expires IS NOT NULL AND expires < ?", (moment,)
        )
        for row in rows.fetchall():
            self.delete(Backup(*row))

    # -- restoring ----------------------------------------------------------------------------------------

    def start_restore(self, target: Table) -> None:
        self._start(self.restore, target)

    def restore(self, target: Table) -> None:
        """Fill ``target`` (CREATING) from where its definition says, then make it ACTIVE."""
        source = target.restore
        assert source is not None
        snapshot = Snapshot(self.store)
        try:
            with self.store.write() as writer:
                writer.clear_rows(target.tid)  # a restore started over (after a restart) begins empty
            if "bid" in source:
                rows: Iterable[Row] = snapshot.connection.execute(
                    "SELECT h, pk, sk, size, item FROM backup_items WHERE bid = ? ORDER BY h, pk, sk", (source["bid"],)
                )
            else:
                rows = table_at(snapshot.connection, source["pitr"]["tid"], source["pitr"]["moment"])
            for chunk in _slices(rows):
                with self.store.write() as writer:
                    if self._live(target.account, target.region, target.name, target.tid) is not target:
                        return  # the target went away (reset)
                    self._write_rows(writer, target, chunk)
        finally:
            snapshot.close()
        with self.store.write() as writer:
            target.status = "ACTIVE"
            target.restore = None  # AWS's RestoreSummary is gone once the table is ACTIVE
            self.backend.save(writer, target)

    def _write_rows(self, writer: Writer, target: Table, rows: list[Row]) -> None:
        tid = target.tid
        writer.connection.executemany(
            "INSERT INTO items (tid, h, pk, sk, size, item) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (tid, h, pk, sk) DO UPDATE SET size = excluded.size, item = excluded.item",
            [(tid, *row) for row in rows],
        )
        writer.add_stats(tid, 0, len(rows), sum(row[3] for row in rows))
        if not target.indexes:
            return
        for _h, pk, sk, _size, blob in rows:
            item = unpack(blob)
            for index in target.indexes:
                self.backend._apply_index(writer, target, index, pk, sk, None, item)

    # -- after a restart ------------------------------------------------------------------------------------

    def resume(self, dropping: dict[int, Callable[[], None]]) -> set[int]:
        """Start again the copies and restores a restart interrupted. ``dropping``: tables being deleted, by
        number, with what drops their rows; one whose system backup was being copied is dropped after it.
        Returns the numbers of the tables whose drop the resumed copies now do."""
        deferred: set[int] = set()
        rows = self.store.reader().execute(f"SELECT {Backup.COLUMNS} FROM backups WHERE status = 'CREATING'")
        for row in rows.fetchall():
            backup = Backup(*row)
            if backup.tid in dropping and backup.type == "SYSTEM":
                deferred.add(backup.tid)
                self._start(self.copy_then_drop, backup, dropping[backup.tid])
            else:
                self._start(self.copy, backup)
        for table in list(self.backend.tables.values()):
            if table.status == "CREATING" and table.restore is not None:
                self.start_restore(table)
        return deferred


def _slices(rows: Iterable[Row]) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, SLICE)):
        yield chunk


def feature_details(backup: Backup, table: Table) -> dict[str, Any]:
    """SourceTableFeatureDetails: what of the table the backup recorded besides its key and items (none for a
    system backup, as AWS shows it)."""
    if backup.type == "SYSTEM":
        return {}
    details: dict[str, Any] = {}
    if table.lsis:
        details["LocalSecondaryIndexes"] = [
            {"IndexName": i.name, "KeySchema": key_schema_api(i.schema), "Projection": i.projection} for i in table.lsis
        ]
    if table.gsis:
        details["GlobalSecondaryIndexes"] = [
            {
                "IndexName": i.name,
                "KeySchema": key_schema_api(i.schema),
                "Projection": i.projection,
                "ProvisionedThroughput": {
                    "ReadCapacityUnits": (i.throughput or {}).get("ReadCapacityUnits", 0),
                    "WriteCapacityUnits": (i.throughput or {}).get("WriteCapacityUnits", 0),
                },
            }
            for i in table.gsis
        ]
    if table.stream and table.stream.get("StreamEnabled"):
        details["StreamDescription"] = {"StreamEnabled": True, "StreamViewType": table.stream["StreamViewType"]}
    if table.ttl and table.ttl.get("Enabled"):
        details["TimeToLiveDescription"] = {"TimeToLiveStatus": "ENABLED", "AttributeName": table.ttl["AttributeName"]}
    if table.sse:
        details["SSEDescription"] = dict(table.sse)
    return details


def source_details(backup: Backup, table: Table) -> dict[str, Any]:
    details: dict[str, Any] = {
        "TableName": table.name,
        "TableId": table.table_id,
        "TableArn": table.arn,
        "TableSizeBytes": backup.bytes,
        "KeySchema": key_schema_api(table.schema),
        "TableCreationDateTime": table.created,
        "ProvisionedThroughput": {
            "ReadCapacityUnits": table.throughput.get("ReadCapacityUnits", 0)
            if table.billing_mode == "PROVISIONED"
            else 0,
            "WriteCapacityUnits": table.throughput.get("WriteCapacityUnits", 0)
            if table.billing_mode == "PROVISIONED"
            else 0,
        },
        "ItemCount": backup.count,
        "BillingMode": table.billing_mode,
    }
    if table.on_demand:
        details["OnDemandThroughput"] = dict(table.on_demand)
    return details


def backup_details(backup: Backup) -> dict[str, Any]:
    details: dict[str, Any] = {
        "BackupArn": backup.arn,
        "BackupName": backup.name,
        "BackupSizeBytes": backup.bytes,
        "BackupStatus": backup.status,
        "BackupType": backup.type,
        "BackupCreationDateTime": backup.created,
    }
    if backup.expires is not None:
        details["BackupExpiryDateTime"] = backup.expires
    return details
