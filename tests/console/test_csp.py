"""The console runs under a strict Content-Security-Policy (no inline script or style, no eval,
nothing from elsewhere): every page is opened with the policy added to its responses and must
report no violation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

from tests.console.test_offline import PAGES

if TYPE_CHECKING:
    from tests.console.conftest import ConsolePage

POLICY = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'"
)


def test_pages_keep_to_a_strict_policy(console: ConsolePage, client: Any) -> None:
    client("secretsmanager").create_secret(Name="s", SecretString='{"a": "b"}')
    page = console.page

    def with_policy(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": POLICY})

    page.route(f"{console.endpoint}/console/**", with_policy)
    page.add_init_script(
        "window.__violations = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));"
    )
    for route, heading in [*PAGES.values(), ("/dynamodb/create", "Create table")]:
        console.open(route)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__violations") == [], (route, page.evaluate("window.__violations"))
    # The grid and the code editor (Tabulator, CodeMirror) style themselves at run time.
    client("dynamodb").create_table(
        TableName="Tbl",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client("dynamodb").put_item(TableName="Tbl", Item={"id": {"S": "a"}})
    console.open("/dynamodb/tables/Tbl/items")
    expect(page.get_by_role("grid", name="Items").locator(".tabulator-row")).to_have_count(1)
    page.get_by_role("button", name="Create item").click()
    page.get_by_role("dialog").get_by_role("tab", name="JSON view").click()
    expect(page.get_by_role("dialog").locator(".cm-content")).to_be_visible()
    assert page.evaluate("window.__violations") == []
    # The policy is really in force: an inline style is refused.
    page.evaluate(
        "() => { const s = document.createElement('style'); s.textContent = 'body{}'; document.head.append(s); }"
    )
    page.wait_for_function("() => window.__violations.length > 0")
