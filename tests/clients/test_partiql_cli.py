"""PartiQL through the AWS CLI, v1 (``make setup``'s) and v2 (the official build): execute-statement,
batch-execute-statement and execute-transaction, and an error as the CLI shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clients.conftest import VENV_BIN, clean_env, run, run_json


def _cli(fogbank_endpoint: str, binary: Path) -> tuple[list[str], dict[str, str]]:
    env = clean_env(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    return [str(binary), "--endpoint-url", fogbank_endpoint, "--output", "json", "dynamodb"], env


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_partiql_with_the_cli(request, fogbank_endpoint: str, version: str) -> None:
    binary = VENV_BIN / "aws" if version == "v1" else request.getfixturevalue("cli_v2")
    aws, env = _cli(fogbank_endpoint, binary)
    table = f"cli-{version}"
    run_json([*aws, "create-table", "--table-name", table, "--billing-mode", "PAY_PER_REQUEST",
              "--attribute-definitions", "AttributeName=id,AttributeType=S",
              "--key-schema", "AttributeName=id,KeyType=HASH"], env)  # fmt: skip
    inserted = run_json(
        [*aws, "execute-statement", "--statement", f"INSERT INTO \"{table}\" VALUE {{'id': ?, 'price': 3}}",
         "--parameters", json.dumps([{"S": "apple"}])], env
    )  # fmt: skip
    assert inserted == {"Items": []}
    batch = run_json(
        [*aws, "batch-execute-statement", "--statements", json.dumps([
            {"Statement": f"INSERT INTO \"{table}\" VALUE {{'id': 'pear', 'price': 5}}"},
            {"Statement": f"INSERT INTO \"{table}\" VALUE {{'id': 'apple'}}"},
        ])], env
    )  # fmt: skip
    assert batch["Responses"][0] == {"TableName": table}
    assert batch["Responses"][1]["Error"]["Code"] == "DuplicateItem"
    run_json(
        [*aws, "execute-transaction", "--transact-statements", json.dumps([
            {"Statement": f"UPDATE \"{table}\" SET price = price + 1 WHERE id = 'apple'"},
            {"Statement": f"DELETE FROM \"{table}\" WHERE id = 'pear'"},
        ])], env
    )  # fmt: skip
    selected = run_json([*aws, "execute-statement", "--statement", f'SELECT id, price FROM "{table}"'], env)
    assert selected["Items"] == [{"id": {"S": "apple"}, "price": {"N": "4"}}]
    failed = run([*aws, "execute-statement", "--statement", f'SELECT * FROM "{table}" WHERE'], env)
    assert failed.returncode != 0
    # (CLI v2 adds "(reached max retries: 0)" after the operation's name.)
    assert "(ValidationException) when calling the ExecuteStatement operation" in failed.stderr, failed.stderr
    assert "Statement wasn't well formed, can't be processed: Unexpected term" in failed.stderr, failed.stderr
