"""Users and user groups: Create, Modify, Delete, Describe. Checks first; every change then
reaches the ACLs of the nodes the groups are attached to (``elasticache/users.py``)."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record
from fogbank.managed.tags import check as check_tags
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.elasticache import users
from fogbank.services.elasticache.ops.common import TAG_RULES, backend, page
from fogbank.services.elasticache.users import DEFAULT, USER, USER_GROUP, UserGroupPrivate, UserPrivate


@operation("CreateUser")
def create_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    user_id = users.check_id(params.get("UserId"), "UserId")
    name = users.check_name(params.get("UserName"))
    engine = users.check_engine(params.get("Engine"))
    access = users.check_access_string(params.get("AccessString"))
    kind, passwords = users.authentication(params, required=True) or ("no-password", [])
    tags = check_tags(params.get("Tags"), TAG_RULES)
    with be.store.lock:
        users.ensure_default(scope)
        if scope.get(USER, user_id) is not None:
            raise AwsError("UserAlreadyExists", f"User {user_id} already exists.")
        fields = {"UserName": name, "Engine": engine, "AccessString": access, "Authentication": {"Type": kind}}
        record = Record(USER, user_id, ctx.arn("elasticache", f"user:{user_id}"), UserPrivate(passwords),
                        fields=fields, status="active", tags=tags)  # fmt: skip
        scope.add(record)
        be.save(scope)
        return users.render_user(scope, record)


@operation("ModifyUser")
def modify_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    if params.get("AccessString") is not None and params.get("AppendAccessString") is not None:
        raise users.combination("AccessString and AppendAccessString cannot both be specified.")
    with be.store.lock:
        users.ensure_default(scope)
        record = users.user(scope, params.get("UserId"))
        if record.identifier == DEFAULT:
            raise users.invalid("The default user cannot be modified: create a user named default with another UserId.")
        if record.status != "active":
            raise AwsError("InvalidUserState", f"User {record.identifier} is not in active state.")
        access = record.fields["AccessString"]
        if params.get("AccessString") is not None:
            access = users.check_access_string(params["AccessString"])
        elif params.get("AppendAccessString") is not None:
            access = users.check_access_string(f"{access} {params['AppendAccessString']}")
        auth = users.authentication(params, required=False)
        engine = users.check_engine(params["Engine"]) if params.get("Engine") is not None else None
        record.fields["AccessString"] = access
        if auth is not None:
            record.fields["Authentication"] = {"Type": auth[0]}
            record.private.passwords = auth[1]
        if engine:
            record.fields["Engine"] = engine
        be.save(scope)
        users.push(be, scope, users.groups_of(scope, record.identifier))
        return users.render_user(scope, record)


@operation("DeleteUser")
def delete_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        users.ensure_default(scope)
        record = users.user(scope, params.get("UserId"))
        if record.identifier == DEFAULT:
            raise users.invalid("The default user cannot be deleted.")
        groups = users.groups_of(scope, record.identifier)
        if groups and record.fields["UserName"] == DEFAULT:
            raise AwsError("DefaultUserAssociatedToUserGroup", f"User {record.identifier} is the default user of user "
                           f"group {groups[0].identifier}: it cannot be deleted while the group holds it.")  # fmt: skip
        out = users.render_user(scope, record)
        out["Status"] = "deleting"
        for found in groups:
            found.fields["UserIds"].remove(record.identifier)
        scope.remove(record)
        be.save(scope)
        users.push(be, scope, groups)
        return out


@operation("DescribeUsers")
def describe_users(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        users.ensure_default(scope)
        items = list(scope.of(USER).values())
        if params.get("UserId") is not None:
            items = [users.user(scope, params["UserId"])]
        if params.get("Engine") is not None:
            items = [r for r in items if r.fields["Engine"] == users.check_engine(params["Engine"])]
        for flt in params.get("Filters") or []:
            if flt.get("Name") != "user-id":
                raise users.combination(f"Invalid filter name: {flt.get('Name')}. Valid filters are: user-id")
            wanted = {value.lower() for value in flt.get("Values") or []}
            items = [r for r in items if r.identifier in wanted]
        chunk, marker = page(params, items, key=lambda r: r.identifier)
        return {"Users": [users.render_user(scope, r) for r in chunk], "Marker": marker}


@operation("CreateUserGroup")
def create_user_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    group_id = users.check_id(params.get("UserGroupId"), "UserGroupId")
    engine = users.check_engine(params.get("Engine"))
    tags = check_tags(params.get("Tags"), TAG_RULES)
    with be.store.lock:
        users.ensure_default(scope)
        if scope.get(USER_GROUP, group_id) is not None:
            raise AwsError("UserGroupAlreadyExists", f"User group {group_id} already exists.")
        member_ids = users.check_members(scope, params.get("UserIds") or [])
        fields = {"Engine": engine, "UserIds": member_ids, "ReplicationGroups": [], "ServerlessCaches": []}
        record = Record(USER_GROUP, group_id, ctx.arn("elasticache", f"usergroup:{group_id}"), UserGroupPrivate(),
                        fields=fields, status="active", tags=tags)  # fmt: skip
        scope.add(record)
        be.save(scope)
        return users.render_group(record)


@operation("ModifyUserGroup")
def modify_user_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    if params.get("Engine") is not None:
        users.check_engine(params["Engine"])
    with be.store.lock:
        record = users.group(scope, params.get("UserGroupId"))
        if record.status != "active":
            raise AwsError("InvalidUserGroupState", f"User group {record.identifier} is not in active state.")
        adding = [u.lower() for u in params.get("UserIdsToAdd") or []]
        removing = [u.lower() for u in params.get("UserIdsToRemove") or []]
        if set(adding) & set(removing):
            raise users.combination("A user cannot be both added to and removed from a user group.")
        for user_id in removing:
            if user_id not in record.fields["UserIds"]:
                users.user(scope, user_id)  # UserNotFound when there is no such user at all
                raise users.invalid(f"User {user_id} is not a member of user group {record.identifier}.")
        members = [u for u in record.fields["UserIds"] if u not in removing] + adding
        record.fields["UserIds"] = users.check_members(scope, members)
        if params.get("Engine") is not None:
            record.fields["Engine"] = users.check_engine(params["Engine"])
        be.save(scope)
        users.push(be, scope, [record])
        return users.render_group(record)


@operation("DeleteUserGroup")
def delete_user_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        record = users.group(scope, params.get("UserGroupId"))
        attached = record.fields.get("ReplicationGroups", []) + record.fields.get("ServerlessCaches", [])
        if attached:
            raise AwsError("InvalidUserGroupState", f"User group {record.identifier} is in use by {attached[0]}: "
                           "remove it from the resource first.")  # fmt: skip
        out = users.render_group(record)
        out["Status"] = "deleting"
        scope.remove(record)
        be.save(scope)
        return out


@operation("DescribeUserGroups")
def describe_user_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        if params.get("UserGroupId") is not None:
            items = [users.group(scope, params["UserGroupId"])]
        else:
            items = list(scope.of(USER_GROUP).values())
        chunk, marker = page(params, items, key=lambda r: r.identifier)
        return {"UserGroups": [users.render_group(r) for r in chunk], "Marker": marker}
