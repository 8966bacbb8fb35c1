"""DescribeEvents and DescribeEventCategories: what happened to instances, snapshots and groups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fogbank.gateway.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.rds.ops.common import backend, page
from fogbank.services.rds.service import service
from fogbank.services.rds.store import now

SOURCE_TYPES = ("db-instance", "db-parameter-group", "db-security-group", "db-snapshot", "db-cluster",
                "db-cluster-snapshot", "custom-engine-version", "db-proxy", "blue-green-deployment")  # fmt: skip
CATEGORIES = {
    "db-instance": ["availability", "backup", "configuration change", "creation", "deletion", "failover", "failure",
                    "low storage", "maintenance", "notification", "read replica", "recovery", "restoration",
                    "security", "security patching"],
    "db-snapshot": ["creation", "deletion", "notification", "restoration", "failure"],
    "db-parameter-group": ["configuration change"],
}  # fmt: skip


@service.operation("DescribeEvents")
def describe_events(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    source_type = params.get("SourceType")
    if source_type is not None and source_type not in SOURCE_TYPES:
        raise AwsError("InvalidParameterValue", f"Invalid source type: {source_type}")
    if params.get("SourceIdentifier") and not source_type:
        raise AwsError(
            "InvalidParameterCombination", "Cannot specify a SourceIdentifier without also specifying SourceType."
        )
    end = params.get("EndTime") or now()
    start = params.get("StartTime")
    if start is None:
        start = end - dt.timedelta(minutes=params.get("Duration") or 60)
    categories = set(params.get("EventCategories") or [])
    with be.store.lock:
        events = list(region.events)
    out = []
    for index, event in enumerate(events):
        date = dt.datetime.fromisoformat(event["Date"])
        if not start <= date <= end:
            continue
        if source_type and event["SourceType"] != source_type:
            continue
        if params.get("SourceIdentifier") and event["SourceIdentifier"] != params["SourceIdentifier"].lower():
            continue
        if categories and not categories & set(event["EventCategories"]):
            continue
        out.append((f"{index:08d}", {**event, "Date": date}))
    chunk, marker = page(params, out, key=lambda pair: pair[0])
    return {"Events": [event for _, event in chunk], "Marker": marker}


@service.operation("DescribeEventCategories")
def describe_event_categories(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    source_type = params.get("SourceType")
    if source_type is not None and source_type not in SOURCE_TYPES:
        raise AwsError("InvalidParameterValue", f"Invalid source type: {source_type}")
    kinds = [source_type] if source_type else list(CATEGORIES)
    return {
        "EventCategoriesMapList": [{"SourceType": kind, "EventCategories": CATEGORIES.get(kind, [])} for kind in kinds]
    }
