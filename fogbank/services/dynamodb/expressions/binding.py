"""Binding parsed expressions to a request's placeholders, with the checks that need the values.

Binding resolves ``#name`` and ``:value`` placeholders and finds the problems DynamoDB reports once it
knows them: undefined placeholders, wrong operand counts, identical operands, operand types. When an
expression has several problems, DynamoDB reports one per category in a fixed order, the first found in
each category; ``Problems`` keeps that bookkeeping.
"""

from __future__ import annotations

from typing import Any

from fogbank.services.dynamodb.attributes import compare_values, describe_value, type_of
from fogbank.services.dynamodb.expressions.nodes import (
    And,
    Between,
    Comparison,
    Function,
    In,
    NameRef,
    Not,
    Or,
    Path,
    Value,
)
from fogbank.services.dynamodb.expressions.paths import path_text
from fogbank.services.dynamodb.expressions.placeholders import Placeholders
from fogbank.services.dynamodb.expressions.tokens import ExpressionError

ATTRIBUTE_TYPES = ("S", "N", "B", "NULL", "SS", "BOOL", "L", "BS", "NS", "M")


class Problems:
    """First problem per category; ``raise_first`` raises the one DynamoDB would report: by category, or
    (``in_order``) simply the first one met in the expression's written order."""

    def __init__(self, order: tuple[str, ...], in_order: bool = False) -> None:
        self.order = order
        self.in_order = in_order
        self.found: dict[str, str] = {}

    def add(self, category: str, message: str) -> None:
        self.found.setdefault(category, message)

    def raise_first(self) -> None:
        if self.in_order and self.found:
            raise ExpressionError(next(iter(self.found.values())))
        for category in self.order:
            if category in self.found:
                raise ExpressionError(self.found[category])


def bind_path(path: Path, placeholders: Placeholders, problems: Problems, category: str) -> Path:
    elements = []
    for element in path.elements:
        if isinstance(element, NameRef):
            name = placeholders.name(element.token)
            if name is None:
                problems.add(
                    category,
                    f"An expression attribute name used in the document path is not defined; attribute name: {element.token}",
                )
                name = element.token
            element = name
        elements.append(element)
    return Path(tuple(elements))


def bind_value(value: Value, placeholders: Placeholders, problems: Problems, category: str) -> Value:
    bound = placeholders.value(value.token)
    if bound is None:
        problems.add(
            category, f"An expression attribute value used in expression is not defined; attribute value: {value.token}"
        )
    return Value(value.token, bound)


def operand_type(operand: Any) -> str | None:
    """The type an operand is known to have before evaluation (a value's, or a function's result)."""
    if isinstance(operand, Value):
        return type_of(operand.value)
    if isinstance(operand, Function):
        return "N" if operand.name == "size" else "BOOL"
    return None


# --- conditions ----------------------------------------------------------------------------------------

_CONDITION_ORDER = ("placeholder", "operands", "distinct", "function")
_OPERAND_COUNTS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
    "size": 1,
}


def bind_condition(node: Any, placeholders: Placeholders, in_order: bool = False):
    """Resolve a parsed condition's placeholders; raises ``ExpressionError`` as DynamoDB words it. A key
    condition (``in_order``) reports the first problem in its written order (AWS, 2026-10), where other
    conditions report by category."""
    problems = Problems(_CONDITION_ORDER, in_order)
    bound = _bind(node, placeholders, problems)
    problems.raise_first()
    return bound


def _bind(node: Any, placeholders: Placeholders, problems: Problems):
    if isinstance(node, Path):
        return bind_path(node, placeholders, problems, "placeholder")
    if isinstance(node, Value):
        return bind_value(node, placeholders, problems, "placeholder")
    if isinstance(node, (And, Or)):
        return type(node)(_bind(node.left, placeholders, problems), _bind(node.right, placeholders, problems))
    if isinstance(node, Not):
        return Not(_bind(node.operand, placeholders, problems))
    if isinstance(node, Comparison):
        left, right = _bind(node.left, placeholders, problems), _bind(node.right, placeholders, problems)
        _check_distinct(node.operator, left, right, problems)
        if node.operator not in ("=", "<>"):
            _check_ordered(node.operator, (left, right), problems)
        return Comparison(node.operator, left, right)
    if isinstance(node, Between):
        operand, low, high = (_bind(child, placeholders, problems) for child in (node.operand, node.low, node.high))
        _check_ordered("BETWEEN", (operand, low, high), problems)  # (a range needs an order, as < does)
        _check_bounds(low, high, problems)
        return Between(operand, low, high)
    if isinstance(node, In):
        operand = _bind(node.operand, placeholders, problems)
        return In(operand, tuple(_bind(option, placeholders, problems) for option in node.options))
    if isinstance(node, Function):
        function = Function(node.name, tuple(_bind(arg, placeholders, problems) for arg in node.args))
        _check_function(function, problems)
        return function
    raise TypeError(f"not a condition node: {node!r}")


def _check_distinct(operator: str, left: Any, right: Any, problems: Problems) -> None:
    if isinstance(left, Path) and isinstance(right, Path) and left.elements == right.elements:
        problems.add(
            "distinct",
            "The first operand must be distinct from the remaining operands for this operator or function; "
            f"operator: {operator}, first operand: {path_text(left.elements)}",
        )


def _check_ordered(operator: str, operands: tuple[Any, ...], problems: Problems) -> None:
    """Only strings, numbers and binaries have an order, so <, <=, > and >= refuse other known types."""
    for operand in operands:
        kind = operand_type(operand)
        if kind is not None and kind not in ("S", "N", "B"):
            problems.add(
                "function",
                f"Incorrect operand type for operator or function; operator or function: {operator}, operand type: {kind}",
            )
            return


def _check_bounds(low: Any, high: Any, problems: Problems) -> None:
    if not (isinstance(low, Value) and isinstance(high, Value) and low.value and high.value):
        return
    shown = f"lower bound operand: AttributeValue: {describe_value(low.value)}, "
    shown += f"upper bound operand: AttributeValue: {describe_value(high.value)}"
    if type_of(low.value) != type_of(high.value):
        problems.add("function", f"The BETWEEN operator requires same data type for lower and upper bounds; {shown}")
    elif (compare_values(low.value, high.value) or 0) > 0:
        problems.add(
            "function",
            f"The BETWEEN operator requires upper bound to be greater than or equal to lower bound; {shown}",
        )


def _check_function(function: Function, problems: Problems) -> None:
    name, args = function.name, function.args
    expected = _OPERAND_COUNTS.get(name)
    if expected is None:
        return
    if len(args) != expected:
        problems.add(
            "operands",
            "Incorrect number of operands for operator or function; "
            f"operator or function: {name}, number of operands: {len(args)}",
        )
        return
    if len(args) == 2:
        _check_distinct(name, args[0], args[1], problems)
    wrong = "Incorrect operand type for operator or function; operator or function: {}, operand type: {}"
    if name in ("attribute_exists", "attribute_not_exists") and not isinstance(args[0], Path):
        problems.add("function", f"Operator or function requires a document path; operator or function: {name}")
    elif name == "begins_with":
        for arg in args:
            kind = operand_type(arg)
            if kind not in (None, "S", "B"):
                problems.add("function", wrong.format(name, kind))
                return
    elif name == "attribute_type":
        kind = operand_type(args[1])
        if kind != "S":
            problems.add("function", wrong.format(name, kind or "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"))
        elif args[1].value["S"] not in ATTRIBUTE_TYPES:
            problems.add(
                "function",
                f"Invalid attribute type name found; type: {args[1].value['S']}, "
                "valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
            )
    elif name == "size":
        kind = operand_type(args[0])
        if kind in ("N", "BOOL", "NULL"):
            problems.add("function", wrong.format(name, kind))
