"""Memcached engine driver: real ``memcached`` processes (Debian's 1.6, built with TLS and SASL).

Memcached keeps nothing on disk: a node has no data directory (only its log, beside where
one would be), no snapshots, no users. Its parameters are command-line options, so every
parameter change takes effect at the next start (``pending-reboot``), as on ElastiCache for
most of them.
"""

from __future__ import annotations

import functools
import re
import shutil
import signal
import ssl
import subprocess
from collections.abc import Mapping
from pathlib import Path

from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheError

from fogbank.engines import datadirs
from fogbank.engines.binary import EngineBinary, parse_version, system_package, version_key
from fogbank.engines.driver import EngineDriver, Instance
from fogbank.engines.interface import CacheNodeSpec, InstanceSpec, TlsFiles
from fogbank.engines.supervisor import ManagedProcess, ProcessSpec, Supervisor

MEGABYTE = 1024 * 1024
DEFAULT_MEMORY_MB = 64  # memcached's own default for -m

# ElastiCache's Memcached parameter names → memcached's option. Flags take "1"/"0".
OPTIONS: dict[str, str] = {
    "max_simultaneous_connections": "-c",
    "chunk_size": "-n",
    "chunk_size_growth_factor": "-f",
    "max_item_size": "-I",
    "backlog_queue_limit": "-b",
    "binding_protocol": "-B",
    "num_threads": "-t",
}
FLAGS: dict[str, str] = {"cas_disabled": "-C", "disable_flush_all": "-F", "large_memory_pages": "-L"}
# Passed as extended options (-o name=value).
EXTENDED = ("lru_crawler", "lru_maintainer", "hash_algorithm", "slab_reassign", "slab_automove", "idle_timeout")
_VALUE = re.compile(r"^[A-Za-z0-9_.:-]+$")


@functools.lru_cache(maxsize=1)
def installed_versions() -> list[EngineBinary]:
    """Memcached servers found on this machine, newest first."""
    found = []
    for candidate in {shutil.which("memcached"), "/usr/bin/memcached"}:
        server = Path(candidate) if candidate else None
        if server is None or not server.is_file():
            continue
        try:
            result = subprocess.run([str(server), "-V"], capture_output=True, text=True, timeout=10)
            usage = subprocess.run([str(server), "-h"], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        line = result.stdout.strip()
        version = parse_version(line) if result.returncode == 0 else None
        if version:
            package = system_package(server)
            tls = "--enable-ssl" in usage
            major = ".".join(version.split(".")[:2])
            found.append(
                EngineBinary("memcached", version, major, server, line, "system", package, "BSD-3-Clause", tls)
            )
    return sorted(found, key=lambda b: version_key(b.version), reverse=True)


def check_settings(settings: Mapping[str, str]) -> None:
    for key, value in settings.items():
        if key not in OPTIONS and key not in FLAGS and key not in EXTENDED:
            raise ValueError(f"unknown memcached parameter {key}")
        if not _VALUE.match(str(value)):
            raise ValueError(f"bad value for {key}: {value!r}")
        if key in FLAGS and str(value) not in ("0", "1"):
            raise ValueError(f"{key} takes 0 or 1, not {value!r}")


def options(settings: Mapping[str, str]) -> list[str]:
    argv: list[str] = []
    for key, value in sorted(settings.items()):
        if key in OPTIONS:
            argv += [OPTIONS[key], str(value)]
        elif key in FLAGS:
            argv += [FLAGS[key]] if str(value) == "1" else []
        else:
            argv += ["-o", f"{key}={value}"]
    return argv


class MemcachedEngine(EngineDriver):
    """Nodes of one memcached binary. Implements ``Driver`` only (no data, no users)."""

    def __init__(self, supervisor: Supervisor, binary: EngineBinary, cache_dir: Path) -> None:
        super().__init__(supervisor, binary, cache_dir)
        self._settings: dict[str, dict[str, str]] = {}  # the options each node was last given
        self._tls: dict[str, ssl.SSLContext] = {}  # how Fogbank reaches its TLS nodes

    def create(self, spec: InstanceSpec) -> ManagedProcess:
        return self.start(spec)

    def start(self, spec: InstanceSpec) -> ManagedProcess:
        if isinstance(spec, CacheNodeSpec):
            if spec.auth_tokens or spec.acl_users:
                raise ValueError("Memcached has no AUTH tokens or ACL users")
            if spec.cluster_enabled or spec.replica_of:
                raise ValueError("Memcached has no cluster mode or replication")
        settings = dict(spec.settings if spec.settings is not None else self._settings.get(spec.name, {}))
        check_settings(settings)
        megabytes = max(1, spec.memory_bytes // MEGABYTE) if spec.memory_bytes else DEFAULT_MEMORY_MB
        data_dir = Path(spec.data_dir).absolute()
        argv = [str(self.binary.server), "-l", "127.0.0.1", "-p", str(spec.port), "-U", "0", "-m", str(megabytes)]
        argv += options(settings)
        tls = spec.tls if isinstance(spec, CacheNodeSpec) else None
        context = None
        if tls is not None:
            if not self.binary.tls:
                raise ValueError(f"{self.binary.version_string} was built without TLS")
            argv += _tls_options(data_dir, tls)
            context = ssl.create_default_context(cadata=tls.authority.decode())
        log_file = datadirs.log_file_for(data_dir)
        log_file.parent.mkdir(parents=True, exist_ok=True)
        process_spec = ProcessSpec(
            name=spec.name,
            argv=argv,
            log_file=log_file,
            port=spec.port,
            ready=functools.partial(_answers_version, spec.port, context),
            unprivileged=True,  # memcached refuses root without -u
            stop_signal=signal.SIGTERM,
            stop_timeout=10.0,
        )
        proc = self.supervisor.start(process_spec)
        with self._lock:
            self._instances[spec.name] = Instance(data_dir, spec.port, data_dir)
            self._settings[spec.name] = settings
            if context is not None:
                self._tls[spec.name] = context
            else:
                self._tls.pop(spec.name, None)
        return proc

    def healthy(self, name: str) -> bool:
        with self._lock:
            context = self._tls.get(name)
        return _answers_version(self._instance(name).port, context)

    def apply_settings(self, name: str, settings: Mapping[str, str]) -> list[str]:
        """Memcached reads its options only at start: every change is pending until then."""
        check_settings(settings)
        with self._lock:
            current = self._settings.get(name)
            if current is None:
                raise KeyError(f"{name} is not running")
            changed = {key for key in set(current) | set(settings) if current.get(key) != settings.get(key)}
            self._settings[name] = dict(settings)
        return sorted(changed)

    def client(self, name: str) -> Client:
        with self._lock:
            context = self._tls.get(name)
        return Client(("127.0.0.1", self._instance(name).port), connect_timeout=2, timeout=10, tls_context=context)


def _tls_options(data_dir: Path, files: TlsFiles) -> list[str]:
    """``-Z``: TLS on every listener (no plain port left). The files live in the node's own
    0700 directory, owned by the engine user, which must read the key."""
    datadirs.write_tls(data_dir, files)
    return ["-Z", "-o", f"ssl_chain_cert={data_dir / datadirs.TLS_CERT},ssl_key={data_dir / datadirs.TLS_KEY}"]


def _answers_version(port: int, context: ssl.SSLContext | None = None) -> bool:
    client = Client(("127.0.0.1", port), connect_timeout=1, timeout=2, tls_context=context)
    try:
        return bool(client.version())
    except (MemcacheError, OSError):
        return False
    finally:
        client.close()
