"""boto3's resource API on DynamoDB: ``Table``, the batch writer, conditions, paginators and waiters."""

from __future__ import annotations

from decimal import Decimal

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.config import Config
from botocore.exceptions import ClientError


@pytest.fixture
def dynamodb(fogbank_endpoint: str):
    return boto3.resource(
        "dynamodb",
        endpoint_url=fogbank_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


def test_table_batch_writer_conditions_paginators_waiters(dynamodb) -> None:
    table = dynamodb.create_table(
        TableName="books",
        AttributeDefinitions=[
            {"AttributeName": "author", "AttributeType": "S"},
            {"AttributeName": "title", "AttributeType": "S"},
            {"AttributeName": "year", "AttributeType": "N"},
        ],
        KeySchema=[{"AttributeName": "author", "KeyType": "HASH"}, {"AttributeName": "title", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-year",
                "KeySchema": [{"AttributeName": "year", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    table.wait_until_exists()
    table.reload()
    assert table.table_status == "ACTIVE" and table.key_schema[0]["AttributeName"] == "author"
    assert [t.name for t in dynamodb.tables.all()] == ["books"]

    # More than one BatchWriteItem's 25, with a duplicate key the writer must collapse (overwrite_by_pkeys).
    with table.batch_writer(overwrite_by_pkeys=["author", "title"]) as batch:
        for n in range(60):
            batch.put_item(Item={"author": f"a{n % 3}", "title": f"t{n:02d}", "year": 1990 + n % 5, "pages": n})
        batch.put_item(Item={"author": "a0", "title": "t00", "year": 1990, "pages": 999})
        batch.delete_item(Key={"author": "a1", "title": "t01"})
    assert table.get_item(Key={"author": "a0", "title": "t00"})["Item"]["pages"] == Decimal(999)
    assert "Item" not in table.get_item(Key={"author": "a1", "title": "t01"})

    found = table.query(KeyConditionExpression=Key("author").eq("a2") & Key("title").begins_with("t1"))
    assert [i["title"] for i in found["Items"]] == ["t11", "t14", "t17"]
    filtered = table.scan(FilterExpression=Attr("pages").between(10, 12) & Attr("year").is_in([1990, 1991, 1992]))
    assert sorted(i["pages"] for i in filtered["Items"]) == [10, 11, 12]
    by_year = table.query(IndexName="by-year", KeyConditionExpression=Key("year").eq(1994))
    assert by_year["Count"] == 12

    table.update_item(
        Key={"author": "a0", "title": "t03"},
        UpdateExpression="SET pages = pages + :n, tags = :t",
        ConditionExpression=Attr("pages").eq(3),
        ExpressionAttributeValues={":n": 1, ":t": {"x", "y"}},
    )
    assert table.get_item(Key={"author": "a0", "title": "t03"})["Item"]["tags"] == {"x", "y"}
    with pytest.raises(ClientError) as caught:
        table.put_item(Item={"author": "a0", "title": "t03"}, ConditionExpression=Attr("author").not_exists())
    assert caught.value.response["Error"]["Code"] == "ConditionalCheckFailedException"

    client = dynamodb.meta.client  # the resource's client: it takes and gives Python values, as the resource does
    pages = list(client.get_paginator("scan").paginate(TableName="books", PaginationConfig={"PageSize": 7}))
    assert sum(page["Count"] for page in pages) == 59 and len(pages) == 9
    queried = client.get_paginator("query").paginate(
        TableName="books",
        KeyConditionExpression="author = :a",
        ExpressionAttributeValues={":a": "a1"},
        PaginationConfig={"PageSize": 4},
    )
    assert [i["title"] for page in queried for i in page["Items"]] == [f"t{n:02d}" for n in range(4, 60, 3)]
    listed = client.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 1})
    assert [name for page in listed for name in page["TableNames"]] == ["books"]

    table.delete()
    table.wait_until_not_exists()
    assert list(dynamodb.tables.all()) == []
