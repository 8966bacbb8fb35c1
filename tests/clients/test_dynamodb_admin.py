"""dynamodb-admin (npm), the GUI people run against local DynamoDB, pointed at Fogbank through DYNAMO_ENDPOINT.

Its pages are driven over HTTP as its own browser code drives them: list tables, create a table, add,
view, query and delete an item, delete the table.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests

from tests.clients.conftest import NODE_MODULES, clean_env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def admin(fogbank_endpoint: str) -> Iterator[str]:
    assert (NODE_MODULES / ".installed").exists(), "dynamodb-admin is not installed: run `make setup`"
    port = _free_port()
    process = subprocess.Popen(
        ["node", str(NODE_MODULES / "dynamodb-admin/dist/dynamodb-admin.js")],
        env=clean_env(DYNAMO_ENDPOINT=fogbank_endpoint, HOST="127.0.0.1", PORT=str(port), PATH="/usr/bin:/bin"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/api/tables", timeout=2)
            break
        except requests.ConnectionError:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "dynamodb-admin did not start"
            time.sleep(0.2)
    yield url
    process.terminate()
    output, _ = process.communicate(timeout=10)
    # dynamodb-admin logs the stack of every error it answers with a 500: there must be none.
    assert "Error" not in output, output


def _ok(response: requests.Response, status: int = 200) -> requests.Response:
    assert response.status_code == status, f"{response.request.method} {response.url}: {response.text[:2000]}"
    return response


def test_tables_items_and_pages(admin: str, client) -> None:
    dynamodb = client("dynamodb")
    dynamodb.create_table(
        TableName="existing",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert "existing" in _ok(requests.get(f"{admin}/")).text
    assert [t["TableName"] for t in _ok(requests.get(f"{admin}/api/tables")).json()] == ["existing"]
    _ok(requests.get(f"{admin}/create-table"))

    # The create-table form, with a global secondary index, as its page posts it.
    definition = {
        "TableDefinition": {
            "TableName": "orders",
            "HashAttributeName": "customer",
            "HashAttributeType": "S",
            "RangeAttributeName": "placed",
            "RangeAttributeType": "N",
            "ReadCapacityUnits": 5,
            "WriteCapacityUnits": 5,
        },
        "SecondaryIndexes": [
            {
                "IndexName": "by-status",
                "IndexType": "global",
                "HashAttributeName": "status",
                "HashAttributeType": "S",
                "ReadCapacityUnits": 5,
                "WriteCapacityUnits": 5,
            }
        ],
    }
    _ok(requests.post(f"{admin}/create-table", json=definition), 204)
    table = dynamodb.describe_table(TableName="orders")["Table"]
    assert table["GlobalSecondaryIndexes"][0]["IndexName"] == "by-status"
    assert sorted(t["TableName"] for t in _ok(requests.get(f"{admin}/api/tables")).json()) == ["existing", "orders"]

    for page in ("", "/get", "/meta", "/ttl", "/add-item"):
        _ok(requests.get(f"{admin}/tables/orders{page}"))

    item = {"customer": "ann", "placed": 20261201, "status": "open", "lines": [{"sku": "a1", "qty": 2}]}
    key = _ok(requests.put(f"{admin}/tables/orders/add-item", json=item)).json()
    assert key == {"customer": "ann", "placed": 20261201}
    assert dynamodb.get_item(TableName="orders", Key={"customer": {"S": "ann"}, "placed": {"N": "20261201"}})["Item"][
        "lines"
    ] == {"L": [{"M": {"sku": {"S": "a1"}, "qty": {"N": "2"}}}]}

    path = f"{admin}/tables/orders/items/{quote('ann,20261201', safe='')}"
    assert "a1" in _ok(requests.get(path)).text  # the item page
    item["status"] = "shipped"
    assert _ok(requests.put(path, json=item)).json()["status"] == "shipped"

    scanned = _ok(requests.get(f"{admin}/tables/orders/items")).json()
    assert [i["customer"] for i in scanned["Items"]] == ["ann"]
    filters = '{"customer": {"value": "ann", "type": "S", "operator": "="}}'
    queried = _ok(
        requests.get(f"{admin}/tables/orders/items", params={"operationType": "query", "filters": filters})
    ).json()
    assert [i["status"] for i in queried["Items"]] == ["shipped"]
    by_index = _ok(
        requests.get(
            f"{admin}/tables/orders/items",
            params={
                "operationType": "query",
                "queryableSelection": "by-status",
                "filters": '{"status": {"value": "shipped", "type": "S", "operator": "="}}',
            },
        )
    ).json()
    assert [i["customer"] for i in by_index["Items"]] == ["ann"]

    _ok(requests.delete(path), 204)
    assert "Item" not in dynamodb.get_item(
        TableName="orders", Key={"customer": {"S": "ann"}, "placed": {"N": "20261201"}}
    )
    _ok(requests.get(path), 404)
    _ok(requests.delete(f"{admin}/tables/orders"), 204)
    assert [t["TableName"] for t in _ok(requests.get(f"{admin}/api/tables")).json()] == ["existing"]
