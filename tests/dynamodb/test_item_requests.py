"""Single-item requests (PutItem, GetItem, UpdateItem, DeleteItem): the order and words of
DynamoDB's checks, ReturnValues, item sizes and consumed capacity.

Provenance of each test's expected answers: its ``provenance`` marker (registered in pyproject.toml)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import error_of, make_table

# ====================================================================================================
# Item-path messages recorded against real DynamoDB (nubo-db/dynamodb-conformance captures, 2026).


@pytest.mark.provenance("dynamodb-conformance")
def test_null_false_is_stored_as_null_true(ddb: Any, hash_table: str) -> None:
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": "n"}, "a": {"NULL": False}})
    assert ddb.get_item(TableName=hash_table, Key={"pk": {"S": "n"}})["Item"]["a"] == {"NULL": True}


@pytest.mark.provenance("dynamodb-conformance")
def test_batch_write_words_a_wrongly_typed_key_as_a_schema_mismatch(ddb: Any, hash_table: str) -> None:
    for key in ({"N": "5"}, {"L": [{"S": "x"}]}):
        request = {hash_table: [{"PutRequest": {"Item": {"pk": key}}}]}
        assert error_of(ddb.batch_write_item, RequestItems=request) == (
            "ValidationException",
            "The provided key element does not match the schema",
        )
    # PutItem keeps its own wording.
    assert error_of(ddb.put_item, TableName=hash_table, Item={"pk": {"N": "5"}})[1] == (
        "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"
    )


@pytest.mark.provenance("dynamodb-conformance")
def test_index_key_errors_name_the_alphabetically_first_index(ddb: Any) -> None:
    make_table(
        ddb,
        "indexed",
        definitions=[{"AttributeName": "k", "AttributeType": "S"}],
        LocalSecondaryIndexes=[
            {
                "IndexName": "lsi1",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "k", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi1",
                "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    item = {"pk": {"S": "a"}, "sk": {"S": "b"}, "k": {"N": "5"}}
    assert error_of(ddb.put_item, TableName="indexed", Item=item)[1] == (
        "One or more parameter values were invalid: Type mismatch for Index Key k Expected: S Actual: N IndexName: gsi1"
    )
    item["k"] = {"S": ""}
    assert error_of(ddb.batch_write_item, RequestItems={"indexed": [{"PutRequest": {"Item": item}}]})[1] == (
        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. "
        "The AttributeValue for a key attribute cannot contain an empty string value. IndexName: gsi1, IndexKey: k"
    )


@pytest.mark.provenance("dynamodb-conformance")
def test_capacity_split_is_reported_only_for_transactions(ddb: Any, hash_table: str) -> None:
    put = ddb.put_item(TableName=hash_table, Item={"pk": {"S": "c"}}, ReturnConsumedCapacity="INDEXES")
    assert put["ConsumedCapacity"] == {"TableName": hash_table, "CapacityUnits": 1.0, "Table": {"CapacityUnits": 1.0}}
    got = ddb.get_item(TableName=hash_table, Key={"pk": {"S": "c"}}, ReturnConsumedCapacity="TOTAL")
    assert got["ConsumedCapacity"] == {"TableName": hash_table, "CapacityUnits": 0.5}
    batch = ddb.batch_get_item(
        RequestItems={hash_table: {"Keys": [{"pk": {"S": "c"}}]}}, ReturnConsumedCapacity="TOTAL"
    )
    assert "ReadCapacityUnits" not in batch["ConsumedCapacity"][0]
    written = ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": hash_table, "Item": {"pk": {"S": "d"}}}}], ReturnConsumedCapacity="TOTAL"
    )
    assert written["ConsumedCapacity"][0]["WriteCapacityUnits"] == 2.0


# ====================================================================================================
# Item and batch request checks found by sending the same requests to Fogbank and dynalite.
#
# Sources for the expected answers: ExtendDB's legacy-parameter tests run against Amazon DynamoDB
# (ConditionalOperator), applications matching real DynamoDB's wording (an empty attribute name) and dynalite's
# test/batchWriteItem.js, recorded against AWS (an empty WriteRequest).


WITHOUT_CONDITIONS = "ConditionalOperator cannot be used without Filter or Expected"
ONE_CONDITION = "ConditionalOperator can only be used when Filter or Expected has two or more elements"
NOT_ONE = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
KEY = {"pk": {"S": "k1"}}
EQ_X = {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]}


@pytest.fixture
def raw(client: Any) -> Any:
    """A client that sends requests botocore itself would refuse."""
    return client("dynamodb", parameter_validation=False)


# -- ConditionalOperator ------------------------------------------------------------------------------


@pytest.mark.provenance("extenddb", "dynalite")
def test_conditional_operator_needs_legacy_conditions(ddb: Any, hash_table: str) -> None:
    calls = [
        (ddb.put_item, {"Item": KEY}),
        (ddb.delete_item, {"Key": KEY}),
        (ddb.update_item, {"Key": KEY}),
        (ddb.update_item, {"Key": KEY, "AttributeUpdates": {"a": {"Value": {"S": "v"}, "Action": "PUT"}}}),
        (ddb.scan, {}),
        (ddb.scan, {"ScanFilter": {}}),
        (ddb.scan, {"AttributesToGet": ["a", "b"]}),
        (ddb.query, {"KeyConditions": {"pk": EQ_X}}),
    ]
    for call, extra in calls:
        assert error_of(call, TableName=hash_table, ConditionalOperator="AND", **extra) == (
            "ValidationException",
            WITHOUT_CONDITIONS,
        ), (call, extra)


@pytest.mark.provenance("extenddb", "dynalite")
def test_conditional_operator_is_checked_before_the_missing_key_condition(ddb: Any, hash_table: str) -> None:
    assert error_of(ddb.query, TableName=hash_table, ConditionalOperator="OR") == (
        "ValidationException",
        WITHOUT_CONDITIONS,
    )


@pytest.mark.provenance("extenddb", "dynalite")
def test_conditional_operator_needs_two_conditions(ddb: Any, hash_table: str) -> None:
    calls = [
        (ddb.put_item, {"Item": KEY, "Expected": {"a": EQ_X}}),
        (ddb.delete_item, {"Key": KEY, "Expected": {"a": EQ_X}}),
        (ddb.scan, {"ScanFilter": {"a": EQ_X}}),
        (ddb.query, {"KeyConditions": {"pk": EQ_X}, "QueryFilter": {"a": EQ_X}}),
    ]
    for call, extra in calls:
        assert error_of(call, TableName=hash_table, ConditionalOperator="AND", **extra) == (
            "ValidationException",
            ONE_CONDITION,
        ), (call, extra)
    # Two conditions are fine.
    ddb.scan(TableName=hash_table, ConditionalOperator="OR", ScanFilter={"a": EQ_X, "b": EQ_X})
    ddb.put_item(
        TableName=hash_table,
        Item=KEY,
        ConditionalOperator="OR",
        Expected={"a": {"Exists": False}, "b": {"Exists": False}},
    )


@pytest.mark.provenance("extenddb", "dynalite")
def test_conditional_operator_with_an_expression_is_a_mixing_error(ddb: Any, hash_table: str) -> None:
    code, message = error_of(
        ddb.update_item,
        TableName=hash_table,
        Key=KEY,
        ConditionalOperator="AND",
        UpdateExpression="SET a = :v",
        ExpressionAttributeValues={":v": {"S": "x"}},
    )
    assert message.endswith(
        "Non-expression parameters: {ConditionalOperator} Expression parameters: {UpdateExpression}"
    )


# -- ExpressionAttributeNames ---------------------------------------------------------------------------


@pytest.mark.provenance("extenddb", "dynalite")
def test_an_empty_attribute_name_is_refused(ddb: Any, hash_table: str, table: str) -> None:
    expected = (
        "ValidationException",
        "ExpressionAttributeNames contains invalid value: Empty attribute name for key #x",
    )
    names = {"#x": ""}
    assert (
        error_of(
            ddb.update_item,
            TableName=hash_table,
            Key=KEY,
            UpdateExpression="SET #x = :n",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={":n": {"N": "1"}},
        )
        == expected
    )
    assert (
        error_of(ddb.get_item, TableName=hash_table, Key=KEY, ProjectionExpression="#x", ExpressionAttributeNames=names)
        == expected
    )
    assert (
        error_of(
            ddb.batch_get_item,
            RequestItems={hash_table: {"Keys": [KEY], "ProjectionExpression": "#x", "ExpressionAttributeNames": names}},
        )
        == expected
    )


# -- BatchGetItem and BatchWriteItem ---------------------------------------------------------------------


@pytest.mark.provenance("extenddb", "dynalite")
def test_batch_get_refuses_a_projection_into_a_key_attribute(ddb: Any, hash_table: str) -> None:
    assert error_of(ddb.batch_get_item, RequestItems={hash_table: {"Keys": [KEY], "ProjectionExpression": "pk.x"}}) == (
        "ValidationException",
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk",
    )


@pytest.mark.provenance("extenddb", "dynalite")
def test_batch_get_checks_index_keys_in_projections(ddb: Any) -> None:
    name = make_table(
        ddb,
        "indexed",
        sort=None,
        definitions=[{"AttributeName": "g", "AttributeType": "N"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    assert error_of(ddb.batch_get_item, RequestItems={name: {"Keys": [KEY], "ProjectionExpression": "a, g[0]"}}) == (
        "ValidationException",
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: g",
    )


@pytest.mark.provenance("extenddb", "dynalite")
@pytest.mark.parametrize(
    "write",
    [{}, {"PutRequest": {"Item": KEY}, "DeleteRequest": {"Key": KEY}}],
    ids=["neither", "both"],
)
def test_a_write_request_needs_exactly_one_request(raw: Any, hash_table: str, write: dict) -> None:
    assert error_of(raw.batch_write_item, RequestItems={hash_table: [write]}) == ("ValidationException", NOT_ONE)
    # Checked with the values, before the table is looked up.
    assert error_of(raw.batch_write_item, RequestItems={"nowhere": [write]}) == ("ValidationException", NOT_ONE)


# ====================================================================================================
# Single-item operations against real DynamoDB's answers: the order of checks, ReturnValues, sizes, capacity.
#
# Sources: dynalite's test/putItem.js, getItem.js and updateItem.js (recorded against AWS), the ExtendDB
# wording-parity tests (verified in us-east-1) and nubo-db/dynamodb-conformance (measured capacity, 2026).


OLD_ONLY = "ReturnValues can only be ALL_OLD or NONE"
MISSING = ("ResourceNotFoundException", "Requested resource not found")


# -- ReturnValues -------------------------------------------------------------------------------------


@pytest.mark.provenance("dynalite", "extenddb", "dynamodb-conformance")
@pytest.mark.parametrize("value", ["UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"])
def test_put_and_delete_take_only_all_old_or_none(ddb: Any, hash_table: str, value: str) -> None:
    key = {"pk": {"S": "a"}}
    assert error_of(ddb.put_item, TableName=hash_table, Item=key, ReturnValues=value) == (
        "ValidationException",
        OLD_ONLY,
    )
    assert error_of(ddb.delete_item, TableName=hash_table, Key=key, ReturnValues=value) == (
        "ValidationException",
        OLD_ONLY,
    )


@pytest.mark.provenance("dynalite", "extenddb", "dynamodb-conformance")
def test_put_return_values_are_checked_before_the_table(ddb: Any) -> None:
    assert error_of(ddb.put_item, TableName="nowhere", Item={"a": {"S": "x"}}, ReturnValues="ALL_NEW")[1] == OLD_ONLY


# -- what is checked before the table is looked up ------------------------------------------------------


@pytest.mark.provenance("dynalite", "extenddb", "dynamodb-conformance")
def test_put_item_size_is_checked_before_the_table(ddb: Any) -> None:
    # 400 KB counts the attribute names: "a" + "x" + 1 + "bbb" + value.
    limit = 400 * 1024
    over = {"a": {"S": "x"}, "bbb": {"S": "b" * (limit - 2 - 3 + 1)}}
    assert error_of(ddb.put_item, TableName="nowhere", Item=over) == (
        "ValidationException",
        "Item size has exceeded the maximum allowed size",
    )
    just_fits = {"a": {"S": "x"}, "bbb": {"S": "b" * (limit - 2 - 3)}}
    assert error_of(ddb.put_item, TableName="nowhere", Item=just_fits) == MISSING


ENVELOPE = "1 validation error detected: "


@pytest.mark.provenance("dynalite", "extenddb", "dynamodb-conformance")
@pytest.mark.parametrize(
    "value, message, layered",
    [
        ({"N": "b"}, "The parameter cannot be converted to a numeric value: b", True),
        (
            {"N": "1e126"},
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
            True,
        ),
        ({}, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes", False),
        (
            {"S": "a", "N": "1"},
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported "
            "datatypes",
            False,
        ),
        ({"NS": ["1", "1"]}, "One or more parameter values were invalid: Input collection contains duplicates.", True),
    ],
)
def test_key_values_are_checked_before_the_table(ddb: Any, value: dict, message: str, layered: bool) -> None:
    """A bad number or a duplicated set member is worded inside the validation envelope by DeleteItem and
    UpdateItem, bare by GetItem (recorded from AWS in four regions, 2026-10)."""
    key = {"a": value}
    for call, enveloped in ((ddb.get_item, False), (ddb.delete_item, True), (ddb.update_item, True)):
        wanted = ENVELOPE + message if enveloped and layered else message
        assert error_of(call, TableName="nowhere", Key=key) == ("ValidationException", wanted), call


@pytest.mark.provenance("dynalite", "extenddb", "dynamodb-conformance")
def test_key_checks_needing_the_schema_come_after_the_table(ddb: Any) -> None:
    for key in ({"a": {"S": ""}}, {"a": {"S": "x" * 3000}}, {"a": {"S": "x"}, "b": {"N": "1"}}):
        assert error_of(ddb.get_item, TableName="nowhere", Key=key) == MISSING


@pytest.mark.provenance("dynalite", "extenddb", "dynamodb-conformance")
def test_update_checks_mixed_parameters_then_key_values_then_legacy_updates(ddb: Any) -> None:
    mixed = error_of(
        ddb.update_item,
        TableName="nowhere",
        Key={"a": {}},
        AttributeUpdates={},
        UpdateExpression="SET b = :b",
        ExpressionAttributeValues={":b": {"S": "x"}},
    )
    assert mixed[1].startswith("Can not use both expression and non-expression parameters in the same request")
    assert error_of(
        ddb.update_item,
        TableName="nowhere",
        Key={"a": {"N": "x"}},
        Expected={"a": {}},
        AttributeUpdates={"a": {"Action": "PUT"}},
    ) == ("ValidationException", ENVELOPE + "The parameter cannot be converted to a numeric value: x")
    assert error_of(
        ddb.update_item, TableName="nowhere", Key={"a": {"S": "x"}}, AttributeUpdates={"a": {"Action": "PUT"}}
    ) == (
        "ValidationException",
        "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified",
    )


# -- numbers --------------------------------------------------------------------------------------------


@pytest.mark.provenance("dynalite", "extenddb", "dynamodb-conformance")
def test_long_numbers_come_back_canonical(ddb: Any, hash_table: str) -> None:
    item = {
        "pk": {"S": "n"},
        "b": {"N": "0000012345678901234567890123456789012345678"},
        "c": {"N": "-00001.23456789012345678901234567890123456780000"},
        "d": {"N": "0009.99999999999999999999999999999999999990000e125"},
        "e": {"N": "-0009.99999999999999999999999999999999999990000e125"},
        "f": {"N": "0001.000e-130"},
        "g": {"N": "-0001.000e-130"},
        "h": {"N": "-0"},
        "i": {"N": "+1.50"},
        "j": {"N": ".5e1"},
    }
    ddb.put_item(TableName=hash_table, Item=item)
    got = ddb.get_item(TableName=hash_table, Key={"pk": {"S": "n"}})["Item"]
    assert got == {
        "pk": {"S": "n"},
        "b": {"N": "12345678901234567890123456789012345678"},
        "c": {"N": "-1.2345678901234567890123456789012345678"},
        "d": {"N": "9" * 38 + "0" * 88},
        "e": {"N": "-" + "9" * 38 + "0" * 88},
        "f": {"N": "0." + "0" * 129 + "1"},
        "g": {"N": "-0." + "0" * 129 + "1"},
        "h": {"N": "0"},
        "i": {"N": "1.5"},
        "j": {"N": "5"},
    }


# -- UpdateItem -----------------------------------------------------------------------------------------


@pytest.mark.provenance("dynalite", "extenddb", "dynamodb-conformance")
def test_index_key_mistyped_by_a_path_is_worded_as_an_unsupported_type(ddb: Any) -> None:
    table = make_table(
        ddb,
        "indexed",
        definitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    key = {"pk": {"S": "a"}, "sk": {"S": "b"}}
    ddb.update_item(
        TableName=table, Key=key, UpdateExpression="SET e = :n", ExpressionAttributeValues={":n": {"N": "1"}}
    )
    assert error_of(ddb.update_item, TableName=table, Key=key, UpdateExpression="SET g = e") == (
        "ValidationException",
        "The update expression attempted to update the secondary index key to unsupported type",
    )
    # A type the request itself shows keeps the "Type mismatch" wording.
    assert error_of(
        ddb.update_item,
        TableName=table,
        Key=key,
        UpdateExpression="SET g = :n",
        ExpressionAttributeValues={":n": {"N": "1"}},
    )[1] == (
        "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: byg"
    )
    assert "g" not in ddb.get_item(TableName=table, Key=key)["Item"]


@pytest.mark.provenance("dynalite", "extenddb", "dynamodb-conformance")
def test_legacy_updates_on_a_missing_item(ddb: Any, hash_table: str) -> None:
    key = {"pk": {"S": "fresh"}}
    result = ddb.update_item(
        TableName=hash_table,
        Key=key,
        AttributeUpdates={
            "b": {"Action": "DELETE"},
            "c": {"Action": "DELETE", "Value": {"SS": ["a", "b"]}},
            "d": {"Action": "ADD", "Value": {"N": "5"}},
            "e": {"Action": "ADD", "Value": {"SS": ["a", "b"]}},
            "f": {"Action": "ADD", "Value": {"L": [{"S": "a"}, {"N": "1"}]}},
        },
        ReturnValues="UPDATED_NEW",
    )
    expected = {"d": {"N": "5"}, "e": {"SS": ["a", "b"]}, "f": {"L": [{"S": "a"}, {"N": "1"}]}}
    assert result["Attributes"] == expected
    assert ddb.get_item(TableName=hash_table, Key=key)["Item"] == {**key, **expected}


@pytest.mark.provenance("dynalite", "extenddb", "dynamodb-conformance")
def test_legacy_updated_old_returns_whole_top_level_attributes(ddb: Any, hash_table: str) -> None:
    key = {"pk": {"S": "old"}}
    first = {"b": {"Value": {"M": {"a": {"S": "a"}, "b": {"L": []}}}}, "c": {"Value": {"N": "1"}}}
    ddb.update_item(TableName=hash_table, Key=key, AttributeUpdates=first)
    second = {"b": {"Value": {"M": {"a": {"S": "b"}, "b": {"L": []}}}}, "c": {"Action": "ADD", "Value": {"N": "1"}}}
    result = ddb.update_item(TableName=hash_table, Key=key, AttributeUpdates=second, ReturnValues="UPDATED_OLD")
    assert result["Attributes"] == {"b": {"M": {"a": {"S": "a"}, "b": {"L": []}}}, "c": {"N": "1"}}


# -- capacity -------------------------------------------------------------------------------------------


def sized_item(key: str, filler: int, members: list[bytes]) -> dict[str, Any]:
    # pk (2 + 1), b (1 + filler), c (1 + 4: three base-100 digits and the exponent), d (1 + 2), e (1 + members).
    return {
        "pk": {"S": key},
        "b": {"S": "b" * filler},
        "c": {"N": "12.3456"},
        "d": {"B": b"\x01\x02"},
        "e": {"BS": members},
    }


@pytest.mark.provenance("dynalite", "extenddb", "dynamodb-conformance")
def test_get_item_read_units_round_at_4_kb(ddb: Any, hash_table: str) -> None:
    key = "k"
    three = [b"\x01\x02", b"\x02", b"\x01"]
    ddb.put_item(TableName=hash_table, Item=sized_item(key, 4096 - 3 - 1 - 5 - 3 - 5, three))  # 4096 bytes

    def units(**extra: Any) -> float:
        got = ddb.get_item(TableName=hash_table, Key={"pk": {"S": key}}, ReturnConsumedCapacity="TOTAL", **extra)
        return got["ConsumedCapacity"]["CapacityUnits"]

    assert (units(), units(ConsistentRead=True)) == (0.5, 1.0)
    ddb.put_item(TableName=hash_table, Item=sized_item(key, 4096 - 3 - 1 - 5 - 3 - 5 + 1, three))  # 4097 bytes
    assert (units(), units(ConsistentRead=True)) == (1.0, 2.0)


@pytest.mark.provenance("dynalite", "extenddb", "dynamodb-conformance")
def test_put_item_write_units_count_the_larger_of_old_and_new(ddb: Any, hash_table: str) -> None:
    key = "w"
    two = [b"\x01\x02", b"\x02"]

    def units(item: dict[str, Any]) -> dict[str, Any]:
        return ddb.put_item(TableName=hash_table, Item=item, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]

    assert units(sized_item(key, 1024 - 3 - 1 - 5 - 3 - 4, two))["CapacityUnits"] == 1.0  # 1024 bytes
    assert units(sized_item(key, 1024 - 3 - 1 - 5 - 3 - 4 + 1, two)) == {
        "TableName": hash_table,
        "CapacityUnits": 2.0,
        "Table": {"CapacityUnits": 2.0},
    }
    assert units({"pk": {"S": key}})["CapacityUnits"] == 2.0  # replaces a 1025-byte item
    assert units({"pk": {"S": key}})["CapacityUnits"] == 1.0


@pytest.fixture
def two_indexes(ddb: Any) -> str:
    """nubo-db's measuring table: a GSI projecting only ``proj`` and an LSI projecting everything."""
    return make_table(
        ddb,
        "idx_wcu",
        definitions=[
            {"AttributeName": "gsiPk", "AttributeType": "S"},
            {"AttributeName": "lsiSk", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi-inc",
                "KeySchema": [{"AttributeName": "gsiPk", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["proj"]},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "lsi1",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "lsiSk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


def arms(capacity: dict[str, Any]) -> tuple[float, float, float | None, float | None]:
    gsi = capacity.get("GlobalSecondaryIndexes", {}).get("gsi-inc", {}).get("CapacityUnits")
    lsi = capacity.get("LocalSecondaryIndexes", {}).get("lsi1", {}).get("CapacityUnits")
    return capacity["CapacityUnits"], capacity["Table"]["CapacityUnits"], gsi, lsi


@pytest.mark.provenance("dynalite", "extenddb", "dynamodb-conformance")
def test_index_write_units_as_measured(ddb: Any, two_indexes: str) -> None:
    table = two_indexes

    def put(pk: str, **extra: str) -> dict[str, Any]:
        item = {"pk": {"S": pk}, "sk": {"S": "1"}, **{name: {"S": value} for name, value in extra.items()}}
        return ddb.put_item(TableName=table, Item=item, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]

    def update(pk: str, expression: str, value: str | None = None) -> dict[str, Any]:
        extra = {"ExpressionAttributeValues": {":v": {"S": value}}} if value else {}
        return ddb.update_item(
            TableName=table,
            Key={"pk": {"S": pk}, "sk": {"S": "1"}},
            UpdateExpression=expression,
            ReturnConsumedCapacity="INDEXES",
            **extra,
        )["ConsumedCapacity"]

    assert arms(put("p1", gsiPk="g1", proj="p")) == (2, 1, 1, None)
    assert arms(put("p2", extra="o")) == (1, 1, None, None)
    assert arms(put("p3", lsiSk="L1")) == (2, 1, None, 1)
    assert arms(put("p4", gsiPk="g", lsiSk="L1", proj="p")) == (3, 1, 1, 1)
    assert arms(put("p4", gsiPk="g", lsiSk="L1", proj="p")) == (1, 1, None, None)  # an identical overwrite
    ladder = {"gsiPk": "g-ladder", "lsiSk": "L1", "proj": "p", "extra": "o"}
    for pk in ("u1", "u2", "u3", "u4", "u5"):
        put(pk, **ladder)
    assert arms(update("u1", "SET extra = :v", "o2")) == (2, 1, None, 1)
    assert arms(update("u2", "SET proj = :v", "p2")) == (3, 1, 1, 1)
    assert arms(update("u3", "SET gsiPk = :v", "g-moved")) == (4, 1, 2, 1)
    assert arms(update("u4", "REMOVE gsiPk")) == (3, 1, 1, 1)
    assert arms(update("u5", "SET lsiSk = :v", "L2")) == (3, 1, None, 2)
    deleted = ddb.delete_item(
        TableName=table, Key={"pk": {"S": "u1"}, "sk": {"S": "1"}}, ReturnConsumedCapacity="INDEXES"
    )
    assert arms(deleted["ConsumedCapacity"]) == (3, 1, 1, 1)


@pytest.mark.provenance("dynamodb-conformance")
def test_an_update_writing_an_empty_index_key_names_no_index(ddb: Any) -> None:
    """UpdateItem words an empty index key value as an update's, without IndexName and IndexKey (recorded from
    AWS in four regions), whether the value is in the request or only in the item."""
    make_table(
        ddb,
        "byb",
        sort=None,
        definitions=[{"AttributeName": "b", "AttributeType": "B"}, {"AttributeName": "s", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": f"by-{name}",
                "KeySchema": [{"AttributeName": name, "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
            for name in ("b", "s")
        ],
    )
    words = (
        "One or more parameter values are not valid. The update expression attempted to update a secondary index key "
        "to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty {} value."
    )
    key = {"pk": {"S": "k"}}
    for name, value, kind in (("b", {"B": b""}, "binary"), ("s", {"S": ""}, "string")):
        assert error_of(
            ddb.update_item,
            TableName="byb",
            Key=key,
            UpdateExpression=f"SET {name} = :v",
            ExpressionAttributeValues={":v": value},
        ) == ("ValidationException", words.format(kind))
    ddb.put_item(TableName="byb", Item={**key, "blank": {"S": ""}})
    assert error_of(ddb.update_item, TableName="byb", Key=key, UpdateExpression="SET s = blank") == (
        "ValidationException",
        words.format("string"),
    )
    assert ddb.get_item(TableName="byb", Key=key)["Item"] == {**key, "blank": {"S": ""}}


@pytest.mark.provenance("dynamodb-conformance")
def test_update_item_also_measures_what_it_writes(ddb: Any, hash_table: str) -> None:
    """Besides the finished item, UpdateItem limits what it writes (the attributes it names, with their names)
    plus 3 bytes and 19 per SET or ADD (20 through a list index), 2 per REMOVE or DELETE, to 409,600 bytes;
    the key and untouched attributes are not counted (bisected against AWS by the conformance suite, 2026)."""
    too_big = "Item size to update has exceeded the maximum allowed size"

    def set_b(key: str, length: int, extra: str = "", **values: Any) -> Any:
        return lambda: ddb.update_item(
            TableName=hash_table,
            Key={"pk": {"S": key}},
            UpdateExpression="SET b = :pad" + extra,
            ExpressionAttributeValues={":pad": {"S": "x" * length}, **values},
        )

    # A one-byte key: the finished item is pk(2)+1 + b(1) + padding; the writes b(1) + padding + 22.
    ceiling = 409_600 - 19
    set_b("K", ceiling - 4)()
    assert len(ddb.get_item(TableName=hash_table, Key={"pk": {"S": "K"}})["Item"]["b"]["S"]) == ceiling - 4
    assert error_of(set_b("L", ceiling - 3)) == ("ValidationException", too_big)
    # A second SET costs 19 more, whatever it writes besides its own bytes.
    assert error_of(set_b("M", ceiling - 4, ", c = :c", **{":c": {"S": "y"}})) == ("ValidationException", too_big)
    set_b("N", ceiling - 4 - 19 - 2, ", c = :c", **{":c": {"S": "y"}})()
    # An untouched attribute is not counted: the same update fits beside it, in an item 11 bytes larger.
    for key in ("O", "P"):
        ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}, "u": {"S": "y" * 10}})
    set_b("O", ceiling - 4)()
    assert error_of(set_b("P", ceiling - 3)) == ("ValidationException", too_big)
    # Past a 20-byte key, the finished item's 409,600 is what binds: pk(2) + key(100) + b(1) + padding.
    set_b("k" * 100, 409_600 - 103)()
    assert error_of(set_b("j" * 100, 409_600 - 102)) == ("ValidationException", too_big)
