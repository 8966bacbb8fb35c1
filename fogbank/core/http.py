"""The plain HTTP request and response the gateway and the protocols exchange."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import parse_qs


@dataclass
class HttpRequest:
    method: str
    path: str  # percent-decoded
    raw_path: str  # as sent, for rest-json labels that contain '/'
    query_string: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    client: str = ""

    @cached_property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)


@dataclass
class HttpResponse:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
