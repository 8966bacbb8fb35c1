"""Expression behaviours where DynamoDB's answer is easy to get wrong: updates that create nothing,
comparisons with missing attributes, NOT chains, names that need placeholders, nesting limits,
legacy operand types, and index backfills skipping empty keys (measured against AWS: issue #14)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.dynamodb.conftest import make_table

INVALID = "One or more parameter values were invalid: "


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    ("expression", "values"),
    [("REMOVE a", None), ("REMOVE a.b[2].c", None), ("DELETE s :v", {":v": {"SS": ["x"]}}), ("REMOVE a, b", None)],
)
def test_an_update_that_only_removes_creates_no_item(ddb: Any, expression: str, values: Any) -> None:
    table = make_table(ddb, sort=None)
    extra = {"ExpressionAttributeValues": values} if values else {}
    answer = ddb.update_item(
        TableName=table, Key={"pk": {"S": "k"}}, UpdateExpression=expression, ReturnValues="ALL_NEW", **extra
    )
    assert "Attributes" not in answer
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "k"}})
    assert ddb.scan(TableName=table)["Count"] == 0
    # In a transaction too; and a SET still creates the item.
    ddb.transact_write_items(
        TransactItems=[
            {"Update": {"TableName": table, "Key": {"pk": {"S": "t"}}, "UpdateExpression": expression, **extra}}
        ]
    )
    assert ddb.scan(TableName=table)["Count"] == 0
    ddb.update_item(TableName=table, Key={"pk": {"S": "k"}}, UpdateExpression="SET x = :x",
                    ExpressionAttributeValues={":x": {"N": "1"}})  # fmt: skip
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "k"}})["Item"] == {"pk": {"S": "k"}, "x": {"N": "1"}}


def test_conditions_on_missing_attributes_and_not_chains(ddb: Any) -> None:
    table = make_table(ddb, sort=None)
    ddb.put_item(TableName=table, Item={"pk": {"S": "k"}})
    put = {"TableName": table, "Item": {"pk": {"S": "k"}}}
    ddb.put_item(**put, ConditionExpression="a <> b")  # both missing: a <> b holds
    assert error_of(ddb.put_item, **put, ConditionExpression="a = b")[0] == "ConditionalCheckFailedException"
    ddb.put_item(**put, ConditionExpression="NOT NOT attribute_exists(pk)")
    ddb.put_item(**put, ConditionExpression="NOT NOT NOT attribute_not_exists(pk)")
    assert error_of(ddb.put_item, **put, ConditionExpression="NOT NOT attribute_not_exists(pk)")[0] == (
        "ConditionalCheckFailedException"
    )


def test_legacy_expected_checks_operand_types_and_not_contains_needs_the_attribute(ddb: Any) -> None:
    table = make_table(ddb, sort=None)
    ddb.put_item(TableName=table, Item={"pk": {"S": "k"}})
    put = {"TableName": table, "Item": {"pk": {"S": "k"}}}
    for operator, values in [("LE", [{"L": []}]), ("IN", [{"L": []}]), ("BEGINS_WITH", [{"N": "1"}]),
                             ("CONTAINS", [{"M": {}}]), ("BETWEEN", [{"L": []}, {"L": []}])]:  # fmt: skip
        expected = {"a": {"ComparisonOperator": operator, "AttributeValueList": values}}
        code, message = error_of(ddb.put_item, **put, Expected=expected)
        kind = next(iter(values[0]))
        assert (code, message) == (
            "ValidationException",
            f"{INVALID}ComparisonOperator {operator} is not valid for {kind} AttributeValue type",
        )
    not_contains = {"a": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "x"}]}}
    assert error_of(ddb.put_item, **put, Expected=not_contains)[0] == "ConditionalCheckFailedException"
    ddb.put_item(TableName=table, Item={"pk": {"S": "k"}, "a": {"S": "abc"}})
    ddb.put_item(**put, Expected=not_contains)  # present and without "x": holds


def test_names_starting_with_an_underscore_need_a_placeholder(ddb: Any) -> None:
    table = make_table(ddb, sort=None)
    key = {"TableName": table, "Key": {"pk": {"S": "k"}}, "ExpressionAttributeValues": {":v": {"S": "x"}}}
    assert error_of(ddb.update_item, **key, UpdateExpression="SET _123 = :v") == (
        "ValidationException",
        '1 validation error detected: Invalid UpdateExpression: Syntax error; token: "_", near: "SET _123"',
    )
    ddb.update_item(**key, UpdateExpression="SET #u = :v, a_1 = :v", ExpressionAttributeNames={"#u": "_123"})
    item = ddb.get_item(TableName=table, Key={"pk": {"S": "k"}})["Item"]
    assert item["_123"] == item["a_1"] == {"S": "x"}


def test_list_append_does_not_nest_in_itself(ddb: Any) -> None:
    table = make_table(ddb, sort=None)
    key = {"TableName": table, "Key": {"pk": {"S": "k"}}, "ExpressionAttributeValues": {":a": {"L": [{"N": "1"}]}}}
    assert error_of(ddb.update_item, **key, UpdateExpression="SET l = list_append(list_append(:a, :a), :a)") == (
        "ValidationException",
        "1 validation error detected: Invalid UpdateExpression: The function is not allowed to be used this way in "
        "an expression; function: list_append",
    )
    ddb.update_item(**key, UpdateExpression="SET l = list_append(if_not_exists(l, :a), :a)")
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "k"}})["Item"]["l"] == {"L": [{"N": "1"}, {"N": "1"}]}


def test_projection_paths_nest_at_most_32_levels(ddb: Any) -> None:
    table = make_table(ddb, sort=None)
    get = {"TableName": table, "Key": {"pk": {"S": "k"}}}
    ddb.get_item(**get, ProjectionExpression=".".join(["a"] * 32))
    assert error_of(ddb.get_item, **get, ProjectionExpression=".".join(["a"] * 33)) == (
        "ValidationException",
        "Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33",
    )


def test_a_new_index_skips_items_whose_key_is_empty(ddb: Any) -> None:
    table = make_table(ddb, sort=None)
    ddb.put_item(TableName=table, Item={"pk": {"S": "empty"}, "g": {"S": ""}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "full"}, "g": {"S": "x"}})
    ddb.update_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "by-g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }  # fmt: skip
        ],
    )
    for _ in range(200):
        if ddb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE":
            break
        time.sleep(0.05)
    scanned = ddb.scan(TableName=table, IndexName="by-g")["Items"]
    assert [item["pk"]["S"] for item in scanned] == ["full"]
