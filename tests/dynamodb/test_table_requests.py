"""Table operations (CreateTable, DescribeTable, UpdateTable, ListTables): request checks and the
descriptions DynamoDB answers with.

Provenance of each test's expected answers: its ``provenance`` marker (registered in pyproject.toml)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import error_of, make_table

# ====================================================================================================
# Table and read-path behaviours recorded against real DynamoDB (dynalite, Alternator test suites).


@pytest.mark.provenance("dynalite", "alternator")
def test_describe_table_reports_warm_throughput(ddb: Any, table: str) -> None:
    described = ddb.describe_table(TableName=table)["Table"]
    assert described["WarmThroughput"] == {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000, "Status": "ACTIVE"}


@pytest.mark.provenance("dynalite", "alternator")
def test_gsi_reports_warm_throughput(ddb: Any) -> None:
    make_table(
        ddb,
        "withgsi",
        definitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    index = ddb.describe_table(TableName="withgsi")["Table"]["GlobalSecondaryIndexes"][0]
    assert index["WarmThroughput"]["ReadUnitsPerSecond"] == 12000


@pytest.mark.provenance("dynalite", "alternator")
def test_configured_warm_throughput_is_remembered_and_never_lowered(ddb: Any) -> None:
    created = ddb.create_table(
        TableName="warm",
        KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "p", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        WarmThroughput={"ReadUnitsPerSecond": 12240},
    )["TableDescription"]
    assert created["WarmThroughput"]["ReadUnitsPerSecond"] == 12240
    assert created["WarmThroughput"]["WriteUnitsPerSecond"] == 4000  # the unit not given keeps the baseline
    ddb.update_table(TableName="warm", WarmThroughput={"WriteUnitsPerSecond": 4080})
    warm = ddb.describe_table(TableName="warm")["Table"]["WarmThroughput"]
    assert (warm["ReadUnitsPerSecond"], warm["WriteUnitsPerSecond"]) == (12240, 4080)
    code, message = error_of(ddb.update_table, TableName="warm", WarmThroughput={"ReadUnitsPerSecond": 12120})
    assert code == "ValidationException" and "lower than current WarmThroughput" in message
    code, message = error_of(ddb.update_table, TableName="warm", WarmThroughput={"WriteUnitsPerSecond": 3999})
    assert code == "ValidationException" and "WriteUnitsPerSecond" in message and "lower than" in message


@pytest.mark.provenance("dynalite", "alternator")
def test_query_filter_may_not_name_a_key_attribute(ddb: Any, table: str) -> None:
    values = {":p": {"S": "a"}, ":s": {"S": "b"}}
    code, message = error_of(
        ddb.query,
        TableName=table,
        KeyConditionExpression="pk = :p",
        FilterExpression="sk > :s",
        ExpressionAttributeValues=values,
    )
    assert (code, message) == (
        "ValidationException",
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk",
    )
    code, message = error_of(
        ddb.query,
        TableName=table,
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}},
        QueryFilter={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}},
    )
    assert message == "QueryFilter can only contain non-primary key attributes: Primary key attribute: pk"
    # A Scan may filter on anything.
    assert (
        ddb.scan(TableName=table, FilterExpression="sk > :s", ExpressionAttributeValues={":s": {"S": "b"}})["Count"]
        == 0
    )


@pytest.mark.provenance("dynalite", "alternator")
def test_batch_limits_per_table_are_map_value_rules(client: Any, hash_table: str) -> None:
    """A table's list of requests breaking 1..25 is reported once, at requestItems, as AWS's validator does."""
    ddb = client("dynamodb", parameter_validation=False)
    puts = [{"PutRequest": {"Item": {"pk": {"S": str(i)}}}} for i in range(26)]
    code, message = error_of(ddb.batch_write_item, RequestItems={hash_table: puts})
    assert code == "ValidationException"
    assert message.startswith("1 validation error detected: Value '{hashonly=[")
    assert message.endswith(
        "' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
        "[Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"
    )
    code, message = error_of(ddb.batch_write_item, RequestItems={hash_table: []})
    assert message == (
        "1 validation error detected: Value '{hashonly=[]}' at 'requestItems' failed to satisfy constraint: "
        "Map value must satisfy constraint: "
        "[Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"
    )
    # Across tables the limit is checked by the operation itself.
    many = {hash_table: puts[:15], "other": puts[15:]}
    assert error_of(ddb.batch_write_item, RequestItems=many) == (
        "ValidationException",
        "Too many items requested for the BatchWriteItem call",
    )


def gsi_create(name: str, key: str) -> dict[str, Any]:
    return {
        "Create": {
            "IndexName": name,
            "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }
    }


@pytest.mark.provenance("dynalite", "alternator")
def test_update_table_merges_definitions_and_keeps_existing_types(ddb: Any, table: str) -> None:
    ddb.update_table(
        TableName=table,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "N"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexUpdates=[gsi_create("byg", "g")],
    )
    definitions = {
        d["AttributeName"]: d["AttributeType"]
        for d in ddb.describe_table(TableName=table)["Table"]["AttributeDefinitions"]
    }
    assert definitions == {"pk": "S", "sk": "S", "g": "S"}
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": "b"}})


@pytest.mark.provenance("dynalite", "alternator")
def test_new_gsi_keys_must_be_defined_in_the_request(ddb: Any, table: str) -> None:
    code, message = error_of(ddb.update_table, TableName=table, GlobalSecondaryIndexUpdates=[gsi_create("bysk", "sk")])
    assert message == "One or more parameter values were invalid: AttributeDefinitions is not specified for index: bysk"
    code, message = error_of(
        ddb.update_table,
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "other", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[gsi_create("bysk", "sk")],
    )
    assert "Some index key attributes are not defined in AttributeDefinitions. Keys: [sk]" in message


@pytest.mark.provenance("dynalite", "alternator")
def test_update_table_messages(ddb: Any, table: str) -> None:
    code, message = error_of(ddb.update_table, TableName=table)
    assert message == (
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, "
        "SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
        "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required"
    )
    code, message = error_of(
        ddb.update_table, TableName=table, SSESpecification={"Enabled": True}, DeletionProtectionEnabled=True
    )
    assert message == (
        "One or more parameter values were invalid: Server-Side Encryption modification must be the only operation "
        "in the request"
    )
    code, message = error_of(ddb.update_table, TableName=table, StreamSpecification={"StreamEnabled": False})
    assert message == f"Table has no stream to disable: TableName: {table}"
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    code, message = error_of(
        ddb.update_table, TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    )
    assert message == f"Table already has an enabled stream: TableName: {table}"


@pytest.mark.provenance("dynalite", "alternator")
def test_a_plain_table_name_is_checked_before_anything_else(client: Any) -> None:
    ddb = client("dynamodb", parameter_validation=False)
    assert error_of(ddb.get_item, TableName="ab", Key={"pk": {"S": "a"}}) == (
        "ValidationException",
        "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 3",
    )
    assert error_of(ddb.describe_table, TableName="abc;") == (
        "ValidationException",
        "1 validation error detected: Value 'abc;' at 'tableName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    )
    # An ARN is looked up instead.
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/nothere"
    assert error_of(ddb.get_item, TableName=arn, Key={"pk": {"S": "a"}})[0] == "ResourceNotFoundException"


def create_args(**extra: Any) -> dict[str, Any]:
    return {
        "TableName": "checked",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        **extra,
    }


@pytest.mark.provenance("dynalite", "alternator")
def test_create_table_definition_and_projection_messages(ddb: Any) -> None:
    definitions = [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "g", "AttributeType": "S"},
        {"AttributeName": "g", "AttributeType": "N"},
    ]

    def gsi(projection: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": projection}
        ]

    all_projected = gsi({"ProjectionType": "ALL"})
    args = create_args(AttributeDefinitions=definitions, GlobalSecondaryIndexes=all_projected)
    assert error_of(ddb.create_table, **args)[1] == "Attribute Name is duplicated: g"
    two = definitions[:2]
    args = create_args(AttributeDefinitions=two, GlobalSecondaryIndexes=gsi({"ProjectionType": "INCLUDE"}))
    assert error_of(ddb.create_table, **args)[1] == (
        "One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified"
    )
    include = gsi({"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "a"]})
    args = create_args(AttributeDefinitions=two, GlobalSecondaryIndexes=include)
    assert error_of(ddb.create_table, **args)[1] == (
        "One or more parameter values were invalid: Duplicate element in NonKeyAttributes: a"
    )


@pytest.mark.provenance("dynalite", "alternator")
def test_tag_messages(ddb: Any, table: str) -> None:
    tags = [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]
    message = "Duplicate Tag Keys provided as input: Duplicate Tag Key found a"
    assert error_of(ddb.create_table, **create_args(Tags=tags))[1] == message
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    assert error_of(ddb.tag_resource, ResourceArn=arn, Tags=tags)[1] == message
    aws_tag = [{"Key": "aws:x", "Value": "1"}]
    assert (
        error_of(ddb.tag_resource, ResourceArn=arn, Tags=aws_tag)[1]
        == "Tag Key cannot be prefixed with aws:, Key: aws:x"
    )
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert error_of(ddb.tag_resource, ResourceArn=arn, Tags=many) == (
        "ValidationException",
        "Number of Tags exceed the current limit for the provided ResourceArn",
    )
    assert error_of(ddb.tag_resource, ResourceArn=arn, Tags=[])[1] == "Atleast one Tag needs to be provided as Input."
    assert error_of(ddb.untag_resource, ResourceArn=arn, TagKeys=[])[1] == (
        "Atleast one Tag Key needs to be provided as Input."
    )
    assert error_of(ddb.list_tags_of_resource, ResourceArn=arn + "/index/x")[1] == (
        "One or more parameter values were invalid: Invalid resource arn provided, only table or stream is accepted. "
        f"Provided resource arn: {arn}/index/x"
    )
    assert error_of(ddb.list_tags_of_resource, ResourceArn="things")[1] == (
        "One or more parameter values were invalid: ARNs must start with 'arn:': things"
    )


@pytest.mark.provenance("dynalite", "alternator")
def test_create_table_stream_specification_messages(ddb: Any) -> None:
    off_with_view = create_args(StreamSpecification={"StreamEnabled": False, "StreamViewType": "NEW_IMAGE"})
    assert error_of(ddb.create_table, **off_with_view)[1] == (
        "One or more parameter values were invalid: Table is being created with a stream disabled, "
        "UpdateViewType should not be specified"
    )
    on_without_view = create_args(StreamSpecification={"StreamEnabled": True})
    assert error_of(ddb.create_table, **on_without_view)[1] == (
        "One or more parameter values were invalid: Table is being created with a stream enabled, "
        "UpdateViewType is required"
    )


# ====================================================================================================
# Table API checks found by sending the same requests to dynalite and Fogbank, settled by real-AWS recordings
# (ack-api-quirks, verified 2026-10) where the two differ.


KEY = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEF = [{"AttributeName": "pk", "AttributeType": "S"}]
ONE = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
NULL = "failed to satisfy constraint: Member must not be null"


@pytest.mark.provenance("ack-api-quirks", "dynalite")
def test_create_table_without_key_schema_or_definitions_is_a_validation_error(client: Any) -> None:
    ddb = client("dynamodb", parameter_validation=False)
    assert error_of(ddb.create_table, TableName="nokeys", AttributeDefinitions=DEF, ProvisionedThroughput=ONE) == (
        "ValidationException",
        f"1 validation error detected: Value null at 'keySchema' {NULL}",
    )
    assert error_of(ddb.create_table, TableName="nodefs", KeySchema=KEY, ProvisionedThroughput=ONE) == (
        "ValidationException",
        f"1 validation error detected: Value null at 'attributeDefinitions' {NULL}",
    )
    assert error_of(ddb.create_table, TableName="nothing", ProvisionedThroughput=ONE) == (
        "ValidationException",
        f"2 validation errors detected: Value null at 'attributeDefinitions' {NULL}; Value null at 'keySchema' {NULL}",
    )


@pytest.mark.provenance("ack-api-quirks", "dynalite", "dynamodb-conformance")
def test_a_table_key_schema_has_at_most_two_elements(client: Any) -> None:
    """AWS echoes the elements as KeySchemaElement(attributeName=..., keyType=...) (recorded 2026)."""
    ddb = client("dynamodb", parameter_validation=False)
    keys = KEY + [{"AttributeName": "a", "KeyType": "RANGE"}, {"AttributeName": "b", "KeyType": "RANGE"}]
    definitions = DEF + [{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}]
    code, message = error_of(
        ddb.create_table, TableName="three", KeySchema=keys, AttributeDefinitions=definitions, ProvisionedThroughput=ONE
    )
    assert code == "ValidationException"
    shown = ", ".join(f"KeySchemaElement(attributeName={e['AttributeName']}, keyType={e['KeyType']})" for e in keys)
    assert message == (
        f"1 validation error detected: Value '[{shown}]' at 'keySchema' failed to satisfy constraint: "
        "Member must have length less than or equal to 2"
    )


@pytest.mark.provenance("ack-api-quirks", "dynalite")
def test_a_multi_attribute_gsi_key_is_refused_not_built_wrong(ddb: Any) -> None:
    definitions = DEF + [{"AttributeName": n, "AttributeType": "S"} for n in ("a", "b", "c")]
    index = {
        "IndexName": "multi",
        "KeySchema": [
            {"AttributeName": "a", "KeyType": "HASH"},
            {"AttributeName": "b", "KeyType": "RANGE"},
            {"AttributeName": "c", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }
    code, _ = error_of(
        ddb.create_table,
        TableName="multi",
        KeySchema=KEY,
        AttributeDefinitions=definitions,
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[index],
    )
    assert code == "NotImplemented"
    assert "multi" not in ddb.list_tables()["TableNames"]


@pytest.mark.provenance("ack-api-quirks", "dynalite")
def test_provisioned_billing_mode_needs_throughput_on_update(ddb: Any) -> None:
    ddb.create_table(TableName="paid", KeySchema=KEY, AttributeDefinitions=DEF, ProvisionedThroughput=ONE)
    on_demand = make_table(ddb, "ondemand", sort=None)
    message = "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
    for name in ("paid", on_demand, "missing"):
        assert error_of(ddb.update_table, TableName=name, BillingMode="PROVISIONED") == ("ValidationException", message)
    # Naming the mode the table already has does not make an unchanged capacity a change.
    code, message = error_of(ddb.update_table, TableName="paid", BillingMode="PROVISIONED", ProvisionedThroughput=ONE)
    assert message.startswith("The provisioned throughput for the table will not change.")


@pytest.mark.provenance("ack-api-quirks", "dynalite")
def test_an_empty_gsi_update_list_is_no_update(ddb: Any, table: str) -> None:
    code, message = error_of(ddb.update_table, TableName=table, GlobalSecondaryIndexUpdates=[])
    assert code == "ValidationException"
    assert message.startswith("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, ")


@pytest.mark.provenance("ack-api-quirks", "dynalite")
def test_warm_throughput_below_the_floor_points_to_the_guide(ddb: Any) -> None:
    code, message = error_of(
        ddb.create_table,
        TableName="cold",
        KeySchema=KEY,
        AttributeDefinitions=DEF,
        BillingMode="PAY_PER_REQUEST",
        WarmThroughput={"ReadUnitsPerSecond": 1, "WriteUnitsPerSecond": 1},
    )
    assert message == (
        "One or more parameter values were invalid: Requested ReadUnitsPerSecond for WarmThroughput for table is "
        "lower than initial throughput for OnDemand. See: "
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html"
        "#on-demand-capacity-mode-initial"
    )


@pytest.mark.provenance("ack-api-quirks", "dynalite")
def test_create_table_answers_what_exists_at_that_instant(ddb: Any) -> None:
    created = ddb.create_table(
        TableName="fresh", KeySchema=KEY, AttributeDefinitions=DEF, BillingMode="PAY_PER_REQUEST"
    )
    described = created["TableDescription"]
    assert described["BillingModeSummary"] == {"BillingMode": "PAY_PER_REQUEST"}
    assert "WarmThroughput" not in described
    later = ddb.describe_table(TableName="fresh")["Table"]
    assert "LastUpdateToPayPerRequestDateTime" in later["BillingModeSummary"] and "WarmThroughput" in later

    warm = {"ReadUnitsPerSecond": 12001, "WriteUnitsPerSecond": 4001}
    created = ddb.create_table(
        TableName="prewarmed",
        KeySchema=KEY,
        AttributeDefinitions=DEF,
        BillingMode="PAY_PER_REQUEST",
        WarmThroughput=warm,
    )
    assert created["TableDescription"]["WarmThroughput"] == {**warm, "Status": "UPDATING"}


@pytest.mark.provenance("ack-api-quirks", "dynalite")
def test_an_explicitly_provisioned_table_shows_no_billing_summary(ddb: Any) -> None:
    ddb.create_table(
        TableName="explicit",
        KeySchema=KEY,
        AttributeDefinitions=DEF,
        BillingMode="PROVISIONED",
        ProvisionedThroughput=ONE,
    )
    assert "BillingModeSummary" not in ddb.describe_table(TableName="explicit")["Table"]


@pytest.mark.provenance("ack-api-quirks", "dynalite")
def test_a_provisioned_table_is_warm_to_its_capacity(ddb: Any) -> None:
    ddb.create_table(
        TableName="small",
        KeySchema=KEY,
        AttributeDefinitions=DEF,
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
    )
    warm = ddb.describe_table(TableName="small")["Table"]["WarmThroughput"]
    assert warm == {"ReadUnitsPerSecond": 5, "WriteUnitsPerSecond": 3, "Status": "ACTIVE"}


@pytest.mark.provenance("dynamodb-conformance")
def test_constraints_aws_words_in_sentences_of_their_own(client: Any, hash_table: str) -> None:
    """Recorded from AWS (2026): these broken constraints are not worded by the generic validator."""
    ddb = client("dynamodb", parameter_validation=False)
    assert error_of(ddb.create_table, KeySchema=KEY, AttributeDefinitions=DEF, BillingMode="PAY_PER_REQUEST") == (
        "ValidationException",
        "The parameter 'TableName' is required but was not present in the request",
    )
    # A new table's name is checked before its key schema.
    assert error_of(ddb.create_table, TableName="x!", KeySchema=[], AttributeDefinitions=DEF) == (
        "ValidationException",
        "2 validation errors detected: Value 'x!' at 'tableName' failed to satisfy constraint: Member must have length "
        "greater than or equal to 3; Value 'x!' at 'tableName' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: [a-zA-Z0-9_.-]+",
    )
    assert error_of(ddb.batch_write_item, RequestItems={}) == (
        "ValidationException",
        "The requestItems parameter is required for BatchWriteItem",
    )
    keys = [{"pk": {"S": str(i)}} for i in range(101)]
    assert error_of(ddb.batch_get_item, RequestItems={hash_table: {"Keys": keys}}) == (
        "ValidationException",
        f"1 validation error detected: Value at 'RequestItems.{hash_table}.member.Keys' failed to satisfy "
        "constraint: Member must have length less than or equal to 100",
    )
    query = {
        "TableName": hash_table,
        "KeyConditionExpression": "pk = :v",
        "ExpressionAttributeValues": {":v": {"S": "v"}},
    }
    assert error_of(ddb.query, Limit=0, **query) == (
        "ValidationException",
        "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value greater "
        "than or equal to 1",
    )
    # Scan keeps the older wording, with the value and the member in lower case.
    assert error_of(ddb.scan, TableName=hash_table, Limit=0)[1] == (
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value "
        "greater than or equal to 1"
    )


@pytest.mark.provenance("dynamodb-conformance")
def test_batch_get_projects_one_way_across_tables(ddb: Any, hash_table: str) -> None:
    other = make_table(ddb)
    request = {
        hash_table: {"Keys": [{"pk": {"S": "a"}}], "ProjectionExpression": "pk"},
        other: {"Keys": [{"pk": {"S": "a"}, "sk": {"S": "b"}}], "AttributesToGet": ["pk"]},
    }
    assert error_of(ddb.batch_get_item, RequestItems=request) == (
        "ValidationException",
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
    )
    del request[other]["AttributesToGet"]
    assert ddb.batch_get_item(RequestItems=request)["Responses"] == {hash_table: [], other: []}
