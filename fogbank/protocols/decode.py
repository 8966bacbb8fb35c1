"""Input documents of the JSON-like protocols (json, rest-json bodies, cbor) checked against their shape.

Each shape is compiled once into a small decoding function (a closure over its members' functions), so a
request pays one call per value rather than re-reading the model. A wrong type is a SerializationException
worded like AWS's JSON deserializer; unknown structure members and nulls are dropped, as AWS does; blobs
(base64 in JSON) become bytes and timestamps datetimes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from botocore.model import Shape

from fogbank.protocols.errors import AwsError

Decoder = Callable[[Any], Any]

_JSON_KIND = {str: "STRING_VALUE", bool: "BOOLEAN_VALUE", int: "NUMBER_VALUE", float: "NUMBER_VALUE"}
_JAVA_TYPE = {"integer": "Integer", "long": "Long", "float": "Float", "double": "Double"}


def kind_of(value: Any) -> str:
    """How AWS's deserializer names the JSON token it found."""
    if isinstance(value, dict):
        return "START_OBJECT"
    if isinstance(value, list):
        return "START_ARRAY"
    return _JSON_KIND.get(type(value), "VALUE")


def serialization_error(message: str) -> AwsError:
    return AwsError("SerializationException", message, 400)


def decode_document(shape: Shape | None, value: Any, blobs_are_base64: bool = True) -> Any:
    """Type-check a parsed JSON/CBOR value against a shape; decode blobs and timestamps."""
    if shape is None or value is None:
        return value
    return decoder(shape, blobs_are_base64)(value)


# (id of a model's shape resolver, shape name) -> (model, wrap): a service's faster decoder for one of its
# shapes, given the generic one to fall back on (see register_decoder).
_HOOKS: dict[tuple[int, str], tuple[Any, Callable[[Decoder], Decoder]]] = {}


def register_decoder(model: Any, shape_name: str, wrap: Callable[[Decoder], Decoder]) -> None:
    """Let a service decode a shape of its model faster than the generic walk: ``wrap`` receives the
    generic decoder and returns one that must accept and refuse exactly what the generic one does
    (typically a fast path for the common forms that hands everything else to the generic decoder)."""
    resolver = model._shape_resolver
    _HOOKS[(id(resolver), shape_name)] = (model, wrap)
    for key in [key for key in _DECODERS if key[0] == id(resolver)]:
        del _DECODERS[key]  # compiled before the hook existed


# (id of the model's shape resolver, shape name, base64 blobs) -> decoder. Holding the resolver keeps its
# id from being reused; botocore rebuilds Shape objects per access but models are cached.
_DECODERS: dict[tuple[int, str, bool], tuple[Any, Decoder]] = {}


def decoder(shape: Shape, blobs_are_base64: bool = True) -> Decoder:
    resolver = shape._shape_resolver
    key = (id(resolver), shape.name, blobs_are_base64)
    found = _DECODERS.get(key)
    if found is not None:
        return found[1]
    # Recursive shapes (a DynamoDB AttributeValue holds AttributeValues) reach themselves through
    # this indirection while they are being compiled.
    slot: list[Decoder] = []

    def forward(value: Any) -> Any:
        return slot[0](value)

    _DECODERS[key] = (resolver, forward)
    compiled = _compile(shape, blobs_are_base64)
    hook = _HOOKS.get((id(resolver), shape.name))
    if hook is not None and blobs_are_base64:
        compiled = hook[1](compiled)
    slot.append(compiled)
    _DECODERS[key] = (resolver, compiled)
    return compiled


def _compile(shape: Shape, base64_blobs: bool) -> Decoder:
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, base64_blobs)
    if kind == "list":
        return _list(decoder(shape.member, base64_blobs))
    if kind == "map":
        return _map(decoder(shape.key, base64_blobs), decoder(shape.value, base64_blobs))
    if kind == "string":
        return _string
    if kind == "boolean":
        return _boolean
    if kind in ("integer", "long"):
        return _integer(_JAVA_TYPE[kind])
    if kind in ("float", "double"):
        return _float(_JAVA_TYPE[kind])
    if kind == "blob":
        return _blob_base64 if base64_blobs else _blob_raw
    if kind == "timestamp":
        return parse_timestamp
    return _identity


def _identity(value: Any) -> Any:
    return value


def _structure(shape: Shape, base64_blobs: bool) -> Decoder:
    name = shape.name
    if shape.is_document_type:

        def document(value: Any) -> Any:
            if not isinstance(value, dict):
                raise serialization_error(f"{kind_of(value)} cannot be converted to {name}")
            return value  # free-form JSON: no members to check

        return document
    # A member travels under its locationName when it has one (botocore's JSON serializers); a renamed
    # member's own name then matches nothing, as on the wire.
    members: dict[str, tuple[str, Decoder]] = {}
    for member_name, member in shape.members.items():
        wire = member.serialization.get("name") or member_name
        members[wire] = (member_name, decoder(member, base64_blobs))
    lookup = members.get

    def structure(value: Any) -> Any:
        if type(value) is not dict:
            if not isinstance(value, dict):
                raise serialization_error(f"{kind_of(value)} cannot be converted to {name}")
        out: dict[str, Any] = {}
        for key, item in value.items():
            found = lookup(key)
            if found is not None and item is not None:
                out[found[0]] = found[1](item)
        return out

    return structure


def _list(member: Decoder) -> Decoder:
    def decode_list(value: Any) -> Any:
        if not isinstance(value, list):
            raise serialization_error(f"Unexpected {kind_of(value)}: expected a list")
        return [None if item is None else member(item) for item in value]

    return decode_list


def _map(key: Decoder, member: Decoder) -> Decoder:
    def decode_map(value: Any) -> Any:
        if not isinstance(value, dict):
            raise serialization_error(f"Unexpected {kind_of(value)}: expected a map")
        return {key(k): None if v is None else member(v) for k, v in value.items()}

    return decode_map


def _string(value: Any) -> Any:
    if type(value) is not str:
        raise serialization_error(f"{kind_of(value)} cannot be converted to String")
    return value


def _boolean(value: Any) -> Any:
    if type(value) is not bool:
        raise serialization_error(f"{kind_of(value)} cannot be converted to Boolean")
    return value


def _integer(java_type: str) -> Decoder:
    def decode_integer(value: Any) -> Any:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (isinstance(value, float) and not value.is_integer())
        ):
            raise serialization_error(f"{kind_of(value)} can not be converted to an {java_type}")
        return int(value)

    return decode_integer


def _float(java_type: str) -> Decoder:
    def decode_float(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise serialization_error(f"{kind_of(value)} can not be converted to a {java_type}")
        if isinstance(value, float) and not math.isfinite(value):
            raise serialization_error(f"{value} can not be converted to a {java_type}")
        return float(value)

    return decode_float


def _blob_base64(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if not isinstance(value, str):
        raise serialization_error(f"{kind_of(value)} can not be converted to a Blob")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise serialization_error("Base64 encoded value is invalid: '" + value[:64] + "'") from None


def _blob_raw(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise serialization_error(f"{kind_of(value)} can not be converted to a Blob")


def parse_timestamp(value: Any) -> dt.datetime:
    """Epoch seconds, ISO 8601 or RFC 822: all three appear on the wire."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, bool):
        raise serialization_error("BOOLEAN_VALUE can not be converted to a Date")
    if isinstance(value, (int, float)):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise serialization_error(f"Invalid timestamp: {value}") from None
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.datetime.fromtimestamp(float(text), dt.UTC)
        except (ValueError, OverflowError, OSError):
            pass
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        except ValueError:
            pass
        from email.utils import parsedate_to_datetime

        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            pass
    raise serialization_error(f"Invalid timestamp: {str(value)[:64]}")
