"""The supervisor of engine child processes (PostgreSQL, MariaDB, Redis, ...).

It starts children and waits until they answer, restarts them with backoff when they die,
and makes sure none outlives Fogbank: children die with the process (see ``spawn``), and
``shutdown`` (also run at exit) stops them gracefully.
"""

from __future__ import annotations

import atexit
import logging
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fogbank.engines.ports import PortAllocator
from fogbank.engines.processes import clear_leftovers, kill_group, tail, terminate
from fogbank.engines.spawn import shared_spawner

log = logging.getLogger(__name__)

BACKOFF_FIRST = 0.5
BACKOFF_MAX = 30.0
# A child that stayed up this long before dying starts its backoff from the beginning again.
HEALTHY_AFTER = 60.0


@dataclass
class ProcessSpec:
    name: str  # unique key, e.g. "rds/123456789012/us-east-1/mydb"
    argv: list[str]
    log_file: Path  # child's stdout+stderr appended here
    port: int | None = None
    env: dict[str, str] | None = None  # the engine's own variables (it gets only these and PATH, locale, TZ...)
    cwd: Path | None = None
    ready: Callable[[], bool] | None = None  # default: TCP connect to 127.0.0.1:port succeeds
    ready_timeout: float = 30.0
    unprivileged: bool = False  # engine refuses root: run it as user "fogbank" when root
    restart: bool = True  # restart with backoff when it dies unexpectedly
    stop_signal: int = signal.SIGTERM  # sent to the main process only; it stops its own children
    stop_timeout: float = 10.0  # then SIGKILL to the whole process group
    # What the kernel sends the main process when Fogbank dies (even by kill -9). SIGKILL
    # unless the engine has an immediate shutdown that also ends its own children.
    death_signal: int = signal.SIGKILL
    on_exit: Callable[[str, int], None] | None = None  # (name, returncode) on unexpected death
    on_restart: Callable[[str], None] | None = None  # (name) after a successful restart
    on_retry: Callable[[str, int, str], None] | None = None  # (name, failed restarts, why) before the next try


class EngineStartError(Exception):
    """A child did not become ready; the message carries the tail of its log."""

    def __init__(self, name: str, reason: str, log_tail: str) -> None:
        super().__init__(f"{name}: {reason}\n--- last lines of its log ---\n{log_tail}")
        self.name = name
        self.reason = reason
        self.log_tail = log_tail


class ManagedProcess:
    """One supervised child; after an automatic restart the same object has the new pid."""

    def __init__(self, spec: ProcessSpec, popen: subprocess.Popen[bytes]) -> None:
        self.spec = spec
        self.popen = popen
        self.restarts = 0
        self.started_at = time.monotonic()
        self.watched = False  # by the monitor: from ready until it dies
        self.restarting = False
        self.failures = 0  # consecutive unexpected deaths, for the backoff
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None


def tcp_ready(port: int) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return False
        return True

    return probe


class Supervisor:
    """Starts, watches, restarts and stops engine children. Thread-safe."""

    def __init__(self, port_range: tuple[int, int] = (4510, 4599)) -> None:
        self._ports = PortAllocator(port_range)
        self._spawner = shared_spawner()
        self._procs: dict[str, ManagedProcess] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._monitor = threading.Thread(target=self._watch, name="fogbank-monitor", daemon=True)
        self._monitor.start()
        atexit.register(self.shutdown)

    def allocate_port(self, preferred: int | None = None) -> int:
        return self._ports.allocate(preferred)

    def release_port(self, port: int) -> None:
        self._ports.release(port)

    def start(self, spec: ProcessSpec) -> ManagedProcess:
        """Start a child and block until it is ready; raise EngineStartError otherwise."""
        if self._closed.is_set():
            raise RuntimeError("the supervisor is shut down")
        with self._lock:
            existing = self._procs.get(spec.name)
            if existing and (existing.alive() or existing.restarting):
                raise ValueError(f"{spec.name} is already running")
            popen = self._spawn(spec)
            proc = ManagedProcess(spec, popen)
            self._procs[spec.name] = proc
        failure = self._wait_ready(proc, popen)
        if failure:
            with self._lock:
                if self._procs.get(spec.name) is proc:
                    del self._procs[spec.name]
            kill_group(popen)
            raise EngineStartError(spec.name, failure, tail(spec.log_file))
        proc.watched = True
        return proc

    def stop(self, name: str, timeout: float | None = None) -> None:
        """Stop gracefully, then forcefully; it is not restarted afterwards."""
        with self._lock:
            proc = self._procs.pop(name, None)
        if proc is None:
            return
        with proc.lock:
            proc.stopping.set()
            popen = proc.popen
        terminate(popen, proc.spec.stop_signal, proc.spec.stop_timeout if timeout is None else timeout)

    def get(self, name: str) -> ManagedProcess | None:
        with self._lock:
            return self._procs.get(name)

    def running(self) -> list[str]:
        with self._lock:
            return sorted(name for name, proc in self._procs.items() if proc.alive())

    def shutdown(self) -> None:
        """Stop every child, in parallel so slow engines do not add up."""
        self._closed.set()
        with self._lock:
            names = list(self._procs)
        stoppers = [threading.Thread(target=self.stop, args=(name,)) for name in names]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()
        atexit.unregister(self.shutdown)

    def _spawn(self, spec: ProcessSpec) -> subprocess.Popen[bytes]:
        if spec.cwd is not None:
            # An engine runs in its data dir: whatever still runs its binary there is a leftover
            # of a killed predecessor (a Fogbank killed -9, a postmaster killed by the OOM killer).
            clear_leftovers(Path(spec.argv[0]), spec.cwd)
        return self._spawner.spawn(spec.argv, spec.log_file, spec.env, spec.cwd, spec.unprivileged, spec.death_signal)

    def _wait_ready(self, proc: ManagedProcess, popen: subprocess.Popen[bytes]) -> str | None:
        """None once ready, else why not (the caller kills the child)."""
        spec = proc.spec
        probe = spec.ready or (tcp_ready(spec.port) if spec.port else lambda: True)
        deadline = time.monotonic() + spec.ready_timeout
        while True:
            code = popen.poll()
            if code is not None:
                return f"exited with code {code} before it was ready"
            if proc.stopping.is_set():
                return "stopped while starting"
            try:
                if probe():
                    return None
            except Exception as error:  # a probe that raises just means "not yet"
                log.debug("%s: readiness probe raised %r", spec.name, error)
            if time.monotonic() > deadline:
                return f"not ready after {spec.ready_timeout:.1f}s (timeout)"
            time.sleep(0.02)

    def _watch(self) -> None:
        while not self._closed.wait(0.1):
            with self._lock:
                procs = list(self._procs.values())
            for proc in procs:
                if proc.watched and not proc.stopping.is_set():
                    code = proc.popen.poll()
                    if code is not None:
                        self._on_death(proc, code)

    def _on_death(self, proc: ManagedProcess, code: int) -> None:
        spec = proc.spec
        log.warning("%s (pid %s) died with code %s", spec.name, proc.pid, code)
        proc.watched = False
        kill_group(proc.popen)
        if time.monotonic() - proc.started_at > HEALTHY_AFTER:
            proc.failures = 0
        if spec.on_exit:
            try:
                spec.on_exit(spec.name, code)
            except Exception:
                log.exception("%s: on_exit callback failed", spec.name)
        if spec.restart and not self._closed.is_set():
            proc.restarting = True
            threading.Thread(target=self._restart, args=(proc,), name=f"restart {spec.name}", daemon=True).start()

    def _restart(self, proc: ManagedProcess) -> None:
        """Respawn with exponential backoff until ready or stopped."""
        spec = proc.spec
        while True:
            delay = min(BACKOFF_FIRST * 2**proc.failures, BACKOFF_MAX)
            proc.failures += 1
            if proc.stopping.wait(delay) or self._closed.is_set():
                return
            try:
                popen = self._spawn(spec)
            except OSError:
                log.exception("%s: restart failed", spec.name)
                continue
            with proc.lock:
                if proc.stopping.is_set():
                    kill_group(popen)
                    return
                proc.popen = popen
            failure = self._wait_ready(proc, popen)
            if failure is None:
                break
            log.warning("%s: restart failed: %s", spec.name, failure)
            kill_group(popen)
            if spec.on_retry:
                try:
                    spec.on_retry(spec.name, proc.failures, failure)
                except Exception:
                    log.exception("%s: on_retry callback failed", spec.name)
        proc.restarts += 1
        proc.started_at = time.monotonic()
        proc.restarting = False
        proc.watched = True
        log.info("%s restarted (pid %s)", spec.name, popen.pid)
        if spec.on_restart:
            try:
                spec.on_restart(spec.name)
            except Exception:
                log.exception("%s: on_restart callback failed", spec.name)


def exit_on_termination_signals() -> None:
    """Make SIGTERM and SIGHUP exit Fogbank normally, and SIGINT raise KeyboardInterrupt
    (call from the main thread).

    Python's default for SIGTERM kills the process on the spot: children then still die
    (PDEATHSIG) but with SIGKILL. Raising SystemExit instead runs ``atexit``, where every
    Supervisor stops its children gracefully. SIGINT is set explicitly because Python leaves
    it ignored when it started ignored (a shell's background job).
    """

    def _exit(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    restore_default_signals()
    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGHUP, _exit)


def restore_default_signals() -> None:
    """Undo what the starting shell chose: a background job (``cmd &``) starts with SIGINT and
    SIGQUIT ignored, some runners block signals. Ctrl-C and SIGTERM must stop Fogbank either way
    (call from the main thread, at start). SIGHUP is left alone: ``nohup`` ignores it on purpose.
    """
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGQUIT):
        if signal.getsignal(signum) is signal.SIG_IGN:
            signal.signal(signum, signal.SIG_DFL)
