"""Values generated from botocore shapes, and requests built the way botocore builds them.

Shared by the protocol round-trip tests and the fuzz test: both need inputs that follow a model
(or break it on purpose) for every operation of every service Fogbank answers.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from typing import Any
from urllib.parse import unquote, urlsplit

import botocore.serialize
from botocore.awsrequest import create_request_object, prepare_request_dict
from botocore.model import OperationModel, Shape

from fogbank.core.http import HttpRequest
from fogbank.protocols import spec
from fogbank.services.catalog import all_services

# Characters that exercise every encoder: form/percent encoding, XML escaping, JSON escaping.
TRICKY = "é日本 &=+%/?#<>\"'\\;:,.*~!$()[]{}|^`@\t\n"
PLAIN = string.ascii_letters + string.digits
HEADER_SAFE = string.ascii_letters + string.digits + "-_.:/ "

# Read-only operations: safe to send to any service, implemented or not, without side effects.
READ_PREFIXES = ("Describe", "List", "Get")
# Reads that still reach an engine or a third party, or that stream: never fuzzed.
UNSAFE_READS = {"GetMetricWidgetImage", "GetRecords", "GetShardIterator"}


def models() -> list[str]:
    """Every botocore model a catalogued service answers, in a stable order."""
    return [model for service in all_services() for model in service.models]


def model_protocols(model: str) -> list[str]:
    return [name for name in spec.protocols_of(model) if name in ("json", "query", "rest-json", "smithy-rpc-v2-cbor")]


def is_read_only(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES) and operation not in UNSAFE_READS


def signing_name(model: str) -> str:
    metadata = spec.service_model(model).metadata
    return metadata.get("signingName") or metadata["endpointPrefix"]


class Generator:
    """Random values for shapes. ``tricky`` mixes in characters that stress the encoders."""

    def __init__(self, rng: random.Random, tricky: bool = True, max_depth: int = 4) -> None:
        self.rng = rng
        self.tricky = tricky
        self.max_depth = max_depth

    def value(self, shape: Shape, depth: int = 0, location: str | None = None) -> Any:
        kind = shape.type_name
        rng = self.rng
        meta = shape.metadata
        if kind == "structure":
            return self.structure(shape, depth)
        if kind == "list":
            low = meta.get("min", 0)
            high = min(meta.get("max", low + 3), low + 3)
            count = 0 if depth >= self.max_depth else rng.randint(low, max(low, high))
            return [self.value(shape.member, depth + 1, location) for _ in range(count)]
        if kind == "map":
            low = meta.get("min", 0)
            count = 0 if depth >= self.max_depth else rng.randint(max(low, 1), max(low, 2))
            out = {}
            for _ in range(count):
                key = self.string(shape.key, "header" if location == "headers" else None)
                out[key.lower() if location == "headers" else key] = self.value(shape.value, depth + 1)
            return out
        if kind == "string":
            return self.string(shape, location)
        if kind in ("integer", "long"):
            low = meta.get("min", -1000 if kind == "integer" else -(2**40))
            high = meta.get("max", 1000 if kind == "integer" else 2**40)
            return rng.randint(int(low), int(max(low, high)))
        if kind in ("float", "double"):
            low = meta.get("min", -1e6)
            high = meta.get("max", 1e6)
            return round(rng.uniform(low, max(low, high)), 3)
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "timestamp":
            # Whole seconds: header timestamps (RFC 822) and JSON epochs carry no fraction.
            return dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randint(0, 10**8))
        if kind == "blob":
            low = meta.get("min", 1)
            return bytes(rng.randrange(256) for _ in range(rng.randint(max(low, 1), max(low, 1) + 16)))
        raise ValueError(f"no generator for {kind}")

    def structure(self, shape: Shape, depth: int = 0) -> dict[str, Any]:
        members = {
            name: member
            for name, member in shape.members.items()
            if not member.serialization.get("eventstream")
            and not member.metadata.get("eventstream")
            and member.serialization.get("location") not in ("statusCode", "hostLabel")
            and not member.metadata.get("hostLabel")
        }
        if shape.is_tagged_union:
            if not members:
                return {}
            name = self.rng.choice(sorted(members))
            return {name: self.value(members[name], depth + 1)}
        required = set(shape.required_members)
        out: dict[str, Any] = {}
        for name, member in members.items():
            if name in required or (depth < self.max_depth and self.rng.random() < 0.6):
                out[name] = self.value(member, depth + 1, member.serialization.get("location"))
        if not out and members and depth > 0:
            # The query protocol cannot send an empty structure: keep at least one member.
            name = self.rng.choice(sorted(members))
            out[name] = self.value(members[name], depth + 1, members[name].serialization.get("location"))
        return out

    def string(self, shape: Shape, location: str | None = None) -> str:
        meta = shape.metadata
        enum = meta.get("enum")
        if enum:
            return self.rng.choice(enum)
        low = max(meta.get("min", 0), 1)
        high = min(meta.get("max", low + 12), low + 12)
        size = self.rng.randint(low, max(low, high))
        if location in ("header", "headers"):
            text = "".join(self.rng.choice(HEADER_SAFE) for _ in range(size))
            return "h" + text.strip()[: max(size - 1, 0)]  # headers lose surrounding spaces on the wire
        alphabet = PLAIN + TRICKY if self.tricky else PLAIN
        return "".join(self.rng.choice(alphabet) for _ in range(size))


def serialize(protocol: str, operation: OperationModel, params: dict[str, Any]) -> dict[str, Any]:
    """The request dict botocore would send (no client-side validation)."""
    serializer = botocore.serialize.create_serializer(protocol, include_validation=False)
    return serializer.serialize_to_request(params, operation)


def to_http(serialized: dict[str, Any], endpoint: str = "http://127.0.0.1:4566") -> tuple[str, str, dict, bytes]:
    """(method, url, headers, body) of a serialized request, as botocore's HTTP layer sends it."""
    prepare_request_dict(serialized, endpoint_url=endpoint)
    prepared = create_request_object(serialized).prepare()
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    return prepared.method, prepared.url, dict(prepared.headers), body


def auth_header(model: str, region: str = "us-east-1", access_key: str = "test") -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential={access_key}/20260101/{region}/{signing_name(model)}/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
    )


def http_request(method: str, url: str, headers: dict[str, str], body: bytes) -> HttpRequest:
    """The gateway's view of a request, without a socket in between."""
    parts = urlsplit(url)
    return HttpRequest(
        method=method,
        path=unquote(parts.path),
        raw_path=parts.path,
        query_string=parts.query,
        headers={k.lower(): v for k, v in headers.items()},
        body=body,
    )
