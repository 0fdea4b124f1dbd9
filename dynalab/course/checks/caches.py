"""Checks of DAX: a cluster of a given size, and what a read sent through it answered.

A read reaches a cluster in one of two ways, and both are recognised: a lesson's (or the
workbench's) ``CallThroughDax {ClusterName, Operation, Request}`` call, and a DynamoDB call
sent to the cluster's endpoint (``/dax/<cluster>/``), recorded under its own operation with
``DaxCluster`` and ``DaxOutcome`` in its summary.
"""

from __future__ import annotations

from typing import Any, Literal

from dynalab.course.checks.base import (
    ActivityLike,
    CheckContext,
    check,
    dynamodb_json,
    key_text,
    same_key,
    stored_item,
    table_of_name,
    validate_bounds,
    validate_key,
)
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.selectors import values_equal

CALL_THROUGH_DAX = "CallThroughDax"
Outcome = Literal["hit", "miss"]


def _node_bounds(args: dict[str, Any]) -> list[str]:
    """Any one of the bounds, or none (then any size will do)."""
    names = ("min_nodes", "max_nodes", "nodes")
    if all(args.get(name) is None for name in names):
        return []
    return validate_bounds(*names)(args)


@check("dax_cluster", validate=_node_bounds)
def dax_cluster(
    context: CheckContext,
    *,
    cluster: str,
    min_nodes: int | None = None,
    max_nodes: int | None = None,
    nodes: int | None = None,
) -> tuple[bool, str]:
    """The DAX cluster exists and is available (serving), with ``nodes`` nodes, or at least
    ``min_nodes`` / at most ``max_nodes`` (a primary and its read replicas)."""
    try:
        found = context.view.dax_cluster(cluster, entries=0)
    except ServiceError:
        return False, f"There is no DAX cluster named {cluster} yet: create it with CreateCluster."
    if found.status == "creating":
        return False, (
            f"Cluster {found.name} is still creating (a minute of simulated time): wait, or move "
            "the clock."
        )
    if not found.serving:
        return False, f"Cluster {found.name} is {found.status}."
    count = found.active_nodes
    size = f"Cluster {found.name} has {count} available node{'s' if count != 1 else ''}"
    if found.status == "modifying":
        return False, f"{size} and is still adding or removing nodes: wait, or move the clock."
    if nodes is not None and count != nodes:
        return False, f"{size}; this step asks for {nodes}."
    if min_nodes is not None and count < min_nodes:
        return False, f"{size}; this step asks for at least {min_nodes}."
    if max_nodes is not None and count > max_nodes:
        return False, f"{size}; this step asks for at most {max_nodes}."
    return True, f"{size} and is available."


def _dax_get(activity: ActivityLike, cluster: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(the GetItem request, the DynamoDB response) of a GetItem sent through ``cluster``;
    None for any other call. The response is empty for a failed call."""
    request = activity.request if isinstance(activity.request, dict) else {}
    response = getattr(activity, "response", None)
    response = response if isinstance(response, dict) else {}
    if activity.operation == CALL_THROUGH_DAX:
        name = request.get("ClusterName")
        inner = request.get("Request")
        if request.get("Operation") != "GetItem" or not isinstance(inner, dict):
            return None
        answer = response.get("Response")
        answer = answer if isinstance(answer, dict) else {}
    elif activity.operation == "GetItem":
        name = (activity.summary or {}).get("DaxCluster")
        inner, answer = request, response
    else:
        return None
    if not isinstance(name, str) or name.lower() != cluster.lower():
        return None
    return inner, answer


def _outcome(activity: ActivityLike) -> str | None:
    if activity.operation == CALL_THROUGH_DAX:
        response = getattr(activity, "response", None)
        facts = response.get("Dax") if isinstance(response, dict) else None
        return facts.get("Outcome") if isinstance(facts, dict) else None
    return (activity.summary or {}).get("DaxOutcome")


@check("dax_read", validate=validate_key)
def dax_read(
    context: CheckContext,
    *,
    cluster: str,
    table: str,
    key: dict[str, Any],
    outcome: Outcome | None = None,
    stale: bool | None = None,
    since_previous_step: bool = True,
) -> tuple[bool, str]:
    """The learner's latest GetItem of the item ``key`` through the DAX cluster succeeded and
    was a cache ``hit`` or a ``miss`` (if given), and (``stale: true``) answered an item that
    differs from the one the table holds now, or (``false``) the same one."""
    about = f"{key_text(key)} of {table} through {cluster}"
    reads = []
    for activity in context.window(since_previous_step):
        found = _dax_get(activity, cluster)
        if found is None:
            continue
        inner, answer = found
        name = inner.get("TableName")
        wanted = inner.get("Key")
        if not isinstance(name, str) or table_of_name(name) != table:
            continue
        if isinstance(wanted, dict) and same_key(wanted, key):
            reads.append((activity, answer))
    if not reads:
        return False, f"Read {about} with GetItem first (CallThroughDax, Operation GetItem)."
    latest, answer = reads[-1]
    if latest.status != "ok":
        return False, f"Your last read of {about} failed with {latest.status}."
    how = _outcome(latest)
    if outcome is not None and how != outcome:
        return False, (
            f"Your last read of {about} was a cache {how}; this step asks for a {outcome}."
            + (
                " Read it again: the first read of an item fills the cache."
                if outcome == "hit"
                else ""
            )
        )
    if stale is not None:
        current, _ = stored_item(context, table, key)
        returned = answer.get("Item")
        request = latest.request if isinstance(latest.request, dict) else {}
        inner = request.get("Request", request) if isinstance(request, dict) else {}
        if current is not None and returned is not None and _projected(inner):
            current = {name: value for name, value in current.items() if name in returned}
        differs = not (
            (current is None and returned is None)
            or (current is not None and returned is not None and _same_item(current, returned))
        )
        if differs != stale:
            if stale:
                return False, (
                    f"Your last read of {about} answered the item as the table holds it: change "
                    "the item in the table directly (not through DAX), then read it through "
                    "DAX again."
                )
            return False, (
                f"Your last read of {about} answered {dynamodb_json(returned)}, but the table "
                "holds another version: a stale read."
            )
        if stale:
            return True, (
                f"Your last read of {about} was a {how} that answered an old version of the "
                "item: the table was changed behind the cache's back."
            )
    return True, f"Your last read of {about} was a cache {how}."


def _projected(request: Any) -> bool:
    """Whether a GetItem asked for some attributes only (then only those are compared)."""
    return isinstance(request, dict) and bool(
        request.get("ProjectionExpression") or request.get("AttributesToGet")
    )


def _same_item(left: dict[str, Any], right: dict[str, Any]) -> bool:
    return set(left) == set(right) and all(values_equal(left[n], right[n]) for n in left)
