"""DescribeEvents: ElastiCache's shape of the shared event log (no categories, no ARN)."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.events import EventQuery
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.elasticache import errors
from fogbank.services.elasticache.ops.common import backend

MAX_DURATION = 14 * 24 * 60


@operation("DescribeEvents")
def describe_events(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    if params.get("SourceIdentifier") and not params.get("SourceType"):
        raise errors.invalid_combination("Cannot specify a SourceIdentifier without also specifying SourceType.")
    duration = params.get("Duration")
    if duration is not None and not 0 <= duration <= MAX_DURATION:
        # Wording ours: events are kept 14 days, as ElastiCache keeps them.
        raise errors.invalid_value(f"Invalid value {duration} for Duration. Must be between 0 and {MAX_DURATION} "
                                   "(14 days, in minutes)")  # fmt: skip
    size = params.get("MaxRecords") or 100
    if not 20 <= size <= 100:
        raise errors.invalid_value(f"Invalid value {size} for MaxRecords. Must be between 20 and 100")
    query = EventQuery(
        source_type=params.get("SourceType"),
        source_id=(params.get("SourceIdentifier") or "").lower() or None,
        start=params.get("StartTime"),
        end=params.get("EndTime"),
        duration_minutes=params.get("Duration"),
    )
    marker = params.get("Marker")
    with be.store.lock:
        events, next_marker = scope.events.page(
            query, size, marker, lambda: AwsError("InvalidParameterValue", f"Invalid marker: {marker}")
        )
    return {
        "Events": [
            {"SourceIdentifier": e.source_id, "SourceType": e.source_type, "Message": e.message, "Date": e.date}
            for e in events
        ],
        "Marker": next_marker,
    }
