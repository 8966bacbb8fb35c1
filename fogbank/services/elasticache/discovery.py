"""Memcached's configuration endpoint: ElastiCache's auto-discovery, answered by Fogbank.

On AWS the configuration endpoint is a DNS name for one of the cluster's nodes, whose memcached
(ElastiCache's build) also answers ``config get cluster``. Memcached 1.6.18 has no such command,
so Fogbank listens on the configuration endpoint itself (a ``fogbank.managed.relay`` to node 0001,
as the DNS name would have led there): it answers ``config get cluster`` (and the older
``get AmazonElastiCache:cluster``) with the cluster's nodes, at any point of any connection, and
passes every other command on unchanged. The answer's format is ElastiCache's::

    CONFIG cluster 0 <bytes>\r\n
    <config version>\n
    <host>|<ip>|<port> <host>|<ip>|<port>\n
    \r\n
    END\r\n

The binary protocol (first byte 0x80) is forwarded as it is, without auto-discovery.

Why not node 0001's own address (``memcached -l`` takes several): every ElastiCache cluster client
(AWS's Java/.NET/PHP ones, pymemcache's ``ConfigurationEndpointClient``, django-elasticache, Dalli's)
first asks ``version`` (or ``stats``) and sends ``config get cluster`` to a server of 1.4.14 or later,
which memcached 1.6.18 answers ``ERROR``; only a server below 1.4.14 is asked the legacy key, and even
that key, if stored in the node, could be evicted, flushed or overwritten by the cache's own users.

Each command line is looked at, not parsed: a chunk of one whole line that is not a discovery
command or a storage command (whose data block is passed over by its length) goes on as it is.
"""

from __future__ import annotations

import logging
import secrets
import ssl
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from fogbank.managed.relay import Relay, Relays, Send

log = logging.getLogger(__name__)

STORAGE = {b"set", b"add", b"replace", b"append", b"prepend", b"cas"}  # <command> <key> <flags> <exptime> <bytes>
META_SET = b"ms"  # ms <key> <datalen> <flags>*
# How the commands without a data block begin (get, gets, gat, gats, delete, incr, decr, touch, the meta
# get/delete/arithmetic/no-op, version, stats): a chunk of one such line needs no closer look.
LINE_ONLY = {b"get", b"gat", b"del", b"inc", b"dec", b"tou", b"mg ", b"md ", b"ma ", b"mn\r", b"mn\n", b"ver", b"sta"}
LONGEST_LINE = 65536  # no command line is longer (memcached's own limit is lower): bytes, not commands
LEGACY_KEY = b"AmazonElastiCache:cluster"
BARRIER_KEY = b"fogbank:barrier:"  # + a random token: a key no one stores


@dataclass(frozen=True)
class ClusterView:
    version: int
    nodes: list[tuple[str, str, int]]  # (host name, ip, port)


def config_answer(view: ClusterView, legacy: bool = False) -> bytes:
    nodes = " ".join(f"{host}|{ip}|{port}" for host, ip, port in view.nodes)
    data = f"{view.version}\n{nodes}\n".encode()
    head = f"VALUE {LEGACY_KEY.decode()} 0 {len(data)}" if legacy else f"CONFIG cluster 0 {len(data)}"
    return head.encode() + b"\r\n" + data + b"\r\nEND\r\n"


class Discovery(Relays):
    """The configuration endpoints of every Memcached cluster of the service."""

    def serve(self, key: str, port: int, view: Callable[[], ClusterView],
              tls: tuple[ssl.SSLContext, ssl.SSLContext] | None = None) -> None:  # fmt: skip
        """``tls``: (server, client) contexts: TLS from clients, and on to the node (TLS nodes)."""
        server, upstream = tls or (None, None)

        def node_0001() -> tuple[str, int] | None:
            nodes = view().nodes
            return (nodes[0][1], nodes[0][2]) if nodes else None

        self.stop(key)  # a cluster restarted: its view is the same, its port may be another
        self.add(key, Relay("127.0.0.1", port, node_0001, tls=server, upstream_tls=upstream,
                            inspect=lambda: AutoDiscovery(view)))  # fmt: skip


class AutoDiscovery:
    """One client connection: discovery commands answered here, the rest passed on unchanged, every answer
    in the order of the commands. Once the connection has sent the node anything, a discovery answer waits
    for the node's answers to the commands before it: a *barrier* goes to the node in the command's place
    (``mg`` of a key no one has, with a random opaque token, which memcached echoes in its miss, ``EN O<token>``),
    and Fogbank's answer takes the place of that miss on the way back."""

    def __init__(self, view: Callable[[], ClusterView]) -> None:
        self.view = view
        self.line = b""  # the start of a command line not ended yet
        self.skip = 0  # bytes of a data block still to pass on
        self.started = False
        self.forwarded = False  # anything sent to the node (then discovery answers go through a barrier)
        self.waiting: deque[tuple[bytes, bytes]] = deque()  # (the node's miss for a barrier, the answer for it)
        self.held = b""  # the end of the node's answers that may be the start of a barrier's miss
        self.lock = threading.Lock()  # ``waiting`` and ``held``, shared by the two directions

    def feed(self, data: bytes, forward: Send, answer: Send) -> bool:
        if not self.started:
            self.started = True
            if data[:1] == b"\x80":  # the binary protocol: no auto-discovery there
                self.forwarded = True
                forward(data)
                return False
        if data[:3] in LINE_ONLY and data.find(b"\n") == len(data) - 1 and not (self.skip or self.line):
            if LEGACY_KEY not in data:
                self.forwarded = True
                forward(data)  # the common case: one command, one line, nothing to answer
                return True
        return self._scan(data, forward, answer)

    def _scan(self, data: bytes, forward: Send, answer: Send) -> bool:
        start = at = 0  # data[start:at] is to be forwarded
        end = len(data)

        def flush(upto: int) -> None:
            if upto > start:
                self.forwarded = True
                forward(data[start:upto])

        while at < end:
            if self.skip:
                taken = min(self.skip, end - at)
                self.skip -= taken
                at += taken
                continue
            newline = data.find(b"\n", at)
            if newline < 0:
                flush(at)
                self.line += data[at:]
                if len(self.line) > LONGEST_LINE:  # not a command line: the rest goes on as it comes
                    self.forwarded = True
                    forward(self.line)
                    return False
                return True
            line = self.line + data[at : newline + 1]
            reply = self._command(line)
            if reply is not None:
                flush(at)
                self._reply(reply, forward, answer)
                start = newline + 1
            elif self.line:  # its start was held back: it goes on now, with the rest
                flush(at)
                self.forwarded = True
                forward(self.line)
                start = at
            self.line = b""
            at = newline + 1
        flush(end)
        return True

    def _reply(self, reply: bytes, forward: Send, answer: Send) -> None:
        if not self.forwarded:
            answer(reply)  # the node has nothing to answer before it
            return
        token = secrets.token_hex(8).encode()
        with self.lock:
            self.waiting.append((b"EN O" + token + b"\r\n", reply))
        forward(b"mg " + BARRIER_KEY + token + b" O" + token + b"\r\n")

    def answers(self, data: bytes, end: bool) -> bytes:
        if not self.waiting and not self.held:  # the common case: no barrier out
            return data
        with self.lock:
            data, self.held = self.held + data, b""
            out = []
            while self.waiting:
                miss, reply = self.waiting[0]
                found = data.find(miss)
                if found < 0:
                    break
                out += [data[:found], reply]
                data = data[found + len(miss) :]
                self.waiting.popleft()
            if self.waiting and not end:  # a miss may be arriving in parts
                keep = min(len(data), len(self.waiting[0][0]) - 1)
                data, self.held = data[: len(data) - keep], data[len(data) - keep :]
            out.append(data)
            return b"".join(out)

    def _command(self, line: bytes) -> bytes | None:
        """The answer to a discovery command; None for any other, whose data block (if any) is to be skipped."""
        words = line.split()
        if words[:3] == [b"config", b"get", b"cluster"]:
            return config_answer(self.view())
        if words == [b"get", LEGACY_KEY]:
            return config_answer(self.view(), legacy=True)
        if words[:1] == [b"config"]:
            return b"ERROR\r\n"
        if len(words) >= 5 and words[0] in STORAGE and words[4].isdigit():
            self.skip = int(words[4]) + 2
        elif len(words) >= 3 and words[0] == META_SET and words[2].isdigit():
            self.skip = int(words[2]) + 2
        return None
