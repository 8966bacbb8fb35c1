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
    def begin_phase(self) -> None: ...
    def end_phase(self) -> None: ...


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
        self._on_attach: list[Callable[[asyncio.AbstractEventLoop], None]] = []
        self.in_phase = False

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        return self._loop

    def on_attach(self, callback: Callable[[asyncio.AbstractEventLoop], None]) -> None:
        """Call ``callback(loop)`` when the event loop attaches (at once if it already has)."""
        self._on_attach.append(callback)
        if self._loop is not None:
            callback(self._loop)

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Group the writes made on ``loop``'s thread from now on (the HTTP server calls this)."""
        if self._loop is loop:
            return  # a second listener of the same server
        self._loop = loop
        self._thread = threading.get_ident()
        for callback in self._on_attach:
            callback(loop)

    def detach(self) -> None:
        """Finish what is queued and go back to one commit per write."""
        self.flush()
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

    def flush(self) -> None:
        queued, self._queued = self._queued, []
        stores, self._stores = self._stores, []
        if not queued:
            return
        answers: list[Any] = []
        committed = True
        begun: list[PhaseStore] = []
        try:
            for store in stores:
                store.begin_phase()
                begun.append(store)
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
            for store in begun:
                try:
                    store.end_phase()
                except Exception:
                    log.exception("group commit failed: the answers waiting for it are withdrawn")
                    committed = False
        for index, (_, _, future) in enumerate(queued):
            if future.done():
                continue
            if committed and index < len(answers):
                future.set_result(answers[index])
            else:
                future.set_exception(WithdrawnAnswer())


def then(
    pending: asyncio.Future[Any],
    on_result: Callable[[Any], Any],
    on_error: Callable[[BaseException], Any] | None = None,
) -> asyncio.Future[Any]:
    """A future of ``on_result(result)`` once ``pending`` is done, or of ``on_error(error)`` when it failed
    (without ``on_error`` the error passes through). A withdrawn answer always stays withdrawn."""
    chained: asyncio.Future[Any] = pending.get_loop().create_future()

    def done(future: asyncio.Future[Any]) -> None:
        error = future.exception()
        try:
            if error is None:
                chained.set_result(on_result(future.result()))
            elif on_error is None or isinstance(error, WithdrawnAnswer):
                chained.set_exception(error)
            else:
                chained.set_result(on_error(error))
        except Exception as raised:
            chained.set_exception(raised)

    pending.add_done_callback(done)
    return chained


class WithdrawnAnswer(Exception):
    """The write phase an answer belonged to was rolled back: the answer must not be sent."""
