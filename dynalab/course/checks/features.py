"""Checks of a table's features: streams, Time to Live, backups, point-in-time recovery,
stream triggers, and throttling."""

from __future__ import annotations

from typing import Literal

from dynalab.course.checks.base import (
    THROTTLED,
    ActivityLike,
    CheckContext,
    check,
    describe,
    matches,
    no_table,
    plural,
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
