"""Background work, one queue per resource, so work on one resource never overlaps.

An API call validates, moves the record to its passing status (``creating``, ``rebooting``) and
queues the engine work; ``submit`` then waits up to the grace period (``Config.grace``,
``FOGBANK_GRACE``) for it. The work usually takes well under a second, so a waiter's first
poll (immediate) already sees ``available`` instead of sleeping 30 s before the next one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

RETRY_FIRST = 2.0
RETRY_MAX = 300.0


class Jobs:
    def __init__(self, name: str, grace: float) -> None:
        self.name = name  # the service, in thread names and logs
        self.grace = grace
        self.closing = threading.Event()
        self._locks: dict[str, threading.Lock] = {}
        self._threads: set[threading.Thread] = set()
        self._timers: set[threading.Timer] = set()
        self._lock = threading.Lock()

    def submit(self, key: str, work: Callable[[], None], grace: float | None = None) -> None:
        """Run ``work`` after the resource's earlier work; wait up to the grace period for it."""
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())

        def run() -> None:
            try:
                with lock:
                    work()
            except Exception:
                log.exception("%s background work for %s failed", self.name, key)
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=run, name=f"{self.name} {key}", daemon=True)
        with self._lock:  # started under the lock: wait_all never sees a thread it cannot join yet
            self._threads.add(thread)
            thread.start()
        wait = self.grace if grace is None else grace
        if wait > 0:
            thread.join(wait)

    def later(self, key: str, delay: float, work: Callable[[], None]) -> None:
        """``submit`` after ``delay`` seconds, without a grace wait; ``work`` checks it is still wanted."""

        def fire() -> None:
            with self._lock:
                self._timers.discard(timer)
            if not self.closing.is_set():
                self.submit(key, work, grace=0)

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()

    def retry(
        self,
        key: str,
        attempt: Callable[[], bool],
        first: float = RETRY_FIRST,
        maximum: float = RETRY_MAX,
    ) -> None:
        """Call ``attempt`` after ``first`` seconds, then after twice as long each time, up to
        ``maximum``, until it returns True (done, or no longer wanted) or the service closes."""

        def run(delay: float) -> None:
            try:
                done = attempt()
            except Exception as error:
                log.info(
                    "%s: %s still failing: %s", self.name, key, str(error).splitlines()[0] if str(error) else error
                )
                done = False
            if not done and not self.closing.is_set():
                self.later(key, min(delay * 2, maximum), lambda: run(min(delay * 2, maximum)))

        self.later(key, first, lambda: run(first))

    def wait_all(self, timeout: float = 120.0) -> None:
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """No new retries; wait for running work."""
        self.closing.set()
        with self._lock:
            timers = list(self._timers)
            self._timers.clear()
        for timer in timers:
            timer.cancel()
        self.wait_all(timeout)
