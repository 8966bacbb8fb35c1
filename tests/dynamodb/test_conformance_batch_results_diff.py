"""TransactWriteItems capacity as real DynamoDB reports it: the transactional doubling applies to the table's
share only, and a repeated ClientRequestToken is billed as a transactional read in the repeat's own
ReturnConsumedCapacity mode (AWS's TransactWriteItems reference; measurements against AWS recorded by the
dynamodb-conformance suite and dynoxide)."""

from __future__ import annotations

from typing import Any

from tests.dynamodb.conftest import error_of, make_table


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
