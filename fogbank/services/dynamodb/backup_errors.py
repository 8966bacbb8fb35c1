"""The errors of backups and point-in-time recovery, each declared once, worded as AWS answers them.

The wording was recorded from AWS (us-east-1, 2026) where a message is known; the few marked "ours" are
Fogbank's, for answers whose text is not known.
"""

from __future__ import annotations

import datetime as dt

from fogbank.protocols.errors import AwsError, validation_error


def aws_time(moment: float) -> str:
    """A time as AWS writes it inside messages: ``2026-10-06T23:16:32Z``."""
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def table_not_found(name: str) -> AwsError:
    return AwsError("TableNotFoundException", f"Table not found: {name}")


def backup_not_found(arn: str) -> AwsError:
    return AwsError("BackupNotFoundException", f"Backup not found: {arn}")


def invalid_backup_arn() -> AwsError:
    return validation_error("Invalid Backup ARN")


def access_denied() -> AwsError:
    return AwsError("AccessDeniedException", "Access is denied")


def backup_restoring_another(arn: str) -> AwsError:
    return AwsError("BackupInUseException", f"Backup is being used to restore another table: {arn}")


def backup_restoring(arn: str) -> AwsError:
    return AwsError("BackupInUseException", f"Backup is being used to restore table: {arn}")


def backup_being_created(arn: str) -> AwsError:  # ours
    return AwsError("BackupInUseException", f"Backup is being created: {arn}")


def system_backup_kept(arn: str, expires: float) -> AwsError:
    return validation_error(
        f"User is not allowed to delete the system backup with arn {arn}. It will automatically expire on "
        f"{aws_time(expires)}"
    )


def table_exists(name: str) -> AwsError:
    return AwsError("TableAlreadyExistsException", f"Table already exists: {name}")


def table_being_restored(name: str, source: str) -> AwsError:
    return AwsError("TableInUseException", f"Table: {name} is already being restored from backup: {source}")


def pitr_unavailable(name: str) -> AwsError:
    return AwsError(
        "PointInTimeRecoveryUnavailableException", f"Point in time recovery is not enabled for table '{name}'"
    )


def invalid_restore_time(moment: float, earliest: float, latest: float) -> AwsError:
    return AwsError(
        "InvalidRestoreTimeException",
        f"RestoreDateTime '{aws_time(moment)}' must be within EarliestRestorableDateTime '{aws_time(earliest)}' "
        f"and LatestRestorableDateTime '{aws_time(latest)}'",
    )


def backups_unavailable(name: str) -> AwsError:
    return AwsError(
        "ContinuousBackupsUnavailableException", f"Backups are being enabled for the table: {name}. Please retry later"
    )


BOTH_TIMES = (
    "Invalid Request: Both RestoreDateTime and UseLatestRestorableTime cannot be set for point-in-time restore "
    "request. Please specify only one of them."
)
NO_TIME = "Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both"
BOTH_SOURCES = "Must provide exactly one of: sourceTableArn, sourceTableName"
NO_SOURCE = "The parameter 'TableName' is required"
BAD_SOURCE_ARN = "sourceTableArn is not a valid ARN"
TIME_RANGE = "Time range lower bound must be less than or equal to upper bound"
THROUGHPUT_NOT_PROVISIONED = "Cannot override ProvisionedThroughput unless BillingMode is PROVISIONED"
PROVISIONED_NEEDS_THROUGHPUT = "Must override ProvisionedThroughput if BillingMode is overridden to PROVISIONED"
ON_DEMAND_NOT_PAY_PER_REQUEST = "Cannot override OnDemandThroughput unless BillingMode is PAY_PER_REQUEST"  # ours
ON_DEMAND_RANGE = "Requested {unit} for OnDemandThroughput is outside of valid range"
PERIOD_WHEN_DISABLED = "RecoveryPeriodInDays cannot be set when PointInTimeRecoveryEnabled is false"  # ours


def index_not_in_source(name: str) -> AwsError:
    return validation_error(
        f"Index {name} does not match a secondary index that existed in the source table and cannot be created "
        "during the restore operation"
    )
