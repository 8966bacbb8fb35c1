"""Item and batch request checks found by sending the same requests to Fogbank and dynalite.

Sources for the expected answers: ExtendDB's legacy-parameter tests run against Amazon DynamoDB
(ConditionalOperator), applications matching real DynamoDB's wording (an empty attribute name) and dynalite's
test/batchWriteItem.js, recorded against AWS (an empty WriteRequest).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import error_of, make_table

WITHOUT_CONDITIONS = "ConditionalOperator cannot be used without Filter or Expected"
ONE_CONDITION = "ConditionalOperator can only be used when Filter or Expected has two or more elements"
NOT_ONE = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
KEY = {"pk": {"S": "k1"}}
EQ_X = {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]}


@pytest.fixture
def raw(client: Any) -> Any:
    """A client that sends requests botocore itself would refuse."""
    return client("dynamodb", parameter_validation=False)


# -- ConditionalOperator ------------------------------------------------------------------------------


def test_conditional_operator_needs_legacy_conditions(ddb: Any, hash_table: str) -> None:
    calls = [
        (ddb.put_item, {"Item": KEY}),
        (ddb.delete_item, {"Key": KEY}),
        (ddb.update_item, {"Key": KEY}),
        (ddb.update_item, {"Key": KEY, "AttributeUpdates": {"a": {"Value": {"S": "v"}, "Action": "PUT"}}}),
        (ddb.scan, {}),
        (ddb.scan, {"ScanFilter": {}}),
        (ddb.scan, {"AttributesToGet": ["a", "b"]}),
        (ddb.query, {"KeyConditions": {"pk": EQ_X}}),
    ]
    for call, extra in calls:
        assert error_of(call, TableName=hash_table, ConditionalOperator="AND", **extra) == (
            "ValidationException",
            WITHOUT_CONDITIONS,
        ), (call, extra)


def test_conditional_operator_is_checked_before_the_missing_key_condition(ddb: Any, hash_table: str) -> None:
    assert error_of(ddb.query, TableName=hash_table, ConditionalOperator="OR") == (
        "ValidationException",
        WITHOUT_CONDITIONS,
    )


def test_conditional_operator_needs_two_conditions(ddb: Any, hash_table: str) -> None:
    calls = [
        (ddb.put_item, {"Item": KEY, "Expected": {"a": EQ_X}}),
        (ddb.delete_item, {"Key": KEY, "Expected": {"a": EQ_X}}),
        (ddb.scan, {"ScanFilter": {"a": EQ_X}}),
        (ddb.query, {"KeyConditions": {"pk": EQ_X}, "QueryFilter": {"a": EQ_X}}),
    ]
    for call, extra in calls:
        assert error_of(call, TableName=hash_table, ConditionalOperator="AND", **extra) == (
            "ValidationException",
            ONE_CONDITION,
        ), (call, extra)
    # Two conditions are fine.
    ddb.scan(TableName=hash_table, ConditionalOperator="OR", ScanFilter={"a": EQ_X, "b": EQ_X})
    ddb.put_item(
        TableName=hash_table,
        Item=KEY,
        ConditionalOperator="OR",
        Expected={"a": {"Exists": False}, "b": {"Exists": False}},
    )


def test_conditional_operator_with_an_expression_is_a_mixing_error(ddb: Any, hash_table: str) -> None:
    code, message = error_of(
        ddb.update_item,
        TableName=hash_table,
        Key=KEY,
        ConditionalOperator="AND",
        UpdateExpression="SET a = :v",
        ExpressionAttributeValues={":v": {"S": "x"}},
    )
    assert message.endswith(
        "Non-expression parameters: {ConditionalOperator} Expression parameters: {UpdateExpression}"
    )


# -- ExpressionAttributeNames ---------------------------------------------------------------------------


def test_an_empty_attribute_name_is_refused(ddb: Any, hash_table: str, table: str) -> None:
    expected = (
        "ValidationException",
        "ExpressionAttributeNames contains invalid value: Empty attribute name for key #x",
    )
    names = {"#x": ""}
    assert (
        error_of(
            ddb.update_item,
            TableName=hash_table,
            Key=KEY,
            UpdateExpression="SET #x = :n",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={":n": {"N": "1"}},
        )
        == expected
    )
    assert (
        error_of(ddb.get_item, TableName=hash_table, Key=KEY, ProjectionExpression="#x", ExpressionAttributeNames=names)
        == expected
    )
    assert (
        error_of(
            ddb.batch_get_item,
            RequestItems={hash_table: {"Keys": [KEY], "ProjectionExpression": "#x", "ExpressionAttributeNames": names}},
        )
        == expected
    )


# -- BatchGetItem and BatchWriteItem ---------------------------------------------------------------------


def test_batch_get_refuses_a_projection_into_a_key_attribute(ddb: Any, hash_table: str) -> None:
    assert error_of(ddb.batch_get_item, RequestItems={hash_table: {"Keys": [KEY], "ProjectionExpression": "pk.x"}}) == (
        "ValidationException",
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk",
    )


def test_batch_get_checks_index_keys_in_projections(ddb: Any) -> None:
    name = make_table(
        ddb,
        "indexed",
        sort=None,
        definitions=[{"AttributeName": "g", "AttributeType": "N"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    assert error_of(ddb.batch_get_item, RequestItems={name: {"Keys": [KEY], "ProjectionExpression": "a, g[0]"}}) == (
        "ValidationException",
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: g",
    )


@pytest.mark.parametrize(
    "write",
    [{}, {"PutRequest": {"Item": KEY}, "DeleteRequest": {"Key": KEY}}],
    ids=["neither", "both"],
)
def test_a_write_request_needs_exactly_one_request(raw: Any, hash_table: str, write: dict) -> None:
    assert error_of(raw.batch_write_item, RequestItems={hash_table: [write]}) == ("ValidationException", NOT_ONE)
    # Checked with the values, before the table is looked up.
    assert error_of(raw.batch_write_item, RequestItems={"nowhere": [write]}) == ("ValidationException", NOT_ONE)
