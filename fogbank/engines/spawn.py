"""Forking engine children so that none can outlive Fogbank.

Each child asks the kernel for a signal when its parent dies (PR_SET_PDEATHSIG), which
covers a kill -9 of Fogbank: SIGKILL, or the engine's own immediate-shutdown signal when it
has children of its own that the kernel would not signal (PostgreSQL's backends). Linux ties that signal to the *thread* that forked the
child, so every fork happens on one long-lived thread (``Spawner``), never on a
short-lived request thread.
"""

from __future__ import annotations

import ctypes
import functools
import os
import queue
import signal
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from fogbank.engines import users

_PR_SET_PDEATHSIG = 1
# Resolved in the parent: the child, between fork and exec, should do as little as possible.
_libc = ctypes.CDLL(None, use_errno=True)
_prctl = _libc.prctl
_set_disposition = _libc.signal
_set_disposition.argtypes = [ctypes.c_int, ctypes.c_void_p]
_set_disposition.restype = ctypes.c_void_p
_SIG_DFL = 0
# Ignored dispositions survive exec: an engine started by a Fogbank that was started as a
# background job would ignore SIGINT (PostgreSQL's fast shutdown) and the like.
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)


def die_with_parent(parent_pid: int, death_signal: int = signal.SIGKILL) -> None:
    for signum in _STOP_SIGNALS:
        _set_disposition(signum, _SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, ())
    # Runs after subprocess has switched uid; a uid change clears PDEATHSIG, so set it here.
    _prctl(_PR_SET_PDEATHSIG, death_signal, 0, 0, 0)
    # The parent may have died before prctl took effect: then nobody would signal us.
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)


def launch(
    argv: list[str],
    log_file: Path,
    env: dict[str, str] | None,
    cwd: Path | None,
    unprivileged: bool,
    death_signal: int = signal.SIGKILL,
) -> subprocess.Popen[bytes]:
    """Fork and exec one child in its own process group, output appended to ``log_file``.

    Call only from the spawner thread.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    child_env = users.engine_environment(env, unprivileged)
    ids = users.run_as(unprivileged)
    extra: dict[str, Any] = {}
    if ids:
        extra = {"user": ids[0], "group": ids[1], "extra_groups": []}
    # 0600: an engine's log shows its queries' errors, and so their data.
    fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)  # one made by an older Fogbank
    with os.fdopen(fd, "ab") as log:
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=child_env,
            close_fds=True,
            process_group=0,
            preexec_fn=functools.partial(die_with_parent, os.getpid(), death_signal),
            **extra,
        )


class Spawner:
    """One daemon thread that performs every fork, for the life of the process."""

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="fogbank-spawner", daemon=True)
        self._thread.start()

    def spawn(
        self,
        argv: list[str],
        log_file: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        unprivileged: bool = False,
        death_signal: int = signal.SIGKILL,
    ) -> subprocess.Popen[bytes]:
        """Start a child from the spawner thread and return it (raises what Popen raises)."""
        future: Future[subprocess.Popen[bytes]] = Future()
        work = functools.partial(launch, argv, log_file, env, cwd, unprivileged, death_signal)
        self._requests.put((work, future))
        return future.result()

    def _serve(self) -> None:
        while True:
            work, future = self._requests.get()
            try:
                future.set_result(work())
            except BaseException as error:  # handed to the caller, who re-raises it
                future.set_exception(error)


_shared: Spawner | None = None
_shared_lock = threading.Lock()


def shared_spawner() -> Spawner:
    """The process-wide spawner (one thread is enough for every supervisor)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Spawner()
        return _shared
