"""Single-item operations against real DynamoDB's answers: the order of checks, ReturnValues, sizes, capacity.

Sources: dynalite's test/putItem.js, getItem.js and updateItem.js (recorded against AWS), the ExtendDB
wording-parity tests (verified in us-east-1) and nubo-db/dynamodb-conformance (measured capacity, 2026).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import error_of, make_table

OLD_ONLY = "ReturnValues can only be ALL_OLD or NONE"
MISSING = ("ResourceNotFoundException", "Requested resource not found")


# -- ReturnValues -------------------------------------------------------------------------------------


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


def test_put_return_values_are_checked_before_the_table(ddb: Any) -> None:
    assert error_of(ddb.put_item, TableName="nowhere", Item={"a": {"S": "x"}}, ReturnValues="ALL_NEW")[1] == OLD_ONLY


# -- what is checked before the table is looked up ------------------------------------------------------


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


@pytest.mark.parametrize(
    "value, message",
    [
        ({"N": "b"}, "The parameter cannot be converted to a numeric value: b"),
        ({"N": "1e126"}, "Number overflow. Attempting to store a number with magnitude larger than supported range"),
        ({}, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
        (
            {"S": "a", "N": "1"},
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported "
            "datatypes",
        ),
        ({"NS": ["1", "1"]}, "Input collection contains duplicates"),
    ],
)
def test_key_values_are_checked_before_the_table(ddb: Any, value: dict, message: str) -> None:
    key = {"a": value}
    for call in (ddb.get_item, ddb.delete_item, ddb.update_item):
        assert error_of(call, TableName="nowhere", Key=key) == ("ValidationException", message), call


def test_key_checks_needing_the_schema_come_after_the_table(ddb: Any) -> None:
    for key in ({"a": {"S": ""}}, {"a": {"S": "x" * 3000}}, {"a": {"S": "x"}, "b": {"N": "1"}}):
        assert error_of(ddb.get_item, TableName="nowhere", Key=key) == MISSING


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
    ) == ("ValidationException", "The parameter cannot be converted to a numeric value: x")
    assert error_of(
        ddb.update_item, TableName="nowhere", Key={"a": {"S": "x"}}, AttributeUpdates={"a": {"Action": "PUT"}}
    ) == (
        "ValidationException",
        "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified",
    )


# -- numbers --------------------------------------------------------------------------------------------


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
