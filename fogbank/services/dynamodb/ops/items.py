"""Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem."""

from __future__ import annotations

from typing import Any

from fogbank.core.commit import Deferred
from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError, validation_error
from fogbank.services.base import operation
from fogbank.services.dynamodb.attributes import (
    INVALID,
    MAX_ITEM_SIZE,
    MAX_NESTING_DEPTH,
    TOO_DEEP,
    Item,
    item_size,
    nesting_levels,
    sized_item,
    type_of,
)
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.capacity import consumed, read_units, write_units
from fogbank.services.dynamodb.expressions.apply import apply_update
from fogbank.services.dynamodb.expressions.nodes import (
    AddAction,
    Arithmetic,
    DeleteAction,
    Function,
    Path,
    RemoveAction,
    SetAction,
    Update,
    Value,
    walk,
)
from fogbank.services.dynamodb.expressions.projection import project
from fogbank.services.dynamodb.keys import (
    empty_index_key_update,
    key_values,
    match_key,
    validate_index_keys,
    validate_item_key,
)
from fogbank.services.dynamodb.model import Table
from fogbank.services.dynamodb.ops.expr import check_parameters, check_scalar_keys, parse_request
from fogbank.services.dynamodb.store import Writer

CONDITION_FAILED = "The conditional request failed"
PUT_TOO_BIG = "Item size has exceeded the maximum allowed size"
UPDATE_TOO_BIG = "Item size to update has exceeded the maximum allowed size"
# An update whose index key gets a wrong type known only once the item is read (``SET gsi_key = other``); a
# type the request itself shows is refused earlier with the "Type mismatch for Index Key" wording.
UNSUPPORTED_INDEX_TYPE = "The update expression attempted to update the secondary index key to unsupported type"
# The old item of a blind overwrite, when only its existence matters (a table without indexes).
PRESENT: Item = {}
PUT_EXPRESSIONS = ("ConditionExpression",)
GET_EXPRESSIONS = ("ProjectionExpression",)
UPDATE_EXPRESSIONS = ("UpdateExpression", "ConditionExpression")


def condition_failed(old: Item | None, return_on_failure: str | None) -> AwsError:
    fields = {"Item": old} if return_on_failure == "ALL_OLD" and old else {}
    return AwsError("ConditionalCheckFailedException", CONDITION_FAILED, **fields)


def check_old_only(value: str | None) -> str:
    """PutItem's and DeleteItem's ReturnValues: the protocol layer has already refused values outside the enum."""
    value = value or "NONE"
    if value not in ("NONE", "ALL_OLD"):
        raise validation_error("ReturnValues can only be ALL_OLD or NONE")
    return value


def index_schemas(table: Table) -> list[tuple[str, Any]]:
    # AWS names the alphabetically first index when several are keyed on the offending attribute.
    return sorted(((index.name, index.schema) for index in table.indexes), key=lambda pair: pair[0])


def collection_metrics(table: Table, key: Item, params: dict[str, Any]) -> dict[str, Any] | None:
    """ItemCollectionMetrics: only tables with local secondary indexes have item collections."""
    if params.get("ReturnItemCollectionMetrics") != "SIZE" or not table.lsis:
        return None
    return {
        "ItemCollectionKey": {table.schema.partition: key[table.schema.partition]},
        "SizeEstimateRangeGB": [0.0, 1.0],
    }


def finish(result: dict[str, Any], capacity: dict[str, Any] | None, metrics: dict[str, Any] | None) -> dict[str, Any]:
    if capacity is not None:
        result["ConsumedCapacity"] = capacity
    if metrics is not None:
        result["ItemCollectionMetrics"] = metrics
    return result


def check_new_item(
    table: Table, item: Item, too_big: str, size: int = -1, mismatch: str | None = None, updating: bool = False
) -> int:
    if table.indexes:
        validate_index_keys(item, index_schemas(table), mismatch, updating)
    if size < 0:
        size = item_size(item)
    if size > MAX_ITEM_SIZE:
        raise validation_error(too_big)
    return size


# -- PutItem ----------------------------------------------------------------------------------------


@operation("PutItem")
def put_item(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any] | Deferred:
    backend: Backend = ctx.backend
    # DynamoDB's order: the values, ReturnValues, the size, the conditions, then (with the table) the keys.
    item, size = sized_item(params["Item"])
    return_values = check_old_only(params.get("ReturnValues"))
    if size > MAX_ITEM_SIZE:
        raise validation_error(PUT_TOO_BIG)
    expressions = parse_request(params, PUT_EXPRESSIONS)
    table = backend.table(ctx.account_id, ctx.region, params["TableName"])
    validate_item_key(item, table.schema)
    if table.indexes:
        validate_index_keys(item, index_schemas(table))
    pk, sk = table.encode_key(item)

    def write(writer: Writer) -> dict[str, Any]:
        current = backend.current(table)
        if (
            expressions is None
            and return_values == "NONE"
            and not current.indexes
            and current.stream_id is None
            and not current.keeps_history
        ):
            # A plain overwrite needs only whether an item was there and its size, not the item itself (a
            # stream's record and a PITR table's history need the old item).
            stored = writer.size_of(current.tid, pk, sk)
            old, old_size = (None, 0) if stored is None else (PRESENT, stored)
        else:
            old, old_size = backend.read(current, pk, sk, writer)
        if expressions is not None and not expressions.matches(old):
            raise condition_failed(old, params.get("ReturnValuesOnConditionCheckFailure"))
        index_units = backend.apply(writer, current, pk, sk, old, old_size, item, size)
        result: dict[str, Any] = {}
        if return_values == "ALL_OLD" and old is not None:
            result["Attributes"] = old
        units = write_units(max(size, old_size))
        capacity = consumed(current, params.get("ReturnConsumedCapacity"), units, index_units)
        return finish(result, capacity, collection_metrics(current, item, params))

    return backend.store.deferred(write)


# -- GetItem ----------------------------------------------------------------------------------------


@operation("GetItem")
def get_item(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    expressions = parse_request(params, GET_EXPRESSIONS)
    key = key_values(params["Key"])
    table = backend.table(ctx.account_id, ctx.region, params["TableName"])
    match_key(key, table.schema)
    if expressions is not None and expressions.projection is not None:
        # (AttributesToGet names only top-level attributes, so only a ProjectionExpression can trip this.)
        check_scalar_keys(expressions.projection.paths, table)
    pk, sk = table.encode_key(key)
    result: dict[str, Any] = {}
    if expressions is None:
        raw, size = backend.read_raw(table, pk, sk)
        if raw is not None:
            result["Item"] = raw
    else:
        item, size = backend.read(table, pk, sk)
        if item is not None:
            result["Item"] = expressions.project(item)
    mode = params.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        units = read_units(size, bool(params.get("ConsistentRead")))
        result["ConsumedCapacity"] = consumed(table, mode, units, None)
    return result


# -- DeleteItem -------------------------------------------------------------------------------------


@operation("DeleteItem")
def delete_item(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any] | Deferred:
    backend: Backend = ctx.backend
    # The Key's values are checked after the rules on mixing parameters, before anything else.
    check_parameters(params, PUT_EXPRESSIONS)
    key = key_values(params["Key"])
    return_values = check_old_only(params.get("ReturnValues"))
    expressions = parse_request(params, PUT_EXPRESSIONS)
    table = backend.table(ctx.account_id, ctx.region, params["TableName"])
    match_key(key, table.schema)
    pk, sk = table.encode_key(key)

    def write(writer: Writer) -> dict[str, Any]:
        current = backend.current(table)
        old, old_size = backend.read(current, pk, sk, writer)
        if expressions is not None and not expressions.matches(old):
            raise condition_failed(old, params.get("ReturnValuesOnConditionCheckFailure"))
        index_units = backend.apply(writer, current, pk, sk, old, old_size, None)
        result: dict[str, Any] = {}
        if return_values == "ALL_OLD" and old is not None:
            result["Attributes"] = old
        capacity = consumed(current, params.get("ReturnConsumedCapacity"), write_units(old_size), index_units)
        return finish(result, capacity, collection_metrics(current, key, params))

    return backend.store.deferred(write)


# -- UpdateItem -------------------------------------------------------------------------------------


def check_key_untouched(update: Update, table: Table) -> None:
    for path in update.paths:
        name = path.elements[0]
        if name in table.schema.names:
            raise validation_error(f"{INVALID}Cannot update attribute {name}. This attribute is part of the key")


def static_empty(value: Any) -> bool:
    """Whether an update operand is an empty string or binary before the item is read."""
    if isinstance(value, Value):
        kind = type_of(value.value)
        return kind in ("S", "B") and len(value.value[kind]) == 0
    return False


def static_type(value: Any) -> str | None:
    """The type an update operand is known to have before the item is read (None for a document path)."""
    if isinstance(value, Value):
        return type_of(value.value)
    if isinstance(value, Arithmetic):
        return "N"
    if isinstance(value, Function):
        if value.name == "list_append":
            return "L"
        if value.name == "if_not_exists" and len(value.args) == 2:
            return static_type(value.args[1])
    return None


def check_index_types(update: Update, table: Table) -> None:
    """Refuse, before reading the item, an update that writes an index key with a value of the wrong type, or
    an empty string or binary."""
    # (DELETE is left to the write: no evidence of how DynamoDB treats a set deleted from an index key.)
    written: dict[str, str | None] = {}
    empty: set[str] = set()
    for action in update.actions:
        if len(action.path.elements) == 1 and isinstance(action, (SetAction, AddAction)):
            written[action.path.elements[0]] = static_type(action.value)
            if static_empty(action.value):
                empty.add(action.path.elements[0])
    if not written:
        return
    for index_name, schema in index_schemas(table):
        for name, kind, _ in schema.elements():
            actual = written.get(name)
            if actual == kind and name in empty:
                raise empty_index_key_update(kind)
            if actual is not None and actual != kind:
                raise validation_error(
                    f"{INVALID}Type mismatch for Index Key {name} Expected: {kind} Actual: {actual} IndexName: {index_name}"
                )


def check_update(update: Update, table: Table, index_types: bool = True) -> None:
    """An update's checks against the key schemas, in DynamoDB's order: a written table key attribute,
    then a statically mistyped index key (unless ``index_types`` is False: a transaction checks those
    as one action's fault), then any path (written or read) into a key attribute."""
    check_key_untouched(update, table)
    if table.indexes and index_types:
        check_index_types(update, table)
    check_scalar_keys([node for action in update.actions for node in walk(action) if isinstance(node, Path)], table)


# UpdateItem's second size rule, measured against AWS (2026): what the update writes, each top-level attribute
# it names as the finished item holds it, plus a cost per action must fit in 400 KB as well as the item. The
# key and the attributes the update leaves alone do not count, so near a short key the ceiling sits a few
# bytes under 400 KB. (A transaction's Update is measured by the finished item alone, as AWS does.)
UPDATE_COST = 3
WRITE_ACTION_COST = 19  # SET or ADD; one more through a list index
REMOVE_ACTION_COST = 2  # REMOVE or DELETE


def update_cost(update: Update) -> int:
    cost = UPDATE_COST
    for action in update.actions:
        if isinstance(action, (SetAction, AddAction)):
            cost += WRITE_ACTION_COST + any(type(element) is int for element in action.path.elements)
        else:
            cost += REMOVE_ACTION_COST
    return cost


def check_update_size(update: Update, new: Item, size: int) -> None:
    cost = update_cost(update)
    if size + cost <= MAX_ITEM_SIZE:
        return  # what the update writes is part of the item: it cannot bind
    names = {action.path.elements[0] for action in update.actions}
    written = item_size({name: new[name] for name in names if name in new})
    if written + cost > MAX_ITEM_SIZE:
        raise validation_error(UPDATE_TOO_BIG)


def updated_item(update: Update | None, table: Table, key: Item, old: Item | None) -> Item | None:
    """The item an UpdateItem leaves: the old item (or just the key) with the update applied; None
    when the item is missing and the update only removes (REMOVE, DELETE): DynamoDB then creates nothing."""
    if old is None and update is not None and all(isinstance(a, (RemoveAction, DeleteAction)) for a in update.actions):
        return None
    base = old if old is not None else dict(key)
    if update is None:
        return dict(base)
    new = apply_update(update, base)
    check_written_depth(update, new)
    return new


def check_written_depth(update: Update, new: Item) -> None:
    """An update may nest a value deeper than the 32 levels an item holds (``SET a.b = :deep``)."""
    for action in update.actions:
        if isinstance(action, (SetAction, AddAction)):
            value = new.get(action.path.elements[0])
            if value is not None and ("M" in value or "L" in value) and nesting_levels(value) > MAX_NESTING_DEPTH:
                raise validation_error(TOO_DEEP)


@operation("UpdateItem")
def update_item(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any] | Deferred:
    backend: Backend = ctx.backend
    # The Key's values are checked after the rules on mixing parameters, before any expression.
    check_parameters(params, UPDATE_EXPRESSIONS)
    key = key_values(params["Key"])
    expressions = parse_request(params, UPDATE_EXPRESSIONS)
    return_values = params.get("ReturnValues") or "NONE"  # (every member of the enum is allowed)
    table = backend.table(ctx.account_id, ctx.region, params["TableName"])
    match_key(key, table.schema)
    update = expressions.update if expressions is not None else None
    if update is not None:
        check_update(update, table)
    pk, sk = table.encode_key(key)

    def write(writer: Writer) -> dict[str, Any]:
        current = backend.current(table)
        old, old_size = backend.read(current, pk, sk, writer)
        if expressions is not None and not expressions.matches(old):
            raise condition_failed(old, params.get("ReturnValuesOnConditionCheckFailure"))
        new = updated_item(update, current, key, old)
        size, index_units = 0, {}
        if new is not None:
            size = check_new_item(current, new, UPDATE_TOO_BIG, mismatch=UNSUPPORTED_INDEX_TYPE, updating=True)
            if update is not None and not update.legacy:
                check_update_size(update, new, size)
            index_units = backend.apply(writer, current, pk, sk, old, old_size, new, size)
        result: dict[str, Any] = {}
        attributes = returned_attributes(return_values, update, old, new)
        if attributes:
            result["Attributes"] = attributes
        units = write_units(max(size, old_size))
        capacity = consumed(current, params.get("ReturnConsumedCapacity"), units, index_units)
        return finish(result, capacity, collection_metrics(current, key, params))

    return backend.store.deferred(write)


def returned_attributes(return_values: str, update: Update | None, old: Item | None, new: Item | None) -> Item | None:
    if return_values == "ALL_OLD":
        return old
    if return_values == "ALL_NEW":
        return new
    if return_values in ("UPDATED_OLD", "UPDATED_NEW") and update is not None:
        source = old if return_values == "UPDATED_OLD" else new
        return project(source or {}, update.paths) if source else None
    return None
