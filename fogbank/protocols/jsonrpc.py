"""The ``json`` protocol (DynamoDB, KMS, DynamoDB Streams): POST / with X-Amz-Target."""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

import orjson
from botocore.model import OperationModel

from fogbank.core.http import HttpRequest, HttpResponse
from fogbank.protocols.base import (
    Protocol,
    RawJson,
    decode_document,
    encode_document,
    json_default,
    serialization_error,
)
from fogbank.protocols.errors import AwsError


class JsonProtocol(Protocol):
    name = "json"
    params_in_body = True

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.content_type = "application/x-amz-json-" + self.model.metadata.get("jsonVersion", "1.0")
        # The namespace AWS prefixes error types with, e.g. com.amazonaws.dynamodb.v20120810#
        self.error_namespace = "com.amazonaws.{}.v{}#".format(
            self.model.endpoint_prefix.split(".")[-1],
            self.model.api_version.replace("-", ""),
        )
        # DynamoDB's answers carry the CRC32 of their body, which SDKs check (botocore retries on a mismatch).
        self.checksum = self.model.endpoint_prefix in ("dynamodb", "streams.dynamodb")

    def operation_name(self, request: HttpRequest) -> str | None:
        target = request.header("x-amz-target")
        prefix, _, name = target.partition(".")
        if prefix != self.model.metadata.get("targetPrefix") or name not in self.model.operation_names:
            return None
        return name

    def parse(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        try:
            return decode_document(operation.input_shape, load_json(request.body)) or {}
        except RecursionError:  # nested deeper than any shape of any model allows
            raise serialization_error("Request body is nested too deeply") from None

    def serialize(self, operation: OperationModel, result: dict[str, Any] | None, request_id: str) -> HttpResponse:
        body = dump_body(encode_document(operation.output_shape, result or {}))
        headers = {"content-type": self.content_type, "x-amzn-requestid": request_id}
        if self.checksum:
            headers["x-amz-crc32"] = str(zlib.crc32(body))
        return HttpResponse(200, body, headers)

    def serialize_error(self, error: AwsError, request_id: str) -> HttpResponse:
        shape, code, status = self.resolve_error(error)
        namespace = _CORAL_NAMESPACES.get(shape, self.error_namespace)
        document: dict[str, Any] = {"__type": namespace + shape}
        if error.message:
            # Coral's deserializer writes "Message"; everything else, "message" (botocore reads both).
            document["Message" if shape == "SerializationException" else "message"] = error.message
        document.update(error.fields)
        body = json.dumps(document, default=json_default).encode()
        headers = {"content-type": self.content_type, "x-amzn-requestid": request_id}
        if self.checksum:
            headers["x-amz-crc32"] = str(zlib.crc32(body))
        if "awsQueryCompatible" in self.model.metadata:
            # Services that moved from query (CloudWatch) still tell SDKs the query error code.
            headers["x-amzn-query-error"] = f"{code};{'Sender' if error.sender_fault else 'Receiver'}"
        return HttpResponse(status, body, headers)


_json_dumps = json.JSONEncoder(default=json_default, separators=(",", ":")).encode


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, default=json_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except TypeError:  # what orjson cannot write (integers beyond 64 bits): the standard encoder can
        return _json_dumps(value).encode()


def dump_body(document: dict[str, Any]) -> bytes:
    """The response body; members that are RawJson (or lists of it) go in as the bytes they are."""
    for value in document.values():
        if type(value) is RawJson or (type(value) is list and value and type(value[0]) is RawJson):
            break
    else:
        return _dumps(document)
    parts = []
    for key, value in document.items():
        if type(value) is RawJson:
            chunk = value.json
        elif type(value) is list and value and type(value[0]) is RawJson:
            chunk = b"[" + b",".join(_raw(member) for member in value) + b"]"
        else:
            chunk = _dumps(value)
        parts.append(_dumps(key) + b":" + chunk)
    return b"{" + b",".join(parts) + b"}"


def _raw(value: Any) -> bytes:
    return value.json if type(value) is RawJson else _dumps(value)


# Errors raised by AWS's request layer rather than the service: typed in Coral's own namespaces
# (validation, as DynamoDB sends it, is com.amazon.coral.validate#ValidationException).
_CORAL_ERRORS = {
    "SerializationException",
    "UnknownOperationException",
    "AccessDeniedException",
    "IncompleteSignatureException",
    "MissingAuthenticationTokenException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "RequestEntityTooLargeException",
    "NotImplemented",
    "InternalFailure",
}
_CORAL_NAMESPACES = {shape: "com.amazon.coral.service#" for shape in _CORAL_ERRORS}
_CORAL_NAMESPACES["ValidationException"] = "com.amazon.coral.validate#"


def load_json(body: bytes) -> Any:
    """A request body as JSON; an empty body is an empty object, as AWS treats it."""
    try:
        document = orjson.loads(body)  # refuses invalid UTF-8 and lone surrogates too
    except (orjson.JSONDecodeError, RecursionError):
        pass  # the standard parser below says what exactly is wrong (or accepts what orjson does not)
    else:
        if type(document) is dict:
            return document
    if not body.strip():
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise serialization_error("Invalid UTF-8 middle byte in request body") from None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise serialization_error("Request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise serialization_error("Start of structure or map found where not expected.")
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(document):
        # "\ud800" is valid JSON but no valid text: handlers would fail storing or encoding it.
        raise serialization_error("Request body contains an unpaired UTF-16 surrogate escape")
    return document


# Only escapes in U+D800..U+DFFF need the full check (emoji pairs do, plain non-ASCII text not).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(document: Any) -> bool:
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
