"""Consumed capacity as the pages and the course read it: asking for it, adding it up, and
one line per table and index. The one home of these for every app (the arithmetic that
produces the units is the engine's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine import catalog


def bills_capacity(operation: str) -> bool:
    """True for operations that take ReturnConsumedCapacity (the engine's catalog says)."""
    return catalog.bills_capacity(operation)


def bills_reads(operation: str, request: dict[str, Any] | None = None) -> bool:
    """True for operations that bill read units (GetItem, Query, Scan, batches, ...), and for
    a request of an "either" operation that only reads (a PartiQL SELECT)."""
    facts = catalog.get(operation)
    if facts is None:
        return False
    if facts.bills == "either":
        return catalog.is_read_only(operation, request)
    return facts.bills == "read"


def unit_name(operation: str, request: dict[str, Any] | None = None, consumed: Any = None) -> str:
    """RCU or WCU, as the lessons call an operation's units. A ConsumedCapacity that names
    its units (ReadCapacityUnits or WriteCapacityUnits) decides: a TransactWriteItems
    repeating an earlier ClientRequestToken bills reads."""
    entries = _entries(consumed)
    if entries and all("ReadCapacityUnits" in e and "WriteCapacityUnits" not in e for e in entries):
        return "RCU"
    if entries and all("WriteCapacityUnits" in e and "ReadCapacityUnits" not in e for e in entries):
        return "WCU"
    return "RCU" if bills_reads(operation, request) else "WCU"


def asking_for_capacity(operation: str, request: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The request with ``ReturnConsumedCapacity: INDEXES`` when it takes the parameter and the
    caller did not ask for capacity, and whether it was added (then the caller removes
    ConsumedCapacity from the answer, which stays exactly what its own request returns)."""
    if bills_capacity(operation) and request.get("ReturnConsumedCapacity") in (None, "NONE"):
        return {**request, "ReturnConsumedCapacity": "INDEXES"}, True
    return request, False


def _entries(consumed: Any) -> list[dict[str, Any]]:
    """A ConsumedCapacity (one dict, or a list for batches and transactions) as a list."""
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    return [entry for entry in entries if isinstance(entry, dict)]


def total_units(consumed: Any, table: str | None = None) -> float | None:
    """All capacity units in a ConsumedCapacity (on ``table`` only, if given); None when it
    reports none."""
    units = [
        entry.get("CapacityUnits")
        for entry in _entries(consumed)
        if table is None or entry.get("TableName") == table
    ]
    numbers = [u for u in units if isinstance(u, int | float) and not isinstance(u, bool)]
    return float(sum(numbers)) if numbers else None


@dataclass(frozen=True)
class CapacityLine:
    """One row of a capacity receipt: a table or an index, and the units it was charged."""

    name: str
    units: float
    is_index: bool = False

    @property
    def units_text(self) -> str:
        return f"{self.units:g}"

    @property
    def unit_word(self) -> str:
        return "capacity unit" if self.units == 1 else "capacity units"


def capacity_lines(consumed: Any) -> list[CapacityLine]:
    """The table and index rows of a ConsumedCapacity, each table before its indexes."""
    lines = []
    for entry in _entries(consumed):
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
