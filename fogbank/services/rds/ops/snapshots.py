"""DB snapshots: create, describe, copy, delete, restore into a new instance, sharing attributes."""

from __future__ import annotations

import dataclasses
from typing import Any

from fogbank.config import Config
from fogbank.core.context import RequestContext
from fogbank.managed.network import default_vpc
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import lifecycle, multi_az_clusters, validation
from fogbank.services.rds.model import (
    IDENTIFIER_MESSAGE,
    check_identifier,
    check_snapshot_identifier,
    new_resource_id,
    render_snapshot,
)
from fogbank.services.rds.ops.common import (
    backend,
    filters,
    instance,
    page,
    require,
    snapshot,
    tag_list,
)
from fogbank.services.rds.ops.instances import admit, new_record
from fogbank.services.rds.records import INSTANCE, SNAPSHOT, SnapshotPrivate
from fogbank.services.rds.store import Region, iso, now

MAX_SHARED_ACCOUNTS = 20
# RDS's default quota of manual DB snapshots per region (a quota AWS raises on request).
SNAPSHOT_QUOTA = Config().rds_snapshot_quota  # read when RDS loads


def _check_quota(region: Region) -> None:
    if sum(1 for s in region.of(SNAPSHOT).values() if s.fields["SnapshotType"] == "manual") >= SNAPSHOT_QUOTA:
        raise AwsError(
            "SnapshotQuotaExceededFault",
            "The request cannot be processed because it would exceed the maximum number of snapshots.",
        )


def new_snapshot(
    ctx: RequestContext, region: Region, record: Record[Any], identifier: str, tags: list[dict[str, str]]
) -> Record[Any]:
    """A ``creating`` snapshot of an instance, added to the region (call under the store lock)."""
    identifier = check_snapshot_identifier(identifier)
    if identifier in region.of(SNAPSHOT):
        raise AwsError(
            "DBSnapshotAlreadyExistsFault",
            f"Cannot create the snapshot because a snapshot with the identifier {identifier} already exists.",
        )
    _check_quota(region)
    if record.fields.get("CopyTagsToSnapshot") and not tags:
        tags = list(record.tags)
    directory = new_resource_id("snap-").lower()
    arn = ctx.arn("rds", f"snapshot:{identifier}")
    fields = {
        "DBSnapshotIdentifier": identifier,
        "DBInstanceIdentifier": record.fields["DBInstanceIdentifier"],
        "Engine": record.fields["Engine"],
        "AllocatedStorage": record.fields["AllocatedStorage"],
        "Port": record.fields["Port"],
        "AvailabilityZone": record.fields["AvailabilityZone"],
        "VpcId": default_vpc(ctx.account_id, ctx.region),
        "InstanceCreateTime": record.fields["InstanceCreateTime"],
        "MasterUsername": record.fields["MasterUsername"],
        "EngineVersion": record.fields["EngineVersion"],
        "LicenseModel": record.fields["LicenseModel"],
        "SnapshotType": "manual",
        "OptionGroupName": record.fields["OptionGroupName"],
        "PercentProgress": 0,
        "StorageType": record.fields["StorageType"],
        "Encrypted": bool(record.fields.get("StorageEncrypted")),
        "KmsKeyId": record.fields.get("KmsKeyId"),
        "DBSnapshotArn": arn,
        "IAMDatabaseAuthenticationEnabled": record.fields["IAMDatabaseAuthenticationEnabled"],
        "ProcessorFeatures": [],
        "DbiResourceId": record.resource_id,
        "SnapshotTarget": "region",
        "SnapshotCreateTime": iso(now()),
        "DedicatedLogVolume": False,
        "MultiTenant": False,
        "Iops": record.fields.get("Iops"),
        "StorageThroughput": record.fields.get("StorageThroughput"),
    }
    private = SnapshotPrivate(
        directory=directory,
        password=record.private.password,
        db_name=record.fields.get("DBName"),
        instance_class=record.fields["DBInstanceClass"],
        parameter_group=record.fields["DBParameterGroupName"],
    )
    snap = Record(
        SNAPSHOT, identifier, arn, private, fields=fields, status="creating", resource_id=directory, tags=tags
    )
    region.add(snap)
    return snap


@operation("CreateDBSnapshot")
def create_db_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    tags = tag_list(params.get("Tags"))
    with be.store.lock:
        record = instance(region, params["DBInstanceIdentifier"])
        multi_az_clusters.refuse_instance_operation(
            region, record, "CreateDBSnapshot", "snapshot", "CreateDBClusterSnapshot"
        )
        if record.fields.get("DBClusterIdentifier"):  # an Aurora instance's data is its cluster's
            raise AwsError(
                "InvalidParameterValue",
                "The specified instance is a member of a cluster and a snapshot cannot be created directly. "
                "Please use the CreateDBClusterSnapshot API instead.",
            )
        require(
            record,
            "available",
            "stopped",
            message=f"Cannot create a snapshot because the database instance {record.identifier} "
            "is not currently in the available state.",
        )
        snap = new_snapshot(ctx, region, record, params["DBSnapshotIdentifier"], tags)
        be.save(region)
        out = render_snapshot(snap)
    be.jobs.submit(record.resource_id, lambda: lifecycle.take_snapshot(be, region, record, snap))
    return {"DBSnapshot": out}


_FILTERS = {
    "db-instance-id": lambda s: (s["DBInstanceIdentifier"], s["_instance_arn"]),
    "db-snapshot-id": lambda s: (s["DBSnapshotIdentifier"], s["DBSnapshotArn"]),
    "dbi-resource-id": lambda s: (s["DbiResourceId"],),
    "snapshot-type": lambda s: (s["SnapshotType"],),
    "engine": lambda s: (s["Engine"],),
}


def _lower(value: str | None) -> str | None:
    return value if not value or value.startswith("arn:") else value.lower()


@operation("DescribeDBSnapshots")
def describe_db_snapshots(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    for entry in params.get("Filters") or []:
        if entry.get("Name") in ("db-instance-id", "db-snapshot-id"):
            entry["Values"] = [_lower(v) for v in entry.get("Values") or []]
    # The identifier parameters are one more value of the matching filter, as on RDS.
    merge = {
        "db-snapshot-id": _lower(params.get("DBSnapshotIdentifier")),
        "db-instance-id": _lower(params.get("DBInstanceIdentifier")),
        "dbi-resource-id": params.get("DbiResourceId"),
        "snapshot-type": params.get("SnapshotType"),
    }
    match = filters(params, _FILTERS, merge)
    arn_prefix = ctx.arn("rds", "db:")
    with be.store.lock:
        snaps = [
            s
            for s in region.of(SNAPSHOT).values()
            if match({**s.fields, "_instance_arn": arn_prefix + s.fields["DBInstanceIdentifier"]})
        ]
        if params.get("DBSnapshotIdentifier") and not params.get("DBInstanceIdentifier") and not snaps:
            raise AwsError("DBSnapshotNotFoundFault", f"DBSnapshot {params['DBSnapshotIdentifier']} not found.")
        chunk, marker = page(params, snaps, key=lambda s: s.identifier)
        return {"DBSnapshots": [render_snapshot(s) for s in chunk], "Marker": marker}


@operation("DeleteDBSnapshot")
def delete_db_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    with be.store.lock:
        snap = snapshot(region, params["DBSnapshotIdentifier"])
        if snap.status == "creating":
            raise AwsError(
                "InvalidDBSnapshotStateFault",
                f"Cannot delete the snapshot {snap.fields['DBSnapshotIdentifier']} because it is being created.",
            )
        region.remove(snap)
        be.save(region)
        snap.status = "deleted"
        out = render_snapshot(snap)
    lifecycle.delete_snapshot_files(be, snap)
    return {"DBSnapshot": out}


@operation("CopyDBSnapshot")
def copy_db_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    tags = tag_list(params.get("Tags"))
    source_id = params["SourceDBSnapshotIdentifier"]
    if source_id.startswith("arn:") and ":snapshot:" not in source_id:
        raise AwsError("InvalidParameterValue", IDENTIFIER_MESSAGE.format(name="SourceDBSnapshotIdentifier"))
    with be.store.lock:
        source = snapshot(region, source_id)
        if source.status != "available":
            raise AwsError(
                "InvalidDBSnapshotStateFault",
                f"Snapshot {source.fields['DBSnapshotIdentifier']} is not in available state.",
            )
        target_id = check_snapshot_identifier(params["TargetDBSnapshotIdentifier"], "TargetDBSnapshotIdentifier")
        if target_id in region.of(SNAPSHOT):
            raise AwsError(
                "DBSnapshotAlreadyExistsFault",
                f"Cannot create the snapshot because a snapshot with the identifier {target_id} already exists.",
            )
        _check_quota(region)
        fields = dict(source.fields)
        fields.update(
            DBSnapshotIdentifier=target_id,
            DBSnapshotArn=ctx.arn("rds", f"snapshot:{target_id}"),
            PercentProgress=0,
            SourceDBSnapshotIdentifier=source.fields["DBSnapshotArn"],
            SourceRegion=ctx.region,
            SnapshotCreateTime=iso(now()),
            OriginalSnapshotCreateTime=source.fields.get("OriginalSnapshotCreateTime")
            or source.fields["SnapshotCreateTime"],
        )
        directory = new_resource_id("snap-").lower()
        target = Record(
            SNAPSHOT,
            target_id,
            fields["DBSnapshotArn"],
            dataclasses.replace(source.private, directory=directory, restore=[]),
            fields=fields,
            status="creating",
            resource_id=directory,
            # Tags given replace the source's; CopyTags copies them only when no tags are given.
            tags=tags or (list(source.tags) if params.get("CopyTags") else []),
        )
        region.add(target)
        be.save(region)
        out = render_snapshot(target)
    be.jobs.submit(target.resource_id, lambda: lifecycle.copy_snapshot(be, region, source, target))
    return {"DBSnapshot": out}


@operation("RestoreDBInstanceFromDBSnapshot")
def restore_db_instance_from_db_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    identifier = check_identifier(params["DBInstanceIdentifier"])
    if not params.get("DBSnapshotIdentifier"):
        if params.get("DBClusterSnapshotIdentifier"):
            validation.unsupported({"DBClusterIdentifier": params["DBClusterSnapshotIdentifier"]})
        raise AwsError(
            "InvalidParameterValue", "The parameter DBSnapshotIdentifier must be provided and must not be blank."
        )
    validation.unsupported(params)
    with be.store.lock:
        snap = snapshot(region, params["DBSnapshotIdentifier"])
        if snap.status != "available":
            raise AwsError(
                "InvalidDBSnapshotStateFault",
                f"Snapshot {snap.fields['DBSnapshotIdentifier']} is not in available state.",
            )
        if identifier in region.of(INSTANCE):
            raise AwsError("DBInstanceAlreadyExistsFault", "DB instance already exists")
    if params.get("Engine") and params["Engine"] != snap.fields["Engine"]:
        raise AwsError(
            "InvalidParameterCombination",
            f"The engine {params['Engine']} does not match the snapshot's engine {snap.fields['Engine']}.",
        )
    merged = {
        "Engine": snap.fields["Engine"],
        "EngineVersion": snap.fields["EngineVersion"],
        "DBInstanceClass": params.get("DBInstanceClass") or snap.private.instance_class,
        "AllocatedStorage": params.get("AllocatedStorage") or snap.fields["AllocatedStorage"],
        "StorageType": params.get("StorageType") or snap.fields["StorageType"],
        "DBParameterGroupName": params.get("DBParameterGroupName"),
        "OptionGroupName": params.get("OptionGroupName"),
        **{k: v for k, v in params.items() if k not in ("Engine", "DBInstanceClass", "AllocatedStorage", "StorageType",
                                                         "DBParameterGroupName", "OptionGroupName", "Tags")},
    }  # fmt: skip
    merged["Tags"] = params.get("Tags")
    merged["Port"] = params.get("Port") or snap.fields.get("Port")  # the original instance's port by default
    # An instance restored from an encrypted snapshot is encrypted with the snapshot's key.
    merged["StorageEncrypted"] = snap.fields.get("Encrypted", False)
    merged["KmsKeyId"] = snap.fields.get("KmsKeyId") if snap.fields.get("Encrypted") else None
    if merged["StorageType"] in ("io1", "io2") and merged.get("Iops") is None:
        merged["Iops"] = snap.fields.get("Iops")  # provisioned IOPS come with the snapshot unless given
    if params.get("DeletionProtection") is not None:
        merged["DeletionProtection"] = params["DeletionProtection"]
    record = new_record(ctx, merged, identifier)
    record.fields["MasterUsername"] = snap.fields["MasterUsername"]
    record.private.password = snap.private.password
    if snap.private.db_name:
        record.fields["DBName"] = snap.private.db_name
    out = admit(ctx, record)
    be.jobs.submit(record.resource_id, lambda: lifecycle.create(be, region, record, snapshot=snap))
    return {"DBInstance": out}


def _attributes(snap: Record[Any]) -> dict[str, Any]:
    return {
        "DBSnapshotIdentifier": snap.fields["DBSnapshotIdentifier"],
        "DBSnapshotAttributes": [{"AttributeName": "restore", "AttributeValues": list(snap.private.restore)}],
    }


@operation("DescribeDBSnapshotAttributes")
def describe_db_snapshot_attributes(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    with be.store.lock:
        return {"DBSnapshotAttributesResult": _attributes(snapshot(region, params["DBSnapshotIdentifier"]))}


@operation("ModifyDBSnapshotAttribute")
def modify_db_snapshot_attribute(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    if params["AttributeName"] != "restore":
        raise AwsError(
            "InvalidParameterValue",
            f"Invalid snapshot attribute name: {params['AttributeName']}. Valid values: restore",
        )
    with be.store.lock:
        snap = snapshot(region, params["DBSnapshotIdentifier"])
        if snap.status != "available":
            raise AwsError(
                "InvalidDBSnapshotStateFault",
                f"Snapshot {snap.fields['DBSnapshotIdentifier']} is not in available state.",
            )
        values = shared_accounts(snap, params, encrypted=bool(snap.fields.get("Encrypted")))
        snap.private.restore = values
        be.save(region)
        return {"DBSnapshotAttributesResult": _attributes(snap)}


def shared_accounts(snap: Record[Any], params: dict[str, Any], encrypted: bool) -> list[str]:
    """The accounts a snapshot (of an instance or a cluster) is shared with after a
    Modify...SnapshotAttribute's ValuesToAdd and ValuesToRemove ("all": public)."""
    if encrypted and "all" in (params.get("ValuesToAdd") or []):
        raise AwsError("InvalidParameterValue", "Encrypted snapshots cannot be shared publicly (restore=all).")
    values = list(snap.private.restore)
    for value in params.get("ValuesToAdd") or []:
        if value != "all" and not (len(value) == 12 and value.isdigit()):
            raise AwsError("InvalidParameterValue", f"Invalid AWS account identifier: {value}")
        if value not in values:
            values.append(value)
    values = [v for v in values if v not in set(params.get("ValuesToRemove") or [])]
    if len([v for v in values if v != "all"]) > MAX_SHARED_ACCOUNTS:
        raise AwsError(
            "SharedSnapshotQuotaExceededFault",
            "The request cannot be processed because it would exceed the maximum number of accounts that a "
            "snapshot can be shared with.",
        )
    return values
