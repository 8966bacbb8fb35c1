"""MariaDB instances through the driver, checked with a real client over TCP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest

from fogbank.engines import datadirs, mariadb
from fogbank.engines.driver import provision
from fogbank.engines.interface import InstanceSpec
from fogbank.engines.mariadb import MariaDBEngine
from fogbank.engines.supervisor import Supervisor

MASTER, PASSWORD = "admin", "s3cret-Pass'word"

pytestmark = pytest.mark.skipif(not mariadb.installed_versions(), reason="no MariaDB/MySQL server")


@pytest.fixture
def engine(supervisor: Supervisor, templates_dir: Path) -> Iterator[MariaDBEngine]:
    binary = mariadb.binary_for_engine("mariadb")
    assert binary is not None
    yield MariaDBEngine(supervisor, binary, templates_dir)


def create(engine: MariaDBEngine, work_dir: Path, name: str = "my1", **kwargs: object) -> tuple[int, Path]:
    port = engine.supervisor.allocate_port()
    data_dir = work_dir / name
    provision(engine, InstanceSpec(name, data_dir, port, **kwargs), MASTER, PASSWORD, "appdb")  # type: ignore[arg-type]
    return port, data_dir


def connect(port: int, password: str = PASSWORD, user: str = MASTER) -> pymysql.Connection:
    return pymysql.connect(host="127.0.0.1", port=port, user=user, password=password, database="appdb", autocommit=True)


def query(port: int, statement: str) -> tuple[tuple[object, ...], ...]:
    conn = connect(port)
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchall()
    finally:
        conn.close()


def test_mysql_engine_falls_back_to_an_installed_flavor() -> None:
    binary = mariadb.binary_for_engine("mysql", "8.0.35")
    assert binary is not None and binary.flavor in ("mysql", "mariadb")
    assert mariadb.binary_for_engine("mariadb", "10.11.8") is not None


def test_create_then_use_over_tcp(engine: MariaDBEngine, work_dir: Path) -> None:
    port, _ = create(engine, work_dir, settings={"max_connections": "50"})
    query(port, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT)")
    query(port, "INSERT INTO t VALUES (1, 'one'), (2, 'two')")
    assert query(port, "SELECT v FROM t ORDER BY id") == (("one",), ("two",))
    assert query(port, "SELECT @@max_connections, @@bind_address") == ((50, "127.0.0.1"),)
    grants = " ".join(row[0] for row in query(port, "SHOW GRANTS"))
    assert "ALL PRIVILEGES" in grants and "WITH GRANT OPTION" in grants


def test_wrong_password_and_root_are_refused(engine: MariaDBEngine, work_dir: Path) -> None:
    port, _ = create(engine, work_dir)
    with pytest.raises(pymysql.err.OperationalError, match="Access denied"):
        connect(port, password="wrong")
    with pytest.raises(pymysql.err.OperationalError, match="Access denied"):
        connect(port, user="root", password="")


def test_set_password(engine: MariaDBEngine, work_dir: Path) -> None:
    port, _ = create(engine, work_dir)
    engine.set_password("my1", MASTER, "new-password")
    connect(port, password="new-password").close()
    with pytest.raises(pymysql.err.OperationalError):
        connect(port)


def test_stop_and_start_keep_data(engine: MariaDBEngine, work_dir: Path) -> None:
    port, data_dir = create(engine, work_dir)
    query(port, "CREATE TABLE kept AS SELECT 42 AS answer")
    engine.stop("my1")
    engine.start(InstanceSpec("my1", data_dir, port))
    assert query(port, "SELECT answer FROM kept") == ((42,),)


def test_snapshot_and_restore(engine: MariaDBEngine, work_dir: Path) -> None:
    port, data_dir = create(engine, work_dir, settings={"max_connections": "77"})
    query(port, "CREATE TABLE t (n INT PRIMARY KEY) ENGINE=InnoDB")
    query(port, "INSERT INTO t SELECT seq FROM seq_1_to_1000")
    engine.snapshot("my1", data_dir, work_dir / "snap")
    query(port, "INSERT INTO t VALUES (1001)")  # after the snapshot: not in it
    restored_port = engine.supervisor.allocate_port()
    engine.restore(work_dir / "snap", work_dir / "restored")
    engine.start(InstanceSpec("restored", work_dir / "restored", restored_port))
    assert query(restored_port, "SELECT count(*), max(n), @@max_connections FROM t") == ((1000, 1000, 77),)
    assert query(port, "SELECT count(*) FROM t") == ((1001,),)


def test_apply_settings(engine: MariaDBEngine, work_dir: Path) -> None:
    port, data_dir = create(engine, work_dir)
    pending = engine.apply_settings("my1", {"max_connections": "60", "innodb_buffer_pool_chunk_size": "8388608"})
    assert pending == ["innodb_buffer_pool_chunk_size"]
    assert query(port, "SELECT @@max_connections") == ((60,),)
    with pytest.raises(ValueError, match="no_such_variable"):
        engine.apply_settings("my1", {"no_such_variable": "1"})
    engine.stop("my1")
    engine.start(InstanceSpec("my1", data_dir, port))  # the stored settings survive a restart
    assert query(port, "SELECT @@max_connections, @@innodb_buffer_pool_chunk_size") == ((60, 8388608),)


def test_long_data_dir_path_gets_a_short_socket_dir(engine: MariaDBEngine, work_dir: Path) -> None:
    deep = work_dir / ("d" * 100)  # the socket path would pass the kernel's 107-byte limit
    port = engine.supervisor.allocate_port()
    provision(engine, InstanceSpec("deep", deep / "my", port, settings={}), MASTER, PASSWORD, "appdb")
    connect(port).close()
    sockets = list(datadirs.SHORT_SOCKET_ROOT.iterdir())
    engine.stop("deep")
    assert len(list(datadirs.SHORT_SOCKET_ROOT.iterdir())) == len(sockets) - 1
