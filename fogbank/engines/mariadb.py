"""MariaDB / MySQL engine driver: real ``mariadbd`` (or Oracle ``mysqld``) processes.

RDS engines ``mariadb`` and ``mysql`` both use this driver. Debian ships MariaDB only;
when no Oracle MySQL server is installed, engine ``mysql`` runs on MariaDB, and
``EngineBinary.flavor`` says which server really runs.

Each version is initialised once into a template that new instances copy. Fogbank
administers an instance as the OS user it runs as (``root`` when root), through the unix
socket with MariaDB's unix_socket authentication; nothing without a password is
reachable over TCP.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import pwd
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pymysql

from fogbank.engines import datadirs, mariadb_binlog, users
from fogbank.engines.binary import EngineBinary, parse_version, pick, version_key, version_line
from fogbank.engines.driver import EngineDriver, Instance
from fogbank.engines.interface import BaseBackup, InstanceSpec
from fogbank.engines.supervisor import ManagedProcess, Supervisor

log = logging.getLogger(__name__)

SETTINGS_FILE = "fogbank.cnf"  # the server's only option file (--defaults-file)
_INSTANCE_SETTINGS = "# instance settings\n"  # the option file's line before the instance's own settings
SOCKET_FILE = "mysqld.sock"
TEMPLATE_REVISION = 1  # bump when the template's contents change

# Small, quick-starting servers: many run at once on a laptop.
BASE_OPTIONS = {
    "skip_name_resolve": "ON",
    "skip_log_bin": "ON",
    "performance_schema": "OFF",
    "character_set_server": "utf8mb4",
    "innodb_buffer_pool_size": "16M",
    "innodb_log_file_size": "8M",
    "innodb_log_buffer_size": "2M",
    "innodb_temp_data_file_path": "ibtmp1:1M:autoextend",
    "innodb_buffer_pool_load_at_startup": "OFF",
    "innodb_buffer_pool_dump_at_shutdown": "OFF",
    "key_buffer_size": "1M",
}
MARIADB_ONLY_OPTIONS = {"aria_pagecache_buffer_size": "1M", "query_cache_size": "0"}

_OPTION_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-.]*$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_READ_ONLY_VARIABLE = 1238


def _server_paths() -> list[Path]:
    found: dict[Path, Path] = {}
    for name in ("mariadbd", "mysqld"):
        for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/local/mysql/bin/{name}"):
            if candidate and Path(candidate).is_file():
                found.setdefault(Path(candidate).resolve(), Path(candidate))
    return list(found.values())


@functools.lru_cache(maxsize=1)
def installed_versions() -> list[EngineBinary]:
    """MariaDB and Oracle MySQL servers found on this machine, newest first."""
    found = []
    for server in _server_paths():
        line = version_line(server)
        version = parse_version(line) if line else None
        if line and version:
            flavor = "mariadb" if "mariadb" in line.lower() else "mysql"
            major = ".".join(version.split(".")[:2])
            found.append(EngineBinary(flavor, version, major, server, line, "system"))
    return sorted(found, key=lambda b: version_key(b.version), reverse=True)


def binary_for_engine(engine: str, version: str | None = None) -> EngineBinary | None:
    """The server for RDS engine ``mysql`` or ``mariadb``.

    ``mysql`` prefers an Oracle MySQL server and falls back to MariaDB. A version that
    is not installed falls back to the newest of the flavor: an emulator had better run
    something close than nothing.
    """
    binaries = installed_versions()
    mariadb = [b for b in binaries if b.flavor == "mariadb"]
    mysql = [b for b in binaries if b.flavor == "mysql"]
    if engine == "mysql" and mysql:
        return pick(mysql, version) or pick(mysql, None)
    if engine in ("mysql", "mariadb"):
        return pick(mariadb, version if engine == "mariadb" else None) or pick(mariadb, None)
    raise ValueError(f"not a MySQL-family engine: {engine}")


class MariaDBEngine(EngineDriver):
    """Creates, starts, stops, snapshots and restores instances of one MariaDB/MySQL server
    (``interface.Driver``, ``Persistent``, ``SqlAdministration``).

    Engines run as the unprivileged user when Fogbank is root. To be told of crashes and
    restarts, set ``on_exit`` / ``on_restart`` on the returned ManagedProcess's ``spec``.
    """

    leftovers = ("mysqld.pid", SOCKET_FILE, SOCKET_FILE + ".lock")

    def __init__(self, supervisor: Supervisor, binary: EngineBinary, templates_dir: Path) -> None:
        super().__init__(supervisor, binary, templates_dir)
        # unix_socket auth maps the connecting OS user to the account of the same name;
        # Oracle MySQL's --initialize-insecure makes a password-less root@localhost instead.
        self.admin_user = "root" if binary.flavor == "mysql" else _current_user()

    def create_master_user(self, name: str, username: str, password: str) -> None:
        """The master user is ``'user'@'%'`` with ALL PRIVILEGES WITH GRANT OPTION (more than
        RDS gives: RDS withholds SUPER and a few others)."""
        with self._admin(name) as cursor:
            cursor.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (username, password))
            cursor.execute("GRANT ALL PRIVILEGES ON *.* TO %s@'%%' WITH GRANT OPTION", (username,))

    def create_database(self, name: str, db_name: str, owner: str) -> None:
        """MySQL databases have no owner: the master user's global privileges cover it."""
        with self._admin(name) as cursor:
            cursor.execute(f"CREATE DATABASE {_quote_name(db_name)}")

    def set_password(self, name: str, username: str, password: str) -> None:
        with self._admin(name) as cursor:
            cursor.execute("ALTER USER %s@'%%' IDENTIFIED BY %s", (username, password))

    def _store_settings(self, data_dir: Path, settings: Mapping[str, str] | None) -> None:
        if settings is not None or not (data_dir / SETTINGS_FILE).exists():
            self._write_settings(data_dir, settings or {})

    def _socket_lock(self, port: int) -> str:
        return SOCKET_FILE + ".lock"

    def _argv(self, instance: Instance) -> list[str]:
        data_dir = instance.data_dir
        return [
            str(self.binary.server),
            f"--defaults-file={data_dir / SETTINGS_FILE}",  # must come first
            f"--datadir={data_dir}",
            f"--port={instance.port}",
            "--bind-address=127.0.0.1",
            "--skip-networking=0",
            f"--socket={instance.socket_dir / SOCKET_FILE}",
            f"--pid-file={data_dir / 'mysqld.pid'}",
            *(mariadb_binlog.archive_arguments(instance.archive_dir) if instance.archive_dir else []),
        ]

    def _answers(self, instance: Instance) -> bool:
        return self._accepts_connections(instance)

    def apply_settings(self, name: str, settings: Mapping[str, str]) -> list[str]:
        """Replace the instance's settings, applying dynamic ones live with SET GLOBAL;
        return the names that need a restart (read-only variables).

        ``settings`` is the complete set of overrides (like a parameter group). Unknown
        names raise ValueError (the server would refuse to start with them).
        """
        for key, value in settings.items():
            _check_option(key, value)
        instance = self._instance(name)
        pending = []
        with self._admin(name) as cursor:
            cursor.execute("SHOW GLOBAL VARIABLES")
            known = {row[0].lower() for row in cursor.fetchall()}
            unknown = [k for k in settings if k.replace("-", "_").lower() not in known]
            if unknown:
                raise ValueError(f"unknown {self.binary.flavor} variables: {', '.join(unknown)}")
            for key, value in settings.items():
                value = str(value)
                literal = value if _NUMBER.match(value) else cursor.connection.escape(value)
                try:
                    cursor.execute(f"SET GLOBAL {key.replace('-', '_')} = {literal}")
                except pymysql.MySQLError as error:
                    if error.args[0] != _READ_ONLY_VARIABLE:
                        raise ValueError(f"{key} = {value}: {error.args[-1]}") from error
                    pending.append(key)
            # A setting no longer given goes back to Fogbank's base option or the server's default at
            # once where it is dynamic (a read-only one keeps its value until the restart).
            for key in self._written_settings(instance.data_dir).keys() - settings.keys():
                variable = key.replace("-", "_")
                base = self._base_options().get(key)
                literal = "DEFAULT" if base is None else base if _NUMBER.match(base) else cursor.connection.escape(base)
                try:
                    cursor.execute(f"SET GLOBAL {variable} = {literal}")
                except pymysql.MySQLError as error:
                    log.info("%s: %s stays as it is until the restart: %s", name, variable, error.args[-1])
        self._write_settings(instance.data_dir, settings)
        return sorted(pending)

    def _base_options(self) -> dict[str, str]:
        options = dict(BASE_OPTIONS)
        if self.binary.flavor == "mariadb":
            options.update(MARIADB_ONLY_OPTIONS)
        return options

    @staticmethod
    def _written_settings(data_dir: Path) -> dict[str, str]:
        """The instance settings ``_write_settings`` last wrote (those after its marker line)."""
        path = data_dir / SETTINGS_FILE
        try:
            text = path.read_text()
        except OSError:
            return {}
        _, marker, rest = text.partition(_INSTANCE_SETTINGS)
        if not marker:
            return {}
        pairs = (line.split(" = ", 1) for line in rest.splitlines() if " = " in line)
        return {key.strip(): value.strip() for key, value in pairs}

    def snapshot(self, name: str, data_dir: Path, dest_dir: Path) -> None:
        """Write a consistent copy of the instance's data directory to ``dest_dir``.

        A running MariaDB is copied online with mariadb-backup (then "prepared", so the
        copy starts as is). Without that tool (or on Oracle MySQL) the instance is
        stopped for the copy and started again: the brief I/O suspension RDS also has.
        """
        data_dir, dest_dir = Path(data_dir), Path(dest_dir)
        dest_dir.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            instance = self._instances.get(name)
        tool = shutil.which("mariadb-backup") or shutil.which("mariabackup")
        if instance and tool and self.binary.flavor == "mariadb":
            target = f"--target-dir={dest_dir}"
            connection = [
                f"--datadir={data_dir}",
                f"--socket={instance.socket_dir / SOCKET_FILE}",
                f"--user={self.admin_user}",
            ]
            users.run([tool, "--no-defaults", "--backup", target, *connection], unprivileged=False)
            users.run([tool, "--no-defaults", "--prepare", target], unprivileged=False)
            shutil.copy2(data_dir / SETTINGS_FILE, dest_dir / SETTINGS_FILE)
            return
        if instance is None:
            subprocess.run(["cp", "-a", "--", str(data_dir), str(dest_dir)], check=True)
            return
        proc = self.supervisor.get(name)
        assert proc is not None
        self.supervisor.stop(name)
        try:
            subprocess.run(["cp", "-a", "--", str(data_dir), str(dest_dir)], check=True)
        finally:
            self.supervisor.start(proc.spec)

    # --- interface.PointInTimeRecovery (mariadb_binlog.py says how) ---

    def base_backup(self, name: str, archive_dir: Path, dest_dir: Path) -> BaseBackup:
        with self._admin(name) as cursor:  # the copy's start when mariadb-backup does not say
            cursor.execute("SHOW MASTER STATUS")
            row = cursor.fetchone()
        self.snapshot(name, self._instance(name).data_dir, dest_dir)
        fallback = f"{row[0]}:{row[1]}" if row else ""
        return BaseBackup(Path(dest_dir), mariadb_binlog.position_from(Path(dest_dir), fallback))

    def archived_through(self, name: str, archive_dir: Path) -> bool:
        return self.healthy(name)  # the binlog is in the archive and synced at every commit

    def restore_to_time(
        self, base: BaseBackup, archive_dir: Path, target: dt.datetime | None, spec: InstanceSpec
    ) -> ManagedProcess:
        self.restore(base.directory, Path(spec.data_dir))
        proc = self.start(spec)
        socket = self._instance(spec.name).socket_dir / SOCKET_FILE
        client = shutil.which("mariadb") or shutil.which("mysql") or "mariadb"
        try:
            mariadb_binlog.replay(base, archive_dir, target, [client, "--no-defaults", f"--socket={socket}",
                                                              f"--user={self.admin_user}"])  # fmt: skip
        except BaseException:
            self.stop(spec.name)
            raise
        return proc

    def purge_archive(self, name: str, archive_dir: Path, oldest_start: str) -> None:
        """Drop binlogs older than the oldest kept copy's position (through the server, which owns its index)."""
        older = mariadb_binlog.purge_before(archive_dir, oldest_start.partition(":")[0])
        if older:
            with self._admin(name) as cursor:
                cursor.execute("PURGE BINARY LOGS TO %s", (oldest_start.partition(":")[0],))

    @contextmanager
    def _admin(self, name: str) -> Iterator[pymysql.cursors.Cursor]:
        """A cursor on an all-privileges connection over the instance's unix socket."""
        conn = self._connect(self._instance(name), connect_timeout=10)
        try:
            with conn.cursor() as cursor:
                yield cursor
        finally:
            conn.close()

    def _connect(self, instance: Instance, connect_timeout: int) -> pymysql.Connection:
        return pymysql.connect(
            unix_socket=str(instance.socket_dir / SOCKET_FILE),
            user=self.admin_user,
            autocommit=True,
            connect_timeout=connect_timeout,
        )

    def _accepts_connections(self, instance: Instance) -> bool:
        try:
            self._connect(instance, connect_timeout=2).close()
        except pymysql.MySQLError:
            return False
        return True

    def _write_settings(self, data_dir: Path, settings: Mapping[str, str]) -> None:
        options = self._base_options()
        lines = ["# Written by Fogbank: Fogbank defaults, then the instance's settings.\n"]
        lines.append("[mysqld]\n")
        lines += [f"{key} = {value}\n" for key, value in options.items()]
        lines.append(_INSTANCE_SETTINGS)
        for key, value in sorted(settings.items()):
            _check_option(key, value)
            lines.append(f"{key} = {value}\n")
        path = data_dir / SETTINGS_FILE
        path.write_text("".join(lines))
        path.chmod(0o600)  # the engine user's alone (the server ignores world-writable option files)
        users.chown_tree(path, unprivileged=True)

    def _template(self) -> Path:
        b = self.binary
        return datadirs.ensure_template(
            self.templates_dir / f"{b.flavor}-{b.version}-r{TEMPLATE_REVISION}",
            unprivileged=True,
            build=self._build_template,
        )

    def _build_template(self, dest: Path) -> None:
        user = users.engine_user_name(unprivileged=True)
        if self.binary.flavor == "mysql":
            argv = [str(self.binary.server), "--no-defaults", "--initialize-insecure"]
        else:
            install_db = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
            if not install_db:
                raise FileNotFoundError("mariadb-install-db not found (apt-get install mariadb-server)")
            argv = [install_db, "--no-defaults", "--skip-test-db", "--skip-name-resolve"]
            argv.append("--auth-root-authentication-method=socket")
        argv += [f"--user={user}", f"--datadir={dest}", "--innodb-log-file-size=8M"]
        users.run(argv, unprivileged=False, cwd=dest.parent)
        users.chown_tree(dest, unprivileged=True)
        self._write_settings(dest, {})


def _current_user() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def _quote_name(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def _check_option(key: str, value: str) -> None:
    if not _OPTION_NAME.match(key) or "\n" in str(value) or "\r" in str(value):
        raise ValueError(f"bad option {key!r} = {value!r}")
