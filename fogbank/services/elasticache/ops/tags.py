"""Tags on cache clusters, parameter groups and subnet groups, addressed by ARN (shared tag rules)."""

from __future__ import annotations

from typing import Any

from fogbank.arns import parse as parse_arn
from fogbank.core.context import RequestContext
from fogbank.managed import tags
from fogbank.managed.records import Record, Scope
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.elasticache import errors
from fogbank.services.elasticache.groups import GROUP
from fogbank.services.elasticache.model import CLUSTER, PARAMETER_GROUP, SUBNET_GROUP
from fogbank.services.elasticache.ops.common import TAG_RULES, backend

# ARN resource type -> (record kind, not-found error)
_KINDS = {
    "cluster": (CLUSTER, errors.cluster_not_found),
    "parametergroup": (PARAMETER_GROUP, errors.parameter_group_not_found),
    "subnetgroup": (SUBNET_GROUP, errors.subnet_group_not_found),
    "replicationgroup": (
        GROUP,
        lambda name: AwsError("ReplicationGroupNotFoundFault", f"ReplicationGroup {name} not found."),
    ),
    "snapshot": ("snapshot", lambda name: AwsError("SnapshotNotFoundFault", f"Snapshot {name} not found.")),
    "user": ("user", lambda name: AwsError("UserNotFound", f"User {name} not found.")),
    "usergroup": ("user-group", lambda name: AwsError("UserGroupNotFound", f"User group {name} not found.")),
    "serverlesscache": (
        "serverless-cache",
        lambda name: AwsError("ServerlessCacheNotFoundFault", f"Serverless cache {name} not found."),
    ),
}


def _resource(ctx: RequestContext, scope: Scope, arn: str) -> Record[Any]:
    parts = parse_arn(arn)
    if parts is None or parts["service"] != "elasticache" or ":" not in parts["resource"]:
        raise errors.invalid_arn(arn)
    kind, _, name = parts["resource"].partition(":")
    if kind not in _KINDS or parts["account"] != ctx.account_id or parts["region"] != ctx.region:
        raise errors.invalid_arn(arn)
    record_kind, not_found = _KINDS[kind]
    record = scope.get(record_kind, name) or scope.get(record_kind, name.lower())
    if record is None:
        raise not_found(name)
    return record


@operation("AddTagsToResource")
def add_tags_to_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    new = tags.check(params.get("Tags"), TAG_RULES)
    with be.store.lock:
        record = _resource(ctx, scope, params["ResourceName"])
        record.tags = tags.merge(record.tags, new, TAG_RULES)
        be.save(scope)
        return {"TagList": list(record.tags)}


@operation("RemoveTagsFromResource")
def remove_tags_from_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        record = _resource(ctx, scope, params["ResourceName"])
        keys = params.get("TagKeys") or []
        missing = [key for key in keys if key not in {t["Key"] for t in record.tags}]
        if missing:
            raise AwsError("TagNotFound", f"Tag {missing[0]} not found.")
        record.tags = tags.remove(record.tags, keys)
        be.save(scope)
        return {"TagList": list(record.tags)}


@operation("ListTagsForResource")
def list_tags_for_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        return {"TagList": list(_resource(ctx, scope, params["ResourceName"]).tags)}
