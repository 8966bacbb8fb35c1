"""DescribeCacheEngineVersions: what is really installed, each version with the binary serving it."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.engines.catalog import EngineVersion
from fogbank.services.base import operation
from fogbank.services.elasticache.backend import SERVICE, Backend
from fogbank.services.elasticache.ops.common import backend, page

DESCRIPTIONS = {"valkey": "Valkey", "redis": "Redis", "memcached": "memcached"}


def installed(be: Backend) -> list[EngineVersion]:
    out: list[EngineVersion] = []
    for kind in be.catalog.kinds(SERVICE):
        out += be.catalog.versions(SERVICE, kind.engine)
    return out


def families(be: Backend) -> dict[str, EngineVersion]:
    """Each installed parameter group family and its newest version."""
    out: dict[str, EngineVersion] = {}
    for version in installed(be):
        out.setdefault(version.family, version)
    return out


@operation("DescribeCacheEngineVersions")
def describe_cache_engine_versions(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, _ = backend(ctx)
    versions = installed(be)
    if params.get("Engine"):
        versions = [v for v in versions if v.engine == params["Engine"]]
    if params.get("EngineVersion"):
        versions = [v for v in versions if v.version == params["EngineVersion"]]
    if params.get("CacheParameterGroupFamily"):
        versions = [v for v in versions if v.family == params["CacheParameterGroupFamily"]]
    if params.get("DefaultOnly"):
        newest: dict[str, EngineVersion] = {}
        for version in versions:
            newest.setdefault(version.engine, version)
        versions = list(newest.values())
    rows = [
        {
            "Engine": v.engine,
            "EngineVersion": v.version,
            "CacheParameterGroupFamily": v.family,
            "CacheEngineDescription": DESCRIPTIONS.get(v.engine, v.engine),
            "CacheEngineVersionDescription": f"{DESCRIPTIONS.get(v.engine, v.engine)} {v.version} "
            f"(served by {v.served_by})",
        }
        for v in versions
    ]
    chunk, marker = page(params, rows, key=lambda r: (r["Engine"], [int(p) for p in r["EngineVersion"].split(".")]))
    return {"CacheEngineVersions": chunk, "Marker": marker}
