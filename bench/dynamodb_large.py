"""DynamoDB at size: Query of 100 items from a table of 1,000,000 items, and the memory it takes.

    python bench/dynamodb_large.py [--items 1000000]

Loads the table straight through the service's backend (the HTTP path would take minutes for a million
writes), in transactions of 1000 items, then times Query requests through the full request dispatcher
(parse, validate, handler, serialize; no socket), each reading one random partition of 100 items. Prints the
p50/p99 and the process's peak resident memory, which stays far below the table's size: items live in
SQLite, not in RAM.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fogbank.config import Config  # noqa: E402
from fogbank.core.http import HttpRequest  # noqa: E402
from fogbank.platform import Platform  # noqa: E402
from fogbank.services.dynamodb.attributes import item_size  # noqa: E402
from fogbank.services.dynamodb.service import service  # noqa: E402

AUTH = "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00"
PER_PARTITION = 100


def request(operation: str, body: dict) -> HttpRequest:
    return HttpRequest(
        method="POST",
        path="/",
        raw_path="/",
        query_string="",
        headers={
            "x-amz-target": f"DynamoDB_20120810.{operation}",
            "content-type": "application/x-amz-json-1.0",
            "authorization": AUTH,
        },
        body=json.dumps(body).encode(),
        client="127.0.0.1",
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fogbank-large-") as tmp:
        config = Config(data_dir=Path(tmp))
        config.log_requests = False
        config.workers = 1
        platform = Platform(config, services=[service])
        platform.open()
        handle = platform.dispatcher.handle
        created = handle(
            request(
                "CreateTable",
                {
                    "TableName": "large",
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "AttributeDefinitions": [
                        {"AttributeName": "pk", "AttributeType": "S"},
                        {"AttributeName": "sk", "AttributeType": "N"},
                    ],
                    "BillingMode": "PAY_PER_REQUEST",
                },
            )
        )
        assert created.status == 200, created.body
        backend = platform.service("dynamodb").backend
        table = backend.find("000000000000", "us-east-1", "large")
        partitions = args.items // PER_PARTITION
        started = time.perf_counter()
        batch = 1000
        for first in range(0, args.items, batch):
            with backend.store.write() as writer:
                for n in range(first, min(first + batch, args.items)):
                    item = {
                        "pk": {"S": f"customer#{n % partitions}"},
                        "sk": {"N": str(n // partitions)},
                        "status": {"S": "active"},
                        "total": {"N": str(n * 13 % 10000)},
                        "note": {"S": "x" * 64},
                    }
                    pk, sk = table.encode_key(item)
                    backend.apply(writer, table, pk, sk, None, 0, item, item_size(item))
        load_seconds = time.perf_counter() - started
        database = Path(tmp) / "dynamodb" / "dynamodb.sqlite3"
        print(f"loaded {args.items} items in {load_seconds:.0f}s; database {database.stat().st_size / 1e6:.0f} MB")
        timings = []
        for _ in range(args.queries):
            body = {
                "TableName": "large",
                "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": {"S": f"customer#{random.randrange(partitions)}"}},
            }
            one = request("Query", body)
            began = time.perf_counter()
            response = handle(one)
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status == 200 and json.loads(response.body)["Count"] == PER_PARTITION
        timings.sort()
        p50 = statistics.median(timings)
        p99 = timings[int(len(timings) * 0.99) - 1]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"Query of {PER_PARTITION} items: p50 {p50:.2f} ms, p99 {p99:.2f} ms over {args.queries} queries")
        print(f"peak resident memory {peak:.0f} MB")
        platform.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
