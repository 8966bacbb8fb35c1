"""Point-in-time recovery through boto3: Update/DescribeContinuousBackups, RestoreTableToPointInTime, and the
system backup of a deleted PITR table. Messages as recorded from AWS (us-east-1, 2026) unless marked ours."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from tests.dynamodb.conftest import error_of, make_table
from tests.dynamodb.test_backups import GSI, active, items, put, wait_until

ON = {"PointInTimeRecoveryEnabled": True}


def at(moment: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(moment, dt.UTC)


def pause() -> float:
    """A moment strictly between the writes before and after it (the wire carries milliseconds)."""
    time.sleep(0.01)
    moment = time.time()
    time.sleep(0.01)
    return moment


def recovery(ddb: Any, table: str) -> dict[str, Any]:
    return ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]


def test_continuous_backups_settings(ddb, client, table) -> None:
    described = recovery(ddb, table)
    assert described == {
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
    }
    before = time.time()
    enabled = ddb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    window = enabled["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert window["PointInTimeRecoveryStatus"] == "ENABLED" and window["RecoveryPeriodInDays"] == 35
    assert window["EarliestRestorableDateTime"] == window["LatestRestorableDateTime"]
    assert abs(window["EarliestRestorableDateTime"].timestamp() - before) < 2
    time.sleep(0.05)
    later = recovery(ddb, table)["PointInTimeRecoveryDescription"]
    assert (
        later["LatestRestorableDateTime"] > later["EarliestRestorableDateTime"] == window["EarliestRestorableDateTime"]
    )
    changed = ddb.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={**ON, "RecoveryPeriodInDays": 7}
    )
    assert changed["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"] == 7
    off = ddb.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    assert off["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"] == {
        "PointInTimeRecoveryStatus": "DISABLED"
    }
    again = ddb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    assert again["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"] == 35
    assert error_of(ddb.describe_continuous_backups, TableName="absent") == (
        "TableNotFoundException",
        "Table not found: absent",
    )
    assert error_of(ddb.update_continuous_backups, TableName="absent", PointInTimeRecoverySpecification=ON)[0] == (
        "TableNotFoundException"
    )
    unchecked = client("dynamodb", parameter_validation=False)
    for days in (0, 36):
        assert (
            error_of(
                unchecked.update_continuous_backups,
                TableName=table,
                PointInTimeRecoverySpecification={**ON, "RecoveryPeriodInDays": days},
            )[0]
            == "ValidationException"
        )


def test_restore_holds_exactly_the_writes_committed_up_to_the_moment(ddb) -> None:
    table = make_table(
        ddb, "ledger", definitions=[{"AttributeName": "g", "AttributeType": "S"}], GlobalSecondaryIndexes=[GSI]
    )
    put(ddb, table, "before-pitr", g="x")
    ddb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    put(ddb, table, "a", g="x", v="1")
    put(ddb, table, "b", g="x", v="1")
    first = pause()
    put(ddb, table, "a", g="x", v="2")  # changed after the first moment
    ddb.delete_item(TableName=table, Key={"pk": {"S": "b"}, "sk": {"S": "s"}})  # deleted after it
    put(ddb, table, "c", g="x", v="1")  # created after it
    second = pause()
    put(ddb, table, "a", g="x", v="3")
    put(ddb, table, "b", g="x", v="again")
    ddb.update_item(
        TableName=table,
        Key={"pk": {"S": "c"}, "sk": {"S": "s"}},
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"S": "2"}},
    )
    ddb.batch_write_item(
        RequestItems={table: [{"DeleteRequest": {"Key": {"pk": {"S": "before-pitr"}, "sk": {"S": "s"}}}}]}
    )
    ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": {"pk": {"S": "t"}, "sk": {"S": "s"}, "g": {"S": "x"}}}}]
    )

    expected = {
        "one": (first, {"before-pitr": None, "a": "1", "b": "1"}),
        "two": (second, {"before-pitr": None, "a": "2", "c": "1"}),
    }
    for target, (moment, _) in expected.items():
        summary = ddb.restore_table_to_point_in_time(
            SourceTableName=table, TargetTableName=target, RestoreDateTime=at(moment)
        )["TableDescription"]["RestoreSummary"]
        assert summary["SourceTableArn"].endswith(f":table/{table}") and summary["RestoreInProgress"] is True
        assert abs(summary["RestoreDateTime"].timestamp() - moment) < 0.002
    latest = ddb.restore_table_to_point_in_time(
        SourceTableArn=ddb.describe_table(TableName=table)["Table"]["TableArn"],
        TargetTableName="latest",
        UseLatestRestorableTime=True,
    )
    assert latest["TableDescription"]["TableStatus"] == "CREATING"
    for target, (_, want) in expected.items():
        table_now = active(ddb, target)
        got = {key: item.get("v", {}).get("S") for key, item in items(ddb, target).items()}
        assert got == want, target
        assert table_now["ItemCount"] == len(want)
        assert table_now["GlobalSecondaryIndexes"][0]["ItemCount"] == len(want)
    active(ddb, "latest")
    assert sorted(items(ddb, "latest")) == ["a", "b", "c", "t"]
    assert items(ddb, "latest")["c"]["v"] == {"S": "2"}
    # A restored table does not inherit PITR.
    assert recovery(ddb, "latest")["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"


def test_restore_errors_in_aws_order(ddb, table) -> None:
    restore = ddb.restore_table_to_point_in_time
    assert error_of(restore, SourceTableName=table, TargetTableName="target-x") == (
        "ValidationException",
        "Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both",
    )
    assert error_of(
        restore,
        SourceTableName=table,
        TargetTableName="target-x",
        UseLatestRestorableTime=True,
        RestoreDateTime=at(time.time()),
    )[1].startswith("Invalid Request: Both RestoreDateTime and UseLatestRestorableTime cannot be set")
    assert error_of(
        restore,
        SourceTableName=table,
        SourceTableArn=f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}",
        TargetTableName="target-x",
        UseLatestRestorableTime=True,
    ) == ("ValidationException", "Must provide exactly one of: sourceTableArn, sourceTableName")
    assert error_of(restore, SourceTableArn="not-an-arn", TargetTableName="target-x", UseLatestRestorableTime=True) == (
        "ValidationException",
        "sourceTableArn is not a valid ARN",
    )
    assert error_of(restore, SourceTableName="absent", TargetTableName=table, UseLatestRestorableTime=True) == (
        "TableNotFoundException",
        "Table not found: absent",
    )
    # PITR off comes before the target's name and the time.
    assert error_of(restore, SourceTableName=table, TargetTableName=table, RestoreDateTime=at(0)) == (
        "PointInTimeRecoveryUnavailableException",
        f"Point in time recovery is not enabled for table '{table}'",
    )
    ddb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    window = recovery(ddb, table)["PointInTimeRecoveryDescription"]
    code, message = error_of(
        restore, SourceTableName=table, TargetTableName=table, RestoreDateTime=at(time.time() - 3600)
    )
    assert code == "InvalidRestoreTimeException"
    earliest = window["EarliestRestorableDateTime"].astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert message.startswith(f"RestoreDateTime '{at(time.time() - 3600).strftime('%Y-%m-%dT%H:%M')}")
    assert f"must be within EarliestRestorableDateTime '{earliest}' and LatestRestorableDateTime '" in message
    assert error_of(restore, SourceTableName=table, TargetTableName="x-target", RestoreDateTime=at(time.time() + 60))[
        0
    ] == ("InvalidRestoreTimeException")
    assert error_of(restore, SourceTableName=table, TargetTableName=table, UseLatestRestorableTime=True) == (
        "TableAlreadyExistsException",
        f"Table already exists: {table}",
    )
    assert error_of(ddb.describe_table, TableName="target-x")[0] == "ResourceNotFoundException"


def test_deleting_a_pitr_table_leaves_a_system_backup(ddb, table) -> None:
    put(ddb, table, "kept")
    ddb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    ddb.delete_table(TableName=table)
    summaries = wait_until(lambda: ddb.list_backups(BackupType="SYSTEM")["BackupSummaries"])
    (system,) = summaries
    assert system["BackupName"] == f"{table}$DeletedTableBackup" and system["BackupType"] == "SYSTEM"
    assert system["BackupArn"].endswith("-00000000")
    assert ddb.list_backups()["BackupSummaries"] == []  # USER unless asked
    assert [s["BackupArn"] for s in ddb.list_backups(BackupType="ALL")["BackupSummaries"]] == [system["BackupArn"]]
    expires = system["BackupExpiryDateTime"] - system["BackupCreationDateTime"]
    assert expires == dt.timedelta(days=35)
    wait_until(
        lambda: (
            ddb.describe_backup(BackupArn=system["BackupArn"])["BackupDescription"]["BackupDetails"]["BackupStatus"]
            == "AVAILABLE"
        )
    )
    assert ddb.describe_backup(BackupArn=system["BackupArn"])["BackupDescription"]["SourceTableFeatureDetails"] == {}
    code, message = error_of(ddb.delete_backup, BackupArn=system["BackupArn"])
    assert code == "ValidationException"
    assert message.startswith(f"User is not allowed to delete the system backup with arn {system['BackupArn']}.")
    ddb.restore_table_from_backup(TargetTableName="undeleted", BackupArn=system["BackupArn"])
    assert active(ddb, "undeleted")["ItemCount"] == 1


def test_history_is_trimmed_to_what_is_needed(fogbank_server, ddb, table) -> None:
    """Without PITR or a backup in progress a table keeps no history; with PITR, its period's worth."""
    backend = fogbank_server.platform.service("dynamodb").backend
    tid = backend.find("000000000000", "us-east-1", table).tid

    def logged() -> int:
        return backend.store.reader().execute("SELECT COUNT(*) FROM history WHERE tid = ?", (tid,)).fetchone()[0]

    put(ddb, table, "a")
    assert logged() == 0
    ddb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    put(ddb, table, "a", v="2")
    put(ddb, table, "a", v="2")  # a write that changes nothing needs no undo
    assert logged() == 1
    backend.history_keeper.trim()
    assert logged() == 1
    backend.history_keeper.trim(now=time.time() + 36 * 24 * 3600)
    assert logged() == 0
    put(ddb, table, "b")
    ddb.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    backend.history_keeper.trim()
    assert logged() == 0
