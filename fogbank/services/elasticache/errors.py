"""ElastiCache's errors, declared once (code from the botocore model, AWS's wording).

Wording recorded from AWS where it is known (the SDKs' own feature tests record
``The parameter CacheClusterIdentifier is not a valid identifier.``); the rest follows the
patterns of AWS's answers and is marked ``not recorded`` in docs/elasticache.md.
"""

from __future__ import annotations

from fogbank.protocols.errors import AwsError

IDENTIFIER_RULES = (
    "Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end "
    "with a hyphen or contain two consecutive hyphens."
)


def invalid_identifier(name: str) -> AwsError:
    return AwsError("InvalidParameterValue", f"The parameter {name} is not a valid identifier. {IDENTIFIER_RULES}")


def invalid_value(message: str) -> AwsError:
    return AwsError("InvalidParameterValue", message)


def invalid_combination(message: str) -> AwsError:
    return AwsError("InvalidParameterCombination", message)


def cluster_not_found(identifier: str) -> AwsError:
    return AwsError("CacheClusterNotFound", f"CacheCluster not found: {identifier}")


def cluster_exists(identifier: str) -> AwsError:
    return AwsError("CacheClusterAlreadyExists", f"Cache cluster {identifier} already exists.")


def invalid_cluster_state(identifier: str, status: str) -> AwsError:
    return AwsError(
        "InvalidCacheClusterState", f"Cache cluster {identifier} is not in available state (it is {status})."
    )


def node_quota(engine: str, maximum: int) -> AwsError:
    return AwsError(
        "NodeQuotaForClusterExceeded",
        f"The number of cache nodes requested exceeds the maximum of {maximum} allowed for a {engine} cache cluster.",
    )


def parameter_group_not_found(name: str) -> AwsError:
    return AwsError("CacheParameterGroupNotFound", f"CacheParameterGroup {name} not found.")


def parameter_group_exists(name: str) -> AwsError:
    return AwsError("CacheParameterGroupAlreadyExists", f"Parameter group {name} already exists.")


def invalid_parameter_group_state(message: str) -> AwsError:
    return AwsError("InvalidCacheParameterGroupState", message)


def subnet_group_not_found(name: str) -> AwsError:
    return AwsError("CacheSubnetGroupNotFoundFault", f"Cache subnet group {name} not found.")


def subnet_group_exists(name: str) -> AwsError:
    return AwsError("CacheSubnetGroupAlreadyExists", f"Cache subnet group {name} already exists.")


def subnet_group_in_use(name: str) -> AwsError:
    return AwsError("CacheSubnetGroupInUse", f"Cache subnet group {name} is currently in use by a cache cluster.")


def invalid_subnet(subnet_id: str) -> AwsError:
    return AwsError("InvalidSubnet", f"The subnet ID {subnet_id} does not exist")


def invalid_arn(arn: str) -> AwsError:
    return AwsError("InvalidARN", f"ARN {arn} is invalid.")


def not_implemented_yet(what: str) -> AwsError:
    """A parameter whose feature Fogbank has not built: said, never ignored."""
    return AwsError("InvalidParameterValue", f"{what} is not supported by Fogbank yet.")


# -- Wording recorded from AWS (answers quoted in SDK users' reports, see docs/elasticache.md) --


def version_not_found(version: str, engine: str) -> AwsError:
    return AwsError("InvalidParameterCombination", f"Cannot find version {version} for {engine}")


def cannot_modify_version(engine: str, old: str, new: str) -> AwsError:
    return AwsError("InvalidParameterCombination", f"Cannot modify {engine} from {old} to {new}")


def family_mismatch(wanted: str, found: str) -> AwsError:
    return AwsError(
        "InvalidParameterCombination", f"Expected a parameter group of family {wanted} but found one of family {found}"
    )


def specific_version(requested: str, use: str) -> AwsError:
    return AwsError(
        "InvalidParameterValue", f"Specific version selection is not allowed for '{requested}', please use '{use}'"
    )


def single_node_engine(engine: str) -> AwsError:
    name = {"redis": "Redis", "valkey": "Valkey"}.get(engine, engine)
    return AwsError(
        "InvalidParameterValue", f"Cannot create a {name} cluster with a NumCacheNodes parameter greater than 1."
    )


def memcached_scaling() -> AwsError:
    return AwsError("InvalidParameterCombination", "Scaling is not supported for engine memcached")


def cross_az_needs_two_nodes() -> AwsError:
    return AwsError(
        "InvalidParameterCombination",
        "Must specify at least two cache nodes in order to specify AZ Mode of 'cross-az'.",
    )


def failover_needs_two_clusters() -> AwsError:
    return AwsError(
        "InvalidParameterCombination",
        "When using automatic failover, there must be at least 2 cache clusters in the replication group.",
    )


def replication_group_exists() -> AwsError:
    return AwsError("ReplicationGroupAlreadyExists", "Replication group with specified name already exists.")


def only_member() -> AwsError:
    return AwsError("InvalidCacheClusterState", "Cannot delete the cache cluster since it is the only member of a "
                    "replication group. Delete the replication group instead.")  # fmt: skip


def only_replica(group_id: str) -> AwsError:
    return AwsError("InvalidCacheClusterState", "Cannot delete the cache cluster because it is the only read replica "
                    f"for replication group {group_id} which has autofailover enabled or pending. You can disable "
                    "autofailover and then delete this cache cluster. Alternatively, to delete the entire replication "
                    "group, use DeleteReplicationGroup.")  # fmt: skip


def cluster_mode_in_group() -> AwsError:
    return AwsError(
        "InvalidParameterCombination", "Cluster mode should be disabled in parameter group, but found it is enabled."
    )
