"""RDS read replicas: time to a replica of a ~100 MB database, and replica lag under writes.

    python bench/rds_replicas.py [--megabytes 100] [--samples 200] [--engines postgres,mariadb]

For each engine: a source with about ``--megabytes`` of data, then CreateDBInstanceReadReplica
-> available (polling every 20 ms; goal < 5 s). Then, while another connection writes to the
source without pause, each sample commits a row on the source and polls the replica (every
1 ms) until it is there: the lag a reader of the replica sees (p50 goal < 100 ms). CloudWatch's
ReplicaLag is not served; this measures the same thing end to end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pymysql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fogbank.config import Config  # noqa: E402
from fogbank.server import Fogbank  # noqa: E402

PASSWORD = "Bench-pass1"


def wait_available(rds: Any, identifier: str) -> dict[str, Any]:
    while True:
        instance = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
        if instance["DBInstanceStatus"] == "available":
            return instance
        if instance["DBInstanceStatus"] == "failed":
            raise RuntimeError(f"{identifier} failed")
        time.sleep(0.02)


class Engine:
    """How to reach, fill, write and read one engine."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.user = "postgres" if name == "postgres" else "admin"

    def connect(self, instance: dict[str, Any]) -> Any:
        ep = instance["Endpoint"]
        if self.name == "postgres":
            return psycopg.connect(host=ep["Address"], port=ep["Port"], user=self.user, password=PASSWORD,
                                   dbname="postgres", autocommit=True)  # fmt: skip
        return pymysql.connect(host=ep["Address"], port=ep["Port"], user=self.user, password=PASSWORD,
                               database="bench", autocommit=True)  # fmt: skip

    def run(self, conn: Any, statement: str, *args: Any) -> Any:
        cursor = conn.cursor()
        cursor.execute(statement, args or None)
        return cursor.fetchone() if cursor.description else None

    def fill(self, instance: dict[str, Any], megabytes: int) -> None:
        rows = megabytes * 1000  # rows of ~1 kB
        if self.name == "postgres":
            with self.connect(instance) as conn:
                self.run(conn, "CREATE TABLE big (id int PRIMARY KEY, pad text)")
                self.run(conn, "ALTER TABLE big ALTER pad SET STORAGE PLAIN")  # no compression: real size
                self.run(conn, f"INSERT INTO big SELECT g, repeat(md5(g::text), 31) FROM generate_series(1, {rows}) g")
                self.run(conn, "CREATE TABLE marks (id int PRIMARY KEY)")
                self.run(conn, "CREATE TABLE writes (id serial PRIMARY KEY, pad text)")
                size = self.run(conn, "SELECT pg_database_size('postgres')")[0]
        else:
            ep = instance["Endpoint"]
            with pymysql.connect(host=ep["Address"], port=ep["Port"], user=self.user, password=PASSWORD,
                                 autocommit=True) as conn:  # fmt: skip
                self.run(conn, "CREATE DATABASE bench")
                self.run(conn, "USE bench")  # seq_1_to_N is looked up in the current database
                self.run(conn, "CREATE TABLE bench.big (id int PRIMARY KEY, pad text)")
                self.run(conn, f"INSERT INTO bench.big SELECT seq, REPEAT(MD5(seq), 31) FROM seq_1_to_{rows}")
                self.run(conn, "CREATE TABLE bench.marks (id int PRIMARY KEY)")
                self.run(conn, "CREATE TABLE bench.writes (id int AUTO_INCREMENT PRIMARY KEY, pad text)")
                self.run(conn, "ANALYZE TABLE bench.big")  # fresh sizes in information_schema
                size = self.run(conn, "SELECT SUM(data_length + index_length) FROM information_schema.tables "
                                      "WHERE table_schema = 'bench'")[0]  # fmt: skip
        print(f"{self.name}: source holds {int(size) / 1e6:.0f} MB")


def lag_samples(engine: Engine, source: dict[str, Any], replica: dict[str, Any], samples: int) -> list[float]:
    stop = threading.Event()

    def writer() -> None:
        with engine.connect(source) as conn:
            while not stop.is_set():
                engine.run(conn, "INSERT INTO writes (pad) VALUES (%s)", "x" * 200)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    times = []
    try:
        with engine.connect(source) as writes, engine.connect(replica) as reads:
            for n in range(1, samples + 1):
                started = time.perf_counter()
                engine.run(writes, "INSERT INTO marks VALUES (%s)", n)
                while engine.run(reads, "SELECT 1 FROM marks WHERE id = %s", n) is None:
                    time.sleep(0.001)
                times.append(time.perf_counter() - started)
    finally:
        stop.set()
        thread.join()
    return times


def bench(rds: Any, name: str, megabytes: int, samples: int, report: Callable[[str], None]) -> None:
    engine = Engine(name)
    rds.create_db_instance(DBInstanceIdentifier=f"src-{name}", Engine=name, DBInstanceClass="db.t3.micro",
                           MasterUsername=engine.user, MasterUserPassword=PASSWORD)  # fmt: skip
    source = wait_available(rds, f"src-{name}")
    engine.fill(source, megabytes)
    started = time.perf_counter()
    rds.create_db_instance_read_replica(DBInstanceIdentifier=f"rep-{name}", SourceDBInstanceIdentifier=f"src-{name}")
    replica = wait_available(rds, f"rep-{name}")
    took = time.perf_counter() - started
    report(
        f"{name}: CreateDBInstanceReadReplica -> available {took:.2f}s (goal < 5s: {'ok' if took < 5 else 'MISSED'})"
    )
    times = lag_samples(engine, source, replica, samples)
    p50, p90 = statistics.median(times) * 1000, sorted(times)[int(len(times) * 0.9) - 1] * 1000
    report(f"{name}: replica lag under writes p50 {p50:.1f} ms p90 {p90:.1f} ms "
           f"(n={len(times)}; goal p50 < 100 ms: {'ok' if p50 < 100 else 'MISSED'})")  # fmt: skip
    info = rds.describe_db_instances(DBInstanceIdentifier=f"rep-{name}")["DBInstances"][0]["StatusInfos"]
    report(f"{name}: StatusInfos {info}")
    for identifier in (f"rep-{name}", f"src-{name}"):
        rds.delete_db_instance(DBInstanceIdentifier=identifier, SkipFinalSnapshot=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--engines", default="postgres,mariadb")
    args = parser.parse_args()
    config = Config(port=0, ephemeral=True)
    config.log_requests = False
    with Fogbank(config) as fb:
        rds = boto3.client("rds", endpoint_url=fb.endpoint, region_name="us-east-1", aws_access_key_id="bench",
                           aws_secret_access_key="bench")  # fmt: skip
        for name in args.engines.split(","):
            bench(rds, name, args.megabytes, args.samples, print)


if __name__ == "__main__":
    main()
