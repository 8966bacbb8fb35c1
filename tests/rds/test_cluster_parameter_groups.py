"""DB cluster parameter groups through boto3 and the engines: a cluster group's values run on every
member (dynamic ones at once, static ones at the member's reboot, as DBClusterParameterGroupStatus
shows), members added later get them, an instance's own DB parameter group wins over the cluster's,
another group is associated with ModifyDBCluster; and the groups' requests with AWS's faults."""

from __future__ import annotations

import time
from typing import Any

import botocore.exceptions
import pytest

from tests.rds.conftest import PASSWORD, run_sql, wait_status
from tests.rds.test_aurora_clusters import ENGINES, connect, wait_cluster

# Per engine: a dynamic parameter, two of its values and how the engine shows them; a static one likewise.
DYNAMIC = {
    "aurora-postgresql": ("work_mem", ("8192", "8MB"), ("12288", "12MB")),
    "aurora-mysql": ("wait_timeout", ("1234", "1234"), ("2345", "2345")),
}
STATIC = {
    "aurora-postgresql": ("track_activity_query_size", ("2048", "2kB"), ("4096", "4kB")),
    "aurora-mysql": ("innodb_log_buffer_size", ("33554432", "33554432"), ("67108864", "67108864")),
}


def _family(rds: Any, engine: str) -> str:
    return rds.describe_db_engine_versions(Engine=engine, DefaultOnly=True)["DBEngineVersions"][0][
        "DBParameterGroupFamily"
    ]


def _show(engine: str, port: int, name: str) -> str:
    with connect(engine, "127.0.0.1", port) as conn:
        if engine == "aurora-postgresql":
            return str(run_sql(conn, f"SHOW {name}")[0][0])
        return str(run_sql(conn, f"SELECT @@GLOBAL.{name}")[0][0])


def _statuses(rds: Any, cluster: str) -> dict[str, str]:
    members = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]["DBClusterMembers"]
    return {m["DBInstanceIdentifier"]: m["DBClusterParameterGroupStatus"] for m in members}


def _wait_statuses(rds: Any, cluster: str, wanted: dict[str, str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while _statuses(rds, cluster) != wanted:
        assert time.monotonic() < deadline, _statuses(rds, cluster)
        time.sleep(0.1)


def _set(rds: Any, group: str, name: str, value: str, method: str) -> None:
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName=group,
        Parameters=[{"ParameterName": name, "ParameterValue": value, "ApplyMethod": method}],
    )


@pytest.mark.parametrize("engine", ["aurora-postgresql", "aurora-mysql"])
def test_a_cluster_group_runs_on_every_member(rds: Any, engine: str) -> None:
    family = _family(rds, engine)
    dynamic, (d1, shown1), (d2, shown2) = DYNAMIC[engine]
    static, (s1, static1), (s2, static2) = STATIC[engine]
    made = rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="CPG", DBParameterGroupFamily=family, Description="tuned"
    )["DBClusterParameterGroup"]
    assert made == {
        "DBClusterParameterGroupName": "cpg", "DBParameterGroupFamily": family, "Description": "tuned",
        "DBClusterParameterGroupArn": "arn:aws:rds:us-east-1:000000000000:cluster-pg:cpg",
    }  # fmt: skip
    paginator = rds.get_paginator("describe_db_cluster_parameters")
    rows = {p["ParameterName"]: p for page in paginator.paginate(DBClusterParameterGroupName="cpg")
            for p in page["Parameters"]}  # fmt: skip
    assert rows[static]["ApplyType"] == "static" and rows[dynamic]["ApplyType"] == "dynamic"
    assert rows[dynamic]["SupportedEngineModes"] == ["provisioned"]
    _set(rds, "cpg", dynamic, d1, "immediate")
    _set(rds, "cpg", static, s1, "pending-reboot")

    # Members made after the values were set start with them.
    name = "cpg-" + engine.split("-")[1][:2]
    rds.create_db_cluster(DBClusterIdentifier=name, Engine=engine, MasterUsername=ENGINES[engine],
                          MasterUserPassword=PASSWORD, DatabaseName="shop", DBClusterParameterGroupName="CPG")  # fmt: skip
    assert wait_cluster(rds, name)["DBClusterParameterGroup"] == "cpg"
    ports = {}
    for n in range(2):
        rds.create_db_instance(DBInstanceIdentifier=f"{name}-{n}", DBClusterIdentifier=name, Engine=engine,
                               DBInstanceClass="db.r6g.large")  # fmt: skip
        ports[f"{name}-{n}"] = wait_status(rds, f"{name}-{n}", "available")["Endpoint"]["Port"]
    writer, reader = f"{name}-0", f"{name}-1"
    for port in ports.values():
        assert _show(engine, port, dynamic) == shown1 and _show(engine, port, static) == static1
    assert _statuses(rds, name) == {writer: "in-sync", reader: "in-sync"}

    # A dynamic change reaches every running member at once; a static one waits for each one's reboot.
    _set(rds, "cpg", dynamic, d2, "immediate")
    _wait_statuses(rds, name, {writer: "in-sync", reader: "in-sync"})
    for port in ports.values():
        assert _show(engine, port, dynamic) == shown2
    _set(rds, "cpg", static, s2, "pending-reboot")
    _wait_statuses(rds, name, {writer: "pending-reboot", reader: "pending-reboot"})
    assert _show(engine, ports[reader], static) == static1
    rds.reboot_db_instance(DBInstanceIdentifier=reader)
    wait_status(rds, reader, "available")
    _wait_statuses(rds, name, {writer: "pending-reboot", reader: "in-sync"})
    assert _show(engine, ports[reader], static) == static2 and _show(engine, ports[writer], static) == static1
    assert all(i["DBParameterGroups"][0]["ParameterApplyStatus"] == "in-sync" for i in rds.describe_db_instances(
        Filters=[{"Name": "db-cluster-id", "Values": [name]}])["DBInstances"])  # fmt: skip

    # An instance's own DB parameter group wins over the cluster's for that instance only.
    rds.create_db_parameter_group(DBParameterGroupName="mine", DBParameterGroupFamily=family, Description="x")
    rds.modify_db_parameter_group(DBParameterGroupName="mine", Parameters=[
        {"ParameterName": dynamic, "ParameterValue": d1, "ApplyMethod": "immediate"}])  # fmt: skip
    rds.modify_db_instance(DBInstanceIdentifier=reader, DBParameterGroupName="mine", ApplyImmediately=True)
    wait_status(rds, reader, "available")
    assert _show(engine, ports[reader], dynamic) == shown1 and _show(engine, ports[writer], dynamic) == shown2

    # Reset: the engine's own default again where no group sets it.
    rds.reset_db_cluster_parameter_group(DBClusterParameterGroupName="cpg", Parameters=[{"ParameterName": dynamic}])
    _wait_statuses(rds, name, {writer: "pending-reboot", reader: "in-sync"})
    assert _show(engine, ports[writer], dynamic) not in (shown1, shown2)
    assert _show(engine, ports[reader], dynamic) == shown1  # still its own group's

    # Another group for the cluster: its dynamic values at once, fully at the members' reboot.
    rds.copy_db_cluster_parameter_group(SourceDBClusterParameterGroupIdentifier="cpg",
                                        TargetDBClusterParameterGroupIdentifier="other",
                                        TargetDBClusterParameterGroupDescription="copy")  # fmt: skip
    _set(rds, "other", dynamic, d2, "immediate")
    with pytest.raises(botocore.exceptions.ClientError) as in_use:
        rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName="cpg")
    assert in_use.value.response["Error"]["Code"] == "InvalidDBParameterGroupState"
    changed = rds.modify_db_cluster(DBClusterIdentifier=name, DBClusterParameterGroupName="other",
                                    ApplyImmediately=True)["DBCluster"]  # fmt: skip
    assert changed["DBClusterParameterGroup"] == "other"
    _wait_statuses(rds, name, {writer: "pending-reboot", reader: "pending-reboot"})
    assert _show(engine, ports[writer], dynamic) == shown2
    rds.reboot_db_instance(DBInstanceIdentifier=writer)
    wait_status(rds, writer, "available")
    _wait_statuses(rds, name, {writer: "in-sync", reader: "pending-reboot"})
    assert _show(engine, ports[writer], static) == static2
    rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName="cpg")  # no longer used


def _code(call: Any, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        call(**params)
    response = error.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_cluster_parameter_group_requests(rds: Any) -> None:
    """Describe, copy, tags, paging, the default groups, and AWS's faults (codes from the model; the messages
    of a missing group and of CreateDBCluster's family mismatch recorded from AWS, the others Fogbank's)."""
    family = _family(rds, "aurora-postgresql")
    groups = rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]
    names = {g["DBClusterParameterGroupName"]: g for g in groups}
    assert f"default.{family}" in names and "default.aurora-mysql8.0" in names
    assert names[f"default.{family}"]["Description"] == f"Default cluster parameter group for {family}"
    assert any(n.startswith("default.postgres") for n in names)  # Multi-AZ DB clusters' families
    assert not any(n.startswith("default.mariadb") for n in names)  # an engine of no DB cluster
    instance_family = _family(rds, "mariadb")
    default = f"default.{family}"
    assert _code(rds.modify_db_cluster_parameter_group, DBClusterParameterGroupName=default,
                 Parameters=[{"ParameterName": "work_mem", "ParameterValue": "1024"}])[:2] == (
        "InvalidParameterValue", "Cannot modify a default parameter group.")  # fmt: skip
    assert _code(rds.delete_db_cluster_parameter_group, DBClusterParameterGroupName=default) == (
        "InvalidDBParameterGroupState", "Default DBClusterParameterGroup cannot be deleted", 400)  # fmt: skip
    for call, params in [
        (rds.describe_db_cluster_parameter_groups, {"DBClusterParameterGroupName": "nope"}),
        (rds.describe_db_cluster_parameters, {"DBClusterParameterGroupName": "nope"}),
        (rds.delete_db_cluster_parameter_group, {"DBClusterParameterGroupName": "nope"}),
        (rds.reset_db_cluster_parameter_group, {"DBClusterParameterGroupName": "nope", "ResetAllParameters": True}),
        (rds.modify_db_cluster_parameter_group, {"DBClusterParameterGroupName": "nope",
                                                 "Parameters": [{"ParameterName": "a", "ParameterValue": "1"}]}),
        (rds.copy_db_cluster_parameter_group, {"SourceDBClusterParameterGroupIdentifier": "nope",
                                               "TargetDBClusterParameterGroupIdentifier": "t",
                                               "TargetDBClusterParameterGroupDescription": "t"}),
    ]:  # fmt: skip
        assert _code(call, **params) == ("DBParameterGroupNotFound", "DBClusterParameterGroup not found: nope", 404)
    assert _code(rds.create_db_cluster, DBClusterIdentifier="c", Engine="aurora-postgresql", MasterUsername="pg",
                 MasterUserPassword=PASSWORD, DBClusterParameterGroupName="nope") == (
        "DBClusterParameterGroupNotFound", "DBClusterParameterGroup not found: nope", 404)  # fmt: skip

    assert _code(rds.create_db_cluster, DBClusterIdentifier="c", Engine="aurora-postgresql", MasterUsername="pg",
                 MasterUserPassword=PASSWORD, DBClusterParameterGroupName="default.aurora-mysql8.0")[0] == (
        "InvalidParameterCombination")  # fmt: skip
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName="g1", DBParameterGroupFamily=family,
                                          Description="one", Tags=[{"Key": "team", "Value": "a"}])  # fmt: skip
    assert _code(rds.create_db_cluster_parameter_group, DBClusterParameterGroupName="G1",
                 DBParameterGroupFamily=family, Description="again")[:2] == (
        "DBParameterGroupAlreadyExists", "Parameter group g1 already exists")  # fmt: skip
    assert _code(rds.create_db_cluster, DBClusterIdentifier="c", Engine="aurora-mysql", MasterUsername="admin",
                 MasterUserPassword=PASSWORD, DBClusterParameterGroupName="g1")[:2] == (
        "InvalidParameterCombination",
        f"The Parameter Group g1 with DBParameterGroupFamily {family} cannot be used for this instance. Please use a "
        "Parameter Group with DBParameterGroupFamily aurora-mysql8.0")  # fmt: skip
    arn = "arn:aws:rds:us-east-1:000000000000:cluster-pg:g1"
    assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "team", "Value": "a"}]
    rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "env", "Value": "dev"}])
    assert len(rds.list_tags_for_resource(ResourceName=arn)["TagList"]) == 2
    assert _code(rds.list_tags_for_resource, ResourceName=arn.replace("g1", "gone"))[0] == "DBParameterGroupNotFound"

    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="g1", Parameters=[
        {"ParameterName": "work_mem", "ParameterValue": "4096", "ApplyMethod": "immediate"},
        {"ParameterName": "max_connections", "ParameterValue": "50", "ApplyMethod": "pending-reboot"}])  # fmt: skip
    user = rds.describe_db_cluster_parameters(DBClusterParameterGroupName="g1", Source="user")["Parameters"]
    assert {(p["ParameterName"], p["ParameterValue"], p["ApplyMethod"]) for p in user} == {
        ("work_mem", "4096", "immediate"), ("max_connections", "50", "pending-reboot")}  # fmt: skip
    copied = rds.copy_db_cluster_parameter_group(SourceDBClusterParameterGroupIdentifier=arn,
                                                 TargetDBClusterParameterGroupIdentifier="g2",
                                                 TargetDBClusterParameterGroupDescription="two")  # fmt: skip
    assert copied["DBClusterParameterGroup"]["DBClusterParameterGroupName"] == "g2"
    assert len(rds.describe_db_cluster_parameters(DBClusterParameterGroupName="g2", Source="user")["Parameters"]) == 2
    rds.reset_db_cluster_parameter_group(DBClusterParameterGroupName="g2", ResetAllParameters=True)
    assert rds.describe_db_cluster_parameters(DBClusterParameterGroupName="g2", Source="user")["Parameters"] == []
    one = rds.describe_db_cluster_parameters(DBClusterParameterGroupName="g1", Filters=[
        {"Name": "parameter-name", "Values": ["work_mem"]}])["Parameters"]  # fmt: skip
    assert [p["ParameterName"] for p in one] == ["work_mem"]
    first = rds.describe_db_cluster_parameter_groups(MaxRecords=20)
    assert len(first["DBClusterParameterGroups"]) <= 20

    defaults = rds.describe_engine_default_cluster_parameters(DBParameterGroupFamily=family)["EngineDefaults"]
    assert defaults["DBParameterGroupFamily"] == family and len(defaults["Parameters"]) == 100 and defaults["Marker"]
    assert all(p["Source"] in ("engine-default", "system") for p in defaults["Parameters"])

    # Bad input, answered as RDS answers it (never a 500).
    bad = [
        (rds.create_db_cluster_parameter_group, {"DBClusterParameterGroupName": "x", "DBParameterGroupFamily": instance_family,
                                                 "Description": "d"}, "InvalidParameterCombination"),
        (rds.create_db_cluster_parameter_group, {"DBClusterParameterGroupName": "x", "DBParameterGroupFamily": "nosuch1",
                                                 "Description": "d"}, "InvalidParameterValue"),
        (rds.create_db_cluster_parameter_group, {"DBClusterParameterGroupName": "1x", "DBParameterGroupFamily": family,
                                                 "Description": "d"}, "InvalidParameterValue"),
        (rds.create_db_cluster_parameter_group, {"DBClusterParameterGroupName": "default-x",
                                                 "DBParameterGroupFamily": family, "Description": "d"}, "InvalidParameterValue"),
        (rds.create_db_cluster_parameter_group, {"DBClusterParameterGroupName": "x", "DBParameterGroupFamily": family,
                                                 "Description": ""}, "InvalidParameterValue"),
        (rds.modify_db_cluster_parameter_group, {"DBClusterParameterGroupName": "g1", "Parameters": []},
         "InvalidParameterValue"),
        (rds.modify_db_cluster_parameter_group, {"DBClusterParameterGroupName": "g1", "Parameters": [
            {"ParameterName": "no_such", "ParameterValue": "1"}]}, "InvalidParameterValue"),
        (rds.modify_db_cluster_parameter_group, {"DBClusterParameterGroupName": "g1", "Parameters": [
            {"ParameterName": "work_mem", "ParameterValue": "lots"}]}, "InvalidParameterValue"),
        (rds.modify_db_cluster_parameter_group, {"DBClusterParameterGroupName": "g1", "Parameters": [
            {"ParameterName": "max_connections", "ParameterValue": "50", "ApplyMethod": "immediate"}]},
         "InvalidParameterCombination"),
        (rds.modify_db_cluster_parameter_group, {"DBClusterParameterGroupName": "g1", "Parameters": [
            {"ParameterName": "work_mem", "ParameterValue": "1", "ApplyMethod": "later"}]}, "InvalidParameterValue"),
        (rds.modify_db_cluster_parameter_group, {"DBClusterParameterGroupName": "g1", "Parameters": [
            {"ParameterName": "port", "ParameterValue": "1"}]}, "InvalidParameterValue"),
        (rds.modify_db_cluster_parameter_group, {"DBClusterParameterGroupName": "g1", "Parameters": [
            {"ParameterName": "work_mem", "ParameterValue": str(n)} for n in range(21)]}, "InvalidParameterValue"),
        (rds.reset_db_cluster_parameter_group, {"DBClusterParameterGroupName": "g1"}, "InvalidParameterCombination"),
        (rds.reset_db_cluster_parameter_group, {"DBClusterParameterGroupName": "g1", "ResetAllParameters": True,
                                                "Parameters": [{"ParameterName": "work_mem"}]}, "InvalidParameterCombination"),
        (rds.describe_db_cluster_parameters, {"DBClusterParameterGroupName": "g1", "Source": "mine"},
         "InvalidParameterValue"),
        (rds.describe_db_cluster_parameters, {"DBClusterParameterGroupName": "g1", "MaxRecords": 5},
         "InvalidParameterValue"),
        (rds.describe_db_cluster_parameters, {"DBClusterParameterGroupName": "g1", "Marker": "garbage"},
         "InvalidParameterValue"),
        (rds.describe_db_cluster_parameter_groups, {"Filters": [{"Name": "family", "Values": ["x"]}]},
         "InvalidParameterValue"),
        (rds.describe_engine_default_cluster_parameters, {"DBParameterGroupFamily": instance_family},
         "InvalidParameterCombination"),
        (rds.copy_db_cluster_parameter_group, {"SourceDBClusterParameterGroupIdentifier": "g1",
                                               "TargetDBClusterParameterGroupIdentifier": "g2",
                                               "TargetDBClusterParameterGroupDescription": "t"},
         "DBParameterGroupAlreadyExists"),
        (rds.modify_db_cluster, {"DBClusterIdentifier": "nope", "DBClusterParameterGroupName": "g1"},
         "DBClusterNotFoundFault"),
    ]  # fmt: skip
    for call, params, code in bad:
        assert _code(call, **params)[0] == code, params
    rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName="g2")
    assert _code(rds.describe_db_cluster_parameter_groups, DBClusterParameterGroupName="g2")[0] == (
        "DBParameterGroupNotFound")  # fmt: skip


def test_random_bad_input_is_a_client_error(client: Any) -> None:
    """Random names, families, parameters and methods: always a 4xx AWS error, never a 500."""
    import random

    rds = client("rds", parameter_validation=False)
    rng = random.Random(13)
    junk = ["", " ", "-", "a--b", "x" * 300, "default.", "DEFAULT.aurora-mysql8.0", "arn:aws:rds:us-east-1:1:cluster-pg:",
            "é", "1", "work_mem", "aurora-postgresql", "aurora-mysql8.0", "\t", "a;DROP", "null"]  # fmt: skip
    calls = [
        lambda: rds.create_db_cluster_parameter_group(DBClusterParameterGroupName=rng.choice(junk),
                                                      DBParameterGroupFamily=rng.choice(junk),
                                                      Description=rng.choice(junk)),
        lambda: rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="fz", Parameters=[
            {"ParameterName": rng.choice(junk), "ParameterValue": rng.choice(junk), "ApplyMethod": rng.choice(junk)}]),
        lambda: rds.reset_db_cluster_parameter_group(DBClusterParameterGroupName=rng.choice(junk + ["fz"]),
                                                     Parameters=[{"ParameterName": rng.choice(junk)}]),
        lambda: rds.describe_db_cluster_parameters(DBClusterParameterGroupName=rng.choice(junk + ["fz"]),
                                                   Source=rng.choice(junk), Marker=rng.choice(junk)),
        lambda: rds.copy_db_cluster_parameter_group(SourceDBClusterParameterGroupIdentifier=rng.choice(junk + ["fz"]),
                                                    TargetDBClusterParameterGroupIdentifier=rng.choice(junk),
                                                    TargetDBClusterParameterGroupDescription=rng.choice(junk)),
        lambda: rds.describe_engine_default_cluster_parameters(DBParameterGroupFamily=rng.choice(junk)),
        lambda: rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName=rng.choice(junk)),
        lambda: rds.create_db_cluster(DBClusterIdentifier="fzc", Engine="aurora-mysql", MasterUsername="admin",
                                      MasterUserPassword=PASSWORD, DBClusterParameterGroupName=rng.choice(junk),
                                      ManageMasterUserPassword=rng.choice([True, False]),
                                      MasterUserSecretKmsKeyId=rng.choice(junk)),
    ]  # fmt: skip
    family = _family(rds, "aurora-postgresql")
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName="fz", DBParameterGroupFamily=family,
                                          Description="fuzz")  # fmt: skip
    for _ in range(150):
        try:
            rng.choice(calls)()
        except botocore.exceptions.ClientError as error:
            assert 400 <= error.response["ResponseMetadata"]["HTTPStatusCode"] < 500, error.response
