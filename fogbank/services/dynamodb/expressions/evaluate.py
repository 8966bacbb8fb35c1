"""Evaluating bound conditions against an item: the one evaluator behind conditions, filters and keys.

A comparison with a missing attribute, or between values of different types, is simply false, never an
error, as in DynamoDB.
"""

from __future__ import annotations

from typing import Any

from fogbank.services.dynamodb.attributes import (
    AttributeValue,
    Item,
    compare_values,
    parse_number,
    type_of,
    values_equal,
)
from fogbank.services.dynamodb.expressions.nodes import (
    And,
    Between,
    Comparison,
    Function,
    In,
    Not,
    Or,
    Path,
    Value,
)
from fogbank.services.dynamodb.expressions.paths import get_path


def evaluate(node: Any, item: Item | None) -> bool:
    """Whether a bound condition holds for ``item`` (None or {} for an item that does not exist)."""
    item = item or {}
    if isinstance(node, And):
        return evaluate(node.left, item) and evaluate(node.right, item)
    if isinstance(node, Or):
        return evaluate(node.left, item) or evaluate(node.right, item)
    if isinstance(node, Not):
        return not evaluate(node.operand, item)
    if isinstance(node, Comparison):
        return _compare(node.operator, operand_value(node.left, item), operand_value(node.right, item))
    if isinstance(node, Between):
        value = operand_value(node.operand, item)
        low, high = operand_value(node.low, item), operand_value(node.high, item)
        if value is None or low is None or high is None:
            return False
        above, below = compare_values(low, value), compare_values(value, high)
        return above is not None and below is not None and above <= 0 and below <= 0
    if isinstance(node, In):
        value = operand_value(node.operand, item)
        return value is not None and any(values_equal(value, operand_value(o, item)) for o in node.options)
    if isinstance(node, Function):
        return _function(node, item)
    raise TypeError(f"not a condition node: {node!r}")


def operand_value(operand: Any, item: Item) -> AttributeValue | None:
    if isinstance(operand, Path):
        return get_path(item, operand.elements)
    if isinstance(operand, Value):
        return operand.value
    if isinstance(operand, Function) and operand.name == "size":
        return size_of(operand_value(operand.args[0], item))
    raise TypeError(f"not an operand: {operand!r}")


def size_of(value: AttributeValue | None) -> AttributeValue | None:
    """DynamoDB's size(): string length, binary length, or number of members; None for other types."""
    kind = type_of(value)
    if kind in ("S", "B", "SS", "NS", "BS", "L", "M"):
        return {"N": str(len(value[kind]))}
    return None


def _compare(operator: str, left: AttributeValue | None, right: AttributeValue | None) -> bool:
    if operator == "=":
        return values_equal(left, right)
    if operator == "<>":  # true even when both are missing: AWS's a <> b is NOT (a = b)
        return not values_equal(left, right)
    if left is None or right is None:
        return False
    order = compare_values(left, right)
    if order is None:
        return False
    return {"<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[operator]


def _function(node: Function, item: Item) -> bool:
    name = node.name
    first = operand_value(node.args[0], item)
    if name == "attribute_exists":
        return first is not None
    if name == "attribute_not_exists":
        return first is None
    second = operand_value(node.args[1], item)
    if first is None or second is None:
        return False
    if name == "attribute_type":
        return type_of(first) == second.get("S")
    if name == "begins_with":
        kind = type_of(first)
        return kind in ("S", "B") and kind == type_of(second) and first[kind].startswith(second[kind])
    if name == "contains":
        return contains(first, second)
    raise TypeError(f"not a condition function: {name}")


def contains(container: AttributeValue, member: AttributeValue) -> bool:
    """contains(): a substring of a string or binary, a member of a set, or an element of a list."""
    kind, member_kind = type_of(container), type_of(member)
    if kind == "S" and member_kind == "S":
        return member["S"] in container["S"]
    if kind == "B" and member_kind == "B":
        return bytes(member["B"]) in bytes(container["B"])
    if kind == "SS" and member_kind == "S":
        return member["S"] in container["SS"]
    if kind == "BS" and member_kind == "B":
        return member["B"] in container["BS"]
    if kind == "NS" and member_kind == "N":
        wanted = parse_number(member["N"])
        return any(parse_number(number) == wanted for number in container["NS"])
    if kind == "L":
        return any(values_equal(element, member) for element in container["L"])
    return False
