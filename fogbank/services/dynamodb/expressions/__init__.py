"""DynamoDB expressions: parse once, bind per request, evaluate or apply per item.

Typical use by an operation (errors are ``AwsError("ValidationException", ...)`` worded as DynamoDB's)::

    placeholders = Placeholders(request.get("ExpressionAttributeNames"), request.get("ExpressionAttributeValues"))
    update = update_expression(request["UpdateExpression"], placeholders)          # Invalid UpdateExpression: ...
    condition = condition_expression(request["ConditionExpression"], placeholders)  # Invalid ConditionExpression: ...
    placeholders.check_unused()                      # Value provided in ExpressionAttributeNames unused ...
    if not evaluate(condition, old_item): raise ConditionalCheckFailedException
    new_item = apply_update(update, old_item)

Query binds ``key_condition_expression(...)``, calls ``check_unused()``, then
``key_condition_from_expression(node, schema)`` for the partition value and sort range; filters use
``condition_expression(..., parameter="FilterExpression")`` and ``evaluate``; projections use
``projection_expression`` and ``project(item, projection.paths)``.

Parsing (``parse_condition``, ``parse_update``, ``parse_projection``) is cached by expression text and
gives unbound trees; ``bind_*`` resolves one request's placeholders into a bound tree. The legacy
parameters (Expected, QueryFilter/ScanFilter, KeyConditions, AttributeUpdates, AttributesToGet) translate
to the same bound trees, so one evaluator and one updater serve both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fogbank.services.dynamodb.expressions.apply import apply_update
from fogbank.services.dynamodb.expressions.binding import bind_condition
from fogbank.services.dynamodb.expressions.condition import parse_condition
from fogbank.services.dynamodb.expressions.evaluate import evaluate
from fogbank.services.dynamodb.expressions.keycondition import (
    KeyCondition,
    key_condition_from_expression,
    key_condition_from_legacy,
)
from fogbank.services.dynamodb.expressions.legacy import (
    check_conditions,
    check_expected,
    condition_from_legacy,
    projection_from_attributes_to_get,
    update_from_attribute_updates,
)
from fogbank.services.dynamodb.expressions.nodes import Path, Projection, Update
from fogbank.services.dynamodb.expressions.placeholders import Placeholders
from fogbank.services.dynamodb.expressions.projection import bind_projection, parse_projection, project
from fogbank.services.dynamodb.expressions.tokens import ExpressionError
from fogbank.services.dynamodb.expressions.update import bind_update, parse_update
from fogbank.services.dynamodb.input_faults import InputFault

__all__ = [
    "ExpressionError",
    "KeyCondition",
    "Path",
    "Placeholders",
    "Projection",
    "Update",
    "apply_update",
    "bind_condition",
    "bind_projection",
    "bind_update",
    "check_conditions",
    "check_expected",
    "condition_expression",
    "condition_from_legacy",
    "evaluate",
    "key_condition_expression",
    "key_condition_from_expression",
    "key_condition_from_legacy",
    "parse_condition",
    "parse_projection",
    "parse_update",
    "project",
    "projection_expression",
    "projection_from_attributes_to_get",
    "update_expression",
    "update_from_attribute_updates",
]


# DynamoDB refuses an expression longer than 4 KB (its raw text, before placeholders are substituted).
# Condition and filter expressions also say the size, the other three do not (captured from AWS).
MAX_EXPRESSION_BYTES = 4096
TOO_LONG = "Expression size has exceeded the maximum allowed size;"
# Our parser recurses per parenthesis; 4 KB of them is deeper than Python's stack. AWS's wording for this
# case is not known: the request is refused as invalid rather than failing inside the server.
NESTED_TOO_DEEPLY = "The expression is nested too deeply;"
T = TypeVar("T")


def _parsed(parameter: str, expression: str, build: Callable[[str], T], with_size: bool = False) -> T:
    """``build(expression)``, its mistakes worded as DynamoDB's "Invalid <parameter>: ..." errors."""
    size = len(expression) if expression.isascii() else len(expression.encode("utf-8"))
    if size > MAX_EXPRESSION_BYTES:
        raise InputFault(f"Invalid {parameter}: {TOO_LONG}" + (f" expression size: {size}" if with_size else ""))
    try:
        return build(expression)
    except ExpressionError as error:
        raise InputFault(f"Invalid {parameter}: {error.detail}") from None
    except RecursionError:
        raise InputFault(f"Invalid {parameter}: {NESTED_TOO_DEEPLY}") from None


def condition_expression(expression: str, placeholders: Placeholders, parameter: str = "ConditionExpression"):
    """Parse and bind a ConditionExpression or FilterExpression (``parameter`` names it in errors)."""
    key_condition = parameter == "KeyConditionExpression"
    return _parsed(
        parameter,
        expression,
        lambda text: bind_condition(parse_condition(text, key_condition), placeholders, key_condition),
        with_size=not key_condition,
    )


def key_condition_expression(expression: str, placeholders: Placeholders):
    """Parse and bind a KeyConditionExpression; ``key_condition_from_expression`` then checks its shape."""
    return condition_expression(expression, placeholders, "KeyConditionExpression")


def update_expression(expression: str, placeholders: Placeholders) -> Update:
    return _parsed("UpdateExpression", expression, lambda text: bind_update(parse_update(text), placeholders))


def projection_expression(expression: str, placeholders: Placeholders) -> Projection:
    return _parsed(
        "ProjectionExpression", expression, lambda text: bind_projection(parse_projection(text), placeholders)
    )
