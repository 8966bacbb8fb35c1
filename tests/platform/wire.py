"""A raw HTTP/1.1 client and a stand-in gateway, for tests of Fogbank's HTTP server on the wire."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvloop

from fogbank.core.http import HttpRequest, HttpResponse
from fogbank.gateway.http11 import HttpServer


class Wire:
    """A raw HTTP/1.1 client connection that reads responses one at a time."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def read_head(self) -> tuple[int, dict[str, str]]:
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                raise ConnectionError(f"closed before a response head: {self.buffer!r}")
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(status_line.split()[1]), headers

    def read_response(self, head: bool = False) -> tuple[int, dict[str, str], bytes]:
        status, headers = self.read_head()
        length = 0 if head else int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            if not self._fill():
                raise ConnectionError("closed mid-body")
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def closed_by_peer(self) -> bool:
        try:
            return not self.buffer and self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


class SlowGateway:
    """Answers every request after ``delay`` seconds on its thread pool."""

    max_body_bytes = 1024

    def __init__(self, delay: float) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.delay = delay
        self.executor = ThreadPoolExecutor(2)
        self.closed = False

    def begin(self, request: HttpRequest, too_large: bool) -> object:
        gateway = self

        class Call:
            def run(self) -> HttpResponse:
                time.sleep(gateway.delay)
                return HttpResponse(200, b"done")

        return Call()

    def response_headers(self, request: HttpRequest, response: HttpResponse) -> dict[str, str]:
        return dict(response.headers)

    def close(self) -> None:
        self.closed = True
        self.executor.shutdown(wait=False)


def run_server(gateway: SlowGateway, keep_alive: float, scenario: Callable[..., None], **limits: Any) -> None:
    """Serve on a uvloop thread while ``scenario(port, shutdown)`` plays the client; ``limits`` go to
    HttpServer (timeouts, max_connections)."""
    loop = uvloop.new_event_loop()
    server = HttpServer(gateway, keep_alive=keep_alive, **limits)  # type: ignore[arg-type]
    listening = threading.Event()

    def serve() -> None:
        # Everything on the server's own thread: the test thread may already run a loop
        # (Playwright's sync API keeps one running on the main thread for the session).
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.listen("127.0.0.1", 0))
        listening.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert listening.wait(5), "the test server did not start"

    def shutdown() -> None:
        asyncio.run_coroutine_threadsafe(server.shutdown(grace=5), loop).result(10)

    try:
        scenario(server.port, shutdown)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
