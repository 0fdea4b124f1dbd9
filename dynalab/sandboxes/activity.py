"""Keeping a sandbox's activity log bounded: pruned by count and by age.

Every call a learner makes is an Activity row, and a learner (or a script) can make thousands
an hour. Each worker counts the rows it adds per sandbox and, every ``PRUNE_EVERY`` of them,
prunes that sandbox: it keeps the newest ``activity_rows`` rows, and beyond them the newest
``activity_notable_rows`` of the rows the instructor's dashboard reads (refused calls, for the
error codes a class hits, and reads of items, for who scanned where a query fits and who paid
many times the model answer's units), and nothing older than ``activity_days``
(``DYNALAB_SANDBOX_LIMITS``). A sandbox therefore keeps at most the sum of the two counts plus
what its workers added since their last prune.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dynalab.sandboxes import conf
from dynalab.sandboxes.models import Activity

#: Rows a worker adds to one sandbox between two prunes of it.
PRUNE_EVERY = 200
#: The reads the dashboard's misconception view looks at.
ITEM_READS = ("GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems")
#: Sandboxes whose additions a worker counts at once (past it, the counts start again).
_MAX_COUNTED = 10_000

_added: dict[uuid.UUID, int] = {}
_guard = threading.Lock()


def notable() -> Q:
    """The rows the dashboard reads: refused calls and reads of items."""
    return ~Q(status="ok") | Q(operation__in=ITEM_READS)


def added(sandbox_id: uuid.UUID, rows: int = 1) -> None:
    """Count rows just added to the sandbox's log; prune it every ``PRUNE_EVERY`` rows."""
    with _guard:
        if len(_added) >= _MAX_COUNTED and sandbox_id not in _added:
            _added.clear()
        count = _added.get(sandbox_id, 0) + rows
        due = count >= PRUNE_EVERY
        _added[sandbox_id] = 0 if due else count
    if due:
        prune(sandbox_id)


def prune(sandbox_id: uuid.UUID) -> int:
    """Delete the sandbox's rows past its limits (see the module docstring); the number
    deleted. Three or four indexed statements (sandbox, id), whatever the log's length."""
    limits = conf.limits()
    rows = Activity.objects.filter(sandbox_id=sandbox_id)
    deleted = 0
    with transaction.atomic():
        beyond = _first_id_beyond(rows, limits["activity_rows"])
        if beyond is not None:
            deleted += rows.filter(id__lte=beyond).exclude(notable()).delete()[0]
        beyond = _first_id_beyond(rows.filter(notable()), limits["activity_notable_rows"])
        if beyond is not None:
            deleted += rows.filter(notable(), id__lte=beyond).delete()[0]
        oldest = timezone.now() - timedelta(days=limits["activity_days"])
        deleted += rows.filter(created_at__lt=oldest).delete()[0]
    return deleted


def _first_id_beyond(rows: object, keep: int) -> int | None:
    """The id of the newest row past the ``keep`` newest ones (None when there are fewer)."""
    found = list(rows.order_by("-id").values_list("id", flat=True)[keep : keep + 1])  # type: ignore[attr-defined]
    return found[0] if found else None


def forget_counts() -> None:
    """Start every count again (for tests)."""
    with _guard:
        _added.clear()
