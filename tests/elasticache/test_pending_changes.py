"""ApplyImmediately false: changes needing a restart or new nodes wait for the maintenance
window (PendingModifiedValues meanwhile), the rest apply at once; the scheduler's tick applies
them in the window, a later ApplyImmediately true applies them at once (AWS's API reference)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import redis
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from fogbank.server import Fogbank
from tests.elasticache.conftest import wait_status
from tests.elasticache.test_replication_groups import wait_group
from tests.elasticache.test_transit_encryption import ca_file

WINDOW = "sun:23:00-mon:01:30"


def _next_window(after: dt.datetime) -> dt.datetime:
    """A moment inside the first sun:23:00-mon:01:30 that begins after ``after``."""
    day = after.astimezone(dt.UTC).replace(hour=23, minute=0, second=0, microsecond=0)
    while day.weekday() != 6 or day <= after:
        day += dt.timedelta(days=1)
    return day + dt.timedelta(minutes=10)


@pytest.fixture
def fogbank() -> Iterator[tuple[Any, Any]]:
    """An own Fogbank whose scheduler runs only when the test ticks it (interval 0)."""
    with Fogbank(port=0, ephemeral=True, elasticache_snapshot_interval=0) as fb:
        ec = boto3.client("elasticache", endpoint_url=fb.endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test",
                          config=BotoConfig(retries={"max_attempts": 1}))  # fmt: skip
        yield ec, fb.platform.service("elasticache").backend.scheduler


def _messages(ec: Any, source: str, kind: str = "cache-cluster") -> list[str]:
    return [e["Message"] for e in ec.describe_events(SourceType=kind, SourceIdentifier=source)["Events"]]


def test_a_node_type_waits_for_the_window_and_the_rest_applies_at_once(fogbank: tuple[Any, Any]) -> None:
    ec, scheduler = fogbank
    ec.create_cache_cluster(CacheClusterId="later", Engine="valkey", CacheNodeType="cache.t3.micro",
                            NumCacheNodes=1, PreferredMaintenanceWindow=WINDOW)  # fmt: skip
    port = wait_status(ec, "later")["CacheNodes"][0]["Endpoint"]["Port"]
    node = redis.Redis(port=port)
    node.set("kept", "yes")
    before = node.config_get("maxmemory")["maxmemory"]
    out = ec.modify_cache_cluster(CacheClusterId="later", CacheNodeType="cache.m6g.large", SnapshotRetentionLimit=3,
                                  ApplyImmediately=False)["CacheCluster"]  # fmt: skip
    assert out["CacheClusterStatus"] == "available" and out["CacheNodeType"] == "cache.t3.micro"
    assert out["PendingModifiedValues"] == {"CacheNodeType": "cache.m6g.large"}
    assert out["SnapshotRetentionLimit"] == 3  # applied at once
    assert node.config_get("maxmemory")["maxmemory"] == before
    # A tick outside the window changes nothing; the next window's applies it, data kept.
    asked = dt.datetime.now(dt.UTC)
    scheduler.tick(_next_window(asked) - dt.timedelta(hours=2))
    assert wait_status(ec, "later")["PendingModifiedValues"] == {"CacheNodeType": "cache.m6g.large"}
    assert scheduler.maintain(_next_window(asked)) == ["later"]
    found = wait_status(ec, "later")
    assert found["CacheNodeType"] == "cache.m6g.large" and found["PendingModifiedValues"] == {}
    node = redis.Redis(port=found["CacheNodes"][0]["Endpoint"]["Port"])
    assert node.get("kept") == b"yes" and node.config_get("maxmemory")["maxmemory"] != before
    assert "Cache cluster scaled to cache.m6g.large" in _messages(ec, "later")


def test_apply_immediately_applies_the_pending_ones_too_and_equal_values_cancel(fogbank: tuple[Any, Any]) -> None:
    ec, scheduler = fogbank
    ec.create_cache_cluster(CacheClusterId="mc", Engine="memcached", CacheNodeType="cache.t3.micro", NumCacheNodes=1)
    wait_status(ec, "mc")
    out = ec.modify_cache_cluster(CacheClusterId="mc", NumCacheNodes=3)["CacheCluster"]  # default: false
    assert out["PendingModifiedValues"] == {"NumCacheNodes": 3} and out["NumCacheNodes"] == 1
    out = ec.modify_cache_cluster(CacheClusterId="mc", NumCacheNodes=1)["CacheCluster"]  # AWS's way to cancel
    assert out["PendingModifiedValues"] == {}
    assert scheduler.maintain(_next_window(dt.datetime.now(dt.UTC)) + dt.timedelta(days=7 * 52)) == []
    ec.modify_cache_cluster(CacheClusterId="mc", NumCacheNodes=2)
    out = ec.modify_cache_cluster(CacheClusterId="mc", PreferredMaintenanceWindow="mon:01:00-mon:02:00",
                                  ApplyImmediately=True)["CacheCluster"]  # fmt: skip
    assert out["CacheClusterStatus"] == "modifying" and out["PendingModifiedValues"] == {}
    found = wait_status(ec, "mc")
    assert found["NumCacheNodes"] == 2 and found["PreferredMaintenanceWindow"] == "mon:01:00-mon:02:00"


def test_a_change_asked_during_the_window_waits_for_the_next_one(fogbank: tuple[Any, Any]) -> None:
    ec, scheduler = fogbank
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(minutes=5)
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    end = start + dt.timedelta(minutes=90)
    window = f"{day[start.weekday()]}:{start:%H:%M}-{day[end.weekday()]}:{end:%H:%M}"
    ec.create_cache_cluster(CacheClusterId="during", Engine="valkey", CacheNodeType="cache.t3.micro",
                            NumCacheNodes=1, PreferredMaintenanceWindow=window)  # fmt: skip
    wait_status(ec, "during")
    ec.modify_cache_cluster(CacheClusterId="during", CacheNodeType="cache.t3.small")
    assert scheduler.maintain(now + dt.timedelta(minutes=1)) == []  # this window began before the request
    assert scheduler.maintain(now + dt.timedelta(days=7)) == ["during"]
    assert wait_status(ec, "during")["CacheNodeType"] == "cache.t3.small"


def test_replication_group_pending_primary_and_auth_token(fogbank: tuple[Any, Any]) -> None:
    ec, scheduler = fogbank
    # An AuthToken needs TLS, which Redis OSS 7.0 (Debian's redis-server) serves here.
    ec.create_replication_group(ReplicationGroupId="rg-later", ReplicationGroupDescription="d", Engine="redis",
                                EngineVersion="7.0", CacheNodeType="cache.t3.micro", NumCacheClusters=2,
                                TransitEncryptionEnabled=True, AuthToken="first-token-0123456789",
                                PreferredMaintenanceWindow=WINDOW)  # fmt: skip
    wait_group(ec, "rg-later")
    tls = {"ssl": True, "ssl_ca_certs": ca_file(ec, "replication-group", "rg-later")}
    out = ec.modify_replication_group(ReplicationGroupId="rg-later", PrimaryClusterId="rg-later-002",
                                      AuthToken="second-token-0123456789", AuthTokenUpdateStrategy="ROTATE",
                                      CacheNodeType="cache.t3.small", ReplicationGroupDescription="now")[
        "ReplicationGroup"]  # fmt: skip
    assert out["Status"] == "available" and out["Description"] == "now"
    assert out["PendingModifiedValues"] == {"PrimaryClusterId": "rg-later-002", "AuthTokenStatus": "ROTATING"}
    address = out["NodeGroups"][0]["PrimaryEndpoint"]
    primary = redis.Redis(host=address["Address"], port=address["Port"], password="first-token-0123456789", **tls)
    primary.set("k", "v")
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host=address["Address"], port=address["Port"], password="second-token-0123456789", **tls).ping()
    member = ec.describe_cache_clusters(CacheClusterId="rg-later-002")["CacheClusters"][0]
    assert member["PendingModifiedValues"] == {"CacheNodeType": "cache.t3.small", "AuthTokenStatus": "ROTATING"}
    assert out["CacheNodeType"] == "cache.t3.micro"
    assert scheduler.maintain(_next_window(dt.datetime.now(dt.UTC))) == ["rg-later"]
    found = wait_group(ec, "rg-later")
    assert found["PendingModifiedValues"] == {} and found["CacheNodeType"] == "cache.t3.small"
    roles = {m["CacheClusterId"]: m["CurrentRole"] for m in found["NodeGroups"][0]["NodeGroupMembers"]}
    assert roles == {"rg-later-001": "replica", "rg-later-002": "primary"}
    new = redis.Redis(host=address["Address"], port=address["Port"], password="second-token-0123456789", **tls)
    assert new.get("k") == b"v"


def test_maintenance_window_format(fogbank: tuple[Any, Any]) -> None:
    ec, _ = fogbank
    base = {"CacheClusterId": "w", "Engine": "valkey", "CacheNodeType": "cache.t3.micro", "NumCacheNodes": 1}
    for bad in (
        "sun:23:00",
        "sunday:23:00-mon:01:00",
        "sun:24:00-mon:01:00",
        "sun:23:00-sun:23:30",
        "sun:23:00-tue:01:00",
    ):
        with pytest.raises(ClientError) as info:
            ec.create_cache_cluster(**base, PreferredMaintenanceWindow=bad)
        assert info.value.response["Error"]["Code"] == "InvalidParameterValue", bad
    with pytest.raises(ClientError) as info:
        ec.create_cache_cluster(**base, SnapshotWindow="5:00-6:00")
    assert info.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_a_failure_reboot_applies_the_pending_changes(fogbank: tuple[Any, Any]) -> None:
    """AWS: pending changes apply "on the next maintenance reboot, or the next failure reboot"."""
    ec, _ = fogbank
    ec.create_cache_cluster(CacheClusterId="crash", Engine="valkey", CacheNodeType="cache.t3.micro", NumCacheNodes=1)
    port = wait_status(ec, "crash")["CacheNodes"][0]["Endpoint"]["Port"]
    ec.modify_cache_cluster(CacheClusterId="crash", CacheNodeType="cache.t3.small")
    os.kill(int(redis.Redis(port=port).info("server")["process_id"]), signal.SIGKILL)
    deadline = time.monotonic() + 30
    while "Cache cluster scaled to cache.t3.small" not in _messages(ec, "crash"):
        assert time.monotonic() < deadline, _messages(ec, "crash")
        time.sleep(0.1)
    found = wait_status(ec, "crash")
    assert found["CacheNodeType"] == "cache.t3.small" and found["PendingModifiedValues"] == {}
