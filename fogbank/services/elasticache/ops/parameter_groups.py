"""Cache parameter groups: Create/Modify/Reset/Delete/Describe, DescribeCacheParameters and
DescribeEngineDefaultParameters; changes reach every running node of the clusters using them."""

from __future__ import annotations

import re
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed import groups
from fogbank.managed.records import Record, Scope
from fogbank.managed.tags import check as check_tags
from fogbank.services.base import operation
from fogbank.services.elasticache import errors, nodes
from fogbank.services.elasticache.backend import Backend
from fogbank.services.elasticache.model import CLUSTER, PARAMETER_GROUP, ParameterGroupPrivate, render_parameter_group
from fogbank.services.elasticache.ops.common import TAG_RULES, backend, page
from fogbank.services.elasticache.ops.engine_versions import families
from fogbank.services.elasticache.parameters import Parameter, check_value

_NAME = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)$")

GROUP = groups.GroupKind(
    PARAMETER_GROUP,
    not_found=errors.parameter_group_not_found,
    exists=errors.parameter_group_exists,
    in_use=lambda name: errors.invalid_parameter_group_state(
        f"Parameter group {name} is in use by one or more cache clusters."
    ),  # fmt: skip
    default_refused=lambda _: errors.invalid_parameter_group_state("Default parameter groups cannot be deleted."),
    users=groups.used_in(CLUSTER, "CacheParameterGroupName"),
    is_default=lambda record: record.identifier.startswith("default."),
)


def ensure_defaults(ctx: RequestContext, be: Backend, scope: Scope) -> None:
    """``default.<family>`` for every installed family, as each region has them on AWS."""
    with be.store.lock:
        for family in families(be):
            name = f"default.{family}"
            if scope.get(PARAMETER_GROUP, name) is None:
                scope.add(Record(PARAMETER_GROUP, name, ctx.arn("elasticache", f"parametergroup:{name}"),
                                 ParameterGroupPrivate(), fields={"CacheParameterGroupFamily": family,
                                 "Description": f"Default parameter group for {family}"}))  # fmt: skip


def group(ctx: RequestContext, be: Backend, scope: Scope, name: str) -> Record[ParameterGroupPrivate]:
    ensure_defaults(ctx, be, scope)
    return groups.find(scope, GROUP, name)


def catalog(be: Backend, family: str) -> list[Parameter]:
    version = families(be).get(family)
    if version is None:
        raise errors.invalid_value(f"Invalid parameter group family: {family}")
    return be.parameters.parameters(version)


def _changeable(record: Record[ParameterGroupPrivate]) -> None:
    if GROUP.is_default(record):
        raise errors.invalid_value(f"Default parameter group {record.identifier} cannot be modified.")


@operation("CreateCacheParameterGroup")
def create_cache_parameter_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    name = params["CacheParameterGroupName"]
    if not _NAME.match(name) or name.lower().startswith("default"):
        raise errors.invalid_identifier("CacheParameterGroupName")
    family = params["CacheParameterGroupFamily"]
    if family not in families(be):
        raise errors.invalid_value(f"Invalid parameter group family: {family}")
    tags = check_tags(params.get("Tags"), TAG_RULES)
    with be.store.lock:
        ensure_defaults(ctx, be, scope)
        record = groups.add(scope, GROUP, Record(PARAMETER_GROUP, name.lower(), ctx.arn("elasticache",
                            f"parametergroup:{name.lower()}"), ParameterGroupPrivate(), tags=tags,
                            fields={"CacheParameterGroupFamily": family, "Description": params["Description"]}))  # fmt: skip
        be.save(scope)
        return {"CacheParameterGroup": render_parameter_group(record)}


@operation("DescribeCacheParameterGroups")
def describe_cache_parameter_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        ensure_defaults(ctx, be, scope)
        records = groups.listing(scope, GROUP, params.get("CacheParameterGroupName"))
        chunk, marker = page(params, records, key=lambda r: r.identifier)
        return {"CacheParameterGroups": [render_parameter_group(r) for r in chunk], "Marker": marker}


def _apply_to_clusters(be: Backend, scope: Scope, name: str) -> None:
    for record in list(scope.of(CLUSTER).values()):
        if record.fields["CacheParameterGroupName"] == name and record.status in ("available", "modifying"):
            be.jobs.submit(record.resource_id, lambda r=record: nodes.apply_parameters(be, scope, r))


@operation("ModifyCacheParameterGroup")
def modify_cache_parameter_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        record = group(ctx, be, scope, params["CacheParameterGroupName"])
        _changeable(record)
        known = {p.meta.name: p for p in catalog(be, record.fields["CacheParameterGroupFamily"])}
        changes: dict[str, str] = {}
        for item in params.get("ParameterNameValues") or []:
            name, value = item.get("ParameterName") or "", item.get("ParameterValue")
            if name not in known:
                raise errors.invalid_value(f"Unrecognized parameter: {name}")
            if value is None:
                raise errors.invalid_value(f"A value is required for parameter {name}.")
            check_value(known[name], value)
            changes[name] = value
        if not changes:
            raise errors.invalid_value("At least one parameter must be specified.")
        record.private.values.update(changes)
        be.save(scope)
    _apply_to_clusters(be, scope, record.identifier)
    return {"CacheParameterGroupName": record.identifier}


@operation("ResetCacheParameterGroup")
def reset_cache_parameter_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        record = group(ctx, be, scope, params["CacheParameterGroupName"])
        _changeable(record)
        names = [item.get("ParameterName") for item in params.get("ParameterNameValues") or []]
        if params.get("ResetAllParameters") and names:
            raise errors.invalid_combination("ResetAllParameters and ParameterNameValues cannot both be specified.")
        if not params.get("ResetAllParameters") and not names:
            raise errors.invalid_value("Either ResetAllParameters or ParameterNameValues must be specified.")
        if params.get("ResetAllParameters"):
            record.private.values.clear()
        else:
            for name in names:
                record.private.values.pop(name or "", None)
        be.save(scope)
    _apply_to_clusters(be, scope, record.identifier)
    return {"CacheParameterGroupName": record.identifier}


@operation("DeleteCacheParameterGroup")
def delete_cache_parameter_group(ctx: RequestContext, params: dict[str, Any]) -> None:
    be, scope = backend(ctx)
    with be.store.lock:
        ensure_defaults(ctx, be, scope)
        groups.remove(scope, GROUP, params["CacheParameterGroupName"])
        be.save(scope)


@operation("DescribeCacheParameters")
def describe_cache_parameters(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        record = group(ctx, be, scope, params["CacheParameterGroupName"])
        values = dict(record.private.values)
    rows = [p.render(values.get(p.meta.name)) for p in catalog(be, record.fields["CacheParameterGroupFamily"])]
    if params.get("Source"):
        rows = [row for row in rows if row["Source"] == params["Source"]]
    chunk, marker = page(params, rows, key=lambda r: r["ParameterName"])
    return {"Parameters": chunk, "CacheNodeTypeSpecificParameters": [], "Marker": marker}


@operation("DescribeEngineDefaultParameters")
def describe_engine_default_parameters(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, _ = backend(ctx)
    family = params["CacheParameterGroupFamily"]
    rows = [p.render() for p in catalog(be, family)]
    chunk, marker = page(params, rows, key=lambda r: r["ParameterName"])
    return {"EngineDefaults": {"CacheParameterGroupFamily": family, "Parameters": chunk, "Marker": marker,
                               "CacheNodeTypeSpecificParameters": []}}  # fmt: skip
