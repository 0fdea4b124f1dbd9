"""The engine's read-only view of itself: what the workbench and the lab checks need to
explain a request, through the front door.

``engine.inspect`` returns an ``Inspector``. Every method reads the engine as it stands:

- **uncharged**: no capacity is drawn, no throughput decision is logged;
- **without side effects**: nothing due is applied (call the engine for that: due work such
  as a TTL deletion must be journaled), no state changes, so two workers that inspect the
  same engine stay identical;
- **plain data**: frozen dataclasses; attribute values stay in DynamoDB JSON
  (``{"S": "text"}``) and items are copies the caller may keep.

Errors are the engine's own (``ResourceNotFoundException`` for a missing table,
``ValidationException`` for a bad request or key); an unexpected fault is
``InternalServerError``, exactly as ``Engine.call`` raises them.

>>> from engine import Engine
>>> engine = Engine()
>>> _ = engine.call("CreateTable", {
...     "TableName": "Books", "BillingMode": "PAY_PER_REQUEST",
...     "AttributeDefinitions": [{"AttributeName": "isbn", "AttributeType": "S"}],
...     "KeySchema": [{"AttributeName": "isbn", "KeyType": "HASH"}]})
>>> _ = engine.call("PutItem", {"TableName": "Books", "Item": {"isbn": {"S": "1"}}})
>>> read = engine.inspect.itemise_read("Scan", {"TableName": "Books"})
>>> [entry.size_bytes for entry in read.entries], read.rounded_units, read.read_units
([5], 1, 0.5)
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from engine import capacity
from engine.errors import DynamoDBError, InternalServerError, ValidationException
from engine.values import Item, copy_item, value_type

if TYPE_CHECKING:
    from engine.core import Engine
    from engine.indexes import SecondaryIndex
    from engine.regions import MultiRegionEngine
    from engine.table import Table

#: The most items one ``covered_keys`` call traces (across pages).
MAX_TRACED_ITEMS = 5000

Result = TypeVar("Result")


# ---------------------------------------------------------------------- plain data
@dataclass(frozen=True)
class KeyAttribute:
    """One key attribute: its name and type (S, N or B)."""

    name: str
    type: str


@dataclass(frozen=True)
class StoredItem:
    """An item as stored, with its size by the service's rule (names plus values)."""

    item: Item
    size_bytes: int


@dataclass(frozen=True)
class ReadEntry:
    """One item (or index entry) a read took, in the order it took them."""

    #: The table's key attributes and, on an index, the index's key attributes.
    key: Item
    size_bytes: int
    #: True when the filter kept it (always True without a filter).
    kept: bool


@dataclass(frozen=True)
class ItemisedRead:
    """One page of a Query or Scan, itemised: what it read and how that became its bill.

    The arithmetic is the engine's own (engine/capacity.py): ``read_bytes`` is the sum of
    every entry read, filter or not; ``rounded_units`` rounds it up to 4 KB units (at least
    one); ``read_units`` halves that for an eventually consistent read. A local index that
    had to fetch unprojected attributes adds ``fetched_units`` (each fetched item rounded on
    its own).
    """

    operation: str
    table: str
    index: str | None
    consistent: bool
    filtered: bool
    limit: int | None
    entries: tuple[ReadEntry, ...]
    read_bytes: int
    rounded_units: int
    read_units: float
    fetched_units: float
    total_units: float
    count: int
    scanned_count: int
    last_evaluated_key: Item | None

    @property
    def more_pages(self) -> bool:
        return self.last_evaluated_key is not None

    @property
    def stopped_at_limit(self) -> bool:
        """The page stopped because it had read Limit items."""
        return self.more_pages and self.limit is not None and self.scanned_count >= self.limit

    @property
    def stopped_at_page_size(self) -> bool:
        """The page stopped because it had read 1 MB (before any filter)."""
        return self.more_pages and not self.stopped_at_limit

    @property
    def filtered_out(self) -> int:
        return self.scanned_count - self.count


@dataclass(frozen=True)
class CoveredKeys:
    """The keys of every item a read's key condition covers, across all its pages."""

    keys: tuple[Item, ...]
    #: True when there were more than the traced maximum.
    truncated: bool


@dataclass(frozen=True)
class Book:
    """One stored entry of a partition: an item (a projected item on an index)."""

    key: Item
    item: Item
    size_bytes: int


@dataclass(frozen=True)
class Shelf:
    """One partition-key value of a table or index, and a window of its items in sort-key
    order (``offset`` is the position of ``books[0]`` in the partition)."""

    #: Zero-based position in the order a Scan visits partitions.
    position: int
    #: The partition-key attribute(s) and value(s).
    partition_key: Item
    item_count: int
    size_bytes: int
    offset: int
    books: tuple[Book, ...]


@dataclass(frozen=True)
class IndexMember:
    """Whether one base item is in an index, and why not when it is not.

    ``status`` is one of:

    - ``"in_index"``: the index holds it (``projected`` names the attributes it holds);
    - ``"missing_attribute"``: the item lacks the key attribute ``attribute`` (a sparse
      index leaves it out);
    - ``"wrong_type"``: ``attribute`` has type ``found_type``, not the index key's type;
    - ``"pending"``: the write has not reached the global index yet (propagation delay);
    - ``"backfilling"``: the index is still being built;
    - ``"skipped"``: it has the key attributes but the index holds no entry for it.
    """

    key: Item
    status: str
    attribute: str | None = None
    found_type: str | None = None
    projected: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexMembership:
    """Which of a table's items an index holds (a window of them, in scan order)."""

    table: str
    index: str
    local: bool
    partition_key: tuple[KeyAttribute, ...]
    sort_key: tuple[KeyAttribute, ...]
    projection_type: str
    #: The attributes the index projects beyond the keys (INCLUDE), or None for ALL.
    projected_attributes: tuple[str, ...] | None
    table_item_count: int
    index_item_count: int
    #: Writes waiting to reach a global index (propagation delay).
    pending_writes: int
    offset: int
    members: tuple[IndexMember, ...]


@dataclass(frozen=True)
class IndexStatus:
    """One index as a table's status summary shows it."""

    name: str
    local: bool
    status: str
    partition_key: tuple[KeyAttribute, ...]
    sort_key: tuple[KeyAttribute, ...]
    projection_type: str
    non_key_attributes: tuple[str, ...]
    item_count: int
    size_bytes: int
    #: Simulated time a backfilling global index becomes ACTIVE (None when it is).
    ready_at: float | None
    pending_writes: int


@dataclass(frozen=True)
class TableStatus:
    """A table at a glance: keys, billing, indexes, stream, TTL and point-in-time recovery."""

    name: str
    status: str
    created_at: float
    billing_mode: str
    read_capacity: int
    write_capacity: int
    item_count: int
    size_bytes: int
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    indexes: tuple[IndexStatus, ...]
    stream_enabled: bool
    stream_view_type: str | None
    stream_arn: str | None
    ttl_status: str
    ttl_attribute: str | None
    pitr_enabled: bool
    pitr_recovery_days: int | None
    earliest_restorable: float | None
    latest_restorable: float | None
    deletion_protection: bool


@dataclass(frozen=True)
class Usage:
    """What a sandbox holds: tables, items and bytes of items, over all tables."""

    tables: int
    items: int
    bytes: int


@dataclass(frozen=True)
class RegionTables:
    """One Region of a sandbox and the tables it holds (sorted as ListTables sorts them)."""

    region: str
    tables: tuple[str, ...]


@dataclass(frozen=True)
class ReplicaState:
    """One replica of a global table, as of the inspector's simulated now."""

    region: str
    #: CREATING until its backfill ends, then ACTIVE.
    status: str
    created_at: float
    active_at: float
    #: The Region whose endpoint added it (None for the table the global table started from).
    source: str | None
    #: Replication to and from this Region is paused (a simulated outage).
    paused: bool
    #: Replicated writes on their way to this replica.
    pending_in: int
    #: This replica's writes still on their way to other replicas.
    pending_out: int
    #: Replicated write units billed in this Region (writes made here and writes received).
    replicated_write_units: float
    #: This Region's TTL process deletes expired items (the others receive its deletions).
    runs_ttl: bool


@dataclass(frozen=True)
class WriteOutcome:
    """What became of a replicated write in one replica."""

    region: str
    #: ``applied``, ``pending``, ``discarded`` (a newer write was there) or ``dropped`` (the
    #: replica was removed first).
    state: str
    #: When it was applied, discarded or dropped, or when it is due while pending.
    at: float
    #: For ``discarded``: the write sequence number of the newer write that stayed.
    beaten_by: int | None


@dataclass(frozen=True)
class ReplicatedWrite:
    """A write made to one replica of a global table, and where it went."""

    seq: int
    region: str
    time: float
    key: Item
    #: INSERT, MODIFY, REMOVE or TTL (a deletion by the TTL process).
    kind: str
    outcomes: tuple[WriteOutcome, ...]


@dataclass(frozen=True)
class WriteVersion:
    """One side of a last-writer-wins decision: a write's sequence number, Region and time."""

    seq: int
    region: str
    time: float
    kind: str


@dataclass(frozen=True)
class LostWrite:
    """A replicated write discarded by last writer wins: when it reached ``region`` at
    ``at``, the newer write ``winner`` was already there."""

    key: Item
    region: str
    at: float
    loser: WriteVersion
    winner: WriteVersion
    #: The winner was written before the loser had reached the winner's Region (a true
    #: conflict, not an older write arriving late).
    concurrent: bool


@dataclass(frozen=True)
class Replication:
    """A global table seen from one of its Regions: its replicas, the writes in flight, the
    latest writes and the writes last writer wins discarded (newest last)."""

    table: str
    region: str
    version: str
    lag_seconds: float
    replicas: tuple[ReplicaState, ...]
    writes: tuple[ReplicatedWrite, ...]
    lost: tuple[LostWrite, ...]


# ---------------------------------------------------------------------- the inspector
def _guarded(method: Callable[..., Result]) -> Callable[..., Result]:
    """Errors as ``Engine.call`` raises them: the service's, or InternalServerError."""

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Result:
        try:
            return method(self, *args, **kwargs)
        except DynamoDBError:
            raise
        except Exception as error:
            raise InternalServerError(
                "The server encountered an internal error trying to inspect the engine: "
                f"{type(error).__name__}"
            ) from error

    return run


class Inspector:
    """Read-only, uncharged views of one engine (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def region(self) -> str:
        """The Region this view shows."""
        return self._engine.region

    # ------------------------------------------------------------------ regions
    @_guarded
    def table_regions(self, table: str) -> tuple[str, ...]:
        """Every Region of the sandbox holding a table named ``table``, sorted (this one
        included when it holds one). O(Regions)."""
        regions = self._engine.regions
        if regions is None:
            return (self.region,) if table in self._engine.tables else ()
        return SandboxInspector(regions).table_regions(table)

    @_guarded
    def regions(self) -> tuple[RegionTables, ...]:
        """Every Region of the sandbox holding at least one table, sorted. O(tables)."""
        regions = self._engine.regions
        if regions is None:
            names = tuple(sorted(self._engine.tables))
            return (RegionTables(self.region, names),) if names else ()
        return SandboxInspector(regions).regions()

    @_guarded
    def replication(self, table: str) -> Replication | None:
        """The global table ``table`` belongs to, seen from this Region, or None for a
        regional table. O(replicas + logged writes)."""
        from engine.replication import GLOBAL_TABLE_VERSION

        engine = self._engine
        stored = self._table(table)
        regions = engine.regions
        if regions is None:
            return None
        replication = regions.replication
        group = replication.group_of(engine.region, stored.name)
        if group is None:
            return None
        now = engine.now()
        pending_out: dict[str, int] = {}
        for (origin, _), queue in replication.queues.items():
            pending_out[origin] = pending_out.get(origin, 0) + sum(
                1 for delivery in queue if delivery.group == group.id
            )
        replicas = tuple(
            ReplicaState(
                region=replica.region,
                status=replica.status(now),
                created_at=replica.created_at,
                active_at=replica.active_at,
                source=replica.source,
                paused=replica.region in replication.paused,
                pending_in=replication.pending.get((replica.region, group.id), 0),
                pending_out=pending_out.get(replica.region, 0),
                replicated_write_units=group.replicated_units.get(replica.region, 0.0),
                runs_ttl=group.ttl_runner == replica.region,
            )
            for replica in group.replicas.values()
        )
        writes = tuple(
            ReplicatedWrite(
                seq=record.seq,
                region=record.region,
                time=record.time,
                key=copy_item(record.key),
                kind=record.kind,
                outcomes=tuple(
                    WriteOutcome(region, state, at, beaten_by)
                    for region, (state, at, beaten_by) in record.outcomes.items()
                ),
            )
            for record in group.writes
        )
        kinds = {record.seq: record.kind for record in group.writes}
        lost = tuple(
            LostWrite(
                key=copy_item(entry.key),
                region=entry.region,
                at=entry.at,
                loser=WriteVersion(
                    entry.loser.seq, entry.loser.region, entry.loser.time, entry.loser_kind
                ),
                winner=WriteVersion(
                    entry.winner.seq,
                    entry.winner.region,
                    entry.winner.time,
                    kinds.get(entry.winner.seq, entry.winner_kind),
                ),
                concurrent=entry.concurrent,
            )
            for entry in group.lost
        )
        return Replication(
            table=stored.name,
            region=engine.region,
            version=GLOBAL_TABLE_VERSION,
            lag_seconds=replication.lag_seconds,
            replicas=replicas,
            writes=writes,
            lost=lost,
        )

    # ------------------------------------------------------------------ tables
    @_guarded
    def table_names(self) -> list[str]:
        """Every table's name, sorted as ListTables sorts them. O(t log t)."""
        return sorted(self._engine.tables)

    @_guarded
    def describe_table(self, table: str) -> dict[str, Any]:
        """The table's TableDescription, as DescribeTable answers, without applying what is
        due. O(indexes)."""
        stored = self._table(table)
        return copy.deepcopy(self._engine.describe_table(stored))

    @_guarded
    def table_status(self, table: str) -> TableStatus:
        """The table at a glance (see TableStatus). O(indexes)."""
        engine = self._engine
        stored = self._table(table)
        now = engine.now()
        types = _attribute_types(stored)
        schema = stored.schema
        indexes = tuple(self._index_status(index, types, now) for index in stored.indexes.values())
        stream = stored.stream_specification or {}
        ttl = engine.extensions["ttl"].tables.get(stored.name)  # type: ignore[attr-defined]
        history = engine.extensions["backups"].histories.get(stored.name)  # type: ignore[attr-defined]
        return TableStatus(
            name=stored.name,
            status=stored.status(now),
            created_at=stored.created_at,
            billing_mode=stored.billing_mode,
            read_capacity=stored.throughput.read,
            write_capacity=stored.throughput.write,
            item_count=stored.item_count,
            size_bytes=stored.size_bytes,
            partition_key=KeyAttribute(schema.partition_key, schema.partition_type),
            sort_key=(
                KeyAttribute(schema.sort_key, schema.sort_type or "S") if schema.sort_key else None
            ),
            indexes=indexes,
            stream_enabled=bool(stream.get("StreamEnabled")),
            stream_view_type=stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
            stream_arn=(
                f"{stored.arn}/stream/{stored.stream_label}" if stored.stream_label else None
            ),
            ttl_status=ttl.status if ttl is not None else "DISABLED",
            ttl_attribute=ttl.attribute if ttl is not None else None,
            pitr_enabled=history is not None,
            pitr_recovery_days=history.period_days if history is not None else None,
            earliest_restorable=history.earliest(now) if history is not None else None,
            latest_restorable=history.latest(now) if history is not None else None,
            deletion_protection=stored.deletion_protection,
        )

    @_guarded
    def item(self, table: str, key: Item) -> StoredItem | None:
        """The item with this key (exactly the table's key attributes), or None.

        Raises ValidationException when the key does not match the table's key schema.
        O(1) for a simple key, O(log n) for a composite one.
        """
        stored = self._table(table)
        if not isinstance(key, dict):
            raise ValidationException("The provided key element does not match the schema")
        partition_value, sort_value = stored.schema.check_key(key)
        entry = stored.get(partition_value, sort_value)
        if entry is None:
            return None
        return StoredItem(copy_item(entry[0]), entry[1])

    @_guarded
    def sandbox_usage(self) -> Usage:
        """Tables, items and bytes over every Region of the sandbox. O(tables)."""
        regions = self._engine.regions
        return SandboxInspector(regions).usage() if regions is not None else self.usage()

    @_guarded
    def usage(self) -> Usage:
        """Tables, items and bytes this Region's engine holds now. O(tables)."""
        tables = self._engine.tables.values()
        return Usage(
            tables=len(self._engine.tables),
            items=sum(table.item_count for table in tables),
            bytes=sum(table.size_bytes for table in tables),
        )

    # ------------------------------------------------------------------ reads
    @_guarded
    def itemise_read(self, operation: str, request: dict[str, Any]) -> ItemisedRead:
        """Run one Query or Scan page as ``Engine.call`` would, uncharged, and itemise it.

        The same code as the operation reads the same entries, so the bill is the engine's;
        nothing is charged and nothing due is applied. O(log n + k) for a Query of k items,
        O(n) for a Scan.
        """
        entries: list[ReadEntry] = []
        run, table, index = self._read_runner(operation, request)
        key_names = self._key_names(table, index)

        def observe(item: Item, size: int, kept: bool) -> None:
            entries.append(
                ReadEntry({n: copy_item(item)[n] for n in key_names if n in item}, size, kept)
            )

        _, response, consumption = run(self._engine, copy.deepcopy(request), observe=observe)
        consistent = bool(request.get("ConsistentRead"))
        read_bytes = sum(entry.size_bytes for entry in entries)
        read_units = capacity.read_units(read_bytes, consistent=consistent)
        total = consumption.total
        last = response.get("LastEvaluatedKey")
        limit = request.get("Limit")
        return ItemisedRead(
            operation=operation,
            table=table.name,
            index=index.name if index is not None else None,
            consistent=consistent,
            filtered=bool(request.get("FilterExpression") or request.get(f"{operation}Filter")),
            limit=limit if isinstance(limit, int) and not isinstance(limit, bool) else None,
            entries=tuple(entries),
            read_bytes=read_bytes,
            rounded_units=capacity.read_unit_count(read_bytes),
            read_units=read_units,
            fetched_units=total - read_units,
            total_units=total,
            count=int(response.get("Count", 0)),
            scanned_count=int(response.get("ScannedCount", 0)),
            last_evaluated_key=copy.deepcopy(last) if last is not None else None,
        )

    @_guarded
    def covered_keys(
        self, operation: str, request: dict[str, Any], *, limit: int = MAX_TRACED_ITEMS
    ) -> CoveredKeys:
        """The keys of every item a Query's key condition (or a Scan) covers, on every page.

        The filter, projection, Limit and ExclusiveStartKey are left out: they decide what a
        page returns, not which items the condition reaches. Uncharged. O(k) for k covered
        items, at most ``limit`` of them.
        """
        run, table, index = self._read_runner(operation, request)
        key_names = self._key_names(table, index)
        kept = {
            name: value
            for name, value in request.items()
            if name
            in (
                "TableName",
                "IndexName",
                "KeyConditionExpression",
                "KeyConditions",
                "ScanIndexForward",
                "ConsistentRead",
                "Segment",
                "TotalSegments",
            )
        }
        names = request.get("ExpressionAttributeNames")
        values = request.get("ExpressionAttributeValues")
        key_text = request.get("KeyConditionExpression")
        if isinstance(key_text, str):
            # Only the placeholders the key condition uses (others would be "unused").
            if isinstance(names, dict):
                used = {k: v for k, v in names.items() if k in key_text}
                if used:
                    kept["ExpressionAttributeNames"] = used
            if isinstance(values, dict):
                used = {k: v for k, v in values.items() if k in key_text}
                if used:
                    kept["ExpressionAttributeValues"] = used
        keys: list[Item] = []

        def observe(item: Item, size: int, passed: bool) -> None:
            keys.append({n: copy_item(item)[n] for n in key_names if n in item})

        page_request = copy.deepcopy(kept)
        page_request["Limit"] = limit + 1
        _, response, _ = run(self._engine, page_request, observe=observe)
        while response.get("LastEvaluatedKey") is not None and len(keys) <= limit:
            page_request = {**page_request, "ExclusiveStartKey": response["LastEvaluatedKey"]}
            page_request["Limit"] = limit + 1 - len(keys)
            _, response, _ = run(self._engine, page_request, observe=observe)
        return CoveredKeys(tuple(keys[:limit]), len(keys) > limit)

    # ------------------------------------------------------------------ shelves
    @_guarded
    def shelf_count(self, table: str, index: str | None = None) -> int:
        """How many partition-key values the table (or index) holds. O(1)."""
        return len(self._source(table, index).partition_order)

    @_guarded
    def shelves(
        self,
        table: str,
        index: str | None = None,
        *,
        start: int = 0,
        count: int = 30,
        books: int = 50,
    ) -> tuple[Shelf, ...]:
        """Partitions ``start`` .. ``start + count`` in scan order, each with its first
        ``books`` items. O(count × (log P + items per partition))."""
        source = self._source(table, index)
        order = source.partition_order
        end = min(len(order), max(start, 0) + max(count, 0))
        return tuple(
            self._shelf(table, index, source, position, 0, books)
            for position in range(max(start, 0), end)
        )

    @_guarded
    def shelf_of(
        self, table: str, index: str | None, key: Item, *, books: int = 50, before: int = 3
    ) -> Shelf | None:
        """The partition holding ``key`` (an item's table key, plus the index's key
        attributes on an index), its window of ``books`` items starting ``before`` items
        ahead of that item. None when no such item is stored. O(log P + partition size)."""
        source = self._source(table, index)
        located = self._locate(source, index, key)
        if located is None:
            return None
        position, offset = located
        partition_size = len(_entries(source, source.partition_order[position][1]))
        start = max(0, min(offset - before, partition_size - books))
        return self._shelf(table, index, source, position, start, books)

    # ------------------------------------------------------------------ indexes
    @_guarded
    def index_membership(
        self, table: str, index: str, *, offset: int = 0, limit: int = 100
    ) -> IndexMembership:
        """For the table's items ``offset`` .. ``offset + limit`` in scan order: is each in
        the index, and why not. O(offset + limit × log n)."""
        stored = self._table(table)
        found = stored.indexes.get(index)
        if found is None:
            raise ValidationException(f"The table does not have the specified index: {index}")
        now = self._engine.now()
        backfilling = found.status(now) != "ACTIVE"
        members = []
        for position, item in enumerate(stored.all_items()):
            if position < offset:
                continue
            if len(members) >= limit:
                break
            members.append(self._member(found, item, backfilling))
        return IndexMembership(
            table=stored.name,
            index=found.name,
            local=found.local,
            partition_key=tuple(KeyAttribute(n, t) for n, t in found.partition_attrs),
            sort_key=tuple(KeyAttribute(n, t) for n, t in found.sort_attrs),
            projection_type=found.projection_type,
            projected_attributes=(
                tuple(found.definition["Projection"].get("NonKeyAttributes") or [])
                if found.projected_names is not None
                else None
            ),
            table_item_count=stored.item_count,
            index_item_count=found.item_count,
            pending_writes=len(found.pending),
            offset=offset,
            members=tuple(members),
        )

    # ------------------------------------------------------------------ internals
    def _table(self, name: str) -> Table:
        return self._engine.get_table(name)

    def _source(self, table: str, index: str | None) -> Table | SecondaryIndex:
        stored = self._table(table)
        if index is None:
            return stored
        found = stored.indexes.get(index)
        if found is None:
            raise ValidationException(f"The table does not have the specified index: {index}")
        return found

    def _read_runner(
        self, operation: str, request: dict[str, Any]
    ) -> tuple[Callable[..., Any], Table, SecondaryIndex | None]:
        from engine.operations import reads

        if operation not in ("Query", "Scan"):
            raise ValidationException(f"Only Query and Scan pages can be itemised, not {operation}")
        if not isinstance(request, dict) or not isinstance(request.get("TableName"), str):
            raise ValidationException("The request needs a TableName")
        table = self._table(request["TableName"])
        index_name = request.get("IndexName")
        index = table.indexes.get(index_name) if isinstance(index_name, str) else None
        return (reads.run_query if operation == "Query" else reads.run_scan), table, index

    @staticmethod
    def _key_names(table: Table, index: SecondaryIndex | None) -> tuple[str, ...]:
        return index.key_names if index is not None else table.schema.names

    @staticmethod
    def _shelf(
        table: str,
        index: str | None,
        source: Table | SecondaryIndex,
        position: int,
        offset: int,
        books: int,
    ) -> Shelf:
        entries = _entries(source, source.partition_order[position][1])
        key_names = source.key_names if index is not None else source.schema.names  # type: ignore[union-attr]
        partition_names = _partition_names(source, index)
        first = entries[0][0]
        window = entries[offset : offset + max(books, 0)]
        return Shelf(
            position=position,
            partition_key={name: copy_item(first)[name] for name in partition_names},
            item_count=len(entries),
            size_bytes=sum(size for _, size in entries),
            offset=offset,
            books=tuple(
                Book({n: item[n] for n in key_names if n in item}, copy_item(item), size)
                for item, size in window
            ),
        )

    def _locate(
        self, source: Table | SecondaryIndex, index: str | None, key: Item
    ) -> tuple[int, int] | None:
        """(partition position, offset in the partition) of the entry with ``key``."""
        from engine.keys import partition_hash
        from engine.values import key_sort_value

        if index is None:
            table: Table = source  # type: ignore[assignment]
            schema = table.schema
            if any(name not in key for name in schema.names):
                return None
            partition_value = key_sort_value(key[schema.partition_key])
            partition = table.partitions.get(partition_value)
            if partition is None:
                return None
            place = (partition_hash(key[schema.partition_key]), partition_value)
            position = table.partition_order.index(place)
            if not table.composite:
                return position, 0
            sort_value = key_sort_value(key[schema.sort_key])
            if sort_value not in partition:
                return None
            return position, partition.index(sort_value)
        secondary: SecondaryIndex = source  # type: ignore[assignment]
        entry_key = secondary.entry_key(key) if all(n in key for n in secondary.key_names) else None
        if entry_key is None:
            return None
        partition = secondary.partitions.get(entry_key[0])
        if partition is None or entry_key[1] not in partition:
            return None
        place = (secondary.partition_hash_of(key), entry_key[0])
        return secondary.partition_order.index(place), partition.index(entry_key[1])

    @staticmethod
    def _member(index: SecondaryIndex, item: Item, backfilling: bool) -> IndexMember:
        key = {n: copy_item(item)[n] for n in index.key_names if n in item}
        for name, kind in index.partition_attrs + index.sort_attrs:
            value = item.get(name)
            if value is None:
                return IndexMember(key, "missing_attribute", attribute=name)
            if kind not in value:
                return IndexMember(key, "wrong_type", attribute=name, found_type=value_type(value))
        entry_key = index.entry_key(item)
        assert entry_key is not None
        partition = index.partitions.get(entry_key[0])
        stored = partition.get(entry_key[1]) if partition is not None else None
        if stored is not None:
            return IndexMember(key, "in_index", projected=tuple(stored[0]))
        if backfilling:
            return IndexMember(key, "backfilling")
        if index.pending:
            return IndexMember(key, "pending")
        return IndexMember(key, "skipped")

    @staticmethod
    def _index_status(index: SecondaryIndex, types: dict[str, str], now: float) -> IndexStatus:
        projection = index.definition["Projection"]
        status = index.status(now) if not index.local else "ACTIVE"
        return IndexStatus(
            name=index.name,
            local=index.local,
            status=status,
            partition_key=tuple(KeyAttribute(n, t) for n, t in index.partition_attrs),
            sort_key=tuple(KeyAttribute(n, t) for n, t in index.sort_attrs),
            projection_type=index.projection_type,
            non_key_attributes=tuple(projection.get("NonKeyAttributes") or []),
            item_count=index.item_count,
            size_bytes=index.size_bytes,
            ready_at=index.backfill_until if status != "ACTIVE" else None,
            pending_writes=len(index.pending),
        )


class SandboxInspector:
    """Read-only views across a sandbox's Regions (``MultiRegionEngine.inspect``)."""

    def __init__(self, regions: MultiRegionEngine) -> None:
        self._regions = regions

    def region(self, name: str) -> Inspector:
        """One Region's ``Inspector`` (an empty Region's when it was never used)."""
        return self._regions.inspector(name)

    @_guarded
    def usage(self) -> Usage:
        """Tables, items and bytes over every Region. O(tables)."""
        tables = items = size = 0
        for engine in self._regions.engines.values():
            tables += len(engine.tables)
            items += sum(table.item_count for table in engine.tables.values())
            size += sum(table.size_bytes for table in engine.tables.values())
        return Usage(tables=tables, items=items, bytes=size)

    @_guarded
    def regions(self) -> tuple[RegionTables, ...]:
        """Every Region holding at least one table, sorted by name. O(tables)."""
        return tuple(
            RegionTables(name, tuple(sorted(engine.tables)))
            for name, engine in sorted(self._regions.engines.items())
            if engine.tables
        )

    @_guarded
    def table_regions(self, table: str) -> tuple[str, ...]:
        """The Regions holding a table named ``table``, sorted. O(Regions)."""
        return tuple(
            name for name, engine in sorted(self._regions.engines.items()) if table in engine.tables
        )


def _attribute_types(table: Table) -> dict[str, str]:
    return {d["AttributeName"]: d["AttributeType"] for d in table.attribute_definitions}


def _partition_names(source: Any, index: str | None) -> tuple[str, ...]:
    if index is None:
        return (source.schema.partition_key,)
    return tuple(name for name, _ in source.partition_attrs)


def _entries(source: Any, partition_value: Any) -> list[tuple[Item, int]]:
    """A partition's stored entries in sort order (a table with a simple key stores its one
    entry directly; composite tables and indexes keep a SortedDict)."""
    partition = source.partitions[partition_value]
    if isinstance(partition, tuple):
        return [partition]
    return list(partition.values())
