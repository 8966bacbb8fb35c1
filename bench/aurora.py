"""Aurora DB clusters and Multi-AZ DB clusters: time to a writer + 2 readers, reader lag, failover under a write load (planned
and the writer killed with -9: new writer accepting writes, acknowledged commits lost), and the
cluster/reader endpoint relays against the same server reached directly.

    python bench/aurora.py [--engines aurora-postgresql,aurora-mysql,postgres,mysql] [--samples 2000]

``postgres`` and ``mysql`` are Multi-AZ DB clusters: CreateDBCluster alone makes the three instances.

Fogbank runs as ``python -m fogbank up`` in a process of its own with a fresh data directory: the
configuration a user gets (a relay sharing the benchmark's own Python process would be slowed by it).

- Cluster: CreateDBCluster and its three CreateDBInstance calls one after another, until all are
  available (polled every 20 ms; goal < 3 s); four rounds, the first right after Fogbank started.
- Lag: while another connection writes through the cluster endpoint without pause, each sample
  commits a row on the writer and polls a reader's endpoint (every 1 ms) until it is there (p50 goal
  < 100 ms).
- Failover: a thread inserts 1, 2, 3, ... through the cluster endpoint, reconnecting after errors;
  FailoverDBCluster (then, once the old writer is back as a reader, ``kill -9`` of the writer's
  process) until the first insert acknowledged by the new writer (goal < 5 s); then every
  acknowledged row is looked for on the new writer (goal: 0 lost).
- Relays: ``SELECT 1`` round trips through the cluster endpoint and through the reader endpoint,
  alternated one by one with the same statement on the target reached directly; ratio of the
  median rates (goal >= 0.8). Instance endpoints are the servers themselves: ratio 1.00 by design.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pymysql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fogbank.server import free_port  # noqa: E402

PASSWORD = "Bench-pass1"
USERS = {"aurora-postgresql": "postgres", "aurora-mysql": "admin", "postgres": "postgres", "mysql": "admin"}
MULTI_AZ = {"postgres": "aurora-postgresql", "mysql": "aurora-mysql"}  # Multi-AZ DB clusters: the same wire
MULTI_AZ_STORAGE = {"DBClusterInstanceClass": "db.m6gd.large", "AllocatedStorage": 100, "StorageType": "io1",
                    "Iops": 1000}  # fmt: skip
ROUNDS = 3


def connect(engine: str, host: str, port: int) -> Any:
    if MULTI_AZ.get(engine, engine) == "aurora-postgresql":
        return psycopg.connect(host=host, port=port, user="postgres", password=PASSWORD, dbname="bench",
                               autocommit=True, connect_timeout=2)  # fmt: skip
    return pymysql.connect(host=host, port=port, user="admin", password=PASSWORD, database="bench", autocommit=True,
                           connect_timeout=2, read_timeout=10, write_timeout=10)  # fmt: skip


def run(conn: Any, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    if isinstance(conn, psycopg.Connection):
        cursor = conn.execute(sql.replace("?", "%s"), args)
        return cursor.fetchall() if cursor.description else []
    with conn.cursor() as cursor:
        cursor.execute(sql.replace("?", "%s"), args)
        return list(cursor.fetchall()) if cursor.description else []


class Server:
    """``fogbank up`` in its own process and session (its engines die with it)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="fogbank-bench-aurora-"))
        self.root.chmod(0o755)
        port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "fogbank", "up", "--quiet", "--port", str(port),
                                      "--data-dir", str(self.root / "data")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        self.rds = boto3.client("rds", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                                aws_access_key_id="bench", aws_secret_access_key="bench")  # fmt: skip
        for _ in range(600):
            try:
                self.rds.describe_db_clusters()
                return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("fogbank did not start")

    def close(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)


def status(rds: Any, identifier: str) -> dict[str, Any]:
    return rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]


def wait_instances(rds: Any, names: list[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        found = {i["DBInstanceIdentifier"]: i["DBInstanceStatus"] for i in rds.describe_db_instances()["DBInstances"]}
        if all(found.get(n) == "available" for n in names):
            return
        if any(found.get(n) == "failed" for n in names) or time.monotonic() > deadline:
            raise RuntimeError(f"instances: {found}")
        time.sleep(0.02)


def writer_of(rds: Any, name: str) -> str | None:
    members = rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]["DBClusterMembers"]
    writers = [m["DBInstanceIdentifier"] for m in members if m["IsClusterWriter"]]
    return writers[0] if writers else None


class Load(threading.Thread):
    def __init__(self, engine: str, port: int, table: str) -> None:
        super().__init__(daemon=True)
        self.engine, self.port, self.table = engine, port, table
        self.acked: list[tuple[int, float]] = []  # (value, when acknowledged)
        self.stop = threading.Event()

    def run(self) -> None:
        n, conn = 0, None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = connect(self.engine, "127.0.0.1", self.port)
                n += 1
                run(conn, f"INSERT INTO {self.table} VALUES (?)", n)
                self.acked.append((n, time.monotonic()))
            except Exception:
                conn = None
                time.sleep(0.01)


def failover_round(server: Server, engine: str, name: str, port: int, how: str, table: str, pids: Any) -> None:
    rds = server.rds
    with connect(engine, "127.0.0.1", port) as conn:
        run(conn, f"CREATE TABLE {table} (n BIGINT PRIMARY KEY)")
    load = Load(engine, port, table)
    load.start()
    while len(load.acked) < 200:
        time.sleep(0.01)
    old = writer_of(rds, name)
    started = time.monotonic()
    if how == "planned":
        rds.failover_db_cluster(DBClusterIdentifier=name)
    else:
        os.kill(pids(old), signal.SIGKILL)
    while writer_of(rds, name) in (old, None):
        time.sleep(0.01)
    while len([1 for _, when in load.acked if when > started]) < 300:
        time.sleep(0.01)
    load.stop.set()
    load.join(10)
    # Writes resumed at the end of the longest pause in acknowledgements since the failover began.
    times = [started] + [when for _, when in load.acked if when > started]
    resumed = max(zip(times, times[1:], strict=False), key=lambda pair: pair[1] - pair[0])[1]
    first = resumed
    new = writer_of(rds, name)
    with connect(engine, "127.0.0.1", status(rds, new)["Endpoint"]["Port"]) as conn:
        rows = {row[0] for row in run(conn, f"SELECT n FROM {table}")}
    lost = [n for n, _ in load.acked if n not in rows]
    # The commits acknowledged just before the event were the last ones the old writer took.
    print(f"  {how} failover under a write load: new writer accepting writes {first - started:.2f} s "
          f"(goal < 5 s), {len(load.acked)} acknowledged commits, {len(lost)} lost (goal 0)")  # fmt: skip
    wait_instances(rds, [old])  # back as a reader


def relay_ratio(engine: str, via: tuple[str, int], samples: int, label: str) -> None:
    a_times, b_times = [], []
    with connect(engine, *via) as through:
        port_query = "SHOW port" if MULTI_AZ.get(engine, engine) == "aurora-postgresql" else "SELECT @@port"
        direct_port = int(run(through, port_query)[0][0])  # the server this relayed connection reached
        direct = connect(engine, "127.0.0.1", direct_port)
        for _ in range(samples):
            t0 = time.perf_counter()
            run(through, "SELECT 1")
            t1 = time.perf_counter()
            run(direct, "SELECT 1")
            t2 = time.perf_counter()
            a_times.append(t1 - t0)
            b_times.append(t2 - t1)
        direct.close()
    a, b = 1 / statistics.median(a_times), 1 / statistics.median(b_times)
    print(f"  {label}: SELECT 1 {a:.0f}/s, the same server directly {b:.0f}/s, ratio {a / b:.2f} (goal >= 0.8)")


def bench(server: Server, engine: str, samples: int) -> None:
    rds = server.rds
    base = name = "bench-" + engine.split("-")[-1][:2]
    print(f"{engine}:")
    times = []
    for round_ in range(ROUNDS + 1):  # the last one stays for the rest of the bench
        name = f"{base}-{round_}" if round_ < ROUNDS else base
        started = time.monotonic()
        storage = MULTI_AZ_STORAGE if engine in MULTI_AZ else {}
        rds.create_db_cluster(DBClusterIdentifier=name, Engine=engine, MasterUsername=USERS[engine],
                              MasterUserPassword=PASSWORD, DatabaseName="bench", **storage)  # fmt: skip
        if engine in MULTI_AZ:  # the cluster makes its own three
            names = [f"{name}-instance-{n}" for n in range(1, 4)]
        else:
            names = [f"{name}-{n}" for n in range(3)]
            for n, identifier in enumerate(names):  # one after another, as a script does
                rds.create_db_instance(DBInstanceIdentifier=identifier, DBClusterIdentifier=name, Engine=engine,
                                       DBInstanceClass="db.r6g.large", PromotionTier=n)  # fmt: skip
        wait_instances(rds, names)
        times.append(time.monotonic() - started)
    print(f"  writer + 2 readers -> available p50 {statistics.median(times):.2f} s, rounds "
          f"{', '.join(f'{t:.2f}' for t in times)} (the first one right after Fogbank started; goal < 3 s)")  # fmt: skip
    cluster = rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
    port = cluster["Port"]
    ports = {i: status(rds, i)["Endpoint"]["Port"] for i in names}

    with connect(engine, "127.0.0.1", port) as conn:
        run(conn, "CREATE TABLE lag (n BIGINT PRIMARY KEY)")
        run(conn, "CREATE TABLE background (n BIGINT PRIMARY KEY)")
    background = Load(engine, port, "background")
    background.start()
    lags = []
    with connect(engine, "127.0.0.1", port) as writer, connect(engine, "127.0.0.1", ports[names[1]]) as reader:
        for n in range(200):
            run(writer, "INSERT INTO lag VALUES (?)", n)
            committed = time.perf_counter()
            while not run(reader, "SELECT 1 FROM lag WHERE n = ?", n):
                time.sleep(0.001)
            lags.append(time.perf_counter() - committed)
    background.stop.set()
    background.join(10)
    lags.sort()
    print(f"  reader lag under writes: p50 {statistics.median(lags) * 1000:.1f} ms, "
          f"p99 {lags[int(len(lags) * 0.99)] * 1000:.1f} ms (goal p50 < 100 ms)")  # fmt: skip

    relay_ratio(engine, ("127.0.0.1", port), samples, "cluster endpoint (relay) vs the writer")
    relay_ratio(engine, ("127.0.0.2", port), samples, "reader endpoint (relay) vs a reader")

    def pid_of(identifier: str) -> int:
        resource = status(rds, identifier)["DbiResourceId"]
        out = subprocess.run(["pgrep", "-f", f"rds/instances/{resource}/"], capture_output=True, text=True).stdout
        candidates = [int(p) for p in out.split()]
        return min(candidates)  # the server (postmaster/mariadbd), started before its children

    failover_round(server, engine, name, port, "planned", "planned", pid_of)
    failover_round(server, engine, name, port, "kill -9", "killed", pid_of)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="aurora-postgresql,aurora-mysql")
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()
    for engine in args.engines.split(","):
        server = Server()
        try:
            bench(server, engine, args.samples)
        finally:
            server.close()


if __name__ == "__main__":
    main()
