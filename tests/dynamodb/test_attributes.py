"""Unit tests for DynamoDB AttributeValues (validation, numbers, sizes, comparison) and key encoding."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from fogbank.protocols.errors import AwsError
from fogbank.services.dynamodb.attributes import (
    add_numbers,
    canonical_number,
    compare_values,
    item_size,
    number_size,
    validate_item,
    validate_value,
    values_equal,
)
from fogbank.services.dynamodb.keys import (
    KeyRange,
    KeySchema,
    decode_key_value,
    encode_key_value,
    prefix_successor,
    sort_key_range,
    validate_index_keys,
    validate_item_key,
    validate_key,
)
from tests.dynamodb.conftest import error_of as api_error

INVALID = "One or more parameter values were invalid: "


def error_of(function, *args) -> str:
    with pytest.raises(AwsError) as caught:
        function(*args)
    assert caught.value.code == "ValidationException"
    return caught.value.message


# --- numbers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("1.50", "1.5"),
        ("1e3", "1000"),
        ("1E+3", "1000"),
        ("-0", "0"),
        ("0.000", "0"),
        ("0e125", "0"),
        ("+3", "3"),
        (".123", "0.123"),
        ("0001.23", "1.23"),
        ("-17.4E37", "-174000000000000000000000000000000000000"),
        ("1e-5", "0.00001"),
        ("-1.2300e-2", "-0.0123"),
        ("5.", "5"),
        ("1e125", "1" + "0" * 125),
        ("1e-130", "0." + "0" * 129 + "1"),
        ("3.1415926535897932384626433832795028841", "3.1415926535897932384626433832795028841"),
        ("31415926535897932384626433832795028841e30", "31415926535897932384626433832795028841" + "0" * 30),
    ],
)
def test_numbers_are_returned_in_canonical_form(text, canonical):
    assert canonical_number(text) == canonical


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "The parameter cannot be converted to a numeric value"),
        ("b", "The parameter cannot be converted to a numeric value: b"),
        ("NaN", "The parameter cannot be converted to a numeric value: NaN"),
        ("Infinity", "The parameter cannot be converted to a numeric value: Infinity"),
        (" 1", "The parameter cannot be converted to a numeric value:  1"),
        ("1 ", "The parameter cannot be converted to a numeric value: 1 "),
        ("1_000", "The parameter cannot be converted to a numeric value: 1_000"),
        ("123456789012345678901234567890123456789", "Attempting to store more than 38 significant digits in a Number"),
        (
            "-1.23456789012345678901234567890123456789",
            "Attempting to store more than 38 significant digits in a Number",
        ),
        ("1e126", "Number overflow. Attempting to store a number with magnitude larger than supported range"),
        ("-11e125", "Number overflow. Attempting to store a number with magnitude larger than supported range"),
        ("1e-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range"),
        ("-0.9e-130", "Number underflow. Attempting to store a number with magnitude smaller than supported range"),
        # Recorded from AWS (eu-west-2, 2026-10): zero is range-checked by the exponent it is written with, and
        # an exponent is read as a 64-bit integer (past it, the text is no number).
        ("0e126", "Number overflow. Attempting to store a number with magnitude larger than supported range"),
        ("0e-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range"),
        (
            "1e99999999999",
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
        ),
        (
            "-1e-9223372036854775807",
            "Number underflow. Attempting to store a number with magnitude smaller than supported range",
        ),
        (
            "1e9223372036854775808",
            "The parameter cannot be converted to a numeric value: 1e9223372036854775808",
        ),
    ],
)
def test_invalid_numbers(text, message):
    assert error_of(validate_value, {"N": text}) == message


def test_trailing_zeros_are_not_significant():
    assert canonical_number("12345678901234567890123456789012345678000") == "12345678901234567890123456789012345678000"


def test_arithmetic_is_exact():
    assert add_numbers("0.3", "0.1", subtract=True) == "0.2"
    assert add_numbers("1", "10000000000000000000000") == "10000000000000000000001"
    assert add_numbers("10000000000000000000000", "1", subtract=True) == "9999999999999999999999"
    assert add_numbers("100000000000000000000.00000001", "1", subtract=True) == "99999999999999999999.00000001"
    assert add_numbers("-5", "5") == "0"


@pytest.mark.parametrize(
    "left, right, subtract",
    [("9e125", "9e125", False), ("9e125", "-9e125", True), ("1e50", "1", False), ("1e50", "1", True)],
)
def test_arithmetic_overflow_and_imprecision_are_rejected_as_overflow(left, right, subtract):
    message = "Number overflow. Attempting to store a number with magnitude larger than supported range"
    assert error_of(add_numbers, left, right, subtract) == message


def test_arithmetic_underflow():
    message = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
    assert error_of(add_numbers, "1.1e-130", "1e-130", True) == message


@pytest.mark.parametrize(
    "text, size",
    [
        ("0", 1),
        ("1", 2),
        ("27", 2),
        ("-27", 3),
        ("461", 3),
        ("1.5", 3),
        ("1000", 2),
        ("1200", 2),
        ("12000", 3),
        ("12345", 4),
        ("123.45", 4),
        ("0.05", 2),
        ("0.0001001", 4),
        ("1E125", 2),
        ("12345678901234567890123456789012345678", 20),
    ],
)
def test_number_size_counts_base_100_digits(text, size):
    assert number_size(text) == size


# --- validation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, message",
    [
        ({}, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
        ({"S": None}, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
        ({"L": [{}]}, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
        ({"M": {"a": {}}}, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
        (
            {"S": "a", "N": "1"},
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
        ),
        ({"S": "a", "N": ""}, "The parameter cannot be converted to a numeric value"),
        ({"SS": []}, INVALID + "An string set  may not be empty"),
        ({"NS": []}, INVALID + "An number set  may not be empty"),
        ({"BS": []}, INVALID + "Binary sets should not be empty"),
        ({"SS": ["a", "a"]}, INVALID + "Input collection [a, a] contains duplicates."),
        ({"BS": [b"b", b"b"]}, INVALID + "Input collection [Yg==, Yg==]of type BS contains duplicates."),
        ({"NS": ["1", "1.0"]}, "Input collection contains duplicates"),
        ({"NS": ["1", ""]}, "The parameter cannot be converted to a numeric value"),
        ({"NS": ["1", "b"]}, "The parameter cannot be converted to a numeric value: b"),
    ],
)
def test_invalid_values(value, message):
    assert error_of(validate_value, value) == message


def test_null_false_is_accepted_as_null_true():
    # AWS changed this in 2026: {"NULL": false} is no longer refused (dynamodb-conformance captures).
    assert validate_value({"NULL": False}) == {"NULL": True}


def test_empty_strings_and_binaries_are_valid_outside_keys():
    assert validate_value({"S": ""}) == {"S": ""}
    assert validate_value({"B": b""}) == {"B": b""}
    assert validate_value({"SS": ["", "a"]}) == {"SS": ["", "a"]}


def test_validation_normalises_numbers_everywhere():
    item = {"n": {"N": "1.50"}, "l": {"L": [{"N": "01"}]}, "m": {"M": {"x": {"NS": ["2.0", "3e1"]}}}}
    assert validate_item(item) == {
        "n": {"N": "1.5"},
        "l": {"L": [{"N": "1"}]},
        "m": {"M": {"x": {"NS": ["2", "30"]}}},
    }


def deep_map(depth: int) -> dict:
    value: dict = {"S": "leaf"}
    for _ in range(depth):
        value = {"M": {"n": value}}
    return value


def test_nesting_is_limited_to_32_levels():
    validate_value(deep_map(31))
    assert error_of(validate_value, deep_map(32)).startswith("Nesting Levels have exceeded supported limits")


# --- sizes ---------------------------------------------------------------------------------------------


def test_item_size_follows_the_developer_guide():
    assert item_size({"id": {"S": "abc"}}) == 5
    assert item_size({"é": {"S": "日本"}}) == 2 + 6
    assert item_size({"b": {"B": b"\x00\x01\x02"}}) == 4
    assert item_size({"t": {"BOOL": True}, "z": {"NULL": True}}) == 4
    assert item_size({"n": {"N": "12345"}}) == 1 + 4
    assert item_size({"l": {"L": []}}) == 1 + 3
    assert item_size({"l": {"L": [{"S": "ab"}, {"N": "1"}]}}) == 1 + 3 + (1 + 2) + (1 + 2)
    assert item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + (1 + 1 + 1)
    assert item_size({"s": {"SS": ["a", "bc"]}, "ns": {"NS": ["1", "-27"]}}) == 1 + 3 + 2 + 2 + 3


# --- comparison ----------------------------------------------------------------------------------------


def test_equality_is_by_value():
    assert values_equal({"N": "1"}, {"N": "1.00"})
    assert values_equal({"SS": ["a", "b"]}, {"SS": ["b", "a"]})
    assert values_equal({"NS": ["1", "2"]}, {"NS": ["2.0", "1"]})
    assert values_equal({"M": {"a": {"L": [{"N": "1"}]}}}, {"M": {"a": {"L": [{"N": "1.0"}]}}})
    assert not values_equal({"L": [{"N": "1"}, {"N": "2"}]}, {"L": [{"N": "2"}, {"N": "1"}]})
    assert not values_equal({"S": "1"}, {"N": "1"})
    assert not values_equal(None, None)


def test_ordering_of_scalars():
    assert compare_values({"N": "-10"}, {"N": "9"}) == -1
    assert compare_values({"N": "1e2"}, {"N": "100"}) == 0
    assert compare_values({"S": "a"}, {"S": "B"}) == 1
    assert compare_values({"S": "z"}, {"S": "é"}) == -1
    assert compare_values({"B": b"\x80"}, {"B": b"\x7f"}) == 1
    assert compare_values({"S": "1"}, {"N": "1"}) is None
    assert compare_values({"BOOL": True}, {"BOOL": False}) is None


# --- keys ----------------------------------------------------------------------------------------------

SCHEMA = KeySchema.from_api(
    [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
)


def test_number_encoding_sorts_numerically():
    numbers = ["0", "-0.5", "1", "-1", "10", "9.99", "-100", "1e-130", "-1e-130", "1e125", "-9.9e125", "0.001"]
    numbers += ["12", "123", "1.2", "-12", "-123", "-1.2", "99999999999999999999999999999999999999", "100"]
    rng = random.Random(7)
    numbers += [str(Decimal(rng.randint(-(10**12), 10**12)).scaleb(rng.randint(-20, 20))) for _ in range(300)]
    encoded = sorted(numbers, key=lambda n: encode_key_value({"N": n}))
    assert [Decimal(n) for n in encoded] == sorted(Decimal(n) for n in numbers)


@pytest.mark.parametrize("text", ["0", "-0.5", "1.5", "1e125", "-1e-130", "123456789.123", "-1000"])
def test_number_encoding_round_trips(text):
    blob = encode_key_value({"N": text})
    assert decode_key_value(blob, "N") == {"N": canonical_number(text)}


def test_string_and_binary_encoding():
    assert encode_key_value({"S": "é"}, "S") == "é".encode()
    assert decode_key_value(b"\x00\xff", "B") == {"B": b"\x00\xff"}
    words = ["a", "B", "ab", "é", "z", "", "日本"]
    assert sorted(words, key=lambda w: encode_key_value({"S": w})) == sorted(words)


def test_sort_key_ranges():
    assert sort_key_range("BEGINS_WITH", ({"S": "ab"},), "S") == KeyRange(b"ab", True, b"ac", False)
    between = sort_key_range("BETWEEN", ({"N": "1"}, {"N": "5"}), "N")
    assert between.contains(encode_key_value({"N": "3"})) and not between.contains(encode_key_value({"N": "6"}))
    lower = sort_key_range("GT", ({"N": "1"},), "N")
    assert not lower.contains(encode_key_value({"N": "1"})) and lower.contains(encode_key_value({"N": "1.1"}))
    assert prefix_successor(b"a\xff") == b"b"
    assert prefix_successor(b"\xff\xff") is None


def test_key_schema_from_api():
    assert SCHEMA == KeySchema("pk", "S", "sk", "N")
    assert SCHEMA.names == ("pk", "sk")


@pytest.mark.parametrize(
    "key",
    [
        {},
        {"pk": {"S": "a"}},
        {"pk": {"S": "a"}, "sk": {"S": "1"}},
        {"pk": {"N": "1"}, "sk": {"N": "1"}},
        {"pk": {"S": "a"}, "sk": {"N": "1"}, "x": {"S": "a"}},
    ],
)
def test_key_must_match_schema(key):
    assert error_of(validate_key, key, SCHEMA) == "The provided key element does not match the schema"


def test_key_values_are_checked():
    assert validate_key({"pk": {"S": "a"}, "sk": {"N": "1.0"}}, SCHEMA) == {"pk": {"S": "a"}, "sk": {"N": "1"}}
    assert error_of(validate_key, {"pk": {"S": ""}, "sk": {"N": "1"}}, SCHEMA) == (
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
        "empty string value. Key: pk"
    )
    assert error_of(validate_key, {"pk": {"S": "x" * 2049}, "sk": {"N": "1"}}, SCHEMA) == (
        INVALID + "Size of hashkey has exceeded the maximum size limit of2048 bytes"
    )
    binary = KeySchema("pk", "S", "sk", "B")
    assert error_of(validate_key, {"pk": {"S": "a"}, "sk": {"B": b"x" * 1025}}, binary) == (
        INVALID + "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
    )


def test_item_keys_are_checked():
    assert error_of(validate_item_key, {"sk": {"N": "1"}}, SCHEMA) == INVALID + "Missing the key pk in the item"
    assert error_of(validate_item_key, {"pk": {"N": "1"}, "sk": {"N": "1"}}, SCHEMA) == (
        INVALID + "Type mismatch for key pk expected: S actual: N"
    )
    index = ("gsi1", KeySchema("g", "S"))
    validate_index_keys({"x": {"S": "a"}}, [index])
    assert error_of(validate_index_keys, {"g": {"N": "1"}}, [index]) == (
        INVALID + "Type mismatch for Index Key g Expected: S Actual: N IndexName: gsi1"
    )
    assert error_of(validate_index_keys, {"g": {"S": ""}}, [index]).endswith("IndexName: gsi1, IndexKey: g")


def test_attribute_name_length_limit_holds_inside_maps(ddb, hash_table):
    """Validation skips parts of a small request that cannot break their length limits; a request large
    enough to hold a name over the limit is still walked and refused."""
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}, "m": {"M": {"x" * 65535: {"S": "v"}}}})
    code, message = api_error(
        ddb.put_item, TableName=hash_table, Item={"pk": {"S": "a"}, "m": {"M": {"x" * 65536: {"S": "v"}}}}
    )
    assert code == "ValidationException"
    assert message.startswith("1 validation error detected: Value '{")
    assert "Map keys must satisfy constraint: [Member must have length less than or equal to 65535" in message
