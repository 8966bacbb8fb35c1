"""Secrets Manager tags: a tag without a key is refused before anything is stored (it was a 500, and a stored
one broke ListSecrets for every later call)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def test_a_tag_without_a_key_is_refused(client: Any) -> None:
    secrets = client("secretsmanager", parameter_validation=False)
    with pytest.raises(ClientError) as created:
        secrets.create_secret(Name="keyless", SecretString="x", Tags=[{"Key": "a", "Value": "1"}, {"Value": "2"}])
    assert created.value.response["Error"]["Code"] == "ValidationException"
    assert created.value.response["Error"]["Message"] == (
        "1 validation error detected: Value null at 'tags.2.member.key' failed to satisfy constraint: "
        "Member must not be null"
    )
    secrets.create_secret(Name="tagged", SecretString="x", Tags=[{"Key": "a", "Value": "1"}])
    with pytest.raises(ClientError) as tagged:
        secrets.tag_resource(SecretId="tagged", Tags=[{}])
    assert tagged.value.response["Error"]["Code"] == "ValidationException"
    listed = secrets.list_secrets(Filters=[{"Key": "tag-key", "Values": ["a"]}])["SecretList"]
    assert [(s["Name"], s["Tags"]) for s in listed] == [("tagged", [{"Key": "a", "Value": "1"}])]


def test_tags_are_merged_removed_and_system_keys_refused(client: Any) -> None:
    secrets = client("secretsmanager")
    secrets.create_secret(Name="app/login", SecretString="x", Tags=[{"Key": "team", "Value": "data"}])
    secrets.tag_resource(SecretId="app/login", Tags=[{"Key": "team", "Value": "web"}, {"Key": "env", "Value": "dev"}])
    assert secrets.describe_secret(SecretId="app/login")["Tags"] == [
        {"Key": "team", "Value": "web"},
        {"Key": "env", "Value": "dev"},
    ]
    # Recorded from AWS (a TagResource that re-sent CloudFormation's tags): the aws: prefix is AWS's own.
    with pytest.raises(ClientError) as refused:
        secrets.tag_resource(SecretId="app/login", Tags=[{"Key": "aws:cloudformation:stack-name", "Value": "s"}])
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert refused.value.response["Error"]["Message"] == (
        "You can't modify system tags. Tag key: 'aws:cloudformation:stack-name'."
    )
    secrets.untag_resource(SecretId="app/login", TagKeys=["team", "absent"])
    assert secrets.describe_secret(SecretId="app/login")["Tags"] == [{"Key": "env", "Value": "dev"}]
