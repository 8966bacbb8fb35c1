"""Read replicas on the engines' own replication: the engine work (on ``Backend.jobs``), the
settings sources and replicas run with, and what DescribeDBInstances shows of them.

A replica's record holds ``ReadReplicaSourceDBInstanceIdentifier``; its source's record the
replication login (``InstancePrivate.replication_password``). PostgreSQL replicas stream WAL
(``engines/postgres_replicas.py``), MariaDB ones follow the binary log by GTID
(``engines/mariadb_replicas.py``). The hooks ``lifecycle`` calls: ``create`` (a replica is
made from its source, never from the template), ``settings`` and ``before_start`` /
``after_start`` (each start points a replica at its source's current port), ``deleted``; and
``members`` / ``status_infos`` for DescribeDBInstances, ``check_modify`` and ``renamed`` for
ModifyDBInstance.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
import time
import weakref
from typing import Any

from fogbank.engines import mariadb_replicas, postgres_replicas
from fogbank.engines.mariadb import MariaDBEngine
from fogbank.engines.postgres import PostgresEngine
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.rds.backend import Backend
from fogbank.services.rds.engines import is_postgres
from fogbank.services.rds.records import INSTANCE
from fogbank.services.rds.store import Region, iso, now

log = logging.getLogger(__name__)

SOURCE = "ReadReplicaSourceDBInstanceIdentifier"
# RDS's events (RDS-EVENT-0046, -0045) and the promotion's.
RESUMED = "Replication for the Read Replica resumed."
STOPPED = "Replication has stopped."
PROMOTED = "Promoted Read Replica to a stand-alone database instance"
LAG_PREFIX = "Replica lag: "
MAX_REPLICAS = 15  # RDS for PostgreSQL, MariaDB and MySQL: 15 read replicas per source
MAX_CHAIN = 3  # cascading: up to three replicas in a chain below the source (four instances in all)
WATCH_INTERVAL = 2.0  # how often a replica's link is looked at for RDS's stopped / resumed events
# Per backend: the replicas watched, and whether each replicated when last looked at.
_watched: weakref.WeakKeyDictionary[Backend, dict[str, bool]] = weakref.WeakKeyDictionary()


def source_of(region: Region, record: Record[Any]) -> Record[Any] | None:
    name = record.fields.get(SOURCE)
    if name and name.startswith("arn:"):  # another region's (an Aurora global database's secondary)
        from fogbank.services.rds import global_clusters

        return global_clusters.remote_instance(region, name)
    return region.of(INSTANCE).get(name) if name else None


def depth(region: Region, record: Record[Any]) -> int:
    """How many replication links lie above the instance (0: not a replica)."""
    levels, current = 0, record
    while (current := source_of(region, current)) is not None and levels < MAX_CHAIN + 1:
        levels += 1
    return levels


def replicas_of(region: Region, record: Record[Any]) -> list[Record[Any]]:
    return sorted(
        (r for r in region.of(INSTANCE).values() if r.fields.get(SOURCE) == record.identifier),
        key=lambda r: r.identifier,
    )


def settings(region: Region, record: Record[Any], base: dict[str, str]) -> dict[str, str]:
    """What replication adds to an instance's settings (``base``: its class's and group's).

    PostgreSQL: room for 15 replicas (walsenders and slots; the group's values win), and on a
    replica at least its source's values of the settings a hot standby must not have fewer of
    (a replica of a smaller class would refuse to start); its link is in ``postgresql.auto.conf``.
    MariaDB: a source's or replica's binary log, its server_id, a replica's read_only."""
    if is_postgres(record.fields["Engine"]):
        extra = {key: value for key, value in postgres_replicas.SENDERS.items() if key not in base}
        source = source_of(region, record)
        if source is not None:
            from fogbank.services.rds import lifecycle

            upstream = lifecycle.settings_for(region, source)
            for key in postgres_replicas.AT_LEAST_PRIMARY:
                mine = extra.get(key, base.get(key))
                if key in upstream and (mine is None or _number(upstream[key]) > _number(mine)):
                    extra[key] = upstream[key]
        return extra
    if record.fields.get(SOURCE):
        return mariadb_replicas.replica_settings(record.resource_id)
    if record.private.binlog or replicas_of(region, record):
        return mariadb_replicas.source_settings(record.resource_id)
    return {}


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def check_stop(region: Region, record: Record[Any]) -> None:
    """StopDBInstance: RDS stops neither a source nor a replica (the User Guide's words; the API's
    message is not recorded)."""
    if record.fields.get(SOURCE) or replicas_of(region, record):
        raise AwsError(
            "InvalidDBInstanceStateFault",
            "You can't stop a DB instance that has a read replica, or that is a read replica.",
        )


def check_delete(record: Record[Any], final_snapshot: str | None) -> None:
    """DeleteDBInstance: a replica has no final snapshot (RDS's words)."""
    if final_snapshot and record.fields.get(SOURCE):
        raise AwsError(
            "InvalidParameterCombination",
            "FinalDBSnapshotIdentifier can not be specified when deleting a replica instance",
        )


def check_modify(region: Region, record: Record[Any], params: dict[str, Any]) -> None:
    """ModifyDBInstance: a source keeps its automated backups while it has replicas; a replica's
    users are its source's (replicated), so its master password is changed on the source."""
    changes_password = params.get("MasterUserPassword") is not None or any(
        params.get(key) is not None for key in ("ManageMasterUserPassword", "RotateMasterUserPassword")
    )  # an RDS-managed password (master_secret.py) is a new password too
    if changes_password and record.fields.get(SOURCE):
        raise AwsError(
            "InvalidParameterCombination",
            "The master user password of a read replica is its source's: modify the source DB instance.",
        )
    if params.get("BackupRetentionPeriod") == 0 and replicas_of(region, record):
        raise AwsError(
            "InvalidParameterCombination",
            "The backup retention period can't be set to 0 for a DB instance that is a source to read replicas.",
        )


def renamed(region: Region, record: Record[Any], new_id: str) -> None:
    """A source renamed (``NewDBInstanceIdentifier``): its replicas name it by the new identifier."""
    for replica in replicas_of(region, record):
        replica.fields[SOURCE] = new_id


def before_start(backend: Backend, region: Region, record: Record[Any]) -> None:
    """A PostgreSQL replica follows its source on the port the source has now."""
    source = source_of(region, record)
    if source is not None and is_postgres(record.fields["Engine"]):
        _point_postgres(backend, record, source)


def after_start(backend: Backend, region: Region, record: Record[Any]) -> None:
    """A MariaDB replica whose source moved to another port follows it there; a source that
    moved (``DBPortNumber``, a port taken while Fogbank was down) takes its running replicas along."""
    source = source_of(region, record)
    if source is not None and not is_postgres(record.fields["Engine"]) and record.status != "creating":
        _point_mariadb(backend, record, source)  # a new replica is pointed at its copy's position
    if source is not None and record.status != "creating":
        watch(backend, region, record)
    for replica in replicas_of(region, record):
        if not backend.is_running(replica):
            continue
        try:
            repoint(backend, replica, record)
        except Exception as error:
            log.warning("pointing %s at its source's port failed: %s", replica.identifier, error)


def repoint(backend: Backend, replica: Record[Any], source: Record[Any]) -> None:
    """A running replica follows ``source`` where it is now (another port, another instance)."""
    if is_postgres(source.fields["Engine"]):
        _point_postgres(backend, replica, source)
        with backend.driver_of(replica)._admin(backend.process_name(replica)) as conn:
            conn.execute("SELECT pg_reload_conf()")  # primary_conninfo is reloadable
    else:
        _point_mariadb(backend, replica, source)


def _point_postgres(backend: Backend, replica: Record[Any], source: Record[Any]) -> None:
    postgres_replicas.follow(
        backend.data_dir(replica),
        source.fields["Port"],
        source.private.replication_password,
        postgres_replicas.slot_name(replica.resource_id),
        replica.identifier,
    )


def _point_mariadb(backend: Backend, replica: Record[Any], source: Record[Any]) -> None:
    driver, name = backend.driver_of(replica), backend.process_name(replica)
    if mariadb_replicas.master_port(driver, name) != source.fields["Port"]:
        mariadb_replicas.follow(driver, name, source.fields["Port"], source.private.replication_password, None)


def create(backend: Backend, region: Region, record: Record[Any], announce: bool = True) -> None:
    """A new replica: a consistent copy of the source, started following it (``announce``: with
    the events of a new instance; an Aurora writer coming back as a reader has none)."""
    from fogbank.services.rds import lifecycle

    source = source_of(region, record)
    try:
        if source is None or not _wait_running(backend, source):
            raise RuntimeError("the source DB instance is not running")
        shutil.rmtree(backend.instance_dir(record), ignore_errors=True)
        lifecycle.prepare_instance_dir(backend, record)
        cascading = bool(source.fields.get(SOURCE))  # the login exists already: replicated from the top
        with backend.store.lock:
            if not source.private.replication_password:
                source.private.replication_password = secrets.token_hex(16)
            # The replica's own replicas (cascading) log in with the same, replicated login.
            record.private.replication_password = source.private.replication_password
            source.private.binlog = record.private.binlog = not is_postgres(source.fields["Engine"])
            backend.save(region)
            if str(record.fields.get(SOURCE)).startswith("arn:"):  # the source's region keeps its login too
                from fogbank.services.rds import global_clusters

                global_clusters.save_region_of(backend, region, record.fields[SOURCE])
        password = source.private.replication_password
        source_driver, source_name = backend.driver_of(source), backend.process_name(source)
        if isinstance(source_driver, PostgresEngine):
            slot = postgres_replicas.slot_name(record.resource_id)
            postgres_replicas.prepare_source(source_driver, source_name, password, slot)
            postgres_replicas.clone(source_driver, source_name, backend.data_dir(record), slot)
            lifecycle.start_engine(backend, region, record)
        else:
            assert isinstance(source_driver, MariaDBEngine)
            if not mariadb_replicas.binlog_on(source_driver, source_name):
                _restart_source(backend, region, source)
            if not cascading:
                mariadb_replicas.prepare_source(source_driver, source_name, password)
            position = mariadb_replicas.clone(
                source_driver,
                source_name,
                backend.data_dir(source),
                backend.data_dir(record),
                backend.instance_dir(record) / "copy",
            )
            lifecycle.start_engine(backend, region, record)
            driver, name = backend.driver_of(record), backend.process_name(record)
            mariadb_replicas.restrict(driver, name, record.fields["MasterUsername"])
            mariadb_replicas.follow(driver, name, source.fields["Port"], password, position)
        _wait_replicating(backend, record)
    except Exception as error:
        lifecycle.mark_failed(backend, region, record, error, "Creating the read replica")
        backend.instance_event(region, record, "Read replica creation failed.", "read replica")
        return
    backend.set_status(
        region, record, "available", InstanceCreateTime=record.fields.get("InstanceCreateTime") or iso(now())
    )
    if announce:
        backend.instance_event(region, record, "DB instance created.", "creation")
    if announce and not record.fields.get("DBClusterIdentifier"):
        backend.instance_event(region, record, RESUMED, "read replica")
    watch(backend, region, record)
    if record.fields.get("DBClusterIdentifier"):
        from fogbank.services.rds import clusters

        clusters.member_changed(backend, region, record)  # an Aurora reader: its writer waits for it too


def watch(backend: Backend, region: Region, record: Record[Any]) -> None:
    """Every ``WATCH_INTERVAL``, on the replica's own queue: RDS's "Replication has stopped." when
    its link to the source breaks (an error, someone's STOP SLAVE, a source that stays down) and
    "Replication for the Read Replica resumed." when it is back. Ends when it is no longer a replica."""
    states = _watched.setdefault(backend, {})
    if record.resource_id in states:
        return
    states[record.resource_id] = True

    def look() -> None:
        with backend.store.lock:
            wanted = region.contains(record) and bool(record.fields.get(SOURCE)) and not backend.closing.is_set()
            looked_at = record.status == "available" and backend.is_running(record)
        if not wanted:
            states.pop(record.resource_id, None)
            return
        if looked_at:
            try:
                replicating = _engine_state(backend, record).replicating
            except Exception:
                replicating = False
            if replicating != states.get(record.resource_id, True):
                backend.instance_event(region, record, RESUMED if replicating else STOPPED, "read replica")
            states[record.resource_id] = replicating
        backend.jobs.later(record.resource_id, WATCH_INTERVAL, look)

    backend.jobs.later(record.resource_id, WATCH_INTERVAL, look)


def _restart_source(backend: Backend, region: Region, source: Record[Any]) -> None:
    """The binary log is static: the source restarts once with it (and its server_id), on its
    own queue so that none of its other work (a reboot, a modification) runs meanwhile."""
    from fogbank.services.rds import lifecycle

    done = threading.Event()
    errors: list[Exception] = []

    def restart() -> None:
        try:
            backend.stop_engine(source)
            lifecycle.start_engine(backend, region, source)
            backend.instance_event(region, source, "DB instance restarted.", "availability")
        except Exception as error:
            errors.append(error)
        finally:
            done.set()

    backend.jobs.submit(source.resource_id, restart, grace=0)
    if not done.wait(120):
        raise RuntimeError("the source did not restart with its binary log within 120 s")
    if errors:
        raise errors[0]


def _engine_state(backend: Backend, record: Record[Any]) -> Any:
    driver, name = backend.driver_of(record), backend.process_name(record)
    if isinstance(driver, PostgresEngine):
        return postgres_replicas.state(driver, name)
    return mariadb_replicas.state(driver, name)


def _wait_replicating(backend: Backend, record: Record[Any], timeout: float = 10.0) -> None:
    """``available`` once the replica follows its source (its link comes up just after the start)."""
    deadline = time.monotonic() + timeout
    while not _engine_state(backend, record).replicating and time.monotonic() < deadline:
        time.sleep(0.02)


def _wait_running(backend: Backend, source: Record[Any], timeout: float = 60.0) -> bool:
    """The source's engine up (at Fogbank's start it comes back on its own queue meanwhile)."""
    deadline = time.monotonic() + timeout
    while not backend.is_running(source):
        if backend.closing.is_set() or time.monotonic() > deadline or source.status in ("deleting", "stopped"):
            return False
        time.sleep(0.1)
    return True


def promote(backend: Backend, region: Region, record: Record[Any], changes: dict[str, Any]) -> None:
    """The replica stops replicating and becomes a standalone read-write instance."""
    source = source_of(region, record)
    try:
        driver, name = backend.driver_of(record), backend.process_name(record)
        if backend.is_running(record):
            if isinstance(driver, PostgresEngine):
                postgres_replicas.promote(driver, name, backend.data_dir(record))
            else:
                mariadb_replicas.promote(driver, name, record.fields["MasterUsername"])
        with backend.store.lock:
            record.fields.pop(SOURCE, None)
            record.fields.update(changes)
            if source is not None:  # its users came from the source, with any password changed since
                record.private.password = source.private.password
            backend.save(region)
        from fogbank.services.rds import lifecycle

        # The stored settings lose read_only & co., so a crash restart comes back read-write.
        lifecycle.apply_settings(backend, region, record)
        if source is not None:
            forget(backend, source, record)
    except Exception as error:
        from fogbank.services.rds import lifecycle

        lifecycle.mark_failed(backend, region, record, error, "Promoting the read replica")
        return
    backend.set_status_if(region, record, ("modifying",), "available")
    backend.instance_event(
        region, record, "Replication for the Read Replica has been manually stopped.", "read replica"
    )
    backend.instance_event(region, record, PROMOTED, "read replica")


def forget(backend: Backend, source: Record[Any], replica: Record[Any]) -> None:
    """The source no longer keeps WAL for a replica that is gone or promoted."""
    if not is_postgres(source.fields["Engine"]) or source.status == "deleting" or not backend.is_running(source):
        return
    try:
        postgres_replicas.drop_slot(
            backend.driver_of(source), backend.process_name(source), postgres_replicas.slot_name(replica.resource_id)
        )
    except Exception as error:  # the source going away meanwhile takes the slot with it
        log.warning("dropping the replication slot of %s failed: %s", replica.identifier, error)


def deleted(backend: Backend, region: Region, record: Record[Any]) -> None:
    """An instance whose engine stopped for good: a replica's slot is dropped on its source,
    and a source's replicas are promoted to standalone instances (what RDS does for
    PostgreSQL and MariaDB when a source is deleted)."""
    source = source_of(region, record)
    if source is not None:
        forget(backend, source, record)
    for replica in replicas_of(region, record):
        backend.set_status_if(region, replica, ("available",), "modifying")
        backend.jobs.submit(replica.resource_id, lambda r=replica: promote(backend, region, r, {}), grace=0)


def members(region: Region, record: Record[Any], out: dict[str, Any]) -> None:
    """Who replicates whom, as DBInstance shows it: an Aurora cluster's readers are no read
    replicas (``clusters.py``), the cluster shows who writes."""
    if record.fields.get("DBClusterIdentifier"):
        return
    out["ReadReplicaDBInstanceIdentifiers"] = [r.identifier for r in replicas_of(region, record)]
    if record.fields.get(SOURCE):
        out[SOURCE] = record.fields[SOURCE]


def status_infos(backend: Backend, record: Record[Any], out: dict[str, Any]) -> None:
    """A replica's StatusInfos and ReplicaLag, read from its engine now (CloudWatch's
    ReplicaLag metric is not served)."""
    if not record.fields.get(SOURCE) or record.status in ("creating", "deleting", "stopped"):
        return
    if record.fields.get("DBClusterIdentifier"):
        return
    info: dict[str, Any] = {"StatusType": "read replication", "Status": "replicating", "Normal": True}
    try:
        state = _engine_state(backend, record)
    except Exception as error:
        state = None
        info.update(Status="error", Normal=False, Message=str(error).splitlines()[0] if str(error) else "unreachable")
    if state is not None:
        if state.replicating:
            if state.lag_seconds is not None:
                # DBInstance has no ReplicaLag member (it is a CloudWatch metric, not served):
                # the lag measured now is told in the Message, which RDS leaves out when Normal.
                info["Message"] = f"{LAG_PREFIX}{state.lag_seconds:.3f} seconds"
        else:
            info.update(Status="error", Normal=False, Message=getattr(state, "error", None) or STOPPED)
    out["StatusInfos"] = [info]
