"""Every protocol through the real clients: boto3, the AWS CLI, and botocore's own CBOR codec.

Success goes through STS (the one service built into the platform); errors through operations of
services that answer from the model alone: validation runs before any handler, so these stay
true while services land. What is asserted is what the client reads: code, message, HTTP status.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import botocore.parsers
import pytest
import requests
from botocore.awsrequest import HeadersDict
from botocore.exceptions import ClientError
from shapegen import auth_header, serialize, to_http

from fogbank.protocols import spec


def _error(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def _tamper(client: Any, operation: str, body: bytes | None = None, header: tuple[str, str] | None = None) -> Any:
    """Make ``client`` send a different body or header for ``operation``, as a broken client would."""

    def before_send(request: Any, **_: Any) -> None:
        if body is not None:
            request.body = body
            request.headers["Content-Length"] = str(len(body))
        if header is not None:
            request.headers[header[0]] = header[1]

    client.meta.events.register(f"before-send.{client.meta.service_model.service_name}.{operation}", before_send)
    return client


# -- boto3 -----------------------------------------------------------------------------------------


def test_query_success_and_metadata(client) -> None:
    identity = client("sts", region="eu-west-3").get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:root"
    assert identity["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert len(identity["ResponseMetadata"]["RequestId"]) == 36


@pytest.mark.parametrize(
    "service,operation,params,code,message",
    [
        # json 1.0
        (
            "dynamodb",
            "list_tables",
            {"Limit": 101},
            "ValidationException",
            "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
            "Member must have value less than or equal to 100",
        ),
        # json 1.1
        (
            "kms",
            "describe_key",
            {"KeyId": "k" * 2049},
            "ValidationException",
            f"1 validation error detected: Value '{'k' * 2049}' at 'keyId' failed to satisfy constraint: "
            "Member must have length less than or equal to 2048",
        ),
        # query (IAM and STS say ValidationError)
        (
            "iam",
            "get_user",
            {"UserName": "bad name!"},
            "ValidationError",
            "1 validation error detected: Value 'bad name!' at 'userName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
        ),
        (
            "sts",
            "assume_role",
            {"RoleArn": "arn:aws:iam::000000000000:role/r", "RoleSessionName": "bad name"},
            "ValidationError",
            "1 validation error detected: Value 'bad name' at 'roleSessionName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        ),
        # rest-json
        (
            "backup",
            "list_backup_vaults",
            {"MaxResults": 1001},
            "ValidationException",
            "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: "
            "Member must have value less than or equal to 1000",
        ),
        (
            "rds-data",
            "execute_statement",
            {"resourceArn": "a" * 5, "secretArn": "arn:aws:secretsmanager:us-east-1:0:secret:s", "sql": "select 1"},
            "ValidationException",
            "1 validation error detected: Value 'aaaaa' at 'resourceArn' failed to satisfy constraint: "
            "Member must have length greater than or equal to 11",
        ),
    ],
)
def test_validation_errors(client, service, operation, params, code, message) -> None:
    assert _error(getattr(client(service, parameter_validation=False), operation), **params) == (code, message, 400)


def test_query_missing_parameter(client) -> None:
    iam = client("iam", parameter_validation=False)
    assert _error(iam.get_role) == ("MissingParameter", "The request must contain the parameter RoleName", 400)


@pytest.mark.parametrize(
    "service,operation,params",
    [
        ("kms", "list_keys", {}),  # json 1.1
        ("iam", "list_users", {}),  # query
        ("elasticache", "describe_global_replication_groups", {}),  # query
        ("backup", "list_backup_vaults", {}),  # rest-json
        ("neptunedata", "get_engine_status", {}),  # rest-json
        ("cloudwatch", "list_dashboards", {}),  # json (boto3's choice for CloudWatch)
    ],
)
def test_not_implemented(client, service, operation, params) -> None:
    code, message, status = _error(getattr(client(service), operation), **params)
    name = client(service).meta.method_to_api_mapping[operation]
    assert (code, status) == ("NotImplemented", 501)
    assert message == f"The operation {name} of service {service} is not implemented by Fogbank yet."


def test_cloudwatch_json_errors_carry_the_query_code(client) -> None:
    """CloudWatch is query-compatible: SDKs read the code from x-amzn-query-error."""
    with pytest.raises(ClientError) as caught:
        client("cloudwatch").list_dashboards()
    assert caught.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-query-error"] == "NotImplemented;Receiver"
    assert caught.value.response["Error"]["Type"] == "Receiver"


@pytest.mark.parametrize(
    "service,operation,header,code,status",
    [
        ("kms", "ListKeys", ("X-Amz-Target", "TrentService.Frobnicate"), "UnknownOperationException", 400),
        ("dynamodb", "ListTables", ("X-Amz-Target", "DynamoDB_20120810.Frobnicate"), "UnknownOperationException", 400),
    ],
)
def test_unknown_json_operation(client, service, operation, header, code, status) -> None:
    tampered = _tamper(client(service), operation, header=header)
    method = next(k for k, v in tampered.meta.method_to_api_mapping.items() if v == operation)
    assert _error(getattr(tampered, method))[::2] == (code, status)


def test_unknown_query_action(client) -> None:
    iam = _tamper(client("iam"), "ListUsers", body=b"Action=Frobnicate&Version=2010-05-08")
    assert _error(iam.list_users) == ("InvalidAction", "The action Frobnicate is not valid for this web service.", 400)


def test_missing_query_action(client) -> None:
    iam = _tamper(client("iam"), "ListUsers", body=b"Version=2010-05-08")
    assert _error(iam.list_users) == ("MissingAction", "Missing Action", 400)


def test_unknown_rest_json_route(client, fogbank_endpoint) -> None:
    backup = client("backup")

    def reroute(request: Any, **_: Any) -> None:
        request.url = fogbank_endpoint + "/no-such-resource/x"

    backup.meta.events.register("before-send.backup.ListBackupVaults", reroute)
    code, message, status = _error(backup.list_backup_vaults)
    assert (code, status) == ("UnknownOperationException", 404)
    assert message == "No operation matches GET /no-such-resource/x"


@pytest.mark.parametrize(
    "service,operation,body,code,status",
    [
        ("kms", "ListKeys", b'{"Limit": ', "SerializationException", 400),
        ("kms", "ListKeys", b'{"Limit": "ten"}', "SerializationException", 400),
        ("kms", "ListKeys", b"[]", "SerializationException", 400),
        ("iam", "ListUsers", b"Action=ListUsers&Version=2010-05-08&MaxItems=ten", "InvalidParameterValue", 400),
        ("iam", "ListUsers", b"Action=ListUsers&Version=2010-05-08&Marker=%ff", "MalformedQueryString", 404),
        ("backup", "CreateBackupVault", b"{not json", "SerializationException", 400),
    ],
)
def test_malformed_bodies(client, service, operation, body, code, status) -> None:
    tampered = _tamper(client(service), operation, body=body)
    method = next(k for k, v in tampered.meta.method_to_api_mapping.items() if v == operation)
    params = {"BackupVaultName": "v"} if operation == "CreateBackupVault" else {}
    assert _error(getattr(tampered, method), **params)[::2] == (code, status)


def test_malformed_signature_is_readable_by_a_query_client(client) -> None:
    sts = _tamper(client("sts"), "GetCallerIdentity", header=("Authorization", "AWS4-HMAC-SHA256 Credential=x"))
    code, message, status = _error(sts.get_caller_identity)
    assert (code, status) == ("IncompleteSignatureException", 400)
    assert "Credential" in message


# -- smithy-rpc-v2-cbor: botocore's serializer and parser, sent with requests ---------------------


def _cbor_call(endpoint: str, operation: str, params: dict[str, Any], body: bytes | None = None, path: str = ""):
    model = spec.service_model("cloudwatch").operation_model(operation)
    method, url, headers, wire_body = to_http(serialize("smithy-rpc-v2-cbor", model, params), endpoint)
    headers["Authorization"] = auth_header("cloudwatch")
    response = requests.request(
        method, endpoint + path if path else url, headers=headers, data=wire_body if body is None else body, timeout=10
    )
    parser = botocore.parsers.create_parser("smithy-rpc-v2-cbor")
    parsed = parser.parse(
        {"status_code": response.status_code, "headers": HeadersDict(response.headers), "body": response.content},
        model.output_shape,
    )
    return response, parsed


def cloudwatch_validation_code() -> str:
    """Newer CloudWatch models declare ValidationException with the query code ValidationError,
    which botocore then reads from the x-amzn-query-error header."""
    return spec.error_shapes("cloudwatch").get("ValidationException", ("", "ValidationException", 400))[1]


def test_cbor_validation_error(fogbank_endpoint) -> None:
    response, parsed = _cbor_call(fogbank_endpoint, "ListMetrics", {"Namespace": "n" * 256})
    assert response.status_code == 400
    assert response.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert response.headers["content-type"] == "application/cbor"
    assert parsed["Error"]["Code"] == cloudwatch_validation_code()
    assert parsed["Error"]["Message"] == (
        f"1 validation error detected: Value '{'n' * 256}' at 'namespace' failed to satisfy constraint: "
        "Member must have length less than or equal to 255"
    )


def test_cbor_not_implemented(fogbank_endpoint) -> None:
    response, parsed = _cbor_call(fogbank_endpoint, "ListDashboards", {})
    assert response.status_code == 501
    assert parsed["Error"]["Code"] == "NotImplemented"
    assert (
        parsed["Error"]["Message"]
        == "The operation ListDashboards of service cloudwatch is not implemented by Fogbank yet."
    )


def test_cbor_unknown_operation(fogbank_endpoint) -> None:
    path = "/service/GraniteServiceVersion20100801/operation/Frobnicate"
    response, parsed = _cbor_call(fogbank_endpoint, "ListDashboards", {}, path=path)
    assert response.status_code == 404
    assert parsed["Error"]["Code"] == "UnknownOperationException"


@pytest.mark.parametrize("body", [b"\xff\x00garbage", b"\xa1\x69Namespace", b"\x80", b"\xa1\x69Namespace\x01"])
def test_cbor_malformed_body(fogbank_endpoint, body) -> None:
    response, parsed = _cbor_call(fogbank_endpoint, "ListMetrics", {}, body=body)
    assert response.status_code == 400
    assert parsed["Error"]["Code"] == "SerializationException"


# -- the AWS CLI -----------------------------------------------------------------------------------

# name -> (arguments, exit code, what stdout/stderr must hold)
CLI_CASES: dict[str, tuple[list[str], int, str]] = {
    "query-success": (["sts", "get-caller-identity"], 0, '"Account": "000000000000"'),
    "query-validation": (
        ["iam", "get-user", "--user-name", "u" * 129],
        255,
        "An error occurred (ValidationError) when calling the GetUser operation: 1 validation error detected: "
        f"Value '{'u' * 129}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 128",
    ),
    "query-not-implemented": (
        ["elasticache", "describe-global-replication-groups"],
        255,
        "An error occurred (NotImplemented) when calling the DescribeGlobalReplicationGroups operation: "
        "The operation DescribeGlobalReplicationGroups of service elasticache is not implemented by Fogbank yet.",
    ),
    "json10-validation": (
        ["dynamodb", "list-tables", "--page-size", "101"],
        255,
        "An error occurred (ValidationException) when calling the ListTables operation: 1 validation error detected: "
        "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100",
    ),
    "json11-validation": (
        ["kms", "describe-key", "--key-id", "k" * 2049],
        255,
        "An error occurred (ValidationException) when calling the DescribeKey operation: 1 validation error detected",
    ),
    "json11-not-implemented": (
        ["kms", "list-keys"],
        255,
        "An error occurred (NotImplemented) when calling the ListKeys operation: "
        "The operation ListKeys of service kms is not implemented by Fogbank yet.",
    ),
    "rest-json-validation": (
        ["backup", "list-backup-vaults", "--max-results", "1001"],
        255,
        "An error occurred (ValidationException) when calling the ListBackupVaults operation: 1 validation error "
        "detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
    ),
    "rest-json-not-implemented": (
        ["neptunedata", "get-engine-status"],
        255,
        "An error occurred (NotImplemented) when calling the GetEngineStatus operation",
    ),
    "cloudwatch-not-implemented": (
        ["cloudwatch", "list-dashboards"],
        255,
        "An error occurred (NotImplemented) when calling the ListDashboards operation",
    ),
}


@pytest.fixture(scope="module")
def cli_results(fogbank_server) -> dict[str, subprocess.CompletedProcess]:
    """Every CLI case, run at once: each ``aws`` start costs half a second."""
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": fogbank_server.endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    }
    env.pop("AWS_PROFILE", None)
    processes = {
        name: subprocess.Popen(
            [sys.executable, "-m", "awscli", *args, "--output", "json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, (args, _, _) in CLI_CASES.items()
    }
    results = {}
    for name, process in processes.items():
        stdout, stderr = process.communicate(timeout=60)
        results[name] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return results


@pytest.mark.parametrize("name", CLI_CASES)
def test_aws_cli(cli_results, name) -> None:
    _, exit_code, expected = CLI_CASES[name]
    result = cli_results[name]
    assert result.returncode == exit_code, result.stderr
    assert expected in (result.stdout + result.stderr).replace("\n", " ")


def test_aws_cli_output_is_json(cli_results) -> None:
    identity = json.loads(cli_results["query-success"].stdout)
    assert identity == {"UserId": "test", "Account": "000000000000", "Arn": "arn:aws:iam::000000000000:root"}
