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
        members = shape.members
        out: dict[str, Any] = {}
        for key, item in value.items():
            member = members.get(key)
            if member is not None and item is not None:
                out[key] = decode_document(member, item, blobs_are_base64)
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
