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

from dynalab.sandboxes.models import Sandbox


@cache
def _insert_sql(model: type[models.Model]) -> tuple[str, tuple[models.Field, ...]]:
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key or not f.auto_created)
    fields = tuple(f for f in fields if not isinstance(f, models.AutoField))
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", fields


def insert(instance: models.Model) -> None:
    """INSERT one new row for ``instance`` (no primary key read back). O(fields)."""
    sql, fields = _insert_sql(type(instance))
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


#: The columns every call reads from the sandbox's row.
_ROW_FIELDS = (
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


def sandbox_row(sandbox_id: Any, *, lock: bool = False) -> Sandbox | None:
    """The sandbox's journal position, clock offset, state and storage counters (``_ROW_FIELDS``)
    as the database has them now, on an unsaved Sandbox carrying just those fields (None if
    the row is gone).

    ``lock=True`` locks the row for the rest of the transaction (SELECT ... FOR UPDATE; on
    SQLite the IMMEDIATE transaction already holds the database's write lock).
    """
    pk = Sandbox._meta.pk.get_db_prep_value(sandbox_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(_select_sql(lock), [pk])
        found = cursor.fetchone()
    if found is None:
        return None
    return Sandbox(
        id=sandbox_id,
        last_sequence=int(found[0]),
        clock_offset=float(found[1]),
        is_active=bool(found[2]),
        snapshot_sequence=int(found[3]),
        journal_bytes=int(found[4]),
        state_bytes=int(found[5]),
    )


@cache
def _update_sql() -> str:
    meta = Sandbox._meta
    quote = connection.ops.quote_name
    sets = ", ".join(
        f"{quote(meta.get_field(name).column)} = %s"
        for name in ("last_sequence", "clock_offset", "journal_bytes", "updated_at")
    )
    return f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"


def update_row(sandbox: Sandbox) -> None:
    """Store a sandbox's last_sequence, clock_offset and journal_bytes (and touch updated_at)."""
    meta = Sandbox._meta
    updated_at = meta.get_field("updated_at")
    params = [
        meta.get_field("last_sequence").get_db_prep_save(sandbox.last_sequence, connection),
        meta.get_field("clock_offset").get_db_prep_save(sandbox.clock_offset, connection),
        meta.get_field("journal_bytes").get_db_prep_save(sandbox.journal_bytes, connection),
        updated_at.get_db_prep_save(updated_at.pre_save(sandbox, False), connection),
        meta.pk.get_db_prep_value(sandbox.pk, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(), params)
