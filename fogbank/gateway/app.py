"""The ASGI application: Fogbank's HTTP edge on port 4566."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from fogbank.console import assets as console_assets
from fogbank.gateway.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from fogbank.platform import Platform

# What browser SDKs (and the console) need to call us and read our answers.
CORS_HEADERS = {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS",
    "access-control-expose-headers": (
        "x-amzn-RequestId, x-amz-request-id, x-amzn-ErrorType, x-amz-crc32, x-amzn-query-error, "
        "smithy-protocol, ETag, Date"
    ),
    "access-control-max-age": "7200",
}
DEFAULT_ALLOWED_HEADERS = (
    "authorization, content-type, x-amz-date, x-amz-target, x-amz-security-token, x-amz-user-agent, "
    "x-amz-content-sha256, amz-sdk-invocation-id, amz-sdk-request, smithy-protocol, x-amz-json-version"
)


class Gateway:
    def __init__(self, platform: Platform, workers: int = 32) -> None:
        self.platform = platform
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fogbank-req")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body, too_large = await self._read_body(receive)
        raw_path = scope.get("raw_path")
        raw = raw_path.decode("latin-1") if raw_path else scope["path"]
        request = HttpRequest(
            method=scope["method"],
            path=scope["path"],
            raw_path=raw.partition("?")[0],
            query_string=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=body,
            client=(scope.get("client") or ("", 0))[0],
        )
        response = self._local(request)
        if response is None:
            call = self.platform.dispatcher.prepare(request, too_large)
            if call.inline:
                response = call.run()
            else:
                response = await asyncio.get_running_loop().run_in_executor(self.executor, call.run)
        await self._send(send, request, response)

    async def _read_body(self, receive: Any) -> tuple[bytes, bool]:
        limit = self.platform.config.max_body_bytes
        chunks: list[bytes] = []
        size = 0
        too_large = False
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                too_large = True
                chunks = []
            elif chunk:
                chunks.append(chunk)
            if not message.get("more_body"):
                break
        return b"".join(chunks), too_large

    def _local(self, request: HttpRequest) -> HttpResponse | None:
        """Requests Fogbank answers itself: CORS preflight, health, reset, the console's files."""
        if request.method == "OPTIONS":
            allowed = request.header("access-control-request-headers") or DEFAULT_ALLOWED_HEADERS
            return HttpResponse(200, b"", {"access-control-allow-headers": allowed})
        path = unquote(request.path)
        # An AWS call, not a browser: presigned URLs and query-protocol GETs carry no header.
        signed = (
            "authorization" in request.headers
            or "x-amz-target" in request.headers
            or "X-Amz-Credential=" in request.query_string
            or "Action=" in request.query_string
        )
        if not signed and console_assets.is_console(path):
            return console_assets.serve(request, path)
        if request.method == "GET" and not signed and path in ("/", "/_fogbank/health"):
            return _json(200, self.platform.health())
        if path == "/_fogbank/reset" and request.method == "POST":
            self.platform.reset()
            return _json(200, {"reset": True})
        if path.startswith("/_fogbank/"):
            return _json(404, {"message": f"No such Fogbank endpoint: {path}"})
        return None

    async def _send(self, send: Any, request: HttpRequest, response: HttpResponse) -> None:
        headers = {**CORS_HEADERS, **response.headers}
        origin = request.header("origin")
        if origin:
            headers["access-control-allow-origin"] = origin
            headers["vary"] = "Origin"
        body = b"" if request.method == "HEAD" else response.body
        headers["content-length"] = str(len(response.body))
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.executor.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return


def _json(status: int, document: Any) -> HttpResponse:
    return HttpResponse(status, json.dumps(document).encode(), {"content-type": "application/json"})
