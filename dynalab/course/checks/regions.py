"""Checks of global tables: replicas in other Regions, what a read in a Region found, and the
writes last writer wins discarded.

Every check also takes ``region``, the Region it looks at (base.py): ``item_exists`` with
``region: eu-west-1`` looks for the item in the eu-west-1 replica.
"""

from __future__ import annotations

from typing import Any

from dynalab.course.checks.base import (
    CheckContext,
    check,
    describe,
    key_text,
    no_table,
    same_key,
    table_key_names,
    touches_key,
    validate_key,
)


def _regions_given(args: dict[str, Any]) -> list[str]:
    from dynalab.sandboxes.selectors import REGIONS

    regions = args.get("regions") or []
    if not regions:
        return ["give at least one Region in regions, e.g. [eu-west-1]"]
    return [f"{name!r} is not an AWS Region" for name in regions if name not in REGIONS]


@check("global_table_replicas", validate=_regions_given)
def global_table_replicas(
    context: CheckContext, *, table: str, regions: list[str]
) -> tuple[bool, str]:
    """The table is a global table with an ACTIVE replica in each of ``regions`` (a list of
    AWS Regions; the table's own Region may be one of them)."""
    if describe(context, table) is None:
        return no_table(table)
    replication = context.view.replication(table)
    if replication is None:
        return False, (
            f"{table} in {context.region} is not a global table yet: add a replica with "
            "UpdateTable and ReplicaUpdates."
        )
    states = {replica.region: replica.status for replica in replication.replicas}
    missing = [name for name in regions if name not in states]
    if missing:
        return False, f"{table} has no replica in {', '.join(missing)} yet."
    creating = [name for name in regions if states[name] != "ACTIVE"]
    if creating:
        return False, (
            f"The replica in {', '.join(creating)} is still {states[creating[0]]}: move the "
            "clock until it is ACTIVE."
        )
    where = ", ".join(sorted(states))
    return True, f"{table} is a global table with ACTIVE replicas in {where}."


@check("get_item_found", validate=validate_key)
def get_item_found(
    context: CheckContext,
    *,
    table: str,
    key: dict[str, Any],
    found: bool,
    latest: bool = True,
    since_previous_step: bool = True,
) -> tuple[bool, str]:
    """The learner's latest GetItem of the item (``latest: false``: any GetItem of it in the
    window) succeeded and found the item (``found: true``) or found nothing (``false``): in a
    global table, a read in another Region before the write arrived finds nothing."""
    names = table_key_names(context, table) or tuple(key)
    reads = [
        activity
        for activity in context.window(since_previous_step)
        if activity.operation == "GetItem"
        and activity.status == "ok"
        and touches_key(activity, table, key, names)
    ]
    where = f"{key_text(key)} of {table} in {context.region}"
    if not reads:
        return False, f"Read {where} with GetItem."
    chosen = reads[-1:] if latest else reads
    if any(bool((activity.summary or {}).get("Found")) == found for activity in chosen):
        what = "found the item" if found else "found nothing"
        which = "Your last GetItem" if latest else "A GetItem"
        return True, f"{which} of {where} {what}."
    if found:
        return False, f"Your last GetItem of {where} found nothing: has the write arrived yet?"
    return False, (
        f"Every GetItem of {where} in this step found the item: read it there right after "
        "the write, before replication delivers it."
    )


@check("write_lost", validate=validate_key)
def write_lost(
    context: CheckContext,
    *,
    table: str,
    key: dict[str, Any],
    concurrent: bool | None = True,
) -> tuple[bool, str]:
    """Last writer wins discarded a write of the item in one of the global table's replicas:
    a ``concurrent`` one (the two writes crossed), by default; ``false``: an older write that
    arrived late; null: either."""
    if describe(context, table) is None:
        return no_table(table)
    replication = context.view.replication(table)
    if replication is None:
        return False, f"{table} is not a global table: nothing is replicated, nothing lost."
    lost = [
        entry
        for entry in replication.lost
        if same_key(entry.key, key) and (concurrent is None or entry.concurrent == concurrent)
    ]
    if not lost:
        kind = "concurrent write" if concurrent else "write"
        return False, (
            f"No {kind} of {key_text(key)} has been lost yet: write it in two Regions within "
            "the replication lag, then let the lag pass."
        )
    latest = lost[-1]
    return True, (
        f"Last writer wins kept the write made in {latest.winner.region} and discarded the one "
        f"made in {latest.loser.region}, on arriving in {latest.region}."
    )
