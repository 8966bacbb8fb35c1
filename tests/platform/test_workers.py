"""``fogbank up`` with worker processes: item operations are served by every process, everything else
by the main one, and all of them see one set of tables and items."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from tests.platform.fogproc import boto, start


def client(endpoint: str, service: str = "dynamodb"):
    # A fresh client per call: its own connection, so it may be handed to any of the processes.
    return boto(service, endpoint)


def processes_of(pid: int) -> list[int]:
    children = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as handle:
            children += [int(child) for child in handle.read().split()]
    return children


def workers_of(server, expected: int = 2) -> list[int]:
    """The worker processes (they start just after the main process answers its first request)."""
    deadline = time.monotonic() + 10
    while True:
        workers = [
            pid
            for pid in processes_of(server.process.pid)
            if b"fogbank\x00worker" in open(f"/proc/{pid}/cmdline", "rb").read()
        ]
        if len(workers) >= expected or time.monotonic() > deadline:
            return workers
        time.sleep(0.05)


@pytest.fixture
def running(tmp_path):
    server = start(tmp_path / "up.log", "--data-dir", str(tmp_path / "data"), "--workers", "3")
    yield server
    server.stop()


def test_workers_share_tables_items_and_indexes(running):
    assert len(workers_of(running)) == 2
    client(running.endpoint).create_table(
        TableName="shared",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    # Every fresh connection sees the new table at once, whichever process serves it.
    for i in range(30):
        client(running.endpoint).put_item(TableName="shared", Item={"pk": {"S": f"a{i}"}, "g": {"S": "x"}})
    errors: list[Exception] = []
    stop = threading.Event()

    def write(n: int) -> None:
        ddb = client(running.endpoint)
        i = 0
        while not stop.is_set():
            try:
                ddb.update_item(
                    TableName="shared",
                    Key={"pk": {"S": f"w{n}-{i % 50}"}},
                    UpdateExpression="SET g = :g ADD n :one",
                    ExpressionAttributeValues={":g": {"S": "x"}, ":one": {"N": "1"}},
                )
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
                return
            i += 1

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    try:
        # A GSI created while workers write: the main process backfills, the workers maintain it.
        ddb = client(running.endpoint)
        ddb.update_table(
            TableName="shared",
            AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[
                {
                    "Create": {
                        "IndexName": "byg",
                        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                }
            ],
        )
        deadline = time.monotonic() + 30
        while ddb.describe_table(TableName="shared")["Table"]["GlobalSecondaryIndexes"][0]["IndexStatus"] != "ACTIVE":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors
    ddb = client(running.endpoint)
    items = ddb.scan(TableName="shared", Select="COUNT")["Count"]
    indexed = ddb.query(
        TableName="shared",
        IndexName="byg",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "x"}},
        Select="COUNT",
    )["Count"]
    assert items == indexed and items > 30
    table = ddb.describe_table(TableName="shared")["Table"]
    assert table["ItemCount"] == items
    # Other services and Fogbank's own endpoints answer through any process.
    for _ in range(10):
        assert client(running.endpoint, "sts").get_caller_identity()["Account"] == "000000000000"
    assert running.health()["services"]


def test_workers_stop_with_the_main_process(tmp_path):
    server = start(tmp_path / "up.log", "--data-dir", str(tmp_path / "data"), "--workers", "2")
    workers = workers_of(server, 1)
    assert workers
    server.stop(signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(os.path.exists(f"/proc/{pid}") and _alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived the main process"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_second_fogbank_does_not_share_the_port(running, tmp_path):
    """Workers share the port with SO_REUSEPORT; another server must still find it taken."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "fogbank", "up", "--port", str(running.port), "--ephemeral", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "address already in use" in (result.stdout + result.stderr).lower()


def test_a_read_sees_every_acknowledged_write_whichever_process_serves_it(running):
    """Readers keep a snapshot for a loop turn; a write acknowledged by another process must still show."""
    writer_client = client(running.endpoint)
    writer_client.create_table(
        TableName="fresh",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    readers = [client(running.endpoint) for _ in range(6)]  # connections spread over the processes
    noise_stop = threading.Event()

    def noise() -> None:  # other reads keep every process's turn snapshots busy
        ddb = client(running.endpoint)
        while not noise_stop.is_set():
            ddb.get_item(TableName="fresh", Key={"pk": {"S": "k"}})

    threads = [threading.Thread(target=noise) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for i in range(150):
            writer_client.put_item(TableName="fresh", Item={"pk": {"S": "k"}, "n": {"N": str(i)}})
            for reader in readers:
                got = reader.get_item(TableName="fresh", Key={"pk": {"S": "k"}}, ConsistentRead=True)["Item"]
                assert got["n"] == {"N": str(i)}
    finally:
        noise_stop.set()
        for thread in threads:
            thread.join()


def test_a_dead_worker_leaves_the_main_process_serving_every_connection(running):
    (worker, *_) = workers_of(running)
    os.kill(worker, signal.SIGKILL)
    time.sleep(0.3)
    for _ in range(20):  # fresh connections: none may be handed to the dead worker
        client(running.endpoint, "sts").get_caller_identity()
        client(running.endpoint).list_tables()
    assert running.health()["status"] == "running"
