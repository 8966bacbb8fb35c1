"""BatchGetItem, BatchWriteItem, TransactWriteItems, TransactGetItems through boto3."""

from __future__ import annotations

import threading

import pytest

from tests.dynamodb.conftest import error_of


def key(i):
    return {"pk": {"S": f"k{i}"}}


def test_batch_write_and_get(ddb, hash_table):
    ddb.batch_write_item(
        RequestItems={hash_table: [{"PutRequest": {"Item": {**key(i), "v": {"N": str(i)}}}} for i in range(25)]}
    )
    got = ddb.batch_get_item(
        RequestItems={hash_table: {"Keys": [key(i) for i in range(30)], "ProjectionExpression": "v"}}
    )
    assert len(got["Responses"][hash_table]) == 25 and got["UnprocessedKeys"] == {}
    assert all(set(entry) == {"v"} for entry in got["Responses"][hash_table])
    ddb.batch_write_item(RequestItems={hash_table: [{"DeleteRequest": {"Key": key(i)}} for i in range(10)]})
    assert ddb.scan(TableName=hash_table, Select="COUNT")["Count"] == 15


def test_batch_errors(ddb, hash_table):
    assert error_of(
        ddb.batch_write_item, RequestItems={hash_table: [{"PutRequest": {"Item": key(i)}} for i in range(26)]}
    )[0] == ("ValidationException")
    assert error_of(
        ddb.batch_write_item,
        RequestItems={hash_table: [{"PutRequest": {"Item": key(1)}}, {"DeleteRequest": {"Key": key(1)}}]},
    ) == (
        "ValidationException",
        "Provided list of item keys contains duplicates",
    )
    assert error_of(ddb.batch_get_item, RequestItems={hash_table: {"Keys": [key(1), key(1)]}})[1] == (
        "Provided list of item keys contains duplicates"
    )
    assert (
        error_of(ddb.batch_get_item, RequestItems={hash_table: {"Keys": [key(i) for i in range(101)]}})[0]
        == "ValidationException"
    )
    assert error_of(ddb.batch_get_item, RequestItems={"missing": {"Keys": [key(1)]}}) == (
        "ResourceNotFoundException",
        "Requested resource not found",
    )


def test_batch_get_unprocessed_past_16_mb(ddb, hash_table):
    blob = "x" * 390_000
    for start in range(0, 50, 10):
        ddb.batch_write_item(
            RequestItems={
                hash_table: [{"PutRequest": {"Item": {**key(i), "d": {"S": blob}}}} for i in range(start, start + 10)]
            }
        )
    got = ddb.batch_get_item(RequestItems={hash_table: {"Keys": [key(i) for i in range(50)]}})
    returned = len(got["Responses"][hash_table])
    assert returned < 50
    assert returned + len(got["UnprocessedKeys"][hash_table]["Keys"]) == 50


def test_transact_write_all_or_nothing(ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item={**key(1), "n": {"N": "1"}})
    ddb.put_item(TableName=hash_table, Item=key(5))
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": hash_table, "Item": key(2)}},
            {
                "Update": {
                    "TableName": hash_table,
                    "Key": key(1),
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {"ConditionCheck": {"TableName": hash_table, "Key": key(5), "ConditionExpression": "attribute_exists(pk)"}},
        ]
    )
    assert ddb.get_item(TableName=hash_table, Key=key(1))["Item"]["n"] == {"N": "2"}
    with pytest.raises(ddb.exceptions.TransactionCanceledException) as caught:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": hash_table, "Item": key(3)}},
                {"Delete": {"TableName": hash_table, "Key": key(2)}},
                {
                    "ConditionCheck": {
                        "TableName": hash_table,
                        "Key": key(1),
                        "ConditionExpression": "n = :five",
                        "ExpressionAttributeValues": {":five": {"N": "5"}},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )
    error = caught.value.response
    assert error["Error"]["Message"] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, ConditionalCheckFailed]"
    )
    reasons = error["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "None", "ConditionalCheckFailed"]
    assert reasons[2]["Item"]["n"] == {"N": "2"}
    assert "Item" not in ddb.get_item(TableName=hash_table, Key=key(3))
    assert "Item" in ddb.get_item(TableName=hash_table, Key=key(2))


def test_transact_validation(ddb, hash_table):
    assert error_of(
        ddb.transact_write_items,
        TransactItems=[
            {"Put": {"TableName": hash_table, "Item": key(1)}},
            {"Delete": {"TableName": hash_table, "Key": key(1)}},
        ],
    ) == ("ValidationException", "Transaction request cannot include multiple operations on one item")
    assert error_of(ddb.transact_write_items, TransactItems=[{"Put": {"TableName": "missing", "Item": key(1)}}])[0] == (
        "ResourceNotFoundException"
    )


def test_client_request_token_idempotency(ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item={**key(1), "n": {"N": "0"}})
    request = {
        "TransactItems": [
            {
                "Update": {
                    "TableName": hash_table,
                    "Key": key(1),
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        ],
        "ClientRequestToken": "token-1",
    }
    ddb.transact_write_items(**request)
    ddb.transact_write_items(**request)  # replay: answered, not applied again
    assert ddb.get_item(TableName=hash_table, Key=key(1))["Item"]["n"] == {"N": "1"}
    request["TransactItems"][0]["Update"]["ExpressionAttributeValues"][":one"] = {"N": "2"}
    assert error_of(ddb.transact_write_items, **request)[0] == "IdempotentParameterMismatchException"


def test_transact_get(ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item={**key(1), "a": {"S": "x"}, "b": {"S": "y"}})
    got = ddb.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": hash_table, "Key": key(1), "ProjectionExpression": "a"}},
            {"Get": {"TableName": hash_table, "Key": key(2)}},
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    assert got["Responses"] == [{"Item": {"a": {"S": "x"}}}, {}]
    assert got["ConsumedCapacity"][0]["CapacityUnits"] == 4.0


def test_transactions_are_serializable(client, hash_table):
    """Concurrent read-modify-write transactions never lose an increment."""
    first = client("dynamodb")
    first.put_item(TableName=hash_table, Item={**key(0), "n": {"N": "0"}})
    failures = []

    def worker():
        ddb = client("dynamodb")
        for _ in range(20):
            current = ddb.get_item(TableName=hash_table, Key=key(0), ConsistentRead=True)["Item"]["n"]
            try:
                ddb.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": hash_table,
                                "Key": key(0),
                                "UpdateExpression": "SET n = n + :one",
                                "ConditionExpression": "n = :seen",
                                "ExpressionAttributeValues": {":one": {"N": "1"}, ":seen": current},
                            }
                        }
                    ]
                )
            except ddb.exceptions.TransactionCanceledException:
                failures.append(1)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = int(first.get_item(TableName=hash_table, Key=key(0))["Item"]["n"]["N"])
    assert final + len(failures) == 80
