"""Checks of how an item was written: which operation, which update action, with a condition."""

from __future__ import annotations

import re
from typing import Any, Literal

from dynalab.course.checks.base import (
    WRITES,
    ActivityLike,
    CheckContext,
    check,
    key_text,
    matches,
    table_key_names,
    touches_key,
    validate_key,
)

WriteOperation = Literal[
    "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"
]
UpdateAction = Literal["SET", "REMOVE", "ADD", "DELETE"]
UpdateFunction = Literal["list_append", "if_not_exists"]

#: Placeholders, names, numbers and single characters of an expression, in order.
_TOKEN = re.compile(r"#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*|\S")
_CLAUSES = {"SET", "REMOVE", "ADD", "DELETE"}


def update_actions(expression: str) -> tuple[set[str], set[str]]:
    """(clause keywords, function names) used in an UpdateExpression.

    Attribute names that are reserved words (``add``, ``set``, ...) must go through ``#``
    placeholders, so a bare SET/REMOVE/ADD/DELETE word is always a clause keyword; a function
    is a name followed by ``(``.
    """
    tokens = _TOKEN.findall(expression)
    clauses = {t.upper() for t in tokens if t.upper() in _CLAUSES}
    functions = {
        token
        for token, following in zip(tokens, [*tokens[1:], ""], strict=True)
        if following == "(" and not token.startswith((":", "#"))
    }
    return clauses, functions


def _update_expressions(activity: ActivityLike, key: dict[str, Any], table: str) -> list[str]:
    """The UpdateExpression(s) a call applied to the item (UpdateItem, or a transaction's
    Update action)."""
    request = activity.request if isinstance(activity.request, dict) else {}
    if activity.operation == "UpdateItem":
        text = request.get("UpdateExpression")
        return [text] if isinstance(text, str) else []
    found = []
    for entry in request.get("TransactItems") or []:
        update = entry.get("Update") if isinstance(entry, dict) else None
        if isinstance(update, dict) and isinstance(update.get("UpdateExpression"), str):
            found.append(update["UpdateExpression"])
    return found


def _is_conditional(activity: ActivityLike) -> bool:
    request = activity.request if isinstance(activity.request, dict) else {}
    if request.get("ConditionExpression") or request.get("Expected"):
        return True
    return any(
        isinstance(body, dict) and bool(body.get("ConditionExpression"))
        for entry in request.get("TransactItems") or []
        if isinstance(entry, dict)
        for body in entry.values()
    )


@check("item_written_by", validate=validate_key)
def item_written_by(
    context: CheckContext,
    *,
    table: str,
    key: dict[str, Any],
    operation: WriteOperation | None = None,
    update_action: UpdateAction | None = None,
    update_function: UpdateFunction | None = None,
    conditional: bool | None = None,
    since_previous_step: bool = True,
) -> tuple[bool, str]:
    """The learner's latest successful write of the item ``key`` was made with ``operation``;
    its UpdateExpression used the clause ``update_action`` (SET, REMOVE, ADD, DELETE) and the
    function ``update_function`` (list_append, if_not_exists); with ``conditional: true`` it
    had a ConditionExpression (``false``: none). Each only if given."""
    names = table_key_names(context, table)
    if names is None:
        return False, f"There is no table named {table} in your sandbox yet."
    writes = [
        a
        for a in context.window(since_previous_step)
        if matches(a, operations=WRITES, table=table)
        and a.status == "ok"
        and touches_key(a, table, key, names)
    ]
    item = key_text(key)
    if not writes:
        return False, f"Write the item {item} in {table} first."
    latest = writes[-1]
    if operation is not None and latest.operation != operation:
        return False, (
            f"Your last write of {item} was a {latest.operation}; this step asks you to use "
            f"{operation}."
        )
    if update_action is not None or update_function is not None:
        expressions = _update_expressions(latest, key, table)
        if not expressions:
            return False, f"Your last write of {item} was not an update; use UpdateItem."
        clauses: set[str] = set()
        functions: set[str] = set()
        for expression in expressions:
            found_clauses, found_functions = update_actions(expression)
            clauses |= found_clauses
            functions |= found_functions
        if update_action is not None and update_action not in clauses:
            used = ", ".join(sorted(clauses)) or "no clause"
            return False, (
                f"Your last update of {item} used {used}; this step asks for a {update_action} "
                "clause in the UpdateExpression."
            )
        if update_function is not None and update_function not in functions:
            return False, (
                f"Your last update of {item} did not call {update_function}(...); this step "
                "asks you to use it."
            )
    if conditional is not None and _is_conditional(latest) != conditional:
        if conditional:
            return False, (
                f"Your last write of {item} had no ConditionExpression; this step asks for one."
            )
        return False, f"Your last write of {item} had a condition; this step asks for none."
    how = latest.operation
    if update_action:
        how += f" with {update_action}"
    if update_function:
        how += f" and {update_function}"
    return True, f"You wrote {item} with {how}."
