"""RDS's resources as the shared layer's typed records (``fogbank.managed.records``), and the
conversion of the state documents RDS wrote before it used them.

Each kind keeps what the API shows in ``Record.fields`` (AWS member names) and Fogbank's own
bookkeeping in a typed private dataclass, never rendered:

| kind | private | why |
| --- | --- | --- |
| ``db-instance`` | ``InstancePrivate`` | the master password, the port asked for, a password to set at start |
| ``db-snapshot`` | ``SnapshotPrivate`` | the instance's password and settings a restore needs, ``restore`` sharing |
| ``db-parameter-group`` | ``ParameterGroupPrivate`` | the overridden values and their apply methods |
| ``db-subnet-group`` | ``SubnetGroupPrivate`` | the (subnet, zone) pairs |
| ``db-option-group`` | ``OptionGroupPrivate`` | nothing yet |
| ``db-instance-automated-backup`` | ``AutomatedBackupPrivate`` | its full copies, how far its archive reaches, what a restore needs |
| ``db-cluster`` | ``ClusterPrivate`` | the master password its instances are made with, the port asked for |
| ``db-cluster-endpoint`` | ``ClusterEndpointPrivate`` | whether it has a static list (which deletions may empty) |
| ``db-cluster-parameter-group`` | ``ParameterGroupPrivate`` | the overridden values and their apply methods |
| ``db-cluster-snapshot`` | ``ClusterSnapshotPrivate`` | its directory, the cluster's password, ``restore`` sharing |
| ``db-cluster-automated-backup`` | ``AutomatedBackupPrivate`` | a cluster's continuous backup, as an instance's |
| ``global-cluster`` | ``GlobalClusterPrivate`` | which member cluster is the primary |

The status and tags live on the ``Record`` (``Lifecycle.move`` changes ``Record.status``; the
tag operations ``Record.tags``); the identifier, ARN and resource id are on the ``Record`` and,
as AWS members (``DBInstanceIdentifier``, ``DBInstanceArn``, ``DbiResourceId``), in ``fields``
too, kept equal by the one operation that changes them (a rename). ``upgrade`` moves an old
document's ``DBInstanceStatus``/``Status`` and ``TagList`` onto the Record and its ``_private``
keys into the private type (``_password`` becomes ``InstancePrivate.password``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fogbank.managed.records import RecordKind, dataclass_loader, iso, new_resource_id, now

INSTANCE = "db-instance"
SNAPSHOT = "db-snapshot"
PARAMETER_GROUP = "db-parameter-group"
SUBNET_GROUP = "db-subnet-group"
OPTION_GROUP = "db-option-group"
AUTOMATED_BACKUP = "db-instance-automated-backup"  # one per source instance, keyed by its DbiResourceId
CLUSTER = "db-cluster"
CLUSTER_ENDPOINT = "db-cluster-endpoint"  # an Aurora cluster's custom endpoint (``cluster_endpoints.py``)
CLUSTER_PARAMETER_GROUP = "db-cluster-parameter-group"
CLUSTER_SNAPSHOT = "db-cluster-snapshot"
CLUSTER_BACKUP = "db-cluster-automated-backup"  # one per aurora-postgresql cluster, keyed by its resource id
GLOBAL_CLUSTER = "global-cluster"  # an Aurora global database (``global_clusters.py``), kept where it was created


@dataclass
class InstancePrivate:
    password: str = ""  # the master user's, to create the engine and take snapshots
    requested_port: int = 0  # the Port asked for; Record.fields["Port"] is the one it got
    password_on_start: str | None = None  # a stopped instance's new password, set when it starts
    replication_password: str = ""  # a read replica source's replication login (``rds/replicas.py``)
    # MariaDB: runs with its binary log for good once it was a source or replica (a crash of a
    # server whose binlog was then turned off leaves XA-prepared transactions it refuses to start with).
    binlog: bool = False
    # Multi-AZ (``rds/multi_az.py``): the primary's data directory ("data" or "standby": a
    # failover swaps them), the standby's private port, and whether the standby is in step
    # (only then does the primary wait for it at each commit).
    data_name: str = "data"
    standby_port: int = 0
    standby_ready: bool = False
    # An Aurora writer (``rds/clusters.py``): a commit waits until one of its readers has it, so
    # that a reader can take over when the writer dies.
    quorum_ready: bool = False
    # The parameter group a deferred engine version upgrade brings (PendingModifiedValues has no
    # member for it; rds/upgrades.py).
    pending_parameter_group: str = ""
    # The parameter groups' values the engine last started with (``lifecycle.started``): a static
    # value that differs from it waits for a reboot (None: not known, from an older Fogbank).
    started_settings: dict[str, str] | None = None
    # An Aurora member's DBClusterParameterGroupStatus: in-sync, applying or pending-reboot.
    cluster_parameter_status: str = "in-sync"
    # An aurora-postgresql member: the cluster's resource id, whose archive it writes as writer.
    cluster_archive: str = ""


@dataclass
class SnapshotPrivate:
    directory: str = ""  # names the snapshot's directory (``snap-...``)
    password: str = ""  # the instance's master password, given back to a restored instance
    db_name: str | None = None
    instance_class: str = ""
    parameter_group: str = ""
    restore: list[str] = field(default_factory=list)  # accounts the snapshot is shared with


@dataclass
class ParameterGroupPrivate:
    values: dict[str, str] = field(default_factory=dict)  # the group's overrides
    methods: dict[str, str] = field(default_factory=dict)  # their ApplyMethod
    default: bool = False  # ``default.<family>``: read-only, as RDS's own


@dataclass
class SubnetGroupPrivate:
    subnets: list[list[str]] = field(default_factory=list)  # [subnet id, availability zone]


@dataclass
class OptionGroupPrivate:
    pass


@dataclass
class AutomatedBackupPrivate:
    """An instance's continuous backup (``backups.py``): its full copies and how far the archive reaches."""

    directory: str = ""  # names its directory under backups/ (the instance's resource id)
    bases: list[dict[str, str]] = field(default_factory=list)  # {"directory", "start", "time"}, oldest first
    latest: str | None = None  # everything committed until then is archived (LatestRestorableTime)
    password: str = ""  # the master password, given to an instance restored from it
    db_name: str | None = None
    instance_class: str = ""
    delete_with_instance: bool = True  # DeleteDBInstance's DeleteAutomatedBackups


@dataclass
class ClusterPrivate:
    """An Aurora DB cluster (``clusters.py``): its writer is its first instance, its readers follow it."""

    password: str = ""  # the master user's: its writer is created with it
    requested_port: int = 0
    # A restored cluster's data, until it is in its volume (``cluster_snapshots.py``): the
    # directory of the snapshot it is copied from, or "point-in-time:<cluster backup>" and the
    # moment (``cluster_backups.py``).
    restored_from: str = ""
    restore_time: str = ""
    final_snapshot: str = ""  # DeleteDBCluster's FinalDBSnapshotIdentifier, taken once its instances are gone


@dataclass
class ClusterSnapshotPrivate:
    """A DB cluster snapshot (``cluster_snapshots.py``): a copy of the cluster's data."""

    directory: str = ""  # names the snapshot's directory (``snap-...``) under snapshots/
    password: str = ""  # the cluster's master password, given back to a restored cluster
    empty: bool = False  # the cluster had never held data (no instance yet): a restore starts anew
    database_name: str | None = None  # the cluster's DatabaseName, given back to a restored cluster
    restore: list[str] = field(default_factory=list)  # accounts the snapshot is shared with


@dataclass
class ClusterEndpointPrivate:
    """An Aurora custom endpoint (``cluster_endpoints.py``)."""

    # It was given StaticMembers: it reaches only those, even once deleting them has emptied the list
    # (an empty list otherwise means every member).
    static: bool = False


@dataclass
class GlobalClusterPrivate:
    """An Aurora global database (``global_clusters.py``); its members name it in ``GlobalClusterIdentifier``."""

    primary: str = ""  # the ARN of the member cluster that writes ("": none yet)


KINDS: list[RecordKind[Any]] = [
    RecordKind(INSTANCE, dataclass_loader(InstancePrivate)),
    RecordKind(SNAPSHOT, dataclass_loader(SnapshotPrivate)),
    RecordKind(PARAMETER_GROUP, dataclass_loader(ParameterGroupPrivate)),
    RecordKind(SUBNET_GROUP, dataclass_loader(SubnetGroupPrivate)),
    RecordKind(OPTION_GROUP, dataclass_loader(OptionGroupPrivate)),
    RecordKind(AUTOMATED_BACKUP, dataclass_loader(AutomatedBackupPrivate)),
    RecordKind(CLUSTER, dataclass_loader(ClusterPrivate)),
    RecordKind(CLUSTER_ENDPOINT, dataclass_loader(ClusterEndpointPrivate)),
    RecordKind(CLUSTER_PARAMETER_GROUP, dataclass_loader(ParameterGroupPrivate)),
    RecordKind(CLUSTER_SNAPSHOT, dataclass_loader(ClusterSnapshotPrivate)),
    RecordKind(CLUSTER_BACKUP, dataclass_loader(AutomatedBackupPrivate)),
    RecordKind(GLOBAL_CLUSTER, dataclass_loader(GlobalClusterPrivate)),
]


@dataclass(frozen=True)
class _OldKind:
    """Where an old document kept one kind, and which of its dict keys the Record now holds."""

    name: str
    collection: str  # the old document's key
    arn: str  # the member holding the ARN
    status: str | None  # the member holding the status, if the kind has one
    resource_id: str | None  # the member holding a stable id (None: a new one is made)
    created: str | None  # the member holding the creation time
    private: dict[str, str]  # old ``_key`` -> private field


_OLD_KINDS = (
    _OldKind(INSTANCE, "instances", "DBInstanceArn", "DBInstanceStatus", "DbiResourceId", "InstanceCreateTime",
             {"_password": "password", "_requested_port": "requested_port",
              "_password_on_start": "password_on_start"}),
    _OldKind(SNAPSHOT, "snapshots", "DBSnapshotArn", "Status", "_id", "SnapshotCreateTime",
             {"_id": "directory", "_password": "password", "_DBName": "db_name",
              "_DBInstanceClass": "instance_class", "_DBParameterGroupName": "parameter_group",
              "_restore": "restore"}),
    _OldKind(PARAMETER_GROUP, "parameter_groups", "DBParameterGroupArn", None, None, None,
             {"_values": "values", "_methods": "methods", "_default": "default"}),
    _OldKind(SUBNET_GROUP, "subnet_groups", "DBSubnetGroupArn", None, None, None, {"_subnets": "subnets"}),
    _OldKind(OPTION_GROUP, "option_groups", "OptionGroupArn", None, None, None, {}),
)  # fmt: skip


def _record_document(kind: _OldKind, identifier: str, item: dict[str, Any]) -> dict[str, Any]:
    private = {new: item[old] for old, new in kind.private.items() if old in item}
    unknown = sorted(key for key in item if key.startswith("_") and key not in kind.private)
    if unknown:  # a private key this conversion does not know would be lost: refuse, loudly
        raise ValueError(f"{kind.name} {identifier}: unknown private keys {unknown}")
    taken = {kind.status, "TagList"} - {None}
    fields = {key: value for key, value in item.items() if not key.startswith("_") and key not in taken}
    return {
        "kind": kind.name,
        "identifier": identifier,
        "arn": item[kind.arn],
        "status": item.get(kind.status) if kind.status else None,
        "resource_id": item.get(kind.resource_id) if kind.resource_id and item.get(kind.resource_id)
        else new_resource_id(),
        "fields": fields,
        "tags": list(item.get("TagList") or []),
        "created": (item.get(kind.created) if kind.created else None) or iso(now()),
        "private": private,
    }  # fmt: skip


def upgrade(document: dict[str, Any]) -> dict[str, Any]:
    """An old RDS state document (dict records with ``_private`` keys, events perhaps without a
    ``Sequence``) in the shared store's form; events keep their stored order."""
    records = {
        kind.name: [_record_document(kind, identifier, item) for identifier, item in document[kind.collection].items()]
        for kind in _OLD_KINDS
        if document.get(kind.collection)
    }
    events = [dict(event) for event in document.get("events") or []]
    if any(not event.get("Sequence") for event in events):
        for n, event in enumerate(events, 1):
            event["Sequence"] = n
    return {"format": 1, "records": records, "events": events, "extra": {}}
