"""Aurora Serverless v2 through boto3: ServerlessV2ScalingConfiguration's ranges and AWS's errors,
db.serverless instances that really run (sized by the cluster's maximum capacity, resized when it
changes), and the catalogue (DescribeOrderableDBInstanceOptions, DescribeDBEngineVersions)."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

from tests.rds.conftest import PASSWORD, run_sql, wait_status
from tests.rds.test_aurora_clusters import ENGINES, connect, wait_cluster


def _code(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        call(**params)
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def test_scaling_configuration_ranges_and_errors(rds: Any) -> None:
    create = rds.create_db_cluster
    base = {"DBClusterIdentifier": "sv2-a", "Engine": "aurora-postgresql", "MasterUsername": "postgres",
            "MasterUserPassword": PASSWORD}  # fmt: skip
    bad = {
        (("MinCapacity", 0.5),): "Both MinCapacity and MaxCapacity must be specified when you initialize Serverless v2 "
        "scaling configuration.",
        (("MinCapacity", 0.5), ("MaxCapacity", 0.5)): "Serverless v2 maximum capacity 0.5 isn't valid. The maximum "
        "capacity must be at least 1.0.",
        (("MinCapacity", 1), ("MaxCapacity", 300)): "Serverless v2 maximum capacity 300.0 isn't valid. The maximum "
        "capacity must be at most 256.0.",
        (("MinCapacity", -1), ("MaxCapacity", 8)): "Serverless v2 minimum capacity -1.0 isn't valid. The minimum "
        "capacity must be at least 0.0.",
        (("MinCapacity", 1.3), ("MaxCapacity", 8)): "Serverless v2 minimum capacity 1.3 isn't valid. Capacity is set "
        "in half-step increments of ACUs.",
        (("MinCapacity", 16), ("MaxCapacity", 8)): "Serverless v2 minimum capacity 16.0 isn't valid. The minimum "
        "capacity can't be more than the maximum capacity 8.0.",
        (("MinCapacity", 0), ("MaxCapacity", 8), ("SecondsUntilAutoPause", 10)): "SecondsUntilAutoPause 10 isn't "
        "valid. Specify a value between 300 and 86400 seconds.",
    }  # fmt: skip
    for config, message in bad.items():
        assert _code(create, **base, ServerlessV2ScalingConfiguration=dict(config)) == (
            "InvalidParameterValue",
            message,
        )
    assert _code(create, **base, ServerlessV2ScalingConfiguration={"MinCapacity": float("nan"), "MaxCapacity": 2})[
        0] == "InvalidParameterValue"  # fmt: skip
    assert not rds.describe_db_clusters()["DBClusters"]

    cluster = create(**base, ServerlessV2ScalingConfiguration={"MinCapacity": 0, "MaxCapacity": 256})["DBCluster"]
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.0, "MaxCapacity": 256.0,
                                                           "SecondsUntilAutoPause": 300}  # fmt: skip
    wait_cluster(rds, "sv2-a")
    modify = rds.modify_db_cluster
    assert modify(DBClusterIdentifier="sv2-a", ServerlessV2ScalingConfiguration={"MinCapacity": 2})["DBCluster"][
        "ServerlessV2ScalingConfiguration"] == {"MinCapacity": 2.0, "MaxCapacity": 256.0}  # fmt: skip
    assert _code(modify, DBClusterIdentifier="sv2-a", ServerlessV2ScalingConfiguration={"MaxCapacity": 1.5})[1] == (
        "Serverless v2 minimum capacity 2.0 isn't valid. The minimum capacity can't be more than the maximum "
        "capacity 1.5.")  # fmt: skip
    shown = modify(
        DBClusterIdentifier="sv2-a", ServerlessV2ScalingConfiguration={"MinCapacity": 0, "SecondsUntilAutoPause": 3600}
    )
    assert shown["DBCluster"]["ServerlessV2ScalingConfiguration"] == {
        "MinCapacity": 0.0, "MaxCapacity": 256.0, "SecondsUntilAutoPause": 3600}  # fmt: skip
    assert wait_cluster(rds, "sv2-a")["ServerlessV2ScalingConfiguration"]["SecondsUntilAutoPause"] == 3600

    # db.serverless needs the cluster's configuration, and a cluster.
    rds.create_db_cluster(**{**base, "DBClusterIdentifier": "sv2-none"})
    wait_cluster(rds, "sv2-none")
    assert _code(rds.create_db_instance, DBInstanceIdentifier="sv2-none-0", DBClusterIdentifier="sv2-none",
                 Engine="aurora-postgresql", DBInstanceClass="db.serverless") == (
        "InvalidDBClusterStateFault", "Set the Serverless v2 scaling configuration on the parent DB cluster before "
        "creating a Serverless v2 DB instance.")  # fmt: skip
    assert _code(rds.create_db_instance, DBInstanceIdentifier="lone", Engine="postgres", MasterUsername="postgres",
                 MasterUserPassword=PASSWORD, DBInstanceClass="db.serverless", AllocatedStorage=20)[0] == (
        "InvalidParameterCombination")  # fmt: skip
    for name in ("sv2-a", "sv2-none"):
        rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)


def max_connections(engine: str, port: int) -> int:
    with connect(engine, "127.0.0.1", port) as conn:
        if engine == "aurora-postgresql":
            return int(run_sql(conn, "SHOW max_connections")[0][0])
        return int(run_sql(conn, "SELECT @@max_connections")[0][0])


@pytest.mark.parametrize("engine", ["aurora-postgresql", "aurora-mysql"])
def test_serverless_instances_run_with_their_maximum_capacity(rds: Any, engine: str) -> None:
    """RDS's formulas over MaxCapacity x 2 GiB (x 0.9, as for every class): PostgreSQL
    LEAST(memory/9531392, 5000), MySQL memory/12582880; a new maximum reaches the running instances."""
    name = "sv2-pg" if engine == "aurora-postgresql" else "sv2-my"
    per_gib = 1024**3 * 0.9 / (9531392 if engine == "aurora-postgresql" else 12582880)
    rds.create_db_cluster(DBClusterIdentifier=name, Engine=engine, MasterUsername=ENGINES[engine],
                          MasterUserPassword=PASSWORD, DatabaseName="shop",
                          ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 2})  # fmt: skip
    wait_cluster(rds, name)
    for n in range(2):
        made = rds.create_db_instance(DBInstanceIdentifier=f"{name}-{n}", DBClusterIdentifier=name, Engine=engine,
                                      DBInstanceClass="db.serverless")["DBInstance"]  # fmt: skip
        assert made["DBInstanceClass"] == "db.serverless"
        wait_status(rds, f"{name}-{n}", "available")
    cluster = wait_cluster(rds, name)
    with connect(engine, "127.0.0.1", cluster["Port"]) as conn:  # the writer, through the cluster endpoint
        run_sql(conn, "CREATE TABLE t (n INT)")
        run_sql(conn, "INSERT INTO t VALUES (1)")
    reader = wait_status(rds, f"{name}-1", "available")
    assert max_connections(engine, reader["Endpoint"]["Port"]) == int(4 * per_gib)

    rds.modify_db_cluster(DBClusterIdentifier=name, ServerlessV2ScalingConfiguration={"MaxCapacity": 1})
    wait_cluster(rds, name)
    writer = wait_status(rds, f"{name}-0", "available")
    if engine == "aurora-mysql":  # MariaDB takes it live
        assert max_connections(engine, writer["Endpoint"]["Port"]) == int(2 * per_gib)
    else:  # PostgreSQL's max_connections waits for a restart, as a static parameter does
        assert writer["DBParameterGroups"][0]["ParameterApplyStatus"] == "pending-reboot"
        assert max_connections(engine, writer["Endpoint"]["Port"]) == int(4 * per_gib)
        rds.reboot_db_instance(DBInstanceIdentifier=f"{name}-0")
        writer = wait_status(rds, f"{name}-0", "available")
        assert max_connections(engine, writer["Endpoint"]["Port"]) == int(2 * per_gib)
    for n in (1, 0):
        rds.delete_db_instance(DBInstanceIdentifier=f"{name}-{n}", SkipFinalSnapshot=True)


def test_serverless_in_the_catalogue(rds: Any) -> None:
    options = rds.describe_orderable_db_instance_options(Engine="aurora-postgresql", DBInstanceClass="db.serverless")[
        "OrderableDBInstanceOptions"]  # fmt: skip
    assert options and {(o["StorageType"], o["SupportsClusters"]) for o in options} == {("aurora", True)}
    assert "MinStorageSize" not in options[0]
    pages = rds.get_paginator("describe_orderable_db_instance_options").paginate(Engine="aurora-mysql")
    assert "db.serverless" in {o["DBInstanceClass"] for page in pages for o in page["OrderableDBInstanceOptions"]}
    assert not rds.describe_orderable_db_instance_options(Engine="postgres", DBInstanceClass="db.serverless")[
        "OrderableDBInstanceOptions"]  # fmt: skip
    for version in rds.describe_db_engine_versions(Engine="aurora-mysql")["DBEngineVersions"]:
        assert version["ServerlessV2FeaturesSupport"] == {"MinCapacity": 0.0, "MaxCapacity": 256.0}
    assert (
        "ServerlessV2FeaturesSupport" not in rds.describe_db_engine_versions(Engine="postgres")["DBEngineVersions"][0]
    )
