"""PostgreSQL engine driver: real ``postgres`` processes behind RDS / Aurora PostgreSQL.

One driver runs one install (``postgres_installs`` says which serves each major, and which
install's client tools copy it). Each version is ``initdb``-ed once into a template that new
instances copy, so creating an instance costs a copy, a start and two statements.

Inside each cluster the bootstrap superuser is ``rdsadmin`` (as on RDS), reachable only
through the unix socket with trust auth; TCP logins always need a SCRAM password.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from fogbank.engines import datadirs, postgres_archive, postgres_installs, users
from fogbank.engines.binary import EngineBinary
from fogbank.engines.driver import EngineDriver, Instance
from fogbank.engines.interface import BaseBackup, InstanceSpec
from fogbank.engines.supervisor import ManagedProcess

BOOTSTRAP_USER = "rdsadmin"
SETTINGS_FILE = "fogbank.conf"  # the caller's settings (parameter group), included last
TEMPLATE_REVISION = 2  # bump when the template's contents change

# Appended to the template's postgresql.conf: small, quiet instances; many run at once.
BASE_CONF = f"""
# --- Fogbank defaults ---
shared_buffers = 16MB
max_wal_size = 128MB
min_wal_size = 32MB
password_encryption = 'scram-sha-256'
unix_socket_permissions = 0700
# In the data dir rather than /dev/shm: nothing leaks there when an engine is killed, and
# containers' small /dev/shm (64 MB in Docker) does not limit how many instances run.
dynamic_shared_memory_type = mmap
timezone = 'UTC'
log_timezone = 'UTC'
include_if_exists = '{SETTINGS_FILE}'
"""

# Sockets are reachable only by root and the engine user (the socket dir is 0700).
PG_HBA = f"""# Written by Fogbank.
local   all             all                     trust
local   replication     all                     trust
host    all             {BOOTSTRAP_USER}        0.0.0.0/0       reject
host    all             {BOOTSTRAP_USER}        ::/0            reject
host    all             all                     0.0.0.0/0       scram-sha-256
host    all             all                     ::/0            scram-sha-256
host    replication     all                     0.0.0.0/0       scram-sha-256
host    replication     all                     ::/0            scram-sha-256
"""

_SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def installed_versions() -> list[EngineBinary]:
    """The PostgreSQL server of each installed major, newest first."""
    return postgres_installs.installed_versions()


class PostgresEngine(EngineDriver):
    """Creates, starts, stops, snapshots and restores instances of one PostgreSQL version
    (``interface.Driver``, ``Persistent``, ``SqlAdministration``).

    Engines run as the unprivileged user when Fogbank is root (postgres refuses root).
    To be told of crashes and restarts, set ``on_exit`` / ``on_restart`` on the returned
    ManagedProcess's ``spec``.
    """

    leftovers = ("postmaster.pid", "postmaster.opts")
    pid_lock = "postmaster.pid"
    stop_signal = signal.SIGINT  # "fast" shutdown; SIGTERM would wait for clients
    # "Immediate" shutdown when Fogbank dies: the postmaster ends its backends at once
    # (SIGKILL would leave a backend running its query, holding the shared memory).
    death_signal = signal.SIGQUIT

    def create_master_user(self, name: str, username: str, password: str) -> None:
        """The master user is a real SUPERUSER (RDS grants the weaker ``rds_superuser`` role;
        that role exists here too and is granted as well, for scripts that check it)."""
        if username.lower() == BOOTSTRAP_USER:
            raise ValueError(f"{BOOTSTRAP_USER} is reserved")
        user = sql.Identifier(username)
        with self._admin(name) as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN SUPERUSER CREATEDB CREATEROLE PASSWORD {}").format(
                    user, sql.Literal(password)
                )
            )
            conn.execute(sql.SQL("GRANT rds_superuser TO {}").format(user))

    def create_database(self, name: str, db_name: str, owner: str) -> None:
        with self._admin(name) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(db_name), sql.Identifier(owner)))

    def set_password(self, name: str, username: str, password: str) -> None:
        with self._admin(name) as conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} WITH PASSWORD {}").format(sql.Identifier(username), sql.Literal(password))
            )

    def _store_settings(self, data_dir: Path, settings: Mapping[str, str] | None) -> None:
        if settings is not None:
            _write_settings(data_dir, settings)

    def _socket_lock(self, port: int) -> str:
        return f".s.PGSQL.{port}.lock"

    def _argv(self, instance: Instance) -> list[str]:
        return [
            str(self._server()),
            "-D",
            str(instance.data_dir),
            "-p",
            str(instance.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={instance.socket_dir}",
            *(postgres_archive.archive_arguments(instance.archive_dir) if instance.archive_dir else []),
        ]

    def _answers(self, instance: Instance) -> bool:
        return _accepts_connections(instance)

    def apply_settings(self, name: str, settings: Mapping[str, str]) -> list[str]:
        """Replace the instance's settings and reload; return those that need a restart.

        ``settings`` is the complete set of overrides (like a parameter group). Unknown
        names raise ValueError (postgres would refuse to start with them), except dotted
        custom names such as ``rds.force_ssl``.
        """
        instance = self._instance(name)
        with self._admin(name) as conn:
            rows = conn.execute(
                "SELECT name, context FROM pg_settings WHERE name = ANY(%s)",
                [[key.lower() for key in settings]],
            ).fetchall()
            contexts = dict(rows)
            unknown = [k for k in settings if k.lower() not in contexts and "." not in k]
            if unknown:
                raise ValueError(f"unknown PostgreSQL settings: {', '.join(sorted(unknown))}")
            _write_settings(instance.data_dir, settings)
            conn.execute("SELECT pg_reload_conf()")
        return sorted(key for key in settings if contexts.get(key.lower()) == "postmaster")

    def snapshot(self, name: str, data_dir: Path, dest_dir: Path) -> None:
        """Write a consistent copy of the instance's data directory to ``dest_dir``.

        A running instance is copied online with pg_basebackup (WAL included, so the copy
        is consistent however busy it is); a stopped one is copied as is.
        """
        dest_dir = Path(dest_dir)
        dest_dir.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            instance = self._instances.get(name)
        if instance is None:
            subprocess.run(["cp", "-a", "--", str(data_dir), str(dest_dir)], check=True)
            return
        users.run(
            [
                str(self.tool("pg_basebackup")),
                "-D",
                str(dest_dir),
                "-h",
                str(instance.socket_dir),
                "-p",
                str(instance.port),
                "-U",
                BOOTSTRAP_USER,
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ],
            unprivileged=False,
        )

    # --- interface.PointInTimeRecovery (postgres_archive.py says how) ---

    def base_backup(self, name: str, archive_dir: Path, dest_dir: Path) -> BaseBackup:
        self.snapshot(name, self._instance(name).data_dir, dest_dir)
        return postgres_archive.base_backup_info(Path(dest_dir))

    def archived_through(self, name: str, archive_dir: Path) -> bool:
        with self._admin(name) as conn:
            return postgres_archive.wait_archived(conn, archive_dir)

    def restore_to_time(
        self, base: BaseBackup, archive_dir: Path, target: dt.datetime | None, spec: InstanceSpec
    ) -> ManagedProcess:
        data_dir = Path(spec.data_dir)
        if target is None:
            self.restore(base.directory, data_dir)
            postgres_archive.write_recovery(data_dir, archive_dir, None, "promote")
        else:
            postgres_archive.replay_to_target(self, base, archive_dir, target, data_dir)
        return postgres_archive.start_promoted(self, spec)

    def purge_archive(self, name: str, archive_dir: Path, oldest_start: str) -> None:
        postgres_archive.prune_archive(archive_dir, oldest_start)

    @contextmanager
    def _admin(self, name: str) -> Iterator[psycopg.Connection]:
        """A superuser connection over the instance's unix socket."""
        instance = self._instance(name)
        with _connect(instance, connect_timeout=10) as conn:
            yield conn

    def _server(self) -> Path:
        """The postgres executable, at a path the engine user can reach."""
        return postgres_installs.reachable(self.binary, self.binary.server, self.templates_dir)

    def tool(self, name: str) -> Path:
        """A client tool for this server (``pg_basebackup``): the newest install's, which also
        copies servers of older majors."""
        return postgres_installs.client_tool(name, self.templates_dir)

    def _template(self) -> Path:
        b = self.binary
        return datadirs.ensure_template(
            self.templates_dir / f"postgres-{b.version}-{b.source}-r{TEMPLATE_REVISION}",
            unprivileged=True,
            build=functools.partial(_build_template, self._server()),
        )


def _connect(instance: Instance, connect_timeout: int) -> psycopg.Connection:
    return psycopg.connect(
        host=str(instance.socket_dir),
        port=instance.port,
        user=BOOTSTRAP_USER,
        dbname="postgres",
        autocommit=True,
        connect_timeout=connect_timeout,
    )


def _accepts_connections(instance: Instance) -> bool:
    # A TCP connect succeeds while postgres still says "the database system is starting up".
    try:
        _connect(instance, connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


def _write_settings(data_dir: Path, settings: Mapping[str, str]) -> None:
    lines = ["# Written by Fogbank: the instance's parameter settings.\n"]
    for key, value in sorted(settings.items()):
        if not _SETTING_NAME.match(key):
            raise ValueError(f"bad PostgreSQL setting name {key!r}")
        quoted = str(value).replace("\\", "\\\\").replace("'", "''")
        lines.append(f"{key} = '{quoted}'\n")
    path = data_dir / SETTINGS_FILE
    path.write_text("".join(lines))
    path.chmod(0o600)
    users.chown_tree(path, unprivileged=True)


def _build_template(server: Path, dest: Path) -> None:
    init_cluster(server.parent / "initdb", dest)
    # Single-user mode runs the statement without opening any socket.
    users.run(
        [str(server), "--single", "-D", str(dest), "-F", "-c", "exit_on_error=true", "postgres"],
        unprivileged=True,
        cwd=dest.parent,
        input="CREATE ROLE rds_superuser NOLOGIN;\n",
    )


def init_cluster(initdb: Path, dest: Path, checksums: bool = True) -> None:
    """A new, empty cluster as every instance's: ``rdsadmin`` bootstrap superuser, UTF8, 1 MB WAL
    segments, Fogbank's pg_hba.conf and defaults (a major version upgrade makes its new cluster so).
    ``checksums=False`` turns off PostgreSQL 18's default data checksums, which an upgraded older
    cluster does not have (pg_upgrade needs both sides alike)."""
    args = [
        str(initdb),
        "-D",
        str(dest),
        "-U",
        BOOTSTRAP_USER,
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "-E",
        "UTF8",
        "--no-sync",
        "--wal-segsize=1",  # 1 MB WAL segments: a template of 25 MB instead of 40 MB
        *([] if checksums else ["--no-data-checksums"]),
    ]
    cwd = dest.parent
    try:
        users.run([*args, "--locale=C.UTF-8"], unprivileged=True, cwd=cwd)
    except subprocess.CalledProcessError:
        shutil.rmtree(dest, ignore_errors=True)
        users.run([*args, "--locale=C"], unprivileged=True, cwd=cwd)
    configure_cluster(dest)


def configure_cluster(dest: Path) -> None:
    """Fogbank's pg_hba.conf and postgresql.conf defaults in a cluster's data directory."""
    (dest / "pg_hba.conf").write_text(PG_HBA)
    with open(dest / "postgresql.conf", "a") as conf:
        conf.write(BASE_CONF)
