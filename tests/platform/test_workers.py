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


def _server_side_holders(server, connections: list, pids: list[int]) -> dict[int, int]:
    """How many of ``connections`` (client sockets that have been answered) each of ``pids`` holds the
    server side of: a handed-over connection lives in exactly one process."""
    ports = {sock.getsockname()[1] for sock in connections}
    inodes = set()
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].split(":")[1], 16)
            remote_port = int(fields[2].split(":")[1], 16)
            if local_port == server.port and remote_port in ports:
                inodes.add(fields[9])
    held = {}
    for pid in pids:
        count = 0
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except FileNotFoundError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                count += 1
        held[pid] = count
    return held


def _answered_connections(server, count: int) -> list:
    """``count`` keep-alive connections, each of which has had a request answered."""
    import socket

    connections = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(b"GET /_fogbank/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        connections.append(sock)
    return connections


def test_a_killed_worker_is_reaped_logged_and_replaced(tmp_path):
    server = start(tmp_path / "up.log", "--data-dir", str(tmp_path / "data"), "--workers", "2")
    try:
        (worker,) = workers_of(server, 1)
        os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while True:
            replacement = [pid for pid in workers_of(server, 1) if pid != worker and _alive(pid)]
            if replacement and not os.path.exists(f"/proc/{worker}"):  # reaped: not even a zombie
                break
            assert time.monotonic() < deadline, f"no replacement worker:\n{server.output()}"
            time.sleep(0.05)
        log = server.output()
        assert log.count(f"worker {worker} ") == 1, log  # one line for the death, not one per connection
        assert "killed by SIGKILL" in log and "replacement" in log
        # New connections are served by both processes again once the replacement says it is ready.
        deadline = time.monotonic() + 15
        while True:
            connections = _answered_connections(server, 8)
            held = _server_side_holders(server, connections, [server.process.pid, *replacement])
            for sock in connections:
                sock.close()
            if all(held.values()):
                break
            assert time.monotonic() < deadline, f"connections not shared again: {held}"
            time.sleep(0.1)
        assert sum(held.values()) == 8
        assert server.health()["status"] == "running"
    finally:
        assert server.stop() == 0
    assert "Traceback" not in server.output()


def test_a_worker_that_keeps_dying_is_restarted_with_a_growing_delay(tmp_path):
    server = start(tmp_path / "up.log", "--data-dir", str(tmp_path / "data"), "--workers", "2")
    try:
        killed: list[int] = []
        for _ in range(3):
            deadline = time.monotonic() + 15
            while not (fresh := [pid for pid in workers_of(server, 1) if pid not in killed and _alive(pid)]):
                assert time.monotonic() < deadline, server.output()
                time.sleep(0.02)
            os.kill(fresh[0], signal.SIGKILL)
            killed.append(fresh[0])
        deadline = time.monotonic() + 15
        while server.output().count("starting a replacement") < 3:
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.05)
        delays = [line.rsplit(" in ", 1)[1] for line in server.output().splitlines() if "replacement in" in line]
        assert delays == ["0.5s", "1.0s", "2.0s"], server.output()
        assert workers_of(server, 1), "the last replacement never came"
        assert server.health()["status"] == "running"
    finally:
        assert server.stop() == 0


def test_backoff_resets_after_a_worker_lived_long_enough():
    from fogbank.workers import Backoff

    backoff = Backoff(first=0.5, longest=4.0, healthy=10.0)
    assert [backoff.after(1.0) for _ in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert backoff.after(60.0) == 0.0  # a worker that served for a while is replaced at once
    assert backoff.after(1.0) == 0.5
