"""DB snapshots: create, describe, copy, delete, restore into a new instance, sharing attributes."""

from __future__ import annotations

from typing import Any

from fogbank.config import Config
from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import lifecycle, validation
from fogbank.services.rds.model import (
    IDENTIFIER_MESSAGE,
    check_identifier,
    check_snapshot_identifier,
    default_vpc,
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
from fogbank.services.rds.store import Region, iso, now

MAX_SHARED_ACCOUNTS = 20
# RDS's default quota of manual DB snapshots per region (a quota AWS raises on request).
SNAPSHOT_QUOTA = Config().rds_snapshot_quota  # read when RDS loads


def _check_quota(region: Region) -> None:
    if sum(1 for s in region.snapshots.values() if s["SnapshotType"] == "manual") >= SNAPSHOT_QUOTA:
        raise AwsError(
            "SnapshotQuotaExceededFault",
            "The request cannot be processed because it would exceed the maximum number of snapshots.",
        )


def new_snapshot(
    ctx: RequestContext, region: Region, record: dict[str, Any], identifier: str, tags: list[dict[str, str]]
) -> dict[str, Any]:
    """A ``creating`` snapshot of an instance, added to the region (call under the store lock)."""
    identifier = check_snapshot_identifier(identifier)
    if identifier in region.snapshots:
        raise AwsError(
            "DBSnapshotAlreadyExistsFault",
            f"Cannot create the snapshot because a snapshot with the identifier {identifier} already exists.",
        )
    _check_quota(region)
    if record.get("CopyTagsToSnapshot") and not tags:
        tags = list(record["TagList"])
    snap = {
        "DBSnapshotIdentifier": identifier,
        "DBInstanceIdentifier": record["DBInstanceIdentifier"],
        "Engine": record["Engine"],
        "AllocatedStorage": record["AllocatedStorage"],
        "Status": "creating",
        "Port": record["Port"],
        "AvailabilityZone": record["AvailabilityZone"],
        "VpcId": default_vpc(ctx.account_id, ctx.region),
        "InstanceCreateTime": record["InstanceCreateTime"],
        "MasterUsername": record["MasterUsername"],
        "EngineVersion": record["EngineVersion"],
        "LicenseModel": record["LicenseModel"],
        "SnapshotType": "manual",
        "OptionGroupName": record["OptionGroupName"],
        "PercentProgress": 0,
        "StorageType": record["StorageType"],
        "Encrypted": bool(record.get("StorageEncrypted")),
        "KmsKeyId": record.get("KmsKeyId"),
        "DBSnapshotArn": ctx.arn("rds", f"snapshot:{identifier}"),
        "IAMDatabaseAuthenticationEnabled": record["IAMDatabaseAuthenticationEnabled"],
        "ProcessorFeatures": [],
        "DbiResourceId": record["DbiResourceId"],
        "TagList": tags,
        "SnapshotTarget": "region",
        "SnapshotCreateTime": iso(now()),
        "DedicatedLogVolume": False,
        "MultiTenant": False,
        "Iops": record.get("Iops"),
        "StorageThroughput": record.get("StorageThroughput"),
        "_id": new_resource_id("snap-").lower(),
        "_password": record["_password"],
        "_DBName": record.get("DBName"),
        "_DBInstanceClass": record["DBInstanceClass"],
        "_DBParameterGroupName": record["DBParameterGroupName"],
        "_restore": [],
    }
    region.snapshots[identifier] = snap
    return snap


@operation("CreateDBSnapshot")
def create_db_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    tags = tag_list(params.get("Tags"))
    with be.store.lock:
        record = instance(region, params["DBInstanceIdentifier"])
        require(
            record,
            "available",
            "stopped",
            message=f"Cannot create a snapshot because the database instance {record['DBInstanceIdentifier']} "
            "is not currently in the available state.",
        )
        snap = new_snapshot(ctx, region, record, params["DBSnapshotIdentifier"], tags)
        be.save(region)
        out = render_snapshot(snap)
    be.jobs.submit(record["DbiResourceId"], lambda: lifecycle.take_snapshot(be, region, record, snap))
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
            for s in region.snapshots.values()
            if match({**s, "_instance_arn": arn_prefix + s["DBInstanceIdentifier"]})
        ]
        if params.get("DBSnapshotIdentifier") and not params.get("DBInstanceIdentifier") and not snaps:
            raise AwsError("DBSnapshotNotFoundFault", f"DBSnapshot {params['DBSnapshotIdentifier']} not found.")
        chunk, marker = page(params, snaps, key=lambda s: s["DBSnapshotIdentifier"])
        return {"DBSnapshots": [render_snapshot(s) for s in chunk], "Marker": marker}


@operation("DeleteDBSnapshot")
def delete_db_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    with be.store.lock:
        snap = snapshot(region, params["DBSnapshotIdentifier"])
        if snap["Status"] == "creating":
            raise AwsError(
                "InvalidDBSnapshotStateFault",
                f"Cannot delete the snapshot {snap['DBSnapshotIdentifier']} because it is being created.",
            )
        del region.snapshots[snap["DBSnapshotIdentifier"]]
        be.save(region)
        snap["Status"] = "deleted"
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
        if source["Status"] != "available":
            raise AwsError(
                "InvalidDBSnapshotStateFault", f"Snapshot {source['DBSnapshotIdentifier']} is not in available state."
            )
        target_id = check_snapshot_identifier(params["TargetDBSnapshotIdentifier"], "TargetDBSnapshotIdentifier")
        if target_id in region.snapshots:
            raise AwsError(
                "DBSnapshotAlreadyExistsFault",
                f"Cannot create the snapshot because a snapshot with the identifier {target_id} already exists.",
            )
        _check_quota(region)
        target = {key: value for key, value in source.items()}
        target.update(
            DBSnapshotIdentifier=target_id,
            DBSnapshotArn=ctx.arn("rds", f"snapshot:{target_id}"),
            Status="creating",
            PercentProgress=0,
            SourceDBSnapshotIdentifier=source["DBSnapshotArn"],
            SourceRegion=ctx.region,
            SnapshotCreateTime=iso(now()),
            OriginalSnapshotCreateTime=source.get("OriginalSnapshotCreateTime") or source["SnapshotCreateTime"],
            # Tags given replace the source's; CopyTags copies them only when no tags are given.
            TagList=tags or (list(source["TagList"]) if params.get("CopyTags") else []),
            _id=new_resource_id("snap-").lower(),
            _restore=[],
        )
        region.snapshots[target_id] = target
        be.save(region)
        out = render_snapshot(target)
    be.jobs.submit(target["_id"], lambda: lifecycle.copy_snapshot(be, region, source, target))
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
        if snap["Status"] != "available":
            raise AwsError(
                "InvalidDBSnapshotStateFault", f"Snapshot {snap['DBSnapshotIdentifier']} is not in available state."
            )
        if identifier in region.instances:
            raise AwsError("DBInstanceAlreadyExistsFault", "DB instance already exists")
    if params.get("Engine") and params["Engine"] != snap["Engine"]:
        raise AwsError(
            "InvalidParameterCombination",
            f"The engine {params['Engine']} does not match the snapshot's engine {snap['Engine']}.",
        )
    merged = {
        "Engine": snap["Engine"],
        "EngineVersion": snap["EngineVersion"],
        "DBInstanceClass": params.get("DBInstanceClass") or snap["_DBInstanceClass"],
        "AllocatedStorage": params.get("AllocatedStorage") or snap["AllocatedStorage"],
        "StorageType": params.get("StorageType") or snap["StorageType"],
        "DBParameterGroupName": params.get("DBParameterGroupName"),
        "OptionGroupName": params.get("OptionGroupName"),
        **{k: v for k, v in params.items() if k not in ("Engine", "DBInstanceClass", "AllocatedStorage", "StorageType",
                                                         "DBParameterGroupName", "OptionGroupName", "Tags")},
    }  # fmt: skip
    merged["Tags"] = params.get("Tags")
    merged["Port"] = params.get("Port") or snap.get("Port")  # the original instance's port by default
    # An instance restored from an encrypted snapshot is encrypted with the snapshot's key.
    merged["StorageEncrypted"] = snap.get("Encrypted", False)
    merged["KmsKeyId"] = snap.get("KmsKeyId") if snap.get("Encrypted") else None
    if merged["StorageType"] in ("io1", "io2") and merged.get("Iops") is None:
        merged["Iops"] = snap.get("Iops")  # provisioned IOPS come with the snapshot unless given
    if params.get("DeletionProtection") is not None:
        merged["DeletionProtection"] = params["DeletionProtection"]
    record = new_record(ctx, merged, identifier)
    record["MasterUsername"] = snap["MasterUsername"]
    record["_password"] = snap["_password"]
    if snap.get("_DBName"):
        record["DBName"] = snap["_DBName"]
    out = admit(ctx, record)
    be.jobs.submit(record["DbiResourceId"], lambda: lifecycle.create(be, region, record, snapshot=snap))
    return {"DBInstance": out}


def _attributes(snap: dict[str, Any]) -> dict[str, Any]:
    return {
        "DBSnapshotIdentifier": snap["DBSnapshotIdentifier"],
        "DBSnapshotAttributes": [{"AttributeName": "restore", "AttributeValues": list(snap.get("_restore", []))}],
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
        if snap["Status"] != "available":
            raise AwsError(
                "InvalidDBSnapshotStateFault", f"Snapshot {snap['DBSnapshotIdentifier']} is not in available state."
            )
        if snap.get("Encrypted") and "all" in (params.get("ValuesToAdd") or []):
            raise AwsError("InvalidParameterValue", "Encrypted snapshots cannot be shared publicly (restore=all).")
        values = list(snap.get("_restore", []))
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
        snap["_restore"] = values
        be.save(region)
        return {"DBSnapshotAttributesResult": _attributes(snap)}
