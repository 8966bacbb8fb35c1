"""What a Data API call runs against: the database named by ``resourceArn``, signed in with ``secretArn``.

AWS's Data API only serves Aurora clusters; Fogbank also accepts a DB instance ARN, so plain RDS
PostgreSQL/MySQL/MariaDB instances (what most courses launch) can be queried the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fogbank.arns import parse
from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.rds import lookup
from fogbank.services.rds.model import ENDPOINT_ADDRESS
from fogbank.services.secretsmanager.service import SecretsManager


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


def resolve_target(ctx: RequestContext, resource_arn: str) -> Target:
    parts = parse(resource_arn)
    if parts is None or parts["service"] != "rds" or ":" not in parts["resource"]:
        raise _invalid(resource_arn)
    if parts["account"] != ctx.account_id or parts["region"] != ctx.region:
        raise _invalid(resource_arn)
    kind, _, identifier = parts["resource"].partition(":")
    if kind == "cluster":
        return _cluster_target(ctx, resource_arn, identifier)
    instance = None
    if kind == "db":
        instance = lookup.db_instance(ctx.platform.service("rds"), ctx.account_id, ctx.region, identifier.lower())
    if instance is None:
        raise _invalid(resource_arn)
    status = instance.status
    if status != "available":
        raise AwsError(
            "DatabaseUnavailableException" if status in ("stopped", "stopping", "starting") else "BadRequestException",
            f"Database {identifier} is not available: its status is {status}.",
        )
    family = "postgres" if "postgres" in instance.engine else "mysql"
    return Target(family, ENDPOINT_ADDRESS, instance.port, instance.db_name)


def _cluster_target(ctx: RequestContext, resource_arn: str, identifier: str) -> Target:
    """An Aurora cluster: its cluster endpoint (the writer), once its HTTP endpoint is enabled."""
    cluster = lookup.db_cluster(ctx.platform.service("rds"), ctx.account_id, ctx.region, identifier.lower())
    if cluster is None:
        raise _invalid(resource_arn)
    if not cluster.http_endpoint:
        raise AwsError(
            "BadRequestException",
            f"HttpEndpoint is not enabled for cluster {cluster.identifier}. Please refer to "
            "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.html#data-api.troubleshooting",
        )
    if cluster.status != "available" or not cluster.writer_available:
        raise AwsError(
            "DatabaseUnavailableException"
            if cluster.status in ("stopped", "stopping", "starting")
            else "BadRequestException",
            f"Database {identifier} is not available: its status is {cluster.status}"
            + ("." if cluster.writer_available else " and it has no available writer instance."),
        )
    family = "postgres" if "postgres" in cluster.engine else "mysql"
    return Target(family, ENDPOINT_ADDRESS, cluster.port, cluster.db_name)


def resolve_login(ctx: RequestContext, secret_arn: str) -> Login:
    """The username and password stored in the secret, read as Secrets Manager would return it."""
    manager = ctx.platform.service("secretsmanager")
    if not isinstance(manager, SecretsManager) or manager.backend is None:
        raise AwsError("SecretsErrorException", "Secrets Manager is not available.")
    try:
        value = manager.backend.current(ctx.account_id, ctx.region, secret_arn)
    except AwsError as error:
        raise AwsError("SecretsErrorException", f"Error fetching secret {secret_arn} : {error.message}") from error
    if value.marked_for_deletion:
        raise AwsError(
            "SecretsErrorException",
            "You can't perform this operation on the secret because it was marked for deletion.",
        )
    try:
        document = json.loads(value.string or "")
        return Login(str(document["username"]), str(document["password"]))
    except (ValueError, KeyError, TypeError) as error:
        raise AwsError(
            "InvalidSecretException",
            'The secret must be a JSON object with the keys "username" and "password".',
        ) from error
