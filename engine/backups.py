"""On-demand backups and point-in-time recovery: the state behind engine/operations/backups.py.

A backup is a deep copy of a table's dump (engine/core.py ``_dump_table``: definition and
items) taken at the request time, so later writes never reach it; restoring it builds a new
table with ``_load_table``.

Point-in-time recovery keeps, per table, a change history fed by a ``change_listener``: when
PITR is enabled, a base image of the table (its items at that moment) and then every change
``(time, key, new image)``. The table as it was at time ``t`` is the base image with every
change up to and including ``t`` applied. As the clock moves, changes older than the recovery
window are folded into the base image, so memory stays bounded by the window. The table's
definition (billing mode, throughput, indexes) is recorded beside the items whenever it
changes, so a restore gets the settings the table had at ``t``. A deleted table's history is
kept while its window lasts, so it can still be restored.

Everything is a pure function of engine state and the simulated clock.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from engine.core import Engine, Extension, _dump_table, _load_table, table_definition
from engine.keys import KeySchema
from engine.table import Change, Table
from engine.values import Item, key_sort_value

DAY = 86400.0
#: PITR cannot restore the last five minutes: LatestRestorableDateTime is now minus this.
PITR_LAG_SECONDS = 300.0
DEFAULT_RECOVERY_DAYS = 35
#: SYSTEM backups (made when a table with PITR enabled is deleted) are kept 35 days.
SYSTEM_BACKUP_RETENTION = 35 * DAY

KeyId = tuple[Any, Any]


def key_id(schema: KeySchema, key: Item) -> KeyId:
    """A hashable identity for a primary key (its values in key order)."""
    sort = key_sort_value(key[schema.sort_key]) if schema.sort_key else None
    return (key_sort_value(key[schema.partition_key]), sort)


def _fingerprint(definition: dict[str, Any]) -> str:
    """What a restore takes from a definition: capacity mode, throughput and indexes."""
    relevant = {
        "billing_mode": definition["billing_mode"],
        "read": definition["throughput"]["read"],
        "write": definition["throughput"]["write"],
        "attribute_definitions": definition["attribute_definitions"],
        "local_indexes": definition["local_indexes"],
        "global_indexes": definition["global_indexes"],
        "table_class": definition["table_class"],
    }
    return json.dumps(relevant, sort_keys=True, default=str)


@dataclass
class History:
    """One table's point-in-time recovery state: a base image plus the changes after it."""

    name: str
    arn: str
    table_id: str
    schema: KeySchema
    enabled_at: float
    period_days: int
    #: The base image is the table as it was at ``base_time`` (every change <= it applied).
    base_time: float
    base: dict[KeyId, Item] = field(default_factory=dict)
    #: ``(time, key id, key, new item or None)`` in time order, all after ``base_time``.
    changes: deque[tuple[float, KeyId, Item, Item | None]] = field(default_factory=deque)
    #: ``(time, definition)`` in time order; the first is at or before ``base_time``.
    definitions: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    deleted_at: float | None = None

    @property
    def period(self) -> float:
        return self.period_days * DAY

    def earliest(self, now: float) -> float:
        return max(self.enabled_at, now - self.period)

    def latest(self, now: float) -> float:
        if self.deleted_at is not None:
            return self.deleted_at
        return max(self.earliest(now), now - PITR_LAG_SECONDS)

    def record(self, change: Change) -> None:
        new = change.new
        self.changes.append((change.time, key_id(self.schema, change.key), change.key, new))

    def trim(self, now: float) -> None:
        """Fold changes at or before the window's start into the base image. O(folded)."""
        start = self.earliest(now)
        changes = self.changes
        base = self.base
        while changes and changes[0][0] <= start:
            _, identity, _, new = changes.popleft()
            if new is None:
                base.pop(identity, None)
            else:
                base[identity] = new
        if start > self.base_time:
            self.base_time = start
        # Keep the one definition in force at the window's start, and every later one.
        while len(self.definitions) > 1 and self.definitions[1][0] <= start:
            self.definitions.pop(0)

    def items_at(self, moment: float) -> list[Item]:
        """The table's items at ``moment`` (>= base_time). O(base + changes up to moment)."""
        image = dict(self.base)
        for when, identity, _, new in self.changes:
            if when > moment:
                break
            if new is None:
                image.pop(identity, None)
            else:
                image[identity] = new
        return list(image.values())

    def definition_at(self, moment: float) -> dict[str, Any]:
        chosen = self.definitions[0][1]
        for when, definition in self.definitions:
            if when > moment:
                break
            chosen = definition
        return chosen

    def observe(self, table: Table, now: float) -> None:
        """Record the table's definition if it changed since the last one recorded."""
        definition = table_definition(table)
        if _fingerprint(definition) == _fingerprint(self.definitions[-1][1]):
            return
        last = self.definitions[-1][0]
        # Throughput and billing-mode changes carry their own time; others are seen now.
        stamps = [
            stamp
            for stamp in (
                table.throughput.last_increase,
                table.throughput.last_decrease,
                table.last_update_to_pay_per_request,
            )
            if stamp is not None and last < stamp <= now
        ]
        self.definitions.append((max(stamps) if stamps else now, definition))

    # ------------------------------------------------------------------ persistence
    def dump(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "arn": self.arn,
            "table_id": self.table_id,
            "schema": self.schema.dump(),
            "enabled_at": self.enabled_at,
            "period_days": self.period_days,
            "base_time": self.base_time,
            "base": list(self.base.values()),
            "changes": [[when, key, new] for when, _, key, new in self.changes],
            "definitions": [[when, definition] for when, definition in self.definitions],
            "deleted_at": self.deleted_at,
        }

    @classmethod
    def load(cls, state: dict[str, Any]) -> History:
        schema = KeySchema(**state["schema"])
        history = cls(
            name=state["name"],
            arn=state["arn"],
            table_id=state["table_id"],
            schema=schema,
            enabled_at=state["enabled_at"],
            period_days=state["period_days"],
            base_time=state["base_time"],
            deleted_at=state.get("deleted_at"),
        )
        for item in state["base"]:
            history.base[key_id(schema, schema.key_of(item))] = item
        for when, key, new in state["changes"]:
            history.changes.append((when, key_id(schema, key), key, new))
        history.definitions = [(when, definition) for when, definition in state["definitions"]]
        return history


@dataclass
class Backup:
    """One on-demand (USER) or SYSTEM backup: a frozen table dump and its catalogue entry."""

    arn: str
    name: str
    kind: str
    created_at: float
    available_at: float
    size_bytes: int
    #: ``_dump_table`` output, deep-copied at the request time; never changed afterwards.
    state: dict[str, Any]
    table_id: str
    item_count: int
    expires_at: float | None = None
    #: The table's TimeToLiveDescription at backup time, when TTL was configured.
    time_to_live: dict[str, Any] | None = None

    def status(self, now: float) -> str:
        return "AVAILABLE" if now >= self.available_at else "CREATING"

    @property
    def table_name(self) -> str:
        return self.state["name"]

    @property
    def table_arn(self) -> str:
        return self.state["arn"]

    def details(self, now: float) -> dict[str, Any]:
        """BackupDetails as CreateBackup and DescribeBackup return them."""
        details: dict[str, Any] = {
            "BackupArn": self.arn,
            "BackupName": self.name,
            "BackupSizeBytes": self.size_bytes,
            "BackupStatus": self.status(now),
            "BackupType": self.kind,
            "BackupCreationDateTime": self.created_at,
        }
        if self.expires_at is not None:
            details["BackupExpiryDateTime"] = self.expires_at
        return details

    def summary(self, now: float) -> dict[str, Any]:
        """BackupSummary as ListBackups returns it."""
        summary: dict[str, Any] = {
            "TableName": self.table_name,
            "TableId": self.table_id,
            "TableArn": self.table_arn,
            "BackupArn": self.arn,
            "BackupName": self.name,
            "BackupCreationDateTime": self.created_at,
            "BackupStatus": self.status(now),
            "BackupType": self.kind,
            "BackupSizeBytes": self.size_bytes,
        }
        if self.expires_at is not None:
            summary["BackupExpiryDateTime"] = self.expires_at
        return summary

    def description(self, now: float) -> dict[str, Any]:
        """BackupDescription: the details, the source table and its features at backup time."""
        state = self.state
        provisioned = state["billing_mode"] == "PROVISIONED"
        source: dict[str, Any] = {
            "TableName": state["name"],
            "TableId": self.table_id,
            "TableArn": state["arn"],
            "TableSizeBytes": self.size_bytes,
            "KeySchema": KeySchema(**state["schema"]).to_wire(),
            "TableCreationDateTime": state["created_at"],
            "ProvisionedThroughput": {
                "ReadCapacityUnits": state["throughput"]["read"] if provisioned else 0,
                "WriteCapacityUnits": state["throughput"]["write"] if provisioned else 0,
            },
            "ItemCount": self.item_count,
            "BillingMode": state["billing_mode"],
        }
        features: dict[str, Any] = {}
        if state["local_indexes"]:
            features["LocalSecondaryIndexes"] = [
                {
                    "IndexName": index["IndexName"],
                    "KeySchema": copy.deepcopy(index["KeySchema"]),
                    "Projection": copy.deepcopy(index["Projection"]),
                }
                for index in state["local_indexes"]
            ]
        if state["global_indexes"]:
            features["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index["IndexName"],
                    "KeySchema": copy.deepcopy(index["KeySchema"]),
                    "Projection": copy.deepcopy(index["Projection"]),
                    "ProvisionedThroughput": {
                        "ReadCapacityUnits": (index.get("ProvisionedThroughput") or {}).get(
                            "ReadCapacityUnits", 0
                        ),
                        "WriteCapacityUnits": (index.get("ProvisionedThroughput") or {}).get(
                            "WriteCapacityUnits", 0
                        ),
                    },
                }
                for index in state["global_indexes"]
            ]
        stream = state.get("stream_specification")
        if stream and stream.get("StreamEnabled"):
            features["StreamDescription"] = dict(stream)
        if self.time_to_live is not None:
            features["TimeToLiveDescription"] = dict(self.time_to_live)
        return {
            "BackupDetails": self.details(now),
            "SourceTableDetails": source,
            "SourceTableFeatureDetails": features,
        }

    def dump(self) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "name": self.name,
            "kind": self.kind,
            "created_at": self.created_at,
            "available_at": self.available_at,
            "size_bytes": self.size_bytes,
            "state": self.state,
            "table_id": self.table_id,
            "item_count": self.item_count,
            "expires_at": self.expires_at,
            "time_to_live": self.time_to_live,
        }

    @classmethod
    def load(cls, state: dict[str, Any]) -> Backup:
        return cls(**state)


class Backups(Extension):
    """The backup catalogue and every table's point-in-time recovery history."""

    #: Simulated seconds a backup stays CREATING: a base plus whole seconds for its size.
    backup_base_seconds = 60.0
    backup_bytes_per_second = 100 * 1024 * 1024
    #: Simulated restore duration (the table stays CREATING): base plus whole seconds of
    #: size / rate.
    #: The service documents at least 20 minutes for a point-in-time restore.
    restore_base_seconds = 600.0
    pitr_restore_base_seconds = 1200.0
    restore_bytes_per_second = 1024 * 1024
    #: Concurrent restores allowed in an account.
    max_concurrent_restores = 50

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.backups: dict[str, Backup] = {}
        #: Live tables' histories by table name (present only while PITR is enabled).
        self.histories: dict[str, History] = {}
        #: Deleted tables' histories, kept while their window lasts (oldest first).
        self.deleted: list[History] = []
        self.counter = 0

    # ------------------------------------------------------------------ hooks
    def table_created(self, table: Table) -> None:
        name = table.name

        def listen(change: Change) -> None:
            history = self.histories.get(name)
            if history is not None:
                history.record(change)

        table.change_listeners.append(listen)

    def table_updated(self, table: Table, now: float) -> None:
        """UpdateTable changed the table: record its new definition at this very moment."""
        history = self.histories.get(table.name)
        if history is not None:
            history.observe(table, now)

    def table_deleted(self, table: Table, now: float) -> None:
        history = self.histories.pop(table.name, None)
        if history is None:
            return
        history.observe(table, now)
        history.deleted_at = now
        self.deleted.append(history)
        self.create_backup(table, f"{table.name}$DeletedTableBackup", now, kind="SYSTEM")

    def advance(self, now: float) -> None:
        for name, history in self.histories.items():
            table = self.engine.tables.get(name)
            if table is not None:
                history.observe(table, now)
            history.trim(now)
        kept = []
        for history in self.deleted:
            if history.earliest(now) <= history.latest(now):
                history.trim(now)
                kept.append(history)
        self.deleted = kept
        expired = [
            arn
            for arn, backup in self.backups.items()
            if backup.expires_at is not None and now >= backup.expires_at
        ]
        for arn in expired:
            del self.backups[arn]

    # ------------------------------------------------------------------ backups
    def create_backup(self, table: Table, name: str, now: float, *, kind: str = "USER") -> Backup:
        state = _dump_table(table)
        state["items"] = copy.deepcopy(state["items"])
        self.counter += 1
        digest = hashlib.sha256(
            f"{table.arn}|{table.table_id}|{name}|{now!r}|{self.counter}".encode()
        ).hexdigest()[:8]
        arn = f"{table.arn}/backup/{int(round(now * 1000)):014d}-{digest}"
        size = table.size_bytes
        backup = Backup(
            arn=arn,
            name=name,
            kind=kind,
            created_at=now,
            available_at=now + self.backup_base_seconds + size // self.backup_bytes_per_second,
            size_bytes=size,
            state=state,
            table_id=table.table_id,
            item_count=table.item_count,
            expires_at=now + SYSTEM_BACKUP_RETENTION if kind == "SYSTEM" else None,
            time_to_live=self._time_to_live(table),
        )
        self.backups[arn] = backup
        return backup

    def _time_to_live(self, table: Table) -> dict[str, Any] | None:
        """The TTL extension's description of the table, when TTL is configured."""
        describe = getattr(self.engine.extensions.get("ttl"), "describe", None)
        if describe is None:
            return None
        description = describe(table)
        if not isinstance(description, dict) or description.get("TimeToLiveStatus") in (
            None,
            "DISABLED",
        ):
            return None
        return copy.deepcopy(description)

    def restores_in_progress(self, now: float) -> list[Table]:
        return [
            table
            for table in self.engine.tables.values()
            if table.restore_summary is not None and now < table.active_at
        ]

    def restore(
        self,
        state: dict[str, Any],
        items: list[Item],
        target: str,
        now: float,
        *,
        summary: dict[str, Any],
        base_seconds: float,
    ) -> Table:
        """Build and register a new table from a definition and items (deep-copied here)."""
        state = copy.deepcopy(state)
        state["items"] = copy.deepcopy(items)
        state.update(
            name=target,
            arn=self.engine.table_arn(target),
            created_at=now,
            # Not restored by the service: tags, streams, TTL, PITR, deletion protection.
            tags={},
            stream_specification=None,
            deletion_protection=False,
            restore_summary=summary,
        )
        if "stream_label" in state:
            state["stream_label"] = None
        throughput = state["throughput"]
        state["throughput"] = {
            "read": throughput["read"],
            "write": throughput["write"],
            "last_increase": None,
            "last_decrease": None,
            "decreases_today": 0,
        }
        state["last_update_to_pay_per_request"] = (
            now if state["billing_mode"] == "PAY_PER_REQUEST" else None
        )
        state["active_at"] = now
        table = _load_table(state)
        table.active_at = now + base_seconds + table.size_bytes // self.restore_bytes_per_second
        self.engine.add_table(table)
        return table

    # ------------------------------------------------------------------ PITR
    def enable(self, table: Table, period_days: int, now: float) -> History:
        history = self.histories.get(table.name)
        if history is not None:
            history.period_days = period_days
            history.trim(now)
            return history
        history = History(
            name=table.name,
            arn=table.arn,
            table_id=table.table_id,
            schema=table.schema,
            enabled_at=now,
            period_days=period_days,
            base_time=now,
        )
        for item in table.all_items():
            history.base[key_id(table.schema, table.schema.key_of(item))] = item
        history.definitions.append((now, table_definition(table)))
        self.histories[table.name] = history
        return history

    def disable(self, table: Table) -> None:
        self.histories.pop(table.name, None)

    def find_history(self, name: str | None, arn: str | None) -> History | None:
        """A live table's history, else the most recently deleted table's with that name/ARN."""
        if name is not None and name in self.engine.tables:
            return self.histories.get(name)
        if arn is not None:
            table = self.engine.tables.get(self.engine.resolve_table_name(arn))
            if table is not None and table.arn == arn:
                return self.histories.get(table.name)
        for history in reversed(self.deleted):
            if (name is not None and history.name == name) or (
                arn is not None and history.arn == arn
            ):
                return history
        return None

    # ------------------------------------------------------------------ persistence
    def dump(self) -> dict[str, Any]:
        return {
            "counter": self.counter,
            "backups": [backup.dump() for backup in self.backups.values()],
            "histories": [history.dump() for history in self.histories.values()],
            "deleted": [history.dump() for history in self.deleted],
            "settings": {
                "backup_base_seconds": self.backup_base_seconds,
                "backup_bytes_per_second": self.backup_bytes_per_second,
                "restore_base_seconds": self.restore_base_seconds,
                "pitr_restore_base_seconds": self.pitr_restore_base_seconds,
                "restore_bytes_per_second": self.restore_bytes_per_second,
                "max_concurrent_restores": self.max_concurrent_restores,
            },
        }

    def load(self, state: Any) -> None:
        self.counter = state.get("counter", 0)
        self.backups = {}
        for backup_state in state.get("backups", []):
            backup = Backup.load(backup_state)
            self.backups[backup.arn] = backup
        self.histories = {}
        for history_state in state.get("histories", []):
            history = History.load(history_state)
            self.histories[history.name] = history
        self.deleted = [History.load(history_state) for history_state in state.get("deleted", [])]
        for name, value in (state.get("settings") or {}).items():
            setattr(self, name, value)
