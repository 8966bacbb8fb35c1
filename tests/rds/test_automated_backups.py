"""DescribeDBInstanceAutomatedBackups, retained backups, the restore errors RDS answers, the
daily full copy (on an injected interval) and archiving across an engine's kill -9."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time

import psycopg
import pytest
from botocore.exceptions import ClientError

from tests.rds.conftest import PASSWORD, OwnFogbank, wait_status
from tests.rds.test_point_in_time import _automated_backup, _wait_restorable, quick_backups  # noqa: F401


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def _rows(port: int) -> list[int]:
    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", password=PASSWORD, dbname="postgres") as conn:
        return [row[0] for row in conn.execute("SELECT n FROM t ORDER BY n").fetchall()]


def _write(port: int, *values: int) -> None:
    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", password=PASSWORD, dbname="postgres",
                         autocommit=True) as conn:  # fmt: skip
        conn.execute("CREATE TABLE IF NOT EXISTS t (n int)")
        for value in values:
            conn.execute("INSERT INTO t VALUES (%s)", [value])


def test_restore_errors_as_rds_answers_them(rds, make_instance, quick_backups):  # noqa: F811
    make_instance("ab-none", BackupRetentionPeriod=0)
    source = make_instance("ab-errors")
    backup = _automated_backup(rds, "ab-errors")
    described = rds.describe_db_instances(DBInstanceIdentifier="ab-none")["DBInstances"][0]
    assert "LatestRestorableTime" not in described
    assert (
        rds.describe_db_instance_automated_backups(DBInstanceIdentifier="ab-none")["DBInstanceAutomatedBackups"] == []
    )
    by_id = rds.describe_db_instance_automated_backups(DbiResourceId=source["DbiResourceId"])
    assert [b["DBInstanceIdentifier"] for b in by_id["DBInstanceAutomatedBackups"]] == ["ab-errors"]
    assert backup["Engine"] == "postgres" and backup["BackupRetentionPeriod"] == 1 and backup["Region"] == "us-east-1"
    assert backup["DBInstanceAutomatedBackupsArn"].startswith("arn:aws:rds:us-east-1:")
    active = rds.describe_db_instance_automated_backups(
        Filters=[{"Name": "status", "Values": ["active"]}, {"Name": "db-instance-id", "Values": ["ab-errors"]}],
        MaxRecords=20,
    )
    assert [b["DbiResourceId"] for b in active["DBInstanceAutomatedBackups"]] == [source["DbiResourceId"]]
    assert "Marker" not in active
    cases = [
        (dict(SourceDBInstanceIdentifier="ab-none", TargetDBInstanceIdentifier="x1", UseLatestRestorableTime=True),
         "PointInTimeRestoreNotEnabled"),
        (dict(SourceDBInstanceIdentifier="nope", TargetDBInstanceIdentifier="x1", UseLatestRestorableTime=True),
         "DBInstanceNotFound"),
        (dict(SourceDBInstanceIdentifier="ab-errors", TargetDBInstanceIdentifier="ab-none",
              UseLatestRestorableTime=True), "DBInstanceAlreadyExists"),
        (dict(SourceDBInstanceIdentifier="ab-errors", TargetDBInstanceIdentifier="x1",
              RestoreTime=backup["RestoreWindow"]["EarliestTime"] - dt.timedelta(hours=1)), "InvalidRestoreFault"),
        (dict(SourceDBInstanceIdentifier="ab-errors", TargetDBInstanceIdentifier="x1",
              RestoreTime=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)), "InvalidRestoreFault"),
        (dict(SourceDBInstanceAutomatedBackupsArn=backup["DBInstanceAutomatedBackupsArn"] + "x",
              TargetDBInstanceIdentifier="x1", UseLatestRestorableTime=True), "DBInstanceAutomatedBackupNotFound"),
    ]  # fmt: skip
    for params, code in cases:
        with pytest.raises(ClientError) as excinfo:
            rds.restore_db_instance_to_point_in_time(**params)
        assert _error(excinfo)[0] == code, params
    with pytest.raises(ClientError) as excinfo:  # an instance's own backup goes with its retention period
        rds.delete_db_instance_automated_backup(DbiResourceId=source["DbiResourceId"])
    assert _error(excinfo)[0] == "InvalidDBInstanceAutomatedBackupState"
    with pytest.raises(ClientError) as excinfo:
        rds.start_db_instance_automated_backups_replication(SourceDBInstanceArn=source["DBInstanceArn"])
    assert "StartDBInstanceAutomatedBackupsReplication" in _error(excinfo)[1]
    for identifier in ("ab-none", "ab-errors"):
        rds.delete_db_instance(DBInstanceIdentifier=identifier, SkipFinalSnapshot=True)


def test_a_retained_backup_outlives_its_instance_and_restores(rds, make_instance, quick_backups):  # noqa: F811
    source = make_instance("ab-kept")
    _automated_backup(rds, "ab-kept")
    _write(source["Endpoint"]["Port"], 1, 2, 3)
    _wait_restorable(rds, "ab-kept", dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=1))
    rds.delete_db_instance(DBInstanceIdentifier="ab-kept", SkipFinalSnapshot=True, DeleteAutomatedBackups=False)
    deadline = time.monotonic() + 30
    while rds.describe_db_instances(Filters=[{"Name": "db-instance-id", "Values": ["ab-kept"]}])["DBInstances"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    retained = rds.describe_db_instance_automated_backups(Filters=[{"Name": "status", "Values": ["retained"]}])
    [backup] = [b for b in retained["DBInstanceAutomatedBackups"] if b["DBInstanceIdentifier"] == "ab-kept"]
    assert backup["DbiResourceId"] == source["DbiResourceId"] and backup["Status"] == "retained"
    assert backup["RestoreWindow"]["EarliestTime"] <= backup["RestoreWindow"]["LatestTime"]
    restored = rds.restore_db_instance_to_point_in_time(
        SourceDBInstanceAutomatedBackupsArn=backup["DBInstanceAutomatedBackupsArn"],
        TargetDBInstanceIdentifier="ab-kept-again", UseLatestRestorableTime=True,
    )["DBInstance"]  # fmt: skip
    restored = wait_status(rds, restored["DBInstanceIdentifier"], "available", timeout=120)
    assert _rows(restored["Endpoint"]["Port"]) == [1, 2, 3]
    deleted = rds.delete_db_instance_automated_backup(DbiResourceId=source["DbiResourceId"])
    assert deleted["DBInstanceAutomatedBackup"]["Status"] == "deleting"
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_instance_automated_backups(DbiResourceId=source["DbiResourceId"])
    assert _error(excinfo)[0] == "DBInstanceAutomatedBackupNotFound"
    rds.delete_db_instance(DBInstanceIdentifier="ab-kept-again", SkipFinalSnapshot=True)


def test_full_copies_on_schedule_and_no_archived_wal_lost_to_a_kill(rds, make_instance, quick_backups, fogbank_server):  # noqa: F811
    source = make_instance("ab-daily")
    first = _automated_backup(rds, "ab-daily")["RestoreWindow"]["EarliestTime"]
    port = source["Endpoint"]["Port"]
    _write(port, 1, 2)
    quick_backups.rds_base_backup_interval = 1  # the "daily" copy, every second
    deadline = time.monotonic() + 30
    while True:
        events = rds.describe_events(SourceIdentifier="ab-daily", SourceType="db-instance")["Events"]
        finished = [e for e in events if e["Message"] == "Finished DB Instance backup"]
        if len(finished) >= 2:
            break
        assert time.monotonic() < deadline, events
        time.sleep(0.2)
    assert "Backing up DB instance" in [e["Message"] for e in events]
    quick_backups.rds_base_backup_interval = 0
    _write(port, 3)
    committed = dt.datetime.now(dt.UTC)
    proc = fogbank_server.platform.supervisor.get(f"rds/{source['DbiResourceId']}")
    os.kill(proc.pid, signal.SIGKILL)  # the WAL of row 3 may not be archived yet: it is, after the restart
    time.sleep(1)
    wait_status(rds, "ab-daily", "available", timeout=60)
    _wait_restorable(rds, "ab-daily", committed.replace(microsecond=0) + dt.timedelta(seconds=1))
    window = _automated_backup(rds, "ab-daily")["RestoreWindow"]
    assert window["EarliestTime"] == first  # within the retention period, every copy stays
    restored = rds.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier="ab-daily", TargetDBInstanceIdentifier="ab-daily-then", UseLatestRestorableTime=True
    )["DBInstance"]
    restored = wait_status(rds, restored["DBInstanceIdentifier"], "available", timeout=120)
    assert _rows(restored["Endpoint"]["Port"]) == [1, 2, 3]
    for identifier in ("ab-daily", "ab-daily-then"):
        rds.delete_db_instance(DBInstanceIdentifier=identifier, SkipFinalSnapshot=True)


def test_retention_turned_off_and_on(rds, make_instance, quick_backups):  # noqa: F811
    make_instance("ab-toggle")
    _automated_backup(rds, "ab-toggle")
    rds.modify_db_instance(DBInstanceIdentifier="ab-toggle", BackupRetentionPeriod=0, ApplyImmediately=True)
    instance = wait_status(rds, "ab-toggle", "available")
    assert "LatestRestorableTime" not in instance
    deadline = time.monotonic() + 20
    while rds.describe_db_instance_automated_backups(DBInstanceIdentifier="ab-toggle")["DBInstanceAutomatedBackups"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    with pytest.raises(ClientError) as excinfo:
        rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier="ab-toggle", TargetDBInstanceIdentifier="x2", UseLatestRestorableTime=True
        )
    assert _error(excinfo)[0] == "PointInTimeRestoreNotEnabled"
    rds.modify_db_instance(DBInstanceIdentifier="ab-toggle", BackupRetentionPeriod=3, ApplyImmediately=True)
    wait_status(rds, "ab-toggle", "available")
    backup = _automated_backup(rds, "ab-toggle")
    assert backup["BackupRetentionPeriod"] == 3 or backup["Status"] == "active"
    rds.delete_db_instance(DBInstanceIdentifier="ab-toggle", SkipFinalSnapshot=True)


def test_archiving_continues_after_fogbank_restarts():
    """Fogbank killed and started again: the instance comes back archiving, and a restore to the
    latest time has what was written before and after."""
    with OwnFogbank("fogbank-rds-archive-", "4800-4899", FOGBANK_RDS_BACKUP_INTERVAL="0.5") as fogbank:
        rds = fogbank.rds
        rds.create_db_instance(DBInstanceIdentifier="archived", Engine="postgres", DBInstanceClass="db.t3.micro",
                               MasterUsername="postgres", MasterUserPassword=PASSWORD)  # fmt: skip
        _write(wait_status(rds, "archived", "available")["Endpoint"]["Port"], 1)
        _automated_backup(rds, "archived")
        fogbank.restart()
        _write(wait_status(rds, "archived", "available")["Endpoint"]["Port"], 2)
        _wait_restorable(rds, "archived", dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=1))
        rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier="archived",
            TargetDBInstanceIdentifier="archived-now",
            UseLatestRestorableTime=True,
        )
        assert _rows(wait_status(rds, "archived-now", "available", timeout=120)["Endpoint"]["Port"]) == [1, 2]


def test_the_daily_copy_is_taken_once_in_each_backup_window():
    """``PreferredBackupWindow`` is UTC and may wrap midnight; a copy already taken in this
    window's opening is not taken again (unit: waiting for a real day is not an option)."""
    from fogbank.services.rds.backups import window_opened

    day = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
    assert window_opened("03:00-03:30", day.replace(hour=3, minute=10)) == day.replace(hour=3)
    assert window_opened("03:00-03:30", day.replace(hour=3, minute=30)) is None
    assert window_opened("03:00-03:30", day.replace(hour=10)) is None
    assert window_opened("23:45-00:15", day.replace(minute=5)) == day.replace(hour=23, minute=45) - dt.timedelta(days=1)
    assert window_opened("23:45-00:15", day.replace(hour=23, minute=50)) == day.replace(hour=23, minute=45)


def test_a_retained_backup_lasts_its_retention_period():
    """RDS deletes a retained backup once the retention period has passed since the deletion."""
    from fogbank.managed.records import Record
    from fogbank.services.rds.backups import expired
    from fogbank.services.rds.records import AutomatedBackupPrivate

    deleted = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)
    private = AutomatedBackupPrivate(latest=deleted.isoformat())
    backup = Record("db-instance-automated-backup", "db-x", "arn", private, fields={"BackupRetentionPeriod": 2},
                    status="retained")  # fmt: skip
    assert not expired(backup, deleted + dt.timedelta(days=1, hours=23))
    assert expired(backup, deleted + dt.timedelta(days=2, minutes=1))
    backup.status = "active"  # an instance's own backup goes with its retention period, not by age
    assert not expired(backup, deleted + dt.timedelta(days=30))
