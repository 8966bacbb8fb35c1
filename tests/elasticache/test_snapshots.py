"""Snapshots through boto3 and redis-py: a real RDB of a node, copies, a cluster made from one
with its data back, final snapshots, automatic snapshots by SnapshotWindow, and AWS's errors."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import boto3
import pytest
import redis
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from fogbank.server import Fogbank
from tests.elasticache.conftest import wait_status


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return error.value.response["Error"]["Code"]


def wait_snapshot(ec: Any, name: str, status: str = "available", timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = ec.describe_snapshots(SnapshotName=name)["Snapshots"][0]
        if found["SnapshotStatus"] == status:
            return found
        assert found["SnapshotStatus"] != "failed", found
        assert time.monotonic() < deadline, f"{name} still {found['SnapshotStatus']}"
        time.sleep(0.05)


def _node(found: dict[str, Any]) -> redis.Redis:
    endpoint = found["CacheNodes"][0]["Endpoint"]
    return redis.Redis(host=endpoint["Address"], port=endpoint["Port"])


def test_snapshot_of_a_cluster_restores_its_data_into_a_new_cluster(ec: Any, make_cluster: Any) -> None:
    source = make_cluster("orders", "valkey", CacheNodeType="cache.t3.small", SnapshotRetentionLimit=0)
    client = _node(source)
    client.mset({f"order:{i}": f"value-{i}" for i in range(500)})
    made = ec.create_snapshot(CacheClusterId="orders", SnapshotName="orders-before")["Snapshot"]
    assert made["SnapshotStatus"] == "creating" and made["SnapshotSource"] == "manual"
    assert made["CacheClusterId"] == "orders" and made["Engine"] == "valkey"
    assert made["ARN"].endswith(":snapshot:orders-before")
    snapshot = wait_snapshot(ec, "orders-before")
    assert wait_status(ec, "orders")["CacheClusterStatus"] == "available"
    node = snapshot["NodeSnapshots"][0]
    assert node["CacheNodeId"] == "0001" and node["CacheSize"].endswith(" MB")
    assert snapshot["CacheNodeType"] == "cache.t3.small" and snapshot["NumCacheNodes"] == 1
    client.set("order:after", "not in the snapshot")

    restored = ec.create_cache_cluster(CacheClusterId="orders-copy", SnapshotName="orders-before")["CacheCluster"]
    assert restored["CacheNodeType"] == "cache.t3.small" and restored["Engine"] == "valkey"
    found = wait_status(ec, "orders-copy")
    copy = _node(found)
    assert copy.get("order:7") == b"value-7" and copy.dbsize() == 500
    assert copy.get("order:after") is None
    copy.set("written-after-restore", "1")  # the restored node persists again (AOF on)
    assert copy.config_get("appendonly")["appendonly"] == "yes"
    assert wait_snapshot(ec, "orders-before")["SnapshotStatus"] == "available"
    events = [e["Message"] for e in ec.describe_events(SourceType="cache-cluster")["Events"]]
    assert any("Snapshot succeeded for snapshot with ID 'orders-before'" in m for m in events)


def test_copy_describe_filters_and_delete(ec: Any, make_cluster: Any) -> None:
    make_cluster("alpha", "valkey")
    make_cluster("beta", "redis", EngineVersion="7.0")
    ec.create_snapshot(CacheClusterId="alpha", SnapshotName="alpha-1")
    ec.create_snapshot(CacheClusterId="beta", SnapshotName="beta-1")
    wait_snapshot(ec, "alpha-1")
    wait_snapshot(ec, "beta-1")
    copied = ec.copy_snapshot(SourceSnapshotName="alpha-1", TargetSnapshotName="alpha-1-copy")["Snapshot"]
    assert copied["SnapshotStatus"] == "creating" and copied["CacheClusterId"] == "alpha"
    wait_snapshot(ec, "alpha-1-copy")
    names = lambda **kw: sorted(s["SnapshotName"] for s in ec.describe_snapshots(**kw)["Snapshots"])  # noqa: E731
    assert names() == ["alpha-1", "alpha-1-copy", "beta-1"]
    assert names(CacheClusterId="alpha") == ["alpha-1", "alpha-1-copy"]
    assert names(SnapshotSource="user") == ["alpha-1", "alpha-1-copy", "beta-1"]
    assert names(SnapshotSource="system") == []
    shown = ec.describe_snapshots(SnapshotName="beta-1", ShowNodeGroupConfig=True)["Snapshots"][0]
    assert shown["NodeSnapshots"][0]["NodeGroupConfiguration"]["NodeGroupId"] == "0001"
    assert "NodeGroupConfiguration" not in ec.describe_snapshots(SnapshotName="beta-1")["Snapshots"][0][
        "NodeSnapshots"][0]  # fmt: skip
    deleted = ec.delete_snapshot(SnapshotName="alpha-1")["Snapshot"]
    assert deleted["SnapshotStatus"] == "deleting"
    deadline = time.monotonic() + 10
    while "alpha-1" in names():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert names() == ["alpha-1-copy", "beta-1"]  # the copy stands on its own


def test_describe_snapshots_pages(ec: Any, make_cluster: Any) -> None:
    make_cluster("paged", "valkey")
    for i in range(23):
        ec.create_snapshot(CacheClusterId="paged", SnapshotName=f"paged-{i:02d}")
        wait_status(ec, "paged")
    first = ec.describe_snapshots(MaxRecords=20)
    assert len(first["Snapshots"]) == 20 and first["Marker"]
    rest = ec.describe_snapshots(MaxRecords=20, Marker=first["Marker"])
    assert len(rest["Snapshots"]) == 3 and "Marker" not in rest
    pages = ec.get_paginator("describe_snapshots").paginate(PaginationConfig={"PageSize": 20})
    assert len([s for page in pages for s in page["Snapshots"]]) == 23
    for size in (19, 51):
        with pytest.raises(ClientError) as error:
            ec.describe_snapshots(MaxRecords=size)
        assert _code(error) == "InvalidParameterValue"


def test_final_snapshot_on_delete_and_automatic_ones_go_with_the_cluster(ec: Any, make_cluster: Any) -> None:
    found = make_cluster("leaving", "valkey")
    _node(found).set("last-words", "goodbye")
    ec.delete_cache_cluster(CacheClusterId="leaving", FinalSnapshotIdentifier="leaving-final")
    final = wait_snapshot(ec, "leaving-final")
    assert final["CacheClusterId"] == "leaving" and final["SnapshotSource"] == "manual"
    deadline = time.monotonic() + 20
    while ec.describe_cache_clusters()["CacheClusters"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # The snapshot outlives its cluster and can be found by the cluster's id.
    assert [s["SnapshotName"] for s in ec.describe_snapshots(CacheClusterId="leaving")["Snapshots"]] == [
        "leaving-final"
    ]
    ec.create_cache_cluster(CacheClusterId="back", SnapshotName="leaving-final")
    assert _node(wait_status(ec, "back")).get("last-words") == b"goodbye"


def test_snapshot_errors(ec: Any, make_cluster: Any) -> None:
    make_cluster("mc", "memcached")
    make_cluster("kv", "valkey")
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("create_snapshot", {"CacheClusterId": "mc", "SnapshotName": "s"}, "SnapshotFeatureNotSupportedFault"),
        ("create_snapshot", {"CacheClusterId": "nope", "SnapshotName": "s"}, "CacheClusterNotFound"),
        ("create_snapshot", {"SnapshotName": "s"}, "InvalidParameterValue"),
        ("create_snapshot", {"CacheClusterId": "kv", "SnapshotName": "automatic.kv"}, "InvalidParameterValue"),
        ("create_snapshot", {"CacheClusterId": "kv", "SnapshotName": "bad name"}, "InvalidParameterValue"),
        ("create_snapshot", {"CacheClusterId": "kv", "SnapshotName": ""}, "InvalidParameterValue"),
        ("delete_snapshot", {"SnapshotName": "missing"}, "SnapshotNotFoundFault"),
        ("copy_snapshot", {"SourceSnapshotName": "missing", "TargetSnapshotName": "t"}, "SnapshotNotFoundFault"),
        ("describe_snapshots", {"SnapshotName": "missing"}, "SnapshotNotFoundFault"),
        ("describe_snapshots", {"CacheClusterId": "never-was"}, "CacheClusterNotFound"),
        ("describe_snapshots", {"SnapshotSource": "manual"}, "InvalidParameterValue"),
        ("describe_snapshots", {"Marker": "!!"}, "InvalidParameterValue"),
        ("delete_cache_cluster", {"CacheClusterId": "mc", "FinalSnapshotIdentifier": "f"}, "SnapshotFeatureNotSupportedFault"),
        ("create_cache_cluster", {"CacheClusterId": "x", "SnapshotName": "missing"}, "SnapshotNotFoundFault"),
        ("create_cache_cluster", {"CacheClusterId": "x", "CacheNodeType": "cache.t3.micro",
                                  "SnapshotArns": ["arn:aws:s3:::bucket/dump.rdb"]}, "InvalidParameterValue"),
        ("create_cache_cluster", {"CacheClusterId": "x", "CacheNodeType": "cache.t3.micro",
                                  "SnapshotArns": ["not-an-arn"]}, "InvalidParameterValue"),
    ]  # fmt: skip
    for operation, params, code in cases:
        with pytest.raises(ClientError) as error:
            getattr(ec, operation)(**params)
        assert _code(error) == code, (operation, params, error.value.response["Error"])
    ec.create_snapshot(CacheClusterId="kv", SnapshotName="kv-1")
    wait_snapshot(ec, "kv-1")
    wait_status(ec, "kv")
    for operation, params, code in [
        ("create_snapshot", {"CacheClusterId": "kv", "SnapshotName": "kv-1"}, "SnapshotAlreadyExistsFault"),
        ("copy_snapshot", {"SourceSnapshotName": "kv-1", "TargetSnapshotName": "kv-1"}, "SnapshotAlreadyExistsFault"),
        ("copy_snapshot", {"SourceSnapshotName": "kv-1", "TargetSnapshotName": "t", "TargetBucket": "b"},
         "InvalidParameterValue"),
        ("create_cache_cluster", {"CacheClusterId": "x", "SnapshotName": "kv-1", "Engine": "memcached"},
         "InvalidParameterCombination"),
        ("create_cache_cluster", {"CacheClusterId": "x", "SnapshotName": "kv-1", "NumCacheNodes": 2},
         "InvalidParameterCombination"),
        # Valkey 9's RDB cannot be read by Redis 7.0.15.
        ("create_cache_cluster", {"CacheClusterId": "x", "SnapshotName": "kv-1", "Engine": "redis",
                                  "EngineVersion": "7.0"}, "InvalidParameterCombination"),
    ]:  # fmt: skip
        with pytest.raises(ClientError) as error:
            getattr(ec, operation)(**params)
        assert _code(error) == code, (operation, params, error.value.response["Error"])
    assert ec.describe_cache_clusters(CacheClusterId="kv")["CacheClusters"][0]["CacheClusterStatus"] == "available"


def test_a_snapshot_in_progress_refuses_other_work(ec: Any, make_cluster: Any) -> None:
    found = make_cluster("busy", "valkey")
    _node(found).set("k", "v" * 100_000)
    ec.create_snapshot(CacheClusterId="busy", SnapshotName="busy-1")
    status = ec.describe_snapshots(SnapshotName="busy-1")["Snapshots"][0]["SnapshotStatus"]
    assert status in ("creating", "available")
    if status == "creating":
        with pytest.raises(ClientError) as error:
            ec.delete_snapshot(SnapshotName="busy-1")
        assert _code(error) == "InvalidSnapshotState"
    wait_snapshot(ec, "busy-1")


def test_automatic_snapshots_in_the_snapshot_window_and_their_retention() -> None:
    with Fogbank(port=0, ephemeral=True, elasticache_snapshot_interval=0.2) as fb:
        ec = boto3.client("elasticache", endpoint_url=fb.endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test",
                          config=BotoConfig(retries={"max_attempts": 1}))  # fmt: skip
        moment = dt.datetime.now(dt.UTC)
        start = moment - dt.timedelta(minutes=5)
        window = f"{start:%H:%M}-{start + dt.timedelta(minutes=90):%H:%M}"
        ec.create_cache_cluster(CacheClusterId="nightly", Engine="valkey", CacheNodeType="cache.t3.micro",
                                NumCacheNodes=1, SnapshotRetentionLimit=2, SnapshotWindow=window)  # fmt: skip
        wait_status(ec, "nightly")
        deadline = time.monotonic() + 20
        while not ec.describe_snapshots(SnapshotSource="system")["Snapshots"]:
            assert time.monotonic() < deadline, "no automatic snapshot"
            time.sleep(0.1)
        automatic = wait_snapshot(ec, ec.describe_snapshots(SnapshotSource="system")["Snapshots"][0]["SnapshotName"])
        assert automatic["SnapshotName"] == f"automatic.nightly-{start:%Y-%m-%d-%H-%M}"
        assert automatic["SnapshotSource"] == "automated" and automatic["SnapshotRetentionLimit"] == 2
        time.sleep(0.6)  # more checks in the same window take no second snapshot
        assert len(ec.describe_snapshots(SnapshotSource="system")["Snapshots"]) == 1
        scheduler = fb.platform.service("elasticache").backend.scheduler
        # From here the test's clock alone: a real check would find today's snapshot expired by the jump
        # of two days below and take it again (real time never jumps back like that).
        scheduler.interval = 0
        time.sleep(0.5)
        wait_status(ec, "nightly")
        # Two days later in the window: a new one is taken and the first has expired.
        taken = scheduler.tick(moment + dt.timedelta(days=2, seconds=1))
        assert taken == [f"automatic.nightly-{start + dt.timedelta(days=2):%Y-%m-%d-%H-%M}"]
        wait_snapshot(ec, taken[0])
        assert [s["SnapshotName"] for s in ec.describe_snapshots(SnapshotSource="system")["Snapshots"]] == taken
        ec.delete_cache_cluster(CacheClusterId="nightly")
        deadline = time.monotonic() + 20
        while ec.describe_snapshots()["Snapshots"]:  # automatic snapshots go with their cluster
            assert time.monotonic() < deadline
            time.sleep(0.1)
