"""PostgreSQL 13 to 18, as RDS offers them: each major serves SQL; the oldest and the newest carry
read replicas, point-in-time restore and a Multi-AZ failover (newer client tools, older servers)."""

from __future__ import annotations

import time
from typing import Any

import botocore.exceptions
import psycopg
import pytest

from tests.rds.conftest import PASSWORD, wait_status

MAJORS = ("13", "14", "15", "16", "17", "18")


def _sql(instance: dict[str, Any], statement: str) -> list[tuple[Any, ...]]:
    ep = instance["Endpoint"]
    with psycopg.connect(host=ep["Address"], port=ep["Port"], user="postgres", password=PASSWORD,
                         dbname="postgres", autocommit=True, connect_timeout=3) as conn:  # fmt: skip
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


def _eventually(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except psycopg.OperationalError:
            pass
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)


@pytest.fixture
def quick_backups(fogbank_server: Any) -> Any:
    """Archive every half second while the test runs."""
    config = fogbank_server.platform.config
    saved = config.rds_backup_interval
    config.rds_backup_interval = 0.5
    yield config
    config.rds_backup_interval = saved


def test_engine_versions_list_each_major_and_what_serves_it(rds):
    versions = rds.describe_db_engine_versions(Engine="postgres")["DBEngineVersions"]
    families = {v["DBParameterGroupFamily"] for v in versions}
    assert {f"postgres{major}" for major in MAJORS} <= families
    for version in versions:
        assert version["MajorEngineVersion"] == version["EngineVersion"].split(".")[0]
        assert version["DBEngineVersionDescription"].startswith("PostgreSQL ")
    default = rds.describe_db_engine_versions(Engine="postgres", DefaultOnly=True)["DBEngineVersions"]
    assert [v["MajorEngineVersion"] for v in default] == [max(MAJORS, key=int)]  # RDS's default: the newest
    assert "served by" not in default[0]["DBEngineVersionDescription"]  # the minor installed, not a stand-in
    thirteen = rds.describe_db_engine_versions(Engine="postgres", EngineVersion="13")["DBEngineVersions"]
    assert "13.20" in [v["EngineVersion"] for v in thirteen]


@pytest.mark.parametrize("major", MAJORS)
def test_each_major_runs_sql(rds, make_instance, major):
    instance = make_instance(f"major-{major}", EngineVersion=major)
    version = instance["EngineVersion"]
    assert version.startswith(f"{major}.")
    assert instance["DBParameterGroups"][0]["DBParameterGroupName"] == f"default.postgres{major}"
    assert _sql(instance, "SHOW server_version")[0][0].split()[0] == version
    _sql(instance, "CREATE TABLE t (n int PRIMARY KEY, s text)")
    _sql(instance, "INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 100) g")
    assert _sql(instance, "SELECT count(*), max(n) FROM t") == [(100, 100)]
    rds.delete_db_instance(DBInstanceIdentifier=f"major-{major}", SkipFinalSnapshot=True)


def test_a_listed_minor_is_served_by_the_installed_minor_of_its_major(rds, make_instance):
    instance = make_instance("minor-13", EngineVersion="13.20")
    assert instance["EngineVersion"] == "13.20"  # as asked, as RDS answers
    served = _sql(instance, "SHOW server_version")[0][0].split()[0]
    assert served.startswith("13.") and served != "13.20"
    events = rds.describe_events(SourceType="db-instance", SourceIdentifier="minor-13")["Events"]
    assert any(f"served by PostgreSQL {served}" in e["Message"] for e in events)
    rds.delete_db_instance(DBInstanceIdentifier="minor-13", SkipFinalSnapshot=True)


@pytest.mark.provenance("aws")
@pytest.mark.parametrize("version", ["13.17", "13.99", "12", "19.1"])
def test_a_version_rds_does_not_offer_is_refused(rds, version):
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        rds.create_db_instance(DBInstanceIdentifier="nope", Engine="postgres", EngineVersion=version,
                               DBInstanceClass="db.t3.micro", MasterUsername="postgres",
                               MasterUserPassword=PASSWORD)  # fmt: skip
    error = excinfo.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidParameterCombination",
        f"Cannot find version {version} for postgres",
    )


@pytest.mark.parametrize("major", ["13", "18"])
def test_replica_restore_and_failover_on_the_oldest_and_newest(rds, make_instance, quick_backups, major):
    source = make_instance(f"src-{major}", EngineVersion=major, MultiAZ=True)
    name = source["DBInstanceIdentifier"]
    _sql(source, "CREATE TABLE t (n int)")
    _sql(source, "INSERT INTO t VALUES (1)")
    # A read replica: a base backup by the newest pg_basebackup, streaming from then on.
    rds.create_db_instance_read_replica(DBInstanceIdentifier=f"rep-{major}", SourceDBInstanceIdentifier=name)
    replica = wait_status(rds, f"rep-{major}", "available")
    assert replica["EngineVersion"] == source["EngineVersion"]
    _sql(source, "INSERT INTO t VALUES (2)")
    _eventually(lambda: _sql(replica, "SELECT count(*) FROM t") == [(2,)])
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        _sql(replica, "INSERT INTO t VALUES (3)")
    # The standby takes over behind the same endpoint with every commit.
    rds.reboot_db_instance(DBInstanceIdentifier=name, ForceFailover=True)
    source = wait_status(rds, name, "available")
    _eventually(lambda: _sql(source, "SELECT count(*) FROM t") == [(2,)])
    _sql(source, "INSERT INTO t VALUES (3)")
    # Point-in-time restore from the archive (the switch of a WAL segment works on every major).
    written = rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]
    moment = time.time()
    _eventually(lambda: (t := _latest(rds, name)) is not None and t >= moment, timeout=30)
    rds.restore_db_instance_to_point_in_time(SourceDBInstanceIdentifier=name, TargetDBInstanceIdentifier=f"pitr-{major}",
                                             UseLatestRestorableTime=True)  # fmt: skip
    restored = wait_status(rds, f"pitr-{major}", "available", timeout=120)
    assert restored["EngineVersion"] == written["EngineVersion"]
    assert _sql(restored, "SELECT n FROM t ORDER BY n") == [(1,), (2,), (3,)]
    for identifier in (f"pitr-{major}", f"rep-{major}", name):
        rds.delete_db_instance(DBInstanceIdentifier=identifier, SkipFinalSnapshot=True)


def _latest(rds: Any, identifier: str) -> float | None:
    latest = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0].get("LatestRestorableTime")
    return latest.timestamp() if latest else None
