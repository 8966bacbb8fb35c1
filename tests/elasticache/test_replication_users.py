"""User groups (RBAC) on replication groups through boto3, redis-py and RedisCluster: the ACL on
every node (primaries, replicas, every shard), after a failover and a Fogbank restart, changes
pushed to the nodes, and AWS's rules (TransitEncryptionEnabled, one group, not with AuthToken). RBAC needs
TLS, as on AWS: the groups run Redis OSS 7.0 (Debian's redis-server, the build here with TLS); the clients
skip certificate checks, which tests/elasticache/test_transit_encryption.py makes."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import redis
from botocore.exceptions import ClientError
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry

from fogbank.config import Config
from fogbank.server import Fogbank
from tests.elasticache.test_replication_groups import events, wait_group

PASSWORD = "reader-password-0123"
ADMIN = "admin-password-01234567"
TLS: dict[str, Any] = {"ssl": True, "ssl_cert_reqs": "none"}


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return error.value.response["Error"]["Code"]


def _users(ec: Any, group_id: str) -> None:
    """A default user that needs a password, an admin, and a reader of ``public:*`` keys only."""
    ec.create_user(UserId=f"{group_id}-default", UserName="default", Engine="redis", AccessString="on ~* +@all",
                   Passwords=[ADMIN])  # fmt: skip
    ec.create_user(UserId=f"{group_id}-reader", UserName="reader", Engine="redis", AccessString="on ~public:* +@read +cluster|slots +cluster|shards +command",
                   Passwords=[PASSWORD])  # fmt: skip
    ec.create_user_group(UserGroupId=group_id, Engine="redis", UserIds=[f"{group_id}-default", f"{group_id}-reader"])


def _node(endpoint: dict[str, Any], user: str | None = None, password: str | None = None) -> redis.Redis:
    # No retries: a refused login is a ConnectionError to redis-py, retried with backoff otherwise.
    return redis.Redis(host=endpoint["Address"], port=endpoint["Port"], username=user, password=password,
                       socket_timeout=5, retry=Retry(NoBackoff(), 0), **TLS)  # fmt: skip


def _members(group: dict[str, Any]) -> list[dict[str, Any]]:
    return [m["ReadEndpoint"] for g in group["NodeGroups"] for m in g["NodeGroupMembers"]]


def _enforced(endpoint: dict[str, Any]) -> None:
    """The reader reads its keys only, writes nothing; without a password nothing at all."""
    reader = _node(endpoint, "reader", PASSWORD)
    with pytest.raises(redis.exceptions.NoPermissionError):
        reader.get("secret:1")
    with pytest.raises(redis.exceptions.NoPermissionError):
        reader.set("public:1", "x")
    with pytest.raises(redis.exceptions.AuthenticationError):
        _node(endpoint).ping()


def test_user_group_is_enforced_on_primary_and_replica_and_after_failover(ec: Any) -> None:
    _users(ec, "rg-acl-users")
    created = ec.create_replication_group(ReplicationGroupId="rg-acl", ReplicationGroupDescription="acl",
                                          Engine="redis", EngineVersion="7.0", CacheNodeType="cache.t3.micro", NumCacheClusters=2,
                                          AutomaticFailoverEnabled=True, TransitEncryptionEnabled=True,
                                          UserGroupIds=["rg-acl-users"])["ReplicationGroup"]  # fmt: skip
    assert created["UserGroupIds"] == ["rg-acl-users"] and created["AuthTokenEnabled"] is False
    group = wait_group(ec, "rg-acl")
    assert group["UserGroupIds"] == ["rg-acl-users"]
    found = ec.describe_user_groups(UserGroupId="rg-acl-users")["UserGroups"][0]
    assert found["ReplicationGroups"] == ["rg-acl"]
    shard = group["NodeGroups"][0]
    admin = _node(shard["PrimaryEndpoint"], "default", ADMIN)
    admin.set("public:1", "hello")
    admin.wait(1, 2000)
    for endpoint in _members(group):  # the primary and the replica
        _enforced(endpoint)
        assert _node(endpoint, "reader", PASSWORD).get("public:1") == b"hello"

    with pytest.raises(ClientError) as error:
        ec.delete_user_group(UserGroupId="rg-acl-users")
    assert _code(error) == "InvalidUserGroupState"

    ec.test_failover(ReplicationGroupId="rg-acl", NodeGroupId="0001")
    group = wait_group(ec, "rg-acl")
    roles = {m["CacheClusterId"]: m["CurrentRole"] for m in group["NodeGroups"][0]["NodeGroupMembers"]}
    assert roles == {"rg-acl-001": "replica", "rg-acl-002": "primary"}
    for endpoint in _members(group):
        _enforced(endpoint)

    # A user added to the group reaches every node at once.
    ec.create_user(UserId="rg-acl-writer", UserName="writer", Engine="redis", AccessString="on ~* +@all",
                   Passwords=["writer-password-0123"])  # fmt: skip
    ec.modify_user_group(UserGroupId="rg-acl-users", UserIdsToAdd=["rg-acl-writer"])
    for endpoint in _members(group):
        assert _node(endpoint, "writer", "writer-password-0123").ping()

    # Removed from the group: the nodes are open again (no AUTH token either), and the user group can go.
    ec.modify_replication_group(ReplicationGroupId="rg-acl", UserGroupIdsToRemove=["rg-acl-users"],
                                ApplyImmediately=True)  # fmt: skip
    group = wait_group(ec, "rg-acl")
    assert group["UserGroupIds"] == []
    assert ec.describe_user_groups(UserGroupId="rg-acl-users")["UserGroups"][0]["ReplicationGroups"] == []
    deadline = time.monotonic() + 5
    while True:
        try:
            assert all(_node(e).get("public:1") == b"hello" for e in _members(group))
            break
        except redis.exceptions.AuthenticationError:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    ec.modify_replication_group(ReplicationGroupId="rg-acl", UserGroupIdsToAdd=["rg-acl-users"],
                                ApplyImmediately=True)  # fmt: skip
    group = wait_group(ec, "rg-acl")
    for endpoint in _members(group):
        _enforced(endpoint)
    ec.delete_replication_group(ReplicationGroupId="rg-acl")
    deadline = time.monotonic() + 30
    while ec.describe_user_groups(UserGroupId="rg-acl-users")["UserGroups"][0]["ReplicationGroups"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    ec.delete_user_group(UserGroupId="rg-acl-users")


def test_user_group_reaches_every_shard_of_a_cluster(ec: Any) -> None:
    _users(ec, "cm-acl-users")
    ec.create_replication_group(ReplicationGroupId="cm-acl", ReplicationGroupDescription="acl", Engine="redis",
                                EngineVersion="7.0",
                                CacheNodeType="cache.t3.micro", NumNodeGroups=2, ReplicasPerNodeGroup=1,
                                ClusterMode="enabled", TransitEncryptionEnabled=True,
                                UserGroupIds=["cm-acl-users"])  # fmt: skip
    group = wait_group(ec, "cm-acl", timeout=90)
    assert len(_members(group)) == 4
    for endpoint in _members(group):
        _enforced(endpoint)
    endpoint = group["ConfigurationEndpoint"]
    admin = RedisCluster(host=endpoint["Address"], port=endpoint["Port"], username="default", password=ADMIN, **TLS)
    for i in range(20):
        admin.set(f"public:{i}", str(i))
    reader = RedisCluster(host=endpoint["Address"], port=endpoint["Port"], username="reader", password=PASSWORD, **TLS)
    assert [reader.get(f"public:{i}") for i in range(20)] == [str(i).encode() for i in range(20)]
    with pytest.raises(redis.exceptions.NoPermissionError):
        reader.set("public:0", "x")
    ec.delete_replication_group(ReplicationGroupId="cm-acl")


def test_user_group_rules_and_errors(ec: Any) -> None:
    _users(ec, "rules-users")
    ec.create_user_group(UserGroupId="rules-other", Engine="redis", UserIds=["rules-users-default"])
    base = {"ReplicationGroupDescription": "x", "Engine": "redis", "EngineVersion": "7.0", "CacheNodeType": "cache.t3.micro",
            "NumCacheClusters": 1}  # fmt: skip
    cases = [
        ({"UserGroupIds": ["rules-users"]}, "InvalidParameterCombination"),  # no TransitEncryptionEnabled
        ({"UserGroupIds": ["rules-users"], "TransitEncryptionEnabled": True, "AuthToken": "a-token-of-sixteen-chars"},
         "InvalidParameterCombination"),
        ({"UserGroupIds": ["rules-users", "rules-other"], "TransitEncryptionEnabled": True}, "InvalidParameterValue"),
        ({"UserGroupIds": ["no-such-group"], "TransitEncryptionEnabled": True}, "UserGroupNotFound"),
    ]  # fmt: skip
    for extra, code in cases:
        with pytest.raises(ClientError) as error:
            ec.create_replication_group(ReplicationGroupId="rules-rg", **base, **extra)
        assert _code(error) == code, extra
    assert not ec.describe_replication_groups()["ReplicationGroups"] or all(
        g["ReplicationGroupId"] != "rules-rg" for g in ec.describe_replication_groups()["ReplicationGroups"]
    )
    ec.create_replication_group(ReplicationGroupId="rules-plain", **base)
    ec.create_replication_group(ReplicationGroupId="rules-tls", TransitEncryptionEnabled=True,
                                UserGroupIds=["rules-users"], **base)  # fmt: skip
    wait_group(ec, "rules-plain")
    wait_group(ec, "rules-tls")
    modify_cases = [
        ("rules-plain", {"UserGroupIdsToAdd": ["rules-users"]}, "InvalidParameterCombination"),
        ("rules-tls", {"UserGroupIdsToAdd": ["rules-other"]}, "InvalidParameterValue"),  # one group only
        ("rules-tls", {"UserGroupIdsToRemove": ["rules-other"]}, "InvalidParameterValue"),  # not attached
        ("rules-tls", {"UserGroupIdsToAdd": ["nope"]}, "UserGroupNotFound"),
        ("rules-tls", {"AuthToken": "a-token-of-sixteen-chars"}, "InvalidParameterCombination"),
    ]
    for identifier, extra, code in modify_cases:
        with pytest.raises(ClientError) as error:
            ec.modify_replication_group(ReplicationGroupId=identifier, ApplyImmediately=True, **extra)
        assert _code(error) == code, extra
    # From AUTH to RBAC in one call, as AWS's migration guide does it.
    ec.create_replication_group(ReplicationGroupId="rules-auth", TransitEncryptionEnabled=True,
                                AuthToken="a-token-of-sixteen-chars", **base)  # fmt: skip
    wait_group(ec, "rules-auth")
    moved = ec.modify_replication_group(ReplicationGroupId="rules-auth", UserGroupIdsToAdd=["rules-other"],
                                        AuthTokenUpdateStrategy="DELETE", ApplyImmediately=True)["ReplicationGroup"]  # fmt: skip
    assert moved["UserGroupIds"] == ["rules-other"] and moved["AuthTokenEnabled"] is False
    group = wait_group(ec, "rules-auth")
    with pytest.raises(redis.exceptions.AuthenticationError):  # the default user now needs its password
        _node(group["NodeGroups"][0]["PrimaryEndpoint"]).ping()
    assert _node(group["NodeGroups"][0]["PrimaryEndpoint"], "default", ADMIN).ping()
    for identifier in ("rules-plain", "rules-tls", "rules-auth"):
        ec.delete_replication_group(ReplicationGroupId=identifier)


def test_user_group_survives_a_fogbank_restart() -> None:
    top = Path(tempfile.mkdtemp(prefix="fogbank-rg-acl-"))
    top.chmod(0o711)
    config = Config(data_dir=top / "data", port=0, log_requests=False, workers=1)

    def client(fb: Fogbank) -> Any:
        return boto3.client("elasticache", endpoint_url=fb.endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip

    try:
        with Fogbank(config=config) as fb:
            ec = client(fb)
            _users(ec, "kept-users")
            ec.create_replication_group(ReplicationGroupId="rg-kept", ReplicationGroupDescription="d",
                                        Engine="redis", EngineVersion="7.0", CacheNodeType="cache.t3.micro", NumCacheClusters=2,
                                        TransitEncryptionEnabled=True, UserGroupIds=["kept-users"])  # fmt: skip
            wait_group(ec, "rg-kept")
        with Fogbank(config=config) as fb:
            ec = client(fb)
            group = wait_group(ec, "rg-kept")
            for endpoint in _members(group):
                _enforced(endpoint)
            ec.delete_replication_group(ReplicationGroupId="rg-kept")
            deadline = time.monotonic() + 30
            while ec.describe_replication_groups()["ReplicationGroups"]:
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_user_group_is_enforced_after_a_dead_primary_comes_back(ec: Any) -> None:
    _users(ec, "crash-users")
    ec.create_replication_group(ReplicationGroupId="rg-acl-crash", ReplicationGroupDescription="crash",
                                Engine="redis", EngineVersion="7.0", CacheNodeType="cache.t3.micro", NumCacheClusters=2,
                                AutomaticFailoverEnabled=True, TransitEncryptionEnabled=True,
                                UserGroupIds=["crash-users"])  # fmt: skip
    group = wait_group(ec, "rg-acl-crash")
    primary = _node(group["NodeGroups"][0]["PrimaryEndpoint"], "default", ADMIN)
    os.kill(int(primary.info("server")["process_id"]), signal.SIGKILL)
    deadline = time.monotonic() + 20
    while "Finished recovery for cache nodes 0001" not in events(ec, "cache-cluster", "rg-acl-crash-001"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    group = wait_group(ec, "rg-acl-crash")
    roles = {m["CacheClusterId"]: m["CurrentRole"] for m in group["NodeGroups"][0]["NodeGroupMembers"]}
    assert roles == {"rg-acl-crash-001": "replica", "rg-acl-crash-002": "primary"}
    for endpoint in _members(group):  # the restarted node got the ACL from the record
        _enforced(endpoint)
    ec.delete_replication_group(ReplicationGroupId="rg-acl-crash")
