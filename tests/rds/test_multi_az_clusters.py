"""Multi-AZ DB clusters (engines postgres and mysql): CreateDBCluster makes the writer and two readable
standbys itself, named as RDS names them, in three zones; the cluster and reader endpoints; a commit
acknowledged only once a reader has it; FailoverDBCluster and the writer's death with no acknowledged
commit lost; RebootDBCluster, a new class, stop/start, deletion with its instances; the instances
refusing instance operations; AWS's errors; Fogbank restarted."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import psycopg
import pymysql
import pytest

from tests.rds.conftest import PASSWORD, OwnFogbank, run_sql, wait_status
from tests.rds.test_aurora_clusters import Writer, _code, connect, wait_cluster, wait_rows

# The Aurora tests' helpers speak PostgreSQL for "aurora-postgresql", MySQL's protocol otherwise.
FLAVOR = {"postgres": "aurora-postgresql", "mysql": "aurora-mysql"}
USER = {"postgres": "postgres", "mysql": "admin"}
STORAGE = {"DBClusterInstanceClass": "db.m6gd.large", "AllocatedStorage": 100, "StorageType": "io1", "Iops": 1000}


def make_cluster(rds: Any, name: str, engine: str, **params: Any) -> dict[str, Any]:
    created = rds.create_db_cluster(DBClusterIdentifier=name, Engine=engine, MasterUsername=USER[engine],
                                    MasterUserPassword=PASSWORD, DatabaseName="shop",
                                    **{k: v for k, v in {**STORAGE, **params}.items() if v is not None})  # fmt: skip
    assert created["DBCluster"]["Status"] == "creating"
    return wait_cluster(rds, name)


def members(rds: Any, name: str) -> dict[str, dict[str, Any]]:
    found = rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [name]}])["DBInstances"]
    return {i["DBInstanceIdentifier"]: i for i in found}


def writer_of(cluster: dict[str, Any]) -> list[str]:
    return [m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"] if m["IsClusterWriter"]]


def wait_quorum(fogbank_server: Any, identifier: str) -> Any:
    """The writer's record once it waits for its readers at each commit."""
    be = fogbank_server.platform.service("rds").backend
    deadline = time.monotonic() + 20
    while True:
        with be.store.lock:
            record = next(r for _, r in be.store.all_records("db-instance") if r.identifier == identifier)
        if record.private.quorum_ready:
            return record
        assert time.monotonic() < deadline, "the writer's quorum never became ready"
        time.sleep(0.1)


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_a_multi_az_cluster_replicates_and_fails_over_losing_nothing(
    rds: Any, fogbank_server: Any, engine: str
) -> None:
    name = f"maz-{engine[:2]}"
    flavor = FLAVOR[engine]
    cluster = make_cluster(rds, name, engine)
    names = [f"{name}-instance-{n}" for n in (1, 2, 3)]
    assert cluster["Engine"] == engine and cluster["MultiAZ"] is True
    assert cluster["DBClusterInstanceClass"] == "db.m6gd.large"
    assert (cluster["StorageType"], cluster["AllocatedStorage"], cluster["Iops"]) == ("io1", 100, 1000)
    assert cluster["Endpoint"] == "127.0.0.1" and cluster["ReaderEndpoint"] == "127.0.0.2"
    assert sorted(m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"]) == names
    assert writer_of(cluster) == [names[0]]
    assert cluster["DBClusterParameterGroup"].startswith(f"default.{engine}")
    instances = members(rds, name)
    assert set(instances) == set(names)
    assert len({i["AvailabilityZone"] for i in instances.values()}) == 3
    for instance in instances.values():
        assert instance["DBInstanceStatus"] == "available" and instance["DBClusterIdentifier"] == name
        assert (instance["DBInstanceClass"], instance["StorageType"], instance["AllocatedStorage"]) == (
            "db.m6gd.large", "io1", 100)  # fmt: skip
        assert "ReadReplicaSourceDBInstanceIdentifier" not in instance

    port = cluster["Port"]
    with connect(flavor, "127.0.0.1", port) as conn:
        run_sql(conn, "CREATE TABLE t (n INT PRIMARY KEY)")
        run_sql(conn, "INSERT INTO t VALUES (0)")
    for reader in names[1:]:  # readable standbys, read-only
        reader_port = instances[reader]["Endpoint"]["Port"]
        assert wait_rows(flavor, "127.0.0.1", reader_port, {0}) == {0}
        with connect(flavor, "127.0.0.1", reader_port) as conn, pytest.raises(Exception, match="read.only|read-only"):
            run_sql(conn, "INSERT INTO t VALUES (99)")
    with connect(flavor, "127.0.0.2", port) as conn:  # the reader endpoint reaches a reader
        assert {row[0] for row in run_sql(conn, "SELECT n FROM t")} == {0}

    # A commit is acknowledged once one of the two readers has it.
    wait_quorum(fogbank_server, names[0])
    with connect(flavor, "127.0.0.1", port) as conn:
        if engine == "postgres":
            quorum = run_sql(conn, "SHOW synchronous_standby_names")[0][0]
            assert quorum in (f'ANY 1 ("{names[1]}", "{names[2]}")', f'ANY 1 ("{names[2]}", "{names[1]}")')
        else:
            assert run_sql(conn, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'")[0][1] == "ON"

    # FailoverDBCluster under a write load through the cluster endpoint.
    writer = Writer(flavor, port)
    writer.start()
    try:
        time.sleep(0.5)
        rds.failover_db_cluster(DBClusterIdentifier=name, TargetDBInstanceIdentifier=names[2])
        after = wait_cluster(rds, name)
        count, deadline = len(writer.acked), time.monotonic() + 20
        while len(writer.acked) < count + 20:
            assert time.monotonic() < deadline, "no writes through the cluster endpoint after the failover"
            time.sleep(0.05)
    finally:
        writer.stop.set()
        writer.join(10)
    assert writer_of(after) == [names[2]]
    acked = set(writer.acked) | {0}
    with connect(flavor, "127.0.0.1", wait_status(rds, names[2], "available")["Endpoint"]["Port"]) as conn:
        rows = {row[0] for row in run_sql(conn, "SELECT n FROM t")}
    assert acked <= rows, f"lost {sorted(acked - rows)[:10]}"
    old = wait_status(rds, names[0], "available", timeout=90)  # back, as a reader of the new writer
    assert acked <= wait_rows(flavor, "127.0.0.1", old["Endpoint"]["Port"], acked)

    # DeleteDBCluster deletes its instances too; nothing is left listening.
    rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)
    deadline = time.monotonic() + 60
    while rds.describe_db_clusters(Filters=[{"Name": "db-cluster-id", "Values": [name]}])["DBClusters"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert members(rds, name) == {}
    with pytest.raises((psycopg.OperationalError, pymysql.err.OperationalError)):
        connect(flavor, "127.0.0.1", port, timeout=1)
    for instance in instances.values():  # nor on any instance's port
        with pytest.raises((psycopg.OperationalError, pymysql.err.OperationalError)):
            connect(flavor, "127.0.0.1", instance["Endpoint"]["Port"], timeout=1)


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_the_writers_death_fails_over_losing_no_acknowledged_commit(rds: Any, fogbank_server: Any, engine: str) -> None:
    name = f"mazdie-{engine[:2]}"
    flavor = FLAVOR[engine]
    cluster = make_cluster(rds, name, engine, StorageType="gp3", Iops=None)
    assert (cluster["StorageType"], cluster["Iops"], cluster["StorageThroughput"]) == ("gp3", 3000, 125)
    port = cluster["Port"]
    with connect(flavor, "127.0.0.1", port) as conn:
        run_sql(conn, "CREATE TABLE t (n INT PRIMARY KEY)")
    record = wait_quorum(fogbank_server, f"{name}-instance-1")
    be = fogbank_server.platform.service("rds").backend
    writer = Writer(flavor, port)
    writer.start()
    try:
        deadline = time.monotonic() + 20
        while len(writer.acked) < 100:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(fogbank_server.platform.supervisor.get(be.process_name(record)).pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while True:
            found = writer_of(rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0])
            if found and found != [f"{name}-instance-1"]:
                break
            assert time.monotonic() < deadline, found
            time.sleep(0.1)
        count, deadline = len(writer.acked), time.monotonic() + 20
        while len(writer.acked) < count + 50:
            assert time.monotonic() < deadline, "no writes through the cluster endpoint after the failover"
            time.sleep(0.05)
    finally:
        writer.stop.set()
        writer.join(10)
    acked = set(writer.acked)
    with connect(flavor, "127.0.0.1", wait_status(rds, found[0], "available")["Endpoint"]["Port"]) as conn:
        rows = {row[0] for row in run_sql(conn, "SELECT n FROM t")}
    assert acked <= rows, f"lost {len(acked - rows)} acknowledged commits: {sorted(acked - rows)[:10]}"
    messages = [e["Message"] for e in rds.describe_events(SourceIdentifier=name, SourceType="db-cluster")["Events"]]
    assert f"Completed failover to DB instance: {found[0]}" in messages
    wait_status(rds, f"{name}-instance-1", "available", timeout=90)
    rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)


def test_reboot_modify_stop_and_start(rds: Any) -> None:
    name = "maz-ops"
    cluster = make_cluster(rds, name, "postgres")
    port = cluster["Port"]
    with connect("aurora-postgresql", "127.0.0.1", port) as conn:
        run_sql(conn, "CREATE TABLE t (n INT)")
        run_sql(conn, "INSERT INTO t VALUES (1)")
        before = int(run_sql(conn, "SHOW max_connections")[0][0])

    assert rds.reboot_db_cluster(DBClusterIdentifier=name)["DBCluster"]["Status"] == "rebooting"
    wait_cluster(rds, name)
    messages = [e["Message"] for e in rds.describe_events(SourceIdentifier=name, SourceType="db-cluster")["Events"]]
    assert "DB cluster restarted" in messages
    with connect("aurora-postgresql", "127.0.0.1", port) as conn:
        run_sql(conn, "INSERT INTO t VALUES (2)")

    # A bigger class for every instance (restarted, readers first), more storage recorded.
    out = rds.modify_db_cluster(DBClusterIdentifier=name, DBClusterInstanceClass="db.m6gd.2xlarge",
                                AllocatedStorage=200, ApplyImmediately=True)["DBCluster"]  # fmt: skip
    assert out["DBClusterInstanceClass"] == "db.m6gd.2xlarge" and out["Status"] == "modifying"
    wait_cluster(rds, name)
    for instance in members(rds, name).values():
        assert instance["DBInstanceStatus"] == "available"
        assert (instance["DBInstanceClass"], instance["AllocatedStorage"]) == ("db.m6gd.2xlarge", 200)
    with connect("aurora-postgresql", "127.0.0.1", port) as conn:
        assert int(run_sql(conn, "SHOW max_connections")[0][0]) > before
        run_sql(conn, "INSERT INTO t VALUES (3)")
    reader = wait_status(rds, f"{name}-instance-2", "available")
    assert wait_rows("aurora-postgresql", "127.0.0.1", reader["Endpoint"]["Port"], {1, 2, 3}) == {1, 2, 3}

    rds.stop_db_cluster(DBClusterIdentifier=name)
    wait_cluster(rds, name, "stopped")
    assert {i["DBInstanceStatus"] for i in members(rds, name).values()} == {"stopped"}
    rds.start_db_cluster(DBClusterIdentifier=name)
    wait_cluster(rds, name)
    with connect("aurora-postgresql", "127.0.0.1", port) as conn:
        run_sql(conn, "INSERT INTO t VALUES (4)")
    assert wait_rows("aurora-postgresql", "127.0.0.1", reader["Endpoint"]["Port"], {1, 2, 3, 4}) == {1, 2, 3, 4}
    rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)


def test_multi_az_cluster_errors(rds: Any) -> None:
    """RDS's refusals: what a Multi-AZ DB cluster requires, Aurora's options on it (and its options
    on Aurora), instance operations on its instances, RebootDBCluster of an Aurora cluster."""
    base = {"DBClusterIdentifier": "mz", "Engine": "postgres", "MasterUsername": "pg", "MasterUserPassword": PASSWORD}
    create = rds.create_db_cluster
    assert _code(create, **base)[:2] == ("InvalidParameterValue", "DBClusterInstanceClass is required.")
    assert _code(create, **base, DBClusterInstanceClass="db.m6gd.large")[:2] == (
        "InvalidParameterValue", "AllocatedStorage is required.")  # fmt: skip
    assert _code(create, **base, DBClusterInstanceClass="db.nope.large", AllocatedStorage=100)[0] == (
        "InvalidParameterCombination")  # fmt: skip
    assert _code(create, **base, DBClusterInstanceClass="db.m6gd.large", AllocatedStorage=100)[:2] == (
        "InvalidParameterCombination", "Invalid combination: StorageType io1 requires Iops.")  # fmt: skip
    for storage_type in ("gp2", "standard", "aurora"):
        assert _code(create, **{**base, **STORAGE, "StorageType": storage_type})[0] == "InvalidParameterValue"
    assert _code(create, **{**base, **STORAGE, "AllocatedStorage": 50})[0] == "InvalidParameterCombination"
    assert _code(create, **{**base, **STORAGE, "Iops": 100000})[0] == "InvalidParameterCombination"
    assert _code(create, **{**base, **STORAGE, "DBClusterIdentifier": "m" * 53})[0] == "InvalidParameterValue"
    assert _code(create, **base, **STORAGE, EnableHttpEndpoint=True)[:2] == (
        "InvalidParameterCombination", "EnableHttpEndpoint isn't supported for DB engine postgres.")  # fmt: skip
    assert _code(create, **base, **STORAGE, ServerlessV2ScalingConfiguration={"MinCapacity": 1, "MaxCapacity": 2}
                 )[0] == "InvalidParameterCombination"  # fmt: skip
    aurora = {**base, "Engine": "aurora-postgresql"}
    assert _code(create, **aurora, DBClusterInstanceClass="db.m6gd.large")[:2] == (
        "InvalidParameterCombination", "DBClusterInstanceClass isn't supported for DB engine aurora-postgresql.")  # fmt: skip
    assert _code(create, **aurora, StorageType="io1")[0] == "InvalidParameterValue"

    rds.create_db_cluster(**base, **STORAGE)
    wait_cluster(rds, "mz")
    assert _code(create, **base, **STORAGE)[0] == "DBClusterAlreadyExistsFault"
    member = "mz-instance-2"
    assert _code(rds.create_db_instance, DBInstanceIdentifier="mz-4", DBClusterIdentifier="mz", Engine="postgres",
                 DBInstanceClass="db.m6gd.large") == (
        "InvalidParameterValue",
        "CreateDBInstance can't be used to create a DB instance in a Multi-AZ DB cluster. Use CreateDBCluster instead.",
        400)  # fmt: skip
    assert _code(rds.modify_db_instance, DBInstanceIdentifier=member, AllocatedStorage=300)[:2] == (
        "InvalidParameterValue",
        "ModifyDBInstance can't be used to modify a DB instance in a Multi-AZ DB cluster. Use ModifyDBCluster instead.")  # fmt: skip
    assert _code(rds.delete_db_instance, DBInstanceIdentifier=member, SkipFinalSnapshot=True)[0] == (
        "InvalidParameterValue")  # fmt: skip
    assert _code(rds.create_db_snapshot, DBInstanceIdentifier=member, DBSnapshotIdentifier="s1")[0] == (
        "InvalidParameterValue")  # fmt: skip
    assert _code(rds.promote_read_replica, DBInstanceIdentifier=member)[0] == "InvalidParameterValue"
    assert _code(rds.create_db_instance_read_replica, DBInstanceIdentifier="rr", SourceDBInstanceIdentifier=member
                 )[0] == "InvalidParameterValue"  # fmt: skip
    assert _code(rds.stop_db_instance, DBInstanceIdentifier=member)[0] == "InvalidParameterCombination"
    # A reboot is the one instance operation a member takes.
    assert rds.reboot_db_instance(DBInstanceIdentifier=member)["DBInstance"]["DBInstanceStatus"] == "rebooting"
    wait_status(rds, member, "available")
    modify = rds.modify_db_cluster
    assert _code(modify, DBClusterIdentifier="mz", StorageType="gp2")[0] == "InvalidParameterValue"
    assert _code(modify, DBClusterIdentifier="mz", AllocatedStorage=50)[0] == "InvalidParameterValue"
    assert _code(modify, DBClusterIdentifier="mz", DBClusterInstanceClass="db.bad.x")[0] == (
        "InvalidParameterCombination")  # fmt: skip
    assert _code(modify, DBClusterIdentifier="mz", EnableHttpEndpoint=True)[0] == "InvalidParameterCombination"
    assert _code(rds.reboot_db_cluster, DBClusterIdentifier="nope")[0] == "DBClusterNotFoundFault"

    rds.create_db_cluster(**{**aurora, "DBClusterIdentifier": "au"})
    wait_cluster(rds, "au")
    assert _code(rds.reboot_db_cluster, DBClusterIdentifier="au")[0] == "InvalidParameterCombination"
    assert _code(modify, DBClusterIdentifier="au", DBClusterInstanceClass="db.m6gd.large")[0] == (
        "InvalidParameterCombination")  # fmt: skip
    rds.delete_db_cluster(DBClusterIdentifier="au", SkipFinalSnapshot=True)
    rds.delete_db_cluster(DBClusterIdentifier="mz", SkipFinalSnapshot=True)
    assert _code(rds.reboot_db_cluster, DBClusterIdentifier="mz")[0] in (
        "InvalidDBClusterStateFault", "DBClusterNotFoundFault")  # fmt: skip


def test_bad_inputs_never_answer_500(rds: Any) -> None:
    """A fuzz of CreateDBCluster / ModifyDBCluster's Multi-AZ inputs: always a 400-class AWS error."""
    import random

    rng = random.Random(13)
    classes = ["db.m6gd.large", "db.t3.micro", "db.x", "", "db.serverless", "db.m6gd.large " * 2]
    types = ["io1", "io2", "gp3", "gp2", "", "IO1", "aurora", "standard"]
    for n in range(40):
        params: dict[str, Any] = {"DBClusterIdentifier": f"fz{n}", "Engine": rng.choice(["postgres", "mysql"]),
                                  "MasterUsername": "fuzzer", "MasterUserPassword": PASSWORD}  # fmt: skip
        for key, values in (("DBClusterInstanceClass", classes), ("StorageType", types),
                            ("AllocatedStorage", [0, 1, 19, 100, 65537, -5]),
                            ("Iops", [0, 999, 1000, 5000, 10**7, -1])):  # fmt: skip
            if rng.random() < 0.8:
                params[key] = rng.choice(values)
        if params.get("AllocatedStorage") == 100 and params.get("Iops") in (1000, 5000):
            params["DBClusterInstanceClass"] = "db.x"  # keep every case a refusal
        try:
            rds.create_db_cluster(**params)
        except Exception as error:
            status = getattr(error, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status is None:  # refused by botocore's own validation before sending
                continue
            assert 400 <= status < 500, (params, error)
        else:
            raise AssertionError(f"accepted {params}")


def test_a_multi_az_cluster_comes_back_after_fogbank_is_killed() -> None:
    with OwnFogbank("fogbank-rds-maz-", "8600-8699") as fogbank:
        rds = fogbank.rds
        cluster = make_cluster(rds, "mazback", "postgres", Port=8699)  # not 5432: another Fogbank may take it
        with connect("aurora-postgresql", "127.0.0.1", cluster["Port"]) as conn:
            run_sql(conn, "CREATE TABLE t (n INT)")
            run_sql(conn, "INSERT INTO t VALUES (1)")
        fogbank.restart()
        cluster = wait_cluster(rds, "mazback")
        instances = {i: wait_status(rds, i, "available") for i in (f"mazback-instance-{n}" for n in (1, 2, 3))}
        deadline = time.monotonic() + 30
        while True:
            try:
                with connect("aurora-postgresql", "127.0.0.1", cluster["Port"]) as conn:
                    run_sql(conn, "INSERT INTO t VALUES (2)")
                break
            except psycopg.OperationalError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        for identifier in ("mazback-instance-2", "mazback-instance-3"):
            port = instances[identifier]["Endpoint"]["Port"]
            assert wait_rows("aurora-postgresql", "127.0.0.1", port, {1, 2}) == {1, 2}
        rds.delete_db_cluster(DBClusterIdentifier="mazback", SkipFinalSnapshot=True)
        deadline = time.monotonic() + 60
        while rds.describe_db_clusters()["DBClusters"] or rds.describe_db_instances()["DBInstances"]:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        leftovers = [p for p in (fogbank.root / "data").rglob("*") if "mazback" in p.name]
        assert leftovers == [], leftovers
