"""The running Fogbank: configuration, data directory, services, engine supervisor."""

from __future__ import annotations

import copy
import logging
import shutil
import tempfile
import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fogbank.config import Config
from fogbank.core.commit import GroupCommit
from fogbank.gateway.dispatch import Dispatcher
from fogbank.gateway.requestlog import RequestLog
from fogbank.gateway.router import Router
from fogbank.services.base import Service
from fogbank.services.catalog import all_services

if TYPE_CHECKING:
    from fogbank.engines.supervisor import Supervisor

log = logging.getLogger("fogbank")


class Platform:
    def __init__(self, config: Config | None = None, services: list[Service] | None = None) -> None:
        self.config = config or Config()
        if self.config.ephemeral:
            self.config.data_dir = Path(tempfile.mkdtemp(prefix="fogbank-"))
            # Traversable (not listable) so engines running as the unprivileged user reach
            # their own directories below it.
            self.config.data_dir.chmod(0o711)
        self.data_dir = self.config.data_dir
        # Each service module holds one Service; every Platform takes its own copy, so two Fogbanks in
        # one process (tests, embedding) never share a backend. Reading ``handlers`` first collects them
        # once, shared by the copies, and fails here on a name the models do not have (services/base.py).
        chosen = services if services is not None else all_services()
        for service in chosen:
            service.handlers  # noqa: B018
        self.services = [copy.copy(service) for service in chosen]
        self.router = Router(self.services)
        self.request_log = RequestLog() if self.config.log_requests else None
        self.dispatcher = Dispatcher(self, self.router)
        self.group_commit = GroupCommit()
        self._open_services: list[Service] = []
        self._lock = threading.Lock()
        self.opened = False

    @property
    def role(self) -> str:
        """The process's part: "alone", or with DynamoDB workers "main" or "worker" (fogbank/workers.py)."""
        if self.config.worker:
            return "worker"
        return "main" if self.config.workers > 1 else "alone"

    @cached_property
    def supervisor(self) -> Supervisor:
        from fogbank.engines.supervisor import Supervisor

        return Supervisor(self.config.engine_ports)

    def service(self, name: str) -> Service | None:
        return next((service for service in self.services if service.name == name), None)

    def service_dir(self, name: str) -> Path:
        path = self.data_dir / name
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        return path

    def cache_dir(self, name: str) -> Path:
        path = self.config.cache_dir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def open(self, only: set[str] | None = None) -> None:
        """Open every service, or those named in ``only`` (a worker process: the others are routed, so
        their requests are recognised, but answered by the main process)."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The user's tables, instances and secrets: no other local user may list or read them
        # (RDS adds search permission for its engine user, see rds/backend.py).
        self.data_dir.chmod(self.data_dir.stat().st_mode & ~0o066)
        for service in self.services:
            if only is None or service.name in only:
                service.open(self)
                self._open_services.append(service)
        self.opened = True

    def close(self) -> None:
        for service in reversed(self._open_services):
            try:
                service.close()
            except Exception:
                log.exception("closing %s", service.name)
        if "supervisor" in self.__dict__:
            self.supervisor.shutdown()
        if self.config.ephemeral:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        if self.request_log is not None:
            self.request_log.close()
        self.opened = False

    def reset(self) -> None:
        with self._lock:
            for service in self.services:
                service.reset()

    def health(self) -> dict[str, Any]:
        from fogbank import __version__

        return {
            "status": "running",
            "version": __version__,
            "dataDir": str(self.data_dir),
            "ephemeral": self.config.ephemeral,
            "services": {service.name: service.status() for service in self.services},
        }
