"""DescribeEvents and DescribeEventCategories: what happened to instances, snapshots and groups."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.events import EventQuery
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds.ops.common import backend, page

SOURCE_TYPES = ("db-instance", "db-parameter-group", "db-security-group", "db-snapshot", "db-cluster",
                "db-cluster-snapshot", "custom-engine-version", "db-proxy", "blue-green-deployment")  # fmt: skip
CATEGORIES = {
    "db-instance": ["availability", "backup", "configuration change", "creation", "deletion", "failover", "failure",
                    "low storage", "maintenance", "notification", "read replica", "recovery", "restoration",
                    "security", "security patching"],
    "db-snapshot": ["creation", "deletion", "notification", "restoration", "failure"],
    "db-parameter-group": ["configuration change"],
}  # fmt: skip


@operation("DescribeEvents")
def describe_events(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    source_type = params.get("SourceType")
    if source_type is not None and source_type not in SOURCE_TYPES:
        raise AwsError("InvalidParameterValue", f"Invalid source type: {source_type}")
    if params.get("SourceIdentifier") and not source_type:
        raise AwsError(
            "InvalidParameterCombination", "Cannot specify a SourceIdentifier without also specifying SourceType."
        )
    query = EventQuery(
        source_type=source_type,
        source_id=(params.get("SourceIdentifier") or "").lower() or None,  # stored lowercase
        start=params.get("StartTime"),
        end=params.get("EndTime"),
        duration_minutes=params.get("Duration"),
        categories=frozenset(params.get("EventCategories") or ()),
    )
    with be.store.lock:
        events = region.events.select(query)
    chunk, marker = page(params, events, key=lambda event: event.sequence)
    return {
        "Events": [
            {
                "SourceIdentifier": event.source_id,
                "SourceType": event.source_type,
                "Message": event.message,
                "EventCategories": list(event.categories),
                "Date": event.date,
                "SourceArn": event.arn,
            }
            for event in chunk
        ],
        "Marker": marker,
    }


@operation("DescribeEventCategories")
def describe_event_categories(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    source_type = params.get("SourceType")
    if source_type is not None and source_type not in SOURCE_TYPES:
        raise AwsError("InvalidParameterValue", f"Invalid source type: {source_type}")
    kinds = [source_type] if source_type else list(CATEGORIES)
    return {
        "EventCategoriesMapList": [{"SourceType": kind, "EventCategories": CATEGORIES.get(kind, [])} for kind in kinds]
    }
