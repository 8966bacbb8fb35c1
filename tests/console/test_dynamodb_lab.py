"""The DynamoDB half of the lab, in a real browser: create a table, add three items, scan and
query them, edit and delete one; an item without its key shows DynamoDB's validation error."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from playwright.sync_api import expect

if TYPE_CHECKING:
    from tests.console.conftest import ConsolePage


SONGS = [
    {"Artist": {"S": "Acme Band"}, "SongTitle": {"S": "Happy Day"}, "Year": {"N": "2001"}},
    {"Artist": {"S": "Acme Band"}, "SongTitle": {"S": "Rainy Night"}, "Year": {"N": "2004"}},
    {"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Call Me Today"}, "Genre": {"S": "Country"}},
]


def save_item(console: ConsolePage, text: str, button: str = "Create item") -> None:
    page = console.page
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("tab", name="JSON view").click()
    editor = dialog.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    editor.fill(text)
    dialog.get_by_role("button", name=button).click()


def rows(console: ConsolePage):  # type: ignore[no-untyped-def]
    return console.page.get_by_role("grid", name="Items").locator(".tabulator-row")


def test_dynamodb_lab(console: ConsolePage) -> None:
    page = console.page
    console.open("/dynamodb")
    expect(page.get_by_text("No tables in this region")).to_be_visible()
    page.get_by_role("link", name="Create table").first.click()
    page.get_by_label("Table name").fill("Music")
    page.get_by_label("Partition key", exact=True).fill("Artist")
    page.get_by_label("Sort key", exact=True).fill("SongTitle")
    page.get_by_role("button", name="Add global index").click()
    page.get_by_label("Index name").fill("ByYear")
    page.get_by_label("Index partition key", exact=True).fill("Year")
    page.get_by_label("Index partition key type").select_option("N")
    console.shot("create-table")
    page.get_by_role("button", name="Create table").click()

    expect(page.get_by_role("heading", name="Music")).to_be_visible()
    expect(page.locator(".kv-item", has_text="Status")).to_contain_text("Active")
    expect(page.get_by_role("table", name="Indexes")).to_contain_text("ByYear")
    console.shot("table-detail")

    page.get_by_role("link", name="Explore table items").click()
    expect(page.get_by_text("0 returned")).to_be_visible()
    for song in SONGS:
        page.get_by_role("button", name="Create item").click()
        save_item(console, json.dumps(song))
        expect(page.get_by_role("dialog")).to_have_count(0)
    expect(rows(console)).to_have_count(3)
    expect(page.get_by_role("grid", name="Items")).to_contain_text("Call Me Today")
    console.shot("scan")

    # An item without its sort key: DynamoDB's own validation message, shown in the editor.
    page.get_by_role("button", name="Create item").click()
    save_item(console, json.dumps({"Artist": {"S": "Nobody"}}))
    expect(page.get_by_role("dialog").get_by_role("alert")).to_contain_text("Missing the key SongTitle")
    console.shot("invalid-key")
    page.keyboard.press("Escape")

    # Query one artist, newest song first.
    page.get_by_label("Query").check()
    page.get_by_label("Artist (partition key)").fill("Acme Band")
    page.get_by_label("Sort descending").check()
    page.get_by_role("button", name="Run", exact=True).click()
    expect(rows(console)).to_have_count(2)
    expect(rows(console).first).to_contain_text("Rainy Night")
    console.shot("query")

    # Filter on a non-key attribute, through the index.
    page.get_by_label("Scan").check()
    page.get_by_role("button", name="Add filter").click()
    page.get_by_label("Attribute name").fill("Year")
    page.get_by_label("Type", exact=True).select_option("N")
    page.get_by_label("Condition").select_option(">")
    page.get_by_label("Value", exact=True).fill("2002")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(rows(console)).to_have_count(1)
    expect(rows(console).first).to_contain_text("Rainy Night")
    console.shot("filter")
    page.get_by_role("button", name="Reset").click()
    page.get_by_role("button", name="Run", exact=True).click()
    expect(rows(console)).to_have_count(3)

    # Edit one item in plain JSON.
    rows(console).filter(has_text="Happy Day").click()
    page.get_by_role("button", name="Edit item").click()
    page.get_by_role("dialog").get_by_role("tab", name="JSON view").click()
    page.get_by_label("Plain JSON").check()
    expect(page.get_by_role("dialog").locator(".cm-content")).to_contain_text('"Year": 2001')
    save_item(
        console,
        json.dumps({"Artist": "Acme Band", "SongTitle": "Happy Day", "Year": 2001, "Awards": 3}),
        "Save changes",
    )
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("grid", name="Items")).to_contain_text("Awards")
    console.shot("edited")

    # Delete one item.
    rows(console).filter(has_text="Call Me Today").click()
    page.get_by_role("button", name="Delete item").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(rows(console)).to_have_count(2)
    console.shot("deleted")

    # Paging: a page size of one walks the table through LastEvaluatedKey.
    page.get_by_label("Page size").fill("1")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(rows(console)).to_have_count(1)
    page.get_by_role("button", name="Next page ›").click()
    expect(page.get_by_text("Page 2")).to_be_visible()
    expect(rows(console)).to_have_count(1)

    console.open("/dynamodb/tables/Music")
    page.get_by_role("button", name="Delete table").click()
    page.get_by_label('To confirm, type "confirm"').fill("confirm")
    page.get_by_role("dialog").get_by_role("button", name="Delete table").click()
    expect(page.get_by_role("heading", name="Tables")).to_be_visible()
    console.shot("tables-after-delete")
