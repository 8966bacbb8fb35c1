"""Users and user groups (ElastiCache RBAC) as records, and how they reach the nodes: real ACLs.

A user's ``AccessString`` is Redis ACL rules (``on ~app:* +get``); a user group attached to a
resource becomes that resource's nodes' ACL users (``AccessControl.set_users``), its user named
``default`` replacing the AuthToken's default user. Every change to a user or a group is pushed
at once to the nodes of every resource the group is attached to.

Resources register how to find their running nodes (``register``): serverless caches here,
replication groups in their own module (``users.register("ReplicationGroups", finder)``, then
``acl_users(scope, group_id)`` for the ``CacheNodeSpec`` and ``attach``/``detach``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fogbank.arns import arn as make_arn
from fogbank.engines.interface import AccessControl, AclUser
from fogbank.managed.records import Record, RecordKind, Scope, dataclass_loader
from fogbank.protocols.errors import AwsError
from fogbank.services.elasticache.backend import Backend

log = logging.getLogger(__name__)

USER = "user"
USER_GROUP = "user-group"
DEFAULT = "default"
ENGINES = ("redis", "valkey")
DEFAULT_ACCESS = "on ~* +@all"
MINIMUM_ENGINE_VERSION = "6.0"
_ID = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]*(?<!-)$")
_NAME = re.compile(r"^[A-Za-z0-9_.@+=-]{1,120}$")
CATEGORIES = frozenset(
    "keyspace read write set sortedset list hash string bitmap hyperloglog geo stream pubsub admin fast slow "
    "blocking dangerous connection transaction scripting all".split()
)
_COMMAND = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*(\|[A-Za-z0-9_-]+)?$")


@dataclass
class UserPrivate:
    passwords: list[str] = field(default_factory=list)


@dataclass
class UserGroupPrivate:
    pass


KINDS = [RecordKind(USER, dataclass_loader(UserPrivate)), RecordKind(USER_GROUP, dataclass_loader(UserGroupPrivate))]

# The field of a user group that lists a kind of resource -> its running node processes by identifier.
NodeFinder = Callable[[Backend, Scope, str], list[str]]
_FINDERS: dict[str, NodeFinder] = {}


def register(group_field: str, finder: NodeFinder) -> None:
    """A resource kind that user groups attach to: ``group_field`` is ``ReplicationGroups`` or ``ServerlessCaches``."""
    _FINDERS[group_field] = finder


# -- errors (codes from the botocore model; wording follows AWS's, not recorded) ----------------


def user_not_found(user_id: str) -> AwsError:
    return AwsError("UserNotFound", f"User {user_id} not found.")


def group_not_found(group_id: str) -> AwsError:
    return AwsError("UserGroupNotFound", f"User group {group_id} not found.")


def invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterValue", message)


def combination(message: str) -> AwsError:
    return AwsError("InvalidParameterCombination", message)


# -- checks -------------------------------------------------------------------------------------


def check_id(value: Any, member: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 40 or not _ID.match(value):
        raise invalid(f"The parameter {member} is not a valid identifier. Identifiers must begin with a letter; must "
                      "contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain "
                      "two consecutive hyphens.")  # fmt: skip
    return value.lower()


def check_name(value: Any) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise invalid(f"The parameter UserName is not valid: {value!r}. It must be 1-120 characters without spaces.")
    return value


def check_engine(value: Any) -> str:
    engine = value.lower() if isinstance(value, str) else value
    if engine not in ENGINES:
        raise invalid(f"Invalid engine: {value}. Valid engines are: redis, valkey")
    return engine


def check_access_string(value: Any) -> str:
    """Redis ACL rules as ElastiCache takes them: permissions only, never passwords or ``reset``."""
    if not isinstance(value, str) or not value.strip() or len(value) > 4096:
        raise invalid("The parameter AccessString must be provided and must not be blank.")
    for token in value.split():
        if not _rule_ok(token):
            raise invalid(f"Invalid access string: {value}. '{token}' is not a valid access rule.")
    return " ".join(value.split())


def _rule_ok(token: str) -> bool:
    if token in ("on", "off", "allkeys", "resetkeys", "allchannels", "resetchannels", "allcommands", "nocommands"):
        return True
    for prefix in ("~", "%R~", "%W~", "%RW~", "&"):
        if token.startswith(prefix):
            return len(token) > len(prefix)
    if token[:2] in ("+@", "-@"):
        return token[2:].lower() in CATEGORIES
    if token[:1] in "+-":
        return bool(_COMMAND.match(token[1:]))
    return False


def check_passwords(values: Any) -> list[str]:
    if not isinstance(values, list) or not 1 <= len(values) <= 2:
        raise invalid("Between 1 and 2 passwords can be specified.")
    for password in values:
        if (
            not isinstance(password, str)
            or not 16 <= len(password) <= 128
            or any(not c.isprintable() or c.isspace() for c in password)
        ):
            raise invalid("Passwords must be between 16 and 128 printable characters, without spaces.")
    return list(values)


def authentication(params: dict[str, Any], required: bool) -> tuple[str, list[str]] | None:
    """(type, passwords) from Passwords / NoPasswordRequired / AuthenticationMode; None: unchanged."""
    mode = params.get("AuthenticationMode")
    passwords, nopass = params.get("Passwords"), params.get("NoPasswordRequired")
    if mode is not None:
        if passwords is not None or nopass is not None:
            raise combination("AuthenticationMode cannot be combined with Passwords or NoPasswordRequired.")
        kind = mode.get("Type")
        if kind == "iam":
            raise invalid("AuthenticationMode iam is not supported by Fogbank (it checks no IAM credentials).")
        if kind == "password":
            return "password", check_passwords(mode.get("Passwords"))
        if kind == "no-password-required":
            if mode.get("Passwords"):
                raise combination("Passwords cannot be given with AuthenticationMode no-password-required.")
            return "no-password", []
        raise invalid(f"Invalid AuthenticationMode Type: {kind}. Valid types are: password, no-password-required, iam")
    if passwords is not None and nopass:
        raise combination("Passwords and NoPasswordRequired cannot both be specified.")
    if passwords is not None:
        return "password", check_passwords(passwords)
    if nopass:
        return "no-password", []
    if required:
        raise combination("One of Passwords, NoPasswordRequired or AuthenticationMode must be specified.")
    return None


# -- records ------------------------------------------------------------------------------------


def ensure_default(scope: Scope) -> None:
    """The ``default`` user ElastiCache creates in every region (call under the store lock)."""
    if scope.get(USER, DEFAULT) is None:
        fields = {"UserName": DEFAULT, "Engine": "redis", "AccessString": DEFAULT_ACCESS,
                  "Authentication": {"Type": "no-password"}}  # fmt: skip
        arn = make_arn("elasticache", scope.region, scope.account, f"user:{DEFAULT}")
        scope.add(Record(USER, DEFAULT, arn, UserPrivate(), fields=fields, status="active"))


def user(scope: Scope, user_id: str) -> Record[UserPrivate]:
    record = scope.get(USER, user_id.lower()) if isinstance(user_id, str) else None
    if record is None:
        raise user_not_found(user_id)
    return record


def group(scope: Scope, group_id: Any) -> Record[UserGroupPrivate]:
    record = scope.get(USER_GROUP, group_id.lower()) if isinstance(group_id, str) else None
    if record is None:
        raise group_not_found(group_id)
    return record


def groups_of(scope: Scope, user_id: str) -> list[Record[UserGroupPrivate]]:
    return [g for g in scope.of(USER_GROUP).values() if user_id in g.fields["UserIds"]]


def check_members(scope: Scope, user_ids: list[str]) -> list[str]:
    """Members of a group: existing users, one user per name, a user named ``default`` among them."""
    ids = list(dict.fromkeys(u.lower() for u in user_ids))
    names: set[str] = set()
    for user_id in ids:
        name = user(scope, user_id).fields["UserName"]
        if name in names:
            raise AwsError("DuplicateUserName", f"A user with the user name {name} already exists in the user group.")
        names.add(name)
    if DEFAULT not in names:
        raise AwsError("DefaultUserRequired", "You must add default user to a user group.")
    return ids


def acl_users(scope: Scope, group_id: str | None) -> tuple[AclUser, ...]:
    """A user group's users as the nodes' ACL users (what a ``CacheNodeSpec`` takes)."""
    if not group_id:
        return ()
    found = scope.get(USER_GROUP, group_id)
    if found is None:
        return ()
    out = []
    for user_id in found.fields["UserIds"]:
        member = scope.get(USER, user_id)
        if member is not None:
            out.append(AclUser(member.fields["UserName"], member.fields["AccessString"],
                               tuple(member.private.passwords)))  # fmt: skip
    return tuple(out)


def attach(scope: Scope, group_id: str, group_field: str, identifier: str) -> None:
    listed = group(scope, group_id).fields.setdefault(group_field, [])
    if identifier not in listed:
        listed.append(identifier)


def detach(scope: Scope, group_id: str | None, group_field: str, identifier: str) -> None:
    found = scope.get(USER_GROUP, group_id) if group_id else None
    if found is not None and identifier in found.fields.get(group_field, []):
        found.fields[group_field].remove(identifier)


def push(be: Backend, scope: Scope, groups: list[Record[UserGroupPrivate]]) -> None:
    """Each group's users onto the running nodes of every resource it is attached to."""
    for found in groups:
        wanted = acl_users(scope, found.identifier)
        for group_field, finder in _FINDERS.items():
            for identifier in list(found.fields.get(group_field, [])):
                for name in finder(be, scope, identifier):
                    driver = be.running.get(name)
                    if isinstance(driver, AccessControl):
                        driver.set_users(name, wanted)


def render_user(scope: Scope, record: Record[UserPrivate]) -> dict[str, Any]:
    f = record.fields
    auth: dict[str, Any] = {"Type": f["Authentication"]["Type"]}
    if auth["Type"] == "password":
        auth["PasswordCount"] = len(record.private.passwords)
    return {
        "UserId": record.identifier,
        "UserName": f["UserName"],
        "Status": record.status,
        "Engine": f["Engine"],
        "MinimumEngineVersion": MINIMUM_ENGINE_VERSION,
        "AccessString": f["AccessString"],
        "UserGroupIds": [g.identifier for g in groups_of(scope, record.identifier)],
        "Authentication": auth,
        "ARN": record.arn,
    }


def render_group(record: Record[UserGroupPrivate]) -> dict[str, Any]:
    f = record.fields
    return {
        "UserGroupId": record.identifier,
        "Status": record.status,
        "Engine": f["Engine"],
        "UserIds": list(f["UserIds"]),
        "MinimumEngineVersion": MINIMUM_ENGINE_VERSION,
        "ReplicationGroups": list(f.get("ReplicationGroups", [])),
        "ServerlessCaches": list(f.get("ServerlessCaches", [])),
        "ARN": record.arn,
    }
