"""The pre-expression parameters, translated to the trees the expression evaluator and updater use.

Expected, QueryFilter, ScanFilter and KeyConditions become conditions (combined by ConditionalOperator),
AttributeUpdates becomes an update, AttributesToGet a projection. Each keeps its own validation messages.
"""

from __future__ import annotations

from functools import reduce
from typing import Any

from fogbank.protocols.errors import validation_error
from fogbank.services.dynamodb.attributes import INVALID, compare_values, type_of, validate_value
from fogbank.services.dynamodb.expressions.nodes import (
    AddAction,
    And,
    Between,
    Comparison,
    DeleteAction,
    Function,
    In,
    Not,
    Or,
    Path,
    Projection,
    RemoveAction,
    SetAction,
    Update,
    Value,
)

# ComparisonOperator -> (fewest, most) AttributeValueList members.
ARGUMENT_COUNTS = {
    "EQ": (1, 1),
    "NE": (1, 1),
    "LE": (1, 1),
    "LT": (1, 1),
    "GE": (1, 1),
    "GT": (1, 1),
    "CONTAINS": (1, 1),
    "NOT_CONTAINS": (1, 1),
    "BEGINS_WITH": (1, 1),
    "NULL": (0, 0),
    "NOT_NULL": (0, 0),
    "IN": (1, None),
    "BETWEEN": (2, 2),
}
# ComparisonOperator -> the AttributeValue types it accepts (EQ and NE accept every type).
OPERAND_TYPES = {
    "LE": ("S", "N", "B"),
    "LT": ("S", "N", "B"),
    "GE": ("S", "N", "B"),
    "GT": ("S", "N", "B"),
    "CONTAINS": ("S", "N", "B"),
    "NOT_CONTAINS": ("S", "N", "B"),
    "BEGINS_WITH": ("S", "B"),
    "IN": ("S", "N", "B"),
    "BETWEEN": ("S", "N", "B"),
}
_COMPARATORS = {"EQ": "=", "NE": "<>", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}


def check_conditions(conditions: dict[str, dict[str, Any]]) -> dict[str, tuple[str, tuple[dict, ...]]]:
    """Validate QueryFilter, ScanFilter or KeyConditions; returns name -> (operator, values)."""
    checked = {}
    for name, condition in conditions.items():
        operator = condition.get("ComparisonOperator")
        values = tuple(validate_value(value) for value in condition.get("AttributeValueList") or ())
        _check_arguments(operator, values)
        checked[name] = (operator, values)
    return checked


def _check_arguments(operator: str, values: tuple[dict, ...]) -> None:
    # An unknown operator never gets here: the protocol layer checks the enum from the model.
    fewest, most = ARGUMENT_COUNTS[operator]
    if len(values) < fewest or (most is not None and len(values) > most):
        raise validation_error(f"{INVALID}Invalid number of argument(s) for the {operator} ComparisonOperator")
    if values and any(type_of(value) != type_of(values[0]) for value in values):
        raise validation_error(f"{INVALID}AttributeValues inside AttributeValueList must be of same type")
    for value in values:
        if operator in OPERAND_TYPES and type_of(value) not in OPERAND_TYPES[operator]:
            raise validation_error(
                f"{INVALID}ComparisonOperator {operator} is not valid for {type_of(value)} AttributeValue type"
            )
    if operator == "BETWEEN" and (compare_values(values[0], values[1]) or 0) > 0:
        raise validation_error(
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
        )


def check_expected(expected: dict[str, dict[str, Any]]) -> dict[str, tuple[str, tuple[dict, ...]]]:
    """Validate an ``Expected`` map (PutItem, UpdateItem, DeleteItem); returns name -> (operator, values)."""
    checked = {}
    for name, condition in expected.items():
        value_list = condition.get("AttributeValueList")
        value = condition.get("Value")
        if value_list is not None and value is not None:
            raise validation_error(
                f"{INVALID}Value and AttributeValueList cannot be used together for Attribute: {name}"
            )
        operator = condition.get("ComparisonOperator")
        if operator is not None:
            if condition.get("Exists") is not None:
                raise validation_error(
                    f"{INVALID}Exists and ComparisonOperator cannot be used together for Attribute: {name}"
                )
            if operator not in ("NULL", "NOT_NULL") and value_list is None and value is None:
                raise validation_error(
                    f"{INVALID}Value or AttributeValueList must be used with ComparisonOperator: {operator} "
                    f"for Attribute: {name}"
                )
            given = value_list if value_list is not None else [value] if value is not None else []
            values = tuple(validate_value(v) for v in given)
            _check_arguments(operator, values)
            checked[name] = (operator, values)
        elif value_list is not None:
            raise validation_error(
                f"{INVALID}AttributeValueList can only be used with a ComparisonOperator for Attribute: {name}"
            )
        else:
            exists = condition.get("Exists")
            if exists is not False and value is None:
                shown = "null" if exists is None else "true"
                raise validation_error(f"{INVALID}Value must be provided when Exists is {shown} for Attribute: {name}")
            if exists is False and value is not None:
                raise validation_error(f"{INVALID}Value cannot be used when Exists is false for Attribute: {name}")
            checked[name] = ("NULL", ()) if exists is False else ("EQ", (validate_value(value),))
    return checked


def condition_from_legacy(conditions: dict[str, tuple[str, tuple[dict, ...]]], conditional_operator: str | None):
    """A bound condition equivalent to checked legacy conditions (None when there are none)."""
    nodes = [_condition(name, operator, values) for name, (operator, values) in conditions.items()]
    if not nodes:
        return None
    combine = Or if conditional_operator == "OR" else And
    return reduce(combine, nodes)


def _condition(name: str, operator: str, values: tuple[dict, ...]):
    path = Path((name,))
    operands = [Value("", value) for value in values]
    if operator in _COMPARATORS:
        return Comparison(_COMPARATORS[operator], path, operands[0])
    if operator == "NULL":
        return Function("attribute_not_exists", (path,))
    if operator == "NOT_NULL":
        return Function("attribute_exists", (path,))
    if operator == "CONTAINS":
        return Function("contains", (path, operands[0]))
    if operator == "NOT_CONTAINS":  # false for a missing attribute, as on AWS
        return And(Function("attribute_exists", (path,)), Not(Function("contains", (path, operands[0]))))
    if operator == "BEGINS_WITH":
        return Function("begins_with", (path, operands[0]))
    if operator == "IN":
        return In(path, tuple(operands))
    return Between(path, operands[0], operands[1])


def update_from_attribute_updates(updates: dict[str, dict[str, Any]]) -> Update:
    """Validate ``AttributeUpdates`` and translate it to an update of top-level attributes."""
    actions = []
    for name, update in updates.items():
        value = update.get("Value")
        action = update.get("Action") or "PUT"
        if value is not None:
            value = validate_value(value)
        if value is None and action != "DELETE":
            raise validation_error(f"{INVALID}Only DELETE action is allowed when no attribute value is specified")
        kind = type_of(value)
        if value is not None and action == "DELETE" and kind not in ("SS", "NS", "BS"):
            raise validation_error(f"{INVALID}DELETE action with value is not supported for the type {kind}")
        if value is not None and action == "ADD" and kind not in ("L", "SS", "NS", "BS", "N"):
            raise validation_error(f"{INVALID}ADD action is not supported for the type {kind}")
        path = Path((name,))
        if action == "PUT":
            actions.append(SetAction(path, Value("", value)))
        elif action == "ADD":
            actions.append(AddAction(path, Value("", value)))
        elif value is None:
            actions.append(RemoveAction(path))
        else:
            actions.append(DeleteAction(path, Value("", value)))
    return Update(tuple(actions), legacy=True)


def projection_from_attributes_to_get(names: list[str]) -> Projection:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise validation_error(f"{INVALID}Duplicate value in attribute name: {name}")
        seen.add(name)
    return Projection(tuple(Path((name,)) for name in names))
