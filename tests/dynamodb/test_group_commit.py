"""Group commit: concurrent writes share commits, yet every acknowledged one survives kill -9; items
written by an earlier storage format (CBOR) still read back."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import threading

import cbor2

from fogbank.core import commit
from fogbank.core.commit import Deferred, GroupCommit, WithdrawnAnswer
from fogbank.services.dynamodb.processes import Counter, WriteLock
from fogbank.services.dynamodb.store import KEEP_SNAPSHOT_SECONDS, Store
from tests.dynamodb.test_durability import dynamodb
from tests.platform.fogproc import start


def process_store(folder, group: GroupCommit | None) -> Store:
    """A store as one of several processes opens it: its own write lock and commit counter files."""
    path = folder / "db.sqlite3"
    return Store(path, group, WriteLock(folder / "db.lock"), None, Counter(folder / "db.commits"))


def test_concurrent_acknowledged_writes_survive_kill_9_mid_load(tmp_path):
    data = tmp_path / "data"
    running = start(tmp_path / "one.log", "--data-dir", str(data))
    acknowledged: list[list[str]] = [[] for _ in range(8)]
    stop = threading.Event()

    def writer(n: int) -> None:
        client = dynamodb(running.endpoint)
        i = 0
        while not stop.is_set():
            key = f"w{n}-{i}"
            try:
                if n % 2:  # plain puts and updates, from both processes
                    client.put_item(TableName="load", Item={"pk": {"S": key}, "n": {"N": "1"}})
                else:
                    client.update_item(
                        TableName="load",
                        Key={"pk": {"S": key}},
                        UpdateExpression="ADD n :one",
                        ExpressionAttributeValues={":one": {"N": "1"}},
                    )
            except Exception:
                return  # the server was killed under us: this write was never acknowledged
            acknowledged[n].append(key)
            i += 1

    try:
        ddb = dynamodb(running.endpoint)
        ddb.create_table(
            TableName="load",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        while sum(len(keys) for keys in acknowledged) < 400:
            threading.Event().wait(0.05)
    finally:
        running.stop(signal.SIGKILL)
        stop.set()
    for thread in threads:
        thread.join(timeout=30)
    running = start(tmp_path / "two.log", "--data-dir", str(data))
    try:
        ddb = dynamodb(running.endpoint)
        keys = [key for keys in acknowledged for key in keys]
        count = ddb.describe_table(TableName="load")["Table"]["ItemCount"]
        assert count >= len(keys)  # a write may land without its answer reaching the client
        for start_at in range(0, len(keys), 100):
            batch = keys[start_at : start_at + 100]
            found = ddb.batch_get_item(RequestItems={"load": {"Keys": [{"pk": {"S": key}} for key in batch]}})
            items = found["Responses"]["load"]
            assert len(items) == len(batch) and all(item["n"] == {"N": "1"} for item in items)
    finally:
        running.stop(signal.SIGTERM)


def test_items_stored_as_cbor_by_an_earlier_version_still_read(tmp_path):
    data = tmp_path / "data"
    running = start(tmp_path / "one.log", "--data-dir", str(data))
    try:
        ddb = dynamodb(running.endpoint)
        ddb.create_table(
            TableName="old",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.put_item(TableName="old", Item={"pk": {"S": "a"}, "b": {"B": b"\x01\x02"}, "n": {"N": "5"}})
    finally:
        running.stop(signal.SIGTERM)
    database = sqlite3.connect(data / "dynamodb" / "dynamodb.sqlite3")
    with database:
        item = {"pk": {"S": "a"}, "b": {"B": b"\x01\x02"}, "n": {"N": "5"}, "l": {"L": [{"BS": [b"\xff"]}]}}
        assert database.execute("UPDATE items SET item = ?", (cbor2.dumps(item),)).rowcount == 1
    database.close()
    running = start(tmp_path / "two.log", "--data-dir", str(data))
    try:
        ddb = dynamodb(running.endpoint)
        expected = {"pk": {"S": "a"}, "b": {"B": b"\x01\x02"}, "n": {"N": "5"}, "l": {"L": [{"BS": [b"\xff"]}]}}
        assert ddb.get_item(TableName="old", Key={"pk": {"S": "a"}})["Item"] == expected
        assert ddb.scan(TableName="old")["Items"] == [expected]
        updated = ddb.update_item(
            TableName="old",
            Key={"pk": {"S": "a"}},
            UpdateExpression="SET n = n + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
        )["Attributes"]
        assert updated == {**expected, "n": {"N": "6"}}
    finally:
        running.stop(signal.SIGTERM)


def test_a_write_failing_after_a_change_rolls_back_its_phase(tmp_path):
    """Unit level: writes handed over on the loop wait for the turn's write phase and share its
    transaction; one that raises after changing data rolls the phase back and every answer of the phase
    is withdrawn; the next turn commits."""

    group = GroupCommit()
    store = Store(tmp_path / "db.sqlite3", group)
    outcomes: list[object] = []

    def put(key: bytes, fail: bool = False) -> Deferred:
        def write(writer) -> str:
            writer.put_item(1, key, b"", 1, b'{"pk":{"S":"x"}}')
            if fail:
                raise ValueError("a bug after a change")
            return "answer"

        deferred = store.deferred(write)
        assert isinstance(deferred, Deferred)
        return deferred

    def finish(result: object, error: BaseException | None) -> object:
        return result if error is None else f"error {error}"

    async def turn(fail: bool) -> None:
        group.attach(asyncio.get_running_loop())
        futures = [group.defer(put(b"a"), finish), group.defer(put(b"b", fail), finish)]
        assert store.get(1, b"a", b"") is None  # nothing is written before the phase
        for future in futures:
            try:
                outcomes.append(await future)
            except WithdrawnAnswer:
                outcomes.append("withdrawn")
        group.detach()

    def run(fail: bool) -> None:
        # On a thread of its own: Playwright's tests leave an event loop running on the main thread.
        thread = threading.Thread(target=asyncio.run, args=(turn(fail),))
        thread.start()
        thread.join()

    run(fail=True)
    assert outcomes == ["withdrawn", "withdrawn"]
    assert store.get(1, b"a", b"") is None and store.get(1, b"b", b"") is None
    run(fail=False)
    assert outcomes[2:] == ["answer", "answer"]
    assert store.get(1, b"a", b"") is not None and store.get(1, b"b", b"") is not None
    store.close()


def test_a_turn_snapshot_sees_a_commit_made_by_another_process_during_the_turn(tmp_path):
    """Unit level: the event loop's reads share a snapshot for a turn, but a commit acknowledged by another
    process (another Store on the same files) in the middle of the turn is seen by the next read."""

    group = GroupCommit()
    here, elsewhere = process_store(tmp_path, group), process_store(tmp_path, None)
    with elsewhere.write() as writer:
        writer.put_item(1, b"a", b"", 1, b'{"n":{"N":"1"}}')
    seen: list[bytes] = []

    async def turn() -> None:
        group.attach(asyncio.get_running_loop())
        seen.append(here.get(1, b"a", b"")[0])  # the turn's snapshot starts here
        with elsewhere.write() as writer:  # "another process" commits and could acknowledge now
            writer.put_item(1, b"a", b"", 1, b'{"n":{"N":"2"}}')
        seen.append(here.get(1, b"a", b"")[0])  # same turn: must see it all the same
        group.detach()

    thread = threading.Thread(target=asyncio.run, args=(turn(),))
    thread.start()
    thread.join()
    assert seen == [b'{"n":{"N":"1"}}', b'{"n":{"N":"2"}}']
    here.close()
    elsewhere.close()


def test_a_phase_is_put_off_while_another_process_writes(tmp_path, monkeypatch):
    """Unit level: while another process holds the write lock the phase does not wait for it (that would
    stop the event loop); it tries again next turn, and writes queued meanwhile join it. After many tries
    it waits."""

    group = GroupCommit()
    here = process_store(tmp_path, group)
    other = WriteLock(tmp_path / "db.lock")  # its own open file: it excludes ours as another process's would
    answers: list[object] = []

    def put(key: bytes) -> Deferred:
        def write(writer) -> bytes:
            writer.put_item(1, key, b"", 1, b'{"pk":{"S":"x"}}')
            return key

        deferred = here.deferred(write)
        assert isinstance(deferred, Deferred)
        return deferred

    def finish(result: object, error: BaseException | None) -> object:
        assert error is None
        return result

    async def turns() -> None:
        loop = asyncio.get_running_loop()
        group.attach(loop)
        other.acquire()
        first = group.defer(put(b"a"), finish)
        for _ in range(20):
            await asyncio.sleep(0)
        assert not first.done() and here.get(1, b"a", b"") is None  # put off, the loop still turning
        second = group.defer(put(b"b"), finish)
        other.release()
        answers.extend([await first, await second])
        # Held for long: after TRIES_BEFORE_WAITING turns the phase waits for the lock.
        monkeypatch.setattr(commit, "TRIES_BEFORE_WAITING", 5)
        other.acquire()
        threading.Timer(0.3, other.release).start()  # from elsewhere: the loop itself will be waiting
        third = group.defer(put(b"c"), finish)
        answers.append(await third)
        group.detach()

    thread = threading.Thread(target=asyncio.run, args=(turns(),))
    thread.start()
    thread.join()
    assert answers == [b"a", b"b", b"c"]
    assert all(here.get(1, key, b"") is not None for key in (b"a", b"b", b"c"))
    here.close()
    other.close()


def test_the_loop_keeps_an_unchanged_snapshot_only_for_a_moment(tmp_path):
    """Unit level: a read snapshot no commit has overtaken outlives its turn (a read-only load opens none
    per turn) but not an idle moment, and never a commit: a snapshot held on would keep SQLite from
    restarting the WAL."""

    group = GroupCommit()
    here, elsewhere = process_store(tmp_path, group), process_store(tmp_path, None)
    with elsewhere.write() as writer:
        writer.put_item(1, b"a", b"", 1, b'{"n":{"N":"1"}}')
    held: list[bool] = []

    async def turns() -> None:
        group.attach(asyncio.get_running_loop())
        here.get(1, b"a", b"")
        connection = here.reader()
        for _ in range(5):
            await asyncio.sleep(0)
        held.append(connection.in_transaction)  # kept across turns: nothing committed since
        await asyncio.sleep(KEEP_SNAPSHOT_SECONDS * 3)
        held.append(connection.in_transaction)  # idle: ended
        here.get(1, b"a", b"")
        with elsewhere.write() as writer:  # another process commits after this turn's read
            writer.put_item(1, b"b", b"", 1, b'{"n":{"N":"2"}}')
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        held.append(connection.in_transaction)  # overtaken by a commit: ended with its turn
        group.detach()

    thread = threading.Thread(target=asyncio.run, args=(turns(),))
    thread.start()
    thread.join()
    assert held == [True, False, False]
    here.close()
    elsewhere.close()
