"""Replication groups as managed records: their member cache clusters (one node each), node
groups (shards) with their slots, the addresses of their nodes and moving endpoints; how
DescribeReplicationGroups and DescribeCacheClusters render them.

Member clusters are named as ElastiCache names them: ``<group>-001``, ``-002`` ... with cluster
mode disabled, ``<group>-0001-001`` (shard 0001, node 001) with it enabled. They live inside
the group's record, not as cache-cluster records: the group owns their processes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fogbank.managed.lifecycle import Lifecycle, transitions
from fogbank.managed.records import Record, RecordKind, dataclass_loader
from fogbank.services.elasticache import maintenance
from fogbank.services.elasticache.model import ClusterPrivate, Node, render_cluster, transit_fields

GROUP = "replication-group"
SLOTS = 16384
MAX_REPLICAS = 5
MAX_NODE_GROUPS = 500  # ElastiCache's quota of shards per cluster-mode-enabled group

LIFECYCLE = Lifecycle(
    GROUP,
    transitions(
        {
            "creating": ("available", "create-failed", "deleting"),
            "available": ("modifying", "snapshotting", "deleting"),
            "modifying": ("available", "deleting"),
            "snapshotting": ("available", "modifying", "deleting"),
            "create-failed": ("available", "deleting", "modifying"),
            "deleting": (),
        }
    ),
    failed="create-failed",
    running=frozenset({"available", "modifying", "snapshotting"}),
    restarting="modifying",
)


@dataclass
class Member:
    """One member cache cluster: one node, at its own loopback address on the group's port."""

    cluster_id: str
    node_group: str  # "0001"
    address: str
    role: str = "replica"  # "primary" | "replica"
    status: str = "creating"  # the member cluster's status
    created: str = ""
    zone: str = ""


@dataclass
class NodeGroup:
    node_group_id: str
    slots: list[list[int]] = field(default_factory=list)  # cluster mode: [first, last] ranges
    next_member: int = 1


@dataclass
class GroupPrivate:
    port: int = 6379
    cluster_mode: bool = False
    members: list[Member] = field(default_factory=list)
    node_groups: list[NodeGroup] = field(default_factory=list)
    primary_address: str | None = None  # cluster mode disabled: held by the primary
    reader_address: str | None = None  # held by one replica (the primary when there is none)
    config_address: str | None = None  # cluster mode enabled: held by one node
    admin_password: str = ""  # Fogbank's login on every node, and how replicas reach their primary
    auth_token: str | None = None
    rotating_from: str | None = None
    served_by: str = ""
    pending: dict[str, Any] = field(default_factory=dict)  # ModifyReplicationGroup's deferred parameters
    pending_since: str = ""
    tls_authority: str = ""  # TLS on: the CA file Fogbank checks its nodes against (else plain)
    seed_snapshot: str | None = None  # SnapshotName: restored into the nodes while creating

    def of(self, node_group: str) -> list[Member]:
        return [m for m in self.members if m.node_group == node_group]

    def primary(self, node_group: str) -> Member | None:
        return next((m for m in self.of(node_group) if m.role == "primary"), None)

    def member(self, cluster_id: str) -> Member | None:
        return next((m for m in self.members if m.cluster_id == cluster_id), None)


def _load(document: dict[str, Any]) -> GroupPrivate:
    private = dataclass_loader(GroupPrivate)(document)
    private.members = [Member(**m) if isinstance(m, dict) else m for m in private.members]
    private.node_groups = [NodeGroup(**g) if isinstance(g, dict) else g for g in private.node_groups]
    return private


KINDS = [RecordKind(GROUP, _load)]
Group = Record[GroupPrivate]


def member_name(group: Group, node_group: NodeGroup) -> str:
    number = node_group.next_member
    node_group.next_member += 1
    if group.private.cluster_mode:
        return f"{group.identifier}-{node_group.node_group_id}-{number:03d}"
    return f"{group.identifier}-{number:03d}"


def slot_text(ranges: list[list[int]]) -> str:
    return ",".join(f"{a}-{b}" for a, b in ranges)


def parse_slots(text: str) -> list[list[int]] | None:
    """NodeGroupConfiguration's ``Slots``: ``0-5460`` or ``0-100,200-300``; None when malformed."""
    ranges: list[list[int]] = []
    for part in text.split(","):
        first, sep, last = part.strip().partition("-")
        if not first.isdigit() or (sep and not last.isdigit()):
            return None
        a, b = int(first), int(last) if sep else int(first)
        if not 0 <= a <= b < SLOTS:
            return None
        ranges.append([a, b])
    return ranges


def even_slots(count: int) -> list[list[list[int]]]:
    """16384 slots split as ElastiCache splits them: 0-5461, 5462-10922, 10923-16383 for 3."""
    bounds = [-(-i * SLOTS // count) for i in range(count + 1)]
    return [[[bounds[i], bounds[i + 1] - 1]] for i in range(count)]


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _endpoint(address: str | None, port: int) -> dict[str, Any] | None:
    return {"Address": address, "Port": port} if address else None


def render_group(group: Group) -> dict[str, Any]:
    private, fields = group.private, group.fields
    ready = group.status not in ("creating",)
    out: dict[str, Any] = {
        "ReplicationGroupId": group.identifier,
        "Description": fields["Description"],
        "GlobalReplicationGroupInfo": {},
        "Status": group.status,
        "PendingModifiedValues": {
            **maintenance.render_group(private.pending),
            **(fields.get("PendingModifiedValues") or {}),
        },
        "MemberClusters": [m.cluster_id for m in private.members],
        "NodeGroups": [render_node_group(group, g, ready) for g in private.node_groups],
        "AutomaticFailover": fields["AutomaticFailover"],
        "MultiAZ": fields["MultiAZ"],
        "SnapshotRetentionLimit": fields.get("SnapshotRetentionLimit", 0),
        "SnapshotWindow": fields.get("SnapshotWindow"),
        "ClusterEnabled": private.cluster_mode,
        "CacheNodeType": fields["CacheNodeType"],
        "AuthTokenEnabled": private.auth_token is not None,
        "AuthTokenLastModifiedDate": _time(fields.get("AuthTokenLastModifiedDate")),
        **transit_fields(fields),
        "AtRestEncryptionEnabled": False,
        "ARN": group.arn,
        "UserGroupIds": list(fields.get("UserGroupIds") or []),
        "LogDeliveryConfigurations": [],
        "ReplicationGroupCreateTime": _time(group.created),
        "DataTiering": "disabled",
        "AutoMinorVersionUpgrade": fields.get("AutoMinorVersionUpgrade", True),
        "NetworkType": "ipv4",
        "IpDiscovery": "ipv4",
        "ClusterMode": "enabled" if private.cluster_mode else "disabled",
        "Engine": fields["Engine"],
    }
    if private.cluster_mode and ready:
        out["ConfigurationEndpoint"] = _endpoint(private.config_address, private.port)
    chosen = snapshotting_member(group, "0001")
    if not private.cluster_mode and chosen is not None:
        out["SnapshottingClusterId"] = chosen.cluster_id
    return {key: value for key, value in out.items() if value is not None}


def snapshotting_member(group: Group, node_group_id: str) -> Member | None:
    """The node a shard's snapshot is taken from: the group's ``SnapshottingClusterId`` (cluster
    mode disabled), else a replica, else the primary; available ones first, as AWS backs up
    from a replica so that the primary never forks for it."""
    members = group.private.of(node_group_id)
    chosen = group.fields.get("SnapshottingClusterId")
    for pool in ([m for m in members if m.status == "available"], members):
        named = next((m for m in pool if m.cluster_id == chosen), None)
        found = named or next((m for m in pool if m.role == "replica"), None) or next(iter(pool), None)
        if found is not None:
            return found
    return None


def render_node_group(group: Group, node_group: NodeGroup, ready: bool) -> dict[str, Any]:
    private = group.private
    members = private.of(node_group.node_group_id)
    out: dict[str, Any] = {
        "NodeGroupId": node_group.node_group_id,
        "Status": "available" if ready and all(m.status == "available" for m in members) else "modifying",
        "NodeGroupMembers": [
            {
                "CacheClusterId": m.cluster_id,
                "CacheNodeId": "0001",
                **({"ReadEndpoint": _endpoint(m.address, private.port)} if ready else {}),
                "PreferredAvailabilityZone": m.zone,
                "CurrentRole": m.role,
            }
            for m in members
        ],
    }
    if group.status == "creating":
        out["Status"] = "creating"
    if private.cluster_mode:
        out["Slots"] = slot_text(node_group.slots)
    elif ready:
        out["PrimaryEndpoint"] = _endpoint(private.primary_address, private.port)
        out["ReaderEndpoint"] = _endpoint(private.reader_address, private.port)
    return out


def render_member(group: Group, member: Member, show_nodes: bool) -> dict[str, Any]:
    """A member as DescribeCacheClusters shows it: a one-node cache cluster of the group."""
    fields = group.fields
    as_cluster = Record(
        "cache-cluster", member.cluster_id, group.arn.replace(f"replicationgroup:{group.identifier}",
                                                              f"cluster:{member.cluster_id}"),
        ClusterPrivate(nodes=[Node("0001", group.private.port, member.status, member.created)],
                       auth_token=group.private.auth_token, pending=group.private.pending),
        fields={**fields, "PreferredAvailabilityZone": member.zone}, status=member.status, created=member.created
        or group.created,
    )  # fmt: skip
    out = render_cluster(as_cluster, show_nodes)
    out["ReplicationGroupId"] = group.identifier
    for node in out.get("CacheNodes", []):
        if "Endpoint" in node:
            node["Endpoint"]["Address"] = member.address
    return out


def members_of(scope: Any) -> list[tuple[Group, Member]]:
    """Every member cache cluster of the scope's replication groups."""
    return [(g, m) for g in scope.of(GROUP).values() for m in g.private.members]
