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

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from dynalab.console import clock as clock_service
from dynalab.console.tables import TableSummary, table_summary
from dynalab.rendering import JsonData, render_page
from dynalab.sandboxes import selectors
from dynalab.sandboxes import services as sandbox_services
from dynalab.sandboxes.models import Sandbox

#: The header's clock buttons; the clock page offers more (``clock_service.STEPS``).
CLOCK_STEPS = {"60": "1 minute", "3600": "1 hour", "86400": "1 day"}

#: A table's pages, in the order its tabs show them: (name, label, URL name).
TABLE_TABS = [
    ("items", "Items", "console:items"),
    ("bookshelf", "Bookshelf", "console:bookshelf"),
    ("indexes", "Indexes", "console:indexes"),
    ("stream", "Stream", "console:stream"),
    ("ttl", "TTL", "console:ttl"),
    ("backups", "Backups", "console:backups"),
    ("throughput", "Throughput", "console:throughput"),
    ("replication", "Replication", "console:replication"),
]


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
    where = region(request)
    full = {
        "clock": sandbox_clock(sandbox, region=where),
        "sandbox": sandbox,
        "region": where,
        "region_choices": selectors.REGIONS,
        "table_tabs": TABLE_TABS,
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


def clock(now: float, offset: float, next_due: Any = None) -> dict[str, Any]:
    """The header's clock: the simulated now, how far it runs ahead of real time, and the
    next work it will bring (a ``clock_service.DueLine``, or None)."""
    moment = datetime.datetime.fromtimestamp(now, tz=datetime.UTC)
    return {
        "now": moment,
        "iso": moment.isoformat(timespec="seconds"),
        "epoch": int(now),
        "ahead": duration_text(offset) if offset >= 1 else None,
        "steps": CLOCK_STEPS,
        "next_due": next_due,
    }


def sandbox_clock(sandbox: Sandbox, *, region: str) -> dict[str, Any]:
    """The header's clock for this sandbox, with what falls due next in ``region`` (the
    clock is the sandbox's; the work it brings is shown for the Region the learner is in)."""
    now = sandbox_services.simulated_now(sandbox)
    return clock(now, sandbox.clock_offset, clock_service.next_due(sandbox, now=now, region=region))


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


def back_to(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Redirect to the form's ``next`` (a path on this site), else to ``default``.

    Anything but a local path is refused: another host (an open redirect), and a bare word,
    which Django's ``redirect`` would try to reverse as a view name.
    """
    target = request.POST.get("next", "")
    local = target.startswith("/") and not target.startswith("//")
    if not local or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return HttpResponseRedirect(target)


def bounded_int(text: str, low: int, high: int) -> int | None:
    """``text`` as a whole number from ``low`` to ``high``, or None."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        return None
    return value if low <= value <= high else None
