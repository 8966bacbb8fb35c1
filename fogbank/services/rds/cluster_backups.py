"""Aurora's continuous backup of a cluster, and its point-in-time restore (aurora-postgresql).

Aurora always backs a cluster up (BackupRetentionPeriod 1-35) and can restore it to any second of
the window. The archive belongs to the cluster, not to one instance: every member of an
aurora-postgresql cluster runs with ``backups/<DbClusterResourceId>/archive`` as its WAL archive
(``backups.archive_dir``). Only the writer archives (a streaming reader does not); a reader
promoted in its place (a failover, the writer's death or deletion) goes on in the same archive on
a new timeline, with its history file, so a replay follows the failover. The full copies are
taken from whichever instance writes, the way an instance's are (``backups.base_backup``), in the
cluster's backup window (first just after its writer is made), and kept in a
``CLUSTER_BACKUP`` record (the instance's ``AutomatedBackupPrivate``: copies, how far the archive
reaches) that DBCluster's EarliestRestorableTime / LatestRestorableTime show.

A restore (``restore_to_time``) replays the newest copy made before the moment with the archive
up to it, by a server started aside and stopped again, and makes the result the new cluster's
volume (``cluster_snapshots.py``): its first instance starts from it.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from typing import Any

from fogbank.engines.interface import InstanceSpec
from fogbank.managed.records import Record
from fogbank.services.rds import backups, cluster_snapshots, clusters
from fogbank.services.rds.backend import Backend
from fogbank.services.rds.engines import is_postgres
from fogbank.services.rds.records import CLUSTER, CLUSTER_BACKUP, AutomatedBackupPrivate
from fogbank.services.rds.store import Region, iso

log = logging.getLogger(__name__)


def archived(cluster: Record[Any]) -> bool:
    """Whether Fogbank keeps the cluster's continuous backup (PostgreSQL's WAL archive follows a
    failover; MariaDB's binlog is each server's own, so aurora-mysql has none yet)."""
    return is_postgres(cluster.fields["Engine"])


def cluster_backup(region: Region, cluster: Record[Any]) -> Record[Any] | None:
    return region.of(CLUSTER_BACKUP).get(cluster.resource_id)


def _new(region: Region, cluster: Record[Any]) -> Record[Any]:
    resource = cluster.resource_id.lower().replace("cluster-", "cab-", 1)
    arn = f"arn:aws:rds:{region.region}:{region.account}:cluster-auto-backup:{resource}"
    fields = {key: cluster.fields.get(key) for key in (
        "DBClusterIdentifier", "DBClusterArn", "DbClusterResourceId", "Engine", "EngineVersion", "EngineMode",
        "MasterUsername", "Port", "BackupRetentionPeriod", "PreferredBackupWindow", "StorageType",
        "StorageEncrypted", "KmsKeyId", "IAMDatabaseAuthenticationEnabled", "AvailabilityZones",
    )}  # fmt: skip
    fields.update(Region=region.region, DBClusterAutomatedBackupsArn=arn)
    private = AutomatedBackupPrivate(
        directory=cluster.resource_id, password=cluster.private.password, db_name=cluster.fields.get("DatabaseName")
    )
    backup = Record(CLUSTER_BACKUP, cluster.resource_id, arn, private, fields=fields, status="active",
                    resource_id=cluster.resource_id)  # fmt: skip
    region.add(backup)
    return backup


def window(region: Region, cluster: Record[Any]) -> tuple[dt.datetime, dt.datetime] | None:
    """(EarliestRestorableTime, LatestRestorableTime), to the microsecond; None: none yet."""
    backup = cluster_backup(region, cluster)
    return backups.restore_window(backup) if backup is not None else None


def _writer(backend: Backend, region: Region, cluster: Record[Any]) -> Record[Any] | None:
    """The writer, when it runs, is available and writes the cluster's archive."""
    with backend.store.lock:
        found = clusters.writer(region, cluster)
        if found is None or found.status != "available" or not found.private.cluster_archive:
            return None
    return found if backend.is_running(found) else None


def take(backend: Backend, region: Region, cluster: Record[Any]) -> None:
    """A full copy from the writer (on the cluster's queue: never during a failover)."""
    found = _writer(backend, region, cluster)
    with backend.store.lock:
        if found is None or not region.contains(cluster) or cluster.status != "available":
            return
        backup = cluster_backup(region, cluster) or _new(region, cluster)
        backend.save(region)
    retention = int(cluster.fields.get("BackupRetentionPeriod") or 1)
    if backups.base_backup(backend, region, found, backup, retention):
        backups.archive_up_to_date(backend, region, found, backup)


def writer_ready(backend: Backend, region: Region, record: Record[Any]) -> None:
    """A writer was made: the cluster's first full copy is taken now if it has none."""
    cluster = clusters.cluster_of(region, record)
    if cluster is None or not archived(cluster):
        return
    with backend.store.lock:
        backup = cluster_backup(region, cluster)
    if backup is None or not backup.private.bases:
        backups.queue_once(backend, cluster.resource_id, lambda: take(backend, region, cluster))


def round(backend: Backend, moment: dt.datetime) -> None:
    """The scheduler's round for clusters: each archive brought up to date, copies when due."""
    with backend.store.lock:
        found = [(region, c) for region, c in backend.store.all_records(CLUSTER) if c.status == "available"]
    for region, cluster in found:
        if backend.closing.is_set():
            return
        if not archived(cluster):
            continue
        writer = _writer(backend, region, cluster)
        if writer is None:
            continue
        with backend.store.lock:
            backup = cluster_backup(region, cluster)
        if backup is not None:
            backups.archive_up_to_date(backend, region, writer, backup)
        with backend.store.lock:
            due = backup is None or backups.base_due(backend, cluster.fields["PreferredBackupWindow"], backup, moment)
        if due:
            backups.queue_once(backend, cluster.resource_id, lambda r=region, c=cluster: take(backend, r, c))


def bring_up_to_date(backend: Backend, region: Region, cluster: Record[Any]) -> None:
    """Make the archive cover now (a restore to the latest restorable time asked for now)."""
    writer = _writer(backend, region, cluster)
    with backend.store.lock:
        backup = cluster_backup(region, cluster)
    if writer is not None and backup is not None:
        backups.archive_up_to_date(backend, region, writer, backup)


def deleted(backend: Backend, region: Region, cluster: Record[Any]) -> None:
    """The cluster is gone: its backup and archive with it."""
    with backend.store.lock:
        backup = cluster_backup(region, cluster)
        if backup is not None:
            region.remove(backup)
            backend.save(region)
    shutil.rmtree(backups.backup_dir(backend, cluster.resource_id), ignore_errors=True)


def restore_to_time(
    backend: Backend, region: Region, cluster: Record[Any], backup: Record[Any], target: dt.datetime
) -> None:
    """The new ``cluster``'s volume: ``backup``'s copy replayed to ``target`` by a server started
    aside (a port of Fogbank's range, no archive), stopped once it has promoted."""
    driver = backend.driver_of(cluster)
    base = backups.base_for(backend, backup, target)
    name = f"rds/{cluster.resource_id}-restore"
    archive = backups.source_archive(backend, backup)
    settings = _replay_settings(backend, region, backup)

    def fill(tmp: Any) -> None:
        port = backend.supervisor.allocate_port()
        try:
            driver.restore_to_time(base, archive, target, InstanceSpec(name, tmp, port, settings=settings))
        finally:
            driver.stop(name)
            backend.supervisor.release_port(port)
        for leftover in ("postmaster.pid", "postmaster.opts"):
            (tmp / leftover).unlink(missing_ok=True)

    cluster_snapshots.make_volume(backend, cluster, fill)
    log.info("cluster %s restored to %s", cluster.identifier, iso(target))


def _replay_settings(backend: Backend, region: Region, backup: Record[Any]) -> dict[str, str] | None:
    """What the replaying server runs with: its source writer's (a hot standby's limits, such as
    max_connections, must be no lower than the primary's), without waiting for any reader; None
    (the copy's own) when the source has no writer any more."""
    from fogbank.services.rds import lifecycle

    with backend.store.lock:
        source = region.get(CLUSTER, backup.fields["DBClusterIdentifier"])
        found = clusters.writer(region, source) if source is not None else None
        if found is None:
            return None
        settings = lifecycle.settings_for(region, found)
    settings.pop("synchronous_standby_names", None)
    return settings
