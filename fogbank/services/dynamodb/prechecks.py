"""Model constraints DynamoDB words in sentences of its own, checked before the model's generic wording.

Recorded from AWS (us-east-1 and other regions, 2026): these answers are not the validator's
"1 validation error detected: Value ... failed to satisfy constraint" of the same constraint.
"""

from __future__ import annotations

from typing import Any

from fogbank.protocols import spec
from fogbank.protocols.errors import validation_error
from fogbank.protocols.validate import register_precheck
from fogbank.services.dynamodb.ops.tables import check_table_name

MAX_GET_KEYS = 100


def _create_table(params: dict[str, Any]) -> None:
    name = params.get("TableName")
    if name is None:
        raise validation_error("The parameter 'TableName' is required but was not present in the request")
    if type(name) is str:
        # The model lets a TableName be an ARN; a new table's name is checked first, before its key schema.
        check_table_name(name)


def _batch_write_item(params: dict[str, Any]) -> None:
    if not params.get("RequestItems"):
        raise validation_error("The requestItems parameter is required for BatchWriteItem")


def _batch_get_item(params: dict[str, Any]) -> None:
    requests = params.get("RequestItems")
    if type(requests) is not dict:
        return
    for name, request in requests.items():
        keys = request.get("Keys") if type(request) is dict else None
        if type(keys) is list and len(keys) > MAX_GET_KEYS:
            # The newer validator's wording, which names the member as the API does and echoes no value.
            raise validation_error(
                f"1 validation error detected: Value at 'RequestItems.{name}.member.Keys' failed to satisfy "
                f"constraint: Member must have length less than or equal to {MAX_GET_KEYS}"
            )


def _query(params: dict[str, Any]) -> None:
    limit = params.get("Limit")
    if type(limit) is int and limit < 1:
        # Query's (not Scan's) words it as the newer validator does: the member capitalised, no value echoed.
        raise validation_error(
            "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value "
            "greater than or equal to 1"
        )


def register() -> None:
    model = spec.service_model("dynamodb")
    for operation, check in (
        ("CreateTable", _create_table),
        ("BatchWriteItem", _batch_write_item),
        ("BatchGetItem", _batch_get_item),
        ("Query", _query),
    ):
        register_precheck(model, model.operation_model(operation).input_shape.name, check)
