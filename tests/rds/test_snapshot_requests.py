"""DB snapshots as the RDS API reference describes them: fields, filters, identifier errors,
CopyDBSnapshot tag rules, ModifyDBSnapshotAttribute semantics."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.provenance("aws-docs")  # the RDS API reference

SNAPSHOT_IDENTIFIER_MESSAGE = (
    "The parameter DBSnapshotIdentifier is not a valid identifier. Identifiers must begin with a letter; must "
    "contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive "
    "hyphens."
)


def error(excinfo: Any) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err["Message"]


def wait_available(rds: Any, identifier: str) -> dict[str, Any]:
    for _ in range(300):
        snap = rds.describe_db_snapshots(DBSnapshotIdentifier=identifier)["DBSnapshots"][0]
        if snap["Status"] == "available":
            return snap
        time.sleep(0.1)
    raise AssertionError(snap)


def test_snapshot_fields_filters_and_tags(rds: Any, make_instance: Any) -> None:
    db = make_instance("snapdb", CopyTagsToSnapshot=True, Tags=[{"Key": "foo", "Value": "bar"}], StorageEncrypted=True)
    assert db["StorageEncrypted"] is True and db["KmsKeyId"].startswith("arn:aws:kms:us-east-1:000000000000:key/")
    created = rds.create_db_snapshot(DBInstanceIdentifier="snapdb", DBSnapshotIdentifier="Snap-One")["DBSnapshot"]
    assert created["DBSnapshotIdentifier"] == "snap-one"
    assert created["Status"] == "creating" and created["PercentProgress"] == 0
    snap = wait_available(rds, "snap-one")
    assert snap["PercentProgress"] == 100 and snap["SnapshotType"] == "manual"
    assert snap["Encrypted"] is True and snap["KmsKeyId"] == db["KmsKeyId"]
    assert isinstance(snap["SnapshotCreateTime"], dt.datetime)
    assert snap["InstanceCreateTime"] == db["InstanceCreateTime"]
    assert snap["DBSnapshotArn"] == "arn:aws:rds:us-east-1:000000000000:snapshot:snap-one"
    assert (snap["Engine"], snap["DbiResourceId"], snap["MasterUsername"]) == (
        "postgres",
        db["DbiResourceId"],
        "postgres",
    )
    assert (snap["AllocatedStorage"], snap["StorageType"], snap["Port"]) == (20, "gp2", db["Endpoint"]["Port"])
    # CopyTagsToSnapshot: the instance's tags; explicit Tags replace them.
    assert snap["TagList"] == [{"Key": "foo", "Value": "bar"}]
    rds.create_db_snapshot(
        DBInstanceIdentifier="snapdb", DBSnapshotIdentifier="snap-two", Tags=[{"Key": "own", "Value": "1"}]
    )
    wait_available(rds, "snap-two")
    assert rds.list_tags_for_resource(ResourceName=snap["DBSnapshotArn"].replace("snap-one", "snap-two"))[
        "TagList"
    ] == [{"Key": "own", "Value": "1"}]

    def ids(**kwargs: Any) -> list[str]:
        return [s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots(**kwargs)["DBSnapshots"]]

    assert ids(DBInstanceIdentifier="snapdb") == ["snap-one", "snap-two"]
    assert ids(Filters=[{"Name": "db-instance-id", "Values": [db["DBInstanceArn"]]}]) == ["snap-one", "snap-two"]
    assert ids(Filters=[{"Name": "dbi-resource-id", "Values": [db["DbiResourceId"]]}]) == ["snap-one", "snap-two"]
    assert ids(Filters=[{"Name": "snapshot-type", "Values": ["automated"]}]) == []
    assert ids(Filters=[{"Name": "engine", "Values": ["mariadb"]}]) == []
    assert ids(DBSnapshotIdentifier="snap-one", Filters=[{"Name": "db-snapshot-id", "Values": ["snap-two"]}]) == [
        "snap-one",
        "snap-two",
    ]
    assert ids(DBSnapshotIdentifier="nope", DBInstanceIdentifier="other") == []
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_snapshots(DBSnapshotIdentifier="snap-one", Filters=[{"Name": "engine", "Values": ["mysql"]}])
    assert error(excinfo) == ("DBSnapshotNotFound", "DBSnapshot snap-one not found.")
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_snapshots(DBSnapshotIdentifier="non-existent")
    assert error(excinfo) == ("DBSnapshotNotFound", "DBSnapshot non-existent not found.")
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_snapshots(Filters=[{"Name": "invalid-filter-name", "Values": ["x"]}])
    assert error(excinfo) == ("InvalidParameterValue", "Unrecognized filter name: invalid-filter-name")

    # Identifier errors: RDS words a bad first character differently.
    for bad, message in [
        ("", "The parameter DBSnapshotIdentifier must be provided and must not be blank."),
        ("-invalid", "Invalid snapshot identifier:  -invalid"),
        ("in--valid", SNAPSHOT_IDENTIFIER_MESSAGE),
        ("x" * 256, SNAPSHOT_IDENTIFIER_MESSAGE),
    ]:
        with pytest.raises(ClientError) as excinfo:
            rds.create_db_snapshot(DBInstanceIdentifier="snapdb", DBSnapshotIdentifier=bad)
        assert error(excinfo) == ("InvalidParameterValue", message)
    with pytest.raises(ClientError) as excinfo:
        rds.stop_db_instance(DBInstanceIdentifier="snapdb", DBSnapshotIdentifier="--invalid--")
    assert error(excinfo) == ("InvalidParameterValue", "Invalid snapshot identifier:  --invalid--")
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_snapshot(DBInstanceIdentifier="missing", DBSnapshotIdentifier="s")
    assert error(excinfo) == ("DBInstanceNotFound", "DBInstance missing not found.")

    # CopyDBSnapshot: given Tags replace the source's; CopyTags copies them only when no Tags are given.
    rds.add_tags_to_resource(ResourceName=snap["DBSnapshotArn"], Tags=[{"Key": "original", "Value": "tags"}])
    source_tags = [{"Key": "foo", "Value": "bar"}, {"Key": "original", "Value": "tags"}]
    new_tags = [{"Key": "new", "Value": "tag"}]
    for index, (kwargs, expected) in enumerate(
        [
            ({}, []),
            ({"CopyTags": True}, source_tags),
            ({"Tags": new_tags}, new_tags),
            ({"Tags": new_tags, "CopyTags": True}, new_tags),
            ({"Tags": [], "CopyTags": True}, source_tags),
        ]
    ):
        copy = rds.copy_db_snapshot(
            SourceDBSnapshotIdentifier="snap-one", TargetDBSnapshotIdentifier=f"copy-{index}", **kwargs
        )["DBSnapshot"]
        assert copy["SnapshotType"] == "manual" and copy["SourceDBSnapshotIdentifier"] == snap["DBSnapshotArn"]
        assert rds.list_tags_for_resource(ResourceName=copy["DBSnapshotArn"])["TagList"] == expected, kwargs
    with pytest.raises(ClientError) as excinfo:
        rds.copy_db_snapshot(
            SourceDBSnapshotIdentifier="arn:aws:rds:us-east-1:000000000000:this-is-not-a-snapshot:snapshot-1",
            TargetDBSnapshotIdentifier="copy-x",
        )
    code, message = error(excinfo)
    assert code == "InvalidParameterValue" and "is not a valid identifier" in message
    with pytest.raises(ClientError) as excinfo:
        rds.copy_db_snapshot(SourceDBSnapshotIdentifier="snap-one", TargetDBSnapshotIdentifier="snap-two")
    assert error(excinfo)[0] == "DBSnapshotAlreadyExists"
    with pytest.raises(ClientError) as excinfo:
        rds.copy_db_snapshot(SourceDBSnapshotIdentifier="snap-one", TargetDBSnapshotIdentifier="-bad")
    assert error(excinfo) == ("InvalidParameterValue", "Invalid snapshot identifier:  -bad")
    with pytest.raises(ClientError) as excinfo:
        rds.copy_db_snapshot(SourceDBSnapshotIdentifier="missing", TargetDBSnapshotIdentifier="copy-y")
    assert error(excinfo) == ("DBSnapshotNotFound", "DBSnapshot missing not found.")

    # Sharing: restore attribute values added and removed, in order.
    attributes = rds.describe_db_snapshot_attributes(DBSnapshotIdentifier="snap-one")["DBSnapshotAttributesResult"]
    assert attributes == {
        "DBSnapshotIdentifier": "snap-one",
        "DBSnapshotAttributes": [{"AttributeName": "restore", "AttributeValues": []}],
    }
    rds.modify_db_snapshot_attribute(
        DBSnapshotIdentifier="snap-one", AttributeName="restore", ValuesToAdd=["111111111111", "222222222222"]
    )
    rds.modify_db_snapshot_attribute(
        DBSnapshotIdentifier="snap-one", AttributeName="restore", ValuesToRemove=["111111111111"]
    )
    result = rds.modify_db_snapshot_attribute(
        DBSnapshotIdentifier="snap-one", AttributeName="restore", ValuesToAdd=["333333333333"]
    )["DBSnapshotAttributesResult"]
    assert result["DBSnapshotAttributes"][0]["AttributeValues"] == ["222222222222", "333333333333"]
    with pytest.raises(ClientError) as excinfo:  # the snapshot is encrypted
        rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="snap-one", AttributeName="restore", ValuesToAdd=["all"])
    assert error(excinfo)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="snap-one", AttributeName="bogus", ValuesToAdd=["all"])
    assert error(excinfo)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as excinfo:
        rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="nope", AttributeName="restore", ValuesToAdd=["all"])
    assert error(excinfo) == ("DBSnapshotNotFound", "DBSnapshot nope not found.")


def test_manual_snapshot_quota(rds: Any, make_instance: Any, monkeypatch: Any) -> None:
    from fogbank.services.rds.ops import snapshots

    make_instance("quota")
    monkeypatch.setattr(snapshots, "SNAPSHOT_QUOTA", 1)
    rds.create_db_snapshot(DBInstanceIdentifier="quota", DBSnapshotIdentifier="q1")
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_snapshot(DBInstanceIdentifier="quota", DBSnapshotIdentifier="q2")
    assert error(excinfo) == (
        "SnapshotQuotaExceeded",
        "The request cannot be processed because it would exceed the maximum number of snapshots.",
    )
    wait_available(rds, "q1")
    with pytest.raises(ClientError) as excinfo:
        rds.copy_db_snapshot(SourceDBSnapshotIdentifier="q1", TargetDBSnapshotIdentifier="q3")
    assert error(excinfo)[0] == "SnapshotQuotaExceeded"
