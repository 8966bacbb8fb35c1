"""DynamoDB test helpers: a client and tables of the usual shapes."""

from __future__ import annotations

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
