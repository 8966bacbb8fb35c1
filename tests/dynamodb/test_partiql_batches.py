"""BatchExecuteStatement and ExecuteTransaction through boto3."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.dynamodb.conftest import error_of


def statement(text: str, *parameters: Any, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"Statement": text, **extra}
    if parameters:
        entry["Parameters"] = list(parameters)
    return entry


def item(ddb: Any, pk: str) -> dict[str, Any] | None:
    return ddb.get_item(TableName="hashonly", Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")


def cancellation(call: Any, **kwargs: Any) -> list[dict[str, Any]]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    return error["CancellationReasons"]


# -- BatchExecuteStatement --------------------------------------------------------------------------


def test_batch_writes_each_statement_on_its_own(ddb: Any, hash_table: str) -> None:
    ddb.put_item(TableName="hashonly", Item={"pk": {"S": "old"}, "n": {"N": "1"}})
    answer = ddb.batch_execute_statement(
        Statements=[
            statement("INSERT INTO hashonly VALUE {'pk': ?, 'n': 1}", {"S": "a"}),
            statement("INSERT INTO hashonly VALUE {'pk': 'old'}"),
            statement("SLECT nothing"),
            statement("UPDATE hashonly SET n = n + 1 WHERE pk = 'old' AND n = 5", ReturnValuesOnConditionCheckFailure="ALL_OLD"),
            statement("UPDATE hashonly SET n = n + 1 WHERE pk = 'old'"),
            statement("DELETE FROM nowhere WHERE pk = 'x'"),
            statement("DELETE FROM hashonly WHERE pk = 'a' AND n = 1"),
            statement("EXISTS(SELECT * FROM hashonly WHERE pk = 'old')"),
        ]
    )["Responses"]  # fmt: skip
    assert answer == [
        {"TableName": "hashonly"},
        {"TableName": "hashonly", "Error": {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}},
        {"Error": {"Code": "ValidationError", "Message": "Statement wasn't well formed, can't be processed: Expected data manipulation"}},
        {
            "TableName": "hashonly",
            "Error": {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed", "Item": {"pk": {"S": "old"}, "n": {"N": "1"}}},
        },
        {"TableName": "hashonly"},
        {"TableName": "nowhere", "Error": {"Code": "ResourceNotFound", "Message": "Requested resource not found"}},
        {"TableName": "hashonly"},
        {"TableName": "hashonly", "Error": {"Code": "ValidationError", "Message": "EXISTS can only be used in ExecuteTransaction write requests."}},
    ]  # fmt: skip
    assert item(ddb, "old") == {"pk": {"S": "old"}, "n": {"N": "2"}}
    assert item(ddb, "a") is None


def test_batch_reads_by_whole_key(ddb: Any, hash_table: str) -> None:
    ddb.put_item(TableName="hashonly", Item={"pk": {"S": "a"}, "n": {"N": "1"}, "m": {"M": {"x": {"S": "y"}}}})
    answer = ddb.batch_execute_statement(
        Statements=[
            statement("SELECT n, m.x FROM hashonly WHERE pk = 'a'", ConsistentRead=True),
            statement("SELECT * FROM hashonly WHERE pk = ?", {"S": "none"}),
            statement("SELECT * FROM hashonly WHERE n = 1"),
            statement("SELECT * FROM hashonly WHERE pk = 'a' AND n = 1"),
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    assert answer["Responses"] == [
        {"TableName": "hashonly", "Item": {"n": {"N": "1"}, "x": {"S": "y"}}},
        {"TableName": "hashonly"},
        {"TableName": "hashonly", "Error": {"Code": "ValidationError", "Message": "Only single item select is supported"}},
        {"TableName": "hashonly", "Error": {"Code": "ValidationError", "Message": "Only single item select is supported"}},
    ]  # fmt: skip
    assert answer["ConsumedCapacity"] == [{"TableName": "hashonly", "CapacityUnits": 1.5}]


def test_batch_of_reads_and_writes_is_refused(ddb: Any, hash_table: str) -> None:
    statements = [statement("SELECT * FROM hashonly WHERE pk = 'a'"), statement("DELETE FROM hashonly WHERE pk = 'a'")]
    code, message = error_of(ddb.batch_execute_statement, Statements=statements)
    assert (code, message) == (
        "ValidationException",
        "BatchExecuteStatement API does not support both read and write operations in the same request.",
    )


def test_batch_limits(ddb: Any, hash_table: str) -> None:
    statements = [statement("SELECT * FROM hashonly WHERE pk = ?", {"S": str(i)}) for i in range(26)]
    code, message = error_of(ddb.batch_execute_statement, Statements=statements)
    assert code == "ValidationException" and "Member must have length less than or equal to 25" in message


# -- ExecuteTransaction -----------------------------------------------------------------------------


def test_transaction_writes_all_or_nothing(ddb: Any, hash_table: str) -> None:
    ddb.put_item(TableName="hashonly", Item={"pk": {"S": "acct"}, "balance": {"N": "10"}})
    ddb.put_item(TableName="hashonly", Item={"pk": {"S": "switch"}, "on": {"BOOL": True}})
    ok = ddb.execute_transaction(
        TransactStatements=[
            statement("UPDATE hashonly SET balance = balance - 4 WHERE pk = 'acct' AND balance >= 4"),
            statement("INSERT INTO hashonly VALUE {'pk': 'log1', 'amount': 4}"),
            statement("EXISTS(SELECT * FROM hashonly WHERE pk = 'switch' AND \"on\" = TRUE)"),
        ]
    )
    assert "Responses" not in ok
    assert item(ddb, "acct")["balance"] == {"N": "6"}
    reasons = cancellation(
        ddb.execute_transaction,
        TransactStatements=[
            statement("UPDATE hashonly SET balance = balance - 4 WHERE pk = 'acct'"),
            statement("INSERT INTO hashonly VALUE {'pk': 'log1', 'amount': 4}"),
            statement("EXISTS(SELECT * FROM hashonly WHERE pk = 'switch' AND \"on\" = FALSE)", ReturnValuesOnConditionCheckFailure="ALL_OLD"),
            statement("UPDATE hashonly SET x = 1 WHERE pk = 'nobody'"),
        ],
    )  # fmt: skip
    assert reasons == [
        {"Code": "None"},
        {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed", "Item": {"pk": {"S": "switch"}, "on": {"BOOL": True}}},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
    ]  # fmt: skip
    assert item(ddb, "acct")["balance"] == {"N": "6"}  # the first update did not happen


def test_transaction_reads(ddb: Any, hash_table: str) -> None:
    ddb.put_item(TableName="hashonly", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    answer = ddb.execute_transaction(
        TransactStatements=[statement("SELECT n FROM hashonly WHERE pk = 'a'"), statement("SELECT * FROM hashonly WHERE pk = 'b'")]
    )  # fmt: skip
    assert answer["Responses"] == [{"Item": {"n": {"N": "1"}}}, {}]


@pytest.mark.parametrize(
    "statements,message",
    [
        (["SELECT * FROM hashonly WHERE pk = 'a'", "DELETE FROM hashonly WHERE pk = 'a'"], "ExecuteTransaction API does not support both read and write operations in the same request."),
        (["DELETE FROM hashonly WHERE pk = 'a' RETURNING ALL OLD *"], "Validation failed in TransactStatements[0]: RETURNING clause is not supported in ExecuteTransaction."),
        (["DELETE FROM hashonly WHERE pk = 'b'", "SELECT * FROM hashonly WHERE"], "Validation failed in TransactStatements[1]: Statement wasn't well formed, can't be processed: Unexpected term"),
        (["SELECT * FROM hashonly WHERE n = 1"], "Validation failed in TransactStatements[0]: Select statements within ExecuteTransaction must specify the primary key in the where clause."),
        (["EXISTS(SELECT * FROM hashonly WHERE n = 1)"], "Validation failed in TransactStatements[0]: EXISTS() must contain a single item read with additional condition"),
        (["DELETE FROM hashonly WHERE pk = 'a'", "UPDATE hashonly SET n = 1 WHERE pk = 'a'"], "Transaction request cannot include multiple operations on one item"),
    ],
)  # fmt: skip
def test_transaction_errors(ddb: Any, hash_table: str, statements: list[str], message: str) -> None:
    code, text = error_of(ddb.execute_transaction, TransactStatements=[statement(s) for s in statements])
    assert (code, text) == ("ValidationException", message)


def test_transaction_with_a_bad_key_names_the_statement(ddb: Any, hash_table: str) -> None:
    reasons = cancellation(
        ddb.execute_transaction,
        TransactStatements=[statement("DELETE FROM hashonly WHERE pk = 'a'"), statement("INSERT INTO hashonly VALUE {'x': 1}")],
    )  # fmt: skip
    assert reasons == [{"Code": "None"}, {"Code": "ValidationError", "Message": "Key attribute should be present in the item: Key pk"}]  # fmt: skip


def test_client_request_token_runs_a_transaction_once(ddb: Any, hash_table: str) -> None:
    ddb.put_item(TableName="hashonly", Item={"pk": {"S": "c"}, "n": {"N": "0"}})
    once = [statement("UPDATE hashonly SET n = n + 1 WHERE pk = 'c'")]
    for _ in range(3):
        ddb.execute_transaction(TransactStatements=once, ClientRequestToken="token-1")
    assert item(ddb, "c")["n"] == {"N": "1"}
    other = [statement("UPDATE hashonly SET n = n + 2 WHERE pk = 'c'")]
    assert error_of(ddb.execute_transaction, TransactStatements=other, ClientRequestToken="token-1") == (
        "IdempotentParameterMismatchException",
        "The request uses the same client token as a previous, but non-identical request.",
    )


def test_a_transaction_on_a_missing_table(ddb: Any, hash_table: str) -> None:
    assert error_of(ddb.execute_transaction, TransactStatements=[statement("DELETE FROM nowhere WHERE pk = 'a'")]) == (
        "ResourceNotFoundException",
        "Requested resource not found",
    )
