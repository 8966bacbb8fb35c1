"""Tags on every RDS resource, addressed by ARN."""

from __future__ import annotations

from typing import Any

from fogbank.arns import parse as parse_arn
from fogbank.core.context import RequestContext
from fogbank.managed import tags
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds.ops.common import TAG_RULES, backend, tag_list
from fogbank.services.rds.store import Region

# ARN resource type -> (region collection, not-found error code, message)
_KINDS = {
    "db": ("instances", "DBInstanceNotFoundFault", "DBInstance {} not found."),
    "snapshot": ("snapshots", "DBSnapshotNotFoundFault", "DBSnapshot {} not found."),
    "pg": ("parameter_groups", "DBParameterGroupNotFoundFault", "DBParameterGroup not found: {}"),
    "subgrp": ("subnet_groups", "DBSubnetGroupNotFoundFault", "DBSubnetGroup {} not found."),
    "og": ("option_groups", "OptionGroupNotFoundFault", "Specified OptionGroupName: {} not found."),
}


def _resource(ctx: RequestContext, region: Region, arn: str) -> dict[str, Any]:
    parts = parse_arn(arn)
    if parts is None or parts["service"] != "rds" or ":" not in parts["resource"]:
        # RDS's own wording, two spaces included.
        raise AwsError("InvalidParameterValue", f"Invalid resource name:  {arn}")
    kind, _, name = parts["resource"].partition(":")
    if kind not in _KINDS or parts["account"] != ctx.account_id or parts["region"] != ctx.region:
        raise AwsError(
            "InvalidParameterValue", "The specified resource name does not match an RDS resource in this region."
        )
    collection, code, message = _KINDS[kind]
    items = getattr(region, collection)
    item = items.get(name) or items.get(name.lower())
    if item is None:
        raise AwsError(code, message.format(name))
    return item


@operation("AddTagsToResource")
def add_tags_to_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    be, region = backend(ctx)
    new = tag_list(params.get("Tags"))
    with be.store.lock:
        item = _resource(ctx, region, params["ResourceName"])
        item["TagList"] = tags.merge(item.get("TagList") or [], new, TAG_RULES)  # the quota: on the result
        be.save(region)


@operation("RemoveTagsFromResource")
def remove_tags_from_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    be, region = backend(ctx)
    with be.store.lock:
        item = _resource(ctx, region, params["ResourceName"])
        item["TagList"] = tags.remove(item.get("TagList") or [], params.get("TagKeys") or [])
        be.save(region)


@operation("ListTagsForResource")
def list_tags_for_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    with be.store.lock:
        item = _resource(ctx, region, params["ResourceName"])
        return {"TagList": list(item.get("TagList") or [])}
