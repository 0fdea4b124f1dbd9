"""The home page and its engine probe."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from dynalab.console import runner
from dynalab.rendering import render_page


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "console/home.html")


@require_POST
def engine_probe(request: HttpRequest) -> HttpResponse:
    """Run one request on a fresh sandbox: the partial for htmx, the home page without JS."""
    return render_page(
        request,
        "console/home.html",
        {"probe": runner.probe_engine()},
        partial="console/_engine_probe.html",
    )
