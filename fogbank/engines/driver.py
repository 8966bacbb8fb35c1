"""What the SQL engine drivers share: creating an instance from a template, starting one, its
status, health, stopping it, restoring a snapshot. The interface drivers offer is typed in
``interface.py``; this base implements its engine-independent part, and each engine says only
how its server is started (``_argv``), how its settings are stored and how to log in."""

from __future__ import annotations

import dataclasses
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fogbank.engines import datadirs
from fogbank.engines.binary import EngineBinary
from fogbank.engines.interface import Driver, InstanceSpec, InstanceStatus, SqlAdministration
from fogbank.engines.supervisor import ManagedProcess, ProcessSpec, Supervisor


@dataclass
class Instance:
    data_dir: Path
    port: int
    socket_dir: Path  # where the engine's unix socket lives (maybe a short dir under /tmp)
    archive_dir: Path | None = None  # InstanceSpec.archive_dir


class EngineDriver:
    """Base of PostgresEngine and MariaDBEngine: one engine version, many instances.

    Implements ``interface.Driver`` and ``interface.Persistent``; the subclasses add
    ``interface.SqlAdministration``. ``InstanceSpec.memory_bytes`` is not used: RDS instance
    classes do not size these servers (many run at once on a laptop)."""

    # Files a killed or copied server leaves in its data dir that a fresh start must not find.
    leftovers: tuple[str, ...] = ()
    # A pid file in the data dir that a crash may leave naming an unrelated live process.
    pid_lock: str | None = None
    stop_signal: int = signal.SIGTERM
    death_signal: int = signal.SIGKILL  # see ProcessSpec.death_signal

    def __init__(self, supervisor: Supervisor, binary: EngineBinary, templates_dir: Path) -> None:
        self.supervisor = supervisor
        self.binary = binary
        self.templates_dir = Path(templates_dir)
        self._instances: dict[str, Instance] = {}
        self._lock = threading.Lock()

    # --- what each engine says ---

    def _template(self) -> Path:
        """The initialised data directory of this version that new instances copy."""
        raise NotImplementedError

    def _store_settings(self, data_dir: Path, settings: Mapping[str, str] | None) -> None:
        """Write the instance's settings before a start; None keeps the stored ones."""
        raise NotImplementedError

    def _socket_lock(self, port: int) -> str:
        """The name of the lock file the server keeps beside its unix socket."""
        raise NotImplementedError

    def _argv(self, instance: Instance) -> list[str]:
        raise NotImplementedError

    def _answers(self, instance: Instance) -> bool:
        """Whether a login over the unix socket succeeds now."""
        raise NotImplementedError

    # --- interface.Driver ---

    def create(self, spec: InstanceSpec) -> ManagedProcess:
        """A new running instance from the version's template (``data_dir`` absent or empty);
        SQL users and databases come next through ``SqlAdministration``."""
        datadirs.clone_template(self._template(), Path(spec.data_dir), unprivileged=True)
        return self.start(dataclasses.replace(spec, settings=dict(spec.settings or {})))

    def start(self, spec: InstanceSpec) -> ManagedProcess:
        """Start an existing data directory; ``spec.settings`` replaces the stored ones if given."""
        data_dir = Path(spec.data_dir).absolute()
        self._store_settings(data_dir, spec.settings)
        if self.pid_lock:
            datadirs.remove_stale_lock(data_dir / self.pid_lock, data_dir)
        lock = self._socket_lock(spec.port)
        sock = datadirs.socket_dir(data_dir, len(lock), unprivileged=True)
        datadirs.remove_stale_lock(sock / lock, data_dir)
        instance = Instance(data_dir, spec.port, sock, spec.archive_dir)
        process = ProcessSpec(
            name=spec.name,
            argv=self._argv(instance),
            log_file=datadirs.log_file_for(data_dir),
            port=spec.port,
            cwd=data_dir,
            ready=lambda: self._answers(instance),
            unprivileged=True,
            stop_signal=self.stop_signal,
            stop_timeout=30.0,
            death_signal=self.death_signal,
        )
        proc = self.supervisor.start(process)
        with self._lock:
            self._instances[spec.name] = instance
        return proc

    def stop(self, name: str) -> None:
        self.supervisor.stop(name)
        with self._lock:
            instance = self._instances.pop(name, None)
        if instance:
            datadirs.release_socket_dir(instance.socket_dir)

    def process(self, name: str) -> ManagedProcess | None:
        return self.supervisor.get(name)

    def status(self, name: str) -> InstanceStatus:
        proc = self.supervisor.get(name)
        if proc is None:
            return InstanceStatus(name, "stopped")
        state = "running" if proc.alive() and not proc.restarting else "restarting"
        return InstanceStatus(name, state, proc.pid, proc.spec.port, proc.restarts)

    def healthy(self, name: str) -> bool:
        with self._lock:
            instance = self._instances.get(name)
        return instance is not None and self._answers(instance)

    # --- interface.Persistent (snapshot is the engine's own) ---

    def restore(self, snapshot_dir: Path, data_dir: Path) -> None:
        """Make ``data_dir`` a copy of a snapshot; then ``start`` it (under any name/port)."""
        data_dir = Path(data_dir)
        datadirs.clone_dir(Path(snapshot_dir), data_dir, unprivileged=True)
        for leftover in self.leftovers:
            (data_dir / leftover).unlink(missing_ok=True)

    def _instance(self, name: str) -> Instance:
        with self._lock:
            instance = self._instances.get(name)
        if instance is None:
            raise KeyError(f"{name} is not running")
        return instance


class SqlDriver(Driver, SqlAdministration, Protocol):
    """A driver of a SQL engine: what RDS runs."""


def provision(
    driver: SqlDriver, spec: InstanceSpec, username: str, password: str, db_name: str | None
) -> ManagedProcess:
    """A new instance with its master user and (optional) database, as RDS's CreateDBInstance
    makes it; an instance whose user or database cannot be made is stopped again."""
    proc = driver.create(spec)
    try:
        driver.create_master_user(spec.name, username, password)
        if db_name:
            driver.create_database(spec.name, db_name, username)
    except BaseException:
        driver.stop(spec.name)
        raise
    return proc
