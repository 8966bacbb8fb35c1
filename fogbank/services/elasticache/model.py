"""ElastiCache's resources as managed records: cache clusters (with their nodes), parameter
groups and subnet groups; the cluster's statuses; how Describe* render them.

A cluster's ``fields`` hold what the API shows as given (CacheNodeType, Engine, ...); its
nodes, ports, token and parameter state are private (``ClusterPrivate``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from fogbank.managed.lifecycle import Lifecycle, transitions
from fogbank.managed.records import Record, RecordKind, dataclass_loader
from fogbank.services.elasticache import errors, maintenance

ADDRESS = "127.0.0.1"
CLUSTER = "cache-cluster"
PARAMETER_GROUP = "cache-parameter-group"
SUBNET_GROUP = "cache-subnet-group"
REBOOTING = "rebooting cache cluster nodes"

LIFECYCLE = Lifecycle(
    CLUSTER,
    transitions(
        {
            "creating": ("available", "failed", "deleting"),
            "available": ("modifying", REBOOTING, "snapshotting", "deleting", "failed"),
            "modifying": ("available", "failed", "deleting"),
            "snapshotting": ("available", "failed", "deleting"),
            REBOOTING: ("available", "failed", "deleting"),
            "failed": ("available", "deleting", REBOOTING),
            "deleting": (),
        }
    ),
    failed="failed",
    running=frozenset({"available", "modifying", REBOOTING, "snapshotting"}),
    restarting=REBOOTING,
)

MAX_NODES = {"memcached": 40, "redis": 1, "valkey": 1}
_IDENTIFIER = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]*(?<!-)$")


@dataclass
class Node:
    node_id: str  # "0001"
    port: int
    status: str = "creating"
    created: str = ""
    parameter_status: str = "in-sync"


@dataclass
class ClusterPrivate:
    nodes: list[Node] = field(default_factory=list)
    requested_port: int = 0
    auth_token: str | None = None
    rotating_from: str | None = None  # AuthTokenUpdateStrategy ROTATE: the old token keeps working
    config_port: int | None = None  # Memcached's configuration endpoint
    config_version: int = 1  # auto-discovery's version: bumped when nodes come or go
    next_node: int = 1
    served_by: str = ""
    pending: dict[str, Any] = field(default_factory=dict)  # ModifyCacheCluster's deferred parameters
    pending_since: str = ""  # when they were asked for: the next maintenance window applies them


@dataclass
class ParameterGroupPrivate:
    values: dict[str, str] = field(default_factory=dict)  # the group's overrides


@dataclass
class SubnetGroupPrivate:
    subnets: list[list[str]] = field(default_factory=list)  # [subnet id, availability zone]


def _load_cluster(document: dict[str, Any]) -> ClusterPrivate:
    private = dataclass_loader(ClusterPrivate)(document)
    private.nodes = [Node(**node) if isinstance(node, dict) else node for node in private.nodes]
    return private


KINDS = [
    RecordKind(CLUSTER, _load_cluster),
    RecordKind(PARAMETER_GROUP, dataclass_loader(ParameterGroupPrivate)),
    RecordKind(SUBNET_GROUP, dataclass_loader(SubnetGroupPrivate)),
]


def check_identifier(value: str, name: str = "CacheClusterIdentifier", max_length: int = 50) -> str:
    """Cluster identifiers: 1-50 letters, digits, hyphens; stored lowercase, as ElastiCache does."""
    if not value or len(value) > max_length or not _IDENTIFIER.match(value):
        raise errors.invalid_identifier(name)
    return value.lower()


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def render_cluster(record: Record[ClusterPrivate], show_nodes: bool) -> dict[str, Any]:
    private = record.private
    fields = record.fields
    engine = fields["Engine"]
    out: dict[str, Any] = {
        "CacheClusterId": record.identifier,
        "ClientDownloadLandingPage": "https://console.aws.amazon.com/elasticache/home#client-download:",
        "CacheNodeType": fields["CacheNodeType"],
        "Engine": engine,
        "EngineVersion": fields["EngineVersion"],
        "CacheClusterStatus": record.status,
        "NumCacheNodes": len(private.nodes),
        "PreferredAvailabilityZone": fields["PreferredAvailabilityZone"],
        "CacheClusterCreateTime": _time(record.created),
        "PreferredMaintenanceWindow": fields["PreferredMaintenanceWindow"],
        "PendingModifiedValues": maintenance.render_cluster(private.pending),
        "CacheSecurityGroups": [],
        "CacheParameterGroup": {
            "CacheParameterGroupName": fields["CacheParameterGroupName"],
            "ParameterApplyStatus": "pending-reboot" if _pending(private) else "in-sync",
            "CacheNodeIdsToReboot": [n.node_id for n in private.nodes if n.parameter_status == "pending-reboot"],
        },
        "CacheSubnetGroupName": fields["CacheSubnetGroupName"],
        "AutoMinorVersionUpgrade": fields.get("AutoMinorVersionUpgrade", True),
        "SecurityGroups": [{"SecurityGroupId": sg, "Status": "active"} for sg in fields.get("SecurityGroupIds", [])],
        "SnapshotRetentionLimit": fields.get("SnapshotRetentionLimit", 0),
        "SnapshotWindow": fields.get("SnapshotWindow"),
        "AuthTokenEnabled": private.auth_token is not None,
        "AuthTokenLastModifiedDate": _time(fields.get("AuthTokenLastModifiedDate")),
        **transit_fields(fields),
        "AtRestEncryptionEnabled": False,
        "ARN": record.arn,
        "ReplicationGroupLogDeliveryEnabled": False,
        "LogDeliveryConfigurations": [],
        "NetworkType": "ipv4",
        "IpDiscovery": "ipv4",
    }
    if engine == "memcached":
        out.pop("SnapshotRetentionLimit")
        out.pop("SnapshotWindow")
        if private.config_port and record.status != "creating":
            out["ConfigurationEndpoint"] = {"Address": ADDRESS, "Port": private.config_port}
    if show_nodes:
        out["CacheNodes"] = [render_node(record, node) for node in private.nodes]
    return {key: value for key, value in out.items() if value is not None}


def render_node(record: Record[ClusterPrivate], node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {
        "CacheNodeId": node.node_id,
        "CacheNodeStatus": node.status,
        "CacheNodeCreateTime": _time(node.created) or _time(record.created),
        "ParameterGroupStatus": node.parameter_status,
        "CustomerAvailabilityZone": record.fields["PreferredAvailabilityZone"],
    }
    if node.status != "creating":
        out["Endpoint"] = {"Address": ADDRESS, "Port": node.port}
    return out


def transit_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """TransitEncryptionMode is shown only where in-transit encryption is on, as AWS does."""
    enabled = bool(fields.get("TransitEncryptionEnabled"))
    return {"TransitEncryptionEnabled": enabled,
            "TransitEncryptionMode": (fields.get("TransitEncryptionMode") or "required") if enabled else None}  # fmt: skip


def _pending(private: ClusterPrivate) -> bool:
    return any(node.parameter_status == "pending-reboot" for node in private.nodes)


def render_parameter_group(record: Record[ParameterGroupPrivate]) -> dict[str, Any]:
    return {
        "CacheParameterGroupName": record.identifier,
        "CacheParameterGroupFamily": record.fields["CacheParameterGroupFamily"],
        "Description": record.fields["Description"],
        "IsGlobal": False,
        "ARN": record.arn,
    }


def render_subnet_group(record: Record[SubnetGroupPrivate]) -> dict[str, Any]:
    return {
        "CacheSubnetGroupName": record.identifier,
        "CacheSubnetGroupDescription": record.fields["CacheSubnetGroupDescription"],
        "VpcId": record.fields["VpcId"],
        "Subnets": [
            {"SubnetIdentifier": subnet, "SubnetAvailabilityZone": {"Name": zone}, "SupportedNetworkTypes": ["ipv4"]}
            for subnet, zone in record.private.subnets
        ],
        "ARN": record.arn,
        "SupportedNetworkTypes": ["ipv4"],
    }
