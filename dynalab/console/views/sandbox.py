"""The learner's sandbox as a whole: sample data, the simulated clock, the Region, reset, and
activity."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh, trigger_client_event

from dynalab.console import clock as clock_service
from dynalab.console import samples
from dynalab.console.calls import SESSION_LAST_CALL, SOURCE, endpoint_url
from dynalab.console.views.base import back_to, region, sandbox_clock, workbench
from dynalab.rendering import wants_partial
from dynalab.sandboxes import selectors
from dynalab.sandboxes import services as sandbox_services
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.models import Sandbox


def _housekeeping(operation: str) -> bool:
    """Describe and List calls (no items read or written): hidden from the activity list
    unless asked for, since SDK waiters and scripts make many of them."""
    facts = selectors.operation(operation)
    return facts is not None and facts.read_only and facts.bills is None


#: Where a call came from, as the activity list says it.
SOURCE_LABELS = {
    "console": "workbench page",
    "api": "SDK or CLI",
    "lesson": "lesson",
    "system": "DynaLab",
}


def activity_rows(sandbox: Sandbox, *, include_housekeeping: bool, limit: int) -> list[dict]:
    rows: list[dict[str, Any]] = []
    # The request bodies are not shown here, and a batch's is large: leave them unread.
    recent = selectors.recent_activity(sandbox, limit=200).defer("request", "consumed_capacity")
    for entry in recent:
        if not include_housekeeping and _housekeeping(entry.operation):
            continue
        summary = entry.summary or {}
        rows.append(
            {
                "operation": entry.operation,
                "status": entry.status,
                "ok": entry.status == "ok",
                "error_message": entry.error_message,
                "table": summary.get("TableName") or ", ".join(summary.get("TableNames") or []),
                "region": summary.get("Region", ""),
                "capacity_units": summary.get("CapacityUnits"),
                "count": summary.get("Count"),
                "scanned_count": summary.get("ScannedCount"),
                "source": entry.source,
                # Calls sent through a DAX cluster: which one, and hit, miss, ...
                "dax_cluster": summary.get("DaxCluster", ""),
                "dax_outcome": summary.get("DaxOutcome", ""),
                "source_label": SOURCE_LABELS.get(entry.source, entry.source),
                "at": datetime.datetime.fromtimestamp(entry.at, tz=datetime.UTC),
                "duration_ms": entry.duration_ms,
            }
        )
        if len(rows) >= limit:
            break
    return rows


@require_POST
def load_sample(request: HttpRequest, slug: str) -> HttpResponse:
    sandbox = request.sandbox  # type: ignore[attr-defined]
    sample = samples.SAMPLE_SETS.get(slug)
    if sample is None:
        return HttpResponse("No such sample data set.", status=404)
    endpoint = endpoint_url(request)
    partial = wants_partial(request)
    try:
        step = int(request.POST.get("step", "0"))
    except ValueError:
        step = 0
    steps = range(step, step + 1) if partial else range(0, sample.steps)
    error = None
    for current in steps:
        error = samples.load_sample_step(
            sandbox, sample, current, endpoint=endpoint, region=region(request)
        )
        if error is not None:
            break
    done = error is None and steps[-1] >= sample.steps - 1
    if not partial:
        if error is not None:
            messages.error(request, f"{error.code}: {error.message}")
            return redirect("console:tables")
        messages.success(request, f"Loaded {sample.item_count:,} items into {sample.table_name}.")
        return redirect("console:items", table=sample.table_name)
    loaded = sample.items_loaded_after(step)
    if done:
        # The table list and the activity beside the progress bar are now stale.
        return HttpResponseClientRefresh()
    context = {
        "sample": sample,
        "error": error,
        "done": done,
        "next_step": step + 1,
        "loaded": loaded,
        "percent": round(100 * loaded / max(sample.item_count, 1)),
    }
    return render(request, "console/_sample_progress.html", context)


@require_POST
def advance_clock(request: HttpRequest) -> HttpResponse:
    sandbox = request.sandbox  # type: ignore[attr-defined]
    seconds = request.POST.get("seconds", "")
    if seconds not in clock_service.STEPS:
        return HttpResponse(
            "Advance the clock by one of: " + ", ".join(clock_service.STEPS.values()) + ".",
            status=400,
        )
    sandbox_services.advance_clock(sandbox, int(seconds), source=SOURCE)
    if wants_partial(request):
        response = render(
            request,
            "console/_clock.html",
            {
                "clock": sandbox_clock(sandbox, region=region(request)),
                "next_url": request.POST.get("next"),
            },
        )
        return trigger_client_event(response, "clockAdvanced")
    messages.success(request, f"The simulated clock moved forward {clock_service.STEPS[seconds]}.")
    return back_to(request, reverse("console:tables"))


@require_POST
def switch_region(request: HttpRequest) -> HttpResponse:
    """Work in another AWS Region: kept in the session, so every page, call and the Connect
    page's snippets follow it. Answers 400 for a name that is no Region."""
    chosen = request.POST.get("region", "")
    try:
        sandbox_services.remember_region(request, chosen)
    except ServiceError:
        return HttpResponse(
            "Choose one of the AWS Regions in the list, such as us-east-1.", status=400
        )
    messages.success(
        request,
        f"You are working in {chosen} now: the workbench shows its tables, as boto3 signing "
        f"for {chosen} would see them.",
    )
    return back_to(request, reverse("console:tables"))


@require_http_methods(["GET", "POST"])
def reset_sandbox(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        sandbox_services.reset_sandbox(request.sandbox)  # type: ignore[attr-defined]
        request.session.pop(SESSION_LAST_CALL, None)
        messages.success(
            request, "Your sandbox was reset: no tables, and the clock is back to now."
        )
        return redirect("console:tables")
    return workbench(
        request,
        "console/reset.html",
        # A reset empties every Region: the twin lists what would go, Region by Region.
        json=lambda: {
            "Region": region(request),
            "Tables": selectors.table_names(
                request.sandbox,  # type: ignore[attr-defined]
                region=region(request),
            ),
            "TablesByRegion": {
                entry.region: list(entry.tables)
                for entry in selectors.regions(request.sandbox)  # type: ignore[attr-defined]
            },
        },
    )


@require_GET
def activity(request: HttpRequest) -> HttpResponse:
    include_all = request.GET.get("all") == "1"
    rows = activity_rows(
        request.sandbox,  # type: ignore[attr-defined]
        include_housekeeping=include_all,
        limit=50,
    )
    return workbench(
        request,
        "console/activity.html",
        {"activity": rows, "include_all": include_all},
        partial="console/_activity_list.html",
        json={"Activity": rows},
    )
