"""RDS automated backups: continuous archiving, daily full copies, and point-in-time restores.

An instance with a BackupRetentionPeriod above 0 runs with its engine's log archived into
``backups/<DbiResourceId>/archive`` (``InstanceSpec.archive_dir``: PostgreSQL's WAL, MariaDB's
binlog) and has an ``AUTOMATED_BACKUP`` record, the DBInstanceAutomatedBackup of
DescribeDBInstanceAutomatedBackups. Its first full copy is taken just after the instance
becomes available (in the background: creation stays about a second), then once a day in its
PreferredBackupWindow (``Config.rds_base_backup_interval`` > 0: every that many seconds).

A scheduler thread brings the archive up to date every ``Config.rds_backup_interval`` seconds:
the moment it started doing so becomes LatestRestorableTime once the engine says everything
committed before is archived (RDS uploads its logs every five minutes). Copies older than the
retention period go, keeping one that starts before it, and the log nothing kept can replay.

The files live outside the instance's directory, so a deleted instance's backup can be kept
(DeleteAutomatedBackups=false: ``retained``) and restored from.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
from pathlib import Path
from typing import Any

from fogbank.engines import users
from fogbank.engines.interface import BaseBackup, PointInTimeRecovery
from fogbank.managed.records import Record
from fogbank.services.rds.backend import TRAVERSED, Backend
from fogbank.services.rds.records import AUTOMATED_BACKUP, INSTANCE, AutomatedBackupPrivate
from fogbank.services.rds.store import Region, iso, now

log = logging.getLogger(__name__)

# RDS's event messages (RDS-EVENT-0001, -0002) for an automated backup.
BACKING_UP = "Backing up DB instance"
FINISHED = "Finished DB Instance backup"
DAY = dt.timedelta(days=1)


def enabled(record: Record[Any]) -> bool:
    return (record.fields.get("BackupRetentionPeriod") or 0) > 0


def backup_dir(backend: Backend, directory: str) -> Path:
    return backend.root / "backups" / directory


def archive_dir(backend: Backend, record: Record[Any]) -> Path | None:
    """Where the instance's engine archives its log (made, the engine user's), or None when
    its retention period is 0. An aurora-postgresql cluster's members archive into their
    cluster's (``cluster_backups.py``): only the writer archives, and a reader promoted in its
    place goes on in the same archive, on a new timeline."""
    owner = record.private.cluster_archive or (record.resource_id if enabled(record) else None)
    if owner is None:
        return None
    root = backend.root / "backups"
    root.mkdir(mode=0o700, exist_ok=True)
    root.chmod(TRAVERSED)
    path = backup_dir(backend, owner)
    users.prepare_dir(path, unprivileged=True)
    archive = path / "archive"
    users.prepare_dir(archive, unprivileged=True)
    return archive


def automated_backup(region: Region, record: Record[Any]) -> Record[Any] | None:
    return region.of(AUTOMATED_BACKUP).get(record.resource_id)


def _new_automated_backup(region: Region, record: Record[Any]) -> Record[Any]:
    account, name = region.account, region.region
    resource = record.resource_id.lower().replace("db-", "ab-", 1)
    arn = f"arn:aws:rds:{name}:{account}:auto-backup:{resource}"
    fields = {key: record.fields.get(key) for key in (
        "DBInstanceArn", "DbiResourceId", "DBInstanceIdentifier", "AllocatedStorage", "Port", "AvailabilityZone",
        "InstanceCreateTime", "MasterUsername", "Engine", "EngineVersion", "LicenseModel", "Iops", "StorageThroughput",
        "OptionGroupName", "StorageType", "KmsKeyId", "Timezone", "IAMDatabaseAuthenticationEnabled",
        "BackupRetentionPeriod", "PreferredBackupWindow", "BackupTarget", "MultiTenant", "DedicatedLogVolume",
    )}  # fmt: skip
    fields.update(Region=name, Encrypted=bool(record.fields.get("StorageEncrypted")), DBInstanceAutomatedBackupsArn=arn)
    private = AutomatedBackupPrivate(
        directory=record.resource_id,
        password=record.private.password,
        db_name=record.fields.get("DBName"),
        instance_class=record.fields["DBInstanceClass"],
    )
    backup = Record(AUTOMATED_BACKUP, record.resource_id, arn, private, fields=fields, status="active",
                    resource_id=record.resource_id)  # fmt: skip
    region.add(backup)
    return backup


def became_available(backend: Backend, region: Region, record: Record[Any]) -> None:
    """After a create or restore: the automated backup exists, and its first full copy is taken
    in the background."""
    if record.private.cluster_archive:  # an Aurora writer: its cluster's backup
        from fogbank.services.rds import cluster_backups

        cluster_backups.writer_ready(backend, region, record)
        return
    if not enabled(record):
        return
    with backend.store.lock:
        backup = automated_backup(region, record) or _new_automated_backup(region, record)
        backup.fields["InstanceCreateTime"] = record.fields.get("InstanceCreateTime")
        backend.save(region)
    if not backup.private.bases:
        _queue_base_backup(backend, region, record)


def start_anew(backend: Backend, region: Region, record: Record[Any]) -> None:
    """After a major version upgrade: the copies and archived log are of the old major's cluster,
    which the new server cannot replay; the automated backup begins again (``became_available``)."""
    backup = automated_backup(region, record)
    if backup is not None:
        _remove(backend, region, backup)


def _driver(backend: Backend, record: Record[Any]) -> Any:
    driver = backend.driver_of(record)
    return driver if isinstance(driver, PointInTimeRecovery) else None


def take_base_backup(backend: Backend, region: Region, record: Record[Any]) -> None:
    """A full copy of the running instance into its automated backup (on the instance's job queue)."""
    with backend.store.lock:
        backup = automated_backup(region, record)
        wanted = region.contains(record) and record.status == "available" and backend.is_running(record)
    if backup is None or not wanted or _driver(backend, record) is None or not enabled(record):
        return
    backend.instance_event(region, record, BACKING_UP, "backup")
    if base_backup(backend, region, record, backup, int(record.fields.get("BackupRetentionPeriod") or 1)):
        backend.instance_event(region, record, FINISHED, "backup")
        bring_up_to_date(backend, region, record)  # restorable from now on, not from the next round


def base_backup(backend: Backend, region: Region, record: Record[Any], backup: Record[Any], retention: int) -> bool:
    """A full copy of the running ``record`` (an instance, or a cluster's writer) into ``backup``,
    then the copies and log older than the retention period go; False when it failed."""
    driver, archive = _driver(backend, record), archive_dir(backend, record)
    if driver is None or archive is None or backend.closing.is_set():
        return False
    stamp = now()
    dest = backup_dir(backend, backup.private.directory) / f"base-{stamp.strftime('%Y%m%dT%H%M%S%f')}"
    try:
        base = driver.base_backup(backend.process_name(record), archive, dest)
    except Exception as error:
        log.warning("automated backup of %s failed: %s", record.identifier, error)
        shutil.rmtree(dest, ignore_errors=True)
        return False
    with backend.store.lock:
        # Restorable from the copy's end: replay needs WAL from its start, consistency at its end.
        backup.private.bases.append({"directory": dest.name, "start": base.start, "time": iso(now())})
        backend.save(region)
    _prune(backend, region, record, backup, driver, archive, retention)
    return True


def _prune(
    backend: Backend, region: Region, record: Record[Any], backup: Record[Any], driver: Any, archive: Path, days: int
) -> None:
    """Copies older than the retention period go, but the newest of those stays: the window's
    start needs one to replay from. Then the log older than the oldest copy kept."""
    horizon = now() - DAY * days
    with backend.store.lock:
        bases = backup.private.bases
        old = [b for b in bases if dt.datetime.fromisoformat(b["time"]) < horizon]
        gone = old[:-1]
        backup.private.bases = [b for b in bases if b not in gone]
        oldest = backup.private.bases[0]["start"]
        backend.save(region)
    for base in gone:
        shutil.rmtree(backup_dir(backend, backup.private.directory) / base["directory"], ignore_errors=True)
    if gone:
        try:
            driver.purge_archive(backend.process_name(record), archive, oldest)
        except Exception as error:
            log.warning("pruning the archive of %s failed: %s", record.identifier, error)


def bring_up_to_date(backend: Backend, region: Region, record: Record[Any]) -> None:
    """Make the archive cover now; then now is the LatestRestorableTime."""
    with backend.store.lock:
        backup = automated_backup(region, record)
    latest = archive_up_to_date(backend, region, record, backup)
    if latest is not None:
        with backend.store.lock:
            record.fields["LatestRestorableTime"] = latest
            backend.save(region)


def archive_up_to_date(backend: Backend, region: Region, record: Record[Any], backup: Record[Any] | None) -> str | None:
    """Make the archive that running ``record`` writes cover now; then now is ``backup``'s latest
    restorable time (answered; None when not, this round)."""
    driver, started = _driver(backend, record), now()
    if driver is None or backup is None or not backup.private.bases:
        return None
    try:
        done = driver.archived_through(backend.process_name(record), archive_dir(backend, record))
    except Exception as error:  # stopped or restarting meanwhile: the next round tries again
        log.debug("archiving %s: %s", record.identifier, error)
        return None
    if not done:
        return None
    with backend.store.lock:
        backup.private.latest = iso(started)
        backend.save(region)
    return iso(started)


def base_due(backend: Backend, window: str, backup: Record[Any], moment: dt.datetime) -> bool:
    """Whether a full copy is due (daily in the backup ``window``)."""
    if not backup.private.bases:
        return True  # the first failed (the engine restarted meanwhile): again ("_queued" keeps it to one)
    last = dt.datetime.fromisoformat(backup.private.bases[-1]["time"])
    every = backend._config.rds_base_backup_interval
    if every > 0:
        return (moment - last).total_seconds() >= every
    opened = window_opened(window, moment)
    return opened is not None and last < opened  # once in each day's window


def window_opened(window: str, moment: dt.datetime) -> dt.datetime | None:
    """When the daily "hh24:mi-hh24:mi" window (UTC, which may wrap midnight) that ``moment`` is in
    began; None when ``moment`` is outside it."""
    start, _, end = window.partition("-")
    low, high = (int(part[:2]) * 60 + int(part[3:5]) for part in (start, end))
    length = (high - low) % 1440 or 1440
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    for opened in (day + dt.timedelta(minutes=low), day + dt.timedelta(minutes=low) - DAY):
        if opened <= moment < opened + dt.timedelta(minutes=length):
            return opened
    return None


def expired(backup: Record[Any], moment: dt.datetime) -> bool:
    """A retained backup lasts its instance's retention period from the instance's deletion
    (when its archive stopped), then RDS deletes it."""
    if backup.status != "retained" or not backup.private.latest:
        return False
    days = int(backup.fields.get("BackupRetentionPeriod") or 1)
    return dt.datetime.fromisoformat(backup.private.latest) + DAY * days < moment


def _round(backend: Backend) -> None:
    with backend.store.lock:
        gone = [(region, b) for region, b in backend.store.all_records(AUTOMATED_BACKUP) if expired(b, now())]
    for region, backup in gone:
        _remove(backend, region, backup)
    with backend.store.lock:
        instances = [(region, record) for region, record in backend.store.all_records(INSTANCE)
                     if record.status == "available" and backend.is_running(record)]  # fmt: skip
    moment = now()
    for region, record in instances:
        if backend.closing.is_set():
            return
        with backend.store.lock:
            backup = automated_backup(region, record)
        if not enabled(record):
            if backup is not None:  # a retention period set to 0 deletes the automated backups, as on RDS
                _remove(backend, region, backup)
            continue
        if backup is None:  # retention turned on (ModifyDBInstance), or an instance older than backups
            became_available(backend, region, record)
            continue
        bring_up_to_date(backend, region, record)
        with backend.store.lock:
            due = base_due(backend, record.fields["PreferredBackupWindow"], backup, moment)
        if due:
            _queue_base_backup(backend, region, record)
    from fogbank.services.rds import cluster_backups

    cluster_backups.round(backend, moment)


_queued: set[str] = set()  # instances whose full copy waits on their job queue: one at a time
_queued_lock = threading.Lock()


def _queue_base_backup(backend: Backend, region: Region, record: Record[Any]) -> None:
    queue_once(backend, record.resource_id, lambda: take_base_backup(backend, region, record))


def queue_once(backend: Backend, key: str, work: Any) -> None:
    """``work`` (a full copy) on ``key``'s job queue, unless one waits there already."""
    with _queued_lock:
        if key in _queued:
            return
        _queued.add(key)

    def run() -> None:
        try:
            work()
        finally:
            with _queued_lock:
                _queued.discard(key)

    backend.jobs.submit(key, run, grace=0)


def start_scheduler(backend: Backend) -> threading.Thread:
    """The thread that keeps archives up to date and takes the daily copies, until Fogbank closes."""

    def loop() -> None:
        while not backend.closing.wait(max(0.2, backend._config.rds_backup_interval)):
            try:
                _round(backend)
            except Exception:
                log.exception("RDS automated backups round failed")

    thread = threading.Thread(target=loop, name="RDS automated backups", daemon=True)
    thread.start()
    return thread


def instance_deleting(backend: Backend, region: Region, record: Record[Any]) -> None:
    """Before the engine stops for a delete: the archive is brought up to date, then the
    automated backup is kept (``retained``) or removed with the instance."""
    with backend.store.lock:
        backup = automated_backup(region, record)
    if backup is None:
        return
    if backend.is_running(record) and not backup.private.delete_with_instance:
        bring_up_to_date(backend, region, record)
    with backend.store.lock:
        if backup.private.delete_with_instance or not backup.private.bases:
            region.remove(backup)
        else:
            backup.status = "retained"
            backup.fields["InstanceCreateTime"] = record.fields.get("InstanceCreateTime")
        backend.save(region)
    if backup.private.delete_with_instance or not backup.private.bases:
        shutil.rmtree(backup_dir(backend, backup.private.directory), ignore_errors=True)


def _remove(backend: Backend, region: Region, backup: Record[Any]) -> None:
    with backend.store.lock:
        region.remove(backup)
        backend.save(region)
    delete_files(backend, backup)


def delete_files(backend: Backend, backup: Record[Any]) -> None:
    shutil.rmtree(backup_dir(backend, backup.private.directory), ignore_errors=True)


def restore_window(backup: Record[Any]) -> tuple[dt.datetime, dt.datetime] | None:
    """(EarliestTime, LatestTime): from the end of the oldest copy kept to the archive's reach."""
    if not backup.private.bases or not backup.private.latest:
        return None
    earliest = dt.datetime.fromisoformat(backup.private.bases[0]["time"])
    latest = dt.datetime.fromisoformat(backup.private.latest)
    return earliest, max(earliest, latest)


def base_for(backend: Backend, backup: Record[Any], target: dt.datetime) -> BaseBackup:
    """The newest copy finished at or before ``target``: the least log to replay."""
    chosen = [b for b in backup.private.bases if dt.datetime.fromisoformat(b["time"]) <= target]
    base = (chosen or backup.private.bases[:1])[-1]
    return BaseBackup(backup_dir(backend, backup.private.directory) / base["directory"], base["start"])


def source_archive(backend: Backend, backup: Record[Any]) -> Path:
    return backup_dir(backend, backup.private.directory) / "archive"
