"""What lets several processes serve one DynamoDB store (``fogbank up`` with workers).

Python runs one thread of bytecode at a time, so the item operations (the data plane) are also served by
worker processes on the same SQLite database; the main process keeps the table operations (the control
plane) and all background work (GSI backfills, TTL sweeps, table drops). Two things are shared:

- ``WriteLock``: an ``flock`` taken around every write transaction, so processes hand the database over
  at once (SQLite's own busy handler sleeps in steps of milliseconds). The event loop's write phases only
  try it and come back a turn later when it is taken (core/commit.py), so no loop stops to wait.
- ``Counter`` files, small memory-mapped integers: the catalog version, bumped by the main process after
  every commit that changed a table's definition, before the write lock is released (a worker compares it
  before serving a request and inside every write, and reloads the catalog when it moved, so a write always
  sees the indexes that exist when it commits); and the commit count, bumped by every process after every
  commit, which tells a reader whether the snapshot it holds is still the latest (store.py).
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
from pathlib import Path

_COUNTER = struct.Struct("<Q")


class WriteLock:
    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def try_acquire(self) -> bool:
        """Take the lock if no other process holds it, without waiting."""
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)


class Counter:
    """A number every process of the store sees (a memory-mapped file)."""

    def __init__(self, path: Path) -> None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < _COUNTER.size:
                os.ftruncate(fd, _COUNTER.size)
            self._map = mmap.mmap(fd, _COUNTER.size)
        finally:
            os.close(fd)

    def read(self) -> int:
        return _COUNTER.unpack_from(self._map)[0]

    def bump(self) -> None:
        """Called under the write lock only, so no update is lost."""
        _COUNTER.pack_into(self._map, 0, self.read() + 1)

    def close(self) -> None:
        self._map.close()


class LocalCounter:
    """The same for a store only this process uses."""

    def __init__(self) -> None:
        self.value = 0

    def read(self) -> int:
        return self.value

    def bump(self) -> None:
        self.value += 1

    def close(self) -> None:
        pass
