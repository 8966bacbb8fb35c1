"""The query editor's scripts, in a real browser: text the SQL grammar can't place in a statement
(a stray `)` after the last `;`, a lone `)`) is sent and answered by the engine instead of dropped
unseen; statements after a failed one are shown as skipped; history keeps the whole script."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

from fogbank.server import free_port
from tests.console.test_rds_lab import run_sql

if TYPE_CHECKING:
    from tests.console.conftest import ConsolePage


def test_fragments_failures_and_history(console: ConsolePage, client: Any) -> None:
    rds = client("rds")
    rds.create_db_instance(
        DBInstanceIdentifier="q",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="master",
        MasterUserPassword="Secret-123",
        AllocatedStorage=20,
        Port=free_port(),
    )
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier="q", WaiterConfig={"Delay": 1})
    client("secretsmanager").create_secret(
        Name="q-login", SecretString=json.dumps({"username": "master", "password": "Secret-123"})
    )
    page = console.page
    console.open("/query?instance=q")
    page.get_by_role("button", name="Connect to database").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Use a Secrets Manager secret").check()
    dialog.get_by_role("button", name="Connect").click()
    expect(page.get_by_text("Connected as")).to_be_visible()
    results = page.get_by_test_id("statement-result")

    run_sql(console, "SELECT 1 AS one;\n)")
    expect(results).to_have_count(2)
    expect(results.nth(0)).to_contain_text("1 row returned")
    expect(results.nth(1)).to_contain_text("Failed")
    expect(results.nth(1).get_by_role("alert")).to_contain_text("syntax error")

    run_sql(console, ")")
    expect(results).to_have_count(1)
    expect(results.first.get_by_role("alert")).to_contain_text("syntax error")

    run_sql(console, "SELECT 1; SELEC 2; SELECT 3; -- the end")
    expect(results).to_have_count(3)
    expect(results.nth(1)).to_contain_text("Failed")
    expect(results.nth(2)).to_contain_text("Skipped: an earlier statement failed")
    expect(results.nth(2)).to_contain_text("SELECT 3")
    console.shot("skipped")

    long_sql = "SELECT " + ", ".join(f"{n} AS column_number_{n}" for n in range(30)) + ";\nSELECT 'the end';"
    run_sql(console, long_sql)
    expect(results).to_have_count(2)
    history = page.get_by_role("table", name="Query history").get_by_label("SQL").first
    expect(history).to_have_text(long_sql)
