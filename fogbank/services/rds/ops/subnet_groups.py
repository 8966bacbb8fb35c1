"""DB subnet groups: stored and validated (Fogbank has no EC2, so subnets are taken as given,
each placed in one of the region's zones; the ``default`` group stands for the default VPC)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds.model import default_subnets, default_vpc, render_subnet_group
from fogbank.services.rds.ops.common import backend, page, require_text, tag_list
from fogbank.services.rds.records import INSTANCE, SUBNET_GROUP, SubnetGroupPrivate
from fogbank.services.rds.store import Region

_SUBNET = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_NAME = re.compile(r"^[a-z0-9 ._\-]{1,255}$")


def _not_found(name: str) -> AwsError:
    return AwsError("DBSubnetGroupNotFoundFault", f"DBSubnetGroup {name} not found.")


def ensure_default(ctx: RequestContext, region: Region) -> None:
    if "default" not in region.of(SUBNET_GROUP):
        region.add(_group(ctx, "default", "default", default_vpc(ctx.account_id, ctx.region),
                          [list(pair) for pair in default_subnets(ctx.account_id, ctx.region)], []))  # fmt: skip


def _group(
    ctx: RequestContext, name: str, description: str, vpc: str, subnets: list[list[str]], tags: list[dict[str, str]]
) -> Record[Any]:
    arn = ctx.arn("rds", f"subgrp:{name}")
    fields = {"DBSubnetGroupName": name, "DBSubnetGroupDescription": description, "VpcId": vpc, "DBSubnetGroupArn": arn}
    return Record(SUBNET_GROUP, name, arn, SubnetGroupPrivate(subnets), fields=fields, tags=tags)


def resolve_subnet_group(ctx: RequestContext, region: Region, name: str | None) -> str:
    with ctx.backend.store.lock:
        ensure_default(ctx, region)
        if not name:
            return "default"
        if name.lower() not in region.of(SUBNET_GROUP):
            raise _not_found(name)
        return name.lower()


def _subnets(ctx: RequestContext, subnet_ids: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """The VPC and (subnet, zone) pairs; a subnet's zone is derived from its id, stably."""
    if not subnet_ids:
        raise AwsError("InvalidSubnet", "Subnet IDs are required.", 400)
    out = []
    for subnet_id in subnet_ids:
        if not _SUBNET.match(subnet_id):
            raise AwsError(
                "InvalidSubnet",
                f"The requested subnet {subnet_id} is invalid, or multiple subnets were requested that are not all "
                "in a common VPC.",
                400,
            )
        zone = ctx.region + "abc"[int(hashlib.sha1(subnet_id.encode()).hexdigest(), 16) % 3]
        out.append((subnet_id, zone))
    vpc = "vpc-" + hashlib.sha1(f"{ctx.account_id}/{sorted(subnet_ids)[0]}".encode()).hexdigest()[:17]
    return vpc, out


@operation("CreateDBSubnetGroup")
def create_db_subnet_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    name = params["DBSubnetGroupName"].lower()
    if name == "default" or not _NAME.match(name):
        raise AwsError("InvalidParameterValue", f"Invalid DB subnet group name: {params['DBSubnetGroupName']}")
    require_text(params, "DBSubnetGroupDescription")
    vpc, subnets = _subnets(ctx, params.get("SubnetIds") or [])
    tags = tag_list(params.get("Tags"))
    with be.store.lock:
        if name in region.of(SUBNET_GROUP):
            raise AwsError("DBSubnetGroupAlreadyExistsFault", f"The DB subnet group '{name}' already exists.")
        group = _group(ctx, name, params["DBSubnetGroupDescription"], vpc, [list(pair) for pair in subnets], tags)
        region.add(group)
        be.save(region)
        return {"DBSubnetGroup": render_subnet_group(group)}


@operation("ModifyDBSubnetGroup")
def modify_db_subnet_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    vpc, subnets = _subnets(ctx, params.get("SubnetIds") or [])
    with be.store.lock:
        group = region.of(SUBNET_GROUP).get(params["DBSubnetGroupName"].lower())
        if group is None or group.fields["DBSubnetGroupName"] == "default":
            raise _not_found(params["DBSubnetGroupName"])
        group.private.subnets = [list(pair) for pair in subnets]
        group.fields["VpcId"] = vpc
        if params.get("DBSubnetGroupDescription") is not None:
            group.fields["DBSubnetGroupDescription"] = params["DBSubnetGroupDescription"]
        be.save(region)
        return {"DBSubnetGroup": render_subnet_group(group)}


@operation("DescribeDBSubnetGroups")
def describe_db_subnet_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    with be.store.lock:
        ensure_default(ctx, region)
        if params.get("DBSubnetGroupName"):
            group = region.of(SUBNET_GROUP).get(params["DBSubnetGroupName"].lower())
            if group is None:
                raise _not_found(params["DBSubnetGroupName"])
            groups = [group]
        else:
            groups = list(region.of(SUBNET_GROUP).values())
        chunk, marker = page(params, groups, key=lambda g: g.identifier)
        return {"DBSubnetGroups": [render_subnet_group(g) for g in chunk], "Marker": marker}


@operation("DeleteDBSubnetGroup")
def delete_db_subnet_group(ctx: RequestContext, params: dict[str, Any]) -> None:
    be, region = backend(ctx)
    name = params["DBSubnetGroupName"].lower()
    with be.store.lock:
        if name == "default":
            raise AwsError("InvalidDBSubnetGroupStateFault", "Cannot delete default DB subnet group")
        if name not in region.of(SUBNET_GROUP):
            raise _not_found(params["DBSubnetGroupName"])
        if any(r.fields["DBSubnetGroupName"] == name for r in region.of(INSTANCE).values()):
            raise AwsError(
                "InvalidDBSubnetGroupStateFault", f"Cannot delete the subnet group '{name}' because at least one "
                "database instance is still using it."
            )  # fmt: skip
        del region.of(SUBNET_GROUP)[name]
        be.save(region)
