"""The AWS SDK for JavaScript v3 (``@aws-sdk/client-dynamodb``, ``@aws-sdk/lib-dynamodb``) against Fogbank.

js/dynamodb_sdk_v3.mjs runs the SDK's clients, waiters and paginators and prints what it read; the
expectations are DynamoDB's documented behaviour for those calls.
"""

from __future__ import annotations

import json
import subprocess

from tests.clients.conftest import HERE, NODE_MODULES, clean_env


def test_dynamodb_client_and_document_client(fogbank_endpoint: str) -> None:
    assert (NODE_MODULES / ".installed").exists(), "the JavaScript SDK is not installed: run `make setup`"
    result = subprocess.run(
        ["node", str(HERE / "js/dynamodb_sdk_v3.mjs")],
        env=clean_env(FOGBANK_ENDPOINT=fogbank_endpoint),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["waiter"] == out["deleted"] == "SUCCESS"
    assert out["conditional"] == {"name": "ConditionalCheckFailedException", "status": 400}
    assert out["get"] == {
        "pk": "a",
        "sk": 1,
        "name": "first",
        "tags": ["x", "y"],
        "nums": [1, 2],
        "nested": {"list": [1, "two", None, True]},
    }
    assert out["update"] == {"name": "renamed", "hits": 1, "tags": ["x", "y", "z"]}
    assert out["batchGet"] == [2, 3]
    assert out["cancelled"] == {"name": "TransactionCanceledException", "reasons": ["None", "ConditionalCheckFailed"]}
    assert out["queryPages"] == [
        list(range(30, 23, -1)),
        list(range(23, 16, -1)),
        list(range(16, 9, -1)),
        list(range(9, 2, -1)),
        [2],
    ]
    assert out["query"] == 3  # n > 28: 29, 30, and sk 2 raised to 102 by the transaction
    assert out["scanned"] == 31
    assert out["ttl"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
    assert out["tables"] == ["js-orders"]
