"""RDS auto-recovery (a dead engine comes back) and Fogbank restarts (instances come back)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import psycopg

from fogbank.server import free_port
from tests.rds.conftest import PASSWORD, wait_status


def test_dead_engine_is_restarted(rds, make_instance, fogbank_server):
    instance = make_instance("crashy")
    proc = fogbank_server.platform.supervisor.get(f"rds/{instance['DbiResourceId']}")
    os.kill(proc.pid, signal.SIGKILL)
    dsn = dict(host="127.0.0.1", port=instance["Endpoint"]["Port"], user="postgres", password=PASSWORD,
               dbname="postgres", connect_timeout=1)  # fmt: skip
    deadline = time.monotonic() + 20
    while True:
        try:
            psycopg.connect(**dsn).close()
            break
        except psycopg.OperationalError:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    for _ in range(50):
        messages = [e["Message"] for e in rds.describe_events(SourceType="db-instance")["Events"]]
        if "Recovery of the DB instance is complete." in messages:
            break
        time.sleep(0.1)
    assert "Recovery of the DB instance is complete." in messages


def test_restart_brings_instances_back():
    # Not pytest's tmp_path: it sits under a 0700 directory the engine user cannot enter.
    root = Path(tempfile.mkdtemp(prefix="fogbank-rds-restart-"))
    root.chmod(0o755)
    port = free_port()
    data = root / "data"
    argv = [sys.executable, "-m", "fogbank", "up", "--port", str(port), "--data-dir", str(data)]
    env = {**os.environ, "FOGBANK_ENGINE_PORTS": "4700-4799"}
    rds = boto3.client("rds", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1")

    def up() -> subprocess.Popen:
        server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                rds.describe_db_instances()
                return server
            except Exception:
                time.sleep(0.05)
        raise AssertionError("fogbank did not start")

    server = up()
    try:
        for name in ("keep", "sleepy"):
            rds.create_db_instance(DBInstanceIdentifier=name, Engine="postgres", DBInstanceClass="db.t3.micro",
                                   MasterUsername="postgres", MasterUserPassword=PASSWORD)  # fmt: skip
            endpoint = wait_status(rds, name, "available")["Endpoint"]
        endpoint = wait_status(rds, "keep", "available")["Endpoint"]
        with psycopg.connect(host="127.0.0.1", port=endpoint["Port"], user="postgres", password=PASSWORD,
                             dbname="postgres", autocommit=True) as conn:  # fmt: skip
            conn.execute("CREATE TABLE kept (x int)")
            conn.execute("INSERT INTO kept VALUES (9)")
        rds.stop_db_instance(DBInstanceIdentifier="sleepy")
        wait_status(rds, "sleepy", "stopped")
        server.send_signal(signal.SIGKILL)
        server.wait()
        time.sleep(0.5)  # PDEATHSIG: the engines die with Fogbank
        server = up()
        endpoint = wait_status(rds, "keep", "available")["Endpoint"]
        assert wait_status(rds, "sleepy", "stopped")
        with psycopg.connect(host="127.0.0.1", port=endpoint["Port"], user="postgres", password=PASSWORD,
                             dbname="postgres") as conn:  # fmt: skip
            assert conn.execute("SELECT x FROM kept").fetchall() == [(9,)]
        for name in ("keep", "sleepy"):
            rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        shutil.rmtree(root, ignore_errors=True)
