"""Global tables version 2017.11.29 (Legacy): the operations AWS no longer supports for new
tables, answered as the service answers them today (version 2019.11.21 uses UpdateTable
``ReplicaUpdates`` and DescribeTable instead: engine/operations/replicas.py).

CreateGlobalTable is refused with a ValidationException that names the current version; the
other legacy operations find no legacy global table (GlobalTableNotFoundException), and
ListGlobalTables lists none, even for a table that is global in version 2019.11.21.
"""

from __future__ import annotations

from typing import Any

from engine.catalog import operation
from engine.core import Engine
from engine.errors import GlobalTableNotFoundException, ValidationException
from engine.validation import Violations, get_int, get_str

NOT_SUPPORTED = (
    "DynamoDB global tables version 2017.11.29 is not supported. We recommend using DynamoDB "
    "global tables version 2019.11.21, instead of version 2017.11.29 (Legacy)."
)


def _global_table_name(request: dict[str, Any]) -> str:
    violations = Violations()
    name = get_str(request, "GlobalTableName")
    violations.table_name(name, "globalTableName")
    violations.raise_if_any()
    assert name is not None
    return name


def _not_found(name: str) -> GlobalTableNotFoundException:
    return GlobalTableNotFoundException(f"Global table with name '{name}' does not exist.")


@operation("CreateGlobalTable")
def create_global_table(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Version 2017.11.29 (Legacy): refused; add replicas with UpdateTable ReplicaUpdates."""
    _global_table_name(request)
    raise ValidationException(NOT_SUPPORTED)


@operation("UpdateGlobalTable")
def update_global_table(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Version 2017.11.29 (Legacy): no such global table exists any more."""
    raise _not_found(_global_table_name(request))


@operation("UpdateGlobalTableSettings")
def update_global_table_settings(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Version 2017.11.29 (Legacy): no such global table exists any more."""
    raise _not_found(_global_table_name(request))


@operation("DescribeGlobalTable", read_only=True)
def describe_global_table(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Version 2017.11.29 (Legacy): no such global table exists; DescribeTable describes a
    version 2019.11.21 global table's replicas."""
    raise _not_found(_global_table_name(request))


@operation("DescribeGlobalTableSettings", read_only=True)
def describe_global_table_settings(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Version 2017.11.29 (Legacy): no such global table exists any more."""
    raise _not_found(_global_table_name(request))


@operation("ListGlobalTables", read_only=True)
def list_global_tables(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Version 2017.11.29 (Legacy) global tables: there are none (version 2019.11.21 global
    tables are not listed here, as on AWS)."""
    violations = Violations()
    limit = get_int(request, "Limit")
    violations.range(limit, "limit", 1, None)
    violations.table_name(
        get_str(request, "ExclusiveStartGlobalTableName"),
        "exclusiveStartGlobalTableName",
        required=False,
    )
    violations.raise_if_any()
    return {"GlobalTables": []}
