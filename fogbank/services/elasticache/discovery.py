"""Memcached's configuration endpoint: ElastiCache's auto-discovery, answered by Fogbank.

On AWS the configuration endpoint is a DNS name for one of the cluster's nodes, whose memcached
(ElastiCache's build) also answers ``config get cluster``. Memcached 1.6.18 has no such command,
so Fogbank listens on the configuration endpoint itself (one asyncio server per cluster, on one
event-loop thread for the service): it answers ``config get cluster`` (and the older
``get AmazonElastiCache:cluster``) with the cluster's nodes, and forwards every other command
to the first node, as the DNS name would have led there. The answer's format is ElastiCache's::

    CONFIG cluster 0 <bytes>\r\n
    <config version>\n
    <host>|<ip>|<port> <host>|<ip>|<port>\n
    \r\n
    END\r\n

The binary protocol (first byte 0x80) is forwarded as it is, without auto-discovery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from fogbank.managed.listeners import Listeners

log = logging.getLogger(__name__)

STORAGE = {b"set", b"add", b"replace", b"append", b"prepend", b"cas"}
LEGACY_KEY = b"AmazonElastiCache:cluster"


@dataclass(frozen=True)
class ClusterView:
    version: int
    nodes: list[tuple[str, str, int]]  # (host name, ip, port)


def answer(view: ClusterView, legacy: bool = False) -> bytes:
    nodes = " ".join(f"{host}|{ip}|{port}" for host, ip, port in view.nodes)
    data = f"{view.version}\n{nodes}\n".encode()
    head = f"VALUE {LEGACY_KEY.decode()} 0 {len(data)}" if legacy else f"CONFIG cluster 0 {len(data)}"
    return head.encode() + b"\r\n" + data + b"\r\nEND\r\n"


class Discovery(Listeners):
    """The configuration endpoints of every Memcached cluster of the service."""

    def __init__(self) -> None:
        super().__init__("elasticache discovery")

    def serve(self, key: str, port: int, view: Callable[[], ClusterView],
              tls: tuple[ssl.SSLContext, ssl.SSLContext] | None = None) -> None:  # fmt: skip
        """``tls``: (server, client) contexts: TLS from clients, and on to the node (TLS nodes)."""
        server, upstream = tls or (None, None)
        self.listen(
            key,
            lambda: asyncio.start_server(
                lambda r, w: _Connection(r, w, view, upstream).run(),
                "127.0.0.1",
                port,
                ssl=server,
                reuse_address=True,
            ),
            replace=True,
        )


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, view: Callable[[], ClusterView],
                 upstream_tls: ssl.SSLContext | None = None):  # fmt: skip
        self.reader, self.writer, self.view, self.upstream_tls = reader, writer, view, upstream_tls
        self.upstream: asyncio.StreamWriter | None = None
        self.pump: asyncio.Task[None] | None = None

    async def run(self) -> None:
        try:
            first = await self.reader.read(1)
            if first == b"\x80":  # binary protocol: forward as it is
                await self._connect()
                assert self.upstream is not None
                self.upstream.write(first)
                await self._splice()
                return
            buffered = first
            while True:
                line = buffered + await self.reader.readline()
                buffered = b""
                if not line or not line.endswith(b"\n"):
                    return
                words = line.split()
                if words[:3] == [b"config", b"get", b"cluster"]:
                    self.writer.write(answer(self.view()))
                    await self.writer.drain()
                    continue
                if words[:2] == [b"get", LEGACY_KEY] and len(words) == 2:
                    self.writer.write(answer(self.view(), legacy=True))
                    await self.writer.drain()
                    continue
                if words and words[0] == b"config":
                    self.writer.write(b"ERROR\r\n")
                    await self.writer.drain()
                    continue
                if self.upstream is None:
                    await self._connect()
                assert self.upstream is not None
                self.upstream.write(line)
                if words and words[0] in STORAGE and len(words) >= 5 and words[4].isdigit():
                    self.upstream.write(await self.reader.readexactly(int(words[4]) + 2))
                await self.upstream.drain()
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            return
        finally:
            await self._finish()

    async def _connect(self) -> None:
        view = self.view()
        if not view.nodes:
            raise ConnectionError("the cluster has no nodes")
        _, ip, port = view.nodes[0]
        reader, self.upstream = await asyncio.open_connection(ip, port, ssl=self.upstream_tls)
        self.pump = asyncio.create_task(self._copy(reader, self.writer))

    async def _splice(self) -> None:
        assert self.upstream is not None
        await self._copy(self.reader, self.upstream)

    @staticmethod
    async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _finish(self) -> None:
        if self.upstream is not None:
            with contextlib.suppress(Exception):
                self.upstream.close()
        if self.pump is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.pump, 1)
        with contextlib.suppress(Exception):
            self.writer.close()
