"""DynamoDB Streams benchmark: what a stream costs a write, and how soon a consumer sees the change.

    python bench/dynamodb_streams.py [--duration 5] [--rounds 3] [--connections 16] [--changes 200]

One Fogbank (``python -m fogbank up --quiet``, its default worker processes, a fresh data directory) gets two
tables of the same shape, one with a NEW_AND_OLD_IMAGES stream. wrk (2 threads) drives PutItem of random keys
into each in turn, for several rounds, and each keeps its median round: the ratio with/without is the cost of
writing every record in the write's own transaction (goal: >= 0.8). Then a consumer polls GetRecords on the
stream's shard with NextShardIterator while a writer puts one item at a time: the delay from the PutItem's
acknowledgement to the GetRecords answer that holds its record, p50 and p99 over ``--changes`` writes
(goal: p50 < 50 ms). Traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dynamodb as base  # noqa: E402  (bench/dynamodb.py: the server, wrk and its parsing)

ROOT = HERE.parent


def create(client, name: str, stream: bool) -> str:
    extra = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}} if stream else {}
    description = client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )["TableDescription"]
    return description.get("LatestStreamArn", "")


def put_rps(endpoint: str, table: str, items: int, duration: int, connections: int, workdir: Path) -> base.Result:
    body = base.BODIES["PutItem"].replace('"TableName":"bench"', f'"TableName":"{table}"')
    script = workdir / f"put-{table}.lua"
    script.write_text(base.LUA % {"operation": "PutItem", "items": items, "body": body, "auth": base.AUTH})
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), endpoint + "/"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60).stdout

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = base.parse_latency(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = base.parse_latency(re.search(r"\s99%\s+(\S+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return base.Result(rps, p50, p99, int(errors.group(1)) if errors else 0)


def visibility(endpoint: str, arn: str, changes: int) -> list[float]:
    """Milliseconds from each PutItem's acknowledgement to the GetRecords answer that first holds its record."""
    import boto3

    ddb = base.dynamodb(endpoint)
    streams = boto3.client(
        "dynamodbstreams",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][-1]["ShardId"]
    position = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    acknowledged: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = threading.Event()

    def consume() -> None:
        nonlocal position
        while not done.is_set() or len(seen) < len(acknowledged):
            page = streams.get_records(ShardIterator=position)
            now = time.perf_counter()
            for record in page["Records"]:
                seen[record["dynamodb"]["Keys"]["sk"]["S"]] = now
            position = page["NextShardIterator"]

    consumer = threading.Thread(target=consume)
    consumer.start()
    for i in range(changes):
        key = f"change{i}"
        ddb.put_item(TableName="streamed", Item={"pk": {"S": "watch"}, "sk": {"S": key}})
        acknowledged[key] = time.perf_counter()
        time.sleep(0.01)  # a change now and then, as an application makes them
    done.set()
    consumer.join(timeout=60)
    return sorted((seen[key] - acknowledged[key]) * 1000 for key in acknowledged if key in seen)


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
            client = base.dynamodb(server.endpoint)
            create(client, "plain", stream=False)
            arn = create(client, "streamed", stream=True)
            runs: dict[str, list[base.Result]] = {"plain": [], "streamed": []}
            for table in runs:
                put_rps(server.endpoint, table, args.items, 1, args.connections, workdir)  # warm-up
            for _ in range(args.rounds):
                for table in runs:
                    runs[table].append(
                        put_rps(server.endpoint, table, args.items, args.duration, args.connections, workdir)
                    )
            median = {table: sorted(results, key=lambda r: r.rps)[len(results) // 2] for table, results in runs.items()}
            delays = visibility(server.endpoint, arn, args.changes)
        finally:
            server.stop()
    plain, streamed = median["plain"], median["streamed"]
    print(f"PutItem without a stream   {plain.rps:9.0f} req/s  p50 {plain.p50_ms:6.2f} ms  errors {plain.errors}")
    print(
        f"PutItem with a stream      {streamed.rps:9.0f} req/s  p50 {streamed.p50_ms:6.2f} ms  errors {streamed.errors}"
    )
    print(f"  ratio with/without        {streamed.rps / plain.rps:6.2f}x   (goal >= 0.80)")
    if delays:
        p50 = statistics.median(delays)
        p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
        print(
            f"write acknowledged -> seen by GetRecords: p50 {p50:.1f} ms, p99 {p99:.1f} ms over {len(delays)} changes"
            f" (goal p50 < 50 ms)"
        )
    print(f"  changes not seen: {args.changes - len(delays)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
