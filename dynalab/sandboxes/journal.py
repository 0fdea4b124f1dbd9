"""The journal: which calls are journaled, and how an engine is rebuilt and caught up from it.

Replay is deterministic because the engine is (DESIGN.md): each entry runs again with the
clock frozen at the simulated time it first ran at, in the Region it ran in, so it does exactly
what it did then. A sandbox's engine is a ``MultiRegionEngine`` (one engine per AWS Region).

The journal is kept bounded behind snapshots: a snapshot is due when the entries or the bytes
journaled since the newest one pass their bounds (``snapshot_due``); ``take_snapshot`` stores
the engine and deletes what no rebuild needs any more: every snapshot but the two newest, and
the journal up to the older of those two (a worker that read the sandbox's row just before the
new snapshot may still rebuild from the older one). A sandbox's storage is then about two
snapshots, the journal between them and what came after: bounded by its limits. A snapshot
holds every Region; the entries kept after it keep the Region each ran in.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Length

from dynalab.sandboxes import conf
from dynalab.sandboxes.models import JournalEntry, Sandbox, Snapshot
from engine import DEFAULT_REGION, DynamoDBError, MultiRegionEngine, catalog

if TYPE_CHECKING:
    from dynalab.sandboxes.fastsql import SandboxRow

logger = logging.getLogger(__name__)

#: The journal's name for a move of the simulated clock; request ``{"seconds": s}``.
ADVANCE_CLOCK = "AdvanceClock"


def is_journaled(operation: str, request: dict | None = None) -> bool:
    """True for every operation that may change state, unknown ones included: the engine's
    catalog declares which only read. The stream reads are among those, so the engine keeps
    shard iterators stateless (the position is encoded in the token).

    A read that turns out to have changed state (``Engine.revision`` moved: it drew tokens
    from a provisioned table's buckets, or due work such as a trigger wrote items) is
    journaled after it ran, by ``services._run_read``. With ``DYNALAB_SANDBOX_JOURNAL_READS``
    on, every read is journaled up front instead.
    """
    return conf.journal_reads() or not catalog.is_read_only(operation, request)


def apply_entry(
    engine: MultiRegionEngine,
    operation: str,
    request: dict,
    at: float,
    region: str = DEFAULT_REGION,
) -> None:
    """Run one journal entry again on ``engine``, at the simulated time and in the Region it
    first ran in."""
    engine.clock.freeze(at)
    if operation == ADVANCE_CLOCK:
        engine.clock.advance(float(request["seconds"]))
        return
    try:
        engine.call(operation, request, region=region)
    except DynamoDBError:
        if catalog.is_read_only(operation, request):
            # A read is journaled when it changed state, refused ones included (a throttled
            # read still counts in its table's throughput log): failing again is expected.
            return
        # The call succeeded when it was journaled, so failing now means the engine is not
        # deterministic for this request: a bug to fix in engine/. Keep the sandbox usable.
        logger.exception("Journal replay of %s diverged from the original call", operation)


class JournalGap(RuntimeError):
    """The entries an engine needs were compacted away: rebuild it from a snapshot instead."""


def replay(
    engine: MultiRegionEngine, entries: Iterable[JournalEntry], *, after: int | None = None
) -> int:
    """Apply entries in sequence order; return the last sequence applied (0 if none).

    With ``after``, the entries must follow on from it without a gap (JournalGap otherwise,
    before anything is applied past the gap).
    """
    sequence = 0 if after is None else after
    for entry in entries:
        if after is not None and entry.sequence != sequence + 1:
            raise JournalGap(
                f"entry {sequence + 1} is gone; the journal resumes at {entry.sequence}"
            )
        apply_entry(engine, entry.operation, entry.request, entry.at, entry.region)
        sequence = entry.sequence
    return sequence


def catch_up(engine: MultiRegionEngine, sandbox_id: uuid.UUID, after: int, through: int) -> int:
    """Apply the entries ``after < sequence <= through``; O(entries) plus one query."""
    if through <= after:
        return after
    entries = JournalEntry.objects.filter(
        sandbox_id=sandbox_id, sequence__gt=after, sequence__lte=through
    ).order_by("sequence")
    applied = replay(engine, entries.iterator(chunk_size=500), after=after)
    if applied != through:
        raise RuntimeError(f"journal of sandbox {sandbox_id} ends at {applied}, expected {through}")
    return through


def rebuild(sandbox_id: uuid.UUID, through: int) -> MultiRegionEngine:
    """A fresh engine at journal position ``through``: the newest snapshot (one saved before
    Regions existed loads as us-east-1), then the rest."""
    snapshot = (
        Snapshot.objects.filter(sandbox_id=sandbox_id, sequence__lte=through)
        .order_by("-sequence")
        .only("sequence", "state")
        .first()
    )
    if snapshot is None:
        engine, start = MultiRegionEngine(), 0
    else:
        engine, start = MultiRegionEngine.loads(snapshot.state), snapshot.sequence
    catch_up(engine, sandbox_id, start, through)
    return engine


def entry_bytes(request_text: str | None, request: dict) -> int:
    """About what an entry takes in the journal: its request's JSON text (a few bytes more for
    what execute adds, ReturnConsumedCapacity). O(1) when the text is known."""
    if request_text is not None:
        return len(request_text) + 40
    return len(str(request))


def snapshot_due(row: Sandbox | SandboxRow, sequence: int) -> bool:
    """Whether the journal since the newest snapshot passed its bound in entries or bytes."""
    return (
        sequence - row.snapshot_sequence >= conf.snapshot_every()
        or row.journal_bytes >= conf.limits()["journal_bytes"]
    )


def take_snapshot(sandbox_id: uuid.UUID, engine: MultiRegionEngine, sequence: int) -> int:
    """Store the engine (at journal position ``sequence``) and compact what it makes useless.

    Called after the call that made it due has committed, and outside any write transaction:
    dumping a large engine takes long, and on SQLite a write transaction holds the whole
    database's write lock, so every other learner would wait for it. Only the short insert
    and deletes below take it. Returns the snapshot's size in bytes.
    """
    state = engine.dumps()
    with transaction.atomic():
        row = Sandbox.objects.select_for_update().filter(pk=sandbox_id).first()
        if row is None or row.snapshot_sequence >= sequence:
            return len(state)  # gone, or another worker snapshotted as far already
        Snapshot.objects.create(sandbox_id=sandbox_id, sequence=sequence, state=state)
        compact(sandbox_id)
        after = JournalEntry.objects.filter(sandbox_id=sandbox_id, sequence__gt=sequence)
        pending = after.aggregate(total=Sum(Length("request")))["total"] or 0
        Sandbox.objects.filter(pk=sandbox_id).update(
            snapshot_sequence=sequence, state_bytes=len(state), journal_bytes=pending
        )
    return len(state)


def compact(sandbox_id: uuid.UUID) -> None:
    """Keep the two newest snapshots and the journal after the older of them."""
    kept = list(
        Snapshot.objects.filter(sandbox_id=sandbox_id)
        .order_by("-sequence")
        .values_list("sequence", flat=True)[:2]
    )
    if len(kept) < 2:
        return
    oldest_kept = kept[-1]
    Snapshot.objects.filter(sandbox_id=sandbox_id, sequence__lt=oldest_kept).delete()
    JournalEntry.objects.filter(sandbox_id=sandbox_id, sequence__lte=oldest_kept).delete()
