"""Point-in-time recovery: UpdateContinuousBackups, DescribeContinuousBackups, RestoreTableToPointInTime.

Turning PITR on makes the table's writes log what they replace (services/dynamodb/history.py); a restore to a
moment fills a new table with the current items, the writes made since that moment undone.
"""

from __future__ import annotations

import re
import time
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import validation_error
from fogbank.services.base import operation
from fogbank.services.dynamodb import backup_errors as errors
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.history import DAY, ceil_ms, earliest
from fogbank.services.dynamodb.model import Table
from fogbank.services.dynamodb.ops.backups import source_table
from fogbank.services.dynamodb.ops.restores import check_target, restored_table, start_restore

DEFAULT_DAYS = 35
_TABLE_ARN = re.compile(r"arn:aws:dynamodb:[a-z0-9-]+:(\d{12}):table/([a-zA-Z0-9_.-]{3,255})")


def continuous_backups(table: Table, now: float) -> dict[str, Any]:
    """ContinuousBackupsStatus is ENABLED for every table (AWS turns it on by itself within seconds); PITR's
    window is shown only while it is on. Fogbank's history is complete up to the present moment, so the latest
    restorable time is now (AWS's trails by about five minutes)."""
    recovery: dict[str, Any] = {"PointInTimeRecoveryStatus": "DISABLED"}
    if table.pitr is not None:
        recovery = {
            "PointInTimeRecoveryStatus": "ENABLED",
            "RecoveryPeriodInDays": table.pitr["days"],
            "EarliestRestorableDateTime": earliest(table.pitr, now),
            "LatestRestorableDateTime": max(now, table.pitr["since"]),
        }
    return {"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": recovery}


@operation("DescribeContinuousBackups")
def describe_continuous_backups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    table = source_table(ctx, params["TableName"])
    return {"ContinuousBackupsDescription": continuous_backups(table, time.time())}


@operation("UpdateContinuousBackups")
def update_continuous_backups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    spec = params["PointInTimeRecoverySpecification"]
    enabled, days = bool(spec["PointInTimeRecoveryEnabled"]), spec.get("RecoveryPeriodInDays")
    if not enabled and days is not None:
        raise validation_error(errors.PERIOD_WHEN_DISABLED)
    with backend.store.lock:
        table = source_table(ctx, params["TableName"])
        now = time.time()
        if not enabled:
            table.pitr = None  # the history goes with the next trim (HistoryKeeper), unless a restore reads it
        elif table.pitr is None:
            table.pitr = {"since": ceil_ms(now), "days": days or DEFAULT_DAYS}
        elif days is not None and days != table.pitr["days"]:
            # A longer period cannot bring back history already trimmed to the shorter one.
            since = max(table.pitr["since"], ceil_ms(now - table.pitr["days"] * DAY))
            table.pitr = {"since": since, "days": days}
        backend.persist(table)
    return {"ContinuousBackupsDescription": continuous_backups(table, now)}


def _source(ctx: RequestContext, params: dict[str, Any]) -> Table:
    name, arn = params.get("SourceTableName"), params.get("SourceTableArn")
    if name is not None and arn is not None:
        raise validation_error(errors.BOTH_SOURCES)
    if name is None and arn is None:
        raise validation_error(errors.NO_SOURCE)
    if arn is not None:
        match = _TABLE_ARN.fullmatch(arn)
        if match is None:
            raise validation_error(errors.BAD_SOURCE_ARN)
        if match[1] != ctx.account_id:
            raise validation_error("This action is only supported by accounts that match the resource owner's account")
        name = match[2]
    assert name is not None
    return source_table(ctx, name)


def _moment(params: dict[str, Any], table: Table, now: float) -> float:
    """The moment to restore: RestoreDateTime, or UseLatestRestorableTime's now, inside PITR's window."""
    assert table.pitr is not None
    first, latest = earliest(table.pitr, now), max(now, table.pitr["since"])
    if params.get("UseLatestRestorableTime"):
        return latest
    moment = params["RestoreDateTime"].timestamp()
    if moment < first or moment > latest:
        raise errors.invalid_restore_time(moment, first, latest)
    return moment


@operation("RestoreTableToPointInTime")
def restore_table_to_point_in_time(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    use_latest, when = params.get("UseLatestRestorableTime"), params.get("RestoreDateTime")
    if use_latest and when is not None:
        raise validation_error(errors.BOTH_TIMES)
    if not use_latest and when is None:
        raise validation_error(errors.NO_TIME)
    with backend.store.lock:
        source = _source(ctx, params)
        if source.pitr is None:
            raise errors.pitr_unavailable(source.name)
        moment = _moment(params, source, time.time())
        check_target(ctx, params["TargetTableName"])
        summary = {"SourceTableArn": source.arn, "RestoreDateTime": moment, "RestoreInProgress": True}
        origin = {"summary": summary, "pitr": {"tid": source.tid, "moment": moment}}
        target = restored_table(ctx, source, params, origin)
        return start_restore(ctx, target)
