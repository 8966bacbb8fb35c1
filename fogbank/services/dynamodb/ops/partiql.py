"""ExecuteStatement: one PartiQL statement, run as the Query, Scan or item write it amounts to.

A SELECT whose WHERE has an equality on the partition key (ANDed at the top, perhaps with one sort key
condition) reads that partition as a Query does; any other SELECT is a Scan with the WHERE as its filter.
INSERT, UPDATE and DELETE name one item by its whole key and run as PutItem (refusing an existing item),
UpdateItem (on an existing item) and DeleteItem, the rest of the WHERE being their condition. NextToken
carries the page's LastEvaluatedKey and a digest of the statement it belongs to.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator
from typing import Any

from fogbank.core.commit import Deferred
from fogbank.core.context import RequestContext
from fogbank.services.base import operation
from fogbank.services.dynamodb.attributes import AttributeValue, Item, validate_value
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.capacity import consumed, read_units, write_units
from fogbank.services.dynamodb.keys import encode_key_value, sort_key_range
from fogbank.services.dynamodb.ops.items import returned_attributes
from fogbank.services.dynamodb.ops.query_scan import build_page, query_rows, scan_rows, start_key
from fogbank.services.dynamodb.partiql import errors
from fogbank.services.dynamodb.partiql.errors import invalid
from fogbank.services.dynamodb.partiql.plan import (
    SelectPlan,
    WritePlan,
    new_size,
    outcome,
    prepare,
    select_plan,
    write_plan,
)
from fogbank.services.dynamodb.partiql.syntax import Exists, Select
from fogbank.services.dynamodb.store import HASH_SPACE, Writer


@operation("ExecuteStatement")
def execute_statement(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any] | Deferred:
    backend: Backend = ctx.backend
    node, values = prepare(params["Statement"], params.get("Parameters"))
    if isinstance(node, Select):
        return run_select(ctx, node, values, params)
    if isinstance(node, Exists):
        raise invalid(errors.EXISTS_OUTSIDE)
    plan = write_plan(ctx, node, values, params.get("ReturnValuesOnConditionCheckFailure"))
    mode = params.get("ReturnConsumedCapacity")
    return backend.store.deferred(lambda writer: run_write(backend, writer, plan, mode))


# -- SELECT -----------------------------------------------------------------------------------------


def run_select(
    ctx: RequestContext, node: Select, values: list[AttributeValue], params: dict[str, Any]
) -> dict[str, Any]:
    backend: Backend = ctx.backend
    consistent = bool(params.get("ConsistentRead"))
    plan = select_plan(ctx, node, values, consistent, params["Statement"])
    token = params.get("NextToken")
    if token is None and _names_one_item(plan):
        return _read_item(backend, plan, params)
    start = None
    if token is not None:
        digest = statement_digest(params["Statement"], values)
        start = start_key(plan.table, plan.index, read_token(token, digest), "Query")
    connection = backend.store.reader()
    if plan.read is not None:
        rows = _partition_rows(connection, plan, start)
    else:
        rows = scan_rows(connection, plan.table, plan.index, (0, HASH_SPACE), start)
    page_params = {
        "Limit": params.get("Limit"),
        "ConsistentRead": consistent,
        "ReturnConsumedCapacity": params.get("ReturnConsumedCapacity"),
    }
    page = build_page(backend, plan.table, plan.index, rows, page_params, plan.expressions, plan.select)
    result: dict[str, Any] = {"Items": page.get("Items", [])}
    last = page.get("LastEvaluatedKey")
    if last is not None:
        result["NextToken"] = make_token(last, statement_digest(params["Statement"], values))
        result["LastEvaluatedKey"] = last
    if "ConsumedCapacity" in page:
        result["ConsumedCapacity"] = page["ConsumedCapacity"]
    return result


def _names_one_item(plan: SelectPlan) -> bool:
    """A SELECT of the table whose WHERE gives the whole primary key: GetItem's read of one item."""
    read = plan.read
    if read is None or plan.index is not None:
        return False
    if len(read.partitions) > 1:
        return False
    return plan.table.schema.sort is None or read.sort_operator == "EQ"


def _read_item(backend: Backend, plan: SelectPlan, params: dict[str, Any]) -> dict[str, Any]:
    read = plan.read
    assert read is not None
    schema = plan.table.schema
    key = {schema.partition: read.partition_value}
    if schema.sort is not None:
        key[schema.sort] = read.sort_values[0]
    pk, sk = plan.table.encode_key(key)
    expressions = plan.expressions
    items: list[Any] = []
    if expressions.filter is None and expressions.projection is None:
        raw, size = backend.read_raw(plan.table, pk, sk)  # sent as stored, as GetItem does
        if raw is not None:
            items.append(raw)
    else:
        item, size = backend.read(plan.table, pk, sk)
        if item is not None and expressions.passes_filter(item):
            items.append(expressions.project(item))
    result: dict[str, Any] = {"Items": items}
    mode = params.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        result["ConsumedCapacity"] = consumed(plan.table, mode, read_units(size, bool(params.get("ConsistentRead"))))
    return result


def _partition_rows(connection: Any, plan: SelectPlan, start: Item | None) -> Iterator[tuple[int, bytes]]:
    """The rows of each partition the read names, in turn, resuming after ``start`` in its own partition."""
    read = plan.read
    assert read is not None
    schema = plan.index.schema if plan.index is not None else plan.table.schema
    encoded = [encode_key_value(value, schema.partition_type) for value in read.partitions]
    first = 0
    if start is not None:
        resumed = encode_key_value(start[schema.partition], schema.partition_type)
        if resumed not in encoded:
            raise invalid("The provided starting key is invalid")
        first = encoded.index(resumed)
    bounds = None
    if read.sort_operator is not None:
        bounds = sort_key_range(read.sort_operator, read.sort_values, schema.sort_type or "S")
    if len(encoded) == 1:
        return query_rows(connection, plan.table, plan.index, encoded[0], bounds, plan.forward, start)
    return _chained(connection, plan, encoded[first:], bounds, start)


def _chained(
    connection: Any, plan: SelectPlan, partitions: list[bytes], bounds: Any, start: Item | None
) -> Iterator[tuple[int, bytes]]:
    for position, partition in enumerate(partitions):
        rows = query_rows(
            connection, plan.table, plan.index, partition, bounds, plan.forward, start if position == 0 else None
        )
        try:
            yield from rows
        finally:
            rows.close()


def statement_digest(statement: str, values: list[AttributeValue]) -> str:
    """Which request a NextToken belongs to: the statement and its parameters."""
    text = json.dumps([statement, values], sort_keys=True, default=_bytes_text)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _bytes_text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    raise TypeError(type(value).__name__)


def make_token(key: Item, digest: str) -> str:
    encoded = {name: _encode_key_value(value) for name, value in key.items()}
    return base64.urlsafe_b64encode(json.dumps({"d": digest, "k": encoded}).encode()).decode()


def _encode_key_value(value: AttributeValue) -> dict[str, str]:
    if "B" in value:
        return {"B": base64.b64encode(value["B"]).decode()}
    return dict(value)


def read_token(token: str, digest: str) -> Item:
    """The start key a NextToken carries; ValidationException as DynamoDB words it for a bad or foreign one."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        key_data = data["k"]
        stored_digest = data["d"]
        if not isinstance(key_data, dict) or not isinstance(stored_digest, str):
            raise ValueError
        key: Item = {}
        for name, value in key_data.items():
            if not isinstance(value, dict) or len(value) != 1:
                raise ValueError
            kind, member = next(iter(value.items()))
            if kind == "B":
                value = {"B": base64.b64decode(member, validate=True)}
            elif kind not in ("S", "N") or not isinstance(member, str):
                raise ValueError
            key[name] = validate_value(value)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        raise invalid(errors.INVALID_NEXT_TOKEN) from None
    except Exception as error:  # an AttributeValue that does not validate
        if getattr(error, "code", None) == "ValidationException":
            raise invalid(errors.INVALID_NEXT_TOKEN) from None
        raise
    if stored_digest != digest:
        raise invalid(errors.TOKEN_MISMATCH)
    return key


# -- INSERT, UPDATE, DELETE -------------------------------------------------------------------------


def run_write(backend: Backend, writer: Writer, plan: WritePlan, mode: str | None) -> dict[str, Any]:
    """One write inside a write transaction: its checks, its effect, its answer."""
    table = backend.current(plan.table)
    old, old_size = backend.read(table, plan.pk, plan.sk, writer)
    changes, new = outcome(plan, old)
    index_units: dict[str, float] = {}
    size = new_size(new) if changes else 0
    if changes:
        index_units = backend.apply(writer, table, plan.pk, plan.sk, old, old_size, new, size if new else -1)
    result: dict[str, Any] = {"Items": []}
    attributes = returned(plan, old, new)
    if attributes:
        result["Items"] = [attributes]
    capacity = consumed(table, mode, write_units(max(size, old_size)), index_units)
    if capacity is not None:
        result["ConsumedCapacity"] = capacity
    return result


def returned(plan: WritePlan, old: Item | None, new: Item | None) -> Item | None:
    """What RETURNING asks for: ALL OLD / MODIFIED OLD / ALL NEW / MODIFIED NEW."""
    if plan.return_values == "NONE":
        return None
    if plan.kind == "Delete":
        return old
    return returned_attributes(plan.return_values, plan.update, old, new or {})
