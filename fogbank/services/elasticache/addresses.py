"""Loopback addresses for replication-group nodes and their moving endpoints.

On Linux every address of 127.0.0.0/8 is this machine, so a replication group's nodes can all
listen on the group's port (6379 by default) at addresses of their own, as ElastiCache's nodes
do, and an endpoint that moves (the primary endpoint, the reader endpoint, the configuration
endpoint) is one more address that the node currently serving it binds as well. Clients then
talk to the engine itself: no forwarder sits on the data path, and after a failover a client
that reconnects to the primary endpoint reaches the new primary.

Addresses are drawn at random from 127.64.0.0/10 (far from 127.0.0.1 and the 127.0.1.1 that
Debian gives the host name) and checked free for the port; a group keeps its addresses across
Fogbank restarts, as its endpoints' names stay on AWS.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import threading

_POOL = ipaddress.ip_network("127.64.0.0/10")
_handed_out: set[str] = set()
_lock = threading.Lock()


def free(address: str, port: int) -> bool:
    """Whether a server could listen on ``address:port`` (and, in cluster mode, its bus port) now."""
    for candidate in (port, port + 10000) if port + 10000 < 65536 else (port,):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((address, candidate))
            except OSError:
                return False
    return True


def allocate(port: int, preferred: str | None = None) -> str:
    """An address of the pool nobody listens on at ``port``: ``preferred`` when it still is."""
    with _lock:
        if preferred and (preferred in _handed_out or free(preferred, port)):
            _handed_out.add(preferred)
            return preferred
        for _ in range(1000):
            address = str(_POOL[secrets.randbelow(_POOL.num_addresses - 2) + 1])
            if address not in _handed_out and free(address, port):
                _handed_out.add(address)
                return address
    raise OSError(f"no free loopback address for port {port}")


def release(address: str | None) -> None:
    with _lock:
        _handed_out.discard(address or "")
