"""DynamoDB Streams test helpers: a table with a stream, and reading a shard to its current end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def ddb(client: Callable[..., Any]) -> Any:
    return client("dynamodb")


@pytest.fixture
def streams(client: Callable[..., Any]) -> Any:
    return client("dynamodbstreams")


@pytest.fixture
def backend(fogbank_server: Any) -> Any:
    return fogbank_server.platform.service("dynamodb").backend


def stream_table(ddb: Any, name: str = "streamed", view: str | None = "NEW_AND_OLD_IMAGES", sort: bool = False) -> str:
    """A table (pk S, optionally sk S) with a stream of ``view``; returns its LatestStreamArn ("" without one)."""
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
    if sort:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        definitions.append({"AttributeName": "sk", "AttributeType": "S"})
    extra: dict[str, Any] = {}
    if view is not None:
        extra["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
    description = ddb.create_table(
        TableName=name, KeySchema=keys, AttributeDefinitions=definitions, BillingMode="PAY_PER_REQUEST", **extra
    )["TableDescription"]
    return description.get("LatestStreamArn", "")


def shard_ids(streams: Any, arn: str) -> list[str]:
    return [shard["ShardId"] for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]]


def iterator(streams: Any, arn: str, kind: str = "TRIM_HORIZON", shard: str | None = None, **extra: Any) -> str:
    shard = shard or shard_ids(streams, arn)[-1]
    return streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **extra)["ShardIterator"]


def read_all(streams: Any, arn: str, shard: str | None = None) -> list[dict[str, Any]]:
    """Every record of a shard (the open one by default) from its horizon to what is written so far."""
    records: list[dict[str, Any]] = []
    position: str | None = iterator(streams, arn, shard=shard)
    while position:
        page = streams.get_records(ShardIterator=position)
        records += page["Records"]
        if not page["Records"]:
            break
        position = page.get("NextShardIterator")
    return records


def error_of(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str]:
    try:
        call(**kwargs)
    except Exception as error:
        response = getattr(error, "response", None)
        assert response is not None, error
        return response["Error"]["Code"], response["Error"]["Message"]
    raise AssertionError("the call did not fail")
