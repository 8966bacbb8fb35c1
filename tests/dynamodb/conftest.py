"""DynamoDB test helpers: a client and tables of the usual shapes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def ddb(client: Callable[..., Any]) -> Any:
    return client("dynamodb")


def make_table(ddb: Any, name: str = "things", sort: str | None = "sk", sort_type: str = "S", **extra: Any) -> str:
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
    if sort:
        keys.append({"AttributeName": sort, "KeyType": "RANGE"})
        definitions.append({"AttributeName": sort, "AttributeType": sort_type})
    definitions += extra.pop("definitions", [])
    ddb.create_table(
        TableName=name, KeySchema=keys, AttributeDefinitions=definitions, BillingMode="PAY_PER_REQUEST", **extra
    )
    return name


@pytest.fixture
def table(ddb: Any) -> str:
    """A table keyed by pk (S) and sk (S)."""
    return make_table(ddb)


@pytest.fixture
def hash_table(ddb: Any) -> str:
    """A table keyed by pk (S) alone."""
    return make_table(ddb, "hashonly", sort=None)


def error_of(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str]:
    """(code, message) of the error a call raises."""
    try:
        call(**kwargs)
    except Exception as error:  # botocore ClientError
        response = getattr(error, "response", None)
        assert response is not None, error
        return response["Error"]["Code"], response["Error"]["Message"]
    raise AssertionError("the call did not fail")


def cancellation(call: Callable[..., Any], **kwargs: Any) -> list[dict[str, Any]]:
    """The CancellationReasons of the TransactionCanceledException a call raises."""
    with pytest.raises(Exception) as caught:
        call(**kwargs)
    response = caught.value.response  # type: ignore[attr-defined]
    assert response["Error"]["Code"] == "TransactionCanceledException"
    return response["CancellationReasons"]


AUTH = "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00"


def post(endpoint: str, operation: str, body: str) -> tuple[int, dict[str, Any]]:
    """A request body sent as it is (what botocore would refuse to send): the status and the JSON answer."""
    request = urllib.request.Request(
        endpoint.rstrip("/") + "/",
        data=body.encode(),
        headers={
            "X-Amz-Target": f"DynamoDB_20120810.{operation}",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": AUTH,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)
