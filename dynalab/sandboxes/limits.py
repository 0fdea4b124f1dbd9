"""Per-sandbox limits that protect a shared server, answered with the service's own errors.

The numbers come from ``DYNALAB_SANDBOX_LIMITS`` (see conf.py). The request size and the
table count are checked before a call; items and bytes after it, from the engine's running
totals (O(tables)), because only the engine knows what an UpdateItem or a transaction adds.
"""

from __future__ import annotations

import json
from typing import Any

from dynalab.sandboxes import conf
from dynalab.sandboxes.errors import (
    LimitExceededException,
    SerializationException,
    ValidationException,
)
from engine import Engine, catalog
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


def json_text(value: Any) -> str:
    """Compact JSON as stored in the database (no NaN: PostgreSQL's jsonb refuses it)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def check_before(engine: Engine, operation: str) -> None:
    """Refuse a table-creating call when the sandbox already has all the tables it may."""
    facts = catalog.get(operation)
    if facts is not None and facts.creates_table:
        _check_tables(engine.inspect.usage().tables)


def usage(engine: Engine) -> Usage:
    """Tables, items and bytes the sandbox holds now. O(tables)."""
    return engine.inspect.usage()


def check_after(before: Usage, after: Usage) -> None:
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


def _check_tables(existing: int) -> None:
    limit = conf.limits()["tables"]
    if existing >= limit:
        raise LimitExceededException(
            f"Subscriber limit exceeded: a sandbox may have at most {limit} tables (tables); "
            f"delete a table before creating another"
        )
