"""DB instances and snapshots: their records, the statuses they go through, and how
DescribeDBInstances / DescribeDBSnapshots render them.

A record is the shared layer's ``Record`` (its kinds and private types: ``records``). Statuses are AWS's: an instance is ``creating`` until
its engine accepts connections, then ``available``; ``modifying``, ``rebooting``,
``stopping``/``stopped``, ``starting`` and ``deleting`` are shown while that work runs. Which
status may follow which is declared once (``INSTANCE``, a ``fogbank.managed.lifecycle.Lifecycle``);
``INSTANCE.move`` refuses any other change, and the same table decides recovery at start
(``fogbank.managed.recovery``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import string
from typing import Any

from fogbank.managed.lifecycle import Lifecycle, transitions
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.rds import certificates

ENDPOINT_ADDRESS = "127.0.0.1"  # engines listen on loopback only
HOSTED_ZONE_ID = "Z2R2ITUGPM61AM"
CA_CERTIFICATE = certificates.DEFAULT

# Statuses in which the instance's engine should be running (and is brought back at start-up,
# ``starting`` meanwhile); ``creating`` is created again instead.
RUNNING = frozenset({"available", "modifying", "rebooting", "starting", "backing-up", "resetting-master-credentials",
                     "renaming", "storage-optimization", "upgrading"})  # fmt: skip
# Any status but ``deleting`` may fail (the engine would not start, a snapshot of a restore was bad)
# or be deleted (DeleteDBInstance takes an instance in any status).
_ANY = ("failed", "deleting")
INSTANCE = Lifecycle(
    kind="db-instance",
    transitions=transitions(
        {
            "creating": ("available", *_ANY),
            "available": (
                "modifying",
                "resetting-master-credentials",
                "rebooting",
                "stopping",
                "starting",
                "upgrading",
                *_ANY,
            ),  # fmt: skip
            "modifying": ("available", "resetting-master-credentials", "starting", "upgrading", *_ANY),
            "upgrading": ("available", "starting", *_ANY),  # ModifyDBInstance EngineVersion (rds/upgrades.py)
            "resetting-master-credentials": ("available", "starting", *_ANY),
            "rebooting": ("available", "starting", *_ANY),  # a user's reboot, or the supervisor's restart
            "stopping": ("stopped", *_ANY),
            "stopped": ("starting", *_ANY),
            "starting": ("available", *_ANY),
            "failed": ("rebooting", "starting", "available", "deleting"),  # retried, rebooted, restarted
            "backing-up": ("available", "starting", *_ANY),
            "renaming": ("available", "starting", *_ANY),
            "storage-optimization": ("available", "starting", *_ANY),
            "deleting": (),
        }
    ),
    running=RUNNING,
    settles={"stopping": "stopped"},  # interrupted by a Fogbank stop: the engine is down
)


_IDENTIFIER = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$")
IDENTIFIER_MESSAGE = (
    "The parameter {name} is not a valid identifier. Identifiers must begin with a letter; must contain only "
    "ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens."
)


def check_identifier(value: str, name: str = "DBInstanceIdentifier", max_length: int = 63) -> str:
    """Instance and snapshot identifiers; stored lowercase, as RDS does."""
    if not value:
        raise AwsError("InvalidParameterValue", f"The parameter {name} must be provided and must not be blank.")
    if len(value) > max_length or not _IDENTIFIER.match(value):
        raise AwsError("InvalidParameterValue", IDENTIFIER_MESSAGE.format(name=name))
    return value.lower()


def check_snapshot_identifier(value: str, name: str = "DBSnapshotIdentifier") -> str:
    """Snapshot identifiers (1-255 characters); RDS words a bad first character differently."""
    if value and not (value[0].isascii() and value[0].isalpha()):
        raise AwsError("InvalidParameterValue", f"Invalid snapshot identifier:  {value}")
    return check_identifier(value, name, 255)


def new_resource_id(prefix: str = "db-") -> str:
    alphabet = string.ascii_uppercase + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(26))


def default_security_group(account: str, region: str) -> str:
    return "sg-" + hashlib.sha1(f"{account}/{region}/default-sg".encode()).hexdigest()[:17]


def not_found(identifier: str) -> AwsError:
    return AwsError("DBInstanceNotFoundFault", f"DBInstance {identifier} not found.")


def invalid_state(message: str) -> AwsError:
    return AwsError("InvalidDBInstanceStateFault", message)


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def render_subnet_group(group: Record[Any]) -> dict[str, Any]:
    return {
        "DBSubnetGroupName": group.identifier,
        "DBSubnetGroupDescription": group.fields["DBSubnetGroupDescription"],
        "VpcId": group.fields["VpcId"],
        "SubnetGroupStatus": "Complete",
        "Subnets": [
            {
                "SubnetIdentifier": subnet_id,
                "SubnetAvailabilityZone": {"Name": zone},
                "SubnetOutpost": {},
                "SubnetStatus": "Active",
            }
            for subnet_id, zone in group.private.subnets
        ],
        "DBSubnetGroupArn": group.arn,
        "SupportedNetworkTypes": ["IPV4"],
    }


def render_instance(instance: Record[Any], subnet_group: Record[Any] | None) -> dict[str, Any]:
    """The DBInstance structure as DescribeDBInstances shows it."""
    status = instance.status
    record = {**instance.fields, "DBInstanceStatus": status, "TagList": instance.tags}
    out: dict[str, Any] = {
        key: record[key]
        for key in (
            "DBInstanceIdentifier", "DBInstanceClass", "Engine", "DBInstanceStatus", "MasterUsername", "DBName",
            "AllocatedStorage", "PreferredBackupWindow", "BackupRetentionPeriod", "AvailabilityZone",
            "PreferredMaintenanceWindow", "MultiAZ", "EngineVersion", "AutoMinorVersionUpgrade", "LicenseModel",
            "Iops", "StorageThroughput", "CharacterSetName", "PubliclyAccessible", "StorageType", "StorageEncrypted",
            "KmsKeyId", "DbiResourceId", "CACertificateIdentifier", "CopyTagsToSnapshot", "MonitoringInterval",
            "MonitoringRoleArn", "PromotionTier", "DBInstanceArn", "Timezone", "IAMDatabaseAuthenticationEnabled",
            "PerformanceInsightsEnabled", "EnabledCloudwatchLogsExports", "DeletionProtection", "MaxAllocatedStorage",
            "TagList", "CustomerOwnedIpEnabled", "NetworkType", "BackupTarget", "DedicatedLogVolume", "MultiTenant",
            "EngineLifecycleSupport", "DatabaseInsightsMode", "ActivityStreamStatus", "PerformanceInsightsRetentionPeriod",
            "MasterUserSecret",
        )
        if record.get(key) is not None
    }  # fmt: skip
    out["InstanceCreateTime"] = _time(record.get("InstanceCreateTime"))
    if record.get("MultiAZ"):  # the standby's zone (``multi_az.py``: a failover swaps the two)
        zone = record["AvailabilityZone"]
        out["SecondaryAvailabilityZone"] = record.get("SecondaryAvailabilityZone") or (
            zone[:-1] + ("b" if zone[-1] != "b" else "a")
        )
    if status not in ("creating",) and record.get("InstanceCreateTime"):
        out["Endpoint"] = {"Address": ENDPOINT_ADDRESS, "Port": record["Port"], "HostedZoneId": HOSTED_ZONE_ID}
    out["DbInstancePort"] = 0
    out["DBSecurityGroups"] = []
    out["VpcSecurityGroups"] = [
        {"VpcSecurityGroupId": group_id, "Status": "active"} for group_id in record["VpcSecurityGroupIds"]
    ]
    out["DBParameterGroups"] = [
        {"DBParameterGroupName": record["DBParameterGroupName"], "ParameterApplyStatus": record["ParameterApplyStatus"]}
    ]
    out["OptionGroupMemberships"] = [{"OptionGroupName": record["OptionGroupName"], "Status": "in-sync"}]
    if subnet_group is not None:
        out["DBSubnetGroup"] = render_subnet_group(subnet_group)
    pending = dict(record.get("PendingModifiedValues") or {})
    if pending.get("MasterUserPassword"):
        pending["MasterUserPassword"] = "****"
    out["PendingModifiedValues"] = pending
    out["ReadReplicaDBInstanceIdentifiers"] = []
    out["ReadReplicaDBClusterIdentifiers"] = []
    out["StatusInfos"] = []
    out["DomainMemberships"] = []
    out["AssociatedRoles"] = []
    out["ProcessorFeatures"] = []
    out["DBInstanceAutomatedBackupsReplications"] = []
    out["CertificateDetails"] = {
        "CAIdentifier": record["CACertificateIdentifier"],
        "ValidTill": certificates.valid_till(record["CACertificateIdentifier"]),
    }
    out["IsStorageConfigUpgradeAvailable"] = False
    if record.get("BackupRetentionPeriod", 0) > 0 and record.get("LatestRestorableTime"):
        latest = _time(record["LatestRestorableTime"])  # kept by backups.py, to the microsecond
        assert latest is not None
        out["LatestRestorableTime"] = latest.replace(microsecond=0)  # RDS shows whole seconds
    return out


def render_snapshot(snapshot: Record[Any]) -> dict[str, Any]:
    record = {**snapshot.fields, "Status": snapshot.status, "TagList": snapshot.tags}
    out = {key: value for key, value in record.items() if value is not None}
    for key in ("SnapshotCreateTime", "InstanceCreateTime", "OriginalSnapshotCreateTime"):
        if record.get(key):
            out[key] = _time(record[key])
    return out
