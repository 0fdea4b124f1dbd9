"""The DynamoDB operations, one module per family; importing registers them with the Engine."""

from engine.operations import (  # noqa: F401
    backups,
    batch,
    dax,
    dax_data,
    global_tables,
    indexing,
    items,
    partiql,
    reads,
    simulation,
    streams,
    tables,
    transactions,
    ttl,
)
