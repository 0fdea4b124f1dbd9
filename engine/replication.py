"""Global tables (version 2019.11.21): replicas in several Regions of one sandbox, asynchronous
replication on the simulated clock, and last-writer-wins conflict resolution made visible.

How the simulation works (a pure function of the sandbox's state and its simulated clock):

- A *global table* is a group of tables with one name in two or more Regions (its *replicas*).
  ``UpdateTable`` ``ReplicaUpdates`` ``Create`` copies the table into another Region: the
  replica holds every item of the source at once (the backfill), but answers only
  ``DescribeTable`` until it is ACTIVE, ``replica_create_seconds`` (20) simulated seconds plus
  one second per ``replica_backfill_bytes_per_second`` (1 MB) of items later.
- Every write to a replica (a request, a transaction, PartiQL, a trigger, a TTL deletion) that
  changed the item is a *replicated write*: it gets the next number of a sandbox-wide write
  sequence and is queued for every other replica, due ``lag_seconds`` (0.5) of simulated time
  after it was written. Writes from one Region reach another in the order they were made (a
  later lag setting never overtakes an earlier write). A write into a replica still being
  created waits until it is ACTIVE.
- A write's *version* is ``(write time, write sequence)``. A replicated write that reaches a
  replica already holding a newer version of the item is discarded there: last writer wins on
  the write timestamp, and two writes made at the same simulated instant are ordered by the
  sequence, that is by the order in which the sandbox accepted them (the later one wins).
  Deletes keep their version as a tombstone while replicated writes are on their way, so an
  older write never brings a deleted item back. Every discarded write is recorded (which write
  lost, in which Region, and the newer write that stayed) with whether the two were
  *concurrent*: the winner was written before the loser had reached the winner's Region.
- A Region can be *paused* (an outage of replication, as AWS Fault Injection Service's region
  isolation pauses it): nothing is delivered to or from it, while its own requests still work.
  Resuming it delivers what waited, in order, at the moment it resumed.
- Replicated writes are billed as replicated write units in every Region they are applied in
  (where the write was made and each replica it reaches), one per started KB of the larger
  image; their global secondary index updates are ordinary write units. A TTL deletion costs
  nothing where it happens and replicated write units in the other replicas. In the receiving
  Region, the units are drawn from the table's capacity (never refused) and counted by
  DescribeThroughput.
- Each replica has its own stream: a replicated write appears in the receiving Region's stream
  like any write, without ``userIdentity`` (the service documents one only for TTL deletions,
  which carry it in the Region whose TTL process deleted the item).
- TTL settings are group-wide: enabling TTL on any replica enables it on all of them, and the
  Region where it was enabled runs the deletions; they replicate to the others.
- Schema changes (global secondary indexes) are group-wide; tags, point-in-time recovery,
  deletion protection and the table class stay regional. The stream cannot be disabled while
  the table is global; a table without a stream gets one (NEW_AND_OLD_IMAGES) when its first
  replica is added, and keeps it after its last replica is removed.

Memory stays bounded by what is in flight: versions are kept per Region only while replicated
writes are on their way to it (a write that arrives later than every write the Region holds is
newer than all of them), and the write and loss logs keep the latest entries only.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.capacity import Consumption, write_units
from engine.catalog import DYNALAB, operation
from engine.core import Engine, Extension, _load_table, table_definition
from engine.errors import ResourceInUseException, ValidationException
from engine.table import Change, Table
from engine.validation import Violations, get_bool, get_str
from engine.values import Item, item_size, key_sort_value

if TYPE_CHECKING:
    from engine.regions import MultiRegionEngine

GLOBAL_TABLE_VERSION = "2019.11.21"
#: Simulated seconds between a write and its arrival in the other replicas ("usually within
#: a second" on AWS).
DEFAULT_LAG_SECONDS = 0.5
MAX_LAG_SECONDS = 3600.0
#: A new replica is ACTIVE this long after its Create, plus its backfill time.
REPLICA_CREATE_SECONDS = 20.0
REPLICA_BACKFILL_BYTES_PER_SECOND = 1024.0 * 1024.0
#: A Region that sourced a new replica cannot be removed for this long while that replica lives.
SOURCE_RULE_SECONDS = 24 * 3600.0
#: Writes and losses kept per global table for the workbench.
WRITE_LOG_LIMIT = 200
LOST_LOG_LIMIT = 100
STREAM_FOR_REPLICAS = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def key_identity(table: Table, key: Item) -> tuple[Any, Any]:
    """A hashable identity for a primary key (its values as the table orders them)."""
    schema = table.schema
    sort = key_sort_value(key[schema.sort_key]) if schema.sort_key else None
    return (key_sort_value(key[schema.partition_key]), sort)


# ---------------------------------------------------------------------- state
@dataclass
class Replica:
    """One Region's table in a global table."""

    region: str
    created_at: float
    active_at: float
    #: The Region whose endpoint added this replica (None for the table it started from).
    source: str | None = None

    def status(self, now: float) -> str:
        return "CREATING" if now < self.active_at else "ACTIVE"


@dataclass
class Version:
    """What last-writer-wins compares: the write's time, then its place in the sandbox's
    write sequence."""

    time: float
    seq: int
    region: str

    @property
    def order(self) -> tuple[float, int]:
        return (self.time, self.seq)


@dataclass
class Delivery:
    """One replicated write on its way from ``origin`` to ``dest``."""

    seq: int
    origin: str
    dest: str
    group: str
    key: Item
    #: The item as written, or None for a delete.
    item: Item | None
    #: When it was written (its version's time).
    time: float
    kind: str
    due: float

    def dump(self) -> list[Any]:
        return [
            self.seq,
            self.origin,
            self.dest,
            self.group,
            self.key,
            self.item,
            self.time,
            self.kind,
            self.due,
        ]

    @classmethod
    def load(cls, state: list[Any]) -> Delivery:
        return cls(*state)


@dataclass
class WriteRecord:
    """A replicated write as the workbench shows it: where and when it was made, and what
    became of it in each replica (``[state, time, winning seq]``; state is ``applied``,
    ``pending``, ``discarded`` or ``dropped`` when its replica was removed first)."""

    seq: int
    region: str
    time: float
    key: Item
    kind: str
    outcomes: dict[str, list[Any]] = field(default_factory=dict)

    def dump(self) -> list[Any]:
        return [self.seq, self.region, self.time, self.key, self.kind, self.outcomes]

    @classmethod
    def load(cls, state: list[Any]) -> WriteRecord:
        seq, region, time, key, kind, outcomes = state
        return cls(seq, region, time, key, kind, {r: list(o) for r, o in outcomes.items()})


@dataclass
class LostWrite:
    """A replicated write discarded by last writer wins: it reached ``region`` at ``at``,
    where the newer write ``winner`` was already in place."""

    key: Item
    region: str
    at: float
    loser: Version
    loser_kind: str
    winner: Version
    winner_kind: str
    #: The winner was written before the loser had reached the winner's Region.
    concurrent: bool

    def dump(self) -> list[Any]:
        return [
            self.key,
            self.region,
            self.at,
            [self.loser.time, self.loser.seq, self.loser.region],
            self.loser_kind,
            [self.winner.time, self.winner.seq, self.winner.region],
            self.winner_kind,
            self.concurrent,
        ]

    @classmethod
    def load(cls, state: list[Any]) -> LostWrite:
        key, region, at, loser, loser_kind, winner, winner_kind, concurrent = state
        return cls(
            key, region, at, Version(*loser), loser_kind, Version(*winner), winner_kind, concurrent
        )


class GlobalTable:
    """One replication group: its replicas (in the order they joined) and its logs."""

    def __init__(self, group_id: str, name: str) -> None:
        self.id = group_id
        self.name = name
        self.replicas: dict[str, Replica] = {}
        #: The Region whose TTL process deletes expired items (the others get its deletions).
        self.ttl_runner: str | None = None
        #: Replicated write units billed per Region (writes made there and writes it received).
        self.replicated_units: dict[str, float] = {}
        self.writes: deque[WriteRecord] = deque()
        self.by_seq: dict[int, WriteRecord] = {}
        self.lost: deque[LostWrite] = deque(maxlen=LOST_LOG_LIMIT)

    def log(self, record: WriteRecord) -> None:
        self.writes.append(record)
        self.by_seq[record.seq] = record
        while len(self.writes) > WRITE_LOG_LIMIT:
            self.by_seq.pop(self.writes.popleft().seq, None)

    def bill(self, region: str, units: float) -> None:
        self.replicated_units[region] = self.replicated_units.get(region, 0.0) + units

    def dump(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "replicas": [
                [r.region, r.created_at, r.active_at, r.source] for r in self.replicas.values()
            ],
            "ttl_runner": self.ttl_runner,
            "replicated_units": dict(self.replicated_units),
            "writes": [record.dump() for record in self.writes],
            "lost": [lost.dump() for lost in self.lost],
        }

    @classmethod
    def load(cls, state: dict[str, Any]) -> GlobalTable:
        group = cls(state["id"], state["name"])
        for region, created_at, active_at, source in state.get("replicas", []):
            group.replicas[region] = Replica(region, created_at, active_at, source)
        group.ttl_runner = state.get("ttl_runner")
        group.replicated_units = dict(state.get("replicated_units") or {})
        for record_state in state.get("writes", []):
            group.log(WriteRecord.load(record_state))
        group.lost.extend(LostWrite.load(lost) for lost in state.get("lost", []))
        return group


# ---------------------------------------------------------------------- the coordinator
class Replication:
    """Every global table of a sandbox and the replicated writes between its Regions."""

    SETTINGS = ("lag_seconds", "replica_create_seconds", "replica_backfill_bytes_per_second")

    def __init__(self, regions: MultiRegionEngine) -> None:
        self.regions = regions
        self.lag_seconds = DEFAULT_LAG_SECONDS
        self.replica_create_seconds = REPLICA_CREATE_SECONDS
        self.replica_backfill_bytes_per_second = REPLICA_BACKFILL_BYTES_PER_SECOND
        #: Region -> simulated time its replication was paused.
        self.paused: dict[str, float] = {}
        self.groups: dict[str, GlobalTable] = {}
        #: (Region, table name) -> group id, for the tables that replicate now.
        self.members: dict[tuple[str, str], str] = {}
        self.sequence = 0
        self.groups_made = 0
        #: (origin, dest) -> deliveries in the order they were written.
        self.queues: dict[tuple[str, str], deque[Delivery]] = {}
        #: (origin, dest) -> when the pair last came back from a pause.
        self.released: dict[tuple[str, str], float] = {}
        #: (dest, group) -> deliveries on their way there.
        self.pending: dict[tuple[str, str], int] = {}
        self.pending_total = 0
        #: (Region, group) -> key identity -> (the version it holds, the write's kind, the key),
        #: kept only while replicated writes are on their way there.
        self.versions: dict[tuple[str, str], dict[Any, tuple[Version, str, Item]]] = {}
        #: True while a delivery or a backfill writes: those writes are not replicated again.
        self.delivering = False

    # ------------------------------------------------------------------ lookups
    def group_of(self, region: str, name: str) -> GlobalTable | None:
        """The global table this Region's table belongs to (None for a regional table)."""
        group_id = self.members.get((region, name))
        return self.groups.get(group_id) if group_id is not None else None

    def participants(self) -> list[str]:
        """Regions holding a replica of any global table, sorted. O(members)."""
        return sorted({region for region, _ in self.members})

    # ------------------------------------------------------------------ time
    def catch_up(self, now: float) -> None:
        """Apply what became due by ``now`` in every Region that replicates (their TTL
        deletions are writes to replicate), then deliver every replicated write due.

        O(1) for a sandbox without global tables or writes in flight."""
        if not self.members and not self.pending_total:
            return
        engines = self.regions.engines
        for region in self.participants():
            engine = engines.get(region)
            if engine is not None:
                engine.advance_extensions(now)
        self.deliver(now)

    def deliver(self, now: float) -> None:
        """Deliver, in order of arrival time then write sequence, every replicated write due
        by ``now`` between Regions that are not paused. O(k × pairs) for k deliveries."""
        while self.pending_total:
            best: tuple[tuple[float, int, str], tuple[str, str]] | None = None
            for pair, queue in self.queues.items():
                if not queue or pair[0] in self.paused or pair[1] in self.paused:
                    continue
                head = queue[0]
                at = max(head.due, self.released.get(pair, head.due))
                if at > now:
                    continue
                rank = (at, head.seq, pair[1])
                if best is None or rank < best[0]:
                    best = (rank, pair)
            if best is None:
                return
            (at, _, _), pair = best
            self._apply(self.queues[pair].popleft(), at)

    # ------------------------------------------------------------------ writes
    def changed(self, region: str, table: Table, change: Change) -> None:
        """A change of ``table`` in ``region`` (its change listener): queue it for every other
        replica. Deliveries and backfills are not replicated again. O(replicas)."""
        if self.delivering:
            return
        group_id = self.members.get((region, table.name))
        if group_id is None:
            return
        old, new = change.old, change.new
        if old is not None and new is not None and _items_equal(old, new):
            return  # changed nothing: no stream record and nothing to replicate
        group = self.groups[group_id]
        self.sequence += 1
        seq = self.sequence
        ttl = change.user_identity is not None
        kind = "TTL" if ttl else ("REMOVE" if new is None else ("MODIFY" if old else "INSERT"))
        if not ttl:
            group.bill(region, write_units(max(change.old_size or 0, change.new_size or 0)))
        record = WriteRecord(seq, region, change.time, change.key, kind)
        record.outcomes[region] = ["applied", change.time, None]
        if self.pending.get((region, group_id)):
            self.versions.setdefault((region, group_id), {})[key_identity(table, change.key)] = (
                Version(change.time, seq, region),
                kind,
                change.key,
            )
        for dest, replica in group.replicas.items():
            if dest == region:
                continue
            queue = self.queues.setdefault((region, dest), deque())
            due = change.time + self.lag_seconds
            if queue:
                due = max(due, queue[-1].due)
            due = max(due, replica.active_at)
            queue.append(
                Delivery(seq, region, dest, group_id, change.key, new, change.time, kind, due)
            )
            self._count(dest, group_id, 1)
            record.outcomes[dest] = ["pending", due, None]
        group.log(record)

    def _count(self, dest: str, group_id: str, delta: int) -> None:
        key = (dest, group_id)
        count = self.pending.get(key, 0) + delta
        self.pending_total += delta
        if count > 0:
            self.pending[key] = count
            return
        self.pending.pop(key, None)
        # Nothing is on its way there: any later write is newer than all it holds.
        self.versions.pop(key, None)

    def _apply(self, delivery: Delivery, at: float) -> None:
        group = self.groups.get(delivery.group)
        record = group.by_seq.get(delivery.seq) if group is not None else None
        engine = self.regions.engines.get(delivery.dest)
        table = None
        if group is not None and delivery.dest in group.replicas and engine is not None:
            table = engine.tables.get(group.name)
        if table is None or group is None or engine is None:
            if record is not None:
                record.outcomes[delivery.dest] = ["dropped", at, None]
            self._count(delivery.dest, delivery.group, -1)
            return
        identity = key_identity(table, delivery.key)
        held = self.versions.get((delivery.dest, delivery.group), {}).get(identity)
        incoming = Version(delivery.time, delivery.seq, delivery.origin)
        if held is not None and held[0].order > incoming.order:
            self._lose(group, delivery, incoming, held, at, record)
        else:
            self._write(engine, table, group, delivery, at)
            if record is not None:
                record.outcomes[delivery.dest] = ["applied", at, None]
            if self.pending.get((delivery.dest, delivery.group), 0) > 1:
                self.versions.setdefault((delivery.dest, delivery.group), {})[identity] = (
                    incoming,
                    delivery.kind,
                    delivery.key,
                )
        self._count(delivery.dest, delivery.group, -1)

    def _lose(
        self,
        group: GlobalTable,
        delivery: Delivery,
        incoming: Version,
        held: tuple[Version, str, Item],
        at: float,
        record: WriteRecord | None,
    ) -> None:
        winner, winner_kind, _ = held
        concurrent = True
        if record is not None:
            seen = record.outcomes.get(winner.region)
            concurrent = not (seen and seen[0] == "applied" and seen[1] <= winner.time)
            record.outcomes[delivery.dest] = ["discarded", at, winner.seq]
        group.lost.append(
            LostWrite(
                delivery.key,
                delivery.dest,
                at,
                incoming,
                delivery.kind,
                winner,
                winner_kind,
                concurrent,
            )
        )

    def _write(
        self, engine: Engine, table: Table, group: GlobalTable, delivery: Delivery, at: float
    ) -> None:
        """Apply a replicated write in its Region, billed there as replicated write units."""
        from engine.operations.common import bill_write

        schema = table.schema
        key = delivery.key
        partition = key_sort_value(key[schema.partition_key])
        sort = key_sort_value(key[schema.sort_key]) if schema.sort_key else None
        old = table.get(partition, sort)
        if delivery.item is None and old is None:
            return
        size = item_size(delivery.item) if delivery.item is not None else 0
        consumption = Consumption(table.name)
        bill_write(table, consumption, old, delivery.item, size)
        group.bill(delivery.dest, consumption.table_units)
        throughput = engine.extensions.get("throughput")
        if throughput is not None:
            throughput.record_replicated(table, consumption, at)  # type: ignore[attr-defined]
        self.delivering = True
        try:
            table.write(
                partition, sort, delivery.item, at, size=size if delivery.item is not None else None
            )
        finally:
            self.delivering = False

    # ------------------------------------------------------------------ replicas
    def add_replica(
        self,
        source: Engine,
        table: Table,
        region: str,
        now: float,
        *,
        table_class: str | None = None,
    ) -> None:
        """Create ``table``'s replica in ``region`` (checked by the caller): the source joins
        (or forms) the group, gets a stream if it has none, and the replica holds its items."""
        group = self.group_of(source.region, table.name)
        if group is None:
            group = self._regional_group(source.region, table)
        if not (table.stream_specification or {}).get("StreamEnabled"):
            table.stream_specification = dict(STREAM_FOR_REPLICAS)
            source.table_updated(table)
        target = self.regions.region(region)
        state = table_definition(table)
        state.update(
            arn=target.table_arn(table.name),
            created_at=now,
            active_at=now
            + self.replica_create_seconds
            + table.size_bytes / max(self.replica_backfill_bytes_per_second, 1.0),
            stream_label=None,
            restore_summary=None,
            tags={},
            deletion_protection=False,
            table_class=table_class or table.table_class,
        )
        state["items"] = list(table.all_items())
        replica_table = _load_table(state)
        self.delivering = True
        try:
            target.add_table(replica_table)
        finally:
            self.delivering = False
        target.creating_replicas.add(table.name)
        group.replicas[region] = Replica(region, now, replica_table.active_at, source.region)
        for member in group.replicas:
            self.members[(member, table.name)] = group.id
        self._sync_ttl_to(source, table, target, replica_table, now)
        # Writes on their way to the source reach the new replica too: its backfill is the
        # source as it is now.
        for (origin, dest), queue in list(self.queues.items()):
            if dest != source.region:
                continue
            copies = self.queues.setdefault((origin, region), deque())
            for delivery in queue:
                if delivery.group != group.id:
                    continue
                copies.append(
                    Delivery(
                        delivery.seq,
                        origin,
                        region,
                        group.id,
                        delivery.key,
                        delivery.item,
                        delivery.time,
                        delivery.kind,
                        max(delivery.due, replica_table.active_at),
                    )
                )
                self._count(region, group.id, 1)
                record = group.by_seq.get(delivery.seq)
                if record is not None:
                    record.outcomes[region] = ["pending", copies[-1].due, None]
        held = self.versions.get((source.region, group.id))
        if held and self.pending.get((region, group.id)):
            self.versions[(region, group.id)] = dict(held)

    def _regional_group(self, region: str, table: Table) -> GlobalTable:
        """The group a regional table forms (or had, when it was global before)."""
        found = None
        for group in self.groups.values():
            if group.name == table.name and set(group.replicas) == {region}:
                found = group
        if found is None:
            self.groups_made += 1
            found = GlobalTable(f"{table.name}#{self.groups_made}", table.name)
            found.replicas[region] = Replica(region, table.created_at, table.active_at, None)
            self.groups[found.id] = found
        ttl = _ttl_state(self.regions.engines[region], table)
        found.ttl_runner = region if ttl is not None and ttl.enabled else None
        return found

    def _sync_ttl_to(
        self, source: Engine, table: Table, target: Engine, replica_table: Table, now: float
    ) -> None:
        ttl = _ttl_state(source, table)
        if ttl is None or not ttl.enabled or ttl.attribute is None:
            return
        target.extensions["ttl"].sync(  # type: ignore[attr-defined]
            replica_table, True, ttl.attribute, now, runs=False
        )

    def check_removable(self, region: str, table: Table, now: float, *, deleting: bool) -> None:
        """Refuse removing a replica the service would keep (checked in its order): still
        being created, protected against deletion, or the source of a replica added in the
        last 24 hours."""
        group = self.group_of(region, table.name)
        if group is None:
            return
        replica = group.replicas.get(region)
        if deleting and replica is not None and replica.status(now) == "CREATING":
            raise ResourceInUseException(
                f"Attempt to change a resource which is still in use: Table: {table.name} is "
                "being used."
            )
        if table.deletion_protection:
            raise ValidationException(
                f"Cannot delete table {table.name} in region {region} because it has deletion "
                "protection enabled. Disable deletion protection first."
            )
        for other in group.replicas.values():
            if (
                other.region != region
                and other.source == region
                and now - other.created_at < SOURCE_RULE_SECONDS
            ):
                raise ValidationException(
                    "Replica cannot be deleted because it has acted as a source region for new "
                    "replica(s) being added to the table in the last 24 hours."
                )

    def table_removed(self, region: str, table: Table, now: float) -> None:
        """A replica's table was deleted (DeleteTable, or ReplicaUpdates Delete): it leaves the
        group; writes on their way to it are dropped, writes it made still arrive elsewhere."""
        group_id = self.members.pop((region, table.name), None)
        if group_id is None:
            # A table that was global once and is regional again: its old group goes with it.
            for group in list(self.groups.values()):
                if group.name == table.name and set(group.replicas) == {region}:
                    group.replicas.clear()
                    self._forget_if_idle(group)
            return
        group = self.groups[group_id]
        group.replicas.pop(region, None)
        for (origin, dest), queue in self.queues.items():
            if dest != region:
                continue
            kept: deque[Delivery] = deque()
            for delivery in queue:
                if delivery.group != group_id:
                    kept.append(delivery)
                    continue
                record = group.by_seq.get(delivery.seq)
                if record is not None:
                    record.outcomes[region] = ["dropped", now, None]
                self._count(region, group_id, -1)
            self.queues[(origin, dest)] = kept
        engine = self.regions.engines.get(region)
        if engine is not None:
            engine.creating_replicas.discard(table.name)
        if group.ttl_runner == region:
            group.ttl_runner = None
            for other in group.replicas:
                other_engine = self.regions.engines.get(other)
                other_table = other_engine.tables.get(group.name) if other_engine else None
                if other_table is not None and other_engine is not None:
                    ttl = other_engine.extensions["ttl"]
                    if ttl.set_runs(other_table, True, now):  # type: ignore[attr-defined]
                        group.ttl_runner = other
                    break
        if len(group.replicas) <= 1:
            # Back to a regional table: it keeps its stream, replicates nothing any more, and
            # still receives what was already on its way.
            for other in group.replicas:
                self.members.pop((other, group.name), None)
        self._forget_if_idle(group)

    def _forget_if_idle(self, group: GlobalTable) -> None:
        """Drop a group with no replica left once nothing is on its way to it."""
        if group.replicas:
            return
        for (origin, dest), queue in self.queues.items():
            if any(delivery.group == group.id for delivery in queue):
                remaining = deque(d for d in queue if d.group != group.id)
                for _ in range(len(queue) - len(remaining)):
                    self._count(dest, group.id, -1)
                self.queues[(origin, dest)] = remaining
        self.groups.pop(group.id, None)

    def ttl_changed(
        self, region: str, table: Table, enabled: bool, attribute: str, now: float
    ) -> None:
        """UpdateTimeToLive on a replica: every other replica takes the setting, and the
        Region where it changed runs the deletions."""
        group = self.group_of(region, table.name)
        if group is None:
            return
        group.ttl_runner = region if enabled else None
        for other in group.replicas:
            if other == region:
                continue
            engine = self.regions.engines.get(other)
            other_table = engine.tables.get(group.name) if engine is not None else None
            if engine is not None and other_table is not None:
                engine.extensions["ttl"].sync(  # type: ignore[attr-defined]
                    other_table, enabled, attribute, now, runs=False
                )

    def peers(self, region: str, table: Table) -> Iterator[tuple[Engine, Table]]:
        """The other replicas of ``table`` (engine and table), in the order they joined."""
        group = self.group_of(region, table.name)
        if group is None:
            return
        for other in group.replicas:
            if other == region:
                continue
            engine = self.regions.engines.get(other)
            other_table = engine.tables.get(group.name) if engine is not None else None
            if engine is not None and other_table is not None:
                yield engine, other_table

    # ------------------------------------------------------------------ settings
    def set_lag(self, seconds: float) -> None:
        """Simulated seconds between a write and its arrival elsewhere, for later writes."""
        self.lag_seconds = float(seconds)

    def pause(self, region: str, now: float) -> None:
        """Stop replication to and from ``region`` (its own requests still work)."""
        self.paused.setdefault(region, now)

    def resume(self, region: str, now: float) -> None:
        """Replicate to and from ``region`` again: what waited arrives from ``now``, in order."""
        if self.paused.pop(region, None) is None:
            return
        for pair in list(self.queues):
            if region in pair and pair[0] not in self.paused and pair[1] not in self.paused:
                self.released[pair] = now

    def describe_settings(self) -> dict[str, Any]:
        return {
            "ReplicationLagSeconds": self.lag_seconds,
            "ReplicaCreationSeconds": self.replica_create_seconds,
            "PausedRegions": [
                {"RegionName": region, "PausedAt": at} for region, at in sorted(self.paused.items())
            ],
        }

    # ------------------------------------------------------------------ description
    def describe(self, region: str, table: Table, description: dict[str, Any], now: float) -> None:
        """GlobalTableVersion and the other replicas, in the order they joined, as DescribeTable
        shows them in ``region``."""
        group = self.group_of(region, table.name)
        if group is None:
            return
        description["GlobalTableVersion"] = GLOBAL_TABLE_VERSION
        indexes = [{"IndexName": index["IndexName"]} for index in table.global_indexes]
        replicas = []
        for other, replica in group.replicas.items():
            if other == region:
                continue
            entry: dict[str, Any] = {"RegionName": other, "ReplicaStatus": replica.status(now)}
            if indexes:
                entry["GlobalSecondaryIndexes"] = copy.deepcopy(indexes)
            replicas.append(entry)
        description["Replicas"] = replicas

    # ------------------------------------------------------------------ persistence
    def dump(self) -> dict[str, Any]:
        return {
            "settings": {name: getattr(self, name) for name in self.SETTINGS},
            "paused": dict(self.paused),
            "sequence": self.sequence,
            "groups_made": self.groups_made,
            "groups": [group.dump() for group in self.groups.values()],
            "members": [[region, name, group] for (region, name), group in self.members.items()],
            "queues": [
                [origin, dest, [delivery.dump() for delivery in queue]]
                for (origin, dest), queue in self.queues.items()
                if queue
            ],
            "released": [[origin, dest, at] for (origin, dest), at in self.released.items()],
            "versions": [
                [region, group, [[key, v.time, v.seq, v.region, kind] for v, kind, key in held]]
                for (region, group), held in ((p, h.values()) for p, h in self.versions.items())
            ],
        }

    def load(self, state: dict[str, Any]) -> None:
        for name, value in (state.get("settings") or {}).items():
            if name in self.SETTINGS:
                setattr(self, name, value)
        self.paused = dict(state.get("paused") or {})
        self.sequence = state.get("sequence", 0)
        self.groups_made = state.get("groups_made", 0)
        self.groups = {}
        for group_state in state.get("groups", []):
            group = GlobalTable.load(group_state)
            self.groups[group.id] = group
        self.members = {(region, name): group for region, name, group in state.get("members", [])}
        self.queues = {}
        self.pending = {}
        self.pending_total = 0
        for origin, dest, deliveries in state.get("queues", []):
            queue = self.queues.setdefault((origin, dest), deque())
            for delivery_state in deliveries:
                delivery = Delivery.load(delivery_state)
                queue.append(delivery)
                self.pending[(dest, delivery.group)] = (
                    self.pending.get((dest, delivery.group), 0) + 1
                )
                self.pending_total += 1
        self.released = {(origin, dest): at for origin, dest, at in state.get("released", [])}
        self.versions = {}
        for region, group_id, held in state.get("versions", []):
            group = self.groups.get(group_id)
            engine = self.regions.engines.get(region)
            table = engine.tables.get(group.name) if engine is not None and group else None
            if table is None:
                continue
            self.versions[(region, group_id)] = {
                key_identity(table, key): (Version(time, seq, origin), kind, key)
                for key, time, seq, origin, kind in held
            }
        for (region, name), _ in self.members.items():
            engine = self.regions.engines.get(region)
            table = engine.tables.get(name) if engine is not None else None
            if engine is not None and table is not None and engine.now() < table.active_at:
                engine.creating_replicas.add(name)


def _items_equal(left: Item, right: Item) -> bool:
    from engine.streams import items_equal

    return items_equal(left, right)


def _ttl_state(engine: Engine, table: Table) -> Any:
    ttl = engine.extensions.get("ttl")
    return ttl.tables.get(table.name) if ttl is not None else None  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- the extension
class ReplicationExtension(Extension):
    """One Region's side of global tables: feeds its tables' changes to the sandbox's
    ``Replication`` and adds ``Replicas`` to their descriptions. Keeps no state of its own."""

    @property
    def replication(self) -> Replication | None:
        regions = self.engine.regions
        return regions.replication if regions is not None else None

    def table_created(self, table: Table) -> None:
        engine = self.engine

        def listen(change: Change, table: Table = table) -> None:
            replication = self.replication
            if replication is not None:
                replication.changed(engine.region, table, change)

        table.change_listeners.append(listen)

    def table_deleted(self, table: Table, now: float) -> None:
        replication = self.replication
        if replication is not None:
            replication.table_removed(self.engine.region, table, now)

    def table_description(self, table: Table, description: dict[str, Any], now: float) -> None:
        replication = self.replication
        if replication is not None:
            replication.describe(self.engine.region, table, description, now)


def replication_of(engine: Engine) -> Replication:
    """The sandbox's replication, or ValidationException for an engine that is one Region on
    its own (only a MultiRegionEngine has other Regions to replicate to)."""
    if engine.regions is None:
        raise ValidationException(
            "Global tables need a sandbox with several Regions (engine.MultiRegionEngine)"
        )
    return engine.regions.replication


# ---------------------------------------------------------------------- DynaLab operations
@operation("DescribeReplicationSettings", api=DYNALAB, read_only=True)
def describe_replication_settings(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """DynaLab extension, NOT part of the DynamoDB API: the sandbox's replication lag and
    the Regions whose replication is paused."""
    return replication_of(engine).describe_settings()


@operation("UpdateReplicationSettings", api=DYNALAB)
def update_replication_settings(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """DynaLab extension, NOT part of the DynamoDB API: set the simulated replication lag
    (``ReplicationLagSeconds``, 0 to 3600) for writes made from now on."""
    replication = replication_of(engine)
    lag = request.get("ReplicationLagSeconds")
    if isinstance(lag, bool) or not isinstance(lag, int | float) or lag != lag:
        raise ValidationException(
            "ReplicationLagSeconds must be a number of simulated seconds from 0 to 3600"
        )
    if not 0 <= lag <= MAX_LAG_SECONDS:
        raise ValidationException(
            f"ReplicationLagSeconds must be from 0 to 3600 simulated seconds, not {lag}"
        )
    replication.set_lag(float(lag))
    return replication.describe_settings()


@operation("UpdateRegionReplication", api=DYNALAB)
def update_region_replication(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """DynaLab extension, NOT part of the DynamoDB API: pause (``Paused``: true) or resume
    replication to and from one Region, to simulate an outage and its recovery."""
    from engine.regions import check_region

    replication = replication_of(engine)
    violations = Violations()
    region = get_str(request, "RegionName")
    paused = get_bool(request, "Paused")
    violations.not_null(region, "regionName")
    violations.not_null(paused, "paused")
    violations.raise_if_any()
    assert region is not None
    check_region(region)
    if paused:
        replication.pause(region, engine.now())
    else:
        replication.resume(region, engine.now())
    return replication.describe_settings()
