"""BatchGetItem and BatchWriteItem."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError, validation_error
from fogbank.services.base import operation
from fogbank.services.dynamodb.attributes import MAX_ITEM_SIZE, Item, item_size, validate_item, validate_value
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.capacity import consumed, merge, read_units, write_units
from fogbank.services.dynamodb.keys import KEY_MISMATCH, validate_item_key, validate_key
from fogbank.services.dynamodb.model import Table
from fogbank.services.dynamodb.ops.expr import RequestExpressions, check_scalar_keys, parse_request
from fogbank.services.dynamodb.ops.items import check_new_item, collection_metrics

MAX_GET_KEYS = 100
MAX_WRITES = 25
RESPONSE_LIMIT = 16 * 1024 * 1024
DUPLICATES = "Provided list of item keys contains duplicates"
WRITE_REQUEST_NOT_ONE = (
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
)


def _check_projection_kinds(requests: dict[str, Any]) -> None:
    """One request projects with expressions or with AttributesToGet, not one table each way (as AWS)."""
    projections = [r.get("ProjectionExpression") is not None for r in requests.values()]
    legacy = [r.get("AttributesToGet") is not None for r in requests.values()]
    if any(projections) and any(legacy) and len(requests) > 1:
        raise validation_error(
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}"
        )


@operation("BatchGetItem")
def batch_get_item(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    requests = params["RequestItems"]
    if sum(len(request["Keys"]) for request in requests.values()) > MAX_GET_KEYS:
        raise validation_error("Too many items requested for the BatchGetItem call")
    plans: list[tuple[str, Table, dict[str, Any], RequestExpressions | None, list[tuple[dict, bytes, bytes]]]] = []
    _check_projection_kinds(requests)
    # As for writes, AWS checks the key values and expressions of every table before it looks one up.
    checked = {
        name: (parse_request(request, ("ProjectionExpression",)), [_check_values(raw) for raw in request["Keys"]])
        for name, request in requests.items()
    }
    for name, request in requests.items():
        expressions, values = checked[name]
        table = backend.table(ctx.account_id, ctx.region, name)
        if expressions is not None and expressions.projection is not None:
            check_scalar_keys(expressions.projection.paths, table)
        keys = []
        seen: set[tuple[bytes, bytes]] = set()
        for raw, given in zip(request["Keys"], values, strict=True):
            key = validate_key(given, table.schema)
            encoded = table.encode_key(key)
            if encoded in seen:
                raise validation_error(DUPLICATES)
            seen.add(encoded)
            keys.append((raw, *encoded))
        plans.append((name, table, request, expressions, keys))
    responses: dict[str, list[dict[str, Any]]] = {}
    unprocessed: dict[str, dict[str, Any]] = {}
    capacities = []
    total = 0
    full = False
    mode = params.get("ReturnConsumedCapacity")
    for name, table, request, expressions, keys in plans:
        found = responses.setdefault(name, [])
        units = 0.0
        for position, (_raw, pk, sk) in enumerate(keys):
            item, size = (None, 0) if full else backend.read(table, pk, sk)
            # The answer holds at most 16 MB: the first item that would not fit and every key after it
            # (in this table and the next ones) come back unprocessed, uncharged.
            full = full or (item is not None and total + size > RESPONSE_LIMIT)
            if full:
                left = dict(request)
                left["Keys"] = [entry[0] for entry in keys[position:]]
                unprocessed[name] = left
                break
            units += read_units(size, bool(request.get("ConsistentRead")))
            if item is not None:
                total += size
                found.append(expressions.project(item) if expressions is not None else item)
        capacity = consumed(table, mode, units, None)
        if capacity is not None:
            capacities.append(capacity)
    result: dict[str, Any] = {"Responses": responses, "UnprocessedKeys": unprocessed}
    if capacities:
        result["ConsumedCapacity"] = merge(capacities)
    return result


def _check_values(key: dict[str, Any]) -> dict[str, Any]:
    return {name: validate_value(value) for name, value in key.items()}


def _check_write(write: dict[str, Any]) -> tuple[Item | None, dict[str, Any] | None]:
    """(item to put, None) or (None, key to delete), with the values checked as far as no table is needed."""
    put, delete = write.get("PutRequest"), write.get("DeleteRequest")
    if (put is None) == (delete is None):
        # A WriteRequest is a union: DynamoDB words both "neither" and "both" as for an AttributeValue.
        raise validation_error(WRITE_REQUEST_NOT_ONE)
    if put is None:
        return None, _check_values(delete["Key"])
    item = validate_item(put["Item"])
    if item_size(item) > MAX_ITEM_SIZE:
        raise validation_error("Item size has exceeded the maximum allowed size")
    return item, None


@operation("BatchWriteItem")
def batch_write_item(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    requests = params["RequestItems"]
    if sum(len(writes) for writes in requests.values()) > MAX_WRITES:
        raise validation_error("Too many items requested for the BatchWriteItem call")
    # AWS checks every request's values and item size before it looks any table up: a bad item sent to a
    # missing table is a ValidationException, not ResourceNotFoundException.
    checked = {name: [_check_write(write) for write in writes] for name, writes in requests.items()}
    plans = []
    for name, writes in checked.items():
        table = backend.table(ctx.account_id, ctx.region, name)
        seen: set[tuple[bytes, bytes]] = set()
        for item, delete_key in writes:
            if item is not None:
                try:
                    validate_item_key(item, table.schema)
                except AwsError as error:
                    # BatchWriteItem words a missing or wrongly typed key as a key lookup does, unlike PutItem.
                    if "Type mismatch for key" in error.message or "Missing the key" in error.message:
                        raise validation_error(KEY_MISMATCH) from None
                    raise
                size = check_new_item(table, item, "Item size has exceeded the maximum allowed size")
                key, new = item, item
            else:
                key = validate_key(delete_key, table.schema)
                new, size = None, 0
            encoded = table.encode_key(key)
            if encoded in seen:
                raise validation_error(DUPLICATES)
            seen.add(encoded)
            plans.append((table, encoded, key, new, size))
    mode = params.get("ReturnConsumedCapacity")
    capacities = []
    metrics: dict[str, list[dict[str, Any]]] = {}
    with backend.store.write() as writer:
        for table, (pk, sk), key, new, size in plans:
            old, old_size = backend.read(table, pk, sk, writer)
            index_units = backend.apply(writer, table, pk, sk, old, old_size, new, size)
            capacity = consumed(table, mode, write_units(max(size, old_size)), index_units)
            if capacity is not None:
                capacities.append(capacity)
            metric = collection_metrics(table, key, params)
            if metric is not None:
                metrics.setdefault(table.name, []).append(metric)
    result: dict[str, Any] = {"UnprocessedItems": {}}
    if capacities:
        result["ConsumedCapacity"] = merge(capacities)
    if metrics:
        result["ItemCollectionMetrics"] = metrics
    return result
