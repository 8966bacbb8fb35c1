"""ElastiCache: CreateCacheCluster -> available p50, GET/SET through a node endpoint vs the same
process directly (no proxy on the data path: ratio 1.00 expected), Memcached through the
configuration endpoint (our forwarder) vs the node, idle memory per node. Not part of make test.
Fogbank runs in a process of its own (``fogbank up``), as a user runs it: a forwarder sharing the
benchmark's Python process would be slowed by it. bench/forwarders.py measures the forwarders
against other designs and peers, over repeated rounds."""

from __future__ import annotations

import statistics
import subprocess
import time

import redis
from forwarders import Server, node_port_of  # bench/forwarders.py
from pymemcache.client.base import Client

ROUNDS = 5
CLUSTER_ROUNDS = 5
OPS = 5000


def wait(ec: object, name: str) -> dict:
    while True:
        found = ec.describe_cache_clusters(CacheClusterId=name, ShowCacheNodeInfo=True)["CacheClusters"][0]  # type: ignore[attr-defined]
        if found["CacheClusterStatus"] == "available":
            return found
        time.sleep(0.01)


def best_of(first: callable, second: callable) -> tuple[float, float]:  # type: ignore[valid-type]
    """Operations per second of each, from the median of their latencies, timed alternately one
    operation each: a busy machine then slows both alike instead of skewing whichever ran later."""
    a, b = [], []
    for i in range(OPS):
        started = time.perf_counter()
        first(i)
        middle = time.perf_counter()
        second(i)
        a.append(middle - started)
        b.append(time.perf_counter() - middle)
    return 1 / statistics.median(a), 1 / statistics.median(b)


def rss_mb(port: int) -> float:
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    pid = out.split("pid=")[1].split(",")[0]
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    server = Server()
    try:
        ec = server.ec
        for engine in ("valkey", "memcached"):
            times = []
            for i in range(ROUNDS):
                started = time.perf_counter()
                ec.create_cache_cluster(CacheClusterId=f"{engine}-{i}", Engine=engine, CacheNodeType="cache.t3.micro",
                                        NumCacheNodes=1)  # fmt: skip
                wait(ec, f"{engine}-{i}")
                times.append(time.perf_counter() - started)
            print(f"{engine}: CreateCacheCluster -> available p50 {statistics.median(times) * 1000:.0f} ms "
                  f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")  # fmt: skip
        node = wait(ec, "valkey-0")["CacheNodes"][0]["Endpoint"]
        through = redis.Redis(host=node["Address"], port=node["Port"])
        direct = redis.Redis(host="127.0.0.1", port=node["Port"])  # the same process: the endpoint is the node
        a, b = best_of(lambda i: through.set(f"k{i}", "v"), lambda i: direct.set(f"k{i}", "v"))
        print(f"valkey SET via endpoint {a:.0f}/s, direct {b:.0f}/s, ratio {a / b:.2f}")
        mc = wait(ec, "memcached-0")
        config, node = mc["ConfigurationEndpoint"], mc["CacheNodes"][0]["Endpoint"]
        via = Client((config["Address"], config["Port"]))
        raw = Client((node["Address"], node["Port"]))
        via.set("warm", "1")
        a, b = best_of(lambda i: via.get(f"k{i % 10}"), lambda i: raw.get(f"k{i % 10}"))
        print(
            f"memcached GET via configuration endpoint (forwarder) {a:.0f}/s, direct node {b:.0f}/s, ratio {a / b:.2f}"
        )
        for name in ("valkey-1", "memcached-1"):
            port = wait(ec, name)["CacheNodes"][0]["Endpoint"]["Port"]
            print(f"{name}: idle node RSS {rss_mb(port):.1f} MB")
        replication_groups(ec)
        serverless(ec, server)
    finally:
        server.close()


def wait_group(ec: object, name: str) -> dict:
    while True:
        found = ec.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]  # type: ignore[attr-defined]
        if found["Status"] == "available":
            return found
        time.sleep(0.01)


def replication_groups(ec: object) -> None:
    """1+2 group -> available, TestFailover -> writes on the new primary, the primary endpoint vs
    the node's own address (the same process: no forwarder), cluster mode 3x(1+1) -> available."""
    started = time.perf_counter()
    ec.create_replication_group(ReplicationGroupId="bench-rg", ReplicationGroupDescription="bench",  # type: ignore[attr-defined]
                                Engine="valkey", CacheNodeType="cache.t3.micro", NumCacheClusters=3,
                                AutomaticFailoverEnabled=True)  # fmt: skip
    group = wait_group(ec, "bench-rg")
    print(f"replication group 1+2 -> available {time.perf_counter() - started:.2f} s (goal < 2 s)")
    shard = group["NodeGroups"][0]
    endpoint, primary = shard["PrimaryEndpoint"], shard["NodeGroupMembers"][0]["ReadEndpoint"]
    through = redis.Redis(host=endpoint["Address"], port=endpoint["Port"])
    direct = redis.Redis(host=primary["Address"], port=primary["Port"])
    a, b = best_of(lambda i: through.set(f"k{i}", "v"), lambda i: direct.set(f"k{i}", "v"))
    print(f"valkey SET via primary endpoint {a:.0f}/s, node address {b:.0f}/s, ratio {a / b:.2f}")
    old = direct.info("server")["run_id"]
    started = time.perf_counter()
    ec.test_failover(ReplicationGroupId="bench-rg", NodeGroupId="0001")  # type: ignore[attr-defined]
    while True:
        try:
            client = redis.Redis(host=endpoint["Address"], port=endpoint["Port"], socket_timeout=1)
            if client.info("server")["run_id"] != old and client.set("after", "1"):
                break
        except redis.RedisError:
            pass
    print(f"TestFailover -> writes accepted on the new primary {time.perf_counter() - started:.2f} s (goal < 2 s)")
    times = []
    for i in range(CLUSTER_ROUNDS):
        started = time.perf_counter()
        ec.create_replication_group(ReplicationGroupId=f"bench-cm{i}", ReplicationGroupDescription="bench",  # type: ignore[attr-defined]
                                    Engine="valkey", CacheNodeType="cache.t3.micro", NumNodeGroups=3,
                                    ReplicasPerNodeGroup=1, ClusterMode="enabled")  # fmt: skip
        wait_group(ec, f"bench-cm{i}")
        times.append(time.perf_counter() - started)
        ec.delete_replication_group(ReplicationGroupId=f"bench-cm{i}")  # type: ignore[attr-defined]
        time.sleep(1)  # its six nodes stop before the next round starts six more
    print(f"cluster mode 3x(1+1) -> available p50 {statistics.median(times):.2f} s (min {min(times):.2f}, "
          f"max {max(times):.2f}; goal < 3 s; floor: Redis Cluster's 2 s writable delay)")  # fmt: skip


def serverless(ec: object, server: Server) -> None:
    """A serverless cache's endpoint is Fogbank's TLS terminator in front of the node: GET through it
    vs the same node over plain TCP (the ratio includes TLS's own cost, not only the hop)."""
    ec.create_serverless_cache(ServerlessCacheName="bench-sl", Engine="valkey")  # type: ignore[attr-defined]
    while True:
        found = ec.describe_serverless_caches(ServerlessCacheName="bench-sl")["ServerlessCaches"][0]  # type: ignore[attr-defined]
        if found["Status"] == "available":
            break
        time.sleep(0.01)
    events = ec.describe_events(SourceType="serverless-cache", SourceIdentifier="bench-sl")["Events"]  # type: ignore[attr-defined]
    ca = next(e["Message"] for e in events if "certificate authority in" in e["Message"]).rsplit(" in ", 1)[1]
    assert ca == str(server.data / "elasticache" / "tls" / "ca.pem")
    endpoint = found["Endpoint"]
    through = redis.Redis(host=endpoint["Address"], port=endpoint["Port"], ssl=True, ssl_ca_certs=ca)
    direct = redis.Redis(host="127.0.0.1", port=node_port_of(through))
    through.set("k", "v")
    a, b = best_of(lambda i: through.get("k"), lambda i: direct.get("k"))
    print(f"serverless GET via its TLS endpoint (Fogbank's terminator) {a:.0f}/s, the node over plain TCP {b:.0f}/s, "
          f"ratio {a / b:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
