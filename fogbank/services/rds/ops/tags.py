"""Tags on every RDS resource, addressed by ARN."""

from __future__ import annotations

from typing import Any

from fogbank.arns import parse as parse_arn
from fogbank.core.context import RequestContext
from fogbank.managed import tags
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import global_clusters, records
from fogbank.services.rds.ops import global_clusters as global_ops
from fogbank.services.rds.ops.common import TAG_RULES, backend, tag_list
from fogbank.services.rds.store import Region

# ARN resource type -> (record kind, not-found error code, message)
_KINDS = {
    "db": (records.INSTANCE, "DBInstanceNotFoundFault", "DBInstance {} not found."),
    "cluster": (records.CLUSTER, "DBClusterNotFoundFault", "DBCluster {} not found."),
    "snapshot": (records.SNAPSHOT, "DBSnapshotNotFoundFault", "DBSnapshot {} not found."),
    "pg": (records.PARAMETER_GROUP, "DBParameterGroupNotFoundFault", "DBParameterGroup not found: {}"),
    "subgrp": (records.SUBNET_GROUP, "DBSubnetGroupNotFoundFault", "DBSubnetGroup {} not found."),
    "og": (records.OPTION_GROUP, "OptionGroupNotFoundFault", "Specified OptionGroupName: {} not found."),
    "cluster-endpoint": (records.CLUSTER_ENDPOINT, "DBClusterEndpointNotFoundFault", "DBClusterEndpoint {} not found."),
    "cluster-pg": (
        records.CLUSTER_PARAMETER_GROUP,
        "DBParameterGroupNotFoundFault",
        "DBClusterParameterGroup not found: {}",
    ),
    "cluster-snapshot": (records.CLUSTER_SNAPSHOT, "DBClusterSnapshotNotFoundFault", "DBClusterSnapshot {} not found."),
}


def _resource(ctx: RequestContext, region: Region, arn: str) -> tuple[Region, Record[Any]]:
    """The tagged record and the region that keeps it."""
    parts = parse_arn(arn)
    if parts is None or parts["service"] != "rds" or ":" not in parts["resource"]:
        # RDS's own wording, two spaces included.
        raise AwsError("InvalidParameterValue", f"Invalid resource name:  {arn}")
    kind, _, name = parts["resource"].partition(":")
    if kind == "global-cluster" and parts["account"] == ctx.account_id and not parts["region"]:
        # A global database's ARN names no region (it spans them); it is kept where it was created.
        found = global_clusters.find(ctx.backend.store, ctx.account_id, name)
        if found is None:
            raise global_ops.not_found(name)
        return found
    if kind not in _KINDS or parts["account"] != ctx.account_id or parts["region"] != ctx.region:
        raise AwsError(
            "InvalidParameterValue", "The specified resource name does not match an RDS resource in this region."
        )
    record_kind, code, message = _KINDS[kind]
    items = region.of(record_kind)
    item = items.get(name) or items.get(name.lower())
    if item is None:
        raise AwsError(code, message.format(name))
    return region, item


@operation("AddTagsToResource")
def add_tags_to_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    be, region = backend(ctx)
    new = tag_list(params.get("Tags"))
    with be.store.lock:
        home, item = _resource(ctx, region, params["ResourceName"])
        item.tags = tags.merge(item.tags, new, TAG_RULES)  # the quota: on the result
        be.save(home)


@operation("RemoveTagsFromResource")
def remove_tags_from_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    be, region = backend(ctx)
    with be.store.lock:
        home, item = _resource(ctx, region, params["ResourceName"])
        item.tags = tags.remove(item.tags, params.get("TagKeys") or [])
        be.save(home)


@operation("ListTagsForResource")
def list_tags_for_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    with be.store.lock:
        _, item = _resource(ctx, region, params["ResourceName"])
        return {"TagList": list(item.tags)}
