"""Which server runs each RDS ``Engine``, and in which versions: answered from what is installed.

An engine *kind* maps an RDS engine name (``postgres``, ``mysql``, ``mariadb``) to a driver
class from ``fogbank.engines`` and the binaries it can run. Later engines (Aurora, DocumentDB,
Neptune) register another kind here; the control plane only talks to the driver interface:
``create / start / stop / set_password / apply_settings / snapshot / restore``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fogbank.engines import mariadb, postgres
from fogbank.engines.binary import EngineBinary, version_key
from fogbank.engines.supervisor import Supervisor
from fogbank.protocols.errors import AwsError

# MariaDB serves the MySQL protocol and SQL dialect of this MySQL major when no Oracle
# MySQL server is installed.
MYSQL_ON_MARIADB_MAJOR = "8.0"

# Engines of the rds API that later issues bring; until then CreateDBInstance says so.
LATER_ENGINES = ("aurora", "aurora-mysql", "aurora-postgresql", "docdb", "neptune")
# Engines AWS has that no package on this machine can run.
UNAVAILABLE_ENGINES = (
    "oracle-ee", "oracle-ee-cdb", "oracle-se2", "oracle-se2-cdb", "sqlserver-ee", "sqlserver-se",
    "sqlserver-ex", "sqlserver-web", "db2-se", "db2-ae", "custom-oracle-ee", "custom-sqlserver-ee",
)  # fmt: skip


@dataclass(frozen=True)
class EngineVersion:
    engine: str  # RDS engine name
    version: str  # EngineVersion as reported
    major: str  # "16", "10.11", "8.0"
    binary: EngineBinary  # the server that really runs
    flavor: str  # "postgres" or "mysql": which family of settings and SQL

    @property
    def family(self) -> str:
        return f"{self.engine}{self.major}"

    @property
    def description(self) -> str:
        if self.engine == "postgres":
            return f"PostgreSQL {self.binary.version} ({self.binary.source})"
        if self.engine == "mysql" and self.binary.flavor == "mariadb":
            return f"MySQL {self.major} served by MariaDB {self.binary.version} (no MySQL server is installed)"
        return f"{'MariaDB' if self.binary.flavor == 'mariadb' else 'MySQL'} Community Edition {self.binary.version}"

    @property
    def served_by(self) -> str:
        """The real server, as a person would name it."""
        name = {"postgres": "PostgreSQL", "mariadb": "MariaDB", "mysql": "MySQL"}[self.binary.flavor]
        return f"{name} {self.binary.version}"


@dataclass(frozen=True)
class EngineKind:
    name: str
    default_port: int
    flavor: str
    log_file_name: str  # as DescribeDBLogFiles names the server's log
    license_model: str
    driver_class: Callable[[Supervisor, EngineBinary, Path], Any]
    binaries: Callable[[], list[EngineBinary]]


def _postgres_versions() -> list[EngineBinary]:
    return postgres.installed_versions()


def _mariadb_versions() -> list[EngineBinary]:
    return [b for b in mariadb.installed_versions() if b.flavor == "mariadb"]


def _mysql_versions() -> list[EngineBinary]:
    real = [b for b in mariadb.installed_versions() if b.flavor == "mysql"]
    return real or _mariadb_versions()[:1]


KINDS: dict[str, EngineKind] = {
    "postgres": EngineKind(
        "postgres", 5432, "postgres", "error/postgresql.log", "postgresql-license",
        postgres.PostgresEngine, _postgres_versions,
    ),
    "mysql": EngineKind(
        "mysql", 3306, "mysql", "error/mysql-error.log", "general-public-license",
        mariadb.MariaDBEngine, _mysql_versions,
    ),
    "mariadb": EngineKind(
        "mariadb", 3306, "mysql", "error/mysql-error.log", "general-public-license",
        mariadb.MariaDBEngine, _mariadb_versions,
    ),
}  # fmt: skip


class Engines:
    """The installed engine versions and one driver object per server binary."""

    def __init__(self, supervisor: Supervisor, templates_dir: Path) -> None:
        self.supervisor = supervisor
        self.templates_dir = templates_dir
        self._drivers: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    @staticmethod
    def kind(engine: str) -> EngineKind:
        return KINDS[engine]

    @staticmethod
    def versions(engine: str) -> list[EngineVersion]:
        """Installed versions of an RDS engine, newest first."""
        kind = KINDS.get(engine)
        if kind is None:
            return []
        out = []
        for binary in kind.binaries():
            if engine == "mysql" and binary.flavor == "mariadb":
                out.append(EngineVersion(engine, MYSQL_ON_MARIADB_MAJOR, MYSQL_ON_MARIADB_MAJOR, binary, kind.flavor))
            else:
                out.append(EngineVersion(engine, binary.version, binary.major, binary, kind.flavor))
        return sorted(out, key=lambda v: version_key(v.version), reverse=True)

    def resolve(self, engine: str, requested: str | None) -> EngineVersion:
        """The installed version for ``EngineVersion`` (exact, or same major), else an error
        that lists what is installed."""
        check_engine(engine)
        versions = self.versions(engine)
        if not versions:
            raise AwsError(
                "InvalidParameterCombination",
                f"Cannot find an installed server for engine {engine}: install "
                f"{'PostgreSQL (pip install pgserver)' if engine == 'postgres' else 'mariadb-server'}.",
            )
        if requested is None:
            return versions[0]
        for candidate in versions:
            if requested == candidate.version:
                return candidate
        for candidate in versions:
            if requested == candidate.major or requested.startswith(candidate.major + "."):
                if candidate.binary.flavor != candidate.engine and candidate.engine == "mysql":
                    # Echo the MySQL version asked for: MariaDB serves that MySQL major.
                    return EngineVersion(engine, requested, candidate.major, candidate.binary, candidate.flavor)
                return candidate
        listed = ", ".join(v.version for v in versions)
        raise AwsError(
            "InvalidParameterCombination",
            f"Cannot find version {requested} for {engine}. Installed versions of {engine}: {listed}.",
        )

    def by_family(self, family: str) -> EngineVersion | None:
        for engine in KINDS:
            for version in self.versions(engine):
                if version.family == family:
                    return version
        return None

    def families(self) -> list[EngineVersion]:
        seen: dict[str, EngineVersion] = {}
        for engine in KINDS:
            for version in self.versions(engine):
                seen.setdefault(version.family, version)
        return list(seen.values())

    def driver(self, version: EngineVersion) -> Any:
        key = (str(version.binary.server), version.binary.flavor)
        with self._lock:
            if key not in self._drivers:
                kind = KINDS[version.engine]
                self._drivers[key] = kind.driver_class(self.supervisor, version.binary, self.templates_dir)
            return self._drivers[key]


def check_engine(engine: str) -> None:
    """A clear error for engine names Fogbank does not run (yet)."""
    if engine in KINDS:
        return
    if engine in LATER_ENGINES or engine.startswith("aurora"):
        raise AwsError(
            "InvalidParameterCombination",
            f"Engine {engine} runs in a DB cluster (CreateDBCluster), which Fogbank does not support yet. "
            f"Engines Fogbank runs as DB instances: {', '.join(KINDS)}.",
        )
    if engine in UNAVAILABLE_ENGINES:
        raise AwsError(
            "InvalidParameterCombination",
            f"Engine {engine} cannot run in Fogbank (no such server can be installed here). "
            f"Engines Fogbank runs: {', '.join(KINDS)}.",
        )
    raise AwsError("InvalidParameterValue", f"Invalid DB engine: {engine}")
