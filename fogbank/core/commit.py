"""Group commit: the writes of one event-loop turn share one transaction and one durable commit.

Inline handlers (DynamoDB's) run on the event loop, several per turn when several connections have a
request ready. Committing each write alone costs a WAL append and file locks apiece, and with worker
processes (fogbank/workers.py) every write also takes the lock the processes share. So a handler checks
its input first and hands its write (reading the old item, the condition, the change, the result) to
its store as a function: ``Store.deferred`` returns a ``Deferred`` when a write phase can take it. The
call answers with a future. After the turn's other requests were handled (``call_soon``), the write
phase takes the locks once, opens one transaction, runs every deferred write in arrival order, commits,
and only then hands the answers to their connections. An answer is never sent for a write that is not
committed, and the shared lock is held only for the writes themselves, not while requests are parsed
and checked, so processes overlap everything else.

With worker processes the lock is often held by another process when a phase wants it. Waiting for it
would stop the event loop, so the phase only tries to take it; when it is taken, the phase is put off to
the next loop turn, and meanwhile this process reads and checks more requests, whose writes join the same
phase. Only after many tries in a row (another process holding the lock for long: a table drop, a large
batch) does a phase wait for the lock.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("fogbank.commit")


class PhaseStore(Protocol):
    def begin_phase(self, wait: bool) -> bool:
        """Open the phase's transaction; False (nothing opened) when ``wait`` is False and another
        process holds the write lock."""
        ...

    def end_phase(self) -> None: ...


TRIES_BEFORE_WAITING = 200  # loop turns a phase is put off before it waits for the lock


@dataclass
class Deferred:
    """A handler's write, to run inside the next write phase of ``store``: ``work()`` gives the
    handler's result or raises its error."""

    store: PhaseStore
    work: Callable[[], Any]


class GroupCommit:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        # (work, finish, future): finish turns the work's outcome (result or error) into the answer.
        self._queued: list[tuple[Callable[[], Any], Callable[[Any, BaseException | None], Any], asyncio.Future]] = []
        self._stores: list[PhaseStore] = []
        self._tries = 0  # turns the queued writes have been put off because another process writes
        self.in_phase = False

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        return self._loop

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Group the writes made on ``loop``'s thread from now on (the HTTP server calls this)."""
        if self._loop is loop:
            return  # a second listener of the same server
        self._loop = loop
        self._thread = threading.get_ident()

    def detach(self) -> None:
        """Finish what is queued and go back to one commit per write."""
        self.flush(wait=True)
        self._loop = self._thread = None

    def accepts(self) -> bool:
        """Whether a write handed over now can wait for a write phase (on the loop, outside a phase)."""
        return self._thread is not None and not self.in_phase and threading.get_ident() == self._thread

    def on_loop(self) -> bool:
        """Whether the caller runs on the event loop's thread (while the loop is attached)."""
        return self._thread is not None and threading.get_ident() == self._thread

    def at_turn_end(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the requests of this loop turn have been handled."""
        assert self._loop is not None
        self._loop.call_soon(callback)

    def in_phase_here(self) -> bool:
        """Whether the caller runs inside the write phase (on the loop's thread, during ``flush``)."""
        return self.in_phase and threading.get_ident() == self._thread

    def defer(self, deferred: Deferred, finish: Callable[[Any, BaseException | None], Any]) -> asyncio.Future:
        """Queue a write; the future gets ``finish(result, error)`` once the phase has committed."""
        assert self._loop is not None
        future = self._loop.create_future()
        if not self._queued:
            self._loop.call_soon(self.flush)
        if deferred.store not in self._stores:
            self._stores.append(deferred.store)
        self._queued.append((deferred.work, finish, future))
        return future

    def _put_off(self, queued: list[Any], stores: list[PhaseStore]) -> None:
        """Another process is writing: try again next turn, with the writes queued meanwhile."""
        self._tries += 1
        self._queued, self._stores = queued, stores  # nothing was queued meanwhile: flush runs on the loop
        assert self._loop is not None
        self._loop.call_soon(self.flush)

    def flush(self, wait: bool = False) -> None:
        queued, self._queued = self._queued, []
        stores, self._stores = self._stores, []
        if not queued:
            return
        wait = wait or self._tries >= TRIES_BEFORE_WAITING
        answers: list[Any] = []
        committed = True
        postponed = False
        begun: list[PhaseStore] = []
        try:
            for store in stores:
                if not store.begin_phase(wait):
                    postponed = True
                    break
                begun.append(store)
            if not postponed:
                self._tries = 0
                self.in_phase = True
                for work, finish, _ in queued:
                    try:
                        result, error = work(), None
                    except Exception as raised:  # the handler's own error (a failed condition...): its answer
                        result, error = None, raised
                    answers.append(finish(result, error))
        except BaseException:
            log.exception("the write phase failed: its answers are withdrawn")
            committed = False
        finally:
            self.in_phase = False
            for store in begun:  # when postponed, these phases wrote nothing: an empty commit
                try:
                    store.end_phase()
                except Exception:
                    log.exception("group commit failed: the answers waiting for it are withdrawn")
                    committed = False
        if postponed and committed:
            self._put_off(queued, stores)
            return
        for index, (_, _, future) in enumerate(queued):
            if future.done():
                continue
            if committed and index < len(answers):
                future.set_result(answers[index])
            else:
                future.set_exception(WithdrawnAnswer())


class WithdrawnAnswer(Exception):
    """The write phase an answer belonged to was rolled back: the answer must not be sent."""
