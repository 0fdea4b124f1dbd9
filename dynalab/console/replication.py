"""A global table's replication for the workbench: its replicas, the writes on their way, the
latest writes and the ones last writer wins discarded, and the changes the page makes
(UpdateTable ReplicaUpdates, and DynaLab's lag and pause settings)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from dynalab.console import values as value_text
from dynalab.console.calls import CallResult, call
from dynalab.sandboxes import selectors
from dynalab.sandboxes.models import Sandbox

#: Writes shown in the "latest writes" list (the engine keeps the last 200).
SHOWN_WRITES = 30
MAX_LAG_SECONDS = 3600


def moment(epoch: float) -> datetime.datetime:
    """A simulated time as a UTC datetime."""
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)


@dataclass(frozen=True)
class OutcomeRow:
    region: str
    state: str
    at: datetime.datetime
    beaten_by: int | None


@dataclass(frozen=True)
class WriteRow:
    seq: int
    region: str
    at: datetime.datetime
    key: str
    kind: str
    outcomes: tuple[OutcomeRow, ...]

    @property
    def pending(self) -> bool:
        return any(outcome.state == "pending" for outcome in self.outcomes)


@dataclass(frozen=True)
class LostRow:
    key: str
    region: str
    at: datetime.datetime
    loser_seq: int
    loser_region: str
    loser_at: datetime.datetime
    loser_kind: str
    winner_seq: int
    winner_region: str
    winner_at: datetime.datetime
    winner_kind: str
    concurrent: bool


@dataclass
class ReplicationPage:
    """What the replication page shows (``view`` is None for a regional table)."""

    table: str
    region: str
    view: selectors.Replication | None
    #: Regions a replica could be added in (not this one, not already a replica).
    candidates: list[str] = field(default_factory=list)
    writes: list[WriteRow] = field(default_factory=list)
    pending: list[WriteRow] = field(default_factory=list)
    lost: list[LostRow] = field(default_factory=list)

    @property
    def is_global(self) -> bool:
        return self.view is not None

    def as_json(self) -> dict[str, Any]:
        """The page's data with the engine's names, for its JSON twin."""
        view = self.view
        if view is None:
            return {"TableName": self.table, "Region": self.region, "GlobalTableVersion": None}
        return {
            "TableName": view.table,
            "Region": view.region,
            "GlobalTableVersion": view.version,
            "ReplicationLagSeconds": view.lag_seconds,
            "Replicas": [
                {
                    "RegionName": replica.region,
                    "ReplicaStatus": replica.status,
                    "CreatedAt": replica.created_at,
                    "ActiveAt": replica.active_at,
                    "SourceRegion": replica.source,
                    "ReplicationPaused": replica.paused,
                    "PendingIn": replica.pending_in,
                    "PendingOut": replica.pending_out,
                    "ReplicatedWriteUnits": replica.replicated_write_units,
                    "RunsTimeToLive": replica.runs_ttl,
                }
                for replica in view.replicas
            ],
            "Writes": [
                {
                    "Sequence": write.seq,
                    "RegionName": write.region,
                    "Time": write.time,
                    "Key": write.key,
                    "Kind": write.kind,
                    "Outcomes": {
                        outcome.region: {
                            "State": outcome.state,
                            "Time": outcome.at,
                            "BeatenBy": outcome.beaten_by,
                        }
                        for outcome in write.outcomes
                    },
                }
                for write in view.writes
            ],
            "LostWrites": [
                {
                    "Key": lost.key,
                    "DiscardedIn": lost.region,
                    "DiscardedAt": lost.at,
                    "Lost": _version(lost.loser),
                    "Kept": _version(lost.winner),
                    "Concurrent": lost.concurrent,
                }
                for lost in view.lost
            ],
        }


def _version(version: selectors.WriteVersion) -> dict[str, Any]:
    return {
        "Sequence": version.seq,
        "RegionName": version.region,
        "Time": version.time,
        "Kind": version.kind,
    }


def replication_page(sandbox: Sandbox, table: str, *, region: str) -> ReplicationPage:
    """The page's data, read without a call (uncharged, unrecorded)."""
    view = selectors.replication(sandbox, table, region=region)
    page = ReplicationPage(table=table, region=region, view=view)
    members = {replica.region for replica in view.replicas} if view else {region}
    page.candidates = [choice for choice in selectors.REGIONS if choice not in members]
    if view is None:
        return page
    rows = [_write_row(write) for write in view.writes]
    page.writes = list(reversed(rows[-SHOWN_WRITES:]))
    page.pending = [row for row in rows if row.pending]
    page.lost = [
        LostRow(
            key=value_text.key_text(lost.key),
            region=lost.region,
            at=moment(lost.at),
            loser_seq=lost.loser.seq,
            loser_region=lost.loser.region,
            loser_at=moment(lost.loser.time),
            loser_kind=lost.loser.kind,
            winner_seq=lost.winner.seq,
            winner_region=lost.winner.region,
            winner_at=moment(lost.winner.time),
            winner_kind=lost.winner.kind,
            concurrent=lost.concurrent,
        )
        for lost in reversed(view.lost)
    ]
    return page


def _write_row(write: selectors.ReplicatedWrite) -> WriteRow:
    return WriteRow(
        seq=write.seq,
        region=write.region,
        at=moment(write.time),
        key=value_text.key_text(write.key),
        kind=write.kind,
        outcomes=tuple(
            OutcomeRow(outcome.region, outcome.state, moment(outcome.at), outcome.beaten_by)
            for outcome in write.outcomes
        ),
    )


# ---------------------------------------------------------------------- changes
def add_replica(
    sandbox: Sandbox, table: str, target: str, *, region: str, endpoint: str
) -> CallResult:
    """UpdateTable ReplicaUpdates Create, sent to the learner's Region."""
    request = {"TableName": table, "ReplicaUpdates": [{"Create": {"RegionName": target}}]}
    return call(sandbox, "UpdateTable", request, endpoint=endpoint, region=region)


def remove_replica(
    sandbox: Sandbox, table: str, target: str, *, region: str, endpoint: str
) -> CallResult:
    """UpdateTable ReplicaUpdates Delete, sent to the learner's Region."""
    request = {"TableName": table, "ReplicaUpdates": [{"Delete": {"RegionName": target}}]}
    return call(sandbox, "UpdateTable", request, endpoint=endpoint, region=region)


def set_lag(sandbox: Sandbox, seconds: float, *, region: str, endpoint: str) -> CallResult:
    """DynaLab's UpdateReplicationSettings: the simulated lag of later writes."""
    request = {"ReplicationLagSeconds": seconds}
    return call(sandbox, "UpdateReplicationSettings", request, endpoint=endpoint, region=region)


def set_paused(
    sandbox: Sandbox, target: str, paused: bool, *, region: str, endpoint: str
) -> CallResult:
    """DynaLab's UpdateRegionReplication: pause (an outage) or resume replication of a
    Region."""
    request = {"RegionName": target, "Paused": paused}
    return call(sandbox, "UpdateRegionReplication", request, endpoint=endpoint, region=region)


def parse_lag(text: str) -> float | None:
    """Seconds from 0 to an hour, or None."""
    try:
        seconds = float(text)
    except (TypeError, ValueError):
        return None
    if not 0 <= seconds <= MAX_LAG_SECONDS:  # NaN fails both comparisons
        return None
    return seconds
