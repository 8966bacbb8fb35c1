"""The RDS Data API on a real PostgreSQL instance, through boto3: results with metadata,
parameters, JSON records, batches, transactions, and the engine's errors in AWS's envelope."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from fogbank.server import free_port


def test_data_api_on_postgres(client) -> None:  # type: ignore[no-untyped-def]
    rds, sm, data = client("rds"), client("secretsmanager"), client("rds-data")
    arn = rds.create_db_instance(
        DBInstanceIdentifier="api",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="master",
        MasterUserPassword="Secret-123",
        AllocatedStorage=20,
        DBName="shop",
        Port=free_port(),
    )["DBInstance"]["DBInstanceArn"]
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier="api", WaiterConfig={"Delay": 1})
    secret = sm.create_secret(Name="api", SecretString=json.dumps({"username": "master", "password": "Secret-123"}))
    target = {"resourceArn": arn, "secretArn": secret["ARN"], "database": "shop"}

    data.execute_statement(**target, sql="CREATE TABLE items (id serial PRIMARY KEY, name text, price numeric(6,2))")
    inserted = data.execute_statement(
        **target,
        sql="INSERT INTO items (name, price) VALUES (:name, :price)",
        parameters=[
            {"name": "name", "value": {"stringValue": "50% off: tea"}},
            {"name": "price", "value": {"stringValue": "2.50"}, "typeHint": "DECIMAL"},
        ],
    )
    assert inserted["numberOfRecordsUpdated"] == 1
    batch = data.batch_execute_statement(
        **target,
        sql="INSERT INTO items (name) VALUES (:name)",
        parameterSets=[[{"name": "name", "value": {"stringValue": n}}] for n in ("a", "b")],
    )
    assert len(batch["updateResults"]) == 2

    result = data.execute_statement(
        **target, sql="SELECT id, name, price FROM items ORDER BY id", includeResultMetadata=True
    )
    assert result["records"][0] == [{"longValue": 1}, {"stringValue": "50% off: tea"}, {"stringValue": "2.50"}]
    assert result["records"][1][2] == {"isNull": True}
    assert [(c["name"], c["typeName"]) for c in result["columnMetadata"]] == [
        ("id", "int4"),
        ("name", "text"),
        ("price", "numeric"),
    ]
    formatted = data.execute_statement(**target, sql="SELECT name FROM items WHERE id = 3", formatRecordsAs="JSON")
    assert json.loads(formatted["formattedRecords"]) == [{"name": "b"}]

    transaction = data.begin_transaction(**target)["transactionId"]
    data.execute_statement(**target, sql="DELETE FROM items", transactionId=transaction)
    rolled = data.rollback_transaction(resourceArn=arn, secretArn=secret["ARN"], transactionId=transaction)
    assert rolled["transactionStatus"] == "Rollback Complete"
    assert data.execute_statement(**target, sql="SELECT count(*) FROM items")["records"] == [[{"longValue": 3}]]

    errors = [
        (
            lambda: data.execute_statement(**target, sql="SELEC 1"),
            "BadRequestException",
            'syntax error at or near "SELEC"',
        ),
        (
            lambda: data.execute_statement(**{**target, "resourceArn": arn + "x"}, sql="SELECT 1"),
            "BadRequestException",
            "invalid cluster id",
        ),
        (
            lambda: data.execute_statement(**{**target, "secretArn": secret["ARN"] + "x"}, sql="SELECT 1"),
            "SecretsErrorException",
            "can't find the specified secret",
        ),
        (
            lambda: data.commit_transaction(resourceArn=arn, secretArn=secret["ARN"], transactionId="nope"),
            "TransactionNotFoundException",
            "nope",
        ),
    ]
    for call, code, text in errors:
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["Error"]["Code"] == code
        assert text in raised.value.response["Error"]["Message"]
