"""ARNs (fogbank/arns.py) and SigV4 credential parsing (fogbank/gateway/auth.py), including
requests signed and presigned by botocore itself."""

from __future__ import annotations

import urllib.request
import xml.etree.ElementTree as ElementTree

import boto3
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from shapegen import http_request

from fogbank import arns
from fogbank.core.http import HttpRequest
from fogbank.gateway.auth import parse_credentials
from fogbank.protocols.errors import AwsError

# -- ARNs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "service,region,resource,expected",
    [
        ("dynamodb", "us-east-1", "table/Music", "arn:aws:dynamodb:us-east-1:123456789012:table/Music"),
        ("rds", "eu-west-3", "db:mydb", "arn:aws:rds:eu-west-3:123456789012:db:mydb"),
        ("iam", "eu-west-3", "role/admin", "arn:aws:iam::123456789012:role/admin"),  # global: no region
        ("sts", "us-west-2", "assumed-role/r/s", "arn:aws:sts::123456789012:assumed-role/r/s"),
        ("dynamodb", "cn-north-1", "table/T", "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/T"),
        ("rds", "us-gov-west-1", "db:x", "arn:aws-us-gov:rds:us-gov-west-1:123456789012:db:x"),
        ("iam", "cn-northwest-1", "root", "arn:aws-cn:iam::123456789012:root"),
    ],
)
def test_arn(service: str, region: str, resource: str, expected: str) -> None:
    assert arns.arn(service, region, "123456789012", resource) == expected


def test_parse_round_trips_and_keeps_colons_in_the_resource() -> None:
    value = arns.arn("rds", "us-east-1", "123456789012", "cluster:my:odd")
    assert arns.parse(value) == {
        "partition": "aws",
        "service": "rds",
        "region": "us-east-1",
        "account": "123456789012",
        "resource": "cluster:my:odd",
    }
    assert arns.parse("arn:aws:iam::123456789012:root")["region"] == ""


@pytest.mark.parametrize("value", ["", "arn", "arn:aws:s3", "urn:aws:s3:::b:x", "not an arn at all"])
def test_parse_rejects_non_arns(value: str) -> None:
    assert arns.parse(value) is None


# -- SigV4 -----------------------------------------------------------------------------------------

CREDENTIALS = Credentials("AKIDEXAMPLE", "secret", "session-token")


def _signed(service: str, region: str, url: str = "https://example.amazonaws.com/", body: bytes = b"{}"):
    request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/x-amz-json-1.0"})
    SigV4Auth(CREDENTIALS, service, region).add_auth(request)
    prepared = request.prepare()
    return http_request(prepared.method, prepared.url, dict(prepared.headers), body)


def test_header_signature_from_botocore() -> None:
    credentials = parse_credentials(_signed("dynamodb", "eu-central-1"))
    assert credentials is not None
    assert (credentials.access_key, credentials.region, credentials.service) == (
        "AKIDEXAMPLE",
        "eu-central-1",
        "dynamodb",
    )
    assert len(credentials.date) == 8 and credentials.date.isdigit()
    assert "host" in credentials.signed_headers and "x-amz-date" in credentials.signed_headers
    assert len(credentials.signature) == 64


def test_presigned_query_string_from_botocore() -> None:
    request = AWSRequest(method="GET", url="https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15")
    SigV4QueryAuth(CREDENTIALS, "sts", "ap-south-1", expires=300).add_auth(request)
    prepared = request.prepare()
    assert "Authorization" not in prepared.headers
    credentials = parse_credentials(http_request("GET", prepared.url, dict(prepared.headers), b""))
    assert credentials is not None
    assert (credentials.access_key, credentials.region, credentials.service) == ("AKIDEXAMPLE", "ap-south-1", "sts")
    assert credentials.signed_headers == ("host",)
    assert len(credentials.signature) == 64


def test_unsigned_request_has_no_credentials() -> None:
    assert parse_credentials(HttpRequest("GET", "/", "/", "", {}, b"")) is None


def _with_authorization(value: str) -> HttpRequest:
    return HttpRequest("POST", "/", "/", "", {"authorization": value}, b"")


@pytest.mark.parametrize(
    "authorization,fragment",
    [
        ("AWS AKID:signature", "Unsupported authorization type: AWS"),
        ("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00", "requires 'Credential' parameter"),
        ("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, Signature=0", "'SignedHeaders'"),
        ("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=host", "'Signature'"),
        ("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/aws4_request, SignedHeaders=host, Signature=0", "scoped"),
        ("AWS4-HMAC-SHA256 Credential=AKID/20260101//sts/aws4_request, SignedHeaders=host, Signature=0", "scoped"),
        ("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws5, SignedHeaders=host, Signature=0", "scoped"),
    ],
)
def test_malformed_authorization_is_an_incomplete_signature(authorization: str, fragment: str) -> None:
    with pytest.raises(AwsError) as caught:
        parse_credentials(_with_authorization(authorization))
    assert caught.value.code == "IncompleteSignatureException"
    assert caught.value.status == 400
    assert fragment in caught.value.message


def test_presigned_with_a_foreign_algorithm_is_refused() -> None:
    query = "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fsts%2Faws4_request"
    with pytest.raises(AwsError) as caught:
        parse_credentials(HttpRequest("GET", "/", "/", query, {}, b""))
    assert caught.value.code == "IncompleteSignatureException"


def test_presigned_url_works_end_to_end(fogbank_endpoint: str) -> None:
    """A URL presigned by boto3 (no Authorization header at all) reaches STS, and the
    account comes from the access key in X-Amz-Credential."""
    sts = boto3.client(
        "sts",
        endpoint_url=fogbank_endpoint,
        region_name="eu-west-1",
        aws_access_key_id="111122223333",
        aws_secret_access_key="secret",
    )
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60)
    assert "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        document = ElementTree.fromstring(response.read())
    namespace = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/"}
    assert document.findtext("sts:GetCallerIdentityResult/sts:Account", namespaces=namespace) == "111122223333"
