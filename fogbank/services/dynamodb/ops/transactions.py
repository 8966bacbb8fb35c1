"""TransactWriteItems and TransactGetItems.

A write transaction checks every condition and applies every write inside one SQLite write transaction
under the store's write lock, so it is serializable with respect to every other write: nothing can slip
between its checks and its writes. (AWS answers TransactionConflictException when two writers race for an
item; here the second simply waits its turn, which is one of the outcomes AWS allows.)
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError, validation_error
from fogbank.services.base import operation
from fogbank.services.dynamodb.attributes import MAX_ITEM_SIZE, MAX_NESTING_DEPTH, Item, item_size, validate_item
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.capacity import consumed, merge, read_units, write_units
from fogbank.services.dynamodb.codec import unpack
from fogbank.services.dynamodb.input_faults import InputFault
from fogbank.services.dynamodb.keys import EmptyKeyValue, key_values, match_key, validate_item_key, validate_key
from fogbank.services.dynamodb.model import Table
from fogbank.services.dynamodb.ops.expr import RequestExpressions, parse_request
from fogbank.services.dynamodb.ops.items import (
    CONDITION_FAILED,
    PUT_TOO_BIG,
    check_index_types,
    check_new_item,
    check_update,
    updated_item,
)
from fogbank.services.dynamodb.store import Writer

TOKEN_LIFETIME = 600.0  # ClientRequestToken is honoured for 10 minutes
ACTIONS = ("ConditionCheck", "Put", "Delete", "Update")
MAX_PAYLOAD = 4 * 1024 * 1024  # what a transaction may carry; the size of items it deletes does not count


class TooBig(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message, 400)


@dataclass
class Action:
    kind: str
    table: Table
    key: Item
    pk: bytes
    sk: bytes
    expressions: RequestExpressions | None
    item: Item | None  # Put's new item
    params: dict[str, Any]


def request_digest(params: dict[str, Any]) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, bytes):
            return base64.b64encode(value).decode()
        raise TypeError

    # A replay may ask for capacity differently: AWS answers it in the replay's own ReturnConsumedCapacity mode
    # rather than calling the request non-identical.
    relevant = {
        key: value for key, value in params.items() if key not in ("ClientRequestToken", "ReturnConsumedCapacity")
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=default).encode()).hexdigest()


EXPRESSIONS = {
    "ConditionCheck": ("ConditionExpression",),
    "Put": ("ConditionExpression",),
    "Delete": ("ConditionExpression",),
    "Update": ("UpdateExpression", "ConditionExpression"),
}


@dataclass
class Entry:
    """One action as the request alone shows it (its values checked, its expressions parsed)."""

    kind: str
    params: dict[str, Any]
    expressions: RequestExpressions | None
    values: Item  # Put's item, or the Key's values
    size: int
    fault: str | None  # a bad value that cancels the transaction as this action's reason


def _read(entry: dict[str, Any]) -> Entry:
    present = [kind for kind in ACTIONS if entry.get(kind) is not None]
    if len(present) != 1:
        raise validation_error(
            "TransactItems can only contain one of Check, Put, Update or Delete"
            if present
            # An entry naming no known action (unknown members are dropped by the parser).
            else "The action or operation requested is invalid. Verify that the action is typed correctly."
        )
    kind = present[0]
    action = entry[kind]
    if kind == "ConditionCheck" and action.get("ConditionExpression") is None:
        raise validation_error("The ConditionExpression parameter is required for ConditionCheck")
    values: Item = {}
    size, fault = 0, None
    try:
        values = validate_item(action["Item"]) if kind == "Put" else key_values(action["Key"])
    except InputFault:
        raise  # malformed numbers, duplicated set members, too deep items: refused before anything runs
    except AwsError as error:
        fault = error.message
    if kind == "Put" and fault is None:
        # A Put's size is known from the request: AWS refuses it before the transaction, not as a reason.
        size = item_size(values)
        if size > MAX_ITEM_SIZE:
            raise TooBig(PUT_TOO_BIG)
    # A transaction's expression values may nest a level deeper than an item (AWS evaluates a condition on a
    # value of 33 levels, refuses one of 40); an Update writing one too deep into the item is refused as that
    # action's fault, like any item over the limits.
    expressions = parse_request(action, EXPRESSIONS[kind], MAX_NESTING_DEPTH + 1)
    return Entry(kind, action, expressions, values, size, fault)


def _plan(ctx: RequestContext, params: dict[str, Any]) -> list[Action]:
    backend: Backend = ctx.backend
    # What the request alone shows is checked for every action, in order, before any table is looked up.
    entries = [_read(entry) for entry in params["TransactItems"]]
    actions: list[Action] = []
    seen: set[tuple[int, bytes, bytes]] = set()
    invalid: tuple[int, str] | None = None
    for entry in entries:
        kind, expressions = entry.kind, entry.expressions
        table = backend.table(ctx.account_id, ctx.region, entry.params["TableName"])
        if invalid is not None:
            actions.append(Action(kind, table, {}, b"", b"", expressions, None, entry.params))
            continue
        update = expressions.update if kind == "Update" and expressions is not None else None
        if update is not None:
            check_update(update, table, index_types=False)
        item = entry.values if kind == "Put" else None
        try:
            if entry.fault is not None:
                raise validation_error(entry.fault)
            if item is not None:
                validate_item_key(item, table.schema)
                check_new_item(table, item, PUT_TOO_BIG, entry.size)
                key = {name: item[name] for name in table.schema.names}
            else:
                key = match_key(entry.values, table.schema)
            if update is not None and table.indexes:
                check_index_types(update, table)
        except EmptyKeyValue:
            raise  # refused up front, as a ValidationException of the whole request
        except AwsError as error:
            # AWS reports a bad item or key as this action's ValidationError reason (and checks no further
            # items), not as a ValidationException of the whole request.
            invalid = (len(actions), error.message)
            actions.append(Action(kind, table, {}, b"", b"", expressions, None, entry.params))
            continue
        pk, sk = table.encode_key(key)
        if (table.tid, pk, sk) in seen:
            raise validation_error("Transaction request cannot include multiple operations on one item")
        seen.add((table.tid, pk, sk))
        actions.append(Action(kind, table, key, pk, sk, expressions, item, entry.params))
    payload = sum(item_size(action.item) if action.item else item_size(action.key) for action in actions)
    payload += sum(item_size(action.params.get("ExpressionAttributeValues") or {}) for action in actions)
    if payload > MAX_PAYLOAD:
        raise validation_error("Transaction payload size cannot exceed 4 MB")
    if invalid is not None:
        reasons: list[dict[str, Any]] = [{"Code": "None"} for _ in actions]
        reasons[invalid[0]] = {"Code": "ValidationError", "Message": invalid[1]}
        raise cancelled(reasons)
    return actions


def cancelled(reasons: list[dict[str, Any]]) -> AwsError:
    codes = ", ".join(reason["Code"] for reason in reasons)
    return AwsError(
        "TransactionCanceledException",
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        CancellationReasons=reasons,
    )


@operation("TransactWriteItems")
def transact_write_items(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    token = params.get("ClientRequestToken")
    digest = request_digest(params) if token else ""
    mode = params.get("ReturnConsumedCapacity")
    if token:
        previous = previous_answer(backend, ctx, token, digest)
        if previous is not None:
            return _replayed(ctx, previous, mode)
    actions = _plan(ctx, params)
    metrics_wanted = params.get("ReturnItemCollectionMetrics") == "SIZE"
    with backend.store.write() as writer:
        olds: list[tuple[Item | None, int]] = []
        reasons: list[dict[str, Any]] = []
        failed = False
        news: list[Item | None] = []
        for action in actions:
            old, old_size = backend.read(action.table, action.pk, action.sk, writer)
            olds.append((old, old_size))
            reason: dict[str, Any] = {"Code": "None"}
            new: Item | None = None
            if action.expressions is not None and not action.expressions.matches(old):
                reason = {"Code": "ConditionalCheckFailed", "Message": CONDITION_FAILED}
                if action.params.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and old is not None:
                    reason["Item"] = old
                failed = True
            elif action.kind == "Put":
                new = action.item
            elif action.kind == "Update":
                try:
                    update = action.expressions.update if action.expressions is not None else None
                    new = updated_item(update, action.table, action.key, old)
                    if new is not None:
                        check_new_item(
                            action.table,
                            new,
                            "Item size to update has exceeded the maximum allowed size",
                            updating=True,
                        )
                except AwsError as error:
                    reason = {"Code": "ValidationError", "Message": error.message}
                    failed = True
            news.append(new)
            reasons.append(reason)
        if failed:
            raise cancelled(reasons)
        capacities = []
        replay_units: dict[str, float] = {}
        for action, (old, old_size), new in zip(actions, olds, news, strict=True):
            size = 0
            index_units: dict[str, float] = {}
            if action.kind in ("Put", "Update") and new is not None:  # (None: an update that creates nothing)
                index_units = backend.apply(writer, action.table, action.pk, action.sk, old, old_size, new)
                size = item_size(new)
            elif action.kind == "Delete":
                index_units = backend.apply(writer, action.table, action.pk, action.sk, old, old_size, None)
            units = (
                read_units(old_size, True, transactional=True)
                if action.kind == "ConditionCheck"
                else write_units(max(size, old_size), transactional=True)
            )
            # Only the table's share doubles: an index write inside a transaction costs what it costs outside.
            capacity = consumed(action.table, mode, units, index_units, "write")
            if capacity is not None:
                capacities.append(capacity)
            # A replay with this token is billed as a transactional read of the images this call was sized on.
            image = old_size if action.kind == "ConditionCheck" else max(size, old_size)
            name = action.table.name
            replay_units[name] = replay_units.get(name, 0.0) + read_units(image, True, transactional=True)
        result: dict[str, Any] = {}
        if capacities:
            result["ConsumedCapacity"] = merge(capacities)
        if metrics_wanted:
            metrics: dict[str, list[dict[str, Any]]] = {}
            for action in actions:
                if action.table.lsis and action.kind != "ConditionCheck":
                    metrics.setdefault(action.table.name, []).append(
                        {
                            "ItemCollectionKey": {
                                action.table.schema.partition: action.key[action.table.schema.partition]
                            },
                            "SizeEstimateRangeGB": [0.0, 1.0],
                        }
                    )
            if metrics:
                result["ItemCollectionMetrics"] = metrics
        if token:
            remember(writer, ctx, token, digest, result, replay_units)
    return result


REPLAY_UNITS = "replayReadUnits"  # kept beside the stored answer, never sent


def remember(
    writer: Writer, ctx: RequestContext, token: str, digest: str, result: dict[str, Any], replay_units: dict[str, float]
) -> None:
    """Keep a transaction's answer under its ClientRequestToken (in the write's own transaction), so that a
    retry within TOKEN_LIFETIME gets it again; expired tokens go at the same time."""
    writer.connection.execute("DELETE FROM tokens WHERE created < ?", (time.time() - TOKEN_LIFETIME,))
    writer.connection.execute(
        "INSERT OR REPLACE INTO tokens (token, account, digest, created, response) VALUES (?, ?, ?, ?, ?)",
        (token, ctx.account_id, digest, time.time(), json.dumps(_remembered(result, replay_units))),
    )


def _remembered(result: dict[str, Any], replay_units: dict[str, float]) -> dict[str, Any]:
    """What to store for a token: the answer without its capacity, and what a replay costs per table."""
    stored = {key: value for key, value in result.items() if key != "ConsumedCapacity"}
    stored[REPLAY_UNITS] = replay_units
    return stored


def _replayed(ctx: RequestContext, stored: dict[str, Any], mode: str | None) -> dict[str, Any]:
    """The answer to a repeated token: the first answer, with read capacity in the replay's own mode (AWS
    documents that a repeat "returns the number of read capacity units consumed in reading the item")."""
    result = {key: value for key, value in stored.items() if key not in (REPLAY_UNITS, "ConsumedCapacity")}
    backend: Backend = ctx.backend
    capacities = []
    for name, units in (stored.get(REPLAY_UNITS) or {}).items():
        capacity = consumed(backend.table(ctx.account_id, ctx.region, name), mode, units, None, "read")
        if capacity is not None:
            capacities.append(capacity)
    if capacities:
        result["ConsumedCapacity"] = capacities
    return result


def previous_answer(backend: Backend, ctx: RequestContext, token: str, digest: str) -> dict[str, Any] | None:
    """The answer to an earlier request with this ClientRequestToken, if it is still remembered."""
    row = (
        backend.store.reader()
        .execute(
            "SELECT digest, created, response FROM tokens WHERE token = ? AND account = ?", (token, ctx.account_id)
        )
        .fetchone()
    )
    if row is None or time.time() - row[1] > TOKEN_LIFETIME:
        return None
    if row[0] != digest:
        raise AwsError(
            "IdempotentParameterMismatchException",
            "The request uses the same client token as a previous, but non-identical request.",
        )
    return json.loads(row[2])


@operation("TransactGetItems")
def transact_get_items(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    plans = []
    seen: set[tuple[int, bytes, bytes]] = set()
    invalid: tuple[int, str] | None = None
    for position, entry in enumerate(params["TransactItems"]):
        get = entry["Get"]
        expressions = parse_request(get, ("ProjectionExpression",))
        table = backend.table(ctx.account_id, ctx.region, get["TableName"])
        if invalid is not None:
            continue
        try:
            key = validate_key(get["Key"], table.schema)
        except (EmptyKeyValue, InputFault):
            raise
        except AwsError as error:
            # As in a write transaction: a key that does not match the schema is this Get's ValidationError.
            invalid = (position, error.message)
            continue
        pk, sk = table.encode_key(key)
        if (table.tid, pk, sk) in seen:
            raise validation_error("Transaction request cannot include multiple operations on one item")
        seen.add((table.tid, pk, sk))
        plans.append((table, (pk, sk), expressions))
    if invalid is not None:
        reasons: list[dict[str, Any]] = [{"Code": "None"} for _ in params["TransactItems"]]
        reasons[invalid[0]] = {"Code": "ValidationError", "Message": invalid[1]}
        raise cancelled(reasons)
    responses = []
    capacities = []
    mode = params.get("ReturnConsumedCapacity")
    with backend.store.snapshot() as connection:
        for table, (pk, sk), expressions in plans:
            row = backend.store.get(table.tid, pk, sk, connection)
            if row is None:
                responses.append({})
                size = 0
            else:
                item = unpack(row[0])
                size = row[1]
                projected = expressions.project(item) if expressions is not None else item
                responses.append({"Item": projected} if projected else {})
            capacity = consumed(table, mode, read_units(size, True, transactional=True), None, "read")
            if capacity is not None:
                capacities.append(capacity)
    result: dict[str, Any] = {"Responses": responses}
    if capacities:
        result["ConsumedCapacity"] = merge(capacities)
    return result
