"""PartiQL INSERT, UPDATE and DELETE through boto3: one item by its whole key, the rest of the WHERE as the
write's condition, RETURNING, and the errors AWS answers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import error_of


def execute(ddb: Any, statement: str, *parameters: Any, **extra: Any) -> dict[str, Any]:
    if parameters:
        extra["Parameters"] = list(parameters)
    answer = ddb.execute_statement(Statement=statement, **extra)
    answer.pop("ResponseMetadata")
    return answer


def get(ddb: Any, pk: str, sk: str = "1") -> dict[str, Any] | None:
    return ddb.get_item(TableName="things", Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True).get("Item")


def test_insert_writes_the_item_and_refuses_an_existing_key(ddb: Any, table: str) -> None:
    answer = execute(ddb, "INSERT INTO things VALUE {'pk': 'a', 'sk': '1', 'n': 1.50, 'l': [1, 'x'], 's': <<2, 1>>}")
    assert answer == {"Items": []}
    assert get(ddb, "a") == {
        "pk": {"S": "a"},
        "sk": {"S": "1"},
        "n": {"N": "1.5"},
        "l": {"L": [{"N": "1"}, {"S": "x"}]},
        "s": {"NS": ["2", "1"]},
    }
    assert error_of(ddb.execute_statement, Statement="INSERT INTO things VALUE {'pk': 'a', 'sk': '1'}") == (
        "DuplicateItemException",
        "Duplicate primary key exists in table",
    )


@pytest.mark.parametrize(
    "statement,message",
    [
        ("INSERT INTO things VALUE {'pk': 'a'}", "Key attribute should be present in the item: Key sk"),
        ("INSERT INTO things VALUE {'pk': 1, 'sk': '1'}", "Key attribute's data type should match its data type in table's schema: Key pk"),
        ("INSERT INTO things VALUE {'pk': 'a', 'sk': '1', 'pk': 'b'}", "Duplicate keys in tuple. Key: pk under root"),
        ("INSERT INTO things VALUE {'pk': 'a', 'sk': '1', 'm': {'x': 1e126}}", "Number overflow. Attempting to store a number with magnitude larger than supported range under root.x"),
        ("INSERT INTO things VALUE {'pk': 'a', 'sk': '1', 'l': [1, 1e-131]}", "Number underflow. Attempting to store a number with magnitude smaller than supported range under root[1]"),
        ("INSERT INTO things VALUE {'pk': 'a', 'sk': '1', 's': <<>>}", "Empty bags are not supported"),
        ("INSERT INTO things VALUE {'pk': 'a', 'sk': '1', 's': <<1, 'a'>>}", "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags"),
        ("INSERT INTO things VALUE {'pk': 'a', 'sk': '1', 's': <<'a', 'a'>>}", "Input collection contains duplicates"),
        ("INSERT INTO things VALUE 'a'", "Unsupported format in item expression. Please use struct format {...} to express item values for insert statement."),
        ("INSERT INTO things VALUES ('a', '1')", 'Unsupported operation: Inserting multiple items in a single statement is not supported, use "INSERT INTO tableName VALUE item" instead'),
        ("INSERT INTO things VALUE {'pk': 'a', 'sk': '1'} RETURNING ALL OLD *", "RETURNING is not supported in INSERT"),
        ("INSERT INTO things VALUE {'pk': '', 'sk': '1'}", "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"),
    ],
)  # fmt: skip
def test_insert_errors(ddb: Any, table: str, statement: str, message: str) -> None:
    assert error_of(ddb.execute_statement, Statement=statement) == ("ValidationException", message)
    assert get(ddb, "a") is None


def test_update_sets_and_removes_on_an_existing_item(ddb: Any, table: str) -> None:
    execute(ddb, "INSERT INTO things VALUE {'pk': 'a', 'sk': '1', 'n': 1, 'l': [1], 's': <<'x'>>, 'gone': 1}")
    answer = execute(
        ddb,
        "UPDATE things SET n = n + 2, l = list_append(l, [2]), s = set_add(s, <<'y'>>), m = {'k': ?} "
        "SET fresh = if_not_exists(fresh, 'f') REMOVE gone WHERE pk = 'a' AND sk = '1' RETURNING ALL NEW *",
        {"S": "v"},
    )
    expected = {
        "pk": {"S": "a"},
        "sk": {"S": "1"},
        "n": {"N": "3"},
        "l": {"L": [{"N": "1"}, {"N": "2"}]},
        "s": {"SS": ["x", "y"]},
        "m": {"M": {"k": {"S": "v"}}},
        "fresh": {"S": "f"},
    }
    assert answer == {"Items": [expected]}
    assert get(ddb, "a") == expected
    answer = execute(
        ddb, "UPDATE things SET s = set_delete(s, <<'x'>>) WHERE pk = 'a' AND sk = '1' RETURNING MODIFIED OLD *"
    )
    assert answer == {"Items": [{"s": {"SS": ["x", "y"]}}]}
    answer = execute(ddb, "UPDATE things SET m.k = 'w' WHERE pk = 'a' AND sk = '1' RETURNING MODIFIED NEW *")
    assert answer == {"Items": [{"m": {"M": {"k": {"S": "w"}}}}]}
    assert execute(ddb, "UPDATE things SET n = 0 WHERE pk = 'a' AND sk = '1'") == {"Items": []}


def test_update_conditions(ddb: Any, table: str) -> None:
    execute(ddb, "INSERT INTO things VALUE {'pk': 'a', 'sk': '1', 'n': 1}")
    failed = "ConditionalCheckFailedException", "The conditional request failed"
    assert error_of(ddb.execute_statement, Statement="UPDATE things SET n = 2 WHERE pk = 'b' AND sk = '1'") == failed
    assert get(ddb, "b") is None  # no item is created
    assert (
        error_of(ddb.execute_statement, Statement="UPDATE things SET n = 2 WHERE pk = 'a' AND sk = '1' AND n > 1")
        == failed
    )
    execute(ddb, "UPDATE things SET n = 2 WHERE pk = 'a' AND sk = '1' AND n = 1")
    assert get(ddb, "a")["n"] == {"N": "2"}
    try:
        ddb.execute_statement(
            Statement="UPDATE things SET n = 3 WHERE pk = 'a' AND sk = '1' AND n = 1",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        raise AssertionError("the update ran")
    except ddb.exceptions.ConditionalCheckFailedException as error:
        assert error.response["Item"] == {"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "2"}}


@pytest.mark.parametrize(
    "statement,message",
    [
        ("UPDATE things SET n = 1 WHERE pk = 'a'", "Where clause does not contain a mandatory equality on all key attributes"),
        ("UPDATE things SET n = 1 WHERE pk = 'a' OR sk = '1'", "Where clause does not contain a mandatory equality on all key attributes"),
        ("UPDATE things SET n = 1", "Where clause does not contain a mandatory equality on all key attributes"),
        ("UPDATE things SET n = 1 WHERE pk = 'a' AND pk = 'b' AND sk = '1'", "Multiple conditions on same key pk. Only single item Update/Insert/Delete are supported"),
        ("UPDATE things SET sk = '2' WHERE pk = 'a' AND sk = '1'", "One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key"),
        ("UPDATE things SET s = set_add(t, <<'x'>>) WHERE pk = 'a' AND sk = '1'", "The first argument to SET_ADD must equal the assignment value"),
        ("UPDATE things SET s = set_add(s, 'x') WHERE pk = 'a' AND sk = '1'", "The second argument to SET_ADD must be a value with type SET"),
        ("UPDATE things SET n = nope(n) WHERE pk = 'a' AND sk = '1'", "Unrecognized function: nope"),
        ("UPDATE things SET n = 1 WHERE pk = 'a' AND sk = '1' RETURNING ALL OLD", "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"),
        ("UPDATE things t SET n = 1 WHERE pk = 'a' AND sk = '1'", "Aliasing is not supported"),
        ("DELETE FROM things WHERE pk = 'a'", "Where clause does not contain a mandatory equality on all key attributes"),
        ("DELETE FROM things WHERE pk = 'a' AND sk = '1' RETURNING ALL NEW *", "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements."),
        ("DELETE FROM things WHERE pk = 'a' AND sk = 1", "Key attribute's data type should match its data type in table's schema: Key sk"),
    ],
)  # fmt: skip
def test_write_statement_errors(ddb: Any, table: str, statement: str, message: str) -> None:
    assert error_of(ddb.execute_statement, Statement=statement) == ("ValidationException", message)


def test_delete(ddb: Any, table: str) -> None:
    execute(ddb, "INSERT INTO things VALUE {'pk': 'a', 'sk': '1', 'n': 1}")
    failed = "ConditionalCheckFailedException", "The conditional request failed"
    assert (
        error_of(ddb.execute_statement, Statement="DELETE FROM things WHERE pk = 'a' AND sk = '1' AND n = 2") == failed
    )
    assert execute(ddb, "DELETE FROM things WHERE pk = 'a' AND sk = '1' RETURNING ALL OLD *") == {
        "Items": [{"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1"}}]
    }
    assert get(ddb, "a") is None
    # Deleting what is not there is no error, whatever else the WHERE says.
    assert execute(ddb, "DELETE FROM things WHERE pk = 'a' AND sk = '1' AND n = 2") == {"Items": []}


def test_writes_keep_indexes_and_capacity(ddb: Any) -> None:
    ddb.create_table(
        TableName="indexed",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}],
        BillingMode="PAY_PER_REQUEST",
    )  # fmt: skip
    answer = execute(ddb, "INSERT INTO indexed VALUE {'pk': 'a', 'g': 'x'}", ReturnConsumedCapacity="INDEXES")
    assert answer["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {"byG": {"CapacityUnits": 1.0}}
    assert error_of(ddb.execute_statement, Statement="INSERT INTO indexed VALUE {'pk': 'b', 'g': 1}")[0] == (
        "ValidationException"
    )
    execute(ddb, "UPDATE indexed SET g = 'y' WHERE pk = 'a'")
    assert ddb.execute_statement(Statement="SELECT pk FROM indexed.byG WHERE g = 'x'")["Items"] == []
    assert ddb.execute_statement(Statement='SELECT pk FROM "indexed"."byG" WHERE g = \'y\'')["Items"] == [
        {"pk": {"S": "a"}}
    ]
    execute(ddb, "DELETE FROM indexed WHERE pk = 'a'")
    assert ddb.execute_statement(Statement="SELECT pk FROM indexed.byG WHERE g = 'y'")["Items"] == []
    assert error_of(ddb.execute_statement, Statement="DELETE FROM missing_table WHERE pk = 'a'") == (
        "ResourceNotFoundException",
        "Requested resource not found",
    )


@pytest.mark.parametrize(
    "change,returning,expected",
    [
        ("REMOVE tags", "MODIFIED NEW", []),
        ("SET fresh = 'n'", "MODIFIED OLD", []),
        ("SET fresh = 'n'", "MODIFIED NEW", [{"fresh": {"S": "n"}}]),
        ("SET tags[2] = 'y'", "MODIFIED NEW", [{"tags": {"L": [{"S": "y"}]}}]),
        ("SET tags[2] = 'y', tags[0] = 'x'", "MODIFIED OLD", [{"tags": {"L": [{"S": "a"}, {"S": "c"}]}}]),
        ("SET tags[5] = 'z'", "MODIFIED NEW", []),
        ("SET tags[3] = 'z'", "MODIFIED NEW", [{"tags": {"L": [{"S": "z"}]}}]),
        ("REMOVE tags[1]", "MODIFIED OLD", [{"tags": {"L": [{"S": "b"}]}}]),
        ("SET m.sub = 'new'", "MODIFIED NEW", [{"m": {"M": {"sub": {"S": "new"}}}}]),
    ],
)
def test_returning_modified(ddb: Any, table: str, change: str, returning: str, expected: list) -> None:
    """RETURNING MODIFIED projects the statement's paths on the old or new item (recorded from AWS in
    eu-west-2 by a public conformance suite): list elements close up, nothing projected is no row."""
    execute(
        ddb, "INSERT INTO things VALUE {'pk': 'a', 'sk': '1', 'tags': ['a', 'b', 'c'], 'm': {'sub': 'old', 'sib': 1}}"
    )
    answer = execute(ddb, f"UPDATE things {change} WHERE pk = 'a' AND sk = '1' RETURNING {returning} *")
    assert answer == {"Items": expected}
