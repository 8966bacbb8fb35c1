"""DB cluster snapshots: a consistent copy of the writer's data, restored into a new cluster whose
first instance starts from it; copies, sharing, the final snapshot of DeleteDBCluster, a cluster
emptied of its instances keeping its data, durability across a restart, and AWS's errors."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.rds.conftest import OwnFogbank, run_sql, wait_status
from tests.rds.test_aurora_clusters import ENGINES, connect, make_cluster, wait_cluster


def wait_snapshot(rds: Any, identifier: str, status: str = "available", timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        snap = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=identifier)["DBClusterSnapshots"][0]
        if snap["Status"] == status:
            return snap
        assert snap["Status"] != "failed", snap
        assert time.monotonic() < deadline, f"{identifier} still {snap['Status']}"
        time.sleep(0.1)


def wait_gone(rds: Any, identifier: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while rds.describe_db_clusters(Filters=[{"Name": "db-cluster-id", "Values": [identifier]}])["DBClusters"]:
        assert time.monotonic() < deadline, f"{identifier} still there"
        time.sleep(0.1)


def wait_restored(rds: Any, name: str) -> dict[str, Any]:
    """The restored cluster once available; if it is not, why: its events."""
    try:
        return wait_cluster(rds, name)
    except AssertionError as error:
        events = rds.describe_events(SourceIdentifier=name, SourceType="db-cluster")["Events"]
        raise AssertionError([e["Message"] for e in events]) from error


def rows(engine: str, port: int) -> list[int]:
    with connect(engine, "127.0.0.1", port) as conn:
        return sorted(row[0] for row in run_sql(conn, "SELECT n FROM t"))


def add_writer(rds: Any, cluster: str, engine: str, name: str) -> dict[str, Any]:
    rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier=cluster, Engine=engine,
                           DBInstanceClass="db.r6g.large")  # fmt: skip
    wait_status(rds, name, "available")
    return wait_cluster(rds, cluster)


def error_of(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


@pytest.mark.parametrize("engine", ["aurora-postgresql", "aurora-mysql"])
def test_a_restored_cluster_has_what_was_committed_before_the_snapshot(rds: Any, engine: str) -> None:
    cluster = make_cluster(rds, "src", engine, readers=1)
    with connect(engine, "127.0.0.1", cluster["Port"]) as conn:
        run_sql(conn, "CREATE TABLE t (n INT PRIMARY KEY)")
        run_sql(conn, "INSERT INTO t VALUES (1)")
    made = rds.create_db_cluster_snapshot(DBClusterIdentifier="src", DBClusterSnapshotIdentifier="Snap-1",
                                          Tags=[{"Key": "k", "Value": "v"}])["DBClusterSnapshot"]  # fmt: skip
    assert made["Status"] == "creating" and made["DBClusterSnapshotIdentifier"] == "snap-1"
    snap = wait_snapshot(rds, "snap-1")
    with connect(engine, "127.0.0.1", cluster["Port"]) as conn:
        run_sql(conn, "INSERT INTO t VALUES (2)")  # after the snapshot: not in it
    assert snap["SnapshotType"] == "manual" and snap["PercentProgress"] == 100
    assert (snap["Engine"], snap["EngineVersion"], snap["MasterUsername"], snap["Port"]) == (
        engine, cluster["EngineVersion"], ENGINES[engine], cluster["Port"])  # fmt: skip
    assert snap["DBClusterSnapshotArn"] == "arn:aws:rds:us-east-1:000000000000:cluster-snapshot:snap-1"
    assert snap["DBClusterIdentifier"] == "src" and snap["DbClusterResourceId"] == cluster["DbClusterResourceId"]
    assert snap["TagList"] == [{"Key": "k", "Value": "v"}] and snap["StorageType"] == "aurora"
    assert snap["SnapshotCreateTime"] >= made["SnapshotCreateTime"]

    restored = rds.restore_db_cluster_from_snapshot(
        DBClusterIdentifier="copy", SnapshotIdentifier="snap-1", Engine=engine, DeletionProtection=True,
        Tags=[{"Key": "restored", "Value": "yes"}],
    )["DBCluster"]  # fmt: skip
    assert restored["Status"] == "creating" and restored["DBClusterMembers"] == []
    after = wait_restored(rds, "copy")
    assert after["DBClusterMembers"] == [] and after["DeletionProtection"] is True  # no instance until one is added
    assert (after["MasterUsername"], after["DatabaseName"], after["EngineVersion"]) == (
        ENGINES[engine], "shop", cluster["EngineVersion"])  # fmt: skip
    assert after["TagList"] == [{"Key": "restored", "Value": "yes"}] and after["Port"] != cluster["Port"]
    after = add_writer(rds, "copy", engine, "copy-0")
    assert rows(engine, after["Port"]) == [1]
    rds.create_db_instance(DBInstanceIdentifier="copy-1", DBClusterIdentifier="copy", Engine=engine,
                           DBInstanceClass="db.r6g.large")  # fmt: skip
    reader = wait_status(rds, "copy-1", "available")
    assert rows(engine, reader["Endpoint"]["Port"]) == [1]  # a reader of the restored writer
    with connect(engine, "127.0.0.1", after["Port"]) as conn:
        run_sql(conn, "INSERT INTO t VALUES (3)")  # the restored cluster takes writes of its own
    assert rows(engine, after["Port"]) == [1, 3] and rows(engine, cluster["Port"]) == [1, 2]
    assert error_of(rds.create_db_snapshot, DBInstanceIdentifier="copy-0", DBSnapshotIdentifier="i") == (
        "InvalidParameterValue",
        "The specified instance is a member of a cluster and a snapshot cannot be created directly. "
        "Please use the CreateDBClusterSnapshot API instead.",
    )
    messages = [e["Message"] for e in rds.describe_events(SourceIdentifier="snap-1",
                                                          SourceType="db-cluster-snapshot")["Events"]]  # fmt: skip
    assert messages == ["Creating manual cluster snapshot", "Manual cluster snapshot created"]


def test_copy_describe_share_and_delete(rds: Any, client: Any) -> None:
    rds.create_db_cluster(DBClusterIdentifier="c1", Engine="aurora-postgresql", MasterUsername="postgres",
                          MasterUserPassword="Secret-pass1", DatabaseName="shop", CopyTagsToSnapshot=True,
                          Tags=[{"Key": "team", "Value": "a"}])  # fmt: skip
    wait_cluster(rds, "c1")
    rds.create_db_cluster_snapshot(DBClusterIdentifier="c1", DBClusterSnapshotIdentifier="s1")
    rds.get_waiter("db_cluster_snapshot_available").wait(DBClusterSnapshotIdentifier="s1",
                                                         WaiterConfig={"Delay": 1})  # fmt: skip
    snap = wait_snapshot(rds, "s1")
    assert snap["TagList"] == [{"Key": "team", "Value": "a"}]  # CopyTagsToSnapshot, no tags given
    copied = rds.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier="s1", TargetDBClusterSnapshotIdentifier="s2",
                                          CopyTags=True)["DBClusterSnapshot"]  # fmt: skip
    assert copied["SourceDBClusterSnapshotArn"] == snap["DBClusterSnapshotArn"]
    assert wait_snapshot(rds, "s2")["TagList"] == [{"Key": "team", "Value": "a"}]
    rds.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier=snap["DBClusterSnapshotArn"],
                                 TargetDBClusterSnapshotIdentifier="s3", Tags=[{"Key": "x", "Value": "y"}])  # fmt: skip
    assert wait_snapshot(rds, "s3")["TagList"] == [{"Key": "x", "Value": "y"}]

    listed = rds.describe_db_cluster_snapshots(DBClusterIdentifier="c1")["DBClusterSnapshots"]
    assert [s["DBClusterSnapshotIdentifier"] for s in listed] == ["s1", "s2", "s3"]
    by_filter = rds.describe_db_cluster_snapshots(
        Filters=[{"Name": "db-cluster-snapshot-id", "Values": ["S2", snap["DBClusterSnapshotArn"]]}]
    )
    assert [s["DBClusterSnapshotIdentifier"] for s in by_filter["DBClusterSnapshots"]] == ["s1", "s2"]
    assert rds.describe_db_cluster_snapshots(SnapshotType="automated")["DBClusterSnapshots"] == []
    assert len(rds.describe_db_cluster_snapshots(SnapshotType="manual", Filters=[
        {"Name": "engine", "Values": ["aurora-postgresql"]}])["DBClusterSnapshots"]) == 3  # fmt: skip
    assert rds.list_tags_for_resource(ResourceName=snap["DBClusterSnapshotArn"])["TagList"] == snap["TagList"]
    first = rds.describe_db_cluster_snapshots(MaxRecords=20)
    assert len(first["DBClusterSnapshots"]) == 3 and "Marker" not in first

    # Sharing: the restore attribute; another account sees it with IncludeShared and restores it by ARN.
    attrs = rds.modify_db_cluster_snapshot_attribute(DBClusterSnapshotIdentifier="s1", AttributeName="restore",
                                                     ValuesToAdd=["111122223333"])  # fmt: skip
    assert attrs["DBClusterSnapshotAttributesResult"]["DBClusterSnapshotAttributes"] == [
        {"AttributeName": "restore", "AttributeValues": ["111122223333"]}]  # fmt: skip
    described = rds.describe_db_cluster_snapshot_attributes(DBClusterSnapshotIdentifier="s1")
    assert described["DBClusterSnapshotAttributesResult"] == attrs["DBClusterSnapshotAttributesResult"]
    other = client("rds", access_key="111122223333")
    assert other.describe_db_cluster_snapshots()["DBClusterSnapshots"] == []
    shared = other.describe_db_cluster_snapshots(IncludeShared=True)["DBClusterSnapshots"]
    assert [s["DBClusterSnapshotArn"] for s in shared] == [snap["DBClusterSnapshotArn"]]
    assert other.describe_db_cluster_snapshots(SnapshotType="shared")["DBClusterSnapshots"] == shared
    assert other.describe_db_cluster_snapshots(SnapshotType="public")["DBClusterSnapshots"] == []
    third = client("rds", access_key="444455556666")
    assert third.describe_db_cluster_snapshots(IncludeShared=True)["DBClusterSnapshots"] == []
    assert error_of(third.restore_db_cluster_from_snapshot, DBClusterIdentifier="r", Engine="aurora-postgresql",
                    SnapshotIdentifier=snap["DBClusterSnapshotArn"])[0] == "DBClusterSnapshotNotFoundFault"  # fmt: skip
    # The snapshot of a cluster that never had an instance is empty: its restore starts anew.
    other.restore_db_cluster_from_snapshot(DBClusterIdentifier="theirs", Engine="aurora-postgresql",
                                           SnapshotIdentifier=snap["DBClusterSnapshotArn"])  # fmt: skip
    theirs = add_writer(other, "theirs", "aurora-postgresql", "theirs-0")
    with connect("aurora-postgresql", "127.0.0.1", theirs["Port"]) as conn:
        assert run_sql(conn, "SELECT current_database(), current_user") == [("shop", "postgres")]

    # Delete: the snapshot and its files go.
    deleted = rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier="s2")["DBClusterSnapshot"]
    assert deleted["Status"] == "deleted"
    assert error_of(rds.describe_db_cluster_snapshots, DBClusterSnapshotIdentifier="s2") == (
        "DBClusterSnapshotNotFoundFault", "DBClusterSnapshot s2 not found.")  # fmt: skip


def test_the_final_snapshot_keeps_an_emptied_cluster_s_data(rds: Any) -> None:
    engine = "aurora-postgresql"
    cluster = make_cluster(rds, "fin", engine, readers=1)
    with connect(engine, "127.0.0.1", cluster["Port"]) as conn:
        run_sql(conn, "CREATE TABLE t (n INT PRIMARY KEY)")
        run_sql(conn, "INSERT INTO t VALUES (5)")
    # Every instance deleted: the cluster keeps its data (Aurora's volume outlives its instances).
    for n in (0, 1):
        rds.delete_db_instance(DBInstanceIdentifier=f"fin-{n}")
    deadline = time.monotonic() + 60
    while wait_cluster(rds, "fin")["DBClusterMembers"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert rows(engine, add_writer(rds, "fin", engine, "fin-2")["Port"]) == [5]
    with connect(engine, "127.0.0.1", cluster["Port"]) as conn:
        run_sql(conn, "INSERT INTO t VALUES (6)")

    rds.delete_db_instance(DBInstanceIdentifier="fin-2")
    assert error_of(rds.delete_db_cluster, DBClusterIdentifier="fin", SkipFinalSnapshot=True,
                    FinalDBSnapshotIdentifier="x")[0] == "InvalidParameterCombination"  # fmt: skip
    out = rds.delete_db_cluster(DBClusterIdentifier="fin", FinalDBSnapshotIdentifier="fin-final")["DBCluster"]
    assert out["Status"] == "deleting"
    wait_gone(rds, "fin")
    final = wait_snapshot(rds, "fin-final")
    assert final["DBClusterIdentifier"] == "fin" and final["SnapshotType"] == "manual"
    assert error_of(rds.create_db_cluster_snapshot, DBClusterIdentifier="fin", DBClusterSnapshotIdentifier="z") == (
        "DBClusterNotFoundFault", "DBCluster fin not found.")  # fmt: skip
    rds.restore_db_cluster_from_snapshot(DBClusterIdentifier="fin2", SnapshotIdentifier="fin-final", Engine=engine)
    assert rows(engine, add_writer(rds, "fin2", engine, "fin2-0")["Port"]) == [5, 6]


def test_errors(rds: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rds.create_db_cluster(DBClusterIdentifier="e1", Engine="aurora-mysql", MasterUsername="admin",
                          MasterUserPassword="Secret-pass1")  # fmt: skip
    wait_cluster(rds, "e1")
    create = rds.create_db_cluster_snapshot
    assert error_of(create, DBClusterIdentifier="nope", DBClusterSnapshotIdentifier="s") == (
        "DBClusterNotFoundFault", "DBCluster nope not found.")  # fmt: skip
    for bad in ("1abc", "a--b", "a-", "a" * 64, "a_b"):
        assert error_of(create, DBClusterIdentifier="e1", DBClusterSnapshotIdentifier=bad)[0] == "InvalidParameterValue"
    create(DBClusterIdentifier="e1", DBClusterSnapshotIdentifier="s")
    assert error_of(create, DBClusterIdentifier="e1", DBClusterSnapshotIdentifier="S") == (
        "DBClusterSnapshotAlreadyExistsFault",
        "Cannot create the cluster snapshot because one with the identifier s already exists.",
    )
    wait_snapshot(rds, "s")
    from fogbank.services.rds.ops import snapshots

    monkeypatch.setattr(snapshots, "SNAPSHOT_QUOTA", 1)
    assert error_of(create, DBClusterIdentifier="e1", DBClusterSnapshotIdentifier="t")[0] == "SnapshotQuotaExceeded"
    monkeypatch.undo()
    for call, params in [
        (rds.delete_db_cluster_snapshot, {"DBClusterSnapshotIdentifier": "nope"}),
        (rds.describe_db_cluster_snapshot_attributes, {"DBClusterSnapshotIdentifier": "nope"}),
        (rds.copy_db_cluster_snapshot, {"SourceDBClusterSnapshotIdentifier": "nope",
                                        "TargetDBClusterSnapshotIdentifier": "x"}),
        (rds.restore_db_cluster_from_snapshot, {"DBClusterIdentifier": "r", "SnapshotIdentifier": "nope",
                                                "Engine": "aurora-mysql"}),
        (rds.describe_db_cluster_snapshots, {"DBClusterSnapshotIdentifier": "nope"}),
    ]:  # fmt: skip
        assert error_of(call, **params) == ("DBClusterSnapshotNotFoundFault", "DBClusterSnapshot nope not found.")
    assert error_of(rds.copy_db_cluster_snapshot, SourceDBClusterSnapshotIdentifier="s",
                    TargetDBClusterSnapshotIdentifier="s")[0] == "DBClusterSnapshotAlreadyExistsFault"  # fmt: skip
    restore = rds.restore_db_cluster_from_snapshot
    assert error_of(restore, DBClusterIdentifier="e1", SnapshotIdentifier="s", Engine="aurora-mysql") == (
        "DBClusterAlreadyExistsFault", "DB Cluster already exists")  # fmt: skip
    for params, code in [
        ({"Engine": "aurora-postgresql"}, "InvalidParameterCombination"),
        ({"Engine": "aurora-mysql", "DatabaseName": "other"}, "InvalidParameterCombination"),
        ({"Engine": "aurora-mysql", "BacktrackWindow": 60}, "InvalidParameterCombination"),
        ({"Engine": "aurora-mysql", "EngineMode": "serverless"}, "InvalidParameterCombination"),
        ({"Engine": "aurora-mysql", "DBClusterInstanceClass": "db.m5d.large"}, "InvalidParameterCombination"),
        ({"Engine": "aurora-mysql", "BackupRetentionPeriod": 0}, "InvalidParameterValue"),
        ({"Engine": "aurora-mysql", "Port": 80}, "InvalidParameterValue"),
        ({"Engine": "aurora-mysql", "DBClusterParameterGroupName": "mine"}, "DBClusterParameterGroupNotFound"),
        ({"Engine": "aurora-mysql", "DBClusterIdentifier": "-bad"}, "InvalidParameterValue"),
    ]:
        assert error_of(restore, **{"DBClusterIdentifier": "r", "SnapshotIdentifier": "s", **params})[0] == code, params
    instance_snapshot = "arn:aws:rds:us-east-1:000000000000:snapshot:mine"
    assert error_of(restore, DBClusterIdentifier="r", SnapshotIdentifier=instance_snapshot, Engine="aurora-mysql")[
        0] == "InvalidParameterCombination"  # fmt: skip
    modify = rds.modify_db_cluster_snapshot_attribute
    assert error_of(modify, DBClusterSnapshotIdentifier="s", AttributeName="copy")[0] == "InvalidParameterValue"
    assert error_of(modify, DBClusterSnapshotIdentifier="s", AttributeName="restore", ValuesToAdd=["12"]) == (
        "InvalidParameterValue", "Invalid AWS account identifier: 12")  # fmt: skip
    assert error_of(rds.describe_db_cluster_snapshots, Filters=[{"Name": "bogus", "Values": ["x"]}]) == (
        "InvalidParameterValue", "Unrecognized filter name: bogus")  # fmt: skip
    assert error_of(rds.describe_db_cluster_snapshots, SnapshotType="weekly")[0] == "InvalidParameterValue"
    assert error_of(rds.delete_db_cluster, DBClusterIdentifier="e1", FinalDBSnapshotIdentifier="s")[0] == (
        "DBClusterSnapshotAlreadyExistsFault")  # fmt: skip
    assert wait_cluster(rds, "e1")["Status"] == "available"  # a refused delete changed nothing
    rds.stop_db_cluster(DBClusterIdentifier="e1")
    wait_cluster(rds, "e1", "stopped")
    assert error_of(create, DBClusterIdentifier="e1", DBClusterSnapshotIdentifier="t") == (
        "InvalidDBClusterStateFault", "DbCluster e1 is not in available state.")  # fmt: skip


def test_snapshots_survive_a_restart_and_leave_no_files_when_deleted() -> None:
    engine = "aurora-postgresql"
    with OwnFogbank("fogbank-cluster-snapshots-", "6200-6299", FOGBANK_RDS_BACKUP_INTERVAL="0.5") as fb:
        rds = fb.rds
        cluster = make_cluster(rds, "dur", engine, readers=0)
        with connect(engine, "127.0.0.1", cluster["Port"]) as conn:
            run_sql(conn, "CREATE TABLE t (n INT PRIMARY KEY)")
            run_sql(conn, "INSERT INTO t VALUES (9)")
            committed = run_sql(conn, "SELECT clock_timestamp()")[0][0]
        rds.create_db_cluster_snapshot(DBClusterIdentifier="dur", DBClusterSnapshotIdentifier="keep")
        wait_snapshot(rds, "keep")
        snapshots = Path(fb.root / "data" / "rds" / "snapshots")
        assert len(list(snapshots.iterdir())) == 1
        latest = _latest_restorable(rds, "dur", after=committed)
        fb.restart()  # kill -9, then up again
        assert wait_snapshot(rds, "keep")["Status"] == "available"
        assert _latest_restorable(rds, "dur") >= latest  # the cluster's continuous backup too
        rds.restore_db_cluster_to_point_in_time(DBClusterIdentifier="then", SourceDBClusterIdentifier="dur",
                                                UseLatestRestorableTime=True)  # fmt: skip
        assert rows(engine, add_writer(rds, "then", engine, "then-0")["Port"]) == [9]
        rds.restore_db_cluster_from_snapshot(DBClusterIdentifier="back", SnapshotIdentifier="keep", Engine=engine)
        assert rows(engine, add_writer(rds, "back", engine, "back-0")["Port"]) == [9]
        rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier="keep")
        assert list(snapshots.iterdir()) == []
        volumes = Path(fb.root / "data" / "rds" / "clusters")
        assert not volumes.exists() or list(volumes.rglob("volume")) == []  # the writer holds the data now


def test_bad_inputs_are_client_errors(client: Any) -> None:
    """Random identifiers, types and values for every cluster snapshot operation: always a 4xx."""
    import random

    rds = client("rds", parameter_validation=False)
    rds.create_db_cluster(DBClusterIdentifier="fz", Engine="aurora-postgresql", MasterUsername="postgres",
                          MasterUserPassword="Secret-pass1")  # fmt: skip
    wait_cluster(rds, "fz")
    rds.create_db_cluster_snapshot(DBClusterIdentifier="fz", DBClusterSnapshotIdentifier="fz-s")
    wait_snapshot(rds, "fz-s")
    rng = random.Random(13)
    values: list[Any] = ["", "-", "a" * 300, "arn:aws:rds:us-east-1:000000000000:cluster-snapshot:fz-s",
                         "arn:aws:rds:eu-west-1:1:cluster-snapshot:x", "arn:", "fz-s", "FZ", "ü", "a--b", 0, -1, 10**9,
                         True]  # fmt: skip
    lists: list[Any] = [[], ["x"], ["all", "12"], [{"Name": "engine"}], [{"Name": "x", "Values": []}], [{"Key": ""}],
                        [{"Key": "aws:x", "Value": "v"}], [{"Key": "k", "Value": "v"}] * 60]  # fmt: skip
    listed = {"Tags", "Filters", "ValuesToAdd", "ValuesToRemove"}
    calls = {
        "create_db_cluster_snapshot": ["DBClusterIdentifier", "DBClusterSnapshotIdentifier", "Tags"],
        "describe_db_cluster_snapshots": ["DBClusterIdentifier", "DBClusterSnapshotIdentifier", "SnapshotType",
                                          "Filters", "MaxRecords", "Marker", "IncludeShared", "DbClusterResourceId"],
        "copy_db_cluster_snapshot": ["SourceDBClusterSnapshotIdentifier", "TargetDBClusterSnapshotIdentifier",
                                     "CopyTags", "Tags"],
        "delete_db_cluster_snapshot": ["DBClusterSnapshotIdentifier"],
        "modify_db_cluster_snapshot_attribute": ["DBClusterSnapshotIdentifier", "AttributeName", "ValuesToAdd",
                                                 "ValuesToRemove"],
        "describe_db_cluster_snapshot_attributes": ["DBClusterSnapshotIdentifier"],
        "restore_db_cluster_from_snapshot": ["DBClusterIdentifier", "SnapshotIdentifier", "Engine", "EngineVersion",
                                             "Port", "DatabaseName", "Tags", "BackupRetentionPeriod",
                                             "DeletionProtection", "DBSubnetGroupName"],
        "delete_db_cluster": ["DBClusterIdentifier", "FinalDBSnapshotIdentifier", "SkipFinalSnapshot"],
    }  # fmt: skip
    for _ in range(150):
        name = rng.choice(sorted(calls))
        params = {key: rng.choice(lists if key in listed else values) for key in calls[name] if rng.random() < 0.7}
        try:
            getattr(rds, name)(**params)
        except botocore.exceptions.ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            assert 400 <= status < 500, (name, params, error.response["Error"])
        except (KeyError, AttributeError, TypeError):
            pass  # a shape botocore itself cannot serialize: never sent


def _latest_restorable(rds: Any, name: str, after: Any = None, timeout: float = 30) -> Any:
    """The cluster's LatestRestorableTime once it has one (later than ``after``, to the second)."""
    deadline = time.monotonic() + timeout
    while True:
        cluster = rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
        latest = cluster.get("LatestRestorableTime")
        if latest and (after is None or latest > after):
            return cluster["LatestRestorableTime"]
        assert time.monotonic() < deadline, cluster
        time.sleep(0.2)
