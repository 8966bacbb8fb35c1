"""DynamoDB's limits on expressions: 4 KB of raw text each (messages captured from AWS), and no expression,
however nested, ends in an internal error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import error_of, make_table

TOO_LONG = "Expression size has exceeded the maximum allowed size;"


@pytest.fixture
def name(ddb: Any) -> str:
    name = make_table(ddb, sort=None)
    ddb.put_item(TableName=name, Item={"pk": {"S": "k1"}, "a": {"N": "1"}})
    return name


def long_name(size: int) -> str:
    return "a" + "z" * (size - 1)


def test_projection_over_the_limit(ddb: Any, name: str) -> None:
    key = {"pk": {"S": "k1"}}
    assert error_of(ddb.get_item, TableName=name, Key=key, ProjectionExpression=long_name(4097)) == (
        "ValidationException",
        f"Invalid ProjectionExpression: {TOO_LONG}",
    )
    assert ddb.get_item(TableName=name, Key=key, ProjectionExpression=long_name(4096)).get("Item", {}) == {}


def test_filter_and_condition_say_the_size(ddb: Any, name: str) -> None:
    expression = f"{long_name(4097)} = :v"
    values = {":v": {"S": "x"}}
    assert error_of(ddb.scan, TableName=name, FilterExpression=expression, ExpressionAttributeValues=values) == (
        "ValidationException",
        f"Invalid FilterExpression: {TOO_LONG} expression size: {len(expression)}",
    )
    condition = f"attribute_not_exists({long_name(4097)})"
    assert error_of(ddb.put_item, TableName=name, Item={"pk": {"S": "x"}}, ConditionExpression=condition) == (
        "ValidationException",
        # PutItem, UpdateItem and DeleteItem word input faults inside the validation envelope (AWS, 2026-10).
        f"1 validation error detected: Invalid ConditionExpression: {TOO_LONG} expression size: {len(condition)}",
    )
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "x"}})


def test_key_condition_and_update_do_not(ddb: Any, name: str) -> None:
    values = {":p": {"S": "k1"}, ":q": {"S": "x"}}
    key_condition = f"pk = :p AND {long_name(4097)} = :q"
    assert error_of(
        ddb.query, TableName=name, KeyConditionExpression=key_condition, ExpressionAttributeValues=values
    ) == (
        "ValidationException",
        f"Invalid KeyConditionExpression: {TOO_LONG}",
    )
    update = f"SET {long_name(4097)} = :q"
    key = {"pk": {"S": "k1"}}
    assert error_of(
        ddb.update_item, TableName=name, Key=key, UpdateExpression=update, ExpressionAttributeValues={":q": {"S": "x"}}
    ) == ("ValidationException", f"1 validation error detected: Invalid UpdateExpression: {TOO_LONG}")


def test_the_limit_counts_bytes_of_the_raw_text(ddb: Any, name: str) -> None:
    # Placeholders keep the text short however long the names they stand for.
    names = {f"#a{i}": f"attribute{i}" * 20 for i in range(680)}
    projection = ",".join(names)
    assert len(projection) <= 4096
    ddb.get_item(
        TableName=name, Key={"pk": {"S": "k1"}}, ProjectionExpression=projection, ExpressionAttributeNames=names
    )
    wide = "é" * 2049  # 4098 bytes in UTF-8, 2049 characters
    assert error_of(ddb.get_item, TableName=name, Key={"pk": {"S": "k1"}}, ProjectionExpression=wide)[1] == (
        f"Invalid ProjectionExpression: {TOO_LONG}"
    )


def test_deeply_nested_expressions_are_refused_not_failed(ddb: Any, name: str) -> None:
    nested = "(a = :v AND " * 300 + "a = :v" + ")" * 300
    code, message = error_of(
        ddb.scan, TableName=name, FilterExpression=nested, ExpressionAttributeValues={":v": {"N": "1"}}
    )
    assert code == "ValidationException" and message.startswith("Invalid FilterExpression: ")
    long_chain = " AND ".join(["a=:v"] * 400)  # within 4 KB: evaluated as any other condition
    ddb.put_item(
        TableName=name,
        Item={"pk": {"S": "k1"}, "a": {"N": "1"}},
        ConditionExpression=long_chain,
        ExpressionAttributeValues={":v": {"N": "1"}},
    )


def test_in_takes_at_most_a_hundred_operands(ddb: Any, name: str) -> None:
    values = {f":v{i}": {"N": str(i)} for i in range(101)}
    hundred = "a IN (" + ", ".join(list(values)[:100]) + ")"
    hundred_values = dict(list(values.items())[:100])
    assert ddb.scan(TableName=name, FilterExpression=hundred, ExpressionAttributeValues=hundred_values)["Count"] == 1
    too_many = "a IN (" + ", ".join(values) + ")"
    assert error_of(ddb.scan, TableName=name, FilterExpression=too_many, ExpressionAttributeValues=values) == (
        "ValidationException",
        "Invalid FilterExpression: The IN operator is provided with too many operands; number of operands: 101",
    )
