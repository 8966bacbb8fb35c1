"""Query key conditions: from a bound KeyConditionExpression or legacy KeyConditions to a range to read.

A key condition is an equality on the partition key, optionally ANDed with one condition on the sort key
(=, <, <=, >, >=, BETWEEN or begins_with). The checks run in DynamoDB's order: the shape of the
expression, the operand types, the number of conditions, then the match with the key schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fogbank.protocols.errors import validation_error
from fogbank.services.dynamodb.attributes import INVALID, AttributeValue, Item, type_of
from fogbank.services.dynamodb.expressions.evaluate import evaluate
from fogbank.services.dynamodb.expressions.legacy import check_conditions, condition_from_legacy
from fogbank.services.dynamodb.expressions.nodes import And, Between, Comparison, Function, In, Not, Or, Path, Value
from fogbank.services.dynamodb.keys import KeyRange, KeySchema, sort_key_range

_OPERATORS = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}
# The same comparison with its operands swapped: ":v < k" is "k > :v".
_FLIPPED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NOT_INDEXABLE = ("NULL", "NOT_NULL", "NE", "CONTAINS", "NOT_CONTAINS", "IN")


@dataclass(frozen=True)
class KeyCondition:
    """What a Query reads: one partition, and optionally a condition on the sort key.

    ``sort_operator`` is one of EQ, LT, LE, GT, GE, BETWEEN, BEGINS_WITH; ``sort_values`` holds its one
    or two AttributeValues.
    """

    partition: str
    partition_value: AttributeValue
    sort: str | None = None
    sort_operator: str | None = None
    sort_values: tuple[AttributeValue, ...] = ()

    def sort_range(self, kind: str) -> KeyRange:
        """Bounds on encoded sort keys (``keys.encode_key_value``); open when there is no sort condition."""
        if self.sort_operator is None:
            return KeyRange()
        return sort_key_range(self.sort_operator, self.sort_values, kind)

    def sort_matches(self, value: AttributeValue) -> bool:
        """Whether a sort key value satisfies the sort condition (true when there is none)."""
        if self.sort is None or self.sort_operator is None:
            return True
        condition = condition_from_legacy({self.sort: (self.sort_operator, self.sort_values)}, "AND")
        return evaluate(condition, {self.sort: value})

    def matches(self, item: Item) -> bool:
        conditions: dict[str, tuple[str, tuple[AttributeValue, ...]]] = {
            self.partition: ("EQ", (self.partition_value,))
        }
        if self.sort is not None and self.sort_operator is not None:
            conditions[self.sort] = (self.sort_operator, self.sort_values)
        return evaluate(condition_from_legacy(conditions, "AND"), item)


def key_condition_from_expression(node: Any, schema: KeySchema) -> KeyCondition:
    """The key condition of a bound KeyConditionExpression, checked against the (table or index) schema."""
    conditions: dict[str, tuple[str, tuple[AttributeValue, ...]]] = {}
    _collect(node, conditions)
    names = len(schema.names)
    if len(conditions) > 2:  # (two on a hash-only key are "Query key condition not supported", below)
        raise validation_error(
            f"The number of query conditions ({len(conditions)}) exceeds the number of key attributes defined in "
            f"the schema ({names})"
        )
    for name, (operator, values) in conditions.items():
        check_conditions({name: {"ComparisonOperator": operator, "AttributeValueList": list(values)}})
    return _against_schema(conditions, schema)


def key_condition_from_legacy(key_conditions: dict[str, dict[str, Any]], schema: KeySchema) -> KeyCondition:
    """The key condition of a legacy ``KeyConditions`` map."""
    return _against_schema(check_conditions(key_conditions), schema)


def _collect(node: Any, found: dict[str, tuple[str, tuple[AttributeValue, ...]]]) -> None:
    """Walk the expression as DynamoDB does, parents before children, and gather one condition per key."""
    if isinstance(node, And):
        _collect(node.left, found)
        _collect(node.right, found)
        return
    if isinstance(node, (Or, Not, In)) or (isinstance(node, Comparison) and node.operator == "<>"):
        shown = {Or: "OR", Not: "NOT", In: "IN"}.get(type(node), "<>")
        raise validation_error(f"Invalid operator used in KeyConditionExpression: {shown}")
    if isinstance(node, Function):
        if node.name == "size":
            raise validation_error("KeyConditionExpressions cannot contain nested operations")
        if node.name != "begins_with":
            raise validation_error(f"Invalid operator used in KeyConditionExpression: {node.name}")
    if isinstance(node, Between) and not isinstance(node.operand, Path):
        raise validation_error(
            "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"
        )
    if isinstance(node, Function) and not isinstance(node.args[0], Path):
        raise validation_error(
            "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its "
            "first operand"
        )
    operands = _operands(node)
    name, position = None, 0
    for index, operand in enumerate(operands):
        if isinstance(operand, Path):
            if name is not None:
                raise validation_error(
                    "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"
                )
            if len(operand.elements) > 1:
                raise validation_error("KeyConditionExpressions cannot have conditions on nested attributes")
            name, position = operand.elements[0], index
        elif isinstance(operand, Function):
            _collect(operand, found)
    if name is None:
        raise validation_error("Invalid condition in KeyConditionExpression: No key attribute specified")
    if name in found:
        raise validation_error(
            "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"
        )
    values = tuple(operand.value for operand in operands if isinstance(operand, Value))
    if isinstance(node, Between):
        operator = "BETWEEN"
    elif isinstance(node, Function):
        operator = "BEGINS_WITH"
    else:
        operator = _OPERATORS[node.operator if position == 0 else _FLIPPED[node.operator]]
    found[name] = (operator, values)


def _operands(node: Any) -> tuple[Any, ...]:
    if isinstance(node, Comparison):
        return (node.left, node.right)
    if isinstance(node, Between):
        return (node.operand, node.low, node.high)
    return node.args


def _against_schema(conditions: dict[str, tuple[str, tuple[AttributeValue, ...]]], schema: KeySchema) -> KeyCondition:
    if len(conditions) not in (1, 2):
        raise validation_error("Conditions can be of length 1 or 2 only")
    for name, kind, is_partition in schema.elements():
        if is_partition and schema.sort is None and len(conditions) > 1:
            raise validation_error("Query key condition not supported")
        if name not in conditions:
            if is_partition or len(conditions) > 1:
                raise validation_error(f"Query condition missed key schema element: {name}")
            continue
        operator, values = conditions[name]
        if operator in _NOT_INDEXABLE:
            raise validation_error("Attempted conditional constraint is not an indexable operation")
        if any(type_of(value) != kind for value in values):
            raise validation_error(f"{INVALID}Condition parameter type does not match schema type")
        if is_partition and operator != "EQ":
            raise validation_error("Query key condition not supported")
    partition_value = conditions[schema.partition][1][0]
    if schema.partition_type in ("S", "B") and len(partition_value[schema.partition_type]) == 0:
        empty = "string" if schema.partition_type == "S" else "binary"
        raise validation_error(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
            f"empty {empty} value. Key: {schema.partition}"
        )
    if schema.sort is not None and schema.sort in conditions:
        operator, values = conditions[schema.sort]
        return KeyCondition(schema.partition, partition_value, schema.sort, operator, values)
    return KeyCondition(schema.partition, partition_value)
