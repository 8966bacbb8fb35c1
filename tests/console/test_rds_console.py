"""The RDS pages beyond the lab, in a real browser: the launch form's errors stay at their field
only until it is corrected and follow the server's rules, the engine version says what serves it
(as DescribeDBEngineVersions says), the default identifier is a free one, Modify changes an
instance, deleting an instance offers to delete the query editor's secret for it, and a Multi-AZ instance
fails over from its Reboot dialog."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

from fogbank.server import free_port

if TYPE_CHECKING:
    from tests.console.conftest import ConsolePage


def field(console: ConsolePage, label: str) -> Any:
    page = console.page
    return page.locator(".field", has=page.get_by_label(label, exact=True))


def test_launch_errors_clear_when_the_field_is_corrected(console: ConsolePage) -> None:
    page = console.page
    console.open("/rds/launch")
    expect(page.get_by_label("Engine version")).not_to_have_value("")
    page.get_by_label("DB instance identifier").fill("1-bad--name-")
    page.get_by_label("Master password", exact=True).fill("short")
    page.get_by_label("Confirm master password").fill("short")
    page.get_by_role("button", name="Create database").click()
    expect(field(console, "DB instance identifier")).to_contain_text("must be 1 to 63 letters")
    expect(field(console, "Master password")).to_contain_text("Master password must be 8 to")
    expect(page.get_by_label("DB instance identifier")).to_be_focused()

    page.get_by_label("DB instance identifier").fill("good-name")
    expect(field(console, "DB instance identifier").locator(".field-error")).to_have_count(0)
    expect(field(console, "Master password")).to_contain_text("Master password must be 8 to")  # not corrected yet
    page.get_by_label("Master password", exact=True).fill("Lab-pass-123")
    expect(page.locator(".field-error")).to_have_count(0)


def test_launch_checks_are_the_servers(console: ConsolePage) -> None:
    """The server takes "root" as a MySQL master user and a ' in a password; it refuses "rdsadmin"."""
    page = console.page
    console.open("/rds/launch")
    page.get_by_label("MySQL", exact=True).check()
    expect(page.get_by_label("Engine version")).not_to_have_value("")
    page.get_by_label("Master username").fill("root")
    page.get_by_label("Master password", exact=True).fill("it's-fine-1")
    page.get_by_label("Database port").fill("99")  # keeps the form from being sent
    page.get_by_role("button", name="Create database").click()
    expect(field(console, "Database port")).to_contain_text("1150 to 65535")
    expect(field(console, "Master username").locator(".field-error")).to_have_count(0)
    expect(field(console, "Master password").locator(".field-error")).to_have_count(0)
    page.get_by_label("Master username").fill("rdsadmin")
    page.get_by_role("button", name="Create database").click()
    expect(field(console, "Master username")).to_contain_text("reserved word")


def test_engine_version_says_what_serves_it(console: ConsolePage, client: Any) -> None:
    versions = client("rds").describe_db_engine_versions(Engine="mysql")["DBEngineVersions"]
    page = console.page
    console.open("/rds/launch")
    page.get_by_label("MySQL", exact=True).check()
    version = page.get_by_label("Engine version")
    expect(version).not_to_have_value("")
    chosen = next(v for v in versions if v["EngineVersion"] == version.input_value())
    expect(field(console, "Engine version")).to_contain_text(chosen["DBEngineVersionDescription"])
    console.shot("mysql-description")


def test_modify_and_delete_an_instance(console: ConsolePage, client: Any) -> None:
    rds, sm = client("rds"), client("secretsmanager")
    rds.create_db_instance(
        DBInstanceIdentifier="database-1",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="master",
        MasterUserPassword="Secret-123",
        AllocatedStorage=25,
        BackupRetentionPeriod=1,
        Port=free_port(),
    )
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier="database-1", WaiterConfig={"Delay": 1})
    # What the query editor's Connect stores for this instance.
    sm.create_secret(Name="fogbank-console/database-1/master", SecretString='{"username":"master","password":"x"}')
    sm.create_secret(Name="fogbank-console/database-10/master", SecretString="{}")  # another instance's
    page = console.page

    console.open("/rds/launch")
    expect(page.get_by_label("DB instance identifier")).to_have_value("database-2")

    console.open("/rds/instances/database-1")
    expect(page.get_by_label("Breadcrumbs")).to_have_text(re.compile(r"^RDS\s*›\s*database-1$"))
    page.get_by_role("tab", name="Configuration").click()
    expect(page.locator(".kv-item", has_text="Backup retention")).to_contain_text("1 day")
    expect(page.locator(".kv-item", has_text="Backup retention")).not_to_contain_text("days")
    resource_id = page.locator(".kv-item", has_text="Resource ID").locator("dd")
    expect(resource_id).to_have_text(re.compile(r"^db-[A-Z0-9]{26}$"))
    lines = resource_id.evaluate(
        "d => { const r = document.createRange(); r.selectNodeContents(d); return r.getClientRects().length; }"
    )
    assert lines == 1, f"the Resource ID wraps onto {lines} lines"

    page.get_by_role("link", name="Modify").click()
    expect(page.get_by_role("heading", name="Modify database-1")).to_be_visible()
    page.get_by_label("Allocated storage (GiB)").fill("21")
    page.get_by_role("button", name="Modify DB instance").click()
    expect(field(console, "Allocated storage (GiB)")).to_contain_text("can't shrink")
    page.get_by_label("Allocated storage (GiB)").fill("30")
    expect(page.locator(".field-error")).to_have_count(0)
    page.get_by_label("Backup retention period (days)").fill("3")
    page.get_by_label("Enable deletion protection").check()
    page.get_by_role("button", name="Modify DB instance").click()
    expect(page.get_by_role("heading", name="database-1", exact=True)).to_be_visible()
    db = rds.describe_db_instances(DBInstanceIdentifier="database-1")["DBInstances"][0]
    assert db["DeletionProtection"] is True
    assert db["BackupRetentionPeriod"] == 3 or db["PendingModifiedValues"].get("BackupRetentionPeriod") == 3
    assert db["AllocatedStorage"] == 30 or db["PendingModifiedValues"].get("AllocatedStorage") == 30

    rds.modify_db_instance(DBInstanceIdentifier="database-1", DeletionProtection=False, ApplyImmediately=True)
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier="database-1", WaiterConfig={"Delay": 1})
    console.open("/rds/instances/database-1")
    page.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("fogbank-console/database-1/master")
    expect(dialog).not_to_contain_text("database-10")
    expect(dialog.get_by_label("Also delete the query editor's secret for this instance")).to_be_checked()
    dialog.get_by_label('To confirm, type "delete me"').fill("delete me")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="Databases")).to_be_visible()
    names = [s["Name"] for s in sm.list_secrets()["SecretList"]]
    assert names == ["fogbank-console/database-10/master"], names


def test_managed_master_credentials_from_launch_to_query(console: ConsolePage, client: Any) -> None:
    """Launch with the master password managed in Secrets Manager: no password fields, the detail page names the
    secret, and the query editor connects with that secret without the user ever seeing the password."""
    page = console.page
    console.open("/rds/launch")
    page.get_by_label("PostgreSQL", exact=True).check()
    expect(page.get_by_label("Engine version")).not_to_have_value("")
    page.get_by_label("DB instance identifier").fill("managed-pg")
    page.get_by_label("Manage master credentials in AWS Secrets Manager", exact=False).check()
    expect(page.get_by_label("Master password", exact=True)).to_have_count(0)
    page.get_by_label("Database port").fill(str(free_port()))
    page.get_by_role("button", name="Create database").click()
    expect(page.get_by_role("heading", name="managed-pg")).to_be_visible()
    expect(page.locator(".kv-item", has_text="Status")).to_contain_text("Available", timeout=90_000)
    arn = client("rds").describe_db_instances(DBInstanceIdentifier="managed-pg")["DBInstances"][0]["MasterUserSecret"][
        "SecretArn"
    ]
    page.get_by_role("tab", name="Configuration").click()
    expect(page.locator(".kv-item", has_text="Master credentials")).to_contain_text(arn)
    console.open("/query?instance=managed-pg")
    page.get_by_role("button", name="Connect to database").click()
    dialog = page.get_by_role("dialog")
    # The instance's own secret, chosen for the user.
    expect(dialog.get_by_label("Secret", exact=True)).to_have_value(arn)
    dialog.get_by_role("button", name="Connect").click()
    expect(page.get_by_text("Connected as")).to_be_visible()
    editor = page.locator(".cm-content")
    editor.click()
    editor.fill("SELECT current_user;")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_test_id("statement-result").first).to_contain_text("postgres")
    console.shot("managed-credentials-query")


def test_read_replica_promotion_and_point_in_time_restore(
    console: ConsolePage, client: Any, fogbank_server: Any
) -> None:
    """From an instance's page: create a read replica (it shows its source and follows its writes), promote it,
    and restore the source to its latest restorable time into a new instance with the data."""
    import psycopg

    config = fogbank_server.platform.config
    saved = config.rds_backup_interval
    config.rds_backup_interval = 0.5  # archive rounds every half second, so LatestRestorableTime comes soon
    try:
        rds = client("rds")
        made = rds.create_db_instance(DBInstanceIdentifier="origin", Engine="postgres", DBInstanceClass="db.t3.micro",
                                      MasterUsername="postgres", MasterUserPassword="Secret-pass1",
                                      AllocatedStorage=20, Port=free_port())["DBInstance"]  # fmt: skip
        assert made["BackupRetentionPeriod"] == 1
        page = console.page
        console.open("/rds/instances/origin")
        expect(page.locator(".kv-item", has_text="Status")).to_contain_text("Available", timeout=90_000)
        port = rds.describe_db_instances(DBInstanceIdentifier="origin")["DBInstances"][0]["Endpoint"]["Port"]
        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", password="Secret-pass1",
                             dbname="postgres", autocommit=True) as conn:  # fmt: skip
            conn.execute("CREATE TABLE pets (name text)")
            conn.execute("INSERT INTO pets VALUES ('Rex')")

        page.get_by_role("button", name="Create read replica").click()
        page.get_by_role("dialog").get_by_role("button", name="Create read replica").click()
        expect(page).to_have_url(re.compile(r"#/rds/instances/origin-replica$"))
        expect(page.locator(".kv-item", has_text="Status")).to_contain_text("Available", timeout=90_000)
        page.get_by_role("tab", name="Configuration").click()
        expect(page.locator(".kv-item", has_text="Replication")).to_contain_text("Read replica of origin")
        page.get_by_role("button", name="Promote").click()
        page.get_by_role("dialog").get_by_role("button", name="Promote", exact=True).click()
        expect(page.locator(".kv-item", has_text="Replication")).to_contain_text("None", timeout=90_000)
        console.shot("replica-promoted")

        console.open("/rds/instances/origin")
        expect(page.get_by_role("button", name="Restore to point in time")).to_be_enabled(timeout=60_000)
        page.get_by_role("button", name="Restore to point in time").click()
        page.get_by_role("dialog").get_by_role("button", name="Restore", exact=True).click()
        expect(page).to_have_url(re.compile(r"#/rds/instances/origin-restored$"))
        expect(page.locator(".kv-item", has_text="Status")).to_contain_text("Available", timeout=90_000)
        restored = rds.describe_db_instances(DBInstanceIdentifier="origin-restored")["DBInstances"][0]
        with psycopg.connect(host="127.0.0.1", port=restored["Endpoint"]["Port"], user="postgres",
                             password="Secret-pass1", dbname="postgres") as conn:  # fmt: skip
            assert conn.execute("SELECT name FROM pets").fetchall() == [("Rex",)]
        console.shot("restored")
    finally:
        config.rds_backup_interval = saved


def test_multi_az_launch_and_reboot_with_failover(console: ConsolePage, client: Any) -> None:
    """Launch a Multi-AZ instance from the form: its page names both zones; Reboot offers a failover, after which
    the zones have swapped and the Events tab says the failover completed."""
    page = console.page
    console.open("/rds/launch")
    page.get_by_label("PostgreSQL", exact=True).check()
    expect(page.get_by_label("Engine version")).not_to_have_value("")
    page.get_by_label("DB instance identifier").fill("ha-pg")
    page.get_by_label("Master password", exact=True).fill("Lab-pass-123")
    page.get_by_label("Confirm master password").fill("Lab-pass-123")
    page.get_by_label("Multi-AZ DB instance", exact=False).check()
    page.get_by_label("Database port").fill(str(free_port()))
    page.get_by_role("button", name="Create database").click()
    expect(page.get_by_role("heading", name="ha-pg")).to_be_visible()
    expect(page.locator(".kv-item", has_text="Status")).to_contain_text("Available", timeout=90_000)
    rds = client("rds")
    before = rds.describe_db_instances(DBInstanceIdentifier="ha-pg")["DBInstances"][0]
    assert before["MultiAZ"] is True
    page.get_by_role("tab", name="Configuration").click()
    expect(page.locator(".kv-item", has_text="Multi-AZ")).to_contain_text("Yes")
    expect(page.locator(".kv-item", has_text="Secondary zone")).to_contain_text(before["SecondaryAvailabilityZone"])

    page.get_by_role("button", name="Reboot").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Reboot with failover", exact=False).check()
    dialog.get_by_role("button", name="Reboot", exact=True).click()
    expect(page.locator(".kv-item", has_text="Secondary zone")).to_contain_text(
        before["AvailabilityZone"], timeout=60_000
    )
    expect(page.locator(".kv-item", has_text="Availability zone")).to_contain_text(before["SecondaryAvailabilityZone"])
    page.get_by_role("tab", name="Events").click()
    expect(page.get_by_text("A Multi-AZ failover has completed.")).to_be_visible()
    console.shot("multi-az-failover")
