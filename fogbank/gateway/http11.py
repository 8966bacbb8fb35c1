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

What it refuses, as AWS's front ends do (docs/security.md): a request line over 16 KiB (414), one
header over 16 KiB or all of them over 64 KiB (431; counted before the parser buffers them, so a
64 MB header costs no memory), headers that take longer than 20 s to arrive or a body that stalls
for 20 s (408: slow clients cannot hold connections), and connections past what the process can
hold (the longest-idle ones are closed first; when out of file descriptors, a reserved one lets the
server accept and shed the newcomer instead of spinning on a listener that stays readable).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import resource
import socket
import time
from collections import deque
from email.utils import formatdate
from functools import partial
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httptools

from fogbank.core.commit import WithdrawnAnswer
from fogbank.core.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from fogbank.gateway.app import Gateway

log = logging.getLogger("fogbank.http")

KEEP_ALIVE_SECONDS = 30.0
HEADER_SECONDS = 20.0  # from a request's first byte to the end of its headers
BODY_STALL_SECONDS = 20.0  # longest wait for the next bytes of a body
MAX_REQUEST_LINE = 16 * 1024  # AWS's load balancers: request line 16K, one header 16K, all headers 64K
MAX_HEADER = 16 * 1024
MAX_HEADERS = 64 * 1024
HEAD_PIECE = 16 * 1024  # a head still open is fed to the parser in pieces this size, and counted
COPY_LIMIT = 64 * 1024  # smaller bodies are joined to their head; larger ones go out by writev
MAX_QUEUED = 64  # pipelined requests waiting their turn before we stop reading the socket
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: 11\r\nconnection: close\r\n\r\nBad Request"
_MALFORMED = object()  # queued in place of a request that did not parse, so earlier ones are answered first
_FD_RESERVE = 32  # descriptors kept free for engines, logs and the database when connections are capped


def _refusal(status: int, text: str) -> bytes:
    """A whole response that ends the connection (the request is not read further)."""
    body = text.encode()
    phrase = HTTPStatus(status).phrase
    return (
        f"HTTP/1.1 {status} {phrase}\r\ncontent-type: text/plain\r\ncontent-length: {len(body)}\r\n"
        f"connection: close\r\n\r\n"
    ).encode() + body


class _Refused(Exception):
    """Raised inside a parser callback: the request breaks a limit; answer ``response`` and close."""

    def __init__(self, response: bytes) -> None:
        self.response = response


URI_TOO_LONG = _refusal(414, f"The request line is longer than {MAX_REQUEST_LINE} bytes.")
HEADERS_TOO_LARGE = _refusal(
    431, f"A request header is longer than {MAX_HEADER} bytes, or all of them longer than {MAX_HEADERS}."
)
REQUEST_TIMEOUT = _refusal(408, "The request did not arrive in time.")


def connection_limit() -> int:
    """How many client connections one process holds: what its file descriptors allow, less a reserve.
    The soft limit is raised to the hard one first (1,024 is the usual soft default)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        try:
            soft = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        except (ValueError, OSError):
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return max(16, min(soft - 4 * _FD_RESERVE, 20_000))


def _reserve_fd() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


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

    def __init__(
        self,
        gateway: Gateway,
        keep_alive: float = KEEP_ALIVE_SECONDS,
        max_connections: int | None = None,
        header_timeout: float = HEADER_SECONDS,
        body_timeout: float = BODY_STALL_SECONDS,
    ) -> None:
        self.gateway = gateway
        self.keep_alive = keep_alive
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        # How often a connection's timer looks (no per-request timer work): deadlines are kept to a quarter.
        self.tick = min(keep_alive, header_timeout, body_timeout) / 4
        self.max_connections = max_connections or connection_limit()
        self.connections: set[Connection] = set()
        self._reserve: int | None = _reserve_fd()  # closed to accept-and-shed when out of descriptors
        self._starved_since = -60.0
        self._server: asyncio.AbstractServer | None = None
        self._listener: socket.socket | None = None  # listen_balanced's own socket
        self._handoffs: list[socket.socket] = []
        self._turn = 0
        self._adopting: set[asyncio.Task] = set()
        self._drained: asyncio.Event | None = None

    async def listen(self, host: str, port: int) -> None:
        """Raises OSError when the address cannot be bound (for instance, the port is taken)."""
        await self.listen_balanced(host, port, [])  # with no workers: one accept loop, one set of limits

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
            except OSError as error:
                if error.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self._shed(error)
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

    def _shed(self, error: OSError) -> None:
        """Out of file descriptors while a connection waits: the listener stays readable, so returning
        would spin. Free the reserved descriptor, accept the newcomer and close it at once, close idle
        connections, and keep the reserve for the next time. Logged once per episode."""
        now = time.monotonic()
        if now - self._starved_since > 60:
            log.warning("out of file descriptors (%s): shedding new connections and closing idle ones", error)
        self._starved_since = now
        self._close_idle(len(self.connections) // 10 + 1)
        if self._reserve is not None:
            os.close(self._reserve)
            self._reserve = None
        try:
            connection, _ = self._listener.accept()  # type: ignore[union-attr]
            connection.close()
        except OSError:
            pass
        self._reserve = _reserve_fd()

    def _close_idle(self, count: int) -> int:
        """Close up to ``count`` connections that wait for a next request, the longest-idle first."""
        idle = sorted((c for c in self.connections if c.idle), key=lambda c: c.last_active)[:count]
        for connection in idle:
            connection.close_idle()
        return len(idle)

    def adopt(self, connection: socket.socket) -> None:
        """Serve a connection accepted elsewhere (or by ``_accept``)."""
        if len(self.connections) + len(self._adopting) >= self.max_connections and not self._close_idle(1):
            connection.close()  # full of busy connections: the newcomer is shed (clients retry)
            return
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
        if self._reserve is not None:
            os.close(self._reserve)
            self._reserve = None
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
        self.queue: deque[Any] = deque()  # (request, too_large, keep_alive), _MALFORMED or a refusal's bytes
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
        # Limits on the request being received (module docstring).
        self.in_body = False
        self.began = False  # a request began during the current feed
        self.head_bytes = 0  # bytes of a still-open head fed after the feed it began in
        self.header_bytes = 0
        self.started = 0.0  # when the request's first byte came

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.client = peer[0] if isinstance(peer, tuple) else ""
        self.server.connections.add(self)
        self.last_active = self.loop.time()
        self.idle_timer = self.loop.call_later(self.server.tick, self._check_idle)

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
            if self.in_body or len(data) <= HEAD_PIECE:
                self._feed(data)
            else:  # a head may be open: feed it in pieces, so its size is known before the parser holds it
                for start in range(0, len(data), HEAD_PIECE):
                    if self.in_body:
                        self._feed(data[start:])
                        break
                    self._feed(data[start : start + HEAD_PIECE])
        except httptools.HttpParserUpgrade:
            self.stopping = True  # no protocol switching here: the request is answered, then we close
        except (httptools.HttpParserError, _Refused) as error:
            refused = error if isinstance(error, _Refused) else error.__context__
            self.queue.append(refused.response if isinstance(refused, _Refused) else _MALFORMED)
            self.stopping = True
            self.accepting = False
        if len(self.queue) > MAX_QUEUED and self.reading:
            self.reading = False
            self.transport.pause_reading()  # type: ignore[union-attr]
        self._process()

    def _feed(self, data: bytes) -> None:
        self.began = False
        self.parser.feed_data(data)
        if self.in_message and not self.in_body and not self.began:
            self.head_bytes += len(data)
            if self.head_bytes > MAX_REQUEST_LINE + MAX_HEADERS:
                raise _Refused(HEADERS_TOO_LARGE)

    @property
    def idle(self) -> bool:
        """Waiting for a next request: nothing received, owed or being written."""
        return not (self.in_message or self.busy or self.queue or self.out or self.closed or self.write_paused)

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
        self.began = True
        self.head_bytes = 0
        self.header_bytes = 0
        self.started = self.loop.time()
        self.accepting = not self.stopping
        self.url = b""
        self.headers = {}
        self.chunks = []
        self.size = 0

    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > MAX_REQUEST_LINE:
            raise _Refused(URI_TOO_LONG)

    def on_header(self, name: bytes, value: bytes) -> None:
        size = len(name) + len(value) + 4
        self.header_bytes += size
        if size > MAX_HEADER or self.header_bytes > MAX_HEADERS:
            raise _Refused(HEADERS_TOO_LARGE)
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.in_body = True
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
        self.in_body = False
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
            if item is _MALFORMED or type(item) is bytes:
                self.out.append(BAD_REQUEST if item is _MALFORMED else item)
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
                    future = outcome  # a write waiting for the turn's group commit (core/commit.py)
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
        """The connection's one timer: keep-alive between requests, the header deadline while a head
        arrives, the stall limit while a body does. A request still arriving when its time is up gets 408."""
        if self.closed:
            return
        server = self.server
        now = self.loop.time()
        writing = self.write_paused or self.transport.get_write_buffer_size()  # type: ignore[union-attr]
        if self.in_message and self.accepting:
            if not self.in_body:
                left = self.started + server.header_timeout - now
            else:
                left = self.last_active + server.body_timeout - now
            if left <= 0:
                self._time_out()
                return
        elif self.busy or self.queue or writing:
            left = server.tick
        else:
            left = self.last_active + server.keep_alive - now
            if left <= 0:
                self._close_after_flush()
                return
        self.idle_timer = self.loop.call_later(min(left, server.tick), self._check_idle)

    def _time_out(self) -> None:
        """Answer the requests already received, then 408 for the one that did not arrive in time."""
        self.accepting = False
        self.in_message = False
        self.stopping = True
        self.queue.append(REQUEST_TIMEOUT)
        if self.reading is False:
            self.reading = True
            self.transport.resume_reading()  # type: ignore[union-attr]
        self._process()
        if not self.closed:
            self.idle_timer = self.loop.call_later(self.server.tick, self._check_idle)

    def close_idle(self) -> None:
        """Make room for another connection (HttpServer._close_idle): only when idle."""
        if self.idle:
            self._close_after_flush()

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
