"""DB parameter groups: stored values, the engine's real parameters, applied to running engines."""

from __future__ import annotations

import copy
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed import groups
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import lifecycle
from fogbank.services.rds.engines import EngineVersion
from fogbank.services.rds.ops.common import backend, check_group_name, filters, page, require_text, tag_list
from fogbank.services.rds.parameters import FORMULAS, check_value
from fogbank.services.rds.records import INSTANCE, PARAMETER_GROUP, ParameterGroupPrivate
from fogbank.services.rds.store import Region

MAX_PARAMETERS_PER_CALL = 20


def _not_found(name: str) -> AwsError:
    return AwsError("DBParameterGroupNotFoundFault", f"DBParameterGroup not found: {name}")


GROUP = groups.GroupKind(
    PARAMETER_GROUP,
    not_found=_not_found,
    exists=lambda name: AwsError("DBParameterGroupAlreadyExistsFault", f"Parameter group {name} already exists"),
    in_use=lambda name: AwsError(
        "InvalidDBParameterGroupStateFault",
        "One or more database instances are still "
        f"members of this parameter group {name}, so the group cannot be deleted",
    ),  # fmt: skip
    default_refused=lambda _: AwsError(
        "InvalidDBParameterGroupStateFault", "Default DBParameterGroup cannot be deleted"
    ),
    users=groups.used_in(INSTANCE, "DBParameterGroupName"),
    is_default=lambda record: bool(record.private.default),
)


def _arn(ctx: RequestContext, name: str) -> str:
    return ctx.arn("rds", f"pg:{name}")


def ensure_default(ctx: RequestContext, region: Region, version: EngineVersion) -> str:
    """``default.<family>``, created on first use as RDS has it in every region."""
    name = f"default.{version.family}"
    if name not in region.of(PARAMETER_GROUP):
        fields = {
            "DBParameterGroupName": name,
            "DBParameterGroupFamily": version.family,
            "Description": f"Default parameter group for {version.family}",
            "DBParameterGroupArn": _arn(ctx, name),
        }
        region.add(Record(PARAMETER_GROUP, name, _arn(ctx, name), ParameterGroupPrivate(default=True), fields=fields))
    return name


def resolve_parameter_group(ctx: RequestContext, region: Region, name: str | None, version: EngineVersion) -> str:
    """The group an instance of ``version`` uses: the one named (if it fits) or the default."""
    be = ctx.backend
    with be.store.lock:
        if not name:
            return ensure_default(ctx, region, version)
        name = name.lower()  # group names are stored lowercase and matched case-insensitively
        if name == f"default.{version.family}":
            ensure_default(ctx, region, version)
        group = region.of(PARAMETER_GROUP).get(name)
        if group is None:
            raise _not_found(name)
        if group.fields["DBParameterGroupFamily"] != version.family:
            raise AwsError(
                "InvalidParameterCombination",
                f"The parameter group {name} with DBParameterGroupFamily {group.fields['DBParameterGroupFamily']} can't be "
                f"used for this instance. Use a parameter group with DBParameterGroupFamily {version.family}.",
            )
        return name


def _group(region: Region, name: str, ctx: RequestContext | None = None) -> Record[Any]:
    key = name.lower()
    if ctx is not None and key.startswith("default.") and key not in region.of(PARAMETER_GROUP):
        version = ctx.backend.engines.by_family(key[len("default.") :])
        if version is not None:
            ensure_default(ctx, region, version)
    return groups.find(region, GROUP, name)


def _render(group: Record[Any]) -> dict[str, Any]:
    return {
        k: group.fields[k]
        for k in ("DBParameterGroupName", "DBParameterGroupFamily", "Description", "DBParameterGroupArn")
    }


def family_version(ctx: RequestContext, family: str) -> EngineVersion:
    version = ctx.backend.engines.by_family(family)
    if version is None:
        installed = ", ".join(v.family for v in ctx.backend.engines.families())
        raise AwsError(
            "InvalidParameterValue",
            f"The parameter DBParameterGroupFamily is not valid: {family} (installed families: {installed}).",
        )
    return version


@operation("CreateDBParameterGroup")
def create_db_parameter_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    name = check_group_name(params, "DBParameterGroupName")
    require_text(params, "Description")
    family_version(ctx, params["DBParameterGroupFamily"])
    tags = tag_list(params.get("Tags"))
    with be.store.lock:
        fields = {
            "DBParameterGroupName": name,
            "DBParameterGroupFamily": params["DBParameterGroupFamily"],
            "Description": params["Description"],
            "DBParameterGroupArn": _arn(ctx, name),
        }
        group = groups.add(region, GROUP, Record(PARAMETER_GROUP, name, _arn(ctx, name), ParameterGroupPrivate(),
                                                 fields=fields, tags=tags))  # fmt: skip
        be.save(region)
        be.event(region, "db-parameter-group", name, group.fields["DBParameterGroupArn"], "Created parameter group",
                 "configuration change")  # fmt: skip
        return {"DBParameterGroup": _render(group)}


@operation("CopyDBParameterGroup")
def copy_db_parameter_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    source_name = params["SourceDBParameterGroupIdentifier"].split(":pg:")[-1]
    with be.store.lock:
        source = _group(region, source_name, ctx)
        result = create_db_parameter_group(
            ctx,
            {
                "DBParameterGroupName": params["TargetDBParameterGroupIdentifier"],
                "DBParameterGroupFamily": source.fields["DBParameterGroupFamily"],
                "Description": params["TargetDBParameterGroupDescription"],
                "Tags": params.get("Tags"),
            },
        )
        target = region.of(PARAMETER_GROUP)[result["DBParameterGroup"]["DBParameterGroupName"]]
        target.private.values = dict(source.private.values)
        target.private.methods = dict(source.private.methods)
        be.save(region)
        return result


@operation("DescribeDBParameterGroups")
def describe_db_parameter_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    with be.store.lock:
        for version in be.engines.families():
            ensure_default(ctx, region, version)
        match = filters(params, {})
        if params.get("DBParameterGroupName"):
            _group(region, params["DBParameterGroupName"], ctx)  # a default one is made on first use
        found = groups.listing(region, GROUP, params.get("DBParameterGroupName"))
        chunk, marker = page(params, [g for g in found if match(g)], key=lambda g: g.identifier)
        return {"DBParameterGroups": [_render(g) for g in chunk], "Marker": marker}


@operation("DeleteDBParameterGroup")
def delete_db_parameter_group(ctx: RequestContext, params: dict[str, Any]) -> None:
    be, region = backend(ctx)
    with be.store.lock:
        _group(region, params["DBParameterGroupName"], ctx)  # a default one is made on first use
        groups.remove(region, GROUP, params["DBParameterGroupName"])
        be.save(region)


def parameter_rows(
    ctx: RequestContext, family: str, group: ParameterGroupPrivate, source: str | None
) -> list[dict[str, Any]]:
    version = family_version(ctx, family)
    catalog = ctx.backend.catalogs.get(version)
    formulas = FORMULAS[version.flavor]
    rows = []
    for name, entry in catalog.items():
        row: dict[str, Any] = {
            "ParameterName": name,
            "Description": entry["Description"],
            "Source": "engine-default",
            "ApplyType": entry["ApplyType"],
            "DataType": entry["DataType"],
            "IsModifiable": entry["IsModifiable"],
            "ApplyMethod": "pending-reboot",
        }
        if entry.get("AllowedValues"):
            row["AllowedValues"] = entry["AllowedValues"]
        if name in formulas:
            row["Source"] = "system"
            row["ParameterValue"] = formulas[name]
        if name in group.values:
            row["Source"] = "user"
            row["ParameterValue"] = group.values[name]
            row["ApplyMethod"] = group.methods.get(name, "pending-reboot")
        if source is None or row["Source"] == source:
            rows.append(row)
    return rows


def check_source(params: dict[str, Any]) -> str | None:
    """DescribeDB(Cluster)Parameters' ``Source``: user, system or engine-default."""
    source = params.get("Source")
    if source is not None and source not in ("user", "system", "engine-default"):
        raise AwsError("InvalidParameterValue", f"Invalid source: {source}. Valid values: user, system, engine-default")
    return source


@operation("DescribeDBParameters")
def describe_db_parameters(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    source = check_source(params)
    with be.store.lock:
        group = _group(region, params["DBParameterGroupName"], ctx)
        # A copy: the rows are read from the catalogue outside the lock.
        family, values = group.fields["DBParameterGroupFamily"], copy.deepcopy(group.private)
    match = filters(params, {"parameter-name": lambda r: (r["ParameterName"],)})
    rows = [r for r in parameter_rows(ctx, family, values, source) if match(r)]
    chunk, marker = page(params, rows, key=lambda r: r["ParameterName"])
    return {"Parameters": chunk, "Marker": marker}


@operation("DescribeEngineDefaultParameters")
def describe_engine_default_parameters(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    family = params["DBParameterGroupFamily"]
    family_version(ctx, family)
    rows = parameter_rows(ctx, family, ParameterGroupPrivate(), None)
    chunk, marker = page(params, rows, key=lambda r: r["ParameterName"])
    return {"EngineDefaults": {"DBParameterGroupFamily": family, "Parameters": chunk, "Marker": marker}}


def _apply_to_members(ctx: RequestContext, region: Region, name: str) -> None:
    """Hand the new values to every running member instance (static ones wait for a reboot)."""
    be = ctx.backend
    with be.store.lock:
        members = [r for r in region.of(INSTANCE).values() if r.fields["DBParameterGroupName"] == name]
    for record in members:
        be.jobs.submit(record.resource_id, lambda r=record: lifecycle.apply_settings(be, region, r))


def check_changes(ctx: RequestContext, family: str, changes: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """ModifyDB(Cluster)ParameterGroup's ``Parameters`` checked against the engine's real parameters:
    name -> (the value as the engine takes it, its ApplyMethod)."""
    if not changes:
        raise AwsError("InvalidParameterValue", "Parameters must be provided.")
    if len(changes) > MAX_PARAMETERS_PER_CALL:
        raise AwsError(
            "InvalidParameterValue",
            f"A maximum of {MAX_PARAMETERS_PER_CALL} parameters can be modified in a single request.",
        )
    catalog = ctx.backend.catalogs.get(family_version(ctx, family))
    values: dict[str, tuple[str, str]] = {}
    for change in changes:
        pname = change.get("ParameterName")
        if not pname:
            raise AwsError(
                "InvalidParameterValue", "The parameter ParameterName must be provided and must not be blank."
            )
        entry = catalog.get(pname) or catalog.get(pname.lower())
        if entry is None:
            raise AwsError("InvalidParameterValue", f"Could not find parameter with name: {pname}")
        if not entry["IsModifiable"]:
            raise AwsError("InvalidParameterValue", f"The parameter {pname} cannot be modified.")
        method = change.get("ApplyMethod") or "immediate"
        if method not in ("immediate", "pending-reboot"):
            raise AwsError("InvalidParameterValue", f"Invalid apply method: {method}")
        if method == "immediate" and entry["ApplyType"] == "static":
            raise AwsError("InvalidParameterCombination", "cannot use immediate apply method for static parameter")
        if change.get("ParameterValue") is None:
            raise AwsError("InvalidParameterValue", f"The parameter value for {pname} must be provided.")
        values[pname.lower() if pname.lower() in catalog else pname] = (
            check_value(pname, str(change["ParameterValue"]), entry),
            method,
        )
    return values


def reset_values(group: ParameterGroupPrivate, params: dict[str, Any]) -> None:
    """ResetDB(Cluster)ParameterGroup: all of the group's values, or those named, back to the defaults."""
    if params.get("ResetAllParameters"):
        group.values, group.methods = {}, {}
        return
    names = [p.get("ParameterName") for p in params.get("Parameters") or []]
    if not names:
        raise AwsError("InvalidParameterCombination", "Either ResetAllParameters or Parameters must be specified.")
    for pname in names:
        group.values.pop(pname, None)
        group.methods.pop(pname, None)


@operation("ModifyDBParameterGroup")
def modify_db_parameter_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    name = params["DBParameterGroupName"].lower()
    with be.store.lock:
        group = _group(region, name, ctx)
        if group.private.default:
            raise AwsError("InvalidParameterValue", "Cannot modify a default parameter group.")
        family = group.fields["DBParameterGroupFamily"]
    values = check_changes(ctx, family, params.get("Parameters") or [])
    with be.store.lock:
        group = _group(region, name, ctx)
        for pname, (value, method) in values.items():
            group.private.values[pname] = value
            group.private.methods[pname] = method
        be.save(region)
        for pname, (value, method) in values.items():
            be.event(region, "db-parameter-group", name, group.fields["DBParameterGroupArn"],
                     f"Updated parameter {pname} to {value} with apply method {method}", "configuration change")  # fmt: skip
    _apply_to_members(ctx, region, name)
    return {"DBParameterGroupName": name}


@operation("ResetDBParameterGroup")
def reset_db_parameter_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    name = params["DBParameterGroupName"].lower()
    with be.store.lock:
        group = _group(region, name, ctx)
        if group.private.default:
            raise AwsError("InvalidParameterValue", "Cannot modify a default parameter group.")
        reset_values(group.private, params)
        be.save(region)
    _apply_to_members(ctx, region, name)
    return {"DBParameterGroupName": name}
