"""PartiQL literals and ``?`` parameters as DynamoDB AttributeValues.

``'text'`` is S, a number N (canonical, range-checked), ``TRUE``/``FALSE`` BOOL, ``NULL`` NULL, ``{'k': v}`` M,
``[v, ...]`` L and ``<<v, ...>>`` a set (SS, NS, or BS from binary parameters). An error names where the value
sits, from ``root`` down (``root.x``, ``root[1]``), as DynamoDB's messages do.
"""

from __future__ import annotations

from typing import Any

from fogbank.protocols.errors import AwsError
from fogbank.services.dynamodb.attributes import AttributeValue, Item, canonical_number, type_of
from fogbank.services.dynamodb.partiql import errors
from fogbank.services.dynamodb.partiql.errors import invalid
from fogbank.services.dynamodb.partiql.syntax import Bag, ListValue, Param, Scalar, Struct

VALUE_NODES = (Scalar, Param, Struct, ListValue, Bag)


def is_value(node: Any) -> bool:
    """Whether a node is a value (a literal or parameter, possibly nested), as opposed to a path or operation."""
    return isinstance(node, VALUE_NODES) and not (isinstance(node, Scalar) and node.kind == "MISSING")


def to_value(node: Any, params: list[AttributeValue], where: str = "root") -> AttributeValue:
    if isinstance(node, Param):
        return params[node.index]
    if isinstance(node, Scalar):
        if node.kind == "S":
            return {"S": node.text}
        if node.kind == "N":
            try:
                return {"N": canonical_number(node.text)}
            except AwsError as error:
                raise invalid(f"{error.message} under {where}") from None
        if node.kind == "BOOL":
            return {"BOOL": node.text == "TRUE"}
        if node.kind == "NULL":
            return {"NULL": True}
        raise invalid(f"Unsupported data type: MISSING under key {where}")
    if isinstance(node, Struct):
        return {"M": members_of(node, params, where, nested=True)}
    if isinstance(node, ListValue):
        return {"L": [value_of(item, params, f"{where}[{i}]") for i, item in enumerate(node.items)]}
    if isinstance(node, Bag):
        return _set(node, params, where)
    raise invalid(errors.UNSUPPORTED_OPERATION.format(type(node).__name__))


def members_of(node: Struct, params: list[AttributeValue], where: str = "root", nested: bool = False) -> Item:
    """A tuple's members. An INSERT's item is a tuple whose attributes each sit at ``root`` (AWS names a value
    inside attribute ``m`` ``root.x``, not ``root.m.x``)."""
    members: Item = {}
    for key_node, value_node in node.entries:
        key = to_value(key_node, params, where) if is_value(key_node) else None
        if type_of(key) != "S":
            raise invalid(errors.TUPLE_KEY_TYPE.format(_type_name(key), where))
        name = key["S"]  # type: ignore[index]
        if name in members:
            raise invalid(errors.DUPLICATE_KEYS.format(name, where))
        members[name] = value_of(value_node, params, f"{where}.{name}" if nested else where)
    return members


def value_of(node: Any, params: list[AttributeValue], where: str) -> AttributeValue:
    """A value nested in a literal: paths and operations cannot appear there."""
    if not is_value(node):
        raise invalid(errors.UNSUPPORTED_OPERATION.format(type(node).__name__))
    return to_value(node, params, where)


def _set(node: Bag, params: list[AttributeValue], where: str) -> AttributeValue:
    if not node.items:
        raise invalid(errors.EMPTY_BAG)
    members = []
    for item in node.items:
        if not isinstance(item, Scalar) or item.kind not in ("S", "N"):
            raise invalid(errors.BAG_TYPES)
        members.append(to_value(item, params, where))
    kinds = {type_of(member) for member in members}
    if len(kinds) > 1:
        raise invalid(errors.BAG_TYPES)
    kind = kinds.pop()
    texts = [member[kind] for member in members]  # type: ignore[index]
    if len(set(texts)) != len(texts):
        raise invalid(errors.DUPLICATES_IN_SET)
    return {kind + "S": texts}


def _type_name(value: AttributeValue | None) -> str:
    names = {"N": "DECIMAL", "BOOL": "BOOL", "NULL": "NULL", "M": "STRUCT", "L": "LIST", "B": "BLOB"}
    return names.get(type_of(value) or "", "MISSING") if value else "MISSING"
