"""The lab through the real AWS CLI, v1 (``pip install awscli``) and v2 (the official build), as the README says.

CLI v1 replaces the endpoint of rds/docdb/neptune in us-east-1 with ``https://rds.amazonaws.com``
whatever ``AWS_ENDPOINT_URL`` says, so the README's path for v1 is ``fogbank aws …`` (or
``--endpoint-url``); CLI v2 honours ``AWS_ENDPOINT_URL`` for every service.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fogbank import aws_cli
from tests.clients.conftest import VENV_BIN, clean_env, fogbank_env, run, run_json

PASSWORD = "Secret-pass1"


def _lab(aws: Callable[[list[str]], Any], raw: Callable[[list[str]], Any], name: str) -> None:
    """The lab's first steps: an RDS instance, a DynamoDB table with items; DocumentDB and Neptune answer."""
    created = aws(
        ["rds", "create-db-instance", "--db-instance-identifier", name, "--engine", "postgres",
         "--db-instance-class", "db.t3.micro", "--master-username", "labuser",
         "--master-user-password", PASSWORD, "--allocated-storage", "20"]
    )["DBInstance"]  # fmt: skip
    assert created["DBInstanceStatus"] == "creating"
    deadline = time.monotonic() + 90
    while True:  # the CLI's own waiter polls every 30 s: a user would poll describe-db-instances
        instance = aws(["rds", "describe-db-instances", "--db-instance-identifier", name])["DBInstances"][0]
        if instance["DBInstanceStatus"] == "available":
            break
        assert time.monotonic() < deadline, instance["DBInstanceStatus"]
        time.sleep(0.5)
    assert instance["Endpoint"]["Address"] in ("127.0.0.1", "localhost")

    table = f"{name}-items"
    aws(["dynamodb", "create-table", "--table-name", table, "--billing-mode", "PAY_PER_REQUEST",
         "--attribute-definitions", "AttributeName=id,AttributeType=S", "--key-schema", "AttributeName=id,KeyType=HASH"])  # fmt: skip
    for key, price in (("apple", "3"), ("pear", "5")):
        item = json.dumps({"id": {"S": key}, "price": {"N": price}})
        aws(["dynamodb", "put-item", "--table-name", table, "--item", item])
    scanned = aws(["dynamodb", "scan", "--table-name", table])
    assert sorted((i["id"]["S"], i["price"]["N"]) for i in scanned["Items"]) == [("apple", "3"), ("pear", "5")]

    for service in ("docdb", "neptune"):
        result = raw([service, "describe-pending-maintenance-actions"])
        # Fogbank's own answer (implemented by none of the three APIs), not a connection error to AWS.
        assert result.returncode == (254 if "/v2/" in str(result.args[0]) else 255), result.stderr
        assert "(NotImplemented) when calling the DescribePendingMaintenanceActions operation" in result.stderr, (
            result.stderr
        )
        # CLI v2 names its command in its User-Agent; v1 says nothing that tells the three APIs apart.
        api = service if "/v2/" in str(result.args[0]) else "rds/neptune/docdb"
        assert f"of service {api} is not implemented by Fogbank yet" in result.stderr.replace("\n", " ")

    aws(["rds", "delete-db-instance", "--db-instance-identifier", name, "--skip-final-snapshot"])


def test_lab_with_cli_v1_through_fogbank_aws(fogbank_endpoint: str) -> None:
    """``fogbank aws`` with the CLI v1 of ``make setup`` on PATH: no AWS settings of the user's own."""
    env = fogbank_env(fogbank_endpoint, PATH=f"{VENV_BIN}:/usr/bin:/bin")
    fogbank = [str(VENV_BIN / "fogbank"), "aws", "--output", "json"]
    assert "aws-cli/1." in run([*fogbank, "--version"], env).stdout + run([*fogbank, "--version"], env).stderr
    _lab(lambda args: run_json([*fogbank, *args], env), lambda args: run([*fogbank, *args], env), "cli-v1")


def test_lab_with_cli_v1_and_endpoint_url_flag(fogbank_endpoint: str) -> None:
    """The other path the README gives for v1: ``--endpoint-url`` on each command."""
    env = clean_env(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    aws = [str(VENV_BIN / "aws"), "--endpoint-url", fogbank_endpoint, "--output", "json"]
    _lab(lambda args: run_json([*aws, *args], env), lambda args: run([*aws, *args], env), "cli-v1-flag")


def test_lab_with_cli_v2_and_aws_endpoint_url(fogbank_endpoint: str, cli_v2: Path) -> None:
    """CLI v2 as the README says: ``export AWS_ENDPOINT_URL`` and plain ``aws``."""
    env = clean_env(
        AWS_ENDPOINT_URL=fogbank_endpoint,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
    )
    aws = [str(cli_v2), "--output", "json"]
    assert run([str(cli_v2), "--version"], env).stdout.startswith("aws-cli/2.")
    _lab(lambda args: run_json([*aws, *args], env), lambda args: run([*aws, *args], env), "cli-v2")


def test_fogbank_aws_runs_the_cli_v2_on_path(fogbank_endpoint: str, cli_v2: Path) -> None:
    env = fogbank_env(fogbank_endpoint, PATH=f"{cli_v2.parent}:/usr/bin:/bin")
    result = run([str(VENV_BIN / "fogbank"), "aws", "--version"], env)
    assert result.stdout.startswith("aws-cli/2."), result.stdout + result.stderr
    tables = run_json([str(VENV_BIN / "fogbank"), "aws", "dynamodb", "list-tables", "--output", "json"], env)
    assert tables == {"TableNames": []}


# -- how the wrapper chooses the endpoint ------------------------------------------------------------------


def test_wrapper_endpoint_defaults_to_fogbank_and_respects_the_user() -> None:
    env = aws_cli.environment({"FOGBANK_PORT": "4999"})
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4999"
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_DEFAULT_REGION"]) == (
        "test",
        "test",
        "us-east-1",
    )
    assert aws_cli.arguments(["rds", "describe-db-instances"], env) == [
        "--endpoint-url",
        "http://127.0.0.1:4999",
        "rds",
        "describe-db-instances",
    ]
    # The user's own settings win: a service-specific endpoint, an explicit flag, a profile's keys and region.
    mine = aws_cli.environment(
        {
            "AWS_ENDPOINT_URL": "http://elsewhere:1",
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://sm:2",
            "AWS_PROFILE": "p",
        }
    )
    assert "AWS_ACCESS_KEY_ID" not in mine and "AWS_DEFAULT_REGION" not in mine
    assert aws_cli.arguments(["--region", "eu-west-1", "secretsmanager", "list-secrets"], mine)[:2] == [
        "--endpoint-url",
        "http://sm:2",
    ]
    assert aws_cli.arguments(["rds", "x", "--endpoint-url", "http://mine:3"], mine) == [
        "rds",
        "x",
        "--endpoint-url",
        "http://mine:3",
    ]
    assert aws_cli.arguments(["configure", "list"], mine) == ["configure", "list"]


@pytest.mark.parametrize("host,expected", [("0.0.0.0", "http://127.0.0.1:4566"), ("::1", "http://[::1]:4566")])
def test_wrapper_endpoint_for_any_listen_address(host: str, expected: str) -> None:
    assert aws_cli.fogbank_endpoint({"FOGBANK_HOST": host}) == expected
