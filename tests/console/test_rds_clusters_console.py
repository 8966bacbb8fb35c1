"""The console's Aurora cluster pages, in a real browser: Create database makes a cluster with its writer and
an Aurora Replica; the Databases list shows the cluster with its instances and their roles beneath it; the
cluster's page shows both endpoints (and they really connect); Failover really changes the writer; the RDS
Data API is enabled from the page and the query editor runs SQL on the cluster; Modify, Stop and Start
change the cluster; deleting its last instance deletes it; the API's errors show where the user acted."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import psycopg
import pymysql
from botocore.exceptions import ClientError
from playwright.sync_api import expect

from fogbank.server import free_port
from tests.console.test_csp import POLICY
from tests.console.test_rds_console import field
from tests.console.test_rds_lab import run_sql

if TYPE_CHECKING:
    from tests.console.conftest import ConsolePage

PASSWORD = "Lab-pass-123"
SLOW = 60_000  # an engine's start, a failover, a stop


def make_cluster(rds: Any, identifier: str, engine: str, readers: int = 0) -> dict[str, Any]:
    """A cluster made through the API (the tests of the form make theirs through the page)."""
    port = free_port()
    rds.create_db_cluster(DBClusterIdentifier=identifier, Engine=engine, MasterUsername="master",
                          MasterUserPassword=PASSWORD, DatabaseName="shop", Port=port)  # fmt: skip
    for n in range(1 + readers):
        rds.create_db_instance(DBInstanceIdentifier=f"{identifier}-{n}", DBClusterIdentifier=identifier,
                               Engine=engine, DBInstanceClass="db.r6g.large")  # fmt: skip
    rds.get_waiter("db_instance_available").wait(
        Filters=[{"Name": "db-cluster-id", "Values": [identifier]}], WaiterConfig={"Delay": 1}
    )
    return rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]


def writer_of(rds: Any, identifier: str) -> str:
    cluster = rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
    return next(m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"] if m["IsClusterWriter"])


def members(console: ConsolePage) -> Any:
    return console.page.get_by_role("table", name="Cluster members").locator("tbody tr")


def cluster_status(console: ConsolePage) -> Any:
    return console.page.locator(".kv-item", has_text="Status").first


def test_create_an_aurora_cluster_and_fail_over_from_its_page(console: ConsolePage, client: Any) -> None:
    rds = client("rds")
    page = console.page
    console.open("/rds/launch")
    page.get_by_label("Aurora (PostgreSQL Compatible)", exact=True).check()
    expect(page.get_by_label("Engine version")).not_to_have_value("")
    expect(page.get_by_label("Allocated storage (GiB)")).to_have_count(0)  # Aurora's storage grows by itself
    page.get_by_label("DB cluster identifier").fill("shop")
    expect(page.get_by_label("Master username")).to_have_value("postgres")
    page.get_by_label("Master password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm master password").fill(PASSWORD)
    expect(page.get_by_label("Create an Aurora Replica or Reader node", exact=False)).to_be_checked()
    page.get_by_label("Initial database name").fill("shop")
    port = free_port()
    page.get_by_label("Database port").fill(str(port))
    console.shot("create-aurora")
    page.get_by_role("button", name="Create database").click()

    expect(page).to_have_url(re.compile(r"#/rds/clusters/shop$"))
    expect(cluster_status(console)).to_contain_text("Available", timeout=SLOW)
    expect(members(console)).to_have_count(2)
    expect(members(console).nth(0)).to_contain_text("shop-instance-1Writer instance")
    expect(members(console).nth(1)).to_contain_text("shop-instance-1-us-east-1bReader instance")
    for n in range(2):
        expect(members(console).nth(n)).to_contain_text("Available", timeout=SLOW)
    cluster = rds.describe_db_clusters(DBClusterIdentifier="shop")["DBClusters"][0]
    assert cluster["Port"] == port and cluster["DatabaseName"] == "shop"
    assert writer_of(rds, "shop") == "shop-instance-1"

    # The endpoints the page names are the ones that connect: the writer's takes writes, the reader's is read-only.
    endpoints = page.get_by_role("table", name="Endpoints")
    expect(endpoints).to_contain_text(f"127.0.0.1Writer{port}")
    expect(endpoints).to_contain_text(f"127.0.0.2Reader{port}")
    expect(page.get_by_text(f'psql "host=127.0.0.2 port={port} dbname=shop user=postgres"')).to_be_visible()
    login = {"port": port, "user": "postgres", "password": PASSWORD, "dbname": "shop", "autocommit": True}
    with psycopg.connect(host="127.0.0.1", **login) as conn:
        conn.execute("CREATE TABLE orders (id int)")
        conn.execute("INSERT INTO orders VALUES (1)")
    with psycopg.connect(host="127.0.0.2", **login) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)

    console.open("/rds")
    rows = page.get_by_role("table", name="Databases").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("shopAvailableRegional cluster")
    expect(rows.nth(0)).to_contain_text("2 instances")
    expect(rows.nth(1)).to_contain_text("shop-instance-1AvailableWriter instance")
    expect(rows.nth(2)).to_contain_text("shop-instance-1-us-east-1bAvailableReader instance")
    console.shot("databases-list")

    page.get_by_role("link", name="shop", exact=True).click()
    page.get_by_role("button", name="Failover").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("New writer").select_option("shop-instance-1-us-east-1b")
    dialog.get_by_role("button", name="Failover").click()
    expect(members(console).nth(0)).to_contain_text("shop-instance-1-us-east-1bWriter instance", timeout=SLOW)
    expect(members(console).nth(1)).to_contain_text("shop-instance-1Reader instance")
    assert writer_of(rds, "shop") == "shop-instance-1-us-east-1b"
    expect(cluster_status(console)).to_contain_text("Available", timeout=SLOW)
    # The cluster endpoint now reaches the new writer, with the data.
    with psycopg.connect(host="127.0.0.1", **login) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (False,)
        conn.execute("INSERT INTO orders VALUES (2)")
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (2,)
    page.get_by_role("tab", name="Events").click()
    expect(page.get_by_text("Completed failover to DB instance", exact=False)).to_be_visible()
    console.shot("after-failover")


def test_enable_the_data_api_and_query_the_cluster(console: ConsolePage, client: Any) -> None:
    """An Aurora MySQL cluster: the query editor refuses it until the Data API is enabled from its page, then runs
    SQL on its writer (the rows written there directly come back)."""
    rds = client("rds")
    cluster = make_cluster(rds, "books", "aurora-mysql")
    with pymysql.connect(host="127.0.0.1", port=cluster["Port"], user="master", password=PASSWORD,
                         database="shop", autocommit=True) as conn:  # fmt: skip
        conn.cursor().execute("CREATE TABLE titles (name varchar(40))")
        conn.cursor().execute("INSERT INTO titles VALUES ('Dune'), ('Emma')")
    page = console.page
    console.open("/query?cluster=books")
    expect(page.get_by_label("Database instance or cluster")).to_have_value("cluster.books")
    expect(page.get_by_role("status")).to_contain_text("The RDS Data API is not enabled on the cluster books")
    expect(page.get_by_role("button", name="Connect to database")).to_be_disabled()
    page.get_by_role("link", name="the cluster's page").click()

    expect(page.get_by_role("heading", name="books", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Query", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Enable the RDS Data API").click()
    expect(page.locator(".kv-item", has_text="RDS Data API").first).to_contain_text("Enabled")
    assert rds.describe_db_clusters(DBClusterIdentifier="books")["DBClusters"][0]["HttpEndpointEnabled"] is True
    expect(page.get_by_text(f"--resource-arn {cluster['DBClusterArn']}")).to_be_visible()
    page.get_by_role("link", name="Open the query editor").click()

    expect(page.get_by_label("Database instance or cluster")).to_have_value("cluster.books")
    page.get_by_role("button", name="Connect to database").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Database username")).to_have_value("master")
    expect(dialog.get_by_label("Database name")).to_have_value("shop")
    dialog.get_by_label("Database password").fill("wrong-password")
    dialog.get_by_role("button", name="Connect").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Access denied")  # the engine's answer, through the Data API
    dialog.get_by_label("Database password").fill(PASSWORD)
    dialog.get_by_role("button", name="Connect").click()
    expect(page.get_by_text("Connected as")).to_be_visible()
    run_sql(console, "SELECT name FROM titles ORDER BY name;")
    result = page.get_by_test_id("statement-result").first
    expect(result).to_contain_text("2 rows returned")
    expect(result).to_contain_text("Dune")
    expect(result).to_contain_text("Emma")
    console.shot("query-cluster")
    # The sign-in is a secret named for the cluster (no instance's name can collide with it).
    names = [s["Name"] for s in client("secretsmanager").list_secrets()["SecretList"]]
    assert names == ["fogbank-console/cluster.books/master"], names


def test_modify_stop_start_and_delete_a_cluster(console: ConsolePage, client: Any) -> None:
    rds = client("rds")
    make_cluster(rds, "ledger", "aurora-postgresql", readers=1)
    page = console.page
    console.open("/rds/clusters/ledger/modify")
    page.get_by_label("Backup window (UTC)").fill("25:00-26:00")
    page.get_by_role("button", name="Modify cluster").click()
    expect(page.get_by_role("alert")).to_contain_text("InvalidParameterValue")  # the server's check, shown
    page.get_by_label("Backup window (UTC)").fill("04:00-04:30")
    page.get_by_label("Backup retention period (days)").fill("0")
    page.get_by_role("button", name="Modify cluster").click()
    expect(field(console, "Backup retention period (days)")).to_contain_text("from 1 to 35")
    page.get_by_label("Backup retention period (days)").fill("7")
    page.get_by_label("Enable deletion protection").check()
    page.get_by_label("Enable the RDS Data API").check()
    page.get_by_role("button", name="Modify cluster").click()
    expect(page.get_by_role("heading", name="ledger", exact=True)).to_be_visible()
    cluster = rds.describe_db_clusters(DBClusterIdentifier="ledger")["DBClusters"][0]
    assert (cluster["BackupRetentionPeriod"], cluster["PreferredBackupWindow"]) == (7, "04:00-04:30")
    assert cluster["DeletionProtection"] is True and cluster["HttpEndpointEnabled"] is True
    page.get_by_role("tab", name="Configuration").click()
    expect(page.locator(".kv-item", has_text="Backup retention")).to_contain_text("7 days")

    page.get_by_role("button", name="Stop").click()
    page.get_by_role("dialog").get_by_role("button", name="Stop").click()
    expect(cluster_status(console)).to_contain_text("Stopped", timeout=SLOW)
    for n in range(2):
        expect(members(console).nth(n)).to_contain_text("Stopped", timeout=SLOW)
    page.get_by_role("button", name="Start").click()
    page.get_by_role("dialog").get_by_role("button", name="Start").click()
    expect(cluster_status(console)).to_contain_text("Available", timeout=SLOW)
    with psycopg.connect(
        host="127.0.0.1", port=cluster["Port"], user="master", password=PASSWORD, dbname="shop"
    ) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)

    # As on AWS, the cluster itself can't be deleted while it has instances.
    expect(page.get_by_role("button", name="Delete", exact=True)).to_be_disabled()
    page.get_by_role("button", name="Delete ledger-1").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("The instance leaves the cluster ledger")
    expect(dialog.get_by_label("Create final snapshot")).to_have_count(0)
    dialog.get_by_label('To confirm, type "delete me"').fill("delete me")
    dialog.get_by_role("button", name="Delete").click()
    expect(members(console)).to_have_count(1, timeout=SLOW)

    # The last instance takes the cluster with it (as in AWS's console); the cluster's deletion protection keeps both.
    page.get_by_role("button", name="Delete ledger-0").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("This is the last instance of the cluster ledger")
    snapshot = dialog.get_by_label("Create final snapshot")
    try:
        rds.describe_db_cluster_snapshots(DBClusterIdentifier="ledger")
        snapshots_built = True
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NotImplemented"
        snapshots_built = False
    if snapshots_built:  # AWS's default: a final snapshot; this test deletes without one
        expect(snapshot).to_be_checked()
        snapshot.uncheck()
    else:  # this Fogbank takes no cluster snapshots yet: the page says why the choice is off
        expect(dialog).to_contain_text("does not take DB cluster snapshots yet")
        expect(snapshot).to_be_disabled()
        expect(snapshot).not_to_be_checked()
    dialog.get_by_label('To confirm, type "delete me"').fill("delete me")
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog.get_by_role("alert")).to_contain_text("deletion protection enabled")
    assert (
        rds.describe_db_instances(DBInstanceIdentifier="ledger-0")["DBInstances"][0]["DBInstanceStatus"] == "available"
    )
    rds.modify_db_cluster(DBClusterIdentifier="ledger", DeletionProtection=False)
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="Databases")).to_be_visible()
    assert [c["Status"] for c in rds.describe_db_clusters()["DBClusters"]] in ([], ["deleting"])


def test_the_apis_errors_show_where_the_user_acted(console: ConsolePage, client: Any) -> None:
    rds = client("rds")
    make_cluster(rds, "taken", "aurora-postgresql")
    page = console.page
    console.open("/rds/launch")
    page.get_by_label("Aurora (PostgreSQL Compatible)", exact=True).check()
    expect(page.get_by_label("Engine version")).not_to_have_value("")
    page.get_by_label("DB cluster identifier").fill("bad--name")
    page.get_by_label("Backup retention period (days)").fill("0")  # an instance may keep none, a cluster can't
    page.get_by_role("button", name="Create database").click()
    expect(field(console, "DB cluster identifier")).to_contain_text("The DB cluster identifier must be 1 to 63")
    expect(field(console, "Backup retention period (days)")).to_contain_text("from 1 to 35")
    page.get_by_label("Backup retention period (days)").fill("1")
    page.get_by_label("DB cluster identifier").fill("taken")
    page.get_by_label("Master password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm master password").fill(PASSWORD)
    page.get_by_label("Database port").fill(str(free_port()))
    page.get_by_role("button", name="Create database").click()
    expect(field(console, "DB cluster identifier")).to_contain_text("DBClusterAlreadyExistsFault")

    console.open("/rds/clusters/taken")
    expect(cluster_status(console)).to_contain_text("Available")
    page.get_by_role("button", name="Add reader").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("DB instance identifier").fill("taken-0")  # the writer's name
    dialog.get_by_role("button", name="Add reader").click()
    expect(dialog.get_by_role("alert")).to_contain_text("DBInstanceAlreadyExists")
    dialog.get_by_label("DB instance identifier").fill("taken-reader")
    dialog.get_by_label("Failover priority").select_option("tier-0")
    dialog.get_by_role("button", name="Add reader").click()
    expect(dialog).to_have_count(0)
    expect(members(console)).to_have_count(2)
    expect(members(console).nth(1)).to_contain_text("taken-readerReader instance")
    expect(members(console).nth(1)).to_contain_text("tier-0")
    reader = rds.describe_db_instances(DBInstanceIdentifier="taken-reader")["DBInstances"][0]
    assert reader["DBClusterIdentifier"] == "taken" and reader["PromotionTier"] == 0

    # A member's Modify page has what is its own (class, failover priority); the cluster owns the rest.
    console.open("/rds/instances/taken-reader/modify")
    expect(page.get_by_label("Failover priority")).to_have_value("0")
    expect(page.get_by_label("Allocated storage (GiB)")).to_have_count(0)
    expect(page.get_by_label("New master password")).to_have_count(0)
    page.get_by_label("Failover priority").select_option("tier-4")
    page.get_by_role("button", name="Modify DB instance").click()
    expect(page.get_by_role("heading", name="taken-reader", exact=True)).to_be_visible()
    expect(page.locator(".kv-item", has_text="Role")).to_contain_text("Reader instance")
    assert rds.describe_db_instances(DBInstanceIdentifier="taken-reader")["DBInstances"][0]["PromotionTier"] == 4

    console.open("/rds/clusters/nowhere")
    expect(page.get_by_role("alert")).to_contain_text("DBClusterNotFoundFault")


def close_dialog(page: Any) -> None:
    """Escape closes a dialog; on a loaded machine the first press can come before the dialog listens
    (its backdrop then stays over the page and takes the next click), so press until it is gone."""
    for _ in range(20):
        page.keyboard.press("Escape")
        if page.get_by_role("dialog").count() == 0:
            break
        page.wait_for_timeout(250)
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_cluster_pages_keep_to_the_strict_policy(console: ConsolePage, client: Any) -> None:
    """The cluster's page, its Modify page, its dialogs and the Aurora launch form under test_csp.py's policy."""
    make_cluster(client("rds"), "strict", "aurora-postgresql")
    page = console.page

    def with_policy(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": POLICY})

    page.route(f"{console.endpoint}/console/**", with_policy)
    page.add_init_script(
        "window.__violations = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));"
    )
    console.open("/rds/clusters/strict")
    expect(cluster_status(console)).to_contain_text("Available")
    for action in ("Add reader", "Failover", "Stop"):
        if page.get_by_role("button", name=action, exact=True).is_enabled():
            page.get_by_role("button", name=action, exact=True).click()
            expect(page.get_by_role("dialog")).to_be_visible()
            close_dialog(page)
    page.get_by_role("button", name="Delete strict-0").click()
    expect(page.get_by_role("dialog")).to_contain_text("This is the last instance")
    close_dialog(page)
    for tab in ("Configuration", "Events"):
        page.get_by_role("tab", name=tab).click()
    console.open("/rds/clusters/strict/modify")
    expect(page.get_by_role("button", name="Modify cluster")).to_be_visible()
    console.open("/rds/launch")
    page.get_by_label("Aurora (MySQL Compatible)", exact=True).check()
    expect(page.get_by_label("DB cluster identifier")).to_be_visible()
    console.open("/rds")
    expect(page.get_by_role("table", name="Databases")).to_contain_text("Regional cluster")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__violations") == []
