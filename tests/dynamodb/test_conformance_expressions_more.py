"""Query/Scan/expression parameter rules through boto3, checked against the messages real DynamoDB returns."""

from __future__ import annotations

import pytest

from tests.dynamodb.conftest import error_of, make_table

SCALAR = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "


def fill(ddb, name, count=6):
    for i in range(count):
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"S": str(i)}, "v": {"N": str(i)}})


def test_start_key_must_match_the_sort_key_condition(ddb, table):
    fill(ddb, table)
    values = {":p": {"S": "a"}, ":s": {"S": "3"}}
    condition = {
        "TableName": table,
        "KeyConditionExpression": "pk = :p AND sk > :s",
        "ExpressionAttributeValues": values,
    }
    assert error_of(ddb.query, **condition, ExclusiveStartKey={"pk": {"S": "a"}, "sk": {"S": "1"}}) == (
        "ValidationException",
        "The provided starting key does not match the range key predicate",
    )
    resumed = ddb.query(**condition, ExclusiveStartKey={"pk": {"S": "a"}, "sk": {"S": "4"}})
    assert [item["sk"]["S"] for item in resumed["Items"]] == ["5"]


def test_start_key_in_another_partition(ddb, table):
    fill(ddb, table)
    elsewhere = {"pk": {"S": "b"}, "sk": {"S": "a"}}
    assert error_of(
        ddb.query,
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "a"}},
        ExclusiveStartKey=elsewhere,
    ) == ("ValidationException", "The provided starting key is outside query boundaries based on provided conditions")
    # With a sort condition the start key's sort value is checked first, then its partition.
    assert error_of(
        ddb.query,
        TableName=table,
        KeyConditionExpression="pk = :p AND sk < :s",
        ExpressionAttributeValues={":p": {"S": "a"}, ":s": {"S": "b"}},
        ExclusiveStartKey=elsewhere,
    ) == ("ValidationException", "The query can return at most one row and cannot be restarted")


def test_parallel_scan_resumes_only_in_its_own_segment(ddb, hash_table):
    for i in range(20):
        ddb.put_item(TableName=hash_table, Item={"pk": {"S": str(i)}})
    first = ddb.scan(TableName=hash_table, Segment=0, TotalSegments=2, Limit=2)
    start = first["LastEvaluatedKey"]
    rest = ddb.scan(TableName=hash_table, Segment=0, TotalSegments=2, ExclusiveStartKey=start)
    assert not {item["pk"]["S"] for item in rest["Items"]} & {item["pk"]["S"] for item in first["Items"]}
    assert error_of(ddb.scan, TableName=hash_table, Segment=1, TotalSegments=2, ExclusiveStartKey=start) == (
        "ValidationException",
        "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct "
        "Segment. TotalSegments: 2 Segment: 1",
    )


def test_expression_attribute_values_need_an_expression_that_takes_values(ddb, table):
    fill(ddb, table, 1)
    values = {":n": {"N": "1"}}
    assert error_of(ddb.scan, TableName=table, ProjectionExpression="v", ExpressionAttributeValues=values) == (
        "ValidationException",
        "ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null",
    )
    key_conditions = {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}}
    assert error_of(ddb.query, TableName=table, KeyConditions=key_conditions, ExpressionAttributeValues=values) == (
        "ValidationException",
        "ExpressionAttributeValues can only be specified when using expressions: "
        "FilterExpression and KeyConditionExpression are null",
    )
    key = {"pk": {"S": "a"}, "sk": {"S": "0"}}
    updates = {"x": {"Action": "DELETE"}}
    assert error_of(
        ddb.update_item, TableName=table, Key=key, AttributeUpdates=updates, ExpressionAttributeValues=values
    ) == (
        "ValidationException",
        "ExpressionAttributeValues can only be specified when using expressions: "
        "UpdateExpression and ConditionExpression are null",
    )
    assert error_of(ddb.put_item, TableName=table, Item=key, ExpressionAttributeValues=values) == (
        "ValidationException",
        "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null",
    )


def test_key_conditions_may_go_with_filter_expressions(ddb, table):
    fill(ddb, table)
    found = ddb.query(
        TableName=table,
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}},
        FilterExpression="v > :n",
        ExpressionAttributeValues={":n": {"N": "3"}},
    )
    assert [item["sk"]["S"] for item in found["Items"]] == ["4", "5"]
    assert found["ScannedCount"] == 6


def test_mixed_parameters_are_listed_in_dynamodb_order(ddb, table):
    assert error_of(
        ddb.query,
        TableName=table,
        KeyConditionExpression="pk = :p",
        ProjectionExpression="v",
        QueryFilter={"v": {"ComparisonOperator": "NULL"}},
        ExpressionAttributeValues={":p": {"S": "a"}},
    ) == (
        "ValidationException",
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {QueryFilter} Expression parameters: {ProjectionExpression, KeyConditionExpression}",
    )


def test_paths_into_key_attributes_are_refused(ddb):
    name = make_table(
        ddb,
        "indexed",
        definitions=[{"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "d", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "d", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    assert error_of(ddb.scan, TableName=name, ProjectionExpression="pk.x") == (
        "ValidationException",
        SCALAR + "Key: pk",
    )
    assert error_of(ddb.scan, TableName=name, ProjectionExpression="v, d[0]") == (
        "ValidationException",
        SCALAR + "IndexKey: d",
    )
    values = {":p": {"S": "a"}, ":v": {"N": "1"}}
    assert error_of(
        ddb.scan,
        TableName=name,
        FilterExpression="attribute_exists(d.c) AND v = :v",
        ExpressionAttributeValues={":v": {"N": "1"}},
    ) == ("ValidationException", SCALAR + "IndexKey: d")
    assert error_of(
        ddb.query,
        TableName=name,
        KeyConditionExpression="pk = :p",
        FilterExpression="d[1] = :v",
        ExpressionAttributeValues=values,
    ) == ("ValidationException", SCALAR + "IndexKey: d")
    # On the key being queried, the filter rule comes first.
    assert error_of(
        ddb.query,
        TableName=name,
        KeyConditionExpression="pk = :p",
        FilterExpression="sk.a = :v",
        ExpressionAttributeValues=values,
    ) == (
        "ValidationException",
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk",
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [({"BOOL": True}, "BOOL"), ({"L": [{"N": "1"}]}, "L"), ({"SS": ["a"]}, "SS"), ({"NULL": True}, "NULL")],
)
def test_ordering_comparisons_refuse_unordered_values(ddb, hash_table, value, shown):
    assert error_of(
        ddb.scan, TableName=hash_table, FilterExpression="v < :x", ExpressionAttributeValues={":x": value}
    ) == (
        "ValidationException",
        f"Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: <, "
        f"operand type: {shown}",
    )
    # Equality takes any type.
    assert (
        ddb.scan(TableName=hash_table, FilterExpression="v = :x", ExpressionAttributeValues={":x": value})["Count"] == 0
    )
