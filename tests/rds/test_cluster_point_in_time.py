"""Point-in-time restore of Aurora clusters: rows committed with their commit times, across a
failover (the writer changes, the archive stays the cluster's), restored to a moment between two
of them into a new cluster whose first instance holds exactly those committed before."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import botocore.exceptions
import pytest

from tests.rds.conftest import run_sql, wait_status
from tests.rds.test_aurora_clusters import connect, make_cluster, wait_cluster
from tests.rds.test_cluster_snapshots import add_writer, error_of, rows, wait_restored
from tests.rds.test_point_in_time import quick_backups  # noqa: F401 (a fixture)

ENGINE = "aurora-postgresql"


def wait_restorable(rds: Any, name: str, moment: dt.datetime | None = None, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        cluster = rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
        latest = cluster.get("LatestRestorableTime")
        if latest and (moment is None or latest >= moment):
            return cluster
        assert time.monotonic() < deadline, cluster
        time.sleep(0.2)


def commit(port: int, n: int) -> dt.datetime:
    """Insert ``n``; answer a moment after its commit and before the next one's."""
    with connect(ENGINE, "127.0.0.1", port) as conn:
        run_sql(conn, "INSERT INTO t VALUES (?)", n)
        moment = run_sql(conn, "SELECT clock_timestamp()")[0][0]
    time.sleep(1.1)  # a whole second between commits: the API's times are whole seconds
    return moment


def restore(rds: Any, name: str, **params: Any) -> list[int]:
    out = rds.restore_db_cluster_to_point_in_time(DBClusterIdentifier=name, SourceDBClusterIdentifier="pit",
                                                  **params)["DBCluster"]  # fmt: skip
    assert out["Status"] == "creating" and out["DBClusterMembers"] == []
    wait_restored(rds, name)
    return rows(ENGINE, add_writer(rds, name, ENGINE, f"{name}-0")["Port"])


def test_restore_to_a_point_in_time_across_a_failover(rds: Any, quick_backups: Any) -> None:  # noqa: F811
    cluster = make_cluster(rds, "pit", ENGINE, readers=1)
    port = cluster["Port"]
    with connect(ENGINE, "127.0.0.1", port) as conn:
        run_sql(conn, "CREATE TABLE t (n INT PRIMARY KEY)")
    first = wait_restorable(rds, "pit")
    assert first["EarliestRestorableTime"] <= first["LatestRestorableTime"]
    before = [commit(port, n) for n in (1, 2)]
    rds.failover_db_cluster(DBClusterIdentifier="pit", TargetDBInstanceIdentifier="pit-1")
    wait_cluster(rds, "pit")
    wait_status(rds, "pit-1", "available")
    after = [commit(port, n) for n in (3, 4)]
    wait_restorable(rds, "pit", after[-1].replace(microsecond=0) + dt.timedelta(seconds=1))

    # Before the failover: the old writer's WAL; after it: the new writer's, on its new timeline.
    assert restore(rds, "pit-a", RestoreToTime=before[0].replace(microsecond=0) + dt.timedelta(seconds=1)) == [1]
    assert restore(rds, "pit-b", RestoreToTime=after[0].replace(microsecond=0) + dt.timedelta(seconds=1),
                   RestoreType="copy-on-write") == [1, 2, 3]  # fmt: skip
    assert restore(rds, "pit-c", UseLatestRestorableTime=True) == [1, 2, 3, 4]
    events = [e["Message"] for e in rds.describe_events(SourceIdentifier="pit-a", SourceType="db-cluster")["Events"]]
    assert any(m.startswith("Restored from DB cluster pit to ") for m in events)

    # AWS's errors.
    window = rds.describe_db_clusters(DBClusterIdentifier="pit")["DBClusters"][0]
    pitr = rds.restore_db_cluster_to_point_in_time
    code, message = error_of(pitr, DBClusterIdentifier="x", SourceDBClusterIdentifier="pit",
                             RestoreToTime=window["EarliestRestorableTime"] - dt.timedelta(hours=1))  # fmt: skip
    assert code == "InvalidRestoreFault" and "not within the restorable time window" in message
    assert error_of(pitr, DBClusterIdentifier="x", SourceDBClusterIdentifier="pit", UseLatestRestorableTime=True,
                    RestoreToTime=window["LatestRestorableTime"])[0] == "InvalidParameterCombination"  # fmt: skip
    assert error_of(pitr, DBClusterIdentifier="x", SourceDBClusterIdentifier="nope", UseLatestRestorableTime=True) == (
        "DBClusterNotFoundFault", "DBCluster nope not found.")  # fmt: skip
    assert error_of(pitr, DBClusterIdentifier="x", SourceDBClusterIdentifier="pit", RestoreType="clone")[0] == (
        "InvalidParameterValue")  # fmt: skip
    assert error_of(pitr, DBClusterIdentifier="pit-a", SourceDBClusterIdentifier="pit", UseLatestRestorableTime=True)[
        0] == "DBClusterAlreadyExistsFault"  # fmt: skip
    with pytest.raises(botocore.exceptions.ParamValidationError):
        pitr(SourceDBClusterIdentifier="pit")  # DBClusterIdentifier is required (boto3 checks it)


def test_aurora_mysql_clusters_are_refused_by_name(rds: Any) -> None:
    rds.create_db_cluster(DBClusterIdentifier="my", Engine="aurora-mysql", MasterUsername="admin",
                          MasterUserPassword="Secret-pass1")  # fmt: skip
    wait_cluster(rds, "my")
    code, message = error_of(rds.restore_db_cluster_to_point_in_time, DBClusterIdentifier="x",
                             SourceDBClusterIdentifier="my", UseLatestRestorableTime=True)  # fmt: skip
    assert code == "InvalidParameterCombination" and "aurora-mysql" in message
    assert error_of(rds.delete_db_cluster, DBClusterIdentifier="my", SkipFinalSnapshot=True,
                    DeleteAutomatedBackups=False)[0] == "InvalidParameterCombination"  # fmt: skip
