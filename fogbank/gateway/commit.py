"""Group commit: the writes of one event-loop turn share one durable commit.

Inline handlers (DynamoDB's) run on the event loop, several per turn when several connections have a
request ready. Committing each write alone costs a WAL append and file locks apiece, which on a small
machine is most of a write's cost. Instead a store that writes on the loop opens one transaction for
the turn and ``join``s it here; the commit runs once, after every request of the turn was handled
(``call_soon``), and only then do the answers leave: ``Connection`` holds its output while
``pending``. An answer is therefore never sent for a write that is not yet committed, and a failed
commit answers nobody (those connections are aborted, so clients retry) rather than lying.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

log = logging.getLogger("fogbank.commit")


class GroupCommit:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        self._commits: list[Callable[[], None]] = []
        self._waiting: list[Callable[[bool], None]] = []

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Group the writes made on ``loop``'s thread from now on (the HTTP server calls this)."""
        self._loop = loop
        self._thread = threading.get_ident()

    def detach(self) -> None:
        """Commit what is open and go back to one commit per write."""
        self.flush()
        self._loop = self._thread = None

    def active(self) -> bool:
        """Whether a write made now, on this thread, may join the turn's transaction."""
        return self._thread is not None and threading.get_ident() == self._thread

    @property
    def pending(self) -> bool:
        return bool(self._commits)

    def join(self, commit: Callable[[], None]) -> None:
        """A store opened its transaction for this turn: ``commit`` ends it once the turn is over."""
        if not self._commits and self._loop is not None:
            self._loop.call_soon(self.flush)
        self._commits.append(commit)

    def wait(self, callback: Callable[[bool], None]) -> None:
        """Call ``callback(committed)`` once the pending commits are done."""
        self._waiting.append(callback)

    def flush(self) -> None:
        commits, self._commits = self._commits, []
        committed = True
        for commit in commits:
            try:
                commit()
            except Exception:
                log.exception("group commit failed: the answers waiting for it are withdrawn")
                committed = False
        waiting, self._waiting = self._waiting, []
        for callback in waiting:
            try:
                callback(committed)
            except Exception:
                log.exception("answering after a group commit")
