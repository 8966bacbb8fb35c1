"""Bad input gets ElastiCache's error codes (never a 500)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from fogbank.server import Fogbank


def _error(call: Any, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call(**params)
    error = info.value.response
    return error["Error"]["Code"], error["Error"]["Message"], error["ResponseMetadata"]["HTTPStatusCode"]


def test_identifier_and_lookup_errors(ec: Any) -> None:
    """Recorded from AWS (the SDKs' feature tests): an underscore is not a valid identifier."""
    code, message, status = _error(ec.describe_cache_clusters, CacheClusterId="fake_cluster")
    assert (code, status) == ("InvalidParameterValue", 400)
    assert message.startswith("The parameter CacheClusterIdentifier is not a valid identifier.")
    assert _error(ec.describe_cache_clusters, CacheClusterId="nope")[:2] == (
        "CacheClusterNotFound", "CacheCluster not found: nope")  # fmt: skip
    assert _error(ec.delete_cache_cluster, CacheClusterId="nope")[0] == "CacheClusterNotFound"


def test_create_checks(ec: Any, make_cluster: Any) -> None:
    base = {"CacheClusterId": "c1", "CacheNodeType": "cache.t3.micro", "NumCacheNodes": 1}
    assert _error(ec.create_cache_cluster, **base, Engine="mongodb")[0] == "InvalidParameterValue"
    assert _error(ec.create_cache_cluster, **{**base, "CacheNodeType": "cache.x9.huge"}, Engine="valkey")[0] == (
        "InvalidParameterValue")  # fmt: skip
    assert _error(ec.create_cache_cluster, **{**base, "NumCacheNodes": 2}, Engine="redis")[:2] == (
        "InvalidParameterValue", "Cannot create a Redis cluster with a NumCacheNodes parameter greater than 1.")  # fmt: skip
    assert _error(ec.create_cache_cluster, **{**base, "NumCacheNodes": 41}, Engine="memcached")[0] == (
        "NodeQuotaForClusterExceeded")  # fmt: skip
    assert _error(ec.create_cache_cluster, **base, Engine="valkey", AuthToken="a-long-token-0123456789")[0] == (
        "InvalidParameterCombination")  # TransitEncryptionEnabled is required with AuthToken  # fmt: skip
    assert _error(ec.create_cache_cluster, **base, Engine="valkey", EngineVersion="3.0")[:2] == (
        "InvalidParameterCombination", "Cannot find version 3.0 for valkey")  # fmt: skip
    assert _error(ec.create_cache_cluster, **base, Engine="valkey", CacheParameterGroupName="nope")[0] == (
        "CacheParameterGroupNotFound")  # fmt: skip
    assert _error(ec.create_cache_cluster, **base, Engine="valkey", CacheParameterGroupName="default.memcached1.6")[
        0] == "InvalidParameterCombination"  # fmt: skip
    assert _error(ec.create_cache_cluster, **base, Engine="valkey", SnapshotName="s1")[0] == "SnapshotNotFoundFault"
    make_cluster("c1", "valkey")
    assert _error(ec.create_cache_cluster, **base, Engine="valkey")[:2] == (
        "CacheClusterAlreadyExists", "Cache cluster c1 already exists.")  # fmt: skip


def test_state_and_modify_checks(ec: Any, make_cluster: Any) -> None:
    make_cluster("m1", "memcached", nodes=2)
    assert _error(ec.modify_cache_cluster, CacheClusterId="m1", NumCacheNodes=1)[0] == "InvalidParameterValue"
    assert _error(ec.modify_cache_cluster, CacheClusterId="m1", NumCacheNodes=1, CacheNodeIdsToRemove=["0009"])[
        0] == "InvalidParameterValue"  # fmt: skip
    assert _error(ec.modify_cache_cluster, CacheClusterId="m1", CacheNodeType="cache.m5.large")[0] == (
        "InvalidParameterCombination")  # fmt: skip
    assert _error(ec.reboot_cache_cluster, CacheClusterId="m1", CacheNodeIdsToReboot=["0007"])[0] == (
        "InvalidParameterValue")  # fmt: skip
    ec.delete_cache_cluster(CacheClusterId="m1")
    status = ec.describe_cache_clusters()["CacheClusters"]
    if status:  # still deleting: every other operation is refused
        assert _error(ec.reboot_cache_cluster, CacheClusterId="m1", CacheNodeIdsToReboot=["0001"])[0] in (
            "InvalidCacheClusterState", "CacheClusterNotFound")  # fmt: skip


def test_paging_limits(ec: Any) -> None:
    for size in (19, 101):
        assert _error(ec.describe_cache_clusters, MaxRecords=size)[0] == "InvalidParameterValue"
    assert _error(ec.describe_cache_clusters, Marker="!!")[0] == "InvalidParameterValue"
    versions = ec.describe_cache_engine_versions(MaxRecords=20)
    rest = ec.describe_cache_engine_versions(MaxRecords=20, Marker=versions["Marker"]) if versions.get("Marker") else {}
    seen = versions["CacheEngineVersions"] + rest.get("CacheEngineVersions", [])
    assert len({(v["Engine"], v["EngineVersion"]) for v in seen}) == len(seen)


def test_messages_recorded_from_aws(ec: Any, make_cluster: Any) -> None:
    """Each message here was answered by AWS (quoted in SDK users' reports; docs/elasticache.md lists them),
    with the HTTP status of botocore's error shapes."""
    base = {"CacheClusterId": "rec", "CacheNodeType": "cache.t3.micro", "NumCacheNodes": 1}
    assert _error(ec.create_cache_cluster, **base, Engine="redis", EngineVersion="7.0.7") == (
        "InvalidParameterValue", "Specific version selection is not allowed for '7.0.7', please use '7.0'", 400)  # fmt: skip
    assert _error(ec.create_cache_cluster, **base, Engine="redis", EngineVersion="7.0",
                  CacheParameterGroupName="default.redis6.x") == (
        "InvalidParameterCombination", "Expected a parameter group of family redis7 but found one of family redis6.x",
        400)  # fmt: skip
    assert _error(ec.create_cache_cluster, **base, Engine="memcached", AZMode="cross-az") == (
        "InvalidParameterCombination", "Must specify at least two cache nodes in order to specify AZ Mode of "
        "'cross-az'.", 400)  # fmt: skip
    assert _error(ec.create_cache_cluster, **base, Engine="valkey", SnapshotWindow="05:00-05:30") == (
        "InvalidParameterValue", "Snapshot window must be at least 60 minutes.", 400)  # fmt: skip
    assert _error(ec.create_replication_group, ReplicationGroupId="rec-rg", ReplicationGroupDescription="d",
                  Engine="valkey", CacheNodeType="cache.t3.micro", NumCacheClusters=1,
                  AutomaticFailoverEnabled=True) == (
        "InvalidParameterCombination", "When using automatic failover, there must be at least 2 cache clusters in "
        "the replication group.", 400)  # fmt: skip
    assert _error(ec.describe_cache_clusters, CacheClusterId="nope")[2] == 404
    assert _error(ec.describe_replication_groups, ReplicationGroupId="nope")[0::2] == (
        "ReplicationGroupNotFoundFault", 404)  # fmt: skip
    assert _error(ec.describe_cache_parameters, CacheParameterGroupName="nope")[0::2] == (
        "CacheParameterGroupNotFound", 404)  # fmt: skip
    assert _error(ec.describe_cache_subnet_groups, CacheSubnetGroupName="nope")[0::2] == (
        "CacheSubnetGroupNotFoundFault", 400)  # fmt: skip
    assert _error(ec.create_cache_cluster, **base, Engine="valkey", CacheParameterGroupName="default.valkey8.cluster.on",
                  EngineVersion="8.0") == (
        "InvalidParameterCombination", "Cluster mode should be disabled in parameter group, but found it is enabled.",
        400)  # fmt: skip
    assert _error(ec.create_cache_cluster, CacheClusterId="rec", Engine="valkey", NumCacheNodes=1)[:2] == (
        "InvalidParameterValue", "The parameter CacheNodeType must be provided and must not be null.")  # fmt: skip
    make_cluster("rec-mc", "memcached")
    assert _error(ec.modify_cache_cluster, CacheClusterId="rec-mc", CacheNodeType="cache.m5.large") == (
        "InvalidParameterCombination", "Scaling is not supported for engine memcached", 400)  # fmt: skip


def test_bad_types_and_values_never_answer_500(fogbank_endpoint: str) -> None:
    """Raw query requests with wrong types, missing members and out-of-range values: each one is
    a 4xx with an AWS error code, never an internal error."""
    auth = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/elasticache/aws4_request, "
            "SignedHeaders=host, Signature=x", "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip
    cluster = "Action=CreateCacheCluster&CacheClusterId=fz&Engine=valkey&CacheNodeType=cache.t3.micro"
    bodies = [
        f"{cluster}&NumCacheNodes=abc", f"{cluster}&Tags.Tag.1.Key=", f"{cluster}&Port=99999999999",
        f"{cluster}&PreferredMaintenanceWindow=sun:99:00-mon:00:00", f"{cluster}&SnapshotRetentionLimit=-1",
        f"{cluster}&EngineVersion=", f"{cluster}&AZMode=nowhere", f"{cluster}&SnapshotWindow=x",
        "Action=ModifyCacheCluster&CacheClusterId=fz&ApplyImmediately=maybe",
        "Action=ModifyCacheCluster&CacheClusterId=missing&EngineVersion=9.1",
        "Action=ModifyReplicationGroup&ReplicationGroupId=missing&EngineVersion=abc",
        "Action=ModifyCacheParameterGroup&CacheParameterGroupName=x&ParameterNameValues.ParameterNameValue.1=abc",
        "Action=DescribeEvents&StartTime=notatime", "Action=DescribeEvents&Duration=99999999999999",
        "Action=DescribeEvents&Duration=-5", "Action=DescribeCacheClusters&MaxRecords=1e3",
        "Action=DescribeCacheClusters&MaxRecords=5", "Action=DescribeCacheClusters&Marker=%00%ff",
        "Action=CreateReplicationGroup&ReplicationGroupId=g&ReplicationGroupDescription=d&CacheNodeType=cache.t3.micro"
        "&NodeGroupConfiguration.NodeGroupConfiguration.1.Slots=abc&NumNodeGroups=2",
        "Action=IncreaseReplicaCount&ReplicationGroupId=g&ApplyImmediately=true",
        "Action=TestFailover&ReplicationGroupId=g&NodeGroupId=",
        "Action=CreateSnapshot&SnapshotName=&CacheClusterId=fz", "Action=ListTagsForResource&ResourceName=",
        "Action=CreateCacheSubnetGroup&CacheSubnetGroupName=s&CacheSubnetGroupDescription=d",
        "Action=CreateServerlessCache&ServerlessCacheName=s&Engine=valkey&CacheUsageLimits.DataStorage.Maximum=-1"
        "&CacheUsageLimits.DataStorage.Unit=GB",
    ]  # fmt: skip
    for body in bodies:
        answer = requests.post(fogbank_endpoint, data=f"{body}&Version=2015-02-02", headers=auth, timeout=30)
        assert 400 <= answer.status_code < 500 and "<Code>" in answer.text, (body, answer.status_code, answer.text)
        assert "InternalFailure" not in answer.text, body


def test_a_member_cluster_is_deleted_through_its_group(ec: Any) -> None:
    """Recorded from AWS: DeleteCacheCluster on a group's only member, or on its only replica with
    automatic failover."""
    ec.create_replication_group(ReplicationGroupId="solo", ReplicationGroupDescription="d", Engine="valkey",
                                CacheNodeType="cache.t3.micro", NumCacheClusters=1)  # fmt: skip
    assert _error(ec.delete_cache_cluster, CacheClusterId="solo-001") == (
        "InvalidCacheClusterState", "Cannot delete the cache cluster since it is the only member of a replication "
        "group. Delete the replication group instead.", 400)  # fmt: skip
    ec.create_replication_group(ReplicationGroupId="pair", ReplicationGroupDescription="d", Engine="valkey",
                                CacheNodeType="cache.t3.micro", NumCacheClusters=2, AutomaticFailoverEnabled=True)  # fmt: skip
    code, message, _ = _error(ec.delete_cache_cluster, CacheClusterId="pair-002")
    assert code == "InvalidCacheClusterState" and message.startswith("Cannot delete the cache cluster because it is "
                                                                      "the only read replica for replication group pair")  # fmt: skip


def test_a_replication_group_in_another_state_and_its_tags() -> None:
    """Recorded from AWS: a Modify while the group is not available; tags by the group's ARN. (An own
    Fogbank whose calls do not wait for their engine work, so that the group is still creating.)"""
    with Fogbank(port=0, ephemeral=True, grace=0) as fb:
        ec = boto3.client("elasticache", endpoint_url=fb.endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test",
                          config=BotoConfig(retries={"max_attempts": 1}))  # fmt: skip
        made = ec.create_replication_group(ReplicationGroupId="busy", ReplicationGroupDescription="d",
                                           Engine="valkey", CacheNodeType="cache.t3.micro", NumCacheClusters=2,
                                           Tags=[{"Key": "team", "Value": "a"}])["ReplicationGroup"]  # fmt: skip
        assert made["Status"] == "creating"
        assert _error(ec.modify_replication_group, ReplicationGroupId="busy", CacheNodeType="cache.t3.small",
                      ApplyImmediately=True) == (
            "InvalidReplicationGroupState", "Replication group must be in available state to modify.", 400)  # fmt: skip
        assert ec.list_tags_for_resource(ResourceName=made["ARN"])["TagList"] == [{"Key": "team", "Value": "a"}]
        ec.add_tags_to_resource(ResourceName=made["ARN"], Tags=[{"Key": "env", "Value": "dev"}])
        assert len(ec.list_tags_for_resource(ResourceName=made["ARN"])["TagList"]) == 2


def test_replica_counts_need_apply_immediately(ec: Any) -> None:
    """The API reference: "ApplyImmediately=False is not currently supported" (wording of the message ours)."""
    for call in (ec.increase_replica_count, ec.decrease_replica_count):
        assert _error(call, ReplicationGroupId="nope", NewReplicaCount=1, ApplyImmediately=False)[0] == (
            "InvalidParameterValue")  # fmt: skip
