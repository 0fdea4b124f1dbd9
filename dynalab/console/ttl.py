"""The TTL tab: turning time to live on, every item on a timeline against the simulated clock,
the filter that hides expired items, and the sandbox's deletion delay for demonstrations.

DynamoDB deletes an expired item in the background, typically within a few days of expiry
(usually within 48 hours); until then reads still return it. DynaLab spreads deletions over
those 48 hours too, deterministically, unless the learner chooses a shorter delay for a demo
(DynaLab's UpdateSimulationSettings, journaled like any call).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dynalab.console import values as value_text
from dynalab.console.calls import CallResult, call
from dynalab.sandboxes import selectors
from dynalab.sandboxes.models import Sandbox

#: The deletion delays the workbench offers.
DELAY_CHOICES = {
    "spread": "within 48 hours of expiry, spread out (as DynamoDB)",
    "immediate": "at once, as soon as the clock passes the expiry (demo)",
    "60": "1 minute after expiry (demo)",
    "3600": "1 hour after expiry (demo)",
}
#: Items the timeline draws (the rest are counted).
TIMELINE_ROWS = 100


def delay_text(delay: str | float) -> str:
    if delay == "spread":
        return DELAY_CHOICES["spread"]
    if delay == "immediate":
        return DELAY_CHOICES["immediate"]
    key = f"{float(delay):g}"
    return DELAY_CHOICES.get(key, f"{float(delay):g} seconds after expiry (demo)")


def delay_choice(delay: str | float) -> str:
    """The DELAY_CHOICES key of a delay, for the select's current option."""
    if isinstance(delay, str):
        return delay
    return f"{float(delay):g}"


def set_deletion_delay(sandbox: Sandbox, choice: str, *, endpoint: str, region: str) -> CallResult:
    """DynaLab's UpdateSimulationSettings with the chosen TTL deletion delay (a setting of
    ``region``'s engine: each Region keeps its own)."""
    if choice == "spread":
        request: dict[str, Any] = {"TtlDeletionMode": "SPREAD"}
    elif choice == "immediate":
        request = {"TtlDeletionMode": "IMMEDIATE"}
    else:
        request = {"TtlDeletionMode": "FIXED", "TtlDeletionDelaySeconds": int(choice)}
    return call(sandbox, "UpdateSimulationSettings", request, endpoint=endpoint, region=region)


def update_ttl(
    sandbox: Sandbox, table: str, *, enabled: bool, attribute: str, endpoint: str, region: str
) -> CallResult:
    return call(
        sandbox,
        "UpdateTimeToLive",
        {
            "TableName": table,
            "TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute},
        },
        endpoint=endpoint,
        region=region,
        fields=[("attributeName", "attribute"), ("AttributeName", "attribute")],
    )


@dataclass
class Row:
    """One item on the timeline."""

    key_text: str
    state: str  # "live", "expired" (still returned by reads) or "deleted"
    expires_at: float | None
    due_at: float | None = None
    deleted_at: float | None = None
    #: Where on the drawn window (0-100) its expiry and its deletion fall.
    expiry_pct: float | None = None
    end_pct: float | None = None
    stream_shard: str | None = None
    stream_sequence: str | None = None


@dataclass
class Timeline:
    view: selectors.TTLView
    now: float
    rows: list[Row] = field(default_factory=list)
    start: float = 0.0
    end: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def now_pct(self) -> float:
        return _pct(self.now, self.start, self.end)

    @property
    def hidden_scheduled(self) -> int:
        return max(0, self.view.scheduled_count - len(self.view.scheduled))


def _pct(moment: float, start: float, end: float) -> float:
    if end <= start:
        return 0.0
    return round(max(0.0, min(100.0, 100 * (moment - start) / (end - start))), 2)


def timeline(sandbox: Sandbox, table: str, *, now: float, region: str) -> Timeline:
    """Every item TTL knows about, live, expired-but-not-deleted or deleted, on one window
    from the earliest moment shown to the last deletion due."""
    view = selectors.ttl(sandbox, table, limit=TIMELINE_ROWS, region=region)
    result = Timeline(view=view, now=now)
    rows: list[Row] = []
    for entry in view.scheduled:
        expired = entry.expires_at is not None and entry.expires_at <= now
        rows.append(
            Row(
                value_text.key_text(entry.key),
                "expired" if expired else "live",
                entry.expires_at,
                due_at=entry.due_at,
            )
        )
    for deletion in view.deleted:
        rows.append(
            Row(
                value_text.key_text(deletion.key),
                "deleted",
                deletion.expires_at,
                deleted_at=deletion.deleted_at,
                stream_shard=deletion.stream_shard_id,
                stream_sequence=deletion.stream_sequence_number,
            )
        )
    moments = [now]
    for row in rows:
        moments += [m for m in (row.expires_at, row.due_at, row.deleted_at) if m is not None]
    result.start, result.end = min(moments), max(moments)
    if result.end - result.start < 60:
        result.end = result.start + 60
    for row in rows:
        if row.expires_at is not None:
            row.expiry_pct = _pct(row.expires_at, result.start, result.end)
        end = row.deleted_at if row.deleted_at is not None else row.due_at
        if end is not None:
            row.end_pct = _pct(end, result.start, result.end)
    order = {"expired": 0, "live": 1, "deleted": 2}
    rows.sort(key=lambda row: (order[row.state], row.expires_at or 0.0))
    result.rows = rows
    result.counts = {state: sum(1 for row in rows if row.state == state) for state in order}
    return result


def hiding_filter(attribute: str, now: float) -> dict[str, str]:
    """Builder parameters for a Scan whose filter hides expired items (not yet deleted ones
    included): the item has no TTL, or its TTL is still in the future."""
    return {
        "mode": "scan",
        "filter": "attribute_not_exists(#ttl) OR #ttl > :now",
        "names": json.dumps({"#ttl": attribute}),
        "values": json.dumps({":now": int(now)}),
    }
