"""TransactWriteItems behaviours recorded against real DynamoDB (ScyllaDB Alternator's test_transact.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import error_of


def cancellation(call: Any, **kwargs: Any) -> list[dict[str, Any]]:
    with pytest.raises(Exception) as caught:
        call(**kwargs)
    response = caught.value.response  # type: ignore[attr-defined]
    assert response["Error"]["Code"] == "TransactionCanceledException"
    return response["CancellationReasons"]


def test_bad_key_is_a_validation_error_reason_not_an_exception(ddb: Any, hash_table: str) -> None:
    reasons = cancellation(
        ddb.transact_write_items,
        TransactItems=[
            {"Put": {"TableName": hash_table, "Item": {"pk": {"N": "7"}}}},
            {"Put": {"TableName": hash_table, "Item": {"pk": {"N": "8"}}}},
            {
                "Put": {
                    "TableName": hash_table,
                    "Item": {"pk": {"S": "x"}},
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ],
    )
    # Only the first invalid action is reported; the others are not evaluated at all.
    assert [reason["Code"] for reason in reasons] == ["ValidationError", "None", "None"]
    assert "Type mismatch for key pk" in reasons[0]["Message"]
    assert "Message" not in reasons[1] and "Message" not in reasons[2]


def test_oversized_item_is_a_validation_error_reason(ddb: Any, hash_table: str) -> None:
    reasons = cancellation(
        ddb.transact_write_items,
        TransactItems=[{"Put": {"TableName": hash_table, "Item": {"pk": {"S": "a"}, "x": {"S": "x" * 410_000}}}}],
    )
    assert reasons == [{"Code": "ValidationError", "Message": "Item size has exceeded the maximum allowed size"}]


def test_expression_errors_reject_the_whole_request(ddb: Any, hash_table: str) -> None:
    code, message = error_of(
        ddb.transact_write_items,
        TransactItems=[
            {
                "Put": {
                    "TableName": hash_table,
                    "Item": {"pk": {"S": "a"}},
                    "ConditionExpression": "attribute_exists(#xyz)",
                }
            }
        ],
    )
    assert code == "ValidationException" and "#xyz" in message


def test_condition_failures_are_all_reported_with_the_old_item(ddb: Any, hash_table: str) -> None:
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": "old"}, "x": {"N": "42"}})
    reasons = cancellation(
        ddb.transact_write_items,
        TransactItems=[
            {"Put": {"TableName": hash_table, "Item": {"pk": {"S": "p1"}}}},
            {
                "Update": {
                    "TableName": hash_table,
                    "Key": {"pk": {"S": "old"}},
                    "UpdateExpression": "SET x = x + :one",
                    "ConditionExpression": "x = :x",
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":x": {"N": "43"}},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "ConditionCheck": {
                    "TableName": hash_table,
                    "Key": {"pk": {"S": "p3"}},
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ],
    )
    assert reasons[0] == {"Code": "None"}
    assert reasons[1]["Code"] == "ConditionalCheckFailed" and "Message" in reasons[1]
    assert reasons[1]["Item"] == {"pk": {"S": "old"}, "x": {"N": "42"}}
    assert reasons[2]["Code"] == "ConditionalCheckFailed" and "Item" not in reasons[2]
    assert "Item" not in ddb.get_item(TableName=hash_table, Key={"pk": {"S": "p1"}})


def test_payload_over_4_mb_is_refused_but_deleting_big_items_is_not(ddb: Any, hash_table: str) -> None:
    big = {"S": "x" * 100_000}
    code, message = error_of(
        ddb.transact_write_items,
        TransactItems=[{"Put": {"TableName": hash_table, "Item": {"pk": {"S": str(i)}, "x": big}}} for i in range(50)],
    )
    assert code == "ValidationException" and "size cannot exceed" in message
    ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": hash_table, "Item": {"pk": {"S": str(i)}, "x": big}}} for i in range(30)]
    )
    for i in range(30, 50):
        ddb.put_item(TableName=hash_table, Item={"pk": {"S": str(i)}, "x": big})
    ddb.transact_write_items(
        TransactItems=[{"Delete": {"TableName": hash_table, "Key": {"pk": {"S": str(i)}}}} for i in range(50)]
    )
    assert ddb.scan(TableName=hash_table, Select="COUNT")["Count"] == 0


def test_same_item_twice_is_refused_even_as_condition_checks(ddb: Any, hash_table: str) -> None:
    check = {
        "ConditionCheck": {
            "TableName": hash_table,
            "Key": {"pk": {"S": "b"}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
    code, message = error_of(
        ddb.transact_write_items,
        TransactItems=[{"Put": {"TableName": hash_table, "Item": {"pk": {"S": "a"}}}}, check, check],
    )
    assert (code, message) == (
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    )


def test_transact_get_refuses_the_same_item_twice(ddb: Any, hash_table: str) -> None:
    get = {"Get": {"TableName": hash_table, "Key": {"pk": {"S": "a"}}}}
    assert error_of(ddb.transact_get_items, TransactItems=[get, get]) == (
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    )


def test_transact_get_charges_two_units_per_item_even_when_missing(ddb: Any, hash_table: str) -> None:
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": "here"}})
    answer = ddb.transact_get_items(
        ReturnConsumedCapacity="INDEXES",
        TransactItems=[
            {"Get": {"TableName": hash_table, "Key": {"pk": {"S": "here"}}}},
            {"Get": {"TableName": hash_table, "Key": {"pk": {"S": "missing"}}}},
        ],
    )
    assert sum(c["CapacityUnits"] for c in answer["ConsumedCapacity"]) == 4
    assert answer["ConsumedCapacity"][0]["Table"]["ReadCapacityUnits"] > 0
    assert answer["Responses"][1] == {}
