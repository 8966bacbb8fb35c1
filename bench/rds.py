"""RDS benchmark: CreateDBInstance -> available latency, and the data path (no proxy).

    python bench/rds.py [--rounds 10] [--pgbench-seconds 5]

Prints p50/p90 of CreateDBInstance -> available (polling DescribeDBInstances every 20 ms) for
PostgreSQL and MariaDB, then runs pgbench against the endpoint DescribeDBInstances reports and
against the address the engine itself reports listening on (postmaster.pid), and prints the
ratio (1.00 = the endpoint is the engine), plus the unix socket for reference.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fogbank.config import Config  # noqa: E402
from fogbank.server import Fogbank  # noqa: E402

PASSWORD = "Bench-pass1"


def wait_available(rds, identifier: str) -> dict:
    while True:
        instance = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
        if instance["DBInstanceStatus"] == "available":
            return instance
        if instance["DBInstanceStatus"] == "failed":
            raise RuntimeError(f"{identifier} failed")
        time.sleep(0.02)


def create_latency(rds, engine: str, rounds: int) -> list[float]:
    # One untimed instance first: the engine's template is built once per version.
    rds.create_db_instance(DBInstanceIdentifier=f"warm-{engine}", Engine=engine, DBInstanceClass="db.t3.micro",
                           MasterUsername="bench", MasterUserPassword=PASSWORD)  # fmt: skip
    wait_available(rds, f"warm-{engine}")
    rds.delete_db_instance(DBInstanceIdentifier=f"warm-{engine}", SkipFinalSnapshot=True)
    times = []
    for index in range(rounds):
        identifier = f"bench-{engine}-{index}"
        started = time.perf_counter()
        rds.create_db_instance(DBInstanceIdentifier=identifier, Engine=engine, DBInstanceClass="db.t3.micro",
                               MasterUsername="bench", MasterUserPassword=PASSWORD, DBName="bench")  # fmt: skip
        wait_available(rds, identifier)
        times.append(time.perf_counter() - started)
    for index in range(rounds):
        rds.delete_db_instance(DBInstanceIdentifier=f"bench-{engine}-{index}", SkipFinalSnapshot=True)
    return times


def pgbench(bin_dir: Path, args: list[str], env: dict[str, str]) -> float:
    out = subprocess.run([str(bin_dir / "pgbench"), *args], capture_output=True, text=True, env=env, check=True)
    match = re.search(r"tps = ([\d.]+)", out.stdout)
    assert match, out.stdout + out.stderr
    return float(match.group(1))


def data_path(fb: Fogbank, rds, seconds: int) -> None:
    rds.create_db_instance(DBInstanceIdentifier="bench-pg-data", Engine="postgres", DBInstanceClass="db.m5.large",
                           MasterUsername="bench", MasterUserPassword=PASSWORD, DBName="bench")  # fmt: skip
    instance = wait_available(rds, "bench-pg-data")
    backend = fb.platform.services[[s.name for s in fb.platform.services].index("rds")].backend
    with backend.store.lock:
        record = next(r for reg in backend.store.regions.values() for r in reg.instances.values()
                      if r["DBInstanceIdentifier"] == "bench-pg-data")  # fmt: skip
    bin_dir = Path(backend.engines.resolve("postgres", record["EngineVersion"]).binary.server).parent
    if not (bin_dir / "pgbench").exists():
        bin_dir = Path(shutil.which("pgbench") or "/usr/bin/pgbench").parent
    endpoint = instance["Endpoint"]
    env = {**os.environ, "PGPASSWORD": PASSWORD}
    tcp = ["-h", endpoint["Address"], "-p", str(endpoint["Port"]), "-U", "bench"]
    subprocess.run([str(bin_dir / "pgbench"), "-i", "-q", "-s", "2", *tcp, "bench"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    # "Directly": where the postmaster itself says it listens (postmaster.pid: port on line 4,
    # listen address on line 6). When that is the endpoint, nothing sits in between.
    data_dir = backend.data_dir(record)
    lines = (data_dir / "postmaster.pid").read_text().splitlines()
    engine_port, engine_address = int(lines[3]), lines[5].split(",")[0].strip() or "127.0.0.1"
    direct = ["-h", engine_address, "-p", str(engine_port), "-U", "bench"]
    socket = next(data_dir.glob(".s.PGSQL.*"), None)
    unix = ["-h", str(socket.parent), "-p", str(engine_port), "-U", "bench"] if socket else None
    run = ["-c", "4", "-j", "2", "-T", str(seconds), "-S", "-n"]
    pgbench(bin_dir, [*run, *tcp, "bench"], env)  # warm the cache first, whichever path goes first
    # Alternate and keep each path's best run: a single run is at the mercy of other load.
    via_endpoint = via_engine = via_unix = 0.0
    for _ in range(2):
        via_engine = max(via_engine, pgbench(bin_dir, [*run, *direct, "bench"], env))
        via_endpoint = max(via_endpoint, pgbench(bin_dir, [*run, *tcp, "bench"], env))
        if unix:
            via_unix = max(via_unix, pgbench(bin_dir, [*run, *unix, "bench"], env))
    same = (endpoint["Address"], endpoint["Port"]) == (engine_address, engine_port)
    print(f"endpoint {endpoint['Address']}:{endpoint['Port']} is the engine's own listener "
          f"({engine_address}:{engine_port}): {'yes, no proxy' if same else 'NO'}")  # fmt: skip
    print(f"pgbench -S, 4 clients, {seconds}s: endpoint {via_endpoint:.0f} tps, engine directly over TCP "
          f"{via_engine:.0f} tps, ratio endpoint/direct = {via_endpoint / via_engine:.2f}")  # fmt: skip
    if unix:
        print(f"  for reference, the engine's unix socket (no TCP at all): {via_unix:.0f} tps")
    rds.delete_db_instance(DBInstanceIdentifier="bench-pg-data", SkipFinalSnapshot=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--pgbench-seconds", type=int, default=5)
    args = parser.parse_args()
    config = Config(port=0, ephemeral=True)
    config.log_requests = False
    with Fogbank(config) as fb:
        rds = boto3.client("rds", endpoint_url=fb.endpoint, region_name="us-east-1", aws_access_key_id="bench",
                           aws_secret_access_key="bench")  # fmt: skip
        for engine in ("postgres", "mariadb"):
            times = create_latency(rds, engine, args.rounds)
            p50 = statistics.median(times)
            p90 = sorted(times)[max(0, int(len(times) * 0.9) - 1)]
            print(f"CreateDBInstance -> available, {engine}: p50 {p50:.2f}s p90 {p90:.2f}s "
                  f"(n={len(times)}; target p50 < 1.5s: {'ok' if p50 < 1.5 else 'MISSED'})")  # fmt: skip
        data_path(fb, rds, args.pgbench_seconds)


if __name__ == "__main__":
    main()
