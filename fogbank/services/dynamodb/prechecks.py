"""Model constraints DynamoDB words in sentences of its own, checked before the model's generic wording.

Recorded from AWS (us-east-1 and other regions, 2026): these answers are not the validator's
"1 validation error detected: Value ... failed to satisfy constraint" of the same constraint, or they come
from the newer validator AWS has rolled out for some parameters, which stops at the first broken one.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from fogbank.protocols import spec
from fogbank.protocols.errors import validation_error
from fogbank.protocols.validate import register_precheck
from fogbank.services.dynamodb.ops.tables import check_table_name

MAX_GET_KEYS = 100
_TABLE_NAME = re.compile(r"[a-zA-Z0-9_.-]{3,255}")


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


def _batch_get_item(params: dict[str, Any]) -> list[str] | None:
    requests = params.get("RequestItems")
    if type(requests) is not dict:
        return None
    problems = []
    if any(not name.startswith("arn:") and not _TABLE_NAME.fullmatch(name) for name in requests):
        # The table names are the map's keys: AWS echoes the whole map as JSON and lists the key constraints.
        shown = json.dumps(requests, separators=(",", ":"), ensure_ascii=False, default=_json_bytes)
        problems.append(
            f"Value '{shown}' at 'requestItems' failed to satisfy constraint: Map keys must satisfy constraint: "
            "[Member must have length less than or equal to 255, Member must have length greater than or equal "
            "to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]"
        )
    for name, request in requests.items():
        keys = request.get("Keys") if type(request) is dict else None
        if type(keys) is list and len(keys) > MAX_GET_KEYS:
            # The newer validator's wording, which names the member as the API does and echoes no value.
            raise validation_error(
                f"1 validation error detected: Value at 'RequestItems.{name}.member.Keys' failed to satisfy "
                f"constraint: Member must have length less than or equal to {MAX_GET_KEYS}"
            )
    return problems


def _json_bytes(value: Any) -> str:
    return base64.b64encode(value).decode() if isinstance(value, (bytes, bytearray)) else str(value)


def _query(params: dict[str, Any]) -> None:
    limit = params.get("Limit")
    if type(limit) is int and limit < 1:
        # Query's (not Scan's) words it as the newer validator does: the member capitalised, no value echoed.
        raise validation_error(
            "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value "
            "greater than or equal to 1"
        )


RETURN_VALUES = frozenset(("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"))


def _empty_table_name(params: dict[str, Any]) -> None:
    # The newer validator, answered in us-east-1 since 2026-10: it stops at an empty name and reports nothing else.
    if params.get("TableName") == "":
        raise validation_error(
            "1 validation error detected: Value at 'TableName' failed to satisfy constraint: Member must have "
            "length greater than or equal to 1"
        )


def _update_item(params: dict[str, Any]) -> None:
    _empty_table_name(params)
    return_values = params.get("ReturnValues")
    if type(return_values) is str and return_values not in RETURN_VALUES:
        # It stops at the first broken enum and names neither the member nor the value; the list (with its
        # UPDATE_NEW) is AWS's own.
        raise validation_error(
            "1 validation error detected: Failed to satisfy constraint: Member must satisfy enum value set: "
            "[ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATE_NEW, NONE]"
        )


def register() -> None:
    model = spec.service_model("dynamodb")
    for operation, check in (
        ("CreateTable", _create_table),
        ("BatchWriteItem", _batch_write_item),
        ("BatchGetItem", _batch_get_item),
        ("Query", _query),
        ("PutItem", _empty_table_name),
        ("DeleteItem", _empty_table_name),
        ("UpdateItem", _update_item),
    ):
        register_precheck(model, model.operation_model(operation).input_shape.name, check)
