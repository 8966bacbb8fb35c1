"""Aurora global database operations: create, describe, modify, remove a member, fail over / switch over,
delete (``rds/global_clusters.py`` holds the lookups across regions and the engine work); and the
part of CreateDBCluster that joins a cluster to one (``GlobalClusterIdentifier``)."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.engines.binary import version_key
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import clusters, global_clusters, multi_az_clusters, upgrades
from fogbank.services.rds.clusters import LIFECYCLE, invalid_state
from fogbank.services.rds.engines import is_aurora
from fogbank.services.rds.model import check_identifier, new_resource_id
from fogbank.services.rds.ops.common import aurora_only, backend, filters, page, tag_list
from fogbank.services.rds.records import CLUSTER, GLOBAL_CLUSTER, GlobalClusterPrivate
from fogbank.services.rds.store import Region


def not_found(identifier: str) -> AwsError:
    return AwsError("GlobalClusterNotFoundFault", f"GlobalCluster {identifier} not found.")


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidGlobalClusterStateFault", message)


def _strict(ctx: RequestContext, identifier: str) -> tuple[Region, Record[Any]]:
    found = global_clusters.find(ctx.backend.store, ctx.account_id, identifier)
    if found is None:
        raise not_found(identifier)
    return found


def render(ctx: RequestContext, record: Record[Any]) -> dict[str, Any]:
    """The GlobalCluster; its members are computed from the clusters that name it."""
    store = ctx.backend.store
    found = global_clusters.members(store, ctx.account_id, record.identifier)
    primary = record.private.primary
    secondaries = [cluster.arn for _, cluster in found if cluster.arn != primary]
    return {
        **record.fields,
        "Status": record.status,
        "TagList": record.tags,
        "GlobalClusterMembers": [
            {
                "DBClusterArn": cluster.arn,
                "IsWriter": cluster.arn == primary,
                "Readers": secondaries if cluster.arn == primary else [],
                "GlobalWriteForwardingStatus": "disabled",
                **({"SynchronizationStatus": "connected"} if cluster.arn != primary else {}),
            }
            for _, cluster in found
        ],
    }


def _cluster(ctx: RequestContext, value: str) -> tuple[Region, Record[Any]]:
    """A DB cluster named by its ARN (any region) or by its identifier (this region)."""
    be, region = backend(ctx)
    if value.startswith("arn:"):
        found = global_clusters.by_arn(be.store, ctx.account_id, value)
        if found is None:
            raise clusters.not_found(value)
        return found
    cluster = region.get(CLUSTER, value.lower())
    if cluster is None:
        raise clusters.not_found(value)
    return region, cluster


# -- create --------------------------------------------------------------------------------------


@operation("CreateGlobalCluster")
def create_global_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    identifier = check_identifier(params["GlobalClusterIdentifier"], "GlobalClusterIdentifier")
    tags = tag_list(params.get("Tags"))
    with be.store.lock:
        if global_clusters.find(be.store, ctx.account_id, identifier) is not None:
            raise AwsError("GlobalClusterAlreadyExistsFault", f"Global cluster {identifier} already exists.")
        source = _source(ctx, params) if params.get("SourceDBClusterIdentifier") else None
        if source is not None:
            fields = {key: source.fields.get(key) for key in ("Engine", "EngineVersion", "DatabaseName",
                                                                "StorageEncrypted", "EngineLifecycleSupport")}  # fmt: skip
        else:
            fields = _empty_fields(ctx, params)
        fields.update(
            GlobalClusterIdentifier=identifier,
            GlobalClusterResourceId=new_resource_id("cluster-"),
            GlobalClusterArn=global_clusters.arn(ctx.account_id, identifier),
            DeletionProtection=bool(params.get("DeletionProtection")),
        )
        record = Record(GLOBAL_CLUSTER, identifier, fields["GlobalClusterArn"],
                        GlobalClusterPrivate(primary=source.arn if source is not None else ""),
                        fields={k: v for k, v in fields.items() if v is not None}, status="available",
                        resource_id=fields["GlobalClusterResourceId"], tags=tags)  # fmt: skip
        region.add(record)
        if source is not None:
            source.fields["GlobalClusterIdentifier"] = identifier
        be.save(region)
        return {"GlobalCluster": render(ctx, record)}


def _source(ctx: RequestContext, params: dict[str, Any]) -> Record[Any]:
    """SourceDBClusterIdentifier: an available Aurora cluster of no other global database."""
    source_region, source = _cluster(ctx, params["SourceDBClusterIdentifier"])
    if source_region is not ctx.backend.region(ctx):
        raise AwsError("InvalidParameterValue", "The source DB cluster must be in the Region of the request.")
    if not is_aurora(source.fields["Engine"]):
        raise AwsError("InvalidParameterCombination",
                       f"Global databases are for Aurora DB clusters: {source.identifier} is a Multi-AZ DB cluster.")  # fmt: skip
    if params.get("Engine") and params["Engine"] != source.fields["Engine"]:
        raise AwsError("InvalidParameterCombination",
                       f"The engine {params['Engine']} doesn't match the source DB cluster's ({source.fields['Engine']}).")  # fmt: skip
    if source.status != "available":
        raise invalid_state(f"DbCluster {source.identifier} is not in available state.")
    if source.fields.get("GlobalClusterIdentifier"):
        raise invalid_state(
            f"DB cluster {source.identifier} is already a member of global cluster "
            f"{source.fields['GlobalClusterIdentifier']}."
        )
    return source


def _empty_fields(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    engine = params.get("Engine")
    if not engine:
        raise AwsError("InvalidParameterValue", "The parameter Engine must be provided and must not be blank.")
    if not is_aurora(engine):
        ctx.backend.engines.resolve(engine, None)  # RDS's error for a name it does not know
        raise AwsError("InvalidParameterValue", f"Global clusters are not supported for engine {engine}.")
    version = ctx.backend.engines.resolve(engine, params.get("EngineVersion"))
    return {"Engine": version.engine, "EngineVersion": version.version, "DatabaseName": params.get("DatabaseName"),
            "StorageEncrypted": bool(params.get("StorageEncrypted")),
            "EngineLifecycleSupport": "open-source-rds-extended-support"}  # fmt: skip


# -- CreateDBCluster(GlobalClusterIdentifier) -------------------------------------------------------


def engine_version(ctx: RequestContext, params: dict[str, Any]) -> str | None:
    """A cluster joining a global database runs its engine version unless it asks for one."""
    if not params.get("GlobalClusterIdentifier"):
        return None
    with ctx.backend.store.lock:
        return _strict(ctx, params["GlobalClusterIdentifier"])[1].fields.get("EngineVersion")


def check_join(ctx: RequestContext, params: dict[str, Any], engine: str) -> tuple[Region, Record[Any]] | None:
    """A cluster joining a global database: the primary (the first to join an empty one, with its own
    master user) or a secondary in another region (the primary's user, password and database).
    Answers the primary cluster a secondary copies, or None. The caller holds the store lock."""
    be, region = backend(ctx)
    _, record = _strict(ctx, params["GlobalClusterIdentifier"])
    if engine in multi_az_clusters.ENGINES or engine != record.fields["Engine"]:
        raise AwsError(
            "InvalidParameterCombination",
            f"The engine {engine} doesn't match the global cluster's ({record.fields['Engine']}).",
        )
    found = global_clusters.members(be.store, ctx.account_id, record.identifier)
    if any(member_region is region for member_region, _ in found):
        raise invalid_state(f"The global cluster {record.identifier} already has a DB cluster in {ctx.region}.")
    primary = (
        global_clusters.by_arn(be.store, ctx.account_id, record.private.primary) if record.private.primary else None
    )
    if primary is not None:
        for key in ("MasterUsername", "MasterUserPassword", "ManageMasterUserPassword", "DatabaseName"):
            if params.get(key) is not None:
                raise AwsError(
                    "InvalidParameterCombination",
                    f"A secondary DB cluster of a global database takes {key} from its primary DB cluster.",
                )
    return primary


def joined(ctx: RequestContext, cluster: Record[Any], primary: tuple[Region, Record[Any]] | None) -> None:
    """CreateDBCluster admitted the cluster: the global database names it (the caller holds the lock)."""
    found = global_clusters.find(ctx.backend.store, ctx.account_id, cluster.fields["GlobalClusterIdentifier"])
    if found is None:
        return
    home, record = found
    if primary is None:
        record.private.primary = cluster.arn
        ctx.backend.save(home)


# -- describe --------------------------------------------------------------------------------------


@operation("DescribeGlobalClusters")
def describe_global_clusters(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, _ = backend(ctx)
    identifier = params.get("GlobalClusterIdentifier")

    def regions(record: Record[Any]) -> list[str]:
        return [r.region for r, _ in global_clusters.members(be.store, ctx.account_id, record.identifier)]

    match = filters(params, {"region": regions})
    with be.store.lock:
        found = [r for s, r in be.store.all_records(GLOBAL_CLUSTER) if s.account == ctx.account_id and match(r)]
        if identifier:
            found = [r for r in found if r.identifier == identifier.lower()]
            if not found:
                raise not_found(identifier)
        chunk, marker = page(params, found, key=lambda r: r.identifier)
        return {"GlobalClusters": [render(ctx, r) for r in chunk], "Marker": marker}


# -- modify --------------------------------------------------------------------------------------


@operation("ModifyGlobalCluster")
def modify_global_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, _ = backend(ctx)
    with be.store.lock:
        home, record = _strict(ctx, params["GlobalClusterIdentifier"])
        new_id = _check_rename(ctx, record, params.get("NewGlobalClusterIdentifier"))
        version = _check_version(ctx, record, params)
        if record.status != "available":
            raise _invalid(f"Global cluster {record.identifier} is in {record.status} state.")
        changed = [home]
        if params.get("DeletionProtection") is not None:
            record.fields["DeletionProtection"] = bool(params["DeletionProtection"])
        if version is not None:  # an empty global database: the version its first cluster runs
            record.fields["EngineVersion"] = version
        if new_id is not None:
            changed = global_clusters.rename(be.store, home, record, new_id)
        for region in changed:
            be.save(region)
        return {"GlobalCluster": render(ctx, record)}


def _check_rename(ctx: RequestContext, record: Record[Any], value: str | None) -> str | None:
    if value is None:
        return None
    new_id = check_identifier(value, "NewGlobalClusterIdentifier")
    if new_id == record.identifier:
        return None
    if global_clusters.find(ctx.backend.store, ctx.account_id, new_id) is not None:
        raise AwsError("GlobalClusterAlreadyExistsFault", f"Global cluster {new_id} already exists.")
    return new_id


def _check_version(ctx: RequestContext, record: Record[Any], params: dict[str, Any]) -> str | None:
    """EngineVersion: the version to record, or None for no change. The checks are RDS's (a known
    version, no downgrade, AllowMajorVersionUpgrade for another major); Fogbank's clusters do not
    upgrade their engine in place yet, so a global database with members is refused by name."""
    if "EngineVersion" in params and not str(params["EngineVersion"]).strip():
        raise AwsError("InvalidParameterValue", "The parameter EngineVersion must not be blank.")  # Fogbank's wording
    if not params.get("EngineVersion"):
        return None
    engines = ctx.backend.engines
    current = engines.resolve(record.fields["Engine"], record.fields["EngineVersion"], recorded=True)
    new = engines.resolve(record.fields["Engine"], params["EngineVersion"])
    if new.version == current.version:
        return None
    if version_key(new.version) < version_key(current.version):
        raise AwsError("InvalidParameterCombination",
                       f"Cannot upgrade {current.engine} from {current.version} to {new.version}")  # fmt: skip
    if upgrades.is_major(current, new) and not params.get("AllowMajorVersionUpgrade"):
        raise AwsError("InvalidParameterCombination", upgrades.ALLOW_MAJOR)
    if global_clusters.members(ctx.backend.store, ctx.account_id, record.identifier):
        raise AwsError(
            "InvalidParameterCombination",
            "Fogbank does not upgrade the engine version of a global database's DB clusters yet (EngineVersion): "
            "remove them, or create the global database anew at the new version.",
        )
    return new.version


# -- remove a member, delete -------------------------------------------------------------------------


@operation("RemoveFromGlobalCluster")
def remove_from_global_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, _ = backend(ctx)
    with be.store.lock:
        home, record = _strict(ctx, params["GlobalClusterIdentifier"])
        member_region, cluster = _cluster(ctx, params["DbClusterIdentifier"])
        if cluster.fields.get("GlobalClusterIdentifier") != record.identifier:
            raise _invalid(f"DB cluster {cluster.identifier} is not a member of global cluster {record.identifier}.")
        if record.status != "available":
            raise _invalid(f"Global cluster {record.identifier} is in {record.status} state.")
        others = [
            c for _, c in global_clusters.members(be.store, ctx.account_id, record.identifier) if c is not cluster
        ]
        primary = cluster.arn == record.private.primary
        if primary and others:
            raise _invalid(
                f"The primary DB cluster {cluster.identifier} can be removed from global cluster {record.identifier} "
                "only when it has no secondary DB cluster."
            )
        secondary = not primary and global_clusters.head(member_region, cluster) is not None
        if secondary and not LIFECYCLE.move_if(cluster, ("available",), "modifying"):
            raise invalid_state(f"DbCluster {cluster.identifier} is not in available state.")
        del cluster.fields["GlobalClusterIdentifier"]
        if primary:
            record.private.primary = ""
        be.save(member_region)
        be.save(home)
        out = render(ctx, record)
    if secondary:
        be.jobs.submit(cluster.resource_id, lambda: global_clusters.detach(be, member_region, cluster))
    return {"GlobalCluster": out}


@operation("DeleteGlobalCluster")
def delete_global_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, _ = backend(ctx)
    with be.store.lock:
        home, record = _strict(ctx, params["GlobalClusterIdentifier"])
        if global_clusters.members(be.store, ctx.account_id, record.identifier):
            raise _invalid(f"Global cluster {record.identifier} is not empty: remove its DB clusters first.")
        if record.fields.get("DeletionProtection"):
            raise _invalid(f"Global cluster {record.identifier} has deletion protection enabled.")
        record.status = "deleting"
        out = render(ctx, record)
        home.remove(record)
        be.save(home)
    return {"GlobalCluster": out}


def check_instance_delete(region: Region, record: Record[Any]) -> None:
    """DeleteDBInstance of a secondary's first instance, which its other instances replicate from:
    they would be cut off from the primary (Fogbank does not move them to the primary's writer yet)."""
    cluster = clusters.cluster_of(region, record)
    if cluster is None or global_clusters.head(region, cluster) is not record:
        return
    if len(clusters.members(region, cluster)) > 1:
        raise invalid_state(
            f"DB instance {record.identifier} replicates from the primary DB cluster for the other DB instances of "
            f"{cluster.identifier}: delete them first, or remove {cluster.identifier} from its global cluster."
        )


def check_cluster_delete(cluster: Record[Any]) -> None:
    """DeleteDBCluster: a member of a global database is removed from it first, as on AWS."""
    if cluster.fields.get("GlobalClusterIdentifier"):
        raise invalid_state("This cluster is a part of a global cluster, please remove it from globalcluster first")


# -- failover, switchover ------------------------------------------------------------------------------


def _fail_over(ctx: RequestContext, params: dict[str, Any], allow_data_loss: bool) -> dict[str, Any]:
    be, _ = backend(ctx)
    with be.store.lock:
        home, record = _strict(ctx, params["GlobalClusterIdentifier"])
        target_region, target = _cluster(ctx, params["TargetDbClusterIdentifier"])
        if target.fields.get("GlobalClusterIdentifier") != record.identifier:
            raise _invalid(f"DB cluster {target.identifier} is not a member of global cluster {record.identifier}.")
        if target.arn == record.private.primary:
            raise _invalid(f"DB cluster {target.identifier} is already the primary DB cluster of {record.identifier}.")
        if record.status != "available":
            raise _invalid(f"Global cluster {record.identifier} is in {record.status} state.")
        primary = global_clusters.by_arn(be.store, ctx.account_id, record.private.primary)
        if primary is None:
            raise _invalid(f"Global cluster {record.identifier} has no primary DB cluster.")
        head = global_clusters.head(target_region, target)
        if target.status != "available" or head is None or head.status != "available":
            raise invalid_state(f"DbCluster {target.identifier} has no available DB instance to promote.")
        if not allow_data_loss and primary[1].status != "available":
            raise invalid_state(f"DbCluster {primary[1].identifier} is not in available state.")
        record.status = "failing-over" if allow_data_loss else "switching-over"
        record.fields["FailoverState"] = {"Status": "failing-over", "FromDbClusterArn": primary[1].arn,
                                          "ToDbClusterArn": target.arn, "IsDataLossAllowed": allow_data_loss}  # fmt: skip
        be.save(home)
        out = render(ctx, record)
    be.jobs.submit(record.resource_id, lambda: global_clusters.switch_over(
        be, home, record, primary, (target_region, target), allow_data_loss))  # fmt: skip
    return {"GlobalCluster": out}


@operation("FailoverGlobalCluster")
def failover_global_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    if params.get("AllowDataLoss") and params.get("Switchover"):
        raise AwsError("InvalidParameterCombination", "AllowDataLoss and Switchover can't both be specified.")
    return _fail_over(ctx, params, allow_data_loss=bool(params.get("AllowDataLoss")))


@operation("SwitchoverGlobalCluster")
def switchover_global_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    return _fail_over(ctx, params, allow_data_loss=False)
