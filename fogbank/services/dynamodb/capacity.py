"""ConsumedCapacity: DynamoDB's unit arithmetic and the shape ReturnConsumedCapacity asks for.

Reads cost one unit per 4 KB (rounded up, at least one), half that when eventually consistent; writes one
unit per 1 KB. Transactions cost double. Index writes are counted per index.
"""

from __future__ import annotations

from typing import Any

from fogbank.services.dynamodb.model import Table


def read_units(size: int, consistent: bool, transactional: bool = False) -> float:
    units = float(max(1, -(-size // 4096)))
    if transactional:
        return units * 2
    return units if consistent else units / 2


def write_units(size: int, transactional: bool = False) -> float:
    units = float(max(1, -(-size // 1024)))
    return units * 2 if transactional else units


def consumed(
    table: Table,
    mode: str | None,
    table_units: float,
    index_units: dict[str, float] | None = None,
    kind: str = "",
) -> dict[str, Any] | None:
    """The ConsumedCapacity entry for one table, or None when the request did not ask for it.

    ``kind`` is "read" or "write" to add ReadCapacityUnits/WriteCapacityUnits: AWS reports that split only for
    transactions; every other operation reports CapacityUnits alone.
    """
    if mode not in ("TOTAL", "INDEXES"):
        return None
    index_units = index_units or {}
    total = table_units + sum(index_units.values())
    result: dict[str, Any] = {"TableName": table.name, "CapacityUnits": total}
    if kind:
        result[f"{kind.capitalize()}CapacityUnits"] = total
    if mode == "INDEXES":
        result["Table"] = _units(table_units, kind)
        local = {name: _units(units, kind) for name, units in index_units.items() if _is_local(table, name)}
        glob = {name: _units(units, kind) for name, units in index_units.items() if not _is_local(table, name)}
        if local:
            result["LocalSecondaryIndexes"] = local
        if glob:
            result["GlobalSecondaryIndexes"] = glob
    return result


def _units(units: float, kind: str) -> dict[str, float]:
    shown = {"CapacityUnits": units}
    if kind:
        shown[f"{kind.capitalize()}CapacityUnits"] = units
    return shown


def _is_local(table: Table, name: str) -> bool:
    index = table.index(name)
    return index is not None and index.local


def merge(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add up ConsumedCapacity entries per table (BatchGetItem, BatchWriteItem, transactions)."""
    by_table: dict[str, dict[str, Any]] = {}
    for entry in entries:
        current = by_table.get(entry["TableName"])
        if current is None:
            by_table[entry["TableName"]] = entry
            continue
        _add(current, entry)
    return list(by_table.values())


def _add(target: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if key == "TableName":
            continue
        if isinstance(value, dict):
            _add(target.setdefault(key, {}), value)
        else:
            target[key] = target.get(key, 0.0) + value
