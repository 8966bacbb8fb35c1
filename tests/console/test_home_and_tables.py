"""Home and the DynamoDB table form, in a real browser: every service of the course with its state
(from /_fogbank/health when it says), breadcrumbs that end with the page, statuses in sentence case,
and the create-table form's errors at their field until it is corrected."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

if TYPE_CHECKING:
    from tests.console.conftest import ConsolePage

# (title, entry of /_fogbank/health, console page)
COURSE = [
    ("RDS", "rds", "#/rds"),
    ("Aurora", "aurora", None),
    ("DynamoDB", "dynamodb", "#/dynamodb"),
    ("DynamoDB Streams", "dynamodbstreams", None),
    ("ElastiCache", "elasticache", "#/elasticache"),
    ("DocumentDB", "docdb", None),
    ("Neptune", "neptune", None),
    ("AWS Backup", "backup", None),
]


def test_home_lists_the_course(console: ConsolePage) -> None:
    with urllib.request.urlopen(console.endpoint + "/_fogbank/health", timeout=10) as response:
        health = json.load(response)["services"]
    page = console.page
    console.open("/")
    table = page.get_by_role("table", name="Services of the course")
    expect(table.locator("tbody tr")).to_have_count(len(COURSE))
    for n, (title, key, link) in enumerate(COURSE):
        row = table.locator("tbody tr").nth(n)
        expect(row.locator("td").first).to_have_text(title)
        # The state health gives, else the console's own knowledge: not built yet.
        state = health.get(key, {}).get("state", "not implemented")
        # As rendered (innerText applies CSS text-transform): sentence case, never "Not Implemented".
        shown = row.locator(".status").evaluate("s => s.innerText.trim()")
        assert shown == state[0].upper() + state[1:], (title, shown, state)
        if link and state != "not implemented":
            expect(row.get_by_role("link", name=title, exact=True)).to_have_attribute("href", link)
        else:
            expect(row.get_by_role("link")).to_have_count(0)
    assert health["rds"]["state"] == "running" and health["backup"]["state"] == "not implemented"
    console.shot("home")


def test_create_table_errors(console: ConsolePage, client: Any) -> None:
    client("dynamodb").create_table(
        TableName="Taken",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    page = console.page
    console.open("/dynamodb/create")
    expect(page.get_by_label("Breadcrumbs")).to_have_text(re.compile(r"^DynamoDB\s*›\s*Create table$"))
    page.get_by_label("Table name").fill("x")
    page.get_by_role("button", name="Create table").click()
    name = page.locator(".field", has=page.get_by_label("Table name"))
    expect(name).to_contain_text("between 3 and 255 characters")
    expect(page.locator(".field", has=page.get_by_label("Partition key", exact=True))).to_contain_text("required")
    page.get_by_label("Table name").fill("Taken")
    expect(name.locator(".field-error")).to_have_count(0)
    page.get_by_label("Partition key", exact=True).fill("id")
    expect(page.locator(".field-error")).to_have_count(0)
    # The API's answer about the name shows at the name.
    page.get_by_role("button", name="Create table").click()
    expect(name).to_contain_text("ResourceInUseException")
    expect(page.get_by_label("Table name")).to_be_focused()
    page.get_by_label("Table name").fill("Fresh")
    expect(name.locator(".field-error")).to_have_count(0)
    page.get_by_role("button", name="Create table").click()
    expect(page.get_by_role("heading", name="Fresh")).to_be_visible()
