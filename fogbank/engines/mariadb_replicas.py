"""MariaDB GTID replication between two instances (RDS read replicas).

A replica is a consistent online copy of its source (``mariadb-backup``, whose
``mariadb_backup_binlog_info`` names the GTID position of the copy; without the tool the
source is copied stopped, at its ``gtid_binlog_pos``), started with ``read_only`` and its own
``server_id``, then ``CHANGE MASTER TO … MASTER_USE_GTID=slave_pos`` with a replication login.
The source needs its binary log (``log_bin``), a static variable: ``settings`` gives both the
source's and the replica's. Replication state lives in the replica's data directory
(``master.info``, ``mysql.gtid_slave_pos``), so a restarted replica resumes by itself.

The master user has every privilege, and ``ALL PRIVILEGES`` includes ``READ_ONLY ADMIN``,
which writes through ``read_only``; on a replica it is revoked (RDS's master user has no such
privilege either) and given back at promotion.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from fogbank.engines.mariadb import MariaDBEngine

REPLICATION_USER = "rdsrepladmin"
BINLOG_INFO = ("mariadb_backup_binlog_info", "xtrabackup_binlog_info")
_BINLOG = {"log_bin": "mysql-bin", "binlog_format": "ROW"}


@dataclass(frozen=True)
class ReplicaState:
    replicating: bool  # both the IO and the SQL thread run
    lag_seconds: float | None  # Seconds_Behind_Master (None while not connected)
    error: str | None = None


def server_id(resource_id: str) -> int:
    """A server_id of its own for each instance (2 .. 2^32-1; 1 is every instance's default)."""
    return 2 + int(hashlib.sha1(resource_id.encode()).hexdigest(), 16) % (2**32 - 3)


def source_settings(resource_id: str) -> dict[str, str]:
    return {**_BINLOG, "server_id": str(server_id(resource_id))}


def replica_settings(resource_id: str) -> dict[str, str]:
    return {
        **source_settings(resource_id),
        "read_only": "ON",
        "log_slave_updates": "ON",
        "relay_log_recovery": "ON",  # a crashed replica fetches its relay log again
    }


def binlog_on(driver: MariaDBEngine, name: str) -> bool:
    with driver._admin(name) as cursor:
        cursor.execute("SELECT @@log_bin")
        return bool(cursor.fetchone()[0])


def prepare_source(driver: MariaDBEngine, name: str, password: str) -> None:
    with driver._admin(name) as cursor:
        cursor.execute("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", (REPLICATION_USER, password))
        cursor.execute("ALTER USER %s@'%%' IDENTIFIED BY %s", (REPLICATION_USER, password))
        cursor.execute("GRANT REPLICATION SLAVE ON *.* TO %s@'%%'", (REPLICATION_USER,))


def clone(driver: MariaDBEngine, source: str, source_dir: Path, data_dir: Path, work_dir: Path) -> str:
    """A consistent copy of ``source`` in ``data_dir``; returns the GTID position it holds."""
    shutil.rmtree(work_dir, ignore_errors=True)
    with driver._admin(source) as cursor:  # the position of a stopped copy (no mariadb-backup)
        cursor.execute("SELECT @@gtid_binlog_pos")
        position = cursor.fetchone()[0] or ""
    try:
        driver.snapshot(source, source_dir, work_dir)
        for info in BINLOG_INFO:
            if (work_dir / info).is_file():
                fields = (work_dir / info).read_text().split()
                position = fields[2] if len(fields) >= 3 else ""
                break
        driver.restore(work_dir, data_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return position


def follow(driver: MariaDBEngine, name: str, port: int, password: str, position: str | None) -> None:
    """Replicate from the source on ``port``; ``position`` (a new replica's) sets where from."""
    with driver._admin(name) as cursor:
        cursor.execute("STOP SLAVE")
        if position is not None:
            cursor.execute("SET GLOBAL gtid_slave_pos = %s", (position,))
        cursor.execute(
            "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%s, MASTER_USER=%s, MASTER_PASSWORD=%s, "
            "MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos",
            (port, REPLICATION_USER, password),
        )
        cursor.execute("START SLAVE")


def master_port(driver: MariaDBEngine, name: str) -> int | None:
    with driver._admin(name) as cursor:
        cursor.execute("SHOW SLAVE STATUS")
        row = cursor.fetchone()
        if row is None:
            return None
        columns = [c[0] for c in cursor.description]
        return int(dict(zip(columns, row, strict=True))["Master_Port"])


def restrict(driver: MariaDBEngine, name: str, username: str) -> None:
    """Keep the master user from writing through read_only (locally: not written to the binlog)."""
    with driver._admin(name) as cursor:
        cursor.execute("SET SESSION sql_log_bin = 0")
        cursor.execute("REVOKE READ_ONLY ADMIN ON *.* FROM %s@'%%'", (username,))


def drain(driver: MariaDBEngine, name: str, timeout: float = 30.0) -> None:
    """Wait until the SQL thread has applied everything the IO thread received (its source may
    be gone: a Multi-AZ standby about to be promoted holds every acknowledged transaction in
    its relay log, and must have applied them all first)."""
    deadline = time.monotonic() + timeout
    while True:
        with driver._admin(name) as cursor:
            cursor.execute("SHOW SLAVE STATUS")
            row = cursor.fetchone()
            if row is None:
                return
            status = dict(zip([c[0] for c in cursor.description], row, strict=True))
        received = (status["Master_Log_File"], int(status["Read_Master_Log_Pos"]))
        applied = (status["Relay_Master_Log_File"], int(status["Exec_Master_Log_Pos"]))
        if applied == received or status["Slave_SQL_Running"] != "Yes":
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the replica did not apply its relay log within {timeout:.0f} s")
        time.sleep(0.01)


def wait_synchronous(driver: MariaDBEngine, source: str, replica: str, timeout: float = 30.0) -> None:
    """Wait until the source commits semi-synchronously and ``replica`` has received everything
    the source logged before (transactions acknowledged while it was asynchronous): from then
    on a promoted replica holds every acknowledged commit."""
    deadline = time.monotonic() + timeout
    target = None
    while True:
        with driver._admin(source) as cursor:
            cursor.execute("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'")
            row = cursor.fetchone()
            semi_sync = row is not None and row[1] == "ON"
            if semi_sync and target is None:
                cursor.execute("SHOW MASTER STATUS")
                file, position = cursor.fetchone()[:2]
                target = (file, int(position))
        if target is not None:
            with driver._admin(replica) as cursor:
                cursor.execute("SHOW SLAVE STATUS")
                row = cursor.fetchone()
                status = dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else {}
            if status and (status["Master_Log_File"], int(status["Read_Master_Log_Pos"])) >= target:
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the standby did not become semi-synchronous within {timeout:.0f} s")
        time.sleep(0.01)


def promote(driver: MariaDBEngine, name: str, username: str) -> None:
    with driver._admin(name) as cursor:
        cursor.execute("STOP SLAVE")
        cursor.execute("RESET SLAVE ALL")
        cursor.execute("SET GLOBAL read_only = OFF")
        cursor.execute("SET SESSION sql_log_bin = 0")
        cursor.execute("GRANT READ_ONLY ADMIN ON *.* TO %s@'%%'", (username,))


def state(driver: MariaDBEngine, name: str) -> ReplicaState:
    with driver._admin(name) as cursor:
        cursor.execute("SHOW SLAVE STATUS")
        row = cursor.fetchone()
        if row is None:
            return ReplicaState(False, None, "not replicating")
        status = dict(zip([c[0] for c in cursor.description], row, strict=True))
    running = status["Slave_IO_Running"] == "Yes" and status["Slave_SQL_Running"] == "Yes"
    lag = status["Seconds_Behind_Master"]
    error = status.get("Last_IO_Error") or status.get("Last_SQL_Error") or None
    return ReplicaState(running, float(lag) if lag is not None else None, None if running else error)


def fence(driver: MariaDBEngine, name: str, username: str) -> tuple[str, int]:
    """Stop a source taking writes (read_only, which waits for the commits under way, and the
    master user no longer exempt) and answer its binary log's end: a replica that received up
    to there holds every transaction it committed."""
    restrict(driver, name, username)
    with driver._admin(name) as cursor:
        cursor.execute("SET GLOBAL read_only = ON")
        cursor.execute("SHOW MASTER STATUS")
        row = cursor.fetchone()
    if row is None:
        raise RuntimeError("the source has no binary log")
    return str(row[0]), int(row[1])


def wait_received(driver: MariaDBEngine, name: str, position: tuple[str, int], timeout: float = 10.0) -> None:
    """Wait until the replica ``name`` has received its source's binary log up to ``position``."""
    deadline = time.monotonic() + timeout
    while True:
        with driver._admin(name) as cursor:
            cursor.execute("SHOW SLAVE STATUS")
            row = cursor.fetchone()
            status = dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else None
        if status and (status["Master_Log_File"], int(status["Read_Master_Log_Pos"])) >= position:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the replica did not receive the binary log up to {position} within {timeout:.0f} s")
        time.sleep(0.01)


def received(driver: MariaDBEngine, name: str) -> tuple[str, int]:
    """How far a replica has received its source's binary log."""
    with driver._admin(name) as cursor:
        cursor.execute("SHOW SLAVE STATUS")
        row = cursor.fetchone()
        if row is None:
            return ("", -1)
        status = dict(zip([c[0] for c in cursor.description], row, strict=True))
    return (str(status["Master_Log_File"]), int(status["Read_Master_Log_Pos"]))
