"""Snapshots of replication groups through boto3, redis-py and RedisCluster: one RDB per shard,
taken from a replica; groups (and cache clusters) made from them with their data back, in
another shard count too; final snapshots; automatic snapshots; AWS's errors."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import boto3
import pytest
import redis
from botocore.exceptions import ClientError
from redis.cluster import RedisCluster

from fogbank.server import Fogbank
from tests.elasticache.conftest import wait_status
from tests.elasticache.test_replication_groups import connect, events, make_group, wait_group
from tests.elasticache.test_snapshots import wait_snapshot


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return error.value.response["Error"]["Code"]


def _cluster_group(ec: Any, identifier: str, shards: int, **kwargs: Any) -> dict[str, Any]:
    ec.create_replication_group(ReplicationGroupId=identifier, ReplicationGroupDescription="sharded",
                                Engine="valkey", CacheNodeType="cache.t3.micro", NumNodeGroups=shards,
                                ReplicasPerNodeGroup=0, ClusterMode="enabled", **kwargs)  # fmt: skip
    return wait_group(ec, identifier, timeout=90)


def _cluster(group: dict[str, Any]) -> RedisCluster:
    endpoint = group["ConfigurationEndpoint"]
    return RedisCluster(host=endpoint["Address"], port=endpoint["Port"], socket_timeout=5)


def _primary(group: dict[str, Any]) -> redis.Redis:
    return connect(group["NodeGroups"][0]["PrimaryEndpoint"])


def _gone(ec: Any, identifier: str) -> None:
    deadline = time.monotonic() + 30
    while any(g["ReplicationGroupId"] == identifier for g in ec.describe_replication_groups()["ReplicationGroups"]):
        assert time.monotonic() < deadline, f"{identifier} not deleted"
        time.sleep(0.05)


def test_cluster_mode_disabled_snapshot_restores_into_a_group_and_a_cache_cluster(ec: Any) -> None:
    group = make_group(ec, "snap-src", 2, AutomaticFailoverEnabled=True)
    assert group["SnapshottingClusterId"] == "snap-src-002"  # the replica
    primary = _primary(group)
    primary.mset({f"k:{i}": f"v{i}" for i in range(300)})
    primary.wait(1, 2000)
    made = ec.create_snapshot(ReplicationGroupId="snap-src", SnapshotName="snap-1")["Snapshot"]
    assert made["SnapshotStatus"] == "creating" and made["ReplicationGroupId"] == "snap-src"
    assert made["ReplicationGroupDescription"] == "test" and made["NumNodeGroups"] == 1
    assert made["AutomaticFailover"] == "enabled" and "CacheClusterId" not in made
    assert ec.describe_replication_groups(ReplicationGroupId="snap-src")["ReplicationGroups"][0]["Status"] in (
        "snapshotting", "available")  # fmt: skip
    snapshot = wait_snapshot(ec, "snap-1")
    node = snapshot["NodeSnapshots"][0]
    assert node["CacheClusterId"] == "snap-src-002" and node["NodeGroupId"] == "0001"
    assert wait_group(ec, "snap-src")["Status"] == "available"
    assert any("Snapshot succeeded for snapshot with ID 'snap-1' of replication group with ID 'snap-src'" in m
               for m in events(ec, "replication-group", "snap-src"))  # fmt: skip
    primary.set("after", "not in the snapshot")
    listed = ec.describe_snapshots(ReplicationGroupId="snap-src")["Snapshots"]
    assert [s["SnapshotName"] for s in listed] == ["snap-1"]
    # One member by its CacheClusterId, as AWS's example of a group with replicas shows it.
    member = ec.create_snapshot(CacheClusterId="snap-src-001", SnapshotName="snap-node")["Snapshot"]
    assert member["CacheClusterId"] == "snap-src-001" and member["NumCacheNodes"] == 1
    assert "ReplicationGroupId" not in member
    assert wait_snapshot(ec, "snap-node")["NodeSnapshots"][0]["CacheClusterId"] == "snap-src-001"
    wait_group(ec, "snap-src")
    chosen = ec.modify_replication_group(ReplicationGroupId="snap-src", SnapshottingClusterId="snap-src-001",
                                         ApplyImmediately=True)["ReplicationGroup"]  # fmt: skip
    assert chosen["SnapshottingClusterId"] == "snap-src-001"
    with pytest.raises(ClientError) as error:
        ec.modify_replication_group(ReplicationGroupId="snap-src", SnapshottingClusterId="snap-src-009")
    assert _code(error) == "CacheClusterNotFound"

    ec.create_replication_group(ReplicationGroupId="snap-copy", ReplicationGroupDescription="copy",
                                NumCacheClusters=2, SnapshotName="snap-1")  # fmt: skip
    copy = wait_group(ec, "snap-copy")
    assert copy["CacheNodeType"] == "cache.t3.micro"  # from the snapshot
    restored = _primary(copy)
    assert restored.dbsize() == 300 and restored.get("k:42") == b"v42" and restored.get("after") is None
    reader = connect(copy["NodeGroups"][0]["ReaderEndpoint"])
    deadline = time.monotonic() + 5
    while reader.get("k:42") != b"v42":  # the replica synced the restored data
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert wait_snapshot(ec, "snap-1")["SnapshotStatus"] == "available"

    ec.create_cache_cluster(CacheClusterId="snap-single", SnapshotName="snap-1")
    found = wait_status(ec, "snap-single")
    endpoint = found["CacheNodes"][0]["Endpoint"]
    assert redis.Redis(host=endpoint["Address"], port=endpoint["Port"]).get("k:7") == b"v7"
    for identifier in ("snap-src", "snap-copy"):
        ec.delete_replication_group(ReplicationGroupId=identifier)
    ec.delete_cache_cluster(CacheClusterId="snap-single")


def test_cluster_mode_snapshot_has_a_shard_each_and_restores_into_more_shards(ec: Any) -> None:
    group = _cluster_group(ec, "snap-cm", 2)
    client = _cluster(group)
    for i in range(200):
        client.set(f"key:{i}", f"value-{i}")
    ec.create_snapshot(ReplicationGroupId="snap-cm", SnapshotName="cm-1")
    snapshot = wait_snapshot(ec, "cm-1")
    assert snapshot["NumNodeGroups"] == 2 and snapshot["ReplicationGroupId"] == "snap-cm"
    assert [n["NodeGroupId"] for n in snapshot["NodeSnapshots"]] == ["0001", "0002"]
    shown = ec.describe_snapshots(SnapshotName="cm-1", ShowNodeGroupConfig=True)["Snapshots"][0]
    slots = [n["NodeGroupConfiguration"]["Slots"] for n in shown["NodeSnapshots"]]
    assert slots == ["0-8191", "8192-16383"]
    assert all(n["NodeGroupConfiguration"]["ReplicaCount"] == 0 for n in shown["NodeSnapshots"])

    with pytest.raises(ClientError) as error:
        ec.modify_replication_group(ReplicationGroupId="snap-cm", SnapshottingClusterId="snap-cm-0001-001")
    assert _code(error) == "InvalidParameterCombination"
    with pytest.raises(ClientError) as error:  # a shard's node alone is no snapshot of the cluster
        ec.create_snapshot(CacheClusterId="snap-cm-0001-001", SnapshotName="cm-node")
    assert _code(error) == "InvalidParameterCombination"
    with pytest.raises(ClientError) as error:  # a cluster mode enabled snapshot needs cluster mode
        ec.create_cache_cluster(CacheClusterId="cm-single", SnapshotName="cm-1")
    assert _code(error) == "InvalidParameterCombination"
    with pytest.raises(ClientError) as error:
        ec.create_replication_group(ReplicationGroupId="cm-off", ReplicationGroupDescription="x",
                                    ClusterMode="disabled", SnapshotName="cm-1")  # fmt: skip
    assert _code(error) == "InvalidParameterCombination"

    ec.create_replication_group(ReplicationGroupId="snap-cm3", ReplicationGroupDescription="three",
                                NumNodeGroups=3, ReplicasPerNodeGroup=0, SnapshotName="cm-1")  # fmt: skip
    three = wait_group(ec, "snap-cm3", timeout=90)
    assert three["ClusterEnabled"] is True and len(three["NodeGroups"]) == 3
    restored = _cluster(three)
    assert all(restored.get(f"key:{i}") == f"value-{i}".encode() for i in range(200))
    sizes = [connect(m["ReadEndpoint"]).dbsize() for g in three["NodeGroups"] for m in g["NodeGroupMembers"]]
    assert sum(sizes) == 200 and all(sizes)  # every shard holds its slots' keys
    assert any("Restored replication group from snapshot cm-1" in m for m in events(ec, "replication-group",
                                                                                   "snap-cm3"))  # fmt: skip
    for identifier in ("snap-cm", "snap-cm3"):
        ec.delete_replication_group(ReplicationGroupId=identifier)


def test_final_snapshot_then_delete(ec: Any) -> None:
    primary = _primary(make_group(ec, "snap-final", 1))
    primary.set("last", "words")
    with pytest.raises(ClientError) as error:
        ec.delete_replication_group(ReplicationGroupId="snap-final", FinalSnapshotIdentifier="automatic.x")
    assert _code(error) == "InvalidParameterValue"
    deleting = ec.delete_replication_group(ReplicationGroupId="snap-final",
                                           FinalSnapshotIdentifier="final-1")["ReplicationGroup"]  # fmt: skip
    assert deleting["Status"] == "deleting"
    _gone(ec, "snap-final")
    snapshot = wait_snapshot(ec, "final-1")
    assert snapshot["ReplicationGroupId"] == "snap-final" and snapshot["SnapshotSource"] == "manual"
    assert snapshot["NodeSnapshots"][0]["CacheClusterId"] == "snap-final-001"  # no replica: the primary
    ec.create_replication_group(ReplicationGroupId="snap-again", ReplicationGroupDescription="again",
                                NumCacheClusters=1, SnapshotName="final-1")  # fmt: skip
    assert _primary(wait_group(ec, "snap-again")).get("last") == b"words"
    ec.delete_replication_group(ReplicationGroupId="snap-again")


def test_replication_group_snapshot_errors(ec: Any) -> None:
    make_group(ec, "snap-err", 1)
    with pytest.raises(ClientError) as error:
        ec.create_snapshot(ReplicationGroupId="no-such-group", SnapshotName="x-1")
    assert _code(error) == "ReplicationGroupNotFoundFault"
    with pytest.raises(ClientError) as error:
        ec.create_snapshot(ReplicationGroupId="snap-err", CacheClusterId="snap-err-001", SnapshotName="x-1")
    assert _code(error) == "InvalidParameterCombination"
    ec.create_snapshot(ReplicationGroupId="snap-err", SnapshotName="err-1")
    with pytest.raises(ClientError) as error:  # snapshotting, or the name taken
        ec.create_snapshot(ReplicationGroupId="snap-err", SnapshotName="err-1")
    assert _code(error) in ("SnapshotAlreadyExistsFault", "InvalidReplicationGroupState")
    wait_snapshot(ec, "err-1")
    wait_group(ec, "snap-err")
    with pytest.raises(ClientError) as error:
        ec.delete_replication_group(ReplicationGroupId="snap-err", FinalSnapshotIdentifier="err-1")
    assert _code(error) == "SnapshotAlreadyExistsFault"
    assert wait_group(ec, "snap-err")["Status"] == "available"  # the refused delete left it alone
    with pytest.raises(ClientError) as error:
        ec.create_replication_group(ReplicationGroupId="snap-none", ReplicationGroupDescription="x",
                                    NumCacheClusters=1, SnapshotName="no-such-snapshot")  # fmt: skip
    assert _code(error) == "SnapshotNotFoundFault"
    ec.delete_replication_group(ReplicationGroupId="snap-err")


def test_automatic_snapshots_of_a_replication_group() -> None:
    with Fogbank(port=0, ephemeral=True, elasticache_snapshot_interval=0) as fb:
        ec = boto3.client("elasticache", endpoint_url=fb.endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
        moment = dt.datetime.now(dt.UTC)
        start = moment - dt.timedelta(minutes=5)
        window = f"{start:%H:%M}-{start + dt.timedelta(minutes=90):%H:%M}"
        make_group(ec, "nightly-rg", 2, SnapshotRetentionLimit=1, SnapshotWindow=window)
        scheduler = fb.platform.service("elasticache").backend.scheduler
        moment = dt.datetime.now(dt.UTC)  # the check's moment: the snapshot is taken after it
        taken = scheduler.tick(moment)
        assert taken == [f"automatic.nightly-rg-{start:%Y-%m-%d-%H-%M}"]
        automatic = wait_snapshot(ec, taken[0])
        assert automatic["SnapshotSource"] == "automated" and automatic["ReplicationGroupId"] == "nightly-rg"
        assert automatic["NodeSnapshots"][0]["CacheClusterId"] == "nightly-rg-002"
        assert [s["SnapshotName"] for s in ec.describe_snapshots(SnapshotSource="system")["Snapshots"]] == taken
        wait_group(ec, "nightly-rg")
        assert scheduler.tick(moment + dt.timedelta(seconds=30)) == []  # one per window
        later = scheduler.tick(moment + dt.timedelta(days=1, seconds=60))  # the first has expired
        wait_snapshot(ec, later[0])
        assert [s["SnapshotName"] for s in ec.describe_snapshots(SnapshotSource="system")["Snapshots"]] == later
        wait_group(ec, "nightly-rg")
        ec.delete_replication_group(ReplicationGroupId="nightly-rg")
        deadline = time.monotonic() + 20
        while ec.describe_snapshots()["Snapshots"]:  # automatic snapshots go with their group
            assert time.monotonic() < deadline
            time.sleep(0.1)
