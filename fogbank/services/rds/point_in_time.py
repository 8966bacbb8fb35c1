"""The engine work of RestoreDBInstanceToPointInTime: a new instance from an automated backup's
full copy plus its archived log replayed to the moment asked for (``backups.py``)."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from typing import Any

from fogbank.engines.interface import InstanceSpec
from fogbank.managed import ports, supervision
from fogbank.managed.records import Record
from fogbank.services.rds import backups, lifecycle, multi_az
from fogbank.services.rds.backend import Backend
from fogbank.services.rds.store import Region, iso, now

log = logging.getLogger(__name__)


def restore(backend: Backend, region: Region, record: Record[Any], backup: Record[Any], target: dt.datetime) -> None:
    if backend.closing.is_set():
        return
    driver = backend.driver_of(record)
    data_dir = backend.data_dir(record)
    base = backups.base_for(backend, backup, target)
    try:
        lifecycle.prepare_instance_dir(backend, record)
        proc = ports.start_on_port(
            backend.supervisor,
            record.fields["Port"],
            lambda port: driver.restore_to_time(
                base,
                backups.source_archive(backend, backup),
                target,
                InstanceSpec(
                    backend.process_name(record),
                    data_dir,
                    port,
                    settings=lifecycle.settings_for(region, record),
                    archive_dir=backups.archive_dir(backend, record),
                ),  # fmt: skip
            ),
            lifecycle.port_moved(backend, region, record),
            before_retry=lambda: shutil.rmtree(data_dir, ignore_errors=True),
        )
        supervision.watch(proc, lifecycle.EngineRecovery(backend, region, record))
        backend.mark_running(record, driver)
        if multi_az.wanted(record):
            multi_az.add_standby(backend, region, record)
    except Exception as error:
        log.warning("point-in-time restore of %s failed: %s", record.identifier, error)
        lifecycle.mark_failed(backend, region, record, error, "Restore")
        return
    backend.set_status(region, record, "available", InstanceCreateTime=iso(now()))
    source = backup.fields["DBInstanceIdentifier"]
    # RDS-EVENT-0019's wording.
    backend.instance_event(region, record, f"Restored from DB instance {source} to {target.isoformat()}", "creation")
    backups.became_available(backend, region, record)
