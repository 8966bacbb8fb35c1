"""Cache clusters through boto3 and real clients: Valkey/Redis OSS nodes, Memcached with N nodes."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
import redis
from botocore.exceptions import ClientError
from pymemcache.client.base import Client as Memcache

from tests.elasticache.conftest import wait_status


def _code(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def test_valkey_cluster_serves_redis_clients_with_the_node_types_memory(ec: Any, make_cluster: Any) -> None:
    started = time.monotonic()
    found = make_cluster("app-cache", "valkey", CacheNodeType="cache.t3.small")
    assert time.monotonic() - started < 10
    assert found["Engine"] == "valkey" and found["NumCacheNodes"] == 1 and "ConfigurationEndpoint" not in found
    endpoint = found["CacheNodes"][0]["Endpoint"]
    node = redis.Redis(host=endpoint["Address"], port=endpoint["Port"])
    node.set("greeting", "hello")
    assert node.get("greeting") == b"hello"
    assert int(node.config_get("maxmemory")["maxmemory"]) == int(1.37 * 1024**3)
    assert ec.describe_cache_clusters()["CacheClusters"][0]["CacheClusterId"] == "app-cache"
    assert "CacheNodes" not in ec.describe_cache_clusters()["CacheClusters"][0]


def test_memcached_nodes_and_auto_discovery_on_the_configuration_endpoint(ec: Any, make_cluster: Any) -> None:
    found = make_cluster("sessions", "memcached", nodes=3)
    nodes = found["CacheNodes"]
    assert [n["CacheNodeId"] for n in nodes] == ["0001", "0002", "0003"]
    assert len({n["Endpoint"]["Port"] for n in nodes}) == 3
    for node in nodes:  # N nodes = N processes, each its own cache
        # noreply=False: a "noreply" set is not ordered before a get on another connection.
        stored = Memcache((node["Endpoint"]["Address"], node["Endpoint"]["Port"])).set(
            "who", node["CacheNodeId"], noreply=False
        )
        assert stored
    for node in nodes:
        assert Memcache(("127.0.0.1", node["Endpoint"]["Port"])).get("who") == node["CacheNodeId"].encode()
    config = found["ConfigurationEndpoint"]
    with socket.create_connection((config["Address"], config["Port"])) as conn:
        conn.sendall(b"config get cluster\r\n")
        reply = _read_until(conn, b"END\r\n")
    head, rest = reply.split(b"\r\n", 1)
    assert head.startswith(b"CONFIG cluster 0 ")
    version, listing, _ = rest.split(b"\n", 2)
    assert version == b"1"
    entries = [entry.split(b"|") for entry in listing.split(b" ")]
    assert [int(port) for _, _, port in entries] == [n["Endpoint"]["Port"] for n in nodes]
    assert int(head.split()[-1]) == len(version) + len(listing) + 2
    # Other commands reach the first node, as the configuration endpoint's DNS name would.
    through = Memcache((config["Address"], config["Port"]))
    assert through.get("who") == b"0001"


def _read_until(conn: socket.socket, end: bytes) -> bytes:
    data = b""
    while not data.endswith(end):
        chunk = conn.recv(4096)
        assert chunk
        data += chunk
    return data


def test_adding_and_removing_memcached_nodes_updates_discovery(ec: Any, make_cluster: Any) -> None:
    make_cluster("grow", "memcached", nodes=1)
    ec.modify_cache_cluster(CacheClusterId="grow", NumCacheNodes=3, ApplyImmediately=True)
    found = wait_status(ec, "grow")
    assert [n["CacheNodeId"] for n in found["CacheNodes"]] == ["0001", "0002", "0003"]
    ec.modify_cache_cluster(
        CacheClusterId="grow", NumCacheNodes=2, CacheNodeIdsToRemove=["0002"], ApplyImmediately=True
    )
    found = wait_status(ec, "grow")
    assert [n["CacheNodeId"] for n in found["CacheNodes"]] == ["0001", "0003"]
    config = found["ConfigurationEndpoint"]
    with socket.create_connection((config["Address"], config["Port"])) as conn:
        conn.sendall(b"config get cluster\r\n")
        reply = _read_until(conn, b"END\r\n")
    assert reply.split(b"\r\n", 1)[1].split(b"\n")[0] == b"3"  # bumped at each change
    messages = [e["Message"] for e in ec.describe_events(SourceType="cache-cluster", SourceIdentifier="grow")["Events"]]
    assert "Removed cache node 0002" in messages and any(m.startswith("Added cache node 0003") for m in messages)


def test_reboot_keeps_valkey_data_and_says_so(ec: Any, make_cluster: Any) -> None:
    found = make_cluster("rebooted", "valkey")
    port = found["CacheNodes"][0]["Endpoint"]["Port"]
    redis.Redis(port=port).set("kept", "yes")
    answer = ec.reboot_cache_cluster(CacheClusterId="rebooted", CacheNodeIdsToReboot=["0001"])
    assert answer["CacheCluster"]["CacheClusterStatus"] in ("rebooting cache cluster nodes", "available")
    wait_status(ec, "rebooted")
    assert redis.Redis(port=port).get("kept") == b"yes"
    events = ec.describe_events(SourceType="cache-cluster", SourceIdentifier="rebooted")["Events"]
    assert "Cache node 0001 restarted" in [e["Message"] for e in events]


def test_scaling_a_valkey_node_type_changes_its_memory_and_keeps_data(ec: Any, make_cluster: Any) -> None:
    found = make_cluster("scaled", "valkey")
    port = found["CacheNodes"][0]["Endpoint"]["Port"]
    redis.Redis(port=port).set("k", "v")
    ec.modify_cache_cluster(CacheClusterId="scaled", CacheNodeType="cache.m6g.large", ApplyImmediately=True)
    found = wait_status(ec, "scaled")
    assert found["CacheNodeType"] == "cache.m6g.large"
    node = redis.Redis(port=found["CacheNodes"][0]["Endpoint"]["Port"])
    assert int(node.config_get("maxmemory")["maxmemory"]) == int(6.38 * 1024**3) and node.get("k") == b"v"


def test_delete_frees_processes_ports_and_disk(ec: Any, make_cluster: Any, fogbank_endpoint: str) -> None:
    found = make_cluster("gone", "memcached", nodes=2)
    ports = [n["Endpoint"]["Port"] for n in found["CacheNodes"]] + [found["ConfigurationEndpoint"]["Port"]]
    ec.delete_cache_cluster(CacheClusterId="gone")
    deadline = time.monotonic() + 20
    while ec.describe_cache_clusters()["CacheClusters"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for port in ports:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))  # nothing listens there any more
    with pytest.raises(ClientError) as error:
        ec.describe_cache_clusters(CacheClusterId="gone")
    assert _code(error) == ("CacheClusterNotFound", "CacheCluster not found: gone")
