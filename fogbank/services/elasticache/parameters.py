"""Cache parameters: ElastiCache's metadata (DataType, AllowedValues, IsModifiable, ChangeType)
for the parameters Fogbank runs, with the *values read from the real engine*.

Each family's list is the part of ElastiCache's that the installed server knows: a name the
binary does not answer to in ``CONFIG GET`` is left out. Defaults are the server's own
(``CONFIG GET`` / ``stats settings`` of a probe node started once per binary and kept in the
cache directory), with ElastiCache's defaults where it sets its own (``maxmemory-policy
volatile-lru``) and Fogbank's where Fogbank owns the setting (``appendonly yes``: every node
persists, so a restart keeps the data).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fogbank.engines.catalog import Catalog, EngineVersion
from fogbank.engines.interface import CacheNodeSpec
from fogbank.engines.valkey_conf import DEFAULTS as FOGBANK_VALKEY_DEFAULTS
from fogbank.services.elasticache import errors

log = logging.getLogger(__name__)

IMMEDIATE = "immediate"
REBOOT = "requires-reboot"
POLICIES = "volatile-lru,allkeys-lru,volatile-lfu,allkeys-lfu,volatile-random,allkeys-random,volatile-ttl,noeviction"


@dataclass(frozen=True)
class Meta:
    name: str
    data_type: str  # "integer" | "string" | "boolean"
    allowed: str  # "0-", "1-1200", "yes,no", a comma list, "" for free text
    modifiable: bool
    change: str
    description: str


VALKEY: tuple[Meta, ...] = (
    Meta("maxmemory-policy", "string", POLICIES, True, IMMEDIATE, "Max memory policy."),
    Meta("maxmemory-samples", "integer", "1-", True, IMMEDIATE, "Max memory samples."),
    Meta("timeout", "integer", "0,20-", True, IMMEDIATE, "Close connection if client is idle for a given number of seconds, or never if 0."),
    Meta("tcp-keepalive", "integer", "0-", True, IMMEDIATE, "If non-zero, send ACKs every given number of seconds."),
    Meta("databases", "integer", "1-1200", True, REBOOT, "Set the number of databases."),
    Meta("notify-keyspace-events", "string", "", True, IMMEDIATE, "The keyspace events for Redis to notify Pub/Sub subscribers about."),
    Meta("slowlog-log-slower-than", "integer", "-", True, IMMEDIATE, "The execution time, in microseconds, to exceed in order for the command to get logged."),
    Meta("slowlog-max-len", "integer", "0-", True, IMMEDIATE, "The length of the slow log."),
    Meta("hash-max-listpack-entries", "integer", "0-", True, IMMEDIATE, "The maximum number of hash entries in order for the dataset to be compressed."),
    Meta("hash-max-listpack-value", "integer", "0-", True, IMMEDIATE, "The threshold of biggest hash entries in order for the dataset to be compressed."),
    Meta("hash-max-ziplist-entries", "integer", "0-", True, IMMEDIATE, "The maximum number of hash entries in order for the dataset to be compressed."),
    Meta("set-max-intset-entries", "integer", "0-", True, IMMEDIATE, "The limit in the size of the set in order for the dataset to be compressed."),
    Meta("zset-max-listpack-entries", "integer", "0-", True, IMMEDIATE, "The maximum number of sorted set entries in order for the dataset to be compressed."),
    Meta("zset-max-ziplist-entries", "integer", "0-", True, IMMEDIATE, "The maximum number of sorted set entries in order for the dataset to be compressed."),
    Meta("list-max-listpack-size", "integer", "-", True, IMMEDIATE, "Lists are encoded in a special way to save space."),
    Meta("activedefrag", "string", "yes,no", True, IMMEDIATE, "Enabled active memory defragmentation."),
    Meta("lazyfree-lazy-eviction", "string", "yes,no", True, IMMEDIATE, "Perform an asynchronous delete on evictions."),
    Meta("lazyfree-lazy-expire", "string", "yes,no", True, IMMEDIATE, "Perform an asynchronous delete on expired keys."),
    Meta("lfu-log-factor", "integer", "1-", True, IMMEDIATE, "The log factor for incrementing key counter for LFU eviction policy."),
    Meta("lfu-decay-time", "integer", "0-", True, IMMEDIATE, "The amount of time in minutes to decrement the key counter for LFU eviction policy."),
    Meta("active-expire-effort", "integer", "1-10", True, IMMEDIATE, "The amount of effort for active key expiration."),
    Meta("maxclients", "integer", "1-65000", False, REBOOT, "The maximum number of Redis clients."),
    Meta("lua-time-limit", "integer", "5000", False, IMMEDIATE, "Max execution time of a Lua script in milliseconds. 0 or negative for unlimited execution without warnings."),
    Meta("appendonly", "string", "yes,no", False, IMMEDIATE, "Enable Redis persistence (Fogbank: always on, so a restart keeps the data)."),
    Meta("appendfsync", "string", "always,everysec,no", False, IMMEDIATE, "fsync policy for AOF persistence."),
)  # fmt: skip

MEMCACHED: tuple[Meta, ...] = (
    Meta("max_simultaneous_connections", "integer", "3-65000", True, REBOOT, "The maximum number of simultaneous connections."),
    Meta("chunk_size", "integer", "1-", True, REBOOT, "The minimum amount, in bytes, of space to allocate for the smallest item's key, value, and flags."),
    Meta("chunk_size_growth_factor", "float", "1-2", True, REBOOT, "The growth factor that controls the size of each successive memcached chunk."),
    Meta("max_item_size", "integer", "1048576-134217728", True, REBOOT, "The size of the largest item storable in the cache, in bytes."),
    Meta("backlog_queue_limit", "integer", "1-10000", True, REBOOT, "The backlog queue limit."),
    Meta("binding_protocol", "string", "auto,binary,ascii", True, REBOOT, "The binding protocol."),
    Meta("cas_disabled", "boolean", "0,1", True, REBOOT, "If 1 (true), check and set (CAS) operations will be disabled."),
    Meta("disable_flush_all", "boolean", "0,1", True, REBOOT, "Disable flush_all."),
    Meta("lru_crawler", "boolean", "0,1", True, REBOOT, "Enable the LRU crawler thread."),
    Meta("lru_maintainer", "boolean", "0,1", True, REBOOT, "Enable the LRU maintainer thread."),
    Meta("slab_reassign", "boolean", "0,1", True, REBOOT, "Enable slab reassignment."),
    Meta("slab_automove", "integer", "0-2", True, REBOOT, "Adjust the slab automove algorithm."),
    Meta("idle_timeout", "integer", "0-", True, REBOOT, "Seconds before an idle connection is closed (0: never)."),
)  # fmt: skip

# ElastiCache name -> (memcached ``stats settings`` name, invert a yes/no flag)
MEMCACHED_STATS: dict[str, tuple[str, bool]] = {
    "max_simultaneous_connections": ("maxconns", False), "chunk_size": ("chunk_size", False),
    "chunk_size_growth_factor": ("growth_factor", False), "max_item_size": ("item_size_max", False),
    "backlog_queue_limit": ("tcp_backlog", False), "binding_protocol": ("binding_protocol", False),
    "cas_disabled": ("cas_enabled", True), "disable_flush_all": ("flush_enabled", True),
    "lru_crawler": ("lru_crawler", False), "lru_maintainer": ("lru_maintainer_thread", False),
    "slab_reassign": ("slab_reassign", False), "slab_automove": ("slab_automove", False),
    "idle_timeout": ("idle_timeout", False),
}  # fmt: skip


@dataclass(frozen=True)
class Parameter:
    meta: Meta
    default: str
    minimum_version: str

    def render(self, value: str | None = None) -> dict[str, Any]:
        return {
            "ParameterName": self.meta.name,
            "ParameterValue": self.default if value is None else value,
            "Description": self.meta.description,
            "Source": "system" if value is None else "user",
            "DataType": self.meta.data_type,
            "AllowedValues": self.meta.allowed,
            "IsModifiable": self.meta.modifiable,
            "MinimumEngineVersion": self.minimum_version,
            "ChangeType": self.meta.change,
        }


class Catalogs:
    """Each binary's parameters, read once (a probe node) and kept in ``cache_dir``."""

    def __init__(self, catalog: Catalog, cache_dir: Path, scratch: Path, start_probe: Callable[..., Any]) -> None:
        self._catalog = catalog
        self._cache_dir = cache_dir
        self._scratch = scratch
        self._start_probe = start_probe
        self._lock = threading.Lock()
        self._loaded: dict[str, list[Parameter]] = {}

    def parameters(self, version: EngineVersion) -> list[Parameter]:
        key = f"{version.binary.flavor}-{version.binary.version}-{abs(hash(str(version.binary.server))):x}"
        with self._lock:
            if key not in self._loaded:
                path = self._cache_dir / f"{key}.json"
                try:
                    values = json.loads(path.read_text())
                except (OSError, ValueError):
                    values = self._probe(version)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(json.dumps(values))
                metas = MEMCACHED if version.engine == "memcached" else VALKEY
                minimum = version.kind.offered[-1] if version.kind.offered else version.version
                self._loaded[key] = [Parameter(m, values[m.name], minimum) for m in metas if m.name in values]
            return self._loaded[key]

    def _probe(self, version: EngineVersion) -> dict[str, str]:
        """Start the binary once on a scratch directory and read its settings."""
        self._scratch.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="probe-", dir=self._scratch))
        work.chmod(0o711)
        try:
            return self._start_probe(version, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def read_valkey(client: Any) -> dict[str, str]:
    values: dict[str, str] = {}
    for meta in VALKEY:
        answer = client.config_get(meta.name)
        if meta.name in answer:
            values[meta.name] = FOGBANK_VALKEY_DEFAULTS.get(meta.name, str(answer[meta.name]))
    return values


def read_memcached(stats: Mapping[bytes | str, Any]) -> dict[str, str]:
    settings = {(k.decode() if isinstance(k, bytes) else k): v for k, v in stats.items()}
    values: dict[str, str] = {}
    for name, (stat, invert) in MEMCACHED_STATS.items():
        if stat not in settings:
            continue
        value = settings[stat]
        value = value.decode() if isinstance(value, bytes) else str(value)
        if value in ("yes", "no", "True", "False"):
            on = value in ("yes", "True")
            value = "1" if on != invert else "0"
        elif name == "binding_protocol":
            value = value.replace("auto-negotiate", "auto")
        values[name] = value
    return values


def check_value(parameter: Parameter, value: str) -> None:
    """A value the parameter's metadata allows; ElastiCache refuses others before any change."""
    meta = parameter.meta
    if not meta.modifiable:
        raise errors.invalid_value(f"Parameter {meta.name} is not modifiable.")
    bad = errors.invalid_value(f"Invalid value for parameter {meta.name}: {value}")
    if meta.data_type in ("integer", "float"):
        try:
            number = int(value) if meta.data_type == "integer" else float(value)
        except ValueError:
            raise bad from None
        for part in meta.allowed.split(","):
            low, dash, high = part.partition("-")
            if not dash:
                if low and number == float(low):
                    return
                continue
            if (not low or number >= float(low)) and (not high or number <= float(high)):
                return
        if meta.allowed:
            raise bad
    elif meta.allowed and "," in meta.allowed and value not in meta.allowed.split(","):
        raise bad


def node_spec_for_probe(version: EngineVersion, work: Path, port: int) -> CacheNodeSpec:
    return CacheNodeSpec(name=f"elasticache/probe/{work.name}", data_dir=work / "data", port=port, settings={})
