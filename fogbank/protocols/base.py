"""What every protocol does: find the operation, parse input, serialize output and errors."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

from botocore.model import OperationModel, Shape

from fogbank.core.http import HttpRequest, HttpResponse
from fogbank.protocols import spec
from fogbank.protocols.decode import decode_document, parse_timestamp, serialization_error
from fogbank.protocols.errors import AwsError
from fogbank.protocols.validate import summary, validate

__all__ = ["Protocol", "RawJson", "decode_document", "encode_document", "parse_timestamp", "serialization_error"]


class Protocol:
    """One wire protocol for one botocore service model."""

    name = ""
    unknown_operation_code = "UnknownOperationException"
    params_in_body = False  # every input parameter comes from the body (json, cbor), none from the URL

    def __init__(self, service: str) -> None:
        self.service = service
        self.model = spec.service_model(service)
        self._operations: dict[str, OperationModel] = {}

    def operation_model(self, name: str) -> OperationModel:
        """The model's operation, looked up once (botocore's own cache costs a lock per call)."""
        found = self._operations.get(name)
        if found is None:
            found = self._operations[name] = self.model.operation_model(name)
        return found

    def operation_name(self, request: HttpRequest) -> str | None:
        """The operation the request names, or None when it names none we know."""
        raise NotImplementedError

    def parse(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        raise NotImplementedError

    def serialize(self, operation: OperationModel, result: dict[str, Any] | None, request_id: str) -> HttpResponse:
        raise NotImplementedError

    def serialize_error(self, error: AwsError, request_id: str) -> HttpResponse:
        raise NotImplementedError

    def check(self, operation: OperationModel, params: dict[str, Any], bound: int | None = None) -> None:
        """``bound``: the request body's length when every parameter came from the body (see validate)."""
        problems = validate(operation.input_shape, params, bound)
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


def epoch(value: dt.datetime) -> float | int:
    seconds = value.timestamp()
    return int(seconds) if seconds.is_integer() else round(seconds, 3)


def iso8601(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class RawJson:
    """A value a handler already holds as wire JSON (a stored DynamoDB item): the JSON protocol splices
    the bytes into the response as they are; anywhere else ``load`` gives the value itself."""

    __slots__ = ("json", "load")

    def __init__(self, json: bytes, load: Callable[[bytes], Any]) -> None:
        self.json = json
        self.load = load

    def value(self) -> Any:
        return self.load(self.json)


def json_default(value: Any) -> Any:
    """json.dumps fallback: the JSON protocols' wire form of bytes and timestamps."""
    if type(value) is RawJson:
        return value.value()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.datetime):
        return epoch(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")
