"""Cluster mode enabled: node groups as a real Redis Cluster that redis-py's RedisCluster uses
through the configuration endpoint, before and after resharding and a shard's failover."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from redis.cluster import RedisCluster

from tests.elasticache.test_replication_groups import events, wait_group


def make(ec: Any, identifier: str, shards: int, replicas: int, **kwargs: Any) -> dict[str, Any]:
    ec.create_replication_group(ReplicationGroupId=identifier, ReplicationGroupDescription="cluster",
                                Engine="valkey", CacheNodeType="cache.t3.micro", NumNodeGroups=shards,
                                ReplicasPerNodeGroup=replicas, ClusterMode="enabled", **kwargs)  # fmt: skip
    return wait_group(ec, identifier, timeout=90)


def cluster_client(group: dict[str, Any]) -> RedisCluster:
    endpoint = group["ConfigurationEndpoint"]
    return RedisCluster(host=endpoint["Address"], port=endpoint["Port"], socket_timeout=5)


def test_three_shards_serve_redis_cluster_and_reshard_with_their_keys(ec: Any) -> None:
    group = make(ec, "cm-three", 3, 1)
    assert group["ClusterEnabled"] is True and group["ClusterMode"] == "enabled"
    assert [g["Slots"] for g in group["NodeGroups"]] == ["0-5461", "5462-10922", "10923-16383"]
    assert group["MemberClusters"][:2] == ["cm-three-0001-001", "cm-three-0001-002"]
    assert len(group["MemberClusters"]) == 6
    rc = cluster_client(group)
    for i in range(300):
        rc.set(f"key:{i}", str(i))
    addresses = {m["ReadEndpoint"]["Address"] for g in group["NodeGroups"] for m in g["NodeGroupMembers"]}
    announced = {node.host for node in rc.get_nodes()}
    assert announced <= addresses  # CLUSTER SLOTS tells the nodes' own, reachable addresses
    ec.modify_replication_group_shard_configuration(ReplicationGroupId="cm-three", NodeGroupCount=4,
                                                    ApplyImmediately=True)  # fmt: skip
    grown = wait_group(ec, "cm-three", timeout=120)
    assert [g["NodeGroupId"] for g in grown["NodeGroups"]] == ["0001", "0002", "0003", "0004"]
    assert grown["NodeGroups"][3]["Slots"]
    rc = cluster_client(grown)
    assert all(rc.get(f"key:{i}") == str(i).encode() for i in range(300))
    new_primary = next(m for m in grown["NodeGroups"][3]["NodeGroupMembers"] if m["CurrentRole"] == "primary")
    node = rc.get_node(host=new_primary["ReadEndpoint"]["Address"], port=new_primary["ReadEndpoint"]["Port"])
    assert node is not None and rc.execute_command("DBSIZE", target_nodes=node) > 0  # keys moved for real
    ec.modify_replication_group_shard_configuration(ReplicationGroupId="cm-three", NodeGroupCount=2,
                                                    NodeGroupsToRemove=["0001", "0003"], ApplyImmediately=True)  # fmt: skip
    shrunk = wait_group(ec, "cm-three", timeout=120)
    assert [g["NodeGroupId"] for g in shrunk["NodeGroups"]] == ["0002", "0004"]
    assert len(shrunk["MemberClusters"]) == 4
    rc = cluster_client(shrunk)
    assert all(rc.get(f"key:{i}") == str(i).encode() for i in range(300))
    ec.delete_replication_group(ReplicationGroupId="cm-three")


def test_a_shard_fails_over_and_redis_cluster_follows(ec: Any) -> None:
    group = make(ec, "cm-fail", 2, 1, NodeGroupConfiguration=[
        {"NodeGroupId": "0001", "Slots": "0-999", "ReplicaCount": 1},
        {"NodeGroupId": "0002", "Slots": "1000-16383", "ReplicaCount": 1},
    ])  # fmt: skip
    assert [g["Slots"] for g in group["NodeGroups"]] == ["0-999", "1000-16383"]
    rc = cluster_client(group)
    for i in range(100):
        rc.set(f"k{i}", i)
    ec.test_failover(ReplicationGroupId="cm-fail", NodeGroupId="0002")
    after = wait_group(ec, "cm-fail")
    roles = {m["CacheClusterId"]: m["CurrentRole"] for m in after["NodeGroups"][1]["NodeGroupMembers"]}
    assert roles == {"cm-fail-0002-001": "replica", "cm-fail-0002-002": "primary"}
    assert "Test Failover API called for node group 0002" in events(ec, "replication-group", "cm-fail")
    rc = cluster_client(after)
    assert all(rc.get(f"k{i}") == str(i).encode() for i in range(100))
    rc.set("after-failover", "1")
    ec.delete_replication_group(ReplicationGroupId="cm-fail")


def test_cluster_mode_errors(ec: Any) -> None:
    base = {"ReplicationGroupDescription": "x", "Engine": "valkey", "CacheNodeType": "cache.t3.micro",
            "ClusterMode": "enabled"}  # fmt: skip
    cases = [
        ({"ReplicationGroupId": "cm-e1", "NumNodeGroups": 2, "AutomaticFailoverEnabled": False},
         "InvalidParameterCombination"),
        ({"ReplicationGroupId": "cm-e2", "NumNodeGroups": 501}, "NodeGroupsPerReplicationGroupQuotaExceeded"),
        ({"ReplicationGroupId": "cm-e3", "NodeGroupConfiguration": [{"Slots": "0-100"}, {"Slots": "50-16383"}]},
         "InvalidParameterValue"),
        ({"ReplicationGroupId": "cm-e4", "NumNodeGroups": 2, "ReplicasPerNodeGroup": 6}, "InvalidParameterValue"),
    ]  # fmt: skip
    for params, code in cases:
        with pytest.raises(ClientError) as error:
            ec.create_replication_group(**base, **params)
        assert error.value.response["Error"]["Code"] == code, params
    with pytest.raises(ClientError) as error:
        ec.modify_replication_group_shard_configuration(ReplicationGroupId="missing", NodeGroupCount=2,
                                                        ApplyImmediately=True)  # fmt: skip
    assert error.value.response["Error"]["Code"] == "ReplicationGroupNotFoundFault"


def test_speed_of_creation_is_printed(ec: Any) -> None:
    start = time.monotonic()
    make(ec, "cm-speed", 3, 1)
    print(f"cluster mode 3x(1+1) available in {time.monotonic() - start:.2f} s")
    ec.delete_replication_group(ReplicationGroupId="cm-speed")
