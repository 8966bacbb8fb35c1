"""How an item is kept in its row: DynamoDB's own wire JSON, UTF-8, binary values in base64.

A read that returns an item whole (GetItem, Query, Scan) splices the stored bytes into its answer without
decoding them (protocols/base.RawJson). Databases written before this format kept items as CBOR, which
``unpack`` and ``wire_json`` still read: a CBOR item is a map, never a text, so it cannot start with "{".
"""

from __future__ import annotations

import base64
from typing import Any

import cbor2
import orjson


def _base64(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot store {type(value).__name__}")


def pack(item: dict[str, Any]) -> bytes:
    """An item as stored: its wire JSON, UTF-8."""
    return orjson.dumps(item, default=_base64)


def unpack(blob: bytes) -> dict[str, Any]:
    """A stored item in the handlers' form (binary values as bytes)."""
    if blob[:1] != b"{":
        return cbor2.loads(blob)  # written by an earlier version
    item = orjson.loads(blob)
    if b'"B":' in blob or b'"BS":' in blob:  # only then is there anything to decode (or a look-alike string)
        _decode_binary(item)
    return item


def wire_json(blob: bytes) -> bytes:
    """A stored item as wire JSON, whatever version wrote it."""
    return blob if blob[:1] == b"{" else pack(cbor2.loads(blob))


def _decode_binary(values: dict[str, Any]) -> None:
    for value in values.values():
        _decode_value(value)


def _decode_value(value: dict[str, Any]) -> None:
    if "B" in value:
        value["B"] = base64.b64decode(value["B"])
    elif "BS" in value:
        value["BS"] = [base64.b64decode(member) for member in value["BS"]]
    elif "M" in value:
        _decode_binary(value["M"])
    elif "L" in value:
        for member in value["L"]:
            _decode_value(member)
