"""Engine version changes (ModifyCacheCluster / ModifyReplicationGroup ``EngineVersion``): what
may be asked, checked before anything changes.

Each node restarts on the binary that serves the new version (``catalog.nearest``) with its data
directory: a newer server reads the RDB/AOF files of an older one (Valkey 9 reads Valkey 8's and
Redis 7.0's), never the reverse, so a downgrade is refused — as ElastiCache refuses one — and so
is a "newer" version that only an older binary serves. A new major version needs a parameter
group of its family (``CacheParameterGroupName`` in the same request), as on AWS.
"""

from __future__ import annotations

from typing import Any

from fogbank.engines.binary import version_key
from fogbank.engines.catalog import EngineNotInstalled, EngineVersion
from fogbank.services.elasticache import errors
from fogbank.services.elasticache.backend import SERVICE, Backend


def check_version(
    be: Backend, engine: str, current: str, requested: Any, target: str | None = None
) -> EngineVersion | None:
    """The version to move to, or None when ``requested`` is the current one. ``target`` is a new
    ``Engine``: Redis OSS → Valkey is the one engine upgrade ElastiCache offers (Valkey reads Redis
    OSS 7's files); without ``EngineVersion`` it goes to the newest Valkey."""
    target = target or engine
    if target != engine and (engine, target) != ("redis", "valkey"):
        raise errors.invalid_combination(f"Cannot modify {engine} to {target}: the only engine upgrade is from redis "
                                         "to valkey.")  # fmt: skip
    if requested is None and target == engine:
        return None
    if requested is not None and (not isinstance(requested, str) or not requested.strip()):
        raise errors.invalid_value("The parameter EngineVersion must not be blank.")
    old = be.catalog.resolve(SERVICE, engine, current)
    if requested is not None:
        check_format(target, requested)
    try:
        new = be.catalog.resolve(SERVICE, target, requested)
    except EngineNotInstalled:
        raise errors.version_not_found(requested or "", target) from None
    if target == engine and new.version == old.version:
        return None
    if target == engine and version_key(new.version) < version_key(old.version):
        raise errors.cannot_modify_version(engine, old.version, new.version)
    if version_key(new.binary.version) < version_key(old.binary.version):
        raise errors.invalid_combination(
            f"Cannot modify {engine} from {old.version} to {new.version}: {new.version} is served by "
            f"{new.served_by}, which cannot read the data files of {old.served_by}."
        )
    return new


def check_family(old_family: str, new: EngineVersion | None, group_family: str | None) -> None:
    """The parameter group for the version the cluster will run: the one given (``group_family``)
    or the current one (``old_family``) must be of the new version's family."""
    wanted = new.family if new is not None else old_family
    if group_family is None:
        if wanted != old_family:
            raise errors.invalid_combination(
                f"The engine version {new.version if new else ''} needs a parameter group of family {wanted}: "
                "specify CacheParameterGroupName for the major version upgrade."
            )
        return
    if group_family != wanted:
        raise errors.family_mismatch(wanted, group_family)


def check_format(engine: str, requested: str) -> None:
    """Valkey and Redis OSS 6 and later are asked for by major.minor, as ElastiCache requires."""
    parts = requested.split(".")
    if engine in ("valkey", "redis") and len(parts) > 2 and parts[0].isdigit() and int(parts[0]) >= 6:
        raise errors.specific_version(requested, ".".join(parts[:2]))
