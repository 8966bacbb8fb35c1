"""DB cluster snapshots: create, describe, copy, delete, share, and restore into a new cluster
(``rds/cluster_snapshots.py`` holds the engine work)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from fogbank.arns import parse as parse_arn
from fogbank.core.context import RequestContext
from fogbank.managed.network import default_vpc
from fogbank.managed.records import Record, iso, now
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import cluster_snapshots, clusters
from fogbank.services.rds.model import IDENTIFIER_MESSAGE, check_identifier, check_snapshot_identifier, new_resource_id
from fogbank.services.rds.ops import snapshots
from fogbank.services.rds.ops.clusters import (
    admit,
    check_options,
    cluster_strict,
    come_up,
    later,
    new_cluster,
)
from fogbank.services.rds.ops.common import aurora_only, backend, filters, identifier_from, page, tag_list
from fogbank.services.rds.records import CLUSTER, CLUSTER_SNAPSHOT, ClusterSnapshotPrivate
from fogbank.services.rds.store import Region

_SNAPSHOT_TYPES = ("automated", "manual", "shared", "public", "awsbackup")


def _not_found(identifier: str) -> AwsError:
    return AwsError("DBClusterSnapshotNotFoundFault", f"DBClusterSnapshot {identifier} not found.")


def _not_available(snap: Record[Any]) -> AwsError:
    return AwsError("InvalidDBClusterSnapshotStateFault", f"DBClusterSnapshot {snap.identifier} is not available.")


def check_snapshot_name(value: str, name: str = "DBClusterSnapshotIdentifier") -> str:
    """1-63 letters, digits or hyphens, a letter first (stored lowercase)."""
    value = check_snapshot_identifier(value, name)
    if len(value) > 63:
        raise AwsError("InvalidParameterValue", IDENTIFIER_MESSAGE.format(name=name))
    return value


def render(snap: Record[Any]) -> dict[str, Any]:
    out = {key: value for key, value in snap.fields.items() if value is not None}
    out.update(Status=snap.status, TagList=snap.tags)
    for key in ("SnapshotCreateTime", "ClusterCreateTime"):
        if out.get(key):
            out[key] = dt.datetime.fromisoformat(out[key])
    return out


def _check_quota(region: Region) -> None:
    """Manual cluster snapshots have a quota of their own (RDS's default is 100, as for DB snapshots)."""
    manual = [s for s in region.of(CLUSTER_SNAPSHOT).values() if s.fields["SnapshotType"] == "manual"]
    if len(manual) >= snapshots.SNAPSHOT_QUOTA:
        raise AwsError(
            "SnapshotQuotaExceeded",
            "The request cannot be processed because it would exceed the maximum number of snapshots.",
        )


def _check_free(region: Region, identifier: str) -> None:
    if identifier in region.of(CLUSTER_SNAPSHOT):
        raise AwsError(
            "DBClusterSnapshotAlreadyExistsFault",
            f"Cannot create the cluster snapshot because one with the identifier {identifier} already exists.",
        )


def new_cluster_snapshot(
    ctx: RequestContext, region: Region, cluster: Record[Any], identifier: str, tags: list[dict[str, str]]
) -> Record[Any]:
    """A ``creating`` manual snapshot of a cluster, added to the region (call under the store lock)."""
    be, _ = backend(ctx)
    identifier = check_snapshot_name(identifier, "DBClusterSnapshotIdentifier")
    _check_free(region, identifier)
    _check_quota(region)
    if cluster.fields.get("CopyTagsToSnapshot") and not tags:
        tags = list(cluster.tags)
    fields = {key: cluster.fields.get(key) for key in (
        "AvailabilityZones", "DBClusterIdentifier", "Engine", "EngineMode", "AllocatedStorage", "Port",
        "ClusterCreateTime", "MasterUsername", "EngineVersion", "StorageEncrypted", "KmsKeyId",
        "IAMDatabaseAuthenticationEnabled", "StorageType", "DbClusterResourceId", "BackupRetentionPeriod",
        "PreferredBackupWindow",
    )}  # fmt: skip
    directory = new_resource_id("snap-").lower()
    fields.update(
        DBClusterSnapshotIdentifier=identifier,
        DBClusterSnapshotArn=ctx.arn("rds", f"cluster-snapshot:{identifier}"),
        SnapshotCreateTime=iso(now()),
        VpcId=default_vpc(ctx.account_id, ctx.region),
        LicenseModel=be.engines.kind(cluster.fields["Engine"]).license_model,
        SnapshotType="manual",
        PercentProgress=0,
    )
    private = ClusterSnapshotPrivate(
        directory=directory, password=cluster.private.password, database_name=cluster.fields.get("DatabaseName")
    )
    snap = Record(CLUSTER_SNAPSHOT, identifier, fields["DBClusterSnapshotArn"], private, fields=fields,
                  status="creating", resource_id=directory, tags=tags)  # fmt: skip
    region.add(snap)
    return snap


@operation("CreateDBClusterSnapshot")
def create_db_cluster_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    tags = tag_list(params.get("Tags"))
    with be.store.lock:
        cluster = cluster_strict(region, params["DBClusterIdentifier"])
        if cluster.status != "available":
            raise clusters.invalid_state(f"DbCluster {cluster.identifier} is not in available state.")
        snap = new_cluster_snapshot(ctx, region, cluster, params["DBClusterSnapshotIdentifier"], tags)
        be.save(region)
        out = render(snap)
    be.jobs.submit(cluster.resource_id, lambda: cluster_snapshots.take(be, region, cluster, snap))
    return {"DBClusterSnapshot": out}


# -- lookups: one's own by name or ARN, another account's by ARN when shared with this one -------------


def _shared_with(snap: Record[Any], account: str, public: bool) -> bool:
    return ("all" in snap.private.restore) if public else (account in snap.private.restore)


def find(ctx: RequestContext, region: Region, identifier: str, shared: bool = False) -> Record[Any]:
    """A cluster snapshot by identifier or ARN; with ``shared``, also another account's (by ARN)
    that is shared with this account or public."""
    parts = parse_arn(identifier) if identifier.startswith("arn:") else None
    if parts is not None and shared and parts["account"] != ctx.account_id and parts["region"] == ctx.region:
        be, _ = backend(ctx)
        owner = be.store.scopes.get((parts["account"], parts["region"]))
        name = identifier_from(identifier, "cluster-snapshot").lower()
        found = owner.get(CLUSTER_SNAPSHOT, name) if owner is not None else None
        if found is None or not (_shared_with(found, ctx.account_id, False) or _shared_with(found, "", True)):
            raise _not_found(identifier)
        return found
    found = region.get(CLUSTER_SNAPSHOT, identifier_from(identifier, "cluster-snapshot").lower())
    if found is None or (parts is not None and found.arn != identifier):
        raise _not_found(identifier)
    return found


def _others(ctx: RequestContext, public: bool) -> list[Record[Any]]:
    """Other accounts' snapshots in this region shared with this account (or public)."""
    be, _ = backend(ctx)
    return [
        snap
        for (account, name), scope in be.store.scopes.items()
        if name == ctx.region and account != ctx.account_id
        for snap in scope.of(CLUSTER_SNAPSHOT).values()
        if _shared_with(snap, ctx.account_id, public)
    ]


_FILTERS = {
    "db-cluster-id": lambda s: (s.fields["DBClusterIdentifier"], s.fields["DBClusterArn"]),
    "db-cluster-snapshot-id": lambda s: (s.identifier, s.arn),
    "snapshot-type": lambda s: (s.fields["SnapshotType"],),
    "engine": lambda s: (s.fields["Engine"],),
}


def _lower(value: str | None) -> str | None:
    return value if not value or value.startswith("arn:") else value.lower()


@operation("DescribeDBClusterSnapshots")
def describe_db_cluster_snapshots(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    kind = params.get("SnapshotType")
    if kind is not None and kind not in _SNAPSHOT_TYPES:
        raise AwsError(
            "InvalidParameterValue", f"Invalid snapshot type: {kind}. Valid values: {', '.join(_SNAPSHOT_TYPES)}"
        )
    for entry in params.get("Filters") or []:
        if entry.get("Name") in ("db-cluster-id", "db-cluster-snapshot-id"):
            entry["Values"] = [_lower(v) for v in entry.get("Values") or []]
    # The identifier parameters are one more value of the matching filter, as on RDS; "shared" and
    # "public" are not types a snapshot has but where it comes from.
    merge = {
        "db-cluster-snapshot-id": _lower(params.get("DBClusterSnapshotIdentifier")),
        "db-cluster-id": _lower(params.get("DBClusterIdentifier")),
        "snapshot-type": kind if kind in ("automated", "manual", "awsbackup") else None,
    }
    match = filters(params, {**_FILTERS, "db-cluster-resource-id": lambda s: (s.fields["DbClusterResourceId"],)},
                    {**merge, "db-cluster-resource-id": params.get("DbClusterResourceId")})  # fmt: skip
    with be.store.lock:
        own = [] if kind in ("shared", "public") else list(region.of(CLUSTER_SNAPSHOT).values())
        if kind == "shared" or (kind is None and params.get("IncludeShared")):
            own += _others(ctx, public=False)
        if kind == "public" or (kind is None and params.get("IncludePublic")):
            own += [s for s in _others(ctx, public=True) if s not in own]
        found = [s for s in own if match(_matchable(s))]
        if params.get("DBClusterSnapshotIdentifier") and not params.get("DBClusterIdentifier") and not found:
            raise _not_found(params["DBClusterSnapshotIdentifier"])
        chunk, marker = page(params, found, key=lambda s: s.arn)
        return {"DBClusterSnapshots": [render(s) for s in chunk], "Marker": marker}


def _matchable(snap: Record[Any]) -> Record[Any]:
    """The snapshot with its cluster's ARN among its fields (the ``db-cluster-id`` filter takes either)."""
    account, region = snap.arn.split(":")[4], snap.arn.split(":")[3]
    cluster_arn = f"arn:aws:rds:{region}:{account}:cluster:{snap.fields['DBClusterIdentifier']}"
    return dataclasses.replace(snap, fields={**snap.fields, "DBClusterArn": cluster_arn})


@operation("DeleteDBClusterSnapshot")
def delete_db_cluster_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    with be.store.lock:
        snap = find(ctx, region, params["DBClusterSnapshotIdentifier"])
        if snap.status == "creating":
            raise AwsError(
                "InvalidDBClusterSnapshotStateFault",
                f"Cannot delete the snapshot {snap.identifier} because it is being created.",
            )
        if any(c.private.restored_from == snap.private.directory for c in region.of(CLUSTER).values()):
            raise AwsError(
                "InvalidDBClusterSnapshotStateFault",
                f"Cannot delete the snapshot {snap.identifier} because a DB cluster is being restored from it.",
            )
        region.remove(snap)
        be.save(region)
        snap.status = "deleted"
        out = render(snap)
    cluster_snapshots.delete_files(be, snap)
    return {"DBClusterSnapshot": out}


@operation("CopyDBClusterSnapshot")
def copy_db_cluster_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    tags = tag_list(params.get("Tags"))
    with be.store.lock:
        source = find(ctx, region, params["SourceDBClusterSnapshotIdentifier"], shared=True)
        if source.status != "available":
            raise _not_available(source)
        target_id = check_snapshot_name(
            params["TargetDBClusterSnapshotIdentifier"], "TargetDBClusterSnapshotIdentifier"
        )
        _check_free(region, target_id)
        _check_quota(region)
        directory = new_resource_id("snap-").lower()
        fields = dict(source.fields)
        fields.update(
            DBClusterSnapshotIdentifier=target_id,
            DBClusterSnapshotArn=ctx.arn("rds", f"cluster-snapshot:{target_id}"),
            SourceDBClusterSnapshotArn=source.arn,
            SnapshotType="manual",  # a copy of an automated snapshot is a manual one
            PercentProgress=0,
        )
        target = Record(
            CLUSTER_SNAPSHOT,
            target_id,
            fields["DBClusterSnapshotArn"],
            dataclasses.replace(source.private, directory=directory, restore=[]),
            fields=fields,
            status="creating",
            resource_id=directory,
            # Tags given replace the source's; CopyTags copies them only when no tags are given.
            tags=tags or (list(source.tags) if params.get("CopyTags") else []),
        )
        region.add(target)
        be.save(region)
        out = render(target)
    be.jobs.submit(target.resource_id, lambda: cluster_snapshots.copy(be, region, source, target))
    return {"DBClusterSnapshot": out}


# -- sharing -----------------------------------------------------------------------------------------


def _attributes(snap: Record[Any]) -> dict[str, Any]:
    return {
        "DBClusterSnapshotIdentifier": snap.identifier,
        "DBClusterSnapshotAttributes": [{"AttributeName": "restore", "AttributeValues": list(snap.private.restore)}],
    }


@operation("DescribeDBClusterSnapshotAttributes")
def describe_db_cluster_snapshot_attributes(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    with be.store.lock:
        return {
            "DBClusterSnapshotAttributesResult": _attributes(find(ctx, region, params["DBClusterSnapshotIdentifier"]))
        }


@operation("ModifyDBClusterSnapshotAttribute")
def modify_db_cluster_snapshot_attribute(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    if params["AttributeName"] != "restore":
        raise AwsError(
            "InvalidParameterValue",
            f"Invalid snapshot attribute name: {params['AttributeName']}. Valid values: restore",
        )
    with be.store.lock:
        snap = find(ctx, region, params["DBClusterSnapshotIdentifier"])
        if snap.status != "available":
            raise _not_available(snap)
        if snap.fields.get("SnapshotType") != "manual":
            raise AwsError("InvalidDBClusterSnapshotStateFault", "Only manual DB cluster snapshots can be shared.")
        snap.private.restore = snapshots.shared_accounts(snap, params, bool(snap.fields.get("StorageEncrypted")))
        be.save(region)
        return {"DBClusterSnapshotAttributesResult": _attributes(snap)}


# -- restore -----------------------------------------------------------------------------------------

# What a restored cluster takes from the request (besides the source's name); anything else of the
# model is refused by name.
RESTORE_ACCEPTED = {
    "DBClusterIdentifier", "Engine", "EngineVersion", "Port", "DBSubnetGroupName", "DatabaseName",
    "VpcSecurityGroupIds", "Tags", "EnableIAMDatabaseAuthentication", "EnableCloudwatchLogsExports", "EngineMode",
    "DBClusterParameterGroupName", "DeletionProtection", "CopyTagsToSnapshot", "AvailabilityZones",
    "ServerlessV2ScalingConfiguration", "BackupRetentionPeriod", "PreferredBackupWindow", "EngineLifecycleSupport",
    "NetworkType", "StorageType", "BacktrackWindow", "ScalingConfiguration", "RdsCustomClusterConfiguration",
    "KmsKeyId", "OptionGroupName",
}  # fmt: skip


def check_restore(
    ctx: RequestContext, params: dict[str, Any], source: dict[str, Any], accepted: set[str]
) -> dict[str, Any]:
    """A restore's checks (from a snapshot or to a point in time): what the new cluster is made
    with; ``source`` holds the source's Engine, EngineVersion, MasterUsername, password and name."""
    be, _ = backend(ctx)
    identifier = check_identifier(params["DBClusterIdentifier"], "DBClusterIdentifier")
    unknown = sorted(k for k, v in params.items() if v not in (None, [], False) and k not in accepted)
    if unknown:
        raise AwsError(
            "InvalidParameterCombination", f"Fogbank does not restore DB clusters with {', '.join(unknown)} yet."
        )
    later(params)
    if params.get("StorageType") not in (None, "aurora"):
        raise AwsError(
            "InvalidParameterCombination", f"Fogbank does not support StorageType {params['StorageType']} yet."
        )
    if params.get("OptionGroupName"):
        raise AwsError("InvalidParameterCombination", "Option groups are not available for Aurora clusters.")
    engine = source["Engine"]
    if params.get("Engine") and params["Engine"] != engine:
        raise AwsError(
            "InvalidParameterCombination",
            f"The engine {params['Engine']} does not match the source's engine {engine}: Fogbank restores a "
            "cluster into a cluster of its own engine.",
        )
    recorded = be.engines.resolve(engine, source["EngineVersion"], recorded=True)
    version = be.engines.resolve(engine, params["EngineVersion"]) if params.get("EngineVersion") else recorded
    if version.family != recorded.family:
        raise AwsError(
            "InvalidParameterCombination",
            f"Fogbank cannot restore {engine} {recorded.version} as {version.version}: "
            "a major version upgrade on restore is not supported yet.",
        )
    name = source["name"]
    if params.get("DatabaseName") and params["DatabaseName"] != name:
        raise AwsError(
            "InvalidParameterCombination",
            f"The source's database is {name or 'none'}: a restored cluster keeps its DatabaseName.",
        )
    options = check_options(ctx, params, identifier, version)
    return {"identifier": identifier, "version": version, "username": source["MasterUsername"],
            "password": source["password"], "name": name, **options}  # fmt: skip


@operation("RestoreDBClusterFromSnapshot")
def restore_db_cluster_from_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    value = params["SnapshotIdentifier"]
    parts = parse_arn(value) if value.startswith("arn:") else None
    if parts is not None and parts["resource"].startswith("snapshot:"):
        raise AwsError(
            "InvalidParameterCombination",
            "Fogbank does not restore a DB instance snapshot into an Aurora DB cluster yet: restore a DB cluster "
            "snapshot.",
        )
    with be.store.lock:
        snap = find(ctx, region, value, shared=True)
        if snap.status != "available":
            raise _not_available(snap)
    source = {**snap.fields, "password": snap.private.password, "name": snap.private.database_name}
    cluster = new_cluster(ctx, params, check_restore(ctx, params, source, RESTORE_ACCEPTED | {"SnapshotIdentifier"}))
    cluster.private.restored_from = snap.private.directory
    out = admit(ctx, cluster)
    be.jobs.submit(cluster.resource_id, lambda: restore(be, region, cluster, snap.identifier))
    return {"DBCluster": out}


def restore(be: Any, region: Region, cluster: Record[Any], snapshot_id: str) -> None:
    """A restored cluster's volume from the snapshot's data, then its endpoints (again at start,
    when a stop of Fogbank interrupted it)."""
    source = be.snapshots_dir / cluster.private.restored_from / "data"
    try:
        cluster_snapshots.restore_volume(be, region, cluster, source if source.is_dir() else None)
    except Exception as error:
        with be.store.lock:
            clusters.LIFECYCLE.move(cluster, "failed")
            cluster.private.restored_from = ""
            be.save(region)
        be.event(region, "db-cluster", cluster.identifier, cluster.arn, f"Restore failed: {error}", "failure")
        return
    if snapshot_id:  # (unknown when resumed at start)
        be.event(region, "db-cluster", cluster.identifier, cluster.arn, f"Restored from snapshot {snapshot_id}",
                 "creation")  # fmt: skip
    come_up(be, region, cluster)
