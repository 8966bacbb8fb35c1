"""PostgreSQL instances through the driver, checked with a real client over TCP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from fogbank.engines import datadirs, postgres
from fogbank.engines.driver import provision
from fogbank.engines.interface import InstanceSpec
from fogbank.engines.postgres import PostgresEngine
from fogbank.engines.processes import descendants, gone
from fogbank.engines.supervisor import ProcessSpec, Supervisor

MASTER, PASSWORD = "master", "s3cret-Pass'word"

pytestmark = pytest.mark.skipif(not postgres.installed_versions(), reason="no PostgreSQL binaries")


@pytest.fixture
def engine(supervisor: Supervisor, templates_dir: Path) -> Iterator[PostgresEngine]:
    yield PostgresEngine(supervisor, postgres.installed_versions()[0], templates_dir)


def create(engine: PostgresEngine, work_dir: Path, name: str = "pg1", **kwargs: object) -> tuple[int, Path]:
    port = engine.supervisor.allocate_port()
    data_dir = work_dir / name
    provision(engine, InstanceSpec(name, data_dir, port, **kwargs), MASTER, PASSWORD, "appdb")  # type: ignore[arg-type]
    return port, data_dir


def connect(port: int, password: str = PASSWORD, user: str = MASTER) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="appdb", autocommit=True)


def test_installed_versions_one_per_major() -> None:
    versions = postgres.installed_versions()
    assert len({b.major for b in versions}) == len(versions)
    assert all(b.version.startswith(b.major) and "PostgreSQL" in b.version_string for b in versions)


def test_create_then_use_over_tcp(engine: PostgresEngine, work_dir: Path) -> None:
    port, _ = create(engine, work_dir, settings={"work_mem": "8MB"})
    with connect(port) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, v text)")
        conn.execute("INSERT INTO t VALUES (1, 'one'), (2, 'two')")
        assert conn.execute("SELECT v FROM t ORDER BY id").fetchall() == [("one",), ("two",)]
        assert conn.execute("SHOW work_mem").fetchone() == ("8MB",)
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (True,)
        assert conn.execute("SELECT pg_has_role('rds_superuser', 'member')").fetchone() == (True,)
        assert conn.execute("SELECT current_setting('listen_addresses')").fetchone() == ("127.0.0.1",)


def test_wrong_password_and_bootstrap_user_are_refused(engine: PostgresEngine, work_dir: Path) -> None:
    port, _ = create(engine, work_dir)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        connect(port, password="wrong")
    with pytest.raises(psycopg.OperationalError):
        connect(port, user=postgres.BOOTSTRAP_USER, password="")


def test_set_password(engine: PostgresEngine, work_dir: Path) -> None:
    port, _ = create(engine, work_dir)
    engine.set_password("pg1", MASTER, "new-password")
    connect(port, password="new-password").close()
    with pytest.raises(psycopg.OperationalError):
        connect(port)


def test_stop_and_start_keep_data(engine: PostgresEngine, work_dir: Path) -> None:
    port, data_dir = create(engine, work_dir)
    with connect(port) as conn:
        conn.execute("CREATE TABLE kept AS SELECT 42 AS answer")
    engine.stop("pg1")
    assert engine.supervisor.get("pg1") is None
    engine.start(InstanceSpec("pg1", data_dir, port))
    with connect(port) as conn:
        assert conn.execute("SELECT answer FROM kept").fetchone() == (42,)


def test_snapshot_and_restore(engine: PostgresEngine, work_dir: Path) -> None:
    port, data_dir = create(engine, work_dir)
    with connect(port) as conn:
        conn.execute("CREATE TABLE t AS SELECT generate_series(1, 1000) AS n")
        engine.snapshot("pg1", data_dir, work_dir / "snap")
        conn.execute("INSERT INTO t VALUES (1001)")  # after the snapshot: not in it
    restored_port = engine.supervisor.allocate_port()
    engine.restore(work_dir / "snap", work_dir / "restored")
    engine.start(InstanceSpec("restored", work_dir / "restored", restored_port))
    with connect(restored_port) as conn:
        assert conn.execute("SELECT count(*), max(n) FROM t").fetchone() == (1000, 1000)
    with connect(port) as conn:  # the source is untouched
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1001,)


def test_snapshot_of_stopped_instance(engine: PostgresEngine, work_dir: Path) -> None:
    port, data_dir = create(engine, work_dir)
    with connect(port) as conn:
        conn.execute("CREATE TABLE t AS SELECT 7 AS n")
    engine.stop("pg1")
    engine.snapshot("pg1", data_dir, work_dir / "snap")
    engine.restore(work_dir / "snap", work_dir / "restored")
    engine.start(InstanceSpec("restored", work_dir / "restored", port))
    with connect(port) as conn:
        assert conn.execute("SELECT n FROM t").fetchone() == (7,)


def test_apply_settings(engine: PostgresEngine, work_dir: Path) -> None:
    port, _ = create(engine, work_dir)
    pending = engine.apply_settings("pg1", {"work_mem": "16MB", "shared_buffers": "32MB"})
    assert pending == ["shared_buffers"]
    deadline = time.monotonic() + 5
    with connect(port) as conn:
        while conn.execute("SHOW work_mem").fetchone() != ("16MB",):  # reload is asynchronous
            assert time.monotonic() < deadline
            time.sleep(0.05)
    with pytest.raises(ValueError, match="no_such_setting"):
        engine.apply_settings("pg1", {"no_such_setting": "1"})


def test_master_username_rdsadmin_is_reserved(engine: PostgresEngine, work_dir: Path) -> None:
    with pytest.raises(ValueError):
        engine.create_master_user("pg1", "rdsadmin", PASSWORD)


def test_killed_postmaster_is_restarted(engine: PostgresEngine, work_dir: Path) -> None:
    port, _ = create(engine, work_dir)
    with connect(port) as conn:
        conn.execute("CREATE TABLE t AS SELECT 1 AS n")
    proc = engine.supervisor.get("pg1")
    assert proc is not None
    restarted = threading.Event()
    proc.spec.on_restart = lambda name: restarted.set()
    old_pid = proc.pid
    os.kill(old_pid, signal.SIGKILL)
    assert restarted.wait(15)
    assert proc.pid != old_pid
    with connect(port) as conn:
        assert conn.execute("SELECT n FROM t").fetchone() == (1,)


def test_postmaster_killed_during_a_long_query_is_restarted_at_once(engine: PostgresEngine, work_dir: Path) -> None:
    """The killed postmaster's backend runs on with its query, holding the old shared memory:
    the restart clears it instead of failing until the query ends."""
    port, _ = create(engine, work_dir)
    proc = engine.supervisor.get("pg1")
    assert proc is not None
    restarted = threading.Event()
    proc.spec.on_restart = lambda name: restarted.set()
    busy = connect(port)
    backend = busy.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
    query = threading.Thread(
        target=lambda: suppress_errors(busy.execute, "SELECT count(*) FROM generate_series(1, 250000000)")
    )
    query.start()
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    started = time.monotonic()
    assert restarted.wait(10), "the restart waited for the orphaned backend"
    assert time.monotonic() - started < 8
    assert gone(backend)
    connect(port).close()
    query.join(10)


def suppress_errors(call: object, *args: object) -> None:
    try:
        call(*args)  # type: ignore[operator]
    except psycopg.Error:
        pass


# A Fogbank stand-in that creates one instance, holds a client connection, and waits.
PARENT = textwrap.dedent(
    """
    import sys, time, psycopg
    from pathlib import Path
    from fogbank.engines import postgres
    from fogbank.engines.driver import provision
    from fogbank.engines.interface import InstanceSpec
    from fogbank.engines.supervisor import Supervisor
    templates, data_dir = sys.argv[1:]
    sup = Supervisor(port_range=(15400, 15999))
    engine = postgres.PostgresEngine(sup, postgres.installed_versions()[0], Path(templates))
    port = sup.allocate_port()
    proc = provision(engine, InstanceSpec("pg", Path(data_dir), port, settings={}), "master", "password", "appdb")
    conn = psycopg.connect(host="127.0.0.1", port=port, user="master", password="password", dbname="appdb")
    print(proc.pid, flush=True)
    time.sleep(600)
    """
)


def test_fogbank_killed_leaves_no_postgres_process(templates_dir: Path, work_dir: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(templates_dir), str(work_dir / "pg")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert parent.stdout is not None
    postmaster = int(parent.stdout.readline())
    processes = [postmaster, *descendants(postmaster)]
    assert len(processes) >= 5  # checkpointer, walwriter, ..., the client's backend
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in processes):
        assert time.monotonic() < deadline, "postgres processes outlived Fogbank"
        time.sleep(0.1)
    # The next Fogbank starts the crashed instance again.
    supervisor = Supervisor(port_range=(15400, 15999))
    try:
        engine = PostgresEngine(supervisor, postgres.installed_versions()[0], templates_dir)
        port = supervisor.allocate_port()
        engine.start(InstanceSpec("pg", work_dir / "pg", port))
        psycopg.connect(host="127.0.0.1", port=port, user="master", password="password", dbname="appdb").close()
    finally:
        supervisor.shutdown()


def test_start_ignores_a_lock_file_left_by_a_crash(engine: PostgresEngine, work_dir: Path) -> None:
    port, data_dir = create(engine, work_dir)
    engine.stop("pg1")
    # After a crash, the pid in postmaster.pid may belong to an unrelated process of the
    # engine user, which postgres would take for a live postmaster.
    unrelated = engine.supervisor.start(
        ProcessSpec("sleeper", ["sleep", "60"], work_dir / "sleeper.log", unprivileged=True)
    )
    (data_dir / "postmaster.pid").write_text(f"{unrelated.pid}\n{data_dir}\n")
    engine.start(InstanceSpec("pg1", data_dir, port))
    connect(port).close()


def test_long_data_dir_path_gets_a_short_socket_dir(engine: PostgresEngine, work_dir: Path) -> None:
    deep = work_dir / ("d" * 100)  # the socket path would pass the kernel's 107-byte limit
    port = engine.supervisor.allocate_port()
    provision(engine, InstanceSpec("deep", deep / "pg", port, settings={}), MASTER, PASSWORD, "appdb")
    connect(port).close()
    sockets = list(datadirs.SHORT_SOCKET_ROOT.iterdir())
    engine.stop("deep")
    assert len(list(datadirs.SHORT_SOCKET_ROOT.iterdir())) == len(sockets) - 1
