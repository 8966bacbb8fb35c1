"""Worker processes: more cores for DynamoDB's item operations.

A Python process runs one thread of bytecode at a time, so one process saturates one core. ``fogbank up``
therefore starts ``workers - 1`` extra processes. The main process accepts every connection and hands them
out in turn, itself included (the socket is passed over a Unix socket pair), so each process serves as
many connections: the kernel's own spreading (SO_REUSEPORT) hashes, and 16 connections often split 11 to 5.
A worker opens only DynamoDB, on the same SQLite database
(services/dynamodb/processes.py says how writes and table definitions are shared), answers the item
operations itself and passes every other request to the main process (gateway/proxy.py). Workers die
with the main process (PR_SET_PDEATHSIG) and stop when it stops.
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

import uvloop

from fogbank.config import Config
from fogbank.engines.spawn import die_with_parent
from fogbank.gateway.app import Gateway
from fogbank.gateway.http11 import HttpServer
from fogbank.gateway.proxy import Proxy
from fogbank.platform import Platform

log = logging.getLogger("fogbank.workers")


def start_workers(config: Config, internal_port: int) -> tuple[list[subprocess.Popen[bytes]], list[socket.socket]]:
    """The extra processes for ``config.workers`` (the main process is the first of them), and for each the
    socket the main process hands it connections over (HttpServer.listen_balanced)."""
    env = {
        **os.environ,
        "FOGBANK_HOST": config.host,
        "FOGBANK_PORT": str(config.port),
        "FOGBANK_DATA_DIR": str(config.data_dir),  # the main process's, even when it is ephemeral
        "FOGBANK_CACHE_DIR": str(config.cache_dir),
        "FOGBANK_EPHEMERAL": "0",  # the main process owns (and removes) the directory
        "FOGBANK_WORKERS": str(config.workers),
    }
    argv = [sys.executable, "-m", "fogbank", "worker", "--internal-port", str(internal_port)]
    if not config.log_requests:
        argv.append("--quiet")
    workers, handoffs = [], []
    for _ in range(config.workers - 1):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        workers.append(
            subprocess.Popen(
                [*argv, "--handoff-fd", str(theirs.fileno())],
                env=env,
                stdin=subprocess.DEVNULL,
                pass_fds=[theirs.fileno()],
                preexec_fn=functools.partial(die_with_parent, os.getpid()),
            )
        )
        theirs.close()
        handoffs.append(ours)
    return workers, handoffs


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
    """A worker's life: DynamoDB on the connections the main process hands over, until SIGTERM."""
    config.worker = True
    platform = Platform(config)
    platform.open(only={"dynamodb"})
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
