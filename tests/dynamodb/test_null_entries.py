"""A null where a request structure belongs (a list entry, a map value) is AWS's validation error, named
by its path, never an internal error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import make_table, post

NULL = "failed to satisfy constraint: Member must not be null"


@pytest.mark.parametrize(
    ("operation", "body", "where"),
    [
        ("BatchGetItem", '{"RequestItems": {"things": null}}', "requestItems.things.member"),
        ("BatchWriteItem", '{"RequestItems": {"things": [null]}}', "requestItems.things.member.1.member"),
        ("TransactWriteItems", '{"TransactItems": [null]}', "transactItems.1.member"),
        (
            "TransactGetItems",
            '{"TransactItems": [{"Get": {"TableName": "things", "Key": {}}}, null]}',
            "transactItems.2.member",
        ),
        ("Query", '{"TableName": "things", "KeyConditions": {"pk": null}}', "keyConditions.pk.member"),
    ],
)
def test_null_entries_are_named(ddb: Any, fogbank_endpoint: str, operation: str, body: str, where: str) -> None:
    make_table(ddb)
    status, answer = post(fogbank_endpoint, operation, body)
    assert status == 400
    assert answer["__type"].endswith("#ValidationException")
    assert answer["message"] == f"1 validation error detected: Value null at '{where}' {NULL}"


def test_a_null_attribute_value_is_dynamodbs_own_error(ddb: Any, fogbank_endpoint: str) -> None:
    make_table(ddb, sort=None)
    status, answer = post(fogbank_endpoint, "PutItem", '{"TableName": "things", "Item": {"pk": {"S": "1"}, "a": null}}')
    assert (status, answer["message"]) == (
        400,
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
    )
