"""The DynamoDB operations, one module per family; importing registers them with the Engine."""

from engine.operations import (  # noqa: F401
    backups,
    batch,
    global_tables,
    indexing,
    items,
    partiql,
    reads,
    streams,
    tables,
    transactions,
    ttl,
)
