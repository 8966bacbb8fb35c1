"""Aurora global databases: how far behind a secondary in another region is, and a switchover under a
write load (the new primary accepting writes, acknowledged commits lost).

    python bench/aurora_global.py [--engines aurora-postgresql,aurora-mysql]

Fogbank runs as ``python -m fogbank up`` in a process of its own (``bench/aurora.py``'s ``Server``).

- Lag: each of 200 samples commits a row through the primary's cluster endpoint (us-east-1) and polls the
  secondary's first instance (us-west-2) every 1 ms until the row is there.
- Switchover: a thread inserts 1, 2, 3, ... through the primary's cluster endpoint, and, once the
  switchover is called, through the secondary's too, reconnecting after errors; the time from
  SwitchoverGlobalCluster to the first insert the new primary acknowledges; then every acknowledged row
  is looked for on the new primary (goal: 0 lost).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.aurora import PASSWORD, USERS, Server, connect, run, status, wait_instances  # noqa: E402


def wait_cluster(rds: Any, name: str) -> dict[str, Any]:
    while True:
        cluster = rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
        if cluster["Status"] == "available":
            return cluster
        time.sleep(0.02)


class Load(threading.Thread):
    """Inserts through ``ports[0]`` (the primary's endpoint) and, once ``switched`` is set, alternately
    through the new primary's (``ports[1]``), reconnecting after errors."""

    def __init__(self, engine: str, ports: tuple[int, int]) -> None:
        super().__init__(daemon=True)
        self.engine, self.ports = engine, ports
        self.acked: list[tuple[int, float, int]] = []  # (value, when, port)
        self.stop, self.switched = threading.Event(), threading.Event()

    def run(self) -> None:
        n, conns, turn = 0, {}, 0
        while not self.stop.is_set():
            port = self.ports[turn % 2] if self.switched.is_set() else self.ports[0]
            turn += 1
            try:
                if port not in conns:
                    conns[port] = connect(self.engine, "127.0.0.1", port)
                n += 1
                run(conns[port], "INSERT INTO t VALUES (?)", n)
                self.acked.append((n, time.monotonic(), port))
            except Exception:
                conns.pop(port, None)
                time.sleep(0.01)


def bench(server: Server, engine: str) -> None:
    east = server.rds
    west = boto3.client("rds", endpoint_url=east.meta.endpoint_url, region_name="us-west-2",
                        aws_access_key_id="bench", aws_secret_access_key="bench")  # fmt: skip
    print(f"{engine}:")
    east.create_db_cluster(DBClusterIdentifier="p", Engine=engine, MasterUsername=USERS[engine],
                           MasterUserPassword=PASSWORD, DatabaseName="bench")  # fmt: skip
    east.create_db_instance(DBInstanceIdentifier="p-0", DBClusterIdentifier="p", Engine=engine,
                            DBInstanceClass="db.r6g.large")  # fmt: skip
    wait_instances(east, ["p-0"])
    east.create_global_cluster(GlobalClusterIdentifier="g", SourceDBClusterIdentifier="p")
    started = time.monotonic()
    west.create_db_cluster(DBClusterIdentifier="s", Engine=engine, GlobalClusterIdentifier="g")
    west.create_db_instance(DBInstanceIdentifier="s-0", DBClusterIdentifier="s", Engine=engine,
                            DBInstanceClass="db.r6g.large")  # fmt: skip
    wait_instances(west, ["s-0"])
    print(f"  secondary cluster and its instance available in {time.monotonic() - started:.2f} s")
    primary_port, secondary_port = wait_cluster(east, "p")["Port"], wait_cluster(west, "s")["Port"]
    head = status(west, "s-0")["Endpoint"]["Port"]
    with connect(engine, "127.0.0.1", primary_port) as conn:
        run(conn, "CREATE TABLE lag (n BIGINT PRIMARY KEY)")
        run(conn, "CREATE TABLE t (n BIGINT PRIMARY KEY)")
    lags = []
    with connect(engine, "127.0.0.1", primary_port) as writer:
        deadline = time.monotonic() + 10
        while True:  # the secondary has the tables
            try:
                with connect(engine, "127.0.0.1", head) as reader:
                    run(reader, "SELECT 1 FROM lag")
                break
            except Exception:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        with connect(engine, "127.0.0.1", head) as reader:
            for n in range(200):
                run(writer, "INSERT INTO lag VALUES (?)", n)
                committed = time.perf_counter()
                while not run(reader, "SELECT 1 FROM lag WHERE n = ?", n):
                    time.sleep(0.001)
                lags.append(time.perf_counter() - committed)
    lags.sort()
    print(f"  secondary lag (another region): p50 {statistics.median(lags) * 1000:.1f} ms, "
          f"p99 {lags[int(len(lags) * 0.99)] * 1000:.1f} ms")  # fmt: skip

    load = Load(engine, (primary_port, secondary_port))
    load.start()
    while len(load.acked) < 200:
        time.sleep(0.01)
    secondary_arn = wait_cluster(west, "s")["DBClusterArn"]
    started = time.monotonic()
    west.switchover_global_cluster(GlobalClusterIdentifier="g", TargetDbClusterIdentifier=secondary_arn)
    load.switched.set()
    while not any(port == secondary_port for _, _, port in load.acked):
        time.sleep(0.01)
    resumed = min(when for _, when, port in load.acked if port == secondary_port)
    time.sleep(0.5)
    load.stop.set()
    load.join(10)
    with connect(engine, "127.0.0.1", head) as conn:
        rows = {row[0] for row in run(conn, "SELECT n FROM t")}
    lost = [n for n, _, _ in load.acked if n not in rows]
    print(f"  switchover under a write load: new primary accepting writes {resumed - started:.2f} s, "
          f"{len(load.acked)} acknowledged commits, {len(lost)} lost (goal 0)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="aurora-postgresql,aurora-mysql")
    args = parser.parse_args()
    for engine in args.engines.split(","):
        server = Server()
        try:
            bench(server, engine)
        finally:
            server.close()


if __name__ == "__main__":
    main()
