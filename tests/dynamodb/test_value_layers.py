"""How a malformed number or a duplicated set member is worded: by the operation that meets it.

Recorded from AWS in us-east-1, eu-west-1, eu-west-2 and us-west-2 (2026-10) by the conformance suites:
PutItem, UpdateItem and DeleteItem answer inside the validation envelope, GetItem, BatchGetItem and Query
bare, both in the current wording; BatchWriteItem, the transactions and Scan answer in the older wording,
with an expression value's fault inside ``ExpressionAttributeValues contains invalid value: ... for key``.
The transactions refuse such values up front, never as a cancellation reason.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.dynamodb.conftest import error_of

pytestmark = pytest.mark.provenance("dynamodb-conformance")

NOT_NUMERIC = "The parameter cannot be converted to a numeric value"
OVERFLOW = "Number overflow. Attempting to store a number with magnitude larger than supported range"
UNDERFLOW = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
NUMBERS = ["abc", "", "1e126", "1e2147483647"]
CURRENT = [f"{NOT_NUMERIC}: abc", f"{NOT_NUMERIC}: ", OVERFLOW, OVERFLOW]
# The older layer reads numbers as Java's BigDecimal: an empty one loses the colon, 1e2147483647 wraps.
OLDER = [f"{NOT_NUMERIC}: abc", NOT_NUMERIC, OVERFLOW, UNDERFLOW]
INVALID = "One or more parameter values were invalid: "
SETS = [
    {"SS": ["b", "a", "b"]},
    {"BS": [base64.b64decode("/w=="), base64.b64decode("AA=="), base64.b64decode("AA==")]},
    {"NS": ["2", "1", "2"]},
]
# The current wording sorts what it read before the repeat; the older one prints the members as sent.
SETS_CURRENT = [
    f'{INVALID}Input collection ["a", "b", "b"] contains duplicates.',
    f'{INVALID}Input collection ["AA==","/w==","AA=="]of type BS contains duplicates.',
    f"{INVALID}Input collection contains duplicates.",
]
SETS_OLDER = [
    f"{INVALID}Input collection [b, a, b] contains duplicates.",
    f"{INVALID}Input collection [/w==, AA==, AA==]of type BS contains duplicates.",
    "Input collection contains duplicates",
]


def enveloped(messages: list[str]) -> list[str]:
    return [f"1 validation error detected: {message}" for message in messages]


def for_key(messages: list[str], key: str) -> list[str]:
    return [f"ExpressionAttributeValues contains invalid value: {message} for key {key}" for message in messages]


def refusals(call: Any, requests: list[dict[str, Any]]) -> list[str]:
    answers = [error_of(call, **request) for request in requests]
    assert {code for code, _ in answers} == {"ValidationException"}
    return [message for _, message in answers]


def test_numbers_in_single_item_writes_are_enveloped(ddb: Any, hash_table: str) -> None:
    numbers = [{"N": text} for text in NUMBERS]
    item = [{"TableName": hash_table, "Item": {"pk": {"S": "k"}, "n": n}} for n in numbers]
    assert refusals(ddb.put_item, item) == enveloped(CURRENT)
    member = [{"TableName": hash_table, "Item": {"pk": {"S": "k"}, "n": {"NS": ["1", text]}}} for text in NUMBERS]
    assert refusals(ddb.put_item, member) == enveloped(CURRENT)
    condition = [
        {
            "TableName": hash_table,
            "Item": {"pk": {"S": "k"}},
            "ConditionExpression": "attribute_not_exists(pk) OR n = :v",
            "ExpressionAttributeValues": {":v": n},
        }
        for n in numbers
    ]
    assert refusals(ddb.put_item, condition) == enveloped(CURRENT)
    update = [
        {
            "TableName": hash_table,
            "Key": {"pk": {"S": "k"}},
            "UpdateExpression": "SET n = :v",
            "ExpressionAttributeValues": {":v": n},
        }
        for n in numbers
    ]
    assert refusals(ddb.update_item, update) == enveloped(CURRENT)
    legacy = [
        {"TableName": hash_table, "Key": {"pk": {"S": "k"}}, "AttributeUpdates": {"n": {"Action": "PUT", "Value": n}}}
        for n in numbers
    ]
    assert refusals(ddb.update_item, legacy) == enveloped(CURRENT)
    assert refusals(ddb.delete_item, [{"TableName": hash_table, "Key": {"pk": n}} for n in numbers]) == enveloped(
        CURRENT
    )
    assert "Item" not in ddb.get_item(TableName=hash_table, Key={"pk": {"S": "k"}})


def test_numbers_in_reads_are_bare(ddb: Any, hash_table: str) -> None:
    numbers = [{"N": text} for text in NUMBERS]
    assert refusals(ddb.get_item, [{"TableName": hash_table, "Key": {"pk": n}} for n in numbers]) == CURRENT
    batch = [{"RequestItems": {hash_table: {"Keys": [{"pk": n}]}}} for n in numbers]
    assert refusals(ddb.batch_get_item, batch) == CURRENT
    query = [
        {
            "TableName": hash_table,
            "KeyConditionExpression": "pk = :p",
            "FilterExpression": "n = :v",
            "ExpressionAttributeValues": {":p": {"S": "k"}, ":v": n},
        }
        for n in numbers
    ]
    assert refusals(ddb.query, query) == CURRENT


def test_numbers_in_batches_transactions_and_scans_take_the_older_wording(ddb: Any, hash_table: str) -> None:
    numbers = [{"N": text} for text in NUMBERS]
    batch = [{"RequestItems": {hash_table: [{"PutRequest": {"Item": {"pk": {"S": "k"}, "n": n}}}]}} for n in numbers]
    assert refusals(ddb.batch_write_item, batch) == OLDER
    put = [{"TransactItems": [{"Put": {"TableName": hash_table, "Item": {"pk": {"S": "k"}, "n": n}}}]} for n in numbers]
    assert refusals(ddb.transact_write_items, put) == OLDER
    update = [
        {
            "TransactItems": [
                {
                    "Update": {
                        "TableName": hash_table,
                        "Key": {"pk": {"S": "k"}},
                        "UpdateExpression": "SET n = :v",
                        "ExpressionAttributeValues": {":v": n},
                    }
                }
            ]
        }
        for n in numbers
    ]
    assert refusals(ddb.transact_write_items, update) == for_key(OLDER, ":v")
    get = [{"TransactItems": [{"Get": {"TableName": hash_table, "Key": {"pk": n}}}]} for n in numbers]
    assert refusals(ddb.transact_get_items, get) == OLDER
    scan = [
        {"TableName": hash_table, "FilterExpression": "n = :v", "ExpressionAttributeValues": {":v": n}} for n in numbers
    ]
    assert refusals(ddb.scan, scan) == for_key(OLDER, ":v")


def test_duplicated_set_members_by_operation(ddb: Any, hash_table: str) -> None:
    put = [{"TableName": hash_table, "Item": {"pk": {"S": "k"}, "s": duplicated}} for duplicated in SETS]
    assert refusals(ddb.put_item, put) == enveloped(SETS_CURRENT)
    assert refusals(ddb.delete_item, [{"TableName": hash_table, "Key": {"pk": d}} for d in SETS]) == enveloped(
        SETS_CURRENT
    )
    assert refusals(ddb.get_item, [{"TableName": hash_table, "Key": {"pk": d}} for d in SETS]) == SETS_CURRENT
    query = [
        {"TableName": hash_table, "KeyConditionExpression": "pk = :t", "ExpressionAttributeValues": {":t": d}}
        for d in SETS
    ]
    assert refusals(ddb.query, query) == SETS_CURRENT
    start = [
        {
            "TableName": hash_table,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "k"}},
            "ExclusiveStartKey": {"pk": d},
        }
        for d in SETS
    ]
    assert refusals(ddb.query, start) == SETS_CURRENT
    batch = [{"RequestItems": {hash_table: [{"DeleteRequest": {"Key": {"pk": d}}}]}} for d in SETS]
    assert refusals(ddb.batch_write_item, batch) == SETS_OLDER
    transact = [{"TransactItems": [{"Delete": {"TableName": hash_table, "Key": {"pk": d}}}]} for d in SETS]
    assert refusals(ddb.transact_write_items, transact) == SETS_OLDER
    condition = [
        {
            "TransactItems": [
                {
                    "ConditionCheck": {
                        "TableName": hash_table,
                        "Key": {"pk": {"S": "k"}},
                        "ConditionExpression": "attribute_not_exists(pk) OR s = :t",
                        "ExpressionAttributeValues": {":t": d},
                    }
                }
            ]
        }
        for d in SETS
    ]
    assert refusals(ddb.transact_write_items, condition) == for_key(SETS_OLDER, ":t")
    get = [{"TransactItems": [{"Get": {"TableName": hash_table, "Key": {"pk": d}}}]} for d in SETS]
    assert refusals(ddb.transact_get_items, get) == SETS_OLDER


def test_expression_faults_by_operation(ddb: Any, hash_table: str) -> None:
    """The single-item writes envelope an expression's faults too (AWS in us-east-1 and eu-west-2, 2026-10, and
    a user's recorded PutItem error); reads and the older layer answer bare."""
    undefined = "Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
    assert error_of(
        ddb.update_item,
        TableName=hash_table,
        Key={"pk": {"S": "k"}},
        UpdateExpression="SET b = :w",
        ConditionExpression="a = :v",
        ExpressionAttributeValues={":w": {"S": "x"}},
    ) == ("ValidationException", f"1 validation error detected: {undefined}attribute value: :v")
    reserved = "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"
    put = {"TableName": hash_table, "Item": {"pk": {"S": "k"}}, "ConditionExpression": "status = :v"}
    assert error_of(ddb.put_item, ExpressionAttributeValues={":v": {"S": "x"}}, **put) == (
        "ValidationException",
        f"1 validation error detected: {reserved}",
    )
    assert error_of(ddb.delete_item, TableName=hash_table, Key={"pk": {"S": "k"}}, ConditionExpression="a = :v") == (
        "ValidationException",
        f"1 validation error detected: {undefined}attribute value: :v",
    )
    missing = "Invalid FilterExpression: An expression attribute name used in the document path is not defined; "
    query = {"TableName": hash_table, "KeyConditionExpression": "pk = :p", "FilterExpression": "#missing = :v"}
    assert error_of(ddb.query, ExpressionAttributeValues={":p": {"S": "k"}, ":v": {"S": "x"}}, **query) == (
        "ValidationException",
        f"{missing}attribute name: #missing",
    )
    transact = [
        {"ConditionCheck": {"TableName": hash_table, "Key": {"pk": {"S": "k"}}, "ConditionExpression": "a = :v"}}
    ]
    assert error_of(ddb.transact_write_items, TransactItems=transact) == (
        "ValidationException",
        f"{undefined}attribute value: :v",
    )
