"""ListAllowedNodeTypeModifications: the node types a Valkey or Redis OSS cache can be scaled to,
from the node type table Fogbank sizes nodes by (``elasticache/node_types.py``)."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.services.base import operation
from fogbank.services.elasticache import errors, node_types
from fogbank.services.elasticache.ops.common import backend, cluster
from fogbank.services.elasticache.ops.replication_groups import find as find_group


@operation("ListAllowedNodeTypeModifications")
def list_allowed_node_type_modifications(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    cluster_id, group_id = params.get("CacheClusterId"), params.get("ReplicationGroupId")
    if bool(cluster_id) == bool(group_id):
        raise errors.invalid_combination("Exactly one of CacheClusterId and ReplicationGroupId must be specified.")
    with be.store.lock:
        record = cluster(scope, cluster_id) if cluster_id else find_group(scope, group_id)
        engine, current = record.fields.get("Engine", "redis"), record.fields["CacheNodeType"]
    if engine == "memcached":  # Fogbank scales a Memcached cluster by nodes, never by node type
        return {"ScaleUpModifications": [], "ScaleDownModifications": []}
    up, down = node_types.modifications(current)
    return {"ScaleUpModifications": up, "ScaleDownModifications": down}
