"""What every engine driver shares: its running instances, stopping one, its status, restoring a
snapshot. The interface drivers offer is typed in ``interface.py``; this base implements its
engine-independent part."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from fogbank.engines import datadirs
from fogbank.engines.binary import EngineBinary
from fogbank.engines.interface import InstanceStatus
from fogbank.engines.supervisor import ManagedProcess, Supervisor


@dataclass
class Instance:
    data_dir: Path
    port: int
    socket_dir: Path  # where the engine's unix socket lives (maybe a short dir under /tmp)


class EngineDriver:
    """Base of PostgresEngine and MariaDBEngine: one engine version, many instances."""

    # Files a killed or copied server leaves in its data dir that a fresh start must not find.
    leftovers: tuple[str, ...] = ()

    def __init__(self, supervisor: Supervisor, binary: EngineBinary, templates_dir: Path) -> None:
        self.supervisor = supervisor
        self.binary = binary
        self.templates_dir = Path(templates_dir)
        self._instances: dict[str, Instance] = {}
        self._lock = threading.Lock()

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
