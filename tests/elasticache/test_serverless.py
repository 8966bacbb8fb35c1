"""Serverless caches through boto3 and redis-py: TLS only with Fogbank's CA, a cluster-mode
endpoint, user groups as real ACLs, usage limits, snapshots, and AWS's errors."""

from __future__ import annotations

import ssl
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from botocore.exceptions import ClientError
from redis.cluster import RedisCluster


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return error.value.response["Error"]["Code"]


def wait_cache(ec: Any, name: str, status: str = "available", timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = ec.describe_serverless_caches(ServerlessCacheName=name)["ServerlessCaches"][0]
        if found["Status"] == status:
            return found
        assert found["Status"] != "create-failed", found
        assert time.monotonic() < deadline, f"{name} still {found['Status']}"
        time.sleep(0.05)


def ca_file(ec: Any, name: str) -> str:
    """The CA's path, as the creation event says it (docs/elasticache.md)."""
    events = ec.describe_events(SourceType="serverless-cache", SourceIdentifier=name, Duration=60)["Events"]
    message = next(e["Message"] for e in events if "certificate authority in" in e["Message"])
    path = message.rsplit("certificate authority in ", 1)[1]
    assert Path(path).is_file()
    return path


def test_serverless_cache_is_a_tls_cluster_endpoint(ec: Any) -> None:
    made = ec.create_serverless_cache(ServerlessCacheName="sessions", Engine="valkey", MajorEngineVersion="8",
                                      CacheUsageLimits={"DataStorage": {"Maximum": 2, "Unit": "GB"},
                                                        "ECPUPerSecond": {"Maximum": 5000}},
                                      SecurityGroupIds=["sg-1"], SnapshotRetentionLimit=1,
                                      DailySnapshotTime="04:00")["ServerlessCache"]  # fmt: skip
    assert made["Status"] in ("creating", "available") and made["ARN"].endswith(":serverlesscache:sessions")
    found = wait_cache(ec, "sessions")
    assert found["FullEngineVersion"].startswith("8.") and found["MajorEngineVersion"] == "8"
    assert found["CacheUsageLimits"]["DataStorage"] == {"Maximum": 2, "Unit": "GB"}
    assert found["SecurityGroupIds"] == ["sg-1"] and found["DailySnapshotTime"] == "04:00"
    endpoint, reader = found["Endpoint"], found["ReaderEndpoint"]
    assert endpoint["Port"] != reader["Port"]
    ca = ca_file(ec, "sessions")
    cluster = RedisCluster(host=endpoint["Address"], port=endpoint["Port"], ssl=True, ssl_ca_certs=ca)
    for i in range(50):
        cluster.set(f"user:{i}", i)
    assert cluster.get("user:42") == b"42"
    nodes = cluster.get_nodes()
    assert [(n.host, n.port) for n in nodes] == [(endpoint["Address"], endpoint["Port"])]
    cluster.close()
    plain = redis.Redis(host=endpoint["Address"], port=endpoint["Port"], socket_timeout=2)
    with pytest.raises(redis.ConnectionError):
        plain.ping()  # TLS only
    untrusted = redis.Redis(host=endpoint["Address"], port=endpoint["Port"], ssl=True, ssl_cert_reqs="required")
    with pytest.raises(redis.ConnectionError):
        untrusted.ping()  # Fogbank's own CA, not the system's
    through_reader = redis.Redis(host=reader["Address"], port=reader["Port"], ssl=True, ssl_ca_certs=ca)
    assert through_reader.get("user:7") == b"7"
    context = ssl.create_default_context(cafile=ca)
    admin = redis.Redis(host="127.0.0.1", port=endpoint["Port"], ssl=True, ssl_ca_certs=ca)
    assert context is not None and int(admin.config_get("maxmemory")["maxmemory"]) == 2 * 1024**3
    ec.modify_serverless_cache(ServerlessCacheName="sessions",
                               CacheUsageLimits={"DataStorage": {"Maximum": 3, "Unit": "GB"}})  # fmt: skip
    wait_cache(ec, "sessions")
    assert int(admin.config_get("maxmemory")["maxmemory"]) == 3 * 1024**3

    ec.create_serverless_cache_snapshot(ServerlessCacheSnapshotName="sessions-1", ServerlessCacheName="sessions")
    deadline = time.monotonic() + 30
    while True:
        snap = ec.describe_serverless_cache_snapshots(ServerlessCacheSnapshotName="sessions-1")[
            "ServerlessCacheSnapshots"][0]  # fmt: skip
        if snap["Status"] == "available":
            break
        assert snap["Status"] == "creating" and time.monotonic() < deadline
        time.sleep(0.05)
    assert snap["ServerlessCacheConfiguration"]["ServerlessCacheName"] == "sessions"
    assert int(snap["BytesUsedForCache"]) > 0
    with pytest.raises(ClientError) as error:
        ec.export_serverless_cache_snapshot(ServerlessCacheSnapshotName="sessions-1", S3BucketName="b")
    assert _code(error) == "InvalidParameterValue"
    # A copy is the same RDB: the cache restored below comes from the copy.
    copied = ec.copy_serverless_cache_snapshot(SourceServerlessCacheSnapshotName="sessions-1",
                                               TargetServerlessCacheSnapshotName="sessions-copy")  # fmt: skip
    assert copied["ServerlessCacheSnapshot"]["ARN"].endswith(":serverlesscachesnapshot:sessions-copy")
    with pytest.raises(ClientError) as error:
        ec.copy_serverless_cache_snapshot(SourceServerlessCacheSnapshotName="sessions-1",
                                          TargetServerlessCacheSnapshotName="sessions-copy")  # fmt: skip
    assert _code(error) == "ServerlessCacheSnapshotAlreadyExistsFault"
    deadline = time.monotonic() + 30
    while (copy := ec.describe_serverless_cache_snapshots(ServerlessCacheSnapshotName="sessions-copy")[
            "ServerlessCacheSnapshots"][0])["Status"] != "available":  # fmt: skip
        assert copy["Status"] == "creating" and time.monotonic() < deadline
        time.sleep(0.05)
    assert copy["ServerlessCacheConfiguration"] == snap["ServerlessCacheConfiguration"]
    ec.create_serverless_cache(ServerlessCacheName="sessions-back", Engine="valkey", MajorEngineVersion="8",
                               SnapshotArnsToRestore=[copy["ARN"]])  # fmt: skip
    back = wait_cache(ec, "sessions-back")["Endpoint"]
    restored = RedisCluster(host=back["Address"], port=back["Port"], ssl=True, ssl_ca_certs=ca)
    assert restored.get("user:42") == b"42"
    restored.close()
    ec.delete_serverless_cache(ServerlessCacheName="sessions", FinalSnapshotName="sessions-final")
    deadline = time.monotonic() + 30
    while ec.describe_serverless_caches()["ServerlessCaches"] != [] and len(
        ec.describe_serverless_caches()["ServerlessCaches"]) > 1:  # fmt: skip
        assert time.monotonic() < deadline
        time.sleep(0.1)
    names = {s["ServerlessCacheSnapshotName"] for s in ec.describe_serverless_cache_snapshots()[
        "ServerlessCacheSnapshots"]}  # fmt: skip
    assert names == {"sessions-1", "sessions-copy", "sessions-final"}


def test_user_groups_are_real_acls_on_the_nodes(ec: Any) -> None:
    defaults = ec.describe_users(UserId="default")["Users"][0]
    assert defaults["AccessString"] == "on ~* +@all" and defaults["Authentication"]["Type"] == "no-password"
    ec.create_user(UserId="app-default", UserName="default", Engine="valkey", AccessString="on ~* +@all",
                   Passwords=["default-password-123"])  # fmt: skip
    made = ec.create_user(UserId="reader", UserName="reader", Engine="valkey", AccessString="on ~app:* +get",
                          Passwords=["reader-password-123"])  # fmt: skip
    assert made["Authentication"] == {"Type": "password", "PasswordCount": 1} and made["Status"] == "active"
    group = ec.create_user_group(UserGroupId="apps", Engine="valkey", UserIds=["app-default", "reader"])
    assert group["UserIds"] == ["app-default", "reader"]
    ec.create_serverless_cache(ServerlessCacheName="guarded", Engine="valkey", UserGroupId="apps")
    found = wait_cache(ec, "guarded")
    assert found["UserGroupId"] == "apps"
    assert ec.describe_user_groups(UserGroupId="apps")["UserGroups"][0]["ServerlessCaches"] == ["guarded"]
    assert ec.describe_users(UserId="reader")["Users"][0]["UserGroupIds"] == ["apps"]
    ca, port = ca_file(ec, "guarded"), found["Endpoint"]["Port"]

    def login(user: str | None, password: str | None) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=ca, username=user, password=password)

    writer = login("default", "default-password-123")
    writer.set("app:x", "1")
    writer.set("other", "2")
    with pytest.raises(redis.AuthenticationError):
        login(None, None).get("app:x")  # the group's default user has a password
    reader = login("reader", "reader-password-123")
    assert reader.get("app:x") == b"1"
    with pytest.raises(redis.exceptions.NoPermissionError):
        reader.set("app:x", "changed")
    with pytest.raises(redis.exceptions.NoPermissionError):
        reader.get("other")
    # A change to the user reaches the node at once.
    ec.modify_user(UserId="reader", AppendAccessString="+set")
    reader = login("reader", "reader-password-123")
    reader.set("app:x", "changed")
    assert writer.get("app:x") == b"changed"
    ec.modify_user(UserId="reader", Passwords=["a-new-password-4567"])
    with pytest.raises(redis.AuthenticationError):
        login("reader", "reader-password-123").ping()
    assert login("reader", "a-new-password-4567").get("app:x") == b"changed"
    # Removing the user from the group removes it from the node.
    ec.modify_user_group(UserGroupId="apps", UserIdsToRemove=["reader"])
    with pytest.raises(redis.AuthenticationError):
        login("reader", "a-new-password-4567").ping()
    with pytest.raises(ClientError) as error:
        ec.delete_user_group(UserGroupId="apps")
    assert _code(error) == "InvalidUserGroupState"
    ec.modify_serverless_cache(ServerlessCacheName="guarded", RemoveUserGroup=True)
    wait_cache(ec, "guarded")
    assert login(None, None).get("other") == b"2"  # no group: the default user needs no password, as on AWS
    ec.delete_user_group(UserGroupId="apps")


def test_user_and_group_errors(ec: Any) -> None:
    ec.create_user(UserId="u1", UserName="u1", Engine="redis", AccessString="on ~* +@read", NoPasswordRequired=True)
    ec.create_user(UserId="u1-twin", UserName="u1", Engine="redis", AccessString="on ~*", NoPasswordRequired=True)
    ec.create_user(UserId="newdefault", UserName="default", Engine="redis", AccessString="on ~* +@all",
                   NoPasswordRequired=True)  # fmt: skip
    base = {"Engine": "redis", "AccessString": "on ~* +@all", "NoPasswordRequired": True}
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("create_user", {"UserId": "u1", "UserName": "x", **base}, "UserAlreadyExists"),
        ("create_user", {"UserId": "bad id", "UserName": "x", **base}, "InvalidParameterValue"),
        ("create_user", {"UserId": "u2", "UserName": "x", **base, "Engine": "memcached"}, "InvalidParameterValue"),
        ("create_user", {"UserId": "u2", "UserName": "x", **{**base, "AccessString": "on >secret"}},
         "InvalidParameterValue"),
        ("create_user", {"UserId": "u2", "UserName": "x", **{**base, "AccessString": "on +@nonsense"}},
         "InvalidParameterValue"),
        ("create_user", {"UserId": "u2", "UserName": "x", "Engine": "redis", "AccessString": "on"},
         "InvalidParameterCombination"),
        ("create_user", {"UserId": "u2", "UserName": "x", **base, "Passwords": ["p" * 20]},
         "InvalidParameterCombination"),
        ("create_user", {"UserId": "u2", "UserName": "x", "Engine": "redis", "AccessString": "on",
                         "Passwords": ["short"]}, "InvalidParameterValue"),
        ("create_user", {"UserId": "u2", "UserName": "x", "Engine": "redis", "AccessString": "on",
                         "AuthenticationMode": {"Type": "iam"}}, "InvalidParameterValue"),
        ("modify_user", {"UserId": "nobody", "AccessString": "on"}, "UserNotFound"),
        ("modify_user", {"UserId": "default", "AccessString": "off"}, "InvalidParameterValue"),
        ("delete_user", {"UserId": "nobody"}, "UserNotFound"),
        ("delete_user", {"UserId": "default"}, "InvalidParameterValue"),
        ("describe_users", {"UserId": "nobody"}, "UserNotFound"),
        ("create_user_group", {"UserGroupId": "g", "Engine": "redis", "UserIds": ["u1"]}, "DefaultUserRequired"),
        ("create_user_group", {"UserGroupId": "g", "Engine": "redis", "UserIds": ["default", "nobody"]}, "UserNotFound"),
        ("create_user_group", {"UserGroupId": "g", "Engine": "redis", "UserIds": ["default", "u1", "u1-twin"]},
         "DuplicateUserName"),
        ("create_user_group", {"UserGroupId": "g", "Engine": "redis", "UserIds": ["default", "newdefault"]},
         "DuplicateUserName"),
        ("modify_user_group", {"UserGroupId": "nope"}, "UserGroupNotFound"),
        ("delete_user_group", {"UserGroupId": "nope"}, "UserGroupNotFound"),
        ("describe_user_groups", {"UserGroupId": "nope"}, "UserGroupNotFound"),
        ("create_serverless_cache", {"ServerlessCacheName": "s", "Engine": "memcached"}, "InvalidParameterValue"),
        ("create_serverless_cache", {"ServerlessCacheName": "s", "Engine": "valkey", "UserGroupId": "nope"},
         "UserGroupNotFound"),
        ("create_serverless_cache", {"ServerlessCacheName": "s", "Engine": "valkey",
                                     "CacheUsageLimits": {"DataStorage": {"Maximum": 9000, "Unit": "GB"}}},
         "InvalidParameterValue"),
        ("create_serverless_cache", {"ServerlessCacheName": "s", "Engine": "valkey", "MajorEngineVersion": "3"},
         "InvalidParameterValue"),
        ("create_serverless_cache", {"ServerlessCacheName": "-s", "Engine": "valkey"}, "InvalidParameterValue"),
        ("create_serverless_cache", {"ServerlessCacheName": "s", "Engine": "valkey", "DailySnapshotTime": "25:00"},
         "InvalidParameterValue"),
        ("create_serverless_cache", {"ServerlessCacheName": "s", "Engine": "valkey",
                                     "SnapshotArnsToRestore": ["arn:aws:elasticache:us-east-1:000000000000:snapshot:x"]},
         "InvalidParameterValue"),
        ("describe_serverless_caches", {"ServerlessCacheName": "nope"}, "ServerlessCacheNotFoundFault"),
        ("describe_serverless_caches", {"MaxResults": 0}, "InvalidParameterValue"),
        ("modify_serverless_cache", {"ServerlessCacheName": "nope"}, "ServerlessCacheNotFoundFault"),
        ("delete_serverless_cache", {"ServerlessCacheName": "nope"}, "ServerlessCacheNotFoundFault"),
        ("create_serverless_cache_snapshot", {"ServerlessCacheName": "nope", "ServerlessCacheSnapshotName": "x"},
         "ServerlessCacheNotFoundFault"),
        ("delete_serverless_cache_snapshot", {"ServerlessCacheSnapshotName": "nope"},
         "ServerlessCacheSnapshotNotFoundFault"),
        ("describe_serverless_cache_snapshots", {"SnapshotType": "odd"}, "InvalidParameterValue"),
    ]  # fmt: skip
    for operation, params, code in cases:
        with pytest.raises(ClientError) as error:
            getattr(ec, operation)(**params)
        assert _code(error) == code, (operation, params, error.value.response["Error"])
    ec.create_user_group(UserGroupId="g", Engine="redis", UserIds=["default", "u1"])
    for operation, params, code in [
        ("create_user_group", {"UserGroupId": "g", "Engine": "redis", "UserIds": ["default"]}, "UserGroupAlreadyExists"),
        ("modify_user_group", {"UserGroupId": "g", "UserIdsToRemove": ["default"]}, "DefaultUserRequired"),
        ("modify_user_group", {"UserGroupId": "g", "UserIdsToAdd": ["u1-twin"]}, "DuplicateUserName"),
        ("delete_user", {"UserId": "newdefault"}, None),
    ]:  # fmt: skip
        if code is None:
            getattr(ec, operation)(**params)
            continue
        with pytest.raises(ClientError) as error:
            getattr(ec, operation)(**params)
        assert _code(error) == code, (operation, params, error.value.response["Error"])
    ec.delete_user(UserId="u1")  # a member: it leaves the group
    assert ec.describe_user_groups(UserGroupId="g")["UserGroups"][0]["UserIds"] == ["default"]
    pages = ec.describe_users(Filters=[{"Name": "user-id", "Values": ["u1-twin", "default"]}])["Users"]
    assert sorted(u["UserId"] for u in pages) == ["default", "u1-twin"]


def test_tags_on_users_groups_and_serverless_caches(ec: Any) -> None:
    arn = ec.create_user(UserId="tagged", UserName="tagged", Engine="valkey", AccessString="on ~* +@read",
                         NoPasswordRequired=True, Tags=[{"Key": "team", "Value": "a"}])["ARN"]  # fmt: skip
    assert ec.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "team", "Value": "a"}]
    group_arn = ec.create_user_group(UserGroupId="tagged-group", Engine="valkey", UserIds=["default"])["ARN"]
    ec.add_tags_to_resource(ResourceName=group_arn, Tags=[{"Key": "k", "Value": "v"}])
    assert ec.list_tags_for_resource(ResourceName=group_arn)["TagList"] == [{"Key": "k", "Value": "v"}]
    with pytest.raises(ClientError) as error:
        ec.list_tags_for_resource(ResourceName=group_arn.replace("tagged-group", "missing"))
    assert _code(error) == "UserGroupNotFound"


def test_an_endpoint_port_taken_meanwhile_moves_and_clients_are_sent_there(
    ec: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program binds the endpoint's port between Fogbank's choice and its listen (seen when two
    Fogbanks shared the engine port range): the endpoint moves, and the node announces the new port, so
    a cluster client is not redirected to the old one."""
    from fogbank.services.elasticache import tls

    real, taken = tls.Terminators.serve, []

    def serve(self: Any, key: str, port: int, upstream: int, context: Any) -> None:
        if not taken:
            taken.append(port)
            raise OSError(98, "error while attempting to bind: address already in use")
        real(self, key, port, upstream, context)

    monkeypatch.setattr(tls.Terminators, "serve", serve)
    ec.create_serverless_cache(ServerlessCacheName="moved", Engine="valkey")
    endpoint = wait_cache(ec, "moved")["Endpoint"]
    assert taken and endpoint["Port"] != taken[0]
    cluster = RedisCluster(host=endpoint["Address"], port=endpoint["Port"], ssl=True, ssl_ca_certs=ca_file(ec, "moved"))
    cluster.set("k", "v")
    assert cluster.get("k") == b"v"
    assert [(n.host, n.port) for n in cluster.get_nodes()] == [(endpoint["Address"], endpoint["Port"])]
    cluster.close()
