"""Global tables, legacy version 2017.11.29: CreateGlobalTable and the rest, with the aws:rep:* attributes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from tests.dynamodb.conftest import error_of
from tests.dynamodb.test_global_tables import STREAM, wait_for

REGIONS = ("us-east-1", "us-west-2", "eu-west-1")


def regional_table(ddb: Any, name: str, stream: dict[str, Any] | None = STREAM) -> None:
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        **({"StreamSpecification": stream} if stream else {}),
    )


def test_create_describe_list_and_replicate(client: Callable[..., Any]) -> None:
    name = f"l{uuid.uuid4().hex[:10]}"
    east, west = client("dynamodb"), client("dynamodb", region="us-west-2")
    regional_table(east, name)
    regional_table(west, name)
    group = [{"RegionName": "us-east-1"}, {"RegionName": "us-west-2"}]
    created = east.create_global_table(GlobalTableName=name, ReplicationGroup=group)["GlobalTableDescription"]
    assert created["GlobalTableName"] == name
    assert created["GlobalTableArn"] == f"arn:aws:dynamodb::000000000000:global-table/{name}"
    assert sorted(r["RegionName"] for r in created["ReplicationGroup"]) == ["us-east-1", "us-west-2"]
    described = west.describe_global_table(GlobalTableName=name)["GlobalTableDescription"]
    assert described["GlobalTableStatus"] == "ACTIVE"
    assert east.describe_table(TableName=name)["Table"]["GlobalTableVersion"] == "2017.11.29"
    listed = east.list_global_tables(RegionName="us-west-2")["GlobalTables"]
    assert {"GlobalTableName": name, "ReplicationGroup": sorted(group, key=lambda r: r["RegionName"])} in listed
    code, _ = error_of(east.create_global_table, GlobalTableName=name, ReplicationGroup=group)
    assert code == "GlobalTableAlreadyExistsException"

    east.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "1"}})
    item = wait_for(lambda: west.get_item(TableName=name, Key={"pk": {"S": "a"}}).get("Item"))
    assert item["aws:rep:updateregion"] == {"S": "us-east-1"}
    assert item["aws:rep:deleting"] == {"BOOL": False}
    assert float(item["aws:rep:updatetime"]["N"]) > 0
    assert east.get_item(TableName=name, Key={"pk": {"S": "a"}})["Item"] == item

    # A third region joins (its table empty), then one leaves and keeps its table.
    eu = client("dynamodb", region="eu-west-1")
    regional_table(eu, name)
    east.update_global_table(GlobalTableName=name, ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}])
    wait_for(lambda: eu.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE")  # filled meanwhile
    wait_for(lambda: eu.get_item(TableName=name, Key={"pk": {"S": "a"}}).get("Item"))
    eu.put_item(TableName=name, Item={"pk": {"S": "b"}})
    assert wait_for(lambda: west.get_item(TableName=name, Key={"pk": {"S": "b"}}).get("Item"))[
        "aws:rep:updateregion"
    ] == {"S": "eu-west-1"}
    east.update_global_table(GlobalTableName=name, ReplicaUpdates=[{"Delete": {"RegionName": "us-west-2"}}])
    described = east.describe_global_table(GlobalTableName=name)["GlobalTableDescription"]
    assert sorted(r["RegionName"] for r in described["ReplicationGroup"]) == ["eu-west-1", "us-east-1"]
    assert west.scan(TableName=name, Select="COUNT")["Count"] == 2
    assert error_of(west.describe_global_table, GlobalTableName=name)[0] == "GlobalTableNotFoundException"


def test_rules_and_errors(client: Callable[..., Any]) -> None:
    name = f"l{uuid.uuid4().hex[:10]}"
    east, west = client("dynamodb"), client("dynamodb", region="us-west-2")
    group = [{"RegionName": "us-east-1"}, {"RegionName": "us-west-2"}]
    regional_table(east, name)
    assert error_of(east.create_global_table, GlobalTableName=name, ReplicationGroup=group)[0] == (
        "TableNotFoundException"
    )
    regional_table(west, name, stream={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    code, message = error_of(east.create_global_table, GlobalTableName=name, ReplicationGroup=group)
    assert code == "ValidationException" and "NEW_AND_OLD_IMAGES" in message
    west.delete_table(TableName=name)
    wait_for(lambda: name not in west.list_tables()["TableNames"])
    regional_table(west, name)
    west.put_item(TableName=name, Item={"pk": {"S": "x"}})
    code, message = error_of(east.create_global_table, GlobalTableName=name, ReplicationGroup=group)
    assert code == "ValidationException" and "not empty" in message
    for missing in (east.describe_global_table, east.describe_global_table_settings):
        assert error_of(missing, GlobalTableName="nope")[0] == "GlobalTableNotFoundException"
    code, _ = error_of(
        east.update_global_table, GlobalTableName="nope", ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}]
    )
    assert code == "GlobalTableNotFoundException"


def test_settings(client: Callable[..., Any]) -> None:
    name = f"l{uuid.uuid4().hex[:10]}"
    east, west = client("dynamodb"), client("dynamodb", region="us-west-2")
    regional_table(east, name)
    regional_table(west, name)
    east.create_global_table(
        GlobalTableName=name, ReplicationGroup=[{"RegionName": "us-east-1"}, {"RegionName": "us-west-2"}]
    )
    settings = east.describe_global_table_settings(GlobalTableName=name)
    assert [s["RegionName"] for s in settings["ReplicaSettings"]] == ["us-east-1", "us-west-2"]
    assert settings["ReplicaSettings"][0]["ReplicaBillingModeSummary"] == {"BillingMode": "PAY_PER_REQUEST"}
    updated = east.update_global_table_settings(
        GlobalTableName=name,
        GlobalTableBillingMode="PROVISIONED",
        GlobalTableProvisionedWriteCapacityUnits=7,
        ReplicaSettingsUpdate=[{"RegionName": "us-west-2", "ReplicaProvisionedReadCapacityUnits": 3}],
    )["ReplicaSettings"]
    west_settings = next(s for s in updated if s["RegionName"] == "us-west-2")
    assert west_settings["ReplicaProvisionedWriteCapacityUnits"] == 7
    assert west_settings["ReplicaProvisionedReadCapacityUnits"] == 3
    throughput = west.describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (3, 7)
    code, _ = error_of(
        east.update_global_table_settings,
        GlobalTableName=name,
        ReplicaSettingsUpdate=[{"RegionName": "ap-south-1", "ReplicaProvisionedReadCapacityUnits": 3}],
    )
    assert code == "ReplicaNotFoundException"


def test_bad_inputs_are_client_errors(client: Callable[..., Any]) -> None:
    """No malformed request to the global table operations is a server error."""
    east = client("dynamodb")
    calls: list[tuple[Any, dict[str, Any]]] = [
        (east.create_global_table, {"GlobalTableName": "x", "ReplicationGroup": []}),
        (east.create_global_table, {"GlobalTableName": "a b", "ReplicationGroup": [{"RegionName": "us-east-1"}]}),
        (east.create_global_table, {"GlobalTableName": "xyz", "ReplicationGroup": [{"RegionName": "moon"}]}),
        (east.create_global_table, {"GlobalTableName": "xyz", "ReplicationGroup": [{"RegionName": "us-east-1"}] * 2}),
        (east.update_global_table, {"GlobalTableName": "xyz", "ReplicaUpdates": []}),
        (east.update_global_table, {"GlobalTableName": "xyz", "ReplicaUpdates": [{}]}),
        (east.list_global_tables, {"Limit": 0}),
        (east.list_global_tables, {"RegionName": ""}),
        (east.update_global_table_settings, {"GlobalTableName": "xyz"}),
        (east.update_table, {"TableName": "xyz", "ReplicaUpdates": [{"Create": {"RegionName": ""}}]}),
        (east.update_table_replica_auto_scaling, {"TableName": "xyz"}),
        (east.describe_table_replica_auto_scaling, {"TableName": "a"}),
    ]
    for call, params in calls:
        try:
            call(**params)
        except Exception as error:
            response = getattr(error, "response", None)
            if response is None:  # refused by botocore before sending: no server involved
                continue
            assert response["ResponseMetadata"]["HTTPStatusCode"] == 400, (params, response["Error"])
    listed = east.list_global_tables(Limit=1)
    assert len(listed["GlobalTables"]) <= 1
