"""DynamoDB operations, one module per group: tables, items, query_scan, batch, transactions, tags, ttl."""
