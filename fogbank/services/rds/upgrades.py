"""Engine version upgrades of DB instances (ModifyDBInstance ``EngineVersion``), as RDS makes them.

A **minor** version change within a major keeps the server: every minor Fogbank lists of a major
is served by that major's one install (13.20 by 13.23), so the instance restarts and reports the
new version. A **major** upgrade (PostgreSQL only: Fogbank serves one MariaDB) stops the instance
and makes an upgraded copy of its data (``fogbank.engines.postgres_upgrade``: ``pg_upgrade`` or a
dump and restore) beside the old one, which stays untouched until the new one is committed: the
record's data directory, ``EngineVersion`` and parameter group change together, in one save. A
failed upgrade drops the copy and starts the old data on the old version, as RDS rolls back.

As on RDS, the read replicas are upgraded with their source (a physical replica cannot follow a
newer major: each is copied anew from the upgraded source) and so is a Multi-AZ standby. The
automated backup starts anew: its copies and archived WAL are of the old major's cluster, which
the new server cannot replay.
"""

from __future__ import annotations

import logging
import shutil
from typing import Any

from fogbank.engines.binary import version_key
from fogbank.engines.postgres import PostgresEngine
from fogbank.engines.postgres_upgrade import plan, precheck, upgrade
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.rds import backups, clusters, lifecycle, multi_az, replicas
from fogbank.services.rds.backend import Backend
from fogbank.services.rds.engines import EngineVersion, is_postgres
from fogbank.services.rds.model import INSTANCE as INSTANCE_LIFECYCLE
from fogbank.services.rds.store import Region

log = logging.getLogger(__name__)

# RDS's events of an engine version upgrade (RDS-EVENT-0264 … -0270, -0158, -0398/-0399, -0415/-0416).
PRECHECK_STARTED = "The pre-check started for the DB engine version upgrade."
PRECHECK_FINISHED = "The pre-check finished for the DB engine version upgrade."
DOWNTIME = "The downtime started for the DB instance."
STARTED = "The engine version upgrade started."
FINISHED = "The engine version upgrade finished."
POST_UPGRADE = "The post-upgrade tasks are in progress."
ROLLED_BACK = "The DB engine version upgrade failed. The engine version upgrade rollback succeeded."
CANNOT_UPGRADE = "Database instance is in a state that cannot be upgraded: {reason}."
WAITING_FOR_REPLICAS = "Waiting for the DB engine version upgrade to finish on the read replicas."
WAITING_FOR_PRIMARY = "Waiting for the DB engine version upgrade to finish on the primary DB instance."
REPLICATION_STOPPED = "The upgrade process stopped replication on the read replica."
REPLICATION_RESUMED = "The upgrade process resumed replication on the read replica."
COMPLETE = "Database instance engine {kind} version upgrade complete. Previous version: {old}. New version: {new}."
ALLOW_MAJOR = "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version."
CUSTOM_GROUP = (
    "The current DB instance parameter group {name} is custom. You must explicitly specify a new DB instance "
    "parameter group, either default or custom, for the engine version upgrade."
)


# -- what may be asked ---------------------------------------------------------------------------


def is_major(old: EngineVersion, new: EngineVersion) -> bool:
    return old.major != new.major


def can_upgrade(old: EngineVersion, new: EngineVersion) -> bool:
    """Whether ``new`` is a valid upgrade target of ``old`` here (ValidUpgradeTarget)."""
    if old.engine != new.engine or version_key(new.version) <= version_key(old.version):
        return False
    if not is_major(old, new):
        return new.binary == old.binary  # the same server: a restart
    return is_postgres(old.engine) and plan(old.major, new.major) is not None


def targets(be: Backend, version: EngineVersion) -> list[EngineVersion]:
    """The versions an instance of ``version`` can be upgraded to, oldest first (as RDS lists them)."""
    found = [v for v in be.engines.versions(version.engine) if can_upgrade(version, v)]
    return sorted(found, key=lambda v: version_key(v.version))


def check(be: Backend, region: Region, record: Record[Any], params: dict[str, Any]) -> EngineVersion | None:
    """The version ModifyDBInstance moves to, or None when ``EngineVersion`` asks for no change;
    RDS's errors for what cannot be."""
    if "EngineVersion" in params and not str(params["EngineVersion"]).strip():
        raise AwsError("InvalidParameterValue", "The parameter EngineVersion must not be blank.")  # Fogbank's wording
    if not params.get("EngineVersion"):
        return None
    current = be.version_of(record)
    engine = record.fields["Engine"]
    new = be.engines.resolve(engine, params["EngineVersion"])
    if new.version == record.fields["EngineVersion"]:
        return None
    if record.fields.get(replicas.SOURCE) or clusters.is_member(record):
        raise AwsError(
            "InvalidParameterCombination",
            "Cannot upgrade the engine version of a read replica or a DB cluster member on its own: upgrade its "
            "source DB instance (its read replicas are upgraded with it).",
        )
    cannot = f"Cannot upgrade {engine} from {record.fields['EngineVersion']} to {new.version}"
    if version_key(new.version) < version_key(record.fields["EngineVersion"]):
        raise AwsError("InvalidParameterCombination", cannot)
    if is_major(current, new) and not params.get("AllowMajorVersionUpgrade"):
        raise AwsError("InvalidParameterCombination", ALLOW_MAJOR)
    if not can_upgrade(current, new):
        reason = (
            f"no PostgreSQL {new.major} tools here can upgrade PostgreSQL {current.major} data"
            if is_postgres(engine) and is_major(current, new)
            else f"{new.version} is not served by the server of {current.version}"
        )
        raise AwsError(
            "InvalidParameterCombination",
            f"{cannot}: {reason} (DescribeDBEngineVersions' ValidUpgradeTarget lists the versions it can be "
            "upgraded to).",
        )
    if record.status != "available":
        raise AwsError("InvalidDBInstanceState", "Database instance is not in available state.")
    return new


def parameter_group(region: Region, record: Record[Any], new: EngineVersion, given: str | None) -> str | None:
    """The parameter group the upgraded instance uses: the one given (its family checked by the
    caller), the new family's default for a default group, or RDS's error for a custom group of the
    old family. None: the current one stays (a minor upgrade)."""
    if given:
        return given.lower()
    current = record.fields["DBParameterGroupName"]
    if new.family == current.removeprefix("default."):
        return None
    if not current.startswith("default."):
        raise AwsError("InvalidParameterCombination", CUSTOM_GROUP.format(name=current))
    return f"default.{new.family}"


# -- the work --------------------------------------------------------------------------------


def run(backend: Backend, region: Region, record: Record[Any], new_version: str, group: str | None) -> None:
    """Upgrade the instance (its status is ``upgrading``) to ``new_version``; on the instance's queue."""
    backend.set_status_if(region, record, ("available",), "upgrading")  # after other modifications
    old = backend.version_of(record)
    new = backend.engines.resolve(record.fields["Engine"], new_version, recorded=True)
    backend.instance_event(region, record, PRECHECK_STARTED, "maintenance")
    old_driver = backend.driver_of(record)
    try:
        if isinstance(old_driver, PostgresEngine) and is_major(old, new):
            precheck(old_driver, backend.process_name(record))
    except Exception as error:
        _refused(backend, region, record, str(error))
        return
    backend.instance_event(region, record, PRECHECK_FINISHED, "maintenance")
    if not is_major(old, new):
        _minor(backend, region, record, old, new)
        return
    followers = replicas.replicas_of(region, record)
    for replica in _descendants(region, record):
        backend.set_status_if(region, replica, ("available",), "upgrading")
        backend.instance_event(region, replica, WAITING_FOR_PRIMARY, "maintenance")
        backend.instance_event(region, replica, REPLICATION_STOPPED, "read replica")
    if followers:
        backend.instance_event(region, record, WAITING_FOR_REPLICAS, "maintenance")
    if multi_az.wanted(record):
        multi_az.remove_standby(backend, region, record)  # a standby cannot follow a newer major: made anew
    backend.stop_engine(record)
    backend.instance_event(region, record, "DB instance shutdown", "availability")
    backend.instance_event(region, record, DOWNTIME, "maintenance")
    backend.instance_event(region, record, STARTED, "maintenance")
    work = backend.instance_dir(record) / "upgrade"
    shutil.rmtree(work, ignore_errors=True)
    ports = _ports(backend)
    try:
        new_data, method = upgrade(
            old_driver, backend.engines.driver(new), backend.data_dir(record), work, ports, backend.process_name(record)
        )
        _commit(backend, region, record, new, group, new_data)
    except Exception as error:  # nothing was committed: the old data is as it was
        log.warning("upgrading %s to %s failed: %s", record.identifier, new.version, error)
        shutil.rmtree(work, ignore_errors=True)
        _roll_back(backend, region, record, followers, error)
        return
    finally:
        for port in ports:
            backend.supervisor.release_port(port)
    shutil.rmtree(work, ignore_errors=True)
    backups.start_anew(backend, region, record)
    try:
        lifecycle.start_engine(backend, region, record)
    except Exception as error:  # the data is upgraded and committed: retried as any start that fails
        lifecycle.mark_failed(backend, region, record, error, "Starting the upgraded DB instance", retry=True)
        return
    backend.instance_event(region, record, "DB instance restarted.", "availability")
    backend.instance_event(region, record, FINISHED, "maintenance")
    backend.instance_event(region, record, POST_UPGRADE, "maintenance")
    log.info("%s upgraded from %s to %s with %s", record.identifier, old.version, new.version, method)
    try:
        multi_az.resume(backend, region, record)
    except Exception as error:
        log.warning("%s: the standby of the upgraded instance could not be made: %s", record.identifier, error)
    _done(backend, region, record, "major", old.version, new.version)
    _upgrade_replicas(backend, region, followers, new)


def _descendants(region: Region, record: Record[Any]) -> list[Record[Any]]:
    """Its read replicas, theirs (cascading), and so on."""
    out = []
    for replica in replicas.replicas_of(region, record):
        out += [replica, *_descendants(region, replica)]
    return out


def _ports(backend: Backend) -> tuple[int, int]:
    return lifecycle.allocate_port(backend, None), lifecycle.allocate_port(backend, None)


def _commit(
    backend: Backend, region: Region, record: Record[Any], new: EngineVersion, group: str | None, new_data: Any
) -> None:
    """The upgraded copy becomes the instance's data, with its version and parameter group, in one
    save: before it, a restart finds the old data and version; after it, the new ones."""
    free = multi_az.standby_dir(backend, record)  # the other of "data" / "standby": the standby is gone
    shutil.rmtree(free, ignore_errors=True)
    new_data.rename(free)
    old_data = backend.data_dir(record)
    with backend.store.lock:
        record.private.data_name = free.name
        record.fields["EngineVersion"] = new.version
        if group:
            record.fields["DBParameterGroupName"] = group
        record.fields["ParameterApplyStatus"] = "in-sync"
        record.fields["PendingModifiedValues"].pop("EngineVersion", None)
        record.private.pending_parameter_group = ""
        backend.save(region)
    shutil.rmtree(old_data, ignore_errors=True)


def _roll_back(
    backend: Backend, region: Region, record: Record[Any], followers: list[Record[Any]], error: Exception
) -> None:
    """The old data on the old version again, its standby and replicas following it, and why."""
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    try:
        lifecycle.start_engine(backend, region, record)
        multi_az.resume(backend, region, record)
        for replica in _descendants(region, record):
            if not backend.is_running(replica):
                lifecycle.start_engine(backend, region, replica)
            backend.set_status_if(region, replica, ("upgrading",), "available")
            backend.instance_event(region, replica, REPLICATION_RESUMED, "read replica")
    except Exception as start_error:
        lifecycle.mark_failed(backend, region, record, start_error, "Rolling back the upgrade", retry=True)
        return
    _refused(backend, region, record, reason)
    backend.instance_event(region, record, ROLLED_BACK, "maintenance")


def _refused(backend: Backend, region: Region, record: Record[Any], reason: str) -> None:
    with backend.store.lock:
        record.fields["PendingModifiedValues"].pop("EngineVersion", None)
        record.private.pending_parameter_group = ""
    backend.set_status_if(region, record, ("upgrading",), "available")
    backend.instance_event(region, record, CANNOT_UPGRADE.format(reason=reason.rstrip(".")), "notification")


def _minor(backend: Backend, region: Region, record: Record[Any], old: EngineVersion, new: EngineVersion) -> None:
    """The same server, a new version number: a restart, as RDS's minor upgrade restarts."""
    backend.stop_engine(record)
    backend.instance_event(region, record, "DB instance shutdown", "availability")
    backend.instance_event(region, record, STARTED, "maintenance")
    with backend.store.lock:
        record.fields["EngineVersion"] = new.version
        record.fields["PendingModifiedValues"].pop("EngineVersion", None)
        backend.save(region)
    try:
        lifecycle.start_engine(backend, region, record)
        multi_az.restart_standby(backend, region, record)
    except Exception as error:
        lifecycle.mark_failed(backend, region, record, error, "Upgrading the DB instance", retry=True)
        return
    backend.instance_event(region, record, "DB instance restarted.", "availability")
    backend.instance_event(region, record, FINISHED, "maintenance")
    _done(backend, region, record, "minor", old.version, new.version)
    for replica in replicas.replicas_of(region, record):  # the same server: only the number changes
        with backend.store.lock:
            replica.fields["EngineVersion"] = new.version
            backend.save(region)


def _done(backend: Backend, region: Region, record: Record[Any], kind: str, old: str, new: str) -> None:
    backend.set_status_if(region, record, ("upgrading",), "available")
    backend.instance_event(region, record, COMPLETE.format(kind=kind, old=old, new=new), "maintenance")
    backups.became_available(backend, region, record)


def _upgrade_replicas(backend: Backend, region: Region, followers: list[Record[Any]], new: EngineVersion) -> None:
    """Each replica copied anew from its upgraded source, then its own replicas from it (cascading)."""
    for replica in followers:
        previous = replica.fields["EngineVersion"]
        backend.stop_engine(replica)
        source = replicas.source_of(region, replica)
        with backend.store.lock:  # the source's new version and parameter group (RDS upgrades them alike)
            replica.fields["EngineVersion"] = new.version
            if source is not None:
                replica.fields["DBParameterGroupName"] = source.fields["DBParameterGroupName"]
            backend.save(region)
        replicas.create(backend, region, replica, announce=False)  # available again, streaming
        if replica.status != "available":
            continue
        backend.instance_event(region, replica, REPLICATION_RESUMED, "read replica")
        backend.instance_event(region, replica, COMPLETE.format(kind="major", old=previous, new=new.version),
                               "maintenance")  # fmt: skip
        _upgrade_replicas(backend, region, replicas.replicas_of(region, replica), new)


def begin(record: Record[Any]) -> None:
    """The API call's part: the instance shows ``upgrading`` while the job runs."""
    INSTANCE_LIFECYCLE.move(record, "upgrading")
