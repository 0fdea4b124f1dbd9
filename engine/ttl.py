"""Time to live: expired items are deleted in the background, within 48 hours of expiry.

Rules (the service's, as the developer guide states them):

- An item is *expired* when its TTL attribute is a top-level Number of epoch seconds earlier
  than the current time. Any other type is ignored, and so is a time more than five years
  (5 x 365 days) in the past when the item is considered.
- Expired items stay readable (GetItem, Query, Scan return them) until the background process
  deletes them; a filter such as ``#ttl > :now`` hides them.
- The deletion costs no write capacity, goes through ``Table.write`` (so indexes and streams
  see it) and appears in the stream as a REMOVE whose ``userIdentity`` is the service principal
  ``{"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}``.

When exactly (deterministic, a pure function of the item and the settings): an item is
considered from ``max(expiry, time TTL was enabled, time of the item's last write)`` -- so an
item updated after it expired but before it was deleted is re-evaluated -- and deleted at the
first simulated moment after that plus a delay. ``ttl_deletion_delay`` (an attribute of
``engine.extensions["ttl"]``) chooses the delay:

- ``"spread"`` (default): derived from a hash of the table name and the key, between 0 and 48
  hours, so deletions look spread out but are reproducible;
- ``"immediate"``: no delay, for demos;
- a number: that many seconds for every item.

UpdateTimeToLive takes effect immediately in simulated time: DescribeTimeToLive shows
``ENABLED`` (or ``DISABLED``) right after the call. The service passes through ``ENABLING`` /
``DISABLING`` for up to an hour; DynaLab keeps the service's rule that a table's TTL setting
can change only once an hour ("Time to live has been modified multiple times within a fixed
interval"), which is what a learner runs into.

Each table with TTL enabled keeps a schedule (a SortedList of ``(due time, key)``) that the
change listener keeps current, so moving the clock costs O(k log n) for k deletions.

Global tables (engine/replication.py): the TTL setting is group-wide, and one replica runs the
deletions (``runs``); the others keep the setting with an empty schedule and receive its
deletions as replicated writes.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from decimal import Decimal
from typing import Any

from sortedcontainers import SortedList

from engine.core import Engine, Extension
from engine.errors import ValidationException
from engine.table import Change, Table
from engine.values import Item, key_sort_value

SERVICE_IDENTITY = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
SPREAD_SECONDS = 48 * 3600
FIVE_YEARS_SECONDS = 5 * 365 * 24 * 3600
#: UpdateTimeToLive may change a table's setting once per hour.
UPDATE_INTERVAL_SECONDS = 3600
#: TTL deletions each table remembers (newest last), for the workbench's timeline.
RECENT_DELETIONS = 100


def ttl_seconds(item: Item, attribute: str) -> float | None:
    """The item's expiry in epoch seconds, or None when the attribute is absent or not a
    Number."""
    value = item.get(attribute)
    if value is None or "N" not in value:
        return None
    return float(Decimal(value["N"]))


def key_id(key: Item) -> str:
    """A canonical text of a key, usable as a dict key and as a sort tiebreaker."""
    return json.dumps(key, sort_keys=True, separators=(",", ":"))


class TableTTL:
    """One table's TTL setting and its deletion schedule."""

    def __init__(self) -> None:
        self.status = "DISABLED"
        self.attribute: str | None = None
        self.updated_at: float | None = None
        self.enabled_at: float | None = None
        #: Time of the table's latest change (TTL deletions are stamped no earlier).
        self.last_change = float("-inf")
        #: key id -> (considered from, due, key)
        self.entries: dict[str, tuple[float, float, Item]] = {}
        self.schedule: SortedList = SortedList()
        #: False on a global table's replicas whose deletions come from another Region.
        self.runs = True
        #: The latest deletions, ``[key, expiry, deleted at]`` (oldest first), so a page can
        #: say when an item went; the engine itself never reads them.
        self.recent: deque[list[Any]] = deque(maxlen=RECENT_DELETIONS)

    @property
    def enabled(self) -> bool:
        return self.status == "ENABLED"

    def describe(self) -> dict[str, Any]:
        description: dict[str, Any] = {"TimeToLiveStatus": self.status}
        if self.attribute is not None:
            description["AttributeName"] = self.attribute
        return description

    def forget(self, identity: str) -> None:
        entry = self.entries.pop(identity, None)
        if entry is not None:
            self.schedule.remove((entry[1], identity))

    def dump(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "attribute": self.attribute,
            "updated_at": self.updated_at,
            "enabled_at": self.enabled_at,
            "last_change": self.last_change if self.last_change != float("-inf") else None,
            "entries": [
                [identity, start, due, key] for identity, (start, due, key) in self.entries.items()
            ],
            "runs": self.runs,
            "recent": [list(entry) for entry in self.recent],
        }

    @classmethod
    def load(cls, state: dict[str, Any]) -> TableTTL:
        ttl = cls()
        ttl.status = state["status"]
        ttl.attribute = state.get("attribute")
        ttl.updated_at = state.get("updated_at")
        ttl.enabled_at = state.get("enabled_at")
        last = state.get("last_change")
        ttl.last_change = float("-inf") if last is None else last
        ttl.runs = state.get("runs", True)
        for identity, start, due, key in state.get("entries", []):
            ttl.entries[identity] = (start, due, key)
            ttl.schedule.add((due, identity))
        ttl.recent.extend(list(entry) for entry in state.get("recent", []))
        return ttl


class TTLExtension(Extension):
    """Every table's TTL settings and deletion schedules."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._delay: str | float = "spread"
        self.tables: dict[str, TableTTL] = {}

    # ------------------------------------------------------------------ settings
    @property
    def ttl_deletion_delay(self) -> str | float:
        """``"spread"`` (within 48 hours, default), ``"immediate"`` or a number of seconds."""
        return self._delay

    @ttl_deletion_delay.setter
    def ttl_deletion_delay(self, value: str | float) -> None:
        if isinstance(value, bool) or not (
            value in ("spread", "immediate") or (isinstance(value, (int, float)) and value >= 0)
        ):
            raise ValueError(
                "ttl_deletion_delay is 'spread', 'immediate' or a number of seconds >= 0"
            )
        self._delay = value
        for name, ttl in self.tables.items():  # reschedule with the new delay
            entries = ttl.entries
            ttl.entries, ttl.schedule = {}, SortedList()
            for identity, (start, _, key) in entries.items():
                self._add(name, ttl, identity, start, key)

    def delay(self, table_name: str, identity: str) -> float:
        mode = self._delay
        if mode == "immediate":
            return 0.0
        if mode == "spread":
            digest = hashlib.sha256(f"{table_name}\x00{identity}".encode()).hexdigest()
            return float(int(digest[:12], 16) % SPREAD_SECONDS)
        return float(mode)

    # ------------------------------------------------------------------ hooks
    def table_created(self, table: Table) -> None:
        self.tables[table.name] = TableTTL()
        table.change_listeners.append(lambda change, name=table.name: self._changed(name, change))

    def table_deleted(self, table: Table, now: float) -> None:
        self.tables.pop(table.name, None)

    def _changed(self, table_name: str, change: Change) -> None:
        ttl = self.tables.get(table_name)
        if ttl is None:
            return
        ttl.last_change = max(ttl.last_change, change.time)
        if not ttl.enabled or not ttl.runs:
            return
        identity = key_id(change.key)
        ttl.forget(identity)
        if change.new is not None:
            self._schedule(table_name, ttl, change.new, change.key, change.time)

    def _schedule(
        self, table_name: str, ttl: TableTTL, item: Item, key: Item, written_at: float
    ) -> None:
        assert ttl.attribute is not None and ttl.enabled_at is not None
        expiry = ttl_seconds(item, ttl.attribute)
        if expiry is None:
            return
        start = max(expiry, ttl.enabled_at, written_at)
        if start - expiry > FIVE_YEARS_SECONDS:
            return  # more than five years in the past: ignored
        self._add(table_name, ttl, key_id(key), start, key)

    def _add(self, table_name: str, ttl: TableTTL, identity: str, start: float, key: Item) -> None:
        due = start + self.delay(table_name, identity)
        ttl.entries[identity] = (start, due, key)
        ttl.schedule.add((due, identity))

    def advance(self, now: float) -> None:
        """Delete every item whose due time is past. O(k log n) for k deletions."""
        for name, ttl in self.tables.items():
            schedule = ttl.schedule
            if not schedule or schedule[0][0] >= now:
                continue
            table = self.engine.tables.get(name)
            if table is None:
                continue
            schema = table.schema
            while schedule and schedule[0][0] < now:
                due, identity = schedule.pop(0)
                _, _, key = ttl.entries.pop(identity)
                partition = key_sort_value(key[schema.partition_key])
                sort = key_sort_value(key[schema.sort_key]) if schema.sort_key else None
                stored = table.get(partition, sort)
                if stored is None:
                    continue
                # Stamped at its due time (never before the table's latest change), as if the
                # background process had run continuously; no capacity is charged.
                deleted_at = max(due, ttl.last_change)
                table.write(partition, sort, None, deleted_at, user_identity=dict(SERVICE_IDENTITY))
                expiry = ttl_seconds(stored[0], ttl.attribute) if ttl.attribute else None
                ttl.recent.append([key, expiry, deleted_at])

    # ------------------------------------------------------------------ API
    def update(self, table: Table, enabled: bool, attribute: str, now: float) -> None:
        """UpdateTimeToLive's rules, checked in the service's order."""
        ttl = self.tables.setdefault(table.name, TableTTL())
        if ttl.enabled and attribute != ttl.attribute:
            raise ValidationException(
                "TimeToLive is active on a different AttributeName: current AttributeName is "
                f"{ttl.attribute}"
            )
        if enabled and ttl.enabled:
            raise ValidationException("TimeToLive is already enabled")
        if not enabled and not ttl.enabled:
            raise ValidationException("TimeToLive is already disabled")
        if ttl.updated_at is not None and now - ttl.updated_at < UPDATE_INTERVAL_SECONDS:
            raise ValidationException(
                "Time to live has been modified multiple times within a fixed interval"
            )
        self.sync(table, enabled, attribute, now, runs=True)

    def sync(self, table: Table, enabled: bool, attribute: str, now: float, *, runs: bool) -> None:
        """Take a TTL setting without UpdateTimeToLive's checks (a global table's other
        replicas take the one made in any Region); ``runs``: this table deletes expired items
        itself. O(n log n) when it runs."""
        ttl = self.tables.setdefault(table.name, TableTTL())
        ttl.updated_at = now
        ttl.runs = runs
        ttl.entries, ttl.schedule = {}, SortedList()
        if not enabled:
            ttl.status, ttl.attribute, ttl.enabled_at = "DISABLED", None, None
            return
        ttl.status, ttl.attribute, ttl.enabled_at = "ENABLED", attribute, now
        self._schedule_all(table, ttl, now)

    def set_runs(self, table: Table, runs: bool, now: float) -> bool:
        """Make this table delete expired items itself, or stop; True when TTL is enabled on
        it (a replica taking over from one that left its global table)."""
        ttl = self.tables.setdefault(table.name, TableTTL())
        if ttl.runs == runs:
            return ttl.enabled
        ttl.runs = runs
        ttl.entries, ttl.schedule = {}, SortedList()
        if runs and ttl.enabled:
            self._schedule_all(table, ttl, now)
        return ttl.enabled

    def _schedule_all(self, table: Table, ttl: TableTTL, now: float) -> None:
        if not ttl.runs:
            return
        for item in table.all_items():  # O(n log n), once per enabling
            self._schedule(table.name, ttl, item, table.schema.key_of(item), now)

    def describe(self, table: Table) -> dict[str, Any]:
        return self.tables.setdefault(table.name, TableTTL()).describe()

    def pending(self, table_name: str) -> list[tuple[float, Item]]:
        """``(due time, key)`` of every scheduled deletion of a table, soonest first."""
        ttl = self.tables.get(table_name)
        if ttl is None:
            return []
        return [(due, ttl.entries[identity][2]) for due, identity in ttl.schedule]

    # ------------------------------------------------------------------ persistence
    def dump(self) -> dict[str, Any]:
        return {
            "ttl_deletion_delay": self._delay,
            "tables": {name: ttl.dump() for name, ttl in self.tables.items()},
        }

    def load(self, state: dict[str, Any]) -> None:
        self._delay = state.get("ttl_deletion_delay", "spread")
        self.tables = {
            name: TableTTL.load(ttl_state) for name, ttl_state in state.get("tables", {}).items()
        }
        for name in self.engine.tables:
            self.tables.setdefault(name, TableTTL())


def ttl_of(engine: Engine) -> TTLExtension:
    ext = engine.extensions["ttl"]
    assert isinstance(ext, TTLExtension)
    return ext
