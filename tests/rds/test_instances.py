"""Instance lifecycle and error paths."""

from __future__ import annotations

import psycopg
import pytest
from botocore.exceptions import ClientError

from tests.rds.conftest import PASSWORD, wait_status


def error(excinfo: pytest.ExceptionInfo) -> tuple[str, str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def create(rds, identifier="db1", **kwargs):
    params = dict(DBInstanceIdentifier=identifier, Engine="postgres", DBInstanceClass="db.t3.micro",
                  MasterUsername="postgres", MasterUserPassword=PASSWORD, AllocatedStorage=20)  # fmt: skip
    params.update(kwargs)
    return rds.create_db_instance(**params)


@pytest.mark.parametrize(
    "kwargs, code, text",
    [
        ({"DBInstanceIdentifier": "1bad"}, "InvalidParameterValue", "not a valid identifier"),
        ({"DBInstanceIdentifier": "bad--name"}, "InvalidParameterValue", "not a valid identifier"),
        ({"Engine": "foo"}, "InvalidParameterValue", "Invalid DB engine: foo"),
        ({"Engine": "aurora-postgresql"}, "InvalidParameterCombination", "DB cluster"),
        ({"Engine": "neptune"}, "InvalidParameterCombination", "DB cluster"),
        ({"EngineVersion": "9.6"}, "InvalidParameterCombination", "Cannot find version 9.6 for postgres"),
        ({"DBInstanceClass": "db.x9.huge"}, "InvalidParameterCombination", "DBInstanceClass=db.x9.huge"),
        ({"MasterUserPassword": "short"}, "InvalidParameterValue", "shorter than 8 characters"),
        ({"MasterUserPassword": "has/slash1"}, "InvalidParameterValue", "printable ASCII"),
        ({"MasterUsername": "rdsadmin"}, "InvalidParameterValue", "reserved word"),
        ({"AllocatedStorage": 5}, "InvalidParameterCombination", "Invalid storage size"),
        ({"DBParameterGroupName": "nope"}, "DBParameterGroupNotFound", "DBParameterGroup not found: nope"),
        ({"OptionGroupName": "nope"}, "OptionGroupNotFoundFault", "nope not found"),
        ({"DBSubnetGroupName": "nope"}, "DBSubnetGroupNotFoundFault", "nope not found"),
        ({"BackupRetentionPeriod": 40}, "InvalidParameterValue", "backup retention"),
    ],
)
def test_create_rejects_bad_input(rds, kwargs, code, text):
    with pytest.raises(ClientError) as excinfo:
        create(rds, **kwargs)
    got_code, message, status = error(excinfo)
    assert (got_code, status) == (code, 404 if code.endswith("NotFound") or code.endswith("NotFoundFault") else 400)
    assert text in message
    assert rds.describe_db_instances()["DBInstances"] == []


def test_duplicate_unknown_and_state_errors(rds, make_instance):
    make_instance("db1")
    with pytest.raises(ClientError) as excinfo:
        create(rds, "db1")
    assert error(excinfo)[:2] == ("DBInstanceAlreadyExists", "DB instance already exists")
    for call in (rds.describe_db_instances, rds.reboot_db_instance, rds.stop_db_instance, rds.start_db_instance):
        with pytest.raises(ClientError) as excinfo:
            call(DBInstanceIdentifier="ghost")
        assert error(excinfo) == ("DBInstanceNotFound", "DBInstance ghost not found.", 404)
    with pytest.raises(ClientError) as excinfo:
        rds.start_db_instance(DBInstanceIdentifier="db1")
    assert error(excinfo)[0] == "InvalidDBInstanceState"
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_instance(DBInstanceIdentifier="db1")
    assert "FinalDBSnapshotIdentifier is required" in error(excinfo)[1]


def test_stop_start_reboot_keep_data(rds, make_instance):
    instance = make_instance("db1", DBName="app")
    port = instance["Endpoint"]["Port"]
    dsn = dict(host="127.0.0.1", port=port, user="postgres", password=PASSWORD, dbname="app", connect_timeout=3)
    with psycopg.connect(**dsn) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (42)")
    assert rds.reboot_db_instance(DBInstanceIdentifier="db1")["DBInstance"]["DBInstanceStatus"] == "rebooting"
    wait_status(rds, "db1", "available")
    assert rds.stop_db_instance(DBInstanceIdentifier="db1")["DBInstance"]["DBInstanceStatus"] == "stopping"
    wait_status(rds, "db1", "stopped")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(**dsn)
    with pytest.raises(ClientError) as excinfo:
        rds.reboot_db_instance(DBInstanceIdentifier="db1")
    assert error(excinfo)[0] == "InvalidDBInstanceState"
    assert rds.start_db_instance(DBInstanceIdentifier="db1")["DBInstance"]["DBInstanceStatus"] == "starting"
    wait_status(rds, "db1", "available")
    with psycopg.connect(**dsn) as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(42,)]
    events = rds.describe_events(SourceType="db-instance", SourceIdentifier="db1")["Events"]
    # The first automated backup runs in the background meanwhile (test_point_in_time.py), and the port event is
    # said when something else on this machine holds 5432 (tests/rds/test_ports.py).
    messages = [e["Message"] for e in events
                if "backup" not in e["EventCategories"] and not e["Message"].startswith("The requested port")]  # fmt: skip
    assert messages == [
        "DB instance created.",
        "DB instance restarted.",
        "DB instance stopped.",
        "DB instance started.",
    ]


def test_modify_pending_and_immediate(rds, make_instance):
    make_instance("db1")
    out = rds.modify_db_instance(DBInstanceIdentifier="db1", DBInstanceClass="db.t3.small")["DBInstance"]
    assert out["PendingModifiedValues"] == {"DBInstanceClass": "db.t3.small"}
    assert out["DBInstanceClass"] == "db.t3.micro"
    rds.modify_db_instance(DBInstanceIdentifier="db1", DeletionProtection=True, BackupRetentionPeriod=7)
    out = rds.modify_db_instance(DBInstanceIdentifier="db1", ApplyImmediately=True)["DBInstance"]
    instance = wait_status(rds, "db1", "available")
    assert instance["DBInstanceClass"] == "db.t3.small"
    assert instance["PendingModifiedValues"] == {}
    assert instance["DeletionProtection"] is True and instance["BackupRetentionPeriod"] == 7
    with psycopg.connect(host="127.0.0.1", port=instance["Endpoint"]["Port"], user="postgres", password=PASSWORD,
                         dbname="postgres") as conn:  # fmt: skip
        assert conn.execute("SHOW max_connections").fetchone()[0] == str(int(2 * 1024**3 * 0.9) // 9531392)
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_instance(DBInstanceIdentifier="db1", SkipFinalSnapshot=True)
    assert error(excinfo)[:2] == (
        "InvalidParameterCombination",
        "Cannot delete protected DB Instance, please disable deletion protection and try again.",
    )
    rds.modify_db_instance(DBInstanceIdentifier="db1", DeletionProtection=False)
    rds.delete_db_instance(DBInstanceIdentifier="db1", SkipFinalSnapshot=True)


def test_describe_filters_and_paging(rds, make_instance):
    for index in range(3):
        create(rds, f"page{index}")
    for index in range(3):
        wait_status(rds, f"page{index}", "available")
    first = rds.describe_db_instances(MaxRecords=20, Filters=[{"Name": "engine", "Values": ["postgres"]}])
    assert [i["DBInstanceIdentifier"] for i in first["DBInstances"]] == ["page0", "page1", "page2"]
    by_id = rds.describe_db_instances(Filters=[{"Name": "db-instance-id", "Values": ["page1"]}])["DBInstances"]
    assert [i["DBInstanceIdentifier"] for i in by_id] == ["page1"]
    assert rds.describe_db_instances(Filters=[{"Name": "engine", "Values": ["mysql"]}])["DBInstances"] == []
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_instances(MaxRecords=5)
    assert error(excinfo)[0] == "InvalidParameterValue"
    paginator = rds.get_paginator("describe_db_instances")
    assert sum(len(p["DBInstances"]) for p in paginator.paginate(PaginationConfig={"PageSize": 20})) == 3
