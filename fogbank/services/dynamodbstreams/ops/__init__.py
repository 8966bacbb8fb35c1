"""The dynamodbstreams API\x27s handlers: one module per area."""
