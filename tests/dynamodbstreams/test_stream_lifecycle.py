"""A table's stream: enabled by CreateTable or UpdateTable, disabled, re-enabled under a new ARN, listed and
described; the old stream stays readable after it is disabled or its table deleted."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

from fogbank.config import Config
from fogbank.server import Fogbank
from tests.dynamodbstreams.conftest import error_of, iterator, read_all, shard_ids, stream_table

ENABLE = {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
INVALID = "One or more parameter values were invalid: "


def test_create_table_with_a_stream(ddb: Any, streams: Any) -> None:
    arn = stream_table(ddb, sort=True)
    table = ddb.describe_table(TableName="streamed")["Table"]
    assert table["LatestStreamArn"] == arn == f"{table['TableArn']}/stream/{table['LatestStreamLabel']}"
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert description["StreamStatus"] == "ENABLED" and description["TableName"] == "streamed"
    assert description["StreamLabel"] == table["LatestStreamLabel"]
    assert description["KeySchema"] == table["KeySchema"]
    (shard,) = description["Shards"]
    assert shard["ShardId"].startswith("shardId-") and "ParentShardId" not in shard
    assert len(shard["SequenceNumberRange"]["StartingSequenceNumber"]) >= 21


def test_disable_and_re_enable(ddb: Any, streams: Any) -> None:
    stream_table(ddb, view=None)
    first = ddb.update_table(TableName="streamed", StreamSpecification=ENABLE)["TableDescription"]["LatestStreamArn"]
    ddb.put_item(TableName="streamed", Item={"pk": {"S": "a"}})
    position = iterator(streams, first)
    ddb.update_table(TableName="streamed", StreamSpecification={"StreamEnabled": False})
    table = ddb.describe_table(TableName="streamed")["Table"]
    assert "StreamSpecification" not in table and table["LatestStreamArn"] == first
    ddb.put_item(TableName="streamed", Item={"pk": {"S": "b"}})  # no stream: no record
    old = streams.describe_stream(StreamArn=first)["StreamDescription"]
    assert old["StreamStatus"] == "DISABLED"
    assert "EndingSequenceNumber" in old["Shards"][0]["SequenceNumberRange"]
    page = streams.get_records(ShardIterator=position)  # still readable, and its shard is closed
    assert [r["dynamodb"]["Keys"] for r in page["Records"]] == [{"pk": {"S": "a"}}]
    assert "NextShardIterator" not in page
    second = ddb.update_table(
        TableName="streamed", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    )["TableDescription"]["LatestStreamArn"]
    assert second != first
    ddb.put_item(TableName="streamed", Item={"pk": {"S": "c"}})
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, second)] == ["c"]
    listed = streams.list_streams(TableName="streamed")["Streams"]
    assert [s["StreamArn"] for s in listed] == [first, second]
    assert all(s["TableName"] == "streamed" and s["StreamArn"].endswith(s["StreamLabel"]) for s in listed)


def test_stream_setting_errors(ddb: Any) -> None:
    stream_table(ddb, view="KEYS_ONLY")
    already = ("ValidationException", "Table already has an enabled stream: TableName: streamed")
    assert error_of(ddb.update_table, TableName="streamed", StreamSpecification=ENABLE) == already
    other_view = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}  # the view changes only once disabled
    assert error_of(ddb.update_table, TableName="streamed", StreamSpecification=other_view) == already
    assert error_of(
        ddb.update_table,
        TableName="streamed",
        StreamSpecification={"StreamEnabled": False, "StreamViewType": "NEW_IMAGE"},
    ) == ("ValidationException", INVALID + "If stream is being disabled, then UpdateViewType must not be specified")
    ddb.update_table(TableName="streamed", StreamSpecification={"StreamEnabled": False})
    assert error_of(ddb.update_table, TableName="streamed", StreamSpecification={"StreamEnabled": False}) == (
        "ValidationException",
        "Table has no stream to disable: TableName: streamed",
    )
    assert error_of(ddb.update_table, TableName="streamed", StreamSpecification={"StreamEnabled": True}) == (
        "ValidationException",
        INVALID + "If stream is being enabled then UpdateViewType is required",
    )


def test_a_deleted_tables_stream_is_disabled_and_readable(ddb: Any, streams: Any) -> None:
    arn = stream_table(ddb)
    ddb.put_item(TableName="streamed", Item={"pk": {"S": "a"}})
    ddb.delete_table(TableName="streamed")
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    assert [r["eventName"] for r in read_all(streams, arn)] == ["INSERT"]
    again = stream_table(ddb)
    assert again != arn and [s["StreamArn"] for s in streams.list_streams()["Streams"]] == [arn, again]


def test_a_disabled_stream_expires_after_retention(ddb: Any, streams: Any, backend: Any) -> None:
    arn = stream_table(ddb)
    ddb.update_table(TableName="streamed", StreamSpecification={"StreamEnabled": False})
    backend.stream_keeper.trim(time.time() + 25 * 3600)
    assert streams.list_streams()["Streams"] == []
    assert error_of(streams.describe_stream, StreamArn=arn)[0] == "ResourceNotFoundException"


def test_list_streams_pages(ddb: Any, streams: Any) -> None:
    arns = sorted(stream_table(ddb, name=f"table{i}") for i in range(5))
    stream_table(ddb, name="nostream", view=None)
    seen: list[str] = []
    start: dict[str, str] = {}
    while True:
        page = streams.list_streams(Limit=2, **start)
        seen += [s["StreamArn"] for s in page["Streams"]]
        if "LastEvaluatedStreamArn" not in page:
            break
        start = {"ExclusiveStartStreamArn": page["LastEvaluatedStreamArn"]}
    assert seen == arns
    assert [s["StreamArn"] for s in streams.list_streams(TableName="table3")["Streams"]] == [arns[3]]
    assert streams.list_streams(TableName="nostream")["Streams"] == []
    assert error_of(streams.list_streams, Limit=101)[0] == "ValidationException"


def test_streams_belong_to_their_region(ddb: Any, client: Any) -> None:
    arn = stream_table(ddb)
    elsewhere = client("dynamodbstreams", region="eu-west-1")
    assert elsewhere.list_streams()["Streams"] == []
    assert error_of(elsewhere.describe_stream, StreamArn=arn) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Stream: {arn} not found",
    )


def test_kinesis_streaming_destinations_say_there_is_no_kinesis(ddb: Any) -> None:
    stream_table(ddb)
    described = ddb.describe_kinesis_streaming_destination(TableName="streamed")
    assert described["TableName"] == "streamed" and described["KinesisDataStreamDestinations"] == []
    kinesis = "arn:aws:kinesis:us-east-1:000000000000:stream/somewhere"
    for call in (ddb.enable_kinesis_streaming_destination, ddb.disable_kinesis_streaming_destination):
        code, message = error_of(call, TableName="streamed", StreamArn=kinesis)
        assert code == "ResourceNotFoundException" and kinesis in message
    assert error_of(ddb.describe_kinesis_streaming_destination, TableName="nothere") == (
        "ResourceNotFoundException",
        "Requested resource not found: Table: nothere not found",
    )


def test_the_keeper_rolls_shards_on_its_own() -> None:
    """The shard interval is a setting (AWS: about four hours): at half a second, shards roll while we watch."""
    with Fogbank(Config(port=0, ephemeral=True, dynamodb_shard_seconds=0.3)) as server:
        ddb = boto3.client("dynamodb", endpoint_url=server.endpoint, region_name="us-east-1")
        streams = boto3.client("dynamodbstreams", endpoint_url=server.endpoint, region_name="us-east-1")
        arn = stream_table(ddb)
        ddb.put_item(TableName="streamed", Item={"pk": {"S": "a"}})
        deadline = time.monotonic() + 10
        while len(shard_ids(streams, arn)) < 2:
            assert time.monotonic() < deadline, "no rollover"
            time.sleep(0.05)
        ddb.put_item(TableName="streamed", Item={"pk": {"S": "b"}})
        first, child = shard_ids(streams, arn)[:2]
        assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, arn, shard=first)] == ["a"]
        assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, arn, shard=child)] == ["b"]


@pytest.mark.parametrize("operation", ["describe_stream", "get_shard_iterator"])
def test_unknown_streams(streams: Any, operation: str) -> None:
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/none/stream/2020-01-01T00:00:00.000"
    extra = {"ShardId": "shardId-00000000000000000000-00000000", "ShardIteratorType": "LATEST"}
    params = {"StreamArn": arn, **(extra if operation == "get_shard_iterator" else {})}
    assert error_of(getattr(streams, operation), **params) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Stream: {arn} not found",
    )
