"""Aurora DB cluster operations: create, describe, modify, fail over, stop, start, delete
(``rds/clusters.py`` holds the engine work: membership, endpoints, failover)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record, iso, now
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import (
    cluster_backups,
    cluster_endpoints,
    cluster_snapshots,
    clusters,
    global_clusters,
    lifecycle,
    master_secret,
    multi_az_clusters,
    replicas,
    serverless,
    validation,
)
from fogbank.services.rds.clusters import LIFECYCLE, invalid_state, not_found
from fogbank.services.rds.engines import is_aurora, is_postgres
from fogbank.services.rds.model import HOSTED_ZONE_ID, check_identifier, default_security_group, new_resource_id
from fogbank.services.rds.model import INSTANCE as INSTANCE_LIFECYCLE
from fogbank.services.rds.ops import cluster_parameter_groups
from fogbank.services.rds.ops import global_clusters as global_ops
from fogbank.services.rds.ops.common import aurora_only, backend, filters, page, tag_list
from fogbank.services.rds.ops.subnet_groups import resolve_subnet_group
from fogbank.services.rds.records import CLUSTER, CLUSTER_SNAPSHOT, ClusterPrivate
from fogbank.services.rds.store import Region

# What Fogbank's clusters do not do yet: refused by name rather than ignored.
_LATER = {
    "ReplicationSourceIdentifier": "cross-Region read replica clusters",
    "ScalingConfiguration": "Aurora Serverless v1",
    "BacktrackWindow": "backtracking",
    "EnableLimitlessDatabase": "Aurora Limitless Database",
    "RdsCustomClusterConfiguration": "RDS Custom clusters",
}
_STORED = ("CopyTagsToSnapshot", "DeletionProtection", "KmsKeyId", "StorageEncrypted", "NetworkType",
           "EngineLifecycleSupport", "DatabaseInsightsMode")  # fmt: skip
_MODIFIABLE = {"DBClusterIdentifier", "ApplyImmediately", "BackupRetentionPeriod", "PreferredBackupWindow",
               "PreferredMaintenanceWindow", "DeletionProtection", "CopyTagsToSnapshot", "MasterUserPassword",
               "VpcSecurityGroupIds", "ServerlessV2ScalingConfiguration", "AutoMinorVersionUpgrade",
               "EnableHttpEndpoint", "DBClusterParameterGroupName", "ManageMasterUserPassword",
               "RotateMasterUserPassword", "MasterUserSecretKmsKeyId",
               "DBClusterInstanceClass", "AllocatedStorage", "StorageType", "Iops"}  # fmt: skip


def cluster_strict(region: Region, identifier: str) -> Record[Any]:
    found = region.get(CLUSTER, identifier.lower())
    if found is None:
        raise not_found(identifier)
    return found


def render(region: Region, cluster: Record[Any]) -> dict[str, Any]:
    """The DBCluster as DescribeDBClusters shows it; its members are computed from its instances."""
    fields = cluster.fields
    members = clusters.members(region, cluster)
    writer = clusters.writer(region, cluster)
    out: dict[str, Any] = {key: value for key, value in fields.items() if value is not None}
    out.update(
        Status=cluster.status,
        TagList=cluster.tags,
        ClusterCreateTime=dt.datetime.fromisoformat(fields["ClusterCreateTime"]),
        Endpoint=clusters.WRITER_ADDRESS,
        ReaderEndpoint=clusters.READER_ADDRESS,
        MultiAZ=len({m.fields["AvailabilityZone"] for m in members}) > 1,
        DBClusterMembers=[
            {
                "DBInstanceIdentifier": m.identifier,
                "IsClusterWriter": m is writer,
                "DBClusterParameterGroupStatus": m.private.cluster_parameter_status,
                "PromotionTier": m.fields.get("PromotionTier", 1),
            }
            for m in members
        ],
        VpcSecurityGroups=[{"VpcSecurityGroupId": g, "Status": "active"} for g in fields["VpcSecurityGroupIds"]],
        ReadReplicaIdentifiers=[],
        StatusInfos=[],
        AssociatedRoles=[],
        DomainMemberships=[],
        CustomEndpoints=[e.fields["Endpoint"] for e in cluster_endpoints.of_cluster(region, cluster)],
        DBClusterOptionGroupMemberships=[],
    )
    out.pop("VpcSecurityGroupIds", None)
    restorable = cluster_backups.window(region, cluster)
    if restorable is not None:  # whole seconds, as RDS shows them, both inside the window
        earliest = restorable[0].replace(microsecond=0) + dt.timedelta(seconds=1 if restorable[0].microsecond else 0)
        out["EarliestRestorableTime"] = earliest
        out["LatestRestorableTime"] = max(earliest, restorable[1].replace(microsecond=0))
    return out


# -- create --------------------------------------------------------------------------------------


def check_create(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """CreateDBCluster's checks, in RDS's order; answers the values to keep."""
    be, region = backend(ctx)
    identifier = check_identifier(params["DBClusterIdentifier"], "DBClusterIdentifier")
    engine = params["Engine"]
    if not is_aurora(engine) and engine not in multi_az_clusters.ENGINES:  # postgres, mysql: Multi-AZ DB clusters
        be.engines.resolve(engine, params.get("EngineVersion"))  # RDS's error for any other name
        raise AwsError("InvalidParameterValue", f"Invalid DB engine: {engine}")
    later(params)
    version = be.engines.resolve(engine, params.get("EngineVersion") or global_ops.engine_version(ctx, params))
    multi_az = multi_az_clusters.check_create(params, version, identifier)  # class and storage, or Aurora's none
    with be.store.lock:  # a global database's secondary copies its primary's user, password and database
        primary = global_ops.check_join(ctx, params, engine) if params.get("GlobalClusterIdentifier") else None
    if primary is not None:
        managed, username = False, primary[1].fields["MasterUsername"]
        password, name = primary[1].private.password, primary[1].fields.get("DatabaseName")
    else:
        username = validation.master_username(engine, params.get("MasterUsername"))
        managed = master_secret.check_create(params)
        password = (master_secret.new_password() if managed
                    else validation.master_password(engine, params.get("MasterUserPassword")))  # fmt: skip
        name = validation.db_name(engine, params.get("DatabaseName"))
    options = check_options(ctx, params, identifier, version)
    return {"identifier": identifier, "version": version, "username": username, "password": password, "name": name,
            "managed": managed, "multi_az": multi_az, "primary": primary, **options}  # fmt: skip


def later(params: dict[str, Any]) -> None:
    """What Fogbank's clusters do not do yet, refused by name."""
    for key, feature in _LATER.items():
        if params.get(key):
            raise AwsError("InvalidParameterCombination", f"Fogbank does not support {feature} yet ({key}).")
    if params.get("EngineMode") not in (None, "provisioned"):
        raise AwsError(
            "InvalidParameterCombination", f"Fogbank does not support the {params['EngineMode']} engine mode yet."
        )


def check_options(ctx: RequestContext, params: dict[str, Any], identifier: str, version: Any) -> dict[str, Any]:
    """The options every new cluster checks alike (created or restored): port, retention, windows,
    scaling, groups, and that the identifier is free."""
    be, region = backend(ctx)
    validation.port(params.get("Port"), be.api_port)
    retention = params.get("BackupRetentionPeriod", 1)
    if not 1 <= retention <= 35:
        raise AwsError(
            "InvalidParameterValue", f"Invalid backup retention period: {retention}. Valid values are between 1 and 35."
        )
    backup_window, maintenance_window = validation.windows(params)
    scaling = params.get("ServerlessV2ScalingConfiguration")
    scaling = serverless.check(scaling, None) if scaling is not None else None
    subnet_group = resolve_subnet_group(ctx, region, params.get("DBSubnetGroupName"))
    with be.store.lock:
        group = cluster_parameter_groups.resolve(ctx, region, params.get("DBClusterParameterGroupName"), version)
        if region.get(CLUSTER, identifier) is not None:
            raise AwsError("DBClusterAlreadyExistsFault", "DB Cluster already exists")
    return {"retention": retention, "windows": (backup_window, maintenance_window), "subnet_group": subnet_group,
            "scaling": scaling, "group": group}  # fmt: skip


def new_cluster(ctx: RequestContext, params: dict[str, Any], checked: dict[str, Any]) -> Record[Any]:
    """A ``creating`` cluster's record from checked values (``check_create``'s) and the request's
    other options: what CreateDBCluster and the restores make alike."""
    identifier, version = checked["identifier"], checked["version"]
    be, _ = backend(ctx)
    kind = be.engines.kind(version.engine)
    zones = params.get("AvailabilityZones") or [f"{ctx.region}{letter}" for letter in "abc"]
    for zone in zones:
        validation.availability_zone(ctx.region, zone)
    fields: dict[str, Any] = {
        "DBClusterIdentifier": identifier,
        "DBClusterArn": ctx.arn("rds", f"cluster:{identifier}"),
        "DbClusterResourceId": new_resource_id("cluster-"),
        "Engine": version.engine,
        "EngineVersion": version.version,
        "EngineMode": "provisioned",
        "MasterUsername": checked["username"],
        "DatabaseName": checked["name"],
        "Port": 0,
        "AllocatedStorage": 1,
        "StorageType": "aurora",
        "AvailabilityZones": sorted(zones),
        "BackupRetentionPeriod": checked["retention"],
        "PreferredBackupWindow": checked["windows"][0],
        "PreferredMaintenanceWindow": checked["windows"][1],
        "DBClusterParameterGroup": checked["group"],
        "DBSubnetGroup": checked["subnet_group"],
        "VpcSecurityGroupIds": params.get("VpcSecurityGroupIds")
        or [default_security_group(ctx.account_id, ctx.region)],
        "HostedZoneId": HOSTED_ZONE_ID,
        "StorageEncrypted": False,
        "IAMDatabaseAuthenticationEnabled": bool(params.get("EnableIAMDatabaseAuthentication")),
        "DeletionProtection": False,
        "HttpEndpointEnabled": bool(params.get("EnableHttpEndpoint")),
        "CopyTagsToSnapshot": False,
        "CrossAccountClone": False,
        "AutoMinorVersionUpgrade": params.get("AutoMinorVersionUpgrade", True),
        "NetworkType": "IPV4",
        "EngineLifecycleSupport": "open-source-rds-extended-support",
        "ClusterCreateTime": iso(now()),
        "EnabledCloudwatchLogsExports": params.get("EnableCloudwatchLogsExports") or None,
    }
    for key in _STORED:
        if params.get(key) is not None:
            fields[key] = params[key]
    if checked["scaling"] is not None:
        fields["ServerlessV2ScalingConfiguration"] = checked["scaling"]
    fields.update(checked.get("multi_az") or {})  # a Multi-AZ DB cluster's class and storage
    if params.get("GlobalClusterIdentifier"):
        fields["GlobalClusterIdentifier"] = params["GlobalClusterIdentifier"].lower()
    return Record(
        CLUSTER,
        identifier,
        fields["DBClusterArn"],
        ClusterPrivate(password=checked["password"], requested_port=params.get("Port") or kind.default_port),
        fields=fields,
        status=LIFECYCLE.initial,
        resource_id=fields["DbClusterResourceId"],
        tags=tag_list(params.get("Tags")),
    )


def admit(
    ctx: RequestContext,
    cluster: Record[Any],
    managed: bool = False,
    kms_key: str | None = None,
    members: list[Record[Any]] | None = None,
    primary: Any = None,
) -> dict[str, Any]:
    """Add a new cluster (unless its identifier, or one of its ``members``' — a Multi-AZ DB cluster's
    instances — is taken) with a port (and, ``managed``, its master password's secret; ``primary``:
    the global database it joins), and render it."""
    from fogbank.services.rds.ops import multi_az_clusters as multi_az  # it builds on this module

    be, region = backend(ctx)
    with be.store.lock:
        if region.get(CLUSTER, cluster.identifier) is not None:
            raise AwsError("DBClusterAlreadyExistsFault", "DB Cluster already exists")
        multi_az.check_names_free(region, members or [])
        cluster.fields["Port"] = lifecycle.allocate_port(be, cluster.private.requested_port)
        region.add(cluster)
        multi_az.admit_members(ctx, region, cluster, members or [])
        if cluster.fields.get("GlobalClusterIdentifier"):
            global_ops.joined(ctx, cluster, primary)
        if managed:  # once the cluster is admitted: no secret is left behind by a refused create
            master_secret.create(ctx, cluster, cluster.private.password, kms_key)
        be.save(region)
        return render(region, cluster)


@operation("CreateDBCluster")
def create_db_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    from fogbank.services.rds.ops import multi_az_clusters as multi_az  # it builds on this module

    aurora_only(ctx, params)
    be, region = backend(ctx)
    checked = check_create(ctx, params)
    cluster = new_cluster(ctx, params, checked)
    members = multi_az.new_members(ctx, region, cluster, params) if checked["multi_az"] else []
    out = admit(ctx, cluster, checked["managed"], params.get("MasterUserSecretKmsKeyId"), members, checked["primary"])
    multi_az.create_members(be, region, members)
    be.jobs.submit(cluster.resource_id, lambda: come_up(be, region, cluster))
    return {"DBCluster": out}


def come_up(be: Any, region: Region, cluster: Record[Any]) -> None:
    try:
        clusters.listen(be, region, cluster)
    except Exception as error:
        with be.store.lock:
            LIFECYCLE.move(cluster, "failed")
            be.save(region)
        be.event(region, "db-cluster", cluster.identifier, cluster.arn,
                 f"The cluster's endpoints could not listen: {error}", "failure")  # fmt: skip
        return
    if multi_az_clusters.is_multi_az(cluster):  # available once its instances are
        multi_az_clusters.wait_members(be, region, cluster)
    if clusters.set_status_if(be, region, cluster, ("creating",), "available"):
        be.event(region, "db-cluster", cluster.identifier, cluster.arn, "DB cluster created", "creation")


# -- describe ------------------------------------------------------------------------------------

_FILTERS = {
    "db-cluster-id": lambda r: (r.identifier, r.arn),
    "db-cluster-resource-id": lambda r: (r.resource_id,),
    "engine": lambda r: (r.fields["Engine"],),
    "clone-group-id": lambda r: (),
    "domain": lambda r: (),
}


@operation("DescribeDBClusters")
def describe_db_clusters(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    identifier = params.get("DBClusterIdentifier")
    wanted = (identifier if identifier.startswith("arn:") else identifier.lower()) if identifier else None
    match = filters(params, _FILTERS, {"db-cluster-id": wanted})
    with be.store.lock:
        found = [r for r in region.of(CLUSTER).values() if match(r)]
        if identifier and not found:
            raise not_found(identifier)
        chunk, marker = page(params, found, key=lambda r: r.identifier)
        return {"DBClusters": [render(region, r) for r in chunk], "Marker": marker}


# -- modify --------------------------------------------------------------------------------------


@operation("ModifyDBCluster")
def modify_db_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    unknown = sorted(k for k, v in params.items() if v is not None and k not in _MODIFIABLE)
    with be.store.lock:
        cluster = cluster_strict(region, params["DBClusterIdentifier"])
        if unknown:
            raise AwsError(
                "InvalidParameterCombination",
                f"Fogbank cannot modify {', '.join(unknown)} of a DB cluster yet.",
            )
        if cluster.status != "available":
            raise invalid_state(f"DbCluster {cluster.identifier} is not in available state.")
        retention = params.get("BackupRetentionPeriod")
        if retention is not None and not 1 <= retention <= 35:
            raise AwsError(
                "InvalidParameterValue",
                f"Invalid backup retention period: {retention}. Valid values are between 1 and 35.",
            )
        password = params.get("MasterUserPassword")
        if password is not None:
            validation.master_password(cluster.fields["Engine"], password)
        managed = master_secret.check_modify(cluster, params)
        group = _new_parameter_group(ctx, region, cluster, params.get("DBClusterParameterGroupName"))
        version = be.engines.resolve(cluster.fields["Engine"], cluster.fields["EngineVersion"], recorded=True)
        storage = multi_az_clusters.check_modify(cluster, params, version)  # a Multi-AZ DB cluster's class, storage
        backup_window, maintenance_window = validation.windows(params, cluster.fields)
        changes = {k: params[k] for k in ("BackupRetentionPeriod", "DeletionProtection", "CopyTagsToSnapshot",
                                          "VpcSecurityGroupIds", "AutoMinorVersionUpgrade")
                   if params.get(k) is not None}  # fmt: skip
        scaling = params.get("ServerlessV2ScalingConfiguration")
        if scaling is not None:
            changes["ServerlessV2ScalingConfiguration"] = serverless.check(
                scaling, cluster.fields.get("ServerlessV2ScalingConfiguration")
            )
        changes.update(PreferredBackupWindow=backup_window, PreferredMaintenanceWindow=maintenance_window)
        if params.get("EnableHttpEndpoint") is not None:  # the RDS Data API (rdsdata/targets.py)
            changes["HttpEndpointEnabled"] = params["EnableHttpEndpoint"]
        cluster.fields.update(changes)
        if group is not None:
            cluster.fields["DBClusterParameterGroup"] = group
        if managed in ("manage", "rotate"):  # a new password, in the engine and in the secret
            password = master_secret.new_password()
            if managed == "manage":
                master_secret.create(ctx, cluster, password, params.get("MasterUserSecretKmsKeyId"))
            else:
                master_secret.rotate(ctx, cluster, password)
        elif managed == "unmanage":
            master_secret.remove(ctx, cluster)
        writer = clusters.writer(region, cluster)
        if password is not None:
            cluster.private.password = password
            LIFECYCLE.move(cluster, "resetting-master-credentials")
        if storage:  # each member takes it, readers first
            cluster.fields.update(storage)
            for key in [key for key, value in storage.items() if value is None]:  # gp3's throughput gone
                del cluster.fields[key]
            if password is None:
                LIFECYCLE.move(cluster, "modifying")
            for member in clusters.members(region, cluster):
                INSTANCE_LIFECYCLE.move_if(member, ("available",), "modifying")
        be.save(region)
        out = render(region, cluster)
    if password is not None:
        new_password = password
        be.jobs.submit(cluster.resource_id, lambda: _set_password(be, region, cluster, writer, new_password))
    if scaling is not None:
        be.jobs.submit(cluster.resource_id, lambda: _rescale(be, region, cluster))
    if group is not None:
        clusters.apply_parameters(be, region, cluster, associated=True)
    if storage:
        be.jobs.submit(cluster.resource_id, lambda: multi_az_clusters.apply_class(be, region, cluster, storage))
    return {"DBCluster": out}


def _new_parameter_group(ctx: RequestContext, region: Region, cluster: Record[Any], name: str | None) -> str | None:
    """ModifyDBCluster's DBClusterParameterGroupName, when it names another group of the cluster's family."""
    if not name:
        return None
    version = ctx.backend.engines.resolve(cluster.fields["Engine"], cluster.fields["EngineVersion"], recorded=True)
    group = cluster_parameter_groups.resolve(ctx, region, name, version)
    return group if group != cluster.fields["DBClusterParameterGroup"] else None


def _rescale(be: Any, region: Region, cluster: Record[Any]) -> None:
    """A new capacity range: the serverless members run with their new maximum (``serverless.py``)."""
    with be.store.lock:
        members = [
            m for m in clusters.members(region, cluster) if m.fields["DBInstanceClass"] == serverless.INSTANCE_CLASS
        ]
    for member in members:
        try:
            lifecycle.apply_settings(be, region, member)
        except Exception as error:  # the engine went away meanwhile: its next start uses the new range
            be.instance_event(region, member, f"The new Serverless v2 capacity was not applied: {error}", "failure")


def _set_password(be: Any, region: Region, cluster: Record[Any], writer: Record[Any] | None, password: str) -> None:
    """The writer's master password changes; its readers replicate it."""
    try:
        if writer is not None and be.is_running(writer):
            be.driver_of(writer).set_password(be.process_name(writer), cluster.fields["MasterUsername"], password)
        with be.store.lock:
            for member in clusters.members(region, cluster):
                member.private.password = password
            be.save(region)
    finally:
        clusters.set_status_if(be, region, cluster, ("resetting-master-credentials",), "available")
    be.event(region, "db-cluster", cluster.identifier, cluster.arn, "Reset master credentials", "configuration change")


# -- failover ------------------------------------------------------------------------------------


@operation("FailoverDBCluster")
def failover_db_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    with be.store.lock:
        cluster = cluster_strict(region, params["DBClusterIdentifier"])
        if cluster.status != "available":
            raise invalid_state(f"DbCluster {cluster.identifier} is not in available state.")
        writer = clusters.writer(region, cluster)
        readers = clusters.readers(region, cluster)
        wanted = params.get("TargetDBInstanceIdentifier")
        if wanted:
            target = next((r for r in clusters.members(region, cluster) if r.identifier == wanted.lower()), None)
            if target is None:
                raise AwsError("InvalidDBInstanceStateFault", f"DBInstance {wanted} is not a member of the cluster.")
            if target is writer:
                raise AwsError(
                    "InvalidDBInstanceStateFault", f"DBInstance {wanted} is already the writer of the cluster."
                )
        else:
            ready = [r for r in readers if r.status == "available"]
            if writer is None or not ready:
                raise invalid_state(f"Cannot failover cluster {cluster.identifier}: it has no available reader.")
            target = clusters.promotion_order(ready)[0]
        if writer is None or writer.status != "available" or target.status != "available":
            raise AwsError("InvalidDBInstanceStateFault", "The writer and the target DB instance must be available.")
        LIFECYCLE.move(cluster, "failing-over")
        for instance in (writer, target):
            INSTANCE_LIFECYCLE.move(instance, "rebooting")
        be.save(region)
        out = render(region, cluster)
    be.jobs.submit(cluster.resource_id, lambda: clusters.failover(be, region, cluster, target))
    return {"DBCluster": out}


# -- stop, start ---------------------------------------------------------------------------------


@operation("StopDBCluster")
def stop_db_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    with be.store.lock:
        cluster = cluster_strict(region, params["DBClusterIdentifier"])
        members = clusters.members(region, cluster)
        if cluster.status != "available" or any(m.status != "available" for m in members):
            raise invalid_state(f"DbCluster {cluster.identifier} is in {cluster.status} state but expected it to be "
                                "one of available.")  # fmt: skip
        LIFECYCLE.move(cluster, "stopping")
        for member in members:
            INSTANCE_LIFECYCLE.move(member, "stopping")
        be.save(region)
        out = render(region, cluster)

    def stop() -> None:
        for member in reversed(members):  # readers first: none of them loses its writer while running
            lifecycle.stop(be, region, member, None)
        clusters.set_status_if(be, region, cluster, ("stopping",), "stopped")
        be.event(region, "db-cluster", cluster.identifier, cluster.arn, "DB cluster stopped", "notification")

    be.jobs.submit(cluster.resource_id, stop)
    return {"DBCluster": out}


@operation("StartDBCluster")
def start_db_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    with be.store.lock:
        cluster = cluster_strict(region, params["DBClusterIdentifier"])
        if cluster.status != "stopped":
            raise invalid_state(f"DbCluster {cluster.identifier} is in {cluster.status} state but expected it to be "
                                "one of stopped.")  # fmt: skip
        members = clusters.members(region, cluster)
        LIFECYCLE.move(cluster, "starting")
        for member in members:
            INSTANCE_LIFECYCLE.move(member, "starting")
        be.save(region)
        out = render(region, cluster)

    def start() -> None:
        # The writer first (after a failover it is not the oldest): its readers follow it.
        for member in sorted(members, key=lambda m: bool(m.fields.get(replicas.SOURCE))):
            lifecycle.start(be, region, member)
        clusters.set_status_if(be, region, cluster, ("starting",), "available")
        be.event(region, "db-cluster", cluster.identifier, cluster.arn, "DB cluster started", "notification")

    be.jobs.submit(cluster.resource_id, start)
    return {"DBCluster": out}


# -- delete --------------------------------------------------------------------------------------


@operation("DeleteDBCluster")
def delete_db_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    from fogbank.services.rds.ops import multi_az_clusters as multi_az  # it builds on this module

    aurora_only(ctx, params)
    be, region = backend(ctx)
    with be.store.lock:
        cluster = cluster_strict(region, params["DBClusterIdentifier"])
        if cluster.fields.get("DeletionProtection"):
            raise AwsError(
                "InvalidParameterCombination",
                "Cannot delete protected Cluster, please disable deletion protection and try again.",
            )
        global_ops.check_cluster_delete(cluster)
        owned = multi_az_clusters.is_multi_az(cluster)  # its instances go with it
        if not owned and any(m.status != "deleting" for m in clusters.members(region, cluster)):
            raise invalid_state("Cluster cannot be deleted, it still contains DB instances in non-deleting state.")
        final_id = params.get("FinalDBSnapshotIdentifier")
        if not params.get("SkipFinalSnapshot") and not final_id:
            raise AwsError(
                "InvalidParameterCombination",
                "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.",
            )
        if params.get("DeleteAutomatedBackups") is False:
            raise AwsError(
                "InvalidParameterCombination",
                "Fogbank does not retain the automated backups of a deleted DB cluster yet (DeleteAutomatedBackups).",
            )
        if params.get("SkipFinalSnapshot") and final_id:
            raise AwsError(
                "InvalidParameterCombination", "Cannot specify both SkipFinalSnapshot and FinalDBSnapshotIdentifier."
            )
        if cluster.status == "deleting":
            raise invalid_state(f"Cluster {cluster.identifier} is already being deleted.")
        if final_id:  # taken from the cluster's data once its instances are gone (``_delete``)
            from fogbank.services.rds.ops.cluster_snapshots import new_cluster_snapshot

            final = new_cluster_snapshot(ctx, region, cluster, final_id, [])
            cluster.private.final_snapshot = final.identifier
        master_secret.remove(ctx, cluster)  # an RDS-managed password's secret goes with its cluster
        LIFECYCLE.move(cluster, "deleting")
        doomed = multi_az.delete_members(be, region, cluster) if owned else []
        be.save(region)
        out = render(region, cluster)
    multi_az.remove_members(be, region, doomed)
    be.jobs.submit(cluster.resource_id, lambda: _delete(be, region, cluster))
    return {"DBCluster": out}


def _delete(be: Any, region: Region, cluster: Record[Any]) -> None:
    """Once its instances' deletes are done (the last one leaves its data in the cluster's volume),
    the final snapshot is taken of that data, then the cluster and its files go."""
    if multi_az_clusters.is_multi_az(cluster):  # its instances first
        multi_az_clusters.wait_gone(be, region, cluster)
    clusters.stop_listening(be, cluster)
    endpoints = cluster_endpoints.close_all(be, region, cluster)  # deleted with it, as on Aurora
    if not cluster_snapshots.wait_emptied(be, region, cluster):
        return
    with be.store.lock:
        final = region.get(CLUSTER_SNAPSHOT, cluster.private.final_snapshot) if cluster.private.final_snapshot else None
    if final is not None and final.status != "available":
        cluster_snapshots.take(be, region, cluster, final)
    cluster_snapshots.delete_cluster_files(be, cluster)
    cluster_backups.deleted(be, region, cluster)
    with be.store.lock:
        for endpoint in endpoints:
            region.remove(endpoint)
        region.remove(cluster)
        be.supervisor.release_port(cluster.fields["Port"])
        be.save(region)
    be.event(region, "db-cluster", cluster.identifier, cluster.arn, "DB cluster deleted", "deletion")


# -- instances in a cluster (CreateDBInstance with DBClusterIdentifier) ---------------------------

_CLUSTER_OWNED = {
    "MasterUsername": "master user name",
    "MasterUserPassword": "master user password",
    "DBName": "database name",
    "BackupRetentionPeriod": "backup retention period",
    "ManageMasterUserPassword": "master user password",
}


def check_member(region: Region, params: dict[str, Any]) -> Record[Any]:
    """CreateDBInstance in a cluster: what the cluster owns is set on the cluster."""
    cluster = cluster_strict(region, params["DBClusterIdentifier"])
    if multi_az_clusters.is_multi_az(cluster):  # recorded from AWS
        raise AwsError(
            "InvalidParameterValue",
            "CreateDBInstance can't be used to create a DB instance in a Multi-AZ DB cluster. Use CreateDBCluster "
            "instead.",
        )
    for key, what in _CLUSTER_OWNED.items():
        if params.get(key) is not None:
            raise AwsError(
                "InvalidParameterCombination",
                f"The requested DB Instance will be a member of a DB Cluster. Set {what} for the DB Cluster.",
            )
    if params.get("MultiAZ"):
        raise AwsError(
            "InvalidParameterCombination",
            "The requested DB Instance will be a member of a DB Cluster. Multi-AZ is a property of the DB Cluster.",
        )
    if params["Engine"] != cluster.fields["Engine"]:
        raise AwsError(
            "InvalidParameterCombination",
            f"The engine name requested for your DB instance ({params['Engine']}) doesn't match the engine name "
            f"of your DB cluster ({cluster.fields['Engine']}).",
        )
    if cluster.status not in ("available", "creating"):
        raise invalid_state(f"DbCluster {cluster.identifier} is not in available state.")
    serverless.check_member(cluster, params.get("DBInstanceClass"))
    if len(clusters.members(region, cluster)) >= 16:  # a writer and up to 15 readers
        raise AwsError("InstanceQuotaExceeded", "A DB cluster has at most 16 DB instances.")
    return cluster


# What a cluster member's ModifyDBInstance cannot change either, because the cluster owns it.
_OWNED_AFTER_CREATE = {
    **{key: what for key, what in _CLUSTER_OWNED.items() if key not in ("MasterUsername", "DBName")},
    "RotateMasterUserPassword": "master user password",
    "PreferredBackupWindow": "backup window",
    "MultiAZ": "availability (readers in other zones)",
    "AllocatedStorage": "storage",
    "StorageType": "storage",
    "Iops": "storage",
    "EngineVersion": "engine version",
}


def check_member_modify(record: Record[Any], params: dict[str, Any]) -> None:
    """ModifyDBInstance of a cluster member: what the cluster owns is set on the cluster (Fogbank's wording)."""
    if not clusters.is_member(record):
        return
    for key, what in _OWNED_AFTER_CREATE.items():
        if params.get(key) is not None:
            raise AwsError(
                "InvalidParameterCombination",
                f"DB instance {record.identifier} is a member of a DB cluster: set its {what} on the DB cluster "
                f"({key} on ModifyDBCluster).",
            )


def join(region: Region, cluster: Record[Any], record: Record[Any], params: dict[str, Any]) -> None:
    """A new instance's record takes the cluster's engine, users and database; with a writer in
    the cluster already, it is a reader following it (``replicas.SOURCE``)."""
    fields = record.fields
    fields.update(
        DBClusterIdentifier=cluster.identifier,
        MasterUsername=cluster.fields["MasterUsername"],
        StorageType="aurora",
        AllocatedStorage=1,
        BackupRetentionPeriod=0,  # the cluster's backups, not the instance's (rendered from the cluster)
        PromotionTier=params.get("PromotionTier", 1),
        MultiAZ=False,
    )
    fields.update(multi_az_clusters.member_storage(cluster))  # a Multi-AZ DB cluster's instances: its storage
    if cluster.fields.get("DatabaseName"):
        fields["DBName"] = cluster.fields["DatabaseName"]
    record.private.password = cluster.private.password
    record.private.binlog = not is_postgres(cluster.fields["Engine"])  # its readers follow its binary log
    if cluster_backups.archived(cluster):  # its WAL archive is the cluster's (``cluster_backups.py``)
        record.private.cluster_archive = cluster.resource_id
    # Its writer; in a global database's secondary, its head or the primary's writer in another region.
    source = global_clusters.member_source(region, cluster, clusters.writer(region, cluster))
    if source is not None:
        fields[replicas.SOURCE] = source


def member_view(region: Region, record: Record[Any], out: dict[str, Any]) -> None:
    """A member's DBInstance: the cluster's backup retention and no read replica fields."""
    cluster = clusters.cluster_of(region, record)
    if cluster is None:
        return
    out["DBClusterIdentifier"] = cluster.identifier
    out["BackupRetentionPeriod"] = cluster.fields["BackupRetentionPeriod"]
    out.pop(replicas.SOURCE, None)
    out["ReadReplicaDBInstanceIdentifiers"] = []
