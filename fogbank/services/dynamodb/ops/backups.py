"""On-demand backups: CreateBackup, DescribeBackup, ListBackups, DeleteBackup, RestoreTableFromBackup.

The copying and restoring happen in the background (services/dynamodb/backups.py); these handlers check,
catalog and answer.
"""

from __future__ import annotations

import re
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import validation_error
from fogbank.services.base import operation
from fogbank.services.dynamodb import backup_errors as errors
from fogbank.services.dynamodb.backend import Backend, table_name_of
from fogbank.services.dynamodb.backups import Backup, backup_details, feature_details, source_details
from fogbank.services.dynamodb.model import Table
from fogbank.services.dynamodb.ops.restores import check_target, restored_table, start_restore

# arn:aws:dynamodb:<region>:<account>:table/<name>/backup/<14-digit epoch ms>-<8 hex>
_BACKUP_ARN = re.compile(
    r"arn:aws:dynamodb:([a-z0-9-]+):(\d{12}):(table/[a-zA-Z0-9_.-]{3,255}/backup/(\d{14})-[0-9a-f]{8})"
)


def source_table(ctx: RequestContext, name: str) -> Table:
    """The table a backup or PITR operation names; TableNotFoundException while it is still being created."""
    table = ctx.backend.find(ctx.account_id, ctx.region, table_name_of(name))
    if table is None or table.status == "CREATING":
        raise errors.table_not_found(table_name_of(name))
    return table


def find_backup(ctx: RequestContext, arn: str) -> Backup:
    """As on AWS, a backup is found by account, table and id: the ARN's region is not compared."""
    match = _BACKUP_ARN.fullmatch(arn)
    if match is None:
        raise errors.invalid_backup_arn()
    if match[2] != ctx.account_id:
        raise errors.access_denied()
    backup = ctx.backend.backups.find(ctx.account_id, f"arn:aws:dynamodb:{ctx.region}:{ctx.account_id}:{match[3]}")
    if backup is None:
        raise errors.backup_not_found(arn)
    return backup


def description(backup: Backup, status: str | None = None) -> dict[str, Any]:
    table = backup.table()
    details = backup_details(backup)
    if status is not None:
        details["BackupStatus"] = status
    return {
        "BackupDetails": details,
        "SourceTableDetails": source_details(backup, table),
        "SourceTableFeatureDetails": feature_details(backup, table),
    }


@operation("CreateBackup")
def create_backup(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    with backend.store.lock:
        table = source_table(ctx, params["TableName"])
        backup = backend.backups.create(table, params["BackupName"])
    details = backup_details(backup)
    details["BackupSizeBytes"] = backend.store.stats(table.tid).get(0, (0, 0))[1]
    return {"BackupDetails": details}


@operation("DescribeBackup")
def describe_backup(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return {"BackupDescription": description(find_backup(ctx, params["BackupArn"]))}


@operation("DeleteBackup")
def delete_backup(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    with backend.store.lock:
        backup = find_backup(ctx, params["BackupArn"])
        if backup.type == "SYSTEM" and backup.expires is not None:
            raise errors.system_backup_kept(backup.arn, backup.expires)
        if backup.status == "CREATING":
            raise errors.backup_being_created(backup.arn)
        if backend.backups.restoring_from(backup.bid) is not None:
            raise errors.backup_restoring(backup.arn)
        answer = description(backup, "DELETED")
        backend.backups.delete(backup)
    return {"BackupDescription": answer}


def _arn_time(arn: str) -> tuple[float, str]:
    """Where an ExclusiveStartBackupArn stands in the list, which is ordered by creation time: the ARN carries its
    backup's creation time, so a deleted or unknown backup's ARN is a position too, as on AWS."""
    match = _BACKUP_ARN.fullmatch(arn)
    if match is None:
        raise errors.invalid_backup_arn()
    return int(match[4]) / 1000, arn


@operation("ListBackups")
def list_backups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    lower, upper = params.get("TimeRangeLowerBound"), params.get("TimeRangeUpperBound")
    if lower is not None and upper is not None and lower > upper:
        raise validation_error(errors.TIME_RANGE)
    kind = params.get("BackupType") or "USER"  # AWS lists only the user's backups unless asked for others
    name = params.get("TableName")
    start = _arn_time(params["ExclusiveStartBackupArn"]) if params.get("ExclusiveStartBackupArn") else None
    chosen = []
    for backup in ctx.backend.backups.in_region(ctx.account_id, ctx.region):
        if name is not None and backup.table_name != table_name_of(name):
            continue
        if kind != "ALL" and backup.type != kind:
            continue
        if lower is not None and backup.created < lower.timestamp():  # the range is [lower, upper)
            continue
        if upper is not None and backup.created >= upper.timestamp():
            continue
        if start is not None and (backup.created, backup.arn) <= start:
            continue
        chosen.append(backup)
    limit = params.get("Limit") or 100
    page = chosen[:limit]
    result: dict[str, Any] = {"BackupSummaries": [_summary(backup) for backup in page]}
    if len(chosen) > limit:
        result["LastEvaluatedBackupArn"] = page[-1].arn
    return result


def _summary(backup: Backup) -> dict[str, Any]:
    table = backup.table()
    return {"TableName": table.name, "TableId": table.table_id, "TableArn": table.arn, **backup_details(backup)}


@operation("RestoreTableFromBackup")
def restore_table_from_backup(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    with backend.store.lock:
        backup = find_backup(ctx, params["BackupArn"])
        if backup.status == "CREATING":
            raise errors.backup_being_created(backup.arn)
        check_target(ctx, params["TargetTableName"])
        if backend.backups.restoring_from(backup.bid) is not None:
            raise errors.backup_restoring_another(backup.arn)
        source = backup.table()
        summary = {
            "SourceBackupArn": backup.arn,
            "SourceTableArn": source.arn,
            "RestoreDateTime": backup.created,
            "RestoreInProgress": True,
        }
        target = restored_table(ctx, source, params, {"summary": summary, "bid": backup.bid})
        return start_restore(ctx, target)
