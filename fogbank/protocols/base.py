"""What every protocol does: find the operation, parse input, serialize output and errors."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
from typing import Any

from botocore.model import OperationModel, Shape

from fogbank.gateway.http import HttpRequest, HttpResponse
from fogbank.protocols import spec
from fogbank.protocols.errors import AwsError
from fogbank.protocols.validate import summary, validate


class Protocol:
    """One wire protocol for one botocore service model."""

    name = ""
    unknown_operation_code = "UnknownOperationException"

    def __init__(self, service: str) -> None:
        self.service = service
        self.model = spec.service_model(service)

    def operation_name(self, request: HttpRequest) -> str | None:
        """The operation the request names, or None when it names none we know."""
        raise NotImplementedError

    def parse(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        raise NotImplementedError

    def serialize(self, operation: OperationModel, result: dict[str, Any] | None, request_id: str) -> HttpResponse:
        raise NotImplementedError

    def serialize_error(self, error: AwsError, request_id: str) -> HttpResponse:
        raise NotImplementedError

    def check(self, operation: OperationModel, params: dict[str, Any]) -> None:
        problems = validate(operation.input_shape, params)
        if problems:
            raise self.validation_error(problems)

    def validation_error(self, problems: list[str]) -> AwsError:
        return AwsError("ValidationException", summary(problems), 400)

    def unknown_operation(self, request: HttpRequest) -> AwsError:
        return AwsError(self.unknown_operation_code, "", 400)

    def resolve_error(self, error: AwsError) -> tuple[str, str, int]:
        """(shape name, wire code, status) of an error, from the model when it is modelled."""
        modelled = spec.error_shapes(self.service).get(error.code)
        if modelled:
            shape, code, status = modelled
        else:
            shape = code = error.code
            status = None
        return shape, code, error.status or status or (400 if error.sender_fault else 500)


# -- JSON-like documents (json, rest-json bodies, cbor) -------------------------------------------

_JSON_KIND = {str: "STRING_VALUE", bool: "BOOLEAN_VALUE", int: "NUMBER_VALUE", float: "NUMBER_VALUE"}
_JAVA_TYPE = {
    "string": "String",
    "integer": "Integer",
    "long": "Long",
    "float": "Float",
    "double": "Double",
    "boolean": "Boolean",
    "blob": "Blob",
    "timestamp": "Date",
}


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "START_OBJECT"
    if isinstance(value, list):
        return "START_ARRAY"
    return _JSON_KIND.get(type(value), "VALUE")


def serialization_error(message: str) -> AwsError:
    return AwsError("SerializationException", message, 400)


def decode_document(shape: Shape | None, value: Any, blobs_are_base64: bool = True) -> Any:
    """Type-check a parsed JSON/CBOR value against a shape; decode blobs and timestamps.

    Unknown structure members are dropped, as AWS does. A wrong type is a SerializationException,
    worded like AWS's JSON deserializer.
    """
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise serialization_error(f"{_kind(value)} cannot be converted to {shape.name}")
        if shape.is_document_type:
            return value  # free-form JSON: no members to check
        members = shape.members
        renamed = _wire_names(shape)
        out: dict[str, Any] = {}
        for key, item in value.items():
            # A member travels under its locationName when it has one (botocore's JSON serializers).
            name = renamed.get(key, key) if renamed else key
            member = members.get(name)
            if member is not None and item is not None:
                out[name] = decode_document(member, item, blobs_are_base64)
        return out
    if kind == "list":
        if not isinstance(value, list):
            raise serialization_error(f"Unexpected {_kind(value)}: expected a list")
        member = shape.member
        return [decode_document(member, item, blobs_are_base64) for item in value]
    if kind == "map":
        if not isinstance(value, dict):
            raise serialization_error(f"Unexpected {_kind(value)}: expected a map")
        key_shape, value_shape = shape.key, shape.value
        return {
            decode_document(key_shape, k, blobs_are_base64): decode_document(value_shape, v, blobs_are_base64)
            for k, v in value.items()
        }
    if kind == "string":
        if not isinstance(value, str):
            raise serialization_error(f"{_kind(value)} cannot be converted to String")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise serialization_error(f"{_kind(value)} cannot be converted to Boolean")
        return value
    if kind in ("integer", "long"):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (isinstance(value, float) and not value.is_integer())
        ):
            raise serialization_error(f"{_kind(value)} can not be converted to an {_JAVA_TYPE[kind]}")
        return int(value)
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise serialization_error(f"{_kind(value)} can not be converted to a {_JAVA_TYPE[kind]}")
        if isinstance(value, float) and not math.isfinite(value):
            raise serialization_error(f"{value} can not be converted to a {_JAVA_TYPE[kind]}")
        return float(value)
    if kind == "blob":
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        if not isinstance(value, str) or not blobs_are_base64:
            raise serialization_error(f"{_kind(value)} can not be converted to a Blob")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serialization_error("Base64 encoded value is invalid: '" + value[:64] + "'") from None
    if kind == "timestamp":
        return parse_timestamp(value)
    return value


def encode_document(shape: Shape | None, value: Any) -> Any:
    """A handler's result in the JSON protocols' wire form: members renamed to their locationName
    and timestamps in their modelled format. Shapes that need neither pass through untouched
    (json_default then handles bytes and datetimes), so DynamoDB's hot path pays nothing."""
    if shape is None or value is None or not _needs_encoding(shape):
        return value
    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type or not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for name, item in value.items():
            member = shape.members.get(name)
            if member is None:
                out[name] = item
            elif item is not None:
                out[member.serialization.get("name", name)] = encode_document(member, item)
        return out
    if kind == "list" and isinstance(value, (list, tuple)):
        return [encode_document(shape.member, item) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: encode_document(shape.value, item) for key, item in value.items()}
    if kind == "timestamp" and isinstance(value, dt.datetime):
        return format_timestamp(value, shape.serialization.get("timestampFormat", "unixtimestamp"))
    return value


def format_timestamp(value: dt.datetime, timestamp_format: str) -> Any:
    if timestamp_format == "iso8601":
        return iso8601(value)
    if timestamp_format == "rfc822":
        from email.utils import format_datetime

        return format_datetime(value.astimezone(dt.UTC), usegmt=True)
    return epoch(value)


# id(shape) -> (shape, answer); holding the shape keeps its id from being reused.
_ENCODING_NEEDED: dict[int, tuple[Shape, bool]] = {}


_WIRE_NAMES: dict[int, tuple[Shape, dict[str, str] | None]] = {}


def _wire_names(shape: Shape) -> dict[str, str] | None:
    """wire name -> member name for a structure's renamed members (None when none is renamed,
    the common case); a renamed member's own name then matches nothing, as on the wire."""
    found = _WIRE_NAMES.get(id(shape))
    if found is None:
        names: dict[str, str] = {}
        for name, member in shape.members.items():
            wire = member.serialization.get("name")
            if wire and wire != name:
                names[wire] = name
                names.setdefault(name, "")
        found = _WIRE_NAMES[id(shape)] = (shape, names or None)
    return found[1]


def _needs_encoding(shape: Shape) -> bool:
    """Whether any member below the shape has a locationName or a timestamp format of its own.
    Cached by identity: botocore builds each operation's shapes once (models are cached)."""
    found = _ENCODING_NEEDED.get(id(shape))
    if found is None:
        found = _ENCODING_NEEDED[id(shape)] = (shape, _scan(shape, set()))
    return found[1]


def _scan(shape: Shape, seen: set[str]) -> bool:
    if shape.name in seen:
        return False
    seen.add(shape.name)
    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type:
            return False
        return any("name" in member.serialization or _scan(member, seen) for member in shape.members.values())
    if kind == "list":
        return _scan(shape.member, seen)
    if kind == "map":
        return _scan(shape.value, seen)
    return kind == "timestamp" and shape.serialization.get("timestampFormat", "unixtimestamp") != "unixtimestamp"


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


def epoch(value: dt.datetime) -> float | int:
    seconds = value.timestamp()
    return int(seconds) if seconds.is_integer() else round(seconds, 3)


def iso8601(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def json_default(value: Any) -> Any:
    """json.dumps fallback: the JSON protocols' wire form of bytes and timestamps."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.datetime):
        return epoch(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")
