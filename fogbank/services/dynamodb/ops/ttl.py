"""UpdateTimeToLive and DescribeTimeToLive; the deleting itself is done by ``expiry.Expiry``."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import validation_error
from fogbank.services.base import operation
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.ops.tables import find_table


@operation("UpdateTimeToLive")
def update_time_to_live(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    spec = params["TimeToLiveSpecification"]
    enabled, attribute = bool(spec["Enabled"]), spec["AttributeName"]
    with backend.store.lock:
        table = find_table(ctx, params["TableName"])
        current = table.ttl if table.ttl and table.ttl.get("Enabled") else None
        if current is not None and current["AttributeName"] != attribute:
            raise validation_error(
                f"TimeToLive is active on a different AttributeName: current AttributeName is {current['AttributeName']}"
            )
        if enabled and current is not None:
            raise validation_error("TimeToLive is already enabled")
        if not enabled and current is None:
            raise validation_error("TimeToLive is already disabled")
        # AWS refuses a second change within an hour; Fogbank applies it at once (as if the hour had passed).
        table.ttl = {"Enabled": enabled, "AttributeName": attribute}
        backend.persist(table)
    # Disabling answers without the attribute name, as AWS does.
    return {"TimeToLiveSpecification": {"Enabled": True, "AttributeName": attribute} if enabled else {"Enabled": False}}


@operation("DescribeTimeToLive")
def describe_time_to_live(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    table = find_table(ctx, params["TableName"])
    if table.ttl and table.ttl.get("Enabled"):
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": table.ttl["AttributeName"]}}
    return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
