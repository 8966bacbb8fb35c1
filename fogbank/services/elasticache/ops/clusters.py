"""Cache clusters: Create, Describe, Modify, Delete, Reboot. Each operation checks its input
first (``_check_*``), then moves the status and queues the engine work (``nodes``)."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.engines.catalog import EngineNotInstalled, EngineVersion
from fogbank.managed import ports
from fogbank.managed.records import Record, Scope, iso, now
from fogbank.managed.tags import check as check_tags
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.elasticache import errors, maintenance, node_types, nodes, snapshots, transit, upgrades
from fogbank.services.elasticache.backend import SERVICE, Backend
from fogbank.services.elasticache.model import (
    CLUSTER,
    LIFECYCLE,
    MAX_NODES,
    PARAMETER_GROUP,
    REBOOTING,
    ClusterPrivate,
    Node,
    check_identifier,
    render_cluster,
)
from fogbank.services.elasticache.ops import security_groups
from fogbank.services.elasticache.ops import snapshots as snapshot_ops
from fogbank.services.elasticache.ops.common import TAG_RULES, backend, cluster, page
from fogbank.services.elasticache.ops.parameter_groups import group as parameter_group
from fogbank.services.elasticache.ops.subnet_groups import resolve as subnet_group

ENGINES = ("valkey", "redis", "memcached")
DEFAULT_WINDOW = "sun:05:00-sun:06:00"
MAX_RETENTION = 35  # days of automatic snapshots ElastiCache keeps at most


def _version(be: Backend, engine: str, requested: str | None) -> EngineVersion:
    if requested is not None:
        upgrades.check_format(engine, requested)
    try:
        return be.catalog.resolve(SERVICE, engine, requested)
    except EngineNotInstalled as error:
        if requested is not None and be.catalog.versions(SERVICE, engine):
            raise errors.version_not_found(requested, engine) from None
        raise errors.invalid_value(str(error)) from None  # nothing installed serves the engine: says what to install


def _check_create(ctx: RequestContext, be: Backend, scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
    security_groups.refuse_names(params)
    identifier = check_identifier(params["CacheClusterId"])
    if params.get("ReplicationGroupId"):
        raise errors.not_implemented_yet("ReplicationGroupId (replication groups)")
    engine = params.get("Engine") or "redis"
    if engine not in ENGINES:
        raise errors.invalid_value(f"Invalid engine: {engine}. Valid engines are: {', '.join(ENGINES)}")
    node_type = params.get("CacheNodeType") or ""
    if not node_type:
        raise errors.invalid_value("The parameter CacheNodeType must be provided and must not be null.")  # recorded
    if node_types.memory_bytes(node_type) is None:
        raise errors.invalid_value(f"Invalid cache node type: {node_type}")
    count = params.get("NumCacheNodes", 1)
    if count < 1:
        raise errors.invalid_value("The parameter NumCacheNodes must be a positive integer.")
    if count > MAX_NODES[engine]:
        raise (
            errors.node_quota(engine, MAX_NODES[engine]) if engine == "memcached" else errors.single_node_engine(engine)
        )
    token = params.get("AuthToken")
    if token is not None:
        if engine == "memcached":
            raise errors.invalid_combination("AuthToken is not supported for the memcached engine.")
        if not params.get("TransitEncryptionEnabled"):
            raise errors.invalid_combination(
                "The AUTH token is only supported when encryption-in-transit is enabled (TransitEncryptionEnabled)."
            )
        _check_token(token)
    if params.get("TransitEncryptionEnabled") and engine == "memcached" and params.get("AuthToken"):
        raise errors.invalid_combination("AuthToken is not supported for the memcached engine.")
    port = params.get("Port")
    if port is not None and (not 1 <= port <= 65535 or port == be.config.port):
        raise errors.invalid_value(f"Invalid port: {port}")
    version = _version(be, engine, params.get("EngineVersion"))
    transit_mode = transit.check_create(be, version, params)
    group_name = params.get("CacheParameterGroupName") or f"default.{version.family}"
    if group_name.endswith(".cluster.on"):  # a cache cluster is one node: cluster mode is for replication groups
        raise errors.cluster_mode_in_group()
    group = parameter_group(ctx, be, scope, group_name)
    if group.private.values.get("cluster-enabled") == "yes":
        raise errors.cluster_mode_in_group()
    if group.fields["CacheParameterGroupFamily"] != version.family:
        raise errors.family_mismatch(version.family, group.fields["CacheParameterGroupFamily"])
    if params.get("AZMode") == "cross-az" and count < 2:
        raise errors.cross_az_needs_two_nodes()
    subnet = subnet_group(ctx, be, scope, params.get("CacheSubnetGroupName"))
    zone = params.get("PreferredAvailabilityZone") or subnet.private.subnets[0][1]
    if not zone.startswith(ctx.region):
        raise errors.invalid_value(f"Invalid availability zone: {zone}")
    _check_windows(params)
    tags = check_tags(params.get("Tags"), TAG_RULES)
    return {"identifier": identifier, "engine": engine, "version": version, "count": count, "token": token,
            "port": port or version.kind.default_port, "group": group.identifier, "subnet": subnet.identifier,
            "zone": zone, "tags": tags, "transit_mode": transit_mode}  # fmt: skip


def _check_token(token: str) -> None:
    """ElastiCache's AUTH token rules: 16-128 printable characters, no @ " or /."""
    if not 16 <= len(token) <= 128 or any(c in '@"/' or not c.isprintable() or c.isspace() for c in token):
        raise errors.invalid_value(
            "Invalid AuthToken provided. The AUTH token must be between 16 and 128 printable characters, "
            'and must not contain "@", "/" or """.'
        )


@operation("CreateCacheCluster")
def create_cache_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    params = dict(params)
    restore = snapshot_ops.restore_source(ctx, be, scope, params)  # completes params from the snapshot
    checked = _check_create(ctx, be, scope, params)
    version: EngineVersion = checked["version"]
    fields = {
        "CacheNodeType": params["CacheNodeType"],
        "Engine": checked["engine"],
        "EngineVersion": version.version,
        "PreferredAvailabilityZone": checked["zone"],
        "PreferredMaintenanceWindow": params.get("PreferredMaintenanceWindow") or DEFAULT_WINDOW,
        "CacheParameterGroupName": checked["group"],
        "CacheSubnetGroupName": checked["subnet"],
        "SecurityGroupIds": params.get("SecurityGroupIds") or [],
        "AutoMinorVersionUpgrade": params.get("AutoMinorVersionUpgrade", True),
        "SnapshotRetentionLimit": params.get("SnapshotRetentionLimit", 0),
        "SnapshotWindow": params.get("SnapshotWindow") or ("05:00-06:00" if checked["engine"] != "memcached" else None),
        "TransitEncryptionEnabled": checked["transit_mode"] is not None,
        "TransitEncryptionMode": checked["transit_mode"],
    }
    if checked["token"]:
        fields["AuthTokenLastModifiedDate"] = iso(now())
    private = ClusterPrivate(requested_port=checked["port"], auth_token=checked["token"], served_by=version.served_by)
    record = Record(CLUSTER, checked["identifier"], ctx.arn("elasticache", f"cluster:{checked['identifier']}"),
                    private, fields=fields, status="creating", tags=checked["tags"])  # fmt: skip
    with be.store.lock:
        if scope.get(CLUSTER, record.identifier):
            raise errors.cluster_exists(record.identifier)
        if restore is not None:
            snapshot_ops.check_restore(be, restore, record)
        memcached = checked["engine"] == "memcached"
        if memcached:  # the configuration endpoint takes the port clients are told to use
            private.config_port = ports.allocate(be.supervisor, checked["port"])
        for _ in range(checked["count"]):
            _add_node(be, record, None if memcached else checked["port"])
        scope.add(record)
        be.save(scope)
    be.event(scope, CLUSTER, record.identifier, f"Cache cluster {record.identifier} is being created with "
             f"{version.engine} {version.version}, served by {version.served_by}")  # fmt: skip
    if fields["TransitEncryptionEnabled"]:
        be.event(scope, CLUSTER, record.identifier, "In-transit encryption: TLS only, signed by Fogbank's "
                 f"certificate authority in {transit.directory(be) / 'ca.pem'}")  # fmt: skip
    if restore is not None:
        snapshot_ops.start_restore(be, scope, restore, record)
    else:
        be.jobs.submit(record.resource_id, lambda: nodes.create(be, scope, record))
    with be.store.lock:
        return {"CacheCluster": render_cluster(record, show_nodes=False)}


def _add_node(be: Backend, record: Record[ClusterPrivate], preferred: int | None) -> Node:
    node = Node(f"{record.private.next_node:04d}", ports.allocate(be.supervisor, preferred))
    record.private.next_node += 1
    record.private.nodes.append(node)
    return node


@operation("DescribeCacheClusters")
def describe_cache_clusters(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    from fogbank.services.elasticache.groups import members_of, render_member

    show = bool(params.get("ShowCacheNodeInfo"))
    with be.store.lock:  # replication groups' member clusters are listed with the others
        items: list[Any] = [(r.identifier, lambda r=r: render_cluster(r, show)) for r in scope.of(CLUSTER).values()]
        items += [(m.cluster_id, lambda g=g, m=m: render_member(g, m, show)) for g, m in members_of(scope)]
        if params.get("CacheClusterId"):
            wanted = params["CacheClusterId"].lower()
            items = [item for item in items if item[0] == wanted] or [(wanted, lambda: cluster(scope, wanted))]
        chunk, marker = page(params, items, key=lambda item: item[0])
        return {"CacheClusters": [render() for _, render in chunk], "Marker": marker}


def _require_available(record: Record[ClusterPrivate]) -> None:
    if record.status != "available":
        raise errors.invalid_cluster_state(record.identifier, record.status or "")


def _refuse_member(scope: Scope, identifier: str) -> None:
    """A replication group's member cluster is deleted through its group (AWS's recorded answers)."""
    from fogbank.services.elasticache.groups import members_of

    for group, member in members_of(scope):
        if member.cluster_id != identifier.lower():
            continue
        if len(group.private.members) == 1:
            raise errors.only_member()
        replicas = [m for m in group.private.of(member.node_group) if m.role == "replica"]
        if member.role == "replica" and len(replicas) == 1 and group.fields["AutomaticFailover"] == "enabled":
            raise errors.only_replica(group.identifier)
        raise errors.not_implemented_yet("DeleteCacheCluster of a replication group's member (use "
                                         "DecreaseReplicaCount with ReplicasToRemove)")  # fmt: skip


@operation("DeleteCacheCluster")
def delete_cache_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        _refuse_member(scope, params["CacheClusterId"])
        record = cluster(scope, params["CacheClusterId"])
        if record.status not in ("available", "failed"):
            raise errors.invalid_cluster_state(record.identifier, record.status or "")
        final = snapshot_ops.final_snapshot(ctx, be, scope, record, params.get("FinalSnapshotIdentifier"))
        LIFECYCLE.move(record, "deleting")
        be.save(scope)
        out = {"CacheCluster": render_cluster(record, show_nodes=False)}
    be.jobs.submit(record.resource_id, lambda: snapshots.final_then_delete(be, scope, final, record))
    return out


@operation("RebootCacheCluster")
def reboot_cache_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        record = cluster(scope, params["CacheClusterId"])
        _require_available(record)
        ids = params.get("CacheNodeIdsToReboot") or []
        if not ids:
            raise errors.invalid_value("The parameter CacheNodeIdsToReboot must be provided.")
        known = {n.node_id for n in record.private.nodes}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise errors.invalid_value(f"Cache node {unknown[0]} not found in cache cluster {record.identifier}.")
        LIFECYCLE.move(record, REBOOTING)
        for node in record.private.nodes:
            if node.node_id in ids:
                node.status = "rebooting"
        be.save(scope)
        out = {"CacheCluster": render_cluster(record, show_nodes=False)}
    be.jobs.submit(record.resource_id, lambda: nodes.reboot(be, scope, record, list(ids)))
    return out


def _check_modify(ctx: RequestContext | None, be: Backend, scope: Scope, record: Record[ClusterPrivate],
                  params: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """What ModifyCacheCluster will change, every input checked before anything changes
    (``ctx`` is None when the maintenance window applies pending changes)."""
    _require_available(record)
    engine = record.fields["Engine"]
    plan: dict[str, Any] = {}
    new_version = None
    if params.get("EngineVersion") is not None or params.get("Engine"):
        new_version = upgrades.check_version(be, engine, record.fields["EngineVersion"], params.get("EngineVersion"),
                                             params.get("Engine"))  # fmt: skip
        if new_version is not None:
            plan["engine_version"] = new_version
    count = params.get("NumCacheNodes")
    remove = params.get("CacheNodeIdsToRemove") or []
    current = len(record.private.nodes)
    if count is not None:
        if count < 1:
            raise errors.invalid_value("The parameter NumCacheNodes must be a positive integer.")
        if count > MAX_NODES[engine]:
            raise errors.node_quota(engine, MAX_NODES[engine])
        if count < current:
            if len(remove) != current - count:
                raise errors.invalid_value(
                    f"The number of cache node ids to remove ({len(remove)}) does not match the number of nodes "
                    f"to remove ({current - count})."
                )
            known = {n.node_id for n in record.private.nodes}
            for node_id in remove:
                if node_id not in known:
                    raise errors.invalid_value(f"Cache node {node_id} not found in cache cluster {record.identifier}.")
            plan["remove"] = list(dict.fromkeys(remove))
        elif remove:
            raise errors.invalid_combination("CacheNodeIdsToRemove can only be given when NumCacheNodes decreases.")
        elif count > current:
            plan["add"] = count - current
    elif remove:
        raise errors.invalid_combination("CacheNodeIdsToRemove requires NumCacheNodes.")
    node_type = params.get("CacheNodeType")
    if node_type and node_type != record.fields["CacheNodeType"]:
        if node_types.memory_bytes(node_type) is None:
            raise errors.invalid_value(f"Invalid cache node type: {node_type}")
        if engine == "memcached":
            raise errors.memcached_scaling()
        plan["node_type"] = node_type
    group = _parameter_group(ctx, be, scope, params["CacheParameterGroupName"]) if params.get(
        "CacheParameterGroupName") else None  # fmt: skip
    upgrades.check_family(be.version_of(record).family, new_version,
                          group.fields["CacheParameterGroupFamily"] if group else None)  # fmt: skip
    if group is not None and group.identifier != record.fields["CacheParameterGroupName"]:
        plan["parameter_group"] = group.identifier
    if params.get("AuthToken") is not None or params.get("AuthTokenUpdateStrategy"):
        plan["auth"] = _check_auth(record, params)
    return plan


def _check_auth(record: Record[ClusterPrivate], params: dict[str, Any]) -> tuple[str, str | None]:
    if record.fields["Engine"] == "memcached":
        raise errors.invalid_combination("AuthToken is not supported for the memcached engine.")
    strategy = params.get("AuthTokenUpdateStrategy") or "ROTATE"
    token = params.get("AuthToken")
    if strategy == "DELETE":
        if token is not None:
            raise errors.invalid_combination("AuthToken cannot be specified with AuthTokenUpdateStrategy DELETE.")
        return strategy, None
    if token is None:
        raise errors.invalid_value(f"The AuthToken must be provided with AuthTokenUpdateStrategy {strategy}.")
    if not record.fields.get("TransitEncryptionEnabled"):
        raise errors.invalid_combination(
            "The AUTH token is only supported when encryption-in-transit is enabled (TransitEncryptionEnabled)."
        )
    _check_token(token)
    return strategy, token


def _parameter_group(ctx: RequestContext | None, be: Backend, scope: Scope, name: str) -> Record[Any]:
    """A parameter group by name; without a request (the maintenance window) from the scope."""
    if ctx is not None:
        return parameter_group(ctx, be, scope, name)
    record = scope.get(PARAMETER_GROUP, name.lower()) or scope.get(PARAMETER_GROUP, name)
    if record is None:
        raise errors.parameter_group_not_found(name)
    return record


def _check_windows(params: dict[str, Any]) -> None:
    if params.get("PreferredMaintenanceWindow") is not None:
        maintenance.check_window(params["PreferredMaintenanceWindow"])
    if params.get("SnapshotWindow") is not None:
        snapshots.check_window(params["SnapshotWindow"])
    limit = params.get("SnapshotRetentionLimit")
    if limit is not None and not 0 <= limit <= MAX_RETENTION:  # wording ours
        raise errors.invalid_value(f"Invalid value {limit} for SnapshotRetentionLimit. Must be between 0 and "
                                   f"{MAX_RETENTION} (days).")  # fmt: skip


def _current(record: Record[ClusterPrivate]) -> dict[str, Any]:
    return {"NumCacheNodes": len(record.private.nodes), "CacheNodeType": record.fields["CacheNodeType"],
            "EngineVersion": record.fields["EngineVersion"], "Engine": record.fields["Engine"]}  # fmt: skip


@operation("ModifyCacheCluster")
def modify_cache_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Changes needing a restart or new nodes wait for the maintenance window unless
    ApplyImmediately (which applies the pending ones too); the rest apply at once."""
    be, scope = backend(ctx)
    deferred = maintenance.CLUSTER_DEFERRED
    with be.store.lock:
        record = cluster(scope, params["CacheClusterId"])
        _check_windows(params)
        private = record.private
        if params.get("ApplyImmediately"):
            request = {
                **maintenance.defer(private.pending, params, deferred),
                **maintenance.immediate(params, deferred),
            }
            plan = _check_modify(ctx, be, scope, record, request)
            private.pending, private.pending_since = {}, ""
        else:
            _check_modify(ctx, be, scope, record, params)  # the deferred ones are checked now too
            pending = maintenance.cancel_unchanged(maintenance.defer(private.pending, params, deferred),
                                                   _current(record))  # fmt: skip
            if pending != private.pending:
                private.pending_since = iso(now()) if pending else ""
            private.pending = pending
            plan = _check_modify(ctx, be, scope, record, maintenance.immediate(params, deferred))
        for key in ("PreferredMaintenanceWindow", "SnapshotWindow", "SnapshotRetentionLimit",
                    "AutoMinorVersionUpgrade", "SecurityGroupIds"):  # fmt: skip
            if params.get(key) is not None:
                record.fields[key] = params[key]
        changes = _apply(be, record, plan)
        be.save(scope)
        out = {"CacheCluster": render_cluster(record, show_nodes=False)}
    if changes:
        be.jobs.submit(record.resource_id, lambda: nodes.modify(be, scope, record, changes))
    return out


def apply_pending(be: Backend, scope: Scope, record: Record[ClusterPrivate], grace: float | None = None) -> bool:
    """The maintenance window (or a failure reboot): the pending changes, through the same checks and work as an
    immediate Modify; ones no longer valid are dropped, with an event saying why."""
    with be.store.lock:
        if not scope.contains(record) or record.status != "available" or not record.private.pending:
            return False
        request = dict(record.private.pending)
        record.private.pending, record.private.pending_since = {}, ""
        try:
            plan = _check_modify(None, be, scope, record, request)
        except AwsError as error:
            be.save(scope)
            failed = error.message
        else:
            failed = ""
            changes = _apply(be, record, plan)
            be.save(scope)
    if failed:
        be.event(scope, CLUSTER, record.identifier, f"Pending modifications could not be applied: {failed}")
        return False
    if changes:
        be.jobs.submit(record.resource_id, lambda: nodes.modify(be, scope, record, changes), grace=grace)
    return True


def _apply(be: Backend, record: Record[ClusterPrivate], plan: dict[str, Any]) -> dict[str, Any]:
    """The record's changes of a checked plan (under the store lock); the engine work to queue."""
    changes: dict[str, Any] = {}
    if plan.get("remove"):
        gone = [n for n in record.private.nodes if n.node_id in plan["remove"]]
        record.private.nodes = [n for n in record.private.nodes if n not in gone]
        changes["remove"] = gone
    if plan.get("add"):
        changes["add"] = [_add_node(be, record, None) for _ in range(plan["add"])]
    if plan.get("node_type"):
        record.fields["CacheNodeType"] = plan["node_type"]
        changes["node_type"] = True
    if plan.get("engine_version"):
        version: EngineVersion = plan["engine_version"]
        changes["engine_version"] = (record.fields["Engine"], record.fields["EngineVersion"], record.private.served_by)
        record.fields["Engine"], record.fields["EngineVersion"] = version.engine, version.version
        record.private.served_by = version.served_by
    if plan.get("parameter_group"):
        record.fields["CacheParameterGroupName"] = plan["parameter_group"]
        changes["parameters"] = True
    if "auth" in plan:
        strategy, token = plan["auth"]
        private = record.private
        private.rotating_from = private.auth_token if strategy == "ROTATE" else None
        private.auth_token = token
        record.fields["AuthTokenLastModifiedDate"] = iso(now())
        changes["auth_token"] = True
    if changes:
        LIFECYCLE.move(record, "modifying")
    return changes
