"""PostgreSQL's continuous archiving and point-in-time recovery (``interface.PointInTimeRecovery``).

The archive is a directory of gzipped WAL segments written by ``archive_command`` (segments are
1 MB and a switched one is mostly zeros: gzip makes it a few kB). Fogbank itself closes the
current segment when it wants the archive to cover "now" (``pg_switch_wal``), so WAL is
switched only when someone needs it, never every few seconds by ``archive_timeout``.

Recovery runs in two steps: the copy is replayed to the target by a short-lived server that
shuts down there (``recovery_target_action = shutdown``), then started for real to promote. A
target after the last archived commit makes PostgreSQL stop with "recovery ended before
configured recovery target was reached": then nothing in the archive is later than the target,
and replaying all of it gives exactly the transactions committed up to it.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from fogbank.engines import users
from fogbank.engines.interface import BaseBackup, InstanceSpec
from fogbank.engines.supervisor import ManagedProcess

ARCHIVE_TIMEOUT = 300  # seconds: a busy instance's segment is closed at least this often (as RDS's 5 minutes)
_START = re.compile(r"^START WAL LOCATION: .* \(file ([0-9A-F]{24})\)$", re.M)
_NOT_REACHED = "recovery ended before configured recovery target was reached"
_RECOVERY_KEYS = ("restore_command", "recovery_target_time", "recovery_target_action")


def archive_arguments(archive_dir: Path) -> list[str]:
    """Server options that archive every finished WAL segment into ``archive_dir``. Given on
    the command line, they outlive any parameter group reload."""
    target = f"'{archive_dir}/%f.gz'"
    command = f"gzip -1 -c %p > {target[:-1]}.part' && mv {target[:-1]}.part' {target}"
    return ["-c", "archive_mode=on", "-c", f"archive_command={command}", "-c", f"archive_timeout={ARCHIVE_TIMEOUT}",
            "-c", "wal_recycle=off"]  # fmt: skip  # fresh, zeroed segments compress to almost nothing


def wait_archived(conn: object, archive_dir: Path, timeout: float = 5.0) -> bool:
    """Close the current WAL segment (a no-op when nothing was written since the last switch) and
    wait for the archiver to have copied it: then all that was committed before is archived."""
    # The switch answers the end of the closed segment plus one byte. LSN arithmetic in SQL
    # (pg_lsn - integer) needs PostgreSQL 14: the byte before is computed here, for every major.
    end = conn.execute("SELECT pg_wal_lsn_diff(pg_switch_wal(), '0/0')::bigint").fetchone()[0]  # type: ignore[attr-defined]
    row = conn.execute("SELECT pg_walfile_name(%s::pg_lsn)", [lsn_text(end - 1)]).fetchone()  # type: ignore[attr-defined]
    segment = archive_dir / f"{row[0]}.gz"
    deadline = time.monotonic() + timeout
    while not segment.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def lsn_text(position: int) -> str:
    """A WAL position as PostgreSQL writes a ``pg_lsn`` ("16/B374D848")."""
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


def base_backup_info(dest_dir: Path) -> BaseBackup:
    match = _START.search((dest_dir / "backup_label").read_text())
    if match is None:
        raise RuntimeError(f"no START WAL LOCATION in {dest_dir / 'backup_label'}")
    return BaseBackup(dest_dir, match.group(1))


def prune_archive(archive_dir: Path, oldest_start: str) -> None:
    """Drop segments older than the oldest base backup kept: nothing can replay them."""
    for path in archive_dir.glob("*.gz"):
        name = path.name[:-3]
        if len(name) == 24 and name[8:] < oldest_start[8:]:
            path.unlink(missing_ok=True)


def write_recovery(data_dir: Path, archive_dir: Path, target: dt.datetime | None, action: str) -> None:
    lines = [f"restore_command = 'gunzip -c \"{archive_dir}/%f.gz\" > \"%p\"'\n",
             f"recovery_target_action = '{action}'\n"]  # fmt: skip
    if target is not None:
        lines.append(f"recovery_target_time = '{target.astimezone(dt.UTC).isoformat(sep=' ')}'\n")
    auto = data_dir / "postgresql.auto.conf"
    kept = [line for line in auto.read_text().splitlines(True) if not line.startswith(_RECOVERY_KEYS)]
    auto.write_text("".join(kept + lines))
    (data_dir / "recovery.signal").write_text("")
    users.chown_tree(data_dir, unprivileged=True)


def replay_to_target(driver: object, base: BaseBackup, archive_dir: Path, target: dt.datetime, data_dir: Path) -> None:
    """Replay the archive onto a fresh copy of ``base`` up to ``target`` with a server that
    listens nowhere and shuts down there; a target later than the archive's last commit
    replays it all instead."""
    driver.restore(base.directory, data_dir)  # type: ignore[attr-defined]
    write_recovery(data_dir, archive_dir, target, "shutdown")
    server = str(driver._server())  # type: ignore[attr-defined]
    sockets = Path(tempfile.mkdtemp(prefix="fogbank-recovery-"))  # private; postgres wants one socket at least
    users.chown_tree(sockets, unprivileged=True)
    argv = [server, "-D", str(data_dir), "-c", "listen_addresses=", "-c", f"unix_socket_directories={sockets}",
            "-c", "archive_mode=off"]  # fmt: skip
    try:
        users.run(argv, unprivileged=True, cwd=data_dir, timeout=600)
    except subprocess.CalledProcessError as error:
        if _NOT_REACHED not in (error.stderr or ""):
            raise RuntimeError(f"recovery failed: {(error.stderr or '').strip()[-500:]}") from error
        shutil.rmtree(data_dir)
        shutil.rmtree(sockets, ignore_errors=True)
        driver.restore(base.directory, data_dir)  # type: ignore[attr-defined]
        write_recovery(data_dir, archive_dir, None, "promote")
        return
    shutil.rmtree(sockets, ignore_errors=True)
    write_recovery(data_dir, archive_dir, target, "promote")


def start_promoted(driver: object, spec: InstanceSpec, timeout: float = 120.0) -> ManagedProcess:
    """Start the recovered copy; it promotes (to a new timeline) and then takes writes."""
    proc = driver.start(spec)  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    with driver._admin(spec.name) as conn:  # type: ignore[attr-defined]
        while conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
            if time.monotonic() > deadline:
                raise RuntimeError("the restored instance did not finish recovery")
            time.sleep(0.1)
        for key in _RECOVERY_KEYS:
            conn.execute(f"ALTER SYSTEM RESET {key}")
    return proc
