"""Listeners Fogbank itself serves in front of engines (a configuration endpoint, a TLS terminator):
asyncio servers on one event-loop thread per owner, kept by resource so a resource's are stopped together."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable


class Listeners:
    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()
        self._servers: dict[str, list[asyncio.AbstractServer]] = {}

    def listen(self, key: str, start: Callable[[], Awaitable[asyncio.AbstractServer]], replace: bool = False) -> None:
        """Run ``start`` (an ``asyncio.start_server`` call) on the loop and keep its server under ``key``;
        with ``replace``, the key's earlier servers are closed once the new one listens. Raises what it raises."""

        async def run() -> asyncio.AbstractServer:
            return await start()

        server = asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)
        old = self._servers.pop(key, []) if replace else []
        self._servers.setdefault(key, []).append(server)
        for earlier in old:
            self._close(earlier)

    def stop(self, key: str) -> None:
        for server in self._servers.pop(key, []):
            self._close(server)

    def close(self) -> None:
        for key in list(self._servers):
            self.stop(key)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _close(self, server: asyncio.AbstractServer) -> None:
        async def close() -> None:
            server.close()
            if hasattr(server, "close_clients"):  # Python 3.13: also end the connections it accepted
                server.close_clients()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
