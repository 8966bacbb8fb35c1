"""Constraint validation of parsed input against the botocore model.

Messages follow AWS's own validation format (``1 validation error detected: Value null at
'tableName' failed to satisfy constraint: Member must not be null``). Type conversion happens in
each protocol's parser; this module only checks required members, lengths, ranges, enums and
patterns, which are the same for every protocol.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from botocore.model import Shape

MAX_REPORTED = 10


@lru_cache(maxsize=2048)
def _pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error:
        return None  # a Java-only construct: AWS checks it, we cannot; skip rather than reject


def render(value: Any) -> str:
    """A value the way AWS prints it inside a validation message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray)):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={render(v)}" for k, v in value.items()) + "}"
    return str(value)


def _member_path(prefix: str, name: str) -> str:
    name = name[:1].lower() + name[1:]
    return f"{prefix}.{name}" if prefix else name


def validate(shape: Shape | None, params: Any) -> list[str]:
    """Every constraint violation, as AWS words each one."""
    problems: list[str] = []
    if shape is not None:
        _check_structure(shape, params, "", problems)
    return problems


def summary(problems: list[str]) -> str:
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(problems[:MAX_REPORTED])


def _fail(problems: list[str], value: Any, path: str, constraint: str) -> None:
    shown = "null" if value is None else f"'{render(value)}'"
    problems.append(f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}")


def _check_structure(shape: Shape, value: dict[str, Any], path: str, problems: list[str]) -> None:
    required = shape.required_members
    for name, member in shape.members.items():
        member_value = value.get(name)
        member_path = _member_path(path, name)
        if member_value is None:
            if name in required:
                _fail(problems, None, member_path, "Member must not be null")
            continue
        _check(member, member_value, member_path, problems)


def _check(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if isinstance(value, dict):
            _check_structure(shape, value, path, problems)
        return
    if kind == "list":
        _check_length(value, meta, path, problems)
        for index, item in enumerate(value, 1):
            if item is not None:
                _check(shape.member, item, f"{path}.{index}.member", problems)
        return
    if kind == "map":
        _check_length(value, meta, path, problems)
        for key, item in value.items():
            _check(shape.key, key, f"{path}.{key}.key", problems)
            if item is not None:
                _check(shape.value, item, f"{path}.{key}.member", problems)
        return
    if kind in ("string", "blob"):
        _check_length(value, meta, path, problems)
        if kind == "string":
            enum = meta.get("enum")
            if enum and value not in enum:
                _fail(problems, value, path, "Member must satisfy enum value set: [" + ", ".join(enum) + "]")
            pattern = meta.get("pattern")
            if pattern:
                compiled = _pattern(pattern)
                if compiled is not None and not compiled.fullmatch(value):
                    _fail(problems, value, path, f"Member must satisfy regular expression pattern: {pattern}")
        return
    if kind in ("integer", "long", "float", "double"):
        low, high = meta.get("min"), meta.get("max")
        if low is not None and value < low:
            _fail(problems, value, path, f"Member must have value greater than or equal to {low}")
        if high is not None and value > high:
            _fail(problems, value, path, f"Member must have value less than or equal to {high}")


def _check_length(value: Any, meta: dict[str, Any], path: str, problems: list[str]) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is None and high is None:
        return
    size = len(value)
    if low is not None and size < low:
        _fail(problems, value, path, f"Member must have length greater than or equal to {low}")
    if high is not None and size > high:
        _fail(problems, value, path, f"Member must have length less than or equal to {high}")
