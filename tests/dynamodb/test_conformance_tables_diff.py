"""Table API checks found by sending the same requests to dynalite and Fogbank, settled by real-AWS recordings
(ack-api-quirks, verified 2026-10) where the two differ."""

from __future__ import annotations

from typing import Any

from tests.dynamodb.conftest import error_of, make_table

KEY = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEF = [{"AttributeName": "pk", "AttributeType": "S"}]
ONE = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
NULL = "failed to satisfy constraint: Member must not be null"


def test_create_table_without_key_schema_or_definitions_is_a_validation_error(client: Any) -> None:
    ddb = client("dynamodb", parameter_validation=False)
    assert error_of(ddb.create_table, TableName="nokeys", AttributeDefinitions=DEF, ProvisionedThroughput=ONE) == (
        "ValidationException",
        f"1 validation error detected: Value null at 'keySchema' {NULL}",
    )
    assert error_of(ddb.create_table, TableName="nodefs", KeySchema=KEY, ProvisionedThroughput=ONE) == (
        "ValidationException",
        f"1 validation error detected: Value null at 'attributeDefinitions' {NULL}",
    )
    assert error_of(ddb.create_table, TableName="nothing", ProvisionedThroughput=ONE) == (
        "ValidationException",
        f"2 validation errors detected: Value null at 'attributeDefinitions' {NULL}; Value null at 'keySchema' {NULL}",
    )


def test_a_table_key_schema_has_at_most_two_elements(client: Any) -> None:
    ddb = client("dynamodb", parameter_validation=False)
    keys = KEY + [{"AttributeName": "a", "KeyType": "RANGE"}, {"AttributeName": "b", "KeyType": "RANGE"}]
    definitions = DEF + [{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}]
    code, message = error_of(
        ddb.create_table, TableName="three", KeySchema=keys, AttributeDefinitions=definitions, ProvisionedThroughput=ONE
    )
    assert code == "ValidationException"
    assert message.startswith("1 validation error detected: Value '[com.amazonaws.dynamodb.v20120810.KeySchemaElement@")
    assert message.endswith(
        "' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2"
    )


def test_a_multi_attribute_gsi_key_is_refused_not_built_wrong(ddb: Any) -> None:
    definitions = DEF + [{"AttributeName": n, "AttributeType": "S"} for n in ("a", "b", "c")]
    index = {
        "IndexName": "multi",
        "KeySchema": [
            {"AttributeName": "a", "KeyType": "HASH"},
            {"AttributeName": "b", "KeyType": "RANGE"},
            {"AttributeName": "c", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }
    code, _ = error_of(
        ddb.create_table,
        TableName="multi",
        KeySchema=KEY,
        AttributeDefinitions=definitions,
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[index],
    )
    assert code == "NotImplemented"
    assert "multi" not in ddb.list_tables()["TableNames"]


def test_provisioned_billing_mode_needs_throughput_on_update(ddb: Any) -> None:
    ddb.create_table(TableName="paid", KeySchema=KEY, AttributeDefinitions=DEF, ProvisionedThroughput=ONE)
    on_demand = make_table(ddb, "ondemand", sort=None)
    message = "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
    for name in ("paid", on_demand, "missing"):
        assert error_of(ddb.update_table, TableName=name, BillingMode="PROVISIONED") == ("ValidationException", message)
    # Naming the mode the table already has does not make an unchanged capacity a change.
    code, message = error_of(ddb.update_table, TableName="paid", BillingMode="PROVISIONED", ProvisionedThroughput=ONE)
    assert message.startswith("The provisioned throughput for the table will not change.")


def test_an_empty_gsi_update_list_is_no_update(ddb: Any, table: str) -> None:
    code, message = error_of(ddb.update_table, TableName=table, GlobalSecondaryIndexUpdates=[])
    assert code == "ValidationException"
    assert message.startswith("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, ")


def test_warm_throughput_below_the_floor_points_to_the_guide(ddb: Any) -> None:
    code, message = error_of(
        ddb.create_table,
        TableName="cold",
        KeySchema=KEY,
        AttributeDefinitions=DEF,
        BillingMode="PAY_PER_REQUEST",
        WarmThroughput={"ReadUnitsPerSecond": 1, "WriteUnitsPerSecond": 1},
    )
    assert message == (
        "One or more parameter values were invalid: Requested ReadUnitsPerSecond for WarmThroughput for table is "
        "lower than initial throughput for OnDemand. See: "
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html"
        "#on-demand-capacity-mode-initial"
    )


def test_create_table_answers_what_exists_at_that_instant(ddb: Any) -> None:
    created = ddb.create_table(
        TableName="fresh", KeySchema=KEY, AttributeDefinitions=DEF, BillingMode="PAY_PER_REQUEST"
    )
    described = created["TableDescription"]
    assert described["BillingModeSummary"] == {"BillingMode": "PAY_PER_REQUEST"}
    assert "WarmThroughput" not in described
    later = ddb.describe_table(TableName="fresh")["Table"]
    assert "LastUpdateToPayPerRequestDateTime" in later["BillingModeSummary"] and "WarmThroughput" in later

    warm = {"ReadUnitsPerSecond": 12001, "WriteUnitsPerSecond": 4001}
    created = ddb.create_table(
        TableName="prewarmed",
        KeySchema=KEY,
        AttributeDefinitions=DEF,
        BillingMode="PAY_PER_REQUEST",
        WarmThroughput=warm,
    )
    assert created["TableDescription"]["WarmThroughput"] == {**warm, "Status": "UPDATING"}


def test_an_explicitly_provisioned_table_shows_no_billing_summary(ddb: Any) -> None:
    ddb.create_table(
        TableName="explicit",
        KeySchema=KEY,
        AttributeDefinitions=DEF,
        BillingMode="PROVISIONED",
        ProvisionedThroughput=ONE,
    )
    assert "BillingModeSummary" not in ddb.describe_table(TableName="explicit")["Table"]


def test_a_provisioned_table_is_warm_to_its_capacity(ddb: Any) -> None:
    ddb.create_table(
        TableName="small",
        KeySchema=KEY,
        AttributeDefinitions=DEF,
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
    )
    warm = ddb.describe_table(TableName="small")["Table"]["WarmThroughput"]
    assert warm == {"ReadUnitsPerSecond": 5, "WriteUnitsPerSecond": 3, "Status": "ACTIVE"}
