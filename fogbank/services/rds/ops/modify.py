"""ModifyDBInstance: immediate changes, pending (maintenance-window) changes, engine work."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import (
    backups,
    certificates,
    clusters,
    lifecycle,
    master_secret,
    multi_az_clusters,
    replicas,
    serverless,
    upgrades,
    validation,
)
from fogbank.services.rds.engines import EngineVersion
from fogbank.services.rds.model import INSTANCE as INSTANCE_LIFECYCLE
from fogbank.services.rds.model import check_identifier
from fogbank.services.rds.ops import clusters as cluster_ops
from fogbank.services.rds.ops.common import backend, instance, require
from fogbank.services.rds.ops.instances import render
from fogbank.services.rds.ops.option_groups import resolve_option_group
from fogbank.services.rds.ops.parameter_groups import resolve_parameter_group
from fogbank.services.rds.ops.subnet_groups import resolve_subnet_group
from fogbank.services.rds.records import INSTANCE

# Applied at once whatever ApplyImmediately says (as on RDS): metadata, and the port.
_IMMEDIATE = {
    "AutoMinorVersionUpgrade": "AutoMinorVersionUpgrade", "PubliclyAccessible": "PubliclyAccessible",
    "CopyTagsToSnapshot": "CopyTagsToSnapshot", "MonitoringInterval": "MonitoringInterval",
    "MonitoringRoleArn": "MonitoringRoleArn", "PromotionTier": "PromotionTier", "DeletionProtection": "DeletionProtection",
    "MaxAllocatedStorage": "MaxAllocatedStorage", "EnablePerformanceInsights": "PerformanceInsightsEnabled",
    "EnableIAMDatabaseAuthentication": "IAMDatabaseAuthenticationEnabled", "VpcSecurityGroupIds": "VpcSecurityGroupIds",
    "DatabaseInsightsMode": "DatabaseInsightsMode",
}  # fmt: skip
# Wait for the maintenance window unless ApplyImmediately (then PendingModifiedValues shows them).
_DEFERRABLE = ("DBInstanceClass", "AllocatedStorage", "StorageType", "Iops", "StorageThroughput",
               "CACertificateIdentifier", "BackupRetentionPeriod", "MultiAZ")  # fmt: skip


def _validate(ctx: RequestContext, record: Record[Any], params: dict[str, Any]) -> EngineVersion | None:
    """RDS's checks, before anything changes; the engine version to upgrade to, if any."""
    be, region = backend(ctx)
    validation.unsupported(params)
    cluster_ops.check_member_modify(record, params)
    replicas.check_modify(region, record, params)
    if params.get("MultiAZ") and record.fields.get(replicas.SOURCE):
        raise AwsError("InvalidParameterCombination", "Multi-AZ read replicas are not supported by Fogbank yet.")
    version = be.version_of(record)
    target = upgrades.check(be, region, record, params)
    if params.get("Engine") and params["Engine"] != record.fields["Engine"]:
        raise AwsError("InvalidParameterCombination", "Cannot change the engine of a DB instance.")
    if params.get("DBInstanceClass"):
        validation.instance_class(params["DBInstanceClass"], version, record.fields["LicenseModel"])
        cluster = clusters.cluster_of(region, record)
        if cluster is not None:
            serverless.check_member(cluster, params["DBInstanceClass"])
    if params.get("AllocatedStorage") is not None or params.get("StorageType"):
        size = params.get("AllocatedStorage", record.fields["AllocatedStorage"])
        if size < record.fields["AllocatedStorage"]:
            raise AwsError(
                "InvalidParameterValue", "Invalid storage size: the allocated storage of a DB instance cannot decrease."
            )
        validation.storage(record.fields["Engine"], params.get("StorageType") or record.fields["StorageType"], size)
    if any(params.get(k) is not None for k in ("AllocatedStorage", "StorageType", "Iops", "StorageThroughput")):
        _performance(record, params)

    if params.get("MaxAllocatedStorage"):  # 0 turns storage autoscaling off
        validation.max_allocated_storage(
            params.get("AllocatedStorage") or record.fields["AllocatedStorage"], params["MaxAllocatedStorage"]
        )
    if params.get("MasterUserPassword") is not None:
        validation.master_password(record.fields["Engine"], params["MasterUserPassword"])
    validation.backup_retention(params.get("BackupRetentionPeriod"))
    validation.port(params.get("DBPortNumber"), be.api_port)
    if params.get("CACertificateIdentifier"):
        certificates.check(params["CACertificateIdentifier"])
    validation.windows(params, record.fields)
    if params.get("DBParameterGroupName"):  # of the new version's family when it comes with an upgrade
        resolve_parameter_group(ctx, region, params["DBParameterGroupName"], target or version)
    if target is not None:
        upgrades.parameter_group(region, record, target, params.get("DBParameterGroupName"))
    if params.get("OptionGroupName"):
        resolve_option_group(ctx, region, params["OptionGroupName"], version)
    if params.get("DBSubnetGroupName"):
        resolve_subnet_group(ctx, region, params["DBSubnetGroupName"])
    return target


def _performance(record: Record[Any], values: dict[str, Any]) -> dict[str, int]:
    """Iops / StorageThroughput after a storage change (checked as on creation); provisioned
    IOPS carry over for io1/io2, gp3 falls back to its baseline."""
    storage_type = values.get("StorageType") or record.fields["StorageType"]
    size = values.get("AllocatedStorage") or record.fields["AllocatedStorage"]
    iops = values.get("Iops")
    if iops is None and storage_type in ("io1", "io2"):
        iops = record.fields.get("Iops")
    return validation.storage_performance(storage_type, size, iops, values.get("StorageThroughput"))


@operation("ModifyDBInstance")
def modify_db_instance(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    now_ = bool(params.get("ApplyImmediately"))
    with be.store.lock:
        record = instance(region, params["DBInstanceIdentifier"])
        multi_az_clusters.refuse_instance_operation(region, record, "ModifyDBInstance", "modify", "ModifyDBCluster")
        require(record, "available", "stopped", message="Database instance is not in available state.")
        requested = set(params) - {"DBInstanceIdentifier", "ApplyImmediately", "AllowMajorVersionUpgrade"}
        if not requested and not (now_ and record.fields.get("PendingModifiedValues")):
            raise AwsError("InvalidParameterCombination", "No modifications were requested")
        target = _validate(ctx, record, params)
        managed = master_secret.check_modify(record, params)
        stopped = record.status == "stopped"
        record.fields["PreferredBackupWindow"], record.fields["PreferredMaintenanceWindow"] = validation.windows(
            params, record.fields
        )
        for name, field in _IMMEDIATE.items():
            if params.get(name) is not None:
                record.fields[field] = params[name]
        if record.fields.get("MaxAllocatedStorage") == 0:  # autoscaling turned off: RDS then shows no ceiling
            del record.fields["MaxAllocatedStorage"]
        if params.get("CloudwatchLogsExportConfiguration"):
            config = params["CloudwatchLogsExportConfiguration"]
            logs = set(record.fields.get("EnabledCloudwatchLogsExports") or [])
            logs |= set(config.get("EnableLogTypes") or [])
            logs -= set(config.get("DisableLogTypes") or [])
            record.fields["EnabledCloudwatchLogsExports"] = sorted(logs) or None
        if params.get("OptionGroupName"):
            record.fields["OptionGroupName"] = resolve_option_group(
                ctx, region, params["OptionGroupName"], be.version_of(record)
            )
        if params.get("DBSubnetGroupName"):
            record.fields["DBSubnetGroupName"] = resolve_subnet_group(ctx, region, params["DBSubnetGroupName"])

        pending = dict(record.fields.get("PendingModifiedValues") or {})
        for name in _DEFERRABLE:
            if params.get(name) is not None and params[name] != record.fields.get(name):
                pending[name] = params[name]
        if params.get("NewDBInstanceIdentifier"):
            new_id = check_identifier(params["NewDBInstanceIdentifier"], "NewDBInstanceIdentifier")
            if new_id != record.identifier:
                if new_id in region.of(INSTANCE):
                    raise AwsError("DBInstanceAlreadyExistsFault", "DB instance already exists")
                pending["DBInstanceIdentifier"] = new_id
        upgrade = None  # (EngineVersion, DBParameterGroupName): after the other changes, on the same queue
        if target is not None:
            group = upgrades.parameter_group(region, record, target, params.get("DBParameterGroupName"))
            if group:
                resolve_parameter_group(ctx, region, group, target)  # a default group of the new family is made
            pending["EngineVersion"] = target.version  # the group goes with it, not before it
            record.private.pending_parameter_group = group or ""
            params = {k: v for k, v in params.items() if k != "DBParameterGroupName"}
        changes: dict[str, Any] = {}
        if now_:
            changes.update(pending)
            pending = {}
            if "EngineVersion" in changes:
                upgrade = (changes.pop("EngineVersion"), record.private.pending_parameter_group or None)
                if stopped:  # a stopped instance is upgraded once it runs again: it stays pending
                    pending["EngineVersion"] = upgrade[0]
                    upgrade = None
        if params.get("DBPortNumber") is not None and params["DBPortNumber"] != record.fields["Port"]:
            changes["Port"] = lifecycle.allocate_port(be, params["DBPortNumber"])
            lifecycle.port_event(be, region, record, params["DBPortNumber"], changes["Port"])
        if params.get("MasterUserPassword") is not None:
            changes["MasterUserPassword"] = params["MasterUserPassword"]
        if managed in ("manage", "rotate"):  # a new password, in the engine and in the secret
            changes["MasterUserPassword"] = master_secret.new_password()
            if managed == "manage":
                master_secret.create(ctx, record, changes["MasterUserPassword"], params.get("MasterUserSecretKmsKeyId"))
            else:
                master_secret.rotate(ctx, record, changes["MasterUserPassword"])
        elif managed == "unmanage":
            master_secret.remove(ctx, record)
        group_name = (params.get("DBParameterGroupName") or "").lower()
        if group_name and group_name != record.fields["DBParameterGroupName"]:
            changes["DBParameterGroupName"] = group_name
            changes["_settings_changed"] = True
        new_id = changes.pop("DBInstanceIdentifier", None)
        if new_id:
            replicas.renamed(region, record, new_id)
            region.remove(record)
            record.identifier = record.fields["DBInstanceIdentifier"] = new_id
            record.arn = record.fields["DBInstanceArn"] = ctx.arn("rds", f"db:{new_id}")
            region.add(record)
        # Metadata-only changes need no engine work.
        storage = {
            k: changes[k] for k in ("AllocatedStorage", "StorageType", "Iops", "StorageThroughput") if k in changes
        }
        if storage:
            performance = _performance(record, storage)
            record.fields.pop("Iops", None)
            record.fields.pop("StorageThroughput", None)
            record.fields.update(performance)
        if "BackupRetentionPeriod" in changes and (changes["BackupRetentionPeriod"] > 0) != backups.enabled(record):
            changes["_archiving_changed"] = True  # the engine restarts with its log archived, or no longer
        for name in ("AllocatedStorage", "StorageType", "CACertificateIdentifier", "BackupRetentionPeriod"):
            if name in changes:
                record.fields[name] = changes.pop(name)
        changes.pop("Iops", None)
        changes.pop("StorageThroughput", None)
        record.fields["PendingModifiedValues"] = pending
        engine_work = bool(changes)
        if engine_work and not stopped:
            INSTANCE_LIFECYCLE.move(record, "modifying")
            if set(changes) == {"MasterUserPassword"}:
                INSTANCE_LIFECYCLE.move(record, "resetting-master-credentials")
            if changes.get("_settings_changed"):
                record.fields["ParameterApplyStatus"] = "applying"
        elif engine_work:  # a stopped instance takes the new values when it starts
            if "MasterUserPassword" in changes:
                record.private.password_on_start = changes.pop("MasterUserPassword")
            if "Port" in changes:
                be.supervisor.release_port(record.fields["Port"])
            record.fields.update({k: v for k, v in changes.items() if not k.startswith("_")})
            if changes.get("_settings_changed"):
                record.fields["ParameterApplyStatus"] = "pending-reboot"
            engine_work = False
        if upgrade is not None and not engine_work:
            upgrades.begin(record)
        be.save(region)
        out = render(region, record)
        if "MasterUserPassword" in changes and managed is None:
            out["PendingModifiedValues"] = {**out["PendingModifiedValues"], "MasterUserPassword": "****"}
    if engine_work:
        be.jobs.submit(record.resource_id, lambda: _apply(be, region, record, changes))
    if upgrade is not None:
        version, group = upgrade
        be.jobs.submit(record.resource_id, lambda: upgrades.run(be, region, record, version, group))
    return {"DBInstance": out}


def _apply(be: Any, region: Any, record: Record[Any], changes: dict[str, Any]) -> None:
    lifecycle.modify(be, region, record, changes)
    if changes.get("_settings_changed"):
        with be.store.lock:
            # A newly associated group takes full effect at the next reboot, as on RDS.
            record.fields["ParameterApplyStatus"] = "pending-reboot"
            be.save(region)
