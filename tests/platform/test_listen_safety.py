"""``fogbank up`` and the network: loopback unless asked, and every process of it applying the same
browser rules (a worker process answers a third of the connections)."""

from __future__ import annotations

import http.client
import subprocess
import sys
from pathlib import Path

import pytest

from fogbank.config import Config
from fogbank.server import Fogbank, free_port
from tests.platform.fogproc import environment, start


def test_a_non_loopback_address_is_refused_without_allow_remote(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fogbank", "up", "--host", "0.0.0.0", "--port", str(free_port()), "--ephemeral"],
        env=environment(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "refusing to listen on 0.0.0.0" in result.stderr and "--allow-remote" in result.stderr
    with pytest.raises(ValueError, match="--allow-remote"):
        Fogbank(Config(host="0.0.0.0", port=0, ephemeral=True))


def test_allow_remote_serves_and_warns(tmp_path: Path) -> None:
    running = start(tmp_path / "up.log", "--host", "0.0.0.0", "--allow-remote", "--ephemeral", "--workers", "1")
    try:
        assert running.health()["status"] == "running"
        assert "WITHOUT authentication" in running.output()
    finally:
        assert running.stop() == 0


def test_every_process_applies_the_flags(tmp_path: Path) -> None:
    origin = "http://app.example:3000"
    running = start(
        tmp_path / "up.log", "--ephemeral", "--workers", "2", "--cors-origins", origin, "--allowed-hosts", "fb.test"
    )
    try:
        answers = set()
        for _ in range(12):  # connections are handed out in turn: both processes answer some
            connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=10)
            headers = {"Host": "fb.test", "Origin": origin, "X-Amz-Target": "DynamoDB_20120810.ListTables"}
            connection.request("POST", "/", b"{}", headers)
            response = connection.getresponse()
            response.read()
            answers.add((response.status, response.getheader("access-control-allow-origin")))
            connection.close()
        assert answers == {(200, origin)}
    finally:
        assert running.stop() == 0
