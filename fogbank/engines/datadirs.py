"""Data directory helpers shared by engine drivers: templates, clones, socket paths.

Initialising a database cluster takes half a second or more; copying an initialised one takes a
tenth of that, and renaming a copy made in advance takes nothing. So each engine version
is initialised once into a template, one spare copy of it is kept ready, and each new
instance takes the spare (or copies the template when there is none).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fogbank.engines import users

if TYPE_CHECKING:  # interface imports binary, which imports this module
    from fogbank.engines.interface import TlsFiles

# Unix socket paths are limited to 108 bytes including the final NUL.
SOCKET_PATH_MAX = 107
SHORT_SOCKET_ROOT = Path(f"/tmp/fogbank-sockets-{os.geteuid()}")

_template_lock = threading.Lock()
_spare_lock = threading.Lock()
_refills: dict[Path, threading.Thread] = {}

log = logging.getLogger(__name__)


def log_file_for(data_dir: Path) -> Path:
    """Where an instance's engine log goes: beside its data dir, so snapshots stay clean."""
    return data_dir.parent / f"{data_dir.name}.log"


def clone_dir(source: Path, dest: Path, unprivileged: bool) -> None:
    """Copy a data directory (template or snapshot) to ``dest``, owned by the engine user.

    ``cp -a --reflink=auto`` shares blocks on filesystems that can (btrfs, xfs) and copies
    elsewhere; ownership and modes are preserved, then fixed up for the engine user.
    """
    _make_room(dest, unprivileged)
    subprocess.run(
        ["cp", "-a", "--reflink=auto", "--", str(source), str(dest)],
        check=True,
        capture_output=True,
    )
    ids = users.run_as(unprivileged)
    if ids and dest.stat().st_uid != ids[0]:  # e.g. a snapshot written by root
        users.chown_tree(dest, unprivileged)
    dest.chmod(0o700)


def _make_room(dest: Path, unprivileged: bool) -> None:
    if dest.exists():
        if any(dest.iterdir()):
            raise FileExistsError(f"data directory {dest} is not empty")
        dest.rmdir()
    dest.parent.mkdir(parents=True, exist_ok=True)
    users.check_reachable(dest, unprivileged)


def clone_template(template: Path, dest: Path, unprivileged: bool) -> None:
    """``clone_dir`` for templates: take the spare copy if one is ready, then make another
    in the background, so back-to-back creates are the only ones that wait for a copy."""
    _make_room(dest, unprivileged)
    spare = _spare_path(template)
    try:
        with _spare_lock:
            # A rename is atomic and instant, but fails across filesystems (then we copy).
            spare.rename(dest)
    except OSError:
        clone_dir(template, dest, unprivileged)
    _refill(template)


def _spare_path(template: Path) -> Path:
    return template.parent / f".{template.name}.spare"


def _refill(template: Path) -> None:
    with _spare_lock:
        running = _refills.get(template)
        if running and running.is_alive():
            return
        thread = threading.Thread(target=_make_spare, args=(template,), name="fogbank-spare", daemon=True)
        _refills[template] = thread
        thread.start()


def _make_spare(template: Path) -> None:
    spare = _spare_path(template)
    if spare.exists():
        return
    work = Path(tempfile.mkdtemp(prefix=f"{spare.name}-", dir=template.parent))
    try:
        subprocess.run(["cp", "-a", "--", str(template), str(work / "data")], check=True, capture_output=True)
        with _spare_lock:
            (work / "data").rename(spare)
    except (OSError, subprocess.CalledProcessError) as error:
        log.debug("could not make a spare copy of %s: %s", template, error)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def wait_for_spares() -> None:
    """Wait until no spare copy is being made (before deleting templates, e.g. in tests)."""
    with _spare_lock:
        threads = list(_refills.values())
    for thread in threads:
        thread.join()


def ensure_template(path: Path, unprivileged: bool, build: Callable[[Path], None]) -> Path:
    """Return ``path``, building it first with ``build(tmp_dir)`` if it does not exist.

    The build goes to a temporary sibling renamed into place when complete, so a crash
    mid-build never leaves a half-made template behind.
    """
    with _template_lock:
        if path.is_dir():
            return path
        users.prepare_dir(path.parent, unprivileged)
        work = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
        try:
            users.prepare_dir(work, unprivileged)
            build(work / "data")
            try:
                (work / "data").rename(path)
            except OSError:
                # Another Fogbank sharing this cache finished the same template first.
                if not path.is_dir():
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return path


def remove_stale_lock(lock_file: Path, data_dir: Path) -> None:
    """Delete a pid lock file (postmaster.pid, mysqld.sock.lock) left by a killed server.

    Servers refuse to start while the pid in their lock file is alive; after a crash that
    pid may belong to an unrelated process (even another engine of the same user). The
    lock is kept only if that process really is a server of this data directory.
    """
    try:
        pid = int(lock_file.read_text().split()[0])
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except (OSError, ValueError, IndexError):
        args = []
    if not any(arg == str(data_dir) or arg.endswith(f"={data_dir}") for arg in args):
        lock_file.unlink(missing_ok=True)


def socket_dir(data_dir: Path, file_name_len: int, unprivileged: bool) -> Path:
    """A directory for an engine's unix socket: the data dir itself when the full socket
    path fits the kernel limit, else a short per-instance directory under /tmp."""
    if len(str(data_dir)) + 1 + file_name_len <= SOCKET_PATH_MAX:
        return data_dir
    digest = hashlib.sha1(str(data_dir.resolve()).encode()).hexdigest()[:16]
    SHORT_SOCKET_ROOT.mkdir(mode=0o755, exist_ok=True)
    return users.prepare_dir(SHORT_SOCKET_ROOT / digest, unprivileged)


def release_socket_dir(path: Path) -> None:
    """Remove a short socket directory made by ``socket_dir`` once its server has stopped."""
    if path.parent == SHORT_SOCKET_ROOT:
        shutil.rmtree(path, ignore_errors=True)


TLS_CERT, TLS_KEY, TLS_CA = "tls-server.pem", "tls-server.key", "tls-ca.pem"


def write_tls(data_dir: Path, files: TlsFiles) -> None:
    """A node's certificate, key and CA in its own 0700 directory, 0600 and owned by the engine
    user (who must read the key); rewritten at every start, so a new certificate takes effect."""
    users.prepare_dir(data_dir, unprivileged=True)
    for name, data in ((TLS_CERT, files.certificate), (TLS_KEY, files.key), (TLS_CA, files.authority)):
        path = data_dir / name
        work = path.with_name(name + ".new")
        work.touch(mode=0o600)
        work.write_bytes(data)
        users.chown_tree(work, unprivileged=True)
        work.replace(path)
