"""A TCP relay in front of engines, for every endpoint Fogbank itself serves: Aurora's cluster and reader
endpoints (each new connection asks where to go *now*), Memcached's configuration endpoint (auto-discovery
answered on the way, ``inspect``) and the TLS listeners of serverless caches (``tls``: TLS from clients,
plain bytes on to a node that has none). Each connection is then joined to its engine.

On AWS such endpoints are DNS names that change target; here they are addresses Fogbank listens
on. A connection is never moved once made: after a failover, old connections to the old writer
break (as they do on AWS) and new ones reach the new writer.

Two threads per connection, each a blocking ``recv``/``sendall`` loop with TCP_NODELAY, rather than
an asyncio server: measured with ``SELECT 1`` round trips (bench/aurora.py), an asyncio relay ran
at ~0.42 of the server reached directly and this one at ~0.65-0.87 — each hop then costs one
thread wake-up, not a pass of the event loop (the GIL is released in the system calls). The other
designs measured (bench/forwarders.py: one thread per connection polling both sides, ``os.splice``,
socat's C relay) were no faster per round trip. A relay is still one more hop: its cost is printed
by the benches, and instance and node endpoints have none.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

Target = tuple[str, int]
Chooser = Callable[[], Target | None]  # where a new connection goes; None: refuse it (nothing serves)
CHUNK = 256 * 1024
Send = Callable[[bytes], None]


class Inspector(Protocol):
    """A protocol-aware look at one client connection (Memcached's auto-discovery): what the client sends
    before it goes on, and what the engine answers before it goes back."""

    def feed(self, data: bytes, forward: Send, answer: Send) -> bool:
        """Pass ``data`` on (``forward``) or answer parts of it itself, in order. ``answer`` writes to the
        client at once: only for a connection that has forwarded nothing yet (the engine is silent then);
        later answers go back among the engine's (``answers``). False: the rest of what the client sends
        needs no look, and is joined byte for byte from then on."""
        ...

    def answers(self, data: bytes, end: bool) -> bytes:
        """What goes back to the client for ``data`` from the engine (``end``: the engine is done)."""
        ...


class Relay:
    """Listens on ``host:port`` until ``close()``; relays each connection to ``choose()``'s target.

    ``tls``: the server context clients' TLS ends in (the engine gets plain bytes); ``upstream_tls``: TLS
    on to the engine too (checked against the target's address); ``inspect``: an ``Inspector`` for each
    connection, which may answer without the engine (then a connection is served even when the engine
    cannot be reached, until it forwards something)."""

    def __init__(self, host: str, port: int, choose: Chooser, timeout: float = 5.0, *,
                 tls: ssl.SSLContext | None = None, upstream_tls: ssl.SSLContext | None = None,
                 inspect: Callable[[], Inspector] | None = None) -> None:  # fmt: skip
        self.choose, self.timeout = choose, timeout
        self.tls, self.upstream_tls, self.inspect = tls, upstream_tls, inspect
        self._listener = socket.create_server((host, port), backlog=128)  # SO_REUSEADDR: a restart rebinds at once
        self.port: int = self._listener.getsockname()[1]  # ``port`` 0: the one the system chose
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, name=f"relay {host}:{port}", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(client,), name="relay connection", daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = self._connect()
        if (upstream is None and self.inspect is None) or not self._track(client, upstream):
            _close(client, upstream)
            return
        try:
            self._join(client, upstream)
        except (OSError, ssl.SSLError):
            pass  # a handshake that failed or timed out: the client sees its connection end
        finally:
            with self._lock:
                self._open.difference_update((client, upstream))
            _close(client, upstream)

    def _connect(self) -> socket.socket | None:
        try:
            target = self.choose()
        except Exception:
            log.exception("choosing a relay target failed")
            return None
        if target is None:
            return None
        try:
            upstream = socket.create_connection(target, timeout=self.timeout)
        except OSError:
            return None  # the engine is not there: the client sees its connection end
        upstream.settimeout(None)  # blocking: the timeout is for connecting, an idle connection stays open
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return upstream

    def _join(self, client: socket.socket, upstream: socket.socket | None) -> None:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        near: Side = TlsSide(client, self.tls, self.timeout) if self.tls else PlainSide(client)
        far: Side | None = None
        if upstream is not None:
            far = PlainSide(upstream)
            if self.upstream_tls is not None:
                far = TlsSide(upstream, self.upstream_tls, self.timeout, server_hostname=upstream.getpeername()[0])
        inspector = self.inspect() if self.inspect is not None else None
        back = None
        if far is not None:
            args = (far, near) if inspector is None else (far, near, inspector.answers)
            back = threading.Thread(target=_pump, args=args, name="relay connection", daemon=True)
            back.start()
        if inspector is None:
            assert far is not None
            _pump(near, far)
        else:
            _inspected(near, far, inspector)
        if back is not None:
            back.join()

    def _track(self, *sockets: socket.socket | None) -> bool:
        with self._lock:
            if self._closed:
                return False
            self._open.update(side for side in sockets if side is not None)
            return True

    def close(self) -> None:
        """Stop listening and end the connections it relays (their resource is gone)."""
        with self._lock:
            self._closed = True
            relayed = list(self._open)
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        self._listener.close()
        for side in relayed:
            with contextlib.suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)


class Relays:
    """Relays kept by resource (a cache cluster's configuration endpoint, a serverless cache's two TLS
    endpoints), so that a resource's are stopped together."""

    def __init__(self) -> None:
        self._relays: dict[str, list[Relay]] = {}
        self._lock = threading.Lock()

    def add(self, key: str, relay: Relay) -> None:
        with self._lock:
            self._relays.setdefault(key, []).append(relay)

    def stop(self, key: str) -> None:
        with self._lock:
            relays = self._relays.pop(key, [])
        for relay in relays:
            relay.close()

    def close(self) -> None:
        for key in list(self._relays):
            self.stop(key)


class Side(Protocol):
    """One end of a relayed connection: a plain socket, or TLS over one."""

    sock: socket.socket

    def recv(self, size: int) -> bytes: ...

    def sendall(self, data: bytes) -> None: ...


class PlainSide:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.recv = sock.recv
        self.sendall: Send = sock.sendall


class TlsSide:
    """TLS over a socket that two threads use at once, one reading and one writing. OpenSSL's connection
    objects are not safe for that (as ``SSLSocket`` would use one), so the TLS state lives in memory
    (``MemoryBIO``) behind a lock and the socket's own reads and writes happen outside it; records are
    sent in the order they were made (``_sending`` is taken before the state's lock is let go)."""

    def __init__(self, sock: socket.socket, context: ssl.SSLContext, timeout: float,
                 server_hostname: str | None = None) -> None:  # fmt: skip
        """The handshake is made here; ``server_hostname``: this side is the client, checking that name."""
        self.sock = sock
        self._in, self._out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._in, self._out, server_side=server_hostname is None,
                                     server_hostname=server_hostname)  # fmt: skip
        self._lock = threading.Lock()
        self._sending = threading.Lock()
        sock.settimeout(timeout)  # a peer that never completes its handshake does not keep a thread
        while True:
            try:
                self._tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                data = sock.recv(CHUNK)
                if not data:
                    raise ConnectionError("closed during the TLS handshake") from None
                self._in.write(data)
        self._flush()
        sock.settimeout(None)

    def _flush(self) -> None:
        if self._out.pending:
            self.sock.sendall(self._out.read())

    def recv(self, size: int) -> bytes:
        with self._lock:
            data, out = self._read(size) if self._in.pending or self._tls.pending() else (None, b"")
        while True:
            self._send_taken(out)
            if data is not None:
                return data
            raw = self.sock.recv(CHUNK)
            if not raw:
                return b""
            with self._lock:
                self._in.write(raw)
                data, out = self._read(size)

    def _read(self, size: int) -> tuple[bytes | None, bytes]:
        """Under the lock: the plaintext decrypted so far (None: part of a record, read more), and
        what TLS has to send meanwhile (a post-handshake message's answer), ``_sending`` then taken."""
        try:
            data: bytes | None = self._tls.read(size)
        except ssl.SSLWantReadError:
            data = None
        except ssl.SSLZeroReturnError:
            data = b""  # close_notify
        if not self._out.pending:
            return data, b""
        self._sending.acquire()  # before the lock is let go: these records go out before any made later
        return data, self._out.read()

    def sendall(self, data: bytes) -> None:
        with self._lock:
            written = self._tls.write(data)  # into memory: all of it, unless TLS wants it in parts
            while written < len(data):
                written += self._tls.write(memoryview(data)[written:])
            out = self._out.read()
            if out:
                self._sending.acquire()
        self._send_taken(out)

    def goodbye(self) -> None:
        """TLS's close_notify, as a TLS server ends a connection; never waits on a peer that does not read."""
        with self._lock:
            with contextlib.suppress(ssl.SSLError):
                self._tls.unwrap()
            out = self._out.read()
        with contextlib.suppress(OSError):
            self.sock.send(out, socket.MSG_DONTWAIT)

    def _send_taken(self, out: bytes) -> None:
        """Send ``out`` with ``_sending`` already held (released here; nothing taken for no bytes)."""
        if not out:
            return
        try:
            self.sock.sendall(out)
        finally:
            self._sending.release()


def _pump(source: Side, sink: Side, through: Callable[[bytes, bool], bytes] | None = None) -> None:
    """Copy until either side ends (each chunk ``through`` an inspector's ``answers``, if given); then both
    are shut down, which ends the other direction too."""
    recv, sendall = source.recv, sink.sendall
    try:
        if through is None:
            while data := recv(CHUNK):
                sendall(data)
        else:
            while data := recv(CHUNK):
                if out := through(data, False):
                    sendall(out)
            if out := through(b"", True):
                sendall(out)
    except (OSError, ssl.SSLError):
        pass
    _shut(source, sink)


def _inspected(client: Side, upstream: Side | None, inspector: Inspector) -> None:
    """The client's direction, through ``inspector`` until it lets go (then a plain ``_pump``)."""

    def unreachable(data: bytes) -> None:
        raise ConnectionError("the engine could not be reached")

    forward = upstream.sendall if upstream is not None else unreachable

    try:
        while True:
            data = client.recv(CHUNK)
            if not data:
                break
            if not inspector.feed(data, forward, client.sendall):
                if upstream is None:
                    break
                _pump(client, upstream)
                return
    except (OSError, ssl.SSLError):
        pass
    _shut(client, upstream)


def _shut(*sides: Side | None) -> None:
    for side in sides:
        if isinstance(side, TlsSide):
            side.goodbye()
        if side is not None:
            with contextlib.suppress(OSError):
                side.sock.shutdown(socket.SHUT_RDWR)


def _close(*sockets: socket.socket | None) -> None:
    for side in sockets:
        if side is not None:
            with contextlib.suppress(OSError):
                side.close()
