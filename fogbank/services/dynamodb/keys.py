"""Primary keys: the table's key schema, key validation, and an order-preserving byte encoding.

``encode_key_value`` turns a key attribute into bytes whose memcmp order (SQLite BLOB order) is
DynamoDB's sort order: strings by UTF-8 bytes, binaries by bytes, numbers by numeric value.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from fogbank.protocols.errors import AwsError, validation_error
from fogbank.services.dynamodb.attributes import (
    INVALID,
    AttributeValue,
    Item,
    format_number,
    parse_number,
    significant_digits,
    type_of,
    validate_value,
)

MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024
KEY_MISMATCH = "The provided key element does not match the schema"


class EmptyKeyValue(AwsError):
    """An empty string or binary for a table's or an index's key attribute. A transaction refuses it as a
    ValidationException of the whole request, where a key of the wrong type cancels it (transactions.py)."""

    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message, 400)


def empty_index_key_update(kind: str) -> EmptyKeyValue:
    """An update that writes an empty string or binary into an index key: AWS names neither index nor key."""
    empty = "string" if kind == "S" else "binary"
    return EmptyKeyValue(
        "One or more parameter values are not valid. The update expression attempted to update a secondary index "
        f"key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty {empty} "
        "value."
    )


@dataclass(frozen=True)
class KeySchema:
    """A table's or an index's key: partition (HASH) attribute and optional sort (RANGE) attribute."""

    partition: str
    partition_type: str
    sort: str | None = None
    sort_type: str | None = None

    @classmethod
    def from_api(cls, key_schema: Iterable[dict[str, str]], attribute_definitions: Iterable[dict[str, str]]):
        """Build from CreateTable's ``KeySchema`` and ``AttributeDefinitions`` lists."""
        types = {d["AttributeName"]: d["AttributeType"] for d in attribute_definitions}
        hash_name = range_name = None
        for element in key_schema:
            if element["KeyType"] == "HASH":
                hash_name = element["AttributeName"]
            else:
                range_name = element["AttributeName"]
        assert hash_name is not None, "a key schema always has a HASH element"
        return cls(hash_name, types[hash_name], range_name, types[range_name] if range_name else None)

    @cached_property
    def names(self) -> tuple[str, ...]:
        return (self.partition,) if self.sort is None else (self.partition, self.sort)

    def elements(self) -> tuple[tuple[str, str, bool], ...]:
        """(name, type, is_partition) for each key attribute, partition first."""
        return self._elements

    @cached_property
    def _elements(self) -> tuple[tuple[str, str, bool], ...]:
        result = ((self.partition, self.partition_type, True),)
        if self.sort is not None:
            result += ((self.sort, self.sort_type or "S", False),)
        return result

    def type_of(self, name: str) -> str | None:
        return {n: t for n, t, _ in self.elements()}.get(name)


def key_of(item: Item, schema: KeySchema) -> Item:
    """The key attributes of an item."""
    return {name: item[name] for name in schema.names if name in item}


# --- validation ----------------------------------------------------------------------------------------


def validate_key(key: dict[str, Any], schema: KeySchema) -> Item:
    """Validate a ``Key`` parameter (GetItem, DeleteItem, UpdateItem, ...); returns it canonical."""
    return match_key(key_values(key), schema)


def key_values(key: dict[str, Any]) -> Item:
    """The checks of a ``Key`` that need no table: each value a valid AttributeValue (numbers made canonical).

    DynamoDB makes them before it looks the table up, so a bad value beats a missing table.
    """
    return {name: _key_value(value) for name, value in key.items()}


def match_key(checked: Item, schema: KeySchema) -> Item:
    """The checks of a ``Key`` (already through ``key_values``) against the table's key schema."""
    if len(checked) != len(schema.names):
        raise validation_error(KEY_MISMATCH)
    for name, kind, is_partition in schema.elements():
        value = checked.get(name)
        if value is None or kind not in value:  # a checked value holds exactly one type
            raise validation_error(KEY_MISMATCH)
        _check_key_piece(name, value, kind, is_partition)
    return checked


def _key_value(value: Any) -> AttributeValue:
    # The common case, one string (or binary) member, needs no normalising: skip the general check.
    if type(value) is dict and len(value) == 1 and ("S" in value or "B" in value):
        return value
    return validate_value(value)


def validate_item_key(item: Item, schema: KeySchema) -> None:
    """Check the key attributes of a whole item (PutItem, BatchWriteItem's PutRequest)."""
    for name, kind, is_partition in schema.elements():
        if name not in item:
            raise validation_error(f"{INVALID}Missing the key {name} in the item")
        actual = type_of(item[name])
        if actual != kind:
            raise validation_error(f"{INVALID}Type mismatch for key {name} expected: {kind} actual: {actual}")
        _check_key_piece(name, item[name], kind, is_partition)


def validate_index_keys(
    item: Item, indexes: Iterable[tuple[str, KeySchema]], mismatch: str | None = None, updating: bool = False
) -> None:
    """Check an item's values for the key attributes of secondary indexes ``(IndexName, schema)``.

    An item without an index key attribute is simply not in that index; a present one must have the
    declared type and must not be an empty string or binary. ``mismatch`` replaces the wording of a wrong
    type (UpdateItem words one that only reading the item revealed differently); ``updating`` words an empty
    value as an update's (without IndexName and IndexKey).
    """
    for index_name, schema in indexes:
        for name, kind, _ in schema.elements():
            if name not in item:
                continue
            actual = type_of(item[name])
            if actual != kind:
                raise validation_error(
                    mismatch
                    or f"{INVALID}Type mismatch for Index Key {name} Expected: {kind} Actual: {actual} IndexName: {index_name}"
                )
            if kind in ("S", "B") and len(item[name][kind]) == 0:
                if updating:
                    raise empty_index_key_update(kind)
                empty = "string" if kind == "S" else "binary"
                raise EmptyKeyValue(
                    "One or more parameter values are not valid. A value specified for a secondary index key is not "
                    f"supported. The AttributeValue for a key attribute cannot contain an empty {empty} value. "
                    f"IndexName: {index_name}, IndexKey: {name}"
                )


def _check_key_piece(name: str, value: AttributeValue, kind: str, is_partition: bool) -> None:
    if kind == "N":
        return
    raw = value[kind]
    size = len(raw) if kind == "B" or raw.isascii() else len(raw.encode("utf-8"))
    if size == 0:
        empty = "string" if kind == "S" else "binary"
        raise EmptyKeyValue(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
            f"empty {empty} value. Key: {name}"
        )
    if is_partition and size > MAX_PARTITION_KEY_BYTES:
        # DynamoDB's message really has no space before 2048.
        raise validation_error(f"{INVALID}Size of hashkey has exceeded the maximum size limit of2048 bytes")
    if not is_partition and size > MAX_SORT_KEY_BYTES:
        raise validation_error(
            f"{INVALID}Aggregated size of all range keys has exceeded the size limit of {MAX_SORT_KEY_BYTES} bytes"
        )


# --- order-preserving encoding -------------------------------------------------------------------------

# Numbers: a sign byte, then the decimal exponent in two bytes, then the significant digits as ASCII.
# Negative numbers invert exponent and digits and end with a byte above every digit, so that a longer
# mantissa (a larger magnitude) sorts first.
_NEGATIVE, _ZERO, _POSITIVE = b"\x00", b"\x01", b"\x02"
_EXPONENT_BIAS = 1000
_NEGATIVE_END = b":"  # 0x3A, just above "9"


def encode_number(text: str) -> bytes:
    number = parse_number(text)
    digits = significant_digits(number)
    if not digits:
        return _ZERO
    exponent = number.adjusted() + _EXPONENT_BIAS
    if number > 0:
        return _POSITIVE + struct.pack(">H", exponent) + digits.encode("ascii")
    inverted = bytes(ord("9") + ord("0") - ord(digit) for digit in digits)
    return _NEGATIVE + struct.pack(">H", 0xFFFF - exponent) + inverted + _NEGATIVE_END


def decode_number(blob: bytes) -> str:
    sign = blob[:1]
    if sign == _ZERO:
        return "0"
    (exponent,) = struct.unpack(">H", blob[1:3])
    if sign == _POSITIVE:
        digits, negative = blob[3:].decode("ascii"), False
    else:
        exponent = 0xFFFF - exponent
        digits = "".join(chr(ord("9") + ord("0") - byte) for byte in blob[3:-1])
        negative = True
    exponent -= _EXPONENT_BIAS
    text = f"{'-' if negative else ''}{digits[0]}.{digits[1:] or '0'}E{exponent}"
    return format_number(parse_number(text))


def encode_key_value(value: AttributeValue, kind: str | None = None) -> bytes:
    """Bytes for a key attribute (S, N or B) whose memcmp order is DynamoDB's order for that type."""
    kind = kind or type_of(value)
    raw = value[kind]
    if kind == "S":
        return raw.encode("utf-8")
    if kind == "B":
        return bytes(raw)
    if kind == "N":
        return encode_number(raw)
    raise ValueError(f"not a key type: {kind}")


def decode_key_value(blob: bytes, kind: str) -> AttributeValue:
    if kind == "S":
        return {"S": blob.decode("utf-8")}
    if kind == "B":
        return {"B": bytes(blob)}
    return {"N": decode_number(blob)}


@dataclass(frozen=True)
class KeyRange:
    """Bounds of encoded sort keys for a Query; a None bound is open."""

    low: bytes | None = None
    low_inclusive: bool = True
    high: bytes | None = None
    high_inclusive: bool = True

    def contains(self, encoded: bytes) -> bool:
        if self.low is not None and (encoded < self.low or (encoded == self.low and not self.low_inclusive)):
            return False
        if self.high is not None and (encoded > self.high or (encoded == self.high and not self.high_inclusive)):
            return False
        return True


def sort_key_range(operator: str, values: tuple[AttributeValue, ...], kind: str) -> KeyRange:
    """The encoded range matching a sort key condition (``EQ``, ``LT``, ``LE``, ``GT``, ``GE``, ``BETWEEN``,
    ``BEGINS_WITH``), ready for ``WHERE sk >= ? AND sk < ?`` on BLOB columns."""
    first = encode_key_value(values[0], kind)
    if operator == "EQ":
        return KeyRange(first, True, first, True)
    if operator == "LT":
        return KeyRange(high=first, high_inclusive=False)
    if operator == "LE":
        return KeyRange(high=first)
    if operator == "GT":
        return KeyRange(low=first, low_inclusive=False)
    if operator == "GE":
        return KeyRange(low=first)
    if operator == "BETWEEN":
        return KeyRange(first, True, encode_key_value(values[1], kind), True)
    if operator == "BEGINS_WITH":
        return KeyRange(first, True, prefix_successor(first), False)
    raise ValueError(f"not a key condition operator: {operator}")


def prefix_successor(prefix: bytes) -> bytes | None:
    """The smallest byte string above every string starting with ``prefix`` (None: no upper bound)."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes([trimmed[-1] + 1])
