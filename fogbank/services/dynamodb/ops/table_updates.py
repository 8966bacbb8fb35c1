"""UpdateTable: billing mode and throughput, GSI create (with backfill) / update / delete, streams, SSE, class,
deletion protection."""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError, validation_error
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.keys import KeySchema
from fogbank.services.dynamodb.model import Index, Table, check_warm, merge_on_demand
from fogbank.services.dynamodb.ops.tables import (
    INVALID,
    MAX_GSIS,
    check_gsi_key_shape,
    check_gsi_throughput,
    check_key_schema,
    check_projection,
    check_throughput,
    describe,
    find_table,
    sse_description,
    stream_label,
)

UPDATABLE = (
    "ProvisionedThroughput",
    "BillingMode",
    "StreamSpecification",
    "GlobalSecondaryIndexUpdates",
    "SSESpecification",
    "ReplicaUpdates",
    "TableClass",
    "DeletionProtectionEnabled",
    "OnDemandThroughput",
    "WarmThroughput",
)


# The members AWS names when an UpdateTable changes nothing, in its order.
REQUIRED_ONE_OF = (
    "ProvisionedThroughput",
    "BillingMode",
    "UpdateStreamEnabled",
    "GlobalSecondaryIndexUpdates",
    "SSESpecification",
    "ReplicaUpdates",
    "MultiAccountReplicaReady",
    "ReplicaTransitRoleArn",
    "MultiRegionConsistency",
    "DeletionProtectionEnabled",
    "OnDemandThroughput",
    "WarmThroughput",
    "TableClass",
)
# Changes AWS accepts only on their own, each with its wording.
ALONE = (
    ("SSESpecification", "Server-Side Encryption modification must be the only operation in the request"),
    ("TableClass", "TableClass modification must be the only operation in the request"),
    ("DeletionProtectionEnabled", "DeletionProtection modification must be the only operation in the request"),
    ("WarmThroughput", "WarmThroughput must be the only operation in the request"),
)


def _given(params: dict[str, Any], name: str) -> bool:
    """Whether the request sets a member; an empty GlobalSecondaryIndexUpdates list sets nothing."""
    value = params.get(name)
    return value is not None and not (name == "GlobalSecondaryIndexUpdates" and not value)


def _check_alone(params: dict[str, Any]) -> None:
    given = [name for name in UPDATABLE if _given(params, name)]
    if len(given) < 2:
        return
    for name, message in ALONE:
        if name in given:
            raise validation_error(INVALID + message)


def apply_update(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    if not any(_given(params, name) for name in UPDATABLE):
        # AWS's list leaves out the members the request did give.
        named = [name for name in REQUIRED_ONE_OF if not _given(params, name)]
        raise validation_error(f"At least one of {', '.join(named[:-1])} or {named[-1]} is required")
    _check_alone(params)
    if params.get("BillingMode") == "PROVISIONED" and not params.get("ProvisionedThroughput"):
        # Checked before the table is looked up, whatever mode the table is in.
        raise validation_error(INVALID + "ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
    if params.get("ReplicaUpdates"):
        from fogbank.services.dynamodb.ops.replicas import update_replicas

        return update_replicas(ctx, params)
    updates = params.get("GlobalSecondaryIndexUpdates") or []
    seen: set[str] = set()
    for update in updates:
        action = update.get("Update") or update.get("Create") or update.get("Delete")
        if action is None:
            raise validation_error(
                INVALID + "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
                "GlobalSecondaryIndexUpdate.Delete must not be null"
            )
        if action["IndexName"] in seen:
            raise validation_error(
                INVALID
                + f"Only one global secondary index update per index is allowed simultaneously. Index: {action['IndexName']}"
            )
        seen.add(action["IndexName"])
    with backend.store.lock:
        table = find_table(ctx, params["TableName"])
        if table.status != "ACTIVE":
            raise AwsError(
                "ResourceInUseException",
                f"Attempt to change a resource which is still in use: Table is being updated: {table.name}",
            )
        stream = params.get("StreamSpecification")
        if table.replicas is not None and stream is not None and not stream.get("StreamEnabled"):
            raise validation_error(INVALID + "Cannot disable the stream of a table that has replicas")
        in_force = _capacity_in_force(table)
        switching = params.get("BillingMode") not in (None, table.billing_mode)
        before = _settings(table)
        try:
            new_indexes, deleted = _plan(table, params, updates)
            _apply_settings(ctx, table, params)
        except AwsError:
            _restore(table, before)  # a refused update changes nothing
            raise
        status = "UPDATING" if (updates or params.get("ProvisionedThroughput") or params.get("BillingMode")) else None
        for index in new_indexes:
            table.indexes.append(index)
        for index in deleted:
            index.status = "DELETING"
        if new_indexes or deleted:
            table.status = "UPDATING"
        backend.persist(table)
        description = describe(backend, table, status)
    if status is not None:
        _show_capacity_in_force(description, in_force)
    if switching:
        # The switch is still under way in the answer: its indexes are UPDATING, and a switch to on-demand has
        # no LastUpdateToPayPerRequestDateTime yet.
        if params["BillingMode"] == "PAY_PER_REQUEST":
            description.get("BillingModeSummary", {}).pop("LastUpdateToPayPerRequestDateTime", None)
        for index in description.get("GlobalSecondaryIndexes", ()):
            index["IndexStatus"] = "UPDATING"
    for index in new_indexes:
        backend.start_backfill(table, index)
    for index in deleted:
        threading.Thread(target=backend.finish_index_delete, args=(table, index), daemon=True).start()
    return {"TableDescription": description}


# What _plan and _apply_settings may change before a later check refuses the request.
SETTINGS = (
    "attribute_definitions",
    "throughput",
    "billing_mode",
    "billing_mode_explicit",
    "last_pay_per_request",
    "stream",
    "stream_label",
    "sse",
    "table_class",
    "warm",
    "on_demand",
    "deletion_protection",
)


def _settings(table: Table) -> dict[str, Any]:
    saved: dict[str, Any] = {name: copy.deepcopy(getattr(table, name)) for name in SETTINGS}
    saved["indexes"] = {index.name: (copy.deepcopy(index.throughput), index.on_demand) for index in table.indexes}
    return saved


def _restore(table: Table, saved: dict[str, Any]) -> None:
    for name in SETTINGS:
        setattr(table, name, saved[name])
    for index in table.indexes:
        if index.name in saved["indexes"]:
            index.throughput, index.on_demand = saved["indexes"][index.name]


def _capacity_in_force(table: Table) -> dict[str | None, dict[str, Any]]:
    """The provisioned capacities of the table (key None) and its GSIs before an update changes them."""
    if table.billing_mode != "PROVISIONED":
        return {}
    in_force: dict[str | None, dict[str, Any]] = {None: dict(table.throughput)}
    for index in table.gsis:
        in_force[index.name] = dict(index.throughput or {})
    return in_force


def _show_capacity_in_force(description: dict[str, Any], in_force: dict[str | None, dict[str, Any]]) -> None:
    """AWS applies a capacity change when the table is ACTIVE again: UpdateTable's answer still shows the old
    units and decrease count, with only the new LastIncrease/LastDecreaseDateTime."""
    shown = [(description, in_force.get(None))]
    shown += [(index, in_force.get(index["IndexName"])) for index in description.get("GlobalSecondaryIndexes", ())]
    for entry, before in shown:
        throughput = entry.get("ProvisionedThroughput")
        if not before or not throughput or not throughput.get("ReadCapacityUnits"):
            continue
        for unit in ("ReadCapacityUnits", "WriteCapacityUnits", "NumberOfDecreasesToday"):
            throughput[unit] = before.get(unit, 0)


def _plan(table: Table, params: dict[str, Any], updates: list[dict[str, Any]]) -> tuple[list[Index], list[Index]]:
    """Validate GSI updates against the table; returns the indexes to create and to delete."""
    definitions = {d["AttributeName"]: d for d in table.attribute_definitions}
    requested = [d["AttributeName"] for d in params.get("AttributeDefinitions") or ()]
    for definition in params.get("AttributeDefinitions") or ():
        # AWS merges the request's definitions into the table's; an attribute already defined keeps its
        # type even if the request declares another.
        definitions.setdefault(definition["AttributeName"], definition)
    billing_mode = params.get("BillingMode") or table.billing_mode
    creates = [u["Create"] for u in updates if u.get("Create")]
    deletes = [u["Delete"] for u in updates if u.get("Delete")]
    leaving_on_demand = billing_mode == "PROVISIONED" and table.billing_mode == "PAY_PER_REQUEST"
    if leaving_on_demand and params.get("ProvisionedThroughput"):
        # Leaving on-demand needs capacity for every index that stays (the table's own is checked later).
        given = {u["Update"]["IndexName"] for u in updates if (u.get("Update") or {}).get("ProvisionedThroughput")}
        dropped = {delete["IndexName"] for delete in deletes}
        lacking = [
            index.name
            for index in table.gsis
            if index.status != "DELETING" and index.name not in given and index.name not in dropped
        ]
        if lacking:
            raise validation_error(INVALID + f"ProvisionedThroughput must be specified for index: {','.join(lacking)}")
    if len(creates) + len(deletes) > 1:
        raise AwsError(
            "LimitExceededException",
            "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table",
        )
    new_indexes: list[Index] = []
    next_iid = max([index.iid for index in table.indexes] + [0]) + 1
    for create in creates:
        name = create["IndexName"]
        if table.index(name) is not None:
            raise validation_error("Attempting to create an index which already exists")
        # A new index's key attributes must be defined in this request, not only in the table.
        if params.get("AttributeDefinitions") is None:
            raise validation_error(INVALID + f"AttributeDefinitions is not specified for index: {name}")
        check_gsi_key_shape(name, create["KeySchema"])
        check_key_schema(create["KeySchema"], requested)
        projection = check_projection(create["Projection"])
        throughput = check_gsi_throughput(create, billing_mode, "must be")
        if len(table.gsis) + 1 > MAX_GSIS:
            raise AwsError("LimitExceededException", f"Subscriber limit exceeded: Maximum number of GSIs is {MAX_GSIS}")
        schema = KeySchema.from_api(create["KeySchema"], list(definitions.values()))
        index = Index(name, next_iid, False, schema, projection, table.schema, "CREATING", True, throughput)
        index.on_demand = merge_on_demand(create.get("OnDemandThroughput"), None)
        new_indexes.append(index)
        next_iid += 1
    if creates:
        table.attribute_definitions = list(definitions.values())
    deleted: list[Index] = []
    for delete in deletes:
        index = table.index(delete["IndexName"])
        if index is None or index.local:
            raise AwsError(
                "ResourceNotFoundException", f"Requested resource not found: Index: {delete['IndexName']} not found"
            )
        deleted.append(index)
    for update in updates:
        change = update.get("Update")
        if not change:
            continue
        index = table.index(change["IndexName"])
        if index is None or index.local:
            raise AwsError(
                "ResourceNotFoundException", f"Requested resource not found: Index: {change['IndexName']} not found"
            )
        if billing_mode == "PAY_PER_REQUEST" and change.get("ProvisionedThroughput"):
            raise validation_error(
                INVALID
                + f"The only Updates for index: {index.name} when TableThroughputMode is PAY_PER_REQUEST can be "
                "to OnDemandThroughput, WarmThroughput"
            )
        throughput = change.get("ProvisionedThroughput")
        if throughput:
            check_throughput(throughput)
            index.throughput = _changed(index.throughput or {}, throughput)
        index.on_demand = merge_on_demand(change.get("OnDemandThroughput"), index.on_demand)
    return new_indexes, deleted


def _changed(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    now = time.time()
    updated = dict(current)
    read, write = wanted["ReadCapacityUnits"], wanted["WriteCapacityUnits"]
    old_read, old_write = current.get("ReadCapacityUnits", 0), current.get("WriteCapacityUnits", 0)
    if read > old_read or write > old_write:
        updated["LastIncreaseDateTime"] = now
    if read < old_read or write < old_write:
        updated["LastDecreaseDateTime"] = now
        updated["NumberOfDecreasesToday"] = current.get("NumberOfDecreasesToday", 0) + 1
    updated["ReadCapacityUnits"], updated["WriteCapacityUnits"] = read, write
    updated.setdefault("NumberOfDecreasesToday", 0)
    return updated


def _apply_settings(ctx: RequestContext, table: Table, params: dict[str, Any]) -> None:
    billing_mode = params.get("BillingMode")
    throughput = params.get("ProvisionedThroughput")
    warm = check_warm(params.get("WarmThroughput"), table.warm)
    target = billing_mode or table.billing_mode
    if target == "PAY_PER_REQUEST" and throughput:
        raise validation_error(
            INVALID
            + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
        )
    if billing_mode == "PROVISIONED" and table.billing_mode == "PAY_PER_REQUEST" and not throughput:
        raise validation_error(
            INVALID + "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
        )
    if throughput:
        check_throughput(throughput)
        current = table.throughput
        if (
            table.billing_mode == "PROVISIONED"
            and current.get("ReadCapacityUnits") == throughput["ReadCapacityUnits"]
            and current.get("WriteCapacityUnits") == throughput["WriteCapacityUnits"]
            and not params.get("GlobalSecondaryIndexUpdates")
            and billing_mode in (None, "PROVISIONED")
        ):
            raise validation_error(
                "The provisioned throughput for the table will not change. The requested value equals the current "
                f"value. Current ReadCapacityUnits provisioned for the table: {current['ReadCapacityUnits']}. "
                f"Requested ReadCapacityUnits: {throughput['ReadCapacityUnits']}. Current WriteCapacityUnits "
                f"provisioned for the table: {current['WriteCapacityUnits']}. Requested WriteCapacityUnits: "
                f"{throughput['WriteCapacityUnits']}. Refer to the Amazon DynamoDB Developer Guide for current limits "
                "and how to request higher limits."
            )
        table.throughput = _changed(current, throughput)
    if billing_mode and billing_mode != table.billing_mode:
        table.billing_mode = billing_mode
        table.billing_mode_explicit = True
        if billing_mode == "PAY_PER_REQUEST":
            table.last_pay_per_request = time.time()
            for index in table.gsis:
                index.throughput = None
    stream = params.get("StreamSpecification")
    if stream is not None:
        if stream.get("StreamEnabled"):
            if table.stream:
                raise validation_error(f"Table already has an enabled stream: TableName: {table.name}")
            if not stream.get("StreamViewType"):
                raise validation_error(INVALID + "If stream is being enabled then UpdateViewType is required")
            table.stream = dict(stream)
            table.stream_label = stream_label(table.stream_label)
        else:
            if stream.get("StreamViewType"):
                raise validation_error(
                    INVALID + "If stream is being disabled, then UpdateViewType must not be specified"
                )
            if not table.stream:
                raise validation_error(f"Table has no stream to disable: TableName: {table.name}")
            table.stream = None
    if params.get("SSESpecification") is not None:
        table.sse = sse_description(ctx, params["SSESpecification"])
    if params.get("TableClass"):
        table.table_class = params["TableClass"]
    table.warm = warm
    table.on_demand = merge_on_demand(params.get("OnDemandThroughput"), table.on_demand)
    if params.get("DeletionProtectionEnabled") is not None:
        table.deletion_protection = params["DeletionProtectionEnabled"]
