"""Reads of a sandbox for the other apps: plain data, no engine objects, nothing recorded.

The console, the wire endpoint and the course reach a sandbox only through this module, the
services (``services.execute`` and friends) and ``errors``. Reads of the engine go through
its inspection API (engine/inspect.py): uncharged, no activity row, and no capacity drawn, so
drawing a page never changes what the learner's next call costs. Each function below takes
the sandbox's lock once; for several reads that must agree with each other, use
``with services.inspecting(sandbox) as view:`` and the same methods on ``view``.

The dataclasses returned are the engine's own plain ones, re-exported here by name so that
callers can annotate with them without importing the engine.

Tables belong to an AWS Region: every read of a table takes the ``region`` it is in
(us-east-1 unless given); ``table_regions`` and ``regions`` look across them.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

from dynalab.sandboxes.errors import ClusterNotFoundFault, ResourceNotFoundException
from dynalab.sandboxes.models import Activity, Sandbox
from dynalab.sandboxes.services import (
    SESSION_REGION,
    engine_state,
    inspecting,
    remember_region,
    session_region,
)
from engine import DEFAULT_REGION, REGIONS, catalog
from engine.catalog import OperationFacts
from engine.expressions.reserved import is_reserved
from engine.inspect import (
    BackupView,
    Book,
    CoveredKeys,
    DaxCluster,
    DaxEntry,
    DaxNode,
    DaxParameterGroup,
    DaxStatistics,
    DueWork,
    IndexMember,
    IndexMembership,
    IndexStatus,
    Inspector,
    ItemDifference,
    ItemisedRead,
    KeyAttribute,
    KeyConditionTarget,
    LostWrite,
    PendingIndexWrite,
    ReadEntry,
    RegionTables,
    ReplicaState,
    ReplicatedWrite,
    Replication,
    ShardView,
    Shelf,
    SimulationSettings,
    StoredItem,
    StreamRecordView,
    StreamView,
    TableDiff,
    TableStatus,
    TriggerHandler,
    TriggerView,
    TTLDeletion,
    TTLEntry,
    TTLView,
    Usage,
    WriteOutcome,
    WriteVersion,
)
from engine.regions import is_region
from engine.values import values_equal as _values_equal

__all__ = [
    "Book",
    "CoveredKeys",
    "DaxCluster",
    "DaxEntry",
    "DaxNode",
    "DaxParameterGroup",
    "DaxStatistics",
    "dax_cluster",
    "dax_clusters",
    "dax_parameter_groups",
    "IndexMember",
    "IndexMembership",
    "IndexStatus",
    "Inspector",
    "ItemisedRead",
    "KeyAttribute",
    "KeyConditionTarget",
    "LostWrite",
    "OperationFacts",
    "ReadEntry",
    "RegionTables",
    "ReplicaState",
    "ReplicatedWrite",
    "Replication",
    "WriteOutcome",
    "WriteVersion",
    "DEFAULT_REGION",
    "REGIONS",
    "SESSION_REGION",
    "is_region",
    "regions",
    "remember_region",
    "replication",
    "session_region",
    "table_regions",
    "Shelf",
    "StoredItem",
    "TableStatus",
    "Usage",
    "activity_since",
    "covered_keys",
    "index_membership",
    "itemised_read",
    "describe_table",
    "engine_state",
    "inspecting",
    "is_reserved_word",
    "item",
    "operation",
    "operations",
    "recent_activity",
    "table_names",
    "table_status",
    "usage",
    "table_items",
    "sandboxes_of",
    "activity_of_owners",
]


# ---------------------------------------------------------------------- activity
def recent_activity(
    sandbox: Sandbox, *, limit: int = 50, with_responses: bool = True
) -> QuerySet[Activity]:
    """The sandbox's latest calls, newest first (at most ``limit``).

    ``with_responses=False`` leaves each call's stored response unread until it is used
    (one query per call then): a Scan's response holds its items, and decoding hundreds of
    them was most of a lab check's time."""
    found = Activity.objects.filter(sandbox=sandbox)
    if not with_responses:
        found = found.defer("response")
    return found.order_by("-created_at", "-id")[:limit]


_UNREAD: Any = object()


class _JSONColumn:
    """A JSON column of a ``CallRecord``, fetched as text and decoded on first use."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.text, self.value = f"_{name}_text", f"_{name}"

    def __get__(self, record: Any, owner: type | None = None) -> Any:
        if record is None:
            return self
        value = getattr(record, self.value)
        if value is _UNREAD:
            text = getattr(record, self.text)
            # PostgreSQL's driver may hand some casts back already decoded.
            value = json.loads(text) if isinstance(text, str | bytes) else text
            setattr(record, self.value, value)
        return value


class CallRecord:
    """One recorded call as a lab check reads it, with its JSON decoded only when used.

    A check looks at every call's operation, status and summary, but at the request of only
    the few it is judging: a BatchWriteItem's request holds its items, and decoding every
    request of the last 500 calls was a lab check's largest cost. The response is read
    from the database when first used (one query), as ``Activity.response`` deferred."""

    __slots__ = (
        "pk",
        "operation",
        "status",
        "created_at",
        "_request_text",
        "_request",
        "_summary_text",
        "_summary",
        "_consumed_capacity_text",
        "_consumed_capacity",
        "_response",
    )

    request = _JSONColumn()
    summary = _JSONColumn()
    consumed_capacity = _JSONColumn()

    def __init__(
        self,
        pk: int,
        operation: str,
        status: str,
        created_at: datetime,
        request: str | None,
        summary: str | None,
        consumed_capacity: str | None,
    ) -> None:
        self.pk = pk
        self.operation = operation
        self.status = status
        self.created_at = created_at
        self._request_text, self._summary_text = request, summary
        self._consumed_capacity_text = consumed_capacity
        self._request = self._summary = self._consumed_capacity = _UNREAD
        self._response = _UNREAD

    @property
    def response(self) -> Any:
        if self._response is _UNREAD:
            found = Activity.objects.filter(pk=self.pk).values_list("response", flat=True)
            self._response = found.first()
        return self._response

    def __repr__(self) -> str:
        return f"<CallRecord {self.pk} {self.operation} {self.status}>"


def recent_calls(sandbox: Sandbox, *, limit: int = 50) -> list[CallRecord]:
    """The sandbox's latest calls, newest first (at most ``limit``), as ``CallRecord``:
    what ``recent_activity`` finds, for code that reads many calls and few of their requests
    (lab checks). One query; each JSON field is decoded on first use. O(limit)."""
    text = TextField()
    rows = (
        Activity.objects.filter(sandbox=sandbox)
        .order_by("-created_at", "-id")
        .values_list(
            "pk",
            "operation",
            "status",
            "created_at",
            Cast("request", text),
            Cast("summary", text),
            Cast("consumed_capacity", text),
        )[:limit]
    )
    return [CallRecord(*row) for row in rows]


def activity_since(sandbox: Sandbox, since: datetime) -> QuerySet[Activity]:
    """Every call made at or after ``since`` (wall-clock time), oldest first.

    A lab check reads this from the moment the lab started, e.g.
    ``any(a.summary.get("UsedScan") for a in activity_since(sandbox, started))``.
    """
    return Activity.objects.filter(sandbox=sandbox, created_at__gte=since).order_by(
        "created_at", "id"
    )


# ---------------------------------------------------------------------- tables and items
def table_names(sandbox: Sandbox, *, region: str = DEFAULT_REGION) -> list[str]:
    """The tables of one Region of the sandbox, sorted as ListTables sorts them."""
    with inspecting(sandbox, region=region) as view:
        return view.table_names()


def describe_table(
    sandbox: Sandbox, name: str, *, region: str = DEFAULT_REGION
) -> dict[str, Any] | None:
    """The table's TableDescription as DescribeTable answers it in ``region``, or None when
    that Region has no such table. Unlike a DescribeTable call, it records no activity."""
    try:
        with inspecting(sandbox, region=region) as view:
            return view.describe_table(name)
    except ResourceNotFoundException:
        return None


def table_status(
    sandbox: Sandbox, name: str, *, region: str = DEFAULT_REGION
) -> TableStatus | None:
    """The table at a glance (keys, billing, indexes, stream, TTL, PITR), or None."""
    try:
        with inspecting(sandbox, region=region) as view:
            return view.table_status(name)
    except ResourceNotFoundException:
        return None


def item(
    sandbox: Sandbox, table: str, key: dict[str, Any], *, region: str = DEFAULT_REGION
) -> StoredItem | None:
    """The item with this key and its size, read without a call (no capacity, no activity).
    None when there is no such item; ValidationException when the key does not fit."""
    with inspecting(sandbox, region=region) as view:
        return view.item(table, key)


def table_items(
    sandbox: Sandbox, table: str, *, limit: int = 50, region: str = DEFAULT_REGION
) -> tuple[list[StoredItem], bool]:
    """Up to ``limit`` of the table's items in Scan order, each with its size, and whether
    there are more; read without a call (no capacity, no activity), for a read-only view.
    ResourceNotFoundException when there is no such table. O(limit)."""
    with inspecting(sandbox, region=region) as view:
        covered = view.covered_keys("Scan", {"TableName": table}, limit=limit)
        found = [view.item(table, key) for key in covered.keys]
    return [entry for entry in found if entry is not None], covered.truncated


def sandboxes_of(owner_ids: list[Any]) -> QuerySet[Sandbox]:
    """Every sandbox these users own, the active one and those a reset replaced, newest
    first: a learner's history."""
    return Sandbox.objects.filter(owner_id__in=owner_ids).order_by("-created_at")


def activity_of_owners(owner_ids: list[Any]) -> QuerySet[Activity]:
    """Every call in the sandboxes these users own (replaced ones too), newest first; an
    instructor's dashboard filters and aggregates it."""
    return Activity.objects.filter(sandbox__owner_id__in=owner_ids).order_by("-created_at", "-id")


def usage(sandbox: Sandbox) -> Usage:
    """Tables, items and bytes the sandbox holds, over all its Regions."""
    with inspecting(sandbox) as view:
        return view.sandbox_usage()


def table_regions(sandbox: Sandbox, name: str) -> tuple[str, ...]:
    """The Regions of the sandbox that hold a table named ``name``, sorted (a learner who
    looks for a table in the wrong Region is told where it is)."""
    with inspecting(sandbox) as view:
        return view.table_regions(name)


def regions(sandbox: Sandbox) -> tuple[RegionTables, ...]:
    """Every Region of the sandbox that holds tables, with their names, sorted."""
    with inspecting(sandbox) as view:
        return view.regions()


def replication(
    sandbox: Sandbox, table: str, *, region: str = DEFAULT_REGION
) -> Replication | None:
    """The global table ``table`` (in ``region``) belongs to: its replicas, the writes on
    their way, the latest writes and the writes last writer wins discarded. None for a
    regional table; ResourceNotFoundException when the Region has no such table."""
    with inspecting(sandbox, region=region) as view:
        return view.replication(table)


# ---------------------------------------------------------------------- DAX
def dax_clusters(sandbox: Sandbox, *, region: str = DEFAULT_REGION) -> tuple[DaxCluster, ...]:
    """One Region's DAX clusters (status, nodes, TTLs, cache use, statistics; no entries):
    a cluster belongs to the Region it was created in, as on AWS."""
    with inspecting(sandbox, region=region) as view:
        return view.dax_clusters()


def dax_cluster(
    sandbox: Sandbox, name: str, *, entries: int = 200, region: str = DEFAULT_REGION
) -> DaxCluster | None:
    """One DAX cluster with up to ``entries`` live entries of each cache (most recently used
    first) and their remaining TTL, or None when there is no such cluster."""
    try:
        with inspecting(sandbox, region=region) as view:
            return view.dax_cluster(name, entries=entries)
    except ClusterNotFoundFault:
        return None


def dax_parameter_groups(
    sandbox: Sandbox, *, region: str = DEFAULT_REGION
) -> tuple[DaxParameterGroup, ...]:
    """One Region's DAX parameter groups, their TTLs and the clusters using each."""
    with inspecting(sandbox, region=region) as view:
        return view.dax_parameter_groups()


# ---------------------------------------------------------------------- reads explained
def itemised_read(
    sandbox: Sandbox, operation: str, request: dict[str, Any], *, region: str = DEFAULT_REGION
) -> ItemisedRead:
    """One Query or Scan page itemised by the engine: every item it read with its size, and
    the rounding that made its bill. Uncharged and unrecorded; raises the service's errors
    for a request the operation would refuse."""
    with inspecting(sandbox, region=region) as view:
        return view.itemise_read(operation, request)


def covered_keys(
    sandbox: Sandbox,
    operation: str,
    request: dict[str, Any],
    *,
    limit: int = 5000,
    region: str = DEFAULT_REGION,
) -> CoveredKeys:
    """The keys of every item a Query's key condition (or a Scan) reaches, on all pages."""
    with inspecting(sandbox, region=region) as view:
        return view.covered_keys(operation, request, limit=limit)


def index_membership(
    sandbox: Sandbox,
    table: str,
    index: str,
    *,
    offset: int = 0,
    limit: int = 100,
    region: str = DEFAULT_REGION,
) -> IndexMembership:
    """Which of the table's items the index holds, and why the others are absent."""
    with inspecting(sandbox, region=region) as view:
        return view.index_membership(table, index, offset=offset, limit=limit)


# ---------------------------------------------------------------------- operations
def operations(*, api: str | None = None) -> tuple[OperationFacts, ...]:
    """Every operation a sandbox answers, with its facts (the engine's catalog), by name.
    ``api`` is one of ``API_NAMES``."""
    return catalog.operations(api=api)


def operation(name: str) -> OperationFacts | None:
    """One operation's facts, or None when a sandbox does not answer it."""
    return catalog.get(name)


def not_simulated_message(name: str) -> str | None:
    """For an operation of DynamoDB's API that DynaLab does not simulate (an export to S3,
    say), what a call of it is told: the operation and why; None for any other name."""
    if name not in catalog.NOT_SIMULATED:
        return None
    return catalog.unknown_operation_message(name)


#: The APIs a sandbox answers: DynamoDB, DynamoDB Streams, DAX's control plane and DynaLab's
#: own operations.
API_NAMES = catalog.APIS
DYNAMODB_API, STREAMS_API, DYNALAB_API = catalog.DYNAMODB, catalog.STREAMS, catalog.DYNALAB
DAX_API = catalog.DAX


def is_reserved_word(name: str) -> bool:
    """True when ``name`` is one of DynamoDB's reserved words (it needs a #placeholder in an
    expression)."""
    return is_reserved(name)


__all__ += ["API_NAMES", "DYNAMODB_API", "STREAMS_API", "DAX_API", "DYNALAB_API", "engine_state"]


def values_equal(left: Any, right: Any) -> bool:
    """DynamoDB's equality of two typed values: numbers by value, sets in any order, and
    False (not an error) for values that are not typed values at all."""
    try:
        return _values_equal(left, right)
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
        return left == right


__all__ += ["values_equal"]


# ---------------------------------------------------------------------- the second half
__all__ += [
    "BackupView",
    "DueWork",
    "ItemDifference",
    "PendingIndexWrite",
    "ShardView",
    "SimulationSettings",
    "StreamRecordView",
    "StreamView",
    "TTLDeletion",
    "TTLEntry",
    "TTLView",
    "TableDiff",
    "TriggerHandler",
    "TriggerView",
    "backups",
    "due_within",
    "index_members",
    "shelves",
    "pending_index_writes",
    "simulation_settings",
    "stream_records",
    "streams",
    "table_diff",
    "trigger_handlers",
    "triggers",
    "ttl",
]


def shelves(
    sandbox: Sandbox,
    table: str,
    index: str | None = None,
    *,
    start: int = 0,
    count: int = 30,
    books: int = 50,
    region: str = DEFAULT_REGION,
) -> tuple[Shelf, ...]:
    """Partitions of a table (or index) in scan order, each with its first ``books`` items."""
    with inspecting(sandbox, region=region) as view:
        return view.shelves(table, index, start=start, count=count, books=books)


def index_members(
    sandbox: Sandbox,
    table: str,
    index: str,
    keys: list[dict[str, Any]],
    *,
    region: str = DEFAULT_REGION,
) -> tuple[IndexMember, ...]:
    """For each of these table keys, whether the index holds the item and why not."""
    with inspecting(sandbox, region=region) as view:
        return view.index_members(table, index, keys)


def pending_index_writes(
    sandbox: Sandbox, table: str, index: str, *, limit: int = 100, region: str = DEFAULT_REGION
) -> tuple[PendingIndexWrite, ...]:
    """Writes still on their way to a global index (the propagation lag), oldest first."""
    with inspecting(sandbox, region=region) as view:
        return view.pending_index_writes(table, index, limit=limit)


def streams(
    sandbox: Sandbox, table: str | None = None, *, region: str = DEFAULT_REGION
) -> tuple[StreamView, ...]:
    """One Region's streams (of one table), newest first, with their shards."""
    with inspecting(sandbox, region=region) as view:
        return view.streams(table)


def stream_records(
    sandbox: Sandbox,
    stream_arn: str,
    shard_id: str,
    *,
    position: str | None = None,
    count: int = 1,
    backwards: bool = False,
    region: str = DEFAULT_REGION,
) -> tuple[StreamRecordView, ...]:
    """Records of one shard from an iterator position (a sequence number), or before it."""
    with inspecting(sandbox, region=region) as view:
        return view.stream_records(
            stream_arn, shard_id, position=position, count=count, backwards=backwards
        )


def triggers(
    sandbox: Sandbox, table: str | None = None, *, region: str = DEFAULT_REGION
) -> tuple[TriggerView, ...]:
    """DynaLab's stream triggers (of one table), in creation order."""
    with inspecting(sandbox, region=region) as view:
        return view.triggers(table)


def trigger_handlers() -> tuple[TriggerHandler, ...]:
    """The built-in handlers a trigger can run (DynaLab's stand-ins for Lambda functions)."""
    return Inspector.trigger_handlers()


def ttl(sandbox: Sandbox, table: str, *, limit: int = 200, region: str = DEFAULT_REGION) -> TTLView:
    """A table's TTL setting, scheduled deletions and recent deletions."""
    with inspecting(sandbox, region=region) as view:
        return view.ttl(table, limit=limit)


def backups(
    sandbox: Sandbox, table: str | None = None, *, region: str = DEFAULT_REGION
) -> tuple[BackupView, ...]:
    """On-demand and SYSTEM backups (of one table), oldest first."""
    with inspecting(sandbox, region=region) as view:
        return view.backups(table)


def table_diff(
    sandbox: Sandbox, first: str, second: str, *, limit: int = 100, region: str = DEFAULT_REGION
) -> TableDiff:
    """Two tables with the same keys compared item by item."""
    with inspecting(sandbox, region=region) as view:
        return view.table_diff(first, second, limit=limit)


def due_within(
    sandbox: Sandbox, seconds: float, *, region: str = DEFAULT_REGION
) -> tuple[DueWork, ...]:
    """What the engine will do in ``region`` when the simulated clock has moved ``seconds``
    further (the clock is the sandbox's: every Region's work comes due as it moves)."""
    with inspecting(sandbox, region=region) as view:
        return view.due_within(seconds)


def simulation_settings(sandbox: Sandbox, *, region: str = DEFAULT_REGION) -> SimulationSettings:
    """One Region's GSI propagation lag, TTL deletion delay and stream timings (each Region's
    engine keeps its own, as UpdateSimulationSettings sets them there)."""
    with inspecting(sandbox, region=region) as view:
        return view.simulation_settings()
