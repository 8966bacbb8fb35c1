"""The grammar of UpdateExpression, and binding an update to a request's placeholders.

    update   := clause+
    clause   := SET set ( ',' set )* | REMOVE path ( ',' path )*
              | ADD path :value ( ',' path :value )* | DELETE path :value ( ',' path :value )*
    set      := path '=' '(' value ')' | path '=' value
    value    := operand ( '+' | '-' ) operand | operand
    operand  := '(' term ')' | term
    term     := function | :value | path
    function := name '(' operand ( ',' operand )* ')'

Each clause may appear once. A SET value has at most one ``+`` or ``-``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fogbank.services.dynamodb.attributes import type_of
from fogbank.services.dynamodb.expressions.binding import Problems, bind_path, bind_value
from fogbank.services.dynamodb.expressions.condition import CONDITION_FUNCTIONS, UPDATE_FUNCTIONS
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
from fogbank.services.dynamodb.expressions.paths import overlap_errors
from fogbank.services.dynamodb.expressions.placeholders import Placeholders
from fogbank.services.dynamodb.expressions.reserved import is_reserved
from fogbank.services.dynamodb.expressions.tokens import ExpressionError, Parser

_CLAUSES = ("SET", "REMOVE", "ADD", "DELETE")
# Text-only problems first, then those that need placeholders, each in DynamoDB's order of preference.
_STRUCTURAL_ORDER = ("reserved", "function_name", "section")
_BINDING_ORDER = ("name", "value", "overlap", "conflict", "operand", "function")
_TYPE_NAMES = {"S": "STRING", "N": "NUMBER", "B": "BINARY", "NULL": "NULL", "BOOL": "BOOLEAN", "L": "LIST", "M": "MAP"}


class UpdateParser(Parser):
    keywords = frozenset(_CLAUSES)

    def parse(self) -> Update:
        actions: list[Any] = []
        seen: set[str] = set()
        while True:
            clause = self.peek().text.upper() if self.peek().kind == "ident" else ""
            if clause not in _CLAUSES:
                raise self.error()
            self.advance()
            if clause in seen:
                self.issues.append(
                    ("section", f'The "{clause}" section can only be used once in an update expression;')
                )
            seen.add(clause)
            actions.append(self.action(clause))
            while self.accept(","):
                actions.append(self.action(clause))
            if self.peek().kind == "eof":
                return Update(tuple(actions))

    def action(self, clause: str):
        path = self.path()
        if clause == "SET":
            self.expect("=")
            return SetAction(path, self.set_value())
        if clause == "REMOVE":
            return RemoveAction(path)
        token = self.peek()
        if token.kind != "value":
            raise self.error()
        self.advance()
        value = Value(token.text)
        return AddAction(path, value) if clause == "ADD" else DeleteAction(path, value)

    def set_value(self):
        if self.at("("):
            return self.attempt(self.parenthesised_value, self.value)
        return self.value()

    def parenthesised_value(self):
        self.expect("(")
        value = self.value()
        self.expect(")")
        return value

    def value(self):
        left = self.operand()
        if self.at("+") or self.at("-"):
            operator = self.advance().text
            return Arithmetic(operator, left, self.operand())
        return left

    def operand(self):
        if self.accept("("):
            term = self.term()
            self.expect(")")
            return term
        return self.term()

    def term(self):
        token = self.peek()
        if token.kind == "value":
            self.advance()
            return Value(token.text)
        if self.is_word() and self.at("(", 1):
            return self.function()
        return self.path()


@lru_cache(maxsize=1024)
def parse_update(expression: str) -> Update:
    """Parse an UpdateExpression (unbound); raises ``ExpressionError`` with DynamoDB's wording."""
    if expression == "":
        raise ExpressionError("The expression can not be empty;")
    parser = UpdateParser(expression)
    update = parser.parse()
    issues = list(parser.issues)
    for node in walk_update(update):
        if isinstance(node, Path):
            for element in node.elements:
                if isinstance(element, str) and is_reserved(element):
                    issues.append(("reserved", f"Attribute name is a reserved keyword; reserved keyword: {element}"))
        elif isinstance(node, Function) and node.name not in UPDATE_FUNCTIONS:
            if node.name in CONDITION_FUNCTIONS:
                message = f"The function is not allowed in an update expression; function: {node.name}"
            else:
                message = f"Invalid function name; function: {node.name}"
            issues.append(("function_name", message))
        elif (
            isinstance(node, Function)
            and node.name == "list_append"
            and any(isinstance(arg, Function) and arg.name == "list_append" for arg in node.args)
        ):  # if_not_exists may nest in list_append; list_append in itself may not
            issues.append(
                (
                    "function_name",
                    "The function is not allowed to be used this way in an expression; function: list_append",
                )
            )
    for category in _STRUCTURAL_ORDER:
        for found, message in issues:
            if found == category:
                raise ExpressionError(message)
    return update


def walk_update(update: Update):
    for action in update.actions:
        yield from walk(action)


def bind_update(update: Update, placeholders: Placeholders) -> Update:
    """Resolve an update's placeholders and check paths and operand types as DynamoDB does."""
    problems = Problems(_BINDING_ORDER)
    actions = []
    for action in update.actions:
        path = bind_path(action.path, placeholders, problems, "name")
        if isinstance(action, RemoveAction):
            actions.append(RemoveAction(path))
        elif isinstance(action, SetAction):
            actions.append(SetAction(path, _bind_value(action.value, placeholders, problems)))
        else:
            value = bind_value(action.value, placeholders, problems, "value")
            clause = "ADD" if isinstance(action, AddAction) else "DELETE"
            _check_operand(clause, value, problems)
            actions.append(type(action)(path, value))
    overlap, conflict = overlap_errors(action.path.elements for action in actions)
    if overlap:
        problems.add("overlap", overlap)
    if conflict:
        problems.add("conflict", conflict)
    problems.raise_first()
    return Update(tuple(actions))


def _check_operand(clause: str, value: Value, problems: Problems) -> None:
    kind = type_of(value.value)
    allowed = ("N", "SS", "NS", "BS") if clause == "ADD" else ("SS", "NS", "BS")
    if kind is not None and kind not in allowed:
        problems.add(
            "operand",
            f"Incorrect operand type for operator or function; operator: {clause}, operand type: {_TYPE_NAMES[kind]}",
        )


def _bind_value(node: Any, placeholders: Placeholders, problems: Problems):
    if isinstance(node, Path):
        return bind_path(node, placeholders, problems, "name")
    if isinstance(node, Value):
        return bind_value(node, placeholders, problems, "value")
    if isinstance(node, Arithmetic):
        left = _bind_value(node.left, placeholders, problems)
        right = _bind_value(node.right, placeholders, problems)
        _check_types(node.operator, (left, right), "N", problems)
        return Arithmetic(node.operator, left, right)
    args = tuple(_bind_value(arg, placeholders, problems) for arg in node.args)
    if len(args) != 2:
        problems.add(
            "function",
            "Incorrect number of operands for operator or function; "
            f"operator or function: {node.name}, number of operands: {len(args)}",
        )
    elif node.name == "if_not_exists" and not isinstance(args[0], Path):
        problems.add("function", f"Operator or function requires a document path; operator or function: {node.name}")
    elif node.name == "list_append":
        _check_types(node.name, args, "L", problems)
    return Function(node.name, args)


def _check_types(operator: str, operands: tuple[Any, ...], expected: str, problems: Problems) -> None:
    for operand in operands:
        kind = type_of(operand.value) if isinstance(operand, Value) else None
        if kind is not None and kind != expected:
            problems.add(
                "function",
                "Incorrect operand type for operator or function; "
                f"operator or function: {operator}, operand type: {kind}",
            )
            return
