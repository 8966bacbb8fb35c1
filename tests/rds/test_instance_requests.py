"""DB instances as the RDS API reference describes them: every DBInstance field, filters, paging,
identifier / window / password / storage rules and their exact errors, DeleteDBInstance rules."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.rds.conftest import PASSWORD

pytestmark = pytest.mark.provenance("aws-docs")  # the RDS API reference

IDENTIFIER_MESSAGE = (
    "The parameter DBInstanceIdentifier is not a valid identifier. Identifiers must begin with a letter; must "
    "contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive "
    "hyphens."
)
BASE = {
    "Engine": "postgres",
    "DBInstanceClass": "db.t3.micro",
    "MasterUsername": "admin1",
    "MasterUserPassword": PASSWORD,
}


def error(excinfo: Any) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.fixture
def rds_lax(client: Any) -> Any:
    """A client that lets bad input through to the server, as other SDKs would send it."""
    return client("rds", parameter_validation=False)


def test_describe_db_instances_fields(rds: Any, make_instance: Any) -> None:
    make_instance("Conf-PG", Tags=[{"Key": "team", "Value": "db"}], CopyTagsToSnapshot=True)
    db = rds.describe_db_instances(DBInstanceIdentifier="conf-pg")["DBInstances"][0]
    assert db["DBInstanceIdentifier"] == "conf-pg"  # stored lowercase
    assert db["DBInstanceArn"] == "arn:aws:rds:us-east-1:000000000000:db:conf-pg"
    assert re.fullmatch(r"db-[A-Z0-9]{26}", db["DbiResourceId"])
    assert db["DBInstanceStatus"] == "available"
    assert set(db["Endpoint"]) == {"Address", "Port", "HostedZoneId"}
    assert isinstance(db["InstanceCreateTime"], dt.datetime)
    assert db["AvailabilityZone"].startswith("us-east-1")
    assert re.fullmatch(r"\d\d:\d\d-\d\d:\d\d", db["PreferredBackupWindow"])
    assert re.fullmatch(r"[a-z]{3}:\d\d:\d\d-[a-z]{3}:\d\d:\d\d", db["PreferredMaintenanceWindow"])
    major = db["EngineVersion"].split(".")[0]  # the newest installed major, as RDS's default is its newest
    default = rds.describe_db_engine_versions(Engine="postgres", DefaultOnly=True)["DBEngineVersions"]
    assert [v["EngineVersion"] for v in default] == [db["EngineVersion"]]
    assert db["DBParameterGroups"] == [
        {"DBParameterGroupName": f"default.postgres{major}", "ParameterApplyStatus": "in-sync"}
    ]
    subnet_group = db["DBSubnetGroup"]
    assert subnet_group["DBSubnetGroupName"] == "default" and subnet_group["VpcId"].startswith("vpc-")
    assert subnet_group["Subnets"] and all(s["SubnetStatus"] == "Active" for s in subnet_group["Subnets"])
    assert db["VpcSecurityGroups"][0]["Status"] == "active"
    assert db["StorageType"] == "gp2" and db["AllocatedStorage"] == 20 and "Iops" not in db
    assert db["CACertificateIdentifier"] == "rds-ca-rsa2048-g1"
    assert db["CertificateDetails"]["CAIdentifier"] == "rds-ca-rsa2048-g1"
    assert db["CertificateDetails"]["ValidTill"].year == 2061
    assert db["PendingModifiedValues"] == {}
    assert db["AutoMinorVersionUpgrade"] is True and db["CopyTagsToSnapshot"] is True
    assert db["MultiAZ"] is False and db["StorageEncrypted"] is False and db["DeletionProtection"] is False
    assert db["LicenseModel"] == "postgresql-license" and db["BackupRetentionPeriod"] == 1
    assert db["TagList"] == [{"Key": "team", "Value": "db"}]
    assert db["OptionGroupMemberships"] == [{"OptionGroupName": f"default:postgres-{major}", "Status": "in-sync"}]
    # The same instance by ARN, and the ListTagsForResource view of its tags.
    assert rds.describe_db_instances(DBInstanceIdentifier=db["DBInstanceArn"])["DBInstances"][0] == db
    assert rds.list_tags_for_resource(ResourceName=db["DBInstanceArn"])["TagList"] == db["TagList"]


def test_filters_merge_with_identifier(rds: Any, rds_lax: Any, make_instance: Any) -> None:
    pg = make_instance("fpg")
    make_instance("fmaria", engine="mariadb", StorageType="gp3")

    def ids(**kwargs: Any) -> list[str]:
        return [d["DBInstanceIdentifier"] for d in rds.describe_db_instances(**kwargs)["DBInstances"]]

    maria = rds.describe_db_instances(DBInstanceIdentifier="fmaria")["DBInstances"][0]
    assert (maria["StorageType"], maria["Iops"], maria["StorageThroughput"]) == ("gp3", 3000, 125)
    assert maria["VpcSecurityGroups"] == pg["VpcSecurityGroups"]  # both in the default VPC's default group
    assert maria["LicenseModel"] == "general-public-license"
    assert ids(Filters=[{"Name": "engine", "Values": ["mariadb"]}]) == ["fmaria"]
    assert ids(Filters=[{"Name": "engine", "Values": ["oracle-ee"]}]) == []
    assert ids(Filters=[{"Name": "db-instance-id", "Values": [pg["DBInstanceArn"]]}]) == ["fpg"]
    assert ids(Filters=[{"Name": "dbi-resource-id", "Values": [pg["DbiResourceId"]]}]) == ["fpg"]
    assert ids(Filters=[{"Name": "db-cluster-id", "Values": ["nope"]}]) == []
    assert ids(Filters=[{"Name": "domain", "Values": ["d-1234567890"]}]) == []
    # DBInstanceIdentifier is one more db-instance-id value: either may match.
    assert ids(DBInstanceIdentifier="nonexistent", Filters=[{"Name": "db-instance-id", "Values": ["fpg"]}]) == ["fpg"]
    assert ids(
        DBInstanceIdentifier="fpg",
        Filters=[{"Name": "db-instance-id", "Values": ["fmaria"]}, {"Name": "engine", "Values": ["mariadb"]}],
    ) == ["fmaria"]
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_instances(DBInstanceIdentifier="fpg", Filters=[{"Name": "engine", "Values": ["mariadb"]}])
    assert error(excinfo) == ("DBInstanceNotFound", "DBInstance fpg not found.")
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_instances(Filters=[{"Name": "invalid-filter-name", "Values": ["x"]}])
    assert error(excinfo) == ("InvalidParameterValue", "Unrecognized filter name: invalid-filter-name")
    with pytest.raises(ClientError) as excinfo:
        rds_lax.describe_db_instances(Filters=[{"Name": "engine", "Values": []}])
    code, message = error(excinfo)
    assert code == "InvalidParameterCombination" and "must not be empty" in message


@pytest.mark.parametrize("size", [19, 101, 0])
def test_max_records_limits(rds: Any, size: int) -> None:
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_instances(MaxRecords=size)
    assert error(excinfo) == (
        "InvalidParameterValue",
        f"Invalid value {size} for MaxRecords. Must be between 20 and 100",
    )


def test_describe_missing_instance(rds: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_instances(DBInstanceIdentifier="not-a-db")
    assert error(excinfo) == ("DBInstanceNotFound", "DBInstance not-a-db not found.")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert rds.describe_db_instances()["DBInstances"] == []


@pytest.mark.parametrize("identifier", ["-foo", "foo-", "2foo", "foo--bar", "foo_bar", "x" * 64])
def test_invalid_instance_identifiers(rds: Any, identifier: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_instance(DBInstanceIdentifier=identifier, **BASE)
    assert error(excinfo) == ("InvalidParameterValue", IDENTIFIER_MESSAGE)


@pytest.mark.parametrize("operation", ["start_db_instance", "stop_db_instance", "reboot_db_instance"])
def test_acting_operations_take_identifiers_not_arns(rds: Any, operation: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        getattr(rds, operation)(DBInstanceIdentifier="arn:aws:rds:us-east-1:000000000000:db:mydb")
    assert error(excinfo) == ("InvalidParameterValue", IDENTIFIER_MESSAGE)
    with pytest.raises(ClientError) as excinfo:
        getattr(rds, operation)(DBInstanceIdentifier="non-existent")
    assert error(excinfo) == ("DBInstanceNotFound", "DBInstance non-existent not found.")


@pytest.mark.parametrize(
    "windows, message",
    [
        ({"PreferredMaintenanceWindow": "mon:16:00-tue:17:00"}, "Maintenance window must be less than 24 hours."),
        ({"PreferredMaintenanceWindow": "mon:16:00-mon:16:05"}, "The maintenance window must be at least 30 minutes."),
        ({"PreferredMaintenanceWindow": "sim:16:00-mon:16:30"}, "Invalid day:hour:minute value: sim:16:00-mon:16:30"),
        (
            {"PreferredMaintenanceWindow": "mon:16tue:17:00"},
            "Invalid maintenance window format: mon:16tue:17:00. Should be specified as a range "
            "ddd:hh24:mi-ddd:hh24:mi (24H Clock UTC). Example: Sun:23:45-Mon:00:15",
        ),
        (
            {"PreferredMaintenanceWindow": "wed:18:00-wed:22:00", "PreferredBackupWindow": "20:00-20:30"},
            "The backup window and maintenance window must not overlap.",
        ),
        (
            {"PreferredMaintenanceWindow": "wed:18:00-thu:01:00", "PreferredBackupWindow": "00:00-00:30"},
            "The backup window and maintenance window must not overlap.",
        ),
        (
            {"PreferredMaintenanceWindow": "thu:00:00-thu:14:00", "PreferredBackupWindow": "23:50-00:20"},
            "The backup window and maintenance window must not overlap.",
        ),
        ({"PreferredBackupWindow": "03:00-03:10"}, "The backup window must be at least 30 minutes."),
    ],
)
def test_window_rules(rds: Any, windows: dict[str, str], message: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_instance(DBInstanceIdentifier="win", **BASE, **windows)
    assert error(excinfo) == ("InvalidParameterValue", message)


@pytest.mark.parametrize(
    "engine, password, message",
    [
        ("postgres", "short", "is shorter than 8 characters"),
        ("postgres", "p" * 129, "is longer than 128 characters"),
        ("mariadb", "p" * 42, "is longer than 41 characters"),
        ("mysql", "p" * 42, "is longer than 41 characters"),
        ("postgres", "bad@password", "Only printable ASCII characters besides '/', '@', '\"', ' ' may be used."),
        ("postgres", "bad password", "Only printable ASCII characters besides"),
    ],
)
def test_password_rules(rds: Any, engine: str, password: str, message: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_instance(DBInstanceIdentifier="pw", **{**BASE, "Engine": engine, "MasterUserPassword": password})
    code, text = error(excinfo)
    assert code == "InvalidParameterValue" and message in text


@pytest.mark.parametrize(
    "storage, code, message",
    [
        ({"AllocatedStorage": 19}, "InvalidParameterCombination", "Invalid storage size for engine name postgres and storage type gp2: 19"),
        ({"AllocatedStorage": 65537}, "InvalidParameterCombination", "Invalid storage size for engine name postgres and storage type gp2: 65537"),
        ({"AllocatedStorage": 4, "StorageType": "standard"}, "InvalidParameterCombination", "Invalid storage size for engine name postgres and storage type standard: 4"),
        ({"AllocatedStorage": 50, "StorageType": "io1", "Iops": 1000}, "InvalidParameterCombination", "Invalid storage size for engine name postgres and storage type io1: 50"),
        ({"AllocatedStorage": 100, "StorageType": "io1"}, "InvalidParameterCombination", "requires Iops"),
        ({"AllocatedStorage": 20, "StorageType": "gp4"}, "InvalidParameterValue", "Invalid storage type: gp4"),
        ({"AllocatedStorage": 100, "StorageType": "io1", "Iops": 500}, "InvalidParameterValue", "Invalid Iops value 500"),
        ({"AllocatedStorage": 100, "StorageType": "io1", "Iops": 6000}, "InvalidParameterCombination", "IOPS to GiB ratio"),
        ({"AllocatedStorage": 20, "StorageType": "gp3", "Iops": 3000}, "InvalidParameterCombination", "less than 400"),
        ({"AllocatedStorage": 20, "Iops": 1000, "StorageType": "gp2"}, "InvalidParameterCombination", "not supported by gp2"),
    ],
)  # fmt: skip
def test_storage_rules(rds: Any, storage: dict[str, Any], code: str, message: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_instance(DBInstanceIdentifier="st", **BASE, **storage)
    got_code, text = error(excinfo)
    assert got_code == code and message in text


def test_instance_class_and_engine_rules(rds: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_instance(DBInstanceIdentifier="cls", **{**BASE, "DBInstanceClass": "db.x9.huge"})
    code, message = error(excinfo)
    assert code == "InvalidParameterCombination"
    assert message.startswith("RDS does not support creating a DB instance with the following combination: ")
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_instance(DBInstanceIdentifier="eng", **{**BASE, "Engine": "invalid-engine"})
    assert error(excinfo) == ("InvalidParameterValue", "Invalid DB engine: invalid-engine")
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_instance(DBInstanceIdentifier="ca", CACertificateIdentifier="rds-ca-nope", **BASE)
    assert error(excinfo)[0] == "CertificateNotFound"
    assert rds.describe_db_instances()["DBInstances"] == []  # nothing half-created


def test_delete_rules(rds: Any, make_instance: Any) -> None:
    make_instance("del1", DeletionProtection=True)
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_instance(DBInstanceIdentifier="del1", SkipFinalSnapshot=True)
    assert error(excinfo) == (
        "InvalidParameterCombination",
        "Cannot delete protected DB Instance, please disable deletion protection and try again.",
    )
    rds.modify_db_instance(DBInstanceIdentifier="del1", DeletionProtection=False, ApplyImmediately=True)
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_instance(DBInstanceIdentifier="del1")
    assert error(excinfo) == (
        "InvalidParameterCombination",
        "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.",
    )
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_instance(DBInstanceIdentifier="del1", FinalDBSnapshotIdentifier="--bad--")
    assert error(excinfo) == ("InvalidParameterValue", "Invalid snapshot identifier:  --bad--")
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_instance(DBInstanceIdentifier="del1", SkipFinalSnapshot=True, FinalDBSnapshotIdentifier="f")
    assert error(excinfo)[0] == "InvalidParameterCombination"
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_instance(DBInstanceIdentifier="valid-1-id" * 10, SkipFinalSnapshot=True)
    assert error(excinfo) == ("InvalidParameterValue", IDENTIFIER_MESSAGE)
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_instance(DBInstanceIdentifier="non-existent", SkipFinalSnapshot=True)
    assert error(excinfo) == ("DBInstanceNotFound", "DBInstance non-existent not found.")
    out = rds.delete_db_instance(DBInstanceIdentifier="del1", FinalDBSnapshotIdentifier="del1-final")["DBInstance"]
    assert out["DBInstanceStatus"] == "deleting"
    rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier="del1", WaiterConfig={"Delay": 1})
    snap = rds.describe_db_snapshots(DBSnapshotIdentifier="del1-final")["DBSnapshots"][0]
    assert snap["SnapshotType"] == "manual" and snap["DBInstanceIdentifier"] == "del1"


def test_modify_windows_and_pending_values(rds: Any, make_instance: Any) -> None:
    make_instance("mod1")
    out = rds.modify_db_instance(
        DBInstanceIdentifier="mod1",
        PreferredMaintenanceWindow="Sun:16:00-Sun:16:30",
        PreferredBackupWindow="01:00-01:30",
        AllocatedStorage=30,
        ApplyImmediately=False,
    )["DBInstance"]
    assert out["PreferredMaintenanceWindow"] == "sun:16:00-sun:16:30"
    assert out["PreferredBackupWindow"] == "01:00-01:30"
    assert out["PendingModifiedValues"] == {"AllocatedStorage": 30}
    assert out["AllocatedStorage"] == 20
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_instance(DBInstanceIdentifier="mod1", PreferredBackupWindow="16:00-16:30")
    assert error(excinfo) == ("InvalidParameterValue", "The backup window and maintenance window must not overlap.")
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_instance(DBInstanceIdentifier="mod1", CACertificateIdentifier="rds-ca-bogus")
    assert error(excinfo)[0] == "CertificateNotFound"
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_instance(DBInstanceIdentifier="mod1")
    assert error(excinfo) == ("InvalidParameterCombination", "No modifications were requested")
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_instance(DBInstanceIdentifier="nope", AllocatedStorage=30)
    assert error(excinfo) == ("DBInstanceNotFound", "DBInstance nope not found.")
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_instance(DBInstanceIdentifier="mod1", Iops=1000, ApplyImmediately=True)
    assert error(excinfo)[0] == "InvalidParameterCombination"
    out = rds.modify_db_instance(DBInstanceIdentifier="mod1", StorageType="gp3", ApplyImmediately=True)["DBInstance"]
    assert (out["StorageType"], out["AllocatedStorage"], out["Iops"], out["StorageThroughput"]) == (
        "gp3",
        30,
        3000,
        125,
    )
    assert out["PendingModifiedValues"] == {}
    events = rds.describe_events(SourceType="db-instance", SourceIdentifier="mod1", Duration=60)["Events"]
    assert any(e["Message"] == "DB instance created." for e in events)
    assert all(e["SourceArn"].endswith(":db:mod1") for e in events)
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert rds.describe_events(SourceType="db-instance", StartTime=future)["Events"] == []
    assert rds.describe_events(SourceType="db-snapshot", SourceIdentifier="mod1")["Events"] == []


@pytest.mark.parametrize(
    "engine, username, message",
    [
        ("postgres", "rdsadmin", "MasterUsername rdsadmin cannot be used as it is a reserved word used by the engine"),
        ("postgres", "admin", "MasterUsername admin cannot be used as it is a reserved word used by the engine"),
        ("postgres", "1user", "MasterUsername must begin with a letter and contain only alphanumeric characters"),
        ("postgres", "u" * 64, "MasterUsername must begin with a letter"),
        ("mysql", "u" * 33, "MasterUsername must begin with a letter"),
        ("mariadb", "u" * 17, "MasterUsername must begin with a letter"),
        ("mariadb", "bad-name", "MasterUsername must begin with a letter"),
    ],
)
def test_master_username_rules(rds: Any, engine: str, username: str, message: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_instance(DBInstanceIdentifier="mu", **{**BASE, "Engine": engine, "MasterUsername": username})
    code, text = error(excinfo)
    assert code == "InvalidParameterValue" and text.startswith(message)


@pytest.mark.parametrize("name", ["1db", "my-db", "d" * 64])
def test_db_name_rules(rds: Any, name: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_instance(DBInstanceIdentifier="dbn", DBName=name, **BASE)
    code, text = error(excinfo)
    assert code == "InvalidParameterValue"
    assert text.startswith("DBName must begin with a letter and contain only alphanumeric characters")


def test_max_allocated_storage_must_exceed_allocated(rds: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_instance(DBInstanceIdentifier="mas", AllocatedStorage=50, MaxAllocatedStorage=40, **BASE)
    assert error(excinfo) == ("InvalidParameterCombination", "Max storage size must be greater than storage size.")


def test_create_response_is_creating_without_endpoint(rds: Any) -> None:
    out = rds.create_db_instance(DBInstanceIdentifier="fresh", **BASE)["DBInstance"]
    assert out["DBInstanceStatus"] == "creating"
    assert "Endpoint" not in out and "InstanceCreateTime" not in out
    assert out["PendingModifiedValues"] == {} and out["DBInstanceArn"].endswith(":db:fresh")
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier="fresh", WaiterConfig={"Delay": 1})
