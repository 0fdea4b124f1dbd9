"""The journal: which calls are journaled, and how an engine is rebuilt and caught up from it.

Replay is deterministic because the engine is (DESIGN.md): each entry runs again with the
clock frozen at the simulated time it first ran at, in the Region it ran in, so it does exactly
what it did then. A sandbox's engine is a ``MultiRegionEngine`` (one engine per AWS Region).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from dynalab.sandboxes import conf
from dynalab.sandboxes.models import JournalEntry, Snapshot
from engine import DEFAULT_REGION, DynamoDBError, MultiRegionEngine, catalog

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


def replay(engine: MultiRegionEngine, entries: Iterable[JournalEntry]) -> int:
    """Apply entries in sequence order; return the last sequence applied (0 if none)."""
    sequence = 0
    for entry in entries:
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
    applied = replay(engine, entries.iterator(chunk_size=500))
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
