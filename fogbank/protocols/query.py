"""The ``query`` protocol (RDS, Neptune, DocumentDB, ElastiCache, IAM, STS): form in, XML out."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from bisect import bisect_left
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from botocore.model import OperationModel, Shape

from fogbank.core.http import HttpRequest, HttpResponse
from fogbank.protocols.base import Protocol, iso8601, parse_timestamp
from fogbank.protocols.errors import AwsError
from fogbank.protocols.validate import summary


class QueryProtocol(Protocol):
    name = "query"
    unknown_operation_code = "InvalidAction"

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.namespace = self.model.metadata.get("xmlNamespace", "")

    def form(self, request: HttpRequest) -> dict[str, str]:
        cached = getattr(request, "_form", None)
        if cached is not None:
            return cached
        try:
            body = request.body.decode("utf-8") if request.body else ""
        except UnicodeDecodeError:
            raise AwsError("MalformedQueryString", "The request body is not valid UTF-8.", 404) from None
        try:
            pairs = parse_qsl(request.query_string, keep_blank_values=True, errors="strict")
            pairs += parse_qsl(body, keep_blank_values=True, errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise AwsError("MalformedQueryString", "The query string is malformed.", 404) from None
        form = _Form(pairs)
        request._form = form  # type: ignore[attr-defined]
        return form

    def operation_name(self, request: HttpRequest) -> str | None:
        try:
            action = self.form(request).get("Action", "")
        except AwsError:
            return None  # malformed: unknown_operation answers MalformedQueryString in this protocol
        return action if action in self.model.operation_names else None

    def unknown_operation(self, request: HttpRequest) -> AwsError:
        action = self.form(request).get("Action", "")
        if not action:
            return AwsError("MissingAction", "Missing Action", 400)
        return AwsError("InvalidAction", f"The action {action} is not valid for this web service.", 400)

    def validation_error(self, problems: list[str]) -> AwsError:
        missing = [p for p in problems if p.endswith("Member must not be null")]
        if missing and len(missing) == len(problems):
            name = missing[0].split("'")[1]
            name = name.split(".")[-1]
            return AwsError(
                "MissingParameter", f"The request must contain the parameter {name[:1].upper() + name[1:]}", 400
            )
        code = "ValidationError" if self.service in ("iam", "sts") else "InvalidParameterValue"
        return AwsError(code, summary(problems), 400)

    # -- parsing --------------------------------------------------------------------------------

    def parse(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        form = self.form(request)
        shape = operation.input_shape
        if shape is None:
            return {}
        return _parse_structure(shape, form, "") or {}

    # -- serializing ----------------------------------------------------------------------------

    def serialize(self, operation: OperationModel, result: dict[str, Any] | None, request_id: str) -> HttpResponse:
        name = operation.name
        parts = [f'<{name}Response xmlns="{self.namespace}">']
        shape = operation.output_shape
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper", f"{name}Result")
            parts.append(f"<{wrapper}>")
            _write_members(shape, result or {}, parts)
            parts.append(f"</{wrapper}>")
        parts.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{name}Response>")
        return HttpResponse(200, "".join(parts).encode(), {"content-type": "text/xml", "x-amzn-requestid": request_id})

    def serialize_error(self, error: AwsError, request_id: str) -> HttpResponse:
        _shape, code, status = self.resolve_error(error)
        kind = "Sender" if error.sender_fault else "Receiver"
        body = (
            f'<ErrorResponse xmlns="{self.namespace}"><Error><Type>{kind}</Type>'
            f"<Code>{xml_text(code)}</Code><Message>{xml_text(error.message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return HttpResponse(status, body.encode(), {"content-type": "text/xml", "x-amzn-requestid": request_id})


class _Form(dict[str, str]):
    """The request's parameters, indexed so that prefix checks stay O(log n): a 16 MiB form of
    list members must not make parsing quadratic."""

    @cached_property
    def sorted_keys(self) -> list[str]:
        return sorted(self)

    def has_prefix(self, prefix: str) -> bool:
        keys = self.sorted_keys
        index = bisect_left(keys, prefix)
        return index < len(keys) and keys[index].startswith(prefix)


def _invalid(name: str, value: str, expected: str) -> AwsError:
    return AwsError("InvalidParameterValue", f"Invalid value '{value}' for parameter {name}: expected {expected}", 400)


def _parse_structure(shape: Shape, form: dict[str, str], prefix: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for member_name, member in shape.members.items():
        key = prefix + member.serialization.get("name", member_name)
        value = _parse_value(member, form, key)
        if value is not None:
            out[member_name] = value
    return out


def _has_prefix(form: dict[str, str], prefix: str) -> bool:
    if isinstance(form, _Form):
        return form.has_prefix(prefix)
    return any(k.startswith(prefix) for k in form)


def _parse_value(shape: Shape, form: dict[str, str], key: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        if not _has_prefix(form, key + "."):
            return None
        return _parse_structure(shape, form, key + ".")
    if kind == "list":
        if key in form and form[key] == "":
            return []  # AWS's way of sending an empty list
        if shape.serialization.get("flattened"):
            # botocore names flattened items after the member's locationName, in place of the
            # list's own last name segment: ``Filter.Name`` → ``Filter.Item.1``.
            item_name = shape.member.serialization.get("name")
            base = (key.rpartition(".")[0] + "." if "." in key else "") + item_name + "." if item_name else key + "."
        else:
            base = key + "." + shape.member.serialization.get("name", "member") + "."
        if not _has_prefix(form, base):
            return None
        # An item is there when its own parameter is (or, for a structure, list or map, one below it):
        # ``X.member.1.a`` under a list of strings is an unknown parameter, ignored as AWS ignores any, so
        # item 1 is absent and the list ends before it, as it ends at any gap.
        items = []
        index = 1
        while (item := _parse_value(shape.member, form, f"{base}{index}")) is not None:
            items.append(item)
            index += 1
        return items or None
    if kind == "map":
        base = key + "." if shape.serialization.get("flattened") else key + ".entry."
        if not _has_prefix(form, base):
            return None
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        out: dict[str, Any] = {}
        index = 1
        while f"{base}{index}.{key_name}" in form:
            value = _parse_value(shape.value, form, f"{base}{index}.{value_name}")
            if value is not None:  # an entry whose value is absent (or only unknown sub-members) is no entry
                out[form[f"{base}{index}.{key_name}"]] = value
            index += 1
        return out or None
    if key not in form:
        return None
    raw = form[key]
    return _parse_scalar(kind, raw, key)


def _parse_scalar(kind: str, raw: str, key: str) -> Any:
    if kind == "string":
        return raw
    if kind in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            raise _invalid(key, raw, "an integer") from None
    if kind in ("float", "double"):
        try:
            return float(raw)
        except ValueError:
            raise _invalid(key, raw, "a number") from None
    if kind == "boolean":
        lowered = raw.lower()
        if lowered not in ("true", "false"):
            raise _invalid(key, raw, "true or false")
        return lowered == "true"
    if kind == "timestamp":
        try:
            return parse_timestamp(raw)
        except AwsError:
            raise _invalid(key, raw, "a timestamp") from None
    if kind == "blob":
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise _invalid(key, raw, "base64") from None
    return raw


def _write_members(shape: Shape, value: dict[str, Any], parts: list[str]) -> None:
    for member_name, member in shape.members.items():
        item = value.get(member_name)
        if item is None:
            continue
        _write(member, member.serialization.get("name", member_name), item, parts)


def _write(shape: Shape, name: str, value: Any, parts: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        parts.append(f"<{name}>")
        _write_members(shape, value, parts)
        parts.append(f"</{name}>")
    elif kind == "list":
        member_name = shape.member.serialization.get("name", "member")
        if shape.serialization.get("flattened"):
            for item in value:
                _write(shape.member, shape.member.serialization.get("name", name), item, parts)
        else:
            parts.append(f"<{name}>")
            for item in value:
                _write(shape.member, member_name, item, parts)
            parts.append(f"</{name}>")
    elif kind == "map":
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        flat = shape.serialization.get("flattened")
        if not flat:
            parts.append(f"<{name}>")
        for key, item in value.items():
            parts.append(f"<{name}>" if flat else "<entry>")
            _write(shape.key, key_name, key, parts)
            _write(shape.value, value_name, item, parts)
            parts.append(f"</{name}>" if flat else "</entry>")
        if not flat:
            parts.append(f"</{name}>")
    else:
        parts.append(f"<{name}>{_scalar_text(kind, value)}</{name}>")


def _scalar_text(kind: str, value: Any) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp" and isinstance(value, dt.datetime):
        return iso8601(value)
    if kind == "blob" and isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return xml_text(str(value))


def xml_text(text: str) -> str:
    """Text made safe for an XML 1.0 document. Characters XML cannot carry at all (NUL, most
    control characters, U+FFFE/U+FFFF, lone surrogates) become U+FFFD rather than breaking the
    client's parser; a carriage return travels as a reference, which parsers do not normalize."""
    return escape(_XML_INVALID.sub("\ufffd", text), _XML_ENTITIES)


_XML_ENTITIES = {"\r": "&#xD;"}
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
