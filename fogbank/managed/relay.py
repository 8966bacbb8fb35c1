"""A TCP relay for an endpoint that moves between engines (Aurora's cluster and reader endpoints):
each new connection asks where to go *now* and is then joined byte for byte to that engine.

On AWS such endpoints are DNS names that change target; here they are addresses Fogbank listens
on. A connection is never moved once made: after a failover, old connections to the old writer
break (as they do on AWS) and new ones reach the new writer.

Two threads per connection, each a blocking ``recv``/``sendall`` loop with TCP_NODELAY, rather than
an asyncio server: measured with ``SELECT 1`` round trips (bench/aurora.py), an asyncio relay ran
at ~0.42 of the server reached directly and this one at ~0.65-0.87 — each hop then costs one
thread wake-up, not a pass of the event loop (the GIL is released in the system calls). A relay
is still one more hop: its cost is printed by the bench, and instance endpoints have none.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Target = tuple[str, int]
Chooser = Callable[[], Target | None]  # where a new connection goes; None: refuse it (nothing serves)
CHUNK = 256 * 1024


class Relay:
    """Listens on ``host:port`` until ``close()``; relays each connection to ``choose()``'s target."""

    def __init__(self, host: str, port: int, choose: Chooser, timeout: float = 5.0) -> None:
        self.choose, self.timeout = choose, timeout
        self._listener = socket.create_server((host, port), backlog=128)  # SO_REUSEADDR: a restart rebinds at once
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
            threading.Thread(target=self._join, args=(client,), name="relay connection", daemon=True).start()

    def _join(self, client: socket.socket) -> None:
        try:
            target = self.choose()
        except Exception:
            log.exception("choosing a relay target failed")
            target = None
        upstream = None
        if target is not None:
            try:
                upstream = socket.create_connection(target, timeout=self.timeout)
                upstream.settimeout(None)
            except OSError:
                upstream = None  # the engine is not there: the client sees its connection end
        if upstream is None or not self._track(client, upstream):
            _close(client, upstream)
            return
        for side in (client, upstream):
            side.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        back = threading.Thread(target=_pump, args=(upstream, client), name="relay connection", daemon=True)
        back.start()
        _pump(client, upstream)
        back.join()
        with self._lock:
            self._open.difference_update((client, upstream))
        _close(client, upstream)

    def _track(self, *sockets: socket.socket) -> bool:
        with self._lock:
            if self._closed:
                return False
            self._open.update(sockets)
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


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy until either side ends; then both are shut down, which ends the other direction too."""
    try:
        while True:
            data = source.recv(CHUNK)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    for side in (source, sink):
        with contextlib.suppress(OSError):
            side.shutdown(socket.SHUT_RDWR)


def _close(*sockets: socket.socket | None) -> None:
    for side in sockets:
        if side is not None:
            with contextlib.suppress(OSError):
                side.close()
