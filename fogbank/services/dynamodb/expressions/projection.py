"""ProjectionExpression: its grammar (``path ( ',' path )*``) and projecting an item onto paths."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from fogbank.services.dynamodb.attributes import AttributeValue, Item
from fogbank.services.dynamodb.expressions.binding import Problems, bind_path
from fogbank.services.dynamodb.expressions.nodes import Path, Projection
from fogbank.services.dynamodb.expressions.paths import overlap_errors
from fogbank.services.dynamodb.expressions.placeholders import Placeholders
from fogbank.services.dynamodb.expressions.reserved import is_reserved
from fogbank.services.dynamodb.expressions.tokens import ExpressionError, Parser

MAX_DEPTH = 32  # DynamoDB's limit on a document path's levels


class ProjectionParser(Parser):
    def parse(self) -> Projection:
        paths = self.separated(self.path)
        self.expect_end()
        return Projection(tuple(paths))


@lru_cache(maxsize=1024)
def parse_projection(expression: str) -> Projection:
    """Parse a ProjectionExpression (unbound); raises ``ExpressionError`` with DynamoDB's wording."""
    if expression == "":
        raise ExpressionError("The expression can not be empty;")
    projection = ProjectionParser(expression).parse()
    for path in projection.paths:
        if len(path.elements) > MAX_DEPTH:
            raise ExpressionError(
                f"The document path has too many nesting levels; nesting levels: {len(path.elements)}"
            )
        for element in path.elements:
            if isinstance(element, str) and is_reserved(element):
                raise ExpressionError(f"Attribute name is a reserved keyword; reserved keyword: {element}")
    return projection


def bind_projection(projection: Projection, placeholders: Placeholders) -> Projection:
    problems = Problems(("name", "overlap", "conflict"))
    paths = tuple(bind_path(path, placeholders, problems, "name") for path in projection.paths)
    overlap, conflict = overlap_errors(path.elements for path in paths)
    if overlap:
        problems.add("overlap", overlap)
    if conflict:
        problems.add("conflict", conflict)
    problems.raise_first()
    return Projection(paths)


def project(item: Item, paths: Iterable[Path]) -> Item:
    """The parts of ``item`` the paths name, nested as in the item.

    Elements picked from one list keep their order in it and close up, as DynamoDB returns them:
    projecting ``l[3], l[1]`` of a five-element list gives a two-element list. Missing paths are left out.
    """
    tree: dict[Any, Any] = {}
    for path in paths:
        node = tree
        for element in path.elements[:-1]:
            child = node.get(element)
            if child is None:
                child = node[element] = {}
            elif child is True:
                break  # a shorter path already takes the whole value
            node = child
        else:
            node[path.elements[-1]] = True
    result: Item = {}
    for name, wanted in tree.items():
        if isinstance(name, str) and name in item:
            picked = _pick(item[name], wanted)
            if picked is not None:
                result[name] = picked
    return result


def _pick(value: AttributeValue, wanted: Any) -> AttributeValue | None:
    if wanted is True:
        return value
    if "M" in value:
        members = {}
        for key, child in wanted.items():
            if isinstance(key, str) and key in value["M"]:
                picked = _pick(value["M"][key], child)
                if picked is not None:
                    members[key] = picked
        return {"M": members} if members else None
    if "L" in value:
        elements = []
        for index in sorted(key for key in wanted if isinstance(key, int)):
            if index < len(value["L"]):
                picked = _pick(value["L"][index], wanted[index])
                if picked is not None:
                    elements.append(picked)
        return {"L": elements} if elements else None
    return None
