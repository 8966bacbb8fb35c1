"""The configuration file of one Valkey / Redis OSS node, written by Fogbank.

Everything a node is told goes through this file, not its command line: passwords then never
show in ``ps``, and a node the supervisor restarts after a crash reads what it was last told
(every live change rewrites the file).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fogbank.engines.datadirs import TLS_CA, TLS_CERT, TLS_KEY
from fogbank.engines.interface import AclUser, Credentials, Endpoint

CONF_FILE = "fogbank.conf"
RDB_FILE = "dump.rdb"
AOF_FILE = "appendonly.aof"  # Redis < 7: one file; 7+ and Valkey: a directory of that name's parts
AOF_DIR = "appendonlydir"
CLUSTER_FILE = "nodes.conf"
ADMIN_USER = "fogbank-admin"  # Fogbank's own login, for administration and replication

# ElastiCache's defaults where they differ from the engine's, then what Fogbank needs.
DEFAULTS: dict[str, str] = {
    "maxmemory-policy": "volatile-lru",
    "appendonly": "yes",  # every node persists: a restart or a crash keeps the data
    "appendfsync": "everysec",
    "save": "",  # no periodic RDB on top of the AOF; snapshots ask for one (BGSAVE)
    "repl-diskless-sync-delay": "0",  # a replica's first sync starts at once, not after 5 s
    "tcp-keepalive": "300",
}

# Settings Fogbank owns: a parameter group cannot change where the node listens or stores its
# data, nor who may log in (AuthToken and user groups do that).
RESERVED = frozenset(
    {
        "port", "bind", "dir", "daemonize", "supervised", "pidfile", "logfile", "unixsocket", "unixsocketperm",
        "include", "dbfilename", "appendfilename", "appenddirname", "aclfile", "requirepass", "masterauth",
        "masteruser", "primaryauth", "primaryuser", "replicaof", "slaveof", "cluster-enabled",
        "cluster-config-file", "cluster-port", "maxmemory", "rename-command", "protected-mode",
        "enable-debug-command", "enable-module-command", "enable-protected-configs", "loadmodule",
        "tls-port", "tls-cert-file", "tls-key-file", "tls-ca-cert-file", "tls-ca-cert-dir", "tls-auth-clients",
        "tls-replication", "tls-cluster", "tls-client-cert-file", "tls-client-key-file", "tls-key-file-pass",
        "tls-client-key-file-pass", "tls-dh-params-file",
    }
)  # fmt: skip


@dataclass
class NodeConfig:
    """What a node is, as Fogbank last told it."""

    data_dir: Path
    port: int
    admin: Credentials
    memory_bytes: int | None = None
    settings: dict[str, str] = field(default_factory=dict)
    auth_tokens: tuple[str, ...] = ()
    acl_users: tuple[AclUser, ...] = ()
    cluster_port: int | None = None  # set: cluster mode on
    cluster_port_option: bool = True  # the server reads cluster-port (Redis >= 7, Valkey); else port + 10000
    replica_of: Endpoint | None = None
    primary_auth: Credentials | None = None
    host: str = "127.0.0.1"  # its own address: bound, announced to cluster peers, where Fogbank connects
    extra_addresses: tuple[str, ...] = ()  # endpoint addresses it serves too (a primary endpoint)
    tls: bool = False  # TLS only, on ``port``; the files (TLS_CERT, ...) are in ``data_dir``

    def binds(self) -> str:
        return " ".join(dict.fromkeys((self.host, *self.extra_addresses)))

    def effective(self) -> dict[str, str]:
        return {**DEFAULTS, **self.settings}


def check_settings(settings: Mapping[str, str]) -> None:
    for key, value in settings.items():
        if not key or not all(c.isalnum() or c in "-_." for c in key):
            raise ValueError(f"bad parameter name {key!r}")
        if key.lower() in RESERVED:
            raise ValueError(f"parameter {key} is set by Fogbank and cannot be changed")
        if "\n" in str(value) or "\r" in str(value):
            raise ValueError(f"bad value for {key}")


def quote(value: str) -> str:
    """A config-file argument: double-quoted, with the escapes the server's parser reads."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def acl_rules(user: AclUser) -> list[str]:
    """ACL SETUSER arguments for a user: reset, its passwords, its access string."""
    tokens = user.access_string.split()
    rules = ["reset"]
    rules += [f">{password}" for password in user.passwords] or ["nopass"]
    if not any(token in ("on", "off") for token in tokens):
        rules.append("on")
    return rules + tokens


def default_user_rules(tokens: tuple[str, ...]) -> list[str]:
    """The default user of an AuthToken-protected (or open) node: every command, key and channel."""
    return ["reset", "on", *([f">{token}" for token in tokens] or ["nopass"]), "~*", "&*", "+@all"]


def render(node: NodeConfig, appendonly_override: str | None = None) -> str:
    settings = node.effective()
    if appendonly_override is not None:
        settings["appendonly"] = appendonly_override
    lines = [
        "# Written by Fogbank; rewritten on every change: edit the parameter group instead.",
        *(_tls_lines(node) if node.tls else [f"port {node.port}"]),
        f"bind {node.binds()}",
        f"dir {quote(str(node.data_dir))}",
        "daemonize no",
        f"dbfilename {RDB_FILE}",
        f"appendfilename {AOF_FILE}",
        f"maxmemory {node.memory_bytes or 0}",
    ]
    if node.cluster_port is not None:
        lines += ["cluster-enabled yes", f"cluster-config-file {CLUSTER_FILE}"]
        if node.cluster_port_option:
            lines.append(f"cluster-port {node.cluster_port}")
        lines.append(f"cluster-announce-ip {node.host}")  # what CLUSTER SLOTS tells clients
    if node.replica_of is not None:
        lines.append(f"replicaof {node.replica_of.host} {node.replica_of.port}")
    if node.primary_auth is not None:  # also in cluster mode, where CLUSTER REPLICATE picks the primary
        lines.append(f"masteruser {quote(node.primary_auth.username)}")
        lines.append(f"masterauth {quote(node.primary_auth.password)}")
    lines.append("# parameters")
    for key, value in sorted(settings.items()):
        lines.append(f"{key} {quote(str(value))}")
    lines.append("# users")
    users = list(node.acl_users)
    if not any(user.name == "default" for user in users):
        lines.append("user default " + " ".join(quote(rule) for rule in default_user_rules(node.auth_tokens)))
    for user in users:
        lines.append(f"user {quote(user.name)} " + " ".join(quote(rule) for rule in acl_rules(user)))
    admin_rules = ["reset", "on", f">{node.admin.password}", "~*", "&*", "+@all"]
    lines.append(f"user {ADMIN_USER} " + " ".join(quote(rule) for rule in admin_rules))
    return "\n".join(lines) + "\n"


def _tls_lines(node: NodeConfig) -> list[str]:
    """TLS only on the node's port (``port 0``: no plain listener), for clients, the replication
    link and the cluster bus alike; clients present no certificate (as on ElastiCache)."""
    files = [("tls-cert-file", TLS_CERT), ("tls-key-file", TLS_KEY), ("tls-ca-cert-file", TLS_CA)]
    lines = ["port 0", f"tls-port {node.port}", *(f"{key} {quote(str(node.data_dir / name))}" for key, name in files)]
    lines += ["tls-auth-clients no", "tls-replication yes"]
    if node.cluster_port is not None:
        lines.append("tls-cluster yes")
    return lines


def has_aof(data_dir: Path) -> bool:
    return (data_dir / AOF_DIR).is_dir() or (data_dir / AOF_FILE).is_file()
