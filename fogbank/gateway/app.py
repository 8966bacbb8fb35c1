"""The gateway: what Fogbank answers to an HTTP request on port 4566 (CORS, its own endpoints, the
console's files, AWS calls through the dispatcher)."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from fogbank.console import assets as console_assets
from fogbank.core.http import HttpRequest, HttpResponse
from fogbank.gateway.dispatch import Call
from fogbank.gateway.proxy import Proxy, ProxyCall
from fogbank.gateway.security import PAGE_HEADERS, Guard
from fogbank.protocols import spec
from fogbank.services.base import Service

if TYPE_CHECKING:
    from fogbank.platform import Platform


class Gateway:
    """What Fogbank does with one HTTP request; the HTTP server (``http11``) does the wire."""

    def __init__(self, platform: Platform, workers: int = 32, proxy: Proxy | None = None) -> None:
        self.platform = platform
        self.proxy = proxy
        self.max_body_bytes = platform.config.max_body_bytes
        self.group_commit = platform.group_commit
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fogbank-req")
        config = platform.config
        self.guard = Guard(config.host, config.allowed_hosts, config.cors_origins)
        self.worker_targets = worker_targets(platform.services)

    def begin(
        self, request: HttpRequest, too_large: bool = False
    ) -> HttpResponse | Call | ProxyCall | asyncio.Future[HttpResponse]:
        """Answer now when that is cheap (local endpoints, errors, inline services), else hand back
        the prepared call for the thread pool. Runs on the event loop."""
        refusal = self.guard.refuse(request)
        if refusal is not None:
            return refusal  # a browser page Fogbank must not answer (gateway/security.py)
        if self.proxy is not None and not too_large and request.headers.get("x-amz-target") not in self.worker_targets:
            return self.proxy.call(request)  # a worker: the main process answers this one
        response = self._local(request)
        if response is not None:
            return response
        call = self.platform.dispatcher.prepare(request, too_large)
        if call.inline:
            return call.run()  # the answer, or a future of it for a write (core/commit.py)
        return call

    def response_headers(self, request: HttpRequest, response: HttpResponse) -> dict[str, str]:
        """The response's headers, plus CORS for an allowed origin's call (gateway/security.py). The
        server adds date, content-length and connection."""
        return self.guard.response_headers(request, response)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    def _local(self, request: HttpRequest) -> HttpResponse | None:
        """Requests Fogbank answers itself: CORS preflight, health, reset, the console's files."""
        if request.method == "OPTIONS":
            return self.guard.preflight(request)  # its origin passed the guard
        path = unquote(request.path)
        # An AWS call, not a browser: presigned URLs and query-protocol GETs carry no header.
        signed = (
            "authorization" in request.headers
            or "x-amz-target" in request.headers
            or "X-Amz-Credential=" in request.query_string
            or "Action=" in request.query_string
        )
        if not signed and console_assets.is_console(path):
            response = console_assets.serve(request, path)
            response.headers.update(PAGE_HEADERS)
            return response
        if request.method == "GET" and not signed and path in ("/", "/_fogbank/health"):
            return _json(200, self.platform.health())
        if path == "/_fogbank/reset" and request.method == "POST":
            self.platform.reset()
            return _json(200, {"reset": True})
        if path.startswith("/_fogbank/"):
            return _json(404, {"message": f"No such Fogbank endpoint: {path[:200]}"})
        return None


def worker_targets(services: list[Service]) -> frozenset[str]:
    """The X-Amz-Target values a worker process answers itself: each service's ``worker_operations``
    under its JSON models' target prefix (``DynamoDB_20120810.GetItem``). Only JSON services have
    workers: their requests name the operation in a header, so routing costs one set lookup."""
    targets = set()
    for service in services:
        for model in service.models:
            prefix = spec.service_model(model).metadata.get("targetPrefix")
            operations = spec.service_model(model).operation_names
            if prefix:
                targets.update(f"{prefix}.{name}" for name in service.worker_operations if name in operations)
    return frozenset(targets)


def _json(status: int, document: Any) -> HttpResponse:
    return HttpResponse(status, json.dumps(document).encode(), {"content-type": "application/json", **PAGE_HEADERS})
