"""A table: its description and its storage, partitions of items kept in sort-key order.

Storage layout (DESIGN.md): ``partitions`` maps a partition-key value to either the one item
(simple key) or a ``SortedDict`` of sort-key value -> item (composite key). Each stored entry
is ``(item, size_in_bytes)`` so reads can bill without re-measuring. ``partition_order`` keeps
the partitions in the order a Scan visits them (a stable hash of the partition key).

Stored items are never mutated in place: every write stores a new dict, so readers may hold
references safely (responses are still copied at the API boundary).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import Any

from sortedcontainers import SortedDict, SortedList

from engine.errors import ItemCollectionSizeLimitExceededException
from engine.indexes import IndexSettings, SecondaryIndex
from engine.keys import HASH_SPACE, KeySchema, partition_hash
from engine.values import Item, item_size, key_sort_value

Stored = tuple[Item, int]

_second = itemgetter(1)


def _sorted_values(partition: SortedDict) -> Any:
    return partition.values()


@dataclass
class Throughput:
    read: int = 0
    write: int = 0
    last_increase: float | None = None
    last_decrease: float | None = None
    decreases_today: int = 0

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "NumberOfDecreasesToday": self.decreases_today,
            "ReadCapacityUnits": self.read,
            "WriteCapacityUnits": self.write,
        }
        if self.last_increase is not None:
            wire["LastIncreaseDateTime"] = self.last_increase
        if self.last_decrease is not None:
            wire["LastDecreaseDateTime"] = self.last_decrease
        return wire


@dataclass
class Change:
    """One entry of a table's change log: the spine for streams, PITR and index propagation."""

    sequence: int
    time: float
    key: Item
    old: Item | None
    new: Item | None
    #: Who made the change, as stream records show it (None: the caller; TTL sets the service).
    user_identity: dict[str, str] | None = None
    #: Sizes of the old and new images in bytes (None where there is no image).
    old_size: int | None = None
    new_size: int | None = None


@dataclass
class Table:
    name: str
    schema: KeySchema
    attribute_definitions: list[dict[str, str]]
    arn: str
    created_at: float
    billing_mode: str = "PROVISIONED"
    billing_mode_explicit: bool = False
    throughput: Throughput = field(default_factory=Throughput)
    last_update_to_pay_per_request: float | None = None
    stream_specification: dict[str, Any] | None = None
    local_indexes: list[dict[str, Any]] = field(default_factory=list)
    global_indexes: list[dict[str, Any]] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    deletion_protection: bool = False
    table_class: str = "STANDARD"
    #: Simulated seconds between CreateTable and the table becoming ACTIVE.
    active_at: float = 0.0
    #: Restored tables: SourceBackupArn or SourceTableArn, and RestoreDateTime (engine/backups.py).
    restore_summary: dict[str, Any] | None = None
    #: Label of the table's latest stream: the simulated time it was enabled (engine/streams.py).
    stream_label: str | None = None

    def __post_init__(self) -> None:
        self.partitions: dict[Any, Any] = {}
        self.partition_order: SortedList = SortedList()
        self.item_count = 0
        self.size_bytes = 0
        self.table_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.arn}@{self.created_at!r}"))
        self.change_sequence = 0
        #: Called on every stored change (the engine counts them: ``Engine.revision``).
        self.on_write: Callable[[], None] | None = None
        #: Callables told about every change (streams, PITR and triggers hook in here).
        self.change_listeners: list[Callable[[Change], None]] = []
        #: Shared with the engine (engine.add_table sets it): propagation delay and limits.
        self.settings = IndexSettings()
        types = {d["AttributeName"]: d["AttributeType"] for d in self.attribute_definitions}
        self.indexes: dict[str, SecondaryIndex] = {}
        for definitions, local in ((self.local_indexes, True), (self.global_indexes, False)):
            for definition in definitions:
                self.indexes[definition["IndexName"]] = SecondaryIndex(
                    definition, local=local, table_schema=self.schema, attribute_types=types
                )
        #: (old item, new item, {index name: IndexPlan}) from the last billing, for the write.
        self._planned: tuple[Any, Any, dict[str, Any]] | None = None
        #: Tables with local indexes track each item collection's size (partition value -> bytes).
        self.collection_sizes: dict[Any, int] = {}

    # ------------------------------------------------------------------ reads
    @property
    def composite(self) -> bool:
        return self.schema.sort_key is not None

    def get(self, partition_value: Any, sort_value: Any = None) -> Stored | None:
        """The stored entry for a key, or None. O(1) simple key, O(log n) composite."""
        entry = self.partitions.get(partition_value)
        if entry is None or not self.composite:
            return entry
        return entry.get(sort_value)

    def partition(self, partition_value: Any) -> SortedDict | None:
        """The SortedDict of one partition (composite keys only)."""
        return self.partitions.get(partition_value)

    def scan_entries(
        self,
        *,
        start_after: tuple[int, Any, Any] | None = None,
        segment: int = 0,
        total_segments: int = 1,
    ) -> Iterator[Stored]:
        """Every stored entry of one scan segment in scan order, resuming after a position.

        ``start_after`` is ``(hash, partition_value, sort_value)`` of the last key returned.
        O(log P) to find the start, then O(1) amortized per entry.
        """
        low = segment * HASH_SPACE // total_segments
        high = (segment + 1) * HASH_SPACE // total_segments
        partitions = self.partitions
        rest_of_first: Iterator[Stored] = iter(())
        if start_after is not None:
            start_hash, start_partition, start_sort = start_after
            if self.composite and (start_hash, start_partition) in self.partition_order:
                first = partitions[start_partition]
                rest_of_first = map(
                    first.__getitem__, first.irange(minimum=start_sort, inclusive=(False, True))
                )
            positions = self.partition_order.irange(
                minimum=(start_hash, start_partition),
                maximum=(high,),
                inclusive=(False, False),
            )
        else:
            positions = self.partition_order.irange(
                minimum=(low,), maximum=(high,), inclusive=(True, False)
            )
        # Iterators chained in C, not a generator: no Python frame runs per item on the hot
        # path of every Scan.
        values = map(_second, positions)
        if self.composite:
            entries = chain.from_iterable(map(_sorted_values, map(partitions.__getitem__, values)))
        else:
            entries = map(partitions.__getitem__, values)
        return chain(rest_of_first, entries) if start_after is not None else entries

    def scan_position(self, item: Item) -> tuple[int, Any, Any]:
        """Where a key sits in scan order (for ExclusiveStartKey)."""
        partition_attr = self.schema.partition_key
        sort_attr = self.schema.sort_key
        return (
            partition_hash(item[partition_attr]),
            key_sort_value(item[partition_attr]),
            key_sort_value(item[sort_attr]) if sort_attr else None,
        )

    # ------------------------------------------------------------------ writes
    def write(
        self,
        partition_value: Any,
        sort_value: Any,
        new_item: Item | None,
        now: float,
        *,
        user_identity: dict[str, str] | None = None,
        size: int | None = None,
    ) -> Stored | None:
        """Store ``new_item`` at a key (None deletes); return the previous entry.

        Every change of the table goes through here, so counters, indexes and the change log
        stay in step. O(1) simple key, O(log n) composite.
        """
        partitions = self.partitions
        composite = self.composite
        if composite:
            partition = partitions.get(partition_value)
            old = partition.get(sort_value) if partition is not None else None
        else:
            partition = None
            old = partitions.get(partition_value)
        if new_item is None:
            if old is None:
                return None
            if composite:
                del partition[sort_value]
                if not partition:
                    del partitions[partition_value]
                    self._forget_partition(old[0], partition_value)
            else:
                del partitions[partition_value]
                self._forget_partition(old[0], partition_value)
            self.item_count -= 1
            self.size_bytes -= old[1]
        else:
            entry = (new_item, size if size is not None else item_size(new_item))
            size = entry[1]
            if composite:
                if partition is None:
                    partition = partitions[partition_value] = SortedDict()
                    self.partition_order.add(
                        (partition_hash(new_item[self.schema.partition_key]), partition_value)
                    )
                partition[sort_value] = entry
            else:
                if old is None:
                    self.partition_order.add(
                        (partition_hash(new_item[self.schema.partition_key]), partition_value)
                    )
                partitions[partition_value] = entry
            if old is None:
                self.item_count += 1
                self.size_bytes += entry[1]
            else:
                self.size_bytes += entry[1] - old[1]
        if self.on_write is not None:
            self.on_write()
        if self.indexes:
            self._maintain_indexes(partition_value, old, new_item, now, size)
        if self.change_listeners:
            stored_size = size if new_item is not None else None
            self.change_sequence += 1
            source = new_item if new_item is not None else old[0]
            change = Change(
                sequence=self.change_sequence,
                time=now,
                key=self.schema.key_of(source),
                old=old[0] if old is not None else None,
                new=new_item,
                user_identity=user_identity,
                old_size=old[1] if old is not None else None,
                new_size=stored_size,
            )
            for listener in self.change_listeners:
                listener(change)
        return old

    def _maintain_indexes(
        self,
        partition_value: Any,
        old: Stored | None,
        new_item: Item | None,
        now: float,
        new_size: int | None = None,
    ) -> None:
        old_item = old[0] if old is not None else None
        delay = self.settings.propagation_delay
        collection_change = 0
        planned = self._planned
        plans = (
            planned[2]
            if planned is not None and planned[0] is old_item and planned[1] is new_item
            else {}
        )
        self._planned = None
        for index in self.indexes.values():
            if index.local:
                before = index.size_bytes
                index.apply(old_item, new_item, new_size, plans.get(index.name))
                collection_change += index.size_bytes - before
            elif index.backfill_until is not None and now < index.backfill_until:
                continue  # built from the whole table when its backfill ends
            elif delay <= 0:
                index.apply(old_item, new_item, new_size, plans.get(index.name))
            else:
                index.enqueue(now + delay, old_item, new_item)
        if self.local_indexes:
            new_bytes = 0
            if new_item is not None:
                new_bytes = new_size if new_size is not None else item_size(new_item)
            collection_change += new_bytes - (old[1] if old else 0)
            size = self.collection_sizes.get(partition_value, 0) + collection_change
            if size:
                self.collection_sizes[partition_value] = size
            else:
                self.collection_sizes.pop(partition_value, None)

    def check_index_keys(self, item: Item) -> None:
        """Reject an item whose index key attributes have the wrong type or are empty."""
        for index in self.indexes.values():
            index.check_item(item)

    def index_write_costs(
        self,
        old: Item | None,
        new: Item | None,
        old_size: int | None = None,
        new_size: int | None = None,
    ) -> list[tuple[SecondaryIndex, float, Any]]:
        """Write units each index is billed for a change from ``old`` to ``new`` (the items'
        sizes, when known, spare re-measuring them for ALL projections)."""
        costs = []
        plans = {}
        for index in self.indexes.values():
            if not index.local and index.backfill_until is not None:
                continue
            plan = index.plan(old, new, old_size, new_size)
            plans[index.name] = plan
            if plan.units:
                costs.append((index, plan.units, plan))
        # The write that usually follows reuses these plans (same old and new objects).
        self._planned = (old, new, plans)
        return costs

    def check_collection_size(
        self, partition_value: Any, old: Stored | None, new_item: Item | None
    ) -> None:
        """Tables with local indexes: an item collection may not outgrow the limit (10 GB)."""
        if not self.local_indexes or new_item is None:
            return
        growth = item_size(new_item) - (old[1] if old else 0)
        for index in self.indexes.values():
            if index.local:
                old_item = old[0] if old else None
                if index.entry_key(new_item) is not None:
                    growth += item_size(index.project(new_item))
                if index.entry_key(old_item) is not None:
                    growth -= item_size(index.project(old_item))
        if (
            self.collection_sizes.get(partition_value, 0) + growth
            > self.settings.item_collection_limit
        ):
            raise ItemCollectionSizeLimitExceededException("Collection size exceeded.")

    def collection_metrics(self, item: Item) -> dict[str, Any] | None:
        """ItemCollectionMetrics for a written item (tables with local indexes only)."""
        if not self.local_indexes:
            return None
        partition_attr = self.schema.partition_key
        size = self.collection_sizes.get(key_sort_value(item[partition_attr]), 0)
        gigabytes = size / 1024**3
        low = int(gigabytes)
        return {
            "ItemCollectionKey": {partition_attr: item[partition_attr]},
            "SizeEstimateRangeGB": [float(low), float(low + 1)],
        }

    def drain_indexes(self, now: float) -> None:
        """Let queued global-index writes through and finish backfills that are due."""
        for index in self.indexes.values():
            if index.local:
                continue
            if index.backfill_until is not None and now >= index.backfill_until:
                index.backfill_until = None
                index.rebuild(self.all_items())
            elif index.pending:
                index.drain(now)

    def _forget_partition(self, item: Item, partition_value: Any) -> None:
        self.partition_order.remove(
            (partition_hash(item[self.schema.partition_key]), partition_value)
        )

    def all_items(self) -> Iterator[Item]:
        """Every item in scan order."""
        for item, _ in self.scan_entries():
            yield item

    # ------------------------------------------------------------------ description
    def status(self, now: float) -> str:
        return "ACTIVE" if now >= self.active_at else "CREATING"

    def describe(self, now: float) -> dict[str, Any]:
        """The TableDescription the service returns from DescribeTable."""
        description: dict[str, Any] = {
            "AttributeDefinitions": [dict(d) for d in self.attribute_definitions],
            "TableName": self.name,
            "KeySchema": self.schema.to_wire(),
            "TableStatus": self.status(now),
            "CreationDateTime": self.created_at,
            "ProvisionedThroughput": self.throughput.to_wire(),
            "TableSizeBytes": self.size_bytes,
            "ItemCount": self.item_count,
            "TableArn": self.arn,
            "TableId": self.table_id,
        }
        if self.billing_mode_explicit or self.billing_mode == "PAY_PER_REQUEST":
            summary: dict[str, Any] = {"BillingMode": self.billing_mode}
            if self.last_update_to_pay_per_request is not None:
                summary["LastUpdateToPayPerRequestDateTime"] = self.last_update_to_pay_per_request
            description["BillingModeSummary"] = summary
        for key, local in (("LocalSecondaryIndexes", True), ("GlobalSecondaryIndexes", False)):
            described = [
                {
                    **index.describe(now, table_billing_mode=self.billing_mode),
                    "IndexArn": f"{self.arn}/index/{index.name}",
                }
                for index in self.indexes.values()
                if index.local == local
            ]
            if described:
                description[key] = described
        if self.stream_specification and self.stream_specification.get("StreamEnabled"):
            description["StreamSpecification"] = dict(self.stream_specification)
        if self.stream_label is not None:
            # Still shown once the stream is disabled (it stays readable for 24 hours).
            description["LatestStreamLabel"] = self.stream_label
            description["LatestStreamArn"] = f"{self.arn}/stream/{self.stream_label}"
        description["DeletionProtectionEnabled"] = self.deletion_protection
        if self.restore_summary is not None:
            description["RestoreSummary"] = {
                **self.restore_summary,
                "RestoreInProgress": now < self.active_at,
            }
        if self.table_class != "STANDARD":
            description["TableClassSummary"] = {"TableClass": self.table_class}
        return description
