"""The region comes from the credential scope, and only a name of AWS's form is a region: any other is
refused as AWS refuses it (a signature error, in the envelope of the protocol the request speaks) before
it can name a state file."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import boto3
import botocore
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from fogbank.gateway.auth import valid_region
from fogbank.server import Fogbank

BAD = ["..", " ", "%00", "\x00", "a" * 300, "aws-global", "US-EAST-1", "us-east-1/..", "us_east_1", "us-east-", "-1"]
GOOD = ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "us-iso-east-1", "us-isob-east-1"]
GOOD += ["eu-isoe-west-1", "us-isof-south-1", "eusc-de-east-1", "ap-southeast-7", "mx-central-1"]


def test_every_region_botocore_knows_is_valid() -> None:
    data = Path(botocore.__file__).parent / "data" / "endpoints.json"
    regions = {
        name
        for partition in json.loads(data.read_text())["partitions"]
        for name in partition["regions"]
        if not name.endswith("-global")  # pseudo regions of global endpoints; nothing signs with them
    }
    assert len(regions) > 40
    assert [region for region in regions if not valid_region(region)] == []
    assert all(valid_region(region) for region in GOOD)
    assert not any(valid_region(region) for region in BAD)


def _post(endpoint: str, headers: dict[str, str], body: bytes, path: str = "/") -> tuple[int, bytes]:
    request = urllib.request.Request(endpoint + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _auth(region: str, service: str) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential=test/20260101/{region}/{service}/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
    )


def _message(region: str) -> str:
    return f"Credential should be scoped to a valid region, not '{region}'. "


@pytest.mark.parametrize("region", ["a" * 300, "..", " ", "local", "aws-global"])
def test_a_malformed_region_is_a_signature_error_in_json(fogbank_endpoint: str, region: str) -> None:
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "secretsmanager.CreateSecret",
        "Authorization": _auth(region, "secretsmanager"),
    }
    status, body = _post(fogbank_endpoint, headers, b'{"Name": "n", "SecretString": "s"}')
    answer = json.loads(body)
    assert (status, answer["__type"].rpartition("#")[2], answer["message"]) == (
        400,
        "InvalidSignatureException",
        _message(region),
    )


def test_a_malformed_region_is_a_signature_error_in_query(fogbank_endpoint: str) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": _auth("a" * 300, "rds")}
    status, body = _post(fogbank_endpoint, headers, b"Action=DescribeDBInstances&Version=2014-10-31")
    assert status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in body
    assert f"<Message>{_message('a' * 300)}</Message>".encode() in body


def test_a_malformed_region_is_a_signature_error_in_rest_json(fogbank_endpoint: str) -> None:
    headers = {"Content-Type": "application/json", "Authorization": _auth("..", "rds-data")}
    status, body = _post(fogbank_endpoint, headers, b'{"resourceArn": "a", "secretArn": "b", "sql": "x"}', "/Execute")
    assert status == 403
    assert json.loads(body)["message"] == _message("..")


def test_a_presigned_request_with_a_malformed_region_is_refused(fogbank_endpoint: str) -> None:
    credential = quote("test/20260101/%2e%2e/sts/aws4_request", safe="")
    url = (
        f"{fogbank_endpoint}/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential={credential}&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
    )
    try:
        urllib.request.urlopen(url, timeout=30)
        raise AssertionError("accepted")
    except urllib.error.HTTPError as error:
        assert error.code == 403
        assert b"<Code>SignatureDoesNotMatch</Code>" in error.read()


def test_boto3_reads_the_error_and_no_state_file_is_written(tmp_path: Path) -> None:
    with Fogbank(port=0, data_dir=tmp_path / "data") as fb:
        client = boto3.client(
            "secretsmanager",
            endpoint_url=fb.endpoint,
            region_name="local",  # as DynamoDB Local users often set it
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=BotoConfig(retries={"max_attempts": 1}),
        )
        with pytest.raises(ClientError) as raised:
            client.create_secret(Name="n", SecretString="s")
        assert raised.value.response["Error"]["Code"] == "InvalidSignatureException"
        ok = boto3.client(
            "secretsmanager",
            endpoint_url=fb.endpoint,
            region_name="eu-central-2",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        ok.create_secret(Name="n", SecretString="s")
        assert ok.get_secret_value(SecretId="n")["SecretString"] == "s"
    names = [name for _, _, files in os.walk(tmp_path) for name in files]
    assert not [name for name in names if "local" in name]
