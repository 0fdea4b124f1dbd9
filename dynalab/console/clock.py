"""The simulated clock explained: what moving it does, and what falls due next.

Everything time-driven in the engine (TTL deletions, stream trimming and shard rollover,
restores and backfills finishing, index propagation, burst pools refilling, global tables'
replicated writes arriving) waits for the simulated clock. The clock is the sandbox's; the
work is shown for the Region the learner works in. The engine says what is due within a horizon (``selectors.due_within``);
this module puts it in words a learner reads: "in 5 h: TTL deletes 3 items from Sessions".
"""

from __future__ import annotations

from dataclasses import dataclass

from dynalab.sandboxes import selectors
from dynalab.sandboxes.models import Sandbox

#: How far ahead "what is due next" looks: past the longest wait a learner meets (35 days of
#: backups, 48 hours of TTL).
LOOKAHEAD_SECONDS = 40 * 86400

#: The steps the clock page offers, in seconds, with their labels.
STEPS = {
    "10": "10 seconds",
    "60": "1 minute",
    "300": "5 minutes",
    "3600": "1 hour",
    "21600": "6 hours",
    "86400": "1 day",
    "172800": "2 days",
}


def _items(count: int, word: str = "item") -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def describe(work: selectors.DueWork) -> str:
    """One group of due work as a sentence (without its time)."""
    table, detail, count = work.table, work.detail, work.count
    if work.kind == "ttl_delete":
        return f"TTL deletes {_items(count)} from {table}"
    if work.kind == "index_propagation":
        return f"{_items(count, 'write')} reach index {detail} of {table}"
    if work.kind == "index_backfill":
        return f"index {detail} of {table} finishes backfilling and becomes ACTIVE"
    if work.kind == "table_active":
        return f"{table} finishes being created or restored and becomes ACTIVE"
    if work.kind == "backup_available":
        return f"backup {detail} of {table} becomes AVAILABLE"
    if work.kind == "backup_expiry":
        return f"the SYSTEM backup {detail} of {table} expires"
    if work.kind == "shard_rollover":
        times = "" if count == 1 else f" ({count} times)"
        return f"the stream of {table} closes its open shard and opens a child{times}"
    if work.kind == "stream_trim":
        return f"{_items(count, 'stream record')} of {table} pass 24 hours and are trimmed"
    if work.kind == "stream_gone":
        return f"the disabled stream of {table} disappears"
    if work.kind == "burst_refill":
        return f"the {detail} bucket and burst pool of {table} are full again"
    if work.kind == "replicated_write":
        return f"{_items(count, 'replicated write')} from {detail} reach the global table {table}"
    return f"{work.kind} on {table}"


@dataclass(frozen=True)
class DueLine:
    """One group of due work, in words, with how long until it starts."""

    kind: str
    table: str
    text: str
    in_seconds: float
    at: float


def _lines(work: tuple[selectors.DueWork, ...], now: float) -> list[DueLine]:
    return [
        DueLine(w.kind, w.table, describe(w), max(0.0, w.first_at - now), w.first_at) for w in work
    ]


def due_lines(sandbox: Sandbox, seconds: float, *, now: float, region: str) -> list[DueLine]:
    """Everything due in ``region`` within ``seconds``, soonest first."""
    return _lines(selectors.due_within(sandbox, seconds, region=region), now)


def next_due(sandbox: Sandbox, *, now: float, region: str) -> DueLine | None:
    """The soonest work the clock will bring in ``region``, within 40 days, counted as of the
    moment it falls due ("in 5 h: TTL deletes 3 items"); None when nothing waits. One look at
    the sandbox: every page's header asks."""
    with selectors.inspecting(sandbox, region=region) as view:
        lines = _lines(view.due_within(LOOKAHEAD_SECONDS), now)
        if not lines:
            return None
        first = lines[0]
        # The soonest group may run on for days; say only what that one step brings.
        within = _lines(view.due_within(first.in_seconds + 1.0), now)
    return next(
        (line for line in within if (line.kind, line.table) == (first.kind, first.table)), first
    )


@dataclass(frozen=True)
class StepPreview:
    """What one step of the clock would do."""

    seconds: str
    label: str
    lines: list[DueLine]


def step_previews(sandbox: Sandbox, *, now: float, region: str) -> list[StepPreview]:
    """For each step the clock page offers, the work that step would bring about in
    ``region``."""
    lines = due_lines(sandbox, max(int(s) for s in STEPS), now=now, region=region)
    return [
        StepPreview(seconds, label, [line for line in lines if line.in_seconds <= int(seconds)])
        for seconds, label in STEPS.items()
    ]
