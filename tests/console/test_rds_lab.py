"""The relational half of the lab, in a real browser: launch PostgreSQL and MySQL from the console,
wait until they are available, then create a table, insert and select rows in the query editor.
Error paths: a duplicate identifier and bad SQL show AWS's and the engine's messages."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from fogbank.server import free_port

if TYPE_CHECKING:
    from tests.console.conftest import ConsolePage

AVAILABLE_TIMEOUT = 90_000


def launch(console: ConsolePage, engine_label: str, identifier: str) -> None:
    page = console.page
    console.open("/rds")
    page.get_by_role("link", name="Create database").first.click()
    expect(page.get_by_role("heading", name="Create database")).to_be_visible()
    page.get_by_label(engine_label, exact=True).check()
    expect(page.get_by_label("Engine version")).not_to_have_value("")
    page.get_by_label("DB instance identifier").fill(identifier)
    page.get_by_label("Master username").fill("labadmin")
    page.get_by_label("Master password", exact=True).fill("Lab-pass-123")
    page.get_by_label("Confirm master password").fill("Lab-pass-123")
    page.get_by_label("Initial database name").fill("lab")
    # Engines share this machine's loopback: give each instance its own port.
    page.get_by_label("Database port").fill(str(free_port()))
    console.shot(f"launch-{identifier}")
    page.get_by_role("button", name="Create database").click()
    expect(page.get_by_role("heading", name=identifier)).to_be_visible()


def wait_available(console: ConsolePage, identifier: str) -> None:
    page = console.page
    expect(page.locator(".kv-item", has_text="Status")).to_contain_text("Available", timeout=AVAILABLE_TIMEOUT)
    expect(page.get_by_text("psql", exact=False).or_(page.get_by_text("mysql -h", exact=False)).first).to_be_visible()
    console.shot(f"detail-{identifier}")


def run_sql(console: ConsolePage, sql: str) -> None:
    page = console.page
    editor = page.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    editor.fill(sql)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_role("button", name="Run", exact=True)).to_be_enabled()


def query_lab(console: ConsolePage, identifier: str) -> None:
    page = console.page
    console.open(f"/query?instance={identifier}")
    page.get_by_role("button", name="Connect to database").click()
    page.get_by_label("Database password").fill("Lab-pass-123")
    page.get_by_label("Database name").fill("lab")
    page.get_by_role("dialog").get_by_role("button", name="Connect").click()
    expect(page.get_by_text("Connected as")).to_be_visible()
    run_sql(
        console,
        "CREATE TABLE pets (id INT PRIMARY KEY, name VARCHAR(40), species VARCHAR(20));\n"
        "INSERT INTO pets VALUES (1, 'Rex', 'dog'), (2, 'Tom', 'cat'), (3, 'Nemo', 'fish');\n"
        "SELECT id, name, species FROM pets ORDER BY id;",
    )
    results = page.get_by_test_id("statement-result")
    expect(results).to_have_count(3)
    expect(results.nth(1)).to_contain_text("3 rows affected")
    expect(results.nth(2)).to_contain_text("3 rows returned")
    expect(results.nth(2).locator(".tabulator-col-title").first).to_contain_text(re.compile("id.*int", re.I))
    expect(results.nth(2).locator(".tabulator-row")).to_have_count(3)
    expect(results.nth(2)).to_contain_text("Nemo")
    console.shot(f"query-{identifier}")

    run_sql(console, "SELEC name FROM pets;")
    error = page.get_by_test_id("statement-result").first
    expect(error).to_contain_text("Failed")
    expect(error.get_by_role("alert")).to_contain_text(re.compile("syntax", re.I))
    console.shot(f"query-error-{identifier}")
    expect(page.get_by_role("table", name="Query history")).to_contain_text("SELEC name FROM pets")


def test_postgres_and_mysql_lab(console: ConsolePage) -> None:
    page = console.page
    launch(console, "PostgreSQL", "lab-postgres")
    launch(console, "MySQL", "lab-mysql")
    console.open("/rds")
    expect(page.get_by_role("table", name="Databases")).to_contain_text("lab-mysql")
    console.shot("instances")

    console.open("/rds/instances/lab-postgres")
    wait_available(console, "lab-postgres")
    console.open("/rds/instances/lab-mysql")
    wait_available(console, "lab-mysql")

    query_lab(console, "lab-postgres")
    query_lab(console, "lab-mysql")

    # Duplicate identifier: the API's DBInstanceAlreadyExists message, shown on the form.
    console.open("/rds/launch")
    page.get_by_label("DB instance identifier").fill("lab-postgres")
    page.get_by_label("Master password", exact=True).fill("Lab-pass-123")
    page.get_by_label("Confirm master password").fill("Lab-pass-123")
    page.get_by_label("Database port").fill(str(free_port()))
    page.get_by_role("button", name="Create database").click()
    # ... at the identifier's field, not in a banner at the foot of the form.
    expect(page.locator(".field-invalid", has=page.get_by_label("DB instance identifier"))).to_contain_text(
        "DBInstanceAlreadyExists"
    )
    console.shot("duplicate-identifier")

    console.open("/")
    expect(page.locator(".card[data-service=rds]")).to_contain_text("lab-postgres")
    console.shot("home")


def test_launch_form_validation(console: ConsolePage) -> None:
    page = console.page
    console.open("/rds/launch")
    page.get_by_label("DB instance identifier").fill("1-bad--name-")
    page.get_by_label("Master password", exact=True).fill("short")
    page.get_by_label("Confirm master password").fill("other")
    page.get_by_role("button", name="Create database").click()
    expect(page.get_by_text("must be 1 to 63 letters")).to_be_visible()
    expect(page.get_by_text("Passwords must match.")).to_be_visible()
    expect(page.get_by_text(re.compile("Master password must be 8 to"))).to_be_visible()
    console.shot("validation")
