"""Fogbank's HTTP/1.1 server: httptools parses, an asyncio Protocol (on uvloop) answers.

Why not uvicorn: on this kind of machine a socket send costs tens of microseconds, about as much as
a whole DynamoDB GetItem, and the ASGI layer writes each response in two sends and builds several
dicts and coroutines per request. Here a request is parsed in the Protocol's callbacks, answered by
the gateway without a coroutine (inline calls finish inside ``data_received``; the others go to the
thread pool and come back through a future's callback) and each response, status line, headers and
body together, leaves in one send (pipelined responses that are ready together share one writev).

What it speaks: keep-alive and pipelining (answers in request order), Content-Length and chunked
request bodies, ``Expect: 100-continue``, HEAD, ``Connection: close`` and HTTP/1.0, the gateway's body
limit (the body is drained and the request answered with the protocol's 413), 400 and close on a
request that does not parse, back-pressure both ways, an idle keep-alive timeout and a graceful
shutdown that finishes the requests already received.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections import deque
from email.utils import formatdate
from functools import partial
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httptools

from fogbank.gateway.commit import WithdrawnAnswer
from fogbank.gateway.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from fogbank.gateway.app import Gateway

log = logging.getLogger("fogbank.http")

KEEP_ALIVE_SECONDS = 30.0
COPY_LIMIT = 64 * 1024  # smaller bodies are joined to their head; larger ones go out by writev
MAX_QUEUED = 64  # pipelined requests waiting their turn before we stop reading the socket
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: 11\r\nconnection: close\r\n\r\nBad Request"
_MALFORMED = object()  # queued in place of a request that did not parse, so earlier ones are answered first
_STATUS_LINES = {s.value: f"HTTP/1.1 {s.value} {s.phrase}\r\n" for s in HTTPStatus}


def _status_line(status: int) -> str:
    return _STATUS_LINES.get(status) or f"HTTP/1.1 {status} Status\r\n"


class _Clock:
    """The Date header, formatted once a second rather than per response."""

    second = -1
    header = ""

    @classmethod
    def date(cls) -> str:
        now = int(time.time())
        if now != cls.second:
            cls.second = now
            cls.header = f"date: {formatdate(now, usegmt=True)}\r\n"
        return cls.header


def encode_head(response: HttpResponse, headers: dict[str, str], keep_alive: bool) -> bytes:
    """The status line and headers; the body follows in the same send."""
    block = "".join([f"{name}: {value}\r\n" for name, value in headers.items()])
    if block.count("\n") != len(headers) or block.count("\r") != len(headers):
        # A value with a line break of its own: never let it split the header block.
        block = "".join(
            f"{name}: {value.replace(chr(13), ' ').replace(chr(10), ' ')}\r\n" for name, value in headers.items()
        )
    status = response.status
    length = f"content-length: {len(response.body)}\r\n" if status != 204 and status >= 200 else ""
    close = "" if keep_alive else "connection: close\r\n"
    return f"{_status_line(status)}{_Clock.date()}{block}{length}{close}\r\n".encode("latin-1", "replace")


class HttpServer:
    """Listens, tracks connections, and shuts down gracefully."""

    def __init__(self, gateway: Gateway, keep_alive: float = KEEP_ALIVE_SECONDS) -> None:
        self.gateway = gateway
        self.keep_alive = keep_alive
        self.connections: set[Connection] = set()
        self._server: asyncio.AbstractServer | None = None
        self._listener: socket.socket | None = None  # listen_balanced's own socket
        self._handoffs: list[socket.socket] = []
        self._turn = 0
        self._adopting: set[asyncio.Task] = set()
        self._drained: asyncio.Event | None = None

    async def listen(self, host: str, port: int) -> None:
        """Raises OSError when the address cannot be bound (for instance, the port is taken)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: Connection(self), host, port, reuse_address=True, backlog=2048)
        group = getattr(self.gateway, "group_commit", None)
        if group is not None:
            group.attach(loop)

    async def listen_balanced(self, host: str, port: int, handoffs: list[socket.socket]) -> None:
        """Listen and share the connections out in turn between this process and the worker processes at
        the other end of ``handoffs`` (a connection's socket is passed over; see ``receive_from``), so each
        process serves as many connections. Raises OSError when the address cannot be bound."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.create_server((host, port), family=family, backlog=2048)
        listener.setblocking(False)
        self._listener = listener
        loop = asyncio.get_running_loop()
        for handoff in handoffs:
            self.add_worker(handoff)
        loop.add_reader(listener.fileno(), self._accept)
        group = getattr(self.gateway, "group_commit", None)
        if group is not None:
            group.attach(loop)

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                connection, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:  # out of file descriptors: try again at the next wake-up
                log.warning("accepting a connection: %s", error)
                return
            target = self._turn % (len(self._handoffs) + 1)  # only workers that said they are ready
            self._turn += 1
            if target:
                try:
                    socket.send_fds(self._handoffs[target - 1], [b"c"], [connection.fileno()])
                    connection.close()
                    continue
                except OSError:
                    pass  # that worker is gone: serve the connection here
            self.adopt(connection)

    def add_worker(self, handoff: socket.socket) -> None:
        """Hand connections over ``handoff`` too, once the worker at its other end says it is ready
        (receive_from); a worker started later (a replacement) is added the same way."""
        handoff.setblocking(False)
        asyncio.get_running_loop().add_reader(handoff.fileno(), self._worker_said, handoff)

    def remove_worker(self, handoff: socket.socket) -> None:
        """Hand no more connections over ``handoff`` (its worker is gone); the caller may close it."""
        if handoff.fileno() >= 0:
            asyncio.get_running_loop().remove_reader(handoff.fileno())
        if handoff in self._handoffs:
            self._handoffs.remove(handoff)

    def _worker_said(self, handoff: socket.socket) -> None:
        try:
            data = handoff.recv(64)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data and handoff not in self._handoffs:
            self._handoffs.append(handoff)
        elif not data:  # the worker is gone: its connections went with it; hand it no more
            self.remove_worker(handoff)

    def receive_from(self, handoff: socket.socket) -> None:
        """A worker process: serve the connections the main process passes over ``handoff``."""
        handoff.setblocking(False)
        loop = asyncio.get_running_loop()
        loop.add_reader(handoff.fileno(), self._received, handoff)
        handoff.send(b"r")  # ready: the main process starts handing connections over
        group = getattr(self.gateway, "group_commit", None)
        if group is not None:
            group.attach(loop)

    def _received(self, handoff: socket.socket) -> None:
        try:
            data, fds, _, _ = socket.recv_fds(handoff, 1024, 64)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data, fds = b"", []
        for fd in fds:
            self.adopt(socket.socket(fileno=fd))
        if not data:  # the main process is gone: no more connections will come
            asyncio.get_running_loop().remove_reader(handoff.fileno())

    def adopt(self, connection: socket.socket) -> None:
        """Serve a connection accepted elsewhere."""
        connection.setblocking(False)
        loop = asyncio.get_running_loop()
        task = loop.create_task(loop.connect_accepted_socket(lambda: Connection(self), connection))
        self._adopting.add(task)
        task.add_done_callback(self._adopting.discard)

    @property
    def port(self) -> int:
        if self._listener is not None:
            return self._listener.getsockname()[1]
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    async def shutdown(self, grace: float = 10.0) -> None:
        """Stop accepting, let every connection finish the requests it has received, then close."""
        if self._server is not None:
            self._server.close()
        if self._listener is not None:
            asyncio.get_running_loop().remove_reader(self._listener.fileno())
            self._listener.close()
        self._drained = asyncio.Event()
        for connection in list(self.connections):
            connection.shutdown()
        if self.connections:
            try:
                await asyncio.wait_for(self._drained.wait(), grace)
            except TimeoutError:
                log.warning("closing %d connections still busy after %.0fs", len(self.connections), grace)
        for connection in list(self.connections):
            connection.abort()
        group = getattr(self.gateway, "group_commit", None)
        if group is not None:
            group.detach()
        self.gateway.close()

    def forget(self, connection: Connection) -> None:
        self.connections.discard(connection)
        if not self.connections and self._drained is not None:
            self._drained.set()


class Connection(asyncio.Protocol):
    """One client connection: parse, queue in order, answer, write."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.gateway = server.gateway
        self.limit = server.gateway.max_body_bytes
        self.loop = asyncio.get_running_loop()
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.client = ""
        self.queue: deque[Any] = deque()  # (request, too_large, keep_alive) or _MALFORMED
        self.busy = False  # a call is running on the thread pool
        self.closed = False
        self.stopping = False  # no new requests: Connection: close, an upgrade, a parse error or shutdown
        self.server_stopping = False
        self.accepting = True  # the request being parsed began before we stopped taking new ones
        self.reading = True
        self.write_paused = False
        self.out: list[bytes] = []
        self.continue_owed = False
        self.last_active = 0.0
        self.idle_timer: asyncio.TimerHandle | None = None
        # The request being parsed.
        self.in_message = False
        self.url = b""
        self.headers: dict[str, str] = {}
        self.chunks: list[bytes] = []
        self.size = 0
        self.keep_alive = True

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.client = peer[0] if isinstance(peer, tuple) else ""
        self.server.connections.add(self)
        self.last_active = self.loop.time()
        self.idle_timer = self.loop.call_later(self.server.keep_alive, self._check_idle)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.queue.clear()
        if self.idle_timer is not None:
            self.idle_timer.cancel()
        self.server.forget(self)

    def data_received(self, data: bytes) -> None:
        self.last_active = self.loop.time()
        if self.stopping and not self.receiving:
            return  # no new requests are read once we decided to close
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.stopping = True  # no protocol switching here: the request is answered, then we close
        except httptools.HttpParserError:
            self.queue.append(_MALFORMED)
            self.stopping = True
        if len(self.queue) > MAX_QUEUED and self.reading:
            self.reading = False
            self.transport.pause_reading()  # type: ignore[union-attr]
        self._process()

    @property
    def receiving(self) -> bool:
        """Part of a request we will answer has arrived, the rest has not."""
        return self.in_message and self.accepting

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.reading:
            self.reading = False
            self.transport.pause_reading()  # type: ignore[union-attr]

    def resume_writing(self) -> None:
        self.write_paused = False
        self._process()

    # -- httptools callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.in_message = True
        self.accepting = not self.stopping
        self.url = b""
        self.headers = {}
        self.chunks = []
        self.size = 0

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()
        if not self.accepting:
            return
        if self.headers.get("expect", "").lower() == "100-continue" and self.parser.get_http_version() == "1.1":
            if self.queue or self.busy:
                self.continue_owed = True  # after the answers owed to earlier requests
            else:
                self.transport.write(CONTINUE)  # type: ignore[union-attr]

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size <= self.limit:
            self.chunks.append(body)
        elif self.chunks:
            self.chunks = []  # drained and dropped: the request is answered with a 413

    def on_message_complete(self) -> None:
        self.in_message = False
        self.continue_owed = False
        if not self.accepting:
            return
        try:
            request = self._request()
        except ValueError:
            self.queue.append(_MALFORMED)
            self.stopping = True
            return
        self.queue.append((request, self.size > self.limit, self.keep_alive))
        if not self.keep_alive:
            self.stopping = True

    def _request(self) -> HttpRequest:
        url = self.url
        if not url.startswith(b"/"):
            if url == b"*":
                url = b"/"
            else:  # absolute form, http://host/path?query
                parsed = httptools.parse_url(url)  # raises HttpParserInvalidURLError, a ValueError
                url = (parsed.path or b"/") + (b"?" + parsed.query if parsed.query else b"")
        raw_path, _, query = url.partition(b"?")
        raw = raw_path.decode("latin-1")
        return HttpRequest(
            method=self.parser.get_method().decode("latin-1"),
            path=unquote(raw) if "%" in raw else raw,
            raw_path=raw,
            query_string=query.partition(b"#")[0].decode("latin-1"),
            headers=self.headers,
            body=b"".join(self.chunks) if len(self.chunks) != 1 else self.chunks[0],
            client=self.client,
        )

    # -- answering ----------------------------------------------------------------------------

    def _process(self) -> None:
        """Answer queued requests in order until one has to wait for the thread pool."""
        while self.queue and not self.busy and not self.write_paused and not self.closed:
            item = self.queue.popleft()
            if item is _MALFORMED:
                self.out.append(BAD_REQUEST)
                self._close_after_flush()
                return
            request, too_large, keep_alive = item
            try:
                outcome = self.gateway.begin(request, too_large)
            except Exception:
                log.exception("internal error answering %s %s", request.method, request.path)
                outcome = HttpResponse(500, b"Internal Server Error", {"content-type": "text/plain"})
            if isinstance(outcome, HttpResponse):
                self._respond(request, outcome, keep_alive)
            else:
                self.busy = True
                if isinstance(outcome, asyncio.Future):
                    future = outcome  # a write waiting for the turn's group commit (gateway/commit.py)
                else:
                    future = self.loop.run_in_executor(self.gateway.executor, outcome.run)
                future.add_done_callback(partial(self._finished, request, keep_alive))
        if self.out:
            self._flush()
        if not self.queue and not self.busy and not self.closed:
            if self.stopping and not self.receiving:
                self._close_after_flush()
                return
            if self.continue_owed:
                self.continue_owed = False
                self.transport.write(CONTINUE)  # type: ignore[union-attr]
        if not self.reading and not self.write_paused and len(self.queue) < MAX_QUEUED // 2 and not self.closed:
            self.reading = True
            self.transport.resume_reading()  # type: ignore[union-attr]

    def _finished(self, request: HttpRequest, keep_alive: bool, future: asyncio.Future) -> None:
        self.busy = False
        if self.closed:
            return  # the client left; its answer has nowhere to go
        try:
            response = future.result()
        except WithdrawnAnswer:
            self.abort()  # its write was rolled back: no answer at all, so the client retries
            return
        except BaseException:  # the pool was shut down under us, or a bug: still answer
            log.exception("internal error answering %s %s", request.method, request.path)
            response = HttpResponse(500, b"Internal Server Error", {"content-type": "text/plain"})
        self._respond(request, response, keep_alive)
        self._process()

    def _respond(self, request: HttpRequest, response: HttpResponse, keep_alive: bool) -> None:
        keep_alive = keep_alive and not (self.server_stopping and not self.queue)
        headers = self.gateway.response_headers(request, response)
        head = encode_head(response, headers, keep_alive)
        body = b"" if request.method == "HEAD" or response.status == 204 else response.body
        if len(body) > COPY_LIMIT:
            self.out += (head, body)  # written together by one writev, without copying a large body
        else:
            self.out.append(head + body)
        self.last_active = self.loop.time()
        if not keep_alive:
            self.stopping = True
            self.queue.clear()

    def _flush(self) -> None:
        out, self.out = self.out, []
        if len(out) == 1:
            self.transport.write(out[0])  # type: ignore[union-attr]
        else:
            self.transport.writelines(out)  # type: ignore[union-attr]  # one writev syscall

    def _close_after_flush(self) -> None:
        if self.out:
            self._flush()
        self.closed = True
        self.queue.clear()
        self.transport.close()  # type: ignore[union-attr]  # sends what is buffered first

    # -- timeouts and shutdown ----------------------------------------------------------------

    def _check_idle(self) -> None:
        if self.closed:
            return
        wait = self.server.keep_alive
        writing = self.write_paused or self.transport.get_write_buffer_size()  # type: ignore[union-attr]
        if not (self.busy or self.queue or writing):
            idle = self.loop.time() - self.last_active
            if idle >= self.server.keep_alive:
                self._close_after_flush()
                return
            wait -= idle
        self.idle_timer = self.loop.call_later(wait, self._check_idle)

    def shutdown(self) -> None:
        """Finish what was received (the last answer says Connection: close), then close."""
        self.server_stopping = True
        self.stopping = True
        if not (self.busy or self.queue or self.receiving) and not self.closed:
            self._close_after_flush()

    def abort(self) -> None:
        if not self.closed:
            self.closed = True
            self.transport.abort()  # type: ignore[union-attr]
