"""TransactWriteItems and TransactGetItems: request checks, cancellation reasons, idempotency and
consumed capacity.

Provenance of each test's expected answers: its ``provenance`` marker (registered in pyproject.toml)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import cancellation, error_of, make_table

# ====================================================================================================
# TransactWriteItems behaviours recorded against real DynamoDB (ScyllaDB Alternator's test_transact.py).


@pytest.mark.provenance("aws")
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


@pytest.mark.provenance("dynamodb-conformance")
def test_item_size_in_a_transaction(ddb: Any, hash_table: str) -> None:
    """A Put's size is known from the request, so one over 400 KB refuses the whole request; an Update's is
    known only once the item is read, so it cancels the transaction. Both are measured by the item alone,
    409,600 bytes accepted (bisected against AWS by the conformance suite, 2026)."""
    at_limit = {"pk": {"S": "a"}, "x": {"S": "x" * (409_600 - 4)}}  # pk + "a" + x + the padding
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": hash_table, "Item": at_limit}}])
    over = {"pk": {"S": "b"}, "x": {"S": "x" * (409_600 - 3)}}
    assert error_of(ddb.transact_write_items, TransactItems=[{"Put": {"TableName": hash_table, "Item": over}}]) == (
        "ValidationException",
        "Item size has exceeded the maximum allowed size",
    )
    update = {
        "TableName": hash_table,
        "Key": {"pk": {"S": "c"}},
        "UpdateExpression": "SET x = :x",
        "ExpressionAttributeValues": {":x": over["x"]},
    }
    assert cancellation(ddb.transact_write_items, TransactItems=[{"Update": update}]) == [
        {"Code": "ValidationError", "Message": "Item size to update has exceeded the maximum allowed size"}
    ]
    # The finished item at 409,600 bytes: the transaction writes what a standalone UpdateItem refuses here.
    update["ExpressionAttributeValues"] = {":x": at_limit["x"]}
    update["Key"] = {"pk": {"S": "a"}}
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}})
    assert error_of(ddb.update_item, **update)[1] == "Item size to update has exceeded the maximum allowed size"
    ddb.transact_write_items(TransactItems=[{"Update": update}])
    assert ddb.get_item(TableName=hash_table, Key={"pk": {"S": "a"}})["Item"] == at_limit


@pytest.mark.provenance("aws")
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


@pytest.mark.provenance("aws")
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


@pytest.mark.provenance("aws")
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


@pytest.mark.provenance("aws")
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


@pytest.mark.provenance("aws")
def test_transact_get_refuses_the_same_item_twice(ddb: Any, hash_table: str) -> None:
    get = {"Get": {"TableName": hash_table, "Key": {"pk": {"S": "a"}}}}
    assert error_of(ddb.transact_get_items, TransactItems=[get, get]) == (
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    )


@pytest.mark.provenance("aws")
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


# ====================================================================================================
# TransactWriteItems capacity as real DynamoDB reports it: the transactional doubling applies to the table's
# share only, and a repeated ClientRequestToken is billed as a transactional read in the repeat's own
# ReturnConsumedCapacity mode (AWS's TransactWriteItems reference; measurements against AWS recorded by the
# dynamodb-conformance suite and dynoxide).


def _gsi_table(ddb: Any) -> str:
    return make_table(
        ddb,
        "withgsi",
        sort=None,
        definitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )


@pytest.mark.provenance("dynamodb-conformance", "dynoxide", "aws-docs")
def test_index_writes_in_a_transaction_are_not_doubled(ddb: Any) -> None:
    table = _gsi_table(ddb)
    put = {"Put": {"TableName": table, "Item": {"pk": {"S": "a"}, "g": {"S": "x"}}}}
    answer = ddb.transact_write_items(TransactItems=[put], ReturnConsumedCapacity="INDEXES")
    assert answer["ConsumedCapacity"] == [
        {
            "TableName": table,
            "CapacityUnits": 3.0,
            "WriteCapacityUnits": 3.0,
            "Table": {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0},
            "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0}},
        }
    ]


@pytest.mark.provenance("dynamodb-conformance", "dynoxide", "aws-docs")
def test_a_token_replay_reports_read_capacity_of_the_item(ddb: Any, hash_table: str) -> None:
    # About 1.5 KB: two write units (doubled to 4) on the first call, one read unit (doubled to 2) on the replay.
    item = {"pk": {"S": "k"}, "blob": {"S": "x" * 1500}}
    request = {"TransactItems": [{"Put": {"TableName": hash_table, "Item": item}}], "ClientRequestToken": "tok-1"}
    first = ddb.transact_write_items(**request, ReturnConsumedCapacity="TOTAL")
    assert first["ConsumedCapacity"] == [{"TableName": hash_table, "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}]
    again = ddb.transact_write_items(**request, ReturnConsumedCapacity="TOTAL")
    assert again["ConsumedCapacity"] == [{"TableName": hash_table, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}]
    # The replay answers in its own mode; a different ReturnConsumedCapacity is not a different request.
    indexes = ddb.transact_write_items(**request, ReturnConsumedCapacity="INDEXES")
    assert indexes["ConsumedCapacity"] == [
        {
            "TableName": hash_table,
            "CapacityUnits": 2.0,
            "ReadCapacityUnits": 2.0,
            "Table": {"CapacityUnits": 2.0, "ReadCapacityUnits": 2.0},
        }
    ]
    assert "ConsumedCapacity" not in ddb.transact_write_items(**request)
    # Anything else changed is still a mismatch.
    changed = {**request, "TransactItems": [{"Put": {"TableName": hash_table, "Item": {"pk": {"S": "other"}}}}]}
    assert error_of(ddb.transact_write_items, **changed)[0] == "IdempotentParameterMismatchException"


@pytest.mark.provenance("dynamodb-conformance", "dynoxide", "aws-docs")
def test_batch_get_answer_stays_within_16_mb(ddb: Any, hash_table: str) -> None:
    other = make_table(ddb, "second", sort=None)
    big = "x" * (400 * 1024 - 10)  # with "pk", "bNN" and "d": 409,596 bytes, nearly the largest item there is
    for start in range(0, 50, 25):
        writes = [
            {"PutRequest": {"Item": {"pk": {"S": f"b{i:02d}"}, "d": {"S": big}}}} for i in range(start, start + 25)
        ]
        ddb.batch_write_item(RequestItems={hash_table: writes})
    ddb.put_item(TableName=other, Item={"pk": {"S": "small"}})
    got = ddb.batch_get_item(
        RequestItems={
            hash_table: {"Keys": [{"pk": {"S": f"b{i:02d}"}} for i in range(50)], "ConsistentRead": True},
            other: {"Keys": [{"pk": {"S": "small"}}]},
        }
    )
    # 40 items fit in 16 MB; the 41st would pass the limit, so it and every key after it are left.
    assert len(got["Responses"][hash_table]) == 40
    assert len(got["UnprocessedKeys"][hash_table]["Keys"]) == 10
    assert got["UnprocessedKeys"][hash_table]["ConsistentRead"] is True
    assert got["UnprocessedKeys"][other] == {"Keys": [{"pk": {"S": "small"}}]}


# ====================================================================================================
# Which key faults refuse a whole transaction and which cancel it (recorded from AWS in four regions by the
# dynamodb-conformance suite, 2026): an empty string or binary key value, of the table or of an index, is a
# ValidationException of the request; a key of the wrong type or shape is the action's ValidationError reason.

EMPTY_KEY = (
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty "
    "{} value. Key: pk"
)
EMPTY_INDEX_KEY_UPDATE = (
    "One or more parameter values are not valid. The update expression attempted to update a secondary index key "
    "to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty string value."
)


def _actions(table: str, key: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"Put": {"TableName": table, "Item": {"pk": key}}},
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": key},
                "UpdateExpression": "SET a = :v",
                "ExpressionAttributeValues": {":v": {"S": "x"}},
            }
        },
        {"Delete": {"TableName": table, "Key": {"pk": key}}},
        {"ConditionCheck": {"TableName": table, "Key": {"pk": key}, "ConditionExpression": "attribute_exists(pk)"}},
    ]


@pytest.mark.provenance("dynamodb-conformance")
def test_an_empty_key_value_refuses_the_whole_transaction(ddb: Any, hash_table: str) -> None:
    ddb.create_table(
        TableName="binkeys",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "B"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for table, key, kind in ((hash_table, {"S": ""}, "string"), ("binkeys", {"B": b""}, "binary")):
        for action in _actions(table, key):
            assert error_of(ddb.transact_write_items, TransactItems=[action]) == (
                "ValidationException",
                EMPTY_KEY.format(kind),
            ), action
    assert error_of(
        ddb.transact_get_items, TransactItems=[{"Get": {"TableName": hash_table, "Key": {"pk": {"S": ""}}}}]
    ) == (
        "ValidationException",
        EMPTY_KEY.format("string"),
    )


@pytest.mark.provenance("dynamodb-conformance")
def test_a_key_of_the_wrong_type_cancels_with_a_validation_error(ddb: Any, hash_table: str) -> None:
    for number, action in enumerate(_actions(hash_table, {"N": "5"}) + _actions(hash_table, {"L": [{"S": "x"}]})):
        expected = (
            f"One or more parameter values were invalid: Type mismatch for key pk expected: S actual: "
            f"{'N' if number < 4 else 'L'}"
            if "Put" in action
            else "The provided key element does not match the schema"
        )
        assert cancellation(ddb.transact_write_items, TransactItems=[action]) == [
            {"Code": "ValidationError", "Message": expected}
        ], action
    reasons = cancellation(ddb.transact_get_items, TransactItems=[{"Get": {"TableName": hash_table, "Key": {}}}])
    assert reasons == [{"Code": "ValidationError", "Message": "The provided key element does not match the schema"}]


@pytest.mark.provenance("dynamodb-conformance")
def test_index_keys_in_a_transaction_update(ddb: Any) -> None:
    """A mistyped index key is the Update's ValidationError; an empty one refuses the whole request."""
    table = _gsi_table(ddb)

    def update(value: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": {"S": "a"}},
                    "UpdateExpression": "SET g = :v",
                    "ExpressionAttributeValues": {":v": value},
                }
            }
        ]

    for value, actual in (({"N": "5"}, "N"), ({"L": [{"S": "x"}]}, "L")):
        assert cancellation(ddb.transact_write_items, TransactItems=update(value)) == [
            {
                "Code": "ValidationError",
                "Message": "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S "
                f"Actual: {actual} IndexName: by-g",
            }
        ]
    assert error_of(ddb.transact_write_items, TransactItems=update({"S": ""})) == (
        "ValidationException",
        EMPTY_INDEX_KEY_UPDATE,
    )
    put = [{"Put": {"TableName": table, "Item": {"pk": {"S": "a"}, "g": {"S": ""}}}}]
    assert error_of(ddb.transact_write_items, TransactItems=put) == (
        "ValidationException",
        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. "
        "The AttributeValue for a key attribute cannot contain an empty string value. IndexName: by-g, IndexKey: g",
    )
    assert ddb.scan(TableName=table)["Count"] == 0


# ====================================================================================================
# What a transaction checks first when a request has several faults (recorded from AWS in us-east-1 and
# eu-west-2, 2026-10, by the conformance suites): member constraints, then every action's values and
# expressions in request order, and only then tables, targets and keys.

RCC = (
    "Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: "
    "[INDEXES, TOTAL, NONE]"
)
SYNTAX = 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "("'
UNUSED = "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"


@pytest.mark.provenance("dynamodb-conformance")
def test_transaction_checks_come_in_aws_order(client: Any) -> None:
    ddb = client("dynamodb", parameter_validation=False)
    table = make_table(ddb, "hashonly", sort=None)
    put_missing = {"Put": {"TableName": "missing", "Item": {"pk": {"S": "a"}}}}
    broken = {
        "ConditionCheck": {
            "TableName": table,
            "Key": {"pk": {"S": "c"}},
            "ConditionExpression": "attribute_not_exists(",
        }
    }
    unused = {
        "ConditionCheck": {
            "TableName": table,
            "Key": {"pk": {"S": "c"}},
            "ConditionExpression": "attribute_not_exists(pk)",
            "ExpressionAttributeValues": {":v": {"S": "x"}},
        }
    }
    deep: dict[str, Any] = {"S": "leaf"}
    for _ in range(32):
        deep = {"M": {"n": deep}}
    too_deep = {"Put": {"TableName": table, "Item": {"pk": {"S": "d"}, "data": deep}}}
    token = "x" * 37
    assert error_of(ddb.transact_write_items, TransactItems=[put_missing], ReturnConsumedCapacity="BOGUS") == (
        "ValidationException",
        f"1 validation error detected: {RCC}",
    )
    assert error_of(
        ddb.transact_write_items, TransactItems=[put_missing], ClientRequestToken=token, ReturnConsumedCapacity="BOGUS"
    ) == (
        "ValidationException",
        f"2 validation errors detected: Value '{token}' at 'clientRequestToken' failed to satisfy constraint: "
        f"Member must have length less than or equal to 36; {RCC}",
    )
    for items, message in (
        ([put_missing, broken], SYNTAX),
        ([broken, too_deep], SYNTAX),
        (
            [too_deep, broken],
            "Nesting Levels have exceeded supported limits: Attributes in the item have nested "
            "levels beyond supported limit",
        ),
        ([put_missing, unused], UNUSED),
        ([unused, put_missing], UNUSED),
        ([{"Put": {"TableName": table, "Item": {"pk": {"S": "c"}}}}, unused], UNUSED),
    ):
        assert error_of(ddb.transact_write_items, TransactItems=items) == ("ValidationException", message), items
    get_missing = {"Get": {"TableName": "missing", "Key": {"pk": {"S": "a"}}}}
    assert error_of(ddb.transact_get_items, TransactItems=[get_missing], ReturnConsumedCapacity="BOGUS") == (
        "ValidationException",
        f"1 validation error detected: {RCC}",
    )
    assert ddb.scan(TableName=table)["Count"] == 0
