"""Run Fogbank: in the foreground (``fogbank up``) or in-process for a test suite."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn
import uvloop

from fogbank.config import Config
from fogbank.gateway.app import Gateway
from fogbank.platform import Platform


def _uvicorn_config(platform: Platform, sock_port: int) -> uvicorn.Config:
    return uvicorn.Config(
        Gateway(platform),
        host=platform.config.host,
        port=sock_port,
        loop="uvloop",
        http="httptools",
        lifespan="off",
        access_log=False,
        log_level="warning",
        timeout_keep_alive=30,
    )


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
        if config.port == 0:
            config.port = free_port(config.host)
        self.platform = Platform(config)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.platform.config.host}:{self.platform.config.port}"

    def start(self, timeout: float = 10.0) -> Fogbank:
        self.platform.open()
        self._server = uvicorn.Server(_uvicorn_config(self.platform, self.platform.config.port))
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._serve, name="fogbank-server", daemon=True)
        self._thread.start()
        waited = 0.0
        while not self._server.started:
            if not self._thread.is_alive():
                self.platform.close()
                raise RuntimeError(f"Fogbank could not listen on {self.endpoint}")
            threading.Event().wait(0.01)
            waited += 0.01
            if waited > timeout:
                raise TimeoutError("Fogbank did not start in time")
        return self

    def _serve(self) -> None:
        try:
            self._server.run()  # type: ignore[union-attr]
        except SystemExit:
            pass  # uvicorn exits when it cannot listen; start() reports that as a RuntimeError

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.platform.close()

    def __enter__(self) -> Fogbank:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(config: Config) -> None:
    """``fogbank up``: serve in the foreground until Ctrl-C or SIGTERM."""
    platform = Platform(config)
    platform.open()
    server = _ForegroundServer(_uvicorn_config(platform, config.port))
    log = logging.getLogger("fogbank")
    log.info("Fogbank %s on http://%s:%d (data: %s)", _version(), config.host, config.port, platform.data_dir)
    log.info("Console: http://%s:%d/console", config.host, config.port)
    try:
        uvloop.run(server.serve())
    finally:
        platform.close()


class _ForegroundServer(uvicorn.Server):
    """uvicorn re-raises SIGINT/SIGTERM once it has shut down, which kills the process before
    ``Platform.close()`` stops the engines and removes an ephemeral data directory. Here the
    signal only asks for the graceful shutdown, and ``fogbank up`` then exits with status 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _version() -> str:
    from fogbank import __version__

    return __version__
