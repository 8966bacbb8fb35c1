"""Aurora global databases: CreateGlobalCluster from a cluster, a secondary cluster in another region
replicating from the primary (read-only), a primary failover the secondary follows, a switchover that
loses nothing and turns the old primary into a secondary, RemoveFromGlobalCluster making a secondary
writable, DeleteGlobalCluster, and AWS's faults."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import boto3
import botocore.exceptions
import pytest

from tests.rds.conftest import PASSWORD, run_sql, wait_status
from tests.rds.test_aurora_clusters import ENGINES, _code, connect, wait_cluster, wait_rows


def wait_global(rds: Any, identifier: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = rds.describe_global_clusters(GlobalClusterIdentifier=identifier)["GlobalClusters"][0]
        if found["Status"] == "available":
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.1)


def instance_port(rds: Any, identifier: str) -> int:
    return int(wait_status(rds, identifier, "available", timeout=90)["Endpoint"]["Port"])


@pytest.mark.parametrize("engine", ["aurora-postgresql", "aurora-mysql"])
def test_a_global_database_replicates_to_another_region_and_switches_over(
    client: Callable[..., Any], engine: str
) -> None:
    east, west = client("rds", "us-east-1"), client("rds", "us-west-2")
    tag = engine.split("-")[1][:2]
    g, primary, secondary = f"glob-{tag}", f"east-{tag}", f"west-{tag}"
    east.create_db_cluster(DBClusterIdentifier=primary, Engine=engine, MasterUsername=ENGINES[engine],
                           MasterUserPassword=PASSWORD, DatabaseName="shop")  # fmt: skip
    for n in range(2):
        east.create_db_instance(DBInstanceIdentifier=f"{primary}-{n}", DBClusterIdentifier=primary, Engine=engine,
                                DBInstanceClass="db.r6g.large")  # fmt: skip
        wait_status(east, f"{primary}-{n}", "available")
    primary_arn = wait_cluster(east, primary)["DBClusterArn"]
    made = east.create_global_cluster(GlobalClusterIdentifier=g, SourceDBClusterIdentifier=primary_arn)["GlobalCluster"]
    assert made["GlobalClusterArn"] == f"arn:aws:rds::000000000000:global-cluster:{g}"
    assert made["Engine"] == engine and made["DatabaseName"] == "shop"
    assert made["GlobalClusterMembers"] == [{"DBClusterArn": primary_arn, "IsWriter": True, "Readers": [],
                                             "GlobalWriteForwardingStatus": "disabled"}]  # fmt: skip
    assert wait_cluster(east, primary)["GlobalClusterIdentifier"] == g
    with connect(engine, "127.0.0.1", wait_cluster(east, primary)["Port"]) as conn:
        run_sql(conn, "CREATE TABLE t (n INT PRIMARY KEY)")
        run_sql(conn, "INSERT INTO t VALUES (1)")

    # The secondary, in us-west-2: no master user of its own; its instances replicate from the primary.
    west.create_db_cluster(DBClusterIdentifier=secondary, Engine=engine, GlobalClusterIdentifier=g)
    wait_cluster(west, secondary)
    for n in range(2):
        west.create_db_instance(DBInstanceIdentifier=f"{secondary}-{n}", DBClusterIdentifier=secondary,
                                Engine=engine, DBInstanceClass="db.r6g.large")  # fmt: skip
    head, reader = instance_port(west, f"{secondary}-0"), instance_port(west, f"{secondary}-1")
    secondary_arn = wait_cluster(west, secondary)["DBClusterArn"]
    found = west.describe_global_clusters(GlobalClusterIdentifier=g)["GlobalClusters"][0]  # from any region
    members = {m["DBClusterArn"]: m for m in found["GlobalClusterMembers"]}
    assert members[primary_arn]["IsWriter"] and members[primary_arn]["Readers"] == [secondary_arn]
    assert not members[secondary_arn]["IsWriter"]
    assert [c["GlobalClusterIdentifier"] for c in east.describe_global_clusters(
        Filters=[{"Name": "region", "Values": ["us-west-2"]}])["GlobalClusters"]] == [g]  # fmt: skip
    assert not any(m["IsClusterWriter"] for m in wait_cluster(west, secondary)["DBClusterMembers"])
    assert wait_rows(engine, "127.0.0.1", head, {1}) == {1} and wait_rows(engine, "127.0.0.1", reader, {1}) == {1}
    with connect(engine, "127.0.0.1", head) as conn, pytest.raises(Exception, match="read.only|read-only"):
        run_sql(conn, "INSERT INTO t VALUES (99)")
    assert _code(west.delete_db_instance, DBInstanceIdentifier=f"{secondary}-0")[0] == "InvalidDBClusterStateFault"

    # A failover inside the primary cluster: the secondary follows the new writer.
    east.failover_db_cluster(DBClusterIdentifier=primary, TargetDBInstanceIdentifier=f"{primary}-1")
    port = wait_cluster(east, primary)["Port"]
    wait_status(east, f"{primary}-0", "available", timeout=90)
    with connect(engine, "127.0.0.1", port) as conn:
        run_sql(conn, "INSERT INTO t VALUES (2)")
    assert wait_rows(engine, "127.0.0.1", head, {1, 2}) == {1, 2}

    # A switchover: the secondary writes, the old primary replicates from it.
    out = west.switchover_global_cluster(GlobalClusterIdentifier=g, TargetDbClusterIdentifier=secondary_arn)
    assert out["GlobalCluster"]["FailoverState"]["ToDbClusterArn"] == secondary_arn
    after = wait_global(east, g)
    assert [m["DBClusterArn"] for m in after["GlobalClusterMembers"] if m["IsWriter"]] == [secondary_arn]
    assert "FailoverState" not in after
    west_cluster = wait_cluster(west, secondary)
    with connect(engine, "127.0.0.1", west_cluster["Port"]) as conn:  # its cluster endpoint writes now
        assert {row[0] for row in run_sql(conn, "SELECT n FROM t")} == {1, 2}
        run_sql(conn, "INSERT INTO t VALUES (3)")
    old_writer = instance_port(east, f"{primary}-1")
    assert wait_rows(engine, "127.0.0.1", old_writer, {1, 2, 3}) == {1, 2, 3}
    assert wait_rows(engine, "127.0.0.1", instance_port(east, f"{primary}-0"), {1, 2, 3}) == {1, 2, 3}
    with connect(engine, "127.0.0.1", old_writer) as conn, pytest.raises(Exception, match="read.only|read-only"):
        run_sql(conn, "INSERT INTO t VALUES (98)")

    # Faults.
    assert _code(east.delete_db_cluster, DBClusterIdentifier=primary, SkipFinalSnapshot=True)[0] == (
        "InvalidDBClusterStateFault")  # fmt: skip
    assert _code(east.delete_global_cluster, GlobalClusterIdentifier=g)[0] == "InvalidGlobalClusterStateFault"
    assert _code(west.remove_from_global_cluster, GlobalClusterIdentifier=g, DbClusterIdentifier=secondary_arn)[0] == (
        "InvalidGlobalClusterStateFault")  # the primary, with a secondary  # fmt: skip
    assert _code(east.create_global_cluster, GlobalClusterIdentifier=g, Engine=engine)[0] == (
        "GlobalClusterAlreadyExistsFault")  # fmt: skip

    # RemoveFromGlobalCluster: the old primary, now a secondary, becomes standalone and writable.
    east.remove_from_global_cluster(GlobalClusterIdentifier=g, DbClusterIdentifier=primary_arn)
    cluster = wait_cluster(east, primary)
    assert "GlobalClusterIdentifier" not in cluster
    deadline = time.monotonic() + 30
    while True:
        try:
            with connect(engine, "127.0.0.1", cluster["Port"]) as conn:
                run_sql(conn, "INSERT INTO t VALUES (4)")
            break
        except Exception:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert 4 in wait_rows(engine, "127.0.0.1", instance_port(east, f"{primary}-0"), {4})
    west.remove_from_global_cluster(GlobalClusterIdentifier=g, DbClusterIdentifier=secondary_arn)
    assert wait_global(west, g)["GlobalClusterMembers"] == []
    assert west.delete_global_cluster(GlobalClusterIdentifier=g)["GlobalCluster"]["GlobalClusterIdentifier"] == g
    assert _code(east.describe_global_clusters, GlobalClusterIdentifier=g)[:3] == (
        "GlobalClusterNotFoundFault", f"GlobalCluster {g} not found.", 404)  # fmt: skip
    for rds, name in ((east, primary), (west, secondary)):
        for member in wait_cluster(rds, name)["DBClusterMembers"]:
            rds.delete_db_instance(DBInstanceIdentifier=member["DBInstanceIdentifier"])
        rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)


def test_global_cluster_errors(client: Callable[..., Any]) -> None:
    east, west = client("rds", "us-east-1"), client("rds", "us-west-2")
    assert _code(east.describe_global_clusters, GlobalClusterIdentifier="nope")[0] == "GlobalClusterNotFoundFault"
    assert _code(east.delete_global_cluster, GlobalClusterIdentifier="nope")[0] == "GlobalClusterNotFoundFault"
    assert _code(east.create_global_cluster, GlobalClusterIdentifier="g1")[0] == "InvalidParameterValue"
    assert _code(east.create_global_cluster, GlobalClusterIdentifier="g1", Engine="postgres")[0] == (
        "InvalidParameterValue")  # fmt: skip
    assert _code(east.create_global_cluster, GlobalClusterIdentifier="1bad", Engine="aurora-mysql")[0] == (
        "InvalidParameterValue")  # fmt: skip
    assert _code(east.create_global_cluster, GlobalClusterIdentifier="g1",
                 SourceDBClusterIdentifier="arn:aws:rds:us-east-1:000000000000:cluster:nope")[0] == (
        "DBClusterNotFoundFault")  # fmt: skip
    assert _code(east.create_db_cluster, DBClusterIdentifier="c9", Engine="aurora-mysql", MasterUsername="admin",
                 MasterUserPassword=PASSWORD, GlobalClusterIdentifier="nope")[0] == "GlobalClusterNotFoundFault"  # fmt: skip
    # An empty global database: the first cluster to join is its primary, with its own master user.
    east.create_global_cluster(GlobalClusterIdentifier="g1", Engine="aurora-mysql")
    assert _code(east.create_db_cluster, DBClusterIdentifier="c9", Engine="aurora-postgresql", MasterUsername="pg",
                 MasterUserPassword=PASSWORD, GlobalClusterIdentifier="g1")[0] == "InvalidParameterCombination"  # fmt: skip
    east.create_db_cluster(DBClusterIdentifier="c9", Engine="aurora-mysql", MasterUsername="admin",
                           MasterUserPassword=PASSWORD, GlobalClusterIdentifier="g1")  # fmt: skip
    arn = wait_cluster(east, "c9")["DBClusterArn"]
    found = east.describe_global_clusters(GlobalClusterIdentifier="g1")["GlobalClusters"][0]
    assert [(m["DBClusterArn"], m["IsWriter"]) for m in found["GlobalClusterMembers"]] == [(arn, True)]
    assert _code(east.create_db_cluster, DBClusterIdentifier="c8", Engine="aurora-mysql",
                 GlobalClusterIdentifier="g1")[0] == "InvalidDBClusterStateFault"  # one cluster per region  # fmt: skip
    assert _code(west.create_db_cluster, DBClusterIdentifier="c8", Engine="aurora-mysql", MasterUsername="admin",
                 GlobalClusterIdentifier="g1")[0] == "InvalidParameterCombination"  # fmt: skip
    assert _code(east.failover_global_cluster, GlobalClusterIdentifier="g1", TargetDbClusterIdentifier=arn)[0] == (
        "InvalidGlobalClusterStateFault")  # fmt: skip
    assert _code(east.create_global_cluster, GlobalClusterIdentifier="g2", SourceDBClusterIdentifier=arn)[0] == (
        "InvalidDBClusterStateFault")  # fmt: skip
    # A fuzz of the global operations' inputs: always a 4xx AWS error, never a 500.
    junk = ["", "-", "a--b", "x" * 300, "g1-", "arn:aws:rds::1:global-cluster:", "arn:aws:rds:us-east-1:0:cluster:c9",
            "arn:", "é", "G-1", arn.replace("cluster:c9", "cluster:"), "arn:aws:rds:xx-1:000000000000:cluster:c9"]  # fmt: skip
    calls = [
        lambda v: east.describe_global_clusters(GlobalClusterIdentifier=v),
        lambda v: east.delete_global_cluster(GlobalClusterIdentifier=v),
        lambda v: east.remove_from_global_cluster(GlobalClusterIdentifier="g1", DbClusterIdentifier=v),
        lambda v: east.remove_from_global_cluster(GlobalClusterIdentifier=v, DbClusterIdentifier=arn),
        lambda v: east.switchover_global_cluster(GlobalClusterIdentifier="g1", TargetDbClusterIdentifier=v),
        lambda v: east.failover_global_cluster(GlobalClusterIdentifier=v, TargetDbClusterIdentifier=arn),
        lambda v: east.create_global_cluster(GlobalClusterIdentifier=v or "x", SourceDBClusterIdentifier=v),
        lambda v: east.describe_global_clusters(Filters=[{"Name": v or "x", "Values": ["us-east-1"]}]),
    ]
    for call in calls:
        for value in junk:
            try:
                call(value)
            except botocore.exceptions.ParamValidationError:
                continue
            except botocore.exceptions.ClientError as error:
                assert 400 <= error.response["ResponseMetadata"]["HTTPStatusCode"] < 500, (value, error)
    east.remove_from_global_cluster(GlobalClusterIdentifier="g1", DbClusterIdentifier=arn)
    east.delete_global_cluster(GlobalClusterIdentifier="g1")
    east.delete_db_cluster(DBClusterIdentifier="c9", SkipFinalSnapshot=True)


def test_a_secondary_replicates_again_after_fogbank_is_killed() -> None:
    """Fogbank killed with -9 and started again: the secondary's head, whose source is in another
    region, follows the primary's writer again."""
    from tests.rds.conftest import OwnFogbank

    with OwnFogbank("fogbank-rds-global-", "8600-8699") as fogbank:
        east = fogbank.rds
        west = boto3.client("rds", endpoint_url=east.meta.endpoint_url, region_name="us-west-2",
                            aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
        engine = "aurora-postgresql"
        # A port of this test's own range: another Fogbank on this machine may take 5432 while this one is down.
        east.create_db_cluster(DBClusterIdentifier="p", Engine=engine, MasterUsername="postgres",
                               MasterUserPassword=PASSWORD, DatabaseName="shop", Port=8699)  # fmt: skip
        east.create_db_instance(DBInstanceIdentifier="p-0", DBClusterIdentifier="p", Engine=engine,
                                DBInstanceClass="db.r6g.large")  # fmt: skip
        wait_status(east, "p-0", "available")
        east.create_global_cluster(GlobalClusterIdentifier="g", SourceDBClusterIdentifier="p")
        west.create_db_cluster(DBClusterIdentifier="s", Engine=engine, GlobalClusterIdentifier="g")
        west.create_db_instance(DBInstanceIdentifier="s-0", DBClusterIdentifier="s", Engine=engine,
                                DBInstanceClass="db.r6g.large")  # fmt: skip
        head = instance_port(west, "s-0")
        port = wait_cluster(east, "p")["Port"]
        with connect(engine, "127.0.0.1", port) as conn:
            run_sql(conn, "CREATE TABLE t (n INT)")
            run_sql(conn, "INSERT INTO t VALUES (1)")
        assert wait_rows(engine, "127.0.0.1", head, {1}) == {1}
        fogbank.restart()
        wait_status(east, "p-0", "available")
        head = instance_port(west, "s-0")
        deadline = time.monotonic() + 30
        while True:
            try:
                with connect(engine, "127.0.0.1", port) as conn:
                    run_sql(conn, "INSERT INTO t VALUES (2)")
                break
            except Exception:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert wait_rows(engine, "127.0.0.1", head, {1, 2}) == {1, 2}
        assert len(west.describe_global_clusters()["GlobalClusters"][0]["GlobalClusterMembers"]) == 2


def test_a_failover_with_data_loss_allowed_promotes_the_secondary(client: Callable[..., Any]) -> None:
    """FailoverGlobalCluster(AllowDataLoss): the secondary's instance is promoted as it is (no fencing
    wait); the old primary comes back as a secondary of it."""
    east, west = client("rds", "us-east-1"), client("rds", "us-west-2")
    engine = "aurora-postgresql"
    east.create_db_cluster(DBClusterIdentifier="dl-p", Engine=engine, MasterUsername="postgres",
                           MasterUserPassword=PASSWORD, DatabaseName="shop")  # fmt: skip
    east.create_db_instance(DBInstanceIdentifier="dl-p-0", DBClusterIdentifier="dl-p", Engine=engine,
                            DBInstanceClass="db.r6g.large")  # fmt: skip
    wait_status(east, "dl-p-0", "available")
    east.create_global_cluster(GlobalClusterIdentifier="dl", SourceDBClusterIdentifier="dl-p")
    west.create_db_cluster(DBClusterIdentifier="dl-s", Engine=engine, GlobalClusterIdentifier="dl")
    west.create_db_instance(DBInstanceIdentifier="dl-s-0", DBClusterIdentifier="dl-s", Engine=engine,
                            DBInstanceClass="db.r6g.large")  # fmt: skip
    head = instance_port(west, "dl-s-0")
    with connect(engine, "127.0.0.1", wait_cluster(east, "dl-p")["Port"]) as conn:
        run_sql(conn, "CREATE TABLE t (n INT)")
        run_sql(conn, "INSERT INTO t VALUES (1)")
    assert wait_rows(engine, "127.0.0.1", head, {1}) == {1}
    arn = wait_cluster(west, "dl-s")["DBClusterArn"]
    assert _code(west.failover_global_cluster, GlobalClusterIdentifier="dl", TargetDbClusterIdentifier=arn,
                 AllowDataLoss=True, Switchover=True)[0] == "InvalidParameterCombination"  # fmt: skip
    out = west.failover_global_cluster(GlobalClusterIdentifier="dl", TargetDbClusterIdentifier=arn, AllowDataLoss=True)
    assert out["GlobalCluster"]["FailoverState"]["IsDataLossAllowed"] is True
    found = wait_global(west, "dl")
    assert [m["DBClusterArn"] for m in found["GlobalClusterMembers"] if m["IsWriter"]] == [arn]
    with connect(engine, "127.0.0.1", wait_cluster(west, "dl-s")["Port"]) as conn:
        run_sql(conn, "INSERT INTO t VALUES (2)")
    assert wait_rows(engine, "127.0.0.1", instance_port(east, "dl-p-0"), {1, 2}) == {1, 2}
    for rds, name in ((east, "dl-p"), (west, "dl-s")):
        rds.remove_from_global_cluster(
            GlobalClusterIdentifier="dl", DbClusterIdentifier=wait_cluster(rds, name)["DBClusterArn"]
        )
    east.delete_global_cluster(GlobalClusterIdentifier="dl")


def test_modify_global_cluster_renames_protects_and_checks_versions(client: Callable[..., Any]) -> None:
    east, west = client("rds", "us-east-1"), client("rds", "us-west-2")
    east.create_global_cluster(GlobalClusterIdentifier="gm1", Engine="aurora-postgresql",
                               Tags=[{"Key": "team", "Value": "shop"}])  # fmt: skip
    east.create_global_cluster(GlobalClusterIdentifier="gm2", Engine="aurora-postgresql")
    east.create_db_cluster(DBClusterIdentifier="gm-east", Engine="aurora-postgresql", MasterUsername="pg",
                           MasterUserPassword=PASSWORD, GlobalClusterIdentifier="gm1")  # fmt: skip
    wait_cluster(east, "gm-east")
    west.create_db_cluster(DBClusterIdentifier="gm-west", Engine="aurora-postgresql", GlobalClusterIdentifier="gm1")
    wait_cluster(west, "gm-west")
    version = east.describe_global_clusters(GlobalClusterIdentifier="gm1")["GlobalClusters"][0]["EngineVersion"]

    # A rename: the ARN and each member (in every region) take the new name; tags stay.
    out = west.modify_global_cluster(GlobalClusterIdentifier="GM1", NewGlobalClusterIdentifier="Gm-Renamed",
                                     DeletionProtection=True)["GlobalCluster"]  # fmt: skip
    assert out["GlobalClusterIdentifier"] == "gm-renamed" and out["DeletionProtection"] is True
    assert out["GlobalClusterArn"] == "arn:aws:rds::000000000000:global-cluster:gm-renamed"
    assert len(out["GlobalClusterMembers"]) == 2
    assert _code(east.describe_global_clusters, GlobalClusterIdentifier="gm1")[0] == "GlobalClusterNotFoundFault"
    assert wait_cluster(east, "gm-east")["GlobalClusterIdentifier"] == "gm-renamed"
    assert wait_cluster(west, "gm-west")["GlobalClusterIdentifier"] == "gm-renamed"
    assert out["TagList"] == [{"Key": "team", "Value": "shop"}]
    assert _code(east.modify_global_cluster, GlobalClusterIdentifier="gm-renamed",
                 NewGlobalClusterIdentifier="gm2")[0] == "GlobalClusterAlreadyExistsFault"  # fmt: skip
    assert _code(east.modify_global_cluster, GlobalClusterIdentifier="gm1",
                 DeletionProtection=False)[0] == "GlobalClusterNotFoundFault"  # fmt: skip
    assert _code(east.modify_global_cluster, GlobalClusterIdentifier="gm-renamed",
                 NewGlobalClusterIdentifier="1bad")[0] == "InvalidParameterValue"  # fmt: skip
    # The same name and the same version change nothing.
    same = east.modify_global_cluster(GlobalClusterIdentifier="gm-renamed", NewGlobalClusterIdentifier="gm-renamed",
                                      EngineVersion=version)["GlobalCluster"]  # fmt: skip
    assert (same["GlobalClusterIdentifier"], same["EngineVersion"]) == ("gm-renamed", version)

    # Deletion protection: the members removed, the global database still refuses its delete until it is off.
    for rds, name in ((west, "gm-west"), (east, "gm-east")):
        arn = wait_cluster(rds, name)["DBClusterArn"]
        rds.remove_from_global_cluster(GlobalClusterIdentifier="gm-renamed", DbClusterIdentifier=arn)
        wait_cluster(rds, name)
    assert _code(east.delete_global_cluster, GlobalClusterIdentifier="gm-renamed")[0] == (
        "InvalidGlobalClusterStateFault")  # fmt: skip
    east.modify_global_cluster(GlobalClusterIdentifier="gm-renamed", DeletionProtection=False)
    east.delete_global_cluster(GlobalClusterIdentifier="gm-renamed")

    # EngineVersion: RDS's checks; a global database with members is refused by name (no in-place
    # upgrade of clusters yet); an empty one records the version its first cluster runs.
    versions = [
        v["EngineVersion"] for v in east.describe_db_engine_versions(Engine="aurora-postgresql")["DBEngineVersions"]
    ]
    oldest, newest = versions[0], versions[-1]
    east.create_global_cluster(GlobalClusterIdentifier="gm3", Engine="aurora-postgresql", EngineVersion=oldest)
    assert _code(east.modify_global_cluster, GlobalClusterIdentifier="gm3", EngineVersion="9.9.9")[0] == (
        "InvalidParameterCombination")  # RDS: "Cannot find version 9.9.9 for aurora-postgresql"  # fmt: skip
    if oldest.split(".")[0] != newest.split(".")[0]:
        code, message, _ = _code(east.modify_global_cluster, GlobalClusterIdentifier="gm3", EngineVersion=newest)
        assert code == "InvalidParameterCombination" and "AllowMajorVersionUpgrade" in message
    east.create_db_cluster(DBClusterIdentifier="gm3-east", Engine="aurora-postgresql", MasterUsername="pg",
                           MasterUserPassword=PASSWORD, GlobalClusterIdentifier="gm3")  # fmt: skip
    gm3_east = wait_cluster(east, "gm3-east")
    assert gm3_east["EngineVersion"] == oldest
    if oldest != newest:
        code, message, _ = _code(east.modify_global_cluster, GlobalClusterIdentifier="gm3", EngineVersion=newest,
                              AllowMajorVersionUpgrade=True)  # fmt: skip
        assert code == "InvalidParameterCombination" and "Fogbank does not upgrade" in message
        east.remove_from_global_cluster(GlobalClusterIdentifier="gm3", DbClusterIdentifier=gm3_east["DBClusterArn"])
        wait_cluster(east, "gm3-east")
        upgraded = east.modify_global_cluster(GlobalClusterIdentifier="gm3", EngineVersion=newest,
                                              AllowMajorVersionUpgrade=True)["GlobalCluster"]  # fmt: skip
        assert upgraded["EngineVersion"] == newest
        assert east.describe_global_clusters(GlobalClusterIdentifier="gm3")["GlobalClusters"][0]["EngineVersion"] == (
            newest)  # fmt: skip
        assert _code(east.modify_global_cluster, GlobalClusterIdentifier="gm3", EngineVersion=oldest)[0] == (
            "InvalidParameterCombination")  # a downgrade  # fmt: skip
    # A fuzz of ModifyGlobalCluster's inputs: always a 4xx AWS error, never a 500.
    for value in ["", "-", "a--b", "x" * 300, "g1-", "é", "arn:aws:rds::1:global-cluster:gm3", "99", "16.99"]:
        for params in ({"GlobalClusterIdentifier": value}, {"GlobalClusterIdentifier": "gm3", "NewGlobalClusterIdentifier": value},
                       {"GlobalClusterIdentifier": "gm3", "EngineVersion": value}):  # fmt: skip
            try:
                east.modify_global_cluster(**params)
            except botocore.exceptions.ParamValidationError:
                continue
            except botocore.exceptions.ClientError as error:
                assert 400 <= error.response["ResponseMetadata"]["HTTPStatusCode"] < 500, (params, error)
    if oldest == newest:
        east.remove_from_global_cluster(GlobalClusterIdentifier="gm3", DbClusterIdentifier=gm3_east["DBClusterArn"])
        wait_cluster(east, "gm3-east")
    east.delete_global_cluster(GlobalClusterIdentifier="gm3")
    east.delete_db_cluster(DBClusterIdentifier="gm3-east", SkipFinalSnapshot=True)
    east.delete_db_cluster(DBClusterIdentifier="gm-east", SkipFinalSnapshot=True)
    west.delete_db_cluster(DBClusterIdentifier="gm-west", SkipFinalSnapshot=True)


def test_tags_on_cluster_and_global_cluster_arns(client: Callable[..., Any]) -> None:
    rds = client("rds")
    made = rds.create_global_cluster(GlobalClusterIdentifier="tagged", Engine="aurora-postgresql")["GlobalCluster"]
    arn = made["GlobalClusterArn"]
    assert arn == "arn:aws:rds::000000000000:global-cluster:tagged"  # no region: it spans them
    rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "team", "Value": "a"}])
    assert client("rds", region="us-west-2").list_tags_for_resource(ResourceName=arn)["TagList"] == [
        {"Key": "team", "Value": "a"}
    ]
    rds.remove_tags_from_resource(ResourceName=arn, TagKeys=["team"])
    assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == []
    missing = "arn:aws:rds::000000000000:global-cluster:nope"
    assert _code(rds.list_tags_for_resource, ResourceName=missing)[0] == "GlobalClusterNotFoundFault"

    cluster = rds.create_db_cluster(DBClusterIdentifier="tagged-c", Engine="aurora-postgresql",
                                    MasterUsername="pgadmin", MasterUserPassword=PASSWORD)["DBCluster"]  # fmt: skip
    rds.add_tags_to_resource(ResourceName=cluster["DBClusterArn"], Tags=[{"Key": "k", "Value": "v"}])
    assert rds.list_tags_for_resource(ResourceName=cluster["DBClusterArn"])["TagList"] == [{"Key": "k", "Value": "v"}]
    assert wait_cluster(rds, "tagged-c")["TagList"] == [{"Key": "k", "Value": "v"}]
    rds.delete_db_cluster(DBClusterIdentifier="tagged-c", SkipFinalSnapshot=True)
