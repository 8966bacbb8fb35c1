"""Automated backups: RestoreDBInstanceToPointInTime, DescribeDBInstanceAutomatedBackups,
DeleteDBInstanceAutomatedBackup (the work is ``backups.py`` and ``point_in_time.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import backups, point_in_time, validation
from fogbank.services.rds.model import check_identifier, not_found
from fogbank.services.rds.ops.common import backend, filters, page
from fogbank.services.rds.ops.instances import admit, new_record
from fogbank.services.rds.records import AUTOMATED_BACKUP, INSTANCE
from fogbank.services.rds.store import Region

_NOT_FOUND = "DBInstanceAutomatedBackupNotFoundFault"
# Instance options a restore takes from the request, else from the source.
_FROM_SOURCE = ("DBInstanceClass", "AllocatedStorage", "StorageType", "Iops", "StorageThroughput", "LicenseModel",
                "OptionGroupName", "CopyTagsToSnapshot", "DeletionProtection", "BackupRetentionPeriod",
                "PreferredBackupWindow", "CACertificateIdentifier")  # fmt: skip


def render(backup: Record[Any]) -> dict[str, Any]:
    out = {key: value for key, value in backup.fields.items() if value is not None}
    out["Status"] = backup.status
    if out.get("InstanceCreateTime"):
        out["InstanceCreateTime"] = dt.datetime.fromisoformat(out["InstanceCreateTime"])
    window = backups.restore_window(backup)
    if window:  # whole seconds, as RDS shows them, and both inside the window
        earliest = window[0].replace(microsecond=0) + (
            dt.timedelta(seconds=1) if window[0].microsecond else dt.timedelta()
        )
        out["RestoreWindow"] = {"EarliestTime": earliest, "LatestTime": max(earliest, window[1].replace(microsecond=0))}
    else:
        out["RestoreWindow"] = {}
    out["DBInstanceAutomatedBackupsReplications"] = []
    return out


def _source(region: Region, params: dict[str, Any]) -> tuple[Record[Any] | None, Record[Any]]:
    """The source instance (None for a retained backup) and its automated backup."""
    if params.get("SourceDBInstanceAutomatedBackupsArn"):
        arn = params["SourceDBInstanceAutomatedBackupsArn"]
        found = [b for b in region.of(AUTOMATED_BACKUP).values() if b.arn == arn]
        if not found:
            raise AwsError(_NOT_FOUND, f"Automated backup {arn} not found.")
        return region.of(INSTANCE).get(found[0].fields["DBInstanceIdentifier"]), found[0]
    if params.get("SourceDbiResourceId"):
        matches = [r for r in region.of(INSTANCE).values() if r.resource_id == params["SourceDbiResourceId"]]
        if not matches:
            raise not_found(params["SourceDbiResourceId"])
        source = matches[0]
    elif params.get("SourceDBInstanceIdentifier"):
        source = region.of(INSTANCE).get(params["SourceDBInstanceIdentifier"].lower())
        if source is None:
            raise not_found(params["SourceDBInstanceIdentifier"])
    else:
        raise AwsError(
            "InvalidParameterCombination",
            "One of SourceDBInstanceIdentifier, SourceDbiResourceId or SourceDBInstanceAutomatedBackupsArn "
            "must be specified.",
        )
    backup = backups.automated_backup(region, source)
    if not backups.enabled(source) or backup is None:
        raise AwsError(
            "PointInTimeRestoreNotEnabledFault",
            f"Point-in-time restore is not enabled for DB instance {source.identifier}: its backup retention "
            "period is 0.",
        )
    return source, backup


def target_time(params: dict[str, Any], backup: Record[Any], key: str = "RestoreTime",
                source: str = "DB instance") -> dt.datetime:  # fmt: skip
    """The moment a restore asks for (``key``, or UseLatestRestorableTime), inside ``backup``'s window."""
    if params.get(key) and params.get("UseLatestRestorableTime"):
        raise AwsError("InvalidParameterCombination", f"Cannot specify both {key} and UseLatestRestorableTime.")
    window = backups.restore_window(backup)
    if window is None:  # no full copy yet (just created)
        raise AwsError("InvalidRestoreFault", f"The source {source} has no automated backup to restore from yet.")
    if params.get("UseLatestRestorableTime") or not params.get(key):
        return window[1]
    moment: dt.datetime = params[key]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if not window[0] <= moment <= window[1]:
        raise AwsError(
            "InvalidRestoreFault",
            f"Restore time {moment.isoformat()} is not within the restorable time window "
            f"{window[0].isoformat()} - {window[1].isoformat()}.",
        )
    return moment


@operation("RestoreDBInstanceToPointInTime")
def restore_db_instance_to_point_in_time(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    identifier = check_identifier(params["TargetDBInstanceIdentifier"], "TargetDBInstanceIdentifier")
    validation.unsupported(params)
    with be.store.lock:
        source, backup = _source(region, params)
        if identifier in region.of(INSTANCE):
            raise AwsError("DBInstanceAlreadyExistsFault", "DB instance already exists")
        target = target_time(params, backup)
        origin = (
            source.fields if source is not None else {**backup.fields, "DBInstanceClass": backup.private.instance_class}
        )
    if params.get("Engine") and params["Engine"] != backup.fields["Engine"]:
        raise AwsError("InvalidParameterCombination",
                       f"The engine {params['Engine']} does not match the source's engine {backup.fields['Engine']}.")  # fmt: skip
    merged = {key: origin.get(key) for key in _FROM_SOURCE if origin.get(key) is not None}
    merged.update({k: v for k, v in params.items() if v is not None})
    merged.update(Engine=backup.fields["Engine"], EngineVersion=backup.fields["EngineVersion"])
    merged["Port"] = params.get("Port") or origin.get("Port")
    for key in ("RestoreTime", "UseLatestRestorableTime", "SourceDBInstanceIdentifier", "SourceDbiResourceId",
                "SourceDBInstanceAutomatedBackupsArn", "TargetDBInstanceIdentifier", "DBName"):  # fmt: skip
        merged.pop(key, None)
    record = new_record(ctx, merged, identifier)
    record.fields["MasterUsername"] = backup.fields["MasterUsername"]
    record.private.password = source.private.password if source is not None else backup.private.password
    if backup.private.db_name:
        record.fields["DBName"] = backup.private.db_name
    out = admit(ctx, record)
    be.jobs.submit(record.resource_id, lambda: point_in_time.restore(be, region, record, backup, target))
    return {"DBInstance": out}


_FILTERS = {
    "db-instance-id": lambda b: (b.fields["DBInstanceIdentifier"], b.fields["DBInstanceArn"]),
    "dbi-resource-id": lambda b: (b.fields["DbiResourceId"],),
    "status": lambda b: (b.status,),
}


@operation("DescribeDBInstanceAutomatedBackups")
def describe_db_instance_automated_backups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    merge = {"db-instance-id": (params.get("DBInstanceIdentifier") or "").lower() or None,
             "dbi-resource-id": params.get("DbiResourceId")}  # fmt: skip
    match = filters(params, _FILTERS, merge)
    arn = params.get("DBInstanceAutomatedBackupsArn")
    with be.store.lock:
        found = [b for b in region.of(AUTOMATED_BACKUP).values() if match(b) and (not arn or b.arn == arn)]
        if not found and (arn or params.get("DbiResourceId")):
            raise AwsError(_NOT_FOUND, f"Automated backup {arn or params['DbiResourceId']} not found.")
        chunk, marker = page(params, found, key=lambda b: b.fields["DBInstanceIdentifier"] + b.identifier)
        return {"DBInstanceAutomatedBackups": [render(b) for b in chunk], "Marker": marker}


@operation("DeleteDBInstanceAutomatedBackup")
def delete_db_instance_automated_backup(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, region = backend(ctx)
    key = params.get("DbiResourceId") or params.get("DBInstanceAutomatedBackupsArn")
    if not key:
        raise AwsError("InvalidParameterCombination", "Specify DbiResourceId or DBInstanceAutomatedBackupsArn.")
    with be.store.lock:
        found = [b for b in region.of(AUTOMATED_BACKUP).values() if key in (b.identifier, b.arn)]
        if not found:
            raise AwsError(_NOT_FOUND, f"Automated backup {key} not found.")
        backup = found[0]
        if backup.status != "retained":
            raise AwsError(
                "InvalidDBInstanceAutomatedBackupStateFault",
                "Automated backups for an existing DB instance can only be deleted by setting its backup "
                "retention period to 0.",
            )
        region.remove(backup)
        be.save(region)
        out = render(backup)
    out["Status"] = "deleting"
    backups.delete_files(be, backup)
    return {"DBInstanceAutomatedBackup": out}


def _not_implemented(operation_name: str) -> AwsError:
    return AwsError(
        "InvalidParameterCombination",
        f"{operation_name} is not implemented by Fogbank yet: automated backups are kept in their own region only.",
    )


@operation("StartDBInstanceAutomatedBackupsReplication")
def start_db_instance_automated_backups_replication(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    raise _not_implemented("StartDBInstanceAutomatedBackupsReplication")


@operation("StopDBInstanceAutomatedBackupsReplication")
def stop_db_instance_automated_backups_replication(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    raise _not_implemented("StopDBInstanceAutomatedBackupsReplication")
