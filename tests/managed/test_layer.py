"""The shared managed-resource layer: state machine, store, jobs, events, recovery, ports, tags."""

from __future__ import annotations

import datetime as dt
import os
import socket
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fogbank.engines.supervisor import EngineStartError
from fogbank.managed import ports, recovery, tags
from fogbank.managed.events import EventLog, EventQuery
from fogbank.managed.jobs import Jobs
from fogbank.managed.lifecycle import InvalidTransition, Lifecycle, transitions
from fogbank.managed.records import Record, RecordKind, dataclass_loader
from fogbank.managed.store import Store
from fogbank.protocols.errors import AwsError

LIFECYCLE = Lifecycle(
    "widget",
    transitions(
        {
            "creating": ("available", "failed", "deleting"),
            "available": ("rebooting", "stopping", "deleting", "starting"),
            "rebooting": ("available", "failed", "deleting"),
            "starting": ("available", "failed", "deleting"),
            "stopping": ("stopped", "deleting"),
            "stopped": ("starting", "deleting"),
            "failed": ("available", "deleting", "starting"),
        }
    ),
    running=frozenset({"available", "rebooting", "starting"}),
    settles={"stopping": "stopped"},
)


@dataclass
class Private:
    port: int = 0
    secret: str = ""
    nodes: list[str] = field(default_factory=list)


KIND = RecordKind("widget", dataclass_loader(Private))


def widget(name: str, status: str = "creating") -> Record[Private]:
    return Record("widget", name, f"arn:aws:test:us-east-1:000000000000:widget:{name}", Private(), status=status)


def test_declared_transitions_move_and_others_are_programming_errors() -> None:
    record = widget("a")
    assert LIFECYCLE.move(record, "available")
    with pytest.raises(InvalidTransition):
        LIFECYCLE.move(record, "stopped")  # available -> stopped skips stopping
    assert record.status == "available"
    assert not LIFECYCLE.move_if(record, ("rebooting",), "failed")
    assert LIFECYCLE.move(record, "deleting")
    assert not LIFECYCLE.move(record, "available")  # a queued delete has the last word
    assert record.status == "deleting"


def test_a_lifecycle_naming_an_undeclared_status_is_refused() -> None:
    with pytest.raises(ValueError):
        Lifecycle("bad", transitions({"creating": ("available",)}), running=frozenset({"runnning"}))


def test_store_keeps_typed_records_events_and_private_files(tmp_path: Path) -> None:
    store = Store(tmp_path / "state", [KIND])
    scope = store.scope("111122223333", "eu-west-1")
    record = widget("a")
    record.private.port, record.private.secret, record.private.nodes = 4511, "s3cret", ["0001"]
    record.fields["Engine"] = "valkey"
    record.tags = [{"Key": "k", "Value": "v"}]
    scope.add(record)
    scope.events.record("widget", "a", "Widget created", record.arn, ("creation",))
    store.save(scope)
    path = tmp_path / "state" / "111122223333" / "eu-west-1.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = Store(tmp_path / "state", [KIND]).scope("111122223333", "eu-west-1")
    loaded = again.get("widget", "a")
    assert loaded is not None and isinstance(loaded.private, Private)
    assert (loaded.private.port, loaded.private.secret, loaded.private.nodes) == (4511, "s3cret", ["0001"])
    assert (loaded.fields, loaded.tags, loaded.status, loaded.resource_id) == (
        record.fields,
        record.tags,
        "creating",
        record.resource_id,
    )
    assert [e.message for e in again.events.events] == ["Widget created"]


def test_a_private_field_dropped_from_the_type_still_loads(tmp_path: Path) -> None:
    @dataclass
    class Smaller:
        port: int = 0

    store = Store(tmp_path, [KIND])
    scope = store.scope("000000000000", "us-east-1")
    scope.add(widget("a"))
    store.save(scope)
    loaded = Store(tmp_path, [RecordKind("widget", dataclass_loader(Smaller))]).scope("000000000000", "us-east-1")
    assert isinstance(loaded.get("widget", "a").private, Smaller)


def test_events_filters_window_and_paging() -> None:
    log = EventLog()
    for i in range(5):
        log.record("widget", f"w{i % 2}", f"event {i}", categories=("creation",) if i % 2 else ("deletion",))
    assert [e.message for e in log.select(EventQuery(source_type="widget", source_id="w1"))] == ["event 1", "event 3"]
    assert len(log.select(EventQuery(categories=frozenset({"deletion"})))) == 3
    future = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    assert log.select(EventQuery(start=future)) == []
    assert len(log.select(EventQuery(end=future, duration_minutes=10))) == 5
    first, marker = log.page(EventQuery(), 2, None, lambda: AwsError("InvalidParameterValue", "bad marker"))
    second, marker2 = log.page(EventQuery(), 2, marker, lambda: AwsError("InvalidParameterValue", "bad marker"))
    assert [e.message for e in first + second] == ["event 0", "event 1", "event 2", "event 3"] and marker2
    with pytest.raises(AwsError):
        log.page(EventQuery(), 2, "%%%", lambda: AwsError("InvalidParameterValue", "bad marker"))


def test_events_are_kept_fourteen_days_and_at_most_max(monkeypatch: pytest.MonkeyPatch) -> None:
    from fogbank.managed import events

    monkeypatch.setattr(events, "MAX_EVENTS", 3)
    log = EventLog()
    old = log.record("widget", "a", "old")
    log.events[0] = type(old)(old.source_type, old.source_id, old.message, old.date - dt.timedelta(days=15))
    for i in range(4):
        log.record("widget", "a", f"new {i}")
    assert [e.message for e in log.events] == ["new 1", "new 2", "new 3"]


def test_jobs_run_one_at_a_time_per_resource_and_wait_the_grace() -> None:
    jobs = Jobs("test", grace=2.0)
    order: list[str] = []
    started = time.monotonic()
    jobs.submit("a", lambda: (time.sleep(0.2), order.append("first")), grace=0)
    jobs.submit("a", lambda: order.append("second"))  # waits for the first (same resource)
    assert order == ["first", "second"] and time.monotonic() - started < 1.5
    jobs.submit("b", lambda: time.sleep(5), grace=0.1)  # the grace is a bound, not a wait for the end
    assert time.monotonic() - started < 2.0
    jobs.close(timeout=0.1)


def test_retry_backs_off_until_done() -> None:
    jobs = Jobs("test", grace=0)
    times: list[float] = []
    done = threading.Event()

    def attempt() -> bool:
        times.append(time.monotonic())
        if len(times) == 3:
            done.set()
            return True
        raise RuntimeError("not yet")

    jobs.retry("a", attempt, first=0.05, maximum=1.0)
    assert done.wait(3)
    assert times[2] - times[1] > (times[1] - times[0]) * 1.5  # doubled
    jobs.close()


class Actions:
    def __init__(self, data: bool = True) -> None:
        self.calls: list[tuple[str, str]] = []
        self.data = data

    def has_data(self, record: Record[Private]) -> bool:
        return self.data

    def delete(self, scope: object, record: Record[Private]) -> None:
        self.calls.append(("delete", record.identifier))

    def create(self, scope: object, record: Record[Private]) -> None:
        self.calls.append(("create", record.identifier))

    def restart(self, scope: object, record: Record[Private], was: str) -> None:
        self.calls.append(("restart", f"{record.identifier}:{was}"))


def test_recovery_per_status(tmp_path: Path) -> None:
    store = Store(tmp_path, [KIND])
    scope = store.scope("000000000000", "us-east-1")
    for name, status in [("c", "creating"), ("d", "deleting"), ("a", "available"), ("s", "stopping"),
                         ("t", "stopped"), ("f", "failed")]:  # fmt: skip
        scope.add(widget(name, status))
    jobs = Jobs("test", grace=0)
    actions = Actions()
    counts = recovery.recover(LIFECYCLE, jobs, store.all_records("widget"), actions)
    jobs.wait_all()
    assert sorted(actions.calls) == [("create", "c"), ("delete", "d"), ("restart", "a:available"),
                                     ("restart", "f:failed")]  # fmt: skip
    assert scope.get("widget", "a").status == "starting"
    assert scope.get("widget", "s").status == "stopped" and scope.get("widget", "t").status == "stopped"
    assert counts[recovery.Action.NOTHING] == 1
    assert recovery.plan(LIFECYCLE, "failed", has_data=False) is recovery.Action.NOTHING


class FakeSupervisor:
    def __init__(self) -> None:
        self.released: list[int] = []

    def allocate_port(self, preferred: int | None = None) -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def release_port(self, port: int) -> None:
        self.released.append(port)


def test_a_stolen_port_is_replaced_once() -> None:
    thief = socket.socket()
    thief.bind(("127.0.0.1", 0))
    thief.listen()
    taken = thief.getsockname()[1]
    tried: list[int] = []
    moves: list[tuple[int, int]] = []

    def start(port: int) -> str:
        tried.append(port)
        if port == taken:
            raise EngineStartError("x", "exited", "Address already in use")
        return f"up on {port}"

    supervisor = FakeSupervisor()
    result = ports.start_on_port(supervisor, taken, start, lambda old, new: moves.append((old, new)))  # type: ignore[arg-type]
    assert result == f"up on {moves[0][1]}" and tried[0] == taken and supervisor.released == [taken]
    with pytest.raises(EngineStartError):  # a failure that is not about the port is not retried
        ports.start_on_port(supervisor, 1, lambda p: (_ for _ in ()).throw(EngineStartError("x", "crash", "")),  # type: ignore[arg-type]
                            lambda o, n: None)  # fmt: skip
    thief.close()


def test_a_port_stolen_again_moves_again_then_gives_up() -> None:
    """Another Fogbank sharing the engine port range can take the replacement too (seen when two test
    suites ran at once): up to ports.ATTEMPTS ports are tried, each move said, then the error stands."""
    thieves = [socket.socket() for _ in range(ports.ATTEMPTS)]
    for thief in thieves:
        thief.bind(("127.0.0.1", 0))
        thief.listen()
    held = [thief.getsockname()[1] for thief in thieves]

    class Queue(FakeSupervisor):
        def __init__(self, handed: list[int]) -> None:
            super().__init__()
            self.handed = list(handed)

        def allocate_port(self, preferred: int | None = None) -> int:
            return self.handed.pop(0)

    def start_unless(stolen: set[int]) -> Callable[[int], str]:
        def start(port: int) -> str:
            if port in stolen:
                raise EngineStartError("x", "exited", "Address already in use")
            return f"up on {port}"

        return start

    moves: list[tuple[int, int]] = []
    free = FakeSupervisor().allocate_port()
    result = ports.start_on_port(Queue([held[1], free]), held[0], start_unless(set(held[:2])),  # type: ignore[arg-type]
                                 lambda old, new: moves.append((old, new)))  # fmt: skip
    assert result == f"up on {free}" and moves == [(held[0], held[1]), (held[1], free)]
    moves.clear()
    with pytest.raises(EngineStartError):
        ports.start_on_port(Queue(held[1:]), held[0], start_unless(set(held)),  # type: ignore[arg-type]
                            lambda old, new: moves.append((old, new)))  # fmt: skip
    assert moves == [(held[0], held[1]), (held[1], held[2])]
    for thief in thieves:
        thief.close()


def test_tags_merge_remove_and_limits() -> None:
    rules = tags.TagRules()
    merged = tags.merge(
        [{"Key": "a", "Value": "1"}], tags.check([{"Key": "a", "Value": "2"}, {"Key": "b"}], rules), rules
    )
    assert merged == [{"Key": "a", "Value": "2"}, {"Key": "b", "Value": ""}]
    assert tags.remove(merged, ["a", "zzz"]) == [{"Key": "b", "Value": ""}]
    with pytest.raises(AwsError) as error:
        tags.merge(merged, [{"Key": f"k{i}", "Value": ""} for i in range(49)], rules)
    assert error.value.code == "TagQuotaPerResourceExceeded"
    with pytest.raises(AwsError):
        tags.check([{"Key": "aws:x", "Value": ""}], rules)


def test_config_reads_the_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    from fogbank.config import Config

    monkeypatch.setenv("FOGBANK_GRACE", "0.25")
    assert Config().grace == 0.25 and Config().environment()["FOGBANK_GRACE"] == "0.25"
    monkeypatch.delenv("FOGBANK_GRACE")
    monkeypatch.setenv("FOGBANK_RDS_GRACE", "1.5")
    assert Config().grace == 1.5
    assert os.environ.get("FOGBANK_GRACE") is None
