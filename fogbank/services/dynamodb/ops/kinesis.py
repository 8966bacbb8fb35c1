"""Kinesis streaming destinations: Fogbank serves no Kinesis, so no table ever has one.

DescribeKinesisStreamingDestination tells that truth (an empty list); enabling, updating or disabling a
destination names a Kinesis stream that cannot exist here, and is refused as a missing resource would be, in
AWS's envelope, after the table itself is checked as AWS checks it. The wording is Fogbank's (AWS's answer
for a missing Kinesis stream is not recorded).
"""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.dynamodb.ops.tables import find_table


def no_kinesis_stream(arn: str) -> AwsError:
    return AwsError(
        "ResourceNotFoundException",
        f"Requested resource not found: Kinesis stream {arn} not found (Fogbank serves no Kinesis Data Streams)",
    )


@operation("DescribeKinesisStreamingDestination")
def describe_kinesis_streaming_destination(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    table = find_table(ctx, params["TableName"])
    return {"TableName": table.name, "KinesisDataStreamDestinations": []}


@operation("EnableKinesisStreamingDestination")
@operation("DisableKinesisStreamingDestination")
@operation("UpdateKinesisStreamingDestination")
def change_kinesis_streaming_destination(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    find_table(ctx, params["TableName"])
    raise no_kinesis_stream(params["StreamArn"])
