"""Secrets Manager (where the query editor keeps database credentials), through boto3."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from fogbank.server import free_port


def test_versions_stages_and_lookup(client) -> None:  # type: ignore[no-untyped-def]
    sm = client("secretsmanager")
    created = sm.create_secret(Name="app/db", SecretString='{"username":"u","password":"p"}', Description="d")
    arn = created["ARN"]
    assert (
        arn.startswith("arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-") and len(arn.split("-")[-1]) == 6
    )
    assert sm.get_secret_value(SecretId=arn[:-7])["SecretString"] == '{"username":"u","password":"p"}'
    second = sm.put_secret_value(SecretId="app/db", SecretString="v2")
    stages = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
    assert stages == {created["VersionId"]: ["AWSPREVIOUS"], second["VersionId"]: ["AWSCURRENT"]}
    previous = sm.get_secret_value(SecretId="app/db", VersionStage="AWSPREVIOUS")
    assert previous["SecretString"] == '{"username":"u","password":"p"}'
    sm.update_secret(SecretId="app/db", Description="new")
    listed = sm.list_secrets(Filters=[{"Key": "name", "Values": ["app/"]}])["SecretList"]
    assert [s["Name"] for s in listed] == ["app/db"] and listed[0]["Description"] == "new"
    sm.tag_resource(SecretId="app/db", Tags=[{"Key": "team", "Value": "a"}])
    assert sm.list_secrets(Filters=[{"Key": "tag-key", "Values": ["team"]}])["SecretList"]
    assert sm.create_secret(Name="bin", SecretBinary=b"\x00\x01")["Name"] == "bin"
    assert sm.get_secret_value(SecretId="bin")["SecretBinary"] == b"\x00\x01"


def test_errors_are_aws_errors(client) -> None:  # type: ignore[no-untyped-def]
    sm = client("secretsmanager")
    sm.create_secret(Name="s", SecretString="x")
    cases = [
        (lambda: sm.create_secret(Name="s", SecretString="y"), "ResourceExistsException"),
        (lambda: sm.get_secret_value(SecretId="missing"), "ResourceNotFoundException"),
        (lambda: sm.create_secret(Name="bad name!?", SecretString="y"), "ValidationException"),
        (lambda: sm.delete_secret(SecretId="s", RecoveryWindowInDays=3), "InvalidParameterException"),
        (
            lambda: sm.delete_secret(SecretId="s", RecoveryWindowInDays=7, ForceDeleteWithoutRecovery=True),
            "InvalidParameterException",
        ),
    ]
    for call, code in cases:
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["Error"]["Code"] == code


def test_delete_restore_and_force_delete(client) -> None:  # type: ignore[no-untyped-def]
    sm = client("secretsmanager")
    sm.create_secret(Name="s", SecretString="x")
    sm.delete_secret(SecretId="s", RecoveryWindowInDays=7)
    with pytest.raises(ClientError) as raised:
        sm.get_secret_value(SecretId="s")
    assert raised.value.response["Error"]["Code"] == "InvalidRequestException"
    assert sm.list_secrets()["SecretList"] == []
    assert sm.list_secrets(IncludePlannedDeletion=True)["SecretList"][0]["Name"] == "s"
    sm.restore_secret(SecretId="s")
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "x"
    sm.delete_secret(SecretId="s", ForceDeleteWithoutRecovery=True)
    with pytest.raises(ClientError) as raised:
        sm.describe_secret(SecretId="s")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    sm.create_secret(Name="s", SecretString="again")


def test_accounts_and_regions_are_separate(client) -> None:  # type: ignore[no-untyped-def]
    client("secretsmanager").create_secret(Name="s", SecretString="x")
    assert client("secretsmanager", region="eu-west-1").list_secrets()["SecretList"] == []
    assert client("secretsmanager", access_key="111111111111").list_secrets()["SecretList"] == []


def test_secrets_survive_kill_9(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "fogbank", "up", "--port", str(port), "--data-dir", str(tmp_path)]

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_fogbank/health", timeout=1)
                return process
            except OSError:
                time.sleep(0.2)
        process.kill()
        raise AssertionError("Fogbank did not start")

    def sm():  # type: ignore[no-untyped-def]
        return boto3.client(
            "secretsmanager",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    process = start()
    try:
        sm().create_secret(Name="durable", SecretString="kept")
        process.kill()
        process.wait()
        process = start()
        assert sm().get_secret_value(SecretId="durable")["SecretString"] == "kept"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_list_secrets_pages_survive_deletes(client) -> None:
    secrets = client("secretsmanager")
    for index in range(5):
        secrets.create_secret(Name=f"page-{index}", SecretString="x")
    first = secrets.list_secrets(MaxResults=2, SortOrder="asc")
    assert [s["Name"] for s in first["SecretList"]] == ["page-0", "page-1"]
    secrets.delete_secret(SecretId="page-0", ForceDeleteWithoutRecovery=True)
    second = secrets.list_secrets(MaxResults=2, SortOrder="asc", NextToken=first["NextToken"])
    assert [s["Name"] for s in second["SecretList"]] == ["page-2", "page-3"]
    pages = secrets.get_paginator("list_secrets").paginate(PaginationConfig={"PageSize": 2})
    assert sorted(s["Name"] for p in pages for s in p["SecretList"]) == ["page-1", "page-2", "page-3", "page-4"]
    with pytest.raises(ClientError) as caught:
        secrets.list_secrets(NextToken="not-a-token!")
    assert caught.value.response["Error"]["Code"] == "InvalidNextTokenException"
