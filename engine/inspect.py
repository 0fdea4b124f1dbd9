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

import bisect
import copy
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from engine import capacity
from engine.errors import (
    DynamoDBError,
    InternalServerError,
    ResourceNotFoundException,
    ValidationException,
)
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
    #: Simulated time its backfill began (None when it is not backfilling).
    backfill_started: float | None = None

    def backfill_progress(self, now: float) -> float | None:
        """How far the backfill has come at ``now``, from 0.0 to 1.0 (None when there is
        none): the engine builds the index at a steady rate in simulated time.

        >>> IndexStatus("i", False, "CREATING", (), (), "ALL", (), 0, 0, 110.0, 0, 100.0
        ...             ).backfill_progress(105.0)
        0.5
        """
        if self.ready_at is None or self.backfill_started is None:
            return None
        span = self.ready_at - self.backfill_started
        if span <= 0:
            return 1.0
        return min(1.0, max(0.0, (now - self.backfill_started) / span))


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


@dataclass(frozen=True)
class KeyConditionTarget:
    """What a Query's key condition asks for, resolved against the key schema.

    ``partition_key`` maps each partition-key attribute to the typed value the condition
    tests it against (one attribute, or up to four on a multi-attribute global index).
    ``sort_operator`` is None or one of ``= < <= > >= BETWEEN begins_with`` (written with the
    key on the left, so ``:v < sk`` reads ``>``); ``sort_values`` holds 0, 1 or 2 values.
    """

    table: str
    index: str | None
    partition_key: Item
    sort_key: str | None
    sort_operator: str | None
    sort_values: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class DaxNode:
    """One node of a DAX cluster."""

    node_id: str
    status: str
    #: The first node that stays is the primary; the others are read replicas.
    primary: bool
    availability_zone: str
    created_at: float
    #: The node's own endpoint path on this server (``/dax/<cluster>/<node id>/``).
    endpoint_path: str
    #: Requests this node answered.
    requests_served: int


@dataclass(frozen=True)
class DaxEntry:
    """One live entry of a DAX cache, as of the engine's now."""

    #: "item" (GetItem, BatchGetItem) or "query" (Query, Scan).
    cache: str
    table: str
    #: GetItem for item entries; Query or Scan for pages.
    operation: str
    #: The item's key (item entries); None for pages.
    key: Item | None
    #: The cached item, None for a negative entry or a page.
    item: Item | None
    #: The request whose page is cached (query entries); None for items.
    request: dict[str, Any] | None
    #: Items on a cached page (0 for item entries).
    item_count: int
    size_bytes: int
    written_at: float
    #: None when the TTL is 0 (no expiry by time).
    expires_at: float | None
    remaining_seconds: float | None
    #: What a read of it from the table would bill: saved on each hit.
    read_units: float

    @property
    def negative(self) -> bool:
        """An item entry that says the item does not exist."""
        return self.cache == "item" and self.item is None


@dataclass(frozen=True)
class DaxStatistics:
    """A cluster's hits, misses and evictions per cache, and the read units it saved."""

    item_hits: int
    item_misses: int
    query_hits: int
    query_misses: int
    scan_hits: int
    scan_misses: int
    item_evictions: int
    query_evictions: int
    read_units_saved: float
    pass_throughs: int
    write_throughs: int


@dataclass(frozen=True)
class DaxCluster:
    """A DAX cluster: status, nodes, TTLs, cache use and contents, statistics."""

    name: str
    status: str
    region: str
    arn: str
    node_type: str
    description: str
    created_at: float
    parameter_group: str
    record_ttl_millis: int
    query_ttl_millis: int
    #: The cluster's endpoint path on this server (``/dax/<cluster>/``).
    endpoint_path: str
    nodes: tuple[DaxNode, ...]
    #: One node's memory (every node holds a full copy of the caches).
    node_memory_bytes: int
    #: What DynaLab keeps of the cache: the node's memory up to its per-cluster limit.
    cache_capacity_bytes: int
    cache_used_bytes: int
    statistics: DaxStatistics
    #: Live entries, most recently used first (at most the number asked for).
    item_entries: tuple[DaxEntry, ...]
    query_entries: tuple[DaxEntry, ...]
    item_entry_count: int
    query_entry_count: int

    @property
    def active_nodes(self) -> int:
        return sum(1 for node in self.nodes if node.status == "available")

    @property
    def serving(self) -> bool:
        """Whether calls through it are answered (available or modifying)."""
        return self.status in ("available", "modifying")


@dataclass(frozen=True)
class DaxParameterGroup:
    """A DAX parameter group's two TTLs and the clusters that use it."""

    name: str
    description: str
    record_ttl_millis: int
    query_ttl_millis: int
    clusters: tuple[str, ...]


@dataclass(frozen=True)
class PendingIndexWrite:
    """One table write on its way to a global secondary index (propagation lag)."""

    #: Simulated time the index shows it.
    visible_at: float
    #: The table key of the item written.
    key: Item
    #: "put" (the item enters or changes in the index), "remove" (it leaves the index) or
    #: "none" (it is in neither the old nor the new image of the index).
    effect: str


@dataclass(frozen=True)
class ShardView:
    """One shard of a stream, as a timeline shows it."""

    shard_id: str
    parent_shard_id: str | None
    opened_at: float
    #: When it closed (a rollover, or the stream being disabled); None while open.
    closed_at: float | None
    starting_sequence_number: str
    ending_sequence_number: str | None
    #: Records still readable (younger than the retention period).
    record_count: int
    #: True when records of this shard were trimmed after 24 hours.
    trimmed: bool
    #: The iterator positions TRIM_HORIZON and LATEST stand for, as sequence numbers.
    trim_horizon: str
    latest: str
    first_record_at: float | None
    last_record_at: float | None


@dataclass(frozen=True)
class StreamView:
    """One stream of a table: its settings and its shards, oldest first."""

    arn: str
    label: str
    table: str
    view_type: str
    status: str
    created_at: float
    disabled_at: float | None
    shards: tuple[ShardView, ...]
    retention_seconds: float
    rollover_seconds: float

    @property
    def record_count(self) -> int:
        return sum(shard.record_count for shard in self.shards)


@dataclass(frozen=True)
class StreamRecordView:
    """One stream record, as GetRecords returns it, in plain fields."""

    shard_id: str
    sequence_number: str
    event_name: str
    #: ApproximateCreationDateTime (whole seconds, as the service rounds it).
    created_at: float
    keys: Item
    #: None when the stream's view type does not hold the image (or there is none).
    new_image: Item | None
    old_image: Item | None
    size_bytes: int
    view_type: str
    #: ``{"PrincipalId": ..., "Type": "Service"}`` for a TTL deletion, else None.
    user_identity: dict[str, str] | None
    event_id: str


@dataclass(frozen=True)
class TriggerView:
    """One of DynaLab's stream triggers (a stand-in for a Lambda event-source mapping)."""

    trigger_id: str
    stream_arn: str
    table: str
    handler: str
    parameters: dict[str, Any]
    batch_size: int
    starting_position: str
    state: str
    created_at: float
    last_result: str
    last_processed_at: float | None
    records_processed: int
    batches_processed: int
    failed_attempts: int
    pending_records: int
    last_error: dict[str, Any] | None
    #: The table the handler writes to (its TableName parameter).
    target_table: str | None


@dataclass(frozen=True)
class TriggerHandler:
    """A built-in handler a trigger can run."""

    name: str
    description: str


@dataclass(frozen=True)
class TTLEntry:
    """One item TTL will delete: when it expires, and when the deletion is due."""

    key: Item
    #: The item's TTL attribute, in epoch seconds.
    expires_at: float | None
    #: The moment the item counts as expired for deletion (never before TTL was enabled or
    #: the item's last write).
    considered_from: float
    due_at: float


@dataclass(frozen=True)
class TTLDeletion:
    """An item TTL deleted, and the stream record that tells of it."""

    key: Item
    expires_at: float | None
    deleted_at: float
    #: The REMOVE record's sequence number in the table's stream (None without a stream, or
    #: once trimmed).
    stream_sequence_number: str | None
    stream_shard_id: str | None


@dataclass(frozen=True)
class TTLView:
    """A table's time to live: its setting, what is scheduled and what was deleted."""

    table: str
    status: str
    attribute: str | None
    enabled_at: float | None
    #: "spread" (within 48 hours), "immediate" or a number of seconds.
    deletion_delay: str | float
    #: Scheduled deletions, soonest first (at most the limit asked for).
    scheduled: tuple[TTLEntry, ...]
    scheduled_count: int
    #: Recent deletions, newest first.
    deleted: tuple[TTLDeletion, ...]
    #: Items without a Number in the attribute (TTL never deletes them).
    items_without_ttl: int
    #: Items whose time lies more than five years in the past (the service ignores them).
    items_ignored: int


@dataclass(frozen=True)
class BackupView:
    """One on-demand (USER) or SYSTEM backup."""

    arn: str
    name: str
    table: str
    kind: str
    status: str
    created_at: float
    available_at: float
    size_bytes: int
    item_count: int
    expires_at: float | None


@dataclass(frozen=True)
class ItemDifference:
    """One key whose item differs between two tables."""

    key: Item
    #: The item in the first table (None: only the second has it).
    first: Item | None
    second: Item | None
    #: Attributes added, removed or changed (names, sorted); empty for a whole item.
    changed_attributes: tuple[str, ...]


@dataclass(frozen=True)
class TableDiff:
    """Two tables with the same key schema compared item by item."""

    first: str
    second: str
    first_count: int
    second_count: int
    same_count: int
    #: Keys only the first holds, only the second holds, and in both with other values.
    only_in_first: tuple[ItemDifference, ...]
    only_in_second: tuple[ItemDifference, ...]
    changed: tuple[ItemDifference, ...]
    only_in_first_count: int
    only_in_second_count: int
    changed_count: int

    @property
    def identical(self) -> bool:
        return not (self.only_in_first_count or self.only_in_second_count or self.changed_count)

    @property
    def truncated(self) -> bool:
        return (
            len(self.only_in_first) < self.only_in_first_count
            or len(self.only_in_second) < self.only_in_second_count
            or len(self.changed) < self.changed_count
        )


@dataclass(frozen=True)
class DueWork:
    """Work the engine will do when the clock reaches it, grouped by kind and table.

    ``kind`` is one of ``ttl_delete`` (items TTL deletes), ``index_propagation`` (writes
    reaching a global index), ``index_backfill`` (a new index becoming ACTIVE),
    ``table_active`` (a created or restored table becoming ACTIVE), ``backup_available``,
    ``shard_rollover`` (a stream's shard closing and its child opening), ``stream_trim``
    (records passing 24 hours), ``stream_gone`` (a disabled stream disappearing),
    ``backup_expiry`` (a SYSTEM backup's 35 days ending), ``burst_refill`` (a provisioned
    table's bucket and burst pool full again) and ``replicated_write`` (a global table's writes
    from another Region arriving in this one; ``detail`` is that Region).
    """

    kind: str
    table: str
    #: The first and last moments of this work within the horizon asked about.
    first_at: float
    last_at: float
    count: int
    #: The index, stream, backup or capacity kind it concerns, when there is one.
    detail: str | None = None


@dataclass(frozen=True)
class SimulationSettings:
    """The sandbox's simulation knobs (see engine/operations/simulation.py)."""

    gsi_propagation_delay: float
    ttl_deletion_delay: str | float
    shard_rollover_seconds: float
    stream_retention_seconds: float


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
    def in_region(self, name: str) -> Inspector:
        """The view of another Region of the same sandbox (this view for its own Region, or
        for a lone engine's); ValidationException for a Region DynaLab does not answer.
        O(1)."""
        from engine.regions import check_region

        check_region(name)
        regions = self._engine.regions
        if name == self.region or regions is None:
            return self
        return regions.inspector(name)

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

    # ------------------------------------------------------------------ requests
    @_guarded
    def key_condition(self, request: dict[str, Any]) -> KeyConditionTarget:
        """What a Query request's key condition (KeyConditionExpression or the legacy
        KeyConditions) targets: the partition-key value and the sort-key condition, checked
        against the table's (or index's) key schema exactly as Query checks them.

        Raises ValidationException for a request Query would refuse for its key condition.
        Reads no item. O(len(expression)).
        """
        from engine.expressions import compile_key_condition
        from engine.legacy import key_condition_expression, key_conditions
        from engine.multikey import compile_multi_key_condition
        from engine.operations.common import expression_context

        if not isinstance(request, dict) or not isinstance(request.get("TableName"), str):
            raise ValidationException("The request needs a TableName")
        table = self._table(request["TableName"])
        index_name = request.get("IndexName")
        index = None
        if index_name is not None:
            index = table.indexes.get(index_name) if isinstance(index_name, str) else None
            if index is None:
                raise ValidationException(
                    f"The table does not have the specified index: {index_name}"
                )
        key_text = request.get("KeyConditionExpression")
        legacy = key_conditions(request) if key_text is None else None
        if key_text is None and legacy is None:
            raise ValidationException(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified "
                "in the request."
            )
        context = expression_context(request)
        if index is not None:
            partition_attrs, sort_attrs = index.partition_attrs, index.sort_attrs
        else:
            types = _attribute_types(table)
            schema = table.schema
            partition_attrs = [(schema.partition_key, types[schema.partition_key])]
            sort_attrs = [(schema.sort_key, types[schema.sort_key])] if schema.sort_key else []
        if legacy is not None:
            key_text, context = key_condition_expression(
                legacy,
                [name for name, _ in partition_attrs],
                [name for name, _ in sort_attrs],
                dict(partition_attrs + sort_attrs),
            )
        if not isinstance(key_text, str):
            raise ValidationException("KeyConditionExpression must be a string")
        if len(partition_attrs) > 1 or len(sort_attrs) > 1:
            multi = compile_multi_key_condition(key_text, context, partition_attrs, sort_attrs)
            sort_name = sort_attrs[len(multi.equal_prefix)][0] if multi.sort_operator else None
            return KeyConditionTarget(
                table=table.name,
                index=index.name if index is not None else None,
                partition_key={
                    name: copy.deepcopy(value)
                    for (name, _), value in zip(
                        partition_attrs, multi.partition_values, strict=True
                    )
                },
                sort_key=sort_name,
                sort_operator=multi.sort_operator,
                sort_values=tuple(copy.deepcopy(v) for v in multi.sort_values),
            )
        sort_name = sort_attrs[0][0] if sort_attrs else None
        condition = compile_key_condition(
            key_text, context, partition_attrs[0][0], sort_name, dict(partition_attrs + sort_attrs)
        )
        return KeyConditionTarget(
            table=table.name,
            index=index.name if index is not None else None,
            partition_key={condition.partition_key: copy.deepcopy(condition.partition_value)},
            sort_key=condition.sort_key if condition.sort_operator else None,
            sort_operator=condition.sort_operator,
            sort_values=tuple(copy.deepcopy(v) for v in condition.sort_values),
        )

    # ------------------------------------------------------------------ DAX
    @_guarded
    def dax_clusters(self, *, entries: int = 0) -> tuple[DaxCluster, ...]:
        """Every DAX cluster, in creation order, each with up to ``entries`` live entries of
        each cache. O(clusters × entries)."""
        dax = self._engine.extensions["dax"]
        return tuple(
            self._dax_cluster(cluster, entries)
            for cluster in dax.clusters.values()  # type: ignore[attr-defined]
        )

    @_guarded
    def dax_cluster(self, name: str, *, entries: int = 200) -> DaxCluster:
        """One cluster (names are case-insensitive) with up to ``entries`` live entries of
        each cache, most recently used first; ClusterNotFoundFault if there is none.
        O(entries in its caches)."""
        from engine.errors import ClusterNotFoundFault

        dax = self._engine.extensions["dax"]
        cluster = dax.clusters.get(name.lower())  # type: ignore[attr-defined]
        if cluster is None:
            raise ClusterNotFoundFault(f"Cluster {name} not found.")
        return self._dax_cluster(cluster, entries)

    @_guarded
    def dax_parameter_groups(self) -> tuple[DaxParameterGroup, ...]:
        """Every DAX parameter group (the default first) and the clusters using it. O(g × c)."""
        dax: Any = self._engine.extensions["dax"]
        return tuple(
            DaxParameterGroup(
                name=group.name,
                description=group.description,
                record_ttl_millis=group.record_ttl_millis,
                query_ttl_millis=group.query_ttl_millis,
                clusters=tuple(
                    c.name for c in dax.clusters.values() if c.parameter_group == group.name
                ),
            )
            for group in dax.parameter_groups.values()
        )

    def _dax_cluster(self, cluster: Any, limit: int) -> DaxCluster:
        from engine.dax import GIB, NODE_TYPES

        dax: Any = self._engine.extensions["dax"]
        now = self._engine.now()
        staying = cluster.staying_nodes()
        primary = staying[0].node_id if staying else None
        live = [
            entry
            for entry in reversed(cluster.entries.values())
            if not dax.is_expired(cluster, entry, now)
        ]
        items = [entry for entry in live if entry.cache == "item"]
        pages = [entry for entry in live if entry.cache != "item"]
        stats = cluster.statistics
        return DaxCluster(
            name=cluster.name,
            status=cluster.status(now),
            region=cluster.region,
            arn=cluster.arn,
            node_type=cluster.node_type,
            description=cluster.description,
            created_at=cluster.created_at,
            parameter_group=cluster.parameter_group,
            record_ttl_millis=dax.ttl_millis(cluster, "item"),
            query_ttl_millis=dax.ttl_millis(cluster, "query"),
            endpoint_path=cluster.endpoint_path,
            nodes=tuple(
                DaxNode(
                    node_id=node.node_id,
                    status=node.status(now),
                    primary=node.node_id == primary,
                    availability_zone=node.availability_zone,
                    created_at=node.created_at,
                    endpoint_path=cluster.node_path(node),
                    requests_served=node.served,
                )
                for node in cluster.nodes
            ),
            node_memory_bytes=NODE_TYPES[cluster.node_type] * GIB,
            cache_capacity_bytes=dax.capacity_bytes(cluster),
            cache_used_bytes=cluster.used_bytes,
            statistics=DaxStatistics(
                item_hits=stats.item_hits,
                item_misses=stats.item_misses,
                query_hits=stats.query_hits,
                query_misses=stats.query_misses,
                scan_hits=stats.scan_hits,
                scan_misses=stats.scan_misses,
                item_evictions=stats.item_evictions,
                query_evictions=stats.query_evictions,
                read_units_saved=stats.read_units_saved,
                pass_throughs=stats.pass_throughs,
                write_throughs=stats.write_throughs,
            ),
            item_entries=tuple(self._dax_entry(dax, cluster, e, now) for e in items[:limit]),
            query_entries=tuple(self._dax_entry(dax, cluster, e, now) for e in pages[:limit]),
            item_entry_count=len(items),
            query_entry_count=len(pages),
        )

    @staticmethod
    def _dax_entry(dax: Any, cluster: Any, entry: Any, now: float) -> DaxEntry:
        import json

        expires = dax.expires_at(cluster, entry)
        is_item = entry.cache == "item"
        return DaxEntry(
            cache=entry.cache,
            table=entry.table,
            operation=entry.operation,
            key=json.loads(entry.key) if is_item else None,
            item=copy.deepcopy(entry.value) if is_item else None,
            request=json.loads(entry.key) if not is_item else None,
            item_count=0 if is_item else len(entry.value.get("Items", [])),
            size_bytes=entry.size,
            written_at=entry.written_at,
            expires_at=expires,
            remaining_seconds=None if expires is None else max(0.0, expires - now),
            read_units=entry.units,
        )

    # ------------------------------------------------------------------ indexes, more
    @_guarded
    def index_members(self, table: str, index: str, keys: list[Item]) -> tuple[IndexMember, ...]:
        """For each table key in ``keys``: is that item in the index, and why not (as
        ``index_membership`` says). A key with no stored item is left out. O(k log n)."""
        stored = self._table(table)
        found = stored.indexes.get(index)
        if found is None:
            raise ValidationException(f"The table does not have the specified index: {index}")
        backfilling = found.status(self._engine.now()) != "ACTIVE"
        members = []
        for key in keys:
            if not isinstance(key, dict):
                continue
            partition_value, sort_value = stored.schema.check_key(key)
            entry = stored.get(partition_value, sort_value)
            if entry is not None:
                members.append(self._member(found, entry[0], backfilling))
        return tuple(members)

    @_guarded
    def pending_index_writes(
        self, table: str, index: str, *, limit: int = 100
    ) -> tuple[PendingIndexWrite, ...]:
        """The first ``limit`` writes still on their way to a global index, oldest first.
        O(limit)."""
        stored = self._table(table)
        found = stored.indexes.get(index)
        if found is None:
            raise ValidationException(f"The table does not have the specified index: {index}")
        writes = []
        for visible_at, old, new in found.pending:
            if len(writes) >= limit:
                break
            source = new if new is not None else old
            assert source is not None
            key = {n: copy_item(source)[n] for n in stored.schema.names}
            if found.entry_key(new) is not None:
                effect = "put"
            elif found.entry_key(old) is not None:
                effect = "remove"
            else:
                effect = "none"
            writes.append(PendingIndexWrite(visible_at, key, effect))
        return tuple(writes)

    # ------------------------------------------------------------------ streams
    @_guarded
    def streams(self, table: str | None = None) -> tuple[StreamView, ...]:
        """Every stream (of one table, if given), newest first, with its shards oldest first;
        disabled streams stay for 24 hours. O(streams × shards)."""
        extension = self._engine.extensions["streams"]
        name = self._engine.resolve_table_name(table) if table is not None else None
        return tuple(
            self._stream_view(stream, extension)
            for stream in extension.ordered()  # type: ignore[attr-defined]
            if name is None or stream.table_name == name
        )

    @_guarded
    def stream_records(
        self,
        stream_arn: str,
        shard_id: str,
        *,
        position: str | None = None,
        count: int = 1,
        backwards: bool = False,
    ) -> tuple[StreamRecordView, ...]:
        """Records of one shard, as an iterator at ``position`` (a sequence number; default
        TRIM_HORIZON) would read them: the first ``count`` at or after it, or with
        ``backwards`` the last ``count`` before it (oldest first either way). Trimmed records
        are never returned. O(log n + count)."""
        extension = self._engine.extensions["streams"]
        stream = extension.get(stream_arn)  # type: ignore[attr-defined]
        shard = stream.shard(shard_id)
        if shard is None:
            raise ResourceNotFoundException(
                f"Requested resource not found: Shard: {shard_id} in Stream: {stream_arn} not found"
            )
        start = shard.trim_point if position is None else _sequence(position)
        index = max(shard.index_of(start), shard.first)
        if backwards:
            first = max(shard.first, index - max(count, 0))
            chosen = range(first, index)
        else:
            chosen = range(index, min(len(shard.seqs), index + max(count, 0)))
        return tuple(
            _record_view(shard.shard_id, stream.view_type, stream.record_at(shard, i))
            for i in chosen
        )

    @_guarded
    def triggers(self, table: str | None = None) -> tuple[TriggerView, ...]:
        """DynaLab's stream triggers (of one table, if given), in creation order.
        O(triggers)."""
        extension = self._engine.extensions["triggers"]
        views = []
        for trigger in extension.triggers.values():  # type: ignore[attr-defined]
            if table is not None and trigger.table_name != table:
                continue
            described = extension.describe(trigger)  # type: ignore[attr-defined]
            views.append(
                TriggerView(
                    trigger_id=trigger.trigger_id,
                    stream_arn=trigger.stream_arn,
                    table=trigger.table_name,
                    handler=trigger.handler_name,
                    parameters=copy.deepcopy(trigger.parameters),
                    batch_size=trigger.batch_size,
                    starting_position=trigger.starting_position,
                    state=described["State"],
                    created_at=trigger.created_at,
                    last_result=trigger.last_result,
                    last_processed_at=trigger.last_processed_at,
                    records_processed=trigger.records_processed,
                    batches_processed=trigger.batches_processed,
                    failed_attempts=trigger.failed_attempts,
                    pending_records=described["PendingRecords"],
                    last_error=copy.deepcopy(trigger.last_error),
                    target_table=trigger.parameters.get("TableName"),
                )
            )
        return tuple(views)

    @staticmethod
    def trigger_handlers() -> tuple[TriggerHandler, ...]:
        """The built-in handlers a trigger can run, by name. O(1)."""
        from engine.triggers import HANDLERS

        return tuple(
            TriggerHandler(handler.name, handler.description)
            for _, handler in sorted(HANDLERS.items())
        )

    # ------------------------------------------------------------------ time to live
    @_guarded
    def ttl(self, table: str, *, limit: int = 200) -> TTLView:
        """The table's TTL setting, its next ``limit`` scheduled deletions, its recent
        deletions with their stream records, and how many items TTL leaves alone.
        O(n) for the items without a TTL, plus the stream's records for the deletions."""
        from engine.ttl import key_id, ttl_seconds

        stored = self._table(table)
        extension = self._engine.extensions["ttl"]
        ttl = extension.tables.get(stored.name)  # type: ignore[attr-defined]
        status = ttl.status if ttl is not None else "DISABLED"
        attribute = ttl.attribute if ttl is not None else None
        scheduled: list[TTLEntry] = []
        scheduled_count = 0
        deleted: list[TTLDeletion] = []
        without = ignored = 0
        if ttl is not None:
            scheduled_count = len(ttl.schedule)
            for due, identity in ttl.schedule[: max(limit, 0)]:
                start, _, key = ttl.entries[identity]
                entry = stored.get(*stored.schema.check_key(key))
                expires = ttl_seconds(entry[0], attribute) if entry and attribute else None
                scheduled.append(TTLEntry(copy_item(key), expires, start, due))
            removals = self._service_removals(stored.name)
            for key, expires, deleted_at in reversed(ttl.recent):
                found = removals.get(key_id(key))
                deleted.append(
                    TTLDeletion(
                        copy_item(key),
                        expires,
                        deleted_at,
                        found[1] if found else None,
                        found[0] if found else None,
                    )
                )
        if attribute is not None and ttl is not None:
            for item in stored.all_items():
                if ttl_seconds(item, attribute) is None:
                    without += 1
                elif key_id(stored.schema.key_of(item)) not in ttl.entries:
                    ignored += 1  # a Number TTL that is not scheduled: over five years past
        else:
            without = stored.item_count
        return TTLView(
            table=stored.name,
            status=status,
            attribute=attribute,
            enabled_at=ttl.enabled_at if ttl is not None else None,
            deletion_delay=extension.ttl_deletion_delay,  # type: ignore[attr-defined]
            scheduled=tuple(scheduled),
            scheduled_count=scheduled_count,
            deleted=tuple(deleted),
            items_without_ttl=without,
            items_ignored=ignored,
        )

    # ------------------------------------------------------------------ backups
    @_guarded
    def backups(self, table: str | None = None) -> tuple[BackupView, ...]:
        """On-demand and SYSTEM backups (of one table, if given), oldest first.
        O(b log b)."""
        now = self._engine.now()
        extension = self._engine.extensions["backups"]
        name = self._engine.resolve_table_name(table) if table is not None else None
        chosen = sorted(
            (
                backup
                for backup in extension.backups.values()  # type: ignore[attr-defined]
                if name is None or backup.table_name == name
            ),
            key=lambda backup: (backup.created_at, backup.arn),
        )
        return tuple(
            BackupView(
                arn=backup.arn,
                name=backup.name,
                table=backup.table_name,
                kind=backup.kind,
                status=backup.status(now),
                created_at=backup.created_at,
                available_at=backup.available_at,
                size_bytes=backup.size_bytes,
                item_count=backup.item_count,
                expires_at=backup.expires_at,
            )
            for backup in chosen
        )

    @_guarded
    def table_diff(self, first: str, second: str, *, limit: int = 100) -> TableDiff:
        """Compare two tables with the same key schema item by item (a restored table against
        the live one, say); at most ``limit`` differences of each kind are listed, all are
        counted. O(n log n) for n items in both."""
        from engine.values import values_equal

        one, two = self._table(first), self._table(second)
        if one.schema.dump() != two.schema.dump():
            raise ValidationException(
                f"Tables {one.name} and {two.name} have different key schemas: only tables "
                "with the same keys can be compared item by item"
            )
        schema = one.schema
        second_items = {_key_text(schema.key_of(item)): item for item in two.all_items()}
        only_first: list[ItemDifference] = []
        changed: list[ItemDifference] = []
        counts = {"first": 0, "changed": 0, "same": 0}
        for item in one.all_items():
            identity = _key_text(schema.key_of(item))
            other = second_items.pop(identity, None)
            key = copy_item(schema.key_of(item))
            if other is None:
                counts["first"] += 1
                if len(only_first) < limit:
                    only_first.append(ItemDifference(key, copy_item(item), None, ()))
                continue
            names = sorted(
                name
                for name in set(item) | set(other)
                if name not in item
                or name not in other
                or not values_equal(item[name], other[name])
            )
            if not names:
                counts["same"] += 1
                continue
            counts["changed"] += 1
            if len(changed) < limit:
                changed.append(ItemDifference(key, copy_item(item), copy_item(other), tuple(names)))
        only_second = [
            ItemDifference(copy_item(schema.key_of(item)), None, copy_item(item), ())
            for item in list(second_items.values())[:limit]
        ]
        return TableDiff(
            first=one.name,
            second=two.name,
            first_count=one.item_count,
            second_count=two.item_count,
            same_count=counts["same"],
            only_in_first=tuple(only_first),
            only_in_second=tuple(only_second),
            changed=tuple(changed),
            only_in_first_count=counts["first"],
            only_in_second_count=len(second_items),
            changed_count=counts["changed"],
        )

    # ------------------------------------------------------------------ the clock
    @_guarded
    def due_within(self, seconds: float) -> tuple[DueWork, ...]:
        """Everything the engine will do by ``now + seconds`` of simulated time, grouped by
        kind and table, soonest first. O(tables × (indexes + shards) + log n per TTL
        schedule + pending index writes)."""
        engine = self._engine
        now = engine.now()
        horizon = now + max(seconds, 0.0)
        work: list[DueWork] = []

        def add(kind: str, table: str, times: list[float], detail: str | None = None) -> None:
            times = [t for t in times if t <= horizon]
            if times:
                work.append(DueWork(kind, table, min(times), max(times), len(times), detail))

        ttl_extension = engine.extensions["ttl"]
        for name, ttl in ttl_extension.tables.items():  # type: ignore[attr-defined]
            schedule = ttl.schedule
            # A deletion happens once the clock passes its due time (strictly).
            end = schedule.bisect_left((horizon,))
            if end:
                work.append(DueWork("ttl_delete", name, schedule[0][0], schedule[end - 1][0], end))
        for table in engine.tables.values():
            if table.active_at > now:
                add("table_active", table.name, [table.active_at])
            for index in table.indexes.values():
                if index.local:
                    continue
                if index.backfill_until is not None and index.backfill_until > now:
                    add("index_backfill", table.name, [index.backfill_until], index.name)
                if index.pending:
                    add(
                        "index_propagation",
                        table.name,
                        [visible_at for visible_at, _, _ in index.pending],
                        index.name,
                    )
        backups = engine.extensions["backups"]
        for backup in backups.backups.values():  # type: ignore[attr-defined]
            if backup.available_at > now:
                add("backup_available", backup.table_name, [backup.available_at], backup.name)
            if backup.expires_at is not None:
                add("backup_expiry", backup.table_name, [backup.expires_at], backup.name)
        streams = engine.extensions["streams"]
        interval = streams.shard_rollover_seconds  # type: ignore[attr-defined]
        retention = streams.retention_seconds  # type: ignore[attr-defined]
        for stream in streams.streams.values():  # type: ignore[attr-defined]
            if stream.enabled and stream.shards and interval > 0:
                boundary = stream.shards[-1].opened_at + interval
                rollovers = []
                while boundary <= horizon and len(rollovers) < 1000:
                    rollovers.append(max(boundary, now))
                    boundary += interval
                add("shard_rollover", stream.table_name, rollovers, stream.label)
            trims = []
            for shard in stream.shards:
                # Records are trimmed once older than the retention period.
                end = _bisect_right(shard.times, horizon - retention, shard.first)
                trims.extend(t + retention for t in shard.times[shard.first : end])
            add("stream_trim", stream.table_name, trims, stream.label)
            if stream.disabled_at is not None:
                add(
                    "stream_gone", stream.table_name, [stream.disabled_at + retention], stream.label
                )
        throughput = engine.extensions["throughput"]
        for name, state in throughput.tables.items():  # type: ignore[attr-defined]
            table = engine.tables.get(name)
            if table is None or table.billing_mode != "PROVISIONED":
                continue
            for (index_name, kind), bucket in state.buckets.items():
                if index_name or bucket.rate <= 0:
                    continue
                missing = (bucket.rate - bucket.level) + (bucket.burst_capacity - bucket.burst)
                full_at = bucket.updated + missing / bucket.rate
                if missing > 1e-6 and full_at > now:
                    add("burst_refill", name, [full_at], kind)
        if engine.regions is not None:
            self._replicated_writes_due(add)
        return tuple(sorted(work, key=lambda w: (w.first_at, w.kind, w.table, w.detail or "")))

    def _replicated_writes_due(self, add: Callable[..., None]) -> None:
        """Replicated writes on their way to this Region, by global table and origin (none
        while either end is paused: they wait for the resume). O(writes in flight)."""
        engine = self._engine
        assert engine.regions is not None
        replication = engine.regions.replication
        if not replication.pending_total:
            return
        arrivals: dict[tuple[str, str], list[float]] = {}
        for (origin, dest), queue in replication.queues.items():
            if dest != engine.region or origin in replication.paused or dest in replication.paused:
                continue
            released = replication.released.get((origin, dest))
            for delivery in queue:
                group = replication.groups.get(delivery.group)
                if group is None:
                    continue
                at = delivery.due if released is None else max(delivery.due, released)
                arrivals.setdefault((group.name, origin), []).append(at)
        for (table, origin), times in sorted(arrivals.items()):
            add("replicated_write", table, times, origin)

    @_guarded
    def simulation_settings(self) -> SimulationSettings:
        """The sandbox's simulation knobs: GSI propagation lag, TTL deletion delay, stream
        shard rollover and retention. O(1)."""
        streams = self._engine.extensions["streams"]
        return SimulationSettings(
            gsi_propagation_delay=self._engine.extensions["indexes"].settings.propagation_delay,  # type: ignore[attr-defined]
            ttl_deletion_delay=self._engine.extensions["ttl"].ttl_deletion_delay,  # type: ignore[attr-defined]
            shard_rollover_seconds=streams.shard_rollover_seconds,  # type: ignore[attr-defined]
            stream_retention_seconds=streams.retention_seconds,  # type: ignore[attr-defined]
        )

    # ------------------------------------------------------------------ internals
    def _stream_view(self, stream: Any, extension: Any) -> StreamView:
        from engine.streams import format_sequence

        shards = []
        for shard in stream.shards:
            live = range(shard.first, len(shard.seqs))
            shards.append(
                ShardView(
                    shard_id=shard.shard_id,
                    parent_shard_id=shard.parent_id,
                    opened_at=shard.opened_at,
                    closed_at=shard.closed_at,
                    starting_sequence_number=format_sequence(shard.start),
                    ending_sequence_number=(
                        format_sequence(shard.end) if shard.end is not None else None
                    ),
                    record_count=len(live),
                    trimmed=shard.trim_point > shard.start,
                    trim_horizon=format_sequence(shard.trim_point),
                    latest=format_sequence(shard.after_last),
                    first_record_at=shard.times[shard.first] if live else None,
                    last_record_at=shard.times[-1] if live else None,
                )
            )
        return StreamView(
            arn=stream.arn,
            label=stream.label,
            table=stream.table_name,
            view_type=stream.view_type,
            status=stream.status(),
            created_at=stream.created_at,
            disabled_at=stream.disabled_at,
            shards=tuple(shards),
            retention_seconds=extension.retention_seconds,
            rollover_seconds=extension.shard_rollover_seconds,
        )

    def _service_removals(self, table: str) -> dict[str, tuple[str, str]]:
        """Key text -> (shard id, sequence number) of the TTL REMOVE records still in the
        table's streams."""
        from engine.ttl import key_id

        found: dict[str, tuple[str, str]] = {}
        for stream in self._engine.extensions["streams"].streams.values():  # type: ignore[attr-defined]
            if stream.table_name != table:
                continue
            for shard in stream.shards:
                for index in range(shard.first, len(shard.seqs)):
                    record = stream.record_at(shard, index)
                    if record["eventName"] == "REMOVE" and record.get("userIdentity"):
                        body = record["dynamodb"]
                        found[key_id(body["Keys"])] = (shard.shard_id, body["SequenceNumber"])
        return found

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
            backfill_started=index.backfill_started if status != "ACTIVE" else None,
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


def _sequence(text: str) -> int:
    """A sequence number as the iterator positions use it (ValidationException if not one)."""
    if not isinstance(text, str) or not text.isdigit() or not 1 <= len(text) <= 40:
        raise ValidationException("Invalid SequenceNumber for the shard")
    return int(text)


def _record_view(shard_id: str, view_type: str, record: dict[str, Any]) -> StreamRecordView:
    body = record["dynamodb"]
    identity = record.get("userIdentity")
    return StreamRecordView(
        shard_id=shard_id,
        sequence_number=body["SequenceNumber"],
        event_name=record["eventName"],
        created_at=body["ApproximateCreationDateTime"],
        keys=copy_item(body["Keys"]),
        new_image=copy_item(body["NewImage"]) if "NewImage" in body else None,
        old_image=copy_item(body["OldImage"]) if "OldImage" in body else None,
        size_bytes=body["SizeBytes"],
        view_type=view_type,
        user_identity=dict(identity) if identity else None,
        event_id=record["eventID"],
    )


def _key_text(key: Item) -> str:
    return json.dumps(key, sort_keys=True, separators=(",", ":"))


def _bisect_right(values: list[float], value: float, low: int) -> int:
    """The index after the last of ``values[low:]`` (sorted) that is <= ``value``."""
    return bisect.bisect_right(values, value, low)
