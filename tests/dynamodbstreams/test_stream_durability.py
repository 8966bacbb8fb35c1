"""Records are written in the transaction of their write: after a kill -9 of ``fogbank up`` (with its worker
processes) every acknowledged write has its record, and no record exists without its write."""

from __future__ import annotations

import signal
import threading
from typing import Any

import boto3
from botocore.config import Config as BotoConfig

from tests.dynamodbstreams.conftest import read_all, stream_table
from tests.platform.fogproc import start


def clients(endpoint: str) -> tuple[Any, Any]:
    config = BotoConfig(retries={"max_attempts": 1}, max_pool_connections=16)
    made = [
        boto3.client(name, endpoint_url=endpoint, region_name="us-east-1", config=config)
        for name in ("dynamodb", "dynamodbstreams")
    ]
    return made[0], made[1]


def test_records_survive_kill_9_with_their_writes(tmp_path: Any) -> None:
    data = tmp_path / "data"
    running = start(tmp_path / "one.log", "--data-dir", str(data), "--workers", "2", "--quiet")
    acknowledged: list[str] = []
    stop = threading.Event()
    try:
        ddb, _ = clients(running.endpoint)
        arn = stream_table(ddb)

        def writer(n: int) -> None:
            for i in range(10_000):
                if stop.is_set():
                    return
                key = f"w{n}-{i}"
                try:
                    ddb.put_item(TableName="streamed", Item={"pk": {"S": key}, "n": {"N": str(i)}})
                except Exception:
                    return  # the server is gone
                acknowledged.append(key)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        while len(acknowledged) < 300:
            threading.Event().wait(0.01)
    finally:
        running.stop(signal.SIGKILL)  # in the middle of the writes
        stop.set()
    for thread in threads:
        thread.join()
    running = start(tmp_path / "two.log", "--data-dir", str(data))
    try:
        ddb, streams = clients(running.endpoint)
        items = {
            item["pk"]["S"]
            for page in ddb.get_paginator("scan").paginate(TableName="streamed")
            for item in page["Items"]
        }
        records = read_all(streams, arn)
        recorded = [record["dynamodb"]["Keys"]["pk"]["S"] for record in records]
        assert set(acknowledged) <= items
        assert sorted(recorded) == sorted(items)  # a record for each write, and for nothing else
        assert all(record["eventName"] == "INSERT" for record in records)
        # In order per item writer: each thread's keys appear in the order it wrote them.
        for n in range(6):
            mine = [int(key.split("-")[1]) for key in recorded if key.startswith(f"w{n}-")]
            assert mine == sorted(mine)
        ddb.put_item(TableName="streamed", Item={"pk": {"S": "after"}})
        assert read_all(streams, arn)[-1]["dynamodb"]["Keys"] == {"pk": {"S": "after"}}
    finally:
        running.stop(signal.SIGTERM)
