"""ModifyDBInstance EngineVersion: PostgreSQL major version upgrades (pg_upgrade, or a dump and
restore where no pg_upgrade of the pair is installed), minor version changes, and RDS's refusals.
Messages of the refusals are RDS's (recorded from AWS) unless the test says Fogbank's."""

from __future__ import annotations

import time
from typing import Any

import botocore.exceptions
import psycopg
import pytest

from tests.rds.conftest import PASSWORD, wait_status


def _connect(instance: dict[str, Any], user: str = "postgres", password: str = PASSWORD) -> psycopg.Connection:
    ep = instance["Endpoint"]
    return psycopg.connect(host=ep["Address"], port=ep["Port"], user=user, password=password, dbname="postgres",
                           autocommit=True, connect_timeout=5)  # fmt: skip


def _write(instance: dict[str, Any]) -> None:
    """Rows, a user of its own with a password, and an extension: what the upgrade must keep."""
    with _connect(instance) as conn:
        conn.execute("CREATE TABLE orders (id int PRIMARY KEY, item text)")
        conn.execute("INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 500) g")
        conn.execute("CREATE ROLE app LOGIN PASSWORD 'App-pass-123'")
        conn.execute("GRANT SELECT ON orders TO app")


def _check(instance: dict[str, Any], major: str) -> None:
    with _connect(instance) as conn:
        assert conn.execute("SHOW server_version").fetchone()[0].split(".")[0] == major
        assert conn.execute("SELECT count(*), max(item) FROM orders").fetchone() == (500, "item 99")
    with _connect(instance, "app", "App-pass-123") as conn:  # the user's login and grant came along
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (500,)


def _events(rds: Any, identifier: str) -> list[str]:
    found = rds.describe_events(SourceIdentifier=identifier, SourceType="db-instance", Duration=60)["Events"]
    return [e["Message"] for e in found]


def _wait_upgraded(rds: Any, identifier: str, version: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        instance = wait_status(rds, identifier, "available", timeout)
        if instance["EngineVersion"] == version:
            return instance
        assert time.monotonic() < deadline, instance
        time.sleep(0.2)


def _error(call: Any, **params: Any) -> dict[str, Any]:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call(**params)
    return info.value.response["Error"]


def _version(rds: Any, major: str) -> str:
    versions = rds.describe_db_engine_versions(Engine="postgres", EngineVersion=major)["DBEngineVersions"]
    return max((v["EngineVersion"] for v in versions), key=lambda v: [int(p) for p in v.split(".")])


def test_valid_upgrade_targets_list_what_this_machine_can_upgrade_to(rds):
    versions = {v["EngineVersion"]: v for v in rds.describe_db_engine_versions(Engine="postgres")["DBEngineVersions"]}
    thirteen = versions["13.20"]["ValidUpgradeTarget"]
    minors = [t["EngineVersion"] for t in thirteen if not t["IsMajorVersionUpgrade"]]
    assert minors == ["13.21", "13.22", "13.23"]  # newer minors of 13, oldest first
    majors = {t["EngineVersion"].split(".")[0] for t in thirteen if t["IsMajorVersionUpgrade"]}
    assert {"17", "18"} <= majors and "13" not in majors
    assert "14" not in majors  # no PostgreSQL 14 tools are installed here: Fogbank cannot upgrade to it
    assert versions[_version(rds, "18")]["ValidUpgradeTarget"] == []  # the newest has none
    assert all(t["Engine"] == "postgres" and t["AutoUpgrade"] is False for t in thirteen)


def test_major_upgrade_13_to_18_keeps_rows_and_users(rds, make_instance):
    before = make_instance("up13", EngineVersion="13", BackupRetentionPeriod=0)
    _write(before)
    target = _version(rds, "18")
    out = rds.modify_db_instance(DBInstanceIdentifier="up13", EngineVersion=target, AllowMajorVersionUpgrade=True,
                                 ApplyImmediately=True)["DBInstance"]  # fmt: skip
    assert out["DBInstanceStatus"] == "upgrading"
    after = _wait_upgraded(rds, "up13", target)
    assert after["DBParameterGroups"][0]["DBParameterGroupName"] == "default.postgres18"
    assert after["PendingModifiedValues"] == {}
    _check(after, "18")
    events = _events(rds, "up13")
    for message in ("The pre-check started for the DB engine version upgrade.",
                    "The engine version upgrade started.", "The engine version upgrade finished."):  # fmt: skip
        assert message in events
    assert any(m.startswith("Database instance engine major version upgrade complete. Previous version: 13.")
               for m in events)  # fmt: skip
    with _connect(after) as conn:  # it takes writes on the new major
        conn.execute("INSERT INTO orders VALUES (501, 'new')")


def test_pg_upgrade_16_to_18_with_a_custom_group_given_and_backups(rds, make_instance):
    rds.create_db_parameter_group(DBParameterGroupName="pg18-custom", DBParameterGroupFamily="postgres18",
                                  Description="for the upgrade")  # fmt: skip
    before = make_instance("up16", EngineVersion="16")
    _write(before)
    target = _version(rds, "18")
    rds.modify_db_instance(DBInstanceIdentifier="up16", EngineVersion=target, AllowMajorVersionUpgrade=True,
                           DBParameterGroupName="pg18-custom", ApplyImmediately=True)  # fmt: skip
    after = _wait_upgraded(rds, "up16", target)
    assert after["DBParameterGroups"][0]["DBParameterGroupName"] == "pg18-custom"
    _check(after, "18")
    backups = rds.describe_db_instance_automated_backups(DBInstanceIdentifier="up16")["DBInstanceAutomatedBackups"]
    assert backups and backups[0]["EngineVersion"] == target  # a new automated backup, of the new major


def test_deferred_upgrade_waits_in_pending_modified_values(rds, make_instance):
    make_instance("later", EngineVersion="16", BackupRetentionPeriod=0)
    target = _version(rds, "18")
    out = rds.modify_db_instance(DBInstanceIdentifier="later", EngineVersion=target, AllowMajorVersionUpgrade=True,
                                 ApplyImmediately=False)["DBInstance"]  # fmt: skip
    assert out["PendingModifiedValues"] == {"EngineVersion": target}
    instance = wait_status(rds, "later", "available")
    assert instance["EngineVersion"].startswith("16.") and instance["PendingModifiedValues"] == {
        "EngineVersion": target
    }
    rds.modify_db_instance(DBInstanceIdentifier="later", ApplyImmediately=True)  # applies what is pending
    after = _wait_upgraded(rds, "later", target)
    assert after["PendingModifiedValues"] == {}
    assert after["DBParameterGroups"][0]["DBParameterGroupName"] == "default.postgres18"


def test_minor_version_change_restarts_on_the_same_server(rds, make_instance):
    make_instance("minor", EngineVersion="13.20", BackupRetentionPeriod=0)
    out = rds.modify_db_instance(DBInstanceIdentifier="minor", EngineVersion="13.22", ApplyImmediately=True)
    assert out["DBInstance"]["DBInstanceStatus"] == "upgrading"
    after = _wait_upgraded(rds, "minor", "13.22")
    assert after["DBParameterGroups"][0]["DBParameterGroupName"] == "default.postgres13"
    assert any(m.startswith("Database instance engine minor version upgrade complete. Previous version: 13.20.")
               for m in _events(rds, "minor"))  # fmt: skip
    assert _error(rds.modify_db_instance, DBInstanceIdentifier="minor", EngineVersion="13.20",
                  ApplyImmediately=True)["Message"] == "Cannot upgrade postgres from 13.22 to 13.20"  # fmt: skip


def test_refusals(rds, make_instance):
    make_instance("refuse", EngineVersion="16", BackupRetentionPeriod=0)
    modify = rds.modify_db_instance
    target = _version(rds, "18")
    error = _error(modify, DBInstanceIdentifier="refuse", EngineVersion=target, ApplyImmediately=True)
    assert error["Code"] == "InvalidParameterCombination"
    assert (
        error["Message"] == "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version."
    )
    error = _error(modify, DBInstanceIdentifier="refuse", EngineVersion="13.23", AllowMajorVersionUpgrade=True)
    assert (error["Code"], error["Message"]) == ("InvalidParameterCombination",
                                                 f"Cannot upgrade postgres from {_version(rds, '16')} to 13.23")  # fmt: skip
    error = _error(modify, DBInstanceIdentifier="refuse", EngineVersion="18.99", AllowMajorVersionUpgrade=True)
    assert error["Message"] == "Cannot find version 18.99 for postgres"
    # A custom group of the old family cannot go along (RDS's rule), nor one of another family.
    rds.create_db_parameter_group(DBParameterGroupName="pg16-custom", DBParameterGroupFamily="postgres16",
                                  Description="old family")  # fmt: skip
    modify(DBInstanceIdentifier="refuse", DBParameterGroupName="pg16-custom", ApplyImmediately=True)
    wait_status(rds, "refuse", "available")
    error = _error(modify, DBInstanceIdentifier="refuse", EngineVersion=target, AllowMajorVersionUpgrade=True)
    assert error["Message"] == (
        "The current DB instance parameter group pg16-custom is custom. You must explicitly specify a new DB instance "
        "parameter group, either default or custom, for the engine version upgrade."
    )
    error = _error(modify, DBInstanceIdentifier="refuse", EngineVersion=target, AllowMajorVersionUpgrade=True,
                   DBParameterGroupName="pg16-custom")  # fmt: skip
    assert error["Code"] == "InvalidParameterCombination" and "postgres18" in error["Message"]
    instance = rds.describe_db_instances(DBInstanceIdentifier="refuse")["DBInstances"][0]
    assert instance["EngineVersion"].startswith("16.") and instance["PendingModifiedValues"] == {}


@pytest.mark.parametrize("version", ["", " ", "x", "16.", "99", "mariadb", "13" * 30])
def test_fuzzed_engine_versions_are_client_errors(rds, make_instance, version):
    if not rds.describe_db_instances(Filters=[{"Name": "db-instance-id", "Values": ["fuzz"]}])["DBInstances"]:
        make_instance("fuzz", EngineVersion="16", BackupRetentionPeriod=0)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        rds.modify_db_instance(DBInstanceIdentifier="fuzz", EngineVersion=version, AllowMajorVersionUpgrade=True,
                               ApplyImmediately=True)  # fmt: skip
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_failed_upgrade_rolls_back_to_the_old_version_with_its_data(rds, make_instance):
    rds.create_db_parameter_group(DBParameterGroupName="pt13", DBParameterGroupFamily="postgres13",
                                  Description="prepared transactions")  # fmt: skip
    rds.modify_db_parameter_group(
        DBParameterGroupName="pt13",
        Parameters=[
            {"ParameterName": "max_prepared_transactions", "ParameterValue": "5", "ApplyMethod": "pending-reboot"}
        ],
    )
    before = make_instance("rollback", EngineVersion="13", BackupRetentionPeriod=0, DBParameterGroupName="pt13")
    _write(before)
    with _connect(before) as conn:  # an open prepared transaction: RDS's pre-check refuses it
        conn.autocommit = False
        conn.execute("INSERT INTO orders VALUES (1000, 'prepared')")
        conn.execute("PREPARE TRANSACTION 'held'")
    rds.modify_db_instance(DBInstanceIdentifier="rollback", EngineVersion=_version(rds, "18"),
                           AllowMajorVersionUpgrade=True, DBParameterGroupName="default.postgres18",
                           ApplyImmediately=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while not any(m.startswith("Database instance is in a state that cannot be upgraded: There are 1 open prepared")
                  for m in _events(rds, "rollback")):  # fmt: skip
        assert time.monotonic() < deadline
        time.sleep(0.2)
    after = wait_status(rds, "rollback", "available")
    assert after["EngineVersion"] == before["EngineVersion"] and after["PendingModifiedValues"] == {}
    assert after["DBParameterGroups"][0]["DBParameterGroupName"] == "pt13"
    _check(after, "13")
