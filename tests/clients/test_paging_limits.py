"""Every implemented operation's page size, walked at its limits: the range comes from the botocore model.

JSON services (DynamoDB, Secrets Manager) state the range as a model constraint (``min``/``max``); RDS
and ElastiCache state it only in the parameter's documentation ("Constraints: Minimum 20, maximum 100."), which is
AWS's API reference text, so both are read here. DocumentDB and Neptune requests are RDS requests on the
wire (same signing name, version and handler), so RDS's model is the one walked.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from fogbank.protocols import spec
from fogbank.services.catalog import all_services

PAGE_SIZE_MEMBERS = ("MaxRecords", "MaxResults", "Limit")
_DOCUMENTED = re.compile(r"[Mm]inimum (\d+)[,;] maximum (\d+)")  # RDS's wording, then ElastiCache's

# What each operation needs besides its page size, so that the size is what gets checked.
NEEDS: dict[tuple[str, str], dict[str, Any]] = {
    ("rds", "DescribeDBParameters"): {"DBParameterGroupName": "default.postgres16"},
    ("rds", "DescribeEngineDefaultParameters"): {"DBParameterGroupFamily": "postgres16"},
    ("rds", "DescribeDBClusterParameters"): {"DBClusterParameterGroupName": "default.aurora-postgresql16"},
    ("rds", "DescribeEngineDefaultClusterParameters"): {"DBParameterGroupFamily": "aurora-postgresql16"},
    ("rds", "DescribeOptionGroupOptions"): {"EngineName": "postgres"},
    ("rds", "DescribeOrderableDBInstanceOptions"): {"Engine": "postgres"},
    ("rds", "DescribeDBLogFiles"): {"DBInstanceIdentifier": "paging"},
    ("dynamodb", "Query"): {
        "TableName": "paging",
        "KeyConditionExpression": "k = :k",
        "ExpressionAttributeValues": {":k": {"S": "a"}},
    },
    ("dynamodb", "Scan"): {"TableName": "paging"},
    ("dynamodb", "ExecuteStatement"): {"Statement": 'SELECT * FROM "paging"'},
    ("secretsmanager", "ListSecretVersionIds"): {"SecretId": "paging"},
    ("elasticache", "DescribeCacheParameters"): {"CacheParameterGroupName": "default.valkey8"},
    ("elasticache", "DescribeEngineDefaultParameters"): {"CacheParameterGroupFamily": "valkey8"},
}
# A range the model states only in part (DynamoDB Streams' model has the minimum; "The upper limit is 100/1000." is in
# the parameter's documentation).
DOCUMENTED_MAXIMA = {
    ("dynamodbstreams", "ListStreams"): (1, 100),
    ("dynamodbstreams", "DescribeStream"): (1, 100),
    ("dynamodbstreams", "GetRecords"): (1, 1000),
}
# No range in the model or its documentation: the service's usual range is applied (AWS's answer not recorded).
UNDOCUMENTED = {
    ("rds", "DescribeDBLogFiles"): (20, 100),
    ("rds", "DescribeDBInstanceAutomatedBackups"): (20, 100),  # RDS's usual MaxRecords range
    ("elasticache", "DescribeUsers"): (20, 100),  # ElastiCache's usual MaxRecords range
    ("elasticache", "DescribeUserGroups"): (20, 100),
    ("elasticache", "DescribeServerlessCaches"): (1, 100),
    ("elasticache", "DescribeServerlessCacheSnapshots"): (1, 50),  # "a maximum of 50"
    ("elasticache", "DescribeServiceUpdates"): (20, 100),
    ("elasticache", "DescribeUpdateActions"): (20, 100),
    ("dynamodb", "ListContributorInsights"): (1, 100),  # the API reference states only the maximum
}
# Refused whatever the page size: cache security groups do not exist in a VPC-only account.
NOT_WALKED = {("elasticache", "DescribeCacheSecurityGroups")}
# Refused whatever the page size: exports and imports need an S3-compatible store, which Fogbank does not serve.
NOT_WALKED |= {("dynamodb", "ListExports"), ("dynamodb", "ListImports")}


def _cases() -> list[tuple[str, str, str, int, int | None]]:
    cases = []
    for service in all_services():
        if not service.handlers:
            continue
        model = spec.service_model(service.models[0])
        for operation in sorted(service.handlers):
            shape = model.operation_model(operation).input_shape
            for name in PAGE_SIZE_MEMBERS:
                if shape is None or name not in shape.members:
                    continue
                member = shape.members[name]
                documented = _DOCUMENTED.search(re.sub("<[^>]+>", "", member.documentation or ""))
                key = (service.models[0], operation)
                if key in NOT_WALKED:
                    continue
                if key in DOCUMENTED_MAXIMA:
                    low, high = DOCUMENTED_MAXIMA[key]
                elif "min" in member.metadata:
                    low, high = member.metadata["min"], member.metadata.get("max")
                elif documented:
                    low, high = int(documented[1]), int(documented[2])
                else:
                    low, high = UNDOCUMENTED[key]  # a KeyError here: a new operation to look up in AWS's docs
                cases.append((service.models[0], operation, name, low, high))
    return cases


CASES = _cases()


def test_the_walk_covers_what_the_issue_named() -> None:
    walked = {(model, operation, low, high) for model, operation, _, low, high in CASES}
    assert ("rds", "DescribeOrderableDBInstanceOptions", 20, 1000) in walked
    assert ("rds", "DescribeDBInstances", 20, 100) in walked
    assert ("secretsmanager", "ListSecrets", 1, 100) in walked
    assert ("dynamodb", "ListTables", 1, 100) in walked
    assert ("dynamodb", "Scan", 1, None) in walked


@pytest.fixture
def resources(client) -> None:
    """What NEEDS names: a table with a hash key, a secret, an RDS instance for its log files."""
    client("dynamodb").create_table(
        TableName="paging",
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    )
    client("secretsmanager").create_secret(Name="paging", SecretString="s")


@pytest.fixture
def instance(client) -> None:
    client("rds").create_db_instance(
        DBInstanceIdentifier="paging",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="postgres",
        MasterUserPassword="Secret-pass1",
        AllocatedStorage=20,
    )


def _stream_needs(client, operation: str) -> dict[str, Any]:
    streams = client("dynamodbstreams")
    arn = client("dynamodb").describe_table(TableName="paging")["Table"]["LatestStreamArn"]
    if operation == "DescribeStream":
        return {"StreamArn": arn}
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    position = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return {"ShardIterator": position["ShardIterator"]}


NEWER_VALIDATOR = {("dynamodb", "Query")}


def _refused(call: Any, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    error = caught.value.response
    return error["Error"]["Code"], error["Error"]["Message"], error["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.parametrize("model,operation,member,low,high", CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_page_size_limits(request, client, resources, model, operation, member, low, high) -> None:
    if operation == "DescribeDBLogFiles":
        request.getfixturevalue("instance")
    call = getattr(client(model, parameter_validation=False), xform_name(operation))
    params = NEEDS.get((model, operation), {})
    if model == "dynamodbstreams" and operation != "ListStreams":  # a real stream's ARN or shard iterator
        params = _stream_needs(client, operation)
    for size in (low, high) if high is not None else (low, 1_000_000):
        call(**params, **{member: size})  # accepted
    too_small = _refused(call, **params, **{member: low - 1})
    too_large = _refused(call, **params, **{member: high + 1}) if high is not None else None
    if model in ("rds", "elasticache"):
        assert too_small == (
            "InvalidParameterValue",
            f"Invalid value {low - 1} for {member}. Must be between {low} and {high}",
            400,
        )
        assert too_large == (
            "InvalidParameterValue",
            f"Invalid value {high + 1} for {member}. Must be between {low} and {high}",
            400,
        )
    elif (model, operation) in NEWER_VALIDATOR:
        # AWS's newer validator (us-east-1, 2026-10) names the member as the API does and echoes no value.
        assert too_small == (
            "ValidationException",
            f"1 validation error detected: Value at '{member}' failed to satisfy constraint: "
            f"Member must have value greater than or equal to {low}",
            400,
        )
    else:
        wire = member[0].lower() + member[1:]
        assert too_small == (
            "ValidationException",
            f"1 validation error detected: Value '{low - 1}' at '{wire}' failed to satisfy constraint: "
            f"Member must have value greater than or equal to {low}",
            400,
        )
        if too_large is not None:
            assert too_large == (
                "ValidationException",
                f"1 validation error detected: Value '{high + 1}' at '{wire}' failed to satisfy constraint: "
                f"Member must have value less than or equal to {high}",
                400,
            )


def test_orderable_options_serve_a_thousand_records_in_one_page(client) -> None:
    """What the console's launch form asks for on every load."""
    rds = client("rds")
    first = rds.describe_orderable_db_instance_options(Engine="postgres", MaxRecords=1000)
    assert len(first["OrderableDBInstanceOptions"]) == 1000
    seen = len(first["OrderableDBInstanceOptions"])
    marker = first.get("Marker")
    while marker:
        more = rds.describe_orderable_db_instance_options(Engine="postgres", MaxRecords=1000, Marker=marker)
        seen += len(more["OrderableDBInstanceOptions"])
        marker = more.get("Marker")
    every = rds.get_paginator("describe_orderable_db_instance_options").paginate(Engine="postgres")
    assert seen == sum(len(page["OrderableDBInstanceOptions"]) for page in every)
