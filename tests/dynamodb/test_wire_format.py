"""DynamoDB's answers byte for byte where SDKs or tools read them: error type namespaces, the
``Message`` of a SerializationException, 52-character request ids, the body's CRC32, and a POST with
no X-Amz-Target (measured against AWS: issue #14)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import zlib
from typing import Any

from tests.dynamodb.conftest import AUTH


def send(endpoint: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(endpoint.rstrip("/") + "/", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def call(endpoint: str, operation: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    headers = {"X-Amz-Target": f"DynamoDB_20120810.{operation}", "Content-Type": "application/x-amz-json-1.0",
               "Authorization": AUTH}  # fmt: skip
    return send(endpoint, body, headers)


def test_validation_errors_are_typed_in_corals_validate_namespace(fogbank_endpoint: str) -> None:
    status, _, body = call(fogbank_endpoint, "DescribeTable", b"{}")
    assert status == 400
    assert json.loads(body) == {
        "__type": "com.amazon.coral.validate#ValidationException",
        "message": "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: "
        "Member must not be null",
    }
    status, _, body = call(fogbank_endpoint, "DescribeTable", b'{"TableName": "missing"}')
    assert json.loads(body)["__type"] == "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"


def test_serialization_errors_carry_message_with_a_capital(fogbank_endpoint: str) -> None:
    status, _, body = call(fogbank_endpoint, "ListTables", b'{"Limit": "x"}')
    assert (status, json.loads(body)) == (
        400,
        {
            "__type": "com.amazon.coral.service#SerializationException",
            "Message": "STRING_VALUE can not be converted to an Integer",
        },  # fmt: skip
    )


def test_request_ids_and_checksums_are_dynamodbs(fogbank_endpoint: str, ddb: Any) -> None:
    for _status, headers, body in (call(fogbank_endpoint, "ListTables", b"{}"),
                                  call(fogbank_endpoint, "DescribeTable", b"{}")):  # fmt: skip
        assert re.fullmatch(r"[A-Z0-9]{52}", headers["x-amzn-requestid"]), headers
        assert headers["x-amz-crc32"] == str(zlib.crc32(body))
    # botocore checks the CRC32 (and retries on a mismatch): a real client reads the answer.
    assert re.fullmatch(r"[A-Z0-9]{52}", ddb.list_tables()["ResponseMetadata"]["RequestId"])


def test_a_post_without_a_target_is_an_unknown_operation(fogbank_endpoint: str) -> None:
    for headers in ({"Content-Type": "application/x-amz-json-1.0"},
                    {"Content-Type": "application/x-amz-json-1.0", "Authorization": AUTH}):  # fmt: skip
        status, answer_headers, body = send(fogbank_endpoint, b"{}", headers)
        assert (status, json.loads(body)) == (400, {"__type": "com.amazon.coral.service#UnknownOperationException"})
        assert answer_headers["content-type"] == "application/x-amz-json-1.0"
