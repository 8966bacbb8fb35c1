"""What an engine process gets from Fogbank: its locale and search path, never Fogbank's secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from fogbank.engines import mariadb, postgres
from fogbank.engines.driver import EngineDriver, provision
from fogbank.engines.interface import InstanceSpec
from fogbank.engines.mariadb import MariaDBEngine
from fogbank.engines.postgres import PostgresEngine
from fogbank.engines.supervisor import Supervisor


def environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    return dict(entry.split("=", 1) for entry in raw.split("\0") if "=" in entry)


def drivers() -> list[object]:
    found: list[object] = []
    if postgres.installed_versions():
        found.append(pytest.param("postgres", id="postgres"))
    if mariadb.binary_for_engine("mariadb"):
        found.append(pytest.param("mariadb", id="mariadb"))
    return found


def make_driver(kind: str, supervisor: Supervisor, templates_dir: Path) -> EngineDriver:
    if kind == "postgres":
        return PostgresEngine(supervisor, postgres.installed_versions()[0], templates_dir)
    binary = mariadb.binary_for_engine("mariadb")
    assert binary is not None
    return MariaDBEngine(supervisor, binary, templates_dir)


@pytest.mark.parametrize("kind", drivers())
def test_engine_gets_no_credentials_or_fogbank_settings(
    kind: str, supervisor: Supervisor, templates_dir: Path, work_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "do-not-leak")
    monkeypatch.setenv("FOGBANK_DATA_DIR", "/do/not/leak")
    monkeypatch.setenv("SOME_TOKEN", "do-not-leak")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("TZ", "UTC")
    driver = make_driver(kind, supervisor, templates_dir)
    spec = InstanceSpec("env1", work_dir / "env1", supervisor.allocate_port())
    proc = provision(driver, spec, "master", "Secret-pass1", None)
    env = environ(proc.pid)
    assert not [key for key, value in env.items() if "do-not-leak" in value or value == "/do/not/leak"]
    assert not [key for key in env if key.startswith(("AWS_", "FOGBANK_"))]
    assert env["LC_ALL"] == "C.UTF-8" and env["TZ"] == "UTC" and env["PATH"]
    assert set(env) <= {"PATH", "LANG", "LANGUAGE", "TZ", "TMPDIR", "HOME", "USER", "LOGNAME"} | {
        key for key in env if key.startswith("LC_")
    }
