"""Keeps secondary indexes moving with the clock: GSI propagation and backfills.

The per-engine knobs live here (``engine.extensions["indexes"].settings``): the GSI
propagation delay (default zero; a lesson or the workbench sets one to show stale index reads),
the item-collection limit for tables with local indexes (10 GB, lower it for a lab) and the
backfill rate. All of them are part of the engine's dump.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from engine.core import Extension
from engine.indexes import IndexSettings
from engine.table import Table

#: 2: the GSI propagation delay defaults to zero (it was one second).
SETTINGS_VERSION = 2


class IndexMaintenance(Extension):
    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.settings = IndexSettings()

    def table_created(self, table: Table) -> None:
        table.settings = self.settings

    def table_updated(self, table: Table, now: float) -> None:
        # UpdateTable has just created any new global index: its backfill starts now.
        for index in table.indexes.values():
            if index.backfill_until is not None and index.backfill_started is None:
                index.backfill_started = now

    def advance(self, now: float) -> None:
        for table in self.engine.tables.values():
            if table.global_indexes:
                table.drain_indexes(now)

    def dump(self) -> dict[str, Any]:
        tables: dict[str, Any] = {}
        for table in self.engine.tables.values():
            state = {
                index.name: {
                    "backfill_until": index.backfill_until,
                    "backfill_started": index.backfill_started,
                    "pending": [list(entry) for entry in index.pending],
                }
                for index in table.indexes.values()
                if not index.local and (index.pending or index.backfill_until is not None)
            }
            if state:
                tables[table.name] = state
        return {
            "settings": dataclasses.asdict(self.settings),
            "settings_version": SETTINGS_VERSION,
            "tables": tables,
        }

    def load(self, state: dict[str, Any]) -> None:
        settings = dict(state.get("settings") or {})
        if state.get("settings_version") is None and settings.get("propagation_delay") == 1.0:
            # Dumps from before version 2 recorded the old one-second default, which no lab
            # could change then: they take today's default instead.
            del settings["propagation_delay"]
        for name, value in settings.items():
            setattr(self.settings, name, value)
        saved = state.get("tables") or {}
        for table in self.engine.tables.values():
            for index in table.indexes.values():
                index_state = saved.get(table.name, {}).get(index.name, {})
                index.backfill_until = index_state.get("backfill_until")
                index.backfill_started = index_state.get("backfill_started")
                if index.backfill_until is not None:
                    index.rebuild(iter(()))
                    continue
                index.rebuild(table.all_items())
                pending = [tuple(entry) for entry in index_state.get("pending", [])]
                # The index shows the items as they were before the writes still in flight:
                # undo those writes, newest first, then queue them again.
                for _, old, new in reversed(pending):
                    index.apply(new, old)
                index.pending.extend(pending)
