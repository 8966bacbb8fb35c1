"""Service updates and reserved nodes: what AWS's fleet and billing publish, which a local Fogbank
has none of. The Describe calls answer truthfully (no service update has been released to this
Fogbank, no reserved node bought, no offering to buy); acting on one answers AWS's not-found error
for the name given. Filters and page sizes are still checked as ElastiCache checks them."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.elasticache.ops.common import page


def _none(params: dict[str, Any], key: str) -> dict[str, Any]:
    chunk, marker = page(params, [], key=lambda item: item)
    return {key: chunk, "Marker": marker}


@operation("DescribeServiceUpdates")
def describe_service_updates(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("ServiceUpdateName"):
        raise AwsError(
            "ServiceUpdateNotFoundFault", f"The service update {params['ServiceUpdateName']} does not exist."
        )
    return _none(params, "ServiceUpdates")


@operation("DescribeUpdateActions")
def describe_update_actions(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return _none(params, "UpdateActions")


@operation("BatchApplyUpdateAction")
@operation("BatchStopUpdateAction")
def batch_update_action(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    raise AwsError(
        "ServiceUpdateNotFoundFault", f"The service update {params.get('ServiceUpdateName')} does not exist."
    )


@operation("DescribeReservedCacheNodes")
def describe_reserved_cache_nodes(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("ReservedCacheNodeId"):
        raise AwsError("ReservedCacheNodeNotFoundFault", f"Reserved node {params['ReservedCacheNodeId']} not found.")
    return _none(params, "ReservedCacheNodes")


@operation("DescribeReservedCacheNodesOfferings")
def describe_reserved_cache_nodes_offerings(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("ReservedCacheNodesOfferingId"):
        raise _offering_not_found(params["ReservedCacheNodesOfferingId"])
    return _none(params, "ReservedCacheNodesOfferings")


@operation("PurchaseReservedCacheNodesOffering")
def purchase_reserved_cache_nodes_offering(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    raise _offering_not_found(params["ReservedCacheNodesOfferingId"])


def _offering_not_found(offering: str) -> AwsError:
    return AwsError("ReservedCacheNodesOfferingNotFoundFault", f"ReservedCacheNodesOffering {offering} not found.")
