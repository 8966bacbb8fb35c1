"""BatchWriteItem and BatchGetItem checks in the order and words real DynamoDB uses (dynalite's tests, which
were recorded against AWS, and LocalStack's AWS-validated snapshots).

Provenance of each test's expected answers: its ``provenance`` marker (registered in pyproject.toml)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import error_of

KEY_MISMATCH = "The provided key element does not match the schema"


@pytest.mark.provenance("dynalite", "localstack")
def test_batch_write_words_a_missing_key_as_a_schema_mismatch(ddb: Any, table: str) -> None:
    # PutItem says "Missing the key ..."; BatchWriteItem answers as a key lookup does.
    for item in ({}, {"other": {"S": "x"}}, {"pk": {"S": "only-the-hash"}}):
        assert error_of(ddb.batch_write_item, RequestItems={table: [{"PutRequest": {"Item": item}}]}) == (
            "ValidationException",
            KEY_MISMATCH,
        )


@pytest.mark.provenance("dynalite", "localstack")
def test_batch_write_checks_values_before_looking_tables_up(ddb: Any) -> None:
    too_big = {"pk": {"S": "k"}, "blob": {"S": "x" * (400 * 1024)}}
    assert error_of(ddb.batch_write_item, RequestItems={"missing": [{"PutRequest": {"Item": too_big}}]}) == (
        "ValidationException",
        "Item size has exceeded the maximum allowed size",
    )
    assert error_of(
        ddb.batch_write_item, RequestItems={"missing": [{"DeleteRequest": {"Key": {"pk": {"N": "x"}}}}]}
    ) == ("ValidationException", "The parameter cannot be converted to a numeric value: x")
    # A well-formed request for a missing table is still ResourceNotFoundException.
    assert error_of(ddb.batch_write_item, RequestItems={"missing": [{"PutRequest": {"Item": {"pk": {"S": "k"}}}}]}) == (
        "ResourceNotFoundException",
        "Requested resource not found",
    )


@pytest.mark.provenance("dynalite", "localstack")
def test_batch_get_checks_values_before_looking_tables_up(ddb: Any, hash_table: str) -> None:
    assert error_of(ddb.batch_get_item, RequestItems={"missing": {"Keys": [{"pk": {"SS": ["a", "a"]}}]}}) == (
        "ValidationException",
        'One or more parameter values were invalid: Input collection ["a", "a"] contains duplicates.',
    )
    assert error_of(
        ddb.batch_get_item, RequestItems={"missing": {"Keys": [{"pk": {"S": "a"}}], "ProjectionExpression": "a,,"}}
    )[0] == ("ValidationException")
    assert error_of(ddb.batch_get_item, RequestItems={"missing": {"Keys": [{"pk": {"S": "a"}}]}}) == (
        "ResourceNotFoundException",
        "Requested resource not found",
    )
    assert error_of(
        ddb.batch_get_item, RequestItems={hash_table: {"Keys": [{"pk": {"S": "a"}, "extra": {"S": "b"}}]}}
    ) == ("ValidationException", KEY_MISMATCH)


@pytest.mark.provenance("dynalite", "localstack")
def test_batch_write_still_writes_and_deletes(ddb: Any, table: str) -> None:
    ddb.batch_write_item(
        RequestItems={table: [{"PutRequest": {"Item": {"pk": {"S": "a"}, "sk": {"S": str(n)}}}} for n in range(3)]}
    )
    ddb.batch_write_item(RequestItems={table: [{"DeleteRequest": {"Key": {"pk": {"S": "a"}, "sk": {"S": "1"}}}}]})
    keys = [{"pk": {"S": "a"}, "sk": {"S": str(n)}} for n in range(3)]
    got = ddb.batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": True}})["Responses"][table]
    assert sorted(item["sk"]["S"] for item in got) == ["0", "2"]


@pytest.mark.provenance("dynamodb-conformance")
def test_batch_member_constraints_come_first(client: Any, hash_table: str) -> None:
    """Recorded from AWS in us-east-1 and eu-west-2 (2026-10): broken enums are reported before a missing
    table; BatchGetItem checks its table names as the map's keys (echoing the map as JSON) beside them, while
    BatchWriteItem reports the enum alone."""
    ddb = client("dynamodb", parameter_validation=False)
    rcc = (
        "Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value "
        "set: [INDEXES, TOTAL, NONE]"
    )
    put = [{"PutRequest": {"Item": {"pk": {"S": "a"}}}}]
    for name in ("missing", "bad!name"):
        assert error_of(ddb.batch_write_item, RequestItems={name: put}, ReturnConsumedCapacity="BOGUS") == (
            "ValidationException",
            f"1 validation error detected: {rcc}",
        )
    assert error_of(
        ddb.batch_get_item, RequestItems={"missing": {"Keys": [{"pk": {"S": "a"}}]}}, ReturnConsumedCapacity="BOGUS"
    ) == ("ValidationException", f"1 validation error detected: {rcc}")
    assert error_of(
        ddb.batch_get_item, RequestItems={"bad!name": {"Keys": [{"pk": {"S": "a"}}]}}, ReturnConsumedCapacity="BOGUS"
    ) == (
        "ValidationException",
        """2 validation errors detected: Value '{"bad!name":{"Keys":[{"pk":{"S":"a"}}]}}' at 'requestItems' failed """
        "to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to "
        "255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: "
        f"[a-zA-Z0-9_.-]+]; {rcc}",
    )
    assert ddb.scan(TableName=hash_table)["Count"] == 0
