"""Documents nested far deeper than DynamoDB's 32 levels get DynamoDB's answer, never an internal error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import cancellation, error_of, make_table, post

TOO_DEEP = (
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
)


def nested(kind: str, depth: int) -> str:
    value = '{"S":"x"}'
    for _ in range(depth):
        value = '{"M":{"a":' + value + "}}" if kind == "M" else '{"L":[' + value + "]}"
    return value


@pytest.mark.parametrize("kind", ["M", "L"])
@pytest.mark.parametrize("depth", [33, 200, 450])
def test_deep_items_are_refused_as_too_deep(ddb: Any, fogbank_endpoint: str, kind: str, depth: int) -> None:
    name = make_table(ddb, sort=None)
    status, answer = post(
        fogbank_endpoint, "PutItem", f'{{"TableName":"{name}","Item":{{"pk":{{"S":"1"}},"d":{nested(kind, depth)}}}}}'
    )
    assert (status, answer["__type"].rpartition("#")[2]) == (400, "ValidationException")
    # PutItem words a value it checks inside the validation envelope (as AWS, 2026-10); documents nested past
    # what the request decoder walks (100 levels) are refused before any operation sees them, bare.
    enveloped = depth <= 100
    assert answer["message"] == ("1 validation error detected: " if enveloped else "") + TOO_DEEP
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "1"}})


def test_deep_malformed_values_are_a_client_error(ddb: Any, fogbank_endpoint: str) -> None:
    # Two types in each value take the model's generic decoder at every level.
    value = '{"S":"x"}'
    for _ in range(480):
        value = '{"M":{"a":' + value + '},"NULL":true}'
    name = make_table(ddb, sort=None)
    status, answer = post(
        fogbank_endpoint, "PutItem", f'{{"TableName":"{name}","Item":{{"pk":{{"S":"1"}},"d":{value}}}}}'
    )
    assert status == 400, answer
    ddb.put_item(TableName=name, Item={"pk": {"S": "2"}})  # still serving


@pytest.mark.parametrize("kind", ["M", "L"])
def test_json_nested_past_a_thousand_levels_is_a_client_error(ddb: Any, fogbank_endpoint: str, kind: str) -> None:
    # 900 item levels are 1,800 JSON levels: past what JSON parsers take (AWS's among them).
    name = make_table(ddb, sort=None)
    status, answer = post(
        fogbank_endpoint, "PutItem", f'{{"TableName":"{name}","Item":{{"pk":{{"S":"1"}},"d":{nested(kind, 900)}}}}}'
    )
    assert status == 400 and answer["__type"].rpartition("#")[2] in ("SerializationException", "ValidationException")
    ddb.put_item(TableName=name, Item={"pk": {"S": "2"}})  # still serving


def deep_map(levels: int) -> dict[str, Any]:
    """A value spanning ``levels`` levels of single-entry maps above a string."""
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(levels):
        value = {"M": {"n": value}}
    return value


@pytest.mark.provenance("dynamodb-conformance")
def test_nesting_limit_by_operation(ddb: Any) -> None:
    """32 levels, the attribute being the first: recorded from AWS (eu-west-2, us-east-1, 2026-09/10)."""
    name = make_table(ddb, sort=None)
    ddb.put_item(TableName=name, Item={"pk": {"S": "ok"}, "d": deep_map(31)})
    ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": "b"}, "d": deep_map(31)}}}]})
    ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": name, "Item": {"pk": {"S": "t"}, "d": deep_map(31)}}}]
    )
    too_deep = {"pk": {"S": "no"}, "d": deep_map(32)}
    assert error_of(ddb.batch_write_item, RequestItems={name: [{"PutRequest": {"Item": too_deep}}]}) == (
        "ValidationException",
        TOO_DEEP,
    )
    # A transaction refuses a too deep Put up front, not as a cancellation.
    assert error_of(ddb.transact_write_items, TransactItems=[{"Put": {"TableName": name, "Item": too_deep}}]) == (
        "ValidationException",
        TOO_DEEP,
    )
    condition = {
        "TableName": name,
        "Key": {"pk": {"S": "ok"}},
        "ConditionExpression": "#d = :deep",
        "ExpressionAttributeNames": {"#d": "missing"},
    }
    # UpdateItem checks its expression values' depth before the condition...
    update = {**condition, "UpdateExpression": "SET t = :t"}
    assert error_of(ddb.update_item, ExpressionAttributeValues={":t": {"S": "y"}, ":deep": deep_map(32)}, **update) == (
        "ValidationException",
        "1 validation error detected: " + TOO_DEEP,
    )
    assert (
        error_of(ddb.update_item, ExpressionAttributeValues={":t": {"S": "y"}, ":deep": deep_map(31)}, **update)[0]
        == "ConditionalCheckFailedException"
    )
    # ...a transaction does not: the condition is evaluated, and a value written too deep cancels it.
    assert cancellation(
        ddb.transact_write_items,
        TransactItems=[{"ConditionCheck": {**condition, "ExpressionAttributeValues": {":deep": deep_map(32)}}}],
    ) == [{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]
    # (A transaction's values may nest one level deeper than an item, not much more: 40 levels are refused.)
    deeper = {"ConditionCheck": {**condition, "ExpressionAttributeValues": {":deep": deep_map(40)}}}
    assert error_of(ddb.transact_write_items, TransactItems=[deeper]) == (
        "ValidationException",
        f"ExpressionAttributeValues contains invalid value: {TOO_DEEP} for key :deep",
    )
    written = {
        "TableName": name,
        "Key": {"pk": {"S": "ok"}},
        "UpdateExpression": "SET deep = :deep",
        "ExpressionAttributeValues": {":deep": deep_map(32)},
    }
    assert cancellation(ddb.transact_write_items, TransactItems=[{"Update": written}]) == [
        {"Code": "ValidationError", "Message": TOO_DEEP}
    ]


def test_an_update_cannot_nest_a_value_past_the_limit(ddb: Any) -> None:
    """A value of 31 levels set one level down makes 33: refused, and nothing is stored."""
    name = make_table(ddb, sort=None)
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "a": {"M": {}}})
    deeper = {"TableName": name, "Key": {"pk": {"S": "k"}}, "UpdateExpression": "SET a.b = :v"}
    assert error_of(ddb.update_item, ExpressionAttributeValues={":v": deep_map(31)}, **deeper) == (
        "ValidationException",
        TOO_DEEP,
    )
    ddb.update_item(ExpressionAttributeValues={":v": deep_map(30)}, **deeper)
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "k"}})["Item"]["a"] == {"M": {"b": deep_map(30)}}
