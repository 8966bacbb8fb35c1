"""A Fogbank upgraded in place keeps its RDS resources: a state document written by an older
Fogbank (events without the shared layer's ``Sequence``) loads, and its events list in their
order, page by page."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import boto3

from fogbank.server import Fogbank

ACCOUNT, REGION = "000000000000", "us-east-1"


def _old_document(moment: dt.datetime) -> dict[str, Any]:
    """What the RDS store wrote before it used fogbank.managed (recorded from that code)."""
    arn = f"arn:aws:rds:{REGION}:{ACCOUNT}:db:olddb"
    instance = {
        "DBInstanceIdentifier": "olddb", "DBInstanceClass": "db.t3.micro", "Engine": "postgres",
        "EngineVersion": "16.4", "DBInstanceStatus": "stopped", "AllocatedStorage": 20, "StorageType": "gp2",
        "BackupRetentionPeriod": 1, "PreferredBackupWindow": "03:00-03:30",
        "PreferredMaintenanceWindow": "sun:05:00-sun:05:30", "AvailabilityZone": f"{REGION}a", "MultiAZ": False,
        "AutoMinorVersionUpgrade": True, "LicenseModel": "postgresql-license", "PubliclyAccessible": False,
        "StorageEncrypted": False, "DbiResourceId": "db-OLDFORMATOLDFORMATOLDFORM",
        "CACertificateIdentifier": "rds-ca-rsa2048-g1", "CopyTagsToSnapshot": False, "MonitoringInterval": 0,
        "DBInstanceArn": arn, "IAMDatabaseAuthenticationEnabled": False, "PerformanceInsightsEnabled": False,
        "EnabledCloudwatchLogsExports": None, "DeletionProtection": False,
        "TagList": [{"Key": "team", "Value": "data"}], "CustomerOwnedIpEnabled": False, "NetworkType": "IPV4",
        "BackupTarget": "region", "DedicatedLogVolume": False, "MultiTenant": False,
        "EngineLifecycleSupport": "open-source-rds-extended-support", "ActivityStreamStatus": "stopped",
        "DatabaseInsightsMode": "standard", "DBParameterGroupName": "default.postgres16",
        "ParameterApplyStatus": "in-sync", "OptionGroupName": "default:postgres-16", "DBSubnetGroupName": "default",
        "VpcSecurityGroupIds": ["sg-0123456789abcdef0"], "PendingModifiedValues": {},
        "InstanceCreateTime": (moment - dt.timedelta(minutes=30)).isoformat(), "Port": 5432,
        "MasterUsername": "postgres", "_password": "old-secret-password",
    }  # fmt: skip
    events = [
        {
            "SourceIdentifier": "olddb",
            "SourceType": "db-instance",
            "Message": f"old event {n}",
            "EventCategories": ["notification"],
            "Date": (moment - dt.timedelta(minutes=25) + dt.timedelta(seconds=n // 5)).isoformat(),
            "SourceArn": arn,
        }
        for n in range(25)  # several share a second: their stored order must be kept
    ]
    return {
        "instances": {"olddb": instance},
        "snapshots": {},
        "parameter_groups": {},
        "subnet_groups": {},
        "option_groups": {},
        "events": events,
    }


def test_an_old_state_document_still_loads() -> None:
    root = Path(tempfile.mkdtemp(prefix="fogbank-rds-upgrade-"))
    state = root / "rds" / "state" / ACCOUNT / f"{REGION}.json"
    state.parent.mkdir(parents=True)
    state.write_text(json.dumps(_old_document(dt.datetime.now(dt.UTC))))
    with Fogbank(port=0, data_dir=root) as fb:
        rds = boto3.client("rds", endpoint_url=fb.endpoint, region_name=REGION,
                           aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
        instance = rds.describe_db_instances(DBInstanceIdentifier="olddb")["DBInstances"][0]
        assert instance["DBInstanceStatus"] == "stopped" and instance["MasterUsername"] == "postgres"
        assert rds.list_tags_for_resource(ResourceName=instance["DBInstanceArn"])["TagList"] == [
            {"Key": "team", "Value": "data"}
        ]
        first = rds.describe_events(SourceType="db-instance", SourceIdentifier="olddb", MaxRecords=20)
        second = rds.describe_events(
            SourceType="db-instance", SourceIdentifier="olddb", MaxRecords=20, Marker=first["Marker"]
        )
        assert "Marker" not in second
        messages = [e["Message"] for e in first["Events"] + second["Events"]]
        # After them, maybe: "The requested port 5432 is in use on this host..." (another test's engine).
        assert messages[:25] == [f"old event {n}" for n in range(25)]
        assert all(message.startswith("The requested port") for message in messages[25:])
        rds.add_tags_to_resource(ResourceName=instance["DBInstanceArn"], Tags=[{"Key": "k", "Value": "v"}])
    saved = json.loads(state.read_text())  # written again in the new form, numbered in stored order
    assert [e["Sequence"] for e in saved["events"][:25]] == list(range(1, 26))


def test_an_old_document_becomes_typed_records(tmp_path: Path) -> None:
    """Each old dict record becomes a shared-layer Record: its ``_private`` keys a typed private
    dataclass, its status, ARN, resource id and tags on the Record; saved in the new form."""
    from fogbank.managed.store import Store
    from fogbank.services.rds import records

    moment = dt.datetime.now(dt.UTC)
    old = _old_document(moment)
    old["snapshots"]["snap1"] = {
        "DBSnapshotIdentifier": "snap1", "DBInstanceIdentifier": "olddb", "Engine": "postgres", "Status": "available",
        "DBSnapshotArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:snap1", "DbiResourceId": "db-OLDFORMATOLDFORMATOLDFORM",
        "TagList": [], "SnapshotCreateTime": moment.isoformat(), "_id": "snap-abc", "_password": "old-secret-password",
        "_DBName": None, "_DBInstanceClass": "db.t3.micro", "_DBParameterGroupName": "pg1", "_restore": ["123456789012"],
    }  # fmt: skip
    old["parameter_groups"]["pg1"] = {
        "DBParameterGroupName": "pg1", "DBParameterGroupFamily": "postgres16", "Description": "d",
        "DBParameterGroupArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:pg:pg1", "TagList": [{"Key": "a", "Value": "b"}],
        "_values": {"work_mem": "8192"}, "_methods": {"work_mem": "immediate"},
    }  # fmt: skip
    old["subnet_groups"]["default"] = {
        "DBSubnetGroupName": "default", "DBSubnetGroupDescription": "default", "VpcId": "vpc-1",
        "DBSubnetGroupArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:subgrp:default", "TagList": [],
        "_subnets": [["subnet-0123456789abcdef0", f"{REGION}a"]],
    }  # fmt: skip
    old["option_groups"]["default:postgres-16"] = {
        "OptionGroupName": "default:postgres-16", "OptionGroupDescription": "d", "EngineName": "postgres",
        "MajorEngineVersion": "16", "Options": [], "AllowsVpcAndNonVpcInstanceMemberships": True,
        "OptionGroupArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:og:default:postgres-16", "TagList": [],
    }  # fmt: skip
    path = tmp_path / ACCOUNT / f"{REGION}.json"
    path.parent.mkdir()
    path.write_text(json.dumps(old))

    store = Store(tmp_path, records.KINDS, upgrade=records.upgrade)
    scope = store.scope(ACCOUNT, REGION)
    instance = scope.get(records.INSTANCE, "olddb")
    assert instance is not None and instance.status == "stopped"
    assert instance.private == records.InstancePrivate(password="old-secret-password")
    assert instance.resource_id == "db-OLDFORMATOLDFORMATOLDFORM" and instance.tags == [
        {"Key": "team", "Value": "data"}
    ]
    assert instance.arn.endswith(":db:olddb") and instance.fields["MasterUsername"] == "postgres"
    assert not any(key.startswith("_") for key in instance.fields) and "DBInstanceStatus" not in instance.fields
    snap = scope.get(records.SNAPSHOT, "snap1")
    assert snap is not None and snap.status == "available" and snap.resource_id == "snap-abc"
    assert snap.private == records.SnapshotPrivate(
        "snap-abc", "old-secret-password", None, "db.t3.micro", "pg1", ["123456789012"]
    )
    group = scope.get(records.PARAMETER_GROUP, "pg1")
    assert group is not None and group.status is None and group.tags == [{"Key": "a", "Value": "b"}]
    assert group.private == records.ParameterGroupPrivate({"work_mem": "8192"}, {"work_mem": "immediate"})
    subnets = scope.get(records.SUBNET_GROUP, "default")
    assert subnets is not None and subnets.private.subnets == [["subnet-0123456789abcdef0", f"{REGION}a"]]
    assert scope.get(records.OPTION_GROUP, "default:postgres-16") is not None
    assert [event.sequence for event in scope.events.events] == list(range(1, 26))

    store.save(scope)
    saved = json.loads(path.read_text())
    assert saved["format"] == 1 and "instances" not in saved
    again = Store(tmp_path, records.KINDS, upgrade=records.upgrade).scope(ACCOUNT, REGION)
    reloaded = again.get(records.PARAMETER_GROUP, "pg1")
    assert reloaded is not None and reloaded.resource_id == group.resource_id  # made once, then kept
    assert again.get(records.INSTANCE, "olddb").private.password == "old-secret-password"  # type: ignore[union-attr]


def test_an_old_document_with_an_unknown_private_key_is_refused(tmp_path: Path) -> None:
    """A ``_key`` the conversion does not know would be dropped silently: loading fails instead."""
    import pytest

    from fogbank.managed.store import Store
    from fogbank.services.rds import records

    old = _old_document(dt.datetime.now(dt.UTC))
    old["instances"]["olddb"]["_mystery"] = 1
    path = tmp_path / ACCOUNT / f"{REGION}.json"
    path.parent.mkdir()
    path.write_text(json.dumps(old))
    with pytest.raises(ValueError, match="_mystery"):
        Store(tmp_path, records.KINDS, upgrade=records.upgrade)
