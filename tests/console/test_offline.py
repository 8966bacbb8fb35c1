"""The console works offline: every page loads only from this Fogbank, and the files are served
by the gateway itself (no CDN, nothing outside the build folder)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from tests.console.conftest import ConsolePage


PAGES = {
    "home": ("/", "Home"),
    "rds": ("/rds", "Databases"),
    "launch": ("/rds/launch", "Create database"),
    "query": ("/query", "Query editor"),
    "dynamodb": ("/dynamodb", "Tables"),
    "create-table": ("/dynamodb/create", "Create table"),
    "elasticache": ("/elasticache", "ElastiCache caches"),
    "create-cache": ("/elasticache/create", "Create cache"),
    "secrets": ("/secrets", "Secrets"),
    "settings": ("/settings", "Settings"),
}


def test_every_page_requests_only_localhost(console: ConsolePage) -> None:
    page = console.page
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    for label, (route, heading) in PAGES.items():
        console.open(route)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        page.wait_for_load_state("networkidle")
        console.shot(label)
    assert seen, "the pages made no requests at all"
    # The fixture fails the test on any request outside this Fogbank; say so explicitly too.
    assert all(url.startswith(console.endpoint) or url.startswith("data:") for url in seen), seen


def test_region_selector_scopes_resources(console: ConsolePage, client) -> None:  # type: ignore[no-untyped-def]
    client("secretsmanager", region="eu-west-1").create_secret(Name="only-in-ireland", SecretString="x")
    page = console.page
    console.open("/secrets")
    expect(page.get_by_text("No secrets in this region.")).to_be_visible()
    page.get_by_label("Region").select_option("eu-west-1")
    console.open("/secrets")
    expect(page.get_by_role("table", name="Secrets")).to_contain_text("only-in-ireland")
    page.get_by_label("Region").select_option("us-east-1")


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_assets_are_served_by_the_gateway(fogbank_endpoint: str, browser: object) -> None:
    status, headers, _ = _get(fogbank_endpoint + "/console")
    assert status == 308 and headers["location"] == "/console/"
    status, headers, body = _get(fogbank_endpoint + "/console/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b"/console/assets/" in body and b"http" not in body.replace(b"http-equiv", b"")
    script = body.split(b'src="')[1].split(b'"')[0].decode()
    status, headers, _ = _get(fogbank_endpoint + script)
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert "immutable" in headers["cache-control"]


@pytest.mark.parametrize(
    "path", ["/console/../pyproject.toml", "/console/%2e%2e/%2e%2e/etc/passwd", "/console/nope.js"]
)
def test_nothing_outside_the_build_is_served(fogbank_endpoint: str, browser: object, path: str) -> None:
    status, _, body = _get(fogbank_endpoint + path)
    assert status == 404, body[:200]
