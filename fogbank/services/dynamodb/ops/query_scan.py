"""Query and Scan: key ranges read in DynamoDB's order, with Limit, the 1 MB page, filters, projections,
secondary indexes and parallel scan segments."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.base import RawJson
from fogbank.protocols.errors import validation_error
from fogbank.services.base import operation
from fogbank.services.dynamodb.attributes import Item, validate_value
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.capacity import consumed, read_units
from fogbank.services.dynamodb.codec import unpack, wire_json
from fogbank.services.dynamodb.expressions import key_condition_from_expression, key_condition_from_legacy, legacy
from fogbank.services.dynamodb.expressions.nodes import Path, walk
from fogbank.services.dynamodb.keys import KEY_MISMATCH, encode_key_value
from fogbank.services.dynamodb.model import Index, Table
from fogbank.services.dynamodb.ops.expr import (
    RequestExpressions,
    check_parameters,
    check_scalar_keys,
    condition_paths,
)
from fogbank.services.dynamodb.store import HASH_SPACE, key_hash

PAGE_BYTES = 1024 * 1024
QUERY_EXPRESSIONS = ("KeyConditionExpression", "FilterExpression", "ProjectionExpression")
SCAN_EXPRESSIONS = ("FilterExpression", "ProjectionExpression")


# -- request checks ---------------------------------------------------------------------------------


def resolve_index(table: Table, params: dict[str, Any]) -> Index | None:
    name = params.get("IndexName")
    if name is None:
        return None
    index = table.index(name)
    if index is None or index.status == "DELETING":
        raise validation_error(f"The table does not have the specified index: {name}")
    if not index.local and params.get("ConsistentRead"):
        raise validation_error("Consistent reads are not supported on global secondary indexes")
    if index.status == "CREATING":
        raise validation_error(f"Cannot read from backfilling global secondary index: {name}")
    return index


def check_select(params: dict[str, Any], operation: str) -> None:
    """Select against the projection parameters, checked before the table is looked up.

    AWS reports these from Query inside the "1 validation error detected: " envelope and from Scan bare,
    and both name "Querying" in the IndexName message (recorded real responses; see the tests)."""
    select = params.get("Select")
    if select is None:
        return
    projection = "ProjectionExpression" if params.get("ProjectionExpression") is not None else None
    projection = projection or ("AttributesToGet" if params.get("AttributesToGet") is not None else None)
    message = None
    if select == "SPECIFIC_ATTRIBUTES":
        if not projection:
            message = (
                "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"
            )
    elif projection:
        shown = "only the Count" if select == "COUNT" else select
        message = f"Cannot specify the {projection} when choosing to get {shown}"
    elif select == "ALL_PROJECTED_ATTRIBUTES" and params.get("IndexName") is None:
        message = "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
    if message is not None:
        raise validation_error(f"1 validation error detected: {message}" if operation == "Query" else message)


def resolve_select(params: dict[str, Any], index: Index | None) -> str:
    """The effective Select of a request that passed ``check_select``."""
    select = params.get("Select")
    if select is None:
        if params.get("ProjectionExpression") is not None or params.get("AttributesToGet") is not None:
            return "SPECIFIC_ATTRIBUTES"
        return "ALL_PROJECTED_ATTRIBUTES" if index is not None else "ALL_ATTRIBUTES"
    if select == "ALL_ATTRIBUTES" and index is not None and not index.local:
        if index.projected_names is not None:
            raise validation_error(
                "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global "
                f"secondary index {index.name} because its projection type is not ALL"
            )
    return select


def check_legacy_parameters(params: dict[str, Any], filter_name: str) -> None:
    """The legacy filter and AttributesToGet are validated before the ExclusiveStartKey's values (the
    order AWS reports them in); RequestExpressions translates them later."""
    if filter_name == "ScanFilter" and params.get("AttributesToGet") is not None:
        legacy.projection_from_attributes_to_get(params["AttributesToGet"])
    if params.get(filter_name) is not None:
        legacy.check_conditions(params[filter_name])
    if filter_name == "QueryFilter" and params.get("AttributesToGet") is not None:
        legacy.projection_from_attributes_to_get(params["AttributesToGet"])


# Value errors AWS reports without the starting-key prefix (dynalite recorded this from AWS).
_BARE_VALUE_ERRORS = ("contains duplicates", "number set", "numeric value", "significant digits", "magnitude")


def check_start_values(params: dict[str, Any]) -> Item | None:
    """The ExclusiveStartKey's AttributeValues, validated before the table is looked up."""
    start = params.get("ExclusiveStartKey")
    if start is None:
        return None
    try:
        return {name: validate_value(value) for name, value in start.items()}
    except Exception as error:
        message = str(getattr(error, "message", error))
        if any(part in message for part in _BARE_VALUE_ERRORS):
            raise
        raise validation_error(f"The provided starting key is invalid: {message}") from None


def start_key(table: Table, index: Index | None, checked: Item | None, operation: str) -> Item | None:
    """The ExclusiveStartKey checked against the table key, plus the index key when reading an index.

    A key of the wrong shape gets the bare message, except from a Scan of the table itself."""
    if checked is None:
        return None
    names = set(table.schema.names) | (set(index.schema.names) if index else set())
    types = {**dict(zip(table.schema.names, (table.schema.partition_type, table.schema.sort_type), strict=False))}
    if index is not None:
        types.update(zip(index.schema.names, (index.schema.partition_type, index.schema.sort_type), strict=False))
    if set(checked) != names or any(types[name] not in checked[name] for name in names):
        detail = f": {KEY_MISMATCH}" if operation == "Scan" and index is None else ""
        raise validation_error(f"The provided starting key is invalid{detail}")
    return checked


# -- reading ----------------------------------------------------------------------------------------


class Page:
    """Accumulates a page: Limit items evaluated or 1 MB read, whichever comes first."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.read_bytes = 0
        self.scanned = 0
        self.last: Item | None = None
        self.stopped = False

    def take_whole(self, rows: Iterator[tuple[int, bytes]], items: list[Any] | None) -> int:
        """Take rows as they are stored into ``items`` (None: only count them); returns how many."""
        last = None
        for size, blob in rows:
            self.scanned += 1
            self.read_bytes += size
            last = blob
            if items is not None:
                items.append(RawJson(wire_json(blob), unpack))
            if (self.limit is not None and self.scanned >= self.limit) or self.read_bytes >= PAGE_BYTES:
                self.stopped = True
                break
        if last is not None and self.stopped:
            self.last = unpack(last)  # only a page that stopped early names its last key
        return self.scanned

    def take(self, rows: Iterator[tuple[int, bytes]]) -> Iterator[Item]:
        for size, blob in rows:
            item = unpack(blob)
            self.scanned += 1
            self.read_bytes += size
            self.last = item
            yield item
            if (self.limit is not None and self.scanned >= self.limit) or self.read_bytes >= PAGE_BYTES:
                self.stopped = True
                return


def query_rows(
    connection: sqlite3.Connection,
    table: Table,
    index: Index | None,
    partition: bytes,
    bounds: Any,
    forward: bool,
    start: Item | None,
) -> Iterator[tuple[int, bytes]]:
    """Rows of one partition in sort order. Each direction gets a single bound on the sort column (the
    tighter of the key condition's and the start key's), which is what SQLite seeks on."""
    low = high = None
    low_inclusive = high_inclusive = True
    if bounds is not None:
        low, low_inclusive, high, high_inclusive = bounds.low, bounds.low_inclusive, bounds.high, bounds.high_inclusive
    after = ""
    extra: list[Any] = []
    if start is not None:
        pk, sk = table.encode_key(start)
        if index is None:
            position, inclusive = sk, False
        else:
            sort = index.schema.sort
            position = encode_key_value(start[sort], index.schema.sort_type) if sort else b""
            inclusive = True  # the table key breaks ties between equal index sort keys
            after = f" AND (isk, pk, sk) {'>' if forward else '<'} (?, ?, ?)"
            extra = [position, pk, sk]
        if forward and (low is None or position > low or (position == low and not inclusive)):
            low, low_inclusive = position, inclusive
        if not forward and (high is None or position < high or (position == high and not inclusive)):
            high, high_inclusive = position, inclusive
    order = "" if forward else " DESC"
    if index is None:
        sql = "SELECT size, item FROM items WHERE tid = ? AND h = ? AND pk = ?"
        args: list[Any] = [table.tid, key_hash(partition), partition]
        column = "sk"
    else:
        sql = "SELECT size, item FROM idx WHERE tid = ? AND iid = ? AND h = ? AND ipk = ?"
        args = [table.tid, index.iid, key_hash(partition), partition]
        column = "isk"
    if low is not None:
        sql += f" AND {column} {'>=' if low_inclusive else '>'} ?"
        args.append(low)
    if high is not None:
        sql += f" AND {column} {'<=' if high_inclusive else '<'} ?"
        args.append(high)
    sql += after
    args += extra
    if index is None:
        sql += f" ORDER BY sk{order}"
    else:
        sql += f" ORDER BY isk{order}, pk{order}, sk{order}"
    return connection.execute(sql, args)


def scan_rows(
    connection: sqlite3.Connection, table: Table, index: Index | None, segment: tuple[int, int], start: Item | None
) -> Iterator[tuple[int, bytes]]:
    """Rows of one segment in hash order. The start key's hash becomes the plain lower bound on ``h`` so
    that SQLite seeks to it; a row-value comparison alone would read each page from the segment start."""
    low, high = segment
    if index is None:
        after = ""
        args: list[Any] = []
        if start is not None:
            pk, sk = table.encode_key(start)
            low = max(low, key_hash(pk))
            after = " AND (h, pk, sk) > (?, ?, ?)"
            args = [key_hash(pk), pk, sk]
        sql = f"SELECT size, item FROM items WHERE tid = ? AND h >= ? AND h < ?{after} ORDER BY h, pk, sk"
        return connection.execute(sql, [table.tid, low, high, *args])
    after = ""
    args = []
    if start is not None:
        pk, sk = table.encode_key(start)
        ipk = encode_key_value(start[index.schema.partition], index.schema.partition_type)
        isk = encode_key_value(start[index.schema.sort], index.schema.sort_type) if index.schema.sort else b""
        low = max(low, key_hash(ipk))
        after = " AND (h, ipk, isk, pk, sk) > (?, ?, ?, ?, ?)"
        args = [key_hash(ipk), ipk, isk, pk, sk]
    sql = (
        f"SELECT size, item FROM idx WHERE tid = ? AND iid = ? AND h >= ? AND h < ?{after} ORDER BY h, ipk, isk, pk, sk"
    )
    return connection.execute(sql, [table.tid, index.iid, low, high, *args])


def build_page(
    backend: Backend,
    table: Table,
    index: Index | None,
    rows: Iterator[tuple[int, bytes]],
    params: dict[str, Any],
    expressions: RequestExpressions,
    select: str,
) -> dict[str, Any]:
    page = Page(params.get("Limit"))
    items: list[Item] = []
    count = 0
    fetch_from_table = (
        index is not None
        and index.local
        and index.projected_names is not None
        and (select == "ALL_ATTRIBUTES" or _needs_table(index, expressions))
    )
    consistent = bool(params.get("ConsistentRead"))
    fetch_units = 0.0
    whole = expressions.filter is None and expressions.projection is None and not fetch_from_table
    try:
        if whole:  # items go out as stored: no decoding (only the last one, for LastEvaluatedKey)
            count = page.take_whole(rows, items if select != "COUNT" else None)
        for entry in () if whole else page.take(rows):
            item = entry
            if fetch_from_table:
                pk, sk = table.encode_key(entry)
                full, size = backend.read(table, pk, sk)
                item = full or entry
                fetch_units += read_units(size, consistent)  # AWS: each fetch is a read of its own
            if not expressions.passes_filter(item):
                continue
            count += 1
            if select == "ALL_PROJECTED_ATTRIBUTES":
                items.append(entry)
            elif select != "COUNT":
                items.append(expressions.project(item))
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()  # an unfinished statement would keep this connection's read snapshot open
    result: dict[str, Any] = {"Count": count, "ScannedCount": page.scanned}
    if select != "COUNT":
        result["Items"] = items
    if page.stopped and page.last is not None:
        names = list(table.schema.names) + (list(index.schema.names) if index else [])
        result["LastEvaluatedKey"] = {name: page.last[name] for name in dict.fromkeys(names)}
    units = read_units(page.read_bytes, consistent)
    capacity = consumed(
        table,
        params.get("ReturnConsumedCapacity"),
        fetch_units if index else units,
        {index.name: units} if index else None,
    )
    if capacity is not None:
        result["ConsumedCapacity"] = capacity
    return result


def _needs_table(index: Index, expressions: RequestExpressions) -> bool:
    """Whether an LSI read must fetch unprojected attributes from the table (AWS does, at extra cost)."""
    projected = index.projected_names or frozenset()
    paths = list(expressions.projection.paths) if expressions.projection is not None else []
    if expressions.filter is not None:
        paths += [node for node in walk(expressions.filter) if isinstance(node, Path)]
    return any(path.elements[0] not in projected for path in paths)


# -- Query ------------------------------------------------------------------------------------------


def check_filter_keys(expressions: RequestExpressions, key_names: tuple[str, ...], parameter: str) -> None:
    """A Query may not filter on the key of what it reads (AWS: the key condition is the place for it)."""
    if expressions.filter is None:
        return
    heads = {node.elements[0] for node in walk(expressions.filter) if isinstance(node, Path)}
    for name in key_names:
        if name in heads:
            raise validation_error(
                f"{parameter} can only contain non-primary key attributes: Primary key attribute: {name}"
            )


def check_query_start(start: Item, condition: Any, schema: Any) -> None:
    """An ExclusiveStartKey must lie inside what the key condition reads."""
    partition = encode_key_value(start[schema.partition], schema.partition_type)
    same_partition = partition == encode_key_value(condition.partition_value, schema.partition_type)
    if condition.sort is None:
        if not same_partition:
            raise validation_error("The provided starting key is outside query boundaries based on provided conditions")
        return
    if not condition.sort_matches(start[condition.sort]):
        raise validation_error("The provided starting key does not match the range key predicate")
    if not same_partition:
        raise validation_error("The query can return at most one row and cannot be restarted")


@operation("Query")
def query(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    check_parameters(params, QUERY_EXPRESSIONS)
    check_legacy_parameters(params, "QueryFilter")
    checked_start = check_start_values(params)
    if params.get("KeyConditionExpression") is None and params.get("KeyConditions") is None:
        raise validation_error(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
        )
    expressions = RequestExpressions(params, QUERY_EXPRESSIONS)
    check_select(params, "Query")
    table = backend.table(ctx.account_id, ctx.region, params["TableName"])
    index = resolve_index(table, params)
    select = resolve_select(params, index)
    schema = index.schema if index is not None else table.schema
    if expressions.key_condition is not None:
        condition = key_condition_from_expression(expressions.key_condition, schema)
    else:
        condition = key_condition_from_legacy(params["KeyConditions"], schema)
    start = start_key(table, index, checked_start, "Query")
    if start is not None:
        check_query_start(start, condition, schema)
    if expressions.projection is not None:
        check_scalar_keys(expressions.projection.paths, table)
    check_filter_keys(expressions, schema.names, "QueryFilter" if params.get("QueryFilter") else "Filter Expression")
    check_scalar_keys(condition_paths(expressions.filter), table)
    partition = encode_key_value(condition.partition_value, schema.partition_type)
    bounds = condition.sort_range(schema.sort_type or "S") if condition.sort is not None else None
    forward = params.get("ScanIndexForward", True) is not False
    connection = backend.store.reader()
    rows = query_rows(connection, table, index, partition, bounds, forward, start)
    return build_page(backend, table, index, rows, params, expressions, select)


# -- Scan -------------------------------------------------------------------------------------------


def segment_range(params: dict[str, Any]) -> tuple[int, int]:
    segment, total = params.get("Segment"), params.get("TotalSegments")
    if segment is not None and total is None:
        raise validation_error(
            "The TotalSegments parameter is required but was not present in the request when Segment parameter is present"
        )
    if total is not None and segment is None:
        raise validation_error(
            "The Segment parameter is required but was not present in the request when parameter TotalSegments is present"
        )
    if total is None:
        return 0, HASH_SPACE
    if segment >= total:
        raise validation_error(
            f"The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {segment} "
            f"is not less than TotalSegments: {total}"
        )
    return segment * HASH_SPACE // total, (segment + 1) * HASH_SPACE // total


def check_scan_start(start: Item, table: Table, index: Index | None, segment: tuple[int, int], params: dict) -> None:
    """A parallel scan resumes only from a key of its own segment."""
    if index is None:
        position = key_hash(table.encode_key(start)[0])
    else:
        position = key_hash(encode_key_value(start[index.schema.partition], index.schema.partition_type))
    if not segment[0] <= position < segment[1]:
        raise validation_error(
            "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with "
            f"correct Segment. TotalSegments: {params['TotalSegments']} Segment: {params['Segment']}"
        )


@operation("Scan")
def scan(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    check_parameters(params, SCAN_EXPRESSIONS)
    check_legacy_parameters(params, "ScanFilter")
    checked_start = check_start_values(params)
    segment = segment_range(params)
    expressions = RequestExpressions(params, SCAN_EXPRESSIONS)
    check_select(params, "Scan")
    table = backend.table(ctx.account_id, ctx.region, params["TableName"])
    index = resolve_index(table, params)
    select = resolve_select(params, index)
    start = start_key(table, index, checked_start, "Scan")
    if start is not None and params.get("TotalSegments", 1) > 1:
        check_scan_start(start, table, index, segment, params)
    check_scalar_keys(condition_paths(expressions.filter), table)
    if expressions.projection is not None:
        check_scalar_keys(expressions.projection.paths, table)
    rows = scan_rows(backend.store.reader(), table, index, segment, start)
    return build_page(backend, table, index, rows, params, expressions, select)
