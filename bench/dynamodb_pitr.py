"""Point-in-time recovery benchmark: what PITR costs a write, and how long a restore of a big table takes.

    python bench/dynamodb_pitr.py [--duration 5] [--rounds 3] [--connections 16] [--restore-items 100000]

One Fogbank (``python -m fogbank up --quiet``, its default worker processes, a fresh data directory) gets two
tables of the same shape, one with point-in-time recovery on. wrk (2 threads) drives PutItem of random keys into
each in turn, for several rounds; each keeps its median round, and the ratio with/without is the cost of logging
every write's before-image in its own transaction (goal: PITR costs PutItem <= 15%, a ratio >= 0.85). Then a
table of ``--restore-items`` items (loaded with BatchWriteItem, PITR on, a tenth of them overwritten afterwards)
is restored with RestoreTableToPointInTime to a moment before the overwrites: the time from the request to
ACTIVE (goal: < 10 s for 100,000 items), and likewise CreateBackup to AVAILABLE and RestoreTableFromBackup to
ACTIVE. Traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dynamodb as base  # noqa: E402  (bench/dynamodb.py: the server, wrk and its parsing)
import dynamodb_streams as streams_bench  # noqa: E402  (the same PutItem load)


def load(endpoint: str, table: str, count: int, value: str) -> None:
    def batch(start: int) -> None:
        client = base.dynamodb(endpoint)
        for first in range(start, min(start + 5000, count), 25):
            requests = [
                {"PutRequest": {"Item": {"pk": {"S": f"p{i % 1000}"}, "sk": {"S": f"s{i}"}, "v": {"S": value}}}}
                for i in range(first, min(first + 25, count))
            ]
            client.batch_write_item(RequestItems={table: requests})

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(batch, range(0, count, 5000)))


def until_active(client, table: str) -> float:
    started = time.perf_counter()
    while client.describe_table(TableName=table)["Table"]["TableStatus"] != "ACTIVE":
        time.sleep(0.05)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--items", type=int, default=10000, help="the key space PutItem writes into")
    parser.add_argument("--restore-items", type=int, default=100000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fogbank-bench-") as scratch:
        workdir = Path(scratch)
        server = base.own_fogbank(workdir)
        try:
            client = base.dynamodb(server.endpoint)
            on = {"PointInTimeRecoveryEnabled": True}
            for table in ("plain", "recovered", "big"):
                streams_bench.create(client, table, stream=False)
            client.update_continuous_backups(TableName="recovered", PointInTimeRecoverySpecification=on)
            runs: dict[str, list[base.Result]] = {"plain": [], "recovered": []}
            for table in runs:
                streams_bench.put_rps(server.endpoint, table, args.items, 1, args.connections, workdir)  # warm-up
            for _ in range(args.rounds):
                for table in runs:
                    runs[table].append(
                        streams_bench.put_rps(
                            server.endpoint, table, args.items, args.duration, args.connections, workdir
                        )
                    )
            median = {table: sorted(results, key=lambda r: r.rps)[len(results) // 2] for table, results in runs.items()}

            client.update_continuous_backups(TableName="big", PointInTimeRecoverySpecification=on)
            load(server.endpoint, "big", args.restore_items, "first")
            time.sleep(0.01)
            moment = dt.datetime.fromtimestamp(time.time(), dt.UTC)
            time.sleep(0.01)
            load(server.endpoint, "big", args.restore_items // 10, "second")
            started = time.perf_counter()
            client.restore_table_to_point_in_time(
                SourceTableName="big", TargetTableName="big-pitr", RestoreDateTime=moment
            )
            pitr_seconds = time.perf_counter() - started + until_active(client, "big-pitr")
            restored = client.describe_table(TableName="big-pitr")["Table"]["ItemCount"]
            started = time.perf_counter()
            arn = client.create_backup(TableName="big", BackupName="big-backup")["BackupDetails"]["BackupArn"]
            while (
                client.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]["BackupStatus"]
                != "AVAILABLE"
            ):
                time.sleep(0.05)
            backup_seconds = time.perf_counter() - started
            started = time.perf_counter()
            client.restore_table_from_backup(TargetTableName="big-copy", BackupArn=arn)
            copy_seconds = time.perf_counter() - started + until_active(client, "big-copy")
        finally:
            server.stop()
    plain, recovered = median["plain"], median["recovered"]
    print(f"PutItem without PITR        {plain.rps:9.0f} req/s  p50 {plain.p50_ms:6.2f} ms  errors {plain.errors}")
    print(
        f"PutItem with PITR           {recovered.rps:9.0f} req/s  p50 {recovered.p50_ms:6.2f} ms  errors {recovered.errors}"
    )
    print(f"  ratio with/without         {recovered.rps / plain.rps:6.2f}x   (goal >= 0.85: PITR costs <= 15%)")
    print(
        f"RestoreTableToPointInTime of {args.restore_items} items: {pitr_seconds:.2f} s to ACTIVE, {restored} items "
        "(goal < 10 s for 100,000)"
    )
    print(f"CreateBackup of {args.restore_items} items: {backup_seconds:.2f} s to AVAILABLE")
    print(f"RestoreTableFromBackup of {args.restore_items} items: {copy_seconds:.2f} s to ACTIVE")
    return 0 if restored == args.restore_items else 1


if __name__ == "__main__":
    raise SystemExit(main())
