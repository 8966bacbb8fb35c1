"""What both restores share: the checks of the target name and of the overrides, and the new table they make.

As on AWS, a restored table gets the source's keys, indexes (unless overridden), billing mode, throughput,
on-demand maxima and encryption; it does not get the stream, TTL, PITR, tags, deletion protection or table
class, which are set again on the new table once it is ACTIVE.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import validation_error
from fogbank.services.dynamodb import backup_errors as errors
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.model import Index, Table, key_schema_api, merge_on_demand
from fogbank.services.dynamodb.ops.tables import (
    check_gsi_throughput,
    check_projection,
    check_table_name,
    check_throughput,
    describe,
    sse_description,
)

OVERRIDES = (
    "BillingModeOverride",
    "GlobalSecondaryIndexOverride",
    "LocalSecondaryIndexOverride",
    "ProvisionedThroughputOverride",
    "OnDemandThroughputOverride",
    "SSESpecificationOverride",
    "VectorIndexOverride",
)


def check_target(ctx: RequestContext, name: str) -> None:
    """A restore needs a new name: TableInUseException while a restore already fills that table."""
    check_table_name(name, "targetTableName")
    existing = ctx.backend.find(ctx.account_id, ctx.region, name)
    if existing is None:
        return
    if existing.status == "CREATING" and existing.restore is not None:
        summary = existing.restore["summary"]
        raise errors.table_being_restored(name, summary.get("SourceBackupArn") or summary.get("SourceTableArn", ""))
    raise errors.table_exists(name)


def _matching(overrides: list[dict[str, Any]], sources: list[Index]) -> list[tuple[dict[str, Any], Index]]:
    """Each override must be one of the source's indexes (same key and projection; the name may change)."""
    matched = []
    for override in overrides:
        projection = check_projection(override.get("Projection") or {})
        source = next(
            (
                index
                for index in sources
                if key_schema_api(index.schema) == override.get("KeySchema") and index.projection == projection
            ),
            None,
        )
        if source is None:
            raise errors.index_not_in_source(override.get("IndexName", ""))
        matched.append((override, source))
    return matched


def _billing(source: Table, params: dict[str, Any]) -> str:
    billing = params.get("BillingModeOverride") or source.billing_mode
    throughput = params.get("ProvisionedThroughputOverride")
    if throughput is not None and billing != "PROVISIONED":
        raise validation_error(errors.THROUGHPUT_NOT_PROVISIONED)
    if params.get("BillingModeOverride") == "PROVISIONED" and throughput is None:
        raise validation_error(errors.PROVISIONED_NEEDS_THROUGHPUT)
    if throughput is not None:
        check_throughput(throughput)
    on_demand = params.get("OnDemandThroughputOverride")
    if on_demand:
        if billing != "PAY_PER_REQUEST":
            raise validation_error(errors.ON_DEMAND_NOT_PAY_PER_REQUEST)
        for unit in ("MaxReadRequestUnits", "MaxWriteRequestUnits"):
            value = on_demand.get(unit)
            if value is not None and value < 1 and value != -1:
                raise validation_error(errors.ON_DEMAND_RANGE.format(unit=unit))
    return billing


def _indexes(source: Table, params: dict[str, Any], billing: str) -> list[Index]:
    if params.get("VectorIndexOverride"):  # Fogbank's tables have no vector indexes to match
        raise errors.index_not_in_source(params["VectorIndexOverride"][0].get("IndexName", ""))
    chosen: list[tuple[dict[str, Any], Index]] = []
    for local, member in ((True, "LocalSecondaryIndexOverride"), (False, "GlobalSecondaryIndexOverride")):
        sources = source.lsis if local else source.gsis
        overrides = params.get(member)
        if overrides is None:  # omitted: every index of the source; an empty list: none
            chosen += [({"IndexName": index.name}, index) for index in sources]
        else:
            chosen += _matching(overrides, sources)
    indexes = []
    for number, (override, index) in enumerate(chosen, start=1):
        throughput = None
        if not index.local:
            given = override.get("ProvisionedThroughput") or (index.throughput if billing == "PROVISIONED" else None)
            shown = {"IndexName": override["IndexName"], "ProvisionedThroughput": given}
            throughput = check_gsi_throughput(shown, billing)
        indexes.append(
            Index(
                override["IndexName"],
                number,
                index.local,
                index.schema,
                index.projection,
                source.schema,
                throughput=throughput,
                on_demand=None if index.local else merge_on_demand(override.get("OnDemandThroughput"), index.on_demand),
            )
        )
    return indexes


def restored_table(ctx: RequestContext, source: Table, params: dict[str, Any], origin: dict[str, Any]) -> Table:
    """The new table (CREATING) a restore fills; ``origin`` says from where (backups.Backups.restore)."""
    billing = _billing(source, params)
    indexes = _indexes(source, params, billing)
    throughput: dict[str, Any] = {}
    if billing == "PROVISIONED":
        given = params.get("ProvisionedThroughputOverride") or source.throughput
        throughput = {
            "ReadCapacityUnits": given.get("ReadCapacityUnits", 0),
            "WriteCapacityUnits": given.get("WriteCapacityUnits", 0),
            "NumberOfDecreasesToday": 0,
        }
    sse = source.sse
    if "SSESpecificationOverride" in params:
        sse = sse_description(ctx, params["SSESpecificationOverride"])
    used = set(source.schema.names)
    for index in indexes:
        used |= set(index.schema.names)
    name = params["TargetTableName"]
    now = time.time()
    return Table(
        tid=ctx.backend.store.next_tid(),
        account=ctx.account_id,
        region=ctx.region,
        name=name,
        arn=ctx.arn("dynamodb", f"table/{name}"),
        schema=source.schema,
        attribute_definitions=[d for d in source.attribute_definitions if d["AttributeName"] in used],
        billing_mode=billing,
        billing_mode_explicit=source.billing_mode_explicit or billing == "PAY_PER_REQUEST",
        last_pay_per_request=now if billing == "PAY_PER_REQUEST" else None,
        throughput=throughput,
        indexes=indexes,
        status="CREATING",
        created=now,
        table_id=str(uuid.uuid4()),
        sse=sse,
        on_demand=merge_on_demand(params.get("OnDemandThroughputOverride"), source.on_demand)
        if billing == "PAY_PER_REQUEST"
        else None,
        restore=origin,
    )


def start_restore(ctx: RequestContext, target: Table) -> dict[str, Any]:
    """Catalog the new table and start filling it; the answer shows it CREATING with its RestoreSummary."""
    backend: Backend = ctx.backend
    backend.persist(target)
    backend.tables[(target.account, target.region, target.name)] = target
    description = describe(backend, target, "CREATING")
    backend.backups.start_restore(target)
    return {"TableDescription": description}
