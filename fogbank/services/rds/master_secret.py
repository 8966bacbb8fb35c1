"""RDS-managed master passwords (``ManageMasterUserPassword``): the master user's password kept in a
Secrets Manager secret that RDS makes and owns, as AWS does.

The secret is named ``rds!db-<uuid>`` (an Aurora cluster's ``rds!cluster-<uuid>``), holds
``{"username", "password"}`` (so the RDS Data API and any client read it as they read one of their
own), is tagged with the owner's ARN (``aws:rds:primaryDBInstanceArn``, a cluster's
``aws:rds:primaryDBClusterArn``) and shows ``OwningService`` ``rds``. The instance (or cluster) shows
``MasterUserSecret`` (``SecretArn``, ``SecretStatus``, ``KmsKeyId`` when one was given).
``RotateMasterUserPassword`` puts a new password in the engine and a new version in the secret;
turning management off needs a new ``MasterUserPassword`` and deletes the secret, as does deleting
the instance. Fogbank does not rotate on AWS's 7-day schedule by itself.
"""

from __future__ import annotations

import json
import secrets
import string
import uuid
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.rds.records import CLUSTER
from fogbank.services.secretsmanager.service import SecretsManager
from fogbank.services.secretsmanager.store import SecretStore

# Printable ASCII but '/', '"', '@' and space, which RDS refuses in master passwords.
_ALPHABET = string.ascii_letters + string.digits + "!#$%&()*+,-.:;<=>?[]^_{|}~"


def _store(ctx: RequestContext) -> SecretStore:
    manager = ctx.platform.service("secretsmanager")
    if not isinstance(manager, SecretsManager) or manager.backend is None:
        raise AwsError("InvalidParameterCombination", "ManageMasterUserPassword needs Secrets Manager, which is "
                       "not running in this Fogbank.")  # fmt: skip
    return manager.backend


def new_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(32))


def check_create(params: dict[str, Any]) -> bool:
    """Whether CreateDBInstance asks RDS to manage the password; refuses it beside a password."""
    if not params.get("ManageMasterUserPassword"):
        if params.get("MasterUserSecretKmsKeyId"):
            raise AwsError("InvalidParameterCombination", "MasterUserSecretKmsKeyId can be specified only when "
                           "ManageMasterUserPassword is set to true.")  # fmt: skip
        return False
    if params.get("MasterUserPassword"):
        raise AwsError("InvalidParameterCombination", "Can't specify MasterUserPassword when "
                       "ManageMasterUserPassword is set to true.")  # fmt: skip
    return True


def check_modify(record: Record[Any], params: dict[str, Any]) -> str | None:
    """What ModifyDBInstance asks of the managed password: "manage", "unmanage", "rotate" or None
    (recorded messages where AWS's are known)."""
    managed = bool(record.fields.get("MasterUserSecret"))
    manage, rotate = params.get("ManageMasterUserPassword"), params.get("RotateMasterUserPassword")
    if rotate:
        if not managed and not manage:
            raise AwsError("InvalidParameterCombination", "You can't rotate the master user password because it "
                           "isn't managed by RDS.")  # fmt: skip
        if not params.get("ApplyImmediately"):
            raise AwsError("InvalidParameterCombination", "RotateMasterUserPassword requires ApplyImmediately to be "
                           "true.")  # fmt: skip
        if params.get("MasterUserPassword"):
            raise AwsError("InvalidParameterCombination", "Can't specify MasterUserPassword with "
                           "RotateMasterUserPassword.")  # fmt: skip
    if manage is True:
        if params.get("MasterUserPassword"):
            raise AwsError("InvalidParameterCombination", "Can't specify MasterUserPassword when "
                           "ManageMasterUserPassword is set to true.")  # fmt: skip
        return None if managed else "manage"
    if manage is False:
        if not managed:  # recorded from AWS
            raise AwsError("InvalidParameterCombination", "You cannot set ManageMasterUserPassword to false because "
                           "the master user password is not currently managed by RDS.")  # fmt: skip
        if not params.get("MasterUserPassword"):  # recorded from AWS
            raise AwsError("InvalidParameterCombination", "MasterUserPassword must be provided when "
                           "ManageMasterUserPassword is set to false.")  # fmt: skip
        return "unmanage"
    return "rotate" if rotate else None


def _value(record: Record[Any], password: str) -> str:
    return json.dumps({"username": record.fields["MasterUsername"], "password": password})


def create(ctx: RequestContext, record: Record[Any], password: str, kms_key_id: str | None) -> None:
    """The instance's or Aurora cluster's secret, holding ``password``; ``MasterUserSecret`` set on the record."""
    if record.kind == CLUSTER:  # rds!cluster-<uuid>, as AWS names a cluster's
        prefix, tag, what = "cluster", "aws:rds:primaryDBClusterArn", "DB cluster"
    else:
        prefix, tag, what = "db", "aws:rds:primaryDBInstanceArn", "DB instance"
    arn = _store(ctx).create_owned(
        ctx.account_id, ctx.region, f"rds!{prefix}-{uuid.uuid4()}", _value(record, password), "rds",
        f"Secret associated with primary RDS {what}: {record.arn}", [{"Key": tag, "Value": record.arn}],
    )  # fmt: skip
    secret: dict[str, Any] = {"SecretArn": arn, "SecretStatus": "active"}
    if kms_key_id:
        secret["KmsKeyId"] = kms_key_id
    record.fields["MasterUserSecret"] = secret


def rotate(ctx: RequestContext, record: Record[Any], password: str) -> None:
    _store(ctx).put_owned(ctx.account_id, ctx.region, record.fields["MasterUserSecret"]["SecretArn"],
                          _value(record, password))  # fmt: skip


def remove(ctx: RequestContext, record: Record[Any]) -> None:
    secret = record.fields.pop("MasterUserSecret", None)
    if secret:
        _store(ctx).delete_owned(ctx.account_id, ctx.region, secret["SecretArn"])
