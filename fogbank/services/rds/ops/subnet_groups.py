"""DB subnet groups: stored and validated (Fogbank has no EC2: subnets are taken as given and
placed by ``fogbank.managed.network``; the ``default`` group stands for the default VPC). The
lookups and the uniqueness, default and in-use rules are the shared ``fogbank.managed.groups``'."""

from __future__ import annotations

import re
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed import groups, network
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds.model import render_subnet_group
from fogbank.services.rds.ops.common import backend, page, require_text, tag_list
from fogbank.services.rds.records import INSTANCE, SUBNET_GROUP, SubnetGroupPrivate
from fogbank.services.rds.store import Region

_NAME = re.compile(r"^[a-z0-9 ._\-]{1,255}$")


def _not_found(name: str) -> AwsError:
    return AwsError("DBSubnetGroupNotFoundFault", f"DBSubnetGroup {name} not found.")


GROUP = groups.GroupKind(
    SUBNET_GROUP,
    not_found=_not_found,
    exists=lambda name: AwsError("DBSubnetGroupAlreadyExistsFault", f"The DB subnet group '{name}' already exists."),
    in_use=lambda name: AwsError(
        "InvalidDBSubnetGroupStateFault",
        f"Cannot delete the subnet group '{name}' because at least one database instance is still using it.",
    ),  # fmt: skip
    default_refused=lambda _: AwsError("InvalidDBSubnetGroupStateFault", "Cannot delete default DB subnet group"),
    users=groups.used_in(INSTANCE, "DBSubnetGroupName"),
    is_default=lambda record: record.identifier == "default",
)


def _invalid_subnet(subnet_id: str) -> AwsError:
    return AwsError("InvalidSubnet", f"The requested subnet {subnet_id} is invalid, or multiple subnets were "
                    "requested that are not all in a common VPC.")  # fmt: skip


def _no_subnets() -> AwsError:
    return AwsError("InvalidSubnet", "Subnet IDs are required.")


def _place(ctx: RequestContext, subnet_ids: list[str]) -> tuple[str, list[list[str]]]:
    return network.place(ctx.account_id, ctx.region, subnet_ids, _no_subnets, _invalid_subnet)


def ensure_default(ctx: RequestContext, region: Region) -> None:
    if region.get(SUBNET_GROUP, "default") is None:
        region.add(_group(ctx, "default", "default", network.default_vpc(ctx.account_id, ctx.region),
                          network.default_subnets(ctx.account_id, ctx.region), []))  # fmt: skip


def _group(
    ctx: RequestContext, name: str, description: str, vpc: str, subnets: list[list[str]], tags: list[dict[str, str]]
) -> Record[Any]:
    arn = ctx.arn("rds", f"subgrp:{name}")
    fields = {"DBSubnetGroupName": name, "DBSubnetGroupDescription": description, "VpcId": vpc, "DBSubnetGroupArn": arn}
    return Record(SUBNET_GROUP, name, arn, SubnetGroupPrivate(subnets), fields=fields, tags=tags)


def resolve_subnet_group(ctx: RequestContext, region: Region, name: str | None) -> str:
    with ctx.backend.store.lock:
        ensure_default(ctx, region)
        return groups.find(region, GROUP, name).identifier if name else "default"


@operation("CreateDBSubnetGroup")
def create_db_subnet_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    name = params["DBSubnetGroupName"].lower()
    if name == "default" or not _NAME.match(name):
        raise AwsError("InvalidParameterValue", f"Invalid DB subnet group name: {params['DBSubnetGroupName']}")
    require_text(params, "DBSubnetGroupDescription")
    vpc, subnets = _place(ctx, params.get("SubnetIds") or [])
    tags = tag_list(params.get("Tags"))
    with be.store.lock:
        group = groups.add(region, GROUP, _group(ctx, name, params["DBSubnetGroupDescription"], vpc, subnets, tags))
        be.save(region)
        return {"DBSubnetGroup": render_subnet_group(group)}


@operation("ModifyDBSubnetGroup")
def modify_db_subnet_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    vpc, subnets = _place(ctx, params.get("SubnetIds") or [])
    with be.store.lock:
        group = groups.find(region, GROUP, params["DBSubnetGroupName"])
        if GROUP.is_default(group):  # RDS does not show its default group as one the user can change
            raise _not_found(params["DBSubnetGroupName"])
        group.private.subnets, group.fields["VpcId"] = subnets, vpc
        if params.get("DBSubnetGroupDescription") is not None:
            group.fields["DBSubnetGroupDescription"] = params["DBSubnetGroupDescription"]
        be.save(region)
        return {"DBSubnetGroup": render_subnet_group(group)}


@operation("DescribeDBSubnetGroups")
def describe_db_subnet_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    with be.store.lock:
        ensure_default(ctx, region)
        chunk, marker = page(params, groups.listing(region, GROUP, params.get("DBSubnetGroupName")),
                             key=lambda g: g.identifier)  # fmt: skip
        return {"DBSubnetGroups": [render_subnet_group(g) for g in chunk], "Marker": marker}


@operation("DeleteDBSubnetGroup")
def delete_db_subnet_group(ctx: RequestContext, params: dict[str, Any]) -> None:
    be, region = backend(ctx)
    with be.store.lock:
        ensure_default(ctx, region)
        groups.remove(region, GROUP, params["DBSubnetGroupName"])
        be.save(region)
