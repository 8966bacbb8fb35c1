"""Put/Get/DeleteResourcePolicy on tables and streams, and CreateTable's ResourcePolicy.

Messages marked "recorded from AWS" come from answers of real DynamoDB (us-east-1 / us-west-2, 2024-2026).
"""

from __future__ import annotations

import json
import signal
from typing import Any

import pytest

from tests.dynamodb.conftest import error_of, make_table
from tests.dynamodb.test_durability import dynamodb
from tests.platform.fogproc import start

ACCOUNT = "000000000000"


def policy(arn: str, action: str | list[str] = "dynamodb:GetItem", effect: str = "Allow", **extra: Any) -> str:
    statement = {
        "Sid": "one",
        "Effect": effect,
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": action,
        "Resource": arn,
        **extra,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture
def arn(ddb: Any, hash_table: str) -> str:
    return ddb.describe_table(TableName=hash_table)["Table"]["TableArn"]


def test_put_get_delete_round_trip(ddb: Any, arn: str) -> None:
    code, message = error_of(ddb.get_resource_policy, ResourceArn=arn)
    assert (code, message) == (
        "PolicyNotFoundException",
        f"Resource-based policy not found for the provided ResourceArn: {arn}",
    )
    document = policy(arn)
    revision = ddb.put_resource_policy(ResourceArn=arn, Policy=document)["RevisionId"]
    assert revision.isdigit()
    got = ddb.get_resource_policy(ResourceArn=arn)
    assert (got["Policy"], got["RevisionId"]) == (document, revision)
    # The same document again is a no-op with the same revision; another one gets a later revision.
    assert ddb.put_resource_policy(ResourceArn=arn, Policy=document)["RevisionId"] == revision
    newer = ddb.put_resource_policy(ResourceArn=arn, Policy=policy(arn, "dynamodb:PutItem"))["RevisionId"]
    assert int(newer) > int(revision)
    assert ddb.delete_resource_policy(ResourceArn=arn)["RevisionId"] == newer
    assert error_of(ddb.get_resource_policy, ResourceArn=arn)[0] == "PolicyNotFoundException"
    # Deleting again is answered with an empty body (recorded from AWS).
    assert "RevisionId" not in ddb.delete_resource_policy(ResourceArn=arn)


def test_expected_revision_ids(ddb: Any, arn: str, hash_table: str) -> None:
    first = ddb.put_resource_policy(ResourceArn=arn, Policy=policy(arn), ExpectedRevisionId="NO_POLICY")["RevisionId"]
    # Recorded from AWS.
    assert error_of(ddb.put_resource_policy, ResourceArn=arn, Policy=policy(arn), ExpectedRevisionId="NO_POLICY") == (
        "PolicyNotFoundException",
        "Resource-based policy not found for the provided ResourceArn: Requested policy update expecting none to be "
        f"present for table {hash_table}, but a policy exists with revision id {first}.",
    )
    second = ddb.put_resource_policy(ResourceArn=arn, Policy=policy(arn, "dynamodb:Query"), ExpectedRevisionId=first)
    stale = error_of(
        ddb.put_resource_policy, ResourceArn=arn, Policy=policy(arn, "dynamodb:Scan"), ExpectedRevisionId=first
    )
    assert stale == (
        "PolicyNotFoundException",
        f"Resource-based policy not found for the provided ResourceArn: Requested update for policy with revision id "
        f"{first}, but the policy associated to target table {hash_table} has revision id {second['RevisionId']}.",
    )
    assert error_of(ddb.delete_resource_policy, ResourceArn=arn, ExpectedRevisionId="unknown")[0] == (
        "PolicyNotFoundException"
    )
    ddb.delete_resource_policy(ResourceArn=arn, ExpectedRevisionId=second["RevisionId"])
    assert error_of(ddb.delete_resource_policy, ResourceArn=arn, ExpectedRevisionId="1")[0] == "PolicyNotFoundException"


INVALID = "One or more parameter values were invalid: "


@pytest.mark.parametrize(
    "document,message",
    [
        ("{not json", INVALID + "Invalid policy document: This policy contains invalid Json"),  # recorded from AWS
        ("", INVALID + "Invalid policy document: This policy contains invalid Json"),  # recorded from AWS
        ("[1]", INVALID + "Invalid policy document: This policy contains invalid Json"),
        (
            json.dumps({"Version": "2012-10-17", "Statement": []}),
            INVALID + "Invalid policy document: Could not parse the policy: Statement is empty!",  # recorded from AWS
        ),
        (" " * 20481 + "{}", INVALID + "Maximum policy size of 20480 bytes exceeded"),  # recorded from AWS
    ],
)
def test_malformed_documents(ddb: Any, arn: str, document: str, message: str) -> None:
    assert error_of(ddb.put_resource_policy, ResourceArn=arn, Policy=document) == ("ValidationException", message)


def test_statement_checks(ddb: Any, arn: str) -> None:
    statement = json.loads(policy(arn))["Statement"][0]
    del statement["Resource"]
    missing = json.dumps({"Statement": statement})
    assert error_of(ddb.put_resource_policy, ResourceArn=arn, Policy=missing) == (
        "ValidationException",
        INVALID + "Invalid policy document: Missing required field Resource",  # recorded from AWS
    )
    everyone = json.dumps(
        {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "dynamodb:*", "Resource": "*"}]}
    )
    assert error_of(ddb.put_resource_policy, ResourceArn=arn, Policy=everyone) == (
        "ValidationException",
        "Resource-based policy grants unbounded access in one or more elements. Please revise the policy to ensure "
        "least-privilege form of access",  # recorded from AWS
    )
    streamy = policy(arn, ["dynamodb:GetRecords", "dynamodb:DescribeStream"])
    assert error_of(ddb.put_resource_policy, ResourceArn=arn, Policy=streamy) == (
        "ValidationException",
        INVALID + 'Invalid policy document: The following action names are invalid: "dynamodb:GetRecords", '
        '"dynamodb:DescribeStream"',  # recorded from AWS
    )
    twice = json.loads(policy(arn))
    twice["Statement"].append(dict(twice["Statement"][0]))
    assert error_of(ddb.put_resource_policy, ResourceArn=arn, Policy=json.dumps(twice))[0] == "ValidationException"
    # A lower-case effect, a lone statement object and another table's ARN as Resource are accepted (as on AWS).
    lenient = json.dumps(
        {
            "Statement": {
                "Effect": "allow",
                "Principal": {"AWS": ACCOUNT},
                "Action": "dynamodb:GetItem",
                "Resource": arn + "-other",
            }
        }
    )
    assert ddb.put_resource_policy(ResourceArn=arn, Policy=lenient)["RevisionId"]


def test_denying_yourself_needs_confirmation(ddb: Any, arn: str) -> None:
    lockout = policy(arn, "dynamodb:PutResourcePolicy", effect="Deny")
    assert error_of(ddb.put_resource_policy, ResourceArn=arn, Policy=lockout)[0] == "ValidationException"
    assert error_of(ddb.get_resource_policy, ResourceArn=arn)[0] == "PolicyNotFoundException"
    ddb.put_resource_policy(ResourceArn=arn, Policy=lockout, ConfirmRemoveSelfResourceAccess=True)
    assert ddb.get_resource_policy(ResourceArn=arn)["Policy"] == lockout


def test_resource_arn_forms(ddb: Any, arn: str, hash_table: str) -> None:
    """Each refusal recorded from AWS."""
    cases = {
        hash_table: ("ValidationException", f"{INVALID}ARNs must start with 'arn:': {hash_table}"),
        arn + "x": ("ResourceNotFoundException", f"Requested resource not found: Table: {hash_table}x not found"),
        arn.replace(ACCOUNT, "123456789012"): (
            "ValidationException",
            "This action is only supported by accounts that match the resource owner’s account.",
        ),
        arn.replace("us-east-1", "us-west-2"): (
            "ValidationException",
            f"{INVALID}Invalid resource Arn: {arn.replace('us-east-1', 'us-west-2')}",
        ),
        arn + "/index/byg": (
            "ValidationException",
            f"{INVALID}Invalid resource arn provided, only table or stream is accepted. Provided resource arn: "
            f"{arn}/index/byg",
        ),
        arn + "/backup/0170": (
            "ValidationException",
            f"{INVALID}Provided Arn is not a DynamoDB resource arn: {arn}/backup/0170",
        ),
        arn + "/stream/2000-01-01T00:00:00.000": (
            "ResourceNotFoundException",
            f"Requested resource not found: Stream: 2000-01-01T00:00:00.000 not found for Table: {hash_table}",
        ),
    }
    for resource, expected in cases.items():
        assert error_of(ddb.get_resource_policy, ResourceArn=resource) == expected, resource
        assert error_of(ddb.delete_resource_policy, ResourceArn=resource) == expected, resource
        assert error_of(ddb.put_resource_policy, ResourceArn=resource, Policy=policy(arn)) == expected, resource


def test_a_stream_has_its_own_policy(ddb: Any) -> None:
    name = make_table(
        ddb, "streamed", sort=None, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    )
    table = ddb.describe_table(TableName=name)["Table"]
    stream_arn = table["LatestStreamArn"]
    assert error_of(ddb.get_resource_policy, ResourceArn=stream_arn)[0] == "PolicyNotFoundException"
    # A table action in a stream's policy is refused; stream actions are what it takes.
    assert error_of(ddb.put_resource_policy, ResourceArn=stream_arn, Policy=policy(stream_arn, "dynamodb:GetItem"))[
        0
    ] == ("ValidationException")
    document = policy(stream_arn, ["dynamodb:GetRecords", "dynamodb:GetShardIterator"])
    ddb.put_resource_policy(ResourceArn=stream_arn, Policy=document)
    assert ddb.get_resource_policy(ResourceArn=stream_arn)["Policy"] == document
    assert error_of(ddb.get_resource_policy, ResourceArn=table["TableArn"])[0] == "PolicyNotFoundException"


def test_create_table_with_a_policy_and_deleting_the_table_drops_it(ddb: Any) -> None:
    arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/withpolicy"
    document = policy(arn)
    make_table(ddb, "withpolicy", sort=None, ResourcePolicy=document)
    got = ddb.get_resource_policy(ResourceArn=arn)
    assert got["Policy"] == document and got["RevisionId"].isdigit()
    assert (
        error_of(
            ddb.create_table,
            TableName="badpolicy",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            ResourcePolicy="{",
        )[0]
        == "ValidationException"
    )
    assert error_of(ddb.describe_table, TableName="badpolicy")[0] == "ResourceNotFoundException"
    ddb.delete_table(TableName="withpolicy")
    assert error_of(ddb.get_resource_policy, ResourceArn=arn)[0] == "ResourceNotFoundException"
    make_table(ddb, "withpolicy", sort=None)
    assert error_of(ddb.get_resource_policy, ResourceArn=arn)[0] == "PolicyNotFoundException"


def test_a_policy_survives_kill_9(tmp_path: Any) -> None:
    data = tmp_path / "data"
    running = start(tmp_path / "one.log", "--data-dir", str(data))
    try:
        ddb = dynamodb(running.endpoint)
        make_table(ddb, "kept", sort=None)
        arn = ddb.describe_table(TableName="kept")["Table"]["TableArn"]
        revision = ddb.put_resource_policy(ResourceArn=arn, Policy=policy(arn))["RevisionId"]
        ddb.update_contributor_insights(TableName="kept", ContributorInsightsAction="ENABLE")
    finally:
        running.stop(signal.SIGKILL)
    running = start(tmp_path / "two.log", "--data-dir", str(data))
    try:
        ddb = dynamodb(running.endpoint)
        got = ddb.get_resource_policy(ResourceArn=arn)
        assert (got["Policy"], got["RevisionId"]) == (policy(arn), revision)
        assert ddb.describe_contributor_insights(TableName="kept")["ContributorInsightsStatus"] == "ENABLED"
    finally:
        running.stop()
