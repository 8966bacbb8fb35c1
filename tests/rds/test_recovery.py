"""RDS auto-recovery (a dead engine comes back) and Fogbank restarts (instances come back)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from fogbank.services.rds import lifecycle
from tests.rds.conftest import PASSWORD, OwnFogbank, wait_status


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


def _events(rds) -> list[str]:
    return [e["Message"] for e in rds.describe_events(SourceType="db-instance")["Events"]]


def _break_config(fogbank_server, instance) -> tuple[Path, str]:
    """Make the instance's engine refuse to start (an unknown setting); returns how to undo it."""
    conf = (
        fogbank_server.platform.data_dir / "rds" / "instances" / instance["DbiResourceId"] / "data" / "postgresql.conf"
    )
    original = conf.read_text()
    conf.write_text(original + "\nno_such_setting_here = 1\n")
    return conf, original


def _statuses_until(rds, identifier: str, final: str, timeout: float) -> list[str]:
    """The statuses DescribeDBInstances shows until ``final``, in order, without repeats."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while not seen or seen[-1] != final:
        assert time.monotonic() < deadline, seen
        status = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]["DBInstanceStatus"]
        if not seen or seen[-1] != status:
            seen.append(status)
        time.sleep(0.05)
    return seen


def test_status_shows_recovery_while_the_engine_is_down(rds, make_instance, fogbank_server):
    """Not ``available`` while the supervisor restarts the engine: ``rebooting``, then ``failed``
    when restarts keep failing, and ``available`` again once one succeeds."""
    instance = make_instance("downtime")
    conf, original = _break_config(fogbank_server, instance)
    proc = fogbank_server.platform.supervisor.get(f"rds/{instance['DbiResourceId']}")
    os.kill(proc.pid, signal.SIGKILL)
    seen = _statuses_until(rds, "downtime", "failed", timeout=20)
    assert seen in (["available", "rebooting", "failed"], ["rebooting", "failed"])
    conf.write_text(original)
    assert _statuses_until(rds, "downtime", "available", timeout=20) == ["failed", "available"]
    messages = _events(rds)
    started = messages.index(lifecycle.RECOVERY_STARTED)
    assert messages.index(lifecycle.PUT_INTO_FAILED) > started
    assert messages.index(lifecycle.RECOVERY_COMPLETE) > messages.index(lifecycle.PUT_INTO_FAILED)


def test_failed_instance_is_retried_and_can_be_rebooted(rds, make_instance, fogbank_server):
    """A start that fails leaves the instance ``failed``, not for good: RebootDBInstance is
    accepted, and it is tried again with backoff until its engine starts."""
    instance = make_instance("flaky")
    conf, original = _break_config(fogbank_server, instance)
    rds.reboot_db_instance(DBInstanceIdentifier="flaky")
    assert _statuses_until(rds, "flaky", "failed", timeout=20)[-1] == "failed"
    assert rds.reboot_db_instance(DBInstanceIdentifier="flaky")["DBInstance"]["DBInstanceStatus"] == "rebooting"
    assert _statuses_until(rds, "flaky", "failed", timeout=20)[-1] == "failed"
    conf.write_text(original)  # the cause is gone: the next retry (within a few seconds) brings it back
    assert _statuses_until(rds, "flaky", "available", timeout=20) == ["failed", "available"]
    assert _events(rds)[-1] == lifecycle.RECOVERY_COMPLETE


def test_restart_brings_instances_back():
    with OwnFogbank("fogbank-rds-restart-", "4700-4799") as fogbank:
        rds = fogbank.rds
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
        fogbank.restart()
        endpoint = wait_status(rds, "keep", "available")["Endpoint"]
        assert wait_status(rds, "sleepy", "stopped")
        with psycopg.connect(host="127.0.0.1", port=endpoint["Port"], user="postgres", password=PASSWORD,
                             dbname="postgres") as conn:  # fmt: skip
            assert conn.execute("SELECT x FROM kept").fetchall() == [(9,)]
        for name in ("keep", "sleepy"):
            rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)


def _engine_processes(root: Path) -> list[int]:
    """Live processes working in a directory under ``root`` (engines run in their data dirs)."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            alive = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
            if alive and os.readlink(f"/proc/{entry}/cwd").startswith(str(root) + "/"):
                found.append(int(entry))
        except OSError:
            continue
    return found


def test_kill_9_during_a_long_query_then_restart_comes_back():
    """The orphaned backend of a running query held the old shared memory: the new postmaster
    refused to start and the instance stayed ``failed``."""
    running: subprocess.Popen[bytes] | None = None
    with OwnFogbank("fogbank-rds-orphans-", "4800-4899", FOGBANK_WORKERS="2") as fogbank:
        rds, root = fogbank.rds, fogbank.root
        try:
            rds.create_db_instance(DBInstanceIdentifier="busy", Engine="postgres", DBInstanceClass="db.t3.micro",
                                   MasterUsername="postgres", MasterUserPassword=PASSWORD)  # fmt: skip
            endpoint = wait_status(rds, "busy", "available")["Endpoint"]
            dsn = dict(host="127.0.0.1", port=endpoint["Port"], user="postgres", password=PASSWORD, dbname="postgres")
            conn = psycopg.connect(**dsn, autocommit=True)
            running = subprocess.Popen(  # a query that runs for many seconds, from another process
                [sys.executable, "-c", "import psycopg, sys; c = psycopg.connect(sys.argv[1]); "
                 "c.execute('SELECT count(*) FROM generate_series(1, 250000000)')",
                 " ".join(f"{k}={v}" for k, v in dsn.items())],
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            for _ in range(100):
                if conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%generate_series%' "
                                "AND pid <> pg_backend_pid()").fetchone()[0]:  # fmt: skip
                    break
                time.sleep(0.05)
            conn.close()
            fogbank.kill()
            deadline = time.monotonic() + 5
            while _engine_processes(root) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not _engine_processes(root), "engine processes outlived Fogbank"
            fogbank.up()
            endpoint = wait_status(rds, "busy", "available", timeout=30)["Endpoint"]
            with psycopg.connect(**{**dsn, "port": endpoint["Port"]}) as again:
                assert again.execute("SELECT 1").fetchone() == (1,)
            rds.delete_db_instance(DBInstanceIdentifier="busy", SkipFinalSnapshot=True)
        finally:
            if running is not None:
                running.kill()
                running.wait()
