"""PartiQL's grammar and its errors through boto3: the texts AWS answers for statements it cannot read
(recorded from AWS in eu-west-2, October 2026, by a public conformance suite), then a fuzz of broken
statements that must each get a 400, never a 500."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.dynamodb.conftest import error_of

WELL = "Statement wasn't well formed, can't be processed: "
LEFTOVER = WELL + "Unexpected token after expression"


@pytest.fixture
def numbers(ddb: Any) -> str:
    ddb.create_table(
        TableName="nums",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return "nums"


@pytest.mark.parametrize(
    "text,message",
    [
        ('SELECT * FROM "nums" WHERE pk = 1 foo', LEFTOVER),
        ('SELECT * FROM "nums" WHERE pk = 1 e5', LEFTOVER),
        ("INSERT INTO \"nums\" VALUE {'pk': 970001} foo", LEFTOVER),
        ('UPDATE "nums" SET a = 9 WHERE pk = 970002 foo', LEFTOVER),
        ('DELETE FROM "nums" WHERE pk = 970003 foo', LEFTOVER),
        ('SELECT * FROM "nums" WHERE pk = 1)', LEFTOVER),
        ('DELETE FROM "nums" WHERE pk = 970004 ORDER BY pk', LEFTOVER),
        ('SELECT * FROM "nums" ORDER BY pk WHERE pk = 1', LEFTOVER),
        ('SELECT * FROM "nums" WHERE pk = 1 /* note', WELL),
        ('SELECT * FROM "nums" t WHERE pk = 1', "Aliasing is not supported"),
        ('SELECT * FROM "nums" AS t WHERE pk = 1', "Aliasing is not supported"),
        ('UPDATE "nums" t SET a = 3 WHERE pk = 1', "Aliasing is not supported"),
        ('DELETE FROM "nums" t WHERE pk = 1', "Aliasing is not supported"),
        ("INSERT INTO \"nums\" t VALUE {'pk': 1}", LEFTOVER),
        ('SELECT * FROM "nums" WHERE pk = 1e126', "Number overflow. Attempting to store a number with magnitude larger than supported range under root"),
        ('SELECT * FROM "nums" WHERE pk = 1e-131', "Number underflow. Attempting to store a number with magnitude smaller than supported range under root"),
        ('SELECT * FROM "nums" WHERE pk = 123456789012345678901234567890123456789', "Attempting to store more than 38 significant digits in a Number under root"),
        ("UPDATE \"nums\" SET a = 1e-131 WHERE pk = 970005", "Number underflow. Attempting to store a number with magnitude smaller than supported range under root"),
        ('SELECT * FROM "nums" WHERE', WELL + "Unexpected term"),
        ('SELECT * FROM "nums" WHERE;', WELL + "Unexpected term"),
        ('SELECT * FROM "nums" WHERE   ', WELL + "Unexpected term"),
        ('UPDATE "nums" SET a = 1 WHERE', WELL + "Unexpected term"),
        ('DELETE FROM "nums" WHERE', WELL + "Unexpected term"),
        ('SELECT * FROM "nums" WHERE NOT', WELL + "Unexpected term"),
        ('SELECT * FROM "nums" WHERE (', WELL + "Unexpected term"),
        ('SELECT * FROM "never-created" WHERE', WELL + "Unexpected term"),
        ("SELECT * FROM \"nums\" WHERE pk = 1 AND", WELL + "Missing right-hand side expression of infix operator"),
        ("SELECT * FROM \"nums\" WHERE pk = 1 OR", WELL + "Missing right-hand side expression of infix operator"),
        ('SELECT * FROM "nums" WHERE ORDER BY pk', WELL + "Unexpected keyword"),
        ("SELECT * FROM \"nums\" WHERE pk = 1 AND x IS FOO", WELL + "Expected type name"),
        ('SELECT * FROM "nums" WHERE IS NULL', WELL + "Unexpected operator"),
        ('SELECT * FROM "nums" WHERE pk = LIKE', WELL + "Unexpected operator"),
        ("DELETE FROM", WELL + "Expected identifier for simple path"),
        ("DELETE FROM;", WELL + "Expected identifier for simple path"),
        ("DELETE FROM WHERE pk = 1", WELL + "Expected identifier for simple path"),
        ("SELECT * FROM", WELL + "Unexpected term"),
        ('SELECT * FROM "nums" WHERE pad = 1', WELL + "Unexpected keyword"),
        ("SELECT * FROM nums LIMIT 1", "Unsupported clause: LIMIT"),
        ("SELECT * FROM nums GROUP BY pk", "Unsupported clause: GROUP BY"),
        ("SELECT DISTINCT pk FROM nums", "Unsupported token in expression: DISTINCT"),
        ("SELECT *, pk FROM nums", "Other attributes should not be present in the projection when '*' is used."),
        ("SELECT pk AS k FROM nums", "Aliasing is not supported"),
        ("SELECT * FROM nums WHERE pk = MISSING", "MISSING must be compared using IS operator"),
        ("SELECT * FROM nums WHERE nope(pk)", "Unrecognized function: nope"),
        ("SELECT * FROM nums WHERE pk = 1 AND EXISTS(SELECT * FROM nums WHERE pk = 1)", "EXISTS can only be used in ExecuteTransaction write requests."),
        ("EXISTS(SELECT * FROM nums WHERE pk = 1)", "EXISTS can only be used in ExecuteTransaction write requests."),
        ("UPSERT INTO nums VALUE {'pk': 1}", "Unsupported operation: UPSERT"),
        ("SELECT * FROM nums WHERE a IN []", "IN operator must have a left hand argument of type Variable Reference and right hand argument of type Seq with at least one member"),
        ("SELECT * FROM nums.i.j", "A path may contain at most 2 components in the FROM clause"),
        ("SELECT * FROM nums WHERE a[*].b = 1", "Wildcard path component like a[*].b are not supported"),
        ("SELECT * FROM nums WHERE a = 1 SELECT * FROM nums", LEFTOVER),
        ("SELECT * FROM nums WHERE pk = 'x'", "Key attribute's data type should match its data type in table's schema: Key pk"),
        ("SELECT * FROM nums WHERE x IS DATE", "Unsupported data type for IS operator: DATE. Supported data types are [MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]"),
    ],
)  # fmt: skip
def test_statement_errors(ddb: Any, numbers: str, text: str, message: str) -> None:
    assert error_of(ddb.execute_statement, Statement=text) == ("ValidationException", message)


def test_what_the_grammar_accepts(ddb: Any, numbers: str) -> None:
    ddb.execute_statement(Statement="insert into nums value {'pk': 1, 'a': 'x''y', 'q': 2} ;")
    for text in (
        "select * from nums where pk = 1 -- a comment",
        '/* lead */ SELECT "pk", a FROM "nums" WHERE "pk" = 1;',
        "SELECT * FROM nums WHERE pk IN [1, 2] AND a = 'x''y'",
        "SELECT * FROM nums WHERE a IS STRING AND q IS NUMERIC AND z IS NOT BOOLEAN",
        "SELECT * FROM nums WHERE NOT NOT pk = 1",
        "SELECT * FROM nums WHERE (pk = 1) AND (a = 'x''y' OR a = 'z')",
        "SELECT * FROM nums WHERE pk = -(-1)",
    ):
        items = ddb.execute_statement(Statement=text)["Items"]
        assert [item["pk"] for item in items] == [{"N": "1"}], text


def test_parameter_counts(ddb: Any, numbers: str) -> None:
    assert error_of(ddb.execute_statement, Statement="SELECT * FROM nums WHERE pk = ? AND a = ?", Parameters=[{"N": "1"}]) == (
        "ValidationException",
        "Number of parameters in request and statement don't match.",
    )  # fmt: skip
    # A ? inside a string is text, and extra parameters are ignored (recorded from DynamoDB Local).
    answer = ddb.execute_statement(Statement="SELECT * FROM nums WHERE a = '?'", Parameters=[{"N": "1"}])
    assert answer["Items"] == []


FRAGMENTS = [
    "SELECT", "*", "FROM", "nums", '"nums"', "WHERE", "pk", "=", "1", "'x'", "?", "AND", "OR", "NOT", "(", ")",
    "[", "]", "{", "}", "<<", ">>", ",", ".", ":", "IN", "IS", "MISSING", "NULL", "BETWEEN", "INSERT", "INTO",
    "VALUE", "UPDATE", "SET", "REMOVE", "DELETE", "RETURNING", "ALL", "OLD", "NEW", "ORDER", "BY", "DESC",
    "EXISTS", "size(", "begins_with(", "set_add(", "list_append(", "1e999", "-", "+", "'", '"', "/*", "--", ";",
    "\u00e9", "\x00", "<>", "!=", "||", "a.b[0]", "[99999999999999999999]", "TRUE",
]  # fmt: skip


def test_broken_statements_never_fail_the_server(ddb: Any, numbers: str) -> None:
    """Random token soups and cut or spliced valid statements: each a 400 or a success, never a 500."""
    rng = random.Random(20261204)
    valid = [
        "SELECT a, b.c[1] FROM nums WHERE pk = ? AND a BETWEEN 1 AND 3",
        "INSERT INTO nums VALUE {'pk': ?, 'm': {'l': [1, <<'a'>>]}}",
        "UPDATE nums SET a = a + 1, s = set_add(s, <<1>>) REMOVE b WHERE pk = ? RETURNING ALL NEW *",
        "DELETE FROM nums WHERE pk = ? AND attribute_exists(a)",
    ]
    statements = [" ".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 12))) for _ in range(250)]
    for text in valid:
        for _ in range(40):
            cut = rng.randint(0, len(text))
            statements.append(text[:cut] + rng.choice(FRAGMENTS) + text[cut + rng.randint(0, 5) :])
    statements.append("SELECT * FROM nums WHERE " + "(" * 5000 + "pk = 1" + ")" * 5000)
    statements.append("SELECT * FROM nums WHERE " + "NOT " * 3000 + "pk = 1")
    statements.append("INSERT INTO nums VALUE {'pk': 7, 'l': " + "[" * 4000 + "]" * 4000 + "}")
    for text in statements:
        try:
            ddb.execute_statement(Statement=text[:8192] or "x", Parameters=[{"N": "5"}])
        except ddb.exceptions.ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            assert status == 400, (text, error.response["Error"])
    assert ddb.execute_statement(Statement="SELECT * FROM nums WHERE pk = 1")["Items"] == []
