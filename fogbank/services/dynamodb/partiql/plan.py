"""A parsed statement against its table: what it reads or writes, checked before anything runs.

``prepare`` parses and binds the ``?`` parameters; ``select_plan`` and ``write_plan`` resolve the table,
the key and the condition; ``outcome`` decides, given the stored item, what a write leaves (or raises
the error DynamoDB answers). The handlers in ops/ run the plans with the engine's own reads and writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.dynamodb.attributes import AttributeValue, Item, item_size, sized_item, type_of, validate_value
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.expressions import evaluate, nodes
from fogbank.services.dynamodb.expressions.paths import get_path
from fogbank.services.dynamodb.keys import encode_key_value, validate_item_key
from fogbank.services.dynamodb.model import Index, Table
from fogbank.services.dynamodb.ops.expr import RequestExpressions, check_scalar_keys
from fogbank.services.dynamodb.ops.items import (
    PUT_TOO_BIG,
    UNSUPPORTED_INDEX_TYPE,
    UPDATE_TOO_BIG,
    check_new_item,
    check_update,
    condition_failed,
    updated_item,
)
from fogbank.services.dynamodb.partiql import errors, translate
from fogbank.services.dynamodb.partiql.errors import invalid
from fogbank.services.dynamodb.partiql.parser import parse
from fogbank.services.dynamodb.partiql.syntax import Delete, Exists, Insert, Select, Statement, Struct, Update
from fogbank.services.dynamodb.partiql.values import members_of


def prepare(statement: str, parameters: list[Any] | None) -> tuple[Statement, list[AttributeValue]]:
    """The statement's tree and its parameters as checked AttributeValues."""
    node, count = parse(statement)
    params = [value if _plain_string(value) else validate_value(value) for value in parameters or ()]
    if len(params) < count:
        raise invalid(errors.PARAMETER_COUNT)
    return node, params


def _plain_string(value: Any) -> bool:
    """Most parameters: a string, valid as it came (the decoder checked its shape)."""
    return type(value) is dict and len(value) == 1 and type(value.get("S")) is str


def is_read(node: Statement) -> bool:
    return isinstance(node, Select)


# -- reads ------------------------------------------------------------------------------------------


class StatementExpressions(RequestExpressions):
    """A SELECT's filter and projection in the shape Query and Scan take (ops/query_scan.build_page).

    A projected path comes back under its own name (``translate.projection_names``), not nested."""

    def __init__(self, filter_condition: Any, named: list[tuple[str, nodes.Path]] | None) -> None:
        self.filter = filter_condition
        self.named = named
        self.projection = nodes.Projection(tuple(p for _, p in named)) if named else None

    def project(self, item: Item) -> Item:
        if not self.named:
            return item
        projected = {}
        for name, target in self.named:
            value = get_path(item, target.elements)
            if value is not None:
                projected[name] = value
        return projected


@dataclass
class SelectPlan:
    table: Table
    index: Index | None
    read: translate.KeyRead | None  # None: a scan
    expressions: StatementExpressions
    forward: bool
    select: str  # build_page's Select: ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES or SPECIFIC_ATTRIBUTES


def resolve_table(ctx: RequestContext, name: str, index_name: str | None) -> tuple[Table, Index | None]:
    backend: Backend = ctx.backend
    table = backend.table(ctx.account_id, ctx.region, name)
    if index_name is None:
        return table, None
    index = table.index(index_name)
    if index is None or index.status == "DELETING":
        raise invalid(errors.INDEX_NOT_FOUND.format(index_name))
    if index.status == "CREATING":
        raise invalid(f"Cannot read from backfilling global secondary index: {index_name}")
    return table, index


def select_plan(
    ctx: RequestContext, node: Select, params: list[AttributeValue], consistent: bool, statement: str = ""
) -> SelectPlan:
    """``statement``: the text ``node`` was parsed from, when the caller has it (it keys translate's cache)."""
    named = translate.projection_names(node.projection) if node.projection is not None else None
    table, index = resolve_table(ctx, node.table, node.index)
    if index is not None and not index.local and consistent:
        raise invalid(errors.CONSISTENT_GSI)
    schema = index.schema if index is not None else table.schema
    if node.order_by and node.where is None:
        raise invalid(errors.ORDER_BY_WHERE)
    read, rest = translate.key_read(node.where, schema, params, statement)
    forward = True
    if node.order_by:
        if read is None:
            raise invalid(errors.ORDER_BY_HASH)
        names = [str(key.elements[0]) for key, _ in node.order_by]
        for name in names:
            if name not in schema.names:
                raise invalid(errors.ORDER_BY_KEY.format(name))
        if len(read.partitions) > 1 and schema.partition not in names:
            raise invalid(errors.ORDER_BY_PARTITIONS)
        for key, descending in node.order_by:
            name = str(key.elements[0])
            if name == schema.partition and len(read.partitions) > 1:
                # Several partitions come back in the order of their keys.
                ordered = sorted(read.partitions, key=lambda v: encode_key_value(v, schema.partition_type))
                read = replace(read, partitions=tuple(reversed(ordered) if descending else ordered))
            if name == schema.sort or schema.sort is None:
                forward = not descending
    filter_condition = translate.condition(rest, params) if rest is not None else None
    expressions = StatementExpressions(filter_condition, named)
    if named:
        check_scalar_keys([target for _, target in named], table)
        select = "SPECIFIC_ATTRIBUTES"
    else:
        select = "ALL_PROJECTED_ATTRIBUTES" if index is not None else "ALL_ATTRIBUTES"
    return SelectPlan(table, index, read, expressions, forward, select)


def single_read(ctx: RequestContext, node: Select, params: list[AttributeValue], message: str):
    """A SELECT of one item by its whole key (batches and transactions): (table, key, expressions)."""
    if node.index is not None:
        raise invalid(errors.TRANSACTION_INDEX if message == errors.TRANSACTION_SELECT_KEY else message)
    named = translate.projection_names(node.projection) if node.projection is not None else None
    table, _ = resolve_table(ctx, node.table, None)
    try:
        key, rest = translate.item_key(node.where, table.schema, params)
    except AwsError as error:
        if errors.is_key_type(error.message):
            raise  # the key is there, of the wrong type: said as for any statement
        raise invalid(message) from None
    if rest is not None:
        raise invalid(message)
    return table, key, StatementExpressions(None, named)


# -- writes -----------------------------------------------------------------------------------------


@dataclass
class WritePlan:
    kind: str  # "Insert", "Update", "Delete" or "Check" (a transaction's EXISTS)
    table: Table
    key: Item
    pk: bytes
    sk: bytes
    condition: Any = None  # the rest of the WHERE, bound
    update: nodes.Update | None = None
    item: Item | None = None  # an INSERT's item
    size: int = 0
    return_values: str = "NONE"
    on_failure: str | None = None  # ReturnValuesOnConditionCheckFailure
    extra: dict[str, Any] = field(default_factory=dict)


def write_plan(
    ctx: RequestContext, node: Statement, params: list[AttributeValue], on_failure: str | None = None
) -> WritePlan:
    if isinstance(node, Insert):
        return _insert_plan(ctx, node, params, on_failure)
    if isinstance(node, Exists):
        inner = node.select
        if inner.index is not None:
            raise invalid("Operations on indices are not supported in transactions")
        table, _ = resolve_table(ctx, inner.table, None)
        try:
            key, rest = translate.item_key(inner.where, table.schema, params)
        except AwsError as error:
            if error.message == errors.INCOMPLETE_KEY:
                raise invalid(errors.EXISTS_KEY) from None
            raise
        condition = translate.condition(rest, params) if rest is not None else None
        return _plan("Check", table, key, condition, on_failure=on_failure)
    assert isinstance(node, (Update, Delete))
    table, _ = resolve_table(ctx, node.table, None)
    key, rest = translate.item_key(node.where, table.schema, params)
    condition = translate.condition(rest, params) if rest is not None else None
    return_values = translate.RETURN_VALUES[node.returning] if node.returning else "NONE"
    if isinstance(node, Delete):
        return _plan("Delete", table, key, condition, return_values=return_values, on_failure=on_failure)
    update = translate.update(node.actions, params)
    check_update(update, table)
    return _plan("Update", table, key, condition, update=update, return_values=return_values, on_failure=on_failure)


def _plan(kind: str, table: Table, key: Item, condition: Any, **fields: Any) -> WritePlan:
    pk, sk = table.encode_key(key)
    return WritePlan(kind, table, key, pk, sk, condition, **fields)


def _insert_plan(ctx: RequestContext, node: Insert, params: list[AttributeValue], on_failure: str | None) -> WritePlan:
    if not isinstance(node.value, Struct):
        if type(node.value).__name__ == "Bag":
            raise invalid(errors.INSERT_MANY)
        raise invalid(errors.INSERT_FORMAT)
    members = members_of(node.value, params)
    item, size = sized_item(members)
    if size > 400 * 1024:
        raise invalid(PUT_TOO_BIG)
    table, _ = resolve_table(ctx, node.table, None)
    for name, kind, _ in table.schema.elements():
        if name not in item:
            raise invalid(errors.KEY_ABSENT.format(name))
        if type_of(item[name]) != kind:
            raise invalid(errors.KEY_TYPE.format(name))
    validate_item_key(item, table.schema)
    check_new_item(table, item, PUT_TOO_BIG, size)
    key = {name: item[name] for name in table.schema.names}
    plan = _plan("Insert", table, key, None, item=item, size=size, on_failure=on_failure)
    return plan


def outcome(plan: WritePlan, old: Item | None) -> tuple[bool, Item | None]:
    """(whether the write changes anything, the item it leaves: None deletes), or the error DynamoDB raises."""
    if plan.kind == "Insert":
        if old is not None:
            raise AwsError("DuplicateItemException", errors.DUPLICATE_ITEM)
        return True, plan.item
    if plan.kind == "Delete":
        if old is None:
            return False, None  # deleting what is not there is no error, whatever the condition says
        if plan.condition is not None and not evaluate(plan.condition, old):
            raise condition_failed(old, plan.on_failure)
        return True, None
    # Update and Check: the item must exist, and the rest of the WHERE hold for it.
    if old is None or (plan.condition is not None and not evaluate(plan.condition, old)):
        raise condition_failed(old, plan.on_failure)
    if plan.kind == "Check":
        return False, old
    new = updated_item(plan.update, plan.table, plan.key, old)
    check_new_item(plan.table, new, UPDATE_TOO_BIG, mismatch=UNSUPPORTED_INDEX_TYPE)
    return True, new


def new_size(new: Item | None) -> int:
    return item_size(new) if new is not None else 0
