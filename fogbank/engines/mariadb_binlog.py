"""MariaDB's binary log as a point-in-time archive (``interface.PointInTimeRecovery``).

The server writes its binlog (row-based, synced at every commit) straight into the archive
directory, so everything committed is archived the moment it commits. A full copy
(``mariadb-backup``, or a copy while the server is stopped) notes its binlog position; a
restore starts that copy and replays the binlogs from there with ``mariadb-binlog
--stop-datetime``. Binlog events carry whole seconds: a target is honoured to the second.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

from fogbank.engines.interface import BaseBackup

BINLOG = "binlog"  # the binlog's base name in the archive (binlog.000001, binlog.index)
_INFO_FILES = ("mariadb_backup_binlog_info", "xtrabackup_binlog_info")


def archive_arguments(archive_dir: Path) -> list[str]:
    """Server options that keep a durable row-based binlog in ``archive_dir`` (on the command
    line: they win over the option file's ``skip_log_bin``). No ``server_id``: MariaDB's default (1)
    serves the archive, and a source or replica has one of its own from its option file, which a
    command-line value would override (a replica with the same id as its source skips its events)."""
    return [f"--log-bin={archive_dir / BINLOG}", "--binlog-format=ROW", "--sync-binlog=1"]


def position_from(dest_dir: Path, fallback: str) -> str:
    """Where the copy's binlog replay starts: the position mariadb-backup recorded, else ``fallback``."""
    for name in _INFO_FILES:
        path = dest_dir / name
        if path.is_file() and path.read_text().split():
            file, position = path.read_text().split()[:2]
            return f"{Path(file).name}:{position}"
    return fallback


def binlog_files(archive_dir: Path, start_file: str) -> list[Path]:
    """The archive's binlogs from ``start_file`` on, in order (the index lists them)."""
    names = [Path(line.strip()).name for line in (archive_dir / f"{BINLOG}.index").read_text().splitlines()]
    names = [name for name in names if name]
    return [archive_dir / name for name in names[names.index(start_file) :]] if start_file in names else []


def stop_datetime(target: dt.datetime) -> str:
    """``--stop-datetime`` (UTC, whole seconds): replay stops at the first event stamped at or
    after it. An event's stamp is its second, so a whole-second target keeps exactly what came
    before; a fractional one also keeps the rest of its second (the binlog cannot tell them apart)."""
    target = target.astimezone(dt.UTC)
    if target.microsecond:
        target = target.replace(microsecond=0) + dt.timedelta(seconds=1)
    return target.strftime("%Y-%m-%d %H:%M:%S")


def replay(base: BaseBackup, archive_dir: Path, target: dt.datetime | None, client: list[str]) -> None:
    """Pipe the binlogs after the copy's position (up to ``target``) into the ``client`` command."""
    start_file, _, position = base.start.partition(":")
    files = binlog_files(archive_dir, start_file)
    if not files:
        return
    tool = shutil.which("mariadb-binlog") or shutil.which("mysqlbinlog")
    if tool is None:
        raise FileNotFoundError("mariadb-binlog not found (apt-get install mariadb-client)")
    argv = [tool, "--no-defaults", f"--start-position={position}"]
    if target is not None:
        argv.append(f"--stop-datetime={stop_datetime(target)}")
    env = {**os.environ, "TZ": "UTC"}  # mariadb-binlog reads --stop-datetime in local time
    reader = subprocess.Popen([*argv, *map(str, files)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        applied = subprocess.run(client, stdin=reader.stdout, capture_output=True, text=True, env=env)
    finally:
        assert reader.stdout is not None
        reader.stdout.close()
        read_error = reader.stderr.read().decode(errors="replace") if reader.stderr else ""
        code = reader.wait()
    if code != 0:
        raise RuntimeError(f"mariadb-binlog failed: {read_error.strip()[-500:]}")
    if applied.returncode != 0:
        raise RuntimeError(f"replaying the binlog failed: {applied.stderr.strip()[-500:]}")


def purge_before(archive_dir: Path, start_file: str) -> list[str]:
    """Binlog files older than ``start_file`` (nothing kept can replay them): for PURGE BINARY LOGS."""
    names = [Path(line.strip()).name for line in (archive_dir / f"{BINLOG}.index").read_text().splitlines()]
    return [name for name in names if name and name < start_file]
