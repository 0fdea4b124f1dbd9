"""Per-sandbox limits that protect a shared server, answered with the service's own errors.

The numbers come from ``DYNALAB_SANDBOX_LIMITS`` (see conf.py). Before a call: the request's
size and nesting, the table count, and whether the most the call could add (``growth_bound``:
an item's size is at most its JSON text's, an update adds at most one 400 KB item) still fits
the items, bytes and memory limits. That refusal costs nothing, where a call refused after it
ran leaves an engine that must be rebuilt. After a call, from the engine's running totals
(O(tables)): whatever the bound could not foresee (a restored table, say).

The limits are the sandbox's, over all its Regions (``usage`` counts every Region's tables);
only the lookup of an item a put or update may overwrite is in the call's own Region.
"""

from __future__ import annotations

import json
from typing import Any

from dynalab.sandboxes import conf, memory
from dynalab.sandboxes.errors import (
    LimitExceededException,
    SerializationException,
    ValidationException,
)
from engine import DEFAULT_REGION, DynamoDBError, MultiRegionEngine, catalog
from engine.inspect import Usage


def request_text(request: dict[str, Any]) -> str:
    """The request as compact JSON, refused when it is larger than the sandbox allows.

    Returns the text so the caller measures (and may store) it only once.
    """
    try:
        text = json_text(request)
    except (TypeError, ValueError):
        raise SerializationException(
            "The request could not be serialized as JSON; send attribute values as "
            'DynamoDB JSON, for example {"N": "42"}'
        ) from None
    limit = conf.limits()["request_bytes"]
    try:
        size = len(text.encode())
    except UnicodeEncodeError:
        # A lone surrogate ("\ud800") is not a character UTF-8 can carry; the service only
        # ever sees valid UTF-8, so refuse it as its endpoint refuses an invalid body.
        raise SerializationException(
            "The request contains text that is not valid Unicode (a lone surrogate)"
        ) from None
    if size > limit:
        raise ValidationException(
            f"Request size {size:,} bytes exceeds this sandbox's limit of {limit:,} bytes "
            f"(request_bytes); send the items in smaller requests"
        )
    return text


#: The deepest a document may nest (the service's limit): a list or map at level 31 at most.
MAX_DOCUMENT_DEPTH = 32
NESTING_TOO_DEEP = (
    "Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)
#: JSON levels a request may have: each document level takes two (the type's object, then
#: the M or L member), plus the request's own structure around an item (TransactItems, Put,
#: Item, the attribute: a few levels). Deeper than this, no document in it can be within the
#: service's 32 levels, so the request is refused before the engine (or the journal, or the
#: activity log) sees it. Nothing deeper is ever stored: Python's recursion limit (about
#: 1,000) is far away for every reader, replay included.
MAX_REQUEST_DEPTH = 2 * MAX_DOCUMENT_DEPTH + 12


class NestedTooDeeply(ValidationException):
    """A request nested deeper than any valid one: refused before anything stores it."""

    def __init__(self) -> None:
        super().__init__(NESTING_TOO_DEEP)


def check_nesting(request: Any, limit: int = MAX_REQUEST_DEPTH) -> None:
    """Raise NestedTooDeeply when ``request`` nests lists and objects deeper than ``limit``.

    Iterative, so a request of any depth is measured without recursion; it stops at the first
    level past the limit. O(size of the request).
    """
    stack: list[tuple[Any, int]] = [(request, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            raise NestedTooDeeply()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def json_text(value: Any) -> str:
    """Compact JSON as stored in the database (no NaN: PostgreSQL's jsonb refuses it)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def check_before(
    engine: MultiRegionEngine,
    operation: str,
    request: dict[str, Any] | None = None,
    *,
    request_bytes: int = 0,
    state_bytes: int = 0,
    region: str = DEFAULT_REGION,
) -> None:
    """Refuse a call before it runs: a table-creating call when the sandbox has all the tables
    it may, and any call whose most possible growth (``growth_bound``) would take the sandbox
    past its items, bytes or memory limit. ``region``: the Region the call runs in (where a
    put may find the item it overwrites). O(tables + size of the request)."""
    facts = catalog.get(operation)
    current = usage(engine)
    if facts is not None and facts.creates_table:
        _check_tables(current.tables)
    request = request or {}
    # First as if a put or update made a new item, which needs no look-up; only a call that
    # would then pass a limit looks for the item it may replace.
    bound = growth_bound(operation, request, request_bytes)
    if bound is None:
        return
    limits = conf.limits()
    if not _passes(current, bound, limits, state_bytes):
        bound = growth_bound(operation, request, request_bytes, engine=engine, region=region)
        if bound is None:
            return
    items, item_bytes = bound
    if items and current.items + items > limits["items"]:
        raise ValidationException(
            f"Sandbox limit exceeded: a sandbox may hold at most {limits['items']:,} items "
            f"across all its tables (items); it holds {current.items:,} and this request "
            f"may add {items:,}; delete items or reset the sandbox"
        )
    if item_bytes and current.bytes + item_bytes > limits["bytes"]:
        raise ValidationException(
            f"Sandbox limit exceeded: a sandbox may hold at most {limits['bytes']:,} bytes "
            f"of items across all its tables (bytes); it holds {current.bytes:,} and this "
            f"request may add up to {item_bytes:,}; delete items or reset the sandbox"
        )
    if items or item_bytes:
        estimated = memory.estimate(current, state_bytes) + memory.growth(items, item_bytes)
        _check_memory(estimated)


def _passes(
    current: Usage, bound: tuple[int, int], limits: dict[str, int], state_bytes: int
) -> bool:
    items, item_bytes = bound
    if current.items + items > limits["items"] or current.bytes + item_bytes > limits["bytes"]:
        return False
    if not (items or item_bytes):
        return True
    estimated = memory.estimate(current, state_bytes) + memory.growth(items, item_bytes)
    return estimated <= limits["memory_bytes"]


#: At most what one item may hold (the service's 400 KB item size limit).
MAX_ITEM_BYTES = 400 * 1024


def growth_bound(
    operation: str,
    request: dict[str, Any],
    request_bytes: int,
    *,
    engine: MultiRegionEngine | None = None,
    region: str = DEFAULT_REGION,
) -> tuple[int, int] | None:
    """The most items and bytes of items a call may add, or None when it cannot be bounded
    before it runs (the check after the call then decides). O(size of the request).

    A put adds at most its item, whose DynamoDB size is at most its JSON text's (every name
    and value is spelled out there, with quotes); an update adds at most one item of the
    service's largest size. A put or update of an item that exists adds no item (looked up in
    ``engine``'s ``region`` when given).
    """
    if operation == "PutItem":
        return int(not _exists(engine, region, request, "Item")), request_bytes
    if operation == "UpdateItem":
        return int(not _exists(engine, region, request, "Key")), MAX_ITEM_BYTES
    if operation == "BatchWriteItem":
        puts = 0
        for writes in (request.get("RequestItems") or {}).values():
            if isinstance(writes, list):
                puts += sum(1 for w in writes if isinstance(w, dict) and "PutRequest" in w)
        return puts, request_bytes if puts else 0
    if operation == "TransactWriteItems":
        puts = updates = 0
        for element in request.get("TransactItems") or []:
            if isinstance(element, dict):
                puts += "Put" in element
                updates += "Update" in element
        return puts + updates, min(request_bytes + updates * MAX_ITEM_BYTES, 2**62)
    facts = catalog.get(operation)
    if facts is not None and (facts.read_only or operation.startswith(("Delete", "Describe"))):
        return 0, 0
    return None


def usage(engine: MultiRegionEngine) -> Usage:
    """Tables, items and bytes the sandbox holds now, over all its Regions. O(tables)."""
    return engine.inspect.usage()


def _exists(
    engine: MultiRegionEngine | None, region: str, request: dict[str, Any], member: str
) -> bool:
    """Whether the item a PutItem (``Item``) or UpdateItem (``Key``) names is already there
    in ``region``; False when it cannot tell (the call itself then answers any mistake).
    O(log n)."""
    table, item = request.get("TableName"), request.get(member)
    if engine is None or not isinstance(table, str) or not isinstance(item, dict):
        return False
    try:
        view = engine.inspector(region)
        schema = view.describe_table(table)["KeySchema"]
        key = {element["AttributeName"]: item[element["AttributeName"]] for element in schema}
        return view.item(table, key) is not None
    except (DynamoDBError, KeyError, TypeError):
        return False


def check_after(before: Usage, after: Usage, *, state_bytes: int = 0) -> None:
    """Refuse a call that grew the sandbox past a limit (one that shrinks it always passes).

    A sandbox already over a limit (say the operator lowered it) can still delete.
    """
    limits = conf.limits()
    if after.tables > before.tables:
        _check_tables(after.tables - 1)
    if after.items > before.items and after.items > limits["items"]:
        raise ValidationException(
            f"Sandbox limit exceeded: a sandbox may hold at most {limits['items']:,} items "
            f"across all its tables (items), and this request would make it "
            f"{after.items:,}; delete items or reset the sandbox"
        )
    if after.bytes > before.bytes and after.bytes > limits["bytes"]:
        raise ValidationException(
            f"Sandbox limit exceeded: a sandbox may hold at most {limits['bytes']:,} bytes "
            f"of items across all its tables (bytes), and this request would make it "
            f"{after.bytes:,}; delete items or reset the sandbox"
        )
    grew = after.items > before.items or after.bytes > before.bytes or after.tables > before.tables
    if grew:
        _check_memory(memory.estimate(after, state_bytes))


def _check_memory(estimated: int) -> None:
    limit = conf.limits()["memory_bytes"]
    if estimated > limit:
        raise ValidationException(
            f"Sandbox limit exceeded: a sandbox's tables may take at most {limit // conf.MB:,} "
            f"MB of the server's memory (memory_bytes), and this request could make them "
            f"take about {estimated // conf.MB:,} MB; delete items or tables, or reset the "
            f"sandbox"
        )


def _check_tables(existing: int) -> None:
    limit = conf.limits()["tables"]
    if existing >= limit:
        raise LimitExceededException(
            f"Subscriber limit exceeded: a sandbox may have at most {limit} tables (tables); "
            f"delete a table before creating another"
        )
