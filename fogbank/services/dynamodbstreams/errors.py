"""DynamoDB Streams' errors, declared once, in AWS's wording where it is known (recorded in clients' reports of
AWS's answers: "Requested resource not found: Stream: <arn> not found", "Requested resource not found: Shard does
not exist", "Invalid ShardId in ShardIterator", "The data you are trying to access has been trimmed.")."""

from __future__ import annotations

import datetime as dt

from fogbank.protocols.errors import AwsError, validation_error


def stream_not_found(arn: str) -> AwsError:
    return AwsError("ResourceNotFoundException", f"Requested resource not found: Stream: {arn} not found")


def shard_not_found() -> AwsError:
    return AwsError("ResourceNotFoundException", "Requested resource not found: Shard does not exist")


def iterator_shard_gone() -> AwsError:
    return AwsError("ResourceNotFoundException", "Invalid ShardId in ShardIterator")


def trimmed() -> AwsError:
    return AwsError("TrimmedDataAccessException", "The data you are trying to access has been trimmed.")


def expired(issued: float, now: float, lifetime: float) -> AwsError:
    # Kinesis's wording (DynamoDB Streams' iterators are Kinesis-style); not recorded from DynamoDB Streams.
    return AwsError(
        "ExpiredIteratorException",
        f"Iterator expired. The iterator was created at time {_java_time(issued)} while right now it is "
        f"{_java_time(now)} which is further in the future than the tolerated delay of {int(lifetime * 1000)} "
        "milliseconds.",
    )


def invalid_iterator() -> AwsError:
    return validation_error("Invalid ShardIterator")


def invalid_sequence_number(text: str, shard_id: str) -> AwsError:
    return validation_error(f"Invalid SequenceNumber {text} for shard {shard_id}")


def missing_sequence_number(kind: str) -> AwsError:
    return validation_error(f"Must specify a sequence number for ShardIteratorType {kind}")


def unexpected_sequence_number(kind: str) -> AwsError:
    return validation_error(f"Sequence number must not be specified for ShardIteratorType {kind}")


def missing_timestamp() -> AwsError:
    return validation_error("Must specify a timestamp for ShardIteratorType AT_TIMESTAMP")


def limit_too_large(value: int, high: int) -> AwsError:
    return validation_error(
        f"1 validation error detected: Value '{value}' at 'limit' failed to satisfy constraint: "
        f"Member must have value less than or equal to {high}"
    )


def _java_time(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
