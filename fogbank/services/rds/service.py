"""Amazon RDS (and the rds-compatible Neptune and DocumentDB APIs) on real local engines."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

from fogbank.services.base import Service

if TYPE_CHECKING:
    from fogbank.platform import Platform

log = logging.getLogger(__name__)


class Rds(Service):
    name = "rds"
    models = ("rds", "neptune", "docdb")
    handler_modules = ("fogbank.services.rds.ops",)

    def open(self, platform: Platform) -> None:
        from fogbank.managed.recovery import Action, plan
        from fogbank.services.rds import lifecycle
        from fogbank.services.rds.backend import Backend
        from fogbank.services.rds.model import INSTANCE, move

        backend = Backend(platform)
        self.backend = backend
        # Bring back, in the background, every instance whose engine was running; stopped ones
        # stay stopped (their ports stay reserved so their endpoints do not change). What each
        # status becomes is the shared table (``fogbank.managed.recovery.plan``) over ``INSTANCE``.
        with backend.store.lock:
            for region in backend.store.regions.values():
                for record in list(region.instances.values()):
                    status = record["DBInstanceStatus"]
                    try:
                        wanted, record["Port"] = record["Port"], lifecycle.allocate_port(backend, record["Port"])
                        lifecycle.port_event(backend, region, record, wanted)  # taken while Fogbank was down
                    except Exception:
                        log.exception("no port for %s", record["DBInstanceIdentifier"])
                    action = plan(INSTANCE, status, backend.data_dir(record).is_dir())
                    key = record["DbiResourceId"]
                    if action is Action.DELETE:
                        work = functools.partial(lifecycle.delete, backend, region, record, None)
                    elif action in (Action.CREATE, Action.RESTART, Action.RETRY_FAILED):
                        # RETRY_FAILED: its data is there, only its engine would not start: try again
                        # (RDS recovers an instance whose host failed).
                        if action is Action.RESTART and status != INSTANCE.restarting:
                            move(record, INSTANCE.restarting)
                        work = functools.partial(lifecycle.recover, backend, region, record, status)
                    else:
                        if action is Action.SETTLE:
                            move(record, INSTANCE.settles[status])
                        continue
                    backend.jobs.submit(key, work, grace=0)
                for snap in region.snapshots.values():
                    if snap["Status"] == "creating":  # interrupted: its copy is incomplete
                        snap["Status"] = "failed"
                backend.save(region)
        # A job, so close() waits for it rather than leaving initdb writing into a removed dir.
        backend.jobs.submit("warm-templates", lambda: self._warm(backend), grace=0)

    @staticmethod
    def _warm(backend: Any) -> None:
        """Read each engine's parameter catalogue ahead of need: that also builds the engine's
        template, so the first CreateDBInstance takes a copy, not an initdb."""
        from fogbank.services.rds.engines import KINDS

        for engine in KINDS:
            try:
                versions = backend.engines.versions(engine)
                if versions and not backend.closing.is_set():
                    backend.catalogs.get(versions[0])
            except Exception:
                if not backend.closing.is_set():
                    log.exception("warming the %s template failed", engine)

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()

    def reset(self) -> None:
        if self.backend is not None:
            self.backend.reset()

    def status(self) -> dict[str, Any]:
        backend = self.backend
        if backend is None:
            return {"state": "stopped", "operations": len(self.handlers)}
        with backend.running_lock:
            running = len(backend.running)
        return {"state": "running", "operations": len(self.handlers), "engines": running}


service = Rds()
