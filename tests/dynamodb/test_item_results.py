"""Results of item operations where a randomized differential run against dynalite disagreed with Fogbank and
the evidence says Fogbank answers as DynamoDB does. They guard those answers against regressions.

Sources: ExtendDB's UpdateItem tests, checked against Amazon DynamoDB (no Attributes member when no updated
attribute has a value to show); the DynamoDB API reference (ConditionalOperator OR: at least one condition
must hold); the developer guide on local secondary index writes (a changed index key costs two index writes).

Provenance of each test's expected answers: its ``provenance`` marker (registered in pyproject.toml)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import make_table

KEY = {"pk": {"S": "k"}, "sk": {"S": "s"}}


# -- ReturnValues UPDATED_OLD / UPDATED_NEW ----------------------------------------------------------


@pytest.mark.provenance("extenddb", "aws-docs")
def test_updated_values_are_left_out_when_no_updated_attribute_has_one(ddb: Any, table: str) -> None:
    ddb.put_item(TableName=table, Item={**KEY, "x": {"S": "old"}})
    cases = [
        ("REMOVE y", "UPDATED_OLD"),  # y was never there
        ("REMOVE x", "UPDATED_NEW"),  # x is gone afterwards
        ("SET z = :v", "UPDATED_OLD"),  # z is new
    ]
    for expression, return_values in cases:
        extra = {"ExpressionAttributeValues": {":v": {"S": "new"}}} if ":v" in expression else {}
        result = ddb.update_item(
            TableName=table, Key=KEY, UpdateExpression=expression, ReturnValues=return_values, **extra
        )
        assert "Attributes" not in result, (expression, return_values)


# -- Conditions --------------------------------------------------------------------------------------


@pytest.mark.provenance("extenddb", "aws-docs")
def test_expected_with_or_passes_when_a_later_condition_holds(ddb: Any, hash_table: str) -> None:
    key = {"pk": {"S": "k"}}
    ddb.put_item(TableName=hash_table, Item={**key, "x": {"S": "a"}})
    ddb.put_item(
        TableName=hash_table,
        Item={**key, "x": {"S": "b"}},
        Expected={
            "x": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "nope"}]},
            "w": {"ComparisonOperator": "NULL"},
        },
        ConditionalOperator="OR",
    )
    assert ddb.get_item(TableName=hash_table, Key=key)["Item"]["x"] == {"S": "b"}


@pytest.mark.provenance("extenddb", "aws-docs")
def test_attribute_type_matches_a_false_boolean(ddb: Any, hash_table: str) -> None:
    key = {"pk": {"S": "k"}}
    ddb.put_item(TableName=hash_table, Item={**key, "f": {"BOOL": False}, "l": {"L": [{"BOOL": False}]}})
    for path in ("f", "l[0]"):
        result = ddb.scan(
            TableName=hash_table,
            FilterExpression=f"attribute_type({path}, :t)",
            ExpressionAttributeValues={":t": {"S": "BOOL"}},
        )
        assert result["Count"] == 1, path


# -- ConsumedCapacity ----------------------------------------------------------------------------------


@pytest.mark.provenance("extenddb", "aws-docs")
def test_changing_a_local_index_key_costs_two_index_writes(ddb: Any) -> None:
    name = make_table(
        ddb,
        "withlsi",
        definitions=[{"AttributeName": "a", "AttributeType": "N"}],
        LocalSecondaryIndexes=[
            {
                "IndexName": "bya",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "a", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    ddb.put_item(TableName=name, Item={**KEY, "a": {"N": "1"}})

    def update(expression: str) -> dict[str, Any]:
        return ddb.update_item(
            TableName=name,
            Key=KEY,
            UpdateExpression=expression,
            ExpressionAttributeValues={":v": {"N": "2"}},
            ReturnConsumedCapacity="INDEXES",
        )["ConsumedCapacity"]

    # The old index entry is deleted and the new one written.
    moved = update("SET a = :v")
    assert moved["LocalSecondaryIndexes"] == {"bya": {"CapacityUnits": 2.0}}
    assert moved["CapacityUnits"] == 3.0
    # A projected non-key attribute only rewrites the entry.
    rewritten = update("SET extra = :v")
    assert rewritten["LocalSecondaryIndexes"] == {"bya": {"CapacityUnits": 1.0}}
