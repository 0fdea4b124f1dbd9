"""DynamoDB Accelerator (DAX): clusters with an item cache and a query cache in front of the
engine's tables, on the simulated clock.

What the service documents, and how this module models it (the operations live in
``engine/operations/dax.py``, the control plane, and ``engine/operations/dax_data.py``, the
calls sent through a cluster):

Clusters and nodes
    A cluster has 1 to 11 nodes of one node type: a primary and up to 10 read replicas. Every
    node holds a full copy of both caches, so more nodes add read throughput (reads are
    spread over the available nodes, writes go to the primary), never cache size: a cluster's
    cache holds what one node's memory holds. Statuses follow the simulated clock: a new
    cluster is ``creating`` for ``create_seconds`` (60 simulated seconds; the service takes
    minutes), then ``available``; adding or removing nodes makes it ``modifying`` until the
    nodes are ready or gone; a deleted cluster is ``deleting`` for ``delete_seconds``, then
    disappears.

Item cache (GetItem, BatchGetItem)
    Items are stored by table and primary key, whole; a request's projection is applied to
    the cached item (DynamoDB bills a read by the whole item anyway). A miss reads the table
    with an eventually consistent read, billed as usual, and stores the item, or, when there
    is none, a negative entry that answers "no such item" from memory. A strongly consistent
    read passes through to the table and is not cached.

Query cache (Query, Scan)
    Result pages are stored by their request: every parameter except ReturnConsumedCapacity,
    which changes only how an answer reports its cost. A page with no items is cached too.
    Writes never update it, whether they are sent through DAX or not: only its TTL ends a
    stale page.

TTLs
    ``record-ttl-millis`` (item cache) and ``query-ttl-millis`` (query cache) of the
    cluster's parameter group, 300,000 (five minutes) by default. An entry expires once it
    has been in the cache that long, by the TTL in force when it is read (parameter changes
    apply at once: their ChangeType is IMMEDIATE). 0 means no expiry by time (the
    parameter's description: "0 = infinite"); then only eviction or a write through DAX
    replaces an entry.

Write-through
    PutItem, UpdateItem, DeleteItem and BatchWriteItem sent through DAX go to the table, and
    once the table has accepted them, DAX stores each item as the table now holds it (a
    deleted item becomes a negative entry). TransactWriteItems does the same, but reads each
    item back with a transactional read the table bills (the developer guide: DAX "calls
    TransactGetItems in the background for each item"). TransactGetItems passes through.
    Writes sent straight to the table (DynaLab's DynamoDB endpoint, the workbench, TTL
    deletions) never reach DAX: its entries stay stale until their TTL ends.

Memory and eviction
    An entry takes its payload's bytes as DynamoDB counts item sizes (the item; a negative
    entry's key; a page's items and LastEvaluatedKey) plus ``ENTRY_OVERHEAD_BYTES``. When a
    new entry does not fit, expired entries go first, then the least recently used (the one
    whose last write or read is oldest), whichever cache it is in. A node type has its memory
    size; so that a shared server's memory stays bounded, and eviction can be seen at all,
    DynaLab keeps at most ``max_cache_bytes`` (1 MiB) of a cluster's cache, and every view of
    the cache says so. An entry larger than that is answered but not stored.

Capacity
    A hit reads nothing from the table and consumes no read capacity (ConsumedCapacity, when
    asked for, reports 0). A miss is billed as the eventually consistent read it is.
    ``read_units_saved`` adds up what each hit would have cost the table.

Determinism
    The caches depend on the order of calls. Every change to them (a hit too: it moves the
    entry in the LRU order and counts in the statistics) adds to ``Engine.revision``, so a
    sandbox journals the reads sent through DAX and every worker rebuilds the same caches
    from the journal. Time only expires entries (checked when they are read or when room is
    needed) and ends lifecycles (``advance``): pure functions of the state and the clock.

Regions
    A cluster belongs to its engine's region (its ARN and its ``region`` say which) and reads
    only that engine's tables.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from engine.core import Extension

if TYPE_CHECKING:
    from engine.core import Engine
    from engine.table import Table

#: The current node types and each one's memory (GiB), the cache a node can hold.
NODE_TYPES: dict[str, int] = {
    "dax.t3.small": 2,
    "dax.t3.medium": 4,
    "dax.r5.large": 16,
    "dax.r5.xlarge": 32,
    "dax.r5.2xlarge": 64,
    "dax.r5.4xlarge": 128,
    "dax.r5.8xlarge": 256,
    "dax.r5.12xlarge": 384,
    "dax.r5.16xlarge": 512,
    "dax.r5.24xlarge": 768,
}
GIB = 1024**3
#: A primary and up to 10 read replicas.
MAX_NODES_PER_CLUSTER = 11
#: The service's default quotas per account and region.
MAX_NODES_PER_ACCOUNT = 50
MAX_PARAMETER_GROUPS = 20

DEFAULT_PARAMETER_GROUP = "default.dax1.0"
DEFAULT_PARAMETER_GROUP_DESCRIPTION = "Default parameter group for dax1.0"
RECORD_TTL = "record-ttl-millis"
QUERY_TTL = "query-ttl-millis"
DEFAULT_TTL_MILLIS = 300_000
#: Each parameter's description, as DescribeParameters words it.
PARAMETER_DESCRIPTIONS = {
    QUERY_TTL: "Duration in milliseconds for queries to remain cached",
    RECORD_TTL: "Duration in milliseconds for records to remain valid in cache (Default: 0 = infinite)",
}

ITEM_CACHE = "item"
QUERY_CACHE = "query"
#: Bytes each cache entry takes besides its payload (its key and bookkeeping), in DynaLab's
#: model of a node's memory.
ENTRY_OVERHEAD_BYTES = 64
#: The port real DAX endpoints listen on (unencrypted), shown with DynaLab's own URLs.
DAX_PORT = 8111


# ---------------------------------------------------------------------- state
@dataclass
class Node:
    """One node of a cluster: the first is the primary, the others read replicas."""

    node_id: str
    created_at: float
    ready_at: float
    availability_zone: str
    #: When a DecreaseReplicationFactor removes it (it is gone ``remove_node_seconds`` later).
    removing_at: float | None = None
    #: Requests this node answered.
    served: int = 0

    def status(self, now: float) -> str:
        if self.removing_at is not None:
            return "deleting"
        return "available" if now >= self.ready_at else "creating"


@dataclass
class Entry:
    """One cached answer: an item (or the fact there is none) or a Query/Scan page."""

    cache: str
    table: str
    #: The canonical text of the item's key (item cache) or of the request (query cache).
    key: str
    #: The item, None for a negative entry (item cache); the response page (query cache).
    value: Any
    size: int
    written_at: float
    #: What reading it from the table bills: what each hit saves.
    units: float
    #: GetItem for item entries; Query or Scan for pages.
    operation: str = "GetItem"

    def dump(self) -> list[Any]:
        return [
            self.cache,
            self.table,
            self.key,
            self.value,
            self.size,
            self.written_at,
            self.units,
            self.operation,
        ]

    @classmethod
    def load(cls, state: list[Any]) -> Entry:
        return cls(*state)


@dataclass
class Statistics:
    """What a cluster did since it was created (CloudWatch's DAX metrics, summed)."""

    item_hits: int = 0
    item_misses: int = 0
    query_hits: int = 0
    query_misses: int = 0
    scan_hits: int = 0
    scan_misses: int = 0
    item_evictions: int = 0
    query_evictions: int = 0
    #: Read units the table would have billed for the reads served from the caches.
    read_units_saved: float = 0.0
    #: Strongly consistent and transactional reads sent on to the table.
    pass_throughs: int = 0
    #: Items stored by writes sent through the cluster.
    write_throughs: int = 0


@dataclass
class Cluster:
    """One DAX cluster: its settings, nodes, caches and statistics."""

    name: str
    region: str
    arn: str
    node_type: str
    iam_role_arn: str
    parameter_group: str
    created_at: float
    nodes: list[Node]
    description: str = ""
    subnet_group: str = "default"
    security_group_ids: list[str] = field(default_factory=list)
    maintenance_window: str = "sun:05:00-sun:06:00"
    notification_topic_arn: str | None = None
    sse_enabled: bool = False
    endpoint_encryption: str = "NONE"
    network_type: str = "ipv4"
    tags: list[dict[str, str]] = field(default_factory=list)
    deleting_at: float | None = None
    #: Entries in least-recently-used order (oldest first): (cache, table, key) -> Entry.
    entries: OrderedDict[tuple[str, str, str], Entry] = field(default_factory=OrderedDict)
    #: Each cache's entries in the order they were written: one TTL per cache, so the
    #: expired ones are always a prefix. Derived from ``entries`` (not dumped).
    written: dict[str, OrderedDict[tuple[str, str, str], None]] = field(
        default_factory=lambda: {ITEM_CACHE: OrderedDict(), QUERY_CACHE: OrderedDict()}
    )
    used_bytes: int = 0
    statistics: Statistics = field(default_factory=Statistics)
    #: Reads answered so far: which available node answers the next one.
    reads: int = 0

    # ------------------------------------------------------------------ lifecycle
    def status(self, now: float) -> str:
        """creating, available, modifying or deleting, as DescribeClusters shows it."""
        if self.deleting_at is not None:
            return "deleting"
        if not any(node.status(now) == "available" for node in self.nodes):
            return "creating"
        if any(node.status(now) != "available" for node in self.nodes):
            return "modifying"
        return "available"

    def staying_nodes(self) -> list[Node]:
        """The nodes not being removed: the cluster's replication factor."""
        return [node for node in self.nodes if node.removing_at is None]

    def available_nodes(self, now: float) -> list[Node]:
        return [node for node in self.nodes if node.status(now) == "available"]

    @property
    def endpoint_path(self) -> str:
        """The path of the cluster's DynamoDB-compatible endpoint on this server."""
        return f"/dax/{self.name}/"

    def node_path(self, node: Node) -> str:
        return f"/dax/{self.name}/{node.node_id}/"

    # ------------------------------------------------------------------ persistence
    def dump(self) -> dict[str, Any]:
        state = {
            name.name: getattr(self, name.name)
            for name in fields(self)
            if name.name not in ("nodes", "entries", "statistics", "written")
        }
        state["nodes"] = [asdict(node) for node in self.nodes]
        state["entries"] = [entry.dump() for entry in self.entries.values()]
        state["statistics"] = asdict(self.statistics)
        return state

    @classmethod
    def load(cls, state: dict[str, Any]) -> Cluster:
        values = {k: v for k, v in state.items() if k not in ("nodes", "entries", "statistics")}
        cluster = cls(nodes=[Node(**node) for node in state["nodes"]], **values)
        for raw in state["entries"]:
            entry = Entry.load(raw)
            cluster.entries[(entry.cache, entry.table, entry.key)] = entry
        # Write order: by time written (the clock never goes back); ties expire together.
        for entry in sorted(cluster.entries.values(), key=lambda entry: entry.written_at):
            cluster.written[entry.cache][(entry.cache, entry.table, entry.key)] = None
        cluster.statistics = Statistics(**state["statistics"])
        return cluster


@dataclass
class ParameterGroup:
    """A named pair of TTLs that clusters use."""

    name: str
    description: str = ""
    record_ttl_millis: int = DEFAULT_TTL_MILLIS
    query_ttl_millis: int = DEFAULT_TTL_MILLIS

    def value(self, parameter: str) -> int:
        return self.record_ttl_millis if parameter == RECORD_TTL else self.query_ttl_millis


# ---------------------------------------------------------------------- the extension
class DaxExtension(Extension):
    """Every DAX cluster and parameter group of the engine (see the module docstring)."""

    #: Simulated seconds a new cluster stays ``creating``.
    create_seconds = 60.0
    #: Simulated seconds a node added by IncreaseReplicationFactor takes to be ready.
    add_node_seconds = 60.0
    #: Simulated seconds a node removed by DecreaseReplicationFactor takes to go.
    remove_node_seconds = 30.0
    #: Simulated seconds a deleted cluster stays ``deleting``.
    delete_seconds = 30.0
    #: DynaLab's limit on one cluster's cache, whatever its node type (server memory).
    max_cache_bytes = 1024 * 1024
    #: DynaLab's limit on clusters per sandbox (over all its Regions), below the service's node
    #: quota.
    max_clusters = 5

    SETTINGS = (
        "create_seconds",
        "add_node_seconds",
        "remove_node_seconds",
        "delete_seconds",
        "max_cache_bytes",
        "max_clusters",
    )

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        #: By name (names are lower case), in creation order.
        self.clusters: dict[str, Cluster] = {}
        self.parameter_groups: dict[str, ParameterGroup] = {
            DEFAULT_PARAMETER_GROUP: ParameterGroup(
                DEFAULT_PARAMETER_GROUP, DEFAULT_PARAMETER_GROUP_DESCRIPTION
            )
        }

    # ------------------------------------------------------------------ hooks
    def advance(self, now: float) -> None:
        """Deleted clusters and removed nodes whose time has come are gone."""
        if not self.clusters:
            return
        for name in list(self.clusters):
            cluster = self.clusters[name]
            if cluster.deleting_at is not None:
                if now >= cluster.deleting_at + self.delete_seconds:
                    del self.clusters[name]
                continue
            if any(node.removing_at is not None for node in cluster.nodes):
                cluster.nodes = [
                    node
                    for node in cluster.nodes
                    if node.removing_at is None or now < node.removing_at + self.remove_node_seconds
                ]

    def table_deleted(self, table: Table, now: float) -> None:
        """A deleted table's entries go, so a table created again under its name starts
        cold (its key schema may differ)."""
        for cluster in self.clusters.values():
            for slot in [slot for slot in cluster.entries if slot[1] == table.name]:
                self._remove(cluster, slot)

    # ------------------------------------------------------------------ lookups
    def capacity_bytes(self, cluster: Cluster) -> int:
        """Bytes of cache the cluster keeps: a node's memory, up to DynaLab's limit."""
        return min(NODE_TYPES[cluster.node_type] * GIB, int(self.max_cache_bytes))

    def ttl_millis(self, cluster: Cluster, cache: str) -> int:
        group = self.parameter_groups.get(cluster.parameter_group)
        if group is None:  # a group in use cannot be deleted; keep the default regardless
            return DEFAULT_TTL_MILLIS
        return group.record_ttl_millis if cache == ITEM_CACHE else group.query_ttl_millis

    def expires_at(self, cluster: Cluster, entry: Entry) -> float | None:
        """When ``entry`` expires under the TTL in force now (None: never, TTL 0)."""
        ttl = self.ttl_millis(cluster, entry.cache)
        return None if ttl <= 0 else entry.written_at + ttl / 1000.0

    def is_expired(self, cluster: Cluster, entry: Entry, now: float) -> bool:
        expires = self.expires_at(cluster, entry)
        return expires is not None and now >= expires

    def node_count(self) -> int:
        """Nodes of every cluster (the account quota counts them), removed ones excepted."""
        return sum(len(cluster.staying_nodes()) for cluster in self.clusters.values())

    # ------------------------------------------------------------------ the caches
    def cached(
        self, cluster: Cluster, cache: str, table: str, key: str, now: float
    ) -> Entry | None:
        """The live entry for this key, or None; an expired one is dropped. O(1)."""
        slot = (cache, table, key)
        entry = cluster.entries.get(slot)
        if entry is None:
            return None
        if self.is_expired(cluster, entry, now):
            self._remove(cluster, slot)
            return None
        return entry

    def record_hit(self, cluster: Cluster, entry: Entry, counter: str) -> None:
        """A read answered from ``entry``: it becomes the most recently used."""
        cluster.entries.move_to_end((entry.cache, entry.table, entry.key))
        stats = cluster.statistics
        setattr(stats, counter, getattr(stats, counter) + 1)
        stats.read_units_saved += entry.units
        self.engine.revision += 1

    def count(self, cluster: Cluster, counter: str) -> None:
        stats = cluster.statistics
        setattr(stats, counter, getattr(stats, counter) + 1)
        self.engine.revision += 1

    def store(
        self,
        cluster: Cluster,
        cache: str,
        table: str,
        key: str,
        value: Any,
        payload_bytes: int,
        units: float,
        now: float,
        operation: str = "GetItem",
    ) -> Entry | None:
        """Put an answer in a cache, making room by expiry then LRU eviction; None when it
        is larger than the whole cache (answered, not stored). O(1), plus O(k) for the k
        entries that go to make room."""
        slot = (cache, table, key)
        if slot in cluster.entries:
            self._remove(cluster, slot)
        size = payload_bytes + ENTRY_OVERHEAD_BYTES
        capacity = self.capacity_bytes(cluster)
        if size > capacity:
            self.engine.revision += 1
            return None
        if cluster.used_bytes + size > capacity:
            self._make_room(cluster, capacity - size, now)
        entry = Entry(cache, table, key, value, size, now, units, operation)
        cluster.entries[slot] = entry
        cluster.written[cache][slot] = None
        cluster.used_bytes += size
        self.engine.revision += 1
        return entry

    def _make_room(self, cluster: Cluster, limit: int, now: float) -> None:
        """Drop expired entries, then the least recently used, until ``used_bytes <= limit``.
        O(expired + evicted): expired entries are the oldest written of their cache."""
        for order in cluster.written.values():
            while order:
                slot = next(iter(order))
                if not self.is_expired(cluster, cluster.entries[slot], now):
                    break
                self._remove(cluster, slot)
        while cluster.used_bytes > limit and cluster.entries:
            slot, entry = next(iter(cluster.entries.items()))
            self._remove(cluster, slot)
            if entry.cache == ITEM_CACHE:
                cluster.statistics.item_evictions += 1
            else:
                cluster.statistics.query_evictions += 1

    def _remove(self, cluster: Cluster, slot: tuple[str, str, str]) -> None:
        entry = cluster.entries.pop(slot)
        del cluster.written[entry.cache][slot]
        cluster.used_bytes -= entry.size
        self.engine.revision += 1

    # ------------------------------------------------------------------ naming
    def new_cluster(
        self, name: str, node_type: str, replication_factor: int, now: float, **settings: Any
    ) -> Cluster:
        """A cluster of ``replication_factor`` new nodes, ``creating`` from ``now``."""
        engine = self.engine
        cluster = Cluster(
            name=name,
            region=engine.region,
            arn=f"arn:aws:dax:{engine.region}:{engine.account_id}:cache/{name}",
            node_type=node_type,
            created_at=now,
            nodes=[],
            **settings,
        )
        if not cluster.security_group_ids:
            digest = hashlib.sha256(f"{engine.account_id}/{engine.region}".encode()).hexdigest()
            cluster.security_group_ids = [f"sg-{digest[:17]}"]
        self.add_nodes(cluster, replication_factor, now, now + self.create_seconds, [])
        self.clusters[name] = cluster
        return cluster

    def add_nodes(
        self, cluster: Cluster, count: int, now: float, ready_at: float, zones: list[str]
    ) -> None:
        """Append ``count`` nodes named by the first free letters (name-a, name-b, ...)."""
        used = {node.node_id for node in cluster.nodes}
        letters = (chr(code) for code in range(ord("a"), ord("z") + 1))
        for position in range(count):
            node_id = next(
                f"{cluster.name}-{letter}"
                for letter in letters
                if f"{cluster.name}-{letter}" not in used
            )
            used.add(node_id)
            if zones:
                zone = zones[position % len(zones)]
            else:
                zone = f"{cluster.region}{'abc'[len(cluster.nodes) % 3]}"
            cluster.nodes.append(Node(node_id, now, ready_at, zone))

    # ------------------------------------------------------------------ persistence
    def dump(self) -> dict[str, Any]:
        return {
            "settings": {name: getattr(self, name) for name in self.SETTINGS},
            "clusters": [cluster.dump() for cluster in self.clusters.values()],
            "parameter_groups": [asdict(group) for group in self.parameter_groups.values()],
        }

    def load(self, state: Any) -> None:
        for name, value in (state.get("settings") or {}).items():
            if name in self.SETTINGS:
                setattr(self, name, value)
        self.parameter_groups = {
            group["name"]: ParameterGroup(**group) for group in state.get("parameter_groups", [])
        } or self.parameter_groups
        self.clusters = {}
        for raw in state.get("clusters", []):
            cluster = Cluster.load(raw)
            self.clusters[cluster.name] = cluster
