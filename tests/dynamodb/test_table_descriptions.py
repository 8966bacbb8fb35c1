"""Table API answers as real DynamoDB shapes them: DeleteTable's short description, UpdateTable's capacity while
UPDATING, OnDemandThroughput.

Provenance of each test's expected answers: its ``provenance`` marker (registered in pyproject.toml)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import error_of, make_table

KEY = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEF = [{"AttributeName": "pk", "AttributeType": "S"}]
GSI = {
    "IndexName": "byg",
    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
    "Projection": {"ProjectionType": "ALL"},
}


@pytest.mark.provenance("aws")
def test_delete_table_answers_the_short_description(ddb: Any) -> None:
    make_table(ddb, "doomed", definitions=[{"AttributeName": "g", "AttributeType": "S"}], GlobalSecondaryIndexes=[GSI])
    arn = ddb.describe_table(TableName="doomed")["Table"]["TableArn"]
    described = ddb.delete_table(TableName="doomed")["TableDescription"]
    assert described["TableName"] == "doomed" and described["TableStatus"] == "DELETING"
    assert described["TableArn"] == arn and described["TableId"]
    assert described["ProvisionedThroughput"]["NumberOfDecreasesToday"] == 0
    assert (described["ItemCount"], described["TableSizeBytes"]) == (0, 0)
    assert described["DeletionProtectionEnabled"] is False
    for absent in ("AttributeDefinitions", "KeySchema", "CreationDateTime", "GlobalSecondaryIndexes", "WarmThroughput"):
        assert absent not in described


@pytest.mark.provenance("aws")
def test_update_table_answers_the_capacity_still_in_force(ddb: Any) -> None:
    ddb.create_table(
        TableName="paid",
        KeySchema=KEY,
        AttributeDefinitions=DEF,
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    answered = ddb.update_table(
        TableName="paid", ProvisionedThroughput={"ReadCapacityUnits": 15, "WriteCapacityUnits": 15}
    )["TableDescription"]
    assert answered["TableStatus"] == "UPDATING"
    throughput = answered["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (5, 5)
    assert "LastIncreaseDateTime" in throughput
    ddb.get_waiter("table_exists").wait(TableName="paid")
    throughput = ddb.describe_table(TableName="paid")["Table"]["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (15, 15)

    answered = ddb.update_table(
        TableName="paid", ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    )["TableDescription"]
    throughput = answered["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["NumberOfDecreasesToday"]) == (15, 0)
    assert "LastDecreaseDateTime" in throughput
    throughput = ddb.describe_table(TableName="paid")["Table"]["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["NumberOfDecreasesToday"]) == (5, 1)


@pytest.mark.provenance("aws")
def test_on_demand_throughput_is_remembered(ddb: Any) -> None:
    created = ddb.create_table(
        TableName="capped",
        KeySchema=KEY,
        AttributeDefinitions=DEF + [{"AttributeName": "g", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        OnDemandThroughput={"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 50},
        GlobalSecondaryIndexes=[{**GSI, "OnDemandThroughput": {"MaxReadRequestUnits": 20, "MaxWriteRequestUnits": 10}}],
    )["TableDescription"]
    assert created["OnDemandThroughput"] == {"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 50}
    assert created["GlobalSecondaryIndexes"][0]["OnDemandThroughput"] == {
        "MaxReadRequestUnits": 20,
        "MaxWriteRequestUnits": 10,
    }
    ddb.update_table(TableName="capped", OnDemandThroughput={"MaxReadRequestUnits": 200})
    ddb.update_table(
        TableName="capped",
        GlobalSecondaryIndexUpdates=[
            {"Update": {"IndexName": "byg", "OnDemandThroughput": {"MaxWriteRequestUnits": 30}}}
        ],
    )
    described = ddb.describe_table(TableName="capped")["Table"]
    assert described["OnDemandThroughput"] == {"MaxReadRequestUnits": 200, "MaxWriteRequestUnits": 50}
    assert described["GlobalSecondaryIndexes"][0]["OnDemandThroughput"] == {
        "MaxReadRequestUnits": 20,
        "MaxWriteRequestUnits": 30,
    }


@pytest.mark.provenance("aws")
def test_a_table_without_limits_shows_no_on_demand_throughput(ddb: Any, table: str) -> None:
    assert "OnDemandThroughput" not in ddb.describe_table(TableName=table)["Table"]


@pytest.mark.provenance("aws")
def test_provisioned_gsi_without_capacity_is_worded_per_operation(ddb: Any) -> None:
    capacity = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    assert error_of(
        ddb.create_table,
        TableName="paid",
        KeySchema=KEY,
        AttributeDefinitions=DEF + [{"AttributeName": "g", "AttributeType": "S"}],
        ProvisionedThroughput=capacity,
        GlobalSecondaryIndexes=[GSI],
    ) == (
        "ValidationException",
        "One or more parameter values were invalid: ProvisionedThroughput is not specified for index: byg",
    )
    ddb.create_table(TableName="paid", KeySchema=KEY, AttributeDefinitions=DEF, ProvisionedThroughput=capacity)
    assert error_of(
        ddb.update_table,
        TableName="paid",
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": GSI}],
    ) == (
        "ValidationException",
        "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: byg",
    )


@pytest.mark.provenance("aws")
def test_leaving_on_demand_needs_capacity_for_every_index(ddb: Any) -> None:
    second = {**GSI, "IndexName": "byh", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}]}
    make_table(
        ddb,
        "flip",
        definitions=[{"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "h", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[GSI, second],
    )
    capacity = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    assert error_of(ddb.update_table, TableName="flip", BillingMode="PROVISIONED", ProvisionedThroughput=capacity) == (
        "ValidationException",
        "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: byg,byh",
    )
    assert ddb.describe_table(TableName="flip")["Table"]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ddb.update_table(
        TableName="flip",
        BillingMode="PROVISIONED",
        ProvisionedThroughput=capacity,
        GlobalSecondaryIndexUpdates=[
            {"Update": {"IndexName": name, "ProvisionedThroughput": capacity}} for name in ("byg", "byh")
        ],
    )
    described = ddb.describe_table(TableName="flip")["Table"]
    assert described["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert [index["ProvisionedThroughput"]["ReadCapacityUnits"] for index in described["GlobalSecondaryIndexes"]] == [
        5,
        5,
    ]


@pytest.mark.provenance("aws")
def test_switching_to_on_demand_answers_the_switch_under_way(ddb: Any) -> None:
    capacity = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    ddb.create_table(
        TableName="paid",
        KeySchema=KEY,
        AttributeDefinitions=DEF + [{"AttributeName": "g", "AttributeType": "S"}],
        ProvisionedThroughput=capacity,
        GlobalSecondaryIndexes=[{**GSI, "ProvisionedThroughput": capacity}],
    )
    answered = ddb.update_table(TableName="paid", BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert answered["TableStatus"] == "UPDATING"
    assert answered["BillingModeSummary"] == {"BillingMode": "PAY_PER_REQUEST"}
    assert answered["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert [index["IndexStatus"] for index in answered["GlobalSecondaryIndexes"]] == ["UPDATING"]
    described = ddb.describe_table(TableName="paid")["Table"]
    assert "LastUpdateToPayPerRequestDateTime" in described["BillingModeSummary"]
    assert described["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"


@pytest.mark.provenance("aws")
def test_a_refused_update_changes_nothing(ddb: Any) -> None:
    capacity = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    ddb.create_table(
        TableName="paid",
        KeySchema=KEY,
        AttributeDefinitions=DEF + [{"AttributeName": "g", "AttributeType": "S"}],
        ProvisionedThroughput=capacity,
        GlobalSecondaryIndexes=[{**GSI, "ProvisionedThroughput": capacity}],
    )
    code, message = error_of(
        ddb.update_table,
        TableName="paid",
        StreamSpecification={"StreamEnabled": False},  # no stream to disable: refused after the index update
        GlobalSecondaryIndexUpdates=[
            {"Update": {"IndexName": "byg", "ProvisionedThroughput": {"ReadCapacityUnits": 9, "WriteCapacityUnits": 9}}}
        ],
    )
    assert (code, message) == ("ValidationException", "Table has no stream to disable: TableName: paid")
    index = ddb.describe_table(TableName="paid")["Table"]["GlobalSecondaryIndexes"][0]
    assert index["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
