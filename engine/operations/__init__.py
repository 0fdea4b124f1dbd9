"""The DynamoDB operations, one module per family; importing registers them with the Engine."""

from engine.operations import batch, indexing, items, reads, tables, transactions  # noqa: F401
