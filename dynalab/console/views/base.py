"""What every workbench page shares: the simulated clock and the AWS Region in the header, the
learner's sandbox, a missing table answered as a 404 page (saying which other Region has it),
and one way to answer (page, partial or JSON twin: ``dynalab.rendering.render_page``).

The Region is the learner's choice, kept in their session (us-east-1 until they switch):
``region(request)`` is the one place a view reads it, and every call and selector a view makes
takes it, so the workbench shows the tables boto3 would see signing for that Region."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Mapping
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from dynalab.console.tables import TableSummary, table_summary
from dynalab.rendering import JsonData, render_page
from dynalab.sandboxes import selectors
from dynalab.sandboxes import services as sandbox_services

CLOCK_STEPS = {"60": "1 minute", "3600": "1 hour", "86400": "1 day"}


class NoSuchTable(Http404):
    """The page names a table the learner's current Region does not have."""

    def __init__(self, table: str) -> None:
        super().__init__(f"There is no table named {table} in this Region of your sandbox.")
        self.table = table


def region(request: HttpRequest) -> str:
    """The AWS Region the learner works in (their session's choice; us-east-1 by default)."""
    return sandbox_services.session_region(request)


def table_or_404(request: HttpRequest, name: str) -> TableSummary:
    """The table's summary in the learner's Region as of the sandbox's simulated now, or
    NoSuchTable."""
    summary = table_summary(request.sandbox, name, region=region(request))  # type: ignore[attr-defined]
    if summary is None:
        raise NoSuchTable(name)
    return summary


def workbench(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    partial: str | None = None,
    json: JsonData = None,
    status: int = 200,
    json_status: int | None = None,
) -> HttpResponse:
    """Answer with a workbench page: ``context`` plus the sandbox and its simulated clock."""
    sandbox = request.sandbox  # type: ignore[attr-defined]
    now = sandbox_services.simulated_now(sandbox)
    full = {
        "clock": clock(now, sandbox.clock_offset),
        "sandbox": sandbox,
        "region": region(request),
        "region_choices": selectors.REGIONS,
        **(context or {}),
    }
    return render_page(
        request, template, full, partial=partial, json=json, status=status, json_status=json_status
    )


def answers_missing_tables(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn NoSuchTable into the workbench's "no such table" page (status 404), and the
    service's ResourceNotFoundException body for the JSON twin."""

    @functools.wraps(view)
    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NoSuchTable as missing:
            elsewhere = selectors.table_regions(
                request.sandbox,  # type: ignore[attr-defined]
                missing.table,
            )
            return workbench(
                request,
                "console/no_table.html",
                {"table_name": missing.table, "elsewhere": elsewhere},
                json={
                    "__type": "ResourceNotFoundException",
                    "message": f"Requested resource not found: Table: {missing.table} not found",
                },
                status=404,
            )

    return run


def clock(now: float, offset: float) -> dict[str, Any]:
    """The header's clock: the simulated now, and how far it runs ahead of real time."""
    moment = datetime.datetime.fromtimestamp(now, tz=datetime.UTC)
    return {
        "now": moment,
        "iso": moment.isoformat(timespec="seconds"),
        "epoch": int(now),
        "ahead": duration_text(offset) if offset >= 1 else None,
        "steps": CLOCK_STEPS,
    }


def duration_text(seconds: float) -> str:
    """``1d 3h 5m``: how far the simulated clock runs ahead of real time."""
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return " ".join(part for part in parts if part) or f"{int(seconds)}s"


def bounded_int(text: str, low: int, high: int) -> int | None:
    """``text`` as a whole number from ``low`` to ``high``, or None."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        return None
    return value if low <= value <= high else None
