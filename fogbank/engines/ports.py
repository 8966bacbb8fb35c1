"""Handing out local TCP ports to engine processes."""

from __future__ import annotations

import socket
import threading


class PortUnavailableError(Exception):
    """The requested port is taken, or the range has no free port left."""


def port_is_free(port: int) -> bool:
    """Whether a server could listen on 127.0.0.1:port right now.

    SO_REUSEADDR matches what database servers set, so ports that only have
    connections in TIME_WAIT count as free; a listener on the port still fails the bind.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class PortAllocator:
    """Ports from a range that are neither in use nor already handed out."""

    def __init__(self, port_range: tuple[int, int]) -> None:
        low, high = port_range
        if not 0 < low <= high < 65536:
            raise ValueError(f"bad port range {port_range}")
        self._range = range(low, high + 1)
        self._handed_out: set[int] = set()
        self._lock = threading.Lock()

    def allocate(self, preferred: int | None = None) -> int:
        """A free port: ``preferred`` when given (any port, even outside the range), else the
        lowest free one in the range."""
        with self._lock:
            if preferred is not None:
                if preferred in self._handed_out or not port_is_free(preferred):
                    raise PortUnavailableError(f"port {preferred} is already in use")
                self._handed_out.add(preferred)
                return preferred
            for port in self._range:
                if port not in self._handed_out and port_is_free(port):
                    self._handed_out.add(port)
                    return port
        raise PortUnavailableError(f"no free port in {self._range.start}-{self._range.stop - 1}")

    def release(self, port: int) -> None:
        with self._lock:
            self._handed_out.discard(port)
