"""Constraint validation of parsed input against the botocore model.

Messages follow AWS's own validation format (``1 validation error detected: Value null at
'tableName' failed to satisfy constraint: Member must not be null``). Type conversion happens in
each protocol's parser; this module only checks required members, lengths, ranges, enums and
patterns, which are the same for every protocol.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
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


def validate(shape: Shape | None, params: Any, bound: int | None = None) -> list[str]:
    """Every constraint violation, as AWS words each one.

    ``bound``, when known, is a size no string, blob, list or map in ``params`` can exceed (a JSON body's
    length): parts of the input whose only constraints are maximum lengths above it cannot break them
    and are not walked (a DynamoDB item's attribute names, limited to 65535, in a small request).
    """
    problems: list[str] = []
    if shape is not None and isinstance(params, dict):
        if _PRECHECKS:
            precheck = _PRECHECKS.get((id(shape._shape_resolver), shape.name))
            if precheck is not None:
                problems.extend(precheck[1](params) or ())
        rule = _rule(shape)
        if bound is None or _max_only(rule) < bound:
            _check_structure(rule, params, None, problems, bound)
    return problems


def summary(problems: list[str]) -> str:
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(problems[:MAX_REPORTED])


# -- rules: each shape's constraints read once from the model, then applied per request ---------

# A path is a chain (parent, segment) joined only when a message needs it: most requests are valid.
Path = tuple[Any, str] | None


def _join(path: Path) -> str:
    parts: list[str] = []
    while path is not None:
        path, segment = path
        parts.append(segment)
    return ".".join(reversed(parts))


class _Rule:
    __slots__ = (
        "kind",
        "required",
        "members",
        "member",
        "key",
        "value",
        "low",
        "high",
        "enum",
        "pattern",
        "trivial",
        "max_only",
        "nulls",
        "service_nulls",
    )

    def __init__(self, shape: Shape) -> None:
        meta = shape.metadata
        self.kind = shape.type_name
        self.required: tuple[tuple[str, str], ...] = ()
        self.members: tuple[tuple[str, str, _Rule], ...] = ()
        self.member: _Rule | None = None
        self.key: _Rule | None = None
        self.value: _Rule | None = None
        self.low = meta.get("min")
        self.high = meta.get("max")
        self.enum: tuple[str, ...] | None = tuple(meta["enum"]) if self.kind == "string" and meta.get("enum") else None
        self.pattern: str | None = meta.get("pattern") if self.kind == "string" else None
        if self.kind not in ("string", "blob", "list", "map", "integer", "long", "float", "double"):
            self.low = self.high = None
        # Until its children are known a rule counts as non-trivial, which keeps cycles safe.
        self.trivial = False
        # A list or map: a null entry is refused, as AWS does (its lists and maps are not sparse).
        self.nulls = False
        self.service_nulls = False  # a null of this shape is the service's to refuse (register_service_nulls)
        # The smallest maximum length below this rule when maximum lengths are its only constraints
        # (infinite when it has none); -1 when it has others. Computed once the rule tree is complete.
        self.max_only: float = -1


_rules: dict[tuple[int, str], _Rule] = {}

# (id of a model's shape resolver, shape name) -> (model, values): the order in which AWS lists a shape's
# enum values in its messages (see register_enum_order). Holding the model keeps the resolver's id unique.
_ENUM_ORDERS: dict[tuple[int, str], tuple[Any, tuple[str, ...]]] = {}


def register_enum_order(model: Any, shape_name: str, values: list[str] | tuple[str, ...]) -> None:
    """List a shape's enum values in AWS's own order in validation messages.

    AWS prints a Java set whose order is not the model's; only the message changes: the accepted values
    stay exactly the model's (recorded values the model lacks are dropped, model values the recording
    lacks follow it in model order).
    """
    resolver = model._shape_resolver
    _ENUM_ORDERS[(id(resolver), shape_name)] = (model, tuple(values))
    for key in [key for key in _rules if key[0] == id(resolver)]:
        del _rules[key]  # built before the order was known


# (id of a model's shape resolver, shape name) -> model: shapes whose null entries the service words itself.
_SERVICE_NULLS: dict[tuple[int, str], Any] = {}


def register_service_nulls(model: Any, shape_name: str) -> None:
    """Leave null entries of a shape (in lists and maps) to the service: it refuses them in its own words
    (DynamoDB's AttributeValues: "Supplied AttributeValue is empty...")."""
    resolver = model._shape_resolver
    _SERVICE_NULLS[(id(resolver), shape_name)] = model
    for key in [key for key in _rules if key[0] == id(resolver)]:
        del _rules[key]  # built before this was known


# (id of a model's shape resolver, structure name) -> (model, member names AWS checks first, in its order).
_MEMBER_ORDERS: dict[tuple[int, str], tuple[Any, tuple[str, ...]]] = {}


def register_member_order(model: Any, shape_name: str, first: list[str] | tuple[str, ...]) -> None:
    """Report a structure's broken members in AWS's order: ``first`` leads, the rest follow in model order.
    (AWS's validator walks members in an order of its own; only the message changes.)"""
    resolver = model._shape_resolver
    _MEMBER_ORDERS[(id(resolver), shape_name)] = (model, tuple(first))
    for key in [key for key in _rules if key[0] == id(resolver)]:
        del _rules[key]  # built before the order was known


# (id of a model's shape resolver, input shape name) -> (model, check): a service's own wording of a model
# constraint, checked before the model's (see register_precheck).
_PRECHECKS: dict[tuple[int, str], tuple[Any, Callable[[dict[str, Any]], list[str] | None]]] = {}


def register_precheck(model: Any, shape_name: str, check: Callable[[dict[str, Any]], list[str] | None]) -> None:
    """Run ``check`` on an operation's input before the model's constraints: it raises the service's own
    error where AWS words a broken model constraint in a sentence of its own ("The parameter 'TableName' is
    required but was not present in the request") rather than as "1 validation error detected: ...", or
    returns problems of its own, reported first among the model's."""
    _PRECHECKS[(id(model._shape_resolver), shape_name)] = (model, check)


def _ordered(enum: tuple[str, ...], order: tuple[str, ...]) -> tuple[str, ...]:
    known = set(enum)
    first = tuple(dict.fromkeys(value for value in order if value in known))
    return first + tuple(value for value in enum if value not in first)


def _rule(shape: Shape) -> _Rule:
    key = (id(shape._shape_resolver), shape.name)  # shapes are rebuilt per access; names are not
    found = _rules.get(key)
    if found is not None:
        return found
    rule = _Rule(shape)
    order = _ENUM_ORDERS.get(key)
    if order is not None and rule.enum is not None:
        rule.enum = _ordered(rule.enum, order[1])
    rule.service_nulls = key in _SERVICE_NULLS
    _rules[key] = rule
    own = rule.low is not None or rule.high is not None or rule.enum is not None or rule.pattern is not None
    if rule.kind == "structure":
        required = set(shape.required_members)
        rule.required = tuple((name, _lower(name)) for name in shape.members if name in required)
        children = [(name, _lower(name), _rule(member)) for name, member in shape.members.items()]
        member_order = _MEMBER_ORDERS.get(key)
        if member_order is not None:
            first = member_order[1]
            children.sort(key=lambda child: first.index(child[0]) if child[0] in first else len(first))
        rule.members = tuple(child for child in children if not child[2].trivial)
        rule.trivial = not rule.required and not rule.members
    elif rule.kind == "list":
        rule.member = _rule(shape.member)
        rule.nulls = _no_nulls(rule.member)
        rule.trivial = not own and not rule.nulls and rule.member.trivial
    elif rule.kind == "map":
        rule.key, rule.value = _rule(shape.key), _rule(shape.value)
        rule.nulls = _no_nulls(rule.value)
        rule.trivial = not own and not rule.nulls and rule.key.trivial and rule.value.trivial
    else:
        rule.trivial = not own
    return rule


def _no_nulls(entry: _Rule) -> bool:
    """Whether null entries are refused: every entry (a string in a filter's values as much as a structure),
    unless the service words their nulls itself. Smithy's lists and maps are not sparse unless marked so,
    and AWS's servers refuse a null in them; handlers can then trust every entry to be a value."""
    return not entry.service_nulls


def _max_only(rule: _Rule) -> float:
    if rule.max_only == -1:
        rule.max_only = _subtree_max_only(rule, set())
    return rule.max_only


def _subtree_max_only(rule: _Rule, visiting: set[int]) -> float:
    """See _Rule.max_only, computed over the rule's whole subtree (a rule met again through a cycle adds
    nothing new: its constraints are counted where the walk met it first)."""
    if rule.trivial or id(rule) in visiting:
        return math.inf
    numeric = rule.kind in ("integer", "long", "float", "double")
    if rule.required or rule.nulls or rule.enum is not None or rule.pattern is not None:
        return -2
    if (rule.low or 0) > 0 or (numeric and (rule.low is not None or rule.high is not None)):
        return -2
    visiting.add(id(rule))
    result: float = math.inf if rule.high is None else rule.high
    children = [child for _, _, child in rule.members]
    children += [child for child in (rule.member, rule.key, rule.value) if child is not None]
    for child in children:
        found = _subtree_max_only(child, visiting)
        if found < 0:
            result = -2
            break
        result = min(result, found)
    visiting.discard(id(rule))
    return result


def _lower(name: str) -> str:
    return name[:1].lower() + name[1:]


def _fail(problems: list[str], value: Any, path: Path, constraint: str) -> None:
    shown = "null" if value is None else f"'{render(value)}'"
    problems.append(f"Value {shown} at '{_join(path)}' failed to satisfy constraint: {constraint}")


def _check_structure(
    rule: _Rule, value: dict[str, Any], path: Path, problems: list[str], bound: int | None = None
) -> None:
    for name, wire in rule.required:
        if value.get(name) is None:
            _fail(problems, None, (path, wire), "Member must not be null")
    for name, wire, child in rule.members:
        member_value = value.get(name)
        if member_value is not None and (bound is None or _max_only(child) < bound):
            _check(child, member_value, (path, wire), problems)


def _check(rule: _Rule, value: Any, path: Path, problems: list[str]) -> None:
    kind = rule.kind
    if kind == "structure":
        if isinstance(value, dict):
            _check_structure(rule, value, path, problems)
        return
    if rule.low is not None or rule.high is not None:
        _check_bounds(rule, value, path, problems)
    if kind == "list":
        member = rule.member
        if rule.nulls and member is not None:
            for index, item in enumerate(value, 1):
                if item is None:
                    _fail(problems, None, ((path, str(index)), "member"), "Member must not be null")
                elif not member.trivial:
                    _check(member, item, ((path, str(index)), "member"), problems)
        elif member is not None and not member.trivial:
            for index, item in enumerate(value, 1):
                if item is not None:
                    _check(member, item, ((path, str(index)), "member"), problems)
    elif kind == "map":
        key_rule, value_rule = rule.key, rule.value
        # AWS checks a map's keys and values against their own constraints as one rule each, reported
        # once at the map ("Map value must satisfy constraint: [...]"), however many entries break it.
        bad_keys = bad_values = False
        for key, item in value.items():
            if item is None and rule.nulls:  # named as a list's entries are: map.key.member
                _fail(problems, None, ((path, str(key)), "member"), "Member must not be null")
                continue
            if key_rule is not None and not key_rule.trivial:
                bad_keys = bad_keys or _breaks_own(key_rule, key)
            if item is not None and value_rule is not None and not value_rule.trivial:
                bad_values = bad_values or _breaks_own(value_rule, item)
                _check_children(value_rule, item, ((path, str(key)), "member"), problems)
        if bad_keys and key_rule is not None:
            _fail(problems, value, path, "Map keys must satisfy constraint: " + _constraints(key_rule))
        if bad_values and value_rule is not None:
            _fail(problems, value, path, "Map value must satisfy constraint: " + _constraints(value_rule))
    elif kind == "string":
        if rule.enum is not None and value not in rule.enum:
            _fail(problems, value, path, "Member must satisfy enum value set: [" + ", ".join(rule.enum) + "]")
        if rule.pattern is not None:
            compiled = _pattern(rule.pattern)
            if compiled is not None and not compiled.fullmatch(value):
                _fail(problems, value, path, f"Member must satisfy regular expression pattern: {rule.pattern}")


def _breaks_own(rule: _Rule, value: Any) -> bool:
    """Whether a map key or value breaks its shape's own length/range/enum/pattern constraints."""
    if rule.kind == "structure":
        return False
    low, high = rule.low, rule.high
    if low is not None or high is not None:
        measure = value if rule.kind in ("integer", "long", "float", "double") else len(value)
        if (low is not None and measure < low) or (high is not None and measure > high):
            return True
    if rule.enum is not None and value not in rule.enum:
        return True
    if rule.pattern:
        compiled = _pattern(rule.pattern)
        return compiled is not None and not compiled.fullmatch(value)
    return False


def _check_children(rule: _Rule, value: Any, path: Path, problems: list[str]) -> None:
    """The checks below a map value's own level (a structure's members, a list's items)."""
    if rule.kind == "structure":
        _check(rule, value, path, problems)
    elif rule.kind == "list" and rule.member is not None and (rule.nulls or not rule.member.trivial):
        for index, item in enumerate(value, 1):
            if item is None:
                if rule.nulls:
                    _fail(problems, None, ((path, str(index)), "member"), "Member must not be null")
            elif not rule.member.trivial:
                _check(rule.member, item, ((path, str(index)), "member"), problems)
    elif rule.kind == "map":
        _check(rule, value, path, problems)


def _constraints(rule: _Rule) -> str:
    """A shape's own constraints as AWS lists them in a map rule."""
    numeric = rule.kind in ("integer", "long", "float", "double")
    word = "value" if numeric else "length"
    parts = []
    if rule.high is not None:
        parts.append(f"Member must have {word} less than or equal to {rule.high}")
    if rule.low is not None:
        parts.append(f"Member must have {word} greater than or equal to {rule.low}")
    if rule.enum is not None:
        parts.append("Member must satisfy enum value set: [" + ", ".join(rule.enum) + "]")
    if rule.pattern:
        parts.append(f"Member must satisfy regular expression pattern: {rule.pattern}")
    return "[" + ", ".join(parts) + "]"


def _check_bounds(rule: _Rule, value: Any, path: Path, problems: list[str]) -> None:
    if rule.kind in ("integer", "long", "float", "double"):
        if rule.low is not None and value < rule.low:
            _fail(problems, value, path, f"Member must have value greater than or equal to {rule.low}")
        if rule.high is not None and value > rule.high:
            _fail(problems, value, path, f"Member must have value less than or equal to {rule.high}")
        return
    size = len(value)
    if rule.low is not None and size < rule.low:
        _fail(problems, value, path, f"Member must have length greater than or equal to {rule.low}")
    if rule.high is not None and size > rule.high:
        _fail(problems, value, path, f"Member must have length less than or equal to {rule.high}")
