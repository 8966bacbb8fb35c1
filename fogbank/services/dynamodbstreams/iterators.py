"""Shard iterators: opaque to the client, shaped as AWS's (``<stream arn>|1|<token>``).

The token carries the stream's and shard's numbers, the position (records after sequence number ``after``;
-1 for TRIM_HORIZON, resolved when read, so that it follows trimming) and when it was issued, which is what
expiry (15 minutes) is measured from. A checksum makes a mangled iterator a ValidationException rather than
a read somewhere else.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass

import orjson

from fogbank.services.dynamodbstreams.errors import invalid_iterator

HORIZON = -1


@dataclass(frozen=True)
class Position:
    arn: str
    sid: int
    shard: int
    after: int  # read records with a greater sequence number; HORIZON: from the oldest one kept
    issued: float


def encode(position: Position) -> str:
    body = orjson.dumps([position.sid, position.shard, position.after, round(position.issued, 3)])
    token = base64.urlsafe_b64encode(zlib.crc32(body).to_bytes(4, "big") + body).decode("ascii")
    return f"{position.arn}|1|{token}"


def decode(iterator: str) -> Position:
    arn, _, rest = iterator.partition("|")
    version, _, token = rest.partition("|")
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
        body = raw[4:]
        # Only the token as issued: the decoder would pass over characters after the padding.
        canonical = base64.urlsafe_b64encode(raw).decode("ascii") == token
        if version != "1" or not canonical or len(raw) < 5 or zlib.crc32(body).to_bytes(4, "big") != raw[:4]:
            raise ValueError("checksum")
        sid, shard, after, issued = orjson.loads(body)
        if not all(type(value) is int for value in (sid, shard, after)) or type(issued) not in (int, float):
            raise ValueError("shape")
    except (ValueError, TypeError, UnicodeEncodeError, binascii.Error, orjson.JSONDecodeError):
        raise invalid_iterator() from None
    return Position(arn, sid, shard, after, float(issued))
