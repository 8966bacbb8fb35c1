"""Global tables, version 2019.11.21: UpdateTable's ReplicaUpdates, and the replica auto scaling operations.

The replicas live in other regions of this Fogbank; replication.py fills them and keeps them in step.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError, validation_error
from fogbank.services.base import operation
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.model import LEGACY_VERSION, Table
from fogbank.services.dynamodb.ops.tables import INVALID, describe, find_table, stream_label
from fogbank.services.dynamodb.replication import members, share

REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
UPDATE_MEMBERS = (
    "KMSMasterKeyId",
    "ProvisionedThroughputOverride",
    "OnDemandThroughputOverride",
    "GlobalSecondaryIndexes",
    "TableClassOverride",
)


def in_use(table: Table) -> AwsError:
    return AwsError(
        "ResourceInUseException",
        f"Attempt to change a resource which is still in use: Table is being updated: {table.name}",
    )


def update_replicas(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """UpdateTable with ReplicaUpdates: every check first, then the changes in one transaction."""
    backend: Backend = ctx.backend
    updates = params["ReplicaUpdates"]
    others = [
        name for name in ("GlobalSecondaryIndexUpdates", "ProvisionedThroughput", "BillingMode") if params.get(name)
    ]
    if others:
        raise validation_error(INVALID + "ReplicaUpdates cannot be combined with other table updates")
    actions: list[tuple[str, dict[str, Any]]] = []
    for update in updates:
        given = [(kind, update[kind]) for kind in ("Create", "Update", "Delete") if update.get(kind) is not None]
        if len(given) != 1:
            raise validation_error(
                INVALID + "One of ReplicationGroupUpdate.Create, ReplicationGroupUpdate.Update, "
                "ReplicationGroupUpdate.Delete must be specified"
            )
        actions.append(given[0])
    regions = [action["RegionName"] for _, action in actions]
    if len(set(regions)) != len(regions):
        raise validation_error(INVALID + "Only one replica update per region is allowed in a request")
    with backend.store.lock:
        table = find_table(ctx, params["TableName"])
        if table.status != "ACTIVE" or any(
            member.status != "ACTIVE" for member in members(backend, table) if member is not table
        ):
            raise in_use(table)
        if table.global_version == LEGACY_VERSION:
            raise validation_error(
                INVALID + "ReplicaUpdates are not supported on a global table of version 2017.11.29: "
                "use UpdateGlobalTable"
            )
        for kind, action in actions:
            _check(backend, table, kind, action)
        replicas = {region: dict(value) for region, value in (table.replicas or {table.region: {}}).items()}
        replicas[table.region]["status"] = "ACTIVE"
        created: list[Table] = []
        deleted: list[Table] = []
        with backend.store.write() as writer:
            for kind, action in actions:
                region = action["RegionName"]
                if kind == "Create":
                    replicas[region] = {"status": "CREATING", **_overrides(action)}
                    created.append(_new_replica(backend, table, region))
                elif kind == "Update":
                    replicas[region].update(_overrides(action))
                else:
                    target = backend.tables[(table.account, region, table.name)]
                    deleted.append(target)
                    del replicas[region]
            for target in created:
                backend.tables[(target.account, target.region, target.name)] = target
            if created:
                table.status = "UPDATING"
            for target in deleted:
                _drop(backend, writer, target)
            share(backend, writer, table, replicas if len(replicas) > 1 else None)
        description = describe(backend, table)
        if deleted:  # the answer still shows the replicas being removed
            description.setdefault("Replicas", []).extend(
                {"RegionName": target.region, "ReplicaStatus": "DELETING"} for target in deleted
            )
            description.setdefault("GlobalTableVersion", "2019.11.21")
    assert backend.replicator is not None
    for target in created:
        backend.replicator.start_copy(target)
    for target in deleted:
        threading.Thread(target=backend.drop_rows, args=(target.tid,), name="dynamodb-drop", daemon=True).start()
    return {"TableDescription": description}


def _check(backend: Backend, table: Table, kind: str, action: dict[str, Any]) -> None:
    region = action["RegionName"]
    if not REGION.fullmatch(region):
        raise validation_error(f"Region {region} is not a valid AWS region")
    replicas = table.replicas or {table.region: {}}
    if kind == "Create":
        if region in replicas:
            raise validation_error(
                INVALID + f"Failed to create a the new replica of table with name: '{table.name}' because one or "
                "more replicas already existed as tables."
            )
        if backend.tables.get((table.account, region, table.name)) is not None:
            raise validation_error(
                INVALID + f"Failed to create a the new replica of table with name: '{table.name}' because one or "
                "more replicas already existed as tables."
            )
        stream = table.stream or {}
        if not stream.get("StreamEnabled") or stream.get("StreamViewType") != "NEW_AND_OLD_IMAGES":
            raise validation_error(
                INVALID + "Table must have DynamoDB Streams enabled with StreamViewType NEW_AND_OLD_IMAGES to add "
                "a replica"
            )
        if table.billing_mode == "PROVISIONED" and not (table.autoscaling or {}).get("write"):
            raise validation_error("Table write capacity should either be Pay-Per-Request or AutoScaled")
        return
    if region not in replicas or region == table.region and kind == "Delete":
        raise AwsError(
            "ResourceNotFoundException" if region not in replicas else "ValidationException",
            f"Replica {region} not found for table {table.name}"
            if region not in replicas
            else "Cannot delete the replica in the region of the request: call DeleteTable instead",
        )
    if kind == "Update":
        for index in action.get("GlobalSecondaryIndexes") or ():
            if table.index(index["IndexName"]) is None or table.index(index["IndexName"]).local:
                raise validation_error(
                    INVALID + f"Global secondary index {index['IndexName']} does not exist on table {table.name}"
                )


def _overrides(action: dict[str, Any]) -> dict[str, Any]:
    return {member: action[member] for member in UPDATE_MEMBERS if action.get(member) is not None}


def _new_replica(backend: Backend, source: Table, region: str) -> Table:
    """The replica table: the source's definition in ``region``, CREATING until replication.py has filled it."""
    target = Table.from_json(backend.store.next_tid(), source.account, region, source.name, source.to_json())
    target.arn = f"arn:aws:dynamodb:{region}:{source.account}:table/{source.name}"
    target.table_id = str(uuid.uuid4())
    target.created = time.time()
    target.status = "CREATING"
    target.replica_source = source.region
    target.stream_id = None  # its own stream: save() creates it
    target.stream_label = stream_label()
    target.pitr = None
    target.backing_up = []
    target.restore = None
    target.deletion_protection = False
    target.tags = {}
    for index in target.indexes:
        index.status = "ACTIVE"
        index.backfilling = False
    return target


def _drop(backend: Backend, writer: Any, target: Table) -> None:
    target.status = "DELETING"
    target.stream = None
    target.replicas = None
    backend.save(writer, target)
    writer.connection.execute("DELETE FROM replication WHERE src = ? OR dst = ?", (target.tid, target.tid))
    backend.tables.pop((target.account, target.region, target.name), None)


# -- replica auto scaling -------------------------------------------------------------------------------


@operation("DescribeTableReplicaAutoScaling")
def describe_table_replica_auto_scaling(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    table = find_table(ctx, params["TableName"])
    return {"TableAutoScalingDescription": _auto_scaling(ctx.backend, table)}


def _auto_scaling(backend: Backend, table: Table) -> dict[str, Any]:
    replicas = []
    for member in members(backend, table):
        settings = member.autoscaling or {}
        indexes = settings.get("indexes") or {}
        shown: dict[str, Any] = {
            "RegionName": member.region,
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": index.name,
                    "IndexStatus": index.status,
                    **_shown_settings(
                        indexes.get(index.name) or {},
                        "ProvisionedReadCapacityAutoScalingSettings",
                        "ProvisionedWriteCapacityAutoScalingSettings",
                    ),
                }
                for index in member.gsis
            ],
            "ReplicaStatus": (table.replicas or {}).get(member.region, {}).get("status", "ACTIVE"),
            **_shown_settings(
                settings,
                "ReplicaProvisionedReadCapacityAutoScalingSettings",
                "ReplicaProvisionedWriteCapacityAutoScalingSettings",
            ),
        }
        replicas.append(shown)
    return {"TableName": table.name, "TableStatus": table.status, "Replicas": replicas}


def _shown_settings(settings: dict[str, Any], read: str, write: str) -> dict[str, Any]:
    shown = {}
    if settings.get("read"):
        shown[read] = settings["read"]
    if settings.get("write"):
        shown[write] = settings["write"]
    return shown


def _settings_of(update: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """An AutoScalingSettingsUpdate over what was set: an AutoScalingSettingsDescription."""
    shown = dict(current or {"AutoScalingDisabled": False})
    for member in ("MinimumUnits", "MaximumUnits", "AutoScalingDisabled", "AutoScalingRoleArn"):
        if update.get(member) is not None:
            shown[member] = update[member]
    if shown.get("MinimumUnits") and shown.get("MaximumUnits") and shown["MinimumUnits"] > shown["MaximumUnits"]:
        raise validation_error("Minimum units must be less than or equal to maximum units")
    policy = update.get("ScalingPolicyUpdate")
    if policy is not None:
        config = dict(policy["TargetTrackingScalingPolicyConfiguration"])
        if not 20 <= config["TargetValue"] <= 90:
            raise validation_error("TargetValue must be between 20 and 90")
        shown["ScalingPolicies"] = [
            {
                "PolicyName": policy.get("PolicyName") or "DynamoDBWriteCapacityUtilization",
                "TargetTrackingScalingPolicyConfiguration": config,
            }
        ]
    return shown


@operation("UpdateTableReplicaAutoScaling")
def update_table_replica_auto_scaling(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    with backend.store.lock:
        table = find_table(ctx, params["TableName"])
        if table.status != "ACTIVE":
            raise in_use(table)
        if table.billing_mode != "PROVISIONED":
            raise validation_error("Auto scaling can only be configured for a table in PROVISIONED billing mode")
        group = {member.region: member for member in members(backend, table)}
        planned = {region: dict(member.autoscaling or {}) for region, member in group.items()}
        write = params.get("ProvisionedWriteCapacityAutoScalingUpdate")
        for settings in planned.values():
            if write is not None:  # write capacity is the same on every replica
                settings["write"] = _settings_of(write, settings.get("write"))
            settings["indexes"] = {name: dict(value) for name, value in (settings.get("indexes") or {}).items()}
            for update in params.get("GlobalSecondaryIndexUpdates") or ():
                _gsi(table, update["IndexName"])
                index = settings["indexes"].setdefault(update["IndexName"], {})
                if update.get("ProvisionedWriteCapacityAutoScalingUpdate"):
                    index["write"] = _settings_of(
                        update["ProvisionedWriteCapacityAutoScalingUpdate"], index.get("write")
                    )
        for update in params.get("ReplicaUpdates") or ():
            region = update["RegionName"]
            if region not in planned:
                raise AwsError("ResourceNotFoundException", f"Replica {region} not found for table {table.name}")
            settings = planned[region]
            if update.get("ReplicaProvisionedReadCapacityAutoScalingUpdate"):
                settings["read"] = _settings_of(
                    update["ReplicaProvisionedReadCapacityAutoScalingUpdate"], settings.get("read")
                )
            for index_update in update.get("ReplicaGlobalSecondaryIndexUpdates") or ():
                _gsi(table, index_update["IndexName"])
                index = settings["indexes"].setdefault(index_update["IndexName"], {})
                if index_update.get("ProvisionedReadCapacityAutoScalingUpdate"):
                    index["read"] = _settings_of(
                        index_update["ProvisionedReadCapacityAutoScalingUpdate"], index.get("read")
                    )
        with backend.store.write() as writer:
            for region, member in group.items():
                member.autoscaling = planned[region]
                backend.save(writer, member)
        return {"TableAutoScalingDescription": _auto_scaling(backend, table)}


def _gsi(table: Table, name: str) -> None:
    index = table.index(name)
    if index is None or index.local:
        raise AwsError("ResourceNotFoundException", f"Requested resource not found: Index: {name} not found")
