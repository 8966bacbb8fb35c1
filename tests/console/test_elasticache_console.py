"""ElastiCache in a real browser: create a Valkey and a Memcached cluster through the console, wait for
available, read the endpoints the page shows and copy its examples, then reach those endpoints with real
`redis` and `pymemcache` clients; the create form's checks (the server's rules) at their field; delete."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
import redis
from playwright.sync_api import expect
from pymemcache.client.base import Client as MemcacheClient
from pymemcache.client.hash import HashClient

if TYPE_CHECKING:
    from tests.console.conftest import ConsolePage

AVAILABLE = 60_000  # ms: a node starts in well under a second, but other tests run beside this one


def _create(console: ConsolePage, engine: str, name: str, nodes: int | None = None) -> None:
    page = console.page
    console.open("/elasticache/create")
    page.get_by_role("radio", name=engine, exact=True).check()
    expect(page.locator("#c-version option").first).to_be_attached()
    page.get_by_label("Cluster ID").fill(name)
    if nodes is not None:
        page.get_by_label("Number of nodes").fill(str(nodes))
    page.get_by_role("button", name="Create cache").click()
    expect(page.get_by_role("heading", name=name.lower(), exact=True)).to_be_visible()
    expect(page.locator(".kv-item", has_text="Status")).to_contain_text("Available", timeout=AVAILABLE)


def _endpoint(page: Any, node: str) -> tuple[str, int]:
    """The host and port the page shows for a node (or the configuration endpoint)."""
    row = page.get_by_role("table", name="Node endpoints").locator("tbody tr", has_text=node)
    cells = row.locator("td")
    return cells.nth(2).inner_text().strip(), int(cells.nth(3).inner_text().strip())


def _copied(console: ConsolePage, label: str) -> str:
    console.page.get_by_role("button", name=f"Copy {label}", exact=True).click()
    expect(console.page.get_by_role("button", name=f"Copy {label}", exact=True)).to_have_text("Copied")
    return str(console.page.evaluate("navigator.clipboard.readText()"))


def _delete(console: ConsolePage, name: str, client: Any) -> None:
    page = console.page
    page.get_by_role("button", name="Delete", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label('To confirm, type "delete me"').fill("delete me")
    dialog.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_role("heading", name="ElastiCache caches")).to_be_visible()
    expect(page.get_by_role("table", name="Cache clusters").locator("tr", has_text=name)).to_have_count(
        0, timeout=AVAILABLE
    )
    elasticache = client("elasticache")
    elasticache.get_waiter("cache_cluster_deleted").wait(
        CacheClusterId=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )


@pytest.fixture
def clipboard(console: ConsolePage) -> ConsolePage:
    console.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console.endpoint)
    return console


def test_valkey_cluster_end_to_end(clipboard: ConsolePage, client: Any) -> None:
    console = clipboard
    page = console.page
    _create(console, "Valkey", "Web-Cache")  # stored in lowercase, as ElastiCache does
    expect(page).to_have_url(re.compile(r"#/elasticache/clusters/web-cache$"))
    host, port = _endpoint(page, "0001")
    described = client("elasticache").describe_cache_clusters(CacheClusterId="web-cache", ShowCacheNodeInfo=True)
    assert described["CacheClusters"][0]["CacheNodes"][0]["Endpoint"] == {"Address": host, "Port": port}
    assert _copied(console, "valkey-cli") == f"valkey-cli -h {host} -p {port}"
    assert f'redis.Redis(host="{host}", port={port})' in _copied(console, "Python (redis)")
    console.shot("valkey-endpoints")

    # The endpoint the page shows is the real node.
    connection = redis.Redis(host=host, port=port, socket_timeout=5)
    connection.set("greeting", "hello from the console test")
    assert connection.get("greeting") == b"hello from the console test"
    assert connection.info("server")["server_name"] == "valkey"
    connection.close()

    page.get_by_role("tab", name="Events").click()
    expect(page.get_by_role("table", name="Events")).to_contain_text("web-cache")
    page.get_by_role("tab", name="Snapshots").click()
    page.get_by_role("button", name="Create snapshot").click()
    page.get_by_label("Snapshot name").fill("web-cache-snap")
    page.get_by_role("dialog").get_by_role("button", name="Create snapshot").click()
    snapshots = page.get_by_role("table", name="Snapshots")
    expect(snapshots.locator("tr", has_text="web-cache-snap")).to_contain_text("Available", timeout=AVAILABLE)
    assert (
        client("elasticache").describe_snapshots(SnapshotName="web-cache-snap")["Snapshots"][0]["CacheClusterId"]
        == "web-cache"
    )
    console.shot("valkey-snapshot")

    console.open("/elasticache")
    row = page.get_by_role("table", name="Cache clusters").locator("tr", has_text="web-cache")
    expect(row).to_contain_text("Available")
    expect(row).to_contain_text(f"{host}:{port}")
    row.get_by_role("link", name="web-cache").click()
    expect(page.locator(".kv-item", has_text="Status")).to_contain_text("Available")
    _delete(console, "web-cache", client)
    client("elasticache").delete_snapshot(SnapshotName="web-cache-snap")


def test_memcached_cluster_end_to_end(clipboard: ConsolePage, client: Any) -> None:
    console = clipboard
    page = console.page
    _create(console, "Memcached", "sessions", nodes=2)
    config_host, config_port = _endpoint(page, "Configuration endpoint")
    nodes = [_endpoint(page, node) for node in ("0001", "0002")]
    cluster = client("elasticache").describe_cache_clusters(CacheClusterId="sessions", ShowCacheNodeInfo=True)[
        "CacheClusters"
    ][0]
    assert cluster["ConfigurationEndpoint"] == {"Address": config_host, "Port": config_port}
    assert [(n["Endpoint"]["Address"], n["Endpoint"]["Port"]) for n in cluster["CacheNodes"]] == nodes
    example = _copied(console, "Python (pymemcache)")
    assert f'Client(("{config_host}", {config_port}))' in example
    every = _copied(console, "Python (pymemcache, every node)")
    assert all(f'("{h}", {p})' in every for h, p in nodes)
    console.shot("memcached-endpoints")
    expect(page.get_by_role("tab", name="Snapshots")).to_have_count(0)  # Memcached keeps nothing to snapshot

    # Through the configuration endpoint (forwarded to node 0001), and spread over both nodes.
    via_config = MemcacheClient((config_host, config_port), timeout=5)
    via_config.set("color", "teal")
    assert via_config.get("color") == b"teal"
    via_config.close()
    spread = HashClient(nodes, timeout=5)
    for n in range(20):
        spread.set(f"key-{n}", str(n))
    assert [spread.get(f"key-{n}") for n in range(20)] == [str(n).encode() for n in range(20)]
    spread.close()
    direct = MemcacheClient(nodes[0], timeout=5)
    assert direct.get("color") == b"teal"
    direct.close()
    _delete(console, "sessions", client)


@pytest.mark.parametrize("bad", ["1cache", "a--b", "cache-", "c" * 51, "under_score"])
def test_create_refuses_what_the_api_refuses(console: ConsolePage, client: Any, bad: str) -> None:
    """Each name the form refuses, the API refuses too (same rule on both sides)."""
    with pytest.raises(client("elasticache").exceptions.ClientError) as refused:
        client("elasticache").create_cache_cluster(
            CacheClusterId=bad, Engine="valkey", CacheNodeType="cache.t3.micro", NumCacheNodes=1
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"
    page = console.page
    console.open("/elasticache/create")
    page.get_by_label("Cluster ID").fill(bad)
    page.get_by_role("button", name="Create cache").click()
    field = page.locator(".field", has=page.get_by_label("Cluster ID"))
    expect(field.locator(".field-error")).to_contain_text("must be 1 to 50 letters, digits or hyphens")
    expect(page.get_by_label("Cluster ID")).to_be_focused()
    page.get_by_label("Cluster ID").fill("good-name")
    expect(field.locator(".field-error")).to_have_count(0)


def test_create_errors_at_their_field(console: ConsolePage, client: Any) -> None:
    elasticache = client("elasticache")
    elasticache.create_cache_cluster(
        CacheClusterId="taken", Engine="memcached", CacheNodeType="cache.t3.micro", NumCacheNodes=1
    )
    page = console.page
    console.open("/elasticache/create")
    page.get_by_role("radio", name="Memcached", exact=True).check()
    page.get_by_label("Number of nodes").fill("41")
    page.get_by_label("Cluster ID").fill("taken")
    page.get_by_role("button", name="Create cache").click()
    nodes = page.locator(".field", has=page.get_by_label("Number of nodes"))
    expect(nodes).to_contain_text("exceeds the maximum of 40 allowed for a memcached cache cluster")
    page.get_by_label("Number of nodes").fill("1")
    expect(nodes.locator(".field-error")).to_have_count(0)
    # The API's answer about the name shows at the name, until the name changes.
    page.get_by_role("button", name="Create cache").click()
    name = page.locator(".field", has=page.get_by_label("Cluster ID"))
    expect(name).to_contain_text("CacheClusterAlreadyExists")
    expect(page.get_by_label("Cluster ID")).to_be_focused()
    page.get_by_label("Cluster ID").fill("taken-2")
    expect(name.locator(".field-error")).to_have_count(0)
    elasticache.get_waiter("cache_cluster_available").wait(
        CacheClusterId="taken", WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    elasticache.delete_cache_cluster(CacheClusterId="taken")


def test_tls_cluster_shows_its_authority_and_tls_examples(console: ConsolePage, client: Any) -> None:
    """Encryption in transit from the create form: refused at its field for a build without TLS (Valkey's PyPI
    builds), served by Redis OSS 7.0; the page names the certificate authority and its examples connect with it."""
    page = console.page
    console.open("/elasticache/create")
    page.get_by_role("radio", name="Valkey", exact=True).check()
    expect(page.locator("#c-version option").first).to_be_attached()
    page.get_by_label("Cluster ID").fill("secure")
    page.get_by_label("Encryption in transit (TLS)").check()
    page.get_by_role("button", name="Create cache").click()
    tls = page.locator(".field", has=page.locator("#c-tls"))
    expect(tls.locator(".field-error")).to_contain_text("built without TLS")
    page.get_by_role("radio", name="Redis OSS", exact=True).check()
    page.locator("#c-version").select_option("7.0")
    expect(tls.locator(".field-error")).to_have_count(0)
    page.get_by_role("button", name="Create cache").click()
    expect(page).to_have_url(re.compile(r"#/elasticache/clusters/secure$"))
    expect(page.locator(".kv-item", has_text="Status")).to_contain_text("Available", timeout=AVAILABLE)
    assert client("elasticache").describe_cache_clusters(CacheClusterId="secure")["CacheClusters"][0][
        "TransitEncryptionEnabled"
    ]
    host, port = _endpoint(page, "0001")
    notice = page.get_by_text("TLS only: give clients Fogbank's certificate authority")
    expect(notice).to_contain_text("ca.pem")
    ca = notice.inner_text().split("authority, ", 1)[1].rstrip(".")
    expect(page.locator(".examples")).to_contain_text(f"redis-cli -h {host} -p {port} --tls --cacert {ca}")
    expect(page.locator(".examples")).to_contain_text(f'ssl=True, ssl_ca_certs="{ca}"')
    connection = redis.Redis(host=host, port=port, ssl=True, ssl_ca_certs=ca, socket_timeout=5)
    connection.set("k", "over tls")
    assert connection.get("k") == b"over tls"
    connection.close()
    console.shot("tls-cluster")
