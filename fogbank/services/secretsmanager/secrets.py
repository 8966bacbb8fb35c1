"""Secret lifecycle: create, describe, list, delete/restore, tags."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.managed import tags
from fogbank.protocols import paging
from fogbank.protocols.errors import AwsError
from fogbank.protocols.validate import summary
from fogbank.services.base import operation
from fogbank.services.secretsmanager.store import DAY, Secret, SecretStore, marked_for_deletion

_NAME = re.compile(r"^[A-Za-z0-9/_+=.@!-]+$")


def when(epoch: float | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(epoch, dt.UTC) if epoch is not None else None


def check_value(params: dict[str, Any]) -> None:
    if params.get("SecretString") is not None and params.get("SecretBinary") is not None:
        raise AwsError(
            "InvalidParameterException",
            "You can't specify both a binary secret value and a string secret value in the same secret.",
        )


def live(store: SecretStore, ctx: RequestContext, secret_id: str) -> Secret:
    """The secret named, refusing one that is scheduled for deletion."""
    secret = store.find(ctx.account_id, ctx.region, secret_id)
    if secret.deleted is not None:
        raise marked_for_deletion()
    return secret


@operation("CreateSecret")
def create_secret(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: SecretStore = ctx.backend
    name = params["Name"]
    if not _NAME.match(name):
        raise AwsError(
            "ValidationException",
            "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
        )
    check_value(params)
    given_tags = check_tags(params.get("Tags") or [])
    if params.get("AddReplicaRegions"):
        raise AwsError("InvalidRequestException", "Fogbank does not replicate secrets to other regions.")
    with store.lock:
        secrets = store.scope(ctx.account_id, ctx.region)
        existing = secrets.get(name)
        if existing is not None:
            if existing.deleted is not None:
                raise AwsError(
                    "InvalidRequestException",
                    "You can't create this secret because a secret with this name is already scheduled for deletion.",
                )
            raise AwsError("ResourceExistsException", f"The operation failed because the secret {name} already exists.")
        secret = Secret(
            name=name,
            arn=store.new_arn(ctx.account_id, ctx.region, name),
            description=params.get("Description"),
            kms_key_id=params.get("KmsKeyId"),
            tags=given_tags,
        )
        result: dict[str, Any] = {"ARN": secret.arn, "Name": name}
        if params.get("SecretString") is not None or params.get("SecretBinary") is not None:
            version_id = params.get("ClientRequestToken") or _token()
            secret.add_version(version_id, params.get("SecretString"), params.get("SecretBinary"), ["AWSCURRENT"])
            result["VersionId"] = version_id
        secrets[name] = secret
        store.save(ctx.account_id, ctx.region)
    return result


def _token() -> str:
    import uuid

    return str(uuid.uuid4())


def describe(secret: Secret, stages_key: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ARN": secret.arn,
        "Name": secret.name,
        "RotationEnabled": False,
        "LastChangedDate": when(secret.last_changed),
        "CreatedDate": when(secret.created),
        stages_key: secret.stages(),
    }
    if secret.description is not None:
        result["Description"] = secret.description
    if secret.kms_key_id is not None:
        result["KmsKeyId"] = secret.kms_key_id
    if secret.last_accessed is not None:
        result["LastAccessedDate"] = when(secret.last_accessed)
    if secret.deleted is not None:
        result["DeletedDate"] = when(secret.deleted)
    if secret.tags:
        result["Tags"] = secret.tags
    if secret.owning_service is not None:
        result["OwningService"] = secret.owning_service
    return result


@operation("DescribeSecret")
def describe_secret(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: SecretStore = ctx.backend
    with store.lock:
        secret = store.find(ctx.account_id, ctx.region, params["SecretId"])
        return describe(secret, "VersionIdsToStages")


def _matches(secret: Secret, key: str, values: list[str]) -> bool:
    """ListSecrets filters: prefix matches; a value starting with '!' excludes instead."""
    fields: list[str]
    if key == "name":
        fields = [secret.name]
    elif key == "description":
        fields = [secret.description or ""]
    elif key == "tag-key":
        fields = [t["Key"] for t in secret.tags]
    elif key == "tag-value":
        fields = [t.get("Value", "") for t in secret.tags]
    elif key == "all":
        fields = [secret.name, secret.description or ""] + [t["Key"] for t in secret.tags]
        fields += [t.get("Value", "") for t in secret.tags]
    else:  # primary-region, owning-service: Fogbank secrets have neither
        fields = []
    for value in values:
        negate = value.startswith("!")
        prefix = value[1:] if negate else value
        hit = any(f.startswith(prefix) for f in fields)
        if hit != negate:
            return True
    return False


@operation("ListSecrets")
def list_secrets(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: SecretStore = ctx.backend
    with store.lock:
        found = list(store.scope(ctx.account_id, ctx.region).values())
    if not params.get("IncludePlannedDeletion"):
        found = [s for s in found if s.deleted is None]
    for spec in params.get("Filters") or []:
        found = [s for s in found if _matches(s, spec.get("Key", "all"), spec.get("Values") or [])]
    sort_by = params.get("SortBy", "created-date")
    keys = {
        "name": lambda s: s.name,
        "last-accessed-date": lambda s: s.last_accessed or 0.0,
        "last-changed-date": lambda s: s.last_changed,
    }
    order = keys.get(sort_by, lambda s: s.created)
    chunk, token = paging.page(
        found,
        params.get("MaxResults") or 100,
        params.get("NextToken"),
        key=lambda s: (order(s), s.name, s.arn),
        invalid=lambda: AwsError("InvalidNextTokenException", "The NextToken value is invalid."),
        reverse=params.get("SortOrder", "desc") == "desc",
    )
    result: dict[str, Any] = {"SecretList": [describe(s, "SecretVersionsToStages") for s in chunk]}
    if token:
        result["NextToken"] = token
    return result


@operation("DeleteSecret")
def delete_secret(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: SecretStore = ctx.backend
    force = params.get("ForceDeleteWithoutRecovery", False)
    window = params.get("RecoveryWindowInDays")
    if force and window is not None:
        raise AwsError(
            "InvalidParameterException",
            "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        )
    if window is not None and not 7 <= window <= 30:
        raise AwsError(
            "InvalidParameterException",
            "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
        )
    with store.lock:
        secrets = store.scope(ctx.account_id, ctx.region)
        secret = store.find(ctx.account_id, ctx.region, params["SecretId"])
        if secret.deleted is not None and not force:
            raise marked_for_deletion()
        now = time.time()
        secret.deleted = secret.deleted or now
        if force:
            secret.deletion_date = now
            del secrets[secret.name]
        else:
            secret.deletion_date = now + (window or 30) * DAY
        store.save(ctx.account_id, ctx.region)
    return {"ARN": secret.arn, "Name": secret.name, "DeletionDate": when(secret.deletion_date)}


@operation("RestoreSecret")
def restore_secret(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: SecretStore = ctx.backend
    with store.lock:
        secret = store.find(ctx.account_id, ctx.region, params["SecretId"])
        secret.deleted = secret.deletion_date = None
        store.save(ctx.account_id, ctx.region)
    return {"ARN": secret.arn, "Name": secret.name}


# Secrets Manager's wording of the shared tag rules. AWS documents 50 tags per secret but its
# refusal's wording is not known here, so the quota is not enforced.
TAG_RULES = tags.TagRules(
    reserved=("InvalidParameterException", "You can't modify system tags. Tag key: '{key}'."),
    quota=None,
)


def check_tags(given: list[dict[str, Any]]) -> list[dict[str, str]]:
    """A request's tags, checked. The model leaves a tag's Key optional; a tag without one is refused
    before anything is stored, in the protocol's validation wording."""
    problems = [
        f"Value null at 'tags.{number}.member.key' failed to satisfy constraint: Member must not be null"
        for number, tag in enumerate(given, 1)
        if tag.get("Key") is None
    ]
    if problems:
        raise AwsError("ValidationException", summary(problems))
    return tags.check(given, TAG_RULES)


@operation("TagResource")
def tag_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    store: SecretStore = ctx.backend
    with store.lock:
        added = check_tags(params["Tags"])
        secret = live(store, ctx, params["SecretId"])
        secret.tags = tags.merge(secret.tags, added, TAG_RULES)
        store.save(ctx.account_id, ctx.region)


@operation("UntagResource")
def untag_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    store: SecretStore = ctx.backend
    with store.lock:
        secret = live(store, ctx, params["SecretId"])
        secret.tags = tags.remove(secret.tags, params["TagKeys"])
        store.save(ctx.account_id, ctx.region)
