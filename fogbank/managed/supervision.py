"""A dead engine, restarted by the supervisor, told as the statuses and events AWS shows.

The supervisor restarts a child that dies (backoff up to 30 s). ``watch`` connects its
callbacks to a service's ``SupervisionHooks``: ``died`` (RDS: ``rebooting`` and "Recovery of
the DB instance has started"), ``failing`` after ``FAILED_AFTER`` failed restarts (``failed``),
``restarted`` (``available`` and "...recovery is complete"). The hooks run on the supervisor's
threads; they must be short and take the store's lock themselves.
"""

from __future__ import annotations

from typing import Protocol

from fogbank.engines.supervisor import ManagedProcess

# Restarts that failed before the resource shows ``failed``; the supervisor keeps trying.
FAILED_AFTER = 3


class SupervisionHooks(Protocol):
    def died(self, code: int) -> None: ...

    def failing(self, failures: int, reason: str) -> None:
        """``failures`` restarts in a row failed (called once, at ``FAILED_AFTER``)."""
        ...

    def restarted(self) -> None: ...


def watch(proc: ManagedProcess, hooks: SupervisionHooks, failed_after: int = FAILED_AFTER) -> None:
    def on_exit(_name: str, code: int) -> None:
        hooks.died(code)

    def on_retry(_name: str, failures: int, reason: str) -> None:
        if failures == failed_after:
            hooks.failing(failures, reason)

    def on_restart(_name: str) -> None:
        hooks.restarted()

    proc.spec.on_exit = on_exit
    proc.spec.on_retry = on_retry
    proc.spec.on_restart = on_restart
