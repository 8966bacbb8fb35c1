"""Tables and items survive a restart and a kill -9 of ``fogbank up``; a GSI backfill resumes after one."""

from __future__ import annotations

import signal

import boto3
from botocore.config import Config as BotoConfig

from tests.platform.fogproc import start


def dynamodb(endpoint: str):
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=BotoConfig(retries={"max_attempts": 1}),
    )


def test_acknowledged_writes_survive_kill_9(tmp_path):
    data = tmp_path / "data"
    running = start(tmp_path / "one.log", "--data-dir", str(data))
    try:
        ddb = dynamodb(running.endpoint)
        ddb.create_table(
            TableName="durable",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "byg",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            Tags=[{"Key": "k", "Value": "v"}],
        )
        for i in range(200):
            ddb.put_item(
                TableName="durable", Item={"pk": {"S": f"k{i}"}, "g": {"S": "x"}, "b": {"B": bytes([i % 256])}}
            )
        ddb.delete_item(TableName="durable", Key={"pk": {"S": "k0"}})
    finally:
        running.stop(signal.SIGKILL)
    running = start(tmp_path / "two.log", "--data-dir", str(data))
    try:
        ddb = dynamodb(running.endpoint)
        table = ddb.describe_table(TableName="durable")["Table"]
        assert table["ItemCount"] == 199 and table["TableStatus"] == "ACTIVE"
        assert table["GlobalSecondaryIndexes"][0]["ItemCount"] == 199
        assert ddb.get_item(TableName="durable", Key={"pk": {"S": "k7"}})["Item"]["b"] == {"B": b"\x07"}
        assert (
            ddb.query(
                TableName="durable",
                IndexName="byg",
                KeyConditionExpression="g = :g",
                ExpressionAttributeValues={":g": {"S": "x"}},
                Select="COUNT",
            )["Count"]
            == 199
        )
        assert ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"] == [{"Key": "k", "Value": "v"}]
    finally:
        running.stop(signal.SIGTERM)
