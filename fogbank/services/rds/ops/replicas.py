"""Read replicas: CreateDBInstanceReadReplica and PromoteReadReplica (the engine work is
``rds/replicas.py``)."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import multi_az_clusters, replicas, validation
from fogbank.services.rds.backend import Backend
from fogbank.services.rds.model import check_identifier, invalid_state
from fogbank.services.rds.ops.common import backend, instance, instance_strict, require
from fogbank.services.rds.ops.instances import admit, new_record, transition
from fogbank.services.rds.store import Region

# RDS's words (InvalidDBInstanceState) for a source without automated backups.
NO_BACKUPS = (
    "Automated backups are not enabled for this database instance. To enable automated backups, "
    "use ModifyDBInstance to set the backup retention period to a non-zero value."
)
# What the replica takes from the request, else from its source.
_FROM_SOURCE = (
    "DBInstanceClass", "AllocatedStorage", "StorageType", "Iops", "StorageThroughput", "DBParameterGroupName",
    "OptionGroupName", "DBSubnetGroupName", "VpcSecurityGroupIds", "AvailabilityZone", "AutoMinorVersionUpgrade",
    "MaxAllocatedStorage", "StorageEncrypted", "KmsKeyId", "CACertificateIdentifier",
)  # fmt: skip


def _check_source(be: Backend, region: Region, params: dict[str, Any]) -> Record[Any]:
    """The source as RDS requires it: there, available, backed up, not at its replica quota."""
    if params.get("SourceDBClusterIdentifier"):
        raise AwsError(
            "InvalidParameterCombination", "DB clusters are not supported by Fogbank yet (SourceDBClusterIdentifier)."
        )
    if not params.get("SourceDBInstanceIdentifier"):
        raise AwsError(
            "InvalidParameterValue", "The parameter SourceDBInstanceIdentifier must be provided and must not be blank."
        )
    if params.get("ReplicaMode") == "mounted":
        raise AwsError("InvalidParameterCombination", "Mounted replicas are supported only for RDS for Oracle.")
    source = instance(region, params["SourceDBInstanceIdentifier"])
    multi_az_clusters.refuse_instance_operation(
        region, source, "CreateDBInstanceReadReplica", "replicate", "a Multi-AZ DB cluster's own readers"
    )
    if source.fields["Engine"] not in ("postgres", "mariadb", "mysql"):
        raise AwsError("InvalidParameterCombination", f"Read replicas of {source.fields['Engine']} are not supported.")
    if source.fields["Engine"] != "postgres" and be.version_of(source).binary.flavor != "mariadb":
        raise AwsError(
            "InvalidParameterCombination", "Read replicas of Oracle MySQL servers are not supported by Fogbank yet."
        )
    require(source, "available", message=f"Instance {source.identifier} is not in available state.")
    if not source.fields.get("BackupRetentionPeriod"):  # a replica's, unless turned on since
        raise invalid_state(NO_BACKUPS)
    if replicas.depth(region, source) >= replicas.MAX_CHAIN:
        raise invalid_state(
            f"DB instance {source.identifier} is the last of a chain of {replicas.MAX_CHAIN} read replicas: "
            "a read replica can't be created from it."
        )
    if len(replicas.replicas_of(region, source)) >= replicas.MAX_REPLICAS:
        raise invalid_state(
            f"DB instance {source.identifier} already has the maximum of {replicas.MAX_REPLICAS} read replicas."
        )
    return source


@operation("CreateDBInstanceReadReplica")
def create_db_instance_read_replica(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    identifier = check_identifier(params["DBInstanceIdentifier"])
    validation.unsupported(params)
    if params.get("MultiAZ"):
        raise AwsError("InvalidParameterCombination", "Multi-AZ read replicas are not supported by Fogbank yet.")
    with be.store.lock:
        source = _check_source(be, region, params)
        fields = source.fields
        request = {key: params.get(key, fields.get(key)) for key in _FROM_SOURCE}
        request = {key: value for key, value in request.items() if value is not None}
        if params.get("DBSubnetGroupName") is None and fields.get("DBSubnetGroupName") == "default":
            request.pop("DBSubnetGroupName")
        request.update(
            {key: value for key, value in params.items() if key not in _FROM_SOURCE and value is not None},
            Engine=fields["Engine"],
            EngineVersion=fields["EngineVersion"],
            BackupRetentionPeriod=0,  # RDS creates read replicas with backups disabled
            Port=params.get("Port") or source.private.requested_port or fields["Port"],
        )
    record = new_record(ctx, request, identifier)
    with be.store.lock:
        record.fields["MasterUsername"] = fields["MasterUsername"]
        if fields.get("DBName"):
            record.fields["DBName"] = fields["DBName"]
        record.fields[replicas.SOURCE] = source.identifier
        record.private.password = source.private.password
        out = admit(ctx, record)
    be.jobs.submit(record.resource_id, lambda: _create(be, region, record))
    return {"DBInstance": out}


def _create(be: Any, region: Region, record: Record[Any]) -> None:
    from fogbank.services.rds import lifecycle

    lifecycle.create(be, region, record)


@operation("PromoteReadReplica")
def promote_read_replica(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    validation.backup_retention(params.get("BackupRetentionPeriod"))
    changes: dict[str, Any] = {"BackupRetentionPeriod": params.get("BackupRetentionPeriod", 1)}
    if params.get("PreferredBackupWindow"):
        window = params["PreferredBackupWindow"]
        with be.store.lock:
            maintenance = instance_strict(region, params["DBInstanceIdentifier"]).fields["PreferredMaintenanceWindow"]
        validation.windows({"PreferredBackupWindow": window, "PreferredMaintenanceWindow": maintenance})
        changes["PreferredBackupWindow"] = window
    with be.store.lock:
        record = instance_strict(region, params["DBInstanceIdentifier"])
        multi_az_clusters.refuse_instance_operation(
            region, record, "PromoteReadReplica", "promote", "FailoverDBCluster"
        )
        if not record.fields.get(replicas.SOURCE):
            raise invalid_state("DB Instance is not a read replica.")
        require(record, "available")
        out = transition(be, region, record, "modifying")
    be.jobs.submit(record.resource_id, lambda: replicas.promote(be, region, record, changes))
    return {"DBInstance": out}
