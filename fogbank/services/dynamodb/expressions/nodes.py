"""The syntax trees of DynamoDB expressions.

A parsed tree is *unbound*: paths may hold ``NameRef`` placeholders (``#n``) and ``Value`` nodes only know
their ``:v`` token. Binding a tree to a request's ExpressionAttributeNames/Values gives the same node
types with every path element a plain ``str`` (map key) or ``int`` (list index) and every ``Value`` holding
its AttributeValue. Evaluation and updates only ever see bound trees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class NameRef:
    """An ExpressionAttributeNames placeholder (``#name``) inside a path, before binding."""

    token: str


@dataclass(frozen=True, slots=True)
class Path:
    """A document path: ``a.b[1].c`` is ``("a", "b", 1, "c")``."""

    elements: tuple[Any, ...]  # str | int | NameRef


@dataclass(frozen=True, slots=True)
class Value:
    """An ExpressionAttributeValues placeholder (``:v``); ``value`` is set once bound."""

    token: str
    value: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Function:
    """A function call: ``size(a)``, ``begins_with(a, :p)``, ``if_not_exists(a, :v)``, ..."""

    name: str
    args: tuple[Any, ...]


Operand = Path | Value | Function


@dataclass(frozen=True, slots=True)
class Comparison:
    operator: str  # = <> < <= > >=
    left: Operand
    right: Operand


@dataclass(frozen=True, slots=True)
class Between:
    operand: Operand
    low: Operand
    high: Operand


@dataclass(frozen=True, slots=True)
class In:
    operand: Operand
    options: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class And:
    left: Any
    right: Any


@dataclass(frozen=True, slots=True)
class Or:
    left: Any
    right: Any


@dataclass(frozen=True, slots=True)
class Not:
    operand: Any


Condition = Comparison | Between | In | Function | And | Or | Not


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """``left + right`` or ``left - right`` in a SET action."""

    operator: str
    left: Operand
    right: Operand


@dataclass(frozen=True, slots=True)
class SetAction:
    path: Path
    value: Any  # Operand | Arithmetic


@dataclass(frozen=True, slots=True)
class RemoveAction:
    path: Path


@dataclass(frozen=True, slots=True)
class AddAction:
    path: Path
    value: Value


@dataclass(frozen=True, slots=True)
class DeleteAction:
    path: Path
    value: Value


Action = SetAction | RemoveAction | AddAction | DeleteAction


@dataclass(frozen=True, slots=True)
class Update:
    """An UpdateExpression (or translated AttributeUpdates): its actions in written order.

    ``legacy`` marks AttributeUpdates, whose ADD appends lists and whose type errors are worded
    differently. ``paths`` are the paths the update writes, for ReturnValues UPDATED_OLD/UPDATED_NEW.
    """

    actions: tuple[Action, ...]
    legacy: bool = False

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(action.path for action in self.actions)


@dataclass(frozen=True, slots=True)
class Projection:
    paths: tuple[Path, ...]


def walk(node: Any):
    """Every node under ``node`` (itself included), children before parents, left to right.

    That is the order a PEG parser runs its actions in, which decides which of two errors DynamoDB
    reports first.
    """
    if isinstance(node, (Comparison, Arithmetic)):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, (And, Or)):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Not):
        yield from walk(node.operand)
    elif isinstance(node, Between):
        for child in (node.operand, node.low, node.high):
            yield from walk(child)
    elif isinstance(node, In):
        yield from walk(node.operand)
        for child in node.options:
            yield from walk(child)
    elif isinstance(node, Function):
        for child in node.args:
            yield from walk(child)
    elif isinstance(node, (SetAction, AddAction, DeleteAction)):
        yield from walk(node.path)
        yield from walk(node.value)
    elif isinstance(node, RemoveAction):
        yield from walk(node.path)
    yield node
