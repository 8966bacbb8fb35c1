"""GetShardIterator and GetRecords: reading a shard's records in order."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.services.base import operation
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.codec import unpack
from fogbank.services.dynamodb.streams import BY_TTL as TTL_SERVICE
from fogbank.services.dynamodb.streams import (
    EVENT_NAMES,
    Shard,
    StreamRow,
    parse_sequence_number,
    records_of,
    sequence_number,
    shards_of,
    stream_by_number,
)
from fogbank.services.dynamodbstreams.errors import (
    expired,
    invalid_sequence_number,
    iterator_shard_gone,
    missing_sequence_number,
    missing_timestamp,
    shard_not_found,
    stream_not_found,
    trimmed,
)
from fogbank.services.dynamodbstreams.iterators import HORIZON, Position, decode, encode
from fogbank.services.dynamodbstreams.ops.lookup import find_stream_of
from fogbank.services.dynamodbstreams.ops.streams import page_size

MAX_RECORDS = 1000  # a GetRecords answer holds at most 1,000 records or 1 MB, whichever comes first
MAX_BYTES = 1024 * 1024
BY_TTL = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
SEQUENCED = ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")


def shard_named(shards: list[Shard], shard_id: str) -> Shard:
    shard = next((shard for shard in shards if shard.shard_id == shard_id), None)
    if shard is None:
        raise shard_not_found()
    return shard


def shard_end(stream: StreamRow, shard: Shard) -> int:
    """The last sequence number the shard holds so far."""
    return shard.last_seq if shard.last_seq is not None else stream.last_seq


def start_after(backend: Backend, stream: StreamRow, shard: Shard, params: dict[str, Any]) -> int:
    """Where a new iterator starts: records after the sequence number returned (HORIZON: the oldest kept)."""
    kind = params["ShardIteratorType"]
    if kind in SEQUENCED:
        text = params.get("SequenceNumber")
        if text is None:
            raise missing_sequence_number(kind)
        seq = parse_sequence_number(text)
        if seq is None or not shard.first_seq <= seq <= shard_end(stream, shard):
            raise invalid_sequence_number(text, shard.shard_id)
        if seq <= stream.trimmed_seq:
            raise trimmed()
        return seq - 1 if kind == "AT_SEQUENCE_NUMBER" else seq
    if kind == "TRIM_HORIZON":
        return HORIZON
    if kind == "LATEST":
        return shard_end(stream, shard)
    # AT_TIMESTAMP: from the first record written at or after the moment (records are in time order).
    moment = params.get("Timestamp")
    if moment is None:
        raise missing_timestamp()
    seconds = moment.timestamp() if hasattr(moment, "timestamp") else float(moment)
    row = (
        backend.store.reader()
        .execute(
            "SELECT MIN(seq) FROM records WHERE sid = ? AND seq >= ? AND seq <= ? AND created >= ?",
            (stream.sid, shard.first_seq, shard_end(stream, shard), seconds),
        )
        .fetchone()
    )
    return row[0] - 1 if row[0] is not None else shard_end(stream, shard)


@operation("GetShardIterator")
def get_shard_iterator(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    stream = find_stream_of(ctx, params["StreamArn"])
    shard = shard_named(shards_of(backend.store, stream.sid), params["ShardId"])
    after = start_after(backend, stream, shard, params)
    return {"ShardIterator": encode(Position(stream.arn, stream.sid, shard.number, after, time.time()))}


@operation("GetRecords")
def get_records(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    limit = page_size(params, MAX_RECORDS)
    position = decode(params["ShardIterator"])
    now = time.time()
    lifetime = backend.stream_settings.iterator_seconds
    if now - position.issued > lifetime:
        raise expired(position.issued, now, lifetime)
    stream = stream_by_number(backend.store, position.sid)
    if stream is None or stream.arn != position.arn or (stream.account, stream.region) != (ctx.account_id, ctx.region):
        raise stream_not_found(position.arn)
    shard = next((shard for shard in shards_of(backend.store, stream.sid) if shard.number == position.shard), None)
    if shard is None:
        raise iterator_shard_gone()
    after = position.after
    if after == HORIZON:
        after = max(shard.first_seq - 1, stream.trimmed_seq)
    elif after < stream.trimmed_seq:
        raise trimmed()
    records: list[dict[str, Any]] = []
    total = 0
    for seq, created, event, keys, new, old, size, service in records_of(
        backend.store, stream.sid, after, shard.last_seq, limit
    ):
        if records and total + size > MAX_BYTES:
            break
        total += size
        records.append(stream_record(ctx, stream, seq, created, event, keys, new, old, size, service == TTL_SERVICE))
        after = seq
    result: dict[str, Any] = {"Records": records}
    # A closed shard read to its end has no next iterator: the reader moves on to the child shard.
    if shard.last_seq is None or after < shard.last_seq:
        result["NextShardIterator"] = encode(Position(stream.arn, stream.sid, shard.number, after, now))
    return result


def stream_record(
    ctx: RequestContext,
    stream: StreamRow,
    seq: int,
    created: float,
    event: int,
    keys: bytes,
    new: bytes | None,
    old: bytes | None,
    size: int,
    service: bool,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ApproximateCreationDateTime": float(int(created)),  # rounded down to the second, as AWS documents
        "Keys": unpack(keys),
    }
    if new is not None:
        body["NewImage"] = unpack(new)
    if old is not None:
        body["OldImage"] = unpack(old)
    body["SequenceNumber"] = sequence_number(seq)
    body["SizeBytes"] = size
    body["StreamViewType"] = stream.view_type
    record: dict[str, Any] = {
        # Derived from the stream and the sequence number: unique, and the same each time the record is read.
        "eventID": hashlib.md5(f"{stream.arn}#{seq}".encode()).hexdigest(),
        "eventName": EVENT_NAMES[event],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": ctx.region,
        "dynamodb": body,
    }
    if service:
        record["userIdentity"] = dict(BY_TTL)
    return record
