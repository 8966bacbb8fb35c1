"""ElastiCache replication groups and serverless caches in a real browser: create a primary with a replica
through the console, read its primary and reader endpoints, fail it over from the page and reach the new
primary at the same endpoint with a real `redis` client; create a serverless cache, connect over TLS with the
certificate authority the page names; list and Home rows link to each page; delete."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import redis
from playwright.sync_api import expect

if TYPE_CHECKING:
    from tests.console.conftest import ConsolePage

AVAILABLE = 90_000  # ms: a group's replica syncs in about a second, but other tests run beside this one


def _kv(page: Any, label: str) -> Any:
    return page.locator(".kv-item", has_text=label)


def _address(text: str) -> tuple[str, int]:
    host, port = text.strip().rsplit(":", 1)
    return host, int(port)


def _start_create(console: ConsolePage, deployment: str, name: str) -> None:
    page = console.page
    console.open("/elasticache/create")
    page.get_by_role("radio", name="Valkey", exact=True).check()
    expect(page.locator("#c-version option").first).to_be_attached()
    page.get_by_role("radio", name=re.compile(deployment)).check()
    page.locator("#c-identifier").fill(name)


def test_replication_group_failover_from_the_console(console: ConsolePage, client: Any) -> None:
    page = console.page
    _start_create(console, "Replication group", "orders")
    page.get_by_label("Number of replicas").fill("1")
    page.get_by_role("button", name="Create cache").click()
    expect(page).to_have_url(re.compile(r"#/elasticache/groups/orders$"))
    expect(_kv(page, "Status")).to_contain_text("Available", timeout=AVAILABLE)

    primary = _address(_kv(page, "Primary endpoint").locator(".mono").inner_text())
    reader = _address(_kv(page, "Reader endpoint").locator(".mono").inner_text())
    shard = client("elasticache").describe_replication_groups(ReplicationGroupId="orders")["ReplicationGroups"][0]
    assert shard["NodeGroups"][0]["PrimaryEndpoint"] == {"Address": primary[0], "Port": primary[1]}
    assert shard["NodeGroups"][0]["ReaderEndpoint"] == {"Address": reader[0], "Port": reader[1]}
    expect(page.locator(".examples")).to_contain_text(f"valkey-cli -h {primary[0]} -p {primary[1]}")

    writer = redis.Redis(host=primary[0], port=primary[1], socket_timeout=5)
    writer.set("order:1", "paid")
    writer.close()

    page.get_by_role("tab", name="Nodes").click()
    nodes = page.get_by_role("table", name="Nodes of shard 0001")
    expect(nodes.locator("tr", has_text="orders-001")).to_contain_text("primary")
    expect(nodes.locator("tr", has_text="orders-002")).to_contain_text("replica")
    page.get_by_role("button", name="Failover shard 0001").click()
    page.get_by_role("dialog").get_by_role("button", name="Fail over", exact=True).click()
    expect(page.get_by_text("Failover of shard 0001 started")).to_be_visible()
    expect(nodes.locator("tr", has_text="orders-002")).to_contain_text("primary", timeout=AVAILABLE)
    expect(_kv(page, "Status")).to_contain_text("Available", timeout=AVAILABLE)
    console.shot("replication-group-after-failover")

    # The same primary endpoint now reaches the promoted node, with the data and accepting writes.
    after = redis.Redis(host=primary[0], port=primary[1], socket_timeout=5)
    assert after.get("order:1") == b"paid"
    assert after.info("replication")["role"] == "master"
    after.set("order:2", "shipped")
    after.close()

    page.get_by_role("tab", name="Events").click()
    expect(page.get_by_role("table", name="Events")).to_contain_text("Test Failover API called for node group 0001")

    console.open("/elasticache")
    row = page.get_by_role("table", name="Replication groups").locator("tr", has_text="orders")
    expect(row).to_contain_text("Available")
    expect(row).to_contain_text(f"{primary[0]}:{primary[1]}")
    console.open("/")
    expect(page.get_by_role("link", name="orders")).to_have_attribute("href", "#/elasticache/groups/orders")

    console.open("/elasticache/groups/orders")
    page.get_by_role("button", name="Delete", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label('To confirm, type "delete me"').fill("delete me")
    dialog.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_role("heading", name="ElastiCache caches")).to_be_visible()
    client("elasticache").get_waiter("replication_group_deleted").wait(
        ReplicationGroupId="orders", WaiterConfig={"Delay": 1, "MaxAttempts": 90}
    )


def test_serverless_cache_over_tls_from_the_console(console: ConsolePage, client: Any) -> None:
    page = console.page
    _start_create(console, "Serverless", "sessions")
    page.get_by_label("Maximum data storage (GB)").fill("0")
    page.get_by_role("button", name="Create cache").click()
    storage = page.locator(".field", has=page.locator("#c-storageMax"))
    expect(storage.locator(".field-error")).to_have_text("CacheUsageLimits.DataStorage must be between 1 and 5000 GB.")
    assert client("elasticache").describe_serverless_caches()["ServerlessCaches"] == []  # nothing was sent
    page.get_by_label("Maximum data storage (GB)").fill("2")
    expect(storage.locator(".field-error")).to_have_count(0)  # corrected: the error goes at once
    page.get_by_role("button", name="Create cache").click()
    expect(page).to_have_url(re.compile(r"#/elasticache/serverless/sessions$"))
    expect(_kv(page, "Status")).to_contain_text("Available", timeout=AVAILABLE)
    expect(_kv(page, "Data storage limit")).to_contain_text("2 GB")

    endpoint = _address(_kv(page, "Endpoint").first.locator(".mono").inner_text())
    ca = _kv(page, "Certificate authority").locator(".mono")
    expect(ca).to_contain_text("ca.pem")
    ca_file = ca.inner_text().strip()
    described = client("elasticache").describe_serverless_caches(ServerlessCacheName="sessions")["ServerlessCaches"][0]
    assert described["Endpoint"] == {"Address": endpoint[0], "Port": endpoint[1]}
    assert described["CacheUsageLimits"]["DataStorage"]["Maximum"] == 2
    expect(page.locator(".examples")).to_contain_text(f'ssl=True, ssl_ca_certs="{ca_file}"')
    console.shot("serverless-connectivity")

    connection = redis.Redis(host=endpoint[0], port=endpoint[1], ssl=True, ssl_ca_certs=ca_file, socket_timeout=5)
    connection.set("session:1", "alice")
    assert connection.get("session:1") == b"alice"
    connection.close()

    console.open("/elasticache")
    row = page.get_by_role("table", name="Serverless caches").locator("tr", has_text="sessions")
    expect(row).to_contain_text("Available")
    row.get_by_role("link", name="sessions").click()
    page.get_by_role("button", name="Delete", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label('To confirm, type "delete me"').fill("delete me")
    dialog.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_role("heading", name="ElastiCache caches")).to_be_visible()
