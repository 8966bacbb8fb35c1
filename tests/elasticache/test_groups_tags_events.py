"""Engine versions, parameter groups (applied to running nodes), subnet groups, tags, events."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from botocore.exceptions import ClientError

from tests.elasticache.conftest import wait_status


def test_engine_versions_are_what_is_installed_with_the_serving_binary(ec: Any) -> None:
    versions = ec.describe_cache_engine_versions()["CacheEngineVersions"]
    engines = {v["Engine"] for v in versions}
    assert engines <= {"valkey", "redis", "memcached"} and engines
    for version in versions:
        assert "served by" in version["CacheEngineVersionDescription"]
    valkey8 = ec.describe_cache_engine_versions(CacheParameterGroupFamily="valkey8")["CacheEngineVersions"]
    assert all(v["Engine"] == "valkey" and v["EngineVersion"].startswith("8.") for v in valkey8)
    default_only = ec.describe_cache_engine_versions(DefaultOnly=True)["CacheEngineVersions"]
    assert len(default_only) == len(engines)


def test_engine_defaults_come_from_the_real_engine(ec: Any) -> None:
    params = {p["ParameterName"]: p for p in
              ec.describe_engine_default_parameters(CacheParameterGroupFamily="valkey8")["EngineDefaults"]["Parameters"]}  # fmt: skip
    assert params["maxmemory-policy"]["ParameterValue"] == "volatile-lru"  # ElastiCache's default
    assert params["databases"]["ParameterValue"] == "16" and params["databases"]["ChangeType"] == "requires-reboot"
    assert params["timeout"]["DataType"] == "integer" and params["timeout"]["IsModifiable"]
    memcached = ec.describe_engine_default_parameters(CacheParameterGroupFamily="memcached1.6")["EngineDefaults"]
    names = {p["ParameterName"]: p for p in memcached["Parameters"]}
    assert names["max_item_size"]["ParameterValue"] == "1048576"
    assert names["chunk_size_growth_factor"]["ParameterValue"] == "1.25"


def test_parameter_group_applied_live_to_valkey_and_pending_on_memcached(ec: Any, make_cluster: Any) -> None:
    ec.create_cache_parameter_group(CacheParameterGroupName="tuned", CacheParameterGroupFamily="valkey9",
                                    Description="tuned")  # fmt: skip
    found = make_cluster("tuned-cache", "valkey", EngineVersion="9.1", CacheParameterGroupName="tuned")
    ec.modify_cache_parameter_group(CacheParameterGroupName="tuned", ParameterNameValues=[
        {"ParameterName": "maxmemory-policy", "ParameterValue": "allkeys-lru"}])  # fmt: skip
    node = redis.Redis(port=found["CacheNodes"][0]["Endpoint"]["Port"])
    assert node.config_get("maxmemory-policy")["maxmemory-policy"] == "allkeys-lru"
    shown = {p["ParameterName"]: p for p in ec.describe_cache_parameters(CacheParameterGroupName="tuned")["Parameters"]}
    assert shown["maxmemory-policy"]["Source"] == "user"
    with pytest.raises(ClientError) as error:
        ec.modify_cache_parameter_group(CacheParameterGroupName="tuned", ParameterNameValues=[
            {"ParameterName": "maxmemory-policy", "ParameterValue": "sometimes"}])  # fmt: skip
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as error:
        ec.delete_cache_parameter_group(CacheParameterGroupName="tuned")
    assert error.value.response["Error"]["Code"] == "InvalidCacheParameterGroupState"

    ec.create_cache_parameter_group(CacheParameterGroupName="mc", CacheParameterGroupFamily="memcached1.6",
                                    Description="mc")  # fmt: skip
    make_cluster("mc-cache", "memcached", CacheParameterGroupName="mc")
    ec.modify_cache_parameter_group(CacheParameterGroupName="mc", ParameterNameValues=[
        {"ParameterName": "max_item_size", "ParameterValue": "2097152"}])  # fmt: skip
    found = wait_status(ec, "mc-cache")
    assert found["CacheParameterGroup"]["ParameterApplyStatus"] == "pending-reboot"
    assert found["CacheParameterGroup"]["CacheNodeIdsToReboot"] == ["0001"]
    ec.reboot_cache_cluster(CacheClusterId="mc-cache", CacheNodeIdsToReboot=["0001"])
    assert wait_status(ec, "mc-cache")["CacheParameterGroup"]["ParameterApplyStatus"] == "in-sync"
    ec.reset_cache_parameter_group(CacheParameterGroupName="tuned", ResetAllParameters=True)
    shown = {p["ParameterName"]: p for p in ec.describe_cache_parameters(CacheParameterGroupName="tuned")["Parameters"]}
    assert shown["maxmemory-policy"]["Source"] == "system"
    groups = {g["CacheParameterGroupName"] for g in ec.describe_cache_parameter_groups()["CacheParameterGroups"]}
    assert {"tuned", "mc", "default.valkey8", "default.memcached1.6"} <= groups


def test_subnet_groups(ec: Any) -> None:
    created = ec.create_cache_subnet_group(CacheSubnetGroupName="private", CacheSubnetGroupDescription="p",
                                           SubnetIds=["subnet-0123456789abcdef0"])["CacheSubnetGroup"]  # fmt: skip
    assert created["Subnets"][0]["SubnetIdentifier"] == "subnet-0123456789abcdef0"
    ec.modify_cache_subnet_group(CacheSubnetGroupName="private", CacheSubnetGroupDescription="changed")
    names = {g["CacheSubnetGroupName"]: g for g in ec.describe_cache_subnet_groups()["CacheSubnetGroups"]}
    assert names["private"]["CacheSubnetGroupDescription"] == "changed" and "default" in names
    for call, params, code in [
        (ec.create_cache_subnet_group, {"CacheSubnetGroupName": "private", "CacheSubnetGroupDescription": "p",
                                         "SubnetIds": ["subnet-0123456789abcdef0"]}, "CacheSubnetGroupAlreadyExists"),
        (ec.create_cache_subnet_group, {"CacheSubnetGroupName": "bad", "CacheSubnetGroupDescription": "p",
                                         "SubnetIds": ["nope"]}, "InvalidSubnet"),
        (ec.describe_cache_subnet_groups, {"CacheSubnetGroupName": "missing"}, "CacheSubnetGroupNotFoundFault"),
    ]:  # fmt: skip
        with pytest.raises(ClientError) as error:
            call(**params)
        assert error.value.response["Error"]["Code"] == code
    ec.delete_cache_subnet_group(CacheSubnetGroupName="private")


def test_tags_by_arn(ec: Any, make_cluster: Any) -> None:
    arn = make_cluster("tagged", "memcached")["ARN"]
    ec.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "dev"}])
    ec.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "team", "Value": "b"}])
    assert ec.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "team", "Value": "b"},
                                                                      {"Key": "env", "Value": "dev"}]  # fmt: skip
    ec.remove_tags_from_resource(ResourceName=arn, TagKeys=["team"])
    assert ec.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "env", "Value": "dev"}]
    for name, code in [("not-an-arn", "InvalidARN"),
                       (arn.replace("tagged", "missing"), "CacheClusterNotFound")]:  # fmt: skip
        with pytest.raises(ClientError) as error:
            ec.list_tags_for_resource(ResourceName=name)
        assert error.value.response["Error"]["Code"] == code
    with pytest.raises(ClientError) as error:
        ec.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": f"k{i}", "Value": ""} for i in range(50)])
    assert error.value.response["Error"]["Code"] == "TagQuotaPerResourceExceeded"


def test_events_filters(ec: Any, make_cluster: Any) -> None:
    make_cluster("evented", "valkey", EngineVersion="8.0")
    events = ec.describe_events(SourceType="cache-cluster", SourceIdentifier="evented")["Events"]
    messages = [e["Message"] for e in events]
    assert "Cache cluster created" in messages
    assert any("served by Valkey" in m for m in messages)  # which binary serves 8.0
    assert ec.describe_events(SourceType="cache-subnet-group")["Events"] == []
    with pytest.raises(ClientError) as error:
        ec.describe_events(SourceIdentifier="evented")
    assert error.value.response["Error"]["Code"] == "InvalidParameterCombination"
