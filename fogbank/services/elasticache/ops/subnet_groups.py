"""Cache subnet groups: stored and validated (Fogbank has no EC2: subnets are taken as given and
placed by ``fogbank.managed.network``; ``default`` stands for the default VPC). The lookups and
the uniqueness, default and in-use rules are the shared ``fogbank.managed.groups``'."""

from __future__ import annotations

import re
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed import groups, network
from fogbank.managed.records import Record, Scope
from fogbank.managed.tags import check as check_tags
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.elasticache import errors
from fogbank.services.elasticache.backend import Backend
from fogbank.services.elasticache.model import CLUSTER, SUBNET_GROUP, SubnetGroupPrivate, render_subnet_group
from fogbank.services.elasticache.ops.common import TAG_RULES, backend, page

_NAME = re.compile(r"^[a-z0-9-]{1,255}$")

GROUP = groups.GroupKind(
    SUBNET_GROUP,
    not_found=errors.subnet_group_not_found,
    exists=errors.subnet_group_exists,
    in_use=errors.subnet_group_in_use,
    default_refused=lambda _: errors.invalid_value("Cannot delete default cache subnet group"),
    users=groups.used_in(CLUSTER, "CacheSubnetGroupName"),
    is_default=lambda record: record.identifier == "default",
)


def ensure_default(ctx: RequestContext, be: Backend, scope: Scope) -> None:
    with be.store.lock:
        if scope.get(SUBNET_GROUP, "default") is None:
            scope.add(Record(SUBNET_GROUP, "default", ctx.arn("elasticache", "subnetgroup:default"),
                             SubnetGroupPrivate(network.default_subnets(ctx.account_id, ctx.region)),
                             fields={"CacheSubnetGroupDescription": "default",
                                     "VpcId": network.default_vpc(ctx.account_id, ctx.region)}))  # fmt: skip


def resolve(ctx: RequestContext, be: Backend, scope: Scope, name: str | None) -> Record[SubnetGroupPrivate]:
    ensure_default(ctx, be, scope)
    return groups.find(scope, GROUP, name or "default")


def _no_subnets() -> AwsError:
    return errors.invalid_value("The parameter SubnetIds must be provided.")


def _place(ctx: RequestContext, ids: list[str]) -> tuple[str, list[list[str]]]:
    return network.place(ctx.account_id, ctx.region, ids, _no_subnets, errors.invalid_subnet)


@operation("CreateCacheSubnetGroup")
def create_cache_subnet_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    name = params["CacheSubnetGroupName"].lower()
    if name == "default" or not _NAME.match(name):
        raise errors.invalid_value(f"Invalid cache subnet group name: {params['CacheSubnetGroupName']}")
    vpc, subnets = _place(ctx, params.get("SubnetIds") or [])
    tags = check_tags(params.get("Tags"), TAG_RULES)
    with be.store.lock:
        record = groups.add(scope, GROUP, Record(SUBNET_GROUP, name, ctx.arn("elasticache", f"subnetgroup:{name}"),
                            SubnetGroupPrivate(subnets), tags=tags, fields={"VpcId": vpc,
                            "CacheSubnetGroupDescription": params["CacheSubnetGroupDescription"]}))  # fmt: skip
        be.save(scope)
        return {"CacheSubnetGroup": render_subnet_group(record)}


@operation("ModifyCacheSubnetGroup")
def modify_cache_subnet_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        ensure_default(ctx, be, scope)
        record = groups.find(scope, GROUP, params["CacheSubnetGroupName"])
        if GROUP.is_default(record):  # ElastiCache does not offer its default group for change
            raise errors.subnet_group_not_found(params["CacheSubnetGroupName"])
        if params.get("SubnetIds"):
            record.fields["VpcId"], record.private.subnets = _place(ctx, params["SubnetIds"])
        if params.get("CacheSubnetGroupDescription") is not None:
            record.fields["CacheSubnetGroupDescription"] = params["CacheSubnetGroupDescription"]
        be.save(scope)
        return {"CacheSubnetGroup": render_subnet_group(record)}


@operation("DescribeCacheSubnetGroups")
def describe_cache_subnet_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        ensure_default(ctx, be, scope)
        records = groups.listing(scope, GROUP, params.get("CacheSubnetGroupName"))
        chunk, marker = page(params, records, key=lambda r: r.identifier)
        return {"CacheSubnetGroups": [render_subnet_group(r) for r in chunk], "Marker": marker}


@operation("DeleteCacheSubnetGroup")
def delete_cache_subnet_group(ctx: RequestContext, params: dict[str, Any]) -> None:
    be, scope = backend(ctx)
    with be.store.lock:
        ensure_default(ctx, be, scope)
        groups.remove(scope, GROUP, params["CacheSubnetGroupName"])
        be.save(scope)
