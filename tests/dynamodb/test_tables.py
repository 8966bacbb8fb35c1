"""Table operations through boto3: create/describe/update/delete/list, limits, endpoints, errors."""

from __future__ import annotations

import time

import pytest

from tests.dynamodb.conftest import error_of, make_table

KEY = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEF = [{"AttributeName": "pk", "AttributeType": "S"}]


def test_create_answers_creating_then_waiter_sees_active(ddb):
    response = ddb.create_table(
        TableName="tab1", KeySchema=KEY, AttributeDefinitions=DEF, BillingMode="PAY_PER_REQUEST"
    )
    description = response["TableDescription"]
    assert description["TableStatus"] == "CREATING"
    assert description["TableArn"] == "arn:aws:dynamodb:us-east-1:000000000000:table/tab1"
    assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    started = time.monotonic()
    ddb.get_waiter("table_exists").wait(TableName="tab1")
    assert time.monotonic() - started < 5
    table = ddb.describe_table(TableName="tab1")["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["ItemCount"] == 0 and table["TableSizeBytes"] == 0
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 0


def test_create_provisioned_with_indexes_and_options(ddb):
    ddb.create_table(
        TableName="full",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "l", "AttributeType": "N"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
        LocalSecondaryIndexes=[
            {
                "IndexName": "byl",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]},
            }
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            }
        ],
        SSESpecification={"Enabled": True},
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        Tags=[{"Key": "team", "Value": "a"}],
        DeletionProtectionEnabled=True,
        TableClass="STANDARD_INFREQUENT_ACCESS",
    )
    table = ddb.describe_table(TableName="full")["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert table["LocalSecondaryIndexes"][0]["Projection"]["NonKeyAttributes"] == ["x"]
    assert table["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
    assert table["LatestStreamArn"].startswith(table["TableArn"] + "/stream/")
    assert table["TableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    assert table["DeletionProtectionEnabled"] is True
    code, message = error_of(ddb.delete_table, TableName="full")
    assert (code, message) == (
        "ValidationException",
        "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
    )
    ddb.update_table(TableName="full", DeletionProtectionEnabled=False)
    ddb.delete_table(TableName="full")


def test_create_errors(ddb):
    make_table(ddb, "dup")
    assert error_of(
        ddb.create_table, TableName="dup", KeySchema=KEY, AttributeDefinitions=DEF, BillingMode="PAY_PER_REQUEST"
    ) == (
        "ResourceInUseException",
        "Table already exists: dup",
    )
    assert error_of(ddb.create_table, TableName="nope", KeySchema=KEY, AttributeDefinitions=DEF) == (
        "ValidationException",
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified "
        "when BillingMode is PROVISIONED",
    )
    assert error_of(
        ddb.create_table,
        TableName="nope",
        KeySchema=KEY,
        AttributeDefinitions=DEF,
        BillingMode="PAY_PER_REQUEST",
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    )[1].endswith(
        "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
    )
    code, message = error_of(
        ddb.create_table,
        TableName="nope",
        KeySchema=[{"AttributeName": "x", "KeyType": "HASH"}],
        AttributeDefinitions=DEF,
        BillingMode="PAY_PER_REQUEST",
    )
    assert message == (
        "One or more parameter values were invalid: Some index key attributes are not defined in "
        "AttributeDefinitions. Keys: [x], AttributeDefinitions: [pk]"
    )
    code, message = error_of(
        ddb.create_table,
        TableName="nope",
        KeySchema=KEY,
        AttributeDefinitions=DEF + [{"AttributeName": "extra", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert message == (
        "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number "
        "of attributes defined in AttributeDefinitions"
    )
    code, message = error_of(
        ddb.create_table,
        TableName="nope",
        KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"}],
        AttributeDefinitions=DEF,
        BillingMode="PAY_PER_REQUEST",
    )
    assert message == "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
    code, message = error_of(
        ddb.create_table,
        TableName="ab",
        KeySchema=KEY,
        AttributeDefinitions=DEF,
        BillingMode="PAY_PER_REQUEST",
    )
    assert code == "ValidationException" and "tableName" in message
    code, message = error_of(
        ddb.create_table,
        TableName="nolsi",
        KeySchema=KEY,
        AttributeDefinitions=DEF + [{"AttributeName": "l", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        LocalSecondaryIndexes=[
            {
                "IndexName": "lsi",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    assert message == (
        "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required "
        "when specifying a LocalSecondaryIndex"
    )


def test_describe_delete_missing(ddb):
    assert error_of(ddb.describe_table, TableName="missing") == (
        "ResourceNotFoundException",
        "Requested resource not found: Table: missing not found",
    )
    assert error_of(ddb.delete_table, TableName="missing")[0] == "ResourceNotFoundException"
    assert (
        error_of(ddb.update_table, TableName="missing", BillingMode="PAY_PER_REQUEST")[0] == "ResourceNotFoundException"
    )


def test_delete_then_gone(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": "b"}})
    assert ddb.delete_table(TableName=table)["TableDescription"]["TableStatus"] == "DELETING"
    assert error_of(ddb.get_item, TableName=table, Key={"pk": {"S": "a"}, "sk": {"S": "b"}}) == (
        "ResourceNotFoundException",
        "Requested resource not found",
    )
    ddb.get_waiter("table_not_exists").wait(TableName=table)
    make_table(ddb)  # the same name again starts empty
    assert ddb.scan(TableName=table)["Count"] == 0


def test_list_tables_pages(ddb):
    for name in ("t-c", "t-a", "t-b"):
        make_table(ddb, name)
    page = ddb.list_tables(Limit=2)
    assert page["TableNames"] == ["t-a", "t-b"] and page["LastEvaluatedTableName"] == "t-b"
    page = ddb.list_tables(Limit=2, ExclusiveStartTableName="t-b")
    assert page["TableNames"] == ["t-c"] and "LastEvaluatedTableName" not in page
    names = [
        n for p in ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 1}) for n in p["TableNames"]
    ]
    assert names == ["t-a", "t-b", "t-c"]


def test_tables_are_per_region_and_account(client):
    east, west = client("dynamodb"), client("dynamodb", region="eu-west-1")
    other = client("dynamodb", access_key="111122223333")
    make_table(east, "shared")
    assert west.list_tables()["TableNames"] == []
    assert other.list_tables()["TableNames"] == []
    make_table(west, "shared")
    assert west.describe_table(TableName="shared")["Table"]["TableArn"].startswith("arn:aws:dynamodb:eu-west-1:")


def test_update_table_billing_and_throughput(ddb):
    ddb.create_table(
        TableName="prov",
        KeySchema=KEY,
        AttributeDefinitions=DEF,
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    )
    description = ddb.update_table(
        TableName="prov", ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 1}
    )["TableDescription"]
    assert description["TableStatus"] == "UPDATING"
    table = ddb.describe_table(TableName="prov")["Table"]
    assert table["TableStatus"] == "ACTIVE" and table["ProvisionedThroughput"]["ReadCapacityUnits"] == 2
    code, message = error_of(
        ddb.update_table, TableName="prov", ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 1}
    )
    assert message.startswith("The provisioned throughput for the table will not change.")
    ddb.update_table(TableName="prov", BillingMode="PAY_PER_REQUEST")
    table = ddb.describe_table(TableName="prov")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert error_of(ddb.update_table, TableName="prov")[1].startswith("At least one of ProvisionedThroughput")


def test_gsi_create_backfills_and_delete(ddb, table):
    for i in range(30):
        ddb.put_item(
            TableName=table, Item={"pk": {"S": f"p{i}"}, "sk": {"S": "s"}, "color": {"S": "red" if i % 3 else "blue"}}
        )
    description = ddb.update_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "color", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "bycolor",
                    "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )["TableDescription"]
    assert description["TableStatus"] == "UPDATING"
    assert description["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    for _ in range(100):
        index = ddb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0]
        if index["IndexStatus"] == "ACTIVE":
            break
        time.sleep(0.05)
    assert index["IndexStatus"] == "ACTIVE" and index["ItemCount"] == 30
    blue = ddb.query(
        TableName=table,
        IndexName="bycolor",
        KeyConditionExpression="color = :c",
        ExpressionAttributeValues={":c": {"S": "blue"}},
    )
    assert blue["Count"] == 10
    assert error_of(
        ddb.update_table,
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "color", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "bycolor",
                    "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    ) == ("ValidationException", "Attempting to create an index which already exists")
    ddb.update_table(TableName=table, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "bycolor"}}])
    for _ in range(100):
        if "GlobalSecondaryIndexes" not in ddb.describe_table(TableName=table)["Table"]:
            break
        time.sleep(0.05)
    assert "GlobalSecondaryIndexes" not in ddb.describe_table(TableName=table)["Table"]
    assert error_of(
        ddb.query,
        TableName=table,
        IndexName="bycolor",
        KeyConditionExpression="color = :c",
        ExpressionAttributeValues={":c": {"S": "blue"}},
    ) == (
        "ValidationException",
        "The table does not have the specified index: bycolor",
    )


def test_item_count_and_size_follow_writes(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": "b"}, "n": {"N": "12345"}})
    table_info = ddb.describe_table(TableName=table)["Table"]
    # pk(2+1) + sk(2+1) + n(1 + 4 bytes for 12345) = 11
    assert (table_info["ItemCount"], table_info["TableSizeBytes"]) == (1, 11)
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"S": "b"}})
    table_info = ddb.describe_table(TableName=table)["Table"]
    assert (table_info["ItemCount"], table_info["TableSizeBytes"]) == (0, 0)


def test_limits_and_endpoints(ddb):
    limits = ddb.describe_limits()
    assert limits["TableMaxReadCapacityUnits"] == 40000
    endpoints = ddb.describe_endpoints()["Endpoints"]
    assert endpoints[0]["CachePeriodInMinutes"] == 1440


def test_tags(ddb, table):
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": "2"},
    ]
    ddb.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    missing = arn.replace(table, "nothere")
    assert error_of(ddb.list_tags_of_resource, ResourceArn=missing) == (
        "ResourceNotFoundException",
        f"Requested resource not found: ResourcArn: {missing} not found",
    )
    assert (
        error_of(ddb.tag_resource, ResourceArn="bogus", Tags=[{"Key": "a", "Value": "1"}])[0] == "ValidationException"
    )


@pytest.mark.provenance("dynamodb-conformance")
def test_another_accounts_table_by_arn_is_access_denied(ddb, table):
    """A table ARN of another account is refused as IAM refuses it (no resource policy allows the call), not
    answered from the caller's own table of that name (recorded from AWS by the conformance suite)."""
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    account = arn.split(":")[4]
    elsewhere = arn.replace(f":{account}:", ":123456789012:")
    for call, params, action in (
        (ddb.list_tags_of_resource, {"ResourceArn": elsewhere}, "ListTagsOfResource"),
        (ddb.describe_table, {"TableName": elsewhere}, "DescribeTable"),
        (ddb.get_item, {"TableName": elsewhere, "Key": {"pk": {"S": "a"}, "sk": {"S": "b"}}}, "GetItem"),
    ):
        assert error_of(call, **params) == (
            "AccessDeniedException",
            f"User: arn:aws:iam::{account}:root is not authorized to perform: dynamodb:{action} on resource: "
            f"{elsewhere} because no resource-based policy allows the dynamodb:{action} action",
        )
    assert ddb.get_item(TableName=arn, Key={"pk": {"S": "a"}, "sk": {"S": "b"}})["ResponseMetadata"]


def test_unbuilt_operations_answer_not_implemented(ddb, table):
    code, _ = error_of(ddb.list_exports)  # no S3-compatible store to export to yet
    assert code == "NotImplemented"
