"""Replication groups with cluster mode disabled: a primary and replicas linked by real
replication, primary and reader endpoints that move with failover, replica counts, errors."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest
import redis
from botocore.exceptions import ClientError


def wait_group(ec: Any, identifier: str, status: str = "available", timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = ec.describe_replication_groups(ReplicationGroupId=identifier)["ReplicationGroups"][0]
        if found["Status"] == status:
            return found
        assert found["Status"] != "create-failed", found
        assert time.monotonic() < deadline, f"{identifier} still {found['Status']}"
        time.sleep(0.05)


def events(ec: Any, source_type: str, identifier: str) -> list[str]:
    found = ec.describe_events(SourceType=source_type, SourceIdentifier=identifier, MaxRecords=100)["Events"]
    return [e["Message"] for e in found]


def connect(endpoint: dict[str, Any]) -> redis.Redis:
    return redis.Redis(host=endpoint["Address"], port=endpoint["Port"], socket_timeout=5)


def make_group(ec: Any, identifier: str, clusters: int = 3, **kwargs: Any) -> dict[str, Any]:
    ec.create_replication_group(ReplicationGroupId=identifier, ReplicationGroupDescription="test",
                                Engine=kwargs.pop("Engine", "valkey"), CacheNodeType="cache.t3.micro",
                                NumCacheClusters=clusters, **kwargs)  # fmt: skip
    return wait_group(ec, identifier)


def test_primary_and_replicas_replicate_and_endpoints_reach_them(ec: Any) -> None:
    group = make_group(ec, "rg-basic", 3, AutomaticFailoverEnabled=True)
    assert group["MemberClusters"] == ["rg-basic-001", "rg-basic-002", "rg-basic-003"]
    assert group["ClusterEnabled"] is False and group["ClusterMode"] == "disabled"
    assert group["AutomaticFailover"] == "enabled" and group["MultiAZ"] == "disabled"
    shard = group["NodeGroups"][0]
    assert shard["NodeGroupId"] == "0001" and shard["Status"] == "available"
    roles = {m["CacheClusterId"]: m["CurrentRole"] for m in shard["NodeGroupMembers"]}
    assert roles == {"rg-basic-001": "primary", "rg-basic-002": "replica", "rg-basic-003": "replica"}
    ports = {m["ReadEndpoint"]["Port"] for m in shard["NodeGroupMembers"]}
    assert ports == {6379} or len(ports) == 1  # every node on the group's port, at its own address
    primary = connect(shard["PrimaryEndpoint"])
    primary.set("greeting", "hello")
    assert primary.info("replication")["role"] == "master"
    reader = connect(shard["ReaderEndpoint"])
    deadline = time.monotonic() + 5
    while reader.get("greeting") != b"hello":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert reader.info("replication")["role"] == "slave"
    for member in shard["NodeGroupMembers"]:
        node = connect(member["ReadEndpoint"])
        while node.get("greeting") != b"hello":
            assert time.monotonic() < deadline
            time.sleep(0.01)
    with pytest.raises(redis.ReadOnlyError):
        reader.set("nope", "1")
    members = ec.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
    mine = [c for c in members if c.get("ReplicationGroupId") == "rg-basic"]
    assert sorted(c["CacheClusterId"] for c in mine) == group["MemberClusters"]
    one = ec.describe_cache_clusters(CacheClusterId="rg-basic-002", ShowCacheNodeInfo=True)["CacheClusters"][0]
    assert one["CacheNodes"][0]["Endpoint"]["Address"] == shard["NodeGroupMembers"][1]["ReadEndpoint"]["Address"]
    ec.delete_replication_group(ReplicationGroupId="rg-basic")


def test_test_failover_moves_the_primary_endpoint_to_the_new_primary(ec: Any) -> None:
    group = make_group(ec, "rg-failover", 2, AutomaticFailoverEnabled=True, MultiAZEnabled=True)
    endpoint = group["NodeGroups"][0]["PrimaryEndpoint"]
    client = connect(endpoint)
    client.set("before", "1")
    old_primary = client.info("server")["run_id"]
    ec.test_failover(ReplicationGroupId="rg-failover", NodeGroupId="0001")
    after = wait_group(ec, "rg-failover")
    roles = {m["CacheClusterId"]: m["CurrentRole"] for m in after["NodeGroups"][0]["NodeGroupMembers"]}
    assert roles == {"rg-failover-001": "replica", "rg-failover-002": "primary"}
    fresh = connect(endpoint)  # a client reconnecting to the primary endpoint reaches the new primary
    assert fresh.info("server")["run_id"] != old_primary
    assert fresh.get("before") == b"1"
    fresh.set("after", "2")
    assert fresh.info("replication")["role"] == "master"
    messages = events(ec, "replication-group", "rg-failover")
    assert "Test Failover API called for node group 0001" in messages
    assert "Failover from primary node rg-failover-001 to replica node rg-failover-002 completed" in messages
    assert "Recovering cache nodes 0001" in events(ec, "cache-cluster", "rg-failover-001")
    old = connect(after["NodeGroups"][0]["NodeGroupMembers"][0]["ReadEndpoint"])
    deadline = time.monotonic() + 5
    while old.get("after") != b"2":  # the old primary follows the new one
        assert time.monotonic() < deadline
        time.sleep(0.01)
    ec.delete_replication_group(ReplicationGroupId="rg-failover")


def test_a_dead_primary_is_replaced_and_comes_back_as_a_replica(ec: Any) -> None:
    group = make_group(ec, "rg-crash", 3, AutomaticFailoverEnabled=True)
    endpoint = group["NodeGroups"][0]["PrimaryEndpoint"]
    client = connect(endpoint)
    client.set("kept", "yes")
    client.wait(2, 1000)
    os.kill(int(client.info("server")["process_id"]), signal.SIGKILL)
    deadline = time.monotonic() + 20
    while "Finished recovery for cache nodes 0001" not in events(ec, "cache-cluster", "rg-crash-001"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    found = wait_group(ec, "rg-crash")
    roles = {m["CacheClusterId"]: m["CurrentRole"] for m in found["NodeGroups"][0]["NodeGroupMembers"]}
    assert roles["rg-crash-001"] == "replica" and list(roles.values()).count("primary") == 1
    fresh = connect(endpoint)
    assert fresh.get("kept") == b"yes"
    fresh.set("new", "1")
    assert any(
        m.startswith("Failover from primary node rg-crash-001") for m in events(ec, "replication-group", "rg-crash")
    )
    ec.delete_replication_group(ReplicationGroupId="rg-crash")


def test_increase_and_decrease_replica_count(ec: Any) -> None:
    make_group(ec, "rg-count", 1)
    ec.increase_replica_count(ReplicationGroupId="rg-count", NewReplicaCount=2, ApplyImmediately=True)
    found = wait_group(ec, "rg-count")
    assert found["MemberClusters"] == ["rg-count-001", "rg-count-002", "rg-count-003"]
    primary = connect(found["NodeGroups"][0]["PrimaryEndpoint"])
    primary.set("k", "v")
    assert primary.wait(2, 2000) == 2
    ec.decrease_replica_count(ReplicationGroupId="rg-count", ReplicasToRemove=["rg-count-002"], ApplyImmediately=True)
    found = wait_group(ec, "rg-count")
    assert found["MemberClusters"] == ["rg-count-001", "rg-count-003"]
    with pytest.raises(ClientError) as error:
        ec.decrease_replica_count(ReplicationGroupId="rg-count", NewReplicaCount=1, ApplyImmediately=True)
    assert error.value.response["Error"]["Code"] == "NoOperationFault"
    ec.delete_replication_group(ReplicationGroupId="rg-count", RetainPrimaryCluster=True)
    deadline = time.monotonic() + 20
    while True:
        clusters = {c["CacheClusterId"]: c for c in ec.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]}
        kept = clusters.get("rg-count-001")
        if kept and kept["CacheClusterStatus"] == "available" and "rg-count-003" not in clusters:
            break
        assert time.monotonic() < deadline, clusters.keys()
        time.sleep(0.05)
    assert "ReplicationGroupId" not in kept
    node = kept["CacheNodes"][0]["Endpoint"]
    assert connect(node).get("k") == b"v"  # the retained primary keeps its data
    ec.delete_cache_cluster(CacheClusterId="rg-count-001")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"NumCacheClusters": 1, "AutomaticFailoverEnabled": True}, "InvalidParameterCombination"),
        ({"NumCacheClusters": 2, "MultiAZEnabled": True}, "InvalidParameterCombination"),
        ({"NumCacheClusters": 7}, "InvalidParameterValue"),
        ({"NumCacheClusters": 2, "Engine": "memcached"}, "InvalidParameterValue"),
        ({"NumCacheClusters": 2, "CacheNodeType": "cache.nope"}, "InvalidParameterValue"),
        ({"NumCacheClusters": 2, "FinalSnapshotIdentifier": None}, None),
    ],
)
def test_create_errors(ec: Any, kwargs: dict[str, Any], code: str | None) -> None:
    if code is None:
        return
    params = {"ReplicationGroupId": "rg-bad", "ReplicationGroupDescription": "x", "Engine": "valkey",
              "CacheNodeType": "cache.t3.micro", **kwargs}  # fmt: skip
    with pytest.raises(ClientError) as error:
        ec.create_replication_group(**params)
    assert error.value.response["Error"]["Code"] == code


def test_state_and_lookup_errors(ec: Any) -> None:
    for call in (lambda: ec.describe_replication_groups(ReplicationGroupId="nope"),
                 lambda: ec.delete_replication_group(ReplicationGroupId="nope"),
                 lambda: ec.test_failover(ReplicationGroupId="nope", NodeGroupId="0001")):  # fmt: skip
        with pytest.raises(ClientError) as error:
            call()
        assert error.value.response["Error"]["Code"] == "ReplicationGroupNotFoundFault"
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    make_group(ec, "rg-dup", 1)
    with pytest.raises(ClientError) as error:
        make_group(ec, "rg-dup", 1)
    assert error.value.response["Error"]["Code"] == "ReplicationGroupAlreadyExists"
    with pytest.raises(ClientError) as error:
        ec.test_failover(ReplicationGroupId="rg-dup", NodeGroupId="0001")
    assert error.value.response["Error"]["Code"] == "InvalidParameterCombination"
    with pytest.raises(ClientError) as error:
        ec.test_failover(ReplicationGroupId="rg-dup", NodeGroupId="0009")
    assert error.value.response["Error"]["Code"] == "NodeGroupNotFoundFault"
    with pytest.raises(ClientError) as error:
        ec.delete_replication_group(ReplicationGroupId="rg-dup", FinalSnapshotIdentifier="automatic.final")
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
    ec.delete_replication_group(ReplicationGroupId="rg-dup")
    with pytest.raises(ClientError) as error:
        ec.delete_replication_group(ReplicationGroupId="rg-dup")
    assert error.value.response["Error"]["Code"] in ("InvalidReplicationGroupState", "ReplicationGroupNotFoundFault")
