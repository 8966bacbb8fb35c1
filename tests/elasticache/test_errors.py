"""Bad input gets ElastiCache's error codes (never a 500)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def _error(call: Any, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call(**params)
    error = info.value.response
    return error["Error"]["Code"], error["Error"]["Message"], error["ResponseMetadata"]["HTTPStatusCode"]


def test_identifier_and_lookup_errors(ec: Any) -> None:
    """Recorded from AWS (the SDKs' feature tests): an underscore is not a valid identifier."""
    code, message, status = _error(ec.describe_cache_clusters, CacheClusterId="fake_cluster")
    assert (code, status) == ("InvalidParameterValue", 400)
    assert message.startswith("The parameter CacheClusterIdentifier is not a valid identifier.")
    assert _error(ec.describe_cache_clusters, CacheClusterId="nope")[:2] == (
        "CacheClusterNotFound", "CacheCluster not found: nope")  # fmt: skip
    assert _error(ec.delete_cache_cluster, CacheClusterId="nope")[0] == "CacheClusterNotFound"


def test_create_checks(ec: Any, make_cluster: Any) -> None:
    base = {"CacheClusterId": "c1", "CacheNodeType": "cache.t3.micro", "NumCacheNodes": 1}
    assert _error(ec.create_cache_cluster, **base, Engine="mongodb")[0] == "InvalidParameterValue"
    assert _error(ec.create_cache_cluster, **{**base, "CacheNodeType": "cache.x9.huge"}, Engine="valkey")[0] == (
        "InvalidParameterValue")  # fmt: skip
    assert _error(ec.create_cache_cluster, **{**base, "NumCacheNodes": 2}, Engine="redis")[0] == (
        "NodeQuotaForClusterExceeded")  # fmt: skip
    assert _error(ec.create_cache_cluster, **{**base, "NumCacheNodes": 41}, Engine="memcached")[0] == (
        "NodeQuotaForClusterExceeded")  # fmt: skip
    assert _error(ec.create_cache_cluster, **base, Engine="valkey", AuthToken="a-long-token-0123456789")[0] == (
        "InvalidParameterCombination")  # TransitEncryptionEnabled is required with AuthToken  # fmt: skip
    assert _error(ec.create_cache_cluster, **base, Engine="valkey", EngineVersion="3.0")[0] == "InvalidParameterValue"
    assert _error(ec.create_cache_cluster, **base, Engine="valkey", CacheParameterGroupName="nope")[0] == (
        "CacheParameterGroupNotFound")  # fmt: skip
    assert _error(ec.create_cache_cluster, **base, Engine="valkey", CacheParameterGroupName="default.memcached1.6")[
        0] == "InvalidParameterCombination"  # fmt: skip
    assert _error(ec.create_cache_cluster, **base, Engine="valkey", SnapshotName="s1")[0] == "SnapshotNotFoundFault"
    make_cluster("c1", "valkey")
    assert _error(ec.create_cache_cluster, **base, Engine="valkey")[:2] == (
        "CacheClusterAlreadyExists", "Cache cluster c1 already exists.")  # fmt: skip


def test_state_and_modify_checks(ec: Any, make_cluster: Any) -> None:
    make_cluster("m1", "memcached", nodes=2)
    assert _error(ec.modify_cache_cluster, CacheClusterId="m1", NumCacheNodes=1)[0] == "InvalidParameterValue"
    assert _error(ec.modify_cache_cluster, CacheClusterId="m1", NumCacheNodes=1, CacheNodeIdsToRemove=["0009"])[
        0] == "InvalidParameterValue"  # fmt: skip
    assert _error(ec.modify_cache_cluster, CacheClusterId="m1", CacheNodeType="cache.m5.large")[0] == (
        "InvalidParameterCombination")  # fmt: skip
    assert _error(ec.reboot_cache_cluster, CacheClusterId="m1", CacheNodeIdsToReboot=["0007"])[0] == (
        "InvalidParameterValue")  # fmt: skip
    ec.delete_cache_cluster(CacheClusterId="m1")
    status = ec.describe_cache_clusters()["CacheClusters"]
    if status:  # still deleting: every other operation is refused
        assert _error(ec.reboot_cache_cluster, CacheClusterId="m1", CacheNodeIdsToReboot=["0001"])[0] in (
            "InvalidCacheClusterState", "CacheClusterNotFound")  # fmt: skip


def test_paging_limits(ec: Any) -> None:
    for size in (19, 101):
        assert _error(ec.describe_cache_clusters, MaxRecords=size)[0] == "InvalidParameterValue"
    assert _error(ec.describe_cache_clusters, Marker="!!")[0] == "InvalidParameterValue"
    versions = ec.describe_cache_engine_versions(MaxRecords=20)
    rest = ec.describe_cache_engine_versions(MaxRecords=20, Marker=versions["Marker"]) if versions.get("Marker") else {}
    seen = versions["CacheEngineVersions"] + rest.get("CacheEngineVersions", [])
    assert len({(v["Engine"], v["EngineVersion"]) for v in seen}) == len(seen)
