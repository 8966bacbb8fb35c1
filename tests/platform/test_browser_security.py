"""What a hostile web page can send to Fogbank, byte for byte as a browser sends it (Origin,
Sec-Fetch-Site, Host), and what Fogbank does with it. tests/console/test_foreign_origins.py plays
the same attacks in a real Chromium; docs/security.md is the threat model."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlparse

import boto3
import pytest
from botocore.config import Config as BotoConfig

from fogbank.config import Config
from fogbank.server import Fogbank

EVIL = "http://evil.example"
APP = "http://app.example:3000"
AUTH = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=" + "0" * 64


@pytest.fixture(scope="module")
def fogbank() -> Iterator[Fogbank]:
    config = Config(port=0, ephemeral=True, cors_origins=(APP,), allowed_hosts=("fogbank.internal",))
    config.log_requests = False
    with Fogbank(config) as server:
        yield server


@pytest.fixture
def endpoint(fogbank: Fogbank) -> str:
    fogbank.platform.reset()
    return fogbank.endpoint


def aws(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=BotoConfig(retries={"max_attempts": 1}),
    )


def send(
    endpoint: str, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    port = urlparse(endpoint).port
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        headers = {"Host": f"127.0.0.1:{port}", **headers}
        if body or method == "POST":
            headers.setdefault("Content-Length", str(len(body)))
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def get_secret(endpoint: str, secret: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return send(
        endpoint,
        "POST",
        "/",
        {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "secretsmanager.GetSecretValue",
            "Authorization": AUTH.format("secretsmanager"),
            **headers,
        },
        json.dumps({"SecretId": secret}).encode(),
    )


# -- CORS -----------------------------------------------------------------------------------------


def test_a_foreign_origin_cannot_read_a_secret(endpoint: str) -> None:
    aws(endpoint, "secretsmanager").create_secret(Name="db", SecretString="hunter2")
    status, headers, body = get_secret(endpoint, "db", Origin=EVIL)
    assert status == 403 and b"hunter2" not in body
    assert "access-control-allow-origin" not in headers
    assert b"--cors-origins" in body  # says how to allow a page the user trusts


def test_a_foreign_preflight_gets_no_cors_headers(endpoint: str) -> None:
    status, headers, _ = send(
        endpoint,
        "OPTIONS",
        "/",
        {"Origin": EVIL, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-amz-target"},
    )
    assert status == 403 and not any(name.startswith("access-control-") for name in headers)


def test_an_allowed_origin_gets_cors(endpoint: str) -> None:
    aws(endpoint, "secretsmanager").create_secret(Name="db", SecretString="hunter2")
    status, headers, _ = send(
        endpoint,
        "OPTIONS",
        "/",
        {
            "Origin": APP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-date,authorization,x-evil",
            "Access-Control-Request-Private-Network": "true",
        },
    )
    assert status == 200 and headers["access-control-allow-origin"] == APP
    assert headers["access-control-allow-headers"] == "content-type, x-amz-target, x-amz-date, authorization"
    assert headers["access-control-allow-private-network"] == "true"
    status, headers, body = get_secret(endpoint, "db", Origin=APP)
    assert status == 200 and json.loads(body)["SecretString"] == "hunter2"
    assert headers["access-control-allow-origin"] == APP and headers["vary"] == "Origin"


def test_star_allows_every_origin_but_never_fogbanks_own_endpoints() -> None:
    config = Config(port=0, ephemeral=True, cors_origins=("*",))
    config.log_requests = False
    with Fogbank(config) as server:
        status, headers, _ = send(
            server.endpoint, "POST", "/", {"Origin": EVIL, "X-Amz-Target": "DynamoDB_20120810.ListTables"}, b"{}"
        )
        assert status == 200 and headers["access-control-allow-origin"] == EVIL
        status, _, _ = send(server.endpoint, "POST", "/_fogbank/reset", {"Origin": EVIL})
        assert status == 403


def test_the_console_calls_itself_without_cors(endpoint: str) -> None:
    port = urlparse(endpoint).port
    for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}"):
        host = urlparse(origin).netloc
        status, headers, _ = send(
            endpoint,
            "POST",
            "/",
            {
                "Host": host,
                "Origin": origin,
                "Sec-Fetch-Site": "same-origin",
                "X-Amz-Target": "DynamoDB_20120810.ListTables",
            },
            b"{}",
        )
        assert status == 200 and "access-control-allow-origin" not in headers


def test_the_console_of_another_port_is_another_origin(endpoint: str) -> None:
    port = urlparse(endpoint).port
    status, _, _ = send(
        endpoint,
        "POST",
        "/",
        {"Origin": f"http://127.0.0.1:{port + 1}", "X-Amz-Target": "DynamoDB_20120810.ListTables"},
    )
    assert status == 403


# -- requests that need no preflight ---------------------------------------------------------------


def test_a_form_post_cannot_reset_fogbank(endpoint: str) -> None:
    aws(endpoint, "dynamodb").create_table(
        TableName="kept",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    form = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"}
    assert send(endpoint, "POST", "/_fogbank/reset", {**form, "Origin": EVIL})[0] == 403
    assert send(endpoint, "POST", "/_fogbank/reset", {**form, "Origin": "null"})[0] == 403  # sandboxed frames
    assert send(endpoint, "POST", "/_fogbank/reset", {**form, "Origin": APP})[0] == 403  # even an allowed origin
    assert send(endpoint, "POST", "/_fogbank/reset", form)[0] == 403  # a browser that sent no Origin
    assert aws(endpoint, "dynamodb").list_tables()["TableNames"] == ["kept"]


def test_an_image_cannot_run_a_query_protocol_action(endpoint: str) -> None:
    query = urlencode(
        {
            "Action": "CreateDBParameterGroup",
            "Version": "2014-10-31",
            "DBParameterGroupName": "evil",
            "DBParameterGroupFamily": "postgres16",
            "Description": "x",
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Credential": "test/20260101/us-east-1/rds/aws4_request",
            "X-Amz-SignedHeaders": "host",
            "X-Amz-Signature": "0" * 64,
        }
    )
    image = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}
    assert send(endpoint, "GET", "/?" + query, image)[0] == 403
    navigation = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    assert send(endpoint, "GET", "/?" + query, navigation)[0] == 403
    groups = aws(endpoint, "rds").describe_db_parameter_groups()["DBParameterGroups"]
    assert "evil" not in [group["DBParameterGroupName"] for group in groups]
    # The same request from a program (no browser headers) still works.
    assert send(endpoint, "GET", "/?" + query, {})[0] == 200


def test_a_text_plain_post_cannot_run_sql_through_the_data_api(endpoint: str) -> None:
    query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test/20260101/us-east-1/rds-data/aws4_request"
    body = json.dumps({"resourceArn": "arn:aws:rds:us-east-1:000000000000:db:x", "secretArn": "x", "sql": "DROP"})
    headers = {"Content-Type": "text/plain;charset=UTF-8", "Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
    status, _, answer = send(endpoint, "POST", "/Execute?" + query, headers, body.encode())
    assert status == 403 and b"evil.example" in answer


def test_a_link_to_the_console_from_another_site_opens_it(endpoint: str) -> None:
    link = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    status, headers, _ = send(endpoint, "GET", "/console/", link)
    assert status in (200, 503)  # 503: the console is not built in this checkout
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


# -- Host (DNS rebinding) ----------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:4566", "127.0.0.1.nip.io", "localhost.evil"])
def test_a_rebound_name_is_refused(endpoint: str, host: str) -> None:
    aws(endpoint, "secretsmanager").create_secret(Name="db", SecretString="hunter2")
    status, _, body = get_secret(endpoint, "db", Host=host)
    assert status == 403 and b"hunter2" not in body and b"DNS rebinding" in body


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:4566", "127.0.0.1", "[::1]:4566", "10.1.2.3", "s3.localhost", "fogbank.internal:1"]
)
def test_addresses_localhost_and_allowed_names_are_served(endpoint: str, host: str) -> None:
    aws(endpoint, "secretsmanager").create_secret(Name="db", SecretString="hunter2")
    status, _, body = get_secret(endpoint, "db", Host=host)
    assert status == 200 and json.loads(body)["SecretString"] == "hunter2"


# -- Fogbank's pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/console/", "/_fogbank/health"])
def test_pages_carry_security_headers(endpoint: str, path: str) -> None:
    _, headers, _ = send(endpoint, "GET", path, {})
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "connect-src 'self'" in csp


def test_api_answers_carry_no_page_headers(endpoint: str) -> None:
    # The hot path stays as small as it was: SDK answers need none of them.
    _, headers, _ = send(endpoint, "POST", "/", {"X-Amz-Target": "DynamoDB_20120810.ListTables"}, b"{}")
    assert "content-security-policy" not in headers and "access-control-allow-origin" not in headers
