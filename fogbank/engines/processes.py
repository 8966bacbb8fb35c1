"""Ending engine processes and everything they started, and reading their logs."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
from collections import deque
from pathlib import Path

log = logging.getLogger(__name__)

LOG_TAIL_LINES = 30


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(deque(f, maxlen=lines))
    except OSError as error:
        return f"(no log: {error})"


def descendants(pid: int) -> list[int]:
    """All live descendants of ``pid``: PostgreSQL's children leave its process group
    (each calls setsid), so a group kill alone would miss them."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def kill_group(popen: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child, its process group and its descendants, and reap the child."""
    stragglers = descendants(popen.pid) if popen.poll() is None else []
    for kill, target in [(os.killpg, popen.pid)] + [(os.kill, pid) for pid in stragglers]:
        try:
            kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    popen.wait()


def terminate(popen: subprocess.Popen[bytes], stop_signal: int, timeout: float) -> None:
    """Graceful signal to the main process, SIGKILL to the group once ``timeout`` passes."""
    if popen.poll() is None:
        try:
            popen.send_signal(stop_signal)
            popen.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("pid %s ignored signal %s for %.1fs: killing", popen.pid, stop_signal, timeout)
    # Also sweeps grandchildren left behind by a main process that exited.
    kill_group(popen)
