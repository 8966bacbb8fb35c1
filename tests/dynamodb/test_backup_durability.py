"""Backups, PITR's history and restores survive kill -9 of ``fogbank up`` (with its worker processes); a copy or
a restore that a kill interrupted runs again at the next start."""

from __future__ import annotations

import datetime as dt
import signal
import sqlite3
import time

from tests.dynamodb.test_backups import active, available, items, put, wait_until
from tests.dynamodb.test_durability import dynamodb
from tests.platform.fogproc import start

KEYS = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
DEFINITIONS = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]


def test_backups_and_history_survive_kill_9(tmp_path) -> None:
    data = tmp_path / "data"
    running = start(tmp_path / "one.log", "--data-dir", str(data))
    try:
        ddb = dynamodb(running.endpoint)
        ddb.create_table(
            TableName="kept", KeySchema=KEYS, AttributeDefinitions=DEFINITIONS, BillingMode="PAY_PER_REQUEST"
        )
        for i in range(50):
            put(ddb, "kept", f"k{i}", v="1")
        arn = ddb.create_backup(TableName="kept", BackupName="before-kill")["BackupDetails"]["BackupArn"]
        available(ddb, arn)
        ddb.update_continuous_backups(
            TableName="kept", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
        for i in range(25):  # served by the worker processes: their history must be logged too
            put(ddb, "kept", f"k{i}", v="2")
        time.sleep(0.01)
        moment = time.time()
        time.sleep(0.01)
        for i in range(10):
            ddb.delete_item(TableName="kept", Key={"pk": {"S": f"k{i}"}, "sk": {"S": "s"}})
    finally:
        running.stop(signal.SIGKILL)
    # As if the kill had come in the middle of a copy: the backup's items are gone and it is CREATING again.
    with sqlite3.connect(data / "dynamodb" / "dynamodb.sqlite3") as db:
        db.execute("UPDATE backups SET status = 'CREATING' WHERE arn = ?", (arn,))
        db.execute("DELETE FROM backup_items")
    running = start(tmp_path / "two.log", "--data-dir", str(data))
    try:
        ddb = dynamodb(running.endpoint)
        assert available(ddb, arn)["SourceTableDetails"]["ItemCount"] == 50
        ddb.restore_table_from_backup(TargetTableName="from-backup", BackupArn=arn)
        ddb.restore_table_to_point_in_time(
            SourceTableName="kept",
            TargetTableName="from-pitr",
            RestoreDateTime=dt.datetime.fromtimestamp(moment, dt.UTC),
        )
        assert active(ddb, "from-backup")["ItemCount"] == 50
        assert {item["v"]["S"] for item in items(ddb, "from-backup").values()} == {"1"}
        restored = items(ddb, "from-pitr")
        assert len(restored) == 50
        assert sum(item["v"]["S"] == "2" for item in restored.values()) == 25
        assert len(items(ddb, "kept")) == 40
    finally:
        running.stop(signal.SIGKILL)
    # A restore interrupted by the kill: the target is CREATING again and starts over.
    with sqlite3.connect(data / "dynamodb" / "dynamodb.sqlite3") as db:
        (tid, meta) = db.execute("SELECT tid, meta FROM tables WHERE name = 'from-backup'").fetchone()
        db.execute("DELETE FROM items WHERE tid = ?", (tid,))
        db.execute("DELETE FROM stats WHERE tid = ?", (tid,))
        bid = db.execute("SELECT bid FROM backups WHERE arn = ?", (arn,)).fetchone()[0]
        changed = meta.replace('"status": "ACTIVE"', '"status": "CREATING"').replace(
            '"restore": null', f'"restore": {{"summary": {{"RestoreInProgress": true}}, "bid": {bid}}}'
        )
        assert changed.count("CREATING") == 1 and '"bid"' in changed
        db.execute("UPDATE tables SET meta = ? WHERE tid = ?", (changed, tid))
    running = start(tmp_path / "three.log", "--data-dir", str(data))
    try:
        ddb = dynamodb(running.endpoint)
        assert wait_until(lambda: active(ddb, "from-backup")["ItemCount"] == 50)
        assert len(items(ddb, "from-backup")) == 50
    finally:
        running.stop(signal.SIGTERM)
