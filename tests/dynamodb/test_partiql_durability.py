"""PartiQL writes acknowledged by ``fogbank up`` (its worker processes answer PartiQL) survive kill -9, and a
transaction's ClientRequestToken is still honoured after the restart."""

from __future__ import annotations

import signal

from tests.dynamodb.test_durability import dynamodb
from tests.platform.fogproc import start


def test_partiql_writes_survive_kill_9(tmp_path) -> None:
    data = tmp_path / "data"
    transaction = [{"Statement": "UPDATE durable SET n = n + 1 WHERE pk = 'counter'"}]
    running = start(tmp_path / "one.log", "--data-dir", str(data))
    try:
        ddb = dynamodb(running.endpoint)
        ddb.create_table(
            TableName="durable",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for i in range(50):
            ddb.execute_statement(Statement="INSERT INTO durable VALUE {'pk': ?, 'n': 0}", Parameters=[{"S": f"k{i}"}])
        ddb.execute_statement(Statement="INSERT INTO durable VALUE {'pk': 'counter', 'n': 0}")
        ddb.batch_execute_statement(
            Statements=[{"Statement": f"UPDATE durable SET n = {i} WHERE pk = 'k{i}'"} for i in range(1, 11)]
        )
        ddb.execute_statement(Statement="DELETE FROM durable WHERE pk = 'k0'")
        ddb.execute_transaction(TransactStatements=transaction, ClientRequestToken="once")
    finally:
        running.stop(signal.SIGKILL)
    running = start(tmp_path / "two.log", "--data-dir", str(data))
    try:
        ddb = dynamodb(running.endpoint)
        ddb.execute_transaction(TransactStatements=transaction, ClientRequestToken="once")  # a replay: not run again
        items = {
            item["pk"]["S"]: item["n"]["N"]
            for item in ddb.execute_statement(Statement="SELECT * FROM durable")["Items"]
        }
        assert len(items) == 50 and "k0" not in items
        assert items["k7"] == "7" and items["k30"] == "0" and items["counter"] == "1"
    finally:
        running.stop(signal.SIGTERM)
