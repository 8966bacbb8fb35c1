"""DB instance operations: create, describe, modify, reboot, stop, start, delete."""

from __future__ import annotations

import uuid
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import (
    certificates,
    lifecycle,
    master_secret,
    multi_az,
    multi_az_clusters,
    replicas,
    validation,
)
from fogbank.services.rds.backend import Backend
from fogbank.services.rds.backups import automated_backup
from fogbank.services.rds.engines import is_aurora, is_postgres
from fogbank.services.rds.model import (
    CA_CERTIFICATE,
    check_identifier,
    default_security_group,
    invalid_state,
    new_resource_id,
    not_found,
    render_instance,
)
from fogbank.services.rds.model import (
    INSTANCE as INSTANCE_LIFECYCLE,
)
from fogbank.services.rds.ops import clusters, global_clusters
from fogbank.services.rds.ops.common import backend, filters, instance_strict, page, require, tag_list
from fogbank.services.rds.ops.option_groups import resolve_option_group
from fogbank.services.rds.ops.parameter_groups import resolve_parameter_group
from fogbank.services.rds.ops.subnet_groups import resolve_subnet_group
from fogbank.services.rds.records import INSTANCE, SUBNET_GROUP, InstancePrivate
from fogbank.services.rds.store import Region

# Fields copied from the request as they are; the rest is computed.
_STORED = (
    "AutoMinorVersionUpgrade", "PubliclyAccessible",
    "CopyTagsToSnapshot", "MonitoringInterval", "MonitoringRoleArn", "PromotionTier", "Timezone",
    "MaxAllocatedStorage", "CharacterSetName", "StorageThroughput", "Iops", "KmsKeyId", "StorageEncrypted",
    "DeletionProtection", "NetworkType", "BackupTarget", "DedicatedLogVolume", "MultiTenant",
    "EngineLifecycleSupport", "DatabaseInsightsMode", "CACertificateIdentifier",
)  # fmt: skip


def render(region: Region, record: Record[Any], be: Backend | None = None) -> dict[str, Any]:
    """The DBInstance; with ``be`` also its replication state, read from the engine now."""
    groups = region.of(SUBNET_GROUP)
    out = render_instance(record, groups.get(record.fields["DBSubnetGroupName"]) or _default_subnet(region))
    replicas.members(region, record, out)
    if be is not None:
        replicas.status_infos(be, record, out)
    clusters.member_view(region, record, out)
    return out


def _default_subnet(region: Region) -> Record[Any] | None:
    return region.of(SUBNET_GROUP).get("default")


def new_record(ctx: RequestContext, params: dict[str, Any], identifier: str) -> Record[Any]:
    """The instance record every creation path (create, restore) starts from."""
    be, region = backend(ctx)
    # CreateDBInstance checked the version asked for; the others copy a recorded one.
    version = be.engines.resolve(params["Engine"], params.get("EngineVersion"), recorded=True)
    kind = be.engines.kind(version.engine)
    license_model = params.get("LicenseModel") or kind.license_model
    validation.instance_class(params["DBInstanceClass"], version, license_model)
    storage_type = params.get("StorageType") or ("io1" if params.get("Iops") else "gp2")
    allocated = params.get("AllocatedStorage")
    if allocated is None:  # the storage type's smallest size (gp2 20, io1 100, standard 5)
        allocated = validation.STORAGE_TYPES.get(storage_type, (20, 0))[0]
    validation.storage(version.engine, storage_type, allocated)
    validation.max_allocated_storage(allocated, params.get("MaxAllocatedStorage"))
    performance = validation.storage_performance(
        storage_type, allocated, params.get("Iops"), params.get("StorageThroughput")
    )
    validation.port(params.get("Port"), be.api_port)
    if params.get("CACertificateIdentifier"):
        certificates.check(params["CACertificateIdentifier"])
    validation.backup_retention(params.get("BackupRetentionPeriod"))
    backup_window, maintenance_window = validation.windows(params)
    zone = validation.availability_zone(ctx.region, params.get("AvailabilityZone"))
    if params.get("MultiAZ") and params.get("AvailabilityZone"):
        raise AwsError(
            "InvalidParameterCombination",
            "Requesting a specific availability zone is not valid for Multi-AZ instances.",
        )
    group = resolve_parameter_group(ctx, region, params.get("DBParameterGroupName"), version)
    option_group = resolve_option_group(ctx, region, params.get("OptionGroupName"), version)
    subnet_group = resolve_subnet_group(ctx, region, params.get("DBSubnetGroupName"))
    if not params.get("AvailabilityZone"):  # RDS places the instance in one of its subnet group's zones
        with be.store.lock:
            zones = sorted(subnet_zone for _, subnet_zone in region.of(SUBNET_GROUP)[subnet_group].private.subnets)
        zone = zones[0] if zones else zone
    resource_id = new_resource_id()
    arn = ctx.arn("rds", f"db:{identifier}")
    fields: dict[str, Any] = {
        "DBInstanceIdentifier": identifier,
        "DBInstanceClass": params["DBInstanceClass"],
        "Engine": version.engine,
        "EngineVersion": version.version,
        "AllocatedStorage": allocated,
        "StorageType": storage_type,
        "BackupRetentionPeriod": params.get("BackupRetentionPeriod", 1),
        "PreferredBackupWindow": backup_window,
        "PreferredMaintenanceWindow": maintenance_window,
        "AvailabilityZone": zone,
        "MultiAZ": bool(params.get("MultiAZ")),
        "AutoMinorVersionUpgrade": True,
        "LicenseModel": license_model,
        "PubliclyAccessible": False,
        "StorageEncrypted": False,
        "DbiResourceId": resource_id,
        "CACertificateIdentifier": CA_CERTIFICATE,
        "CopyTagsToSnapshot": False,
        "MonitoringInterval": 0,
        "DBInstanceArn": arn,
        "IAMDatabaseAuthenticationEnabled": bool(params.get("EnableIAMDatabaseAuthentication")),
        "PerformanceInsightsEnabled": bool(params.get("EnablePerformanceInsights")),
        "EnabledCloudwatchLogsExports": params.get("EnableCloudwatchLogsExports") or None,
        "DeletionProtection": False,
        "CustomerOwnedIpEnabled": False,
        "NetworkType": "IPV4",
        "BackupTarget": "region",
        "DedicatedLogVolume": False,
        "MultiTenant": False,
        "EngineLifecycleSupport": "open-source-rds-extended-support",
        "ActivityStreamStatus": "stopped",
        "DatabaseInsightsMode": "standard",
        "DBParameterGroupName": group,
        "ParameterApplyStatus": "in-sync",
        "OptionGroupName": option_group,
        "DBSubnetGroupName": subnet_group,
        "VpcSecurityGroupIds": params.get("VpcSecurityGroupIds") or [],
        "PendingModifiedValues": {},
        "InstanceCreateTime": None,
        "Port": 0,
    }
    record = Record(
        INSTANCE,
        identifier,
        arn,
        # A Multi-AZ MariaDB instance's standby follows its binary log: on from the start.
        InstancePrivate(
            requested_port=params.get("Port") or kind.default_port,
            binlog=bool(params.get("MultiAZ")) and not is_postgres(version.engine),
        ),
        fields=fields,
        status=INSTANCE_LIFECYCLE.initial,
        resource_id=resource_id,
        tags=tag_list(params.get("Tags")),
    )
    for key in _STORED:
        if params.get(key) is not None:
            record.fields[key] = params[key]
    record.fields.update(performance)
    if record.fields["StorageEncrypted"] and not record.fields.get("KmsKeyId"):
        # The account's AWS managed key for RDS (aws/rds), one per account and region.
        key = uuid.uuid5(uuid.NAMESPACE_URL, f"aws/rds/{ctx.account_id}/{ctx.region}")
        record.fields["KmsKeyId"] = ctx.arn("kms", f"key/{key}")
    if record.fields["PerformanceInsightsEnabled"]:
        record.fields["PerformanceInsightsRetentionPeriod"] = params.get("PerformanceInsightsRetentionPeriod") or 7
    if not record.fields["VpcSecurityGroupIds"]:  # the VPC's default security group, shared by the region's instances
        record.fields["VpcSecurityGroupIds"] = [default_security_group(ctx.account_id, ctx.region)]
    return record


def admit(ctx: RequestContext, record: Record[Any]) -> dict[str, Any]:
    """Add a new record (unless the identifier is taken) with a port, and render it."""
    be, region = backend(ctx)
    with be.store.lock:
        if record.identifier in region.of(INSTANCE):
            raise AwsError("DBInstanceAlreadyExistsFault", "DB instance already exists")
        wanted = record.private.requested_port
        record.fields["Port"] = lifecycle.allocate_port(be, wanted)
        region.add(record)
        be.save(region)
        lifecycle.port_event(be, region, record, wanted)
        return render(region, record)


@operation("CreateDBInstance")
def create_db_instance(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    identifier = check_identifier(params["DBInstanceIdentifier"])
    if params.get("DBClusterIdentifier"):
        return {"DBInstance": _create_member(ctx, params, identifier)}
    version = be.engines.resolve(params["Engine"], params.get("EngineVersion"))
    if is_aurora(version.engine):
        raise AwsError(
            "InvalidParameterCombination",
            f"A DB instance of engine {version.engine} is created in a DB cluster: create the cluster "
            "(CreateDBCluster), then the instance with its DBClusterIdentifier.",
        )
    params = {**params, "Engine": version.engine}
    record = new_record(ctx, params, identifier)
    record.fields["MasterUsername"] = validation.master_username(version.engine, params.get("MasterUsername"))
    managed = master_secret.check_create(params)
    record.private.password = (master_secret.new_password() if managed
                               else validation.master_password(version.engine, params.get("MasterUserPassword")))  # fmt: skip
    name = validation.db_name(version.engine, params.get("DBName"))
    if name is not None:
        record.fields["DBName"] = name
    with be.store.lock:
        if identifier in region.of(INSTANCE):
            raise AwsError("DBInstanceAlreadyExistsFault", "DB instance already exists")
        out = admit(ctx, record)
        if managed:  # once the instance is admitted: no secret is left behind by a refused create
            master_secret.create(ctx, record, record.private.password, params.get("MasterUserSecretKmsKeyId"))
            be.save(region)
            out = render(region, record)
    be.jobs.submit(record.resource_id, lambda: lifecycle.create(be, region, record))
    return {"DBInstance": out}


def _create_member(ctx: RequestContext, params: dict[str, Any], identifier: str) -> dict[str, Any]:
    """An Aurora cluster's writer (its first instance) or reader (``ops/clusters.py``)."""
    be, region = backend(ctx)
    with be.store.lock:
        cluster = clusters.check_member(region, params)
    params = {**params, "EngineVersion": cluster.fields["EngineVersion"]}
    record = new_record(ctx, params, identifier)
    with be.store.lock:
        cluster = clusters.check_member(region, params)  # again, now that the lock is held to the end
        clusters.join(region, cluster, record, params)
        out = admit(ctx, record)
    be.jobs.submit(record.resource_id, lambda: lifecycle.create(be, region, record))
    return out


def _lower(value: str) -> str:
    """Identifiers match case-insensitively (RDS stores them lowercase); ARNs are kept as they are."""
    return value if value.startswith("arn:") else value.lower()


_FILTERS = {
    "db-instance-id": lambda r: (r.identifier, r.arn),
    "dbi-resource-id": lambda r: (r.resource_id,),
    "engine": lambda r: (r.fields["Engine"],),
    "db-cluster-id": lambda r: tuple(x for x in (r.fields.get("DBClusterIdentifier"),) if x),
    "domain": lambda r: (),
}


@operation("DescribeDBInstances")
def describe_db_instances(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    identifier = params.get("DBInstanceIdentifier")
    for entry in params.get("Filters") or []:
        if entry.get("Name") == "db-instance-id":
            entry["Values"] = [_lower(v) for v in entry.get("Values") or []]
    match = filters(params, _FILTERS, {"db-instance-id": _lower(identifier) if identifier else None})
    with be.store.lock:
        records = [r for r in region.of(INSTANCE).values() if match(r)]
        if identifier and not records:
            raise not_found(identifier)
        chunk, marker = page(params, records, key=lambda r: r.identifier)
        return {"DBInstances": [render(region, r, be) for r in chunk], "Marker": marker}


def transition(be: Backend, region: Region, record: Record[Any], status: str) -> dict[str, Any]:
    """Durably put the instance in a passing ``status`` (the caller holds the store lock) and
    answer with it; the caller then queues the engine work that ends it."""
    INSTANCE_LIFECYCLE.move(record, status)
    be.save(region)
    return render(region, record)


@operation("RebootDBInstance")
def reboot_db_instance(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    with be.store.lock:
        record = instance_strict(region, params["DBInstanceIdentifier"])
        failover = bool(params.get("ForceFailover"))
        if failover and not multi_az.wanted(record):
            raise AwsError(
                "InvalidParameterCombination", "Reboot with failover is only supported for Multi-AZ DB instances."
            )
        require(record, "available", "failed")  # a reboot is how a failed engine is retried at once
        if failover and not multi_az.can_fail_over(be, record):
            raise invalid_state("The standby DB instance is not ready yet: reboot without failover, or retry later.")
        out = transition(be, region, record, "rebooting")
    if failover:
        be.jobs.submit(record.resource_id, lambda: multi_az.failover(be, region, record))
    else:
        be.jobs.submit(record.resource_id, lambda: lifecycle.reboot(be, region, record))
    return {"DBInstance": out}


@operation("StopDBInstance")
def stop_db_instance(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    from fogbank.services.rds.ops.snapshots import new_snapshot

    be, region = backend(ctx)
    with be.store.lock:
        record = instance_strict(region, params["DBInstanceIdentifier"])
        require(record, "available")
        if record.fields.get("DBClusterIdentifier"):
            raise AwsError(
                "InvalidParameterCombination",
                f"DB instance {record.identifier} is a member of a DB cluster: stop the cluster (StopDBCluster).",
            )
        replicas.check_stop(region, record)
        snap = None
        if params.get("DBSnapshotIdentifier"):
            snap = new_snapshot(ctx, region, record, params["DBSnapshotIdentifier"], [])
        out = transition(be, region, record, "stopping")
    be.jobs.submit(record.resource_id, lambda: lifecycle.stop(be, region, record, snap))
    return {"DBInstance": out}


@operation("StartDBInstance")
def start_db_instance(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    with be.store.lock:
        record = instance_strict(region, params["DBInstanceIdentifier"])
        multi_az_clusters.refuse_instance_operation(region, record, "StartDBInstance", "start", "StartDBCluster")
        require(
            record,
            "stopped",
            message=f"Instance {record.identifier} is not stopped, it cannot be started.",
        )
        out = transition(be, region, record, "starting")
    be.jobs.submit(record.resource_id, lambda: lifecycle.start(be, region, record))
    return {"DBInstance": out}


@operation("DeleteDBInstance")
def delete_db_instance(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    from fogbank.services.rds.ops.snapshots import new_snapshot

    be, region = backend(ctx)
    skip = bool(params.get("SkipFinalSnapshot"))
    final_id = params.get("FinalDBSnapshotIdentifier")
    with be.store.lock:
        # RDS checks the instance, then its protection, then the final-snapshot flags.
        record = instance_strict(region, params["DBInstanceIdentifier"])
        multi_az_clusters.refuse_instance_operation(region, record, "DeleteDBInstance", "delete", "DeleteDBCluster")
        global_clusters.check_instance_delete(region, record)
        if record.fields.get("DeletionProtection"):
            raise AwsError(
                "InvalidParameterCombination",
                "Cannot delete protected DB Instance, please disable deletion protection and try again.",
            )
        replicas.check_delete(record, final_id)
        if final_id and record.fields.get("DBClusterIdentifier"):
            raise AwsError(
                "InvalidParameterCombination",
                "FinalDBSnapshotIdentifier can not be specified when deleting a clustered instance",
            )
        if not skip and not final_id and not record.fields.get("DBClusterIdentifier"):
            raise AwsError(
                "InvalidParameterCombination",
                "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.",
            )
        if skip and final_id:
            raise AwsError(
                "InvalidParameterCombination", "Cannot specify both SkipFinalSnapshot and FinalDBSnapshotIdentifier."
            )
        if record.status == "deleting":
            raise invalid_state(f"Instance {record.identifier} is already being deleted.")
        final = None
        if final_id:
            require(
                record,
                "available",
                "stopped",
                message=f"Instance {record.identifier} is currently {record.status} - "
                "a final snapshot cannot be taken.",
            )
            final = new_snapshot(ctx, region, record, final_id, [])
        automated = automated_backup(region, record)
        if automated is not None:  # RDS deletes them by default
            automated.private.delete_with_instance = params.get("DeleteAutomatedBackups") is not False
        master_secret.remove(ctx, record)  # an RDS-managed password's secret goes with its instance
        out = transition(be, region, record, "deleting")
    be.jobs.submit(record.resource_id, lambda: lifecycle.delete(be, region, record, final))
    return {"DBInstance": out}
