"""The request log of ``fogbank up``: one line per AWS request, written in batches.

A write and flush per request would cost more than most DynamoDB requests themselves, so lines
are buffered and a background thread writes them out a few times a second (and at exit).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class RequestLog:
    def __init__(self, stream: TextIO | None = None, interval: float = 0.2) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._stamp_second = -1
        self._stamp = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fogbank-request-log", daemon=True)
        self._thread.start()

    def __call__(self, service: str, operation: str, status: int, milliseconds: float) -> None:
        now = int(time.time())
        if now != self._stamp_second:  # formatting the clock once a second, not per request
            self._stamp_second = now
            self._stamp = time.strftime("%H:%M:%S", time.localtime(now))
        line = f"{self._stamp} {service}.{operation} {status} {milliseconds:.1f}ms\n"
        with self._lock:
            self._lines.append(line)

    def flush(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, []
        if lines:
            try:
                self.stream.write("".join(lines))
                self.stream.flush()
            except (OSError, ValueError):  # a closed terminal must not take the server down
                pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()
