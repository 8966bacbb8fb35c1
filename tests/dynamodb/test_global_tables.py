"""Global tables (2019.11.21): replicas in other regions of Fogbank, created, kept in step both ways, deleted."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.dynamodb.conftest import error_of

STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def wait_for(check: Callable[[], Any], seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def global_table(ddb: Any, name: str, **extra: Any) -> str:
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification=STREAM,
        **extra,
    )
    return name


def active_replica(ddb: Any, name: str, region: str) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        table = ddb.describe_table(TableName=name)["Table"]
        replicas = {r["RegionName"]: r for r in table.get("Replicas", ())}
        if replicas.get(region, {}).get("ReplicaStatus") == "ACTIVE" and table["TableStatus"] == "ACTIVE":
            return table
        return None

    return wait_for(ready)


@pytest.fixture
def name() -> str:
    return f"g{uuid.uuid4().hex[:10]}"


def test_replica_is_created_with_items_and_definition(client: Callable[..., Any], name: str) -> None:
    east, west = client("dynamodb"), client("dynamodb", region="us-west-2")
    global_table(east, name)
    for i in range(30):
        east.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "g": {"S": "x"}, "n": {"N": str(i)}})
    answer = east.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    description = answer["TableDescription"]
    assert description["TableStatus"] == "UPDATING"
    assert description["GlobalTableVersion"] == "2019.11.21"
    assert description["Replicas"][0]["RegionName"] == "us-west-2"
    assert description["Replicas"][0]["ReplicaStatus"] in ("CREATING", "ACTIVE")
    table = active_replica(east, name, "us-west-2")
    assert table["Replicas"][0]["GlobalSecondaryIndexes"] == [{"IndexName": "byg"}]
    replica = wait_for(lambda: (t := west.describe_table(TableName=name)["Table"])["TableStatus"] == "ACTIVE" and t)
    assert replica["TableArn"].startswith("arn:aws:dynamodb:us-west-2:")
    assert replica["KeySchema"] == table["KeySchema"]
    assert replica["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert replica["StreamSpecification"] == STREAM
    assert replica["LatestStreamArn"] != table["LatestStreamArn"]
    assert [r["RegionName"] for r in replica["Replicas"]] == ["us-east-1"]
    assert replica["ItemCount"] == 30
    assert west.get_item(TableName=name, Key={"pk": {"S": "k7"}})["Item"]["n"] == {"N": "7"}
    count = west.query(
        TableName=name,
        IndexName="byg",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "x"}},
        Select="COUNT",
    )["Count"]
    assert count == 30


def test_writes_replicate_both_ways(client: Callable[..., Any], name: str) -> None:
    east, west = client("dynamodb"), client("dynamodb", region="us-west-2")
    global_table(east, name)
    east.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    active_replica(east, name, "us-west-2")
    east.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "east"}})
    assert wait_for(lambda: west.get_item(TableName=name, Key={"pk": {"S": "a"}}).get("Item"))["v"] == {"S": "east"}
    west.update_item(
        TableName=name,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"S": "west"}},
    )
    wait_for(lambda: east.get_item(TableName=name, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "west"})
    west.delete_item(TableName=name, Key={"pk": {"S": "a"}})
    wait_for(lambda: "Item" not in east.get_item(TableName=name, Key={"pk": {"S": "a"}}))
    # Transactions and batches replicate too, and nothing echoes back and forth.
    east.transact_write_items(
        TransactItems=[{"Put": {"TableName": name, "Item": {"pk": {"S": f"t{i}"}}}} for i in range(3)]
    )
    west.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}}}} for i in range(3)]})
    wait_for(lambda: east.scan(TableName=name, Select="COUNT")["Count"] == 6)
    wait_for(lambda: west.scan(TableName=name, Select="COUNT")["Count"] == 6)
    time.sleep(0.3)
    streams = client("dynamodbstreams")
    arn = east.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    # east's stream: its own put, west's update and delete, 3 transaction puts and 3 batch puts from west.
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"] + ["INSERT"] * 6
    assert all("userIdentity" not in r for r in records)


def test_last_writer_wins(client: Callable[..., Any], name: str) -> None:
    east, west = client("dynamodb"), client("dynamodb", region="us-west-2")
    global_table(east, name)
    east.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    active_replica(east, name, "us-west-2")
    for i in range(20):
        east.put_item(TableName=name, Item={"pk": {"S": "c"}, "v": {"N": str(i)}, "r": {"S": "east"}})
        west.put_item(TableName=name, Item={"pk": {"S": "c"}, "v": {"N": str(i)}, "r": {"S": "west"}})
    time.sleep(0.5)
    wait_for(
        lambda: (
            east.get_item(TableName=name, Key={"pk": {"S": "c"}})["Item"]
            == west.get_item(TableName=name, Key={"pk": {"S": "c"}})["Item"]
        )
    )
    # The last write was west's, after east's last: it wins everywhere.
    assert east.get_item(TableName=name, Key={"pk": {"S": "c"}})["Item"]["r"] == {"S": "west"}


def test_three_regions_and_deleting_replicas(client: Callable[..., Any], name: str) -> None:
    east, west, eu = client("dynamodb"), client("dynamodb", region="us-west-2"), client("dynamodb", region="eu-west-1")
    global_table(east, name)
    east.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    active_replica(east, name, "us-west-2")
    west.put_item(TableName=name, Item={"pk": {"S": "w"}})
    east.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}])
    table = active_replica(east, name, "eu-west-1")
    assert sorted(r["RegionName"] for r in table["Replicas"]) == ["eu-west-1", "us-west-2"]
    wait_for(lambda: "Item" in eu.get_item(TableName=name, Key={"pk": {"S": "w"}}))
    eu.put_item(TableName=name, Item={"pk": {"S": "e"}})
    wait_for(lambda: "Item" in west.get_item(TableName=name, Key={"pk": {"S": "e"}}))
    # Deleting a replica through UpdateTable, then another by its own DeleteTable.
    answer = east.update_table(TableName=name, ReplicaUpdates=[{"Delete": {"RegionName": "eu-west-1"}}])
    deleting = {r["RegionName"]: r["ReplicaStatus"] for r in answer["TableDescription"]["Replicas"]}
    assert deleting == {"us-west-2": "ACTIVE", "eu-west-1": "DELETING"}
    assert error_of(eu.describe_table, TableName=name)[0] == "ResourceNotFoundException"
    assert [r["RegionName"] for r in west.describe_table(TableName=name)["Table"]["Replicas"]] == ["us-east-1"]
    west.delete_table(TableName=name)
    table = east.describe_table(TableName=name)["Table"]
    assert "Replicas" not in table and "GlobalTableVersion" not in table
    east.put_item(TableName=name, Item={"pk": {"S": "alone"}})
    assert east.scan(TableName=name, Select="COUNT")["Count"] == 3


def test_replica_update_errors(client: Callable[..., Any], name: str) -> None:
    east = client("dynamodb")
    east.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    create = [{"Create": {"RegionName": "us-west-2"}}]
    code, message = error_of(east.update_table, TableName=name, ReplicaUpdates=create)
    assert code == "ValidationException" and "NEW_AND_OLD_IMAGES" in message
    east.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    assert error_of(east.update_table, TableName=name, ReplicaUpdates=create)[0] == "ValidationException"
    other = name + "p"
    east.create_table(
        TableName=other,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        StreamSpecification=STREAM,
    )
    assert error_of(east.update_table, TableName=other, ReplicaUpdates=create) == (
        "ValidationException",
        "Table write capacity should either be Pay-Per-Request or AutoScaled",
    )
    gt = global_table(east, name + "g")
    for bad in (
        [{"Create": {"RegionName": "us-east-1"}}],
        [{"Delete": {"RegionName": "us-west-2"}}],
        [{"Update": {"RegionName": "us-west-2"}}],
        [{"Create": {"RegionName": "not a region"}}],
        [{}],
        [{"Create": {"RegionName": "us-west-2"}, "Delete": {"RegionName": "us-west-2"}}],
        [{"Create": {"RegionName": "us-west-2"}}, {"Create": {"RegionName": "us-west-2"}}],
    ):
        code, _ = error_of(east.update_table, TableName=gt, ReplicaUpdates=bad)
        assert code in ("ValidationException", "ResourceNotFoundException"), bad
    assert error_of(east.update_table, TableName="missing", ReplicaUpdates=create)[0] == "ResourceNotFoundException"
    # A table of that name in the target region already: AWS refuses to make it a replica.
    client("dynamodb", region="us-west-2").create_table(
        TableName=gt,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    code, message = error_of(east.update_table, TableName=gt, ReplicaUpdates=create)
    assert code == "ValidationException" and "already existed as tables" in message


def test_stream_of_a_global_table_stays(client: Callable[..., Any], name: str) -> None:
    east = client("dynamodb")
    global_table(east, name)
    east.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    active_replica(east, name, "us-west-2")
    code, _ = error_of(east.update_table, TableName=name, StreamSpecification={"StreamEnabled": False})
    assert code == "ValidationException"


def test_replica_auto_scaling_description(client: Callable[..., Any], name: str) -> None:
    east = client("dynamodb")
    global_table(east, name)
    east.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    active_replica(east, name, "us-west-2")
    description = east.describe_table_replica_auto_scaling(TableName=name)["TableAutoScalingDescription"]
    assert description["TableName"] == name and description["TableStatus"] == "ACTIVE"
    regions = {r["RegionName"]: r for r in description["Replicas"]}
    assert set(regions) == {"us-east-1", "us-west-2"}
    assert regions["us-west-2"]["ReplicaStatus"] == "ACTIVE"
    assert regions["us-west-2"]["GlobalSecondaryIndexes"] == [{"IndexName": "byg", "IndexStatus": "ACTIVE"}]
    assert error_of(east.describe_table_replica_auto_scaling, TableName="nope")[0] == "ResourceNotFoundException"


def test_replication_survives_kill_9(tmp_path: Any) -> None:
    """Writes acknowledged in one region, not yet replicated when the process is killed, reach the other
    region after the restart (replication is driven by the durable stream and its cursors)."""
    import signal

    import boto3
    from botocore.config import Config as BotoConfig

    from tests.platform.fogproc import start

    def ddb(endpoint: str, region: str) -> Any:
        return boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=BotoConfig(retries={"max_attempts": 1}),
        )

    data = tmp_path / "data"
    lag = {"FOGBANK_DYNAMODB_REPLICATION_DELAY": "30"}  # nothing replicates before the kill
    running = start(tmp_path / "one.log", "--data-dir", str(data), env=lag)
    try:
        east, west = ddb(running.endpoint, "us-east-1"), ddb(running.endpoint, "us-west-2")
        global_table(east, "durable")
        east.put_item(TableName="durable", Item={"pk": {"S": "before"}})
        east.update_table(TableName="durable", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
        active_replica(east, "durable", "us-west-2")
        for i in range(50):
            east.put_item(TableName="durable", Item={"pk": {"S": f"e{i}"}})
            west.put_item(TableName="durable", Item={"pk": {"S": f"w{i}"}})
        assert "Item" not in west.get_item(TableName="durable", Key={"pk": {"S": "e0"}})
    finally:
        running.stop(signal.SIGKILL)
    running = start(tmp_path / "two.log", "--data-dir", str(data))
    try:
        east, west = ddb(running.endpoint, "us-east-1"), ddb(running.endpoint, "us-west-2")
        for client in (east, west):
            wait_for(lambda c=client: c.scan(TableName="durable", Select="COUNT")["Count"] == 101)
        assert west.describe_table(TableName="durable")["Table"]["Replicas"][0]["ReplicaStatus"] == "ACTIVE"
        east.put_item(TableName="durable", Item={"pk": {"S": "after"}})
        wait_for(lambda: "Item" in west.get_item(TableName="durable", Key={"pk": {"S": "after"}}))
    finally:
        running.stop(signal.SIGTERM)


def test_replica_auto_scaling_update(client: Callable[..., Any], name: str) -> None:
    east = client("dynamodb")
    east.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        StreamSpecification=STREAM,
    )
    policy = {"TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70.0}}
    answer = east.update_table_replica_auto_scaling(
        TableName=name,
        ProvisionedWriteCapacityAutoScalingUpdate={
            "MinimumUnits": 5,
            "MaximumUnits": 50,
            "ScalingPolicyUpdate": policy,
        },
    )["TableAutoScalingDescription"]
    write = answer["Replicas"][0]["ReplicaProvisionedWriteCapacityAutoScalingSettings"]
    assert (write["MinimumUnits"], write["MaximumUnits"], write["AutoScalingDisabled"]) == (5, 50, False)
    assert write["ScalingPolicies"][0]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 70.0
    # Auto scaled write capacity is what a provisioned table needs for a replica.
    east.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    active_replica(east, name, "us-west-2")
    bad = {"MinimumUnits": 10, "MaximumUnits": 5}
    code, _ = error_of(
        east.update_table_replica_auto_scaling, TableName=name, ProvisionedWriteCapacityAutoScalingUpdate=bad
    )
    assert code == "ValidationException"
    on_demand = global_table(east, name + "d")
    code, _ = error_of(
        east.update_table_replica_auto_scaling,
        TableName=on_demand,
        ProvisionedWriteCapacityAutoScalingUpdate={"MinimumUnits": 1, "MaximumUnits": 5},
    )
    assert code == "ValidationException"
