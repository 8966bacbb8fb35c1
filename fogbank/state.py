"""Durable control-plane state: JSON documents written atomically under the data directory.

A write goes to a temporary file, is fsynced, then renamed over the old one, so a ``kill -9`` at
any moment leaves either the old or the new document, never a torn one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from fogbank.protocols.base import json_default


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parent as 0700: state is the user's alone (mkdir's own
    ``parents`` would make the parents with the umask's 0755)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
    return path


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``path`` (mode 0600, as mkstemp makes it) so that it is either old or new, never torn."""
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_json(path: Path, document: Any) -> None:
    atomic_write(path, json.dumps(document, default=json_default, indent=1, sort_keys=True).encode())


def read_json(path: Path, default: Any = None) -> Any:
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        return default
