"""Multi-AZ DB instances: a standby kept in step by the engine's own replication, promoted in
the primary's place by a failover; the instance's endpoint (address and port) stays the same.

The standby is a second engine process of the same instance (``rds/<id>/standby``) on a
private port, in the instance directory beside the primary's data: the two directories are
``data`` and ``standby``, ``InstancePrivate.data_name`` names the primary's and a failover
swaps them. It is no resource of its own and takes no connections, as on RDS.

- PostgreSQL: a base backup streaming from the primary through a replication slot; the primary
  names it in ``synchronous_standby_names``, so a commit returns once the standby has it on disk.
- MariaDB: a GTID replica with semi-synchronous replication (``AFTER_SYNC``): a commit returns
  once the standby has the transaction in its relay log. Its ``rpl_semi_sync_master_timeout``
  is as long as MariaDB allows: the primary never goes on asynchronously by itself.

The primary waits for the standby only while ``standby_ready``: a standby being copied (at
creation, after a failover) blocks no commit, and one that cannot be restarted stops blocking.
A standby that dies is restarted by the supervisor; commits wait meanwhile, as on RDS, where
writes pause while the standby's storage is replaced. Only a ready standby can be failed over
to: it holds every commit the primary acknowledged.

A failover (``RebootDBInstance(ForceFailover=True)``, or the primary's process dying): the old
primary is stopped (fenced), the standby applies everything it received and is promoted, then
restarts as the instance's engine on the endpoint's port. The old primary's data is dropped and
a new standby copied from the new primary, as RDS replaces a failed one.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from fogbank.engines import mariadb_replicas, postgres_replicas
from fogbank.engines.interface import InstanceSpec
from fogbank.engines.postgres import PostgresEngine
from fogbank.managed import ports, supervision
from fogbank.managed.records import Record
from fogbank.services.rds import backups
from fogbank.services.rds.backend import Backend
from fogbank.services.rds.engines import is_postgres
from fogbank.services.rds.store import Region

log = logging.getLogger(__name__)

STANDBY_APPLICATION = "rds_standby"  # its application_name, named by synchronous_standby_names
# RDS's events (RDS-EVENT-0013, -0049, -0025, -0029).
FAILOVER_STARTED = "A Multi-AZ failover that resulted in the promotion of a standby instance has started."
FAILOVER_COMPLETED = "A Multi-AZ failover has completed."
CONVERTING = "Applying modification to convert to a Multi-AZ DB instance."
CONVERTED = "Finished applying modification to convert to a Multi-AZ DB instance."
CONVERTED_SINGLE = "Finished applying modification to convert to a standard (Single-AZ) DB instance."
SEMI_SYNC_TIMEOUT_MS = "4294967295"  # its largest value everywhere: about 49 days
READY_TIMEOUT = 30.0  # how long a new standby may take to stream from its primary


def wanted(record: Record[Any]) -> bool:
    return bool(record.fields.get("MultiAZ"))


def standby_name(backend: Backend, record: Record[Any]) -> str:
    return backend.process_name(record) + "/standby"


def standby_dir(backend: Backend, record: Record[Any]) -> Path:
    return backend.instance_dir(record) / ("standby" if record.private.data_name == "data" else "data")


def _slot(record: Record[Any]) -> str:
    return postgres_replicas.slot_name(record.resource_id + "_standby")


def secondary_zone(zone: str) -> str:
    """Another zone of the instance's region for its standby (RDS picks one; ``a`` <-> ``b``)."""
    letter = "b" if zone[-1] != "b" else "a"
    return zone[:-1] + letter


# -- settings ---------------------------------------------------------------------------------


def primary_settings(record: Record[Any], ready: bool | None = None) -> dict[str, str]:
    """What the primary runs with for its standby (nothing for a Single-AZ instance); ``ready``
    overrides whether it waits for it."""
    ready = record.private.standby_ready if ready is None else ready
    if is_postgres(record.fields["Engine"]):
        return {"synchronous_standby_names": STANDBY_APPLICATION} if ready else {}
    if not record.private.binlog:  # semi-sync needs the binary log: never on without one
        return {}
    # Said explicitly either way: MariaDB keeps a dynamic variable's value when it leaves the file.
    return {
        "rpl_semi_sync_master_enabled": "ON" if ready else "OFF",
        "rpl_semi_sync_master_wait_point": "AFTER_SYNC",
        # Never asynchronous by itself (MariaDB's default is after 10 s): a failover then could
        # lose what was acknowledged. A standby that cannot be restarted turns the wait off.
        "rpl_semi_sync_master_timeout": SEMI_SYNC_TIMEOUT_MS,
    }


def _standby_settings(region: Region, record: Record[Any]) -> dict[str, str]:
    from fogbank.services.rds import lifecycle

    settings = lifecycle.settings_for(region, record)
    settings.pop("synchronous_standby_names", None)
    if is_postgres(record.fields["Engine"]):
        return settings
    for key in ("rpl_semi_sync_master_enabled", "rpl_semi_sync_master_wait_point", "rpl_semi_sync_master_timeout"):
        settings.pop(key, None)
    return {
        **settings,
        **mariadb_replicas.replica_settings(record.resource_id + "/standby"),  # a server_id of its own
        "rpl_semi_sync_slave_enabled": "ON",
    }


# -- the standby process ------------------------------------------------------------------------


class StandbyRecovery:
    """``supervision.SupervisionHooks`` for the standby: the supervisor restarts it; while it
    cannot be restarted the primary stops waiting for it (commits would hang)."""

    def __init__(self, backend: Backend, region: Region, record: Record[Any]) -> None:
        self.backend, self.region, self.record = backend, region, record

    def died(self, code: int) -> None:
        log.warning("%s: the standby exited with code %s, restarting it", self.record.identifier, code)

    def failing(self, failures: int, reason: str) -> None:
        _set_ready(self.backend, self.region, self.record, False)
        self.backend.instance_event(
            self.region, self.record, f"The standby DB instance could not be restarted: {reason}", "failure"
        )

    def restarted(self) -> None:
        if not self.record.private.standby_ready:
            _set_ready(self.backend, self.region, self.record, True)


def _set_ready(backend: Backend, region: Region, record: Record[Any], ready: bool) -> None:
    """Whether the primary waits for its standby, in its settings file and live (both settings
    are reloadable). Not ``lifecycle.apply_settings``: that would report the parameter group's
    static values as pending a reboot.

    The flag also allows a failover, so it is set only once the primary commits synchronously
    and the standby holds what the primary acknowledged before (and cleared before the primary
    stops waiting)."""
    from fogbank.services.rds import lifecycle

    if not ready:
        _save_ready(backend, region, record, False)
    if backend.is_running(record):
        driver, name = backend.driver_of(record), backend.process_name(record)
        settings = {**lifecycle.settings_for(region, record), **primary_settings(record, ready)}
        try:
            driver.apply_settings(name, settings)
            if ready and isinstance(driver, PostgresEngine):
                postgres_replicas.wait_synchronous(driver, name, STANDBY_APPLICATION)
            elif ready:
                mariadb_replicas.wait_synchronous(driver, name, standby_name(backend, record))
        except Exception as error:
            log.warning("%s: applying the standby's state to the primary failed: %s", record.identifier, error)
            return
    if ready:
        _save_ready(backend, region, record, True)


def _save_ready(backend: Backend, region: Region, record: Record[Any], ready: bool) -> None:
    with backend.store.lock:
        record.private.standby_ready = ready
        backend.save(region)


def _start_standby(backend: Backend, region: Region, record: Record[Any]) -> None:
    driver, name = backend.driver_of(record), standby_name(backend, record)
    settings = _standby_settings(region, record)

    def moved(old: int, new: int) -> None:
        with backend.store.lock:
            record.private.standby_port = new
            backend.save(region)

    archive = None
    if is_postgres(record.fields["Engine"]):
        _point_postgres(record, standby_dir(backend, record))
        # A standby archives nothing while it replays, but once promoted it archives the new
        # timeline's history file, without which a point-in-time restore never follows the
        # failover. (MariaDB's archive is its binlog directory: one server writes it.)
        archive = backups.archive_dir(backend, record)
    proc = ports.start_on_port(
        backend.supervisor,
        record.private.standby_port,
        lambda port: driver.start(
            InstanceSpec(name, standby_dir(backend, record), port, settings=settings, archive_dir=archive)
        ),  # fmt: skip
        moved,
    )
    supervision.watch(proc, StandbyRecovery(backend, region, record))
    backend.running.add(name, driver)


def _point_postgres(record: Record[Any], data_dir: Path) -> None:
    postgres_replicas.follow(
        data_dir, record.fields["Port"], record.private.replication_password, _slot(record), STANDBY_APPLICATION
    )


def _wait_streaming(backend: Backend, record: Record[Any]) -> None:
    driver, name = backend.driver_of(record), standby_name(backend, record)
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        try:
            if isinstance(driver, PostgresEngine):
                streaming = postgres_replicas.state(driver, name).replicating
            else:
                streaming = mariadb_replicas.state(driver, name).replicating
        except Exception:
            streaming = False
        if streaming:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the standby did not replicate within {READY_TIMEOUT:.0f} s")
        time.sleep(0.02)


def add_standby(backend: Backend, region: Region, record: Record[Any]) -> None:
    """Copy the running primary into a new standby, start it following, and make the primary
    wait for it. Raises when it could not be made (the caller says so)."""
    from fogbank.services.rds import lifecycle, replicas

    remove_standby(backend, region, record)
    with backend.store.lock:
        if not record.private.replication_password:
            record.private.replication_password = secrets.token_hex(16)
        if not record.private.standby_port:
            record.private.standby_port = lifecycle.allocate_port(backend, None)
        binlog_was = record.private.binlog
        record.private.binlog = not is_postgres(record.fields["Engine"]) or binlog_was
        backend.save(region)
    driver, name = backend.driver_of(record), backend.process_name(record)
    password, target = record.private.replication_password, standby_dir(backend, record)
    if isinstance(driver, PostgresEngine):
        postgres_replicas.prepare_source(driver, name, password, _slot(record))
        postgres_replicas.clone(driver, name, target, _slot(record))
        _start_standby(backend, region, record)
    else:
        if not mariadb_replicas.binlog_on(driver, name):  # static: the primary restarts once with it
            backend.stop_engine(record)
            lifecycle.start_engine(backend, region, record)
        if not record.fields.get(replicas.SOURCE):
            mariadb_replicas.prepare_source(driver, name, password)
        position = mariadb_replicas.clone(
            driver, name, backend.data_dir(record), target, backend.instance_dir(record) / "copy"
        )
        _start_standby(backend, region, record)
        mariadb_replicas.follow(driver, standby_name(backend, record), record.fields["Port"], password, position)
    _wait_streaming(backend, record)
    _set_ready(backend, region, record, True)


def remove_standby(backend: Backend, region: Region, record: Record[Any]) -> None:
    """Stop the standby and drop its data (and its slot on a PostgreSQL primary)."""
    backend.running.stop(standby_name(backend, record))
    if record.private.standby_ready:
        _set_ready(backend, region, record, False)
    if is_postgres(record.fields["Engine"]) and backend.is_running(record):
        try:
            postgres_replicas.drop_slot(backend.driver_of(record), backend.process_name(record), _slot(record))
        except Exception as error:
            log.warning("%s: dropping the standby's slot failed: %s", record.identifier, error)
    shutil.rmtree(standby_dir(backend, record), ignore_errors=True)


def release(backend: Backend, record: Record[Any]) -> None:
    """A deleted instance gives its standby's port back."""
    if record.private.standby_port:
        backend.supervisor.release_port(record.private.standby_port)


# -- hooks the lifecycle calls ----------------------------------------------------------------


def resume(backend: Backend, region: Region, record: Record[Any]) -> None:
    """The primary is up (Fogbank started, the instance started, a modification applied): the
    standby runs when the instance is Multi-AZ (copied anew when its data is gone), and none
    runs when it is not."""
    if not wanted(record):
        if record.private.standby_port or standby_dir(backend, record).exists():
            remove_standby(backend, region, record)
            release(backend, record)
            with backend.store.lock:
                record.private.standby_port = 0
                backend.save(region)
        return
    if backend.running.get(standby_name(backend, record)) is not None:
        return
    if standby_dir(backend, record).is_dir() and record.private.standby_port:
        try:
            _start_standby(backend, region, record)
            return
        except Exception as error:
            log.warning("%s: the standby did not start, copying it again: %s", record.identifier, error)
    add_standby(backend, region, record)


def after_start(backend: Backend, region: Region, record: Record[Any]) -> None:
    """A primary that moved to another port takes its running standby along."""
    name = standby_name(backend, record)
    driver = backend.running.get(name)
    if driver is None:
        return
    try:
        if isinstance(driver, PostgresEngine):
            _point_postgres(record, standby_dir(backend, record))
            with driver._admin(name) as conn:
                conn.execute("SELECT pg_reload_conf()")  # primary_conninfo is reloadable
        elif mariadb_replicas.master_port(driver, name) != record.fields["Port"]:
            mariadb_replicas.follow(driver, name, record.fields["Port"], record.private.replication_password, None)
    except Exception as error:
        log.warning("pointing the standby of %s at its primary's port failed: %s", record.identifier, error)


def restart_standby(backend: Backend, region: Region, record: Record[Any]) -> None:
    """The standby takes the primary's new class or parameter group too."""
    if backend.running.stop(standby_name(backend, record)):
        _start_standby(backend, region, record)


def stop(backend: Backend, record: Record[Any]) -> None:
    backend.running.stop(standby_name(backend, record))


def can_fail_over(backend: Backend, record: Record[Any]) -> bool:
    return wanted(record) and record.private.standby_ready and standby_name(backend, record) in backend.running


# -- failover -----------------------------------------------------------------------------------


def failover(backend: Backend, region: Region, record: Record[Any]) -> None:
    """Promote the standby in the primary's place (the record's queue runs this); the instance
    is available again on the same endpoint, and a new standby is copied afterwards."""
    from fogbank.services.rds import lifecycle, replicas

    backend.instance_event(region, record, FAILOVER_STARTED, "failover")
    driver, name = backend.driver_of(record), standby_name(backend, record)
    try:
        if name not in backend.running:
            raise RuntimeError("the standby is not running")
        backend.stop_engine(record)  # fenced: the old primary takes no more writes
        if isinstance(driver, PostgresEngine):
            postgres_replicas.promote(driver, name, standby_dir(backend, record))
        else:
            mariadb_replicas.drain(driver, name)
            mariadb_replicas.promote(driver, name, record.fields["MasterUsername"])
        backend.running.stop(name)
        with backend.store.lock:
            record.private.data_name = standby_dir(backend, record).name
            record.private.standby_ready = False
            zone = record.fields["AvailabilityZone"]
            record.fields["AvailabilityZone"] = record.fields.get("SecondaryAvailabilityZone") or secondary_zone(zone)
            record.fields["SecondaryAvailabilityZone"] = zone
            backend.save(region)
        lifecycle.start_engine(backend, region, record)
        if isinstance(driver, PostgresEngine):  # slots live on the primary: its replicas' are made again
            for replica in replicas.replicas_of(region, record):
                postgres_replicas.prepare_source(
                    driver,
                    backend.process_name(record),
                    record.private.replication_password,
                    postgres_replicas.slot_name(replica.resource_id),
                )
    except Exception as error:
        lifecycle.mark_failed(backend, region, record, error, "The Multi-AZ failover", retry=True)
        return
    backend.set_status_if(region, record, ("rebooting", "available"), "available")
    backend.instance_event(region, record, FAILOVER_COMPLETED, "failover")
    backend.jobs.submit(record.resource_id, lambda: _replace_standby(backend, region, record), grace=0)


def _replace_standby(backend: Backend, region: Region, record: Record[Any]) -> None:
    with backend.store.lock:
        current = region.contains(record) and wanted(record) and record.status == "available"
    if not current or backend.closing.is_set():
        return
    try:
        add_standby(backend, region, record)
    except Exception as error:
        log.warning("%s: replacing the standby failed: %s", record.identifier, error)
        backend.instance_event(region, record, f"The standby DB instance could not be replaced: {error}", "failure")
