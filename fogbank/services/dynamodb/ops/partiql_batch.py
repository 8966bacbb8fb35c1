"""BatchExecuteStatement: up to 25 PartiQL statements, each succeeding or failing on its own.

A batch holds reads only (each a SELECT of one item by its whole key, as BatchGetItem) or writes only (run one
after another in one write transaction; a failed one leaves nothing behind, its checks preceding its effect).
Each statement's answer, or its error, is in its place of ``Responses``.
"""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.dynamodb.attributes import Item
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.capacity import consumed, merge, read_units
from fogbank.services.dynamodb.ops.partiql import run_write
from fogbank.services.dynamodb.partiql import errors
from fogbank.services.dynamodb.partiql.errors import invalid
from fogbank.services.dynamodb.partiql.plan import WritePlan, is_read, prepare, single_read, write_plan
from fogbank.services.dynamodb.partiql.syntax import Exists

# A statement's error as a batch reports it (BatchStatementErrorCodeEnum).
BATCH_CODES = {
    "ValidationException": "ValidationError",
    "ConditionalCheckFailedException": "ConditionalCheckFailed",
    "ResourceNotFoundException": "ResourceNotFound",
    "DuplicateItemException": "DuplicateItem",
}


# -- BatchExecuteStatement --------------------------------------------------------------------------


@operation("BatchExecuteStatement")
def batch_execute_statement(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    parsed: list[tuple[Any, Any, AwsError | None]] = []
    for request in params["Statements"]:
        try:
            node, values = prepare(request["Statement"], request.get("Parameters"))
            parsed.append((node, values, None))
        except AwsError as error:
            parsed.append((None, None, error))
    kinds = {is_read(node) for node, _, error in parsed if error is None}
    if len(kinds) > 1:
        raise invalid(errors.BATCH_MIXED)
    mode = params.get("ReturnConsumedCapacity")
    capacities: list[dict[str, Any]] = []
    if kinds == {True}:
        responses = _batch_reads(ctx, params["Statements"], parsed, mode, capacities)
    else:
        responses = _batch_writes(ctx, params["Statements"], parsed, mode, capacities)
    result: dict[str, Any] = {"Responses": responses}
    if capacities:
        result["ConsumedCapacity"] = merge(capacities)
    return result


def _failed(error: AwsError, table: str | None, item: Item | None = None) -> dict[str, Any]:
    failure: dict[str, Any] = {"Code": BATCH_CODES.get(error.code, "InternalServerError"), "Message": error.message}
    if item:
        failure["Item"] = item
    response: dict[str, Any] = {"Error": failure}
    if table is not None:
        response["TableName"] = table
    return response


def _table_of(node: Any) -> str | None:
    select = node.select if hasattr(node, "select") else node
    return getattr(select, "table", None)


def _batch_reads(ctx: RequestContext, requests: list, parsed: list, mode: str | None, capacities: list) -> list:
    backend: Backend = ctx.backend
    responses: list[dict[str, Any]] = []
    for request, (node, values, error) in zip(requests, parsed, strict=True):
        if error is not None:
            responses.append(_failed(error, None))
            continue
        try:
            table, key, expressions = single_read(ctx, node, values, errors.SINGLE_ITEM_SELECT)
        except AwsError as failure:
            responses.append(_failed(failure, _table_of(node)))
            continue
        item, size = backend.read(table, *table.encode_key(key))
        response: dict[str, Any] = {"TableName": table.name}
        if item is not None:
            response["Item"] = expressions.project(item)
        responses.append(response)
        capacity = consumed(table, mode, read_units(size, bool(request.get("ConsistentRead"))))
        if capacity is not None:
            capacities.append(capacity)
    return responses


def _batch_writes(ctx: RequestContext, requests: list, parsed: list, mode: str | None, capacities: list) -> list:
    backend: Backend = ctx.backend
    plans: list[WritePlan | dict[str, Any]] = []  # a plan, or the statement's failure as answered
    for request, (node, values, error) in zip(requests, parsed, strict=True):
        if error is not None:
            plans.append(_failed(error, None))
            continue
        try:
            if isinstance(node, Exists):
                raise invalid(errors.EXISTS_OUTSIDE)
            plans.append(write_plan(ctx, node, values, request.get("ReturnValuesOnConditionCheckFailure")))
        except AwsError as failure:
            plans.append(_failed(failure, _table_of(node)))
    responses: list[dict[str, Any]] = []
    with backend.store.write() as writer:
        for plan in plans:
            if isinstance(plan, dict):
                responses.append(plan)
                continue
            try:
                # Every check of a write comes before its effect, so a failed statement leaves nothing behind.
                result = run_write(backend, writer, plan, mode)
            except AwsError as failure:
                responses.append(_failed(failure, plan.table.name, failure.fields.get("Item")))
                continue
            responses.append({"TableName": plan.table.name})
            if "ConsumedCapacity" in result:
                capacities.append(result["ConsumedCapacity"])
    return responses
