"""What RDS operations share: paging, filters, tag lists, lookups by name or ARN, the checks
every instance operation or group creation makes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from fogbank.arns import parse as parse_arn
from fogbank.core.context import RequestContext
from fogbank.managed import tags
from fogbank.managed.records import Record
from fogbank.protocols import paging
from fogbank.protocols.errors import AwsError, NotImplementedOperation
from fogbank.services.rds.backend import Backend
from fogbank.services.rds.records import INSTANCE, SNAPSHOT
from fogbank.services.rds.store import Region

DEFAULT_MAX_RECORDS = 100
_GROUP_NAME = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)$")


def backend(ctx: RequestContext) -> tuple[Backend, Region]:
    be: Backend = ctx.backend
    return be, be.region(ctx)


def page(
    params: dict[str, Any], items: list[Any], key: Callable[[Any], str], maximum: int = 100
) -> tuple[list[Any], str | None]:
    """MaxRecords and Marker paging over items sorted by ``key``. MaxRecords is 20 to 100 (default 100) in
    every operation but RDS's DescribeOrderableDBInstanceOptions, which takes up to 1,000 (``maximum``): AWS
    states each range in the parameter's documentation, not as a model constraint."""
    size = params.get("MaxRecords")
    if size is None:
        size = DEFAULT_MAX_RECORDS
    elif not 20 <= size <= maximum:
        raise AwsError(
            "InvalidParameterValue", f"Invalid value {size} for MaxRecords. Must be between 20 and {maximum}"
        )
    marker = params.get("Marker")
    return paging.page(
        items, size, marker, key, invalid=lambda: AwsError("InvalidParameterValue", f"Invalid marker: {marker}")
    )


def filters(
    params: dict[str, Any],
    allowed: dict[str, Callable[[Any], Iterable[str]]],
    merge: dict[str, str | None] | None = None,
) -> Callable[[Any], bool]:
    """A predicate for ``Filters``: an item matches when every filter matches one of its values.
    ``merge`` adds a request parameter's value to a filter's values (RDS treats
    ``DBInstanceIdentifier`` as one more ``db-instance-id`` value, so either may match)."""
    wanted: dict[str, set[str]] = {}
    for entry in params.get("Filters") or []:
        name = entry.get("Name", "")
        if name not in allowed:
            raise AwsError("InvalidParameterValue", f"Unrecognized filter name: {name}")
        values = entry.get("Values") or []
        if not values:
            raise AwsError("InvalidParameterCombination", f"The list of values for filter {name} must not be empty.")
        wanted.setdefault(name, set()).update(values)
    for name, value in (merge or {}).items():
        if value:
            wanted.setdefault(name, set()).add(value)
    checks = [(allowed[name], values) for name, values in wanted.items()]

    def match(item: Any) -> bool:
        return all(values & set(get(item)) for get, values in checks)

    return match


# RDS's wording of the shared tag rules (``fogbank.managed.tags``'s defaults are RDS's): lengths are
# left to the model's constraints.
TAG_RULES = tags.TagRules()


def tag_list(tag_params: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    """A request's ``Tags``, checked: no empty key, no ``aws:`` prefix, at most 50."""
    return tags.check(tag_params, TAG_RULES)


def identifier_from(value: str, resource: str) -> str:
    """An identifier given as is or as the resource's ARN (``arn:...:db:mydb``)."""
    if value.startswith("arn:"):
        parts = parse_arn(value)
        if parts and parts["resource"].startswith(resource + ":"):
            return parts["resource"].split(":", 1)[1]
    return value


def instance(region: Region, identifier: str) -> Record[Any]:
    from fogbank.services.rds.model import not_found

    key = identifier_from(identifier, "db").lower()
    record = region.of(INSTANCE).get(key)
    if record is None:
        raise not_found(identifier)
    return record


def instance_strict(region: Region, identifier: str) -> Record[Any]:
    """The instance named by an identifier that must be well formed (no ARN): the operations
    that act on one instance (start, stop, reboot, delete) check it before looking it up."""
    from fogbank.services.rds.model import check_identifier, not_found

    record = region.of(INSTANCE).get(check_identifier(identifier))
    if record is None:
        raise not_found(identifier)
    return record


def snapshot(region: Region, identifier: str) -> Record[Any]:
    key = identifier_from(identifier, "snapshot").lower()
    record = region.of(SNAPSHOT).get(key)
    if record is None:
        raise AwsError("DBSnapshotNotFoundFault", f"DBSnapshot {identifier} not found.")
    return record


def require(record: Record[Any], *statuses: str, message: str | None = None) -> None:
    """The instance must be in one of ``statuses`` for the operation (InvalidDBInstanceState otherwise)."""
    from fogbank.services.rds.model import invalid_state

    if record.status not in statuses:
        raise invalid_state(message or f"Instance {record.fields['DBInstanceIdentifier']} is not in available state.")


def check_group_name(params: dict[str, Any], field: str) -> str:
    """A new option or parameter group's name (``field``), lowercased: an identifier RDS accepts that
    does not claim the ``default`` prefix its own groups use."""
    name = params[field]
    if not _GROUP_NAME.match(name) or name.lower().startswith("default"):
        raise AwsError(
            "InvalidParameterValue",
            f"The parameter {field} is not a valid identifier. Identifiers must begin with a letter; must "
            "contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two "
            "consecutive hyphens.",
        )
    return name.lower()


def require_text(params: dict[str, Any], field: str) -> None:
    """A description RDS insists on: present and not blank."""
    if not params.get(field):
        raise AwsError("InvalidParameterValue", f"The parameter {field} must be provided and must not be blank.")


# rds, docdb and neptune share one wire API: the User-Agent (``api/docdb#…``, ``md/command#neptune.…``),
# the Engine or a parameter group's family (docdb5.0, neptune1.3) tells which one a client called (as
# ``gateway/router.py`` names it in its errors).
_CALLED_API = re.compile(r"(?:^|\s)(?:api/|md/command#)(docdb|neptune)[#.]", re.IGNORECASE)


def aurora_only(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Fogbank's DB clusters are Aurora's: a DocumentDB or Neptune client's cluster call is not
    answered as RDS's."""
    match = _CALLED_API.search(ctx.request.header("user-agent"))
    engine = str(params.get("Engine") or params.get("DBParameterGroupFamily") or "").lower()
    api = match.group(1).lower() if match else next((m for m in ("docdb", "neptune") if engine.startswith(m)), None)
    if api is not None:
        raise NotImplementedOperation(api, ctx.operation)
