"""Multi-AZ DB instances: a real standby kept in step synchronously, failed over by a forced
reboot and by the primary's death, with the same endpoint and no acknowledged commit lost."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import botocore.exceptions
import psycopg
import pymysql
import pytest

from tests.rds.conftest import PASSWORD, OwnFogbank, run_sql, wait_status

STARTED = "A Multi-AZ failover that resulted in the promotion of a standby instance has started."
COMPLETED = "A Multi-AZ failover has completed."


def _connect(engine: str, instance: dict[str, Any]) -> Any:
    ep = instance["Endpoint"]
    if engine == "postgres":
        return psycopg.connect(host=ep["Address"], port=ep["Port"], user="postgres", password=PASSWORD,
                               dbname="postgres", autocommit=True, connect_timeout=2)  # fmt: skip
    return pymysql.connect(host=ep["Address"], port=ep["Port"], user="admin", password=PASSWORD, database="shop",
                           autocommit=True, connect_timeout=2, read_timeout=15, write_timeout=15)  # fmt: skip


class Writer(threading.Thread):
    """Inserts 1, 2, 3, ... through the instance's endpoint, reconnecting after errors; ``acked``
    holds every insert whose commit the server acknowledged."""

    def __init__(self, engine: str, instance: dict[str, Any]) -> None:
        super().__init__(daemon=True)
        self.engine, self.instance = engine, instance
        self.acked: list[int] = []
        self.stop = threading.Event()
        self.errors = 0

    def run(self) -> None:
        n, conn = 0, None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = _connect(self.engine, self.instance)
                n += 1
                run_sql(conn, "INSERT INTO t VALUES (?)", n)
                self.acked.append(n)
            except (psycopg.Error, pymysql.MySQLError, OSError):
                self.errors += 1
                conn = None
                time.sleep(0.05)
            time.sleep(0.002)

    def acked_since(self, count: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acked) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.acked) >= count, f"only {len(self.acked)} commits acknowledged"


def _events(rds: Any, identifier: str) -> list[str]:
    return [e["Message"] for e in rds.describe_events(SourceType="db-instance", SourceIdentifier=identifier)["Events"]]


def _standby_ready(fogbank_server: Any, rds: Any, identifier: str, timeout: float = 30) -> None:
    """The new standby streams (a forced failover is accepted only then)."""
    from fogbank.services.rds import multi_az

    be = fogbank_server.platform.service("rds").backend
    deadline = time.monotonic() + timeout
    while True:
        with be.store.lock:
            record = next(r for _, r in be.store.all_records("db-instance") if r.identifier == identifier)
        if multi_az.can_fail_over(be, record):
            return record
        assert time.monotonic() < deadline, "the standby was not replaced"
        time.sleep(0.1)


def _setup(engine: str, instance: dict[str, Any]) -> None:
    if engine == "mariadb":
        with pymysql.connect(host=instance["Endpoint"]["Address"], port=instance["Endpoint"]["Port"], user="admin",
                             password=PASSWORD, autocommit=True) as conn, conn.cursor() as cursor:  # fmt: skip
            cursor.execute("CREATE DATABASE shop")
    with _connect(engine, instance) as conn:
        run_sql(conn, "CREATE TABLE t (n int PRIMARY KEY)")


def _rows(engine: str, instance: dict[str, Any]) -> set[int]:
    with _connect(engine, instance) as conn:
        return {row[0] for row in run_sql(conn, "SELECT n FROM t")}


def _failed_over(rds: Any, identifier: str, count: int) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while _events(rds, identifier).count(COMPLETED) < count:
        assert time.monotonic() < deadline, _events(rds, identifier)
        time.sleep(0.05)
    return wait_status(rds, identifier, "available")


@pytest.mark.parametrize("engine", ["postgres", "mariadb"])
def test_failover_keeps_the_endpoint_and_every_acknowledged_commit(rds, make_instance, fogbank_server, engine):
    instance = make_instance(f"{engine}-maz", engine=engine, MultiAZ=True)
    assert instance["MultiAZ"] is True
    zone, secondary = instance["AvailabilityZone"], instance["SecondaryAvailabilityZone"]
    assert zone != secondary and secondary.startswith("us-east-1")
    assert rds.describe_orderable_db_instance_options(Engine=engine)["OrderableDBInstanceOptions"][0]["MultiAZCapable"]
    _setup(engine, instance)
    be = fogbank_server.platform.service("rds").backend
    assert fogbank_server.platform.supervisor.get(f"rds/{instance['DbiResourceId']}/standby") is not None

    writer = Writer(engine, instance)
    writer.start()
    try:
        writer.acked_since(50)
        out = rds.reboot_db_instance(DBInstanceIdentifier=f"{engine}-maz", ForceFailover=True)["DBInstance"]
        assert out["DBInstanceStatus"] == "rebooting"
        after = _failed_over(rds, f"{engine}-maz", 1)
        assert after["Endpoint"] == instance["Endpoint"]  # the same address and port
        assert (after["AvailabilityZone"], after["SecondaryAvailabilityZone"]) == (secondary, zone)
        writer.acked_since(len(writer.acked) + 50)  # writes go on through the same endpoint
        events = _events(rds, f"{engine}-maz")
        assert events.index(STARTED) < events.index(COMPLETED)
        if engine == "postgres":  # the standby was promoted: a new timeline
            with _connect(engine, instance) as conn:
                assert run_sql(conn, "SELECT timeline_id FROM pg_control_checkpoint()")[0][0] >= 2

        # The primary's process killed: the new standby (copied after the failover) takes over.
        record = _standby_ready(fogbank_server, rds, f"{engine}-maz")
        assert record.private.data_name == "standby"  # the promoted standby's data serves the endpoint
        primary = fogbank_server.platform.supervisor.get(be.process_name(record))
        os.kill(primary.pid, signal.SIGKILL)
        _failed_over(rds, f"{engine}-maz", 2)
        writer.acked_since(len(writer.acked) + 50)
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    missing = set(writer.acked) - _rows(engine, instance)
    assert not missing, f"{len(missing)} acknowledged commits lost: {sorted(missing)[:10]}"
    assert len(writer.acked) >= 150


def _error(call: Any) -> tuple[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def test_convert_to_multi_az_and_back(rds, make_instance, fogbank_server):
    instance = make_instance("pg-convert")
    _setup("postgres", instance)
    with _connect("postgres", instance) as conn:
        run_sql(conn, "INSERT INTO t VALUES (1)")
    code, message = _error(lambda: rds.reboot_db_instance(DBInstanceIdentifier="pg-convert", ForceFailover=True))
    assert (code, message) == ("InvalidParameterCombination",
                               "Reboot with failover is only supported for Multi-AZ DB instances.")  # fmt: skip
    # Without ApplyImmediately the conversion waits for the maintenance window.
    out = rds.modify_db_instance(DBInstanceIdentifier="pg-convert", MultiAZ=True)["DBInstance"]
    assert out["PendingModifiedValues"] == {"MultiAZ": True} and out["MultiAZ"] is False
    rds.modify_db_instance(DBInstanceIdentifier="pg-convert", MultiAZ=True, ApplyImmediately=True)
    converted = wait_status(rds, "pg-convert", "available")
    assert converted["MultiAZ"] is True and converted["PendingModifiedValues"] == {}
    assert "Finished applying modification to convert to a Multi-AZ DB instance." in _events(rds, "pg-convert")
    _standby_ready(fogbank_server, rds, "pg-convert")
    with _connect("postgres", instance) as conn:  # the primary now waits for its standby at each commit
        assert run_sql(conn, "SHOW synchronous_standby_names") == [("rds_standby",)]
        run_sql(conn, "INSERT INTO t VALUES (2)")
    rds.reboot_db_instance(DBInstanceIdentifier="pg-convert", ForceFailover=True)
    _failed_over(rds, "pg-convert", 1)
    assert _rows("postgres", instance) == {1, 2}

    _standby_ready(fogbank_server, rds, "pg-convert")
    rds.modify_db_instance(DBInstanceIdentifier="pg-convert", MultiAZ=False, ApplyImmediately=True)
    single = wait_status(rds, "pg-convert", "available")
    assert single["MultiAZ"] is False and "SecondaryAvailabilityZone" not in single
    assert fogbank_server.platform.supervisor.get(f"rds/{single['DbiResourceId']}/standby") is None
    with _connect("postgres", instance) as conn:
        assert run_sql(conn, "SHOW synchronous_standby_names") == [("",)]
        run_sql(conn, "INSERT INTO t VALUES (3)")  # no standby to wait for
        assert run_sql(conn, "SELECT count(*) FROM pg_replication_slots") == [(0,)]


def test_multi_az_bad_requests(rds, make_instance):
    code, message = _error(lambda: rds.create_db_instance(
        DBInstanceIdentifier="maz-zone", Engine="postgres", DBInstanceClass="db.t3.micro", MasterUsername="postgres",
        MasterUserPassword=PASSWORD, MultiAZ=True, AvailabilityZone="us-east-1a"))  # fmt: skip
    assert (code, message) == ("InvalidParameterCombination",
                               "Requesting a specific availability zone is not valid for Multi-AZ instances.")  # fmt: skip
    make_instance("maz-source")
    code, _ = _error(lambda: rds.create_db_instance_read_replica(
        DBInstanceIdentifier="maz-replica", SourceDBInstanceIdentifier="maz-source", MultiAZ=True))  # fmt: skip
    assert code == "InvalidParameterCombination"
    assert [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]] == ["maz-source"]


def test_fogbank_restart_brings_the_standby_back():
    """Fogbank killed with -9 (its engines die with it): each Multi-AZ instance comes back with
    its standby following, and a forced failover then loses nothing."""
    engines = {"postgres": "postgres", "mariadb": "admin"}
    with OwnFogbank("fogbank-rds-maz-", "4900-4999") as fogbank:
        rds = fogbank.rds
        for engine, user in engines.items():
            rds.create_db_instance(DBInstanceIdentifier=f"{engine}-maz", Engine=engine, DBInstanceClass="db.t3.micro",
                                   MasterUsername=user, MasterUserPassword=PASSWORD, MultiAZ=True)  # fmt: skip
        for engine in engines:
            instance = wait_status(rds, f"{engine}-maz", "available")
            _setup(engine, instance)
            with _connect(engine, instance) as conn:
                run_sql(conn, "INSERT INTO t VALUES (1)")
        fogbank.restart()
        for engine in engines:
            instance = wait_status(rds, f"{engine}-maz", "available")
            deadline = time.monotonic() + 30
            while True:  # the standby is back when a forced failover is accepted
                try:
                    rds.reboot_db_instance(DBInstanceIdentifier=f"{engine}-maz", ForceFailover=True)
                    break
                except botocore.exceptions.ClientError as error:
                    assert error.response["Error"]["Code"] == "InvalidDBInstanceState", error
                    assert time.monotonic() < deadline, "no standby after the restart"
                    time.sleep(0.2)
            _failed_over(rds, f"{engine}-maz", 1)
            with _connect(engine, instance) as conn:
                run_sql(conn, "INSERT INTO t VALUES (2)")
            assert _rows(engine, instance) == {1, 2}
