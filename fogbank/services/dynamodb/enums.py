"""The order in which DynamoDB lists each enum's values when it rejects a value outside them.

AWS prints the allowed values of an enum as a Java set, in an order that is neither the model's nor
alphabetical. Each order below is one recorded from the real service (messages asserted by dynalite's
tests, which were checked against AWS); enums with no recorded message keep the model's order.
"""

from __future__ import annotations

from fogbank.protocols import spec
from fogbank.protocols.validate import register_enum_order, register_member_order

ORDERS: dict[str, tuple[str, ...]] = {
    # PutItem/UpdateItem/DeleteItem 'returnValues'.
    "ReturnValue": ("ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"),
    # 'returnConsumedCapacity' on every data operation (before INDEXES existed AWS printed [TOTAL, NONE]).
    "ReturnConsumedCapacity": ("INDEXES", "TOTAL", "NONE"),
    "ReturnItemCollectionMetrics": ("SIZE", "NONE"),
    # Query/Scan 'select'.
    "Select": ("SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"),
    # Query/Scan 'conditionalOperator'.
    "ConditionalOperator": ("OR", "AND"),
    # 'keyConditions.<name>.member.comparisonOperator', likewise in queryFilter/scanFilter.
    "ComparisonOperator": (
        "IN",
        "NULL",
        "BETWEEN",
        "LT",
        "NOT_CONTAINS",
        "EQ",
        "GT",
        "NOT_NULL",
        "NE",
        "LE",
        "BEGINS_WITH",
        "GE",
        "CONTAINS",
    ),
    # CreateTable 'attributeDefinitions.N.member.attributeType'.
    "ScalarAttributeType": ("B", "N", "S"),
    # CreateTable 'keySchema.N.member.keyType'.
    "KeyType": ("HASH", "RANGE"),
    # CreateTable '...Indexes.N.member.projection.projectionType'.
    "ProjectionType": ("ALL", "INCLUDE", "KEYS_ONLY"),
    # CreateTable 'billingMode'.
    "BillingMode": ("PROVISIONED", "PAY_PER_REQUEST"),
}

_model = spec.service_model("dynamodb")
for _shape_name, _values in ORDERS.items():
    register_enum_order(_model, _shape_name, _values)

# AWS reports a too long ClientRequestToken ahead of a broken ReturnConsumedCapacity (us-east-1, 2026-10).
register_member_order(_model, _model.operation_model("TransactWriteItems").input_shape.name, ["ClientRequestToken"])
