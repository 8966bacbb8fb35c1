"""In-transit encryption (TransitEncryptionEnabled): TLS served by the engines themselves
(Debian's redis-server for redis 7.0/7.1, memcached -Z), certificates signed by Fogbank's CA,
plain connections refused; the PyPI Valkey builds, without TLS, refuse it plainly."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import redis
from botocore.exceptions import ClientError
from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheError
from redis.cluster import RedisCluster

from fogbank.config import Config
from fogbank.server import Fogbank
from tests.elasticache.conftest import wait_status
from tests.elasticache.test_replication_groups import wait_group

TOKEN = "a-long-token-0123456789"


def ca_file(ec: Any, source_type: str, identifier: str) -> str:
    """The CA's path, as the creation event says it (docs/elasticache.md)."""
    found = ec.describe_events(SourceType=source_type, SourceIdentifier=identifier, Duration=60)["Events"]
    message = next(e["Message"] for e in found if "certificate authority in" in e["Message"])
    path = message.rsplit("certificate authority in ", 1)[1]
    assert Path(path).is_file()
    return path


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def tls(endpoint: dict[str, Any], ca: str, **kwargs: Any) -> redis.Redis:
    return redis.Redis(host=endpoint["Address"], port=endpoint["Port"], ssl=True, ssl_ca_certs=ca,
                       ssl_check_hostname=True, socket_timeout=5, **kwargs)  # fmt: skip


def refuses_plain(endpoint: dict[str, Any], **kwargs: Any) -> bool:
    try:
        redis.Redis(host=endpoint["Address"], port=endpoint["Port"], socket_timeout=2, **kwargs).ping()
    except redis.ConnectionError:
        return True
    return False


def test_a_tls_cache_cluster_serves_tls_only_and_its_auth_token_rotates(ec: Any, make_cluster: Any) -> None:
    found = make_cluster("tls-node", "redis", EngineVersion="7.0", TransitEncryptionEnabled=True, AuthToken=TOKEN)
    assert found["TransitEncryptionEnabled"] is True and found["TransitEncryptionMode"] == "required"
    assert found["AuthTokenEnabled"] is True
    endpoint = found["CacheNodes"][0]["Endpoint"]
    ca = ca_file(ec, "cache-cluster", "tls-node")
    node = tls(endpoint, ca, password=TOKEN)
    assert node.set("k", "v") and node.get("k") == b"v"
    assert refuses_plain(endpoint, password=TOKEN)
    with pytest.raises(redis.AuthenticationError):
        tls(endpoint, ca).ping()
    new = "another-token-0123456789"
    ec.modify_cache_cluster(
        CacheClusterId="tls-node", AuthToken=new, AuthTokenUpdateStrategy="ROTATE", ApplyImmediately=True
    )
    wait_status(ec, "tls-node")
    assert tls(endpoint, ca, password=new).ping() and tls(endpoint, ca, password=TOKEN).ping()
    ec.modify_cache_cluster(
        CacheClusterId="tls-node", AuthToken=new, AuthTokenUpdateStrategy="SET", ApplyImmediately=True
    )
    wait_status(ec, "tls-node")
    with pytest.raises(redis.AuthenticationError):
        tls(endpoint, ca, password=TOKEN).ping()
    ec.reboot_cache_cluster(CacheClusterId="tls-node", CacheNodeIdsToReboot=["0001"])
    wait_status(ec, "tls-node")
    assert tls(endpoint, ca, password=new).get("k") == b"v"  # the node comes back on TLS with its data
    plain = make_cluster("plain-node", "redis", EngineVersion="7.0")
    assert plain["TransitEncryptionEnabled"] is False and "TransitEncryptionMode" not in plain
    ec.delete_cache_cluster(CacheClusterId="tls-node")
    ec.delete_cache_cluster(CacheClusterId="plain-node")


def test_builds_without_tls_and_preferred_mode_are_refused(ec: Any) -> None:
    base = {"CacheNodeType": "cache.t3.micro", "TransitEncryptionEnabled": True}
    code, message = error_of(ec.create_cache_cluster, CacheClusterId="no-tls", Engine="valkey", **base)
    assert code == "InvalidParameterCombination"
    assert "built without TLS" in message and "redis 7.1, 7.0" in message  # names where TLS is
    code, message = error_of(ec.create_cache_cluster, CacheClusterId="old-mc", Engine="memcached",
                             EngineVersion="1.6.6", **base)  # fmt: skip
    assert code == "InvalidParameterCombination" and "1.6.12" in message
    group = {"ReplicationGroupId": "pref", "ReplicationGroupDescription": "t", "Engine": "redis",
             "EngineVersion": "7.0", "CacheNodeType": "cache.t3.micro", "NumCacheClusters": 1}  # fmt: skip
    assert error_of(ec.create_replication_group, **group, TransitEncryptionEnabled=True,
                    TransitEncryptionMode="preferred")[0] == "InvalidParameterValue"  # fmt: skip
    assert error_of(ec.create_replication_group, **group, TransitEncryptionMode="required")[0] == (
        "InvalidParameterCombination")  # fmt: skip
    assert error_of(ec.create_replication_group, **{**group, "Engine": "valkey", "EngineVersion": "8.0"},
                    TransitEncryptionEnabled=True)[0] == "InvalidParameterCombination"  # fmt: skip
    ec.create_replication_group(**group)
    plain = wait_group(ec, "pref")
    assert plain["TransitEncryptionEnabled"] is False and "TransitEncryptionMode" not in plain
    code, message = error_of(ec.modify_replication_group, ReplicationGroupId="pref", TransitEncryptionEnabled=True,
                             ApplyImmediately=True)  # fmt: skip
    assert code == "InvalidParameterCombination" and "preferred" in message  # AWS's first step of the migration
    ec.delete_replication_group(ReplicationGroupId="pref")


def test_a_tls_replication_group_syncs_over_tls_and_fails_over(ec: Any) -> None:
    ec.create_replication_group(ReplicationGroupId="tls-rg", ReplicationGroupDescription="tls", Engine="redis",
                                EngineVersion="7.0", CacheNodeType="cache.t3.micro", NumCacheClusters=2,
                                AutomaticFailoverEnabled=True, TransitEncryptionEnabled=True,
                                AuthToken=TOKEN)  # fmt: skip
    group = wait_group(ec, "tls-rg")
    assert group["TransitEncryptionEnabled"] is True and group["TransitEncryptionMode"] == "required"
    ca = ca_file(ec, "replication-group", "tls-rg")
    shard = group["NodeGroups"][0]
    primary = tls(shard["PrimaryEndpoint"], ca, password=TOKEN)
    assert primary.set("k", "v")
    replica = next(m for m in shard["NodeGroupMembers"] if m["CurrentRole"] == "replica")
    reader = tls(replica["ReadEndpoint"], ca, password=TOKEN)
    assert reader.info("replication")["master_link_status"] == "up"  # the link is TLS: no plain port exists
    deadline = time.monotonic() + 10
    while reader.get("k") != b"v":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert tls(shard["ReaderEndpoint"], ca, password=TOKEN).ping()
    assert refuses_plain(shard["PrimaryEndpoint"], password=TOKEN)
    old = primary.info("server")["run_id"]
    ec.test_failover(ReplicationGroupId="tls-rg", NodeGroupId="0001")
    deadline = time.monotonic() + 20
    while True:
        try:
            again = tls(shard["PrimaryEndpoint"], ca, password=TOKEN)
            if again.info("server")["run_id"] != old and again.set("after", "1"):
                break
        except redis.RedisError:
            pass
        assert time.monotonic() < deadline, "the primary endpoint did not reach the new primary"
        time.sleep(0.05)
    assert again.get("k") == b"v"
    group = wait_group(ec, "tls-rg")
    code, _ = error_of(ec.modify_replication_group, ReplicationGroupId="tls-rg", TransitEncryptionEnabled=False,
                       ApplyImmediately=True)  # fmt: skip
    assert code == "InvalidParameterCombination"  # AWS: through preferred first
    code, _ = error_of(ec.modify_replication_group, ReplicationGroupId="tls-rg", TransitEncryptionMode="preferred",
                       ApplyImmediately=True)  # fmt: skip
    assert code == "InvalidParameterValue"  # preferred: TLS and plain on one port, not served here
    same = ec.modify_replication_group(ReplicationGroupId="tls-rg", TransitEncryptionEnabled=True,
                                       TransitEncryptionMode="required", ApplyImmediately=True)  # fmt: skip
    assert same["ReplicationGroup"]["TransitEncryptionMode"] == "required"  # nothing to change: accepted
    ec.delete_replication_group(ReplicationGroupId="tls-rg")


def test_a_tls_cluster_mode_group_serves_redis_cluster_over_tls(ec: Any) -> None:
    ec.create_replication_group(ReplicationGroupId="tls-cm", ReplicationGroupDescription="tls", Engine="redis",
                                EngineVersion="7.0", CacheNodeType="cache.t3.micro", NumNodeGroups=2,
                                ReplicasPerNodeGroup=1, ClusterMode="enabled",
                                TransitEncryptionEnabled=True)  # fmt: skip
    group = wait_group(ec, "tls-cm", timeout=90)
    ca = ca_file(ec, "replication-group", "tls-cm")
    endpoint = group["ConfigurationEndpoint"]
    rc = RedisCluster(host=endpoint["Address"], port=endpoint["Port"], ssl=True, ssl_ca_certs=ca, socket_timeout=5)
    for i in range(100):
        rc.set(f"key:{i}", str(i))
    assert all(rc.get(f"key:{i}") == str(i).encode() for i in range(100))
    addresses = {m["ReadEndpoint"]["Address"] for g in group["NodeGroups"] for m in g["NodeGroupMembers"]}
    assert {node.host for node in rc.get_nodes()} <= addresses
    assert refuses_plain(endpoint)
    ec.modify_replication_group_shard_configuration(ReplicationGroupId="tls-cm", NodeGroupCount=3,
                                                    ApplyImmediately=True)  # fmt: skip
    grown = wait_group(ec, "tls-cm", timeout=180)  # keys move by MIGRATE, over TLS too
    assert len(grown["NodeGroups"]) == 3 and all(g["Slots"] for g in grown["NodeGroups"])
    rc = RedisCluster(host=endpoint["Address"], port=endpoint["Port"], ssl=True, ssl_ca_certs=ca, socket_timeout=5)
    assert all(rc.get(f"key:{i}") == str(i).encode() for i in range(100))
    ec.delete_replication_group(ReplicationGroupId="tls-cm")


def test_a_tls_memcached_cluster_and_its_configuration_endpoint(ec: Any, make_cluster: Any) -> None:
    found = make_cluster("tls-mc", "memcached", nodes=2, TransitEncryptionEnabled=True)
    assert found["TransitEncryptionEnabled"] is True
    ca = ca_file(ec, "cache-cluster", "tls-mc")
    context = ssl.create_default_context(cafile=ca)
    endpoint = found["CacheNodes"][0]["Endpoint"]
    node = Client((endpoint["Address"], endpoint["Port"]), tls_context=context, timeout=5)
    node.set("k", "v", noreply=False)
    assert node.get("k") == b"v"
    config = found["ConfigurationEndpoint"]
    with socket.create_connection((config["Address"], config["Port"]), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=config["Address"]) as conn:
            conn.sendall(b"config get cluster\r\n")
            answer = b""
            while not answer.endswith(b"END\r\n"):
                answer += conn.recv(4096)
    assert answer.startswith(b"CONFIG cluster 0 ") and str(endpoint["Port"]).encode() in answer
    through = Client((config["Address"], config["Port"]), tls_context=context, timeout=5)
    assert through.get("k") == b"v"  # forwarded to node 0001 over TLS
    with pytest.raises((MemcacheError, OSError)):  # a plain client gets no memcached answer at all
        Client((endpoint["Address"], endpoint["Port"]), timeout=2, connect_timeout=2).get("k")
    ec.delete_cache_cluster(CacheClusterId="tls-mc")


def test_tls_nodes_come_back_on_tls_after_a_fogbank_restart() -> None:
    top = Path(tempfile.mkdtemp(prefix="fogbank-tls-"))
    top.chmod(0o711)
    config = Config(data_dir=top / "data", port=0, log_requests=False, workers=1)

    def client(fb: Fogbank) -> Any:
        return boto3.client("elasticache", endpoint_url=fb.endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip

    try:
        with Fogbank(config=config) as fb:
            ec = client(fb)
            ec.create_replication_group(ReplicationGroupId="tls-durable", ReplicationGroupDescription="d",
                                        Engine="redis", EngineVersion="7.1", CacheNodeType="cache.t3.micro",
                                        NumCacheClusters=2, TransitEncryptionEnabled=True)  # fmt: skip
            endpoint = wait_group(ec, "tls-durable")["NodeGroups"][0]["PrimaryEndpoint"]
            ca = ca_file(ec, "replication-group", "tls-durable")
            primary = tls(endpoint, ca)
            primary.set("durable", "yes")
            assert primary.wait(1, 2000) == 1
        with Fogbank(config=config) as fb:
            ec = client(fb)
            group = wait_group(ec, "tls-durable")
            shard = group["NodeGroups"][0]
            assert shard["PrimaryEndpoint"] == endpoint and group["TransitEncryptionMode"] == "required"
            assert tls(endpoint, ca).get("durable") == b"yes" and refuses_plain(endpoint)
            replica = next(m for m in shard["NodeGroupMembers"] if m["CurrentRole"] == "replica")
            assert tls(replica["ReadEndpoint"], ca).info("replication")["master_link_status"] == "up"
            ec.delete_replication_group(ReplicationGroupId="tls-durable")
            deadline = time.monotonic() + 10
            while ec.describe_replication_groups()["ReplicationGroups"] and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_a_dead_tls_shard_primary_is_replaced_over_tls(ec: Any) -> None:
    ec.create_replication_group(ReplicationGroupId="tls-crash", ReplicationGroupDescription="tls", Engine="redis",
                                EngineVersion="7.0", CacheNodeType="cache.t3.micro", NumNodeGroups=2,
                                ReplicasPerNodeGroup=1, ClusterMode="enabled",
                                TransitEncryptionEnabled=True)  # fmt: skip
    group = wait_group(ec, "tls-crash", timeout=90)
    ca = ca_file(ec, "replication-group", "tls-crash")
    endpoint = group["ConfigurationEndpoint"]
    rc = RedisCluster(host=endpoint["Address"], port=endpoint["Port"], ssl=True, ssl_ca_certs=ca, socket_timeout=5)
    for i in range(50):
        rc.set(f"key:{i}", str(i))
    victim = next(m for m in group["NodeGroups"][0]["NodeGroupMembers"] if m["CurrentRole"] == "primary")
    node = tls(victim["ReadEndpoint"], ca)
    node.wait(1, 2000)
    os.kill(int(node.info("server")["process_id"]), signal.SIGKILL)
    deadline = time.monotonic() + 40
    while "Finished recovery for cache nodes 0001" not in [
        e["Message"] for e in ec.describe_events(SourceType="cache-cluster", SourceIdentifier=victim["CacheClusterId"],
                                                 Duration=60)["Events"]
    ]:  # fmt: skip
        assert time.monotonic() < deadline, "the dead primary was not recovered"
        time.sleep(0.1)
    found = wait_group(ec, "tls-crash", timeout=60)
    roles = {m["CacheClusterId"]: m["CurrentRole"] for m in found["NodeGroups"][0]["NodeGroupMembers"]}
    assert roles[victim["CacheClusterId"]] == "replica"  # its replica took over (TAKEOVER), it follows now
    rc = RedisCluster(host=endpoint["Address"], port=endpoint["Port"], ssl=True, ssl_ca_certs=ca, socket_timeout=5)
    assert all(rc.get(f"key:{i}") == str(i).encode() for i in range(50))
    assert tls(victim["ReadEndpoint"], ca).info("replication")["master_link_status"] == "up"
    ec.delete_replication_group(ReplicationGroupId="tls-crash")
