"""Checks of a table's features: streams and their records, Time to Live, backups, restores,
point-in-time recovery, stream triggers, deletion protection, and throttling."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from dynalab.course.checks.base import (
    THROTTLED,
    WRITES,
    ActivityLike,
    CheckContext,
    check,
    describe,
    key_text,
    matches,
    no_table,
    plural,
    same_key,
    stored_item,
    table_key_names,
    table_of_name,
    touches_key,
    validate_key,
    validate_optional_key,
)

ViewType = Literal["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]


@check("stream_enabled")
def stream_enabled(
    context: CheckContext, *, table: str, view_type: ViewType | None = None
) -> tuple[bool, str]:
    """The table has a stream enabled, with this view type if given."""
    if describe(context, table) is None:
        return no_table(table)
    status = context.view.table_status(table)
    if not status.stream_enabled:
        return False, f"Table {table} has no stream yet: enable one with UpdateTable."
    if view_type is not None and status.stream_view_type != view_type:
        return False, (
            f"Table {table}'s stream shows {status.stream_view_type}, not {view_type}. A stream's "
            "view type cannot change: disable the stream, then enable a new one."
        )
    return True, f"Table {table} has a {status.stream_view_type} stream."


@check("ttl_enabled")
def ttl_enabled(
    context: CheckContext, *, table: str, attribute: str | None = None
) -> tuple[bool, str]:
    """Time to Live is enabled on the table, on this attribute if given."""
    if describe(context, table) is None:
        return no_table(table)
    status = context.view.table_status(table)
    if status.ttl_status not in ("ENABLED", "ENABLING"):
        return False, f"Time to Live is not enabled on {table}: use UpdateTimeToLive."
    if attribute is not None and status.ttl_attribute != attribute:
        return False, (
            f"Time to Live on {table} reads {status.ttl_attribute}, not {attribute}. Disable "
            "it, then enable it on the other attribute."
        )
    return True, f"Time to Live on {table} deletes items by {status.ttl_attribute}."


@check("pitr_enabled")
def pitr_enabled(
    context: CheckContext, *, table: str, recovery_days: int | None = None
) -> tuple[bool, str]:
    """Point-in-time recovery is enabled on the table, with this recovery period (days) if
    given."""
    if describe(context, table) is None:
        return no_table(table)
    status = context.view.table_status(table)
    if not status.pitr_enabled:
        return False, (f"Point-in-time recovery is off for {table}: use UpdateContinuousBackups.")
    if recovery_days is not None and status.pitr_recovery_days != recovery_days:
        return False, (
            f"{table} keeps {status.pitr_recovery_days} days of recovery; this step asks for "
            f"{recovery_days}."
        )
    return True, (f"Point-in-time recovery is on for {table} ({status.pitr_recovery_days} days).")


@check("backup_exists")
def backup_exists(
    context: CheckContext,
    *,
    table: str,
    name: str | None = None,
    status: Literal["CREATING", "AVAILABLE"] | None = "AVAILABLE",
) -> tuple[bool, str]:
    """An on-demand backup of the table exists (named ``name``, if given), in this status
    (AVAILABLE unless given; null for any)."""
    found = [
        backup for backup in context.view.backups(table) if name is None or backup.name == name
    ]
    called = f" named {name}" if name else ""
    if not found:
        return False, f"There is no backup of {table}{called} yet: use CreateBackup."
    ready = [backup for backup in found if status is None or backup.status == status]
    if not ready:
        return False, f"The backup of {table}{called} is {found[-1].status}; wait a moment."
    backup = ready[-1]
    return True, (
        f"Backup {backup.name} of {table} is {backup.status} ({plural(backup.item_count, 'item')})."
    )


@check("trigger_exists")
def trigger_exists(
    context: CheckContext, *, table: str, handler: str | None = None
) -> tuple[bool, str]:
    """A stream trigger reads the table's stream (running ``handler``, if given)."""
    found = [t for t in context.view.triggers(table) if handler is None or t.handler == handler]
    running = f" running {handler}" if handler else ""
    if not found:
        return False, f"No trigger{running} reads {table}'s stream yet: use CreateTrigger."
    trigger = found[-1]
    if trigger.last_error:
        error = trigger.last_error
        return True, (
            f"A trigger{running} reads {table}'s stream; its last attempt failed with "
            f"{error.get('ErrorCode')}: {error.get('Message')}."
        )
    return True, (
        f"A trigger{running} reads {table}'s stream "
        f"({plural(trigger.records_processed, 'record')} processed)."
    )


@check("throttled_since_step")
def throttled_since_step(
    context: CheckContext,
    *,
    table: str,
    operation: str | None = None,
    by_index: bool | None = None,
    step: int | None = None,
) -> tuple[bool, str]:
    """A call on the table (of ``operation``, if given) was throttled
    (ProvisionedThroughputExceededException) since the previous step was passed, or since
    step ``step`` was passed if given. ``by_index: true``: throttled because a global
    secondary index could not take the write (back-pressure); ``false``: by the table itself."""
    since = context.since_step(step if step is not None else context.step - 1)
    kinds = {operation} if operation else {a.operation for a in since}
    throttled = [
        a for a in since if matches(a, operations=kinds, table=table) and a.status in THROTTLED
    ]
    if by_index is not None:
        throttled = [a for a in throttled if _by_index(a) == by_index]
    what = operation or "request"
    cause = {True: " by one of its global secondary indexes", False: " by the table itself"}
    if not throttled:
        return False, (
            f"No {what} on {table} has been throttled{cause.get(by_index, '')} in this step yet."
        )
    latest = throttled[-1]
    return True, (
        f"Your {latest.operation} on {table} was throttled{cause[_by_index(latest)]} "
        f"({latest.status})."
    )


def _by_index(activity: ActivityLike) -> bool:
    """The service names the global secondary indexes when they refused the write."""
    return "global secondary index" in (getattr(activity, "error_message", "") or "")


# --------------------------------------------------------------------------- stream records
EventName = Literal["INSERT", "MODIFY", "REMOVE"]
#: Records a check reads from one shard at most (a shard of a lab's table holds far fewer).
MAX_RECORDS_READ = 10_000


@check("stream_record", validate=validate_optional_key)
def stream_record(
    context: CheckContext,
    *,
    table: str,
    event_name: EventName,
    key: dict[str, Any] | None = None,
    by_service: bool | None = None,
    min_count: int = 1,
) -> tuple[bool, str]:
    """The table's stream holds at least ``min_count`` records of ``event_name`` (INSERT,
    MODIFY or REMOVE), for the item ``key`` if given; ``by_service: true`` counts only
    deletions made by the service itself (Time to Live), ``false`` only the others.

    Every record still in the table's streams counts (24 hours), whenever it was made: use a
    key that only the step's work writes."""
    if describe(context, table) is None:
        return no_table(table)
    streams = context.view.streams(table)
    if not streams:
        return False, f"Table {table} has no stream: enable one with UpdateTable first."
    found = [
        record
        for stream in streams
        for shard in stream.shards
        for record in context.view.stream_records(
            stream.arn, shard.shard_id, count=MAX_RECORDS_READ
        )
        if record.event_name == event_name
        and (key is None or same_key(record.keys, key))
        and (by_service is None or (record.user_identity is not None) == by_service)
    ]
    about = f" for {key_text(key)}" if key else ""
    who = {True: " made by DynamoDB itself (Time to Live)", False: " made by a client"}.get(
        by_service, ""
    )
    if len(found) < min_count:
        have = f"it holds {len(found)}" if found else "there is none yet"
        return False, (
            f"This step looks for {plural(min_count, event_name + ' record')}{about}{who} in "
            f"{table}'s stream; {have}. The table's Stream page shows every record."
        )
    return True, f"{table}'s stream holds {plural(len(found), event_name + ' record')}{about}{who}."


# --------------------------------------------------------------------------- Time to Live
@check("ttl_expiry", validate=validate_key)
def ttl_expiry(
    context: CheckContext,
    *,
    table: str,
    key: dict[str, Any],
    attribute: str | None = None,
    min_seconds: float,
    max_seconds: float,
) -> tuple[bool, str]:
    """The item's Time to Live attribute (the table's TTL attribute, or ``attribute``) is a
    Number of epoch **seconds** between ``min_seconds`` and ``max_seconds`` after the item
    was last written (negative: already expired when written)."""
    if describe(context, table) is None:
        return no_table(table)
    name = attribute or context.view.table_status(table).ttl_attribute
    if name is None:
        return False, f"Time to Live is not enabled on {table}, so no attribute expires items."
    item, problem = stored_item(context, table, key)
    if item is None:
        return False, problem or ""
    value = item.get(name)
    if value is None:
        return False, f"The item {key_text(key)} has no {name} attribute: TTL never deletes it."
    if "N" not in value:
        kind = next(iter(value))
        return False, (
            f"The item's {name} is of type {kind}: TTL reads only a Number of epoch seconds, "
            "and ignores any other type."
        )
    written = _last_write_time(context, table, key)
    if written is None:
        return False, f"Write the item {key_text(key)} again: this step measures from its write."
    expires = float(Decimal(value["N"]))
    offset = expires - written
    if expires > MILLISECONDS_THRESHOLD:
        return False, (
            f"{name} holds {value['N']}, which looks like milliseconds: TTL reads epoch seconds, "
            "so this item would expire thousands of years from now."
        )
    if not min_seconds <= offset <= max_seconds:
        return False, (
            f"{name} is {_duration(offset)} after the item was written; this step asks for "
            f"{_duration(min_seconds)} to {_duration(max_seconds)}."
        )
    return (
        True,
        f"The item expires {_duration(offset)} after it was written ({name} = {value['N']}).",
    )


@check("ttl_deleted", validate=validate_key)
def ttl_deleted(context: CheckContext, *, table: str, key: dict[str, Any]) -> tuple[bool, str]:
    """Time to Live deleted the item (it is among the table's latest 100 TTL deletions, which
    outlast the stream's 24 hours); a client's DeleteItem does not count."""
    if describe(context, table) is None:
        return no_table(table)
    view = context.view.ttl(table, limit=0)
    found = next((d for d in view.deleted if same_key(d.key, key)), None)
    if found is None:
        if view.status != "ENABLED":
            return False, f"Time to Live is not enabled on {table}, so it deletes nothing."
        return False, (
            f"Time to Live has not deleted {key_text(key)} from {table}: its {view.attribute} "
            "must be a Number of epoch seconds in the past, and the deletion comes within two "
            "days of that (move the clock). The TTL page shows what is scheduled."
        )
    return True, f"Time to Live deleted {key_text(key)} from {table}."


#: Epoch seconds reach 1e11 only in the year 5138; epoch milliseconds passed it in 1973.
MILLISECONDS_THRESHOLD = 1e11


def _last_write_time(context: CheckContext, table: str, key: dict[str, Any]) -> float | None:
    """The simulated moment of the latest successful call that wrote the item."""
    names = table_key_names(context, table) or tuple(key)
    for activity in reversed(context.activities):
        if activity.status != "ok" or activity.operation not in WRITES:
            continue
        if touches_key(activity, table, key, names):
            moment = getattr(activity, "at", None)
            return float(moment) if moment is not None else activity.created_at.timestamp()
    return None


def _duration(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            return f"{sign}{seconds / size:g} {unit}{'s' if seconds != size else ''}"
    return f"{sign}{seconds:g} seconds"


# --------------------------------------------------------------------------- restores
RestoreKind = Literal["backup", "point_in_time"]


@check("table_restored")
def table_restored(
    context: CheckContext,
    *,
    table: str,
    source: str | None = None,
    kind: RestoreKind | None = None,
) -> tuple[bool, str]:
    """The table was made by a restore (of table ``source``; from an on-demand ``backup`` or
    to a ``point_in_time``, if given), whether or not the restore has finished."""
    description = describe(context, table)
    if description is None:
        return no_table(table)
    summary = description.get("RestoreSummary")
    if not summary:
        return False, (
            f"{table} was not made by a restore: restore it with RestoreTableFromBackup or "
            "RestoreTableToPointInTime (delete this table first, or choose another name)."
        )
    made = "backup" if summary.get("SourceBackupArn") else "point_in_time"
    source_name = table_of_name(str(summary.get("SourceTableArn", "")))
    if source is not None and source_name != source:
        return False, f"{table} was restored from {source_name}, not {source}."
    if kind is not None and made != kind:
        words = {"backup": "an on-demand backup", "point_in_time": "a point in time"}
        return False, f"{table} was restored from {words[made]}; this step asks for {words[kind]}."
    state = "still restoring" if summary.get("RestoreInProgress") else "restored"
    how = "from a backup" if made == "backup" else "to a point in time"
    return True, f"{table} was {state} {how} of {source_name}."


@check("deletion_protection")
def deletion_protection(
    context: CheckContext, *, table: str, enabled: bool = True
) -> tuple[bool, str]:
    """Deletion protection is on for the table (``enabled: false``: off)."""
    if describe(context, table) is None:
        return no_table(table)
    protected = context.view.table_status(table).deletion_protection
    if protected != enabled:
        if enabled:
            return False, (
                f"{table} is not protected against deletion yet: UpdateTable with "
                "DeletionProtectionEnabled true."
            )
        return False, f"{table} is still protected against deletion."
    return True, f"Deletion protection is {'on' if protected else 'off'} for {table}."
