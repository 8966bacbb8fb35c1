"""The ``smithy-rpc-v2-cbor`` protocol (CloudWatch): POST /service/{Service}/operation/{Op}."""

from __future__ import annotations

import datetime as dt
from typing import Any

import cbor2
from botocore.model import OperationModel

from fogbank.core.http import HttpRequest, HttpResponse
from fogbank.protocols.base import Protocol, decode_document, serialization_error
from fogbank.protocols.errors import AwsError

CONTENT_TYPE = "application/cbor"


class CborProtocol(Protocol):
    name = "smithy-rpc-v2-cbor"
    params_in_body = True

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.prefix = f"/service/{self.model.metadata.get('targetPrefix')}/operation/"
        self.error_namespace = f"com.amazonaws.{self.model.endpoint_prefix}#"
        self.query_compatible = "awsQueryCompatible" in self.model.metadata

    def operation_name(self, request: HttpRequest) -> str | None:
        if request.method != "POST" or not request.path.startswith(self.prefix):
            return None
        name = request.path[len(self.prefix) :]
        return name if name in self.model.operation_names else None

    def unknown_operation(self, request: HttpRequest) -> AwsError:
        return AwsError("UnknownOperationException", f"No operation matches {request.path}", 404)

    def parse(self, request: HttpRequest, operation: OperationModel) -> dict[str, Any]:
        if not request.body:
            return {}
        try:
            document = cbor2.loads(request.body)
        except Exception:  # cbor2 raises several types for truncated or invalid input
            raise serialization_error("Request body is not valid CBOR") from None
        if not isinstance(document, dict):
            raise serialization_error("Request body must be a CBOR map")
        return decode_document(operation.input_shape, document, blobs_are_base64=False) or {}

    def _response(self, status: int, document: dict[str, Any], request_id: str) -> HttpResponse:
        body = cbor2.dumps(document, datetime_as_timestamp=True, timezone=dt.UTC)
        headers = {"content-type": CONTENT_TYPE, "smithy-protocol": "rpc-v2-cbor", "x-amzn-requestid": request_id}
        return HttpResponse(status, body, headers)

    def serialize(self, operation: OperationModel, result: dict[str, Any] | None, request_id: str) -> HttpResponse:
        return self._response(200, result or {}, request_id)

    def serialize_error(self, error: AwsError, request_id: str) -> HttpResponse:
        shape, code, status = self.resolve_error(error)
        response = self._response(
            status, {"__type": self.error_namespace + shape, "message": error.message, **error.fields}, request_id
        )
        if self.query_compatible:
            response.headers["x-amzn-query-error"] = f"{code};{'Sender' if error.sender_fault else 'Receiver'}"
        return response
