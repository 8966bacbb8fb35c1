"""The ``rest-json`` protocol (AWS Backup, Neptune data API, RDS Data API): method + path."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from urllib.parse import unquote

from botocore.model import OperationModel, Shape

from fogbank.core.http import HttpRequest, HttpResponse
from fogbank.protocols.base import (
    Protocol,
    decode_document,
    encode_document,
    format_timestamp,
    json_default,
    parse_timestamp,
)
from fogbank.protocols.errors import AwsError
from fogbank.protocols.jsonrpc import load_json

_LABEL = re.compile(r"\{([^}]+)\}")


class _Route:
    def __init__(self, operation: OperationModel) -> None:
        self.operation = operation
        self.method = operation.http["method"]
        uri = operation.http["requestUri"]
        path, _, query = uri.partition("?")
        self.static_query = [part.partition("=") for part in query.split("&") if part]
        trimmed = path.rstrip("/") or "/"
        pattern = ""
        last = 0
        for match in _LABEL.finditer(trimmed):
            pattern += re.escape(trimmed[last : match.start()])
            name = match.group(1)
            if name.endswith("+"):
                pattern += f"(?P<{_group(name[:-1])}>.+)"
            else:
                pattern += f"(?P<{_group(name)}>[^/]+)"
            last = match.end()
        pattern += re.escape(trimmed[last:])
        self.regex = re.compile(pattern + ("$" if trimmed == "/" else "/?$"))
        # Longer literal prefixes win over labels, as AWS's routers prefer the most specific path.
        self.weight = (len(_LABEL.sub("", path)), len(self.static_query))

    def match(self, request: HttpRequest) -> dict[str, str] | None:
        if request.method != self.method:
            return None
        found = self.regex.match(request.raw_path)
        if not found:
            return None
        for key, _, value in self.static_query:
            values = request.query.get(key)
            if values is None or (value and value not in values):
                return None
        return {_ungroup(k): unquote(v) for k, v in found.groupdict().items()}


def _group(label: str) -> str:
    return "L_" + re.sub(r"\W", "_", label)


def _ungroup(group: str) -> str:
    return group[2:]


class RestJsonProtocol(Protocol):
    name = "rest-json"

    def __init__(self, service: str) -> None:
        super().__init__(service)
        routes = [_Route(self.model.operation_model(name)) for name in self.model.operation_names]
        self.routes = sorted(routes, key=lambda r: r.weight, reverse=True)

    def _match(self, request: HttpRequest) -> tuple[OperationModel, dict[str, str]] | None:
        cached = getattr(request, "_route", None)
        if cached is not None:
            return cached
        for route in self.routes:
            labels = route.match(request)
            if labels is not None:
                request._route = (route.operation, labels)  # type: ignore[attr-defined]
                return route.operation, labels
        return None

    def operation_name(self, request: HttpRequest) -> str | None:
        found = self._match(request)
        return found[0].name if found else None

    def unknown_operation(self, request: HttpRequest) -> AwsError:
        return AwsError("UnknownOperationException", f"No operation matches {request.method} {request.path}", 404)

    def parse(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        found = self._match(request)
        labels = found[1] if found else {}
        params: dict[str, Any] = {}
        body_members: dict[str, Shape] = {}
        payload = shape.serialization.get("payload")
        # A querystring map takes the parameters no other member (nor the route itself) claims.
        claimed = {key for key, _, _ in _static_query(operation)} | {
            member.serialization.get("name", name)
            for name, member in shape.members.items()
            if member.serialization.get("location") == "querystring" and member.type_name != "map"
        }
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "uri":
                if wire in labels:
                    params[name] = _scalar(member, labels[wire], name)
            elif location == "querystring":
                if member.type_name == "map":
                    params[name] = {
                        k: v[0] if member.value.type_name != "list" else v
                        for k, v in request.query.items()
                        if k not in claimed
                    }
                elif wire in request.query:
                    values = request.query[wire]
                    if member.type_name == "list":
                        params[name] = [_scalar(member.member, v, name) for v in values]
                    else:
                        params[name] = _scalar(member, values[0], name)
            elif location == "header":
                if wire.lower() in request.headers:
                    raw = request.headers[wire.lower()]
                    if member.type_name == "list":
                        params[name] = [_scalar(member.member, item, name) for item in _header_list(raw)]
                    else:
                        params[name] = _scalar(member, raw, name)
            elif location == "headers":
                prefix = wire.lower()
                found_headers = {k[len(prefix) :]: v for k, v in request.headers.items() if k.startswith(prefix)}
                if found_headers:
                    params[name] = found_headers
            elif name != payload:
                body_members[name] = member
        if payload:
            member = shape.members[payload]
            if member.type_name in ("blob", "string"):
                if request.body:
                    params[payload] = (
                        request.body if member.type_name == "blob" else request.body.decode("utf-8", "replace")
                    )
            elif request.body:
                params[payload] = decode_document(member, load_json(request.body))
        elif body_members and request.body:
            document = load_json(request.body)
            for name, member in body_members.items():
                wire = member.serialization.get("name", name)
                if document.get(wire) is not None:
                    params[name] = decode_document(member, document[wire])
        return params

    def serialize(self, operation: OperationModel, result: dict[str, Any] | None, request_id: str) -> HttpResponse:
        result = result or {}
        status = operation.http.get("responseCode", 200)
        headers = {"content-type": "application/json", "x-amzn-requestid": request_id}
        shape = operation.output_shape
        body: Any = {}
        if shape is not None:
            payload = shape.serialization.get("payload")
            for name, member in shape.members.items():
                value = result.get(name)
                if value is None:
                    continue
                location = member.serialization.get("location")
                wire = member.serialization.get("name", name)
                if location == "header":
                    headers[wire.lower()] = _header_value(member, value)
                elif location == "headers":
                    for key, item in value.items():
                        headers[(wire + key).lower()] = str(item)
                elif location == "statusCode":
                    status = int(value)
                elif name == payload:
                    if member.type_name == "blob":
                        return HttpResponse(
                            status, bytes(value), {**headers, "content-type": "application/octet-stream"}
                        )
                    if member.type_name == "string":
                        return HttpResponse(status, str(value).encode(), {**headers, "content-type": "text/plain"})
                    body = encode_document(member, value)
                else:
                    body[wire] = encode_document(member, value)
        return HttpResponse(status, json.dumps(body, default=json_default).encode(), headers)

    def serialize_error(self, error: AwsError, request_id: str) -> HttpResponse:
        _shape, code, status = self.resolve_error(error)
        document: dict[str, Any] = {"message": error.message, **error.fields}
        headers = {"content-type": "application/json", "x-amzn-requestid": request_id, "x-amzn-errortype": code}
        return HttpResponse(status, json.dumps(document, default=json_default).encode(), headers)


def _static_query(operation: OperationModel) -> list[tuple[str, str, str]]:
    query = operation.http["requestUri"].partition("?")[2]
    return [part.partition("=") for part in query.split("&") if part]


def _header_list(raw: str) -> list[str]:
    """A list header (RFC 7230): comma-separated, items with commas or quotes double-quoted."""
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in raw:
        if escaped:
            current.append(char)
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return items


def _header_value(shape: Shape, value: Any) -> str:
    """A member sent as a header, formatted the way AWS (and botocore's parser) expect."""
    kind = shape.type_name
    if kind == "timestamp" and isinstance(value, dt.datetime):
        return str(format_timestamp(value, shape.serialization.get("timestampFormat", "rfc822")))
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "list":
        texts = [_header_value(shape.member, item) for item in value]
        return ",".join(f'"{t.replace(chr(34), chr(92) + chr(34))}"' if "," in t or '"' in t else t for t in texts)
    if isinstance(value, (bytes, bytearray, dt.datetime)):
        return str(json_default(value))
    return str(value)


def _scalar(shape: Shape, raw: str, name: str) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(raw)
        if kind in ("float", "double"):
            return float(raw)
        if kind == "boolean":
            if raw.lower() not in ("true", "false"):
                raise ValueError(raw)
            return raw.lower() == "true"
        if kind == "timestamp":
            return parse_timestamp(raw)
    except (ValueError, AwsError):
        raise AwsError("SerializationException", f"Invalid value '{raw}' for {name}", 400) from None
    return raw
