"""AWS errors, raised by name from handlers and serialized by the protocol layer.

A handler raises ``AwsError("ResourceNotFoundException", "Requested resource not found")``.
When the error is modelled in the service's botocore model, the wire code and HTTP status come
from the model (``error.code`` / ``error.httpStatusCode``), so each error is declared once: by AWS.
"""

from __future__ import annotations

from typing import Any


class AwsError(Exception):
    """An error answered to the client in the protocol's own envelope.

    ``code`` is the modelled shape name or wire code (``DBInstanceNotFoundFault`` or
    ``DBInstanceNotFound``); ``status`` overrides the HTTP status (default: from the model, else
    400); ``fields`` are extra members of the error shape (e.g. ``CancellationReasons``).
    """

    def __init__(
        self,
        code: str,
        message: str = "",
        status: int | None = None,
        sender_fault: bool = True,
        **fields: Any,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault
        self.fields = fields


def validation_error(message: str) -> AwsError:
    """The json protocol's input-validation error (DynamoDB, KMS, ...)."""
    return AwsError("ValidationException", message, 400)


class NotImplementedOperation(AwsError):
    """An operation that exists in the model but that Fogbank does not implement (yet)."""

    def __init__(self, service: str, operation: str) -> None:
        super().__init__(
            "NotImplemented",
            f"The operation {operation} of service {service} is not implemented by Fogbank yet.",
            501,
            sender_fault=False,
        )


class InternalFailure(AwsError):
    def __init__(self, message: str = "An internal error occurred.") -> None:
        super().__init__("InternalFailure", message, 500, sender_fault=False)
