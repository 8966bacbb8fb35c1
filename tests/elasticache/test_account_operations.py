"""ElastiCache operations about the account rather than a cache, through boto3: the node types a cache can be
scaled to, the VPC-only account's refusal of cache security groups (AWS's words), and service updates and
reserved nodes, of which a local Fogbank has none (each Describe answers an empty page; naming one answers
AWS's not-found error)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.elasticache.conftest import wait_status


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = error.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_allowed_node_type_modifications(ec: Any) -> None:
    ec.create_cache_cluster(CacheClusterId="sized", Engine="valkey", CacheNodeType="cache.m5.large", NumCacheNodes=1)
    allowed = ec.list_allowed_node_type_modifications(CacheClusterId="sized")
    assert "cache.r6g.large" in allowed["ScaleUpModifications"]
    assert "cache.t3.micro" in allowed["ScaleDownModifications"]
    assert "cache.m5.large" not in allowed["ScaleUpModifications"] + allowed["ScaleDownModifications"]
    assert "cache.m1.small" not in allowed["ScaleDownModifications"]  # previous generation: not offered
    wait_status(ec, "sized")
    # A type from the list is one ModifyCacheCluster takes.
    ec.modify_cache_cluster(CacheClusterId="sized", CacheNodeType=allowed["ScaleUpModifications"][0],
                            ApplyImmediately=True)  # fmt: skip
    with pytest.raises(ClientError) as missing:
        ec.list_allowed_node_type_modifications(CacheClusterId="absent")
    assert _error(missing)[0] == "CacheClusterNotFound"
    with pytest.raises(ClientError) as neither:
        ec.list_allowed_node_type_modifications()
    assert _error(neither)[0] == "InvalidParameterCombination"
    with pytest.raises(ClientError) as group:
        ec.list_allowed_node_type_modifications(ReplicationGroupId="absent")
    assert _error(group)[0] == "ReplicationGroupNotFoundFault"


def test_cache_security_groups_are_refused_as_in_a_vpc_only_account(ec: Any) -> None:
    message = "Use of cache security groups is not permitted in this API version for your account."
    for call, params in [
        (ec.create_cache_security_group, {"CacheSecurityGroupName": "web", "Description": "d"}),
        (ec.describe_cache_security_groups, {}),
        (ec.delete_cache_security_group, {"CacheSecurityGroupName": "web"}),
        (ec.authorize_cache_security_group_ingress, {"CacheSecurityGroupName": "web", "EC2SecurityGroupName": "s",
                                                     "EC2SecurityGroupOwnerId": "000000000000"}),
    ]:  # fmt: skip
        with pytest.raises(ClientError) as refused:
            call(**params)
        assert _error(refused) == ("InvalidParameterValue", message, 400)
    with pytest.raises(ClientError) as create:
        ec.create_cache_cluster(CacheClusterId="classic", Engine="valkey", CacheNodeType="cache.t3.micro",
                                NumCacheNodes=1, CacheSecurityGroupNames=["default"])  # fmt: skip
    assert _error(create)[:2] == (
        "InvalidParameterCombination",
        "Use of cache security groups is not permitted along with cache subnet group and/or security group Ids.",
    )
    assert ec.describe_cache_clusters()["CacheClusters"] == []


def test_service_updates_and_reserved_nodes_are_none_here(ec: Any) -> None:
    assert ec.describe_service_updates()["ServiceUpdates"] == []
    assert ec.describe_update_actions(ServiceUpdateStatus=["available"])["UpdateActions"] == []
    assert ec.describe_reserved_cache_nodes()["ReservedCacheNodes"] == []
    assert (
        ec.describe_reserved_cache_nodes_offerings(CacheNodeType="cache.t3.micro")["ReservedCacheNodesOfferings"] == []
    )
    for call, params, code, status in [
        (ec.describe_service_updates, {"ServiceUpdateName": "elasticache-20260101-001"}, "ServiceUpdateNotFoundFault", 404),
        (ec.batch_apply_update_action, {"ServiceUpdateName": "u", "CacheClusterIds": ["c"]}, "ServiceUpdateNotFoundFault", 404),
        (ec.batch_stop_update_action, {"ServiceUpdateName": "u", "CacheClusterIds": ["c"]}, "ServiceUpdateNotFoundFault", 404),
        (ec.describe_reserved_cache_nodes, {"ReservedCacheNodeId": "r"}, "ReservedCacheNodeNotFound", 404),
        (ec.describe_reserved_cache_nodes_offerings, {"ReservedCacheNodesOfferingId": "o"},
         "ReservedCacheNodesOfferingNotFound", 404),
        (ec.purchase_reserved_cache_nodes_offering, {"ReservedCacheNodesOfferingId": "o"},
         "ReservedCacheNodesOfferingNotFound", 404),
        (ec.describe_service_updates, {"MaxRecords": 5}, "InvalidParameterValue", 400),
    ]:  # fmt: skip
        with pytest.raises(ClientError) as refused:
            call(**params)
        assert _error(refused)[0::2] == (code, status), (call, params)
