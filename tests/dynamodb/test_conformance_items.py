"""Item-path messages recorded against real DynamoDB (nubo-db/dynamodb-conformance captures, 2026)."""

from __future__ import annotations

from typing import Any

from tests.dynamodb.conftest import error_of, make_table


def test_null_false_is_stored_as_null_true(ddb: Any, hash_table: str) -> None:
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": "n"}, "a": {"NULL": False}})
    assert ddb.get_item(TableName=hash_table, Key={"pk": {"S": "n"}})["Item"]["a"] == {"NULL": True}


def test_batch_write_words_a_wrongly_typed_key_as_a_schema_mismatch(ddb: Any, hash_table: str) -> None:
    for key in ({"N": "5"}, {"L": [{"S": "x"}]}):
        request = {hash_table: [{"PutRequest": {"Item": {"pk": key}}}]}
        assert error_of(ddb.batch_write_item, RequestItems=request) == (
            "ValidationException",
            "The provided key element does not match the schema",
        )
    # PutItem keeps its own wording.
    assert error_of(ddb.put_item, TableName=hash_table, Item={"pk": {"N": "5"}})[1] == (
        "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"
    )


def test_index_key_errors_name_the_alphabetically_first_index(ddb: Any) -> None:
    make_table(
        ddb,
        "indexed",
        definitions=[{"AttributeName": "k", "AttributeType": "S"}],
        LocalSecondaryIndexes=[
            {
                "IndexName": "lsi1",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "k", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi1",
                "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    item = {"pk": {"S": "a"}, "sk": {"S": "b"}, "k": {"N": "5"}}
    assert error_of(ddb.put_item, TableName="indexed", Item=item)[1] == (
        "One or more parameter values were invalid: Type mismatch for Index Key k Expected: S Actual: N IndexName: gsi1"
    )
    item["k"] = {"S": ""}
    assert error_of(ddb.batch_write_item, RequestItems={"indexed": [{"PutRequest": {"Item": item}}]})[1] == (
        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. "
        "The AttributeValue for a key attribute cannot contain an empty string value. IndexName: gsi1, IndexKey: k"
    )


def test_capacity_split_is_reported_only_for_transactions(ddb: Any, hash_table: str) -> None:
    put = ddb.put_item(TableName=hash_table, Item={"pk": {"S": "c"}}, ReturnConsumedCapacity="INDEXES")
    assert put["ConsumedCapacity"] == {"TableName": hash_table, "CapacityUnits": 1.0, "Table": {"CapacityUnits": 1.0}}
    got = ddb.get_item(TableName=hash_table, Key={"pk": {"S": "c"}}, ReturnConsumedCapacity="TOTAL")
    assert got["ConsumedCapacity"] == {"TableName": hash_table, "CapacityUnits": 0.5}
    batch = ddb.batch_get_item(
        RequestItems={hash_table: {"Keys": [{"pk": {"S": "c"}}]}}, ReturnConsumedCapacity="TOTAL"
    )
    assert "ReadCapacityUnits" not in batch["ConsumedCapacity"][0]
    written = ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": hash_table, "Item": {"pk": {"S": "d"}}}}], ReturnConsumedCapacity="TOTAL"
    )
    assert written["ConsumedCapacity"][0]["WriteCapacityUnits"] == 2.0
