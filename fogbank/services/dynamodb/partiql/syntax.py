"""The syntax tree of a PartiQL statement, as parsed and before it meets a table.

Values stay as written (a number keeps its text, a ``?`` its position), so that converting them to
AttributeValues (values.py) can word DynamoDB's errors with the path they were found under.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Path:
    """``a.b[1]."c d"``: the first element is an attribute name, then map keys (str) and list indexes (int)."""

    elements: tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Scalar:
    kind: str  # "S", "N" (text as written), "BOOL", "NULL", "MISSING"
    text: str = ""


@dataclass(frozen=True, slots=True)
class Param:
    index: int  # 0-based position of the ``?`` in the statement


@dataclass(frozen=True, slots=True)
class Struct:
    entries: tuple[tuple[Any, Any], ...]  # (key expression, value expression)


@dataclass(frozen=True, slots=True)
class ListValue:
    items: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Bag:
    """``<<1, 2>>``: DynamoDB's sets."""

    items: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Call:
    name: str  # lower case
    args: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Binary:
    operator: str  # = <> < <= > >= AND OR + - * / % ||
    left: Any
    right: Any


@dataclass(frozen=True, slots=True)
class Not:
    operand: Any


@dataclass(frozen=True, slots=True)
class Between:
    operand: Any
    low: Any
    high: Any
    negated: bool = False


@dataclass(frozen=True, slots=True)
class InList:
    operand: Any
    options: tuple[Any, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Is:
    """``x IS [NOT] MISSING`` / ``NULL`` / a type name."""

    operand: Any
    type_name: str  # upper case
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Exists:
    select: Select


Expression = Path | Scalar | Param | Struct | ListValue | Bag | Call | Binary | Not | Between | InList | Is | Exists


@dataclass(frozen=True, slots=True)
class Select:
    projection: tuple[Path, ...] | None  # None: ``*``
    table: str
    index: str | None
    where: Any
    order_by: tuple[tuple[Path, bool], ...] = ()  # (key, descending)


@dataclass(frozen=True, slots=True)
class Insert:
    table: str
    value: Any


@dataclass(frozen=True, slots=True)
class UpdateAction:
    kind: str  # "SET" or "REMOVE"
    path: Path
    value: Any = None


@dataclass(frozen=True, slots=True)
class Update:
    table: str
    actions: tuple[UpdateAction, ...]
    where: Any
    returning: str | None  # "ALL OLD", "MODIFIED OLD", "ALL NEW", "MODIFIED NEW"


@dataclass(frozen=True, slots=True)
class Delete:
    table: str
    where: Any
    returning: str | None


Statement = Select | Insert | Update | Delete | Exists


def walk(node: Any):
    """Every expression node under ``node`` (itself included), parents first."""
    yield node
    if isinstance(node, (Binary,)):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Not):
        yield from walk(node.operand)
    elif isinstance(node, Between):
        for child in (node.operand, node.low, node.high):
            yield from walk(child)
    elif isinstance(node, InList):
        yield from walk(node.operand)
        for child in node.options:
            yield from walk(child)
    elif isinstance(node, Is):
        yield from walk(node.operand)
    elif isinstance(node, (Call, ListValue, Bag)):
        for child in node.args if isinstance(node, Call) else node.items:
            yield from walk(child)
    elif isinstance(node, Struct):
        for key, value in node.entries:
            yield from walk(key)
            yield from walk(value)
