"""What ElastiCache operations share: the backend and scope of a request, paging, lookups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record, Scope
from fogbank.managed.tags import TagRules
from fogbank.protocols import paging
from fogbank.protocols.errors import AwsError
from fogbank.services.elasticache import errors
from fogbank.services.elasticache.backend import Backend
from fogbank.services.elasticache.model import CLUSTER, ClusterPrivate, check_identifier

TAG_RULES = TagRules(
    reserved=("InvalidParameterValue", "Tag keys must not begin with the reserved prefix aws:."),
    quota=("TagQuotaPerResourceExceeded", "The request cannot be processed because it would cause the resource to "
           "have more than the allowed number of tags. The maximum number of tags permitted on a resource is 50."),
)  # fmt: skip


def backend(ctx: RequestContext) -> tuple[Backend, Scope]:
    be: Backend = ctx.backend
    return be, be.scope(ctx)


def page(params: dict[str, Any], items: list[Any], key: Callable[[Any], Any]) -> tuple[list[Any], str | None]:
    """MaxRecords (20-100, default 100, as ElastiCache documents it) and Marker."""
    size = params.get("MaxRecords")
    if size is None:
        size = 100
    elif not 20 <= size <= 100:
        raise errors.invalid_value(f"Invalid value {size} for MaxRecords. Must be between 20 and 100")
    marker = params.get("Marker")
    return paging.page(
        items, size, marker, key, invalid=lambda: AwsError("InvalidParameterValue", f"Invalid marker: {marker}")
    )


def cluster(scope: Scope, identifier: str) -> Record[ClusterPrivate]:
    record = scope.get(CLUSTER, check_identifier(identifier))
    if record is None:
        raise errors.cluster_not_found(identifier.lower())
    return record
