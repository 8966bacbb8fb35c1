"""Multi-AZ DB clusters (engines ``postgres`` and ``mysql``): a writer and two readable standbys
that ``CreateDBCluster`` makes itself, each an instance with storage of its own.

They are Aurora clusters' shape (``clusters.py``) with different rules, so they use its machinery
as it is: membership (the member that follows no other writes), the cluster and reader endpoints,
the commit quorum (a commit is acknowledged once one reader has it: RDS's "at least one reader
DB instance"), planned and automatic failover. What differs lives here: the checks of
``DBClusterInstanceClass`` and the storage RDS requires, the members' names and zones, the
instance operations that refuse them (RDS manages a Multi-AZ DB cluster's instances through the
cluster; only a reboot is theirs), and the cluster-wide work: waiting for its members to come up,
rebooting them and applying a new class to each, readers first so that the writer always has a
reader to acknowledge its commits.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.rds import classes, clusters, replicas, validation
from fogbank.services.rds.backend import Backend
from fogbank.services.rds.engines import EngineVersion
from fogbank.services.rds.store import Region

log = logging.getLogger(__name__)

ENGINES = ("postgres", "mysql")
MEMBERS = 3  # a writer and two readers, in three zones
MAX_IDENTIFIER = 52  # so that "<cluster>-instance-3" is a valid instance identifier (63)
STORAGE_TYPES = ("io1", "io2", "gp3")
# Options of Aurora clusters that a Multi-AZ DB cluster does not have (CreateDBCluster, ModifyDBCluster).
_AURORA_ONLY = ("ServerlessV2ScalingConfiguration", "EnableHttpEndpoint", "AvailabilityZones")
# The members' storage, which is the cluster's (ModifyDBCluster changes all three).
STORAGE_FIELDS = ("DBClusterInstanceClass", "AllocatedStorage", "StorageType", "Iops", "StorageThroughput")
MEMBERS_TIMEOUT = 600.0


def is_multi_az(cluster: Record[Any] | None) -> bool:
    return cluster is not None and cluster.fields["Engine"] in ENGINES


def member_names(identifier: str) -> list[str]:
    """RDS's names for a Multi-AZ DB cluster's instances: the writer first."""
    return [f"{identifier}-instance-{n}" for n in range(1, MEMBERS + 1)]


# -- checks ---------------------------------------------------------------------------------------


def _not_for_aurora(engine: str, params: dict[str, Any]) -> None:
    for key in ("DBClusterInstanceClass", "AllocatedStorage", "Iops"):
        if params.get(key) is not None:  # recorded from AWS for DBClusterInstanceClass
            raise AwsError("InvalidParameterCombination", f"{key} isn't supported for DB engine {engine}.")
    if params.get("StorageType") not in (None, "aurora", "aurora-iopt1"):
        raise AwsError("InvalidParameterValue", f"Invalid storage type for DB engine {engine}: {params['StorageType']}")


def _not_for_multi_az(engine: str, params: dict[str, Any]) -> None:
    for key in _AURORA_ONLY:
        if params.get(key) is not None:
            raise AwsError("InvalidParameterCombination", f"{key} isn't supported for DB engine {engine}.")


def storage(engine: str, storage_type: str, size: int, iops: int | None, throughput: int | None) -> dict[str, Any]:
    """A Multi-AZ DB cluster's storage: Provisioned IOPS (io1, io2) or gp3, as RDS checks an instance's."""
    if storage_type not in STORAGE_TYPES:
        raise AwsError(
            "InvalidParameterValue",
            f"Invalid storage type for a Multi-AZ DB cluster: {storage_type}. Valid values: io1, io2, gp3.",
        )
    validation.storage(engine, storage_type, size)
    return {"AllocatedStorage": size, "StorageType": storage_type,
            **validation.storage_performance(storage_type, size, iops, throughput)}  # fmt: skip


def check_create(params: dict[str, Any], version: EngineVersion, identifier: str) -> dict[str, Any]:
    """CreateDBCluster's Multi-AZ checks (Aurora's refuse their options): the cluster's fields they give."""
    engine = version.engine
    if engine not in ENGINES:
        _not_for_aurora(engine, params)
        return {}
    _not_for_multi_az(engine, params)
    if len(identifier) > MAX_IDENTIFIER:
        raise AwsError(
            "InvalidParameterValue",
            f"The parameter DBClusterIdentifier is not a valid identifier: a Multi-AZ DB cluster's has at most "
            f"{MAX_IDENTIFIER} characters.",
        )
    instance_class = params.get("DBClusterInstanceClass")
    if not instance_class:  # recorded from AWS
        raise AwsError("InvalidParameterValue", "DBClusterInstanceClass is required.")
    validation.instance_class(instance_class, version, "general-public-license")
    if params.get("AllocatedStorage") is None:
        raise AwsError("InvalidParameterValue", "AllocatedStorage is required.")
    storage_type = params.get("StorageType") or "io1"  # RDS's default for a Multi-AZ DB cluster
    fields = storage(engine, storage_type, params["AllocatedStorage"], params.get("Iops"), None)
    return {
        "DBClusterInstanceClass": instance_class,
        **fields,
        "PubliclyAccessible": bool(params.get("PubliclyAccessible")),
        "PerformanceInsightsEnabled": bool(params.get("EnablePerformanceInsights")),
        "MonitoringInterval": params.get("MonitoringInterval") or 0,
    }


def check_modify(cluster: Record[Any], params: dict[str, Any], version: EngineVersion) -> dict[str, Any]:
    """ModifyDBCluster's class and storage changes (a Multi-AZ DB cluster's only); the caller holds the lock."""
    engine = cluster.fields["Engine"]
    if not is_multi_az(cluster):
        _not_for_aurora(engine, params)
        return {}
    _not_for_multi_az(engine, params)
    changes: dict[str, Any] = {}
    instance_class = params.get("DBClusterInstanceClass")
    if instance_class and instance_class != cluster.fields["DBClusterInstanceClass"]:
        if classes.lookup(instance_class) is None:
            validation.instance_class(instance_class, version, "general-public-license")
        changes["DBClusterInstanceClass"] = instance_class
    if any(params.get(key) is not None for key in ("AllocatedStorage", "StorageType", "Iops")):
        storage_type = params.get("StorageType") or cluster.fields["StorageType"]
        iops = params.get("Iops")
        if iops is None and storage_type in ("io1", "io2") and cluster.fields["StorageType"] in ("io1", "io2"):
            iops = cluster.fields.get("Iops")  # kept, as ModifyDBInstance keeps it
        size = params.get("AllocatedStorage") or cluster.fields["AllocatedStorage"]
        if size < cluster.fields["AllocatedStorage"]:
            raise AwsError(
                "InvalidParameterValue", "Invalid storage size: the allocated storage of a DB cluster cannot decrease."
            )
        new = storage(engine, storage_type, size, iops, None)
        changes.update({key: value for key, value in new.items() if cluster.fields.get(key) != value})
        if "StorageThroughput" in cluster.fields and "StorageThroughput" not in new:
            changes["StorageThroughput"] = None
    return changes


def member_storage(cluster: Record[Any]) -> dict[str, Any]:
    """What a member takes from its cluster: a Multi-AZ DB cluster's class and storage (Aurora's: none)."""
    if not is_multi_az(cluster):
        return {}
    fields = {key: cluster.fields.get(key) for key in STORAGE_FIELDS if key != "DBClusterInstanceClass"}
    fields["DBInstanceClass"] = cluster.fields["DBClusterInstanceClass"]
    return {key: value for key, value in fields.items() if value is not None}


def refuse_instance_operation(region: Region, record: Record[Any], operation: str, verb: str, instead: str) -> None:
    """RDS manages a Multi-AZ DB cluster's instances through the cluster (a reboot alone is theirs)."""
    if is_multi_az(clusters.cluster_of(region, record)):
        raise AwsError(
            "InvalidParameterValue",
            f"{operation} can't be used to {verb} a DB instance in a Multi-AZ DB cluster. Use {instead} instead.",
        )


# -- the cluster's work (on its queue) ------------------------------------------------------------


def _writer_first(region: Region, cluster: Record[Any]) -> list[Record[Any]]:
    members = clusters.members(region, cluster)
    return sorted(members, key=lambda m: bool(m.fields.get(replicas.SOURCE)))


def wait_members(backend: Backend, region: Region, cluster: Record[Any]) -> None:
    """Until every member has come up (or failed, or gone): then the writer waits for its readers."""
    deadline = time.monotonic() + MEMBERS_TIMEOUT
    while not backend.closing.is_set() and time.monotonic() < deadline:
        with backend.store.lock:
            pending = [m for m in clusters.members(region, cluster) if m.status in ("creating", "starting")]
        if not pending:
            break
        time.sleep(0.05)
    clusters.sync(backend, region, cluster)


def wait_gone(backend: Backend, region: Region, cluster: Record[Any]) -> None:
    """Until DeleteDBCluster's deletion of the members is done (their engines stopped, files removed)."""
    deadline = time.monotonic() + MEMBERS_TIMEOUT
    while not backend.closing.is_set() and time.monotonic() < deadline:
        with backend.store.lock:
            if not clusters.members(region, cluster):
                return
        time.sleep(0.05)


def reboot(backend: Backend, region: Region, cluster: Record[Any]) -> None:
    """RebootDBCluster: each member restarts, readers first, one at a time: the writer's commits
    always have a running reader to wait for, except while the writer itself restarts."""
    from fogbank.services.rds import lifecycle

    for member in reversed(_writer_first(region, cluster)):
        if member.status == "rebooting":
            lifecycle.reboot(backend, region, member)
    clusters.sync(backend, region, cluster)
    if clusters.set_status_if(backend, region, cluster, ("rebooting",), "available"):
        backend.event(region, "db-cluster", cluster.identifier, cluster.arn, "DB cluster restarted", "notification")


def apply_class(backend: Backend, region: Region, cluster: Record[Any], changes: dict[str, Any]) -> None:
    """A new class or storage for every member (restarted for a new class), readers first."""
    from fogbank.services.rds import lifecycle

    member_changes = {("DBInstanceClass" if key == "DBClusterInstanceClass" else key): value
                      for key, value in changes.items()}  # fmt: skip
    for member in reversed(_writer_first(region, cluster)):
        if member.status == "modifying":
            lifecycle.modify(backend, region, member, member_changes)
        if member.fields.get("StorageThroughput") is None:
            member.fields.pop("StorageThroughput", None)
    clusters.sync(backend, region, cluster)
    if clusters.set_status_if(backend, region, cluster, ("modifying",), "available"):
        backend.event(region, "db-cluster", cluster.identifier, cluster.arn,
                      "Finished applying modification to DB cluster", "configuration change")  # fmt: skip
