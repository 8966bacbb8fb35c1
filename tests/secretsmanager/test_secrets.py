"""Secret lifecycle through boto3: CreateSecret, DescribeSecret, ListSecrets (filters, sorting, paging),
DeleteSecret with a recovery window or forced, RestoreSecret, and the errors AWS answers with (codes and
messages as the Secrets Manager API reference and AWS's answers give them)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.secretsmanager.conftest import error_of

NOT_FOUND = ("ResourceNotFoundException", "Secrets Manager can't find the specified secret.", 400)
MARKED = (
    "InvalidRequestException",
    "You can't perform this operation on the secret because it was marked for deletion.",
    400,
)


def test_create_answers_arn_name_and_version(sm: Any) -> None:
    created = sm.create_secret(Name="app/db", SecretString='{"password":"p"}', Description="the db")
    assert re.fullmatch(r"arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-[A-Za-z0-9]{6}", created["ARN"])
    assert created["Name"] == "app/db"
    assert re.fullmatch(r"[0-9a-f-]{36}", created["VersionId"])
    described = sm.describe_secret(SecretId="app/db")
    assert described["ARN"] == created["ARN"]
    assert described["Description"] == "the db"
    assert described["RotationEnabled"] is False
    assert described["VersionIdsToStages"] == {created["VersionId"]: ["AWSCURRENT"]}
    assert isinstance(described["CreatedDate"], dt.datetime)


def test_create_without_a_value_has_no_version(sm: Any) -> None:
    created = sm.create_secret(Name="empty")
    assert "VersionId" not in created
    assert not sm.describe_secret(SecretId="empty").get("VersionIdsToStages")
    assert error_of(sm.get_secret_value, SecretId="empty") == (
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
        400,
    )


def test_client_request_token_is_the_version_id(sm: Any) -> None:
    token = "0123456789abcdef0123456789abcdef"
    assert sm.create_secret(Name="tok", SecretString="v", ClientRequestToken=token)["VersionId"] == token


def test_secrets_are_found_by_name_arn_and_partial_arn(sm: Any) -> None:
    arn = sm.create_secret(Name="by-arn", SecretString="v")["ARN"]
    for secret_id in ("by-arn", arn, arn[:-7]):
        assert sm.get_secret_value(SecretId=secret_id)["SecretString"] == "v"


def test_create_errors(sm: Any, client: Any) -> None:
    sm.create_secret(Name="dup", SecretString="v")
    assert error_of(sm.create_secret, Name="dup", SecretString="w") == (
        "ResourceExistsException",
        "The operation failed because the secret dup already exists.",
        400,
    )
    assert error_of(sm.create_secret, Name="bad name", SecretString="v") == (
        "ValidationException",
        "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
        400,
    )
    assert error_of(sm.create_secret, Name="both", SecretString="v", SecretBinary=b"v") == (
        "InvalidParameterException",
        "You can't specify both a binary secret value and a string secret value in the same secret.",
        400,
    )
    raw = client("secretsmanager", parameter_validation=False)
    assert error_of(raw.create_secret, Name="", SecretString="v") == (
        "ValidationException",
        "1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length "
        "greater than or equal to 1",
        400,
    )


def test_unknown_secrets_are_not_found(sm: Any) -> None:
    for call in (sm.describe_secret, sm.get_secret_value, sm.delete_secret, sm.restore_secret):
        assert error_of(call, SecretId="nope") == NOT_FOUND
    assert error_of(sm.put_secret_value, SecretId="nope", SecretString="v") == NOT_FOUND


def test_delete_with_a_recovery_window_then_restore(sm: Any) -> None:
    sm.create_secret(Name="gone", SecretString="v")
    before = dt.datetime.now(dt.UTC)
    deleted = sm.delete_secret(SecretId="gone", RecoveryWindowInDays=7)
    assert (
        dt.timedelta(days=7) - dt.timedelta(minutes=1)
        < deleted["DeletionDate"] - before
        < dt.timedelta(days=7, minutes=1)
    )
    assert "DeletedDate" in sm.describe_secret(SecretId="gone")
    assert error_of(sm.get_secret_value, SecretId="gone") == MARKED
    assert error_of(sm.put_secret_value, SecretId="gone", SecretString="w") == MARKED
    assert error_of(sm.delete_secret, SecretId="gone") == MARKED
    assert error_of(sm.create_secret, Name="gone", SecretString="w") == (
        "InvalidRequestException",
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
        400,
    )
    assert [s["Name"] for s in sm.list_secrets()["SecretList"]] == []
    assert [s["Name"] for s in sm.list_secrets(IncludePlannedDeletion=True)["SecretList"]] == ["gone"]
    restored = sm.restore_secret(SecretId="gone")
    assert restored["Name"] == "gone"
    assert "DeletedDate" not in sm.describe_secret(SecretId="gone")
    assert sm.get_secret_value(SecretId="gone")["SecretString"] == "v"


def test_delete_defaults_to_thirty_days(sm: Any) -> None:
    sm.create_secret(Name="thirty", SecretString="v")
    deleted = sm.delete_secret(SecretId="thirty")["DeletionDate"]
    assert abs(deleted - dt.datetime.now(dt.UTC) - dt.timedelta(days=30)) < dt.timedelta(minutes=1)


def test_forced_delete_frees_the_name_at_once(sm: Any) -> None:
    sm.create_secret(Name="forced", SecretString="v")
    sm.delete_secret(SecretId="forced", ForceDeleteWithoutRecovery=True)
    assert error_of(sm.describe_secret, SecretId="forced") == NOT_FOUND
    sm.create_secret(Name="forced", SecretString="again")
    assert sm.get_secret_value(SecretId="forced")["SecretString"] == "again"


def test_delete_errors(sm: Any) -> None:
    sm.create_secret(Name="d", SecretString="v")
    assert error_of(sm.delete_secret, SecretId="d", RecoveryWindowInDays=7, ForceDeleteWithoutRecovery=True) == (
        "InvalidParameterException",
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        400,
    )
    for days in (6, 31):
        assert error_of(sm.delete_secret, SecretId="d", RecoveryWindowInDays=days) == (
            "InvalidParameterException",
            "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
            400,
        )


def _names(sm: Any, **params: Any) -> list[str]:
    return [s["Name"] for s in sm.list_secrets(**params)["SecretList"]]


def test_list_filters(sm: Any) -> None:
    sm.create_secret(Name="prod/db", SecretString="v", Description="database", Tags=[{"Key": "env", "Value": "prod"}])
    sm.create_secret(Name="prod/api", SecretString="v", Tags=[{"Key": "team", "Value": "web"}])
    sm.create_secret(Name="dev/db", SecretString="v", Description="dev database")
    by_name = {"SortBy": "name", "SortOrder": "asc"}
    assert _names(sm, Filters=[{"Key": "name", "Values": ["prod/"]}], **by_name) == ["prod/api", "prod/db"]
    assert _names(sm, Filters=[{"Key": "name", "Values": ["!prod/"]}], **by_name) == ["dev/db"]
    assert _names(sm, Filters=[{"Key": "description", "Values": ["dev"]}]) == ["dev/db"]
    assert _names(sm, Filters=[{"Key": "tag-key", "Values": ["team"]}]) == ["prod/api"]
    assert _names(sm, Filters=[{"Key": "tag-value", "Values": ["prod"]}]) == ["prod/db"]
    assert _names(sm, Filters=[{"Key": "all", "Values": ["web"]}]) == ["prod/api"]
    # Several filters must all match.
    both = [{"Key": "name", "Values": ["prod/"]}, {"Key": "description", "Values": ["data"]}]
    assert _names(sm, Filters=both) == ["prod/db"]
    listed = sm.list_secrets(Filters=[{"Key": "name", "Values": ["prod/db"]}])["SecretList"][0]
    assert listed["Tags"] == [{"Key": "env", "Value": "prod"}]
    assert list(listed["SecretVersionsToStages"].values()) == [["AWSCURRENT"]]


def test_list_sorts_and_pages(sm: Any) -> None:
    names = [f"s{n:02}" for n in range(7)]
    for name in names:
        sm.create_secret(Name=name, SecretString="v")
    assert _names(sm, SortBy="name", SortOrder="asc") == names
    assert _names(sm, SortBy="name", SortOrder="desc") == names[::-1]
    seen, token = [], None
    while True:
        page = sm.list_secrets(MaxResults=3, SortBy="name", SortOrder="asc", **({"NextToken": token} if token else {}))
        assert len(page["SecretList"]) <= 3
        seen += [s["Name"] for s in page["SecretList"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names
    paginated = [
        s["Name"]
        for p in sm.get_paginator("list_secrets").paginate(PaginationConfig={"PageSize": 2})
        for s in p["SecretList"]
    ]
    assert sorted(paginated) == names
    assert error_of(sm.list_secrets, NextToken="garbage") == (
        "InvalidNextTokenException",
        "The NextToken value is invalid.",
        400,
    )
    assert error_of(sm.list_secrets, MaxResults=101)[0] == "ValidationException"


def test_rotation_is_not_pretended(sm: Any) -> None:
    sm.create_secret(Name="rot", SecretString="v")
    code, message, status = error_of(sm.rotate_secret, SecretId="rot")
    assert (code, status) == ("NotImplemented", 501)
    assert "RotateSecret" in message
