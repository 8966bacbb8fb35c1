"""Every protocol through boto3: success, validation, unknown and unimplemented operations."""

from __future__ import annotations

import json
import urllib.request

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from fogbank.protocols import spec


def _error(call, *args, **kwargs) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_query_protocol_success(client):
    identity = client("sts").get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:root"
    assert identity["ResponseMetadata"]["RequestId"]


def test_account_comes_from_a_numeric_access_key(client):
    identity = client("sts", access_key="111122223333").get_caller_identity()
    assert identity["Account"] == "111122223333"


# Services nobody is building yet: their operations answer from the model alone.
@pytest.mark.parametrize(
    "service,operation,params",
    [
        ("kms", "list_keys", {}),
        ("elasticache", "describe_global_replication_groups", {}),
        ("iam", "list_users", {}),
        ("backup", "list_backup_vaults", {}),
        ("neptunedata", "get_engine_status", {}),
        ("cloudwatch", "list_metrics", {}),
    ],
)
def test_unimplemented_operation_is_an_honest_501(client, service, operation, params):
    error = _error(getattr(client(service), operation), **params)
    assert error.response["Error"]["Code"] == "NotImplemented"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "is not implemented" in error.response["Error"]["Message"]


def test_json_validation_error(client):
    ddb = client("dynamodb", parameter_validation=False)
    error = _error(ddb.list_tables, Limit=0)
    assert error.response["Error"]["Code"] == "ValidationException"
    assert error.response["Error"]["Message"] == (
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_json_wrong_type_is_a_serialization_error(client):
    ddb = client("dynamodb", parameter_validation=False)
    error = _error(ddb.list_tables, Limit="ten")
    assert error.response["Error"]["Code"] == "SerializationException"


def test_query_missing_parameter(client):
    rds = client("rds", parameter_validation=False)
    error = _error(rds.create_db_instance, DBInstanceClass="db.t3.micro", Engine="postgres")
    assert error.response["Error"]["Code"] == "MissingParameter"
    assert error.response["Error"]["Message"] == "The request must contain the parameter DBInstanceIdentifier"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_cbor_validation_error(client):
    cloudwatch = client("cloudwatch", parameter_validation=False)
    error = _error(cloudwatch.list_metrics, Namespace="")
    modelled = spec.error_shapes("cloudwatch").get("ValidationException")
    assert error.response["Error"]["Code"] == (modelled[1] if modelled else "ValidationException")
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_rest_json_validation_error(client):
    backup = client("backup", parameter_validation=False)
    error = _error(backup.list_backup_vaults, MaxResults=0)
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "maxResults" in error.response["Error"]["Message"]


def test_client_side_validation_still_applies(client):
    with pytest.raises(ParamValidationError):
        client("dynamodb").describe_table()


def _raw(endpoint: str, body: bytes, headers: dict[str, str], method: str = "POST", path: str = "/"):
    request = urllib.request.Request(endpoint + path, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


AUTH = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=00"


def test_unknown_json_operation(fogbank_endpoint):
    status, headers, body = _raw(
        fogbank_endpoint,
        b"{}",
        {
            "X-Amz-Target": "DynamoDB_20120810.Frobnicate",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": AUTH.format("dynamodb"),
        },
    )
    assert status == 400
    assert json.loads(body)["__type"].endswith("#UnknownOperationException")
    assert headers["x-amzn-RequestId"]


def test_unknown_query_action(fogbank_endpoint):
    status, _, body = _raw(
        fogbank_endpoint,
        b"Action=Frobnicate&Version=2014-10-31",
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": AUTH.format("rds")},
    )
    assert status == 400
    assert b"<Code>InvalidAction</Code>" in body


@pytest.mark.parametrize(
    "body,target",
    [
        (b"{not json", "DynamoDB_20120810.ListTables"),
        (b"\xff\xfe\x00", "DynamoDB_20120810.ListTables"),
        (b"[1,2]", "DynamoDB_20120810.ListTables"),
    ],
)
def test_malformed_json_body(fogbank_endpoint, body, target):
    status, _, answer = _raw(
        fogbank_endpoint,
        body,
        {
            "X-Amz-Target": target,
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": AUTH.format("dynamodb"),
        },
    )
    assert status == 400
    assert json.loads(answer)["__type"].endswith("#SerializationException")


def test_malformed_cbor_body(fogbank_endpoint):
    status, _, _ = _raw(
        fogbank_endpoint,
        b"\xff\x00garbage",
        {
            "smithy-protocol": "rpc-v2-cbor",
            "Content-Type": "application/cbor",
            "Authorization": AUTH.format("monitoring"),
        },
        path="/service/GraniteServiceVersion20100801/operation/ListMetrics",
    )
    assert status == 400


def test_malformed_authorization_header(fogbank_endpoint):
    status, _, body = _raw(
        fogbank_endpoint,
        b"{}",
        {
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 garbage",
        },
    )
    assert status == 400
    assert json.loads(body)["__type"].endswith("IncompleteSignatureException")


def test_cors_preflight_needs_an_allowed_origin(fogbank_endpoint):
    # Any origin used to be answered; only --cors-origins ones are now (test_browser_security.py).
    status, headers, body = _raw(
        fogbank_endpoint,
        b"",
        {
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,x-amz-target",
        },
        method="OPTIONS",
    )
    assert status == 403
    assert "Access-Control-Allow-Origin" not in headers
    assert b"--cors-origins http://localhost:3000" in body


def test_health(fogbank_endpoint):
    for path in ("/", "/_fogbank/health"):
        status, _, body = _raw(fogbank_endpoint, None, {}, method="GET", path=path)
        assert status == 200
        document = json.loads(body)
        assert "dynamodb" in document["services"]
