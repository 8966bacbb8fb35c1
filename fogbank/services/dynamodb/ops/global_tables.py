"""Global tables, legacy version 2017.11.29: CreateGlobalTable, DescribeGlobalTable, UpdateGlobalTable,
ListGlobalTables, DescribeGlobalTableSettings, UpdateGlobalTableSettings.

A legacy global table is a group of same-named tables, one per region, each created by the user first (empty,
with a NEW_AND_OLD_IMAGES stream). It replicates as version 2019.11.21 does (replication.py); its items carry
the ``aws:rep:*`` attributes AWS adds in this version.
"""

from __future__ import annotations

import time
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError, validation_error
from fogbank.services.base import operation
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.model import LEGACY_VERSION, Table
from fogbank.services.dynamodb.ops.replicas import REGION
from fogbank.services.dynamodb.ops.tables import INVALID, check_table_name
from fogbank.services.dynamodb.replication import leave, members, share


def not_found(name: str) -> AwsError:
    return AwsError(
        "GlobalTableNotFoundException", f"Global table not found: Global table with name: '{name}' does not exist."
    )


def find_global(ctx: RequestContext, name: str) -> Table:
    """The calling region's member of legacy global table ``name``."""
    table = ctx.backend.find(ctx.account_id, ctx.region, name)
    if table is None or table.global_version != LEGACY_VERSION or table.replicas is None:
        raise not_found(name)
    return table


def describe_global(backend: Backend, table: Table, status: str = "ACTIVE") -> dict[str, Any]:
    return {
        "ReplicationGroup": [{"RegionName": region} for region in sorted(table.replicas or ())],
        "GlobalTableArn": f"arn:aws:dynamodb::{table.account}:global-table/{table.name}",
        "CreationDateTime": table.global_created or table.created,
        "GlobalTableStatus": status,
        "GlobalTableName": table.name,
    }


def _regions(group: list[dict[str, Any]]) -> list[str]:
    regions = [replica.get("RegionName") or "" for replica in group]
    if not regions:  # the model sets no minimum; a group needs at least its own table (Fogbank's wording)
        raise validation_error(INVALID + "The replication group must name at least one region")
    for region in regions:
        if not REGION.fullmatch(region):
            raise validation_error(f"Region {region} is not a valid AWS region")
    if len(set(regions)) != len(regions):
        raise validation_error(INVALID + "Duplicate region names in the replication group")
    return regions


def _joinable(backend: Backend, ctx: RequestContext, name: str, region: str, schema: Any | None) -> Table:
    """A region's table that may join a legacy global table: it exists, is empty, streams new and old images and
    has the group's key schema."""
    table = backend.tables.get((ctx.account_id, region, name))
    if table is None or table.status != "ACTIVE":
        raise AwsError("TableNotFoundException", f"Table: {name} not found in region {region}")
    stream = table.stream or {}
    if not stream.get("StreamEnabled") or stream.get("StreamViewType") != "NEW_AND_OLD_IMAGES":
        raise validation_error(
            INVALID + f"Table: {name} in region {region} must have streams enabled with StreamViewType "
            "NEW_AND_OLD_IMAGES"
        )
    if backend.store.stats(table.tid).get(0, (0, 0))[0]:
        raise validation_error(INVALID + f"Table: {name} in region {region} is not empty")
    if schema is not None and table.schema != schema:
        raise validation_error(INVALID + f"Table: {name} in region {region} has a different key schema")
    if table.replicas is not None:
        raise validation_error(INVALID + f"Table: {name} in region {region} is already a replica of a global table")
    return table


def _set_cursors(writer: Any, tables: list[Table]) -> None:
    """Replication between the given members starts from each stream's present end."""
    for source in tables:
        row = writer.connection.execute("SELECT last_seq FROM streams WHERE sid = ?", (source.stream_id,)).fetchone()
        for target in tables:
            if target is not source:
                writer.connection.execute(
                    "INSERT OR REPLACE INTO replication (src, dst, sid, seq) VALUES (?, ?, ?, ?)",
                    (source.tid, target.tid, source.stream_id, row[0] if row else 0),
                )


@operation("CreateGlobalTable")
def create_global_table(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    name = params["GlobalTableName"]
    check_table_name(name, "globalTableName")
    regions = _regions(params["ReplicationGroup"])
    with backend.store.lock:
        existing = backend.find(ctx.account_id, ctx.region, name)
        if existing is not None and existing.global_version == LEGACY_VERSION:
            raise AwsError("GlobalTableAlreadyExistsException", "Global table with this name already exists")
        tables: list[Table] = []
        for region in regions:
            tables.append(_joinable(backend, ctx, name, region, tables[0].schema if tables else None))
        first = tables[0]
        first.global_created = time.time()
        with backend.store.write() as writer:
            share(backend, writer, first, {region: {"status": "ACTIVE"} for region in regions}, LEGACY_VERSION)
            _set_cursors(writer, tables)
    return {"GlobalTableDescription": describe_global(backend, first, "CREATING")}


@operation("DescribeGlobalTable")
def describe_global_table(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return {"GlobalTableDescription": describe_global(ctx.backend, find_global(ctx, params["GlobalTableName"]))}


@operation("ListGlobalTables")
def list_global_tables(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    region = params.get("RegionName")
    groups: dict[str, Table] = {}
    for table in list(backend.tables.values()):
        if table.account != ctx.account_id or table.global_version != LEGACY_VERSION or table.replicas is None:
            continue
        if region is not None and region not in table.replicas:
            continue
        groups.setdefault(table.name, table)
    names = sorted(groups)
    start = params.get("ExclusiveStartGlobalTableName")
    if start is not None:
        names = [name for name in names if name > start]
    limit = params.get("Limit") or 100
    page = names[:limit]
    result: dict[str, Any] = {
        "GlobalTables": [
            {
                "GlobalTableName": name,
                "ReplicationGroup": [{"RegionName": r} for r in sorted(groups[name].replicas or ())],
            }
            for name in page
        ]
    }
    if len(names) > limit:
        result["LastEvaluatedGlobalTableName"] = page[-1]
    return result


@operation("UpdateGlobalTable")
def update_global_table(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    name = params["GlobalTableName"]
    updates = params["ReplicaUpdates"]
    actions: list[tuple[str, str]] = []
    for update in updates:
        given = [kind for kind in ("Create", "Delete") if update.get(kind) is not None]
        if len(given) != 1:
            raise validation_error(INVALID + "One of ReplicaUpdate.Create, ReplicaUpdate.Delete must be specified")
        actions.append((given[0], update[given[0]]["RegionName"]))
    _regions([{"RegionName": region} for _, region in actions])
    with backend.store.lock:
        table = find_global(ctx, name)
        replicas = {region: dict(value) for region, value in (table.replicas or {}).items()}
        joining: list[Table] = []
        leaving: list[Table] = []
        for kind, region in actions:
            if kind == "Create":
                if region in replicas:
                    raise AwsError("ReplicaAlreadyExistsException", f"Replica already exists in region {region}")
                joining.append(_joinable(backend, ctx, name, region, table.schema))
                replicas[region] = {"status": "CREATING"}
            else:
                if region not in replicas:
                    raise AwsError("ReplicaNotFoundException", f"Replica not found in region {region}")
                leaving.append(backend.tables[(ctx.account_id, region, name)])
                del replicas[region]
        if not replicas:
            raise validation_error(INVALID + "A global table must keep at least one replica")
        with backend.store.write() as writer:
            for member in leaving:
                leave(backend, writer, member)  # the table stays, as a table of its own
                backend.save(writer, member)
            anchor = table if table not in leaving else next(m for m in members(backend, table) if m not in leaving)
            for member in joining:
                member.status = "CREATING"
                member.replica_source = anchor.region  # filled from the group like a new 2019 replica
            share(backend, writer, anchor, replicas, LEGACY_VERSION)
        description = describe_global(backend, anchor, "UPDATING" if joining or leaving else "ACTIVE")
    assert backend.replicator is not None
    for member in joining:
        backend.replicator.start_copy(member)
    return {"GlobalTableDescription": description}


# -- settings ---------------------------------------------------------------------------------------------


def _settings(backend: Backend, table: Table) -> dict[str, Any]:
    replicas = []
    for member in members(backend, table):
        paid = member.billing_mode == "PROVISIONED"
        shown: dict[str, Any] = {
            "RegionName": member.region,
            "ReplicaStatus": (table.replicas or {}).get(member.region, {}).get("status", "ACTIVE"),
            "ReplicaBillingModeSummary": {"BillingMode": member.billing_mode},
            "ReplicaProvisionedReadCapacityUnits": member.throughput.get("ReadCapacityUnits", 0) if paid else 0,
            "ReplicaProvisionedWriteCapacityUnits": member.throughput.get("WriteCapacityUnits", 0) if paid else 0,
            "ReplicaGlobalSecondaryIndexSettings": [
                {
                    "IndexName": index.name,
                    "IndexStatus": index.status,
                    "ProvisionedReadCapacityUnits": (index.throughput or {}).get("ReadCapacityUnits", 0) if paid else 0,
                    "ProvisionedWriteCapacityUnits": (index.throughput or {}).get("WriteCapacityUnits", 0)
                    if paid
                    else 0,
                }
                for index in member.gsis
            ],
            "ReplicaTableClassSummary": {"TableClass": member.table_class or "STANDARD"},
        }
        replicas.append(shown)
    return {"GlobalTableName": table.name, "ReplicaSettings": replicas}


@operation("DescribeGlobalTableSettings")
def describe_global_table_settings(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return _settings(ctx.backend, find_global(ctx, params["GlobalTableName"]))


@operation("UpdateGlobalTableSettings")
def update_global_table_settings(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Billing mode and write capacity for every replica, read capacity per replica; checked, then applied."""
    backend: Backend = ctx.backend
    with backend.store.lock:
        table = find_global(ctx, params["GlobalTableName"])
        group = {member.region: member for member in members(backend, table)}
        if any(member.status != "ACTIVE" for member in group.values()):
            raise AwsError("ResourceInUseException", f"Global table {table.name} is being updated")
        mode = params.get("GlobalTableBillingMode")
        writes = params.get("GlobalTableProvisionedWriteCapacityUnits")
        per_region = params.get("ReplicaSettingsUpdate") or []
        index_writes = params.get("GlobalTableGlobalSecondaryIndexSettingsUpdate") or []
        final_mode = mode or table.billing_mode
        if final_mode == "PAY_PER_REQUEST" and (
            writes
            or index_writes
            or any(
                u.get("ReplicaProvisionedReadCapacityUnits") or u.get("ReplicaGlobalSecondaryIndexSettingsUpdate")
                for u in per_region
            )
        ):
            raise validation_error(INVALID + "Provisioned capacity cannot be set on a PAY_PER_REQUEST global table")
        for update in per_region:
            if update["RegionName"] not in group:
                raise AwsError("ReplicaNotFoundException", f"Replica not found in region {update['RegionName']}")
        for update in index_writes + [
            i for u in per_region for i in u.get("ReplicaGlobalSecondaryIndexSettingsUpdate") or ()
        ]:
            index = table.index(update["IndexName"])
            if index is None or index.local:
                raise AwsError("IndexNotFoundException", f"Index not found: {update['IndexName']}")
        with backend.store.write() as writer:
            for member in group.values():
                if mode is not None and mode != member.billing_mode:
                    member.billing_mode = mode
                    member.billing_mode_explicit = True
                    if mode == "PAY_PER_REQUEST":
                        member.last_pay_per_request = time.time()
                    else:
                        member.throughput.setdefault("ReadCapacityUnits", 1)
                        member.throughput.setdefault("WriteCapacityUnits", 1)
                if writes:
                    member.throughput["WriteCapacityUnits"] = writes
                for update in index_writes:
                    index = member.index(update["IndexName"])
                    if index is not None:
                        index.throughput = {
                            **(index.throughput or {}),
                            "WriteCapacityUnits": update["ProvisionedWriteCapacityUnits"],
                        }
            for update in per_region:
                member = group[update["RegionName"]]
                if update.get("ReplicaProvisionedReadCapacityUnits"):
                    member.throughput["ReadCapacityUnits"] = update["ReplicaProvisionedReadCapacityUnits"]
                for index_update in update.get("ReplicaGlobalSecondaryIndexSettingsUpdate") or ():
                    index = member.index(index_update["IndexName"])
                    if index is not None and index_update.get("ProvisionedReadCapacityUnits"):
                        index.throughput = {
                            **(index.throughput or {}),
                            "ReadCapacityUnits": index_update["ProvisionedReadCapacityUnits"],
                        }
                if update.get("ReplicaTableClass"):
                    member.table_class = update["ReplicaTableClass"]
            for member in group.values():
                backend.save(writer, member)
        return _settings(backend, table)
