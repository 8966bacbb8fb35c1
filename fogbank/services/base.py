"""A service: its botocore model names and one handler per implemented operation.

Handlers are plain functions marked with ``@operation("Name")``; marking registers nothing. Each service
names its handler modules (``handler_modules``; a package stands for all its modules), and ``handlers``
collects the marked functions from them the first time it is read (``Platform`` reads it when Fogbank
starts), refusing a name that no model of the service has. So a handler module imports this module,
never its service's, and there is no import-time cycle and no order in which modules must load.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from fogbank.core.context import RequestContext
from fogbank.protocols import spec

if TYPE_CHECKING:
    from fogbank.platform import Platform

Handler = Callable[[RequestContext, dict[str, Any]], Any]
H = TypeVar("H", bound=Callable[..., Any])

_MARK = "__fogbank_operations__"


def operation(name: str) -> Callable[[H], H]:
    """Mark ``handler`` as the answer to the operation ``name`` (AWS's name, e.g. ``CreateDBInstance``).
    Stacked marks give one function several operations."""

    def mark(handler: H) -> H:
        setattr(handler, _MARK, (*getattr(handler, _MARK, ()), name))
        return handler

    return mark


class UnknownOperationName(Exception):
    """A handler is marked with a name that no model of its service has: a typo would otherwise
    leave the real operation answering NotImplemented with nobody noticing."""


class Service:
    """Subclass per service, with its ``name``, ``models`` and ``handler_modules``.

    ``models`` are the botocore models whose operations the service answers: RDS answers the
    ``rds``, ``neptune`` and ``docdb`` APIs, which AWS serves from one control plane.
    """

    name = ""
    models: tuple[str, ...] = ()
    # Modules (or packages, meaning each of their modules) whose @operation functions are the handlers.
    handler_modules: tuple[str, ...] = ()
    # Run handlers on the event loop instead of the thread pool: only for services whose every
    # handler is short and never waits (no engine round trips, no sleeps).
    inline = False
    # Operations a worker process answers itself (fogbank/workers.py); the main process answers the rest.
    worker_operations: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self.backend: Any = None

    @cached_property
    def handlers(self) -> dict[str, Handler]:
        """Operation name → handler, collected from ``handler_modules`` (see the module's docstring)."""
        known = {name for model in self.models for name in spec.service_model(model).operation_names}
        handlers: dict[str, Handler] = {}
        for module in _modules(self.handler_modules):
            for value in vars(module).values():
                # Only functions defined here: one imported from another handler module is found there.
                if not callable(value) or getattr(value, "__module__", None) != module.__name__:
                    continue
                for name in getattr(value, _MARK, ()):
                    if name not in known:
                        raise UnknownOperationName(
                            f"{module.__name__}.{value.__name__} is marked @operation({name!r}), which is not an "
                            f"operation of {'/'.join(self.models) or 'any model'} ({self.name})"
                        )
                    if name in handlers:
                        raise UnknownOperationName(f"{name} has two handlers in {self.name}'s modules")
                    handlers[name] = self.wrap(name, value)
        return handlers

    def wrap(self, name: str, handler: Handler) -> Handler:
        """The function the dispatcher calls for ``handler``: the handler itself unless a service
        puts a check of its own in front of every operation."""
        return handler

    def open(self, platform: Platform) -> None:
        """Load durable state and start what the service needs; sets ``self.backend``."""

    def close(self) -> None:
        """Stop engines and flush state (Fogbank is exiting)."""

    def reset(self) -> None:
        """Wipe every resource of the service (``fogbank reset``, ``POST /_fogbank/reset``)."""

    def status(self) -> dict[str, Any]:
        return {"state": "running", "operations": len(self.handlers)}


class ManagedService(Service):
    """A service whose backend runs engine processes behind its resources (RDS, ElastiCache and the
    services after them): the backend closes and resets itself, and the status counts its running
    engines (``backend.running``, a ``fogbank.managed.running.Running``)."""

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()

    def reset(self) -> None:
        if self.backend is not None:
            self.backend.reset()

    def status(self) -> dict[str, Any]:
        if self.backend is None:
            return {"state": "stopped", "operations": len(self.handlers)}
        return {"state": "running", "operations": len(self.handlers), "engines": len(self.backend.running)}


def _modules(names: tuple[str, ...]) -> list[ModuleType]:
    modules = []
    for name in names:
        module = importlib.import_module(name)
        modules.append(module)
        if hasattr(module, "__path__"):  # a package: each of its modules, in name order
            for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda info: info.name):
                modules.append(importlib.import_module(f"{name}.{info.name}"))
    return modules
