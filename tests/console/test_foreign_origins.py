"""Attacks from other web sites, played in a real Chromium: a page on a foreign site tries what
issue #10 found possible (read a secret, wipe Fogbank with a form, run an action from an image or
a link, rebind its own name to 127.0.0.1, frame the console), and a page on an origin the user
allowed uses the AWS SDK for JavaScript as a browser app would. docs/security.md is the threat
model; tests/platform/test_browser_security.py sends the same requests byte for byte."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest
from botocore.config import Config as BotoConfig

from fogbank.config import Config
from fogbank.server import Fogbank
from tests.console.conftest import ARGS, CHROMIUM, CONSOLE_SRC

SDK_ENTRY = """
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
window.sdk = { DynamoDBClient, ListTablesCommand, SecretsManagerClient, GetSecretValueCommand };
"""
PAGE = b"<!doctype html><meta charset=utf-8><title>a page</title><script src=/sdk.js></script><body>page</body>"


@pytest.fixture(scope="module")
def sdk_bundle(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The AWS SDK for JavaScript v3 bundled for the browser from the console's own npm packages."""
    bundler = CONSOLE_SRC / "node_modules" / ".bin" / "rolldown"
    if not bundler.exists():
        pytest.fail("console/node_modules is missing: run `make setup`")
    source = Path(CONSOLE_SRC / f".sdk-check-{id(tmp_path_factory)}")  # node resolves packages from here
    source.mkdir(exist_ok=True)
    out = tmp_path_factory.mktemp("sdk") / "sdk.js"
    try:
        (source / "entry.js").write_text(SDK_ENTRY)
        subprocess.run(
            [
                str(bundler),
                f"./{source.name}/entry.js",
                "--file",
                str(out),
                "--format",
                "iife",
                "--platform",
                "browser",
            ],
            cwd=CONSOLE_SRC,
            check=True,
            capture_output=True,
            timeout=120,
        )
    finally:
        shutil.rmtree(source, ignore_errors=True)
    return out.read_bytes()


@pytest.fixture(scope="module")
def pages(sdk_bundle: bytes) -> Iterator[int]:
    """A web server for the other sites' pages (evil.example, app.example: both 127.0.0.1 here)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body, kind = (sdk_bundle, "text/javascript") if self.path == "/sdk.js" else (PAGE, "text/html")
            self.send_response(200)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture(scope="module")
def fogbank(pages: int) -> Iterator[Fogbank]:
    config = Config(port=0, ephemeral=True, cors_origins=(f"http://app.example:{pages}",))
    config.log_requests = False
    with Fogbank(config) as server:
        yield server


@pytest.fixture(scope="module")
def chromium(browser: Any) -> Iterator[Any]:
    """Chromium resolving the other sites' names to this machine, as DNS would for an attacker."""
    rules = "MAP evil.example 127.0.0.1, MAP app.example 127.0.0.1, MAP rebind.example 127.0.0.1"
    instance = browser.browser_type.launch(executable_path=CHROMIUM, args=[*ARGS, f"--host-resolver-rules={rules}"])
    yield instance
    instance.close()


@pytest.fixture
def world(fogbank: Fogbank) -> dict[str, Any]:
    """A table and a secret the attacks must leave alone."""
    fogbank.platform.reset()
    session = dict(
        endpoint_url=fogbank.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=BotoConfig(retries={"max_attempts": 1}),
    )
    dynamodb = boto3.client("dynamodb", **session)
    dynamodb.create_table(
        TableName="kept",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    secrets = boto3.client("secretsmanager", **session)
    secrets.create_secret(Name="db", SecretString="hunter2")
    return {"dynamodb": dynamodb, "secrets": secrets, "rds": boto3.client("rds", **session)}


def tab(chromium: Any, url: str) -> Any:
    context = chromium.new_context()
    page = context.new_page()
    page.goto(url)
    return page


ATTACKS = """async (fb) => {
  const auth = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/secretsmanager/aws4_request, " +
    "SignedHeaders=host, Signature=00";
  const results = {};
  results.read = await fetch(fb + "/", {method: "POST", body: JSON.stringify({SecretId: "db"}), headers: {
      "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.GetSecretValue",
      "Authorization": auth}}).then(r => r.text(), e => "blocked: " + e);
  results.sdk = await new sdk.SecretsManagerClient({endpoint: fb, region: "us-east-1",
      credentials: {accessKeyId: "test", secretAccessKey: "test"}})
    .send(new sdk.GetSecretValueCommand({SecretId: "db"})).then(r => r.SecretString, e => "blocked: " + e);
  await fetch(fb + "/_fogbank/reset", {method: "POST", mode: "no-cors"}).catch(() => null);
  await fetch(fb + "/_fogbank/reset", {method: "POST", mode: "no-cors", body: "x",
      headers: {"Content-Type": "text/plain"}}).catch(() => null);
  const frame = document.createElement("iframe");
  frame.name = "sink";
  document.body.appendChild(frame);
  const form = document.createElement("form");
  form.method = "POST"; form.action = fb + "/_fogbank/reset"; form.target = "sink";
  document.body.appendChild(form);
  const posted = new Promise(done => frame.onload = done);
  form.submit();
  await Promise.race([posted, new Promise(done => setTimeout(done, 3000))]);
  const query = "/?Action=CreateDBParameterGroup&Version=2014-10-31&DBParameterGroupName=evil" +
    "&DBParameterGroupFamily=postgres16&Description=x&X-Amz-Algorithm=AWS4-HMAC-SHA256" +
    "&X-Amz-Credential=test%2F20260101%2Fus-east-1%2Frds%2Faws4_request&X-Amz-SignedHeaders=host&X-Amz-Signature=00";
  results.image = await new Promise(done => {
    const image = new Image();
    image.onload = () => done("loaded"); image.onerror = () => done("error");
    image.src = fb + query;
  });
  return results;
}"""


def test_a_foreign_page_can_neither_read_nor_change_anything(chromium: Any, pages: int, world: dict, fogbank) -> None:
    page = tab(chromium, f"http://evil.example:{pages}/")
    results = page.evaluate(ATTACKS, fogbank.endpoint)
    assert results["read"].startswith("blocked") and results["sdk"].startswith("blocked"), results
    assert results["image"] == "error"
    # A link the user follows (a top-level navigation from the foreign page) runs nothing either.
    with page.expect_navigation() as navigation:
        page.evaluate("url => { location.href = url }", fogbank.endpoint + "/?Action=DeleteDBParameterGroup&x=1")
    assert navigation.value.status == 403
    assert world["dynamodb"].list_tables()["TableNames"] == ["kept"]  # no reset got through
    assert world["secrets"].get_secret_value(SecretId="db")["SecretString"] == "hunter2"
    groups = world["rds"].describe_db_parameter_groups()["DBParameterGroups"]
    assert "evil" not in [group["DBParameterGroupName"] for group in groups]
    page.context.close()


def test_a_page_that_rebinds_its_name_to_fogbank_is_refused(chromium: Any, fogbank: Fogbank, world: dict) -> None:
    port = urlparse(fogbank.endpoint).port
    context = chromium.new_context()
    page = context.new_page()
    response = page.goto(f"http://rebind.example:{port}/console/")
    assert response.status == 403 and "DNS rebinding" in page.content()
    answer = page.evaluate(
        """() => fetch("/", {method: "POST", body: '{"SecretId": "db"}', headers: {
             "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.GetSecretValue"}})
           .then(r => r.status + " " + r.statusText)"""
    )  # same-origin for the browser: only the Host check stands between this page and the secret
    assert answer.startswith("403")
    context.close()


def test_the_console_cannot_be_framed(chromium: Any, pages: int, fogbank: Fogbank) -> None:
    page = tab(chromium, f"http://evil.example:{pages}/")
    page.evaluate(
        """url => new Promise(done => { const f = document.createElement("iframe"); f.onload = done;
             setTimeout(done, 3000); f.src = url; document.body.appendChild(f); })""",
        fogbank.endpoint + "/console/",
    )
    child = page.frames[1]
    assert not child.url.startswith(fogbank.endpoint) or child.evaluate("() => document.title") != "Fogbank console"
    page.context.close()


def test_an_allowed_origin_uses_the_browser_sdk(chromium: Any, pages: int, world: dict, fogbank: Fogbank) -> None:
    page = tab(chromium, f"http://app.example:{pages}/")
    result = page.evaluate(
        """async (fb) => {
          const config = {endpoint: fb, region: "us-east-1", credentials: {accessKeyId: "test", secretAccessKey: "test"}};
          const tables = await new sdk.DynamoDBClient(config).send(new sdk.ListTablesCommand({}));
          const secret = await new sdk.SecretsManagerClient(config).send(new sdk.GetSecretValueCommand({SecretId: "db"}));
          return [tables.TableNames, secret.SecretString];
        }""",
        fogbank.endpoint,
    )
    assert result == [["kept"], "hunter2"]
    page.context.close()


def test_the_console_runs_under_its_content_security_policy(chromium: Any, fogbank: Fogbank, world: dict) -> None:
    context = chromium.new_context()
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security" in message.text else 0)
    response = page.goto(fogbank.endpoint + "/console/#/dynamodb")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.get_by_text("kept").first.wait_for()
    assert violations == []
    context.close()
