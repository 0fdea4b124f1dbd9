"""Time to live operations: UpdateTimeToLive and DescribeTimeToLive (rules in engine/ttl.py)."""

from __future__ import annotations

from typing import Any

from engine.catalog import operation
from engine.core import Engine
from engine.errors import ResourceNotFoundException
from engine.table import Table
from engine.ttl import ttl_of
from engine.validation import Violations, get_bool, get_dict, get_str


def _table_name(violations: Violations, request: dict[str, Any]) -> str | None:
    name = get_str(request, "TableName")
    if name is not None and name.startswith("arn:"):
        violations.length(name, "tableName", 1, 1024)
    else:
        violations.table_name(name)
    return name


def _table(engine: Engine, name: str | None) -> Table:
    assert name is not None
    table = engine.tables.get(engine.resolve_table_name(name))
    if table is None:
        raise ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")
    return table


@operation("UpdateTimeToLive")
def update_time_to_live(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Enable or disable TTL on a table; answers the TimeToLiveSpecification it applied.

    The change is immediate in simulated time; a table's setting may change once an hour.
    """
    violations = Violations()
    name = _table_name(violations, request)
    specification = get_dict(request, "TimeToLiveSpecification")
    enabled: bool | None = None
    attribute: str | None = None
    if violations.not_null(specification, "timeToLiveSpecification"):
        assert specification is not None
        attribute = get_str(specification, "AttributeName")
        enabled = get_bool(specification, "Enabled")
        if violations.not_null(attribute, "timeToLiveSpecification.attributeName"):
            violations.length(attribute, "timeToLiveSpecification.attributeName", 1, 255)
        violations.not_null(enabled, "timeToLiveSpecification.enabled")
    violations.raise_if_any()
    table = _table(engine, name)
    assert enabled is not None and attribute is not None
    now = engine.now()
    ttl_of(engine).update(table, enabled, attribute, now)
    if engine.regions is not None:
        # A global table's TTL setting is group-wide; this Region runs the deletions.
        engine.regions.replication.ttl_changed(engine.region, table, enabled, attribute, now)
    return {"TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute}}


@operation("DescribeTimeToLive", read_only=True)
def describe_time_to_live(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """TimeToLiveDescription: TimeToLiveStatus, and AttributeName while enabled."""
    violations = Violations()
    name = _table_name(violations, request)
    violations.raise_if_any()
    table = _table(engine, name)
    return {"TimeToLiveDescription": ttl_of(engine).describe(table)}
