"""Statuses and the transitions between them, declared per resource kind.

A service declares which status may follow which (``Lifecycle``); ``move`` then refuses any
other transition with ``InvalidTransition``: that is a bug in Fogbank, never a client mistake
(clients get their service's ``Invalid...State`` error from the checks before the move).
One status may override all the others (``deleting``): once a delete is queued, work that
was already running (a reboot that ends with ``available``) no longer changes the status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fogbank.managed.records import Record


class InvalidTransition(RuntimeError):
    """A status change the resource kind does not declare: a programming error."""


@dataclass(frozen=True)
class Lifecycle:
    """The state machine of one resource kind (``db-instance``, ``cache-cluster``)."""

    kind: str
    transitions: Mapping[str, frozenset[str]]
    initial: str = "creating"
    deleting: str = "deleting"  # has the last word: moves out of it are ignored, not errors
    failed: str = "failed"
    # Statuses in which the resource's engines should run (and are brought back at start).
    running: frozenset[str] = field(default_factory=frozenset)
    # At start: a resource found in a status that was interrupted (``stopping``) becomes this one.
    settles: Mapping[str, str] = field(default_factory=dict)
    restarting: str = "starting"  # shown while a running resource is brought back at start

    def __post_init__(self) -> None:
        known = set(self.transitions) | {s for targets in self.transitions.values() for s in targets}
        for status in (self.initial, self.deleting, self.failed, *self.running, *self.settles.values()):
            if status not in known:
                raise ValueError(f"{self.kind}: status {status} appears in no transition")

    def allowed(self, current: str, target: str) -> bool:
        return current == target or target in self.transitions.get(current, frozenset())

    def move(self, record: Record, target: str) -> bool:
        """Set ``record.status`` to ``target``; False when a delete overrides it."""
        current = record.status
        if current is None:
            raise InvalidTransition(f"{self.kind} {record.identifier} has no status")
        if current == self.deleting and target != current:
            return False
        if not self.allowed(current, target):
            raise InvalidTransition(f"{self.kind} {record.identifier}: {current} -> {target} is not declared")
        record.status = target
        return True

    def move_if(self, record: Record, was: Iterable[str], target: str) -> bool:
        """Move only from one of ``was``: an operation that took the resource meanwhile (a delete,
        a user's reboot) keeps its own status. True when it moved."""
        if record.status not in set(was):
            return False
        return self.move(record, target)


def transitions(pairs: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """``{"creating": ("available", "failed"), ...}`` as a transition table."""
    return {source: frozenset(targets) for source, targets in pairs.items()}
