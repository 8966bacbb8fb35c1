"""The Secrets page, in a real browser: store a new secret (key/value pairs or plaintext), see a
value key by key, errors at their field until it is corrected."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

if TYPE_CHECKING:
    from tests.console.conftest import ConsolePage


def test_store_a_new_secret(console: ConsolePage, client: Any) -> None:
    sm = client("secretsmanager")
    page = console.page
    console.open("/secrets")
    expect(page.get_by_text("No secrets in this region.")).to_be_visible()
    page.get_by_role("button", name="Store a new secret").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Secret name").fill("bad name!")
    dialog.get_by_role("button", name="Store").click()
    name_field = dialog.locator(".field", has=page.get_by_label("Secret name"))
    expect(name_field).to_contain_text("alphanumeric characters and the characters /_+=.@-")
    expect(dialog).to_contain_text("Enter at least one key/value pair.")
    dialog.get_by_label("Secret name").fill("app/reporting")
    expect(name_field.locator(".field-error")).to_have_count(0)
    dialog.get_by_label("Key 1").fill("username")
    dialog.get_by_label("Value 1").fill("reporter")
    expect(dialog.locator(".field-error")).to_have_count(0)
    dialog.get_by_role("button", name="Add row").click()
    dialog.get_by_label("Key 2").fill("password")
    dialog.get_by_label("Value 2").fill("a-very-long-password-that-needs-room-0123456789")
    dialog.get_by_label("Description").fill("for the reports")
    dialog.get_by_role("button", name="Store").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("The secret app/reporting was stored.")
    stored = sm.get_secret_value(SecretId="app/reporting")["SecretString"]
    assert json.loads(stored) == {"username": "reporter", "password": "a-very-long-password-that-needs-room-0123456789"}
    assert sm.describe_secret(SecretId="app/reporting")["Description"] == "for the reports"

    page.get_by_role("button", name="Retrieve secret value").click()
    value = page.get_by_label("Value of app/reporting")
    expect(value).to_contain_text('"username": "reporter"')
    # One key per line, and no word is cut in two: each line is one of the value's own lines.
    lines = value.evaluate(
        "v => { const r = document.createRange(); r.selectNodeContents(v);"
        " return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; }"
    )
    assert lines == 4, lines
    console.shot("secret-value")

    page.get_by_role("button", name="Store a new secret").click()
    dialog.get_by_label("Secret name").fill("plain")
    dialog.get_by_label("Plaintext").check()
    dialog.get_by_label("Plaintext value").fill("just text")
    dialog.get_by_role("button", name="Store").click()
    expect(page.get_by_role("table", name="Secrets")).to_contain_text("plain")
    assert sm.get_secret_value(SecretId="plain")["SecretString"] == "just text"
