"""The engine work behind instance and snapshot operations; runs on ``Backend.jobs`` threads.

Each function ends by setting the status the work leads to (``available``, ``stopped``,
``failed``...) and recording the event RDS would publish.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from typing import Any

from fogbank.engines import users
from fogbank.engines.driver import provision
from fogbank.engines.interface import InstanceSpec
from fogbank.engines.supervisor import EngineStartError
from fogbank.managed import ports, supervision
from fogbank.managed.records import Record
from fogbank.services.rds import (
    backups,
    classes,
    cluster_endpoints,
    cluster_snapshots,
    clusters,
    multi_az,
    replicas,
    serverless,
)
from fogbank.services.rds.backend import Backend
from fogbank.services.rds.engines import is_postgres
from fogbank.services.rds.parameters import engine_settings
from fogbank.services.rds.records import CLUSTER_PARAMETER_GROUP, PARAMETER_GROUP
from fogbank.services.rds.store import Region, iso, now

log = logging.getLogger(__name__)


def allocate_port(backend: Backend, preferred: int | None) -> int:
    """The port asked for when it is free here, else one from Fogbank's engine range: on a
    single machine two instances cannot both listen on 5432 (Endpoint.Port tells which)."""
    return ports.allocate(backend.supervisor, preferred)


def port_event(
    backend: Backend, region: Region, record: Record[Any], wanted: int | None, port: int | None = None
) -> None:
    """Say so when the instance could not have the port it asked for (or its engine's default):
    ``port`` (the record's by default) is the one it got instead."""
    port = port or record.fields["Port"]
    if wanted and port != wanted:
        message = f"The requested port {wanted} is in use on this host. The DB instance listens on port {port}."
        backend.instance_event(region, record, message, "notification")


def settings_for(region: Region, record: Record[Any]) -> dict[str, str]:
    """Settings the engine runs with: class-derived values, the parameter group's, then what
    replication adds (``replicas.settings``: walsenders, a binary log, read_only)."""
    base = _own_settings(region, record)
    return {
        **base,
        **replicas.settings(region, record, base),
        **multi_az.primary_settings(record),
        **clusters.member_settings(region, record),
    }


def group_values(region: Region, record: Record[Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The values of an Aurora member's DB cluster parameter group (none for other instances) and
    of its own DB parameter group, which win over the cluster's as on Aurora."""
    cluster_values: dict[str, str] = {}
    cluster = clusters.cluster_of(region, record)
    if cluster is not None:
        cluster_group = region.get(CLUSTER_PARAMETER_GROUP, cluster.fields["DBClusterParameterGroup"])
        cluster_values = cluster_group.private.values if cluster_group is not None else {}
    group = region.get(PARAMETER_GROUP, record.fields["DBParameterGroupName"])
    return cluster_values, group.private.values if group is not None else {}


def _own_settings(region: Region, record: Record[Any]) -> dict[str, str]:
    """Class-derived values, then the cluster parameter group's, then the DB parameter group's."""
    cluster_values, instance_values = group_values(region, record)
    instance_class = classes.lookup(record.fields["DBInstanceClass"])
    if record.fields["DBInstanceClass"] == serverless.INSTANCE_CLASS:  # its cluster's maximum capacity
        instance_class = serverless.instance_class(clusters.cluster_of(region, record))
    assert instance_class is not None
    flavor = "postgres" if is_postgres(record.fields["Engine"]) else "mysql"
    return engine_settings(flavor, instance_class, {**cluster_values, **instance_values})


def _started(backend: Backend, region: Region, record: Record[Any]) -> None:
    """The engine has just started with its class's and groups' values: none of them waits for a reboot."""
    with backend.store.lock:
        record.private.started_settings = _own_settings(region, record)
        record.private.cluster_parameter_status = "in-sync"
        if region.contains(record):
            backend.save(region)


# RDS's own event messages for recovery (RDS-EVENT-0020, -0021, -0031).
RECOVERY_STARTED = (
    "Recovery of the DB instance has started. Recovery time will vary with the amount of data to be recovered."
)
RECOVERY_COMPLETE = "Recovery of the DB instance is complete."
PUT_INTO_FAILED = (
    "DB instance put into failed state due to an incompatible configuration or an underlying storage issue. "
    "Begin a point-in-time-restore for the DB instance."
)


class EngineRecovery:
    """RDS auto-recovery, as ``supervision.SupervisionHooks``: the supervisor restarts a dead
    engine. Meanwhile the instance is ``rebooting`` (RDS's status for a reboot "an Amazon RDS
    process" needs), ``failed`` once restarts keep failing (``supervision.FAILED_AFTER``), and
    ``available`` again when one succeeds; the events say so."""

    def __init__(self, backend: Backend, region: Region, record: Record[Any]) -> None:
        self.backend, self.region, self.record = backend, region, record

    def died(self, code: int) -> None:
        if multi_az.can_fail_over(self.backend, self.record):
            log.warning("%s: engine exited with code %s, failing over", self.record.identifier, code)
            self.backend.stop_engine(self.record)  # not restarted by the supervisor: the standby takes over
            _set_status_if(self.backend, self.region, self.record, ("available",), "rebooting")
            self.backend.jobs.submit(
                self.record.resource_id, lambda: multi_az.failover(self.backend, self.region, self.record), grace=0
            )
            return
        if clusters.can_fail_over(self.backend, self.region, self.record):
            log.warning("%s: the writer exited with code %s, failing over", self.record.identifier, code)
            self.backend.stop_engine(self.record)  # not restarted: a reader takes over
            _set_status_if(self.backend, self.region, self.record, ("available",), "rebooting")
            clusters.writer_died(self.backend, self.region, self.record)
            return
        log.warning("%s: engine exited with code %s, restarting it", self.record.identifier, code)
        _set_status_if(self.backend, self.region, self.record, ("available",), "rebooting")
        self.backend.instance_event(self.region, self.record, RECOVERY_STARTED, "recovery")

    def failing(self, failures: int, reason: str) -> None:
        if _set_status_if(self.backend, self.region, self.record, ("rebooting",), "failed"):
            self.backend.instance_event(self.region, self.record, PUT_INTO_FAILED, "failure")
        if self.record.fields.get(replicas.SOURCE):  # an Aurora reader that stays down leaves its writer's quorum
            clusters.member_changed(self.backend, self.region, self.record)

    def restarted(self) -> None:
        _set_status_if(self.backend, self.region, self.record, ("rebooting", "failed"), "available")
        self.backend.instance_event(self.region, self.record, "DB instance restarted.", "availability")
        self.backend.instance_event(self.region, self.record, RECOVERY_COMPLETE, "recovery")
        if self.record.fields.get(replicas.SOURCE) and not clusters.is_member(self.record):
            self.backend.instance_event(self.region, self.record, replicas.RESUMED, "read replica")
        elif self.record.fields.get(replicas.SOURCE):
            clusters.member_changed(self.backend, self.region, self.record)


def _set_status_if(backend: Backend, region: Region, record: Record[Any], was: tuple[str, ...], status: str) -> bool:
    """Move to ``status`` only from ``was``: an operation that took the instance meanwhile
    (a delete, a user's reboot) keeps its own status (``Lifecycle.move_if``)."""
    return backend.set_status_if(region, record, was, status)


def _retry_later(backend: Backend, region: Region, record: Record[Any]) -> None:
    """Try a failed instance's engine again with backoff (``Jobs.retry``: 2 s, doubling up to
    5 minutes), as long as nothing else (a reboot, a delete) took the instance meanwhile."""

    def attempt() -> bool:
        with backend.store.lock:
            current = region.contains(record)
            if backend.closing.is_set() or not current or record.status != "failed":
                return True  # no longer wanted
        start_engine(backend, region, record)  # raising: tried again later
        if _set_status_if(backend, region, record, ("failed",), "available"):
            backend.instance_event(region, record, "DB instance restarted.", "availability")
            backend.instance_event(region, record, RECOVERY_COMPLETE, "recovery")
        return True

    backend.jobs.retry(record.resource_id, attempt)


def prepare_instance_dir(backend: Backend, record: Record[Any]) -> None:
    # The engine's (its data dir and log are inside), 0700: nobody else's.
    users.prepare_dir(backend.instance_dir(record), unprivileged=True)


def mark_failed(
    backend: Backend, region: Region, record: Record[Any], error: Exception, doing: str, retry: bool = False
) -> None:
    """The instance is ``failed``; with ``retry`` (its data is intact, only the engine would not
    start) it is tried again with backoff, as RDS's auto-recovery would."""
    log.warning("%s %s failed: %s", doing, record.identifier, error)
    reason = error.reason if isinstance(error, EngineStartError) else str(error).splitlines()[0]
    backend.set_status(region, record, "failed")
    backend.instance_event(region, record, f"{doing} failed: {reason}. See the DB log file for details.", "failure")
    if retry and record.status == "failed":
        _retry_later(backend, region, record)


def _come_up(
    backend: Backend,
    region: Region,
    record: Record[Any],
    doing: str,
    done: str,
    category: str,
    then: Callable[[], None] | None = None,
    **fields: Any,
) -> None:
    """Start the engine (and run ``then`` once it is up): the instance is then available, with
    ``fields`` set and a ``done`` event, or failed with an event saying what was being done."""
    try:
        start_engine(backend, region, record)
        if then is not None:
            then()
    except Exception as error:
        mark_failed(backend, region, record, error, doing, retry=True)
        return
    backend.set_status(region, record, "available", **fields)
    backend.instance_event(region, record, done, category)


def port_moved(backend: Backend, region: Region, record: Record[Any]) -> Callable[[int, int], None]:
    """What ``ports.start_on_port`` calls when another program took the port meanwhile (it is
    only ours on paper): the record and Endpoint.Port show the new one, an event says why."""

    def moved(old: int, new: int) -> None:
        with backend.store.lock:
            record.fields["Port"] = new
            backend.save(region)
        port_event(backend, region, record, old)

    return moved


def start_engine(backend: Backend, region: Region, record: Record[Any]) -> None:
    driver = backend.driver_of(record)
    name, data_dir, settings = backend.process_name(record), backend.data_dir(record), settings_for(region, record)
    replicas.before_start(backend, region, record)
    archive = backups.archive_dir(backend, record)
    proc = ports.start_on_port(
        backend.supervisor,
        record.fields["Port"],
        lambda port: driver.start(InstanceSpec(name, data_dir, port, settings=settings, archive_dir=archive)),
        port_moved(backend, region, record),
    )
    supervision.watch(proc, EngineRecovery(backend, region, record))
    backend.mark_running(record, driver)
    _started(backend, region, record)
    replicas.after_start(backend, region, record)
    multi_az.after_start(backend, region, record)


def create(backend: Backend, region: Region, record: Record[Any], snapshot: Record[Any] | None = None) -> None:
    """A new engine from the version's template (or a snapshot), with the master login and DBName."""
    if backend.closing.is_set():
        return
    if record.fields.get(replicas.SOURCE):  # a read replica is made from its source
        replicas.create(backend, region, record)
        return
    version = backend.version_of(record)
    driver = backend.engines.driver(version)
    try:
        prepare_instance_dir(backend, record)
        seed = cluster_snapshots.seed(backend, region, record)  # a cluster's first instance: the cluster's data
        if snapshot is not None or seed is not None:
            driver.restore(seed or backend.snapshot_dir(snapshot), backend.data_dir(record))
            start_engine(backend, region, record)
            if seed is not None:
                cluster_snapshots.seeded(backend, region, record)
        else:
            data_dir, settings = backend.data_dir(record), settings_for(region, record)
            proc = ports.start_on_port(
                backend.supervisor,
                record.fields["Port"],
                lambda port: provision(
                    driver,
                    InstanceSpec(
                        backend.process_name(record),
                        data_dir,
                        port,
                        settings=settings,
                        archive_dir=backups.archive_dir(backend, record),
                    ),
                    record.fields["MasterUsername"],
                    record.private.password,
                    record.fields.get("DBName"),
                ),
                port_moved(backend, region, record),
                before_retry=lambda: shutil.rmtree(data_dir, ignore_errors=True),  # half made
            )
            supervision.watch(proc, EngineRecovery(backend, region, record))
            backend.mark_running(record, driver)
            _started(backend, region, record)
        if multi_az.wanted(record):
            multi_az.add_standby(backend, region, record)
    except Exception as error:
        mark_failed(backend, region, record, error, "Creating the DB instance" if snapshot is None else "Restore")
        return
    backend.set_status(
        region, record, "available", InstanceCreateTime=record.fields.get("InstanceCreateTime") or iso(now())
    )
    if snapshot is not None:
        backend.instance_event(region, record, f"Restored from snapshot {snapshot.identifier}", "creation")
    message = "DB instance created."
    if version.engine in ("mysql", "aurora-mysql") and version.binary.flavor == "mariadb":
        message += f" Engine {version.engine} is served by {version.served_by} (no MySQL server is installed)."
    elif version.engine == "aurora-postgresql":
        message += f" Engine {version.engine} is served by {version.served_by} (Aurora's storage is not emulated)."
    elif version.engine == "postgres" and not version.exact:
        message += f" PostgreSQL {version.version} is served by {version.served_by}."
    backend.instance_event(region, record, message, "creation")
    backups.became_available(backend, region, record)


def recover(backend: Backend, region: Region, record: Record[Any], was: str) -> None:
    """At Fogbank start: bring back an instance whose engine should be running."""
    # A major version upgrade cut short: its half-made copy (the record still names the old data).
    shutil.rmtree(backend.instance_dir(record) / "upgrade", ignore_errors=True)
    if was == "creating" or not backend.data_dir(record).is_dir():
        shutil.rmtree(backend.instance_dir(record), ignore_errors=True)
        create(backend, region, record)
        return
    _come_up(backend, region, record, "Restarting the DB instance", "DB instance restarted.", "availability",
             then=lambda: multi_az.resume(backend, region, record))  # fmt: skip


def reboot(backend: Backend, region: Region, record: Record[Any]) -> None:
    backend.stop_engine(record)
    _come_up(
        backend,
        region,
        record,
        "Rebooting the DB instance",
        "DB instance restarted.",
        "availability",
        ParameterApplyStatus="in-sync",
    )


def stop(backend: Backend, region: Region, record: Record[Any], snapshot: Record[Any] | None) -> None:
    if snapshot is not None:
        take_snapshot(backend, region, record, snapshot)
    backend.stop_engine(record)
    multi_az.stop(backend, record)
    backend.set_status(region, record, "stopped")
    backend.instance_event(region, record, "DB instance stopped.", "notification")


def start(backend: Backend, region: Region, record: Record[Any]) -> None:
    def set_new_password() -> None:
        password = record.private.password_on_start
        if password:  # changed while stopped
            backend.driver_of(record).set_password(
                backend.process_name(record), record.fields["MasterUsername"], password
            )
            with backend.store.lock:
                record.private.password = password
                record.private.password_on_start = None
        multi_az.resume(backend, region, record)

    _come_up(
        backend,
        region,
        record,
        "Starting the DB instance",
        "DB instance started.",
        "notification",
        then=set_new_password,
        ParameterApplyStatus="in-sync",
    )


def delete(backend: Backend, region: Region, record: Record[Any], final: Record[Any] | None) -> None:
    if final is not None:
        take_snapshot(backend, region, record, final)
    backups.instance_deleting(backend, region, record)
    clusters.writer_leaving(backend, region, record)  # an Aurora writer: a reader takes its place first
    backend.stop_engine(record)
    multi_az.stop(backend, record)
    cluster_snapshots.keep_volume(backend, region, record)  # an Aurora cluster's last instance: its data stays
    replicas.deleted(backend, region, record)  # its slot on its source, its own replicas promoted
    if record.fields.get(replicas.SOURCE):
        clusters.member_changed(backend, region, record)  # an Aurora reader: no longer in its writer's quorum
    backend.remove_instance_files(record)
    with backend.store.lock:
        region.remove(record)
        cluster_endpoints.instance_gone(region, record)  # it leaves its cluster's custom endpoints' lists
        backend.supervisor.release_port(record.fields["Port"])
        multi_az.release(backend, record)
        backend.save(region)
    backend.instance_event(region, record, "DB instance deleted.", "deletion")


def modify(backend: Backend, region: Region, record: Record[Any], changes: dict[str, Any]) -> None:
    """Apply modifications now: those that change how the engine runs restart it."""
    restart = False
    with backend.store.lock:
        was_multi_az = multi_az.wanted(record)
        for key in ("DBInstanceClass", "Port"):
            if key in changes and changes[key] != record.fields[key]:
                restart = True
        restart = restart or bool(changes.get("_archiving_changed"))  # archive_mode / log_bin: at start only
        old_port = record.fields["Port"]
        record.fields.update({k: v for k, v in changes.items() if k != "MasterUserPassword" and not k.startswith("_")})
        backend.save(region)
    try:
        running = backend.is_running(record)
        if restart and running:
            backend.stop_engine(record)
            start_engine(backend, region, record)
        elif changes.get("_settings_changed") and running:
            apply_settings(backend, region, record)
        if running and (restart or changes.get("_settings_changed")):
            multi_az.restart_standby(backend, region, record)  # the same class and parameters as its primary
        if running and multi_az.wanted(record) != was_multi_az:
            if not was_multi_az:
                backend.instance_event(region, record, multi_az.CONVERTING, "configuration change")
            multi_az.resume(backend, region, record)
            converted = multi_az.CONVERTED if not was_multi_az else multi_az.CONVERTED_SINGLE
            backend.instance_event(region, record, converted, "configuration change")
        if "MasterUserPassword" in changes:
            if running:
                backend.driver_of(record).set_password(
                    backend.process_name(record), record.fields["MasterUsername"], changes["MasterUserPassword"]
                )
            with backend.store.lock:
                record.private.password = changes["MasterUserPassword"]
            backend.instance_event(region, record, "Reset master credentials.", "configuration change")
    except Exception as error:
        mark_failed(backend, region, record, error, "Modifying the DB instance")
        return
    if "Port" in changes and changes["Port"] != old_port:
        backend.supervisor.release_port(old_port)
    status = "available" if backend.is_running(record) else record.status
    if record.status in ("modifying", "resetting-master-credentials"):
        status = "available"
    backend.set_status(region, record, status)
    if "DBInstanceClass" in changes:
        backend.instance_event(
            region, record, "Finished applying modification to DB instance class", "configuration change"
        )


def apply_settings(backend: Backend, region: Region, record: Record[Any]) -> None:
    """Hand the parameter groups' values to the running engine; static ones wait for a reboot. Each
    group's status says whether one of its values waits: the DB parameter group's
    (``ParameterApplyStatus``) and, on an Aurora member, the cluster's (``DBClusterParameterGroupStatus``)."""
    if not backend.is_running(record):
        return
    base = _own_settings(region, record)
    extra = {
        **replicas.settings(region, record, base),
        **multi_az.primary_settings(record),
        **clusters.member_settings(region, record),
    }
    static = backend.driver_of(record).apply_settings(backend.process_name(record), {**base, **extra})
    pending = _waiting_for_reboot(backend, record, base, extra, static)
    cluster_values, instance_values = group_values(region, record)
    member = clusters.is_member(record)
    # A value waits on the cluster's group only when that group set it; the class's (Serverless v2
    # capacity included) and the instance's own group's wait on the instance's DB parameter group.
    own = {name for name in pending if name in instance_values or name not in cluster_values or not member}
    with backend.store.lock:
        record.fields["ParameterApplyStatus"] = "pending-reboot" if own else "in-sync"
        if member:
            record.private.cluster_parameter_status = "pending-reboot" if set(pending) - own else "in-sync"
        backend.save(region)


def _waiting_for_reboot(
    backend: Backend, record: Record[Any], base: dict[str, str], extra: dict[str, str], static: list[str]
) -> list[str]:
    """The static settings (``static``: those the engine reads only at start) of the class and the
    groups (``base``) whose value differs from the one the engine started with, a removed value
    included; replication's own settings (``extra``) are written at every start and left out."""
    started = record.private.started_settings
    if started is None:  # started by an older Fogbank: every static value may wait
        return sorted(name for name in static if name not in extra)
    changed = {name for name in set(base) | set(started) if base.get(name) != started.get(name)} - set(extra)
    removed = {name for name in changed if name not in base}
    catalog = backend.catalogs.get(backend.version_of(record)) if removed else {}
    return sorted(
        name
        for name in changed
        if name in static or (name in removed and catalog.get(name.lower(), {}).get("ApplyType") == "static")
    )


def take_snapshot(backend: Backend, region: Region, record: Record[Any], snapshot: Record[Any]) -> None:
    """A consistent copy of the instance's data directory (online when the engine runs)."""
    backend.event(region, "db-snapshot", snapshot.fields["DBSnapshotIdentifier"], snapshot.fields["DBSnapshotArn"],
                  "Creating manual snapshot", "creation")  # fmt: skip
    dest = backend.snapshot_dir(snapshot)
    shutil.rmtree(dest.parent, ignore_errors=True)
    dest.parent.mkdir(mode=0o700, parents=True)
    try:
        backend.driver_of(record).snapshot(backend.process_name(record), backend.data_dir(record), dest)
    except Exception as error:
        log.exception("snapshot %s failed", snapshot.fields["DBSnapshotIdentifier"])
        with backend.store.lock:
            snapshot.status = "failed"
            backend.save(region)
        backend.event(region, "db-snapshot", snapshot.fields["DBSnapshotIdentifier"], snapshot.fields["DBSnapshotArn"],
                      f"Snapshot failed: {str(error).splitlines()[0]}", "failure")  # fmt: skip
        return
    with backend.store.lock:
        snapshot.status = "available"
        snapshot.fields["PercentProgress"] = 100
        snapshot.fields["SnapshotCreateTime"] = iso(now())
        snapshot.fields.setdefault("OriginalSnapshotCreateTime", snapshot.fields["SnapshotCreateTime"])
        backend.save(region)
    backend.event(region, "db-snapshot", snapshot.fields["DBSnapshotIdentifier"], snapshot.fields["DBSnapshotArn"],
                  "Manual snapshot created", "creation")  # fmt: skip


def copy_snapshot(backend: Backend, region: Region, source: Record[Any], target: Record[Any]) -> None:
    dest = backend.snapshot_dir(target)
    dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        shutil.copytree(backend.snapshot_dir(source), dest, symlinks=True)
    except Exception as error:
        with backend.store.lock:
            target.status = "failed"
            backend.save(region)
        log.warning("copying snapshot failed: %s", error)
        return
    with backend.store.lock:
        target.status = "available"
        target.fields["PercentProgress"] = 100
        backend.save(region)
    backend.event(region, "db-snapshot", target.fields["DBSnapshotIdentifier"], target.fields["DBSnapshotArn"],
                  "Finished copy of snapshot", "notification")  # fmt: skip


def delete_snapshot_files(backend: Backend, snapshot: Record[Any]) -> None:
    shutil.rmtree(backend.snapshot_dir(snapshot).parent, ignore_errors=True)
