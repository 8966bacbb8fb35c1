"""Cache subnet groups: stored and validated (Fogbank has no EC2: subnets are taken as given,
each placed in one of the region's zones; ``default`` stands for the default VPC)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record, Scope
from fogbank.managed.tags import check as check_tags
from fogbank.services.base import operation
from fogbank.services.elasticache import errors
from fogbank.services.elasticache.backend import Backend
from fogbank.services.elasticache.model import CLUSTER, SUBNET_GROUP, SubnetGroupPrivate, render_subnet_group
from fogbank.services.elasticache.ops.common import TAG_RULES, backend, page

_SUBNET = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_NAME = re.compile(r"^[a-z0-9-]{1,255}$")


def _zone(region: str, subnet_id: str) -> str:
    return region + "abc"[int(hashlib.sha1(subnet_id.encode()).hexdigest(), 16) % 3]


def ensure_default(ctx: RequestContext, be: Backend, scope: Scope) -> None:
    with be.store.lock:
        if scope.get(SUBNET_GROUP, "default") is None:
            subnets = [["subnet-" + hashlib.sha1(f"{ctx.account_id}/{ctx.region}/{z}".encode()).hexdigest()[:17],
                        f"{ctx.region}{z}"] for z in "abc"]  # fmt: skip
            vpc = "vpc-" + hashlib.sha1(f"{ctx.account_id}/{ctx.region}".encode()).hexdigest()[:17]
            scope.add(Record(SUBNET_GROUP, "default", ctx.arn("elasticache", "subnetgroup:default"),
                             SubnetGroupPrivate(subnets), fields={"CacheSubnetGroupDescription": "default",
                             "VpcId": vpc}))  # fmt: skip


def resolve(ctx: RequestContext, be: Backend, scope: Scope, name: str | None) -> Record[SubnetGroupPrivate]:
    ensure_default(ctx, be, scope)
    record = scope.get(SUBNET_GROUP, (name or "default").lower())
    if record is None:
        raise errors.subnet_group_not_found(name or "default")
    return record


def _subnets(ctx: RequestContext, ids: list[str]) -> tuple[str, list[list[str]]]:
    if not ids:
        raise errors.invalid_value("The parameter SubnetIds must be provided.")
    for subnet_id in ids:
        if not _SUBNET.match(subnet_id):
            raise errors.invalid_subnet(subnet_id)
    vpc = "vpc-" + hashlib.sha1(f"{ctx.account_id}/{sorted(ids)[0]}".encode()).hexdigest()[:17]
    return vpc, [[subnet_id, _zone(ctx.region, subnet_id)] for subnet_id in dict.fromkeys(ids)]


@operation("CreateCacheSubnetGroup")
def create_cache_subnet_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    name = params["CacheSubnetGroupName"].lower()
    if name == "default" or not _NAME.match(name):
        raise errors.invalid_value(f"Invalid cache subnet group name: {params['CacheSubnetGroupName']}")
    vpc, subnets = _subnets(ctx, params.get("SubnetIds") or [])
    tags = check_tags(params.get("Tags"), TAG_RULES)
    with be.store.lock:
        if scope.get(SUBNET_GROUP, name):
            raise errors.subnet_group_exists(name)
        record = Record(SUBNET_GROUP, name, ctx.arn("elasticache", f"subnetgroup:{name}"), SubnetGroupPrivate(subnets),
                        fields={"CacheSubnetGroupDescription": params["CacheSubnetGroupDescription"], "VpcId": vpc},
                        tags=tags)  # fmt: skip
        scope.add(record)
        be.save(scope)
        return {"CacheSubnetGroup": render_subnet_group(record)}


@operation("ModifyCacheSubnetGroup")
def modify_cache_subnet_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        name = params["CacheSubnetGroupName"].lower()
        record = scope.get(SUBNET_GROUP, name)
        if record is None or name == "default":
            raise errors.subnet_group_not_found(params["CacheSubnetGroupName"])
        if params.get("SubnetIds"):
            record.fields["VpcId"], record.private.subnets = _subnets(ctx, params["SubnetIds"])
        if params.get("CacheSubnetGroupDescription") is not None:
            record.fields["CacheSubnetGroupDescription"] = params["CacheSubnetGroupDescription"]
        be.save(scope)
        return {"CacheSubnetGroup": render_subnet_group(record)}


@operation("DescribeCacheSubnetGroups")
def describe_cache_subnet_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        if params.get("CacheSubnetGroupName"):
            records = [resolve(ctx, be, scope, params["CacheSubnetGroupName"])]
        else:
            ensure_default(ctx, be, scope)
            records = list(scope.of(SUBNET_GROUP).values())
        chunk, marker = page(params, records, key=lambda r: r.identifier)
        return {"CacheSubnetGroups": [render_subnet_group(r) for r in chunk], "Marker": marker}


@operation("DeleteCacheSubnetGroup")
def delete_cache_subnet_group(ctx: RequestContext, params: dict[str, Any]) -> None:
    be, scope = backend(ctx)
    name = params["CacheSubnetGroupName"].lower()
    with be.store.lock:
        if name == "default":
            raise errors.invalid_value("Cannot delete default cache subnet group")
        record = scope.get(SUBNET_GROUP, name)
        if record is None:
            raise errors.subnet_group_not_found(params["CacheSubnetGroupName"])
        if any(c.fields["CacheSubnetGroupName"] == name for c in scope.of(CLUSTER).values()):
            raise errors.subnet_group_in_use(name)
        scope.remove(record)
        be.save(scope)
