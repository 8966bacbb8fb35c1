"""What each resource becomes when Fogbank starts, decided once from its lifecycle.

| status found | action |
| --- | --- |
| ``deleting`` | finish the delete |
| ``creating`` | create again from scratch (a half-made engine is discarded) |
| a running status | restart its engines (the status shows ``restarting`` meanwhile) |
| one that settles (``stopping``) | the settled status (``stopped``): engines stay down |
| ``failed``, its data there | try again, as AWS recovers a resource whose host failed |
| anything else (``stopped``) | nothing |

The service supplies what each action does (``RecoveryActions``); the work runs on ``Jobs``
without a grace wait, so Fogbank is ready before its engines are.
"""

from __future__ import annotations

import enum
from typing import Any, Protocol

from fogbank.managed.jobs import Jobs
from fogbank.managed.lifecycle import Lifecycle
from fogbank.managed.records import Record, Scope


class Action(enum.Enum):
    DELETE = "delete"
    CREATE = "create"
    RESTART = "restart"
    SETTLE = "settle"
    RETRY_FAILED = "retry-failed"
    NOTHING = "nothing"


def plan(lifecycle: Lifecycle, status: str | None, has_data: bool) -> Action:
    if status == lifecycle.deleting:
        return Action.DELETE
    if status == lifecycle.initial:
        return Action.CREATE
    if status in lifecycle.running:
        return Action.RESTART
    if status in lifecycle.settles:
        return Action.SETTLE
    if status == lifecycle.failed and has_data:
        return Action.RETRY_FAILED
    return Action.NOTHING


class RecoveryActions(Protocol):
    def has_data(self, record: Record[Any]) -> bool: ...

    def delete(self, scope: Scope, record: Record[Any]) -> None: ...

    def create(self, scope: Scope, record: Record[Any]) -> None: ...

    def restart(self, scope: Scope, record: Record[Any], was: str) -> None:
        """Bring back the engines of a resource that was ``was`` (a running status or failed)."""
        ...


def recover(
    lifecycle: Lifecycle, jobs: Jobs, items: list[tuple[Scope, Record[Any]]], actions: RecoveryActions
) -> dict[Action, int]:
    """Queue each record's recovery; statuses change at once (call under the store's lock and
    save the scopes afterwards). Returns how many records took each action."""
    counts = dict.fromkeys(Action, 0)
    for scope, record in items:
        was = record.status or ""
        action = plan(lifecycle, record.status, actions.has_data(record))
        counts[action] += 1
        key = record.resource_id
        if action is Action.DELETE:
            jobs.submit(key, lambda s=scope, r=record: actions.delete(s, r), grace=0)
        elif action is Action.CREATE:
            jobs.submit(key, lambda s=scope, r=record: actions.create(s, r), grace=0)
        elif action is Action.RESTART:
            if was != lifecycle.restarting and lifecycle.allowed(was, lifecycle.restarting):
                lifecycle.move(record, lifecycle.restarting)
            jobs.submit(key, lambda s=scope, r=record, w=was: actions.restart(s, r, w), grace=0)
        elif action is Action.SETTLE:
            lifecycle.move(record, lifecycle.settles[was])
        elif action is Action.RETRY_FAILED:
            jobs.submit(key, lambda s=scope, r=record: actions.restart(s, r, lifecycle.failed), grace=0)
    return counts
