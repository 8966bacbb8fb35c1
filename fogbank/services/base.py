"""A service: its botocore model names and one handler per implemented operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fogbank.gateway.context import RequestContext
    from fogbank.platform import Platform

Handler = Callable[["RequestContext", dict[str, Any]], "dict[str, Any] | None"]


class Service:
    """Subclass per service; register handlers with ``@service.operation("Name")``.

    ``models`` are the botocore models whose operations the service answers: RDS answers the
    ``rds``, ``neptune`` and ``docdb`` APIs, which AWS serves from one control plane.
    """

    name = ""
    models: tuple[str, ...] = ()
    # Run handlers on the event loop instead of the thread pool: only for services whose every
    # handler is short and never waits (no engine round trips, no sleeps).
    inline = False

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.backend: Any = None

    def operation(self, name: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.handlers[name] = handler
            return handler

        return register

    def open(self, platform: Platform) -> None:
        """Load durable state and start what the service needs; sets ``self.backend``."""

    def close(self) -> None:
        """Stop engines and flush state (Fogbank is exiting)."""

    def reset(self) -> None:
        """Wipe every resource of the service (``fogbank reset``, ``POST /_fogbank/reset``)."""

    def status(self) -> dict[str, Any]:
        return {"state": "running", "operations": len(self.handlers)}
