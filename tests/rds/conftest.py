"""RDS test helpers: a client, a factory for instances that waits until they are available, and
a Fogbank of a test's own to kill with -9 and start again."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
import psycopg
import pytest

from fogbank.server import free_port

PASSWORD = "Secret-pass1"


def run_sql(conn: Any, statement: str, *args: Any) -> list[tuple[Any, ...]]:
    """``statement`` with ``?`` placeholders on a psycopg or pymysql connection; its rows, if any."""
    if isinstance(conn, psycopg.Connection):
        cursor = conn.execute(statement.replace("?", "%s"), args)
        return cursor.fetchall() if cursor.description else []
    with conn.cursor() as cursor:
        cursor.execute(statement.replace("?", "%s"), args)
        return list(cursor.fetchall()) if cursor.description else []


@pytest.fixture
def rds(client: Callable[..., Any]) -> Any:
    return client("rds")


def wait_status(rds: Any, identifier: str, status: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        instance = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
        if instance["DBInstanceStatus"] == status:
            return instance
        assert instance["DBInstanceStatus"] != "failed", instance
        assert time.monotonic() < deadline, f"{identifier} still {instance['DBInstanceStatus']}"
        time.sleep(0.1)


@pytest.fixture
def make_instance(rds: Any) -> Callable[..., dict[str, Any]]:
    def make(identifier: str, engine: str = "postgres", **kwargs: Any) -> dict[str, Any]:
        params = {
            "DBInstanceIdentifier": identifier,
            "Engine": engine,
            "DBInstanceClass": "db.t3.micro",
            "MasterUsername": "postgres" if engine == "postgres" else "admin",
            "MasterUserPassword": PASSWORD,
            "AllocatedStorage": 20,
            **kwargs,
        }
        rds.create_db_instance(**params)
        return wait_status(rds, identifier, "available")

    return make


class OwnFogbank:
    """``fogbank up`` in a process of its own: in a directory the engine user can enter (not
    pytest's tmp_path, under a 0700 one), in a session of its own so a kill of its group takes
    its workers too (engines have process groups of their own and die with Fogbank)."""

    def __init__(self, prefix: str, engine_ports: str, **env: str) -> None:
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        self.root.chmod(0o755)
        port = free_port()
        self.argv = [sys.executable, "-m", "fogbank", "up", "--port", str(port), "--data-dir", str(self.root / "data")]
        self.env = {**os.environ, "FOGBANK_ENGINE_PORTS": engine_ports, **env}
        self.rds = boto3.client("rds", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1")
        self.server: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> OwnFogbank:
        self.up()
        return self

    def up(self) -> None:
        self.server = subprocess.Popen(self.argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       start_new_session=True)  # fmt: skip
        for _ in range(400):
            try:
                self.rds.describe_db_instances()
                return
            except Exception:
                time.sleep(0.05)
        raise AssertionError("fogbank did not start")

    def kill(self) -> None:
        assert self.server is not None
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait()

    def restart(self) -> None:
        """``kill -9`` and start again (PDEATHSIG: the engines die with Fogbank)."""
        self.kill()
        time.sleep(0.5)
        self.up()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self.server is not None:
            self.server.send_signal(signal.SIGTERM)
            self.server.wait(timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)
