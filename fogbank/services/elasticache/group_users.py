"""User groups (RBAC) on replication groups: AWS's rules for ``UserGroupIds`` and
``UserGroupIdsToAdd`` / ``UserGroupIdsToRemove``, and where the ACL goes.

The ACL reaches every node of the group, primaries and replicas of every shard: each node
starts with the group's users (``replication.spec``), every change to them is pushed to each
running node (``users.push`` through the finder registered here), and a node restarted after a
failover or a Fogbank restart gets them from the record again. ACLs are not replicated by the
engine, so no node relies on another for them.
"""

from __future__ import annotations

from typing import Any

from fogbank.managed.records import Scope
from fogbank.protocols.errors import AwsError
from fogbank.services.elasticache import errors, users
from fogbank.services.elasticache.backend import Backend
from fogbank.services.elasticache.groups import GROUP, Group

FIELD = "ReplicationGroups"  # the user group's list of the replication groups it is attached to


def _finder(be: Backend, scope: Scope, identifier: str) -> list[str]:
    from fogbank.services.elasticache import replication

    group = scope.get(GROUP, identifier)
    return [replication.process_name(group, m) for m in group.private.members] if group is not None else []


users.register(FIELD, _finder)


def attached(group: Group) -> str | None:
    """The group's user group (ElastiCache allows one)."""
    ids = group.fields.get("UserGroupIds") or []
    return ids[0] if ids else None


def _usable(scope: Scope, group_id: Any, engine: str) -> str:
    found = users.group(scope, group_id)
    if found.status != "active":
        raise AwsError("InvalidUserGroupState", f"User group {found.identifier} is not in active state.")
    if engine == "redis" and found.fields["Engine"] != "redis":
        raise errors.invalid_combination(f"User group {found.identifier} is for engine {found.fields['Engine']}, "
                                         "not redis.")  # fmt: skip
    return found.identifier


def _rules(ids: list[str], transit: bool, token: bool) -> None:
    if len(ids) > 1:
        raise errors.invalid_value("Only one user group can be associated with a replication group.")
    if ids and token:
        raise errors.invalid_combination("A replication group cannot use both an AUTH token and user groups: "
                                         "specify either AuthToken or UserGroupIds.")  # fmt: skip
    if ids and not transit:
        raise errors.invalid_combination("User groups (role-based access control) are only supported when "
                                         "encryption-in-transit is enabled (TransitEncryptionEnabled).")  # fmt: skip


def check_create(scope: Scope, params: dict[str, Any], engine: str) -> list[str]:
    """CreateReplicationGroup's UserGroupIds, checked (call under the store lock)."""
    ids = list(dict.fromkeys(params.get("UserGroupIds") or []))
    _rules(ids, bool(params.get("TransitEncryptionEnabled")), params.get("AuthToken") is not None)
    return [_usable(scope, group_id, engine) for group_id in ids]


def check_modify(scope: Scope, group: Group, params: dict[str, Any]) -> dict[str, Any]:
    """ModifyReplicationGroup's UserGroupIdsToAdd / UserGroupIdsToRemove: the plan's
    ``user_groups`` (the new list) when they change anything."""
    adding = [g.lower() for g in params.get("UserGroupIdsToAdd") or [] if isinstance(g, str)]
    removing = [g.lower() for g in params.get("UserGroupIdsToRemove") or [] if isinstance(g, str)]
    if set(adding) & set(removing):
        raise errors.invalid_combination("A user group cannot be both added to and removed from a replication group.")
    current = list(group.fields.get("UserGroupIds") or [])
    for group_id in removing:
        users.group(scope, group_id)  # UserGroupNotFound first
        if group_id not in current:
            raise errors.invalid_value(f"User group {group_id} is not associated with replication group "
                                       f"{group.identifier}.")  # fmt: skip
    added = [_usable(scope, group_id, group.fields["Engine"]) for group_id in adding]
    wanted = [g for g in current if g not in removing] + [g for g in added if g not in current]
    deleting = params.get("AuthTokenUpdateStrategy") == "DELETE"
    token = not deleting and (params.get("AuthToken") is not None or group.private.auth_token is not None)
    _rules(wanted, bool(group.fields.get("TransitEncryptionEnabled")), token)
    return {"user_groups": wanted} if wanted != current else {}


def apply(scope: Scope, group: Group, wanted: list[str]) -> None:
    """The group's user groups become ``wanted``; each user group lists it (under the store lock)."""
    for group_id in group.fields.get("UserGroupIds") or []:
        users.detach(scope, group_id, FIELD, group.identifier)
    for group_id in wanted:
        users.attach(scope, group_id, FIELD, group.identifier)
    group.fields["UserGroupIds"] = list(wanted)
