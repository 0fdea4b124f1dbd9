"""The clock page (what moving the simulated clock does, and what is due), and the sandbox's
simulation settings (GSI propagation lag, TTL deletion delay), changed through DynaLab's own
journaled operation."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dynalab.console import clock as clock_service
from dynalab.console import indexes as index_service
from dynalab.console import ttl as ttl_service
from dynalab.console.calls import endpoint_url, remember_call
from dynalab.console.views.base import back_to, region, workbench
from dynalab.sandboxes import selectors
from dynalab.sandboxes import services as sandbox_services


@require_GET
def clock(request: HttpRequest) -> HttpResponse:
    sandbox = request.sandbox  # type: ignore[attr-defined]
    where = region(request)
    now = sandbox_services.simulated_now(sandbox)
    previews = clock_service.step_previews(sandbox, now=now, region=where)
    upcoming = clock_service.due_lines(
        sandbox, clock_service.LOOKAHEAD_SECONDS, now=now, region=where
    )
    settings = selectors.simulation_settings(sandbox, region=where)
    context = {
        "previews": previews,
        "upcoming": upcoming[:30],
        "more_upcoming": max(0, len(upcoming) - 30),
        "settings": settings,
        "ttl_delay_text": ttl_service.delay_text(settings.ttl_deletion_delay),
        "clock_reloads": True,
    }
    return workbench(
        request,
        "console/clock.html",
        context,
        json=lambda: {
            "Now": now,
            "Region": where,
            "Due": [
                {"Kind": line.kind, "Table": line.table, "At": line.at, "What": line.text}
                for line in upcoming
            ],
            "SimulationSettings": {
                "GsiPropagationDelaySeconds": settings.gsi_propagation_delay,
                "TtlDeletionDelay": settings.ttl_deletion_delay,
            },
        },
    )


@require_POST
def simulation(request: HttpRequest) -> HttpResponse:
    """Set the GSI propagation lag (``gsi_lag``) or the TTL deletion delay (``ttl_delay``) of
    the Region the learner works in."""
    sandbox = request.sandbox  # type: ignore[attr-defined]
    endpoint = endpoint_url(request)
    where = region(request)
    result = None
    if "gsi_lag" in request.POST:
        seconds = request.POST["gsi_lag"]
        if seconds not in index_service.LAG_CHOICES:
            messages.error(request, "Choose a lag from the list.")
        else:
            result = index_service.set_propagation_lag(
                sandbox, int(seconds), endpoint=endpoint, region=where
            )
    elif "ttl_delay" in request.POST:
        choice = request.POST["ttl_delay"]
        if choice not in ttl_service.DELAY_CHOICES:
            messages.error(request, "Choose a TTL deletion delay from the list.")
        else:
            result = ttl_service.set_deletion_delay(
                sandbox, choice, endpoint=endpoint, region=where
            )
    else:
        messages.error(request, "Nothing to change: choose a lag or a TTL deletion delay.")
    if result is not None:
        if result.ok:
            remember_call(request, result)
            messages.success(request, "Simulation setting changed (UpdateSimulationSettings).")
        else:
            messages.error(request, f"{result.error.code}: {result.error.message}")
    return back_to(request, reverse("console:clock"))
