"""PartiQL against the item API on the same Fogbank: ``SELECT * FROM bench WHERE pk = ?`` (a read of the
item's partition), ``... WHERE pk = ? AND sk = ?`` (its whole key) and GetItem of the same random items, same
load generator, same run.

    python bench/dynamodb_partiql.py [--duration 5] [--rounds 3] [--connections 16] [--items 10000] [--workers N]

One ``fogbank up --quiet`` is started on a free loopback port and loaded as bench/dynamodb.py loads it
(10,000 single-item partitions plus a 1,000-item one). wrk (2 threads, 16 connections) then drives GetItem
and the two PartiQL SELECTs in turn, each round after a 1 s warm-up, and each keeps its median round. It prints
requests/s, p50, p99 and the server's CPU time per request of each, and the ratios PartiQL/GetItem (the goal:
at least 0.8; CPU per request is the steadier measure on a shared machine). Every answer is
checked first, and a non-2xx answer under load is reported.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dynamodb as base  # noqa: E402  (bench/dynamodb.py: servers, loading, wrk)

GOAL = 0.8
base.BODIES["ExecuteStatement-key"] = (
    'body = \'{"Statement":"SELECT * FROM bench WHERE pk = ? AND sk = ?","Parameters":[{"S":"user\' .. i .. \'"},'
    '{"S":"profile"}]}\''
)
base.BODIES["ExecuteStatement"] = (
    'body = \'{"Statement":"SELECT * FROM bench WHERE pk = ?","Parameters":[{"S":"user\' .. i .. \'"}]}\''
)


def check(endpoint: str) -> None:
    client = base.dynamodb(endpoint)
    item = client.get_item(TableName=base.TABLE, Key={"pk": {"S": "user7"}, "sk": {"S": "profile"}})["Item"]
    by_partition = client.execute_statement(Statement="SELECT * FROM bench WHERE pk = ?", Parameters=[{"S": "user7"}])
    by_key = client.execute_statement(
        Statement="SELECT * FROM bench WHERE pk = ? AND sk = ?", Parameters=[{"S": "user7"}, {"S": "profile"}]
    )
    assert by_partition["Items"] == [item] == by_key["Items"], (by_partition, by_key)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=None, help="Fogbank's --workers (default: its own)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fogbank-bench-partiql-") as temp:
        workdir = Path(temp)
        server = base.servers(workdir, ["fogbank"])[0]
        if args.workers is not None:
            server.command += ["--workers", str(args.workers)]
        server.start(workdir / "fogbank.log")
        try:
            base.load(server.endpoint, args.items)
            check(server.endpoint)
            rounds: dict[str, list[base.Result]] = {"GetItem": [], "ExecuteStatement": [], "ExecuteStatement-key": []}
            for _ in range(args.rounds):
                for operation in rounds:
                    target = operation.split("-")[0]
                    base.run_wrk(
                        server.endpoint, operation, args.items, 1, args.connections, workdir, target
                    )  # warm-up
                    before = base.cpu_seconds(server.process.pid)
                    result = base.run_wrk(
                        server.endpoint, operation, args.items, args.duration, args.connections, workdir, target
                    )
                    spent = base.cpu_seconds(server.process.pid) - before
                    result.cpu_us = spent / max(result.requests, 1) * 1e6
                    rounds[operation].append(result)
        finally:
            server.stop()
    medians = {}
    for operation, results in rounds.items():
        median = sorted(results, key=lambda r: r.rps)[len(results) // 2]
        medians[operation] = median
        every = ", ".join(f"{r.rps:.0f}" for r in results)
        print(
            f"{operation:17} {median.rps:9.0f} req/s  p50 {median.p50_ms:6.2f} ms  p99 {median.p99_ms:6.2f} ms"
            f"  cpu {statistics.median(r.cpu_us for r in results):5.1f} us/request"
            f"  errors {sum(r.errors for r in results)}  (rounds: {every})"
        )
    for operation, shown in (("ExecuteStatement", "WHERE pk = ?"), ("ExecuteStatement-key", "WHERE pk = ? AND sk = ?")):
        ratio = medians[operation].rps / medians["GetItem"].rps
        spread = statistics.pstdev(r.rps for r in rounds[operation]) / medians[operation].rps
        cpu = statistics.median(r.cpu_us for r in rounds["GetItem"]) / statistics.median(
            r.cpu_us for r in rounds[operation]
        )
        print(
            f"PartiQL SELECT {shown} / GetItem: {ratio:.2f}x requests/s (goal >= {GOAL}x; rounds spread ±{spread:.0%}),"
            f" {cpu:.2f}x by server CPU per request"
        )
    errors = sum(r.errors for results in rounds.values() for r in results)
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
