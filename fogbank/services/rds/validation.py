"""Input checks shared by CreateDBInstance, ModifyDBInstance and RestoreDBInstanceFromDBSnapshot,
worded as RDS words them."""

from __future__ import annotations

import re
from typing import Any

from fogbank.protocols.errors import AwsError
from fogbank.services.rds import classes
from fogbank.services.rds.engines import EngineVersion

STORAGE_TYPES = {
    "standard": (5, 3072),
    "gp2": (20, 65536),
    "gp3": (20, 65536),
    "io1": (100, 65536),
    "io2": (100, 65536),
}
PASSWORD_MAX = {"postgres": 128, "mysql": 41, "mariadb": 41}
USERNAME_MAX = {"postgres": 63, "mysql": 32, "mariadb": 32}
RESERVED_USERNAMES = {"rdsadmin", "rdsrepladmin", "rdsproxyadmin", "rds_superuser"}
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_DBNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_WINDOW = re.compile(r"^\d\d:\d\d-\d\d:\d\d$")
_MAINTENANCE = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun):\d\d:\d\d-(mon|tue|wed|thu|fri|sat|sun):\d\d:\d\d$")


def instance_class(name: str, version: EngineVersion, license_model: str) -> classes.InstanceClass:
    found = classes.lookup(name)
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


def master_username(engine: str, name: str | None) -> str:
    if not name:
        raise AwsError("InvalidParameterValue", "The parameter MasterUsername must be provided and must not be blank.")
    if name.lower() in RESERVED_USERNAMES:
        raise AwsError(
            "InvalidParameterValue", f"MasterUsername {name} cannot be used as it is a reserved word used by the engine"
        )
    limit = USERNAME_MAX[engine]
    if not _USERNAME.match(name) or len(name) > limit:
        raise AwsError(
            "InvalidParameterValue",
            f"The parameter MasterUsername is not a valid identifier: it must be 1 to {limit} ASCII letters, digits "
            "or underscores and begin with a letter.",
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
    limit = 63 if engine == "postgres" else 64
    if not _DBNAME.match(name) or len(name) > limit:
        raise AwsError(
            "InvalidParameterValue",
            f"The parameter DBName is not a valid identifier: it must be 1 to {limit} ASCII letters, digits or "
            "underscores and begin with a letter.",
        )
    return name


def port(value: int | None) -> int | None:
    if value is not None and not 1150 <= value <= 65535:
        raise AwsError("InvalidParameterValue", f"Invalid value {value} for Port. Valid values: 1150-65535.")
    return value


def backup_retention(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= 35:
        raise AwsError(
            "InvalidParameterValue", f"Invalid backup retention period: {value}. Valid values are between 0 and 35."
        )
    return value


def windows(params: dict[str, Any]) -> None:
    backup = params.get("PreferredBackupWindow")
    if backup is not None and not _WINDOW.match(backup):
        raise AwsError("InvalidParameterValue", f"The backup window {backup} is not valid: use hh24:mi-hh24:mi.")
    maintenance = params.get("PreferredMaintenanceWindow")
    if maintenance is not None and not _MAINTENANCE.match(maintenance.lower()):
        raise AwsError(
            "InvalidParameterValue",
            f"The maintenance window {maintenance} is not valid: use ddd:hh24:mi-ddd:hh24:mi.",
        )


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
    if params.get("MultiAZ"):
        raise AwsError("InvalidParameterCombination", "Multi-AZ DB instances are not supported by Fogbank yet.")
    if params.get("ManageMasterUserPassword"):
        raise AwsError(
            "InvalidParameterCombination",
            "ManageMasterUserPassword needs Secrets Manager, which Fogbank does not have: set MasterUserPassword.",
        )
