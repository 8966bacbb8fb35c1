"""Read replicas on the engines' own replication: PostgreSQL streaming, MariaDB GTID."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import psycopg
import pymysql
import pytest

from fogbank.server import free_port
from tests.rds.conftest import PASSWORD, OwnFogbank, wait_status


def _pg(instance: dict[str, Any]) -> psycopg.Connection:
    ep = instance["Endpoint"]
    return psycopg.connect(host=ep["Address"], port=ep["Port"], user="postgres", password=PASSWORD,
                           dbname="postgres", autocommit=True, connect_timeout=3)  # fmt: skip


def _maria(instance: dict[str, Any]) -> pymysql.Connection:
    ep = instance["Endpoint"]
    return pymysql.connect(host=ep["Address"], port=ep["Port"], user="admin", password=PASSWORD,
                           autocommit=True, connect_timeout=3)  # fmt: skip


def _eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except (psycopg.OperationalError, pymysql.err.OperationalError):
            pass
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)


def _pg_count(instance: dict[str, Any]) -> int:
    with _pg(instance) as conn:
        return conn.execute("SELECT count(*) FROM t").fetchone()[0]


def _describe(rds: Any, identifier: str) -> dict[str, Any]:
    return rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]


def _events(rds: Any, identifier: str) -> list[str]:
    events = rds.describe_events(SourceType="db-instance", SourceIdentifier=identifier)["Events"]
    return [e["Message"] for e in events]


def _replica(rds: Any, identifier: str, source: str, **kwargs: Any) -> dict[str, Any]:
    out = rds.create_db_instance_read_replica(
        DBInstanceIdentifier=identifier, SourceDBInstanceIdentifier=source, **kwargs
    )["DBInstance"]
    assert out["DBInstanceStatus"] == "creating"
    assert out["ReadReplicaSourceDBInstanceIdentifier"] == source.rsplit(":", 1)[-1]
    return wait_status(rds, identifier, "available")


def test_postgres_replica_follows_refuses_writes_and_is_promoted(rds, make_instance, fogbank_server):
    source = make_instance("pgsrc", DBInstanceClass="db.m5.large")
    with _pg(source) as conn:
        conn.execute("CREATE TABLE t (n int)")
        conn.execute("INSERT INTO t VALUES (1)")
        assert conn.execute("SHOW max_wal_senders").fetchone()[0] == "20"  # room for 15 replicas
    # A smaller class than its source's: a hot standby needs at least the source's max_connections.
    replica = _replica(rds, "pgrep", "pgsrc", DBInstanceClass="db.t3.micro", Tags=[{"Key": "role", "Value": "reader"}])
    assert replica["DBInstanceClass"] == "db.t3.micro"
    with _pg(replica) as conn:
        assert conn.execute("SHOW max_connections").fetchone()[0] == "811"  # db.m5.large's, not db.t3.micro's 101
    assert replica["BackupRetentionPeriod"] == 0
    assert replica["MasterUsername"] == "postgres"
    assert replica["TagList"] == [{"Key": "role", "Value": "reader"}]
    assert _describe(rds, "pgsrc")["ReadReplicaDBInstanceIdentifiers"] == ["pgrep"]
    code, _ = _error(lambda: rds.modify_db_instance(DBInstanceIdentifier="pgsrc", BackupRetentionPeriod=0,
                                                    ApplyImmediately=True))  # fmt: skip
    assert code == "InvalidParameterCombination"  # a source keeps its backups
    code, _ = _error(lambda: rds.modify_db_instance(DBInstanceIdentifier="pgrep", MasterUserPassword="Other-pass1",
                                                    ApplyImmediately=True))  # fmt: skip
    assert code == "InvalidParameterCombination"  # a replica's users are its source's
    code, _ = _error(lambda: rds.modify_db_instance(DBInstanceIdentifier="pgrep", ManageMasterUserPassword=True,
                                                    ApplyImmediately=True))  # fmt: skip
    assert code == "InvalidParameterCombination"  # nor may RDS manage a new one there
    for name in ("pgsrc", "pgrep"):  # RDS stops neither
        code, _ = _error(lambda n=name: rds.stop_db_instance(DBInstanceIdentifier=n))
        assert code == "InvalidDBInstanceState"
    code, message = _error(  # a replica has no automated backups
        lambda: rds.create_db_instance_read_replica(DBInstanceIdentifier="cascade", SourceDBInstanceIdentifier="pgrep")
    )
    assert code == "InvalidDBInstanceState" and message.startswith("Automated backups are not enabled")
    (info,) = replica["StatusInfos"]
    assert {k: info[k] for k in ("StatusType", "Status", "Normal")} == {
        "StatusType": "read replication", "Status": "replicating", "Normal": True}  # fmt: skip
    assert float(info["Message"].removeprefix("Replica lag: ").removesuffix(" seconds")) >= 0
    assert _pg_count(replica) == 1
    with _pg(source) as conn:
        conn.execute("INSERT INTO t VALUES (2)")
    _eventually(lambda: _pg_count(replica) == 2, timeout=10)
    with _pg(replica) as conn, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        conn.execute("INSERT INTO t VALUES (3)")
    assert "Replication for the Read Replica resumed." in _events(rds, "pgrep")

    # The replica's engine killed: the supervisor restarts it and it follows again.
    proc = fogbank_server.platform.supervisor.get(f"rds/{replica['DbiResourceId']}")
    os.kill(proc.pid, signal.SIGKILL)
    time.sleep(0.3)
    with _pg(source) as conn:
        conn.execute("INSERT INTO t VALUES (4)")
    _eventually(lambda: _pg_count(replica) == 3, timeout=15)

    # The source rebooted: the replica reconnects.
    rds.reboot_db_instance(DBInstanceIdentifier="pgsrc")
    source = wait_status(rds, "pgsrc", "available")
    with _pg(source) as conn:
        conn.execute("INSERT INTO t VALUES (5)")
    _eventually(lambda: _pg_count(replica) == 4, timeout=10)

    out = rds.promote_read_replica(DBInstanceIdentifier="pgrep", BackupRetentionPeriod=3)["DBInstance"]
    assert out["DBInstanceStatus"] == "modifying"
    promoted = wait_status(rds, "pgrep", "available")
    assert "ReadReplicaSourceDBInstanceIdentifier" not in promoted
    assert promoted["BackupRetentionPeriod"] == 3
    assert promoted["StatusInfos"] == []
    assert _describe(rds, "pgsrc")["ReadReplicaDBInstanceIdentifiers"] == []
    with _pg(promoted) as conn:
        conn.execute("INSERT INTO t VALUES (6)")
    assert _pg_count(promoted) == 5
    assert "Promoted Read Replica to a stand-alone database instance" in _events(rds, "pgrep")
    with _pg(source) as conn:  # the source no longer keeps WAL for it
        assert conn.execute("SELECT count(*) FROM pg_replication_slots").fetchone()[0] == 0


def test_deleting_a_source_promotes_its_replicas(rds, make_instance):
    source = make_instance("pgsrc2")
    with _pg(source) as conn:
        conn.execute("CREATE TABLE t (n int)")
    _replica(rds, "pgrep2", source["DBInstanceArn"])  # the source by ARN
    # A renamed source: its replica names it by its new identifier.
    rds.modify_db_instance(DBInstanceIdentifier="pgsrc2", NewDBInstanceIdentifier="pgsrc3", ApplyImmediately=True)
    assert _describe(rds, "pgrep2")["ReadReplicaSourceDBInstanceIdentifier"] == "pgsrc3"
    assert _describe(rds, "pgsrc3")["ReadReplicaDBInstanceIdentifiers"] == ["pgrep2"]
    wait_status(rds, "pgsrc3", "available")
    rds.delete_db_instance(DBInstanceIdentifier="pgsrc3", SkipFinalSnapshot=True)
    rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier="pgsrc3", WaiterConfig={"Delay": 1})
    replica = _eventually(
        lambda: (
            (r := _describe(rds, "pgrep2"))["DBInstanceStatus"] == "available"
            and "ReadReplicaSourceDBInstanceIdentifier" not in r
            and r
        )
    )
    with _pg(replica) as conn:
        conn.execute("INSERT INTO t VALUES (1)")
    assert "Promoted Read Replica to a stand-alone database instance" in _events(rds, "pgrep2")


def _maria_rows(instance: dict[str, Any]) -> int:
    with _maria(instance) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM shop.t")
        return cursor.fetchone()[0]


def test_mariadb_replica_follows_by_gtid_and_refuses_writes(rds, make_instance, fogbank_server):
    source = make_instance("masrc", engine="mariadb")
    with _maria(source) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE DATABASE shop")
        cursor.execute("CREATE TABLE shop.t (n int primary key)")
        cursor.execute("INSERT INTO shop.t VALUES (1)")
    replica = _replica(rds, "marep", "masrc")
    assert replica["StatusInfos"][0]["Status"] == "replicating", replica["StatusInfos"]
    assert _maria_rows(replica) == 1
    with _maria(source) as conn, conn.cursor() as cursor:
        cursor.execute("INSERT INTO shop.t VALUES (2)")
    _eventually(lambda: _maria_rows(replica) == 2, timeout=10)
    with _maria(replica) as conn, conn.cursor() as cursor, pytest.raises(pymysql.err.OperationalError) as refused:
        cursor.execute("INSERT INTO shop.t VALUES (3)")
    assert refused.value.args[0] == 1290  # ER_OPTION_PREVENTS_STATEMENT: --read-only
    # Replication stopped by hand, then started again: RDS's events, and StatusInfos says so meanwhile.
    with _maria(replica) as conn, conn.cursor() as cursor:
        cursor.execute("STOP SLAVE")
    _eventually(lambda: "Replication has stopped." in _events(rds, "marep"), timeout=10)
    assert _describe(rds, "marep")["StatusInfos"][0]["Normal"] is False
    with _maria(replica) as conn, conn.cursor() as cursor:
        cursor.execute("START SLAVE")
    _eventually(lambda: _events(rds, "marep").count("Replication for the Read Replica resumed.") == 2, timeout=10)
    # The source moves to another port: the replica follows it there.
    port = free_port()
    rds.modify_db_instance(DBInstanceIdentifier="masrc", DBPortNumber=port, ApplyImmediately=True)
    source = _eventually(lambda: (r := _describe(rds, "masrc"))["Endpoint"]["Port"] == port and r)
    source = wait_status(rds, "masrc", "available")
    with _maria(source) as conn, conn.cursor() as cursor:
        cursor.execute("INSERT INTO shop.t VALUES (4)")
    _eventually(lambda: _maria_rows(replica) == 3, timeout=10)
    rds.promote_read_replica(DBInstanceIdentifier="marep")
    promoted = wait_status(rds, "marep", "available")
    with _maria(promoted) as conn, conn.cursor() as cursor:
        cursor.execute("INSERT INTO shop.t VALUES (3)")
    assert _maria_rows(promoted) == 4
    # Killed after its promotion, it comes back read-write (its stored settings lost read_only;
    # it keeps its binary log, without which InnoDB's XA-prepared transactions stop the start).
    os.kill(fogbank_server.platform.supervisor.get(f"rds/{promoted['DbiResourceId']}").pid, signal.SIGKILL)
    time.sleep(0.3)

    def insert() -> bool:
        with _maria(promoted) as conn, conn.cursor() as cursor:
            cursor.execute("INSERT INTO shop.t VALUES (5)")
        return True

    _eventually(insert, timeout=15)


def _error(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_refusals(rds, make_instance):
    make_instance("nobackup", BackupRetentionPeriod=0)
    code, message = _error(
        lambda: rds.create_db_instance_read_replica(DBInstanceIdentifier="r1", SourceDBInstanceIdentifier="nobackup")
    )
    assert code == "InvalidDBInstanceState"
    assert message.startswith("Automated backups are not enabled for this database instance.")
    code, _ = _error(
        lambda: rds.create_db_instance_read_replica(DBInstanceIdentifier="r1", SourceDBInstanceIdentifier="missing")
    )
    assert code == "DBInstanceNotFound"
    code, message = _error(lambda: rds.promote_read_replica(DBInstanceIdentifier="nobackup"))
    assert (code, message) == ("InvalidDBInstanceState", "DB Instance is not a read replica.")
    code, _ = _error(lambda: rds.promote_read_replica(DBInstanceIdentifier="missing"))
    assert code == "DBInstanceNotFound"


def test_fogbank_restart_brings_replicas_back_replicating():
    """Fogbank killed with -9 (its engines die with it): sources and replicas come back, and
    the replicas follow their sources again."""
    with OwnFogbank("fogbank-rds-replicas-", "4800-4899") as fogbank:
        rds = fogbank.rds
        for engine, user in (("postgres", "postgres"), ("mariadb", "admin")):
            rds.create_db_instance(DBInstanceIdentifier=f"{engine}-src", Engine=engine, DBInstanceClass="db.t3.micro",
                                   MasterUsername=user, MasterUserPassword=PASSWORD)  # fmt: skip
        pg_source, maria_source = (wait_status(rds, f"{e}-src", "available") for e in ("postgres", "mariadb"))
        with _pg(pg_source) as conn:
            conn.execute("CREATE TABLE t (n int)")
        with _maria(maria_source) as conn, conn.cursor() as cursor:
            cursor.execute("CREATE DATABASE shop")
            cursor.execute("CREATE TABLE shop.t (n int)")
        for engine in ("postgres", "mariadb"):
            rds.create_db_instance_read_replica(DBInstanceIdentifier=f"{engine}-rep",
                                                SourceDBInstanceIdentifier=f"{engine}-src")  # fmt: skip
        for engine in ("postgres", "mariadb"):
            wait_status(rds, f"{engine}-rep", "available")
        fogbank.restart()
        pg_source, maria_source, pg_replica, maria_replica = (
            wait_status(rds, name, "available")
            for name in ("postgres-src", "mariadb-src", "postgres-rep", "mariadb-rep")
        )
        with _pg(pg_source) as conn:
            conn.execute("INSERT INTO t VALUES (1)")
        with _maria(maria_source) as conn, conn.cursor() as cursor:
            cursor.execute("INSERT INTO shop.t VALUES (1)")
        _eventually(lambda: _pg_count(pg_replica) == 1, timeout=10)
        _eventually(lambda: _maria_rows(maria_replica) == 1, timeout=10)
        for name in ("postgres-rep", "mariadb-rep"):
            assert _describe(rds, name)["StatusInfos"][0]["Status"] == "replicating"
        # Deleting a replica is fine (without a final snapshot); its source forgets it.
        code, message = _error(lambda: rds.delete_db_instance(DBInstanceIdentifier="postgres-rep",
                                                              FinalDBSnapshotIdentifier="final"))  # fmt: skip
        assert (code, message) == (
            "InvalidParameterCombination", "FinalDBSnapshotIdentifier can not be specified when deleting a replica instance")  # fmt: skip
        rds.delete_db_instance(DBInstanceIdentifier="postgres-rep", SkipFinalSnapshot=True)
        rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier="postgres-rep", WaiterConfig={"Delay": 1})
        assert _describe(rds, "postgres-src")["ReadReplicaDBInstanceIdentifiers"] == []
        with _pg(pg_source) as conn:
            assert conn.execute("SELECT count(*) FROM pg_replication_slots").fetchone()[0] == 0


@pytest.mark.parametrize("engine", ["postgres", "mariadb"])
def test_cascading_replica_follows_its_replica_source(rds, make_instance, engine):
    """A replica of a replica (RDS: once the first has backups on) follows the chain; promoting the
    middle one keeps the last one following it."""
    source = make_instance(f"{engine}-top", engine=engine)
    count = _pg_count if engine == "postgres" else _maria_rows

    def write(instance: dict[str, Any], statement: str) -> None:
        if engine == "postgres":
            with _pg(instance) as conn:
                conn.execute(statement)
        else:
            with _maria(instance) as conn, conn.cursor() as cursor:
                cursor.execute(statement)

    table = "t" if engine == "postgres" else "shop.t"
    if engine == "mariadb":
        write(source, "CREATE DATABASE shop")
    write(source, f"CREATE TABLE {table} (n int)")
    _replica(rds, f"{engine}-mid", f"{engine}-top")
    rds.modify_db_instance(DBInstanceIdentifier=f"{engine}-mid", BackupRetentionPeriod=1, ApplyImmediately=True)
    wait_status(rds, f"{engine}-mid", "available")
    last = _replica(rds, f"{engine}-end", f"{engine}-mid")
    assert _describe(rds, f"{engine}-mid")["ReadReplicaDBInstanceIdentifiers"] == [f"{engine}-end"]
    write(source, f"INSERT INTO {table} VALUES (1)")
    _eventually(lambda: count(last) == 1, timeout=10)
    rds.promote_read_replica(DBInstanceIdentifier=f"{engine}-mid")
    middle = wait_status(rds, f"{engine}-mid", "available")
    write(middle, f"INSERT INTO {table} VALUES (2)")
    _eventually(lambda: count(last) == 2, timeout=10)
    assert _describe(rds, f"{engine}-end")["ReadReplicaSourceDBInstanceIdentifier"] == f"{engine}-mid"
