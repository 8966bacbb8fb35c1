"""Multi-AZ DB cluster operations: RebootDBCluster, and the parts of CreateDBCluster and
DeleteDBCluster (``ops/clusters.py``) that make and remove the cluster's three instances
(``rds/multi_az_clusters.py`` holds the rules and the engine work)."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import clusters, lifecycle, multi_az_clusters
from fogbank.services.rds.backend import Backend
from fogbank.services.rds.clusters import LIFECYCLE, invalid_state
from fogbank.services.rds.model import INSTANCE as INSTANCE_LIFECYCLE
from fogbank.services.rds.ops import instances
from fogbank.services.rds.ops.clusters import cluster_strict, join, render
from fogbank.services.rds.ops.common import aurora_only, backend
from fogbank.services.rds.records import INSTANCE, SUBNET_GROUP
from fogbank.services.rds.store import Region

# What the instances take from CreateDBCluster as they are.
_FROM_CLUSTER = ("VpcSecurityGroupIds", "PubliclyAccessible", "AutoMinorVersionUpgrade", "StorageEncrypted",
                 "KmsKeyId", "DeletionProtection")  # fmt: skip


def _zones(ctx: RequestContext, region: Region, subnet_group: str) -> list[str]:
    """Three zones, one per member: the subnet group's (RDS requires it to cover three), else the
    region's a, b and c."""
    with ctx.backend.store.lock:
        group = region.of(SUBNET_GROUP).get(subnet_group)
        zones = sorted({zone for _, zone in group.private.subnets}) if group is not None else []
    if len(zones) < multi_az_clusters.MEMBERS:
        zones = [f"{ctx.region}{letter}" for letter in "abc"]
    return zones[: multi_az_clusters.MEMBERS]


def new_members(ctx: RequestContext, region: Region, cluster: Record[Any], params: dict[str, Any]) -> list[Record[Any]]:
    """The records of a new Multi-AZ DB cluster's writer and two readers, each in a zone of its own
    (checked like any instance; admitted with the cluster by ``admit_members``)."""
    fields = cluster.fields
    storage = multi_az_clusters.member_storage(cluster)
    records = []
    for name, zone in zip(multi_az_clusters.member_names(cluster.identifier),
                          _zones(ctx, region, fields["DBSubnetGroup"]), strict=True):  # fmt: skip
        member_params: dict[str, Any] = {
            "Engine": fields["Engine"],
            "EngineVersion": fields["EngineVersion"],
            "DBInstanceClass": storage["DBInstanceClass"],
            "AllocatedStorage": storage["AllocatedStorage"],
            "StorageType": storage["StorageType"],
            "AvailabilityZone": zone,
            "DBSubnetGroupName": fields["DBSubnetGroup"],
            **{key: params[key] for key in _FROM_CLUSTER if params.get(key) is not None},
        }
        if storage["StorageType"] in ("io1", "io2"):
            member_params["Iops"] = storage["Iops"]
        records.append(instances.new_record(ctx, member_params, name))
    return records


def check_names_free(region: Region, members: list[Record[Any]]) -> None:
    """The caller holds the store lock."""
    for member in members:
        if member.identifier in region.of(INSTANCE):
            raise AwsError("DBInstanceAlreadyExistsFault", "DB instance already exists")


def admit_members(ctx: RequestContext, region: Region, cluster: Record[Any], members: list[Record[Any]]) -> None:
    """The members join the just-admitted cluster (the first writes, the others follow it); the
    caller holds the store lock and then queues ``create_members``."""
    for member in members:
        join(region, cluster, member, {})
        instances.admit(ctx, member)


def create_members(be: Backend, region: Region, members: list[Record[Any]]) -> None:
    for member in members:  # each on its own queue: the readers copy the writer once it runs
        be.jobs.submit(member.resource_id, lambda m=member: lifecycle.create(be, region, m), grace=0)


def delete_members(be: Backend, region: Region, cluster: Record[Any]) -> list[Record[Any]]:
    """DeleteDBCluster of a Multi-AZ DB cluster deletes its instances (an Aurora cluster's must be
    deleted first); the caller holds the store lock and then queues ``remove_members``."""
    doomed = [m for m in clusters.members(region, cluster) if m.status != "deleting"]
    for member in doomed:
        INSTANCE_LIFECYCLE.move(member, "deleting")
    return doomed


def remove_members(be: Backend, region: Region, members: list[Record[Any]]) -> None:
    for member in members:
        be.jobs.submit(member.resource_id, lambda m=member: lifecycle.delete(be, region, m, None), grace=0)


@operation("RebootDBCluster")
def reboot_db_cluster(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    with be.store.lock:
        cluster = cluster_strict(region, params["DBClusterIdentifier"])
        if not multi_az_clusters.is_multi_az(cluster):
            raise AwsError(
                "InvalidParameterCombination",
                "Reboot of a DB cluster is only supported for Multi-AZ DB clusters: reboot the DB instances of an "
                "Aurora DB cluster (RebootDBInstance).",
            )
        members = clusters.members(region, cluster)
        if cluster.status != "available":
            raise invalid_state(f"DbCluster {cluster.identifier} is not in available state.")
        if any(m.status != "available" for m in members):
            raise AwsError(
                "InvalidDBInstanceStateFault", f"The DB instances of DB cluster {cluster.identifier} must be available."
            )
        LIFECYCLE.move(cluster, "rebooting")
        for member in members:
            INSTANCE_LIFECYCLE.move(member, "rebooting")
        be.save(region)
        out = render(region, cluster)
    be.jobs.submit(cluster.resource_id, lambda: multi_az_clusters.reboot(be, region, cluster))
    return {"DBCluster": out}
