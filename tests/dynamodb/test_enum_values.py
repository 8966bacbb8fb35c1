"""Enum values listed in AWS's own order when a request carries a value outside them.

The expected messages are the ones dynalite's tests recorded from the real service; the client's own
parameter validation is off so the bad value reaches the server.

Provenance of each test's expected answers: its ``provenance`` marker (registered in pyproject.toml)."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.model import ServiceModel

from fogbank.protocols.validate import register_enum_order, summary, validate
from tests.dynamodb.conftest import error_of

KEY = {"pk": {"S": "a"}}
TABLE = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEFINITIONS = [{"AttributeName": "pk", "AttributeType": "S"}]


@pytest.fixture
def raw(client: Any) -> Any:
    return client("dynamodb", parameter_validation=False)


def _enum_error(value: str, at: str, allowed: str) -> tuple[str, str]:
    return (
        "ValidationException",
        f"1 validation error detected: Value '{value}' at '{at}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{allowed}]",
    )


RETURN_VALUES = "ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW"
COMPARISON = "IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS"


@pytest.mark.provenance("dynalite", "dynamodb-conformance")
def test_return_values(raw: Any) -> None:
    expected = _enum_error("hi", "returnValues", RETURN_VALUES)
    assert error_of(raw.put_item, TableName="abc", Item=KEY, ReturnValues="hi") == expected
    assert error_of(raw.delete_item, TableName="abc", Key=KEY, ReturnValues="hi") == expected
    # UpdateItem's newer validator (us-east-1 since 2026-10) names neither member nor value, lists AWS's own
    # set (UPDATE_NEW sic) and stops there.
    newer = (
        "ValidationException",
        "1 validation error detected: Failed to satisfy constraint: Member must satisfy enum value set: "
        "[ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATE_NEW, NONE]",
    )
    assert error_of(raw.update_item, TableName="abc", Key=KEY, ReturnValues="hi") == newer
    assert error_of(raw.update_item, TableName="abc", Key=KEY, ReturnValues="hi", ReturnConsumedCapacity="x") == newer


@pytest.mark.provenance("dynamodb-conformance")
def test_an_empty_table_name_stops_item_writes_at_once(raw: Any) -> None:
    """The newer validator (us-east-1 since 2026-10) reports an empty TableName alone, as 'TableName'."""
    expected = (
        "ValidationException",
        "1 validation error detected: Value at 'TableName' failed to satisfy constraint: Member must have length "
        "greater than or equal to 1",
    )
    assert error_of(raw.put_item, TableName="", Item={}, ReturnValues="INVALID") == expected
    assert error_of(raw.update_item, TableName="", Key={}, ReturnValues="INVALID") == expected
    assert error_of(raw.delete_item, TableName="", Key={}) == expected


@pytest.mark.provenance("dynalite")
def test_return_consumed_capacity_and_item_collection_metrics(raw: Any) -> None:
    assert error_of(raw.get_item, TableName="abc", Key=KEY, ReturnConsumedCapacity="hi") == _enum_error(
        "hi", "returnConsumedCapacity", "INDEXES, TOTAL, NONE"
    )
    assert error_of(raw.put_item, TableName="abc", Item=KEY, ReturnItemCollectionMetrics="hi") == _enum_error(
        "hi", "returnItemCollectionMetrics", "SIZE, NONE"
    )


@pytest.mark.provenance("dynalite")
def test_select_and_conditional_operator(raw: Any) -> None:
    select = "SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES"
    assert error_of(raw.scan, TableName="abc", Select="hi") == _enum_error("hi", "select", select)
    assert error_of(raw.query, TableName="abc", Select="hi") == _enum_error("hi", "select", select)
    assert error_of(raw.scan, TableName="abc", ConditionalOperator="AN") == _enum_error(
        "AN", "conditionalOperator", "OR, AND"
    )


@pytest.mark.provenance("dynalite")
def test_comparison_operator(raw: Any) -> None:
    conditions = {"a": {"ComparisonOperator": "XX"}}
    assert error_of(raw.query, TableName="abc", KeyConditions=conditions) == _enum_error(
        "XX", "keyConditions.a.member.comparisonOperator", COMPARISON
    )
    assert error_of(raw.scan, TableName="abc", ScanFilter=conditions) == _enum_error(
        "XX", "scanFilter.a.member.comparisonOperator", COMPARISON
    )


@pytest.mark.provenance("dynalite")
def test_create_table_enums(raw: Any) -> None:
    base = {"TableName": "abc", "BillingMode": "PAY_PER_REQUEST"}
    bad_type = [{"AttributeName": "pk", "AttributeType": "SS"}]
    assert error_of(raw.create_table, KeySchema=TABLE, AttributeDefinitions=bad_type, **base) == _enum_error(
        "SS", "attributeDefinitions.1.member.attributeType", "B, N, S"
    )
    bad_key = [{"AttributeName": "pk", "KeyType": "Woop"}]
    assert error_of(raw.create_table, KeySchema=bad_key, AttributeDefinitions=DEFINITIONS, **base) == _enum_error(
        "Woop", "keySchema.1.member.keyType", "HASH, RANGE"
    )
    assert error_of(
        raw.create_table, TableName="abc", KeySchema=TABLE, AttributeDefinitions=DEFINITIONS, BillingMode="A"
    ) == _enum_error("A", "billingMode", "PROVISIONED, PAY_PER_REQUEST")


@pytest.mark.provenance("dynalite")
def test_projection_type(raw: Any) -> None:
    index = {
        "IndexName": "byother",
        "KeySchema": [{"AttributeName": "other", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "abc"},
    }
    definitions = [*DEFINITIONS, {"AttributeName": "other", "AttributeType": "S"}]
    code, message = error_of(
        raw.create_table,
        TableName="abc",
        KeySchema=TABLE,
        AttributeDefinitions=definitions,
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[index],
    )
    assert (code, message) == _enum_error(
        "abc", "globalSecondaryIndexes.1.member.projection.projectionType", "ALL, INCLUDE, KEYS_ONLY"
    )


@pytest.mark.provenance("dynalite")
def test_valid_values_still_accepted(raw: Any, table: str) -> None:
    """Only the message's order changed: every value the model allows still passes."""
    item = {"pk": {"S": "a"}, "sk": {"S": "b"}}
    raw.put_item(TableName=table, Item=item)
    for value in ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"):
        raw.update_item(
            TableName=table,
            Key=item,
            UpdateExpression="SET n = :n",
            ExpressionAttributeValues={":n": {"N": "1"}},
            ReturnValues=value,
        )
    assert raw.scan(TableName=table, Select="COUNT")["Count"] == 1


@pytest.mark.provenance("dynalite")
def test_recorded_order_never_changes_the_accepted_set() -> None:
    """A recorded list naming a value the model lacks, and missing one it has, only reorders the model's."""
    loader = botocore.session.get_session().get_component("data_loader")
    model = ServiceModel(loader.load_service_model("dynamodb", "service-2"), "dynamodb")  # its own resolver
    shape = model.operation_model("PutItem").input_shape
    params = {"TableName": "abc", "Item": {}, "ReturnValues": "hi"}
    before = summary(validate(shape, params))
    assert before.endswith("[NONE, ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW]")  # the model's order
    register_enum_order(model, "ReturnValue", ["UPDATED_NEW", "BOGUS", "ALL_OLD"])
    after = summary(validate(shape, params))
    assert after.endswith("[UPDATED_NEW, ALL_OLD, NONE, UPDATED_OLD, ALL_NEW]")
    assert validate(shape, {**params, "ReturnValues": "BOGUS"}) != []
    assert validate(shape, {**params, "ReturnValues": "UPDATED_OLD"}) == []
