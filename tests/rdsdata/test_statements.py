"""The RDS Data API through boto3 against a real PostgreSQL and a real MariaDB instance: ExecuteStatement with
named parameters and type hints, results as records, column metadata and formatRecordsAs JSON,
BatchExecuteStatement (all-or-nothing), Begin/Commit/RollbackTransaction, and the errors AWS answers with."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.rds.conftest import PASSWORD, make_instance, rds  # noqa: F401  (fixtures)

ENGINES = {
    # engine: (master user, column types for id / text / number / decimal / timestamp / blob / bool)
    "postgres": ("postgres", "serial PRIMARY KEY", "text", "bigint", "numeric(10,2)", "timestamp", "bytea", "boolean"),
    "mariadb": (
        "admin",
        "int AUTO_INCREMENT PRIMARY KEY",
        "text",
        "bigint",
        "decimal(10,2)",
        "datetime",
        "blob",
        "boolean",
    ),
}


@pytest.fixture(params=sorted(ENGINES))
def database(request: pytest.FixtureRequest, client: Callable[..., Any], make_instance: Any) -> dict[str, Any]:  # noqa: F811
    """A running instance of the engine, a secret holding its master login, and a table ``t``."""
    engine = request.param
    user, key, text, number, exact, when, blob, flag = ENGINES[engine]
    instance = make_instance(f"data-{engine}", engine=engine, DBName="app")
    secret = client("secretsmanager").create_secret(
        Name=f"{engine}-login", SecretString=json.dumps({"username": user, "password": PASSWORD})
    )
    data = client("rds-data")
    target = {"resourceArn": instance["DBInstanceArn"], "secretArn": secret["ARN"], "database": "app"}
    data.execute_statement(
        **target,
        sql=f"CREATE TABLE t (id {key}, name {text}, n {number}, price {exact}, at {when}, raw {blob}, ok {flag})",
    )
    return {"engine": engine, "data": data, "target": target}


def run(database: dict[str, Any], sql: str, **params: Any) -> dict[str, Any]:
    return database["data"].execute_statement(**database["target"], sql=sql, **params)


def error_of(call: Callable[..., Any], **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


ROW = [
    {"name": "name", "value": {"stringValue": "widget"}},
    {"name": "n", "value": {"longValue": 42}},
    {"name": "price", "value": {"stringValue": "19.90"}, "typeHint": "DECIMAL"},
    {"name": "at", "value": {"stringValue": "2026-01-02 03:04:05"}, "typeHint": "TIMESTAMP"},
    {"name": "raw", "value": {"blobValue": b"\x00\x01\xff"}},
    {"name": "ok", "value": {"booleanValue": True}},
]
INSERT = "INSERT INTO t (name, n, price, at, raw, ok) VALUES (:name, :n, :price, :at, :raw, :ok)"


def test_parameters_types_records_and_json(database: dict[str, Any]) -> None:
    inserted = run(database, INSERT, parameters=ROW)
    assert inserted["numberOfRecordsUpdated"] == 1
    run(database, INSERT, parameters=[{"name": "name", "value": {"isNull": True}}, *ROW[1:]])
    result = run(database, "SELECT name, n, price, at, raw FROM t ORDER BY id", includeResultMetadata=True)
    first, second = result["records"]
    assert first[0] == {"stringValue": "widget"} and second[0] == {"isNull": True}
    assert first[1] == {"longValue": 42}
    assert first[2] == {"stringValue": "19.90"}
    assert first[3] == {"stringValue": "2026-01-02 03:04:05"}
    assert first[4] == {"blobValue": b"\x00\x01\xff"}
    assert [c["name"] for c in result["columnMetadata"]] == ["name", "n", "price", "at", "raw"]
    assert result["columnMetadata"][1]["type"] == -5  # java.sql.Types.BIGINT
    assert result["numberOfRecordsUpdated"] == 0
    as_json = run(database, "SELECT name, n FROM t ORDER BY id", formatRecordsAs="JSON")
    assert "records" not in as_json
    assert json.loads(as_json["formattedRecords"]) == [{"name": "widget", "n": 42}, {"name": None, "n": 42}]
    selected = run(database, "SELECT n FROM t WHERE name = :name", parameters=ROW[:1])
    assert selected["records"] == [[{"longValue": 42}]]


def test_batch_is_all_or_nothing(database: dict[str, Any]) -> None:
    data, target = database["data"], database["target"]
    sets = [[{"name": "name", "value": {"stringValue": f"b{i}"}}] for i in range(3)]
    batch = data.batch_execute_statement(**target, sql="INSERT INTO t (name) VALUES (:name)", parameterSets=sets)
    assert len(batch["updateResults"]) == 3
    assert run(database, "SELECT count(*) FROM t")["records"] == [[{"longValue": 3}]]
    bad = [*sets, [{"name": "name", "value": {"stringValue": "x"}}, {"name": "id", "value": {"longValue": 1}}]]
    with pytest.raises(ClientError):  # the last set repeats id 1: nothing of the batch stays
        data.batch_execute_statement(**target, sql="INSERT INTO t (id, name) VALUES (:id, :name)", parameterSets=bad)
    assert run(database, "SELECT count(*) FROM t")["records"] == [[{"longValue": 3}]]


def test_transactions_commit_and_roll_back(database: dict[str, Any]) -> None:
    data, target = database["data"], database["target"]
    begun = data.begin_transaction(resourceArn=target["resourceArn"], secretArn=target["secretArn"], database="app")
    tx = begun["transactionId"]
    run(database, "INSERT INTO t (name) VALUES ('kept')", transactionId=tx)
    # Not visible outside the transaction until it commits.
    assert run(database, "SELECT count(*) FROM t")["records"] == [[{"longValue": 0}]]
    committed = data.commit_transaction(
        resourceArn=target["resourceArn"], secretArn=target["secretArn"], transactionId=tx
    )
    assert committed["transactionStatus"] == "Transaction Committed"
    tx = data.begin_transaction(resourceArn=target["resourceArn"], secretArn=target["secretArn"], database="app")[
        "transactionId"
    ]
    run(database, "INSERT INTO t (name) VALUES ('dropped')", transactionId=tx)
    rolled = data.rollback_transaction(
        resourceArn=target["resourceArn"], secretArn=target["secretArn"], transactionId=tx
    )
    assert rolled["transactionStatus"] == "Rollback Complete"
    names = run(database, "SELECT name FROM t", formatRecordsAs="JSON")["formattedRecords"]
    assert json.loads(names) == [{"name": "kept"}]
    assert error_of(
        data.commit_transaction, resourceArn=target["resourceArn"], secretArn=target["secretArn"], transactionId=tx
    ) == ("TransactionNotFoundException", f"Transaction {tx} is not found")


def test_errors(database: dict[str, Any], client: Callable[..., Any]) -> None:
    data, target = database["data"], database["target"]
    assert error_of(data.execute_statement, **target, sql="   ") == (
        "BadRequestException",
        "SQL statement cannot be empty",
    )
    code, message = error_of(data.execute_statement, **target, sql="SELECT * FROM missing_table")
    assert code == "BadRequestException" and "missing_table" in message
    one = [{"name": "other", "value": {"longValue": 1}}]
    assert error_of(data.execute_statement, **target, sql="SELECT :other, :nothing", parameters=one) == (
        "BadRequestException",
        "No value specified for parameter: nothing",
    )
    wrong = target["resourceArn"].replace(":db:data-", ":db:nosuch-")
    assert error_of(data.execute_statement, **{**target, "resourceArn": wrong}, sql="SELECT 1") == (
        "BadRequestException",
        f"ERROR: invalid cluster id: {wrong}",
    )
    unknown = target["secretArn"] + "x"
    code, message = error_of(data.execute_statement, **{**target, "secretArn": unknown}, sql="SELECT 1")
    assert code == "SecretsErrorException" and message.startswith(f"Error fetching secret {unknown}")
    bad_login = client("secretsmanager").create_secret(Name="not-json", SecretString="plain")["ARN"]
    assert error_of(data.execute_statement, **{**target, "secretArn": bad_login}, sql="SELECT 1") == (
        "InvalidSecretException",
        'The secret must be a JSON object with the keys "username" and "password".',
    )
    assert error_of(data.execute_statement, **target, sql="SELECT 1", transactionId="nosuchtransaction") == (
        "TransactionNotFoundException",
        "Transaction nosuchtransaction is not found",
    )
