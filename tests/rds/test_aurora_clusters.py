"""Aurora DB clusters: a writer and readers that are real replicas, the cluster endpoint (always the
writer) and the reader endpoint, FailoverDBCluster under a write load with no acknowledged commit
lost, the writer's deletion handing over to a reader, stop/start, and AWS's errors."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import botocore.exceptions
import psycopg
import pymysql
import pytest

from tests.rds.conftest import PASSWORD, OwnFogbank, run_sql, wait_status

ENGINES = {"aurora-postgresql": "postgres", "aurora-mysql": "admin"}


def wait_cluster(rds: Any, identifier: str, status: str = "available", timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        cluster = rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
        if cluster["Status"] == status:
            return cluster
        assert time.monotonic() < deadline, f"{identifier} still {cluster['Status']}"
        time.sleep(0.1)


def connect(engine: str, host: str, port: int, timeout: int = 3) -> Any:
    if engine == "aurora-postgresql":
        return psycopg.connect(host=host, port=port, user="postgres", password=PASSWORD, dbname="shop",
                               autocommit=True, connect_timeout=timeout)  # fmt: skip
    return pymysql.connect(host=host, port=port, user="admin", password=PASSWORD, database="shop", autocommit=True,
                           connect_timeout=timeout, read_timeout=15, write_timeout=15)  # fmt: skip


def server_id(engine: str, conn: Any) -> str:
    """Which engine answers: PostgreSQL's data directory's system identifier differs per copy only
    for initdb, so its port is asked instead; MariaDB's server_id is per instance."""
    if engine == "aurora-postgresql":
        return str(run_sql(conn, "SELECT current_setting('port')")[0][0])
    return str(run_sql(conn, "SELECT @@server_id")[0][0])


def make_cluster(rds: Any, name: str, engine: str, readers: int) -> dict[str, Any]:
    rds.create_db_cluster(DBClusterIdentifier=name, Engine=engine, MasterUsername=ENGINES[engine],
                          MasterUserPassword=PASSWORD, DatabaseName="shop")  # fmt: skip
    wait_cluster(rds, name)
    for n in range(readers + 1):
        rds.create_db_instance(DBInstanceIdentifier=f"{name}-{n}", DBClusterIdentifier=name, Engine=engine,
                               DBInstanceClass="db.r6g.large", PromotionTier=n)  # fmt: skip
        wait_status(rds, f"{name}-{n}", "available")
    return wait_cluster(rds, name)


class Writer(threading.Thread):
    """Inserts 1, 2, 3, ... through the cluster endpoint, reconnecting after errors; ``acked``
    holds every insert whose commit the server acknowledged."""

    def __init__(self, engine: str, port: int) -> None:
        super().__init__(daemon=True)
        self.engine, self.port = engine, port
        self.acked: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        n, conn = 0, None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = connect(self.engine, "127.0.0.1", self.port, timeout=2)
                n += 1
                run_sql(conn, "INSERT INTO t VALUES (?)", n)
                self.acked.append(n)
            except Exception:
                conn = None
                time.sleep(0.02)


def wait_rows(engine: str, host: str, port: int, wanted: set[int], timeout: float = 20) -> set[int]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with connect(engine, host, port) as conn:
                seen = {row[0] for row in run_sql(conn, "SELECT n FROM t")}
        except Exception:
            seen = set()
        if wanted <= seen or time.monotonic() > deadline:
            return seen
        time.sleep(0.1)


@pytest.mark.parametrize("engine", ["aurora-postgresql", "aurora-mysql"])
def test_cluster_endpoints_and_failover_lose_nothing(rds: Any, engine: str) -> None:
    name = "aur-pg" if engine == "aurora-postgresql" else "aur-my"
    cluster = make_cluster(rds, name, engine, readers=2)
    port = cluster["Port"]
    assert cluster["Endpoint"] == "127.0.0.1" and cluster["ReaderEndpoint"] == "127.0.0.2"
    members = {m["DBInstanceIdentifier"]: m for m in cluster["DBClusterMembers"]}
    assert [k for k, m in members.items() if m["IsClusterWriter"]] == [f"{name}-0"]
    instances = {i["DBInstanceIdentifier"]: i for i in rds.describe_db_instances(
        Filters=[{"Name": "db-cluster-id", "Values": [name]}])["DBInstances"]}  # fmt: skip
    assert set(instances) == set(members)
    for instance in instances.values():
        assert instance["DBClusterIdentifier"] == name and instance["Engine"] == engine
        assert "ReadReplicaSourceDBInstanceIdentifier" not in instance
        assert instance["BackupRetentionPeriod"] == cluster["BackupRetentionPeriod"]

    # The cluster endpoint writes; the readers (instance endpoints and the reader endpoint) see it.
    with connect(engine, "127.0.0.1", port) as conn:
        run_sql(conn, "CREATE TABLE t (n INT PRIMARY KEY)")
        run_sql(conn, "INSERT INTO t VALUES (0)")
    reader_port = instances[f"{name}-1"]["Endpoint"]["Port"]
    assert wait_rows(engine, "127.0.0.1", reader_port, {0}) == {0}
    with connect(engine, "127.0.0.1", reader_port) as conn, pytest.raises(Exception, match="read.only|read-only"):
        run_sql(conn, "INSERT INTO t VALUES (99)")
    # The reader endpoint balances new connections across the two readers.
    answered = set()
    for _ in range(4):
        with connect(engine, "127.0.0.2", port) as conn:
            answered.add(server_id(engine, conn))
    with connect(engine, "127.0.0.1", instances[f"{name}-1"]["Endpoint"]["Port"]) as one, \
            connect(engine, "127.0.0.1", instances[f"{name}-2"]["Endpoint"]["Port"]) as two:  # fmt: skip
        assert answered == {server_id(engine, one), server_id(engine, two)}

    # A failover under a write load through the cluster endpoint: every acknowledged commit survives.
    writer = Writer(engine, port)
    writer.start()
    time.sleep(1)
    rds.failover_db_cluster(DBClusterIdentifier=name, TargetDBInstanceIdentifier=f"{name}-2")
    after = wait_cluster(rds, name)
    count, deadline = len(writer.acked), time.monotonic() + 20
    while len(writer.acked) < count + 20 and time.monotonic() < deadline:
        time.sleep(0.1)  # writes go on through the cluster endpoint, now at the new writer
    assert len(writer.acked) >= count + 20, "no writes through the cluster endpoint after the failover"
    writer.stop.set()
    writer.join(10)
    writers = [m["DBInstanceIdentifier"] for m in after["DBClusterMembers"] if m["IsClusterWriter"]]
    assert writers == [f"{name}-2"]
    acked = set(writer.acked) | {0}
    new_writer = wait_status(rds, f"{name}-2", "available")
    with connect(engine, "127.0.0.1", new_writer["Endpoint"]["Port"]) as conn:
        rows = {row[0] for row in run_sql(conn, "SELECT n FROM t")}
    assert acked <= rows, f"lost {sorted(acked - rows)[:10]}"
    # The other reader follows the new writer; the old writer comes back as a reader of it.
    old = wait_status(rds, f"{name}-0", "available", timeout=90)
    for identifier in (f"{name}-1", f"{name}-0"):
        instance = old if identifier == f"{name}-0" else wait_status(rds, identifier, "available")
        assert acked <= wait_rows(engine, "127.0.0.1", instance["Endpoint"]["Port"], acked)
    with connect(engine, "127.0.0.1", port) as conn:
        run_sql(conn, "INSERT INTO t VALUES (-1)")
    assert -1 in wait_rows(engine, "127.0.0.1", old["Endpoint"]["Port"], {-1})
    messages = [e["Message"] for e in rds.describe_events(SourceIdentifier=name, SourceType="db-cluster")["Events"]]
    assert f"Started cross AZ failover to DB instance: {name}-2" in messages
    assert f"Completed failover to DB instance: {name}-2" in messages

    # Deleting the writer hands over to a reader by promotion tier; then the cluster can go.
    rds.delete_db_instance(DBInstanceIdentifier=f"{name}-2")
    deadline = time.monotonic() + 60
    while True:
        found = rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]["DBClusterMembers"]
        if len(found) == 2 and any(m["IsClusterWriter"] for m in found):
            break
        assert time.monotonic() < deadline, found
        time.sleep(0.2)
    with connect(engine, "127.0.0.1", port) as conn:
        assert acked | {-1} <= {row[0] for row in run_sql(conn, "SELECT n FROM t")}
        run_sql(conn, "INSERT INTO t VALUES (-2)")
    with pytest.raises(botocore.exceptions.ClientError) as error:
        rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)
    assert error.value.response["Error"]["Code"] == "InvalidDBClusterStateFault"
    for m in found:
        rds.delete_db_instance(DBInstanceIdentifier=m["DBInstanceIdentifier"])
    rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)
    deadline = time.monotonic() + 60
    while rds.describe_db_clusters(Filters=[{"Name": "db-cluster-id", "Values": [name]}])["DBClusters"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    with pytest.raises((psycopg.OperationalError, pymysql.err.OperationalError)):
        connect(engine, "127.0.0.1", port, timeout=1)  # nothing listens on the cluster's port any more


def test_stop_and_start_a_cluster(rds: Any) -> None:
    make_cluster(rds, "aur-stop", "aurora-postgresql", readers=1)
    with connect("aurora-postgresql", "127.0.0.1", wait_cluster(rds, "aur-stop")["Port"]) as conn:
        run_sql(conn, "CREATE TABLE t (n INT)")
        run_sql(conn, "INSERT INTO t VALUES (7)")
    rds.stop_db_cluster(DBClusterIdentifier="aur-stop")
    wait_cluster(rds, "aur-stop", "stopped")
    assert wait_status(rds, "aur-stop-0", "stopped") and wait_status(rds, "aur-stop-1", "stopped")
    with pytest.raises(botocore.exceptions.ClientError) as error:
        rds.failover_db_cluster(DBClusterIdentifier="aur-stop")
    assert error.value.response["Error"]["Code"] == "InvalidDBClusterStateFault"
    rds.start_db_cluster(DBClusterIdentifier="aur-stop")
    cluster = wait_cluster(rds, "aur-stop")
    reader = wait_status(rds, "aur-stop-1", "available")
    assert wait_rows("aurora-postgresql", "127.0.0.1", reader["Endpoint"]["Port"], {7}) == {7}
    with connect("aurora-postgresql", "127.0.0.1", cluster["Port"]) as conn:
        run_sql(conn, "INSERT INTO t VALUES (8)")
    assert wait_rows("aurora-postgresql", "127.0.0.1", reader["Endpoint"]["Port"], {7, 8}) == {7, 8}


def _code(call: Any, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        call(**params)
    response = error.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_cluster_errors(rds: Any) -> None:
    """AWS's faults and messages for cluster operations and for instances joining a cluster."""
    assert _code(rds.describe_db_clusters, DBClusterIdentifier="nope") == (
        "DBClusterNotFoundFault", "DBCluster nope not found.", 404)  # fmt: skip
    assert _code(rds.failover_db_cluster, DBClusterIdentifier="nope")[0] == "DBClusterNotFoundFault"
    assert _code(rds.create_db_cluster, DBClusterIdentifier="c1", Engine="aurora-postgresql",
                 MasterUserPassword=PASSWORD)[:2] == (
        "InvalidParameterValue", "The parameter MasterUsername must be provided and must not be blank.")  # fmt: skip
    assert _code(rds.create_db_cluster, DBClusterIdentifier="c1", Engine="aurora-postgresql",
                 MasterUsername="admin", MasterUserPassword=PASSWORD)[1] == (
        "MasterUsername admin cannot be used as it is a reserved word used by the engine")  # fmt: skip
    assert _code(rds.create_db_cluster, DBClusterIdentifier="c1", Engine="nosuch", MasterUsername="x",
                 MasterUserPassword=PASSWORD)[:2] == ("InvalidParameterValue", "Invalid DB engine: nosuch")  # fmt: skip
    assert _code(rds.create_db_cluster, DBClusterIdentifier="c1", Engine="aurora-postgresql", MasterUsername="pg",
                 MasterUserPassword=PASSWORD, GlobalClusterIdentifier="g1")[0] == "GlobalClusterNotFoundFault"  # fmt: skip
    rds.create_db_cluster(DBClusterIdentifier="c1", Engine="aurora-mysql", MasterUsername="admin",
                          MasterUserPassword=PASSWORD, DeletionProtection=True)  # fmt: skip
    assert _code(rds.create_db_cluster, DBClusterIdentifier="C1", Engine="aurora-mysql", MasterUsername="admin",
                 MasterUserPassword=PASSWORD)[:2] == ("DBClusterAlreadyExistsFault", "DB Cluster already exists")  # fmt: skip
    cluster = wait_cluster(rds, "c1")
    assert cluster["Engine"] == "aurora-mysql" and cluster["EngineVersion"].startswith("8.0.mysql_aurora.")
    assert cluster["DBClusterParameterGroup"] == "default.aurora-mysql8.0"
    join = {"DBInstanceIdentifier": "c1-0", "DBClusterIdentifier": "c1", "Engine": "aurora-mysql",
            "DBInstanceClass": "db.r6g.large"}  # fmt: skip
    assert _code(rds.create_db_instance, **join, MasterUserPassword=PASSWORD)[:2] == (
        "InvalidParameterCombination",
        "The requested DB Instance will be a member of a DB Cluster. Set master user password for the DB Cluster.")  # fmt: skip
    assert _code(rds.create_db_instance, **{**join, "Engine": "aurora-postgresql"})[0] == "InvalidParameterCombination"
    assert _code(rds.create_db_instance, **{**join, "DBClusterIdentifier": "nope"})[0] == "DBClusterNotFoundFault"
    assert _code(rds.create_db_instance, DBInstanceIdentifier="lone", Engine="aurora-postgresql",
                 DBInstanceClass="db.r6g.large")[0] == "InvalidParameterCombination"  # fmt: skip
    assert _code(rds.failover_db_cluster, DBClusterIdentifier="c1")[0] == "InvalidDBClusterStateFault"
    assert _code(rds.delete_db_cluster, DBClusterIdentifier="c1", SkipFinalSnapshot=True)[1] == (
        "Cannot delete protected Cluster, please disable deletion protection and try again.")  # fmt: skip
    rds.modify_db_cluster(DBClusterIdentifier="c1", DeletionProtection=False)
    assert _code(rds.delete_db_cluster, DBClusterIdentifier="c1")[1] == (
        "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.")  # fmt: skip
    assert _code(rds.modify_db_cluster, DBClusterIdentifier="c1", EngineVersion="8.0")[0] == (
        "InvalidParameterCombination")  # fmt: skip
    rds.delete_db_cluster(DBClusterIdentifier="c1", SkipFinalSnapshot=True)


@pytest.mark.parametrize("engine", ["aurora-postgresql", "aurora-mysql"])
def test_the_writers_death_fails_over_with_every_acknowledged_commit(
    rds: Any, fogbank_server: Any, engine: str
) -> None:
    """The writer commits once a reader has the commit (a quorum of one): killing its process with -9
    under a write load promotes the reader that received the most, and nothing acknowledged is lost."""
    name = "die-pg" if engine == "aurora-postgresql" else "die-my"
    cluster = make_cluster(rds, name, engine, readers=2)
    port = cluster["Port"]
    with connect(engine, "127.0.0.1", port) as conn:
        run_sql(conn, "CREATE TABLE t (n INT PRIMARY KEY)")
    be = fogbank_server.platform.service("rds").backend
    deadline = time.monotonic() + 20
    while True:  # the writer waits for its readers once one is in step
        with be.store.lock:
            record = next(r for _, r in be.store.all_records("db-instance") if r.identifier == f"{name}-0")
        if record.private.quorum_ready:
            break
        assert time.monotonic() < deadline, "the writer's quorum never became ready"
        time.sleep(0.1)
    with connect(engine, "127.0.0.1", port) as conn:  # the engine's own view of the quorum
        if engine == "aurora-postgresql":
            assert run_sql(conn, "SHOW synchronous_standby_names")[0][0] == f'ANY 1 ("{name}-1", "{name}-2")'
            states = {row[0] for row in run_sql(conn, "SELECT sync_state FROM pg_stat_replication")}
            assert states == {"quorum"}
        else:
            assert run_sql(conn, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'")[0][1] == "ON"
            assert int(run_sql(conn, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'")[0][1]) == 2
    writer = Writer(engine, port)
    writer.start()
    try:
        deadline = time.monotonic() + 20
        while len(writer.acked) < 100:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(fogbank_server.platform.supervisor.get(be.process_name(record)).pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while True:
            members = rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]["DBClusterMembers"]
            writers = [m["DBInstanceIdentifier"] for m in members if m["IsClusterWriter"]]
            if writers and writers != [f"{name}-0"]:
                break
            assert time.monotonic() < deadline, members
            time.sleep(0.1)
        count, deadline = len(writer.acked), time.monotonic() + 20
        while len(writer.acked) < count + 50:
            assert time.monotonic() < deadline, "no writes through the cluster endpoint after the failover"
            time.sleep(0.05)
    finally:
        writer.stop.set()
        writer.join(10)
    acked = set(writer.acked)
    new_writer = wait_status(rds, writers[0], "available")
    with connect(engine, "127.0.0.1", new_writer["Endpoint"]["Port"]) as conn:
        rows = {row[0] for row in run_sql(conn, "SELECT n FROM t")}
    assert acked <= rows, f"lost {len(acked - rows)} acknowledged commits: {sorted(acked - rows)[:10]}"
    old = wait_status(rds, f"{name}-0", "available", timeout=90)  # back, as a reader of the new writer
    assert acked <= wait_rows(engine, "127.0.0.1", old["Endpoint"]["Port"], acked)
    messages = [e["Message"] for e in rds.describe_events(SourceIdentifier=name, SourceType="db-cluster")["Events"]]
    assert f"Completed failover to DB instance: {writers[0]}" in messages


def test_a_cluster_comes_back_after_fogbank_is_killed() -> None:
    """Fogbank killed with -9 (its engines die with it) and started again: the cluster's endpoints
    listen again, its writer holds what it acknowledged, and its reader replicates again."""
    with OwnFogbank("fogbank-rds-aurora-", "5300-5399") as fogbank:
        rds = fogbank.rds
        cluster = make_cluster(rds, "back", "aurora-postgresql", readers=1)
        with connect("aurora-postgresql", "127.0.0.1", cluster["Port"]) as conn:
            run_sql(conn, "CREATE TABLE t (n INT)")
            run_sql(conn, "INSERT INTO t VALUES (1)")
        fogbank.restart()
        cluster = wait_cluster(rds, "back")
        reader = wait_status(rds, "back-1", "available")
        wait_status(rds, "back-0", "available")
        deadline = time.monotonic() + 30
        while True:
            try:
                with connect("aurora-postgresql", "127.0.0.1", cluster["Port"]) as conn:
                    run_sql(conn, "INSERT INTO t VALUES (2)")
                break
            except psycopg.OperationalError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert wait_rows("aurora-postgresql", "127.0.0.1", reader["Endpoint"]["Port"], {1, 2}) == {1, 2}
        with connect("aurora-postgresql", "127.0.0.2", cluster["Port"]) as conn:
            assert {row[0] for row in run_sql(conn, "SELECT n FROM t")} == {1, 2}
