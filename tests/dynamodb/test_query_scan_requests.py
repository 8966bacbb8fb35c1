"""Query and Scan requests: Select and projections, ConditionalOperator, ExclusiveStartKey, key
conditions and the expression parameters, in the order and words DynamoDB checks them.

Provenance of each test's expected answers: its ``provenance`` marker (registered in pyproject.toml)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import error_of, make_table

# ====================================================================================================
# Query and Scan request validation found by sending the same requests to Fogbank and dynalite, settled by
# recorded real-AWS responses where the two differ: Select against the projection parameters, ConditionalOperator
# without enough filter conditions, ExclusiveStartKey messages and the order of the checks.


P = {":p": {"S": "p"}}
KEY = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": P}
LEGACY_KEY = {"KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}}}
VALIDATION = "1 validation error detected: "


def cond(value: str) -> dict[str, Any]:
    return {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": value}]}


@pytest.fixture
def raw(client):
    """A client that sends what botocore would refuse to."""
    return client("dynamodb", parameter_validation=False)


def indexed_table(ddb: Any) -> str:
    """pk/sk (S) with a KEYS_ONLY GSI byg on g (S) / n (N)."""
    return make_table(
        ddb,
        "indexed",
        definitions=[{"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )


# -- Select -----------------------------------------------------------------------------------------
# Recorded against AWS (us-east-1): Query reports these inside the "1 validation error detected: " envelope,
# Scan bare; both say "Querying" in the IndexName message.

SELECT_CASES = [
    ({"Select": "SPECIFIC_ATTRIBUTES"}, "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"),
    ({"Select": "ALL_PROJECTED_ATTRIBUTES"}, "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"),
    ({"Select": "COUNT", "ProjectionExpression": "x"}, "Cannot specify the ProjectionExpression when choosing to get only the Count"),
    ({"Select": "ALL_ATTRIBUTES", "ProjectionExpression": "x"}, "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"),
    ({"Select": "COUNT", "AttributesToGet": ["x"]}, "Cannot specify the AttributesToGet when choosing to get only the Count"),
    # Both rules broken: AWS names the projection.
    (
        {"Select": "ALL_PROJECTED_ATTRIBUTES", "ProjectionExpression": "x"},
        "Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES",
    ),
]  # fmt: skip


@pytest.mark.provenance("dynalite", "aws")
@pytest.mark.parametrize(("extra", "message"), SELECT_CASES)
def test_query_select_errors_carry_the_validation_envelope(ddb, table, extra, message):
    key = LEGACY_KEY if "AttributesToGet" in extra else KEY
    assert error_of(ddb.query, TableName=table, **key, **extra) == ("ValidationException", VALIDATION + message)


@pytest.mark.provenance("dynalite", "aws")
@pytest.mark.parametrize(("extra", "message"), SELECT_CASES)
def test_scan_select_errors_are_bare(ddb, table, extra, message):
    assert error_of(ddb.scan, TableName=table, **extra) == ("ValidationException", message)


@pytest.mark.provenance("dynalite", "aws")
def test_select_is_checked_before_the_table_is_looked_up(ddb):
    code, message = error_of(ddb.scan, TableName="missing", Select="SPECIFIC_ATTRIBUTES")
    assert code == "ValidationException" and message.startswith("Must specify")
    code, message = error_of(ddb.query, TableName="missing", Select="COUNT", ProjectionExpression="x", **KEY)
    assert code == "ValidationException" and message.startswith(VALIDATION + "Cannot specify")


@pytest.mark.provenance("dynalite", "aws")
def test_select_on_a_keys_only_gsi(ddb):
    name = indexed_table(ddb)
    message = (
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global "
        "secondary index byg because its projection type is not ALL"
    )
    assert error_of(ddb.scan, TableName=name, IndexName="byg", Select="ALL_ATTRIBUTES")[1] == message
    projected = ddb.scan(TableName=name, IndexName="byg", Select="ALL_PROJECTED_ATTRIBUTES")
    assert projected["Count"] == 0


# -- ConditionalOperator ----------------------------------------------------------------------------

WITHOUT_FILTER = "ConditionalOperator cannot be used without Filter or Expected"
ONE_CONDITION = "ConditionalOperator can only be used when Filter or Expected has two or more elements"


@pytest.mark.provenance("dynalite", "aws")
def test_conditional_operator_needs_a_filter(ddb, table):
    assert error_of(ddb.scan, TableName=table, ConditionalOperator="AND")[1] == WITHOUT_FILTER
    assert error_of(ddb.scan, TableName=table, ConditionalOperator="OR", ScanFilter={})[1] == WITHOUT_FILTER
    assert error_of(ddb.scan, TableName=table, ConditionalOperator="AND", AttributesToGet=["x"])[1] == WITHOUT_FILTER
    # KeyConditions are not a filter.
    assert error_of(ddb.query, TableName=table, ConditionalOperator="AND", **LEGACY_KEY)[1] == WITHOUT_FILTER
    # Reported before the missing key condition.
    assert error_of(ddb.query, TableName=table, ConditionalOperator="AND")[1] == WITHOUT_FILTER


@pytest.mark.provenance("dynalite", "aws")
def test_conditional_operator_needs_two_conditions(ddb, table):
    assert error_of(ddb.scan, TableName=table, ConditionalOperator="AND", ScanFilter={"a": cond("x")})[1] == (
        ONE_CONDITION
    )
    one = error_of(ddb.query, TableName=table, ConditionalOperator="OR", QueryFilter={"a": cond("x")}, **LEGACY_KEY)
    assert one[1] == ONE_CONDITION
    ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": "1"}, "a": {"S": "x"}, "b": {"S": "y"}})
    both = ddb.scan(TableName=table, ConditionalOperator="OR", ScanFilter={"a": cond("x"), "b": cond("no")})
    assert both["Count"] == 1
    either = ddb.query(
        TableName=table, ConditionalOperator="OR", QueryFilter={"a": cond("no"), "b": cond("y")}, **LEGACY_KEY
    )
    assert either["Count"] == 1


@pytest.mark.provenance("dynalite", "aws")
def test_mixing_is_reported_before_the_conditional_operator(ddb, table):
    message = error_of(
        ddb.scan, TableName=table, ConditionalOperator="AND", FilterExpression="a = :p", ExpressionAttributeValues=P
    )[1]
    assert message == (
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {ConditionalOperator} Expression parameters: {FilterExpression}"
    )


# -- ExclusiveStartKey ------------------------------------------------------------------------------
# A Query, and a Scan of an index, answer a start key of the wrong shape with the bare message; a Scan of the
# table adds the schema detail.

INVALID = "The provided starting key is invalid"


@pytest.mark.provenance("dynalite", "aws")
@pytest.mark.parametrize(
    "start",
    [
        {"pk": {"S": "p"}},
        {"pk": {"S": "p"}, "sk": {"S": "1"}, "x": {"S": "x"}},
        {"pk": {"S": "p"}, "other": {"S": "1"}},
        {"pk": {"S": "p"}, "sk": {"N": "1"}},
    ],
)
def test_query_start_key_of_the_wrong_shape(ddb, table, start):
    assert error_of(ddb.query, TableName=table, ExclusiveStartKey=start, **KEY) == ("ValidationException", INVALID)


@pytest.mark.provenance("dynalite", "aws")
def test_start_key_of_the_wrong_shape_on_an_index_and_on_the_table(ddb):
    name = indexed_table(ddb)
    table_key = {"pk": {"S": "p"}, "sk": {"S": "1"}}
    assert error_of(ddb.scan, TableName=name, IndexName="byg", ExclusiveStartKey=table_key)[1] == INVALID
    wrong_type = {**table_key, "g": {"S": "g"}, "n": {"S": "1"}}
    assert error_of(ddb.scan, TableName=name, IndexName="byg", ExclusiveStartKey=wrong_type)[1] == INVALID
    index_query = {"KeyConditionExpression": "g = :p", "ExpressionAttributeValues": P}
    assert error_of(ddb.query, TableName=name, IndexName="byg", ExclusiveStartKey=table_key, **index_query)[1] == (
        INVALID
    )
    assert error_of(ddb.scan, TableName=name, ExclusiveStartKey={"pk": {"S": "p"}})[1] == (
        f"{INVALID}: The provided key element does not match the schema"
    )


@pytest.mark.provenance("dynalite", "aws")
def test_start_key_value_errors(raw, table):
    def scan_error(value: dict[str, Any]) -> str:
        return error_of(raw.scan, TableName=table, ExclusiveStartKey={"pk": value, "sk": {"S": "a"}})[1]

    # Number and duplicate/number-set errors come bare; the others carry the starting-key prefix.
    assert scan_error({"N": "abc"}) == "The parameter cannot be converted to a numeric value: abc"
    assert scan_error({"N": "1e200"}) == (
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )
    assert scan_error({"SS": ["a", "a"]}) == (
        "One or more parameter values were invalid: Input collection [a, a] contains duplicates."
    )
    assert scan_error({"NS": []}) == "One or more parameter values were invalid: An number set  may not be empty"
    assert scan_error({}) == (
        f"{INVALID}: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    )
    assert (
        scan_error({"SS": []})
        == f"{INVALID}: One or more parameter values were invalid: An string set  may not be empty"
    )


@pytest.mark.provenance("dynalite", "aws")
def test_start_key_values_are_checked_before_the_table_is_looked_up(raw):
    code, message = error_of(raw.query, TableName="missing", ExclusiveStartKey={"pk": {}}, **KEY)
    assert code == "ValidationException" and message.startswith(INVALID)
    assert error_of(raw.scan, TableName="missing", ExclusiveStartKey={"pk": {"N": "x"}})[0] == "ValidationException"


# -- the order of the checks ------------------------------------------------------------------------


@pytest.mark.provenance("dynalite", "aws")
def test_legacy_filter_and_attributes_to_get_come_before_the_start_key(raw):
    bad_filter = {"a": {"ComparisonOperator": "LT", "AttributeValueList": [{"SS": ["a"]}]}}
    bad_type = (
        "One or more parameter values were invalid: ComparisonOperator LT is not valid for SS AttributeValue type"
    )
    start = {"a": {}}
    assert error_of(raw.scan, TableName="missing", Segment=1, ExclusiveStartKey=start, ScanFilter=bad_filter)[1] == (
        bad_type
    )
    assert error_of(raw.query, TableName="missing", ExclusiveStartKey=start, QueryFilter=bad_filter)[1] == bad_type
    assert error_of(raw.scan, TableName="missing", AttributesToGet=["a", "a"], ScanFilter=bad_filter)[1] == (
        "One or more parameter values were invalid: Duplicate value in attribute name: a"
    )
    # The start key before the Segment pair.
    assert error_of(raw.scan, TableName="missing", Segment=1, ExclusiveStartKey=start)[1].startswith(INVALID)


# ====================================================================================================
# Query/Scan/expression parameter rules through boto3, checked against the messages real DynamoDB returns.


SCALAR = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "


def fill(ddb, name, count=6):
    for i in range(count):
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"S": str(i)}, "v": {"N": str(i)}})


@pytest.mark.provenance("aws")
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


@pytest.mark.provenance("aws")
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


@pytest.mark.provenance("aws")
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


@pytest.mark.provenance("aws")
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


@pytest.mark.provenance("aws")
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


@pytest.mark.provenance("aws")
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


@pytest.mark.provenance("aws")
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


@pytest.mark.provenance("aws")
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


@pytest.mark.provenance("dynamodb-conformance")
def test_a_key_condition_may_wrap_its_parts_twice(ddb: Any, table: str) -> None:
    """AWS accepts ``((pk = :pk)) AND ((sk = :sk))`` as a KeyConditionExpression; a filter or condition with
    the same parentheses is refused as redundant."""
    ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": "s"}})
    values = {":pk": {"S": "p"}, ":sk": {"S": "s"}}
    for expression in ("(pk = :pk) AND (sk = :sk)", "(pk = :pk AND sk = :sk)", "((pk = :pk)) AND ((sk = :sk))"):
        found = ddb.query(TableName=table, KeyConditionExpression=expression, ExpressionAttributeValues=values)
        assert found["Count"] == 1, expression
    assert error_of(
        ddb.query,
        TableName=table,
        KeyConditionExpression="pk = :pk",
        FilterExpression="((sk = :sk))",
        ExpressionAttributeValues=values,
    ) == ("ValidationException", "Invalid FilterExpression: The expression has redundant parentheses;")


@pytest.mark.provenance("dynamodb-conformance")
def test_a_key_condition_reports_its_first_problem_in_written_order(client: Any) -> None:
    """Recorded from AWS (eu-west-2, 2026-10): an undefined value and a wrongly typed operand are reported in
    the order written, and both before the table is looked up."""
    ddb = client("dynamodb", parameter_validation=False)
    table = make_table(ddb)
    undefined = "An expression attribute value used in expression is not defined; attribute value: :missing"
    operand = "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"
    for name, expression, first in (
        (table, "pk = :missing AND begins_with(sk, :n)", undefined),
        (table, "begins_with(sk, :n) AND pk = :missing", operand),
        (table, "pk = :p AND begins_with(sk, :n) AND sk = :missing", operand),
        ("missing", "pk = :p AND begins_with(sk, :n)", operand),
    ):
        values = {":p": {"S": "q"}, ":n": {"N": "1"}}
        if ":p" not in expression:
            del values[":p"]
        assert error_of(
            ddb.query, TableName=name, KeyConditionExpression=expression, ExpressionAttributeValues=values
        ) == (
            "ValidationException",
            f"Invalid KeyConditionExpression: {first}",
        ), expression
