"""Automated backups and point-in-time restore: rows committed in a loop with their commit
times, a restore to a moment between two of them holds exactly those committed before."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import psycopg
import pymysql
import pytest

from tests.rds.conftest import PASSWORD, wait_status


@pytest.fixture
def quick_backups(fogbank_server: Any) -> Any:
    """Archive every half second and take no daily copy while the test runs."""
    config = fogbank_server.platform.config
    saved = config.rds_backup_interval, config.rds_base_backup_interval
    config.rds_backup_interval = 0.5
    yield config
    config.rds_backup_interval, config.rds_base_backup_interval = saved


def _connect(engine: str, port: int) -> Any:
    if engine == "postgres":
        return psycopg.connect(host="127.0.0.1", port=port, user="postgres", password=PASSWORD, dbname="postgres",
                               autocommit=True)  # fmt: skip
    return pymysql.connect(host="127.0.0.1", port=port, user="admin", password=PASSWORD, autocommit=True)


def _execute(conn: Any, statement: str) -> list[Any]:
    cursor = conn.cursor()
    cursor.execute(statement)
    rows = list(cursor.fetchall()) if cursor.description else []
    cursor.close()
    return rows


def _automated_backup(rds: Any, identifier: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = rds.describe_db_instance_automated_backups(DBInstanceIdentifier=identifier)[
            "DBInstanceAutomatedBackups"
        ]
        if found and found[0]["RestoreWindow"].get("EarliestTime"):
            return found[0]
        assert time.monotonic() < deadline, found
        time.sleep(0.2)


def _wait_restorable(rds: Any, identifier: str, moment: dt.datetime, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        latest = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0].get(
            "LatestRestorableTime"
        )
        if latest and latest >= moment:
            return
        assert time.monotonic() < deadline, latest
        time.sleep(0.2)


@pytest.mark.parametrize("engine", ["postgres", "mariadb"])
def test_restore_to_a_moment_keeps_exactly_what_was_committed_before(rds, make_instance, quick_backups, engine):
    source = make_instance(f"pitr-{engine}", engine=engine)
    name = source["DBInstanceIdentifier"]
    assert "LatestRestorableTime" not in source or source["LatestRestorableTime"]
    backup = _automated_backup(rds, name)
    assert backup["Status"] == "active" and backup["DbiResourceId"] == source["DbiResourceId"]
    conn = _connect(engine, source["Endpoint"]["Port"])
    if engine == "mariadb":
        _execute(conn, "CREATE DATABASE app")
        _execute(conn, "USE app")
    _execute(conn, "CREATE TABLE rows_written (n INT PRIMARY KEY)")
    committed: list[tuple[int, float, float]] = []  # (n, before the commit, after it)
    for n in range(12):
        before = time.time()
        _execute(conn, f"INSERT INTO rows_written VALUES ({n})")
        committed.append((n, before, time.time()))
        time.sleep(0.3)
    conn.close()
    # A whole second (MariaDB's binlog keeps whole seconds) that no commit straddles, mid-way.
    middle = int(committed[len(committed) // 2][2]) + 1
    while any(before <= middle <= after for _, before, after in committed):
        middle += 1
    expected = [n for n, _, after in committed if after < middle]
    assert 0 < len(expected) < len(committed)
    target = dt.datetime.fromtimestamp(middle, dt.UTC)
    _wait_restorable(rds, name, dt.datetime.fromtimestamp(committed[-1][2], dt.UTC))

    restored = rds.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier=name, TargetDBInstanceIdentifier=f"{name}-then", RestoreTime=target
    )["DBInstance"]
    assert restored["DBInstanceStatus"] in ("creating", "available")
    restored = wait_status(rds, f"{name}-then", "available", timeout=120)
    conn = _connect(engine, restored["Endpoint"]["Port"])
    table = "rows_written" if engine == "postgres" else "app.rows_written"
    assert [row[0] for row in _execute(conn, f"SELECT n FROM {table} ORDER BY n")] == expected
    _execute(conn, f"INSERT INTO {table} VALUES (100)")  # promoted: takes writes
    conn.close()
    events = [
        e["Message"] for e in rds.describe_events(SourceIdentifier=f"{name}-then", SourceType="db-instance")["Events"]
    ]
    assert any(m.startswith(f"Restored from DB instance {name} to ") for m in events), events

    latest = rds.restore_db_instance_to_point_in_time(
        SourceDbiResourceId=source["DbiResourceId"], TargetDBInstanceIdentifier=f"{name}-now",
        UseLatestRestorableTime=True,
    )["DBInstance"]  # fmt: skip
    latest = wait_status(rds, latest["DBInstanceIdentifier"], "available", timeout=120)
    conn = _connect(engine, latest["Endpoint"]["Port"])
    assert [row[0] for row in _execute(conn, f"SELECT n FROM {table} ORDER BY n")] == list(range(12))
    conn.close()
    for identifier in (f"{name}-then", f"{name}-now", name):
        rds.delete_db_instance(DBInstanceIdentifier=identifier, SkipFinalSnapshot=True)
