"""Applying a bound update to an item, with DynamoDB's semantics and errors.

Every operand is read from the item as it was before the update, and every target path is located
before anything is written, so a list index always means the element it named in the expression:
``SET l[1] = :a, l[4] = :b`` on a two-element list replaces element 1 and appends; ``REMOVE l[0], l[1]``
removes the first two elements.
"""

from __future__ import annotations

import copy
from typing import Any

from fogbank.protocols.errors import validation_error
from fogbank.services.dynamodb.attributes import (
    AttributeValue,
    Item,
    add_numbers,
    set_difference,
    set_union,
    type_of,
)
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
)
from fogbank.services.dynamodb.expressions.paths import get_path

INVALID_PATH = "The document path provided in the update expression is invalid for update"
MISSING_ATTRIBUTE = "The provided expression refers to an attribute that does not exist in the item"
WRONG_TYPE = "An operand in the update expression has an incorrect data type"
LEGACY_WRONG_TYPE = "Type mismatch for attribute to update"
_SETS = ("SS", "NS", "BS")


def apply_update(update: Update, item: Item | None) -> Item:
    """The item after a bound update (``item`` is None or {} when it does not exist yet).

    Raises ValidationException for paths that cannot be written and operands of the wrong type. The
    caller still checks key attributes, secondary index key types and the item size.
    """
    old = item or {}
    new = copy.deepcopy(old)
    wrong_type = LEGACY_WRONG_TYPE if update.legacy else WRONG_TYPE
    writes: list[tuple[Any, Any, Any, AttributeValue | None]] = []  # (container, key, action, operand)
    removals: list[tuple[Any, Any]] = []
    for action in update.actions:
        if isinstance(action, RemoveAction):
            removals.append(_locate(new, action.path.elements))
            continue
        operand = _operand(action.value, old, wrong_type) if isinstance(action, SetAction) else action.value.value
        container, key = _locate(new, action.path.elements)
        writes.append((container, key, action, operand))

    # Writes into lists go in index order, so that indexes past the end append in that order.
    writes.sort(key=lambda write: write[1] if isinstance(write[1], int) else -1)
    for container, key, action, operand in writes:
        current = _read(container, key)
        result = _combine(action, current, operand, update.legacy, wrong_type)
        _write(container, key, result)

    # Removals go from the highest list index down, so each index still names its original element.
    removals.sort(key=lambda target: target[1] if isinstance(target[1], int) else -1, reverse=True)
    for container, key in removals:
        if isinstance(container, list):
            if key < len(container):
                del container[key]
        else:
            container.pop(key, None)
    return new


def _operand(node: Any, item: Item, wrong_type: str) -> AttributeValue:
    """The value of a SET operand, read from the item before the update."""
    if isinstance(node, Value):
        return node.value
    if isinstance(node, Path):
        value = get_path(item, node.elements)
        if value is None:
            raise validation_error(MISSING_ATTRIBUTE)
        return value
    if isinstance(node, Arithmetic):
        left, right = _operand(node.left, item, wrong_type), _operand(node.right, item, wrong_type)
        if type_of(left) != "N" or type_of(right) != "N":
            raise validation_error(wrong_type)
        return {"N": add_numbers(left["N"], right["N"], subtract=node.operator == "-")}
    if isinstance(node, Function) and node.name == "if_not_exists":
        existing = get_path(item, node.args[0].elements)
        return existing if existing is not None else _operand(node.args[1], item, wrong_type)
    if isinstance(node, Function) and node.name == "list_append":
        left, right = _operand(node.args[0], item, wrong_type), _operand(node.args[1], item, wrong_type)
        if type_of(left) != "L" or type_of(right) != "L":
            raise validation_error(wrong_type)
        return {"L": left["L"] + right["L"]}
    raise TypeError(f"not an update operand: {node!r}")


def _locate(item: Item, elements: tuple[Any, ...]) -> tuple[Any, Any]:
    """The container (item dict, map dict or list) holding the last element of a path, and its key.

    A missing or mistyped parent makes the path invalid for update; a missing last element is fine.
    """
    if len(elements) == 1:
        return item, elements[0]
    parent = get_path(item, elements[:-1])
    last = elements[-1]
    if parent is None:
        raise validation_error(INVALID_PATH)
    if isinstance(last, int):
        if "L" not in parent:
            raise validation_error(INVALID_PATH)
        return parent["L"], last
    if "M" not in parent:
        raise validation_error(INVALID_PATH)
    return parent["M"], last


def _read(container: Any, key: Any) -> AttributeValue | None:
    if isinstance(container, list):
        return container[key] if key < len(container) else None
    return container.get(key)


def _write(container: Any, key: Any, value: AttributeValue | None) -> None:
    if isinstance(container, list):
        if value is None:
            if key < len(container):
                del container[key]
        elif key < len(container):
            container[key] = value
        else:
            container.append(value)
    elif value is None:
        container.pop(key, None)
    else:
        container[key] = value


def _combine(action: Any, current: AttributeValue | None, operand: AttributeValue, legacy: bool, wrong_type: str):
    """The new value at a path; None removes it (a DELETE that empties a set)."""
    # Values are copied in, so that two paths set from one placeholder never share nested objects.
    operand = copy.deepcopy(operand)
    if isinstance(action, SetAction):
        return operand
    kind, current_kind = type_of(operand), type_of(current)
    if isinstance(action, AddAction):
        if current is None:
            return operand
        if kind == "N" and current_kind == "N":
            return {"N": add_numbers(current["N"], operand["N"])}
        if kind in _SETS and kind == current_kind:
            return {kind: set_union(kind, current[kind], operand[kind])}
        if legacy and kind == "L" and current_kind == "L":
            return {"L": current["L"] + operand["L"]}
        raise validation_error(wrong_type)
    assert isinstance(action, DeleteAction)
    if current is None:
        return None
    if kind != current_kind:
        raise validation_error(wrong_type)
    remaining = set_difference(kind, current[kind], operand[kind])
    return {kind: remaining} if remaining else None
