"""DynamoDB AttributeValues: validation, numbers, sizes and comparison.

An AttributeValue is the dict botocore sends, e.g. ``{"S": "a"}``, ``{"N": "1.50"}``, ``{"B": b"..."}``,
``{"L": [...]}``, ``{"M": {...}}``, ``{"SS": [...]}``, ``{"NULL": True}``. An item is a dict of attribute name
to AttributeValue. Binary values arrive already decoded to ``bytes``.

Numbers follow DynamoDB's own type: up to 38 significant decimal digits, magnitude between 1e-130 and
9.99...e125, stored and returned in a canonical plain form ("1.50" -> "1.5", "1e3" -> "1000", "-0" -> "0").
"""

from __future__ import annotations

import base64
import re
from decimal import Decimal, InvalidOperation, localcontext
from functools import lru_cache
from typing import Any

from fogbank.protocols.errors import AwsError, validation_error
from fogbank.services.dynamodb.input_faults import InputFault, duplicate_members

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]

MAX_ITEM_SIZE = 400 * 1024
MAX_NESTING_DEPTH = 32
MAX_DIGITS = 38
MAX_EXPONENT = 125
MIN_EXPONENT = -130

SCALAR_TYPES = ("S", "N", "B")
SET_TYPES = ("SS", "NS", "BS")
# The order DynamoDB checks the members of an AttributeValue in, which decides the error reported first.
ALL_TYPES = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")

INVALID = "One or more parameter values were invalid: "
EMPTY_VALUE = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
MANY_TYPES = (
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
)
NOT_NUMERIC = "The parameter cannot be converted to a numeric value"
OVERFLOW = "Number overflow. Attempting to store a number with magnitude larger than supported range"
UNDERFLOW = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
TOO_PRECISE = "Attempting to store more than 38 significant digits in a Number"
TOO_DEEP = (
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
)

# Java's BigDecimal grammar, which DynamoDB parses with: no spaces, no NaN/Infinity, an optional sign.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


# --- numbers -------------------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def parse_number(text: str) -> Decimal:
    """Parse and range-check a DynamoDB number string, raising DynamoDB's ValidationException."""
    if not isinstance(text, str):
        raise InputFault(NOT_NUMERIC)
    if text == "":
        raise InputFault(NOT_NUMERIC, f"{NOT_NUMERIC}: ")
    if not _NUMBER.fullmatch(text):
        raise InputFault(f"{NOT_NUMERIC}: {text}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _huge_exponent(text) from None
    try:
        check_number_range(number, too_precise=TOO_PRECISE)
        if ("e" in text or "E" in text) and not significant_digits(number):
            # Zero is range-checked by the exponent it is written with (0e126 overflows, as on AWS).
            check_zero_exponent(number)
    except AwsError as error:
        raise InputFault(_older_range_fault(text, number, error.message), error.message) from None
    return number


def check_zero_exponent(number: Decimal) -> None:
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent > MAX_EXPONENT:
        raise validation_error(OVERFLOW)
    if isinstance(exponent, int) and exponent < MIN_EXPONENT:
        raise validation_error(UNDERFLOW)


def _huge_exponent(text: str) -> InputFault:
    """An exponent past what Decimal holds (about 10**18): AWS reads it as a 64-bit integer, so it is out of
    range (an overflow or underflow by its sign) unless it does not fit 64 bits, when it is not a number."""
    exponent = text.lower().partition("e")[2]
    if not exponent or not -(2**63) <= int(exponent) < 2**63:
        return InputFault(f"{NOT_NUMERIC}: {text}")
    return InputFault(OVERFLOW if int(exponent) > 0 else UNDERFLOW)


def _older_range_fault(text: str, number: Decimal, message: str) -> str:
    """The older layer reads a number as Java's BigDecimal, whose precision minus scale is a 32-bit int: an
    exponent near 2**31 wraps it negative, so ``1e2147483647`` is an underflow there (an overflow elsewhere)."""
    if message != OVERFLOW:
        return message
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int) or not -(2**31) <= exponent < 2**31:
        return message
    precision = len(number.as_tuple().digits)
    return UNDERFLOW if precision + exponent > 2**31 - 1 else message


def check_number_range(number: Decimal, too_precise: str = TOO_PRECISE) -> None:
    """Raise if ``number`` does not fit DynamoDB's number type (a result of arithmetic passes OVERFLOW)."""
    digits = significant_digits(number)
    if not digits:
        return
    exponent = number.adjusted()
    if exponent > MAX_EXPONENT:
        raise validation_error(OVERFLOW)
    if exponent < MIN_EXPONENT:
        raise validation_error(UNDERFLOW)
    if len(digits) > MAX_DIGITS:
        raise validation_error(too_precise)


def significant_digits(number: Decimal) -> str:
    """The digits of ``number`` without leading or trailing zeros ("" for zero)."""
    return "".join(map(str, number.as_tuple().digits)).strip("0")


def format_number(number: Decimal) -> str:
    """DynamoDB's canonical text of a number: plain notation, no trailing zeros, no negative zero."""
    sign, digit_tuple, exponent = number.as_tuple()
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    if not digits:
        return "0"
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    digits = stripped
    if exponent >= 0:
        text = digits + "0" * exponent
    elif -exponent >= len(digits):
        text = "0." + "0" * (-exponent - len(digits)) + digits
    else:
        text = digits[:exponent] + "." + digits[exponent:]
    return "-" + text if sign else text


@lru_cache(maxsize=8192)
def canonical_number(text: str) -> str:
    if _plain_integer(text):
        return text  # already canonical: no Decimal needed (counters and ids are most numbers)
    return format_number(parse_number(text))


def _plain_integer(text: str) -> bool:
    """An integer written canonically, within 38 digits: "0", "42", "-7" (not "007", "+1", "-0", "1e3")."""
    digits = text[1:] if text[:1] == "-" else text
    return 0 < len(digits) <= MAX_DIGITS and digits.isascii() and digits.isdigit() and (digits[0] != "0" or text == "0")


def add_numbers(left: str, right: str, subtract: bool = False) -> str:
    """Exact ``left + right`` (or ``-``) as DynamoDB computes it for ADD and SET ``+``/``-``.

    A result DynamoDB cannot store, too large or needing more than 38 digits, is rejected with the
    overflow message: that is what DynamoDB answers for both.
    """
    a, b = parse_number(left), parse_number(right)
    # Operands span at most 10^-168..10^126, so 400 digits keep every sum exact.
    with localcontext() as context:
        context.prec = 400
        result = a - b if subtract else a + b
    check_number_range(result, too_precise=OVERFLOW)
    return format_number(result)


@lru_cache(maxsize=8192)
def number_size(text: str) -> int:
    """Bytes a number takes in an item: one exponent byte plus its base-100 digits, one more if negative.

    DynamoDB stores numbers like Oracle's NUMBER, two decimal digits to a byte aligned on the decimal point,
    which is what "1 byte per two significant digits plus 1" approximates.
    """
    if _plain_integer(text):
        negative = text[0] == "-"
        digits = text[1:] if negative else text
        significant = digits.rstrip("0")
        if not significant:
            return 1
        first = len(digits) - 1
        last = first - len(significant) + 1
        return 1 + first // 2 - last // 2 + 1 + (1 if negative else 0)
    number = parse_number(text)
    digits = significant_digits(number)
    if not digits:
        return 1
    first = number.adjusted()
    last = first - len(digits) + 1
    centesimal_digits = first // 2 - last // 2 + 1
    return 1 + centesimal_digits + (1 if number < 0 else 0)


# --- validation ----------------------------------------------------------------------------------------


def validate_value(value: Any, depth: int = 1, limit: int = MAX_NESTING_DEPTH) -> AttributeValue:
    """Check an AttributeValue as DynamoDB does and return its canonical form (numbers normalised).

    ``depth`` is the nesting level of the value, the attribute itself being level 1; ``limit`` the deepest
    level allowed (a transaction's expression values may nest one level deeper than an item).
    """
    if not isinstance(value, dict):
        raise validation_error(EMPTY_VALUE)
    present = [kind for kind in ALL_TYPES if value.get(kind) is not None]
    if not present:
        raise validation_error(EMPTY_VALUE)
    if depth > limit:
        raise InputFault(TOO_DEEP)
    checked = {kind: _validate_member(kind, value[kind], depth, limit) for kind in present}
    if len(present) > 1:
        raise validation_error(MANY_TYPES)
    return checked


def nesting_levels(value: AttributeValue) -> int:
    """How many levels a value spans, itself included: 1 for a scalar or an empty map or list."""
    children = value.get("M")
    children = children.values() if children is not None else value.get("L")
    if not children:
        return 1
    return 1 + max(nesting_levels(child) for child in children)


def _validate_member(kind: str, member: Any, depth: int, limit: int = MAX_NESTING_DEPTH) -> Any:
    if kind == "N":
        return canonical_number(member)
    if kind in ("S", "B", "BOOL"):
        return member
    if kind == "NULL":
        # AWS used to refuse {"NULL": false} ("Null attribute value types must have the value of true"); since
        # mid-2026 it accepts it and stores {"NULL": true}.
        return True
    if kind == "M":
        return {name: validate_value(child, depth + 1, limit) for name, child in member.items()}
    if kind == "L":
        return [validate_value(child, depth + 1, limit) for child in member]
    return _validate_set(kind, member)


def _validate_set(kind: str, members: list[Any]) -> list[Any]:
    if not members:
        message = {"SS": "An string set  may not be empty", "NS": "An number set  may not be empty"}
        raise validation_error(INVALID + message.get(kind, "Binary sets should not be empty"))
    if kind != "NS" and None in members:  # NS: parse_number refuses a null as not numeric
        # dynalite's recorded wording for a null in a string or binary set.
        empty = (
            "An AttributeValue may not contain an empty string"
            if kind == "SS"
            else "Binary sets may not contain null or empty values"
        )
        raise validation_error(INVALID + empty)
    if kind == "NS":
        numbers = [parse_number(member) for member in members]
        if len(set(numbers)) != len(numbers):
            raise duplicate_members(kind, numbers)
        return [format_number(number) for number in numbers]
    if len(set(members)) != len(members):
        raise duplicate_members(kind, members)
    return list(members)


def validate_item(item: Any) -> Item:
    """Validate every attribute of an item; returns the item with canonical numbers."""
    if not isinstance(item, dict):
        raise validation_error(EMPTY_VALUE)
    return {name: validate_value(value) for name, value in item.items()}


def sized_item(item: Any) -> tuple[Item, int]:
    """``validate_item`` and ``item_size`` in one walk: the canonical item and its size."""
    if not isinstance(item, dict):
        raise validation_error(EMPTY_VALUE)
    out: Item = {}
    size = 0
    for name, value in item.items():
        text = value.get("S") if type(value) is dict and len(value) == 1 else None
        if type(text) is str:  # most attributes: a string, stored as it came
            out[name] = value
            value_bytes = len(text) if text.isascii() else len(text.encode("utf-8"))
        else:
            out[name], value_bytes = sized_value(value, 1)
        size += (len(name) if name.isascii() else len(name.encode("utf-8"))) + value_bytes
    return out, size


def sized_value(value: Any, depth: int) -> tuple[AttributeValue, int]:
    """``validate_value`` and ``value_size`` in one walk. The common shapes (one member of a known type)
    are checked here; anything else takes the general path, which words every error."""
    if type(value) is dict and len(value) == 1 and depth <= MAX_NESTING_DEPTH:
        for kind, member in value.items():
            if kind == "S" and type(member) is str:
                return value, len(member) if member.isascii() else len(member.encode("utf-8"))
            if kind == "N" and type(member) is str:
                text = canonical_number(member)
                return (value if text == member else {"N": text}), number_size(text)
            if kind == "M" and type(member) is dict:
                size = 3
                entries: dict[str, AttributeValue] = {}
                for name, child in member.items():
                    checked, child_size = sized_value(child, depth + 1)
                    entries[name] = checked
                    size += 1 + (len(name) if name.isascii() else len(name.encode("utf-8"))) + child_size
                return {"M": entries}, size
            if kind == "L" and type(member) is list:
                size = 3
                elements: list[AttributeValue] = []
                for child in member:
                    checked, child_size = sized_value(child, depth + 1)
                    elements.append(checked)
                    size += 1 + child_size
                return {"L": elements}, size
            if kind in ("B", "BOOL") and member is not None:
                return value, len(member) if kind == "B" else 1
            if kind == "SS" and type(member) is list and member and len(set(member)) == len(member):
                size = 0
                for text in member:
                    if type(text) is not str:
                        break
                    size += len(text) if text.isascii() else len(text.encode("utf-8"))
                else:
                    return value, size
    checked = validate_value(value, depth)
    return checked, value_size(checked)


def type_of(value: AttributeValue | None) -> str | None:
    """The type descriptor of a (valid) AttributeValue: "S", "N", "M", ..."""
    if not value:
        return None
    return next(iter(value))


# --- sizes ---------------------------------------------------------------------------------------------


def value_size(value: AttributeValue) -> int:
    kind, member = next(iter(value.items()))
    if kind == "S":
        return len(member.encode("utf-8"))
    if kind == "B":
        return len(member)
    if kind == "N":
        return number_size(member)
    if kind == "SS":
        return sum(len(text.encode("utf-8")) for text in member)
    if kind == "BS":
        return sum(len(blob) for blob in member)
    if kind == "NS":
        return sum(number_size(text) for text in member)
    if kind == "L":
        return 3 + sum(1 + value_size(child) for child in member)
    if kind == "M":
        return 3 + sum(1 + len(name.encode("utf-8")) + value_size(child) for name, child in member.items())
    return 1  # NULL, BOOL


def item_size(item: Item) -> int:
    """The size DynamoDB counts against the 400 KB limit and for capacity units."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def check_item_size(item: Item, message: str = "Item size has exceeded the maximum allowed size") -> None:
    """Raise DynamoDB's error for an item over 400 KB (UpdateItem passes its own wording)."""
    if item_size(item) > MAX_ITEM_SIZE:
        raise validation_error(message)


def write_capacity_units(size: int) -> float:
    return float(max(1, -(-size // 1024)))


def read_capacity_units(size: int, consistent: bool) -> float:
    units = float(max(1, -(-size // 4096)))
    return units if consistent else units / 2


# --- comparison ----------------------------------------------------------------------------------------


def values_equal(left: AttributeValue | None, right: AttributeValue | None) -> bool:
    """DynamoDB equality: same type and same value; numbers by value, sets as sets, lists and maps deeply."""
    if left is None or right is None:
        return False
    kind, right_kind = type_of(left), type_of(right)
    if kind != right_kind:
        return False
    a, b = left[kind], right[kind]
    if kind == "N":
        return parse_number(a) == parse_number(b)
    if kind == "NS":
        return {parse_number(x) for x in a} == {parse_number(x) for x in b}
    if kind in ("SS", "BS"):
        return set(a) == set(b)
    if kind == "L":
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b, strict=True))
    if kind == "M":
        return a.keys() == b.keys() and all(values_equal(a[name], b[name]) for name in a)
    return a == b


def compare_values(left: AttributeValue, right: AttributeValue) -> int | None:
    """-1, 0 or 1 for two values of the same ordered type (S, N, B); None when they cannot be ordered.

    Strings compare by UTF-8 bytes, which for Python's str is code point order.
    """
    kind = type_of(left)
    if kind not in SCALAR_TYPES or kind != type_of(right):
        return None
    a, b = left[kind], right[kind]
    if kind == "N":
        a, b = parse_number(a), parse_number(b)
    return (a > b) - (a < b)


def set_member_key(kind: str, member: Any) -> Any:
    """What makes two set members the same: numbers by value, strings and binaries as they are."""
    return parse_number(member) if kind == "NS" else member


def set_union(kind: str, left: list[Any], right: list[Any]) -> list[Any]:
    seen = {set_member_key(kind, member) for member in left}
    merged = list(left)
    for member in right:
        key = set_member_key(kind, member)
        if key not in seen:
            seen.add(key)
            merged.append(member)
    return merged


def set_difference(kind: str, left: list[Any], right: list[Any]) -> list[Any]:
    removed = {set_member_key(kind, member) for member in right}
    return [member for member in left if set_member_key(kind, member) not in removed]


def describe_value(value: AttributeValue) -> str:
    """How DynamoDB quotes a value in messages: ``{S:a}``, ``{N:1}``."""
    kind = type_of(value)
    member = value[kind]
    if kind == "B":
        member = base64.b64encode(member).decode()
    return "{" + f"{kind}:{member}" + "}"
