"""Secret values through boto3: GetSecretValue by stage and version, PutSecretValue and UpdateSecret making
new versions (AWSCURRENT moves, the old one becomes AWSPREVIOUS), binary values, idempotent tokens,
ListSecretVersionIds with deprecated versions, GetRandomPassword, and their errors."""

from __future__ import annotations

import string
from typing import Any

from tests.secretsmanager.conftest import error_of


def test_versions_and_stages(sm: Any) -> None:
    first = sm.create_secret(Name="rotating", SecretString="one")["VersionId"]
    put = sm.put_secret_value(SecretId="rotating", SecretString="two")
    assert put["VersionStages"] == ["AWSCURRENT"]
    second = put["VersionId"]
    assert sm.get_secret_value(SecretId="rotating")["SecretString"] == "two"
    previous = sm.get_secret_value(SecretId="rotating", VersionStage="AWSPREVIOUS")
    assert (previous["VersionId"], previous["SecretString"], previous["VersionStages"]) == (
        first,
        "one",
        ["AWSPREVIOUS"],
    )
    assert sm.get_secret_value(SecretId="rotating", VersionId=first)["SecretString"] == "one"
    assert sm.describe_secret(SecretId="rotating")["VersionIdsToStages"] == {
        first: ["AWSPREVIOUS"],
        second: ["AWSCURRENT"],
    }
    third = sm.update_secret(SecretId="rotating", SecretString="three")["VersionId"]
    stages = sm.describe_secret(SecretId="rotating")["VersionIdsToStages"]
    assert stages == {second: ["AWSPREVIOUS"], third: ["AWSCURRENT"]}  # the first one is deprecated


def test_a_custom_stage_moves_without_touching_current(sm: Any) -> None:
    current = sm.create_secret(Name="staged", SecretString="live")["VersionId"]
    pending = sm.put_secret_value(SecretId="staged", SecretString="next", VersionStages=["AWSPENDING"])
    assert pending["VersionStages"] == ["AWSPENDING"]
    assert sm.get_secret_value(SecretId="staged")["VersionId"] == current
    assert sm.get_secret_value(SecretId="staged", VersionStage="AWSPENDING")["SecretString"] == "next"


def test_deprecated_versions_are_listed_only_when_asked(sm: Any) -> None:
    first = sm.create_secret(Name="old", SecretString="1")["VersionId"]
    sm.put_secret_value(SecretId="old", SecretString="2")
    sm.put_secret_value(SecretId="old", SecretString="3")
    listed = sm.list_secret_version_ids(SecretId="old")
    assert listed["Name"] == "old" and listed["ARN"].startswith("arn:aws:secretsmanager:")
    assert sorted(v["VersionStages"] for v in listed["Versions"]) == [["AWSCURRENT"], ["AWSPREVIOUS"]]
    everything = sm.list_secret_version_ids(SecretId="old", IncludeDeprecated=True)["Versions"]
    assert [v["VersionStages"] for v in everything if v["VersionId"] == first] == [[]]
    # A deprecated version is still there to read by its id.
    assert sm.get_secret_value(SecretId="old", VersionId=first)["SecretString"] == "1"


def test_binary_values_round_trip(sm: Any) -> None:
    blob = bytes(range(256))
    sm.create_secret(Name="bin", SecretBinary=blob)
    value = sm.get_secret_value(SecretId="bin")
    assert value["SecretBinary"] == blob and "SecretString" not in value


def test_a_repeated_token_is_idempotent_and_a_changed_value_refused(sm: Any) -> None:
    sm.create_secret(Name="idem", SecretString="a")
    token = "11111111-2222-3333-4444-555555555555"
    first = sm.put_secret_value(SecretId="idem", SecretString="b", ClientRequestToken=token)
    again = sm.put_secret_value(SecretId="idem", SecretString="b", ClientRequestToken=token)
    assert first["VersionId"] == again["VersionId"] == token
    assert error_of(sm.put_secret_value, SecretId="idem", SecretString="c", ClientRequestToken=token) == (
        "ResourceExistsException",
        "You can't modify an existing version, you can only create a new version.",
        400,
    )


def test_update_without_a_value_changes_only_metadata(sm: Any) -> None:
    version = sm.create_secret(Name="meta", SecretString="v")["VersionId"]
    updated = sm.update_secret(SecretId="meta", Description="new words")
    assert "VersionId" not in updated
    described = sm.describe_secret(SecretId="meta")
    assert described["Description"] == "new words"
    assert described["VersionIdsToStages"] == {version: ["AWSCURRENT"]}


def test_value_errors(sm: Any) -> None:
    sm.create_secret(Name="v", SecretString="x")
    assert error_of(sm.put_secret_value, SecretId="v") == (
        "InvalidRequestException",
        "You must provide either SecretString or SecretBinary.",
        400,
    )
    assert error_of(sm.update_secret, SecretId="v", SecretString="a", SecretBinary=b"a") == (
        "InvalidParameterException",
        "You can't specify both a binary secret value and a string secret value in the same secret.",
        400,
    )
    assert error_of(sm.get_secret_value, SecretId="v", VersionId="no-such-version-id-0000000000000") == (
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for VersionId: no-such-version-id-0000000000000",
        400,
    )
    assert error_of(sm.get_secret_value, SecretId="v", VersionStage="AWSPENDING") == (
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
        400,
    )


def test_random_passwords(sm: Any, client: Any) -> None:
    password = sm.get_random_password()["RandomPassword"]
    assert len(password) == 32
    for kind in (string.ascii_lowercase, string.ascii_uppercase, string.digits):
        assert set(password) & set(kind)
    short = sm.get_random_password(PasswordLength=12, ExcludePunctuation=True, ExcludeCharacters="abc")[
        "RandomPassword"
    ]
    assert len(short) == 12 and short.isalnum() and not set(short) & set("abc")
    digits = sm.get_random_password(
        PasswordLength=50, ExcludeLowercase=True, ExcludeUppercase=True, ExcludePunctuation=True
    )
    assert digits["RandomPassword"].isdigit()
    spaced = sm.get_random_password(PasswordLength=40, IncludeSpace=True, RequireEachIncludedType=True)[
        "RandomPassword"
    ]
    assert " " in spaced
    raw = client("secretsmanager", parameter_validation=False)
    for length, bound in ((0, "greater than or equal to 1"), (4097, "less than or equal to 4096")):
        assert error_of(raw.get_random_password, PasswordLength=length) == (
            "ValidationException",
            f"1 validation error detected: Value '{length}' at 'passwordLength' failed to satisfy constraint: "
            f"Member must have value {bound}",
            400,
        )
