"""Input checks shared by CreateDBInstance, ModifyDBInstance and RestoreDBInstanceFromDBSnapshot,
worded as RDS words them."""

from __future__ import annotations

import re
from typing import Any

from fogbank.protocols.errors import AwsError
from fogbank.services.rds import classes, serverless
from fogbank.services.rds.engines import EngineVersion, is_aurora

STORAGE_TYPES = {
    "standard": (5, 3072),
    "gp2": (20, 65536),
    "gp3": (20, 65536),
    "io1": (100, 65536),
    "io2": (100, 65536),
}
PASSWORD_MAX = {"postgres": 128, "mysql": 41, "mariadb": 41, "aurora-postgresql": 128, "aurora-mysql": 41}
# What live RDS accepts (the API reference's "1 to 16" is the smallest of them).
USERNAME_MAX = {"postgres": 63, "mysql": 32, "mariadb": 16, "aurora-postgresql": 63, "aurora-mysql": 32}
RESERVED_USERNAMES = {"rdsadmin", "rdsrepladmin", "rdsproxyadmin", "rds_superuser"}
# PostgreSQL on RDS also refuses "admin" ("reserved word used by the engine"); MySQL allows it.
ENGINE_RESERVED_USERNAMES = {
    "postgres": {"admin"}, "mysql": set(), "mariadb": set(), "aurora-postgresql": {"admin"}, "aurora-mysql": set()
}  # fmt: skip
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_DBNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_WINDOW = re.compile(r"^\d\d:\d\d-\d\d:\d\d$")


def instance_class(name: str, version: EngineVersion, license_model: str) -> classes.InstanceClass:
    found = classes.lookup(name)
    if name == serverless.INSTANCE_CLASS and is_aurora(version.engine):  # Aurora Serverless v2, in a cluster
        return serverless.instance_class(None)
    if found is None:
        raise AwsError(
            "InvalidParameterCombination",
            f"RDS does not support creating a DB instance with the following combination: DBInstanceClass={name}, "
            f"Engine={version.engine}, EngineVersion={version.version}, LicenseModel={license_model}. "
            "For supported combinations of instance class and database engine version, see the documentation.",
        )
    return found


def storage(engine: str, storage_type: str, size: int) -> None:
    if storage_type not in STORAGE_TYPES:
        raise AwsError("InvalidParameterValue", f"Invalid storage type: {storage_type}")
    low, high = STORAGE_TYPES[storage_type]
    if not low <= size <= high:
        raise AwsError(
            "InvalidParameterCombination",
            f"Invalid storage size for engine name {engine} and storage type {storage_type}: {size}",
        )


def max_allocated_storage(allocated: int, maximum: int | None) -> None:
    """Storage autoscaling's ceiling must lie above the allocated size."""
    if maximum is not None and maximum <= allocated:
        raise AwsError("InvalidParameterCombination", "Max storage size must be greater than storage size.")


def storage_performance(storage_type: str, size: int, iops: int | None, throughput: int | None) -> dict[str, int]:
    """Iops / StorageThroughput an instance shows: gp3 has a baseline (3,000 IOPS and 125 MiB/s
    below 400 GiB, 12,000 and 500 from there), io1/io2 need Iops, gp2 and magnetic take none."""
    if storage_type in ("io1", "io2"):
        if iops is None:
            raise AwsError(
                "InvalidParameterCombination", f"Invalid combination: StorageType {storage_type} requires Iops."
            )
        if not 1000 <= iops <= 256000:
            raise AwsError("InvalidParameterValue", f"Invalid Iops value {iops}: it must be between 1,000 and 256,000.")
        ratio = 50 if storage_type == "io1" else 1000  # IOPS per GiB of allocated storage
        if not size / 2 <= iops <= size * ratio:
            raise AwsError(
                "InvalidParameterCombination",
                f"The IOPS to GiB ratio must be between 0.5 and {ratio} for {storage_type}: {iops} IOPS for {size} GiB.",
            )
        return {"Iops": iops}
    if storage_type == "gp3":
        if size < 400 and (iops is not None or throughput is not None):
            raise AwsError(
                "InvalidParameterCombination",
                "You can't specify IOPS or storage throughput for engine and a storage size less than 400.",
            )
        if size < 400:
            return {"Iops": 3000, "StorageThroughput": 125}
        return {"Iops": iops or 12000, "StorageThroughput": throughput or 500}
    if iops is not None:
        raise AwsError(
            "InvalidParameterCombination",
            f"Invalid storage type for DB instance: Iops is not supported by {storage_type}.",
        )
    return {}


def master_username(engine: str, name: str | None) -> str:
    if not name:
        raise AwsError("InvalidParameterValue", "The parameter MasterUsername must be provided and must not be blank.")
    if name.lower() in RESERVED_USERNAMES | ENGINE_RESERVED_USERNAMES[engine]:
        raise AwsError(
            "InvalidParameterValue", f"MasterUsername {name} cannot be used as it is a reserved word used by the engine"
        )
    limit = USERNAME_MAX[engine]
    if not _USERNAME.match(name) or len(name) > limit:
        raise AwsError(
            "InvalidParameterValue",
            "MasterUsername must begin with a letter and contain only alphanumeric characters or underscores"
            + (f" (at most {limit} for {engine})." if len(name) > limit else "."),
        )
    return name


def master_password(engine: str, password: str | None) -> str:
    if not password:
        raise AwsError(
            "InvalidParameterValue", "The parameter MasterUserPassword must be provided and must not be blank."
        )
    if len(password) < 8:
        raise AwsError(
            "InvalidParameterValue",
            "The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.",
        )
    limit = PASSWORD_MAX[engine]
    if len(password) > limit:
        raise AwsError(
            "InvalidParameterValue",
            f"The parameter MasterUserPassword is not a valid password because it is longer than {limit} characters.",
        )
    if any(not (32 < ord(c) < 127) or c in '/@"' for c in password):
        raise AwsError(
            "InvalidParameterValue",
            "The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides "
            "'/', '@', '\"', ' ' may be used.",
        )
    return password


def db_name(engine: str, name: str | None) -> str | None:
    if name is None:
        return None
    limit = 63 if engine in ("postgres", "aurora-postgresql") else 64
    if not _DBNAME.match(name) or len(name) > limit:
        raise AwsError(
            "InvalidParameterValue",
            "DBName must begin with a letter and contain only alphanumeric characters"
            + (f" (at most {limit} for {engine})." if len(name) > limit else "."),
        )
    return name


def port(value: int | None, reserved: int | None = None) -> int | None:
    """RDS's port range for PostgreSQL, MySQL and MariaDB; ``reserved`` (Fogbank's own endpoint,
    which every client of this machine's RDS uses) is refused as RDS refuses its reserved ports."""
    if value is not None and not 1150 <= value <= 65535:
        raise AwsError("InvalidParameterValue", f"Invalid value {value} for Port. Valid values: 1150-65535.")
    if value is not None and value == reserved:
        raise AwsError(
            "InvalidParameterValue",
            f"Invalid value {value} for Port. Port {value} is reserved: it is the endpoint of the RDS API here.",
        )
    return value


def backup_retention(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= 35:
        raise AwsError(
            "InvalidParameterValue", f"Invalid backup retention period: {value}. Valid values are between 0 and 35."
        )
    return value


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = 7 * 1440
DEFAULT_BACKUP_WINDOWS = ("03:00-03:30", "09:00-09:30", "15:00-15:30", "21:00-21:30")
DEFAULT_MAINTENANCE_WINDOWS = ("sun:05:00-sun:05:30", "sun:11:00-sun:11:30", "sat:17:00-sat:17:30")


def _backup_span(window: str) -> tuple[int, int]:
    """(start minute of the day, length in minutes); the window may run past midnight."""
    match = _WINDOW.match(window)
    hours = [int(x) for x in re.findall(r"\d\d", window)] if match else []
    if not match or hours[0] > 23 or hours[2] > 23 or hours[1] > 59 or hours[3] > 59:
        raise AwsError(
            "InvalidParameterValue",
            f"Invalid backup window format: {window}. Should be specified as a range hh24:mi-hh24:mi "
            "(24H Clock UTC). Example: 23:45-00:15",
        )
    start, end = hours[0] * 60 + hours[1], hours[2] * 60 + hours[3]
    length = (end - start) % 1440
    if length < 30:
        raise AwsError("InvalidParameterValue", "The backup window must be at least 30 minutes.")
    return start, length


def _maintenance_span(window: str) -> tuple[int, int]:
    """(start minute of the week, length in minutes)."""
    if len(window) != 19 or not re.fullmatch(r"[a-z]{3}:\d\d:\d\d-[a-z]{3}:\d\d:\d\d", window.lower()):
        raise AwsError(
            "InvalidParameterValue",
            f"Invalid maintenance window format: {window}. Should be specified as a range ddd:hh24:mi-ddd:hh24:mi "
            "(24H Clock UTC). Example: Sun:23:45-Mon:00:15",
        )
    points = []
    for part in window.lower().split("-"):
        day, hour, minute = part[:3], int(part[4:6]), int(part[7:9])
        if day not in _DAYS or hour > 23 or minute > 59:
            raise AwsError("InvalidParameterValue", f"Invalid day:hour:minute value: {window}")
        points.append(_DAYS.index(day) * 1440 + hour * 60 + minute)
    length = (points[1] - points[0]) % _WEEK
    if length < 30:
        raise AwsError("InvalidParameterValue", "The maintenance window must be at least 30 minutes.")
    if length > 1440:
        raise AwsError("InvalidParameterValue", "Maintenance window must be less than 24 hours.")
    return points[0], length


def _overlap(backup: str, maintenance: str) -> bool:
    """Whether the daily backup window meets the weekly maintenance window on any day."""
    b_start, b_len = _backup_span(backup)
    m_start, m_len = _maintenance_span(maintenance)
    for day in range(-1, 8):
        start = day * 1440 + b_start
        if start < m_start + m_len and m_start < start + b_len:
            return True
    return False


def windows(params: dict[str, Any], current: dict[str, Any] | None = None) -> tuple[str, str]:
    """Check PreferredBackupWindow / PreferredMaintenanceWindow and return the pair to keep.
    ``current`` holds the instance's windows (ModifyDBInstance); on creation a window not given
    is chosen so that it does not overlap the one given, as RDS does."""
    backup = params.get("PreferredBackupWindow")
    maintenance = params.get("PreferredMaintenanceWindow")
    if backup is not None:
        _backup_span(backup)
    if maintenance is not None:
        _maintenance_span(maintenance)
        maintenance = maintenance.lower()
    if current is not None:
        backup = backup or current["PreferredBackupWindow"]
        maintenance = maintenance or current["PreferredMaintenanceWindow"]
    elif backup is None:
        backup = next(
            w for w in DEFAULT_BACKUP_WINDOWS if not _overlap(w, maintenance or DEFAULT_MAINTENANCE_WINDOWS[0])
        )
    if maintenance is None:
        maintenance = next(w for w in DEFAULT_MAINTENANCE_WINDOWS if not _overlap(backup, w))
    if _overlap(backup, maintenance):
        raise AwsError("InvalidParameterValue", "The backup window and maintenance window must not overlap.")
    return backup, maintenance


def availability_zone(region: str, zone: str | None) -> str:
    if zone is None:
        return f"{region}a"
    if not re.fullmatch(re.escape(region) + r"[a-f]", zone):
        raise AwsError("InvalidParameterValue", f"Cannot find the availability zone {zone} in region {region}.")
    return zone


def unsupported(params: dict[str, Any]) -> None:
    """Features of later issues: said plainly rather than pretended."""
    if params.get("DBClusterIdentifier"):
        raise AwsError(
            "InvalidParameterCombination", "DB clusters are not supported by Fogbank yet (DBClusterIdentifier)."
        )
