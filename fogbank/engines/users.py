"""Who engine processes run as, and directories they can use.

PostgreSQL refuses to run as root and MariaDB needs extra flags to do so, yet Fogbank
often runs as root (containers, CI). Then engines run as the system user ``fogbank``,
created once on demand; otherwise they run as whoever runs Fogbank.
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
import threading
from pathlib import Path

UNPRIVILEGED_USER = "fogbank"

_user_lock = threading.Lock()
_user_ids: tuple[int, int] | None = None


def switch_needed(unprivileged: bool) -> bool:
    """True when a child must drop from root to the unprivileged user."""
    return unprivileged and os.geteuid() == 0


def ensure_user() -> tuple[int, int]:
    """Create the ``fogbank`` system user if missing; return its (uid, gid)."""
    global _user_ids
    with _user_lock:
        if _user_ids is None:
            _user_ids = _lookup_or_create()
        return _user_ids


def _lookup_or_create() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        pass
    result = subprocess.run(
        [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            UNPRIVILEGED_USER,
        ],
        capture_output=True,
        text=True,
    )
    # Exit code 9: another process created it between our lookup and useradd.
    if result.returncode not in (0, 9):
        raise RuntimeError(f"useradd {UNPRIVILEGED_USER} failed: {result.stderr.strip()}")
    entry = pwd.getpwnam(UNPRIVILEGED_USER)
    return entry.pw_uid, entry.pw_gid


def run_as(unprivileged: bool) -> tuple[int, int] | None:
    """The (uid, gid) a child should switch to, or None to keep the current user."""
    return ensure_user() if switch_needed(unprivileged) else None


def engine_user_name(unprivileged: bool) -> str:
    """Login name the engine process will have (some engines want it on their command line)."""
    ids = run_as(unprivileged)
    return pwd.getpwuid(ids[0] if ids else os.geteuid()).pw_name


def can_traverse(path: Path, uid: int, gid: int) -> bool:
    """Whether uid/gid may reach ``path``: every ancestor directory needs search (x) permission."""
    for directory in [path, *path.parents]:
        if not directory.exists():
            continue
        st = directory.stat()
        if st.st_uid == uid:
            bit = stat.S_IXUSR
        elif st.st_gid == gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def check_reachable(path: Path, unprivileged: bool) -> None:
    """Raise a clear PermissionError when the engine user could not reach ``path``."""
    ids = run_as(unprivileged)
    if ids and not can_traverse(path.parent, *ids):
        raise PermissionError(
            f"user {UNPRIVILEGED_USER} cannot reach {path}: every parent directory needs o+x "
            "(for example, do not put engine data under /root)"
        )


def prepare_dir(path: Path, unprivileged: bool, mode: int = 0o700) -> Path:
    """Create ``path`` (and parents) and give it to the user the engine runs as."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    ids = run_as(unprivileged)
    if ids:
        check_reachable(path, unprivileged)
        os.chown(path, *ids)
    path.chmod(mode)
    return path


def chown_tree(path: Path, unprivileged: bool) -> None:
    """Give a whole tree (e.g. a restored snapshot written by root) to the engine user."""
    ids = run_as(unprivileged)
    if not ids:
        return
    os.lchown(path, *ids)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), *ids)


# What an engine or its tools need from Fogbank's environment: nothing else is passed on, so
# AWS_* credentials and FOGBANK_* settings never reach a database server (or its logs).
_PASSED_ON = ("PATH", "LANG", "LANGUAGE", "TZ", "TMPDIR", "HOME", "USER", "LOGNAME")


def engine_environment(extra: dict[str, str] | None, unprivileged: bool) -> dict[str, str]:
    """The environment of an engine child: the locale, time zone and search path Fogbank runs
    with, who the child is, and the engine's own variables (``extra``)."""
    env = {key: value for key, value in os.environ.items() if key in _PASSED_ON or key.startswith("LC_")}
    env.setdefault("PATH", os.defpath)
    if switch_needed(unprivileged):
        env.update(HOME="/", USER=UNPRIVILEGED_USER, LOGNAME=UNPRIVILEGED_USER)
    env.update(extra or {})
    return env


def run(argv: list[str], unprivileged: bool, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a short-lived engine tool (initdb, install-db) as the engine user, capturing output.

    Short-lived tools are waited for, so they need none of the supervisor's orphan
    protection. Raises CalledProcessError with the tool's output on failure.
    """
    ids = run_as(unprivileged)
    if ids:
        kwargs.setdefault("user", ids[0])
        kwargs.setdefault("group", ids[1])
        kwargs.setdefault("extra_groups", [])
    kwargs.setdefault("env", engine_environment(None, unprivileged))
    if "input" not in kwargs:
        kwargs.setdefault("stdin", subprocess.DEVNULL)
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise subprocess.CalledProcessError(result.returncode, argv, output=result.stdout, stderr=result.stderr)
    return result
