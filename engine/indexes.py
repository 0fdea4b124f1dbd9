"""Secondary indexes: local (same partition key, another sort key) and global (any key).

An index keeps its own partitions: index partition-key value -> ``SortedDict`` of
``(index sort value, table partition value, table sort value)`` -> ``(projected item, size)``,
so items sharing index key values stay distinct and ordered as the service orders them.
Items without every index key attribute are not in the index (sparse indexes).

Local indexes change with the table's write. Global indexes are eventually consistent: a write
reaches them ``propagation_delay`` simulated seconds later, through a queue the engine drains as
time passes. The delay is zero unless a lab sets one: on AWS the lag is usually a fraction of a
second, so an SDK client reading right after its write finds the index up to date.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from sortedcontainers import SortedDict, SortedList

from engine.capacity import write_units
from engine.errors import ValidationException
from engine.keys import HASH_SPACE, KeySchema, check_key_value, composite_hash
from engine.values import Item, binary_length, item_size, key_sort_value

IndexEntry = tuple[Item, int]


class IndexPlan(NamedTuple):
    """One table write's effect on one index (see ``SecondaryIndex.plan``). A named tuple:
    every indexed write makes one per index, and a tuple is the cheapest to build."""

    old_key: tuple[Any, tuple[Any, Any, Any]] | None
    new_key: tuple[Any, tuple[Any, Any, Any]] | None
    new_projected: Item | None
    new_size: int
    units: float


@dataclass
class IndexSettings:
    """Per-engine knobs a lab can turn (kept in the engine's dump)."""

    #: Simulated seconds before a write shows in a global secondary index (0: at once).
    propagation_delay: float = 0.0
    #: Bytes of item collection (per partition-key value) a table with LSIs may hold.
    item_collection_limit: int = 10 * 1024**3
    #: Bytes per simulated second a new global index backfills (at least 5 s in all).
    backfill_bytes_per_second: float = 1024 * 1024


def _indexable(value: dict[str, Any], kind: str, limit: int) -> bool:
    """A key value an index can hold: not empty and within the key size limit. Writes refuse
    anything else, so only items written before an index existed can carry such a value:
    its backfill leaves them out, as the service does."""
    if kind == "N":
        return True
    data = value[kind]
    if not data:
        return False
    if kind == "S":
        return len(data) * 4 <= limit or len(data.encode("utf-8")) <= limit
    return binary_length(data) <= limit


class SecondaryIndex:
    """One LSI or GSI of a table: its definition, its storage and its maintenance."""

    def __init__(
        self,
        definition: dict[str, Any],
        *,
        local: bool,
        table_schema: KeySchema,
        attribute_types: dict[str, str],
    ) -> None:
        self.definition = definition
        self.name: str = definition["IndexName"]
        self.local = local
        elements = definition["KeySchema"]
        #: (name, type) of each partition-key and sort-key attribute, in schema order; global
        #: indexes may have up to four of each (multi-attribute keys).
        self.partition_attrs = [
            (e["AttributeName"], attribute_types[e["AttributeName"]])
            for e in elements
            if e["KeyType"] == "HASH"
        ]
        self.sort_attrs = [
            (e["AttributeName"], attribute_types[e["AttributeName"]])
            for e in elements
            if e["KeyType"] == "RANGE"
        ]
        #: (name, type, byte limit) of every key attribute, partition attributes first.
        self.key_limits = tuple(
            (name, kind, 2048 if position < len(self.partition_attrs) else 1024)
            for position, (name, kind) in enumerate(self.partition_attrs + self.sort_attrs)
        )
        self.multi_partition = len(self.partition_attrs) > 1
        self.multi_sort = len(self.sort_attrs) > 1
        partition, partition_type = self.partition_attrs[0]
        sort, sort_type = self.sort_attrs[0] if self.sort_attrs else (None, None)
        self.schema = KeySchema(partition, partition_type, sort, sort_type)
        self.table_schema = table_schema
        projection = definition["Projection"]
        self.projection_type: str = projection["ProjectionType"]
        self.key_names = tuple(
            dict.fromkeys(
                table_schema.names
                + tuple(name for name, _ in self.partition_attrs + self.sort_attrs)
            )
        )
        self.projected_names: frozenset[str] | None = None
        if self.projection_type == "KEYS_ONLY":
            self.projected_names = frozenset(self.key_names)
        elif self.projection_type == "INCLUDE":
            self.projected_names = frozenset(self.key_names) | frozenset(
                projection.get("NonKeyAttributes") or []
            )
        self.partitions: dict[Any, SortedDict] = {}
        self.partition_order: SortedList = SortedList()
        self.item_count = 0
        self.size_bytes = 0
        #: Global indexes: writes waiting to become visible, (visible_at, old, new).
        self.pending: deque[tuple[float, Item | None, Item | None]] = deque()
        #: Global indexes created later: CREATING (backfilling) until this simulated time.
        self.backfill_until: float | None = None
        #: When that backfill began (set by the indexes extension), for a progress bar.
        self.backfill_started: float | None = None

    # ------------------------------------------------------------------ membership
    def entry_key(self, item: Item | None) -> tuple[Any, tuple[Any, Any, Any]] | None:
        """Where an item sits in this index, or None when it lacks an index key attribute.

        Multi-attribute keys give tuples of values, compared attribute by attribute.
        """
        if item is None:
            return None
        partition_values = []
        for name, kind in self.partition_attrs:
            value = item.get(name)
            if value is None or kind not in value or not _indexable(value, kind, 2048):
                return None
            partition_values.append(key_sort_value(value))
        sort_values = []
        for name, kind in self.sort_attrs:
            value = item.get(name)
            if value is None or kind not in value or not _indexable(value, kind, 1024):
                return None
            sort_values.append(key_sort_value(value))
        table_schema = self.table_schema
        table_sort = key_sort_value(item[table_schema.sort_key]) if table_schema.sort_key else None
        partition_value = tuple(partition_values) if self.multi_partition else partition_values[0]
        if self.multi_sort:
            sort_value: Any = tuple(sort_values)
        else:
            sort_value = sort_values[0] if sort_values else None
        return partition_value, (
            sort_value,
            key_sort_value(item[table_schema.partition_key]),
            table_sort,
        )

    def partition_hash_of(self, item: Item) -> int:
        """Scan-order hash of an item's index partition key (all its attributes)."""
        return composite_hash([item[name] for name, _ in self.partition_attrs])

    def project(self, item: Item) -> Item:
        """The part of an item the index stores."""
        names = self.projected_names
        if names is None:
            return item
        return {name: value for name, value in item.items() if name in names}

    def check_item(self, item: Item, *, types: bool = True) -> None:
        """An item's index key attributes (every one of a multi-attribute key) must have the
        index's types and not be empty or too long. ``types=False`` checks the values only,
        passing over attributes of another type. O(key attributes)."""
        for name, kind, limit in self.key_limits:
            value = item.get(name)
            if value is None:
                continue
            data = value.get(kind)
            if data is None:
                if not types:
                    continue
                actual = next(iter(value))
                raise ValidationException(
                    "One or more parameter values were invalid: Type mismatch for Index Key "
                    f"{name} Expected: {kind} Actual: {actual} IndexName: {self.name}"
                )
            if kind == "N" or (kind == "S" and data and len(data) <= limit and data.isascii()):
                continue  # the common case: a short ASCII string or a number
            try:
                check_key_value(name, value, limit)
            except ValidationException as error:
                if "empty" in error.message:
                    raise ValidationException(
                        "One or more parameter values are not valid. A value specified for a "
                        "secondary index key is not supported. The AttributeValue for a key "
                        f"attribute cannot contain an empty string value. IndexName: {self.name}, "
                        f"IndexKey: {name}"
                    ) from None
                raise

    # ------------------------------------------------------------------ capacity
    def projected_size(self, item: Item, size: int | None = None) -> int:
        """Bytes of an item's index entry; ``size`` (the whole item's) spares the walk for an
        ALL projection, whose entry is the item itself."""
        if self.projected_names is None and size is not None:
            return size
        return item_size(self.project(item))

    def plan(
        self,
        old: Item | None,
        new: Item | None,
        old_size: int | None = None,
        new_size: int | None = None,
    ) -> IndexPlan:
        """What a table write from ``old`` to ``new`` does to this index, and what it costs.

        A new entry is one write, a removed entry one write, a moved entry (index key changed)
        a delete plus a put; an entry whose projection did not change costs nothing.
        ``old_size``/``new_size`` are the whole items' sizes when the caller knows them. The
        plan is computed once and serves both billing and ``apply``.
        """
        old_key = self.entry_key(old)
        new_key = self.entry_key(new)
        new_projected = self.project(new) if new_key is not None else None
        new_bytes = 0
        if new_key is not None:
            new_bytes = (
                new_size
                if self.projected_names is None and new_size is not None
                else (item_size(new_projected))
            )
        if old_key is None and new_key is None:
            units = 0.0
        elif old_key is None:
            units = write_units(new_bytes)
        elif new_key is None:
            units = write_units(self.projected_size(old, old_size))
        elif old_key != new_key:
            units = write_units(self.projected_size(old, old_size)) + write_units(new_bytes)
        elif self.project(old) == new_projected:
            units = 0.0
        else:
            units = write_units(max(self.projected_size(old, old_size), new_bytes))
        return IndexPlan(old_key, new_key, new_projected, new_bytes, units)

    def write_cost(
        self,
        old: Item | None,
        new: Item | None,
        old_size: int | None = None,
        new_size: int | None = None,
    ) -> float:
        """Write units this index is billed for a table write from ``old`` to ``new``."""
        return self.plan(old, new, old_size, new_size).units

    # ------------------------------------------------------------------ maintenance
    def apply(
        self,
        old: Item | None,
        new: Item | None,
        new_size: int | None = None,
        plan: IndexPlan | None = None,
    ) -> None:
        """Move the index from ``old`` to ``new`` for one table item. O(log n)."""
        if plan is None:
            plan = self.plan(old, new, None, new_size)
        old_key = plan.old_key
        if old_key is not None:
            partition_value, sort_key = old_key
            partition = self.partitions.get(partition_value)
            if partition is not None and sort_key in partition:
                _, size = partition.pop(sort_key)
                self.item_count -= 1
                self.size_bytes -= size
                if not partition:
                    del self.partitions[partition_value]
                    self.partition_order.remove((self.partition_hash_of(old), partition_value))
        new_key = plan.new_key
        if new_key is not None:
            partition_value, sort_key = new_key
            partition = self.partitions.get(partition_value)
            if partition is None:
                partition = self.partitions[partition_value] = SortedDict()
                self.partition_order.add((self.partition_hash_of(new), partition_value))
            partition[sort_key] = (plan.new_projected, plan.new_size)
            self.item_count += 1
            self.size_bytes += plan.new_size

    def enqueue(self, visible_at: float, old: Item | None, new: Item | None) -> None:
        self.pending.append((visible_at, old, new))

    def drain(self, now: float) -> None:
        """Apply queued global-index writes that have become visible. O(k log n)."""
        pending = self.pending
        while pending and pending[0][0] <= now:
            _, old, new = pending.popleft()
            self.apply(old, new)

    def rebuild(self, items: Iterator[Item]) -> None:
        """Fill the index from scratch (end of a backfill, or loading a snapshot)."""
        self.partitions.clear()
        self.partition_order.clear()
        self.item_count = 0
        self.size_bytes = 0
        self.pending.clear()
        for item in items:
            self.apply(None, item)

    # ------------------------------------------------------------------ reads
    def status(self, now: float) -> str:
        if self.backfill_until is not None and now < self.backfill_until:
            return "CREATING"
        return "ACTIVE"

    def scan_entries(
        self,
        *,
        start_after: tuple[int, Any, Any] | None = None,
        segment: int = 0,
        total_segments: int = 1,
    ) -> Iterator[IndexEntry]:
        """Entries of one scan segment in scan order, after ``(hash, partition, sort tuple)``."""
        low = segment * HASH_SPACE // total_segments
        high = (segment + 1) * HASH_SPACE // total_segments
        if start_after is not None:
            start_hash, start_partition, start_sort = start_after
            partition = self.partitions.get(start_partition)
            if partition is not None:
                for key in partition.irange(minimum=start_sort, inclusive=(False, True)):
                    yield partition[key]
            positions = self.partition_order.irange(
                minimum=(start_hash, start_partition), maximum=(high,), inclusive=(False, False)
            )
        else:
            positions = self.partition_order.irange(
                minimum=(low,), maximum=(high,), inclusive=(True, False)
            )
        for _, partition_value in positions:
            yield from self.partitions[partition_value].values()

    def position_of(self, key: Item) -> tuple[int, Any, tuple[Any, Any, Any]]:
        """Scan position of an index ExclusiveStartKey (index keys plus table keys)."""
        entry = self.entry_key(key)
        assert entry is not None
        return self.partition_hash_of(key), entry[0], entry[1]

    def describe(self, now: float, *, table_billing_mode: str) -> dict[str, Any]:
        described: dict[str, Any] = {
            "IndexName": self.name,
            "KeySchema": [dict(k) for k in self.definition["KeySchema"]],
            "Projection": dict(self.definition["Projection"]),
            "IndexSizeBytes": self.size_bytes,
            "ItemCount": self.item_count,
        }
        if not self.local:
            status = self.status(now)
            described["IndexStatus"] = status
            if status == "CREATING":
                described["Backfilling"] = True
            throughput = self.definition.get("ProvisionedThroughput")
            described["ProvisionedThroughput"] = {
                "NumberOfDecreasesToday": 0,
                "ReadCapacityUnits": throughput["ReadCapacityUnits"]
                if throughput and table_billing_mode == "PROVISIONED"
                else 0,
                "WriteCapacityUnits": throughput["WriteCapacityUnits"]
                if throughput and table_billing_mode == "PROVISIONED"
                else 0,
            }
        return described
