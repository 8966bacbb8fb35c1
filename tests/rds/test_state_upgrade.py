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
