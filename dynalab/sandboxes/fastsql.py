"""Plain SQL for the statements every sandbox call runs: lock the row, append, record.

``execute`` runs four statements per state-changing call; built through the ORM's query
compiler each costs more than the database work itself (a profile of PutItem showed about
0.5 ms of 1 ms in query building). These helpers send the same statements with SQL built once
per model, and values prepared by the model fields themselves (``pre_save`` for auto_now
fields, ``get_db_prep_save`` for UUIDs, JSON and datetimes), so they stay correct on SQLite
and PostgreSQL alike.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection, models
from django.utils import timezone

from dynalab.sandboxes.models import Sandbox


@cache
def _insert_plan(model: type[models.Model]) -> tuple[str, tuple[tuple[models.Field, str], ...]]:
    """The INSERT statement for ``model`` and, per column, where its value comes from:
    ``"given"`` (the caller's), ``"now"`` (an auto_now or auto_now_add date) or
    ``"default"`` (the field's default)."""
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not isinstance(f, models.AutoField))
    plan = []
    for f in fields:
        stamped = isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
        plan.append((f, "now" if stamped else "given"))
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", tuple(plan)


def insert(model: type[models.Model], values: dict[str, Any]) -> None:
    """INSERT one new row of ``model`` from ``values`` (field attribute names to Python
    values; a field left out takes its default, an auto_now date the current time), without
    building a model instance (whose __init__ computes every default: a sandbox's two random
    keys alone took half a millisecond). No primary key is read back. O(fields)."""
    sql, plan = _insert_plan(model)
    now = timezone.now()
    params = []
    for f, source in plan:
        if source == "now":
            value = now
        elif f.attname in values:
            value = values[f.attname]
        else:
            value = f.get_default()
        params.append(f.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


#: The columns every call reads from the sandbox's row.
ROW_FIELDS = _ROW_FIELDS = (
    "last_sequence",
    "clock_offset",
    "is_active",
    "snapshot_sequence",
    "journal_bytes",
    "state_bytes",
)


@cache
def _select_sql(lock: bool) -> str:
    meta = Sandbox._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in _ROW_FIELDS)
    suffix = " FOR UPDATE" if lock and connection.features.has_select_for_update else ""
    return (
        f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s{suffix}"
    )


class SandboxRow:
    """What every call reads from a sandbox's row (``_ROW_FIELDS``), as the database had it."""

    __slots__ = ("pk", *_ROW_FIELDS, "updated_at")

    def __init__(self, pk: Any, values: tuple[Any, ...]) -> None:
        self.pk = pk
        self.last_sequence = int(values[0])
        self.clock_offset = float(values[1])
        self.is_active = bool(values[2])
        self.snapshot_sequence = int(values[3])
        self.journal_bytes = int(values[4])
        self.state_bytes = int(values[5])
        self.updated_at = None


def sandbox_row(sandbox_id: Any, *, lock: bool = False) -> SandboxRow | None:
    """The sandbox's journal position, clock offset, state and storage counters (``_ROW_FIELDS``)
    as the database has them now (None if the row is gone).

    ``lock=True`` locks the row for the rest of the transaction (SELECT ... FOR UPDATE; on
    SQLite the IMMEDIATE transaction already holds the database's write lock).
    """
    pk = Sandbox._meta.pk.get_db_prep_value(sandbox_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(_select_sql(lock), [pk])
        found = cursor.fetchone()
    if found is None:
        return None
    return SandboxRow(sandbox_id, found)


@cache
def _update_sql() -> str:
    meta = Sandbox._meta
    quote = connection.ops.quote_name
    sets = ", ".join(
        f"{quote(meta.get_field(name).column)} = %s"
        for name in ("last_sequence", "clock_offset", "journal_bytes", "updated_at")
    )
    return f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"


def update_row(row: SandboxRow) -> None:
    """Store a sandbox's last_sequence, clock_offset and journal_bytes (and touch updated_at)."""
    meta = Sandbox._meta
    row.updated_at = timezone.now()
    params = [
        meta.get_field("last_sequence").get_db_prep_save(row.last_sequence, connection),
        meta.get_field("clock_offset").get_db_prep_save(row.clock_offset, connection),
        meta.get_field("journal_bytes").get_db_prep_save(row.journal_bytes, connection),
        meta.get_field("updated_at").get_db_prep_save(row.updated_at, connection),
        meta.pk.get_db_prep_value(row.pk, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(), params)
