"""``python -m fogbank up`` as a child process, the way a user runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fogbank.server import free_port


@dataclass
class Running:
    process: subprocess.Popen
    port: int
    log: Path
    started: float  # time.monotonic() when the process was spawned

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self, timeout: float = 5) -> dict[str, Any]:
        with urllib.request.urlopen(self.endpoint + "/_fogbank/health", timeout=timeout) as response:
            return json.load(response)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def environment(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOGBANK_")}
    env.update(overrides)
    return env


def start(
    log: Path, *args: str, env: dict[str, str] | None = None, port: int | None = None, wait: float = 10
) -> Running:
    """Spawn ``fogbank up``; with ``wait`` > 0, return once /_fogbank/health answers."""
    port = port or free_port()
    command = [sys.executable, "-m", "fogbank", "up", *args]
    if "--port" not in args and not (env and "FOGBANK_PORT" in env):
        command += ["--port", str(port)]
    elif env and "FOGBANK_PORT" in env:
        port = int(env["FOGBANK_PORT"])
    handle = log.open("wb")
    started = time.monotonic()
    process = subprocess.Popen(
        command, stdout=handle, stderr=subprocess.STDOUT, env=env if env is not None else environment()
    )
    handle.close()
    running = Running(process, port, log, started)
    if wait:
        wait_ready(running, wait)
    return running


def wait_ready(running: Running, timeout: float) -> float:
    """Seconds from spawn until the health endpoint answered."""
    deadline = running.started + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"fogbank up exited with {running.process.returncode}:\n{running.output()}")
        try:
            running.health(timeout=1)
            return time.monotonic() - running.started
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.01)
    running.stop(signal.SIGKILL)
    raise TimeoutError(f"fogbank up not ready within {timeout}s:\n{running.output()}")


def boto(service: str, endpoint: str) -> Any:
    """A boto3 client for a running Fogbank, without retries; each has its own connection."""
    import boto3
    from botocore.config import Config as BotoConfig

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=BotoConfig(retries={"max_attempts": 1}),
    )
