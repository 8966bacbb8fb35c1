"""Document paths: reading a path in an item, and DynamoDB's overlap/conflict rules between paths."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fogbank.services.dynamodb.attributes import AttributeValue, Item


def path_text(elements: Iterable[Any]) -> str:
    """How DynamoDB prints a path in messages: ``[a, b, [1]]``."""
    return "[" + ", ".join(f"[{e}]" if isinstance(e, int) else str(e) for e in elements) + "]"


def get_path(item: Item, elements: tuple[Any, ...]) -> AttributeValue | None:
    """The value at a bound path, or None when any step is missing or of the wrong kind."""
    value: AttributeValue | None = item.get(elements[0])
    for element in elements[1:]:
        if value is None:
            return None
        if isinstance(element, int):
            members = value.get("L")
            value = members[element] if members is not None and element < len(members) else None
        else:
            members = value.get("M")
            value = members.get(element) if members is not None else None
    return value


def overlap_errors(paths: Iterable[tuple[Any, ...]]) -> tuple[str | None, str | None]:
    """The first overlap and the first conflict among paths, in the order written.

    Two paths overlap when one is a prefix of the other (or they are equal); they conflict when, at the
    same depth under the same prefix, one indexes a list where the other looks up a map key.
    """
    seen: list[tuple[Any, ...]] = []
    overlap = conflict = None
    for path in paths:
        for earlier in seen:
            relation = _relation(earlier, path)
            if relation == "conflict" and conflict is None:
                conflict = (
                    "Two document paths conflict with each other; must remove or rewrite one of these paths; "
                    f"path one: {path_text(earlier)}, path two: {path_text(path)}"
                )
            elif relation == "overlap" and overlap is None:
                overlap = (
                    "Two document paths overlap with each other; must remove or rewrite one of these paths; "
                    f"path one: {path_text(earlier)}, path two: {path_text(path)}"
                )
        seen.append(path)
    return overlap, conflict


def _relation(one: tuple[Any, ...], two: tuple[Any, ...]) -> str | None:
    for a, b in zip(one, two, strict=False):
        if isinstance(a, int) != isinstance(b, int):
            return "conflict"
        if a != b:
            return None
    return "overlap"
