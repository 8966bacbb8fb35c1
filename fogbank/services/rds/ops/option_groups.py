"""Option groups: stored and validated. The engines Fogbank runs have no RDS options to add
(none of MySQL's or MariaDB's plugins are offered yet), so ModifyOptionGroup can only remove."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed import groups
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds.engines import KINDS, EngineVersion
from fogbank.services.rds.ops.common import backend, check_group_name, page, require_text, tag_list
from fogbank.services.rds.records import INSTANCE, OPTION_GROUP, OptionGroupPrivate
from fogbank.services.rds.store import Region


def _not_found(name: str) -> AwsError:
    return AwsError("OptionGroupNotFoundFault", f"Specified OptionGroupName: {name} not found.")


GROUP = groups.GroupKind(
    OPTION_GROUP,
    not_found=_not_found,
    exists=lambda name: AwsError("OptionGroupAlreadyExistsFault", f"Option group {name} already exists."),
    in_use=lambda name: AwsError(
        "InvalidOptionGroupStateFault", f"The option group '{name}' cannot be deleted because it is in use."
    ),  # fmt: skip
    default_refused=lambda _: AwsError("InvalidOptionGroupStateFault", "Default option groups cannot be deleted."),
    users=groups.used_in(INSTANCE, "OptionGroupName"),
    is_default=lambda record: record.identifier.startswith("default:"),
)


def _find(region: Region, name: str) -> Record[Any]:
    """The option group called ``name``; names are stored lowercase, so any case finds it."""
    return groups.find(region, GROUP, name)


def default_name(engine: str, major: str) -> str:
    return f"default:{engine}-{major.replace('.', '-')}"


def _record(ctx: RequestContext, name: str, engine: str, major: str, description: str, tags: list) -> Record[Any]:
    arn = ctx.arn("rds", f"og:{name}")
    fields = {
        "OptionGroupName": name,
        "OptionGroupDescription": description,
        "EngineName": engine,
        "MajorEngineVersion": major,
        "Options": [],
        "AllowsVpcAndNonVpcInstanceMemberships": True,
        "OptionGroupArn": arn,
    }
    return Record(OPTION_GROUP, name, arn, OptionGroupPrivate(), fields=fields, tags=tags)


def resolve_option_group(ctx: RequestContext, region: Region, name: str | None, version: EngineVersion) -> str:
    with ctx.backend.store.lock:
        default = default_name(version.engine, version.major)
        if default not in region.of(OPTION_GROUP):
            region.add(
                _record(
                    ctx,
                    default,
                    version.engine,
                    version.major,
                    f"Default option group for {version.engine} {version.major}",
                    [],
                )
            )
        if not name:
            return default
        group = _find(region, name)
        if group.fields["EngineName"] != version.engine or group.fields["MajorEngineVersion"] != version.major:
            raise AwsError(
                "InvalidParameterCombination",
                f"The option group {name} is for {group.fields['EngineName']} {group.fields['MajorEngineVersion']} and cannot be "
                f"used with {version.engine} {version.major}.",
            )
        return group.fields["OptionGroupName"]


def _render(group: Record[Any]) -> dict[str, Any]:
    return dict(group.fields)


@operation("CreateOptionGroup")
def create_option_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    name = check_group_name(params, "OptionGroupName")
    engine, major = params["EngineName"], params["MajorEngineVersion"]
    if engine not in KINDS:
        raise AwsError("InvalidParameterValue", f"Invalid DB engine: {engine}")
    majors = {v.major for v in be.engines.versions(engine)}
    if major not in majors:
        raise AwsError(
            "InvalidParameterCombination",
            f"Cannot find major version {major} for {engine}. Installed: {', '.join(sorted(majors)) or 'none'}.",
        )
    require_text(params, "OptionGroupDescription")
    tags = tag_list(params.get("Tags"))
    with be.store.lock:
        group = groups.add(region, GROUP, _record(ctx, name, engine, major, params["OptionGroupDescription"], tags))
        be.save(region)
        return {"OptionGroup": _render(group)}


@operation("CopyOptionGroup")
def copy_option_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    with be.store.lock:
        source = region.of(OPTION_GROUP).get(params["SourceOptionGroupIdentifier"].split(":og:")[-1])
        if source is None:
            raise _not_found(params["SourceOptionGroupIdentifier"])
        result = create_option_group(
            ctx,
            {
                "OptionGroupName": params["TargetOptionGroupIdentifier"],
                "EngineName": source.fields["EngineName"],
                "MajorEngineVersion": source.fields["MajorEngineVersion"],
                "OptionGroupDescription": params["TargetOptionGroupDescription"],
                "Tags": params.get("Tags"),
            },
        )
        target = region.of(OPTION_GROUP)[result["OptionGroup"]["OptionGroupName"]]
        target.fields["Options"] = list(source.fields["Options"])
        target.fields["SourceOptionGroup"] = source.fields["OptionGroupArn"]
        be.save(region)
        return {"OptionGroup": _render(target)}


@operation("DescribeOptionGroups")
def describe_option_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    with be.store.lock:
        found = groups.listing(region, GROUP, params.get("OptionGroupName"))
        if params.get("EngineName"):
            found = [g for g in found if g.fields["EngineName"] == params["EngineName"]]
        if params.get("MajorEngineVersion"):
            found = [g for g in found if g.fields["MajorEngineVersion"] == params["MajorEngineVersion"]]
        chunk, marker = page(params, found, key=lambda g: g.identifier)
        return {"OptionGroupsList": [_render(g) for g in chunk], "Marker": marker}


@operation("ModifyOptionGroup")
def modify_option_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    with be.store.lock:
        group = _find(region, params["OptionGroupName"])
        if GROUP.is_default(group):
            raise AwsError("InvalidParameterValue", "Default option groups cannot be modified.")
        for option in params.get("OptionsToInclude") or []:
            raise AwsError(
                "InvalidParameterValue",
                f"Option {option.get('OptionName')} is not available for {group.fields['EngineName']} "
                f"{group.fields['MajorEngineVersion']} in Fogbank.",
            )
        remove = set(params.get("OptionsToRemove") or [])
        group.fields["Options"] = [o for o in group.fields["Options"] if o.get("OptionName") not in remove]
        be.save(region)
        return {"OptionGroup": _render(group)}


@operation("DeleteOptionGroup")
def delete_option_group(ctx: RequestContext, params: dict[str, Any]) -> None:
    be, region = backend(ctx)
    with be.store.lock:
        groups.remove(region, GROUP, params["OptionGroupName"])
        be.save(region)


@operation("DescribeOptionGroupOptions")
def describe_option_group_options(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    if params["EngineName"] not in KINDS:
        raise AwsError("InvalidParameterValue", f"Invalid DB engine: {params['EngineName']}")
    # No engine Fogbank runs has options to offer, but the page size is still checked as AWS checks it.
    chunk, marker = page(params, [], key=lambda option: option["Name"])
    return {"OptionGroupOptions": chunk, "Marker": marker}
