"""On-demand backups through boto3: CreateBackup, DescribeBackup, ListBackups, DeleteBackup, RestoreTableFromBackup.

Messages and shapes as recorded from AWS (us-east-1, 2026) unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest

from tests.dynamodb.conftest import error_of, make_table

GSI = {
    "IndexName": "byg",
    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
    "Projection": {"ProjectionType": "ALL"},
}
LSI = {
    "IndexName": "byl",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
    "Projection": {"ProjectionType": "KEYS_ONLY"},
}
G_AND_L = [{"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "S"}]


def wait_until(check: Any, timeout: float = 20.0) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out")


def available(ddb: Any, arn: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        described = ddb.describe_backup(BackupArn=arn)["BackupDescription"]
        return described if described["BackupDetails"]["BackupStatus"] == "AVAILABLE" else None

    return wait_until(check)


def active(ddb: Any, name: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        table = ddb.describe_table(TableName=name)["Table"]
        return table if table["TableStatus"] == "ACTIVE" else None

    return wait_until(check)


def put(ddb: Any, table: str, key: str, **attributes: str) -> None:
    item = {"pk": {"S": key}, "sk": {"S": "s"}, **{name: {"S": value} for name, value in attributes.items()}}
    ddb.put_item(TableName=table, Item=item)


def items(ddb: Any, table: str) -> dict[str, dict[str, Any]]:
    return {item["pk"]["S"]: item for item in ddb.scan(TableName=table, ConsistentRead=True)["Items"]}


def indexed_table(ddb: Any, name: str = "source") -> str:
    return make_table(ddb, name, definitions=G_AND_L, GlobalSecondaryIndexes=[GSI], LocalSecondaryIndexes=[LSI])


def test_a_backup_holds_the_items_of_its_moment_and_restores_with_its_indexes(ddb) -> None:
    table = indexed_table(ddb)
    for i in range(30):
        put(ddb, table, f"k{i}", g="x", l=f"l{i}")
    created = ddb.create_backup(TableName=table, BackupName="nightly")["BackupDetails"]
    assert created["BackupStatus"] == "CREATING" and created["BackupType"] == "USER"
    assert created["BackupArn"].startswith(f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}/backup/")
    assert "BackupExpiryDateTime" not in created
    put(ddb, table, "k0", g="changed", l="l0")  # after the moment: not in the backup
    put(ddb, table, "later", g="x", l="l")
    ddb.delete_item(TableName=table, Key={"pk": {"S": "k1"}, "sk": {"S": "s"}})
    described = available(ddb, created["BackupArn"])
    assert described["BackupDetails"]["BackupCreationDateTime"] == created["BackupCreationDateTime"]
    source = described["SourceTableDetails"]
    assert source["TableName"] == table and source["ItemCount"] == 30 and source["BillingMode"] == "PAY_PER_REQUEST"
    features = described["SourceTableFeatureDetails"]
    assert [index["IndexName"] for index in features["GlobalSecondaryIndexes"]] == ["byg"]
    assert features["LocalSecondaryIndexes"][0] == {
        "IndexName": "byl",
        "KeySchema": LSI["KeySchema"],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }

    restored = ddb.restore_table_from_backup(TargetTableName="restored", BackupArn=created["BackupArn"])
    description = restored["TableDescription"]
    assert description["TableStatus"] == "CREATING"
    assert description["RestoreSummary"]["SourceBackupArn"] == created["BackupArn"]
    assert description["RestoreSummary"]["RestoreInProgress"] is True
    table_now = active(ddb, "restored")
    assert "RestoreSummary" not in table_now  # AWS drops it once the table is ACTIVE
    assert table_now["ItemCount"] == 30
    got = items(ddb, "restored")
    assert got["k0"]["g"] == {"S": "x"} and "k1" in got and "later" not in got
    by_g = ddb.query(
        TableName="restored",
        IndexName="byg",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "x"}},
        Select="COUNT",
    )
    assert by_g["Count"] == 30
    by_l = ddb.query(
        TableName="restored",
        IndexName="byl",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "k3"}},
    )
    assert by_l["Items"] == [{"pk": {"S": "k3"}, "sk": {"S": "s"}, "l": {"S": "l3"}}]


def test_a_restore_keeps_sse_and_billing_and_drops_what_aws_drops(ddb) -> None:
    make_table(
        ddb,
        "featured",
        SSESpecification={"Enabled": True, "SSEType": "KMS"},
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        DeletionProtectionEnabled=True,
        Tags=[{"Key": "team", "Value": "a"}],
        TableClass="STANDARD_INFREQUENT_ACCESS",
    )
    ddb.update_time_to_live(TableName="featured", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    arn = ddb.create_backup(TableName="featured", BackupName="all-features")["BackupDetails"]["BackupArn"]
    features = available(ddb, arn)["SourceTableFeatureDetails"]
    assert features["StreamDescription"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    assert features["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
    assert features["SSEDescription"]["Status"] == "ENABLED"
    ddb.restore_table_from_backup(TargetTableName="plain-copy", BackupArn=arn)
    table = active(ddb, "plain-copy")
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert "StreamSpecification" not in table and "LatestStreamArn" not in table
    assert table["DeletionProtectionEnabled"] is False and "TableClassSummary" not in table
    assert ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"] == []
    assert ddb.describe_time_to_live(TableName="plain-copy")["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"


def test_overrides(ddb) -> None:
    table = indexed_table(ddb)
    put(ddb, table, "a", g="x", l="l")
    arn = ddb.create_backup(TableName=table, BackupName="for-overrides")["BackupDetails"]["BackupArn"]
    available(ddb, arn)
    ddb.restore_table_from_backup(
        TargetTableName="renamed-index",
        BackupArn=arn,
        BillingModeOverride="PROVISIONED",
        ProvisionedThroughputOverride={"ReadCapacityUnits": 7, "WriteCapacityUnits": 3},
        GlobalSecondaryIndexOverride=[
            {
                **GSI,
                "IndexName": "by-g-again",
                "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 1},
            }
        ],
        LocalSecondaryIndexOverride=[],
        SSESpecificationOverride={"Enabled": False},
    )
    table_now = active(ddb, "renamed-index")
    assert table_now["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
    assert [index["IndexName"] for index in table_now["GlobalSecondaryIndexes"]] == ["by-g-again"]
    assert table_now["GlobalSecondaryIndexes"][0]["ItemCount"] == 1
    assert "LocalSecondaryIndexes" not in table_now and "SSEDescription" not in table_now
    assert {d["AttributeName"] for d in table_now["AttributeDefinitions"]} == {"pk", "sk", "g"}
    ddb.restore_table_from_backup(TargetTableName="no-indexes", BackupArn=arn, GlobalSecondaryIndexOverride=[])
    assert "GlobalSecondaryIndexes" not in active(ddb, "no-indexes")


@pytest.mark.parametrize(
    "overrides,message",
    [
        (
            {"ProvisionedThroughputOverride": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}},
            "Cannot override ProvisionedThroughput unless BillingMode is PROVISIONED",
        ),
        (
            {"BillingModeOverride": "PROVISIONED"},
            "Must override ProvisionedThroughput if BillingMode is overridden to PROVISIONED",
        ),
        (
            {
                "GlobalSecondaryIndexOverride": [
                    {**GSI, "IndexName": "new-one", "Projection": {"ProjectionType": "KEYS_ONLY"}}
                ]
            },
            "Index new-one does not match a secondary index that existed in the source table and cannot be created "
            "during the restore operation",
        ),
    ],
)
def test_override_errors(ddb, overrides, message) -> None:
    table = indexed_table(ddb)
    arn = ddb.create_backup(TableName=table, BackupName="bad-overrides")["BackupDetails"]["BackupArn"]
    available(ddb, arn)
    assert error_of(ddb.restore_table_from_backup, TargetTableName="never", BackupArn=arn, **overrides) == (
        "ValidationException",
        message,
    )
    assert error_of(ddb.describe_table, TableName="never")[0] == "ResourceNotFoundException"


def test_errors(ddb, table) -> None:
    missing = "arn:aws:dynamodb:us-east-1:000000000000:table/things/backup/01700000000000-0000abcd"
    assert error_of(ddb.describe_backup, BackupArn=missing) == (
        "BackupNotFoundException",
        f"Backup not found: {missing}",
    )
    assert error_of(ddb.delete_backup, BackupArn=missing)[0] == "BackupNotFoundException"
    assert error_of(ddb.restore_table_from_backup, TargetTableName="x-target", BackupArn=missing)[0] == (
        "BackupNotFoundException"
    )
    table_arn = ddb.describe_table(TableName=table)["Table"]["TableArn"] + "/stream/2026-01-01T00:00:00.000"
    assert error_of(ddb.describe_backup, BackupArn=table_arn) == ("ValidationException", "Invalid Backup ARN")
    other = missing.replace("000000000000", "111111111111")
    assert error_of(ddb.describe_backup, BackupArn=other) == ("AccessDeniedException", "Access is denied")
    assert error_of(ddb.create_backup, TableName="absent", BackupName="nope") == (
        "TableNotFoundException",
        "Table not found: absent",
    )
    arn = ddb.create_backup(TableName=table, BackupName="one")["BackupDetails"]["BackupArn"]
    available(ddb, arn)
    assert error_of(ddb.restore_table_from_backup, TargetTableName=table, BackupArn=arn) == (
        "TableAlreadyExistsException",
        f"Table already exists: {table}",
    )


def test_one_restore_at_a_time_per_backup_and_target(ddb, table, monkeypatch) -> None:
    """While a restore fills its table, the backup cannot feed another or be deleted, and the target's name is
    taken (held here by slowing the restore down)."""
    from fogbank.services.dynamodb import backups

    put(ddb, table, "a")
    arn = ddb.create_backup(TableName=table, BackupName="busy")["BackupDetails"]["BackupArn"]
    available(ddb, arn)
    release = threading.Event()
    original = backups._slices

    def slow(rows):  # type: ignore[no-untyped-def]
        release.wait(10)  # outside any write transaction: other requests go on
        yield from original(rows)

    monkeypatch.setattr(backups, "_slices", slow)
    ddb.restore_table_from_backup(TargetTableName="first", BackupArn=arn)
    try:
        assert error_of(ddb.restore_table_from_backup, TargetTableName="second", BackupArn=arn) == (
            "BackupInUseException",
            f"Backup is being used to restore another table: {arn}",
        )
        assert error_of(ddb.delete_backup, BackupArn=arn) == (
            "BackupInUseException",
            f"Backup is being used to restore table: {arn}",
        )
        assert error_of(ddb.restore_table_from_backup, TargetTableName="first", BackupArn=arn) == (
            "TableInUseException",
            f"Table: first is already being restored from backup: {arn}",
        )
        assert error_of(ddb.get_item, TableName="first", Key={"pk": {"S": "a"}, "sk": {"S": "s"}})[0] == (
            "ResourceNotFoundException"
        )
        assert ddb.describe_table(TableName="first")["Table"]["RestoreSummary"]["RestoreInProgress"] is True
    finally:
        release.set()
    assert active(ddb, "first")["ItemCount"] == 1
    ddb.delete_backup(BackupArn=arn)


def test_list_backups_filters_and_pages(ddb, table) -> None:
    other = make_table(ddb, "others", sort=None)
    arns = [ddb.create_backup(TableName=table, BackupName=f"b-{i}")["BackupDetails"]["BackupArn"] for i in range(5)]
    ddb.create_backup(TableName=other, BackupName="other-one")
    for arn in arns:
        available(ddb, arn)
    listed = ddb.list_backups(TableName=table)["BackupSummaries"]
    assert [s["BackupArn"] for s in listed] == arns  # in creation order
    assert listed[0]["TableName"] == table and listed[0]["BackupStatus"] == "AVAILABLE"
    assert len(ddb.list_backups()["BackupSummaries"]) == 6
    assert ddb.list_backups(TableName="no-such-table")["BackupSummaries"] == []
    assert ddb.list_backups(BackupType="SYSTEM")["BackupSummaries"] == []
    first = ddb.list_backups(TableName=table, Limit=2)
    assert [s["BackupArn"] for s in first["BackupSummaries"]] == arns[:2]
    assert first["LastEvaluatedBackupArn"] == arns[1]
    rest = ddb.list_backups(TableName=table, Limit=3, ExclusiveStartBackupArn=first["LastEvaluatedBackupArn"])
    assert [s["BackupArn"] for s in rest["BackupSummaries"]] == arns[2:]
    assert "LastEvaluatedBackupArn" not in rest
    paged = [
        s["BackupArn"]
        for page in ddb.get_paginator("list_backups").paginate(TableName=table)
        for s in page["BackupSummaries"]
    ]
    assert paged == arns
    created = listed[2]["BackupCreationDateTime"]
    after = ddb.list_backups(TableName=table, TimeRangeLowerBound=created)["BackupSummaries"]
    assert [s["BackupArn"] for s in after] == arns[2:]  # the lower bound is inclusive
    before = ddb.list_backups(TableName=table, TimeRangeUpperBound=created)["BackupSummaries"]
    assert [s["BackupArn"] for s in before] == arns[:2]  # the upper bound is not
    assert error_of(
        ddb.list_backups, TimeRangeLowerBound=created, TimeRangeUpperBound=created - dt.timedelta(seconds=1)
    ) == ("ValidationException", "Time range lower bound must be less than or equal to upper bound")


def test_delete_backup_and_deleted_tables_keep_their_backups(ddb, table) -> None:
    put(ddb, table, "a")
    arn = ddb.create_backup(TableName=table, BackupName="keeper")["BackupDetails"]["BackupArn"]
    available(ddb, arn)
    ddb.delete_table(TableName=table)
    wait_until(lambda: error_of(ddb.describe_table, TableName=table)[0] == "ResourceNotFoundException")
    assert ddb.describe_backup(BackupArn=arn)["BackupDescription"]["SourceTableDetails"]["TableName"] == table
    assert [s["BackupArn"] for s in ddb.list_backups(TableName=table)["BackupSummaries"]] == [arn]
    ddb.restore_table_from_backup(TargetTableName=table, BackupArn=arn)  # under the deleted table's own name
    assert active(ddb, table)["ItemCount"] == 1
    deleted = ddb.delete_backup(BackupArn=arn)["BackupDescription"]
    assert deleted["BackupDetails"]["BackupStatus"] == "DELETED"
    assert error_of(ddb.describe_backup, BackupArn=arn)[0] == "BackupNotFoundException"
    assert error_of(ddb.delete_backup, BackupArn=arn)[0] == "BackupNotFoundException"


def test_backup_arn_ignores_the_region_and_region_scopes_listing(ddb, client, table) -> None:
    arn = ddb.create_backup(TableName=table, BackupName="regional")["BackupDetails"]["BackupArn"]
    available(ddb, arn)
    rewritten = arn.replace("us-east-1", "eu-west-1")
    assert ddb.describe_backup(BackupArn=rewritten)["BackupDescription"]["BackupDetails"]["BackupName"] == "regional"
    west = client("dynamodb", region="us-west-2")
    assert west.list_backups()["BackupSummaries"] == []
    assert error_of(west.describe_backup, BackupArn=arn)[0] == "BackupNotFoundException"


def test_backup_numbers_are_never_reused(fogbank_server, fogbank_endpoint, ddb) -> None:
    """A copy still running for an old backup must not reach a new one: after a reset (or a DeleteBackup) a new
    backup gets a number of its own (two full-suite runs once restored an empty table from a reused one)."""
    import urllib.request

    store = fogbank_server.platform.service("dynamodb").backend.store
    numbers = []
    for _ in range(2):
        table = make_table(ddb, "numbered")
        put(ddb, table, "a")
        arn = ddb.create_backup(TableName=table, BackupName="numbered")["BackupDetails"]["BackupArn"]
        available(ddb, arn)
        numbers.append(store.reader().execute("SELECT bid FROM backups WHERE arn = ?", (arn,)).fetchone()[0])
        reset = urllib.request.Request(fogbank_endpoint.rstrip("/") + "/_fogbank/reset", method="POST")
        urllib.request.urlopen(reset, timeout=60).close()
    assert numbers[1] > numbers[0]
