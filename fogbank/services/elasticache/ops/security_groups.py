"""Cache security groups: EC2-Classic's way of admitting clients, which AWS retired. An account
made since December 2013 is VPC-only, and every Fogbank account is one: ElastiCache refuses these
operations there, in the words below (recorded from AWS), and clusters take ``SecurityGroupIds``."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.services.base import operation
from fogbank.services.elasticache import errors

NOT_PERMITTED = "Use of cache security groups is not permitted in this API version for your account."
# A create with CacheSecurityGroupNames: every cluster here is in a VPC (a cache subnet group).
NOT_WITH_VPC = "Use of cache security groups is not permitted along with cache subnet group and/or security group Ids."


@operation("CreateCacheSecurityGroup")
@operation("DeleteCacheSecurityGroup")
@operation("DescribeCacheSecurityGroups")
@operation("AuthorizeCacheSecurityGroupIngress")
@operation("RevokeCacheSecurityGroupIngress")
def cache_security_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    raise errors.invalid_value(NOT_PERMITTED)


def refuse_names(params: dict[str, Any]) -> None:
    """CreateCacheCluster / CreateReplicationGroup / ModifyCacheCluster with security group names."""
    if params.get("CacheSecurityGroupNames"):
        raise errors.invalid_combination(NOT_WITH_VPC)
