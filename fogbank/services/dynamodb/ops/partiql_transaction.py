"""ExecuteTransaction: up to 100 PartiQL statements, all of them or none.

All reads (as TransactGetItems, from one snapshot) or all writes (as TransactWriteItems, ``EXISTS(SELECT ...)``
being a ConditionCheck): the writes' checks all run first under the store's write lock, and any failure cancels
them all with a reason per statement. ClientRequestToken uses TransactWriteItems' store of answers.
"""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.dynamodb.attributes import Item
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.capacity import consumed, merge, read_units, write_units
from fogbank.services.dynamodb.codec import unpack
from fogbank.services.dynamodb.ops.partiql_batch import BATCH_CODES
from fogbank.services.dynamodb.ops.transactions import cancelled, previous_answer, remember, request_digest
from fogbank.services.dynamodb.partiql import errors
from fogbank.services.dynamodb.partiql.errors import invalid
from fogbank.services.dynamodb.partiql.plan import (
    WritePlan,
    is_read,
    new_size,
    outcome,
    prepare,
    single_read,
    write_plan,
)
from fogbank.services.dynamodb.partiql.syntax import Select


@operation("ExecuteTransaction")
def execute_transaction(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    token = params.get("ClientRequestToken")
    digest = request_digest(params) if token else ""
    if token:
        previous = previous_answer(backend, ctx, token, digest)
        if previous is not None:
            return {key: value for key, value in previous.items() if key != "replayReadUnits"}
    statements = params["TransactStatements"]
    parsed = []
    for position, request in enumerate(statements):
        try:
            parsed.append(prepare(request["Statement"], request.get("Parameters")))
        except AwsError as error:
            raise _in_transaction(position, error) from None
    kinds = {is_read(node) for node, _ in parsed}
    if len(kinds) > 1:
        raise invalid(errors.TRANSACTION_MIXED)
    mode = params.get("ReturnConsumedCapacity")
    if kinds == {True}:
        return _transact_reads(ctx, parsed, mode)
    plans = _write_plans(ctx, statements, parsed)
    return _transact_writes(ctx, plans, mode, token, digest)


def _in_transaction(position: int, error: AwsError) -> AwsError:
    """A statement's validation error as ExecuteTransaction words it: it names the statement."""
    if error.code != "ValidationException":
        return error
    return invalid(errors.IN_TRANSACTION.format(position, error.message))


def _write_plans(ctx: RequestContext, statements: list, parsed: list) -> list[WritePlan]:
    plans: list[WritePlan] = []
    seen: set[tuple[int, bytes, bytes]] = set()
    for position, (request, (node, values)) in enumerate(zip(statements, parsed, strict=True)):
        if getattr(node, "returning", None) is not None:
            raise _in_transaction(position, invalid(errors.TRANSACTION_RETURNING))
        try:
            plan = write_plan(ctx, node, values, request.get("ReturnValuesOnConditionCheckFailure"))
        except AwsError as error:
            if errors.is_key_type(error.message):
                # As with TransactWriteItems, a bad key is that statement's ValidationError reason.
                reasons: list[dict[str, Any]] = [{"Code": "None"} for _ in statements]
                reasons[position] = {"Code": "ValidationError", "Message": error.message}
                raise cancelled(reasons) from None
            raise _in_transaction(position, error) from None
        identity = (plan.table.tid, plan.pk, plan.sk)
        if identity in seen:
            raise invalid("Transaction request cannot include multiple operations on one item")
        seen.add(identity)
        plans.append(plan)
    return plans


def _transact_writes(
    ctx: RequestContext, plans: list[WritePlan], mode: str | None, token: str | None, digest: str
) -> dict[str, Any]:
    backend: Backend = ctx.backend
    with backend.store.write() as writer:
        olds = [backend.read(backend.current(plan.table), plan.pk, plan.sk, writer) for plan in plans]
        reasons: list[dict[str, Any]] = []
        results: list[tuple[bool, Item | None]] = []
        for plan, (old, _) in zip(plans, olds, strict=True):
            reason: dict[str, Any] = {"Code": "None"}
            try:
                results.append(outcome(plan, old))
            except AwsError as error:
                results.append((False, None))
                reason = {"Code": BATCH_CODES.get(error.code, "ValidationError"), "Message": error.message}
                if error.fields.get("Item"):
                    reason["Item"] = error.fields["Item"]
            reasons.append(reason)
        if any(reason["Code"] != "None" for reason in reasons):
            raise cancelled(reasons)
        capacities = []
        replay_units: dict[str, float] = {}
        for plan, (old, old_size), (changes, new) in zip(plans, olds, results, strict=True):
            table = backend.current(plan.table)
            index_units: dict[str, float] = {}
            size = new_size(new) if changes else 0
            if changes:
                index_units = backend.apply(writer, table, plan.pk, plan.sk, old, old_size, new)
            if plan.kind == "Check":
                units = read_units(old_size, True, transactional=True)
            else:
                units = write_units(max(size, old_size), transactional=True)
            capacity = consumed(table, mode, units, index_units, "write")
            if capacity is not None:
                capacities.append(capacity)
            image = old_size if plan.kind == "Check" else max(size, old_size)
            replay_units[table.name] = replay_units.get(table.name, 0.0) + read_units(image, True, transactional=True)
        result: dict[str, Any] = {}
        if capacities:
            result["ConsumedCapacity"] = merge(capacities)
        if token:
            remember(writer, ctx, token, digest, result, replay_units)
    return result


def _transact_reads(ctx: RequestContext, parsed: list, mode: str | None) -> dict[str, Any]:
    backend: Backend = ctx.backend
    reads = []
    seen: set[tuple[int, bytes, bytes]] = set()
    for position, (node, values) in enumerate(parsed):
        assert isinstance(node, Select)
        try:
            table, key, expressions = single_read(ctx, node, values, errors.TRANSACTION_SELECT_KEY)
        except AwsError as error:
            raise _in_transaction(position, error) from None
        pk, sk = table.encode_key(key)
        if (table.tid, pk, sk) in seen:
            raise invalid("Transaction request cannot include multiple operations on one item")
        seen.add((table.tid, pk, sk))
        reads.append((table, pk, sk, expressions))
    responses: list[dict[str, Any]] = []
    capacities = []
    with backend.store.snapshot() as connection:
        for table, pk, sk, expressions in reads:
            row = backend.store.get(table.tid, pk, sk, connection)
            size = 0
            if row is None:
                responses.append({})
            else:
                size = row[1]
                responses.append({"Item": expressions.project(unpack(row[0]))})
            capacity = consumed(table, mode, read_units(size, True, transactional=True), None, "read")
            if capacity is not None:
                capacities.append(capacity)
    result: dict[str, Any] = {"Responses": responses}
    if capacities:
        result["ConsumedCapacity"] = merge(capacities)
    return result
