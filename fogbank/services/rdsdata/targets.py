"""What a Data API call runs against: the database named by ``resourceArn``, signed in with ``secretArn``.

AWS's Data API only serves Aurora clusters; Fogbank also accepts a DB instance ARN, so plain RDS
PostgreSQL/MySQL/MariaDB instances (what most courses launch) can be queried the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fogbank.arns import parse
from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.rds.model import ENDPOINT_ADDRESS


@dataclass(frozen=True)
class Target:
    engine: str  # "postgres" or "mysql" (MariaDB and MySQL speak the same protocol)
    host: str
    port: int
    default_database: str | None


@dataclass(frozen=True)
class Login:
    username: str
    password: str


def _invalid(resource_arn: str) -> AwsError:
    # What AWS answers for an ARN that names no cluster it can reach.
    return AwsError("BadRequestException", f"ERROR: invalid cluster id: {resource_arn}")


def _service(ctx: RequestContext, name: str) -> Any:
    return ctx.platform.service(name)


def resolve_target(ctx: RequestContext, resource_arn: str) -> Target:
    parts = parse(resource_arn)
    if parts is None or parts["service"] != "rds" or ":" not in parts["resource"]:
        raise _invalid(resource_arn)
    if parts["account"] != ctx.account_id or parts["region"] != ctx.region:
        raise _invalid(resource_arn)
    kind, _, identifier = parts["resource"].partition(":")
    record = _rds_record(ctx, kind, identifier.lower())
    if record is None:
        raise _invalid(resource_arn)
    status = record.get("DBInstanceStatus") or record.get("Status") or "available"
    if status != "available":
        raise AwsError(
            "DatabaseUnavailableException" if status in ("stopped", "stopping", "starting") else "BadRequestException",
            f"Database {identifier} is not available: its status is {status}.",
        )
    family = "postgres" if "postgres" in record["Engine"] else "mysql"
    return Target(family, ENDPOINT_ADDRESS, int(record["Port"]), record.get("DBName"))


def _rds_record(ctx: RequestContext, kind: str, identifier: str) -> dict[str, Any] | None:
    """The RDS service's own record of the instance (``db:``) or cluster (``cluster:``)."""
    rds = _service(ctx, "rds")
    store = getattr(getattr(rds, "backend", None), "store", None)
    if store is None:
        return None
    with store.lock:
        region = store.region(ctx.account_id, ctx.region)
        records = {"db": region.instances, "cluster": getattr(region, "clusters", {})}.get(kind, {})
        record = records.get(identifier)
        return dict(record) if record is not None else None


def resolve_login(ctx: RequestContext, secret_arn: str) -> Login:
    """The username and password stored in the secret, read as Secrets Manager would return it."""
    manager = _service(ctx, "secretsmanager")
    if manager is None or manager.backend is None:
        raise AwsError("SecretsErrorException", "Secrets Manager is not available.")
    from fogbank.services.secretsmanager.store import CURRENT

    store = manager.backend
    try:
        with store.lock:
            secret = store.find(ctx.account_id, ctx.region, secret_arn)
            if secret.deleted is not None:
                raise AwsError(
                    "SecretsErrorException",
                    "You can't perform this operation on the secret because it was marked for deletion.",
                )
            _, version = secret.version_for(None, CURRENT)
    except AwsError as error:
        if error.code == "SecretsErrorException":
            raise
        raise AwsError("SecretsErrorException", f"Error fetching secret {secret_arn} : {error.message}") from error
    try:
        document = json.loads(version["string"] or "")
        return Login(str(document["username"]), str(document["password"]))
    except (ValueError, KeyError, TypeError) as error:
        raise AwsError(
            "InvalidSecretException",
            'The secret must be a JSON object with the keys "username" and "password".',
        ) from error
