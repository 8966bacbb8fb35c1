"""Engine ports: the one asked for when it is free here, else one of Fogbank's range, and
the port-stolen retry written once.

On one machine two resources cannot both listen on 6379, so a resource that asks for a taken
port (or its engine's default) gets a free one from ``FOGBANK_ENGINE_PORTS``; its endpoint
always tells the truth. A port reserved for a stopped resource is only ours on paper: another
program may take it meanwhile, and the engine's start then fails; ``start_on_port`` moves it
to a free port and starts it once more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fogbank.engines.ports import PortUnavailableError, port_is_free
from fogbank.engines.supervisor import EngineStartError, Supervisor

T = TypeVar("T")

# What engines write to their log when their address is taken (PostgreSQL/Valkey, MariaDB).
IN_USE_TEXTS = ("already in use", "Bind on TCP/IP port", "Address in use")


def allocate(supervisor: Supervisor, preferred: int | None) -> int:
    if preferred:
        try:
            return supervisor.allocate_port(preferred)
        except PortUnavailableError:
            pass
    return supervisor.allocate_port()


def stolen(port: int, error: Exception) -> bool:
    """Whether a failed start failed because another program has the port. The thief may be gone
    by now: the engine's own log saying the address was in use counts as much as a busy port."""
    if not isinstance(error, EngineStartError):
        return False
    return not port_is_free(port) or any(text in str(error) for text in IN_USE_TEXTS)


ATTEMPTS = 3


def start_on_port(
    supervisor: Supervisor,
    port: int,
    start: Callable[[int], T],
    moved: Callable[[int, int], None],
    before_retry: Callable[[], None] | None = None,
) -> T:
    """``start(port)``; when the port was stolen, ``moved(old, new)`` (record it, say so in an
    event), ``before_retry()`` (clean a half-made data directory), then ``start(new)``; up to
    ``ATTEMPTS`` ports in all, as another program (or another Fogbank sharing the engine port
    range) may take the next one as well."""
    for _ in range(ATTEMPTS - 1):
        try:
            return start(port)
        except EngineStartError as error:
            if not stolen(port, error):
                raise
        new = supervisor.allocate_port()
        supervisor.release_port(port)
        moved(port, new)
        if before_retry is not None:
            before_retry()
        port = new
    return start(port)
