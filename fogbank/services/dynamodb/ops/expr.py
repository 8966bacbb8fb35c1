"""A request's expressions, parsed and bound once: condition, update, projection, filter, key condition.

Each operation names which of its parameters are expressions and which are their legacy forms; this
module applies DynamoDB's rules about mixing them and reports unused placeholders after every expression of the request is bound.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fogbank.protocols.errors import validation_error
from fogbank.services.dynamodb.attributes import MAX_NESTING_DEPTH, Item
from fogbank.services.dynamodb.expressions import (
    Path,
    Placeholders,
    Projection,
    Update,
    condition_expression,
    evaluate,
    key_condition_expression,
    legacy,
    project,
    projection_expression,
    update_expression,
)
from fogbank.services.dynamodb.expressions.nodes import walk
from fogbank.services.dynamodb.model import Table

# Expression parameter -> the legacy parameters it replaces.
LEGACY_OF = {
    "ConditionExpression": ("Expected",),
    "UpdateExpression": ("AttributeUpdates",),
    "ProjectionExpression": ("AttributesToGet",),
    "FilterExpression": ("QueryFilter", "ScanFilter"),
    "KeyConditionExpression": ("KeyConditions",),
}


# The syntax of an ExpressionAttributeNames key, as ``Placeholders`` checks it.
_NAME_KEY = re.compile(r"#[0-9a-zA-Z_]+")

# DynamoDB lists parameters in its messages in these orders, whatever order the request gave them in.
_EXPRESSION_ORDER = (
    "ProjectionExpression",
    "UpdateExpression",
    "ConditionExpression",
    "FilterExpression",
    "KeyConditionExpression",
)
_LEGACY_ORDER = (
    "AttributesToGet",
    "AttributeUpdates",
    "Expected",
    "QueryFilter",
    "ScanFilter",
    "ConditionalOperator",
    "KeyConditions",
)


def check_parameters(params: dict[str, Any], expressions: tuple[str, ...]) -> None:
    """DynamoDB's rules about mixing expression and legacy parameters, checked before any expression is parsed.

    ``expressions`` are the expression parameters the operation accepts.
    """
    accepted = [name for name in _EXPRESSION_ORDER if name in expressions]
    used = [name for name in accepted if params.get(name) is not None]
    legacy_names = {old for name in accepted for old in LEGACY_OF[name]} | {"ConditionalOperator"}
    if params.get("KeyConditionExpression") is None:
        # A Query may give its key as KeyConditions and still filter or project with expressions.
        legacy_names.discard("KeyConditions")
    legacy_used = [old for old in _LEGACY_ORDER if old in legacy_names and params.get(old) is not None]
    if used and legacy_used:
        raise validation_error(
            "Can not use both expression and non-expression parameters in the same request: "
            f"Non-expression parameters: {{{', '.join(legacy_used)}}} "
            f"Expression parameters: {{{', '.join(used)}}}"
        )
    if params.get("ExpressionAttributeNames") is not None and not used:
        raise validation_error("ExpressionAttributeNames can only be specified when using expressions")
    # A ProjectionExpression takes no values, so it does not count here.
    with_values = [name for name in accepted if name != "ProjectionExpression"]
    if params.get("ExpressionAttributeValues") is not None and with_values:
        if all(params.get(name) is None for name in with_values):
            verb = "are" if len(with_values) > 1 else "is"
            raise validation_error(
                "ExpressionAttributeValues can only be specified when using expressions: "
                f"{' and '.join(with_values)} {verb} null"
            )
    if params.get("ConditionalOperator") is not None:
        check_conditional_operator(params)


def check_names(names: dict[str, str] | None) -> None:
    """An empty attribute name is refused (the keys' syntax is left to ``Placeholders``, key by key)."""
    for key, value in (names or {}).items():
        if not _NAME_KEY.fullmatch(key):
            return
        if value == "":
            raise validation_error(
                f"ExpressionAttributeNames contains invalid value: Empty attribute name for key {key}"
            )


def check_conditional_operator(params: dict[str, Any]) -> None:
    """ConditionalOperator joins two or more legacy conditions; DynamoDB refuses it with fewer."""
    count = sum(len(params.get(name) or ()) for name in ("Expected", "QueryFilter", "ScanFilter"))
    if count == 0:
        raise validation_error("ConditionalOperator cannot be used without Filter or Expected")
    if count == 1:
        raise validation_error("ConditionalOperator can only be used when Filter or Expected has two or more elements")


class RequestExpressions:
    """The expressions of one request. ``None`` attributes mean the request has none of that kind."""

    condition: Any = None
    update: Update | None = None
    projection: Projection | None = None
    filter: Any = None
    key_condition: Any = None

    def __init__(
        self, params: dict[str, Any], expressions: tuple[str, ...], value_depth: int = MAX_NESTING_DEPTH
    ) -> None:
        check_parameters(params, expressions)
        used = [name for name in expressions if params.get(name) is not None]
        check_names(params.get("ExpressionAttributeNames"))
        placeholders = Placeholders(
            params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues"), value_depth
        )
        self.placeholders = placeholders
        operator = params.get("ConditionalOperator")
        for name in expressions:
            text = params.get(name)
            if text is not None:
                self._bind(name, text)
        # The legacy forms, validated by the expressions package.
        if params.get("Expected") is not None:
            self.condition = legacy.condition_from_legacy(legacy.check_expected(params["Expected"]), operator)
        if params.get("AttributeUpdates") is not None:
            self.update = legacy.update_from_attribute_updates(params["AttributeUpdates"])
        if params.get("AttributesToGet") is not None:
            self.projection = legacy.projection_from_attributes_to_get(params["AttributesToGet"])
        for filter_name in ("QueryFilter", "ScanFilter"):
            if params.get(filter_name) is not None:
                self.filter = legacy.condition_from_legacy(legacy.check_conditions(params[filter_name]), operator)
        if used:
            placeholders.check_unused()

    def _bind(self, name: str, text: str) -> None:
        placeholders = self.placeholders
        if name == "ConditionExpression":
            self.condition = condition_expression(text, placeholders)
        elif name == "FilterExpression":
            self.filter = condition_expression(text, placeholders, "FilterExpression")
        elif name == "UpdateExpression":
            self.update = update_expression(text, placeholders)
        elif name == "ProjectionExpression":
            self.projection = projection_expression(text, placeholders)
        elif name == "KeyConditionExpression":
            self.key_condition = key_condition_expression(text, placeholders)

    def matches(self, item: Item | None) -> bool:
        return self.condition is None or evaluate(self.condition, item)

    def passes_filter(self, item: Item) -> bool:
        return self.filter is None or evaluate(self.filter, item)

    def project(self, item: Item) -> Item:
        return item if self.projection is None else project(item, self.projection.paths)


def parse_request(
    params: dict[str, Any], expressions: tuple[str, ...], value_depth: int = MAX_NESTING_DEPTH
) -> RequestExpressions | None:
    """None when the request uses no expression or legacy parameter at all (the fast path). ``value_depth``:
    how deep ExpressionAttributeValues may nest (a transaction's actions do not check it, as on AWS)."""
    if params.keys().isdisjoint(_KEYS_OF.get(expressions) or _expression_keys(expressions)):
        return None  # (decoded parameters never hold None: the decoder drops null members)
    return RequestExpressions(params, expressions, value_depth)


_KEYS_OF: dict[tuple[str, ...], frozenset[str]] = {}


def _expression_keys(expressions: tuple[str, ...]) -> frozenset[str]:
    keys = frozenset(
        (
            *expressions,
            *(old for name in expressions for old in LEGACY_OF[name]),
            "ExpressionAttributeNames",
            "ExpressionAttributeValues",
            "ConditionalOperator",
        )
    )
    _KEYS_OF[expressions] = keys
    return keys


def check_scalar_keys(paths: Iterable[Path], table: Table) -> None:
    """Key attributes are scalars, so DynamoDB refuses a path into one (``pk.a``, ``gsi_key[0]``).

    The table's key attributes are checked first, then those of its secondary indexes.
    """
    nested = {path.elements[0] for path in paths if len(path.elements) > 1}
    if not nested:
        return
    message = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "
    for name in table.schema.names:
        if name in nested:
            raise validation_error(f"{message}Key: {name}")
    for index in table.indexes:
        for name in index.schema.names:
            if name in nested:
                raise validation_error(f"{message}IndexKey: {name}")


def condition_paths(condition: Any) -> list[Path]:
    """The document paths a bound condition reads (none for None)."""
    return [] if condition is None else [node for node in walk(condition) if isinstance(node, Path)]
