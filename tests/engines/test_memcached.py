"""Memcached nodes through the driver, checked with pymemcache."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheError

from fogbank.engines import memcached, users
from fogbank.engines.interface import CacheNodeSpec, InstanceSpec, Persistent
from fogbank.engines.memcached import MemcachedEngine
from fogbank.engines.supervisor import Supervisor

pytestmark = pytest.mark.skipif(not memcached.installed_versions(), reason="no memcached installed")


@pytest.fixture
def engine(supervisor: Supervisor, templates_dir: Path) -> MemcachedEngine:
    return MemcachedEngine(supervisor, memcached.installed_versions()[0], templates_dir)


def create(engine: MemcachedEngine, work_dir: Path, **fields: object) -> InstanceSpec:
    spec = InstanceSpec(name="m1", data_dir=work_dir / "m1", port=engine.supervisor.allocate_port(), **fields)  # type: ignore[arg-type]
    engine.create(spec)
    return spec


def connect(spec: InstanceSpec) -> Client:
    return Client(("127.0.0.1", spec.port), connect_timeout=2, timeout=10)


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_start_and_talk(engine: MemcachedEngine, work_dir: Path) -> None:
    started = time.monotonic()
    spec = create(engine, work_dir)
    elapsed = time.monotonic() - started
    proc = engine.process(spec.name)
    assert proc is not None
    rss = next(
        int(line.split()[1])
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    print(f"\nmemcached {engine.binary.version}: ready in {elapsed * 1000:.0f} ms, idle RSS {rss / 1024:.1f} MB")
    client = connect(spec)
    client.set("greeting", b"hello")
    assert client.get("greeting") == b"hello"
    assert client.version().decode() == engine.binary.version
    assert engine.healthy(spec.name)
    ids = users.run_as(True)
    if ids:
        assert Path(f"/proc/{proc.pid}").stat().st_uid == ids[0]
    assert not spec.data_dir.exists()  # Memcached keeps nothing on disk
    assert not isinstance(engine, Persistent)
    engine.stop(spec.name)
    assert engine.status(spec.name).state == "stopped"


def test_memory_limit_is_enforced(engine: MemcachedEngine, work_dir: Path) -> None:
    spec = create(engine, work_dir, memory_bytes=8 << 20)
    client = connect(spec)
    value = b"x" * 100_000
    for i in range(300):  # 30 MB into 8 MB
        client.set(f"key:{i}", value)
    stats = client.stats()
    assert stats[b"limit_maxbytes"] == 8 << 20
    assert stats[b"bytes"] <= 8 << 20
    assert stats[b"evictions"] > 0
    assert client.get("key:0") is None and client.get("key:299") == value


def test_parameters_wait_for_a_restart(engine: MemcachedEngine, work_dir: Path) -> None:
    spec = create(engine, work_dir, settings={"max_item_size": "2m"})
    client = connect(spec)
    assert client.stats("settings")[b"item_size_max"] == 2 << 20
    assert engine.apply_settings(spec.name, {"max_item_size": "4m", "cas_disabled": "1"}) == [
        "cas_disabled",
        "max_item_size",
    ]
    with pytest.raises(ValueError, match="unknown"):
        engine.apply_settings(spec.name, {"no_such": "1"})
    engine.stop(spec.name)
    engine.start(InstanceSpec(name=spec.name, data_dir=spec.data_dir, port=spec.port))
    settings = connect(spec).stats("settings")
    assert settings[b"item_size_max"] == 4 << 20 and settings[b"cas_enabled"] in (False, b"no")


def test_refuses_what_memcached_cannot_do(engine: MemcachedEngine, work_dir: Path) -> None:
    port = engine.supervisor.allocate_port()
    with pytest.raises(ValueError, match="AUTH"):
        engine.create(
            CacheNodeSpec(name="m2", data_dir=work_dir / "m2", port=port, auth_tokens=("secret-token-1234567",))
        )
    with pytest.raises(ValueError, match="cluster"):
        engine.create(CacheNodeSpec(name="m2", data_dir=work_dir / "m2", port=port, cluster_enabled=True))


def test_killed_node_is_restarted_empty(engine: MemcachedEngine, work_dir: Path) -> None:
    spec = create(engine, work_dir)
    client = connect(spec)
    client.set("k", b"v")
    proc = engine.process(spec.name)
    assert proc is not None
    os.kill(proc.pid, signal.SIGKILL)
    wait_for(lambda: proc.restarts == 1 and engine.healthy(spec.name))
    assert connect(spec).get("k") is None  # a cache: a new process starts empty, as on ElastiCache


def test_tls_with_dash_z(engine: MemcachedEngine, work_dir: Path) -> None:
    import ssl

    from fogbank.services.elasticache import tls

    if not engine.binary.tls:
        pytest.skip("this memcached was built without TLS")
    files = tls.issue(work_dir / "ca", [])
    spec = CacheNodeSpec(name="m1", data_dir=work_dir / "m1", port=engine.supervisor.allocate_port(), tls=files)
    engine.create(spec)
    context = ssl.create_default_context(cafile=str(work_dir / "ca" / tls.CA_FILE))
    client = Client(("127.0.0.1", spec.port), connect_timeout=2, timeout=10, tls_context=context)
    client.set("k", "v", noreply=False)
    assert client.get("k") == b"v" and engine.healthy("m1") and engine.client("m1").get("k") == b"v"
    with pytest.raises((MemcacheError, OSError)):  # -Z: no plain listener left
        Client(("127.0.0.1", spec.port), connect_timeout=2, timeout=2).get("k")
    engine.stop("m1")
