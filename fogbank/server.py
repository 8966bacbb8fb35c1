"""Run Fogbank: in the foreground (``fogbank up``) or in-process for a test suite."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
from typing import Any

import uvloop

from fogbank.config import Config
from fogbank.gateway.app import Gateway
from fogbank.gateway.http11 import HttpServer
from fogbank.platform import Platform
from fogbank.workers import Workers, stop_workers


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class Fogbank:
    """An in-process Fogbank on its own thread, for tests::

    with Fogbank(Config(port=0, ephemeral=True)) as fb:
        boto3.client("dynamodb", endpoint_url=fb.endpoint, ...)
    """

    def __init__(self, config: Config | None = None, **settings: Any) -> None:
        config = config or Config(**settings)
        config.workers = 1  # in-process: one process, whatever FOGBANK_WORKERS says
        problem = config.listen_problem()
        if problem:
            raise ValueError(problem)
        if config.port == 0:
            config.port = free_port(config.host)
        self.platform = Platform(config)
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: Exception | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.platform.config.host}:{self.platform.config.port}"

    def start(self, timeout: float = 10.0) -> Fogbank:
        self.platform.open()
        self._ready.clear()
        self._error = None
        self._thread = threading.Thread(target=self._serve, name="fogbank-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("Fogbank did not start in time")
        if self._error is not None:
            self._thread.join(timeout)
            self.platform.close()
            raise RuntimeError(f"Fogbank could not listen on {self.endpoint}: {self._error}") from self._error
        return self

    def _serve(self) -> None:
        loop = uvloop.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._run())
        except Exception as error:  # start() must hear of it rather than wait for its timeout
            self._error = error
        finally:
            self._ready.set()
            loop.close()

    async def _run(self) -> None:
        config = self.platform.config
        server = HttpServer(Gateway(self.platform))
        self._stop = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        try:
            await server.listen(config.host, config.port)
        except OSError as error:
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        await self._stop.wait()
        await server.shutdown()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=15)
        self.platform.close()

    def __enter__(self) -> Fogbank:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(config: Config) -> None:
    """``fogbank up``: serve in the foreground until Ctrl-C or SIGTERM, then finish the requests in
    flight, stop the engines (``Platform.close()``) and return, so the process exits with status 0."""
    platform = Platform(config)
    platform.open()
    try:
        uvloop.run(_foreground(platform))
    finally:
        platform.close()


async def _foreground(platform: Platform) -> None:
    config = platform.config
    log = logging.getLogger("fogbank")
    gateway = Gateway(platform)
    server = HttpServer(gateway)
    internal = HttpServer(gateway)  # where workers pass what they do not answer themselves
    workers: Workers | None = None
    try:
        if config.workers > 1:
            await internal.listen("127.0.0.1", 0)
            workers = Workers(config, internal.port)
            await server.listen_balanced(config.host, config.port, workers.start())
            workers.supervise(server)
        else:
            await server.listen(config.host, config.port)
    except OSError as error:
        log.error("Fogbank could not listen on %s:%d: %s", config.host, config.port, str(error).lower())
        if workers is not None:
            workers.stop()
            stop_workers(workers.processes)
        raise SystemExit(1) from None
    log.info("Fogbank %s on http://%s:%d (data: %s)", _version(), config.host, config.port, platform.data_dir)
    log.info("Console: http://%s:%d/console", config.host, config.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _on_signal, stop, server)
    await stop.wait()
    log.info("Shutting down")
    if workers is not None:
        workers.stop()  # no replacements from here on
        await loop.run_in_executor(None, stop_workers, workers.processes)
    await server.shutdown()
    if config.workers > 1:
        await internal.shutdown()


def _on_signal(stop: asyncio.Event, server: HttpServer) -> None:
    if stop.is_set():  # a second Ctrl-C: don't wait for busy connections
        for connection in list(server.connections):
            connection.abort()
    stop.set()


def _version() -> str:
    from fogbank import __version__

    return __version__
