"""Read-side queries over sandboxes, for the console's feed and the course's lab checks."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from dynalab.sandboxes.models import Activity, Sandbox


def recent_activity(sandbox: Sandbox, *, limit: int = 50) -> QuerySet[Activity]:
    """The sandbox's latest calls, newest first (at most ``limit``)."""
    return Activity.objects.filter(sandbox=sandbox).order_by("-created_at", "-id")[:limit]


def activity_since(sandbox: Sandbox, since: datetime) -> QuerySet[Activity]:
    """Every call made at or after ``since`` (wall-clock time), oldest first.

    A lab check reads this from the moment the lab started, e.g.
    ``any(a.summary.get("UsedScan") for a in activity_since(sandbox, started))``.
    """
    return Activity.objects.filter(sandbox=sandbox, created_at__gte=since).order_by(
        "created_at", "id"
    )
