"""Contributor Insights settings (no metrics: Fogbank has no CloudWatch), and the export/import refusals."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dynamodb.conftest import error_of, make_table

GSI = {
    "IndexName": "byg",
    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
    "Projection": {"ProjectionType": "KEYS_ONLY"},
}


def test_disabled_by_default_then_enabled_and_listed(ddb: Any, table: str) -> None:
    assert ddb.describe_contributor_insights(TableName=table)["ContributorInsightsStatus"] == "DISABLED"
    assert ddb.list_contributor_insights()["ContributorInsightsSummaries"] == []
    answer = ddb.update_contributor_insights(TableName=table, ContributorInsightsAction="ENABLE")
    assert answer["TableName"] == table and answer["ContributorInsightsStatus"] == "ENABLING"
    described = ddb.describe_contributor_insights(TableName=table)
    assert described["ContributorInsightsStatus"] == "ENABLED"
    assert described["ContributorInsightsMode"] == "ACCESSED_AND_THROTTLED_KEYS"
    kinds = [rule.split("-")[1] for rule in described["ContributorInsightsRuleList"]]
    assert kinds == ["PKC", "PKT", "SKC", "SKT"]  # a table with a sort key has rules for both keys
    assert described["LastUpdateDateTime"]
    listed = ddb.list_contributor_insights()["ContributorInsightsSummaries"]
    assert listed == [
        {
            "TableName": table,
            "ContributorInsightsStatus": "ENABLED",
            "ContributorInsightsMode": "ACCESSED_AND_THROTTLED_KEYS",
        }
    ]
    assert (
        ddb.update_contributor_insights(TableName=table, ContributorInsightsAction="DISABLE")[
            "ContributorInsightsStatus"
        ]
        == "DISABLING"
    )
    described = ddb.describe_contributor_insights(TableName=table)
    assert described["ContributorInsightsStatus"] == "DISABLED" and "ContributorInsightsRuleList" not in described
    assert ddb.list_contributor_insights()["ContributorInsightsSummaries"] == []


def test_an_index_and_the_throttled_keys_mode(ddb: Any) -> None:
    name = make_table(
        ddb,
        "indexed",
        sort=None,
        definitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[GSI],
    )
    answer = ddb.update_contributor_insights(
        TableName=name, IndexName="byg", ContributorInsightsAction="ENABLE", ContributorInsightsMode="THROTTLED_KEYS"
    )
    assert (answer["IndexName"], answer["ContributorInsightsMode"]) == ("byg", "THROTTLED_KEYS")
    described = ddb.describe_contributor_insights(TableName=name, IndexName="byg")
    assert [rule.split("-")[1] for rule in described["ContributorInsightsRuleList"]] == ["PKT"]
    assert ddb.describe_contributor_insights(TableName=name)["ContributorInsightsStatus"] == "DISABLED"
    listed = ddb.list_contributor_insights(TableName=name)["ContributorInsightsSummaries"]
    assert listed == [
        {
            "TableName": name,
            "IndexName": "byg",
            "ContributorInsightsStatus": "ENABLED",
            "ContributorInsightsMode": "THROTTLED_KEYS",
        }
    ]
    assert (
        error_of(ddb.describe_contributor_insights, TableName=name, IndexName="nope")[0] == "ResourceNotFoundException"
    )


def test_missing_tables_and_paging(ddb: Any) -> None:
    code, message = error_of(ddb.update_contributor_insights, TableName="missing", ContributorInsightsAction="ENABLE")
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found: Table: missing not found")
    assert error_of(ddb.describe_contributor_insights, TableName="missing")[0] == "ResourceNotFoundException"
    assert error_of(ddb.list_contributor_insights, TableName="missing")[0] == "ResourceNotFoundException"
    for i in range(3):
        make_table(ddb, f"tab{i}", sort=None)
        ddb.update_contributor_insights(TableName=f"tab{i}", ContributorInsightsAction="ENABLE")
    first = ddb.list_contributor_insights(MaxResults=2)
    assert [s["TableName"] for s in first["ContributorInsightsSummaries"]] == ["tab0", "tab1"]
    rest = ddb.list_contributor_insights(MaxResults=2, NextToken=first["NextToken"])
    assert [s["TableName"] for s in rest["ContributorInsightsSummaries"]] == ["tab2"] and "NextToken" not in rest
    assert error_of(ddb.list_contributor_insights, NextToken="bogus")[0] == "ValidationException"


S3_SOURCE = {"S3Bucket": "bucket"}
CREATION = {
    "TableName": "imported",
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "BillingMode": "PAY_PER_REQUEST",
}


@pytest.mark.parametrize(
    "method,params",
    [
        (
            "export_table_to_point_in_time",
            {"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/t", "S3Bucket": "bucket"},
        ),
        (
            "describe_export",
            {"ExportArn": "arn:aws:dynamodb:us-east-1:000000000000:table/t/export/01234567890123-abcdefgh"},
        ),
        ("list_exports", {}),
        (
            "import_table",
            {"S3BucketSource": S3_SOURCE, "InputFormat": "DYNAMODB_JSON", "TableCreationParameters": CREATION},
        ),
        (
            "describe_import",
            {"ImportArn": "arn:aws:dynamodb:us-east-1:000000000000:table/t/import/01234567890123-abcdefgh"},
        ),
        ("list_imports", {}),
    ],
)
def test_exports_and_imports_name_the_missing_object_store(ddb: Any, method: str, params: dict[str, Any]) -> None:
    try:
        getattr(ddb, method)(**params)
    except Exception as error:
        response = error.response  # type: ignore[attr-defined]
    else:
        raise AssertionError("answered")
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == ("NotImplemented", 501)
    assert "S3-compatible object store" in response["Error"]["Message"]
    assert error_of(ddb.describe_table, TableName="imported")[0] == "ResourceNotFoundException"
