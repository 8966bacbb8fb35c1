"""DynamoDB global tables benchmark: what replication costs a write, and how soon another region sees it.

    python bench/dynamodb_global.py [--duration 5] [--rounds 3] [--connections 16] [--changes 200]

One Fogbank (``python -m fogbank up --quiet``, a fresh data directory) gets two tables with a NEW_AND_OLD_IMAGES
stream; one gets a replica in us-west-2 (UpdateTable ReplicaUpdates). wrk drives PutItem of random keys into each
in turn, for several rounds, each keeping its median round: the ratio global/streamed is what replication costs
the writer (the last-writer-wins clock written with each write, and the replicator applying every change in the
other region on the same cores; goal >= 0.7). Then one item at a time is put in us-east-1 and read back with
GetItem in us-west-2 until it is there: the delay from the PutItem's acknowledgement, p50 and p99 over
``--changes`` writes (AWS: typically about a second; goal p50 < 100 ms). Traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dynamodb as base  # noqa: E402  (bench/dynamodb.py: the server, wrk and its parsing)
import dynamodb_streams as streams  # noqa: E402

WEST = "us-west-2"


def make_global(endpoint: str) -> None:
    client = base.dynamodb(endpoint)
    streams.create(client, "global", stream=True)
    client.update_table(TableName="global", ReplicaUpdates=[{"Create": {"RegionName": WEST}}])
    while True:
        table = client.describe_table(TableName="global")["Table"]
        if table["TableStatus"] == "ACTIVE" and table["Replicas"][0]["ReplicaStatus"] == "ACTIVE":
            break
        time.sleep(0.05)


def lag(endpoint: str, changes: int) -> list[float]:
    import boto3

    east = base.dynamodb(endpoint)
    west = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=WEST,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    delays = []
    for i in range(changes):
        key = {"pk": {"S": "watch"}, "sk": {"S": f"change{i}"}}
        east.put_item(TableName="global", Item=key)
        acknowledged = time.perf_counter()
        deadline = acknowledged + 10
        while "Item" not in west.get_item(TableName="global", Key=key):
            if time.perf_counter() > deadline:
                break
        else:
            delays.append((time.perf_counter() - acknowledged) * 1000)
        time.sleep(0.01)
    return sorted(delays)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--items", type=int, default=10000, help="the key space PutItem writes into")
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fogbank-bench-") as scratch:
        workdir = Path(scratch)
        server = base.own_fogbank(workdir)
        try:
            streams.create(base.dynamodb(server.endpoint), "streamed", stream=True)
            make_global(server.endpoint)
            runs: dict[str, list[base.Result]] = {"streamed": [], "global": []}
            for table in runs:
                streams.put_rps(server.endpoint, table, args.items, 1, args.connections, workdir)  # warm-up
            for _ in range(args.rounds):
                for table in runs:
                    runs[table].append(
                        streams.put_rps(server.endpoint, table, args.items, args.duration, args.connections, workdir)
                    )
            median = {table: sorted(results, key=lambda r: r.rps)[len(results) // 2] for table, results in runs.items()}
            delays = lag(server.endpoint, args.changes)
        finally:
            server.stop()
    plain, replicated = median["streamed"], median["global"]
    print(f"PutItem, streamed table     {plain.rps:9.0f} req/s  p50 {plain.p50_ms:6.2f} ms  errors {plain.errors}")
    print(
        f"PutItem, global table       {replicated.rps:9.0f} req/s  p50 {replicated.p50_ms:6.2f} ms  errors {replicated.errors}"
    )
    print(f"  ratio global/streamed      {replicated.rps / plain.rps:6.2f}x   (goal >= 0.70)")
    if delays:
        p50 = statistics.median(delays)
        p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
        print(
            f"put in us-east-1 -> read in {WEST}: p50 {p50:.1f} ms, p99 {p99:.1f} ms over {len(delays)} changes"
            " (goal p50 < 100 ms)"
        )
    print(f"  changes not replicated within 10 s: {args.changes - len(delays)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
