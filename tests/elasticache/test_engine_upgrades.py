"""EngineVersion changes: each node restarts on the binary serving the new version with its data;
downgrades and a major upgrade without a parameter group of the new family are refused with
AWS's recorded wording; replication groups upgrade replicas first, then fail over."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from botocore.exceptions import ClientError

from tests.elasticache.conftest import wait_status
from tests.elasticache.test_replication_groups import events, wait_group


def _server(port: int, host: str = "127.0.0.1") -> str:
    info = redis.Redis(host=host, port=port).info("server")
    return str(info.get("valkey_version") or info["redis_version"])


def _error(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**params)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def test_valkey_8_to_9_keeps_the_data_and_refuses_a_downgrade(ec: Any, make_cluster: Any) -> None:
    found = make_cluster("upgrade-me", "valkey", EngineVersion="8.0")
    port = found["CacheNodes"][0]["Endpoint"]["Port"]
    assert _server(port).startswith("8.")
    redis.Redis(port=port).set("kept", "yes")
    # A new major needs a parameter group of its family (recorded wording for the wrong family).
    code, message = _error(ec.modify_cache_cluster, CacheClusterId="upgrade-me", EngineVersion="9.1",
                           ApplyImmediately=True)  # fmt: skip
    assert code == "InvalidParameterCombination" and "valkey9" in message
    assert _error(ec.modify_cache_cluster, CacheClusterId="upgrade-me", EngineVersion="9.1",
                  CacheParameterGroupName="default.valkey8", ApplyImmediately=True) == (
        "InvalidParameterCombination", "Expected a parameter group of family valkey9 but found one of family valkey8")  # fmt: skip
    assert _error(ec.modify_cache_cluster, CacheClusterId="upgrade-me", EngineVersion="9.9") == (
        "InvalidParameterCombination", "Cannot find version 9.9 for valkey")  # fmt: skip
    out = ec.modify_cache_cluster(CacheClusterId="upgrade-me", EngineVersion="9.1",
                                  CacheParameterGroupName="default.valkey9", ApplyImmediately=True)["CacheCluster"]  # fmt: skip
    assert out["CacheClusterStatus"] == "modifying"
    found = wait_status(ec, "upgrade-me")
    assert (
        found["EngineVersion"] == "9.1" and found["CacheParameterGroup"]["CacheParameterGroupName"] == "default.valkey9"
    )
    port = found["CacheNodes"][0]["Endpoint"]["Port"]
    assert _server(port).startswith("9.") and redis.Redis(port=port).get("kept") == b"yes"
    messages = [e["Message"] for e in ec.describe_events(SourceType="cache-cluster", SourceIdentifier="upgrade-me")[
        "Events"]]  # fmt: skip
    assert any(
        m.startswith("Cache cluster upgrade-me upgraded from valkey 8.0 to valkey 9.1, served by Valkey 9.")
        for m in messages
    )
    assert _error(ec.modify_cache_cluster, CacheClusterId="upgrade-me", EngineVersion="8.0",
                  CacheParameterGroupName="default.valkey8", ApplyImmediately=True) == (
        "InvalidParameterCombination", "Cannot modify valkey from 9.1 to 8.0")  # fmt: skip


def test_a_minor_upgrade_waits_for_the_window_without_apply_immediately(ec: Any, make_cluster: Any) -> None:
    make_cluster("minor", "valkey", EngineVersion="8.0")
    out = ec.modify_cache_cluster(CacheClusterId="minor", EngineVersion="8.1")["CacheCluster"]
    assert out["EngineVersion"] == "8.0" and out["PendingModifiedValues"] == {"EngineVersion": "8.1"}
    ec.modify_cache_cluster(CacheClusterId="minor", ApplyImmediately=True)  # applies what is pending
    found = wait_status(ec, "minor")
    assert found["EngineVersion"] == "8.1" and found["PendingModifiedValues"] == {}


def test_redis_6_2_to_7_0_moves_to_another_binary_with_its_data(ec: Any, make_cluster: Any) -> None:
    found = make_cluster("old-redis", "redis", EngineVersion="6.2")
    port = found["CacheNodes"][0]["Endpoint"]["Port"]
    assert _server(port).startswith("6.2")
    redis.Redis(port=port).set("kept", "from 6.2")
    ec.modify_cache_cluster(CacheClusterId="old-redis", EngineVersion="7.0", CacheParameterGroupName="default.redis7",
                            ApplyImmediately=True)  # fmt: skip
    found = wait_status(ec, "old-redis")
    port = found["CacheNodes"][0]["Endpoint"]["Port"]
    assert _server(port).startswith("7.0") and redis.Redis(port=port).get("kept") == b"from 6.2"


def test_replication_group_upgrades_replicas_first_then_fails_over(ec: Any) -> None:
    ec.create_replication_group(ReplicationGroupId="rg-up", ReplicationGroupDescription="d", Engine="valkey",
                                EngineVersion="8.0", CacheNodeType="cache.t3.micro", NumCacheClusters=2)  # fmt: skip
    group = wait_group(ec, "rg-up")
    endpoint = group["NodeGroups"][0]["PrimaryEndpoint"]
    redis.Redis(host=endpoint["Address"], port=endpoint["Port"]).set("kept", "yes")
    code, _ = _error(ec.modify_replication_group, ReplicationGroupId="rg-up", EngineVersion="9.1",
                     ApplyImmediately=True)  # fmt: skip
    assert code == "InvalidParameterCombination"
    ec.modify_replication_group(ReplicationGroupId="rg-up", EngineVersion="9.1", CacheParameterGroupName="default.valkey9",
                                ApplyImmediately=True)  # fmt: skip
    group = wait_group(ec, "rg-up")
    roles = {m["CacheClusterId"]: m for m in group["NodeGroups"][0]["NodeGroupMembers"]}
    assert roles["rg-up-002"]["CurrentRole"] == "primary" and roles["rg-up-001"]["CurrentRole"] == "replica"
    for member in roles.values():
        assert _server(member["ReadEndpoint"]["Port"], member["ReadEndpoint"]["Address"]).startswith("9.")
    primary = redis.Redis(host=endpoint["Address"], port=endpoint["Port"])
    assert primary.get("kept") == b"yes" and primary.info("replication")["role"] == "master"
    assert ec.describe_cache_clusters(CacheClusterId="rg-up-001")["CacheClusters"][0]["EngineVersion"] == "9.1"
    messages = events(ec, "replication-group", "rg-up")
    assert "Failover from primary node rg-up-001 to replica node rg-up-002 completed" in messages
    assert any(m.startswith("Replication group rg-up upgraded from valkey 8.0 to valkey 9.1") for m in messages)


def test_cluster_mode_upgrade_keeps_slots_and_keys(ec: Any) -> None:
    from tests.elasticache.test_cluster_mode import cluster_client, make

    group = make(ec, "cm-up", 2, 1, EngineVersion="8.0")
    rc = cluster_client(group)
    for i in range(100):
        rc.set(f"key:{i}", str(i))
    ec.modify_replication_group(ReplicationGroupId="cm-up", EngineVersion="9.1",
                                CacheParameterGroupName="default.valkey9", ApplyImmediately=True)  # fmt: skip
    group = wait_group(ec, "cm-up", timeout=120)
    assert [g["Slots"] for g in group["NodeGroups"]] == ["0-8191", "8192-16383"]
    for node_group in group["NodeGroups"]:
        for member in node_group["NodeGroupMembers"]:
            assert _server(member["ReadEndpoint"]["Port"], member["ReadEndpoint"]["Address"]).startswith("9.")
    rc = cluster_client(group)
    assert all(rc.get(f"key:{i}") == str(i).encode() for i in range(100))


def test_redis_to_valkey_is_an_engine_upgrade_with_the_data(ec: Any, make_cluster: Any) -> None:
    found = make_cluster("to-valkey", "redis", EngineVersion="7.0")
    port = found["CacheNodes"][0]["Endpoint"]["Port"]
    redis.Redis(port=port).set("kept", "from redis")
    code, _ = _error(ec.modify_cache_cluster, CacheClusterId="to-valkey", Engine="memcached", ApplyImmediately=True)
    assert code == "InvalidParameterCombination"
    out = ec.modify_cache_cluster(CacheClusterId="to-valkey", Engine="valkey", EngineVersion="8.0",
                                  CacheParameterGroupName="default.valkey8")["CacheCluster"]  # fmt: skip
    assert out["Engine"] == "redis" and out["PendingModifiedValues"] == {"EngineVersion": "8.0"}
    ec.modify_cache_cluster(CacheClusterId="to-valkey", ApplyImmediately=True)
    found = wait_status(ec, "to-valkey")
    assert (found["Engine"], found["EngineVersion"]) == ("valkey", "8.0")
    assert found["CacheParameterGroup"]["CacheParameterGroupName"] == "default.valkey8"
    port = found["CacheNodes"][0]["Endpoint"]["Port"]
    assert "valkey_version" in redis.Redis(port=port).info("server")
    assert redis.Redis(port=port).get("kept") == b"from redis"


def test_a_redis_replication_group_moves_to_valkey(ec: Any) -> None:
    ec.create_replication_group(ReplicationGroupId="rg-rv", ReplicationGroupDescription="d", Engine="redis",
                                EngineVersion="7.0", CacheNodeType="cache.t3.micro", NumCacheClusters=2)  # fmt: skip
    endpoint = wait_group(ec, "rg-rv")["NodeGroups"][0]["PrimaryEndpoint"]
    redis.Redis(host=endpoint["Address"], port=endpoint["Port"]).set("kept", "yes")
    ec.modify_replication_group(ReplicationGroupId="rg-rv", Engine="valkey", EngineVersion="8.0",
                                CacheParameterGroupName="default.valkey8", ApplyImmediately=True)  # fmt: skip
    group = wait_group(ec, "rg-rv")
    assert group["Engine"] == "valkey"
    for member in group["NodeGroups"][0]["NodeGroupMembers"]:
        info = redis.Redis(host=member["ReadEndpoint"]["Address"], port=member["ReadEndpoint"]["Port"]).info("server")
        assert "valkey_version" in info
    primary = redis.Redis(host=endpoint["Address"], port=endpoint["Port"])
    assert primary.get("kept") == b"yes" and primary.info("replication")["connected_slaves"] == 1
