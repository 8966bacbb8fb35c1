"""Settings from flags and FOGBANK_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


def _running_as_root() -> bool:
    return os.geteuid() == 0


def default_data_dir() -> Path:
    # Engines that refuse root run as the unprivileged `fogbank` user, which cannot reach
    # anything under root's 0700 home: as root, state lives where system daemons keep theirs.
    if _running_as_root():
        return Path("/var/lib/fogbank")
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "fogbank"


def default_cache_dir() -> Path:
    if _running_as_root():
        return Path("/var/cache/fogbank")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fogbank"


@dataclass
class Config:
    host: str = field(default_factory=lambda: os.environ.get("FOGBANK_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(os.environ.get("FOGBANK_PORT", "4566")))
    data_dir: Path = field(
        default_factory=lambda: (
            Path(os.environ["FOGBANK_DATA_DIR"]) if os.environ.get("FOGBANK_DATA_DIR") else default_data_dir()
        )
    )
    # Things Fogbank can always rebuild (initialised engine templates, parameter catalogues):
    # shared by every data directory, so even --ephemeral runs skip initdb.
    cache_dir: Path = field(
        default_factory=lambda: (
            Path(os.environ["FOGBANK_CACHE_DIR"]) if os.environ.get("FOGBANK_CACHE_DIR") else default_cache_dir()
        )
    )
    ephemeral: bool = field(default_factory=lambda: os.environ.get("FOGBANK_EPHEMERAL", "") not in ("", "0", "false"))
    # Unknown access keys act in this account; a 12-digit access key names its own account.
    default_account: str = field(default_factory=lambda: os.environ.get("FOGBANK_ACCOUNT_ID", "000000000000"))
    default_region: str = field(default_factory=lambda: os.environ.get("FOGBANK_REGION", "us-east-1"))
    engine_ports: tuple[int, int] = field(
        default_factory=lambda: _port_range(os.environ.get("FOGBANK_ENGINE_PORTS", "4510-4599"))
    )
    # Processes serving DynamoDB's item operations (the main process is one): Python runs one thread at a
    # time, so more cores need more processes (fogbank/workers.py). Default: one per core, at most four.
    workers: int = field(default_factory=lambda: int(os.environ.get("FOGBANK_WORKERS") or min(4, os.cpu_count() or 1)))
    worker: bool = False  # this process is one of those workers, not the main process
    log_requests: bool = field(
        default_factory=lambda: os.environ.get("FOGBANK_LOG_REQUESTS", "1") not in ("", "0", "false")
    )
    # Managed resources (fogbank/managed/jobs.py): how long an API call waits for its engine work, so a
    # waiter's first poll sees the final status. FOGBANK_RDS_GRACE is the older name.
    grace: float = field(
        default_factory=lambda: float(os.environ.get("FOGBANK_GRACE") or os.environ.get("FOGBANK_RDS_GRACE") or "5")
    )
    # RDS's engines sized for a laptop (docs/rds.md): memory settings get 1/rds_memory_scale of what RDS
    # derives from the class, and max_connections at most rds_max_connections; manual snapshots per region.
    rds_memory_scale: int = field(default_factory=lambda: max(1, int(os.environ.get("FOGBANK_RDS_MEMORY_SCALE", "64"))))
    rds_max_connections: int = field(default_factory=lambda: int(os.environ.get("FOGBANK_RDS_MAX_CONNECTIONS", "1000")))
    rds_snapshot_quota: int = field(default_factory=lambda: int(os.environ.get("FOGBANK_RDS_SNAPSHOT_QUOTA", "100")))
    # RDS automated backups (services/rds/backups.py): how often, in seconds, the archive is brought up to date
    # (LatestRestorableTime), and how often a full copy is taken (0: daily, in the PreferredBackupWindow).
    rds_backup_interval: float = field(
        default_factory=lambda: float(os.environ.get("FOGBANK_RDS_BACKUP_INTERVAL") or "30")
    )
    rds_base_backup_interval: float = field(
        default_factory=lambda: float(os.environ.get("FOGBANK_RDS_BASE_BACKUP_INTERVAL") or "0")
    )
    # ElastiCache's automatic snapshots (services/elasticache/snapshots.py): how often, in seconds, the scheduler
    # looks for clusters whose SnapshotWindow has begun, and the manual snapshots allowed per region.
    elasticache_snapshot_interval: float = field(
        default_factory=lambda: float(os.environ.get("FOGBANK_ELASTICACHE_SNAPSHOT_INTERVAL") or "60")
    )
    elasticache_snapshot_quota: int = field(
        default_factory=lambda: int(os.environ.get("FOGBANK_ELASTICACHE_SNAPSHOT_QUOTA") or "100")
    )
    # DynamoDB Streams (services/dynamodb/streams.py): how long a shard stays open before it closes and a child
    # shard takes over (AWS: about four hours), how long records are kept (24 hours) and how long a shard
    # iterator lasts (15 minutes). Settings so that tests can roll shards and trim records in seconds.
    dynamodb_shard_seconds: float = field(
        default_factory=lambda: float(os.environ.get("FOGBANK_DYNAMODB_SHARD_SECONDS") or "14400")
    )
    dynamodb_stream_retention: float = field(
        default_factory=lambda: float(os.environ.get("FOGBANK_DYNAMODB_STREAM_RETENTION") or "86400")
    )
    dynamodb_iterator_seconds: float = field(
        default_factory=lambda: float(os.environ.get("FOGBANK_DYNAMODB_ITERATOR_SECONDS") or "900")
    )
    # Global tables (services/dynamodb/replication.py): how old a change is before it is replicated to the other
    # regions, to see cross-region lag (AWS: usually about a second); 0 replicates at once.
    dynamodb_replication_delay: float = field(
        default_factory=lambda: float(os.environ.get("FOGBANK_DYNAMODB_REPLICATION_DELAY") or "0")
    )
    # A console build to serve instead of the checkout's console/dist (docs/console.md).
    console_dir: Path | None = field(
        default_factory=lambda: (
            Path(os.environ["FOGBANK_CONSOLE_DIR"]) if os.environ.get("FOGBANK_CONSOLE_DIR") else None
        )
    )
    max_body_bytes: int = 16 * 1024 * 1024  # DynamoDB's documented request limit, the largest of ours
    # Browsers (gateway/security.py, docs/security.md): origins whose pages may call Fogbank ("*": any), and
    # host names it answers besides IP addresses, localhost and --host.
    cors_origins: tuple[str, ...] = field(
        default_factory=lambda: split_names(os.environ.get("FOGBANK_CORS_ORIGINS", ""))
    )
    allowed_hosts: tuple[str, ...] = field(
        default_factory=lambda: split_names(os.environ.get("FOGBANK_ALLOWED_HOSTS", ""))
    )
    # Listening on a non-loopback address serves the network without authentication: only when asked.
    allow_remote: bool = field(default_factory=lambda: _flag(os.environ.get("FOGBANK_ALLOW_REMOTE", "")))

    def listen_problem(self) -> str | None:
        """Why Fogbank must not listen where it was told to, or None."""
        from fogbank.core.addresses import is_loopback

        if self.allow_remote or is_loopback(self.host):
            return None
        return (
            f"Fogbank would serve {self.host} to the network, and it does not check credentials yet: anyone who can "
            "reach this machine could read and change every database. Pass --allow-remote (FOGBANK_ALLOW_REMOTE=1) "
            "if that is what you want."
        )

    def environment(self) -> dict[str, str]:
        """These settings as the FOGBANK_* variables that give them to a child process (a worker)."""
        return {
            "FOGBANK_HOST": self.host,
            "FOGBANK_PORT": str(self.port),
            "FOGBANK_DATA_DIR": str(self.data_dir),
            "FOGBANK_CACHE_DIR": str(self.cache_dir),
            "FOGBANK_EPHEMERAL": "1" if self.ephemeral else "0",
            "FOGBANK_ACCOUNT_ID": self.default_account,
            "FOGBANK_REGION": self.default_region,
            "FOGBANK_ENGINE_PORTS": f"{self.engine_ports[0]}-{self.engine_ports[1]}",
            "FOGBANK_WORKERS": str(self.workers),
            "FOGBANK_LOG_REQUESTS": "1" if self.log_requests else "0",
            "FOGBANK_CORS_ORIGINS": ",".join(self.cors_origins),
            "FOGBANK_ALLOWED_HOSTS": ",".join(self.allowed_hosts),
            "FOGBANK_ALLOW_REMOTE": "1" if self.allow_remote else "0",
            "FOGBANK_GRACE": str(self.grace),
            "FOGBANK_RDS_MEMORY_SCALE": str(self.rds_memory_scale),
            "FOGBANK_RDS_MAX_CONNECTIONS": str(self.rds_max_connections),
            "FOGBANK_RDS_SNAPSHOT_QUOTA": str(self.rds_snapshot_quota),
            "FOGBANK_RDS_BACKUP_INTERVAL": str(self.rds_backup_interval),
            "FOGBANK_RDS_BASE_BACKUP_INTERVAL": str(self.rds_base_backup_interval),
            "FOGBANK_ELASTICACHE_SNAPSHOT_INTERVAL": str(self.elasticache_snapshot_interval),
            "FOGBANK_ELASTICACHE_SNAPSHOT_QUOTA": str(self.elasticache_snapshot_quota),
            "FOGBANK_DYNAMODB_SHARD_SECONDS": str(self.dynamodb_shard_seconds),
            "FOGBANK_DYNAMODB_STREAM_RETENTION": str(self.dynamodb_stream_retention),
            "FOGBANK_DYNAMODB_ITERATOR_SECONDS": str(self.dynamodb_iterator_seconds),
            "FOGBANK_DYNAMODB_REPLICATION_DELAY": str(self.dynamodb_replication_delay),
            **({"FOGBANK_CONSOLE_DIR": str(self.console_dir)} if self.console_dir else {}),
        }


def endpoint_of(env: Mapping[str, str]) -> str:
    """The URL of the Fogbank that ``fogbank up`` would start with this environment (``fogbank aws``)."""
    host = env.get("FOGBANK_HOST") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{env.get('FOGBANK_PORT') or '4566'}"


def external_test_endpoint() -> str | None:
    """``FOGBANK_TEST_ENDPOINT``: an already running Fogbank that the pytest plugin's tests use instead of
    starting their own (fogbank/pytest_plugin.py)."""
    return os.environ.get("FOGBANK_TEST_ENDPOINT") or None


def _flag(text: str) -> bool:
    return text.strip().lower() not in ("", "0", "false", "no")


def split_names(text: str) -> tuple[str, ...]:
    """A list setting: comma- or space-separated."""
    return tuple(name for name in text.replace(",", " ").split() if name)


def _port_range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    return int(low), int(high or low)
