"""The typed interface of engine drivers: what every one offers, and optional capabilities.

Every driver runs one installed server binary (``EngineBinary``) as many supervised
instances (``Driver``). What only some engines have is a capability of its own, checked with
``isinstance`` because the Protocols are runtime-checkable:

- ``Persistent``: a data directory that can be snapshotted and restored (not Memcached);
- ``SqlAdministration``: a master user, databases, passwords (PostgreSQL, MariaDB; not Valkey);
- ``Replication`` and ``AccessControl``: the Valkey / Redis OSS family.

A service builds an ``InstanceSpec`` (or a ``CacheNodeSpec``, its key-value form) and never
talks to a process or a client library itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from fogbank.engines.binary import EngineBinary
from fogbank.engines.supervisor import ManagedProcess, Supervisor

InstanceState = Literal["running", "restarting", "stopped"]


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class InstanceSpec:
    """One instance to create or start."""

    name: str  # the supervisor's key, unique across Fogbank ("elasticache/<acct>/<region>/<node>")
    data_dir: Path  # the instance's own directory (engines without data keep only their log beside it)
    port: int  # on 127.0.0.1
    memory_bytes: int | None = None  # the node type's memory: maxmemory / -m; None: the engine's default
    # The engine's own parameters (a parameter group's overrides). On ``start``, None keeps those
    # stored with the instance; on ``create``, None means none.
    settings: Mapping[str, str] | None = None
    # Continuous archiving (``PointInTimeRecovery``): the engine keeps its log (PostgreSQL's WAL,
    # MariaDB's binlog) here as it commits; None: no archive.
    archive_dir: Path | None = None


@dataclass(frozen=True)
class TlsFiles:
    """A node's TLS identity, as PEM: its certificate and key, and the CA that signed its peers'
    (a replica checks its primary's, a cluster node its peers'). The driver keeps them in the
    node's own directory, readable by the engine user only."""

    certificate: bytes
    key: bytes
    authority: bytes


@dataclass(frozen=True)
class AclUser:
    """A Redis ACL user: ElastiCache's ``CreateUser`` (its access string is ACL rules)."""

    name: str
    access_string: str  # e.g. "on ~app:* +@read"; without "on"/"off" the user is on
    passwords: tuple[str, ...] = ()  # none: nopass


@dataclass(frozen=True)
class CacheNodeSpec(InstanceSpec):
    """An ``InstanceSpec`` with what the key-value engines add; drivers refuse what they cannot do."""

    auth_tokens: tuple[str, ...] = ()  # the default user's passwords (AuthToken; two while rotating)
    acl_users: tuple[AclUser, ...] = ()  # a user group; a "default" user here replaces auth_tokens
    cluster_enabled: bool = False
    cluster_port: int | None = None  # the cluster bus; None: one is allocated
    replica_of: Endpoint | None = None  # start as a replica of this primary
    primary_auth: Credentials | None = None  # how a replica logs in to its primary
    # The node's own loopback address (127.0.0.0/8 is all this machine on Linux): it binds it,
    # announces it to cluster peers, and Fogbank connects to it. Nodes of one replication group
    # share a port at different addresses, as ElastiCache's nodes all listen on 6379.
    host: str = "127.0.0.1"
    # Endpoint addresses it serves besides its own (a replication group's primary endpoint, held
    # by whichever node is primary): no proxy between clients and the node.
    extra_addresses: tuple[str, ...] = ()
    # Serve TLS only (TransitEncryptionEnabled), on ``port``; None: plain. Drivers whose binary has
    # no TLS refuse it.
    tls: TlsFiles | None = None
    # Fogbank's own password on the node (user fogbank-admin); None: a random one kept beside it.
    # The nodes of one replication group share it, so that any replica can log in to any primary.
    admin_password: str | None = None


@dataclass(frozen=True)
class InstanceStatus:
    name: str
    state: InstanceState
    pid: int | None = None
    port: int | None = None
    restarts: int = 0  # automatic restarts by the supervisor since the instance was started


@dataclass(frozen=True)
class ReplicationInfo:
    role: Literal["primary", "replica"]
    primary: Endpoint | None = None  # a replica's primary
    link_up: bool = False  # a replica: its link to the primary is up and the first sync done
    offset: int = 0  # the replication offset (a primary's master_repl_offset, a replica's processed one)
    replicas: tuple[Endpoint, ...] = field(default=())  # a primary's connected replicas


@runtime_checkable
class Driver(Protocol):
    """What every engine driver offers: one server binary, many supervised instances."""

    binary: EngineBinary
    supervisor: Supervisor

    def create(self, spec: InstanceSpec) -> ManagedProcess:
        """A new instance (``data_dir`` absent or empty), started and ready."""
        ...

    def start(self, spec: InstanceSpec) -> ManagedProcess:
        """Start an existing instance (after a stop, a reboot, a Fogbank restart, a restore)."""
        ...

    def stop(self, name: str) -> None:
        """Stop it gracefully; the supervisor does not restart it. Unknown names are ignored."""
        ...

    def status(self, name: str) -> InstanceStatus: ...

    def process(self, name: str) -> ManagedProcess | None:
        """The supervised process (its ``spec.on_exit`` / ``on_restart`` tell of crashes)."""
        ...

    def healthy(self, name: str) -> bool:
        """Whether it answers its protocol's health check now (PING, ``version``, a login)."""
        ...

    def apply_settings(self, name: str, settings: Mapping[str, str]) -> list[str]:
        """Replace its parameters (the complete set of overrides) on the running instance;
        return the names that only take effect at the next start (``pending-reboot``).
        Unknown names or bad values raise ValueError."""
        ...


@runtime_checkable
class Persistent(Protocol):
    """Engines with a data directory: snapshots and restores."""

    def snapshot(self, name: str, data_dir: Path, dest_dir: Path) -> None:
        """A consistent copy of the instance's data in ``dest_dir`` (online when running)."""
        ...

    def restore(self, snapshot_dir: Path, data_dir: Path) -> None:
        """Make ``data_dir`` from a snapshot; then ``start`` it under any name and port."""
        ...


@dataclass(frozen=True)
class BaseBackup:
    """A full copy taken while the log was archived: replaying the archive from ``start``
    (a WAL segment, or a binlog file and position) brings it to any later moment."""

    directory: Path
    start: str  # where in the archive its replay begins (PostgreSQL: a WAL file name; MariaDB: "file:pos")


@runtime_checkable
class PointInTimeRecovery(Protocol):
    """Engines whose log can be archived (``InstanceSpec.archive_dir``) and replayed to a moment."""

    def base_backup(self, name: str, archive_dir: Path, dest_dir: Path) -> BaseBackup:
        """A consistent full copy of a running instance that archives into ``archive_dir``."""
        ...

    def archived_through(self, name: str, archive_dir: Path) -> bool:
        """Make everything committed until now durable in the archive (closing the current WAL
        segment if need be); True once it is there, False while the archiver still copies."""
        ...

    def restore_to_time(
        self, base: BaseBackup, archive_dir: Path, target: datetime | None, spec: InstanceSpec
    ) -> ManagedProcess:
        """Make ``spec.data_dir`` from ``base`` plus the archive replayed to ``target`` (inclusive;
        None: all of it) and start it as ``spec``, ready for writes."""
        ...

    def purge_archive(self, name: str, archive_dir: Path, oldest_start: str) -> None:
        """Drop the archived log from before ``oldest_start`` (the oldest base backup kept)."""
        ...


@runtime_checkable
class SqlAdministration(Protocol):
    """SQL engines: the master user and databases that RDS creates (``MasterUsername``, ``DBName``)."""

    def create_master_user(self, name: str, username: str, password: str) -> None: ...

    def create_database(self, name: str, db_name: str, owner: str) -> None: ...

    def set_password(self, name: str, username: str, password: str) -> None: ...


@runtime_checkable
class Replication(Protocol):
    """Primary/replica links between instances (REPLICAOF)."""

    def replicate(self, name: str, primary: Endpoint, auth: Credentials | None) -> None:
        """Make ``name`` a replica of ``primary``; it keeps following it across restarts."""
        ...

    def promote(self, name: str) -> None:
        """Make a replica a primary (REPLICAOF NO ONE)."""
        ...

    def replication(self, name: str) -> ReplicationInfo: ...

    def serve_addresses(self, name: str, addresses: Sequence[str]) -> bool:
        """Listen on the node's own address plus these, from now on and across restarts.
        False: the engine cannot change it while running (Redis < 7): it applies at the next start."""
        ...


@runtime_checkable
class AccessControl(Protocol):
    """Passwords and ACL users, changed on a running instance and kept across restarts."""

    def set_auth_tokens(self, name: str, tokens: Sequence[str]) -> None:
        """The default user's passwords (none: no password). Two at once while rotating."""
        ...

    def set_users(self, name: str, users: Sequence[AclUser]) -> None:
        """Replace the ACL users (a user group) with these."""
        ...

    def credentials(self, name: str) -> Credentials:
        """Fogbank's own administrative login to the instance (e.g. a replica's ``masterauth``)."""
        ...
