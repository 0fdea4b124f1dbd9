"""Consumed capacity for the course: asking for it, and reading it back for people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.capacity import CAPACITY_OPERATIONS

READ_OPERATIONS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})


def asking_for_capacity(operation: str, request: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The request with ``ReturnConsumedCapacity: INDEXES`` added when the author did not ask
    for it, and whether it was added (then the answer's ConsumedCapacity is shown apart from
    the response, which stays exactly what the author's request returns)."""
    if operation in CAPACITY_OPERATIONS and request.get("ReturnConsumedCapacity") in (
        None,
        "NONE",
    ):
        return {**request, "ReturnConsumedCapacity": "INDEXES"}, True
    return request, False


def total_units(consumed: Any) -> float | None:
    """All capacity units in a ConsumedCapacity (a dict, or a list for batches)."""
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    units = [
        e.get("CapacityUnits")
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("CapacityUnits"), int | float)
    ]
    return float(sum(units)) if units else None


@dataclass(frozen=True)
class CapacityLine:
    """One row of the capacity receipt: a table or an index, and what it charged."""

    name: str
    units: float
    is_index: bool = False

    @property
    def units_text(self) -> str:
        return f"{self.units:g}"


def capacity_lines(consumed: Any) -> list[CapacityLine]:
    """The table and index rows of a ConsumedCapacity, tables first."""
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    lines = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        table = str(entry.get("TableName", "?"))
        table_part = (entry.get("Table") or {}).get("CapacityUnits")
        indexes = {
            **(entry.get("GlobalSecondaryIndexes") or {}),
            **(entry.get("LocalSecondaryIndexes") or {}),
        }
        if table_part is None and not indexes:
            lines.append(CapacityLine(table, float(entry.get("CapacityUnits") or 0)))
            continue
        lines.append(CapacityLine(table, float(table_part or 0)))
        for name, part in sorted(indexes.items()):
            units = float((part or {}).get("CapacityUnits") or 0)
            lines.append(CapacityLine(f"{table} index {name}", units, is_index=True))
    return lines


def unit_name(operation: str) -> str:
    """RCU or WCU, as the learner's lesson calls them."""
    return "RCU" if operation in READ_OPERATIONS else "WCU"
