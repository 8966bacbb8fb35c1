"""PostgreSQL streaming replication between two instances of one version (RDS read replicas).

A replica is a base backup of its source (``pg_basebackup`` through a physical replication slot,
so the source keeps the WAL the replica has not received yet), started as a hot standby
(``standby.signal``) that streams from the source with a replication login of its own. The
standby is read-only by PostgreSQL's own rules ("cannot execute INSERT in a read-only
transaction"). ``primary_conninfo`` is written here rather than by ``pg_basebackup -R``: newer
``pg_basebackup`` versions write options (``sslnegotiation``) older walreceivers refuse, and the
source's port may change (it is rewritten before each start).
"""

from __future__ import annotations

import re
import struct
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from fogbank.engines import users
from fogbank.engines.postgres import BOOTSTRAP_USER, PostgresEngine

REPLICATION_USER = "rdsrepladmin"
AUTO_CONF = "postgresql.auto.conf"  # read after postgresql.conf; Fogbank's settings file never holds these
STANDBY_SIGNAL = "standby.signal"
# Settings only a replica has; the walreceiver retries a lost source every second (5 s by default).
_REPLICA_KEYS = ("primary_conninfo", "primary_slot_name", "wal_retrieve_retry_interval", "hot_standby")
# Room for RDS's 15 replicas per source (PostgreSQL's default is 10 of each).
SENDERS = {"max_wal_senders": "20", "max_replication_slots": "20"}
# A hot standby stops recovery when one of these is lower than on its primary.
AT_LEAST_PRIMARY = ("max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
                    "max_locks_per_transaction")  # fmt: skip
_KEY_LINE = re.compile(r"^\s*(" + "|".join(_REPLICA_KEYS) + r")\s*=")


@dataclass(frozen=True)
class ReplicaState:
    replicating: bool  # the walreceiver streams from the source
    lag_seconds: float | None  # how far replay is behind (0 when all received WAL is replayed)


def slot_name(replica_resource_id: str) -> str:
    return "rds_" + re.sub(r"[^a-z0-9_]", "_", replica_resource_id.lower())


_LOGIN_LOCK = 0x46_6F_67_52  # an advisory lock's key: the replication login's creation


def prepare_source(driver: PostgresEngine, name: str, password: str, slot: str) -> None:
    """The replication login (its password set to ``password``) and the replica's slot. A
    source that is itself a standby (cascading) has the login already, from its own source."""
    with driver._admin(name) as conn:
        standby = conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
        if not standby:
            # Replicas made at once (a Multi-AZ DB cluster's two readers) must not both create the login.
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", [_LOGIN_LOCK])
                exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [REPLICATION_USER]).fetchone()
                verb = sql.SQL("ALTER" if exists else "CREATE")
                conn.execute(
                    sql.SQL("{} ROLE {} WITH REPLICATION LOGIN PASSWORD {}").format(
                        verb, sql.Identifier(REPLICATION_USER), sql.Literal(password)
                    )
                )
        taken = conn.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", [slot]).fetchone()
        if not taken:
            conn.execute("SELECT pg_create_physical_replication_slot(%s, true)", [slot])


def clone(driver: PostgresEngine, source: str, data_dir: Path, slot: str) -> None:
    """A base backup of the running ``source`` into ``data_dir`` (absent), as the engine's user."""
    instance = driver._instance(source)
    users.run(
        [
            str(driver.tool("pg_basebackup")),
            "-D", str(data_dir),
            "-h", str(instance.socket_dir),
            "-p", str(instance.port),
            "-U", BOOTSTRAP_USER,
            "-X", "stream",
            "-S", slot,
            "-c", "fast",
            "--no-sync",
        ],
        unprivileged=True,
        cwd=data_dir.parent,
    )  # fmt: skip
    signal = data_dir / STANDBY_SIGNAL
    signal.touch()
    users.chown_tree(signal, unprivileged=True)


def follow(data_dir: Path, port: int, password: str, slot: str, application: str) -> None:
    """Point a (stopped) replica's data directory at its source on ``port``."""
    conninfo = (
        f"host=127.0.0.1 port={port} user={REPLICATION_USER} password={password} "
        f"application_name={application} sslmode=disable connect_timeout=2"
    )
    _write_auto_conf(
        data_dir,
        {
            "primary_conninfo": conninfo,
            "primary_slot_name": slot,
            "wal_retrieve_retry_interval": "1s",
            "hot_standby": "on",
        },
    )


def promote(driver: PostgresEngine, name: str, data_dir: Path) -> None:
    """End recovery: the replica becomes a read-write primary (PostgreSQL removes standby.signal)."""
    with driver._admin(name) as conn:
        if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
            promoted = conn.execute("SELECT pg_promote(true, 60)").fetchone()[0]
            if not promoted:
                raise RuntimeError("pg_promote did not finish within 60 s")
    _write_auto_conf(data_dir, {})


def drop_slot(driver: PostgresEngine, source: str, slot: str, timeout: float = 5.0) -> None:
    """Free the source's WAL kept for a replica that is gone (its walsender may take a moment to end)."""
    deadline = time.monotonic() + timeout
    with driver._admin(source) as conn:
        while True:
            row = conn.execute("SELECT active_pid FROM pg_replication_slots WHERE slot_name = %s", [slot]).fetchone()
            if row is None:
                return
            if row[0] is not None:
                if time.monotonic() > deadline:
                    conn.execute("SELECT pg_terminate_backend(%s)", [row[0]])
                time.sleep(0.1)
                continue
            try:
                conn.execute("SELECT pg_drop_replication_slot(%s)", [slot])
                return
            except psycopg.errors.ObjectInUse:
                time.sleep(0.1)


def state(driver: PostgresEngine, name: str) -> ReplicaState:
    with driver._admin(name) as conn:
        row = conn.execute("SELECT status FROM pg_stat_wal_receiver").fetchone()
        lag = conn.execute(
            "SELECT CASE WHEN pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn() "
            "THEN 0 ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
        ).fetchone()[0]
    return ReplicaState(row is not None and row[0] == "streaming", float(lag) if lag is not None else None)


def wait_synchronous(driver: PostgresEngine, source: str, application: str, timeout: float = 30.0) -> None:
    """Wait until the source commits synchronously to the standby named ``application`` and
    the standby has flushed everything the source wrote before (commits acknowledged while it
    was asynchronous): from then on a promoted standby holds every acknowledged commit.
    ``synchronous_standby_names`` takes effect a moment after the reload that set it."""
    deadline = time.monotonic() + timeout
    target = None
    with driver._admin(source) as conn:
        while True:
            row = conn.execute(
                "SELECT sync_state, flush_lsn FROM pg_stat_replication WHERE application_name = %s", [application]
            ).fetchone()
            if row is not None and row[0] == "sync":
                if target is None:
                    target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
                caught_up = conn.execute("SELECT %s::pg_lsn >= %s::pg_lsn", [row[1], target]).fetchone()[0]
                if caught_up:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the standby did not become synchronous within {timeout:.0f} s")
            time.sleep(0.01)


def _write_auto_conf(data_dir: Path, values: dict[str, str]) -> None:
    path = data_dir / AUTO_CONF
    kept = [line for line in path.read_text().splitlines() if not _KEY_LINE.match(line)] if path.exists() else []
    for key, value in values.items():
        kept.append(f"{key} = '{value.replace(chr(39), chr(39) * 2)}'")
    path.write_text("\n".join(kept) + "\n")
    path.chmod(0o600)
    users.chown_tree(path, unprivileged=True)


def shutdown_checkpoint(data_dir: Path) -> str:
    """The last checkpoint of a stopped server: after a clean shutdown, its last WAL record. A
    standby that received it holds everything the server committed. Read from ``global/pg_control``
    (what ``pg_controldata`` shows as "Latest checkpoint location", which not every build ships):
    its first members are the same in every major since 10 — system identifier, control version,
    catalog version, state, time, then the checkpoint's LSN."""
    raw = (data_dir / "global" / "pg_control").read_bytes()
    checkpoint = struct.unpack_from("=QIIi4xqQ", raw)[5]
    return f"{checkpoint >> 32:X}/{checkpoint & 0xFFFFFFFF:X}"


def wait_received(driver: PostgresEngine, name: str, lsn: str, timeout: float = 10.0) -> None:
    """Wait until the standby ``name`` has received WAL past ``lsn``."""
    deadline = time.monotonic() + timeout
    with driver._admin(name) as conn:
        while True:
            received = conn.execute("SELECT COALESCE(pg_last_wal_receive_lsn() > %s::pg_lsn, false)", [lsn]).fetchone()[
                0
            ]
            if received:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the standby did not receive the WAL up to {lsn} within {timeout:.0f} s")
            time.sleep(0.01)


def wait_quorum(driver: PostgresEngine, source: str, timeout: float = 30.0) -> None:
    """Like ``wait_synchronous`` for ``synchronous_standby_names = 'ANY 1 (...)'``: one standby in the
    quorum has flushed everything the source wrote before."""
    deadline = time.monotonic() + timeout
    target = None
    with driver._admin(source) as conn:
        while True:
            rows = conn.execute(
                "SELECT flush_lsn FROM pg_stat_replication WHERE sync_state IN ('quorum', 'sync')"
            ).fetchall()
            if rows:
                if target is None:
                    target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
                for (flushed,) in rows:
                    if (
                        flushed is not None
                        and conn.execute("SELECT %s::pg_lsn >= %s::pg_lsn", [flushed, target]).fetchone()[0]
                    ):
                        return
            if time.monotonic() > deadline:
                raise TimeoutError(f"no standby joined the commit quorum within {timeout:.0f} s")
            time.sleep(0.01)


def received(driver: PostgresEngine, name: str) -> str | None:
    """How far a standby has received (and flushed) its source's WAL."""
    with driver._admin(name) as conn:
        value = conn.execute("SELECT pg_last_wal_receive_lsn()::text").fetchone()[0]
    return str(value) if value is not None else None


def lsn_key(lsn: str | None) -> int:
    """An LSN ("16/B374D848") as a number to compare."""
    if not lsn:
        return -1
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)
