"""Ending engine processes and everything they started, and reading their logs."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
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


def leftovers(executable: Path, cwd: Path) -> list[int]:
    """Processes still running ``executable`` in ``cwd``: what a killed engine left behind.

    A PostgreSQL backend outlives its killed postmaster until its query ends (PDEATHSIG
    reaches the postmaster only) and keeps the instance's shared memory attached, so no new
    postmaster may start. Its command line names neither the data directory nor the server, but
    its working directory is the data directory and its executable is the server's.
    """
    want_exe, want_cwd = str(Path(executable).resolve()), str(Path(cwd).resolve())
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if os.readlink(f"/proc/{entry}/cwd") == want_cwd and os.readlink(f"/proc/{entry}/exe") == want_exe:
                found.append(int(entry))
        except OSError:  # gone, or not ours to inspect
            continue
    return found


def gone(pid: int) -> bool:
    """The process no longer runs (a zombie has already let go of its memory and files)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return True


def clear_leftovers(executable: Path, cwd: Path, timeout: float = 10.0) -> list[int]:
    """SIGKILL ``leftovers`` and wait until they are gone; return their pids."""
    pids = leftovers(executable, cwd)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + timeout
    while not all(gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.01)
    if pids:
        log.warning("killed %d leftover process(es) of %s in %s: %s", len(pids), executable, cwd, pids)
    return pids


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
