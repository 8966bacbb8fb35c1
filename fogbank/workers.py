"""Worker processes: more cores for DynamoDB's item operations.

A Python process runs one thread of bytecode at a time, so one process saturates one core. ``fogbank up``
therefore starts ``workers - 1`` extra processes. The main process accepts every connection and hands them
out in turn, itself included (the socket is passed over a Unix socket pair), so each process serves as
many connections: the kernel's own spreading (SO_REUSEPORT) hashes, and 16 connections often split 11 to 5.
A worker opens only DynamoDB, on the same SQLite database
(services/dynamodb/processes.py says how writes and table definitions are shared), answers the item
operations itself and passes every other request to the main process (gateway/proxy.py). Workers die
with the main process (PR_SET_PDEATHSIG) and stop when it stops; one that dies alone is replaced (``Workers``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import socket
import subprocess
import sys
import time

import uvloop

from fogbank.config import Config
from fogbank.engines.spawn import die_with_parent
from fogbank.gateway.app import Gateway
from fogbank.gateway.http11 import HttpServer
from fogbank.gateway.proxy import Proxy
from fogbank.platform import Platform

log = logging.getLogger("fogbank.workers")


class Workers:
    """The ``workers - 1`` extra processes, kept at their number while Fogbank serves.

    A worker that dies (a crash, an OOM kill, a ``kill -9``) is reaped at once (a pidfd tells the event loop,
    so no zombie is left and no SIGCHLD handler can steal an engine's exit status), logged once, and replaced;
    the replacement gets connections once it says it is ready, as a first worker does. Connections the dead
    one held are lost with it (clients retry). A worker that keeps dying soon after its start is restarted
    with a growing delay, so a broken installation does not become a fork loop.
    """

    def __init__(self, config: Config, internal_port: int) -> None:
        self.config = config
        self._env = {
            **os.environ,
            **config.environment(),  # the flags too (--cors-origins, --allowed-hosts ...), not just the variables
            "FOGBANK_EPHEMERAL": "0",  # the main process owns (and removes) the data directory, even when ephemeral
        }
        self._argv = [sys.executable, "-m", "fogbank", "worker", "--internal-port", str(internal_port)]
        if not config.log_requests:
            self._argv.append("--quiet")
        self.slots = [_Slot() for _ in range(config.workers - 1)]
        self._server: HttpServer | None = None
        self._stopping = False

    def start(self) -> list[socket.socket]:
        """Start every worker; the sockets the main process hands each its connections over."""
        for slot in self.slots:
            self._spawn(slot)
        return [slot.handoff for slot in self.slots if slot.handoff is not None]

    def supervise(self, server: HttpServer) -> None:
        """From now on, replace any worker that dies (call on the event loop, once ``server`` listens)."""
        self._server = server
        for slot in self.slots:
            self._watch(slot)

    @property
    def processes(self) -> list[subprocess.Popen[bytes]]:
        return [slot.process for slot in self.slots if slot.process is not None]

    def _spawn(self, slot: _Slot) -> None:
        # Called on the main thread only: PR_SET_PDEATHSIG is tied to the thread that forks (engines/spawn.py).
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            slot.process = subprocess.Popen(
                [*self._argv, "--handoff-fd", str(theirs.fileno())],
                env=self._env,
                stdin=subprocess.DEVNULL,
                pass_fds=[theirs.fileno()],
                preexec_fn=functools.partial(die_with_parent, os.getpid()),
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        slot.handoff = ours
        slot.started = time.monotonic()

    def _watch(self, slot: _Slot) -> None:
        assert slot.process is not None
        loop = asyncio.get_running_loop()
        try:
            slot.pidfd = os.pidfd_open(slot.process.pid)  # readable once the process has exited
        except OSError as error:  # Linux before 5.3: serve on, unsupervised
            log.warning("worker %d is not supervised (no pidfd: %s); it will not be replaced", slot.process.pid, error)
            return
        loop.add_reader(slot.pidfd, self._died, slot)

    def _died(self, slot: _Slot) -> None:
        assert slot.process is not None and slot.pidfd is not None
        loop = asyncio.get_running_loop()
        loop.remove_reader(slot.pidfd)
        os.close(slot.pidfd)
        slot.pidfd = None
        status = slot.process.wait()  # reaps it: this one pid, never another child's
        pid, lived = slot.process.pid, time.monotonic() - slot.started
        if slot.handoff is not None:
            if self._server is not None:
                self._server.remove_worker(slot.handoff)
            slot.handoff.close()
            slot.handoff = None
        if self._stopping:
            return
        delay = slot.backoff.after(lived)
        when = f" in {delay:.1f}s" if delay else ""
        log.warning(
            "worker %d %s after %.1fs, its connections lost; starting a replacement%s",
            pid,
            _ending(status),
            lived,
            when,
        )
        slot.timer = loop.call_later(delay, self._replace, slot)

    def _replace(self, slot: _Slot) -> None:
        slot.timer = None
        if self._stopping:
            return
        try:
            self._spawn(slot)
        except OSError as error:  # out of processes or memory: try again later
            log.warning("starting a replacement worker: %s", error)
            slot.timer = asyncio.get_running_loop().call_later(slot.backoff.after(0), self._replace, slot)
            return
        assert slot.handoff is not None and self._server is not None
        self._server.add_worker(slot.handoff)
        self._watch(slot)

    def stop(self) -> None:
        """No more replacements (call on the event loop); then ``stop_workers(self.processes)``."""
        self._stopping = True
        loop = asyncio.get_running_loop() if self._server is not None else None
        for slot in self.slots:
            if slot.timer is not None:
                slot.timer.cancel()
                slot.timer = None
            if slot.pidfd is not None:
                if loop is not None:
                    loop.remove_reader(slot.pidfd)
                os.close(slot.pidfd)
                slot.pidfd = None


class Backoff:
    """The delay before restarting a worker: none after a worker that lived ``healthy`` seconds, then
    doubling from ``first`` up to ``longest`` for each death in a row that came sooner."""

    def __init__(self, first: float = 0.5, longest: float = 30.0, healthy: float = 10.0) -> None:
        self.first, self.longest, self.healthy = first, longest, healthy
        self.failures = 0

    def after(self, lived: float) -> float:
        if lived >= self.healthy:
            self.failures = 0
            return 0.0
        self.failures += 1
        return min(self.longest, self.first * 2 ** (self.failures - 1))


class _Slot:
    """One worker's place: the process in it now, and what it takes to replace it."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.handoff: socket.socket | None = None
        self.pidfd: int | None = None
        self.started = 0.0
        self.timer: asyncio.TimerHandle | None = None
        self.backoff = Backoff()


def _ending(status: int) -> str:
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exited with status {status}"


def stop_workers(workers: list[subprocess.Popen[bytes]], grace: float = 10.0) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def serve_worker(config: Config, internal_port: int, handoff_fd: int) -> None:
    """A worker's life: the services with worker operations (DynamoDB's) on the connections the main
    process hands over, until SIGTERM."""
    config.worker = True
    platform = Platform(config)
    platform.open(only={service.name for service in platform.services if service.worker_operations})
    try:
        uvloop.run(_serve(platform, internal_port, socket.socket(fileno=handoff_fd)))
    finally:
        platform.close()


async def _serve(platform: Platform, internal_port: int, handoff: socket.socket) -> None:
    server = HttpServer(Gateway(platform, proxy=Proxy(internal_port)))
    server.receive_from(handoff)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.shutdown()
