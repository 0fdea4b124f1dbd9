"""Capacity units as the service bills them, and the ConsumedCapacity structures it returns.

Reads: one unit per 4 KB (rounded up), half for eventually consistent reads, double in a
transaction. Query and Scan add up the bytes of every item they read (before any filter) and
round once. Writes: one unit per 1 KB of the larger of the old and new item, double in a
transaction. Every request bills at least one unit (half for an eventually consistent read).
"""

from __future__ import annotations

from typing import Any

from engine.keys import partition_hash

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024


def read_unit_count(size_bytes: int) -> int:
    """How many 4 KB read units ``size_bytes`` round up to: at least one. O(1).

    >>> read_unit_count(8192), read_unit_count(8193), read_unit_count(0)
    (2, 3, 1)
    """
    return max(1, -(-size_bytes // READ_UNIT_BYTES))


def read_units(size_bytes: int, *, consistent: bool, transactional: bool = False) -> float:
    """Units for reading ``size_bytes`` in one request. O(1).

    >>> read_units(4097, consistent=True)
    2.0
    >>> read_units(0, consistent=False)
    0.5
    """
    units = read_unit_count(size_bytes)
    if transactional:
        return float(units * 2)
    return float(units) if consistent else units / 2


def write_units(size_bytes: int, *, transactional: bool = False) -> float:
    """Units for writing an item of ``size_bytes`` (the larger of old and new). O(1).

    >>> write_units(3 * 1024)
    3.0
    >>> write_units(3 * 1024 + 1)
    4.0
    """
    units = max(1, -(-size_bytes // WRITE_UNIT_BYTES))
    return float(units * 2 if transactional else units)


class Consumption:
    """Capacity one request consumed on one table: the table itself and each index."""

    __slots__ = (
        "table_name",
        "table_units",
        "read_units",
        "write_units",
        "global_indexes",
        "local_indexes",
        "partitions",
    )

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name
        self.table_units = 0.0
        self.read_units = 0.0
        self.write_units = 0.0
        self.global_indexes: dict[str, float] = {}
        self.local_indexes: dict[str, float] = {}
        #: Optional: units per partition-key value touched, for the per-partition limits
        #: (3,000 RCU / 1,000 WCU). ``(global index name, or None for the table and its local
        #: indexes; partition hash) -> [units, label]``. Fill it with ``add_partition``; left
        #: empty, only the table and index totals are checked.
        self.partitions: dict[tuple[str | None, int], list[Any]] = {}

    def add_table_read(self, units: float) -> None:
        self.table_units += units
        self.read_units += units

    def add_table_write(self, units: float) -> None:
        self.table_units += units
        self.write_units += units

    def add_partition(
        self,
        key_value: dict[str, Any],
        units: float,
        *,
        index: str | None = None,
        hashed: int | None = None,
    ) -> None:
        """Record ``units`` spent on one partition-key value (typed, e.g. ``{"S": "a"}``) of
        the table (``index=None``, LSI units included) or of global index ``index``.
        ``hashed`` overrides the hash (multi-attribute index keys hash all their values)."""
        kind, data = next(iter(key_value.items()))
        entry = self.partitions.setdefault(
            (index, partition_hash(key_value) if hashed is None else hashed),
            [0.0, f"{kind}:{data}"],
        )
        entry[0] += units

    def add_index(self, index_name: str, units: float, *, local: bool, write: bool) -> None:
        bucket = self.local_indexes if local else self.global_indexes
        bucket[index_name] = bucket.get(index_name, 0.0) + units
        if write:
            self.write_units += units
        else:
            self.read_units += units

    @property
    def total(self) -> float:
        return (
            self.table_units + sum(self.global_indexes.values()) + sum(self.local_indexes.values())
        )

    def to_wire(self, mode: str | None, *, name_reads: bool = False) -> dict[str, Any] | None:
        """The ConsumedCapacity element for ReturnConsumedCapacity ``mode`` (None for NONE).
        ``name_reads`` adds ReadCapacityUnits beside the table's units, for an operation that
        bills writes but consumed reads this time (a repeated TransactWriteItems token)."""
        if mode not in ("TOTAL", "INDEXES"):
            return None
        # The service's TOTAL form is just the table name and the units; INDEXES adds the
        # per-table and per-index breakdown.
        wire: dict[str, Any] = {"TableName": self.table_name, "CapacityUnits": self.total}
        if name_reads:
            wire["ReadCapacityUnits"] = self.read_units
        if mode == "INDEXES":
            wire["Table"] = {"CapacityUnits": self.table_units}
            if name_reads:
                wire["Table"]["ReadCapacityUnits"] = self.table_units
            if self.local_indexes:
                wire["LocalSecondaryIndexes"] = {
                    name: {"CapacityUnits": units} for name, units in self.local_indexes.items()
                }
            if self.global_indexes:
                wire["GlobalSecondaryIndexes"] = {
                    name: {"CapacityUnits": units} for name, units in self.global_indexes.items()
                }
        return wire
