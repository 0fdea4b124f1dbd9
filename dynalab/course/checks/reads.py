"""Checks of the calls a learner made: which operation, on which key, with what result and bill.

Every check here looks only at the calls made since the previous step was passed, unless a
lab sets ``since_previous_step: false`` (see the package docstring for why).
"""

from __future__ import annotations

from typing import Any

from dynalab.course.checks.base import (
    READS,
    ActivityLike,
    CheckContext,
    all_of,
    capacity_units,
    check,
    key_text,
    last,
    matches,
    outcome,
    plural,
    same_key,
    shape_matches,
    shape_problems,
    table_key_names,
    touches_key,
    units,
    validate_bounds,
    validate_key,
    validate_optional_key,
    within_bounds,
)
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.selectors import values_equal


def _needs_table_for_key(args: dict[str, Any]) -> list[str]:
    if args.get("key") is not None and args.get("table") is None:
        return ["give the table whose item key names"]
    return []


def _about_key(
    context: CheckContext,
    activities: list[ActivityLike],
    table: str | None,
    key: dict[str, Any] | None,
) -> list[ActivityLike]:
    """The calls that target the item ``key`` (all of them when no key is given)."""
    if key is None or table is None:
        return activities
    names = table_key_names(context, table) or tuple(key)
    return [a for a in activities if touches_key(a, table, key, names)]


def _where(table: str | None, key: dict[str, Any] | None = None, index: str | None = None) -> str:
    text = f" on {table}" if table else ""
    if index:
        text += f" (index {index})"
    if key:
        text += f" for {key_text(key)}"
    return text


def _again(since_previous_step: bool, context: CheckContext) -> str:
    """Advice for a call that was made, but before this step began."""
    if since_previous_step and context.step > 1 and context.step - 1 in context.step_passed_at:
        return " (only calls made since you passed the previous step count: run it again)"
    return ""


# --------------------------------------------------------------------------- any operation
@check(
    "last_operation_succeeded",
    validate=all_of(validate_optional_key, _needs_table_for_key),
)
def last_operation_succeeded(
    context: CheckContext,
    *,
    operation: str,
    table: str | None = None,
    key: dict[str, Any] | None = None,
    since_previous_step: bool = True,
) -> tuple[bool, str]:
    """The learner's latest ``operation`` call (on ``table``, on the item ``key``) succeeded."""
    where = _where(table, key)
    found = [
        a
        for a in context.window(since_previous_step)
        if matches(a, operations={operation}, table=table)
    ]
    found = _about_key(context, found, table, key)
    if not found:
        return (
            False,
            f"You have not run {operation}{where} yet{_again(since_previous_step, context)}.",
        )
    latest = found[-1]
    if latest.status != "ok":
        return (
            False,
            f"Your last {operation}{where} failed with {latest.status}; fix it and run it again.",
        )
    return True, f"Your last {operation}{where} succeeded."


@check("last_call_failed", validate=all_of(validate_optional_key, _needs_table_for_key))
def last_call_failed(
    context: CheckContext,
    *,
    operation: str,
    error: str,
    table: str | None = None,
    key: dict[str, Any] | None = None,
    since_previous_step: bool = True,
) -> tuple[bool, str]:
    """The learner's latest ``operation`` call (on ``table``, on the item ``key``) failed
    with the error code ``error`` (for example ConditionalCheckFailedException)."""
    where = _where(table, key)
    found = [
        a
        for a in context.window(since_previous_step)
        if matches(a, operations={operation}, table=table)
    ]
    found = _about_key(context, found, table, key)
    if not found:
        return False, f"Run {operation}{where} first{_again(since_previous_step, context)}."
    latest = found[-1]
    if latest.status == error:
        return True, f"Your last {operation}{where} failed with {error}, as this step asks."
    return False, f"Your last {operation}{where} {outcome(latest)}; this step expects {error}."


@check("operation_used")
def operation_used(
    context: CheckContext,
    *,
    operation: str,
    table: str | None = None,
    index: str | None = None,
    since_previous_step: bool = True,
) -> tuple[bool, str]:
    """The learner ran ``operation`` successfully (on ``table`` / ``index``, if given)."""
    where = _where(table, index=index)
    found = [
        a
        for a in context.window(since_previous_step)
        if matches(a, operations={operation}, table=table, index=index)
    ]
    if not any(a.status == "ok" for a in found):
        if found:
            return False, f"Your {operation}{where} failed with {found[-1].status}."
        return False, f"Run {operation}{where} first{_again(since_previous_step, context)}."
    return True, f"You ran {operation}{where}."


@check("request_matched", validate=lambda args: shape_problems(args.get("shape")))
def request_matched(
    context: CheckContext,
    *,
    operation: str,
    shape: dict[str, Any],
    table: str | None = None,
    succeeded: bool = True,
    min_count: int = 1,
    since_previous_step: bool = True,
) -> tuple[bool, str]:
    """At least ``min_count`` calls of ``operation`` (on ``table``) whose request has the
    ``shape`` given, and which succeeded (or failed, with ``succeeded: false``). A shape is
    part of a request: every key it names must be there with a matching value; ``"*"``
    matches any one key of a mapping (a placeholder such as ``:c``); ``{$contains: text}``
    matches text holding it; ``{$present: true}`` any value; ``{$absent: true}`` a key that
    is not there."""
    found = [
        a
        for a in context.window(since_previous_step)
        if matches(a, operations={operation}, table=table)
    ]
    where = _where(table)
    if not found:
        return False, f"Run {operation}{where} first{_again(since_previous_step, context)}."
    fitting = [a for a in found if shape_matches(shape, a.request)]
    wanted = [a for a in fitting if (a.status == "ok") == succeeded]
    if len(wanted) >= min_count:
        if min_count > 1:
            return True, f"You sent the {operation}{where} this step asks for {len(wanted)} times."
        return True, f"Your {operation}{where} is the request this step asks for."
    if wanted:
        return False, (
            f"You sent the {operation}{where} this step asks for {len(wanted)} time(s); send "
            f"it {min_count} times in all."
        )
    if fitting:
        state = "failed" if succeeded else "succeeded"
        return False, f"Your {operation}{where} has the right shape, but it {state}."
    return False, (
        f"Your {operation}{where} is not yet the request this step asks for: reread the step "
        "and compare your request with it."
    )


# --------------------------------------------------------------------------- capacity
@check(
    "last_call_capacity",
    validate=all_of(
        validate_bounds("min", "max", "equals"), validate_optional_key, _needs_table_for_key
    ),
)
def last_call_capacity(
    context: CheckContext,
    *,
    operation: str,
    table: str | None = None,
    key: dict[str, Any] | None = None,
    min: float | None = None,
    max: float | None = None,
    equals: float | None = None,
    since_previous_step: bool = True,
) -> tuple[bool, str]:
    """The learner's latest ``operation`` (on ``table``, on the item ``key``) succeeded and
    consumed capacity units within bounds: at least ``min``, at most ``max``, or exactly
    ``equals``."""
    where = _where(table, key)
    candidates = [
        a
        for a in context.window(since_previous_step)
        if matches(a, operations={operation}, table=table)
    ]
    candidates = _about_key(context, candidates, table, key)
    if not candidates:
        return False, f"Run {operation}{where} first{_again(since_previous_step, context)}."
    latest = candidates[-1]
    if latest.status != "ok":
        return False, f"Your last {operation}{where} failed with {latest.status}."
    spent_units = capacity_units(latest, table)
    if spent_units is None:
        return False, f"Your last {operation} did not report its consumed capacity."
    spent = (
        f"Your last {operation}{where} consumed {units(spent_units)} "
        f"capacity unit{'' if spent_units == 1 else 's'}"
    )
    return within_bounds(spent_units, spent, equals=equals, min=min, max=max, show=units)


@check("last_read_max_rcu")
def last_read_max_rcu(
    context: CheckContext, *, table: str, max_units: float, since_previous_step: bool = True
) -> tuple[bool, str]:
    """The learner's latest read of the table (GetItem, Query, Scan, BatchGetItem,
    TransactGetItems) succeeded and consumed at most ``max_units`` read capacity units."""
    latest = last(context.window(since_previous_step), operations=READS, table=table)
    if latest is None:
        return False, f"Read from {table} first{_again(since_previous_step, context)}."
    if latest.status != "ok":
        return False, f"Your last read ({latest.operation}) of {table} failed with {latest.status}."
    spent = capacity_units(latest, table)
    if spent is None:
        return False, f"Your last {latest.operation} did not report its consumed capacity."
    if spent > max_units:
        return False, (
            f"Your last read ({latest.operation}) of {table} consumed {units(spent)} RCU; "
            f"this step allows at most {units(max_units)}."
        )
    return True, f"Your last read ({latest.operation}) of {table} consumed {units(spent)} RCU."


# --------------------------------------------------------------------------- Query and Scan
def _scan_value_matches(activity: ActivityLike, value: dict[str, Any]) -> bool:
    values = (activity.request or {}).get("ExpressionAttributeValues")
    return isinstance(values, dict) and any(values_equal(v, value) for v in values.values())


@check("scan_was_run")
def scan_was_run(
    context: CheckContext,
    *,
    table: str,
    filtered: bool | None = None,
    value: dict[str, Any] | None = None,
    returned: int | None = None,
    since_previous_step: bool = True,
) -> tuple[bool, str]:
    """The learner ran a successful Scan of the table: with a filter (``filtered: true``) or
    without one (``false``), whose expression values include the typed ``value``, and which
    returned (Count) ``returned`` items, each if given."""
    found = [
        a
        for a in context.window(since_previous_step)
        if matches(a, operations={"Scan"}, table=table) and a.status == "ok"
    ]
    if not found:
        return False, f"Run a Scan of {table} first{_again(since_previous_step, context)}."
    fitting = found
    problem = ""
    if filtered is not None:
        fitting = [a for a in fitting if bool((a.summary or {}).get("Filtered")) == filtered]
        problem = problem or ("with a FilterExpression" if filtered else "without a filter")
    if value is not None:
        fitting = [a for a in fitting if _scan_value_matches(a, value)]
        problem = problem or f"comparing with {next(iter(value.values()))!r}"
    if returned is not None:
        fitting = [a for a in fitting if (a.summary or {}).get("Count") == returned]
    if not fitting:
        latest = found[-1].summary or {}
        read = latest.get("ScannedCount")
        read_text = plural(read, "item") if isinstance(read, int) else f"{read} items"
        got = f" (your last one returned {latest.get('Count')} of {read_text} read)"
        ask = f" {problem}" if problem else ""
        ask += f" that returns {plural(returned, 'item')}" if returned is not None else ""
        return False, f"This step asks for a Scan of {table}{ask}{got}."
    summary = fitting[-1].summary or {}
    message = f"You scanned {table}"
    if summary.get("ScannedCount") is not None:
        message += (
            f": it read {plural(summary['ScannedCount'], 'item')} and returned "
            f"{summary.get('Count')}"
        )
    spent = capacity_units(fitting[-1], table)
    if spent is not None:
        message += f", for {units(spent)} RCU"
    return True, message + "."


def _target_matches(
    context: CheckContext,
    activity: ActivityLike,
    key: dict[str, Any],
    narrowed: bool | None,
) -> bool:
    try:
        target = context.view.key_condition(activity.request)
    except ServiceError:
        return False
    if not same_key(target.partition_key, key):
        return False
    return narrowed is None or (target.sort_operator is not None) == narrowed


@check("query_was_run", validate=validate_optional_key)
def query_was_run(
    context: CheckContext,
    *,
    table: str,
    index: str | None = None,
    key: dict[str, Any] | None = None,
    since_previous_step: bool = True,
) -> tuple[bool, str]:
    """The learner ran a successful Query of the table (of ``index``, if given; for the
    partition-key value ``key``, if given, e.g. ``{customer: {S: c03}}``)."""
    found = [
        a
        for a in context.window(since_previous_step)
        if matches(a, operations={"Query"}, table=table, index=index) and a.status == "ok"
    ]
    where = _where(table, index=index)
    if key is not None:
        found = [a for a in found if _target_matches(context, a, key, None)]
        where += f" for {key_text(key)}"
    if not found:
        return False, f"Run a Query{where} first{_again(since_previous_step, context)}."
    return True, f"You ran a Query{where}."


@check("last_query_targets", validate=validate_key)
def last_query_targets(
    context: CheckContext,
    *,
    table: str,
    key: dict[str, Any],
    index: str | None = None,
    narrowed: bool | None = None,
    since_previous_step: bool = True,
) -> tuple[bool, str]:
    """The learner's latest Query of the table (or ``index``) asked for the partition-key
    value ``key`` (e.g. ``{customer: {S: c03}}``) and, with ``narrowed: true``, also had a
    sort-key condition (``false``: none)."""
    latest = last(
        context.window(since_previous_step), operations={"Query"}, table=table, index=index
    )
    where = _where(table, index=index)
    if latest is None:
        return False, f"Run a Query{where} first{_again(since_previous_step, context)}."
    if latest.status != "ok":
        return False, f"Your last Query{where} failed with {latest.status}."
    if not _target_matches(context, latest, key, None):
        return False, (
            f"Your last Query{where} asked for another partition key: this step asks for "
            f"{key_text(key)}."
        )
    if not _target_matches(context, latest, key, narrowed):
        if narrowed:
            return False, (
                f"Your last Query{where} read all of {key_text(key)}: narrow it with a condition "
                "on the sort key in KeyConditionExpression."
            )
        return False, f"Your last Query{where} has a sort-key condition; this step asks for none."
    return True, f"Your last Query{where} asked for {key_text(key)}."


def _latest_query(
    context: CheckContext, table: str, index: str | None, since_previous_step: bool
) -> tuple[ActivityLike | None, str]:
    latest = last(
        context.window(since_previous_step), operations={"Query"}, table=table, index=index
    )
    where = _where(table, index=index)
    if latest is None:
        return None, f"Run a Query{where} first{_again(since_previous_step, context)}."
    if latest.status != "ok":
        return None, f"Your last Query{where} failed with {latest.status}."
    return latest, ""


@check("last_query_max_rcu")
def last_query_max_rcu(
    context: CheckContext,
    *,
    table: str,
    max_units: float,
    index: str | None = None,
    since_previous_step: bool = True,
) -> tuple[bool, str]:
    """The learner's latest Query of the table succeeded and consumed at most ``max_units``
    read capacity units."""
    latest, problem = _latest_query(context, table, index, since_previous_step)
    if latest is None:
        return False, problem
    where = _where(table, index=index)
    spent = capacity_units(latest, table)
    if spent is None:
        return False, "Your last Query did not report its consumed capacity."
    if spent > max_units:
        return False, (
            f"Your last Query{where} consumed {units(spent)} RCU; aim for at most "
            f"{units(max_units)}. Does the key condition narrow it to the items you need?"
        )
    return True, f"Your last Query{where} consumed {units(spent)} RCU."


@check("last_query_count", validate=validate_bounds("min", "max", "equals"))
def last_query_count(
    context: CheckContext,
    *,
    table: str,
    index: str | None = None,
    min: int | None = None,
    max: int | None = None,
    equals: int | None = None,
    since_previous_step: bool = True,
) -> tuple[bool, str]:
    """The learner's latest Query of the table succeeded and returned (Count) at least
    ``min``, at most ``max``, or exactly ``equals`` items."""
    latest, problem = _latest_query(context, table, index, since_previous_step)
    if latest is None:
        return False, problem
    count = (latest.summary or {}).get("Count")
    if not isinstance(count, int):
        return False, "Your last Query did not report how many items it returned."
    returned = f"Your last Query{_where(table, index=index)} returned {plural(count, 'item')}"
    hint = " Check the key condition."
    return within_bounds(count, returned, equals=equals, min=min, max=max, hint=hint)


@check("used_query_not_scan")
def used_query_not_scan(
    context: CheckContext, *, table: str, since_previous_step: bool = True
) -> tuple[bool, str]:
    """The learner's latest read of the table with a Query or a Scan was a successful Query.

    A Scan made earlier does not count against the learner: reading the table with a Query
    again passes."""
    latest = last(context.window(since_previous_step), operations={"Query", "Scan"}, table=table)
    if latest is None:
        return (
            False,
            f"Answer this step with a Query on {table}{_again(since_previous_step, context)}.",
        )
    if latest.operation == "Scan":
        return False, (
            f"Your latest read of {table} was a Scan, which reads every item; answer with a "
            "Query on the key instead."
        )
    if latest.status != "ok":
        return False, f"Your last Query on {table} failed with {latest.status}."
    return True, f"You answered with a Query on {table}, not a Scan."
