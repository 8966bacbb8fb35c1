"""Records for every change to a table with a stream, through boto3's dynamodb and dynamodbstreams clients."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodbstreams.conftest import read_all, stream_table


def put(ddb: Any, pk: str, **attributes: str) -> None:
    item = {"pk": {"S": pk}, **{name: {"S": value} for name, value in attributes.items()}}
    ddb.put_item(TableName="streamed", Item=item)


def test_insert_modify_remove_in_order_with_both_images(ddb: Any, streams: Any) -> None:
    arn = stream_table(ddb)
    put(ddb, "a", v="1")
    ddb.update_item(
        TableName="streamed",
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"S": "2"}},
    )
    ddb.delete_item(TableName="streamed", Key={"pk": {"S": "a"}})
    records = read_all(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    first, second, third = (r["dynamodb"] for r in records)
    assert first["Keys"] == {"pk": {"S": "a"}} and first["NewImage"] == {"pk": {"S": "a"}, "v": {"S": "1"}}
    assert "OldImage" not in first
    assert second["OldImage"]["v"] == {"S": "1"} and second["NewImage"]["v"] == {"S": "2"}
    assert third["OldImage"]["v"] == {"S": "2"} and "NewImage" not in third
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    assert all(len(r["dynamodb"]["SequenceNumber"]) >= 21 for r in records)
    for record in records:
        assert record["eventVersion"] == "1.1" and record["eventSource"] == "aws:dynamodb"
        assert record["awsRegion"] == "us-east-1" and len(record["eventID"]) == 32
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert record["dynamodb"]["SizeBytes"] > 0
        assert record["dynamodb"]["ApproximateCreationDateTime"].microsecond == 0
        assert "userIdentity" not in record
    assert len({r["eventID"] for r in records}) == 3
    assert read_all(streams, arn)[0]["eventID"] == records[0]["eventID"]  # the same record, the same id


@pytest.mark.parametrize(
    "view,new,old",
    [
        ("KEYS_ONLY", False, False),
        ("NEW_IMAGE", True, False),
        ("OLD_IMAGE", False, True),
        ("NEW_AND_OLD_IMAGES", True, True),
    ],
)
def test_each_view_type_carries_its_images(ddb: Any, streams: Any, view: str, new: bool, old: bool) -> None:
    arn = stream_table(ddb, view=view)
    put(ddb, "a", v="1")
    put(ddb, "a", v="2")
    modify = read_all(streams, arn)[1]["dynamodb"]
    assert modify["Keys"] == {"pk": {"S": "a"}} and modify["StreamViewType"] == view
    assert ("NewImage" in modify) == new and ("OldImage" in modify) == old


def test_no_record_for_a_write_that_changed_nothing(ddb: Any, streams: Any) -> None:
    arn = stream_table(ddb)
    put(ddb, "a", v="1")
    put(ddb, "a", v="1")  # the same item again
    ddb.delete_item(TableName="streamed", Key={"pk": {"S": "missing"}})
    ddb.update_item(
        TableName="streamed",
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"S": "1"}},
    )
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(TableName="streamed", Item={"pk": {"S": "b"}}, ConditionExpression="attribute_exists(pk)")
    assert [r["eventName"] for r in read_all(streams, arn)] == ["INSERT"]


def test_batch_writes_and_transactions_emit_their_records(ddb: Any, streams: Any) -> None:
    arn = stream_table(ddb)
    ddb.batch_write_item(
        RequestItems={"streamed": [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}}}} for i in range(5)]}
    )
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "streamed", "Item": {"pk": {"S": "t1"}}}},
            {"Delete": {"TableName": "streamed", "Key": {"pk": {"S": "k0"}}}},
            {
                "Update": {
                    "TableName": "streamed",
                    "Key": {"pk": {"S": "k1"}},
                    "UpdateExpression": "SET n = :n",
                    "ExpressionAttributeValues": {":n": {"N": "1"}},
                }
            },
        ]
    )
    with pytest.raises(ddb.exceptions.TransactionCanceledException):  # cancelled: no records at all
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "streamed", "Item": {"pk": {"S": "t2"}}}},
                {
                    "ConditionCheck": {
                        "TableName": "streamed",
                        "Key": {"pk": {"S": "none"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    records = read_all(streams, arn)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [
        *[("INSERT", f"k{i}") for i in range(5)],
        ("INSERT", "t1"),
        ("REMOVE", "k0"),
        ("MODIFY", "k1"),
    ]


def test_ttl_deletions_are_removes_by_the_service(ddb: Any, streams: Any, backend: Any) -> None:
    arn = stream_table(ddb)
    ddb.update_time_to_live(TableName="streamed", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    ddb.put_item(TableName="streamed", Item={"pk": {"S": "old"}, "exp": {"N": "1700000000"}})
    assert backend.expiry.sweep() == 1
    ddb.delete_item(TableName="streamed", Key={"pk": {"S": "unused"}})
    remove = read_all(streams, arn)[-1]
    assert remove["eventName"] == "REMOVE"
    assert remove["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
    assert remove["dynamodb"]["OldImage"]["exp"] == {"N": "1700000000"}


def test_binary_and_nested_values_round_trip(ddb: Any, streams: Any) -> None:
    arn = stream_table(ddb)
    item = {"pk": {"S": "b"}, "blob": {"B": b"\x00\xff"}, "m": {"M": {"l": {"L": [{"BS": [b"x"]}, {"N": "1.5"}]}}}}
    ddb.put_item(TableName="streamed", Item=item)
    assert read_all(streams, arn)[0]["dynamodb"]["NewImage"] == item


def test_a_table_without_a_stream_writes_no_records(ddb: Any, streams: Any, backend: Any) -> None:
    assert stream_table(ddb, view=None) == ""
    put(ddb, "a")
    assert backend.store.reader().execute("SELECT COUNT(*) FROM records").fetchone()[0] == 0
    assert streams.list_streams()["Streams"] == []
