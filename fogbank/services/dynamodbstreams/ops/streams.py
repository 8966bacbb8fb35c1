"""ListStreams and DescribeStream: the streams of a region and the shards of one."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.services.base import operation
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.streams import Shard, StreamRow, sequence_number, shards_of, streams_in
from fogbank.services.dynamodbstreams.errors import limit_too_large, shard_not_found
from fogbank.services.dynamodbstreams.ops.lookup import find_stream_of

MAX_STREAMS = 100  # the documented upper limits of Limit (the model gives only the lower one)
MAX_SHARDS = 100


def page_size(params: dict[str, Any], high: int) -> int:
    limit = params.get("Limit")
    if limit is None:
        return high
    if limit > high:
        raise limit_too_large(limit, high)
    return int(limit)


@operation("ListStreams")
def list_streams(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    limit = page_size(params, MAX_STREAMS)
    table_name = params.get("TableName")
    # In ARN order: by table, then by creation (the label is the creation time).
    streams = sorted(streams_in(backend.store, ctx.account_id, ctx.region, table_name), key=lambda s: s.arn)
    start = params.get("ExclusiveStartStreamArn")
    if start is not None:
        streams = [stream for stream in streams if stream.arn > start]
    page = streams[:limit]
    result: dict[str, Any] = {
        "Streams": [{"StreamArn": s.arn, "TableName": s.table_name, "StreamLabel": s.label} for s in page]
    }
    if len(streams) > limit:
        result["LastEvaluatedStreamArn"] = page[-1].arn
    return result


def describe_shard(shard: Shard) -> dict[str, Any]:
    numbers = {"StartingSequenceNumber": sequence_number(shard.first_seq)}
    if shard.last_seq is not None:
        # A shard closed before any record reached it ends just before it starts, as its range is empty.
        numbers["EndingSequenceNumber"] = sequence_number(shard.last_seq)
    described: dict[str, Any] = {"ShardId": shard.shard_id, "SequenceNumberRange": numbers}
    if shard.parent is not None:
        described["ParentShardId"] = shard.parent
    return described


def stream_status(stream: StreamRow) -> str:
    # Fogbank's transitions are instant, as its tables' are: ENABLING and DISABLING are never seen.
    return "ENABLED" if stream.disabled is None else "DISABLED"


@operation("DescribeStream")
def describe_stream(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    limit = page_size(params, MAX_SHARDS)
    stream = find_stream_of(ctx, params["StreamArn"])
    shards = shards_of(backend.store, stream.sid)
    shard_filter = params.get("ShardFilter")
    if shard_filter and shard_filter.get("Type") == "CHILD_SHARDS":
        parent = shard_filter.get("ShardId")
        shards = [shard for shard in shards if shard.parent == parent]
    start = params.get("ExclusiveStartShardId")
    if start is not None:
        position = next((i for i, shard in enumerate(shards) if shard.shard_id == start), None)
        if position is None:
            raise shard_not_found()
        shards = shards[position + 1 :]
    page = shards[:limit]
    description: dict[str, Any] = {
        "StreamArn": stream.arn,
        "StreamLabel": stream.label,
        "StreamStatus": stream_status(stream),
        "StreamViewType": stream.view_type,
        "CreationRequestDateTime": stream.created,
        "TableName": stream.table_name,
        "KeySchema": stream.key_schema,
        "Shards": [describe_shard(shard) for shard in page],
    }
    if len(shards) > limit:
        description["LastEvaluatedShardId"] = page[-1].shard_id
    return {"StreamDescription": description}
