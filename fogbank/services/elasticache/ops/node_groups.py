"""A replication group's replicas, failover and shards: Increase/DecreaseReplicaCount, TestFailover,
ModifyReplicationGroupShardConfiguration. Checks first, then the record changes and the engine work is
queued (``replication``, ``shards``); the group itself is ``ops/replication_groups.py``'s."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.elasticache import addresses, errors, replication, shards
from fogbank.services.elasticache.groups import (
    GROUP,
    LIFECYCLE,
    MAX_REPLICAS,
    Group,
    Member,
    NodeGroup,
    member_name,
    render_group,
)
from fogbank.services.elasticache.ops.common import backend
from fogbank.services.elasticache.ops.replication_groups import find, node_quota, require_available


def _replica_targets(group: Group, params: dict[str, Any], increase: bool) -> dict[str, int]:
    """Replicas wanted per node group, from NewReplicaCount or ReplicaConfiguration."""
    current = {g.node_group_id: len(group.private.of(g.node_group_id)) - 1 for g in group.private.node_groups}
    configs = params.get("ReplicaConfiguration") or []
    count = params.get("NewReplicaCount")
    if count is not None and configs:
        raise errors.invalid_combination("Either NewReplicaCount or ReplicaConfiguration can be specified, not both.")
    if count is None and not configs and not (not increase and params.get("ReplicasToRemove")):
        raise errors.invalid_value("Either NewReplicaCount or ReplicaConfiguration must be specified.")
    wanted = dict(current)
    if count is not None:
        wanted = dict.fromkeys(current, count)
    for config in configs:
        node_group_id = f"{int(config['NodeGroupId']):04d}" if config["NodeGroupId"].isdigit() else ""
        if node_group_id not in current:
            raise AwsError("NodeGroupNotFoundFault", f"The node group {config['NodeGroupId']} was not found.")
        wanted[node_group_id] = config["NewReplicaCount"]
    for node_group_id, replicas in wanted.items():
        if not 0 <= replicas <= MAX_REPLICAS:
            raise errors.invalid_value(f"The number of replicas per node group must be between 0 and {MAX_REPLICAS}.")
        if increase and replicas < current[node_group_id] or not increase and replicas > current[node_group_id]:
            raise errors.invalid_value(f"The new replica count for node group {node_group_id} must be "
                                       f"{'greater' if increase else 'less'} than the current {current[node_group_id]}.")  # fmt: skip
    if wanted == current:
        raise AwsError("NoOperationFault", "The new replica count is the same as the current replica count.")
    return wanted


def _require_immediately(params: dict[str, Any]) -> None:
    """AWS's API reference: "ApplyImmediately=False is not currently supported" for replica counts."""
    if not params.get("ApplyImmediately"):
        raise errors.invalid_value("ApplyImmediately=False is not currently supported: the replica count changes at "
                                   "once.")  # fmt: skip


@operation("IncreaseReplicaCount")
def increase_replica_count(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    _require_immediately(params)
    with be.store.lock:
        group = find(scope, params["ReplicationGroupId"])
        require_available(group)
        wanted = _replica_targets(group, params, increase=True)
        added: list[Member] = []
        for node_group in group.private.node_groups:
            have = len(group.private.of(node_group.node_group_id)) - 1
            added += [Member(member_name(group, node_group), node_group.node_group_id,
                             addresses.allocate(group.private.port), zone=group.private.members[0].zone)
                      for _ in range(wanted[node_group.node_group_id] - have)]  # fmt: skip
        node_quota(scope, len(added))
        group.private.members += added
        LIFECYCLE.move(group, "modifying")
        be.save(scope)
        out = {"ReplicationGroup": render_group(group)}
    be.jobs.submit(group.resource_id, lambda: replication.add_replicas(be, scope, group, added))
    return out


@operation("DecreaseReplicaCount")
def decrease_replica_count(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    _require_immediately(params)
    with be.store.lock:
        group = find(scope, params["ReplicationGroupId"])
        require_available(group)
        private = group.private
        chosen = [i.lower() for i in params.get("ReplicasToRemove") or []]
        if chosen and (params.get("NewReplicaCount") is not None or params.get("ReplicaConfiguration")):
            raise errors.invalid_combination("ReplicasToRemove cannot be combined with NewReplicaCount or "
                                             "ReplicaConfiguration.")  # fmt: skip
        if chosen:
            for cluster_id in chosen:
                member = private.member(cluster_id)
                if member is None:
                    raise errors.cluster_not_found(cluster_id)
                if member.role == "primary":
                    raise errors.invalid_value(f"Cache cluster {cluster_id} is the primary of its node group: only "
                                               "replicas can be removed.")  # fmt: skip
            removed = [m for m in private.members if m.cluster_id in chosen]
        else:
            wanted = _replica_targets(group, params, increase=False)
            removed = []
            for node_group in private.node_groups:
                replicas = [m for m in private.of(node_group.node_group_id) if m.role == "replica"]
                removed += replicas[::-1][: len(replicas) - wanted[node_group.node_group_id]]  # the newest go
        for node_group in private.node_groups:
            left = len(private.of(node_group.node_group_id)) - sum(
                1 for m in removed if m.node_group == node_group.node_group_id
            )
            if group.fields["AutomaticFailover"] == "enabled" and left < 2 and not private.cluster_mode:
                raise errors.invalid_combination("Automatic failover needs at least one replica: disable "
                                                 "AutomaticFailoverEnabled before removing the last replica.")  # fmt: skip
        private.members = [m for m in private.members if m not in removed]
        LIFECYCLE.move(group, "modifying")
        be.save(scope)
        out = {"ReplicationGroup": render_group(group)}
    be.jobs.submit(group.resource_id, lambda: replication.remove_members(be, scope, group, removed))
    return out


@operation("TestFailover")
def test_failover(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        group = find(scope, params["ReplicationGroupId"])
        node_group_id = params["NodeGroupId"]
        known = {g.node_group_id for g in group.private.node_groups}
        normalized = f"{int(node_group_id):04d}" if node_group_id.isdigit() else node_group_id
        if normalized not in known:
            raise AwsError("NodeGroupNotFoundFault", f"The node group {node_group_id} was not found.")
        require_available(group)
        if group.fields["AutomaticFailover"] != "enabled":
            raise errors.invalid_combination(f"Replication group {group.identifier} does not have automatic "
                                             "failover enabled.")  # fmt: skip
        if not any(m.role == "replica" and m.status == "available" for m in group.private.of(normalized)):
            raise AwsError("TestFailoverNotAvailableFault", f"Node group {normalized} has no available replica.")
        LIFECYCLE.move(group, "modifying")
        be.save(scope)
        out = {"ReplicationGroup": render_group(group)}
    be.event(scope, GROUP, group.identifier, f"Test Failover API called for node group {normalized}")
    be.jobs.submit(group.resource_id, lambda: replication.test_failover(be, scope, group, normalized))
    return out


@operation("ModifyReplicationGroupShardConfiguration")
def modify_shard_configuration(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        group = find(scope, params["ReplicationGroupId"])
        if not group.private.cluster_mode:
            raise errors.invalid_combination("ModifyReplicationGroupShardConfiguration is only for cluster mode "
                                             "enabled replication groups.")  # fmt: skip
        require_available(group)
        if not params.get("ApplyImmediately"):
            raise errors.invalid_value("ApplyImmediately must be true: online resharding is applied at once.")
        plan = shards.plan(group, params)
        replicas = max(len(group.private.of(g.node_group_id)) - 1 for g in group.private.node_groups)
        added_groups: list[NodeGroup] = []
        added: list[Member] = []
        numbers = [int(g.node_group_id) for g in group.private.node_groups]
        for index in range(plan["add"]):
            node_group = NodeGroup(f"{max(numbers) + index + 1:04d}")
            added_groups.append(node_group)
            for n in range(1 + replicas):
                added.append(Member(member_name(group, node_group), node_group.node_group_id,
                                    addresses.allocate(group.private.port), role="primary" if n == 0 else "replica",
                                    zone=group.private.members[0].zone))  # fmt: skip
        node_quota(scope, len(added))
        group.private.node_groups += added_groups
        group.private.members += added
        LIFECYCLE.move(group, "modifying")
        group.fields["PendingModifiedValues"] = {"Resharding": {"SlotMigration": {"ProgressPercentage": 0.0}}}
        be.save(scope)
        out = {"ReplicationGroup": render_group(group)}
    be.jobs.submit(group.resource_id, lambda: shards.reshard(be, scope, group, added, plan["remove"]))
    return out
