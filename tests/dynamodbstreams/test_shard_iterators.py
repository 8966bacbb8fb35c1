"""GetShardIterator's four positions, GetRecords' paging, shard rollover, trimming and iterator expiry."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest

from tests.dynamodbstreams.conftest import error_of, iterator, read_all, shard_ids, stream_table


def fill(ddb: Any, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        ddb.put_item(TableName="streamed", Item={"pk": {"S": f"k{i}"}})


def keys(records: list[dict[str, Any]]) -> list[str]:
    return [record["dynamodb"]["Keys"]["pk"]["S"] for record in records]


def test_iterator_positions(ddb: Any, streams: Any) -> None:
    arn = stream_table(ddb)
    fill(ddb, 3)
    records = read_all(streams, arn)
    second = records[1]["dynamodb"]["SequenceNumber"]
    at = iterator(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=second)
    after = iterator(streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=second)
    latest = iterator(streams, arn, "LATEST")
    assert keys(streams.get_records(ShardIterator=at)["Records"]) == ["k1", "k2"]
    assert keys(streams.get_records(ShardIterator=after)["Records"]) == ["k2"]
    page = streams.get_records(ShardIterator=latest)
    assert page["Records"] == [] and page["NextShardIterator"]
    fill(ddb, 1, start=3)
    assert keys(streams.get_records(ShardIterator=latest)["Records"]) == ["k3"]
    assert keys(streams.get_records(ShardIterator=page["NextShardIterator"])["Records"]) == ["k3"]
    moment = records[0]["dynamodb"]["ApproximateCreationDateTime"]
    since = iterator(streams, arn, "AT_TIMESTAMP", Timestamp=moment)
    assert keys(streams.get_records(ShardIterator=since)["Records"])[0] == "k0"


def test_limit_and_next_iterator(ddb: Any, streams: Any) -> None:
    arn = stream_table(ddb)
    fill(ddb, 5)
    page = streams.get_records(ShardIterator=iterator(streams, arn), Limit=2)
    assert keys(page["Records"]) == ["k0", "k1"]
    page = streams.get_records(ShardIterator=page["NextShardIterator"], Limit=2)
    assert keys(page["Records"]) == ["k2", "k3"]
    page = streams.get_records(ShardIterator=page["NextShardIterator"])
    assert keys(page["Records"]) == ["k4"] and page["NextShardIterator"]  # the shard is open: more may come
    assert error_of(streams.get_records, ShardIterator=page["NextShardIterator"], Limit=1001) == (
        "ValidationException",
        "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000",
    )


def test_shards_roll_over_and_a_closed_shard_ends(ddb: Any, streams: Any, backend: Any) -> None:
    arn = stream_table(ddb)
    fill(ddb, 2)
    (first,) = shard_ids(streams, arn)
    position = iterator(streams, arn)
    backend.stream_keeper.roll_shards(time.time() + 5 * 3600)  # past AWS's four hours
    fill(ddb, 1, start=2)
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert [shard["ShardId"] for shard in shards][0] == first and len(shards) == 2
    closed, child = shards
    assert child["ParentShardId"] == first and "ParentShardId" not in closed
    assert int(closed["SequenceNumberRange"]["EndingSequenceNumber"]) + 1 == int(
        child["SequenceNumberRange"]["StartingSequenceNumber"]
    )
    assert "EndingSequenceNumber" not in child["SequenceNumberRange"]
    page = streams.get_records(ShardIterator=position)
    assert keys(page["Records"]) == ["k0", "k1"] and "NextShardIterator" not in page  # read to its end
    assert keys(read_all(streams, arn, shard=child["ShardId"])) == ["k2"]
    children = streams.describe_stream(StreamArn=arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": first})
    assert [s["ShardId"] for s in children["StreamDescription"]["Shards"]] == [child["ShardId"]]
    page = streams.describe_stream(StreamArn=arn, Limit=1)["StreamDescription"]
    assert page["LastEvaluatedShardId"] == first and len(page["Shards"]) == 1
    rest = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=first)["StreamDescription"]
    assert [s["ShardId"] for s in rest["Shards"]] == [child["ShardId"]] and "LastEvaluatedShardId" not in rest


def test_an_empty_shard_stays_open(ddb: Any, streams: Any, backend: Any) -> None:
    arn = stream_table(ddb)
    backend.stream_keeper.roll_shards(time.time() + 5 * 3600)
    assert len(shard_ids(streams, arn)) == 1


def test_records_are_trimmed_after_retention(ddb: Any, streams: Any, backend: Any) -> None:
    arn = stream_table(ddb)
    fill(ddb, 3)
    first = read_all(streams, arn)[0]["dynamodb"]["SequenceNumber"]
    stale = iterator(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=first)
    backend.stream_keeper.roll_shards(time.time() + 5 * 3600)
    backend.stream_keeper.trim(time.time() + 25 * 3600)
    assert error_of(streams.get_records, ShardIterator=stale) == (
        "ResourceNotFoundException",
        "Invalid ShardId in ShardIterator",
    )
    # The closed shard is gone with its records; the child is there, and its horizon is after them.
    assert len(shard_ids(streams, arn)) == 1
    fill(ddb, 1, start=3)
    assert keys(read_all(streams, arn)) == ["k3"]
    assert error_of(
        streams.get_shard_iterator,
        StreamArn=arn,
        ShardId=shard_ids(streams, arn)[0],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=first,
    ) == ("ValidationException", f"Invalid SequenceNumber {first} for shard {shard_ids(streams, arn)[0]}")


def test_trimmed_data_in_an_open_shard(ddb: Any, streams: Any, backend: Any) -> None:
    arn = stream_table(ddb)
    fill(ddb, 2)
    first = read_all(streams, arn)[0]["dynamodb"]["SequenceNumber"]
    stale = iterator(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=first)
    backend.stream_keeper.trim(time.time() + 25 * 3600)
    trimmed = ("TrimmedDataAccessException", "The data you are trying to access has been trimmed.")
    assert error_of(streams.get_records, ShardIterator=stale) == trimmed
    assert (
        error_of(
            streams.get_shard_iterator,
            StreamArn=arn,
            ShardId=shard_ids(streams, arn)[0],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=first,
        )
        == trimmed
    )
    fill(ddb, 1, start=2)
    assert keys(read_all(streams, arn)) == ["k2"]  # TRIM_HORIZON follows the trimming


def test_iterators_expire(ddb: Any, streams: Any, backend: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    arn = stream_table(ddb)
    position = iterator(streams, arn)
    monkeypatch.setattr(backend, "stream_settings", dataclasses.replace(backend.stream_settings, iterator_seconds=0.2))
    time.sleep(0.3)
    code, message = error_of(streams.get_records, ShardIterator=position)
    assert code == "ExpiredIteratorException" and "tolerated delay of 200 milliseconds" in message


def test_iterator_and_shard_errors(ddb: Any, streams: Any) -> None:
    arn = stream_table(ddb)
    fill(ddb, 1)
    (shard,) = shard_ids(streams, arn)
    missing = "shardId-00000000000000000000-00000000"
    assert error_of(streams.get_shard_iterator, StreamArn=arn, ShardId=missing, ShardIteratorType="LATEST") == (
        "ResourceNotFoundException",
        "Requested resource not found: Shard does not exist",
    )
    for kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        code, _ = error_of(streams.get_shard_iterator, StreamArn=arn, ShardId=shard, ShardIteratorType=kind)
        assert code == "ValidationException"
    beyond = str(10**20 + 99)
    assert error_of(
        streams.get_shard_iterator,
        StreamArn=arn,
        ShardId=shard,
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=beyond,
    ) == ("ValidationException", f"Invalid SequenceNumber {beyond} for shard {shard}")
    good = iterator(streams, arn)
    for bad in ("x", good + "x", good.replace("|1|", "|2|"), good[:-4], arn + "|1|!!!!", "|||"):
        assert error_of(streams.get_records, ShardIterator=bad) == ("ValidationException", "Invalid ShardIterator")
    gone = arn.replace("/stream/", "/stream/1")
    assert error_of(streams.describe_stream, StreamArn=gone) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Stream: {gone} not found",
    )
