"""A TCP relay for an endpoint that moves between engines (Aurora's cluster and reader endpoints):
each new connection asks where to go *now* and is then joined byte for byte to that engine.

On AWS such endpoints are DNS names that change target; here they are addresses Fogbank listens
on. A connection is never moved once made: after a failover, old connections to the old writer
break (as they do on AWS) and new ones reach the new writer. Built on asyncio protocols rather
than streams: one ``transport.write`` per chunk received, no task or await per message, and each
side's flow control pauses the other (a slow client does not make Fogbank buffer a large result).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

Target = tuple[str, int]
Chooser = Callable[[], Target | None]  # where a new connection goes; None: refuse it (nothing serves)


class _Side(asyncio.Protocol):
    """One end of a joined pair; whatever it receives is written to its peer."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.peer: _Side | None = None
        self.pending: list[bytes] = []  # what arrived before the two sides were joined
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        peer = self.peer
        if peer is not None and peer.transport is not None:
            peer.transport.write(data)
        else:
            self.pending.append(data)

    def eof_received(self) -> bool:
        peer = self.peer
        if peer is not None and peer.transport is not None and peer.transport.can_write_eof():
            peer.transport.write_eof()  # a half-close is passed on (a client done sending)
            return True
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        peer = self.peer
        if peer is not None and peer.transport is not None:
            peer.transport.close()

    def pause_writing(self) -> None:  # our transport's buffer is full: stop reading the peer
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()


class _Client(_Side):
    """A connection accepted on the endpoint: joined to the target chosen when it arrived."""

    def __init__(self, choose: Chooser, timeout: float) -> None:
        super().__init__()
        self.choose, self.timeout = choose, timeout

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        try:
            target = self.choose()
        except Exception:
            log.exception("choosing a relay target failed")
            target = None
        if target is None:
            transport.close()
            return
        asyncio.get_running_loop().create_task(self._join(target))

    async def _join(self, target: Target) -> None:
        loop = asyncio.get_running_loop()
        upstream = _Side()
        try:
            await asyncio.wait_for(loop.create_connection(lambda: upstream, *target), self.timeout)
        except (OSError, TimeoutError):
            if self.transport is not None:
                self.transport.close()  # the engine is not there: the client sees its connection end
            return
        if self.closed:  # the client left while we connected
            assert upstream.transport is not None
            upstream.transport.close()
            return
        upstream.peer, self.peer = self, upstream
        # What either side sent before they were joined (a MySQL server speaks first) goes across now.
        for side in (self, upstream):
            assert side.peer is not None and side.peer.transport is not None
            for chunk in side.pending:
                side.peer.transport.write(chunk)
            side.pending.clear()
        if upstream.closed:  # the engine hung up at once: so does the client's connection
            assert self.transport is not None
            self.transport.close()


async def serve(host: str, port: int, choose: Chooser, timeout: float = 5.0) -> asyncio.AbstractServer:
    """Listen on ``host:port`` (in the running loop: ``Listeners.listen`` runs it) and relay each
    connection to ``choose()``'s target."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: _Client(choose, timeout), host, port, reuse_address=True)
