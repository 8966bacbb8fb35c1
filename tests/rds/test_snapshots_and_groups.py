"""Snapshots, parameter groups, subnet and option groups, tags, logs, engine versions."""

from __future__ import annotations

import time

import psycopg
import pymysql
import pytest
from botocore.exceptions import ClientError

from tests.rds.conftest import PASSWORD, wait_status


def wait_snapshot(rds, identifier):
    for _ in range(300):
        snap = rds.describe_db_snapshots(DBSnapshotIdentifier=identifier)["DBSnapshots"][0]
        if snap["Status"] == "available":
            return snap
        time.sleep(0.1)
    raise AssertionError(snap)


def test_snapshot_copy_restore(rds, make_instance):
    instance = make_instance("src", DBName="app")
    dsn = dict(host="127.0.0.1", user="postgres", password=PASSWORD, dbname="app")
    with psycopg.connect(port=instance["Endpoint"]["Port"], **dsn) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (1)")
    snap = rds.create_db_snapshot(DBInstanceIdentifier="src", DBSnapshotIdentifier="snap1")["DBSnapshot"]
    assert snap["Status"] == "creating" and snap["SnapshotType"] == "manual"
    wait_snapshot(rds, "snap1")
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_snapshot(DBInstanceIdentifier="src", DBSnapshotIdentifier="snap1")
    assert excinfo.value.response["Error"]["Code"] == "DBSnapshotAlreadyExists"
    with psycopg.connect(port=instance["Endpoint"]["Port"], **dsn) as conn:
        conn.execute("INSERT INTO t VALUES (2)")  # after the snapshot: not in the restore
    rds.copy_db_snapshot(SourceDBSnapshotIdentifier="snap1", TargetDBSnapshotIdentifier="snap2")
    wait_snapshot(rds, "snap2")
    rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="restored", DBSnapshotIdentifier="snap2")
    restored = wait_status(rds, "restored", "available")
    assert restored["Endpoint"]["Port"] != instance["Endpoint"]["Port"]
    with psycopg.connect(port=restored["Endpoint"]["Port"], **dsn) as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]
    rds.modify_db_snapshot_attribute(
        DBSnapshotIdentifier="snap1", AttributeName="restore", ValuesToAdd=["123456789012"]
    )
    attrs = rds.describe_db_snapshot_attributes(DBSnapshotIdentifier="snap1")["DBSnapshotAttributesResult"]
    assert attrs["DBSnapshotAttributes"] == [{"AttributeName": "restore", "AttributeValues": ["123456789012"]}]
    assert rds.delete_db_snapshot(DBSnapshotIdentifier="snap2")["DBSnapshot"]["DBSnapshotIdentifier"] == "snap2"
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_snapshot(DBSnapshotIdentifier="snap2")
    assert excinfo.value.response["Error"]["Code"] == "DBSnapshotNotFound"
    rds.delete_db_instance(DBInstanceIdentifier="src", FinalDBSnapshotIdentifier="final")
    rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier="src")
    assert wait_snapshot(rds, "final")["DBInstanceIdentifier"] == "src"


def test_mariadb_snapshot_restore(rds, make_instance):
    instance = make_instance("msrc", engine="mariadb", DBName="app")
    conn = pymysql.connect(host="127.0.0.1", port=instance["Endpoint"]["Port"], user="admin", password=PASSWORD,
                           database="app", autocommit=True)  # fmt: skip
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x int)")
        cursor.execute("INSERT INTO t VALUES (7)")
    conn.close()
    rds.create_db_snapshot(DBInstanceIdentifier="msrc", DBSnapshotIdentifier="msnap")
    wait_snapshot(rds, "msnap")
    rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="mcopy", DBSnapshotIdentifier="msnap")
    restored = wait_status(rds, "mcopy", "available")
    conn = pymysql.connect(host="127.0.0.1", port=restored["Endpoint"]["Port"], user="admin", password=PASSWORD,
                           database="app")  # fmt: skip
    with conn.cursor() as cursor:
        cursor.execute("SELECT x FROM t")
        assert cursor.fetchall() == ((7,),)
    conn.close()


def test_parameter_group_applied_to_engine(rds, make_instance):
    family = rds.describe_db_engine_versions(Engine="postgres", DefaultOnly=True)["DBEngineVersions"][0][
        "DBParameterGroupFamily"
    ]
    rds.create_db_parameter_group(DBParameterGroupName="pg1", DBParameterGroupFamily=family, Description="mine")
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_parameter_group(DBParameterGroupName="pg1", DBParameterGroupFamily=family, Description="x")
    assert excinfo.value.response["Error"]["Code"] == "DBParameterGroupAlreadyExists"
    assert len(rds.describe_db_parameters(DBParameterGroupName="pg1")["Parameters"]) == 100
    pages = rds.get_paginator("describe_db_parameters").paginate(DBParameterGroupName="pg1")
    catalog = {p["ParameterName"]: p for page in pages for p in page["Parameters"]}
    assert catalog["shared_buffers"]["ApplyType"] == "static" and catalog["work_mem"]["ApplyType"] == "dynamic"
    instance = make_instance("pdb", DBParameterGroupName="pg1")
    bad = [
        ({"ParameterName": "no_such", "ParameterValue": "1"}, "Could not find parameter with name: no_such"),
        ({"ParameterName": "work_mem", "ParameterValue": "lots"}, "Invalid parameter value: lots for: work_mem"),
        ({"ParameterName": "shared_buffers", "ParameterValue": "2048", "ApplyMethod": "immediate"}, "static"),
    ]
    for change, text in bad:
        with pytest.raises(ClientError) as excinfo:
            rds.modify_db_parameter_group(DBParameterGroupName="pg1", Parameters=[change])
        assert text in excinfo.value.response["Error"]["Message"]
    rds.modify_db_parameter_group(
        DBParameterGroupName="pg1",
        Parameters=[
            {"ParameterName": "work_mem", "ParameterValue": "8192", "ApplyMethod": "immediate"},
            {"ParameterName": "max_connections", "ParameterValue": "42", "ApplyMethod": "pending-reboot"},
        ],
    )
    dsn = dict(
        host="127.0.0.1", port=instance["Endpoint"]["Port"], user="postgres", password=PASSWORD, dbname="postgres"
    )
    with psycopg.connect(**dsn) as conn:
        assert conn.execute("SHOW work_mem").fetchone()[0] == "8MB"
    described = wait_status(rds, "pdb", "available")
    assert described["DBParameterGroups"][0]["ParameterApplyStatus"] == "pending-reboot"
    rds.reboot_db_instance(DBInstanceIdentifier="pdb")
    described = wait_status(rds, "pdb", "available")
    assert described["DBParameterGroups"][0]["ParameterApplyStatus"] == "in-sync"
    with psycopg.connect(**dsn) as conn:
        assert conn.execute("SHOW max_connections").fetchone()[0] == "42"
    user = rds.describe_db_parameters(DBParameterGroupName="pg1", Source="user")["Parameters"]
    assert sorted(p["ParameterName"] for p in user) == ["max_connections", "work_mem"]
    rds.reset_db_parameter_group(DBParameterGroupName="pg1", ResetAllParameters=True)
    assert rds.describe_db_parameters(DBParameterGroupName="pg1", Source="user")["Parameters"] == []
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_parameter_group(DBParameterGroupName="pg1")
    assert excinfo.value.response["Error"]["Code"] == "InvalidDBParameterGroupState"
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_parameter_group(
            DBParameterGroupName=f"default.{family}", Parameters=[{"ParameterName": "work_mem", "ParameterValue": "1"}]
        )
    assert "default parameter group" in excinfo.value.response["Error"]["Message"]


def test_tags_events_logs(rds, make_instance):
    instance = make_instance("tagged", Tags=[{"Key": "a", "Value": "1"}])
    arn = instance["DBInstanceArn"]
    rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "b", "Value": "2"}])
    rds.remove_tags_from_resource(ResourceName=arn, TagKeys=["a"])
    assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "b", "Value": "2"}]
    with pytest.raises(ClientError) as excinfo:
        rds.list_tags_for_resource(ResourceName=arn.replace("tagged", "ghost"))
    assert excinfo.value.response["Error"]["Code"] == "DBInstanceNotFound"
    files = rds.describe_db_log_files(DBInstanceIdentifier="tagged")["DescribeDBLogFiles"]
    assert files[0]["LogFileName"] == "error/postgresql.log" and files[0]["Size"] > 0
    portion = rds.download_db_log_file_portion(
        DBInstanceIdentifier="tagged", LogFileName="error/postgresql.log", Marker="0"
    )
    assert "database system is ready to accept connections" in portion["LogFileData"]
    # Without the port event, said when another program on this machine holds 5432 (tests/rds/test_ports.py).
    events = [e for e in rds.describe_events(SourceType="db-instance")["Events"]
              if not e["Message"].startswith("The requested port")]  # fmt: skip
    assert events[0]["SourceArn"] == arn and events[0]["Message"] == "DB instance created."


def test_engine_versions_and_groups(rds):
    versions = rds.describe_db_engine_versions()["DBEngineVersions"]
    assert {"postgres", "mariadb", "mysql"} <= {v["Engine"] for v in versions}
    mysql = rds.describe_db_engine_versions(Engine="mysql")["DBEngineVersions"]
    assert all(
        "MariaDB" in v["DBEngineVersionDescription"] or "MySQL" in v["DBEngineVersionDescription"] for v in mysql
    )
    options = rds.describe_orderable_db_instance_options(Engine="postgres", DBInstanceClass="db.t3.micro")
    assert options["OrderableDBInstanceOptions"][0]["DBInstanceClass"] == "db.t3.micro"
    group = rds.create_db_subnet_group(
        DBSubnetGroupName="sub1", DBSubnetGroupDescription="d", SubnetIds=["subnet-0123abcd", "subnet-4567abcd"]
    )["DBSubnetGroup"]
    assert len(group["Subnets"]) == 2 and group["SubnetGroupStatus"] == "Complete"
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_subnet_group(DBSubnetGroupName="sub2", DBSubnetGroupDescription="d", SubnetIds=["nope"])
    assert excinfo.value.response["Error"]["Code"] == "InvalidSubnet"
    major = mysql[0]["MajorEngineVersion"]
    rds.create_option_group(
        OptionGroupName="og1", EngineName="mysql", MajorEngineVersion=major, OptionGroupDescription="d"
    )
    names = [g["OptionGroupName"] for g in rds.describe_option_groups()["OptionGroupsList"]]
    assert "og1" in names
    rds.delete_option_group(OptionGroupName="og1")
    rds.delete_db_subnet_group(DBSubnetGroupName="sub1")
