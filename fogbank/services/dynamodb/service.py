"""The DynamoDB service: its handlers (ops/) over one durable backend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fogbank.protocols import spec
from fogbank.protocols.decode import Decoder, register_decoder
from fogbank.protocols.errors import validation_error
from fogbank.protocols.validate import register_service_nulls
from fogbank.services.base import Handler, Service
from fogbank.services.dynamodb import (
    enums,  # noqa: F401  (registers AWS's enum orders)
    prechecks,
)
from fogbank.services.dynamodb.attributes import TOO_DEEP
from fogbank.services.dynamodb.input_faults import InputFault, layer_of, render

if TYPE_CHECKING:
    from fogbank.core.context import RequestContext
    from fogbank.platform import Platform

# What a worker process answers itself: the item operations, and the reads of table definitions (a worker
# follows the main process's catalog; processes.py). The main process answers every other operation.
WORKER_OPERATIONS = frozenset(
    (
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
        "DescribeTable",
        "ListTables",
        "DescribeTimeToLive",
        "ListTagsOfResource",
        "DescribeLimits",
        "DescribeEndpoints",
    )
)


class DynamoDB(Service):
    name = "dynamodb"
    models = ("dynamodb",)  # the dynamodbstreams API is a service of its own (services/dynamodbstreams/)
    # Handlers only touch SQLite and never wait on another process: a thread hop costs more than the work.
    inline = True
    handler_modules = ("fogbank.services.dynamodb.ops",)
    worker_operations = WORKER_OPERATIONS

    def wrap(self, name: str, handler: Handler) -> Handler:
        """Every handler behind AWS's check of a plain TableName (an ARN is checked where it is used), its
        malformed values worded in the operation's layer (input_faults.py)."""
        from fogbank.services.dynamodb.backend import check_arn_account
        from fogbank.services.dynamodb.ops.tables import check_table_name

        layer = layer_of(name)

        def checked(ctx: RequestContext, params: dict[str, Any]) -> Any:
            table_name = params.get("TableName")
            if type(table_name) is str:
                if not table_name.startswith("arn:"):
                    check_table_name(table_name)
                else:
                    check_arn_account(ctx.account_id, ctx.operation, table_name)
            try:
                return handler(ctx, params)
            except InputFault as fault:
                raise render(fault, layer) from None

        return checked

    def open(self, platform: Platform) -> None:
        from fogbank.services.dynamodb.backend import Backend
        from fogbank.services.dynamodb.streams import StreamSettings

        path = platform.service_dir(self.name) / "dynamodb.sqlite3"
        config = platform.config
        settings = StreamSettings(
            config.dynamodb_shard_seconds,
            config.dynamodb_stream_retention,
            config.dynamodb_iterator_seconds,
            config.dynamodb_replication_delay,
        )
        self.backend = Backend(path, platform.group_commit, platform.role, settings)

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
            self.backend = None

    def reset(self) -> None:
        if self.backend is not None:
            self.backend.reset()

    def status(self) -> dict[str, Any]:
        tables = len(self.backend.tables) if self.backend is not None else 0
        return {"state": "running", "operations": len(self.handlers), "tables": tables}


service = DynamoDB()


# Far past DynamoDB's 32 levels (attributes.py words that error, in its order among the other checks), but
# shallow enough that decoding a document nested as deep as JSON parsers allow cannot exhaust Python's stack.
DECODE_DEPTH = 100


def _fast_attribute_values(generic: Decoder) -> Decoder:
    """AttributeValues are most of a request: a string, number, boolean or string/number set passes as it
    came, a map or list is rebuilt from its decoded members; any other form (binaries, mistakes) takes the
    model's generic decoder, which words every error. A null inside a map or list stays null, as there."""

    def decode(value: Any, depth: int = 1) -> Any:
        if type(value) is dict and len(value) == 1:
            for kind, member in value.items():
                if (kind == "S" or kind == "N") and type(member) is str:
                    return value
                if (kind == "BOOL" or kind == "NULL") and type(member) is bool:
                    return value
                if (kind == "SS" or kind == "NS") and type(member) is list and _all_strings(member):
                    return value
                if depth > DECODE_DEPTH:
                    raise validation_error(TOO_DEEP)
                if kind == "M" and type(member) is dict:
                    return {"M": {name: None if v is None else decode(v, depth + 1) for name, v in member.items()}}
                if kind == "L" and type(member) is list:
                    return {"L": [None if v is None else decode(v, depth + 1) for v in member]}
        return generic(value)

    return decode


def _all_strings(members: list[Any]) -> bool:
    for member in members:
        if type(member) is not str:
            return False
    return True


register_decoder(spec.service_model("dynamodb"), "AttributeValue", _fast_attribute_values)
register_service_nulls(spec.service_model("dynamodb"), "AttributeValue")  # attributes.py words an empty value
for _set_member in ("StringAttributeValue", "NumberAttributeValue", "BinaryAttributeValue"):
    register_service_nulls(spec.service_model("dynamodb"), _set_member)  # a null in a set: attributes.py words it
prechecks.register()
