"""Secret values: read, write new versions, list versions, random passwords."""

from __future__ import annotations

import base64
import secrets as random
import string
import time
import uuid
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.secretsmanager.secrets import check_value, live, when
from fogbank.services.secretsmanager.store import CURRENT, SecretStore


@operation("GetSecretValue")
def get_secret_value(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: SecretStore = ctx.backend
    with store.lock:
        secret = live(store, ctx, params["SecretId"])
        version_id, version = secret.version_for(params.get("VersionId"), params.get("VersionStage"))
        # AWS records the access date without the time of day.
        today = time.time() // 86400 * 86400
        if secret.last_accessed != today:
            secret.last_accessed = today
            store.save(ctx.account_id, ctx.region)
    result: dict[str, Any] = {
        "ARN": secret.arn,
        "Name": secret.name,
        "VersionId": version_id,
        "VersionStages": list(version["stages"]),
        "CreatedDate": when(version["created"]),
    }
    if version["string"] is not None:
        result["SecretString"] = version["string"]
    if version["binary"] is not None:
        result["SecretBinary"] = base64.b64decode(version["binary"])
    return result


def _new_version(ctx: RequestContext, params: dict[str, Any], stages: list[str]) -> dict[str, Any]:
    store: SecretStore = ctx.backend
    check_value(params)
    with store.lock:
        secret = live(store, ctx, params["SecretId"])
        version_id = params.get("ClientRequestToken") or str(uuid.uuid4())
        if "Description" in params:
            secret.description = params["Description"]
        if "KmsKeyId" in params:
            secret.kms_key_id = params["KmsKeyId"]
        has_value = params.get("SecretString") is not None or params.get("SecretBinary") is not None
        if has_value:
            secret.add_version(version_id, params.get("SecretString"), params.get("SecretBinary"), stages)
        else:
            secret.last_changed = time.time()
        store.save(ctx.account_id, ctx.region)
    result: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
    if has_value:
        result["VersionId"] = version_id
    return result


@operation("PutSecretValue")
def put_secret_value(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("SecretString") is None and params.get("SecretBinary") is None:
        raise AwsError("InvalidRequestException", "You must provide either SecretString or SecretBinary.")
    stages = list(params.get("VersionStages") or [CURRENT])
    params = {k: v for k, v in params.items() if k not in ("Description", "KmsKeyId")}
    result = _new_version(ctx, params, stages)
    result["VersionStages"] = stages
    return result


@operation("UpdateSecret")
def update_secret(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return _new_version(ctx, params, [CURRENT])


@operation("ListSecretVersionIds")
def list_secret_version_ids(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: SecretStore = ctx.backend
    with store.lock:
        secret = live(store, ctx, params["SecretId"])
        versions = [
            {"VersionId": vid, "VersionStages": list(v["stages"]), "CreatedDate": when(v["created"])}
            for vid, v in secret.versions.items()
            if v["stages"] or params.get("IncludeDeprecated")
        ]
    return {"Versions": versions, "ARN": secret.arn, "Name": secret.name}


_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


@operation("GetRandomPassword")
def get_random_password(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    excluded = set(params.get("ExcludeCharacters") or "")
    groups = []
    for flag, chars in (
        ("ExcludeLowercase", string.ascii_lowercase),
        ("ExcludeUppercase", string.ascii_uppercase),
        ("ExcludeNumbers", string.digits),
        ("ExcludePunctuation", _PUNCTUATION),
    ):
        if not params.get(flag):
            allowed = [c for c in chars if c not in excluded]
            if allowed:
                groups.append(allowed)
    if params.get("IncludeSpace"):
        groups.append([" "])
    length = params.get("PasswordLength") or 32
    if not groups:
        raise AwsError("InvalidParameterException", "No characters are left to generate a password from.")
    if params.get("RequireEachIncludedType", True) and length < len(groups):
        raise AwsError("InvalidParameterException", "The password length is too short to include every type.")
    pool = [c for group in groups for c in group]
    while True:
        password = [random.choice(pool) for _ in range(length)]
        if not params.get("RequireEachIncludedType", True) or all(set(g) & set(password) for g in groups):
            return {"RandomPassword": "".join(password)}
