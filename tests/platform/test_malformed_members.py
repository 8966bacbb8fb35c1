"""Members no SDK would send, found by fuzzing: each is AWS's client error in the protocol's envelope,
never a 500. Query parameters naming sub-members of a scalar (``SubnetIds.SubnetIdentifier.1.a``) are
unknown parameters, ignored as AWS ignores any unknown parameter, so the value they seem to give is absent;
JSON nulls inside lists and maps are refused by validation as AWS refuses them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from xml.etree import ElementTree

import pytest

from tests.platform.shapegen import auth_header

NS = "{http://rds.amazonaws.com/doc/2014-10-31/}"


def post(endpoint: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(endpoint + "/", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def rds(endpoint: str, form: str) -> tuple[int, str, str]:
    status, body = post(
        endpoint,
        form.encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": auth_header("rds")},
    )
    error = ElementTree.fromstring(body).find(f"{NS}Error")
    if error is None:
        return status, "", ""
    return status, error.findtext(f"{NS}Code") or "", error.findtext(f"{NS}Message") or ""


@pytest.mark.parametrize("action", ["CreateDBSubnetGroup", "ModifyDBSubnetGroup"])
def test_a_sub_member_of_a_list_item_is_an_unknown_parameter(fogbank_endpoint: str, action: str) -> None:
    form = (
        f"Action={action}&Version=2014-10-31&DBSubnetGroupName=g&DBSubnetGroupDescription=d"
        "&SubnetIds.SubnetIdentifier.1.a=subnet-1234abcd"
    )
    assert rds(fogbank_endpoint, form) == (400, "MissingParameter", "The request must contain the parameter SubnetIds")


def test_list_items_after_a_sub_member_are_not_read(fogbank_endpoint: str) -> None:
    form = (
        "Action=CreateDBSubnetGroup&Version=2014-10-31&DBSubnetGroupName=g&DBSubnetGroupDescription=d"
        "&SubnetIds.SubnetIdentifier.1.a.b=subnet-1234abcd&SubnetIds.SubnetIdentifier.2=subnet-2234abcd"
    )
    assert rds(fogbank_endpoint, form)[:2] == (400, "MissingParameter")


def test_a_sub_member_of_a_top_level_scalar_leaves_it_absent(fogbank_endpoint: str) -> None:
    form = (
        "Action=CreateDBSubnetGroup&Version=2014-10-31&DBSubnetGroupName.x=g&DBSubnetGroupDescription=d"
        "&SubnetIds.SubnetIdentifier.1=subnet-1234abcd"
    )
    assert rds(fogbank_endpoint, form) == (
        400,
        "MissingParameter",
        "The request must contain the parameter DBSubnetGroupName",
    )


def test_known_list_items_beside_unknown_parameters_still_work(fogbank_endpoint: str) -> None:
    form = (
        "Action=CreateDBSubnetGroup&Version=2014-10-31&DBSubnetGroupName=g&DBSubnetGroupDescription=d"
        "&SubnetIds.SubnetIdentifier.1=subnet-1234abcd&SubnetIds.SubnetIdentifier.1.a=x"
        "&Tags.Tag.1.Key=k&Tags.Tag.1.Value=v&Tags.Tag.1.Key.deeper=x"
    )
    assert rds(fogbank_endpoint, form) == (200, "", "")


def secretsmanager(endpoint: str, operation: str, document: Any) -> tuple[int, dict[str, Any]]:
    status, body = post(
        endpoint,
        json.dumps(document).encode(),
        {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"secretsmanager.{operation}",
            "Authorization": auth_header("secretsmanager"),
        },
    )
    return status, json.loads(body)


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"Filters": [{"Key": "name", "Values": [None]}]}, "filters.1.member.values.1.member"),
        ({"Filters": [{"Key": "name", "Values": ["a", None]}]}, "filters.1.member.values.2.member"),
        ({"Filters": [None]}, "filters.1.member"),
    ],
)
def test_a_null_in_a_json_list_is_a_validation_error(fogbank_endpoint: str, document: Any, where: str) -> None:
    assert secretsmanager(fogbank_endpoint, "CreateSecret", {"Name": "listed", "SecretString": "x"})[0] == 200
    status, answer = secretsmanager(fogbank_endpoint, "ListSecrets", document)
    assert status == 400
    assert answer["__type"].endswith("ValidationException")
    assert answer["message"] == (
        f"1 validation error detected: Value null at '{where}' failed to satisfy constraint: Member must not be null"
    )


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"TableName": "things", "Key": {"pk": {"S": "1"}}, "AttributesToGet": [None]}, "attributesToGet.1.member"),
        (
            {"TableName": "things", "Key": {"pk": {"S": "1"}}, "ExpressionAttributeNames": {"#a": None}},
            "expressionAttributeNames.#a.member",
        ),
    ],
)
def test_a_null_in_a_list_or_map_of_strings_is_a_validation_error(
    fogbank_endpoint: str, document: Any, where: str
) -> None:
    status, body = post(
        fogbank_endpoint,
        json.dumps(document).encode(),
        {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.GetItem",
            "Authorization": auth_header("dynamodb"),
        },
    )
    assert status == 400
    assert json.loads(body)["message"] == (
        f"1 validation error detected: Value null at '{where}' failed to satisfy constraint: Member must not be null"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"SS": ["a", None]},
            "One or more parameter values were invalid: An AttributeValue may not contain an empty string",
        ),
        ({"BS": [None]}, "One or more parameter values were invalid: Binary sets may not contain null or empty values"),
        # (PutItem words a malformed number inside the validation envelope, as AWS does since 2026-10.)
        ({"NS": [None]}, "1 validation error detected: The parameter cannot be converted to a numeric value"),
    ],
)
def test_a_null_in_a_dynamodb_set_is_dynamodbs_own_error(
    fogbank_endpoint: str, value: dict[str, Any], message: str
) -> None:
    """Set members are the service's to word (register_service_nulls); they were a 500."""
    document = {"TableName": "things", "Item": {"pk": {"S": "1"}, "s": value}}
    status, body = post(
        fogbank_endpoint,
        json.dumps(document).encode(),
        {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.PutItem",
            "Authorization": auth_header("dynamodb"),
        },
    )
    assert (status, json.loads(body)["message"]) == (400, message)
