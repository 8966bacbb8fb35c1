"""The RDS backend: durable state, engines, and the background work behind each API call.

An API call validates, changes the record's status (``creating``, ``rebooting``, ...) and
returns it, as AWS does; the engine work then runs on the shared layer's ``Jobs``
(``fogbank.managed.jobs``: one queue per instance, the grace wait, retries with backoff),
which sets the final status.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fogbank.managed.jobs import Jobs
from fogbank.managed.records import Record
from fogbank.managed.relay import Relays
from fogbank.managed.running import Running
from fogbank.services.rds import records
from fogbank.services.rds.engines import Engines, EngineVersion
from fogbank.services.rds.model import INSTANCE
from fogbank.services.rds.parameters import Catalogs
from fogbank.services.rds.store import Region, open_store

if TYPE_CHECKING:
    from fogbank.core.context import RequestContext
    from fogbank.platform import Platform

log = logging.getLogger(__name__)

# Directories on the engine user's way to its own ones: search (x) permission only, so it can
# pass through (when it is not Fogbank's user, i.e. Fogbank runs as root) but list or read nothing.
TRAVERSED = 0o711 if os.geteuid() == 0 else 0o700


class Backend:
    def __init__(self, platform: Platform) -> None:
        root = platform.service_dir("rds")
        self.root = root
        # Engines run as an unprivileged user when Fogbank is root: their directories must be
        # reachable by it (the service dir itself may sit under a 0700 temp dir).
        self.instances_dir = root / "instances"
        self.snapshots_dir = root / "snapshots"
        # Templates and parameter catalogues are rebuilt at will: they live in the shared cache.
        cache = platform.cache_dir("rds")
        self.templates_dir = cache / "templates"
        for path in (cache, self.templates_dir):  # engine templates, no user data
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(0o755)
        for path in (root, self.instances_dir):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.chmod(TRAVERSED)
        self.snapshots_dir.mkdir(mode=0o700, exist_ok=True)  # only Fogbank reads and writes snapshots
        self.snapshots_dir.chmod(0o700)
        if os.geteuid() == 0:
            # Only Fogbank's own data dir (0700) is changed: search (x) permission for the engine user.
            data_dir = root.parent
            data_dir.chmod((data_dir.stat().st_mode | 0o011) & ~0o066)
        self.supervisor = platform.supervisor
        self._config = platform.config
        self.store = open_store(root)
        self.engines = Engines(self.supervisor, self.templates_dir)
        self.catalogs = Catalogs(self.engines, cache / "catalogs", self.instances_dir)
        self.jobs = Jobs("RDS", platform.config.grace)
        self.closing = self.jobs.closing  # set by close(): no new engine work, no more retries
        self.running = Running()  # the engines started, by supervisor process name
        # The relays of clusters' endpoints (``clusters.py``, ``cluster_endpoints.py``), by resource id.
        self.endpoints = Relays()

    def close_endpoints(self, key: str | None = None) -> None:
        """Stop one resource's endpoint relays (all of them without ``key``)."""
        if key is None:
            self.endpoints.close()
        else:
            self.endpoints.stop(key)

    @property
    def api_port(self) -> int:
        """The port Fogbank's own endpoint serves on: never an engine's."""
        return self._config.port

    # -- state --------------------------------------------------------------------------------

    def region(self, ctx: RequestContext) -> Region:
        return self.store.scope(ctx.account_id, ctx.region)

    def save(self, region: Region) -> None:
        self.store.save(region)

    def event(self, region: Region, source_type: str, source_id: str, arn: str, message: str, *categories: str) -> None:
        with self.store.lock:
            region.events.record(source_type, source_id, message, arn, tuple(categories))
            self.store.save(region)

    def instance_event(self, region: Region, record: Record[Any], message: str, *categories: str) -> None:
        self.event(region, "db-instance", record.identifier, record.arn, message, *categories)

    def set_status(self, region: Region, record: Record[Any], status: str, **changes: Any) -> None:
        with self.store.lock:
            INSTANCE.move(record, status)  # a queued delete has the last word
            record.fields.update(changes)
            if region.contains(record):
                self.store.save(region)

    def set_status_if(self, region: Region, record: Record[Any], was: tuple[str, ...], status: str) -> bool:
        """Move only from one of ``was`` (an operation that took the instance meanwhile keeps
        its own status); saved when it moved."""
        with self.store.lock:
            if not INSTANCE.move_if(record, was, status):
                return False
            if region.contains(record):
                self.store.save(region)
            return True

    # -- engines ------------------------------------------------------------------------------

    def version_of(self, record: Record[Any]) -> EngineVersion:
        return self.engines.resolve(record.fields["Engine"], record.fields["EngineVersion"], recorded=True)

    def driver_of(self, record: Record[Any]) -> Any:
        return self.engines.driver(self.version_of(record))

    @staticmethod
    def process_name(record: Record[Any]) -> str:
        return f"rds/{record.resource_id}"

    def instance_dir(self, record: Record[Any]) -> Path:
        return self.instances_dir / record.resource_id

    def data_dir(self, record: Record[Any]) -> Path:
        return self.instance_dir(record) / record.private.data_name

    def log_file(self, record: Record[Any]) -> Path:
        return self.instance_dir(record) / "data.log"

    def snapshot_dir(self, snapshot: Record[Any]) -> Path:
        return self.snapshots_dir / snapshot.private.directory / "data"

    def mark_running(self, record: Record[Any], driver: Any) -> None:
        self.running.add(self.process_name(record), driver)

    def stop_engine(self, record: Record[Any]) -> None:
        self.running.stop(self.process_name(record))

    def is_running(self, record: Record[Any]) -> bool:
        return self.process_name(record) in self.running

    def remove_instance_files(self, record: Record[Any]) -> None:
        shutil.rmtree(self.instance_dir(record), ignore_errors=True)

    # -- whole service ------------------------------------------------------------------------

    def stop_all(self) -> None:
        self.running.stop_all()

    def release_ports(self) -> None:
        with self.store.lock:
            for _, record in self.store.all_records(records.INSTANCE):
                self.supervisor.release_port(record.fields["Port"])

    def close(self) -> None:
        self.jobs.close(timeout=30)
        self.stop_all()
        self.close_endpoints()

    def reset(self) -> None:
        """Stop every engine and delete every resource and its files."""
        self.jobs.wait_all()
        self.stop_all()
        self.close_endpoints()
        self.release_ports()
        self.store.wipe()
        shutil.rmtree(self.root / "backups", ignore_errors=True)  # automated backups (backups.py makes it again)
        shutil.rmtree(self.root / "clusters", ignore_errors=True)  # clusters' volumes (cluster_snapshots.py)
        for path, mode in ((self.instances_dir, TRAVERSED), (self.snapshots_dir, 0o700)):
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(mode=mode, parents=True, exist_ok=True)
            path.chmod(mode)
