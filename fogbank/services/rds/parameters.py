"""The engine's real parameters (for DescribeDBParameters) and how a group becomes settings.

The catalogue of an engine version is read from a real server once — ``pg_settings`` for
PostgreSQL, ``information_schema.SYSTEM_VARIABLES`` for MariaDB — by starting a throwaway
instance, and cached on disk beside the templates. RDS's ``ApplyType`` is the server's own
notion: PostgreSQL ``postmaster`` context / MariaDB read-only variables are ``static``.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import psycopg
import pymysql

from fogbank.engines.driver import provision
from fogbank.engines.interface import InstanceSpec
from fogbank.protocols.errors import AwsError
from fogbank.services.rds.classes import InstanceClass, derived_settings
from fogbank.services.rds.engines import Engines, EngineVersion
from fogbank.state import read_json, write_json

log = logging.getLogger(__name__)
CATALOG_REVISION = 1

# Settings Fogbank itself controls (where the server listens, keeps its files, ...).
NOT_MODIFIABLE = {
    "port", "listen_addresses", "unix_socket_directories", "unix_socket_group", "unix_socket_permissions",
    "data_directory", "config_file", "hba_file", "ident_file", "external_pid_file", "shared_preload_libraries",
    "ssl", "ssl_cert_file", "ssl_key_file", "ssl_ca_file", "ssl_crl_file", "ssl_crl_dir", "archive_command",
    "archive_library", "restore_command", "log_directory", "log_filename", "logging_collector", "dynamic_library_path",
    "local_preload_libraries", "session_preload_libraries", "jit_provider",
    "bind_address", "socket", "datadir", "basedir", "pid_file", "log_error", "plugin_dir", "tmpdir", "skip_networking",
    "secure_file_priv", "general_log_file", "slow_query_log_file", "innodb_data_home_dir", "innodb_log_group_home_dir",
    "lc_messages_dir", "character_sets_dir", "init_file", "plugin_maturity", "skip_grant_tables", "log_bin_basename",
    "log_bin_index", "relay_log_basename", "relay_log_index", "innodb_undo_directory", "innodb_tmpdir", "user",
}  # fmt: skip

# RDS's formulas for the class-derived parameters, shown as their values in default groups.
FORMULAS = {
    "postgres": {
        "max_connections": "LEAST({DBInstanceClassMemory/9531392},5000)",
        "shared_buffers": "{DBInstanceClassMemory/32768}",
        "effective_cache_size": "{DBInstanceClassMemory/16384}",
        "maintenance_work_mem": "GREATEST({DBInstanceClassMemory*1024/63963136},65536)",
    },
    "mysql": {
        "max_connections": "{DBInstanceClassMemory/12582880}",
        "innodb_buffer_pool_size": "{DBInstanceClassMemory*3/4}",
    },
}

_PG_TYPES = {"bool": "boolean", "integer": "integer", "real": "float", "string": "string", "enum": "string"}
_MY_TYPES = {"BOOLEAN": "boolean", "DOUBLE": "float", "SET": "list", "FLAGSET": "list", "ENUM": "string"}


class Catalogs:
    """Parameter catalogues per engine version, built once and cached on disk."""

    def __init__(self, engines: Engines, cache_dir: Path, scratch_dir: Path) -> None:
        self.engines = engines
        self.cache_dir = cache_dir
        self.scratch_dir = scratch_dir
        self._memory: dict[str, dict[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, version: EngineVersion) -> dict[str, dict[str, Any]]:
        """name -> {DataType, ApplyType, Description, AllowedValues, IsModifiable, Default}."""
        key = f"{version.binary.flavor}-{version.binary.version}-{version.binary.source}-r{CATALOG_REVISION}"
        with self._lock:
            if key in self._memory:
                return self._memory[key]
            path = self.cache_dir / f"{key}.json"
            catalog = read_json(path)
            if catalog is None:
                catalog = self._build(version)
                write_json(path, catalog)
            self._memory[key] = catalog
            return catalog

    def _build(self, version: EngineVersion) -> dict[str, dict[str, Any]]:
        """Start a throwaway instance of the version and read its parameters."""
        driver = self.engines.driver(version)
        self.scratch_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="catalog-", dir=self.scratch_dir))
        work.chmod(0o755)
        name = f"rds-catalog/{work.name}"
        password = secrets.token_hex(12)
        port = self.engines.supervisor.allocate_port()
        try:
            provision(driver, InstanceSpec(name, work / "data", port, settings={}), "fogbank_catalog", password, None)
            if version.flavor == "postgres":
                return _postgres_catalog(port, password)
            return _mysql_catalog(port, password)
        finally:
            try:
                driver.stop(name)
            finally:
                self.engines.supervisor.release_port(port)
                shutil.rmtree(work, ignore_errors=True)


def _postgres_catalog(port: int, password: str) -> dict[str, dict[str, Any]]:
    with psycopg.connect(
        host="127.0.0.1", port=port, user="fogbank_catalog", password=password, dbname="postgres", autocommit=True
    ) as conn:
        rows = conn.execute(
            "SELECT name, vartype, context, short_desc, min_val, max_val, enumvals, boot_val FROM pg_settings"
        ).fetchall()
    out = {}
    for name, vartype, context, desc, low, high, enumvals, boot in rows:
        allowed = None
        if vartype == "bool":
            allowed = "0,1"
        elif vartype in ("integer", "real") and low is not None:
            allowed = f"{low}-{high}"
        elif vartype == "enum" and enumvals:
            allowed = ",".join(enumvals)
        out[name] = {
            "DataType": _PG_TYPES.get(vartype, "string"),
            "ApplyType": "static" if context == "postmaster" else "dynamic",
            "Description": desc or name,
            "AllowedValues": allowed,
            "IsModifiable": context != "internal" and name not in NOT_MODIFIABLE,
            "Default": boot,
        }
    return out


def _mysql_catalog(port: int, password: str) -> dict[str, dict[str, Any]]:
    conn = pymysql.connect(host="127.0.0.1", port=port, user="fogbank_catalog", password=password)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT LOWER(VARIABLE_NAME), VARIABLE_TYPE, VARIABLE_COMMENT, NUMERIC_MIN_VALUE, NUMERIC_MAX_VALUE,"
                " ENUM_VALUE_LIST, READ_ONLY, DEFAULT_VALUE, VARIABLE_SCOPE FROM information_schema.SYSTEM_VARIABLES"
            )
            rows = cursor.fetchall()
    finally:
        conn.close()
    out = {}
    for name, vartype, desc, low, high, enums, read_only, default, scope in rows:
        vartype = (vartype or "").upper()
        kind = _MY_TYPES.get(vartype, "integer" if ("INT" in vartype) else "string")
        allowed = None
        if kind == "boolean":
            allowed = "0,1"
        elif kind in ("integer", "float") and low is not None:
            allowed = f"{low}-{high}"
        elif enums:
            allowed = enums
        out[name] = {
            "DataType": kind,
            "ApplyType": "static" if read_only == "YES" else "dynamic",
            "Description": desc or name,
            "AllowedValues": allowed,
            "IsModifiable": name not in NOT_MODIFIABLE and scope != "SESSION ONLY",
            "Default": default,
        }
    return out


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def check_value(name: str, value: str, entry: dict[str, Any]) -> str:
    """The value as the engine should get it, or InvalidParameterValue as RDS words it."""
    allowed = entry.get("AllowedValues")
    kind = entry["DataType"]

    def bad() -> AwsError:
        suffix = f" allowed values are: {allowed}" if allowed else ""
        return AwsError("InvalidParameterValue", f"Invalid parameter value: {value} for: {name}{suffix}")

    if kind == "boolean":
        lowered = value.strip().lower()
        if lowered in ("1", "on", "true", "yes"):
            return "1" if allowed == "0,1" else "ON"
        if lowered in ("0", "off", "false", "no"):
            return "0" if allowed == "0,1" else "OFF"
        raise bad()
    if kind in ("integer", "float"):
        number = _as_number(value)
        if number is None or (kind == "integer" and not number.is_integer()):
            raise bad()
        if allowed and "-" in allowed[1:]:
            low, _, high = allowed[1:].partition("-")
            low = allowed[0] + low
            if _as_number(low) is not None and _as_number(high) is not None:
                if not float(low) <= number <= float(high):
                    raise bad()
        return value.strip()
    if kind == "string" and allowed and entry.get("ApplyType") and "," in allowed:
        choices = {choice.strip().lower(): choice.strip() for choice in allowed.split(",")}
        if value.strip().lower() not in choices:
            raise bad()
    return value


def engine_settings(flavor: str, instance_class: InstanceClass, group_values: dict[str, str]) -> dict[str, str]:
    """What the engine runs with: RDS's class-derived values, then the group's own values.
    Postgres booleans are stored as 0/1 in groups (as on RDS) and handed over as on/off."""
    settings = derived_settings(flavor, instance_class)
    for name, value in group_values.items():
        settings[name] = value
    return settings
