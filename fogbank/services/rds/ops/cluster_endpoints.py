"""Aurora custom endpoints: CreateDBClusterEndpoint, DescribeDBClusterEndpoints (the cluster's own
writer and reader endpoints too), ModifyDBClusterEndpoint, DeleteDBClusterEndpoint
(``rds/cluster_endpoints.py`` holds the relays and who they reach)."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record, new_resource_id
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import cluster_endpoints, clusters
from fogbank.services.rds.cluster_endpoints import LIFECYCLE, invalid_state, not_found
from fogbank.services.rds.model import check_identifier
from fogbank.services.rds.ops.clusters import aurora_only, cluster_strict
from fogbank.services.rds.ops.common import backend, filters, page, tag_list
from fogbank.services.rds.records import CLUSTER, CLUSTER_ENDPOINT, INSTANCE, ClusterEndpointPrivate
from fogbank.services.rds.store import Region


def render(endpoint: Record[Any]) -> dict[str, Any]:
    return {**endpoint.fields, "Status": endpoint.status}


def _builtin(cluster: Record[Any]) -> list[dict[str, Any]]:
    """The cluster's own endpoints as DescribeDBClusterEndpoints lists them: no identifier, no ARN."""
    status = cluster.status if cluster.status in ("creating", "deleting") else "available"
    return [
        {"DBClusterIdentifier": cluster.identifier, "Endpoint": address, "Status": status, "EndpointType": kind}
        for kind, address in (("WRITER", clusters.WRITER_ADDRESS), ("READER", clusters.READER_ADDRESS))
    ]


def _endpoint_type(value: str) -> str:
    kind = value.upper()
    if kind not in cluster_endpoints.TYPES:
        raise AwsError("InvalidParameterValue", f"Invalid endpoint type: {value}. Valid values are READER and ANY.")
    return kind


def _members(region: Region, cluster: Record[Any], params: dict[str, Any]) -> tuple[list[str], list[str]]:
    """StaticMembers and ExcludedMembers, lowercased: instances of this cluster; one list or the other."""
    static = [m.lower() for m in params.get("StaticMembers") or []]
    excluded = [m.lower() for m in params.get("ExcludedMembers") or []]
    if static and excluded:
        raise AwsError(
            "InvalidParameterCombination", "A custom endpoint has either StaticMembers or ExcludedMembers, not both."
        )
    for name in static + excluded:
        instance = region.get(INSTANCE, name)
        if instance is None:
            raise AwsError("DBInstanceNotFoundFault", f"DBInstance {name} not found.")
        if instance.fields.get("DBClusterIdentifier") != cluster.identifier:
            raise AwsError(
                "InvalidParameterValue", f"DB instance {name} is not a member of DB cluster {cluster.identifier}."
            )
    return list(dict.fromkeys(static)), list(dict.fromkeys(excluded))


def _endpoint_strict(region: Region, identifier: str) -> Record[Any]:
    found = region.get(CLUSTER_ENDPOINT, identifier.lower())
    if found is None:
        raise not_found(identifier)
    return found


# -- create --------------------------------------------------------------------------------------


def check_create(region: Region, params: dict[str, Any]) -> dict[str, Any]:
    """CreateDBClusterEndpoint's checks (under the store lock); answers the values to keep."""
    identifier = check_identifier(params["DBClusterEndpointIdentifier"], "DBClusterEndpointIdentifier")
    cluster = cluster_strict(region, params["DBClusterIdentifier"])
    kind = _endpoint_type(params["EndpointType"])
    static, excluded = _members(region, cluster, params)
    if region.get(CLUSTER_ENDPOINT, identifier) is not None:  # unique in the region, not per cluster
        raise AwsError("DBClusterEndpointAlreadyExistsFault", f"DBClusterEndpoint {identifier} already exists.")
    if cluster.status != "available":
        raise clusters.invalid_state(f"DbCluster {cluster.identifier} is not in available state.")
    if len(cluster_endpoints.of_cluster(region, cluster)) >= cluster_endpoints.QUOTA:
        raise AwsError(
            "DBClusterEndpointQuotaExceededFault",
            f"DB cluster {cluster.identifier} already has {cluster_endpoints.QUOTA} custom endpoints, the most it can have.",
        )
    return {"identifier": identifier, "cluster": cluster, "kind": kind, "static": static, "excluded": excluded}


@operation("CreateDBClusterEndpoint")
def create_db_cluster_endpoint(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    tags = tag_list(params.get("Tags"))
    with be.store.lock:
        checked = check_create(region, params)
        identifier, cluster = checked["identifier"], checked["cluster"]
        resource_id = new_resource_id("cluster-endpoint-", 20)
        endpoint = Record(
            CLUSTER_ENDPOINT,
            identifier,
            ctx.arn("rds", f"cluster-endpoint:{identifier}"),
            ClusterEndpointPrivate(static=bool(checked["static"])),
            fields={
                "DBClusterEndpointIdentifier": identifier,
                "DBClusterIdentifier": cluster.identifier,
                "DBClusterEndpointResourceIdentifier": resource_id,
                "Endpoint": cluster_endpoints.free_address(region, cluster),
                "EndpointType": "CUSTOM",
                "CustomEndpointType": checked["kind"],
                "StaticMembers": checked["static"],
                "ExcludedMembers": checked["excluded"],
                "DBClusterEndpointArn": ctx.arn("rds", f"cluster-endpoint:{identifier}"),
            },
            status=LIFECYCLE.initial,
            resource_id=resource_id,
            tags=tags,
        )
        region.add(endpoint)
        be.save(region)
        out = render(endpoint)
    be.jobs.submit(resource_id, lambda: cluster_endpoints.come_up(be, region, endpoint, ("creating",)))
    return out


# -- describe ------------------------------------------------------------------------------------

_FILTERS = {
    "db-cluster-endpoint-type": lambda e: (e["EndpointType"].lower(),),
    "db-cluster-endpoint-custom-type": lambda e: tuple(x.lower() for x in (e.get("CustomEndpointType"),) if x),
    "db-cluster-endpoint-id": lambda e: tuple(x for x in (e.get("DBClusterEndpointIdentifier"),) if x),
    "db-cluster-endpoint-status": lambda e: (e["Status"].lower(),),
}
_ORDER = {"WRITER": 0, "READER": 1, "CUSTOM": 2}


@operation("DescribeDBClusterEndpoints")
def describe_db_cluster_endpoints(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    for entry in params.get("Filters") or []:  # RDS's filter values are lowercase words
        entry["Values"] = [str(v).lower() for v in entry.get("Values") or []]
    wanted = params.get("DBClusterEndpointIdentifier")
    match = filters(params, _FILTERS, {"db-cluster-endpoint-id": wanted.lower() if wanted else None})
    with be.store.lock:
        if params.get("DBClusterIdentifier"):
            chosen = [cluster_strict(region, params["DBClusterIdentifier"])]
        else:
            chosen = list(region.of(CLUSTER).values())
        rows = []
        for cluster in chosen:
            rows += _builtin(cluster) + [render(e) for e in cluster_endpoints.of_cluster(region, cluster)]
    rows = [r for r in rows if match(r)]
    chunk, marker = page(
        params,
        rows,
        key=lambda r: (
            f"{r['DBClusterIdentifier']}/{_ORDER[r['EndpointType']]}/{r.get('DBClusterEndpointIdentifier', '')}"
        ),
    )
    return {"DBClusterEndpoints": chunk, "Marker": marker}


# -- modify --------------------------------------------------------------------------------------


@operation("ModifyDBClusterEndpoint")
def modify_db_cluster_endpoint(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A new type or list takes effect from the next connection (open ones stay where they are)."""
    aurora_only(ctx, params)
    be, region = backend(ctx)
    with be.store.lock:
        endpoint = _endpoint_strict(region, params["DBClusterEndpointIdentifier"])
        cluster = cluster_strict(region, endpoint.fields["DBClusterIdentifier"])
        kind = _endpoint_type(params["EndpointType"]) if params.get("EndpointType") else None
        static, excluded = _members(region, cluster, params)
        if endpoint.status != "available":
            raise invalid_state(endpoint)
        if cluster.status != "available":
            raise clusters.invalid_state(f"DbCluster {cluster.identifier} is not in available state.")
        if kind is not None:
            endpoint.fields["CustomEndpointType"] = kind
        # Either list given replaces both: a static list, or an exclusion list (Aurora keeps one kind).
        if "StaticMembers" in params or "ExcludedMembers" in params:
            endpoint.fields.update(StaticMembers=static, ExcludedMembers=excluded)
            endpoint.private.static = bool(static)
        LIFECYCLE.move(endpoint, "modifying")
        be.save(region)
        out = render(endpoint)
    be.jobs.submit(
        endpoint.resource_id,
        lambda: cluster_endpoints.set_status_if(be, region, endpoint, ("modifying",), "available"),
    )
    return out


# -- delete --------------------------------------------------------------------------------------


@operation("DeleteDBClusterEndpoint")
def delete_db_cluster_endpoint(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    aurora_only(ctx, params)
    be, region = backend(ctx)
    with be.store.lock:
        endpoint = _endpoint_strict(region, params["DBClusterEndpointIdentifier"])
        if endpoint.status not in ("available", "inactive"):
            raise invalid_state(endpoint)
        cluster = region.get(CLUSTER, endpoint.fields["DBClusterIdentifier"])
        if cluster is not None and cluster.status == "deleting":
            raise clusters.invalid_state(f"DbCluster {cluster.identifier} is being deleted.")
        LIFECYCLE.move(endpoint, "deleting")
        be.save(region)
        out = render(endpoint)
    be.jobs.submit(endpoint.resource_id, lambda: cluster_endpoints.remove(be, region, endpoint))
    return out
