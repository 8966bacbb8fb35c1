"""UpdateContributorInsights, DescribeContributorInsights, ListContributorInsights: the settings only.

Fogbank has no CloudWatch, so no rule ever collects a metric: these calls keep and answer the settings of
a table and its GSIs (stored on the table, durable like the rest of its definition) as AWS shows them. As
with tables, the passing status is answered by the update (ENABLING, DISABLING) and the settled one
(ENABLED, DISABLED) is what DescribeContributorInsights shows right after.
"""

from __future__ import annotations

import time
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError, validation_error
from fogbank.services.base import operation
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.model import Table
from fogbank.services.dynamodb.ops.tables import find_table

DEFAULT_MODE = "ACCESSED_AND_THROTTLED_KEYS"
LIST_PAGE = 100  # ListContributorInsights' largest MaxResults, and its default


def index_key(table: Table, index_name: str | None) -> str:
    """The settings' key on the table: "" for the table, the GSI's name (an LSI has no insights of its own)."""
    if index_name is None:
        return ""
    index = table.index(index_name)
    if index is None or index.local:
        raise AwsError(
            "ResourceNotFoundException",
            f"Requested resource not found: Index: {index_name} not found for table: {table.name}",
        )
    return index_name


def rule_names(table: Table, key: str, mode: str, since: float) -> list[str]:
    """The CloudWatch rules AWS would create: most accessed (C) and most throttled (T) partition keys (PK),
    and sort keys (SK) when the table or index has one; throttled ones only in THROTTLED_KEYS mode."""
    schema = table.index(key).schema if key else table.schema  # type: ignore[union-attr]
    scope = f"{table.name}-{key}" if key else table.name
    kinds = ["PKT", "SKT"] if mode == "THROTTLED_KEYS" else ["PKC", "PKT", "SKC", "SKT"]
    if schema.sort is None:
        kinds = [kind for kind in kinds if kind.startswith("PK")]
    return [f"DynamoDBContributorInsights-{kind}-{scope}-{int(since * 1000)}" for kind in kinds]


@operation("UpdateContributorInsights")
def update_contributor_insights(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    enable = params["ContributorInsightsAction"] == "ENABLE"
    with backend.store.lock:
        table = find_table(ctx, params["TableName"])
        key = index_key(table, params.get("IndexName"))
        now = time.time()
        current = table.insights.get(key) or {}
        if enable:
            mode = params.get("ContributorInsightsMode") or current.get("mode") or DEFAULT_MODE
            since = current["since"] if current.get("status") == "ENABLED" else now
            table.insights[key] = {"status": "ENABLED", "mode": mode, "since": since, "updated": now}
        else:
            table.insights[key] = {"status": "DISABLED", "updated": now}
        backend.persist(table)
    answer: dict[str, Any] = {"TableName": table.name}
    if key:
        answer["IndexName"] = key
    answer["ContributorInsightsStatus"] = "ENABLING" if enable else "DISABLING"
    if enable:
        answer["ContributorInsightsMode"] = table.insights[key]["mode"]
    return answer


@operation("DescribeContributorInsights")
def describe_contributor_insights(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    table = find_table(ctx, params["TableName"])
    key = index_key(table, params.get("IndexName"))
    settings = table.insights.get(key) or {"status": "DISABLED"}
    answer: dict[str, Any] = {"TableName": table.name}
    if key:
        answer["IndexName"] = key
    if settings["status"] == "ENABLED":
        answer["ContributorInsightsRuleList"] = rule_names(table, key, settings["mode"], settings["since"])
    answer["ContributorInsightsStatus"] = settings["status"]
    if "updated" in settings:
        answer["LastUpdateDateTime"] = settings["updated"]
    if settings["status"] == "ENABLED":
        answer["ContributorInsightsMode"] = settings["mode"]
    return answer


@operation("ListContributorInsights")
def list_contributor_insights(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    limit = params.get("MaxResults", LIST_PAGE)
    if limit < 1:  # the model states only the maximum; a page of nothing is refused in the model's words
        raise validation_error(
            f"1 validation error detected: Value '{limit}' at 'maxResults' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1"
        )
    if params.get("TableName") is not None:
        tables = [find_table(ctx, params["TableName"])]
    else:
        tables = sorted(backend.in_region(ctx.account_id, ctx.region), key=lambda t: t.name)
    summaries = []
    for table in tables:
        for key in sorted(table.insights):
            settings = table.insights[key]
            if settings["status"] == "DISABLED" or (key and table.index(key) is None):
                continue
            summary: dict[str, Any] = {"TableName": table.name}
            if key:
                summary["IndexName"] = key
            summary["ContributorInsightsStatus"] = settings["status"]
            summary["ContributorInsightsMode"] = settings["mode"]
            summaries.append(summary)
    token = params.get("NextToken")
    start = 0
    if token is not None:
        if not token.isdigit():
            raise validation_error(f"Invalid NextToken: {token}")
        start = int(token)
    page = summaries[start : start + limit]
    answer: dict[str, Any] = {"ContributorInsightsSummaries": page}
    if start + limit < len(summaries):
        answer["NextToken"] = str(start + limit)
    return answer
