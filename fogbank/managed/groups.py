"""The groups a managed service keeps beside its resources: subnet, parameter and option groups.

Every such group is a record without a lifecycle, named case-insensitively (stored lowercase),
unique in its scope, with defaults the service makes on first use (``default``,
``default.<family>``) that cannot be changed or deleted, and refused deletion while a resource
uses it. A service describes each of its group kinds once (``GroupKind``: the record kind, the
wording of its errors, who uses a group) and its operations call these functions, so the lookups,
the listing order, the uniqueness and in-use rules are written once for RDS, ElastiCache and the
services after them. What a group holds (subnets, parameter values, options) stays the service's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fogbank.managed.records import Record, Scope
from fogbank.protocols.errors import AwsError


@dataclass(frozen=True)
class GroupKind:
    """One kind of group of one service, with its service's wording of each refusal."""

    kind: str  # the record kind ("db-subnet-group", "cache-parameter-group")
    not_found: Callable[[str], AwsError]
    exists: Callable[[str], AwsError]
    in_use: Callable[[str], AwsError]
    default_refused: Callable[[str], AwsError]  # deleting a default group
    users: Callable[[Scope], Iterable[str]]  # the (lowercase) group names resources use now
    is_default: Callable[[Record[Any]], bool] = lambda record: record.identifier.startswith("default")


def used_in(kind: str, field: str) -> Callable[[Scope], Iterable[str]]:
    """``GroupKind.users`` for resources that name their group in one field (``DBSubnetGroupName``)."""

    def users(scope: Scope) -> Iterable[str]:
        return (str(record.fields.get(field) or "").lower() for record in scope.of(kind).values())

    return users


def find(scope: Scope, group: GroupKind, name: str) -> Record[Any]:
    record = scope.get(group.kind, name.lower())
    if record is None:
        raise group.not_found(name)
    return record


def add(scope: Scope, group: GroupKind, record: Record[Any]) -> Record[Any]:
    """Store a new group, refused when one of that name exists."""
    if scope.get(group.kind, record.identifier) is not None:
        raise group.exists(record.identifier)
    scope.add(record)
    return record


def listing(scope: Scope, group: GroupKind, name: str | None) -> list[Record[Any]]:
    """Describe's records: the one named (or its not-found error), else all of the kind in name order."""
    if name:
        return [find(scope, group, name)]
    return sorted(scope.of(group.kind).values(), key=lambda record: record.identifier)


def remove(scope: Scope, group: GroupKind, name: str) -> Record[Any]:
    """Delete a group: not a default, and no resource uses it."""
    record = find(scope, group, name)
    if group.is_default(record):
        raise group.default_refused(record.identifier)
    if record.identifier in set(group.users(scope)):
        raise group.in_use(record.identifier)
    scope.remove(record)
    return record
