"""The ``dynamodbstreams`` API (its own botocore model, signing name ``dynamodb``): read-only access to the streams
that DynamoDB's writes record in its store (services/dynamodb/streams.py), served over the same backend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fogbank.services.base import Service

if TYPE_CHECKING:
    from fogbank.platform import Platform


class DynamoDBStreams(Service):
    name = "dynamodbstreams"
    models = ("dynamodbstreams",)
    # Like DynamoDB's, these handlers only read SQLite: a thread hop would cost more than the work.
    inline = True
    handler_modules = ("fogbank.services.dynamodbstreams.ops",)

    def open(self, platform: Platform) -> None:
        # The records live in DynamoDB's store, written with the items: this service only reads them. DynamoDB
        # opens, closes and resets that store.
        dynamodb = platform.service("dynamodb")
        self.backend = dynamodb.backend if dynamodb is not None else None

    def close(self) -> None:
        self.backend = None

    def status(self) -> dict[str, Any]:
        return {"state": "running" if self.backend is not None else "stopped", "operations": len(self.handlers)}


service = DynamoDBStreams()
