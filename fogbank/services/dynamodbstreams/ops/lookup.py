"""Finding the stream a request names: only in the caller's account and region, as on AWS."""

from __future__ import annotations

from fogbank.core.context import RequestContext
from fogbank.services.dynamodb.streams import StreamRow, find_stream
from fogbank.services.dynamodbstreams.errors import stream_not_found


def find_stream_of(ctx: RequestContext, arn: str) -> StreamRow:
    stream = find_stream(ctx.backend.store, arn)
    if stream is None or stream.account != ctx.account_id or stream.region != ctx.region:
        raise stream_not_found(arn)
    return stream
