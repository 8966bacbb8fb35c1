"""Documents nested far deeper than DynamoDB's 32 levels get DynamoDB's answer, never an internal error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import make_table, post

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
    assert (status, answer["__type"].rpartition("#")[2], answer["message"]) == (400, "ValidationException", TOO_DEEP)
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
