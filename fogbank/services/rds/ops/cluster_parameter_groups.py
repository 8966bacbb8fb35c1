"""DB cluster parameter groups (Aurora): the values every instance of a cluster runs with, applied to
the running engines (``rds/clusters.py`` ``apply_parameters``), under each instance's own DB parameter
group, whose values win (``lifecycle.group_values``).

A cluster parameter group holds the same real engine parameters as a DB parameter group of its
family (``aurora-postgresql16``, ``aurora-mysql8.0``: read from the server that runs it), so the
checks, rows and resets are ``parameter_groups``'s; what differs is the kind of record, its ARN
(``cluster-pg:``), its wording and who uses it (clusters, not instances).
"""

from __future__ import annotations

import copy
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed import groups
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import clusters, multi_az_clusters
from fogbank.services.rds.engines import EngineVersion, is_aurora
from fogbank.services.rds.ops.common import (
    aurora_only,
    backend,
    check_group_name,
    filters,
    page,
    require_text,
    tag_list,
)
from fogbank.services.rds.ops.parameter_groups import (
    check_changes,
    check_source,
    family_version,
    parameter_rows,
    reset_values,
)
from fogbank.services.rds.records import CLUSTER, CLUSTER_PARAMETER_GROUP, ParameterGroupPrivate
from fogbank.services.rds.store import Region


def _not_found(name: str) -> AwsError:
    # The cluster group operations answer DBParameterGroupNotFound (their model says so); CreateDBCluster
    # and ModifyDBCluster answer DBClusterParameterGroupNotFound, with the same message.
    return AwsError("DBParameterGroupNotFoundFault", f"DBClusterParameterGroup not found: {name}")


GROUP = groups.GroupKind(
    CLUSTER_PARAMETER_GROUP,
    not_found=_not_found,
    exists=lambda name: AwsError("DBParameterGroupAlreadyExistsFault", f"Parameter group {name} already exists"),
    in_use=lambda name: AwsError(
        "InvalidDBParameterGroupStateFault",
        f"One or more DB clusters are still members of this parameter group {name}, so the group cannot be deleted",
    ),
    default_refused=lambda _: AwsError(
        "InvalidDBParameterGroupStateFault", "Default DBClusterParameterGroup cannot be deleted"
    ),
    users=groups.used_in(CLUSTER, "DBClusterParameterGroup"),
    is_default=lambda record: bool(record.private.default),
)


def _arn(ctx: RequestContext, name: str) -> str:
    return ctx.arn("rds", f"cluster-pg:{name}")


def _fields(ctx: RequestContext, name: str, family: str, description: str) -> dict[str, Any]:
    return {
        "DBClusterParameterGroupName": name,
        "DBParameterGroupFamily": family,
        "Description": description,
        "DBClusterParameterGroupArn": _arn(ctx, name),
    }


def _render(group: Record[Any]) -> dict[str, Any]:
    return dict(group.fields)


def _clustered(engine: str) -> bool:
    """Engines that run in DB clusters: Aurora's, and postgres and mysql (Multi-AZ DB clusters)."""
    return is_aurora(engine) or engine in multi_az_clusters.ENGINES


def cluster_family(ctx: RequestContext, family: str) -> EngineVersion:
    """A family of a clustered engine Fogbank serves (``aurora-postgresql13`` ... ``aurora-mysql8.0``,
    ``postgres13`` ... ``mysql8.0``)."""
    version = family_version(ctx, family)
    if not _clustered(version.engine):
        raise AwsError(
            "InvalidParameterCombination",
            f"DB cluster parameter groups of family {family} are not supported: {version.engine} runs in no DB "
            "cluster (Aurora families, and postgres and mysql ones for Multi-AZ DB clusters, are).",
        )
    return version


def ensure_default(ctx: RequestContext, region: Region, version: EngineVersion) -> str:
    """``default.<family>``, made on first use as RDS has it in every region; read-only."""
    name = f"default.{version.family}"
    if name not in region.of(CLUSTER_PARAMETER_GROUP):
        fields = _fields(ctx, name, version.family, f"Default cluster parameter group for {version.family}")
        region.add(Record(CLUSTER_PARAMETER_GROUP, name, _arn(ctx, name), ParameterGroupPrivate(default=True),
                          fields=fields))  # fmt: skip
    return name


def resolve(ctx: RequestContext, region: Region, name: str | None, version: EngineVersion) -> str:
    """The group a cluster of ``version`` uses (CreateDBCluster, ModifyDBCluster): the one named, or
    the default; the caller holds the store lock."""
    if not name:
        return ensure_default(ctx, region, version)
    try:
        group = _group(ctx, region, name)  # another family's default too: its family is then refused
    except AwsError:
        raise AwsError("DBClusterParameterGroupNotFoundFault", f"DBClusterParameterGroup not found: {name}") from None
    family = group.fields["DBParameterGroupFamily"]
    if family != version.family:  # recorded from AWS (CreateDBCluster), "instance" included
        raise AwsError(
            "InvalidParameterCombination",
            f"The Parameter Group {name} with DBParameterGroupFamily {family} cannot be used for this instance. "
            f"Please use a Parameter Group with DBParameterGroupFamily {version.family}",
        )
    return group.identifier


def _group(ctx: RequestContext, region: Region, name: str) -> Record[Any]:
    """A group by name (``default.<family>`` made on first use); the caller holds the store lock."""
    key = name.lower()
    if key.startswith("default.") and key not in region.of(CLUSTER_PARAMETER_GROUP):
        version = ctx.backend.engines.by_family(key[len("default.") :])
        if version is not None and _clustered(version.engine):
            ensure_default(ctx, region, version)
    return groups.find(region, GROUP, name)


def _writable(ctx: RequestContext, region: Region, name: str) -> Record[Any]:
    group = _group(ctx, region, name)
    if group.private.default:
        raise AwsError("InvalidParameterValue", "Cannot modify a default parameter group.")
    return group


def _apply(ctx: RequestContext, region: Region, name: str) -> None:
    """The group's values changed: every cluster that uses it applies them to its running instances."""
    be = ctx.backend
    with be.store.lock:
        using = [c for c in region.of(CLUSTER).values() if c.fields["DBClusterParameterGroup"] == name]
    for cluster in using:
        clusters.apply_parameters(be, region, cluster)


# -- create, copy --------------------------------------------------------------------------------


@operation("CreateDBClusterParameterGroup")
def create_db_cluster_parameter_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    name = check_group_name(params, "DBClusterParameterGroupName")
    require_text(params, "Description")
    family = params["DBParameterGroupFamily"]
    cluster_family(ctx, family)
    tags = tag_list(params.get("Tags"))
    with be.store.lock:
        record = Record(CLUSTER_PARAMETER_GROUP, name, _arn(ctx, name), ParameterGroupPrivate(),
                        fields=_fields(ctx, name, family, params["Description"]), tags=tags)  # fmt: skip
        groups.add(region, GROUP, record)
        be.save(region)
        return {"DBClusterParameterGroup": _render(record)}


@operation("CopyDBClusterParameterGroup")
def copy_db_cluster_parameter_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    source_name = params["SourceDBClusterParameterGroupIdentifier"].split(":cluster-pg:")[-1]
    with be.store.lock:
        source = _group(ctx, region, source_name)
        result = create_db_cluster_parameter_group(
            ctx,
            {
                "DBClusterParameterGroupName": params["TargetDBClusterParameterGroupIdentifier"],
                "DBParameterGroupFamily": source.fields["DBParameterGroupFamily"],
                "Description": params["TargetDBClusterParameterGroupDescription"],
                "Tags": params.get("Tags"),
            },
        )
        target = region.of(CLUSTER_PARAMETER_GROUP)[result["DBClusterParameterGroup"]["DBClusterParameterGroupName"]]
        target.private.values = dict(source.private.values)
        target.private.methods = dict(source.private.methods)
        be.save(region)
        return result


# -- describe ------------------------------------------------------------------------------------


@operation("DescribeDBClusterParameterGroups")
def describe_db_cluster_parameter_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    match = filters(params, {})  # RDS takes no filter here yet
    name = params.get("DBClusterParameterGroupName")
    with be.store.lock:
        for version in be.engines.families():
            if _clustered(version.engine):
                ensure_default(ctx, region, version)
        found = [_group(ctx, region, name)] if name else groups.listing(region, GROUP, None)
        chunk, marker = page(params, [g for g in found if match(g)], key=lambda g: g.identifier)
        return {"DBClusterParameterGroups": [_render(g) for g in chunk], "Marker": marker}


def _with_modes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Aurora's cluster parameters name the engine modes they apply to; Fogbank's clusters are provisioned.
    return [{**row, "SupportedEngineModes": ["provisioned"]} for row in rows]


@operation("DescribeDBClusterParameters")
def describe_db_cluster_parameters(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    source = check_source(params)
    match = filters(params, {"parameter-name": lambda r: (r["ParameterName"],)})
    with be.store.lock:
        group = _group(ctx, region, params["DBClusterParameterGroupName"])
        # A copy: the rows are read from the catalogue outside the lock.
        family, values = group.fields["DBParameterGroupFamily"], copy.deepcopy(group.private)
    rows = [r for r in parameter_rows(ctx, family, values, source) if match(r)]
    chunk, marker = page(params, rows, key=lambda r: r["ParameterName"])
    return {"Parameters": _with_modes(chunk), "Marker": marker}


@operation("DescribeEngineDefaultClusterParameters")
def describe_engine_default_cluster_parameters(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    family = params["DBParameterGroupFamily"]
    cluster_family(ctx, family)
    match = filters(params, {"parameter-name": lambda r: (r["ParameterName"],)})
    rows = [r for r in parameter_rows(ctx, family, ParameterGroupPrivate(), None) if match(r)]
    chunk, marker = page(params, rows, key=lambda r: r["ParameterName"])
    return {"EngineDefaults": {"DBParameterGroupFamily": family, "Parameters": _with_modes(chunk), "Marker": marker}}


# -- modify, reset, delete -----------------------------------------------------------------------


@operation("ModifyDBClusterParameterGroup")
def modify_db_cluster_parameter_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    with be.store.lock:
        group = _writable(ctx, region, params["DBClusterParameterGroupName"])
        name, family = group.identifier, group.fields["DBParameterGroupFamily"]
    values = check_changes(ctx, family, params.get("Parameters") or [])
    with be.store.lock:
        group = _writable(ctx, region, name)
        for pname, (value, method) in values.items():
            group.private.values[pname] = value
            group.private.methods[pname] = method
        be.save(region)
    _apply(ctx, region, name)
    return {"DBClusterParameterGroupName": name}


@operation("ResetDBClusterParameterGroup")
def reset_db_cluster_parameter_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    if params.get("ResetAllParameters") and params.get("Parameters"):
        raise AwsError(
            "InvalidParameterCombination", "ResetAllParameters can't be used with a list of Parameters to reset."
        )
    with be.store.lock:
        group = _writable(ctx, region, params["DBClusterParameterGroupName"])
        reset_values(group.private, params)
        be.save(region)
        name = group.identifier
    _apply(ctx, region, name)
    return {"DBClusterParameterGroupName": name}


@operation("DeleteDBClusterParameterGroup")
def delete_db_cluster_parameter_group(ctx: RequestContext, params: dict[str, Any]) -> None:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    with be.store.lock:
        _group(ctx, region, params["DBClusterParameterGroupName"])  # a default one is made on first use
        groups.remove(region, GROUP, params["DBClusterParameterGroupName"])
        be.save(region)
