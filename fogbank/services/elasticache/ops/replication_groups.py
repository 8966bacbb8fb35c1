"""Replication groups: Create, Describe, Modify, Delete (their replicas, failover and shards:
``ops/node_groups.py``). Checks first (``_check_*``), then the record changes and the engine work is
queued (``replication``, ``shards``)."""

from __future__ import annotations

import secrets
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record, Scope, iso, now
from fogbank.managed.tags import check as check_tags
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.elasticache import (
    addresses,
    errors,
    group_snapshots,
    group_users,
    maintenance,
    node_types,
    replication,
    transit,
    upgrades,
)
from fogbank.services.elasticache.backend import Backend
from fogbank.services.elasticache.groups import (
    GROUP,
    LIFECYCLE,
    MAX_NODE_GROUPS,
    MAX_REPLICAS,
    Group,
    GroupPrivate,
    Member,
    NodeGroup,
    even_slots,
    member_name,
    parse_slots,
    render_group,
)
from fogbank.services.elasticache.model import CLUSTER, check_identifier
from fogbank.services.elasticache.ops import security_groups
from fogbank.services.elasticache.ops import snapshots as snapshot_ops
from fogbank.services.elasticache.ops.clusters import (
    DEFAULT_WINDOW,
    _check_token,
    _check_windows,
    _parameter_group,
    _version,
)
from fogbank.services.elasticache.ops.common import TAG_RULES, backend, page
from fogbank.services.elasticache.ops.parameter_groups import group as parameter_group
from fogbank.services.elasticache.ops.subnet_groups import resolve as subnet_group

NODES_PER_CUSTOMER = 300  # ElastiCache's default quota of nodes per region


def not_found(identifier: str) -> AwsError:
    return AwsError("ReplicationGroupNotFoundFault", f"ReplicationGroup {identifier} not found.")


def invalid_state(group: Group) -> AwsError:
    return AwsError("InvalidReplicationGroupState",
                    f"Replication group {group.identifier} is not in available state (it is {group.status}).")  # fmt: skip


def find(scope: Scope, identifier: str) -> Group:
    record = scope.get(GROUP, identifier.lower())
    if record is None:
        raise not_found(identifier.lower())
    return record


def require_available(group: Group) -> None:
    """Before a Modify-like operation (Modify, replica counts, TestFailover, shard configuration)."""
    if group.status != "available":
        # Recorded from AWS (ModifyReplicationGroupShardConfiguration while modifying).
        raise AwsError("InvalidReplicationGroupState", "Replication group must be in available state to modify.")


def node_quota(scope: Scope, adding: int) -> None:
    used = sum(len(g.private.members) for g in scope.of(GROUP).values()) + sum(
        len(c.private.nodes) for c in scope.of(CLUSTER).values()
    )
    if used + adding > NODES_PER_CUSTOMER:
        raise AwsError("NodeQuotaForCustomerExceeded", "The request cannot be processed because it would exceed the "
                       f"allowed number of cache nodes per customer ({NODES_PER_CUSTOMER}).")  # fmt: skip


def _shape(params: dict[str, Any], cluster_mode: bool) -> list[tuple[str, int, list[list[int]]]]:
    """[(node group id, replicas, slot ranges)] from NumCacheClusters / NumNodeGroups /
    ReplicasPerNodeGroup / NodeGroupConfiguration, with ElastiCache's rules."""
    configs = params.get("NodeGroupConfiguration") or []
    replicas = params.get("ReplicasPerNodeGroup")
    if replicas is not None and not 0 <= replicas <= MAX_REPLICAS:
        raise errors.invalid_value(f"The number of replicas per node group must be between 0 and {MAX_REPLICAS}.")
    if not cluster_mode:
        if params.get("NumNodeGroups", 1) != 1 or len(configs) > 1:
            raise errors.invalid_combination("A replication group with cluster mode disabled has exactly one node "
                                             "group: NumNodeGroups must be 1.")  # fmt: skip
        count = params.get("NumCacheClusters")
        if count is not None and replicas is not None:
            raise errors.invalid_combination("NumCacheClusters and ReplicasPerNodeGroup cannot both be specified.")
        if count is None:
            count = configs[0].get("ReplicaCount") if configs else replicas
            count = 1 + (count if count is not None else 1 if params.get("AutomaticFailoverEnabled") else 0)
        if not 1 <= count <= MAX_REPLICAS + 1:
            raise errors.invalid_value(f"The number of cache clusters must be between 1 and {MAX_REPLICAS + 1}.")
        return [("0001", count - 1, [])]
    count = params.get("NumNodeGroups")
    if configs and count is not None and count != len(configs):
        raise errors.invalid_combination("NumNodeGroups must match the number of NodeGroupConfiguration entries.")
    count = len(configs) or count or 1
    if not 1 <= count:
        raise errors.invalid_value("The parameter NumNodeGroups must be a positive integer.")
    if count > MAX_NODE_GROUPS:
        raise AwsError("NodeGroupsPerReplicationGroupQuotaExceeded", "The request cannot be processed because it "
                       f"would exceed the maximum of {MAX_NODE_GROUPS} node groups (shards) in a replication group.")  # fmt: skip
    even = even_slots(count)
    shape = []
    owned: set[int] = set()
    for index in range(count):
        config = configs[index] if configs else {}
        node_group_id = config.get("NodeGroupId") or f"{index + 1:04d}"
        if not (node_group_id.isdigit() and len(node_group_id) <= 4):
            raise errors.invalid_value(f"Invalid NodeGroupId: {node_group_id}. It must be 1 to 4 digits.")
        node_group_id = f"{int(node_group_id):04d}"
        wanted = config.get("ReplicaCount", replicas if replicas is not None else 1)
        if not 0 <= wanted <= MAX_REPLICAS:
            raise errors.invalid_value(f"The number of replicas per node group must be between 0 and {MAX_REPLICAS}.")
        slots = even[index]
        if config.get("Slots"):
            parsed = parse_slots(config["Slots"])
            if parsed is None:
                raise errors.invalid_value(f"Invalid slot range: {config['Slots']}")
            slots = parsed
        mine = {s for a, b in slots for s in range(a, b + 1)}
        if mine & owned:
            raise errors.invalid_value("Slot ranges of node groups must not overlap.")
        owned |= mine
        shape.append((node_group_id, wanted, slots))
    if len({s[0] for s in shape}) != len(shape):
        raise errors.invalid_value("NodeGroupId values must be unique.")
    if len(owned) != 16384:
        raise errors.invalid_value("The slot ranges of the node groups must cover all 16384 slots (0-16383).")
    return shape


def _check_create(ctx: RequestContext, be: Backend, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
    security_groups.refuse_names(params)
    identifier = check_identifier(params["ReplicationGroupId"], "ReplicationGroupId", 40)
    if not params.get("ReplicationGroupDescription"):
        raise errors.invalid_value("The parameter ReplicationGroupDescription must be provided and must not be blank.")
    for unsupported in ("SnapshotArns", "GlobalReplicationGroupId", "ServerlessCacheSnapshotName"):
        if params.get(unsupported):
            raise errors.not_implemented_yet(f"{unsupported} on CreateReplicationGroup")
    if params.get("PrimaryClusterId"):
        raise errors.not_implemented_yet("PrimaryClusterId (a replication group around an existing cache cluster)")
    engine = (params.get("Engine") or "redis").lower()
    if engine not in ("redis", "valkey"):
        raise errors.invalid_value(f"Invalid engine: {engine}. Replication groups are for the valkey and redis "
                                   "engines.")  # fmt: skip
    node_type = params.get("CacheNodeType") or ""
    if not node_type or node_types.memory_bytes(node_type) is None:
        raise errors.invalid_value(f"Invalid cache node type: {node_type}")
    mode = params.get("ClusterMode")
    if mode not in (None, "enabled", "disabled", "compatible"):
        raise errors.invalid_value(f"Invalid ClusterMode: {mode}")
    version = _version(be, engine, params.get("EngineVersion"))
    transit_mode = transit.check_create(be, version, params)
    group_name = params.get("CacheParameterGroupName") or f"default.{version.family}"
    cluster_mode = mode == "enabled" or group_name.endswith(".cluster.on") or bool(
        params.get("NumNodeGroups", 1) > 1 or len(params.get("NodeGroupConfiguration") or []) > 1)  # fmt: skip
    if mode == "disabled" and cluster_mode:
        raise errors.invalid_combination("ClusterMode disabled allows one node group only.")
    failover = params.get("AutomaticFailoverEnabled")
    if failover is None:
        failover = cluster_mode
    shape = _shape(params, cluster_mode)
    if cluster_mode and not failover:
        raise errors.invalid_combination("Redis OSS and Valkey (cluster mode enabled) replication groups must have "
                                         "automatic failover enabled.")  # fmt: skip
    if failover and not cluster_mode and shape[0][1] < 1:
        raise errors.failover_needs_two_clusters()
    if params.get("MultiAZEnabled") and not failover:
        raise errors.invalid_combination("Multi-AZ needs automatic failover: set AutomaticFailoverEnabled to true.")
    if group_name == f"default.{version.family}.cluster.on":
        default = parameter_group(ctx, be, scope, f"default.{version.family}")
        group_family = default.fields["CacheParameterGroupFamily"]
    else:
        group_record = parameter_group(ctx, be, scope, group_name)
        group_family = group_record.fields["CacheParameterGroupFamily"]
        group_name = group_record.identifier
    if group_family != version.family:
        raise errors.family_mismatch(version.family, group_family)
    token = params.get("AuthToken")
    if token is not None:
        if not params.get("TransitEncryptionEnabled"):
            raise errors.invalid_combination("The AUTH token is only supported when encryption-in-transit is "
                                             "enabled (TransitEncryptionEnabled).")  # fmt: skip
        _check_token(token)
    port = params.get("Port") or version.kind.default_port
    if not 1 <= port <= 55535:
        raise errors.invalid_value(f"Invalid port: {port}")
    subnet = subnet_group(ctx, be, scope, params.get("CacheSubnetGroupName"))
    zones = params.get("PreferredCacheClusterAZs") or []
    default_zone = subnet.private.subnets[0][1]
    for zone in zones:
        if not zone.startswith(ctx.region):
            raise errors.invalid_value(f"Invalid availability zone: {zone}")
    node_quota(scope, sum(1 + replicas for _, replicas, _ in shape))
    _check_windows(params)
    return {"identifier": identifier, "engine": engine, "version": version, "cluster_mode": cluster_mode,
            "failover": failover, "shape": shape, "group": group_name, "token": token, "port": port,
            "subnet": subnet.identifier, "zones": zones, "zone": default_zone,
            "user_groups": group_users.check_create(scope, params, engine),
            "tags": check_tags(params.get("Tags"), TAG_RULES), "transit_mode": transit_mode}  # fmt: skip


def _zone_of(checked: dict[str, Any], index: int) -> str:
    zones = checked["zones"]
    return zones[index] if index < len(zones) else checked["zone"]


@operation("CreateReplicationGroup")
def create_replication_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    params = dict(params)
    restore = snapshot_ops.group_restore_source(be, scope, params)  # completes params from the snapshot
    checked = _check_create(ctx, be, scope, params)
    version = checked["version"]
    fields = {
        "Description": params["ReplicationGroupDescription"],
        "CacheNodeType": params["CacheNodeType"],
        "Engine": checked["engine"],
        "EngineVersion": version.version,
        "CacheParameterGroupName": checked["group"],
        "CacheSubnetGroupName": checked["subnet"],
        "AutomaticFailover": "enabled" if checked["failover"] else "disabled",
        "MultiAZ": "enabled" if params.get("MultiAZEnabled") else "disabled",
        "SnapshotRetentionLimit": params.get("SnapshotRetentionLimit", 0),
        "SnapshotWindow": params.get("SnapshotWindow") or "05:00-06:00",
        "PreferredMaintenanceWindow": params.get("PreferredMaintenanceWindow") or DEFAULT_WINDOW,
        "SecurityGroupIds": params.get("SecurityGroupIds") or [],
        "AutoMinorVersionUpgrade": params.get("AutoMinorVersionUpgrade", True),
        "TransitEncryptionEnabled": checked["transit_mode"] is not None,
        "TransitEncryptionMode": checked["transit_mode"],
        "UserGroupIds": [],
    }
    if checked["token"]:
        fields["AuthTokenLastModifiedDate"] = iso(now())
    private = GroupPrivate(port=checked["port"], cluster_mode=checked["cluster_mode"],
                           admin_password=secrets.token_hex(24), auth_token=checked["token"],
                           served_by=version.served_by)  # fmt: skip
    if checked["transit_mode"]:
        private.tls_authority = str(transit.directory(be) / "ca.pem")
    identifier = checked["identifier"]
    group = Record(GROUP, identifier, ctx.arn("elasticache", f"replicationgroup:{identifier}"), private,
                   fields=fields, status="creating", tags=checked["tags"])  # fmt: skip
    with be.store.lock:
        if scope.get(GROUP, identifier):
            raise errors.replication_group_exists()
        if restore is not None:  # before any address is taken
            snapshot_ops.check_restore(be, restore, group)  # a group has the fields it reads
        port = private.port
        index = 0
        for node_group_id, replicas, slots in checked["shape"]:
            node_group = NodeGroup(node_group_id, slots)
            private.node_groups.append(node_group)
            for n in range(1 + replicas):
                member = Member(member_name(group, node_group), node_group_id, addresses.allocate(port),
                                role="primary" if n == 0 else "replica", zone=_zone_of(checked, index))  # fmt: skip
                private.members.append(member)
                index += 1
        taken = [m.cluster_id for m in private.members if scope.get(CLUSTER, m.cluster_id)]
        if taken:
            for member in private.members:
                addresses.release(member.address)
            raise errors.cluster_exists(taken[0])
        if restore is not None:
            snapshot_ops.start_group_restore(be, scope, restore, group)
        if private.cluster_mode:
            private.config_address = addresses.allocate(port)
        else:
            private.primary_address = addresses.allocate(port)
            private.reader_address = addresses.allocate(port)
        group_users.apply(scope, group, checked["user_groups"])
        scope.add(group)
        be.save(scope)
    be.event(scope, GROUP, identifier, f"Replication group {identifier} is being created with {version.engine} "
             f"{version.version}, served by {version.served_by}")  # fmt: skip
    if private.tls_authority:
        be.event(scope, GROUP, identifier, "In-transit encryption: TLS only, signed by Fogbank's certificate "
                 f"authority in {private.tls_authority}")  # fmt: skip
    be.jobs.submit(group.resource_id, lambda: replication.create(be, scope, group))
    with be.store.lock:
        return {"ReplicationGroup": render_group(group)}


@operation("DescribeReplicationGroups")
def describe_replication_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        if params.get("ReplicationGroupId"):
            records = [find(scope, params["ReplicationGroupId"])]
        else:
            records = list(scope.of(GROUP).values())
        chunk, marker = page(params, records, key=lambda r: r.identifier)
        return {"ReplicationGroups": [render_group(r) for r in chunk], "Marker": marker}


@operation("DeleteReplicationGroup")
def delete_replication_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        group = find(scope, params["ReplicationGroupId"])
        if group.status not in ("available", "create-failed"):
            raise invalid_state(group)
        final_name = params.get("FinalSnapshotIdentifier")
        if final_name is not None and group.status != "available":
            raise invalid_state(group)  # a group that never came up has no data to snapshot
        retain = None
        if params.get("RetainPrimaryCluster"):
            if group.private.cluster_mode:
                raise errors.invalid_combination("RetainPrimaryCluster is not supported for cluster mode enabled "
                                                 "replication groups.")  # fmt: skip
            retain = group.private.primary("0001")
        final = snapshot_ops.final_group_snapshot(ctx, be, scope, group, final_name)
        LIFECYCLE.move(group, "deleting")
        be.save(scope)
        out = {"ReplicationGroup": render_group(group)}
    be.jobs.submit(group.resource_id, lambda: group_snapshots.final_then_delete(be, scope, final, group, retain))
    return out


def _check_modify(ctx: RequestContext | None, be: Backend, scope: Scope, group: Group,
                  params: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    require_available(group)
    plan: dict[str, Any] = {}
    for unsupported in ("ClusterMode", "NodeGroupId"):
        if params.get(unsupported) and params[unsupported] != group.fields.get(unsupported):
            raise errors.not_implemented_yet(f"{unsupported} on ModifyReplicationGroup")
    failover = params.get("AutomaticFailoverEnabled")
    multi_az = params.get("MultiAZEnabled")
    new_failover = group.fields["AutomaticFailover"] == "enabled" if failover is None else failover
    new_multi_az = group.fields["MultiAZ"] == "enabled" if multi_az is None else multi_az
    if group.private.cluster_mode and not new_failover:
        raise errors.invalid_combination("Automatic failover cannot be disabled for cluster mode enabled "
                                         "replication groups.")  # fmt: skip
    if new_failover and not group.private.cluster_mode and len(group.private.members) < 2:
        raise errors.failover_needs_two_clusters()
    if new_multi_az and not new_failover:
        raise errors.invalid_combination("Multi-AZ needs automatic failover: set AutomaticFailoverEnabled to true.")
    plan["failover"], plan["multi_az"] = new_failover, new_multi_az
    primary = params.get("PrimaryClusterId")
    if primary:
        if group.private.cluster_mode:
            raise errors.invalid_combination("PrimaryClusterId is not supported for cluster mode enabled replication "
                                             "groups: use TestFailover.")  # fmt: skip
        if group.private.member(primary.lower()) is None:
            raise errors.cluster_not_found(primary.lower())
        if group.private.member(primary.lower()) is not group.private.primary("0001"):
            plan["primary"] = primary.lower()
    node_type = params.get("CacheNodeType")
    if node_type and node_type != group.fields["CacheNodeType"]:
        if node_types.memory_bytes(node_type) is None:
            raise errors.invalid_value(f"Invalid cache node type: {node_type}")
        plan["node_type"] = node_type
    new_version = None
    if params.get("EngineVersion") is not None or params.get("Engine"):
        new_version = upgrades.check_version(be, group.fields["Engine"], group.fields["EngineVersion"],
                                             params.get("EngineVersion"), params.get("Engine"))  # fmt: skip
        if new_version is not None:
            plan["engine_version"] = new_version
    record = _parameter_group(ctx, be, scope, params["CacheParameterGroupName"]) if params.get(
        "CacheParameterGroupName") else None  # fmt: skip
    family = be.catalog.resolve("elasticache", group.fields["Engine"], group.fields["EngineVersion"]).family
    upgrades.check_family(family, new_version, record.fields["CacheParameterGroupFamily"] if record else None)
    if record is not None and record.identifier != group.fields["CacheParameterGroupName"]:
        plan["parameter_group"] = record.identifier
    transit.check_modify(group.fields, params)
    if params.get("AuthToken") is not None or params.get("AuthTokenUpdateStrategy"):
        strategy = params.get("AuthTokenUpdateStrategy") or "ROTATE"
        token = params.get("AuthToken")
        if strategy == "DELETE" and token is not None:
            raise errors.invalid_combination("AuthToken cannot be specified with AuthTokenUpdateStrategy DELETE.")
        if strategy != "DELETE":
            if token is None:
                raise errors.invalid_value(f"The AuthToken must be provided with AuthTokenUpdateStrategy {strategy}.")
            if not group.fields.get("TransitEncryptionEnabled"):
                raise errors.invalid_combination("The AUTH token is only supported when encryption-in-transit is "
                                                 "enabled (TransitEncryptionEnabled).")  # fmt: skip
            _check_token(token)
        plan["auth"] = (strategy, token)
    plan.update(group_users.check_modify(scope, group, params))  # UserGroupIdsToAdd / ToRemove
    plan.update(group_snapshots.check_modify(group, params))  # SnapshottingClusterId
    return plan


@operation("ModifyReplicationGroup")
def modify_replication_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """As ModifyCacheCluster: a new node type, engine version, AUTH token or primary waits for the
    maintenance window unless ApplyImmediately; the rest (failover, Multi-AZ, parameter group,
    windows, description) applies at once."""
    be, scope = backend(ctx)
    deferred = maintenance.GROUP_DEFERRED
    with be.store.lock:
        group = find(scope, params["ReplicationGroupId"])
        _check_windows(params)
        private = group.private
        if params.get("ApplyImmediately"):
            request = {
                **maintenance.defer(private.pending, params, deferred),
                **maintenance.immediate(params, deferred),
            }
            plan = _check_modify(ctx, be, scope, group, request)
            private.pending, private.pending_since = {}, ""
        else:
            _check_modify(ctx, be, scope, group, params)  # the deferred ones are checked now too
            current = {"CacheNodeType": group.fields["CacheNodeType"], "EngineVersion": group.fields["EngineVersion"],
                       "Engine": group.fields["Engine"]}  # fmt: skip
            primary = private.primary("0001")
            if primary is not None and not private.cluster_mode:
                current["PrimaryClusterId"] = primary.cluster_id
            pending = maintenance.cancel_unchanged(maintenance.defer(private.pending, params, deferred), current)
            if pending != private.pending:
                private.pending_since = iso(now()) if pending else ""
            private.pending = pending
            plan = _check_modify(ctx, be, scope, group, maintenance.immediate(params, deferred))
        if params.get("ReplicationGroupDescription"):
            group.fields["Description"] = params["ReplicationGroupDescription"]
        for key in ("PreferredMaintenanceWindow", "SnapshotWindow", "SnapshotRetentionLimit",
                    "AutoMinorVersionUpgrade", "SecurityGroupIds"):  # fmt: skip
            if params.get(key) is not None:
                group.fields[key] = params[key]
        changes = _apply(scope, group, plan)
        be.save(scope)
        out = {"ReplicationGroup": render_group(group)}
    if changes:
        be.jobs.submit(group.resource_id, lambda: replication.apply_to_members(be, scope, group, changes))
    return out


def apply_pending(be: Backend, scope: Scope, group: Group, grace: float | None = None) -> bool:
    """The maintenance window (or a failure reboot): the group's pending changes, checked and applied as an immediate
    Modify's; ones no longer valid are dropped, with an event saying why."""
    with be.store.lock:
        if not scope.contains(group) or group.status != "available" or not group.private.pending:
            return False
        request = dict(group.private.pending)
        group.private.pending, group.private.pending_since = {}, ""
        try:
            plan = _check_modify(None, be, scope, group, request)
        except AwsError as error:
            be.save(scope)
            failed = error.message
        else:
            failed = ""
            changes = _apply(scope, group, plan)
            be.save(scope)
    if failed:
        be.event(scope, GROUP, group.identifier, f"Pending modifications could not be applied: {failed}")
        return False
    if changes:
        be.jobs.submit(group.resource_id, lambda: replication.apply_to_members(be, scope, group, changes), grace=grace)
    return True


def _apply(scope: Scope, group: Group, plan: dict[str, Any]) -> dict[str, Any]:
    """The record's changes of a checked plan (under the store lock); the engine work to queue."""
    group.fields["AutomaticFailover"] = "enabled" if plan["failover"] else "disabled"
    group.fields["MultiAZ"] = "enabled" if plan["multi_az"] else "disabled"
    changes: dict[str, Any] = {}
    if plan.get("primary"):
        changes["primary"] = plan["primary"]
    if plan.get("node_type"):
        group.fields["CacheNodeType"] = plan["node_type"]
        changes["node_type"] = True
    if plan.get("engine_version"):
        changes["engine_version"] = (group.fields["Engine"], group.fields["EngineVersion"], group.private.served_by)
        group.fields["Engine"], group.fields["EngineVersion"] = (
            plan["engine_version"].engine,
            plan["engine_version"].version,
        )
        group.private.served_by = plan["engine_version"].served_by
    if plan.get("parameter_group"):
        group.fields["CacheParameterGroupName"] = plan["parameter_group"]
        changes["parameters"] = True
    if "auth" in plan:
        strategy, token = plan["auth"]
        private = group.private
        private.rotating_from = private.auth_token if strategy == "ROTATE" else None
        private.auth_token = token
        group.fields["AuthTokenLastModifiedDate"] = iso(now())
        changes["auth_token"] = True
    if plan.get("snapshotting"):
        group.fields["SnapshottingClusterId"] = plan["snapshotting"]
    if "user_groups" in plan:
        group_users.apply(scope, group, plan["user_groups"])
        changes["users"] = True
    if changes:
        LIFECYCLE.move(group, "modifying")
    return changes
