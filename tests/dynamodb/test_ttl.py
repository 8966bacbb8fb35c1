"""Time to Live: UpdateTimeToLive/DescribeTimeToLive as Alternator's test_ttl.py recorded them on AWS, and the
expiry itself."""

from __future__ import annotations

import time
from typing import Any

from tests.dynamodb.conftest import error_of


def spec(enabled: bool, name: str = "expiration") -> dict[str, Any]:
    return {"Enabled": enabled, "AttributeName": name}


def test_ttl_starts_disabled_and_can_be_enabled(ddb: Any, hash_table: str) -> None:
    assert ddb.describe_time_to_live(TableName=hash_table)["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}
    answer = ddb.update_time_to_live(TableName=hash_table, TimeToLiveSpecification=spec(True))
    assert answer["TimeToLiveSpecification"] == spec(True)
    assert ddb.describe_time_to_live(TableName=hash_table)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expiration",
    }


def test_ttl_change_errors(ddb: Any, hash_table: str) -> None:
    update = ddb.update_time_to_live
    assert error_of(update, TableName=hash_table, TimeToLiveSpecification=spec(False)) == (
        "ValidationException",
        "TimeToLive is already disabled",
    )
    update(TableName=hash_table, TimeToLiveSpecification=spec(True))
    assert error_of(update, TableName=hash_table, TimeToLiveSpecification=spec(True)) == (
        "ValidationException",
        "TimeToLive is already enabled",
    )
    for enabled in (True, False):
        code, message = error_of(update, TableName=hash_table, TimeToLiveSpecification=spec(enabled, "dog"))
        assert code == "ValidationException" and "different" in message
    assert update(TableName=hash_table, TimeToLiveSpecification=spec(False))["TimeToLiveSpecification"] == {
        "Enabled": False
    }
    assert ddb.describe_time_to_live(TableName=hash_table)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
    assert error_of(update, TableName="missing", TimeToLiveSpecification=spec(True))[0] == "ResourceNotFoundException"


def test_expired_items_are_deleted(ddb: Any, hash_table: str, fogbank_server: Any) -> None:
    now = int(time.time())
    items = {
        "past": {"N": str(now - 60)},
        "ancient": {"N": "162777600"},  # over five years ago: AWS ignores it
        "future": {"N": str(now + 3600)},
        "text": {"S": str(now - 60)},  # not a Number: never expires
    }
    for key, expiration in items.items():
        ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}, "expiration": expiration})
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": "none"}})
    ddb.update_time_to_live(TableName=hash_table, TimeToLiveSpecification=spec(True))
    # The sweep runs every few seconds in the background; the test runs one now instead of waiting.
    assert fogbank_server.platform.service("dynamodb").backend.expiry.sweep() == 1
    left = sorted(item["pk"]["S"] for item in ddb.scan(TableName=hash_table)["Items"])
    assert left == ["ancient", "future", "none", "text"]
    assert ddb.describe_table(TableName=hash_table)["Table"]["ItemCount"] == 4
