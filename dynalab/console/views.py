"""Console views: parse the request, call one service function, render."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from dynalab.console import services
from dynalab.rendering import render_page_or_partial


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "console/home.html")


@require_POST
def engine_probe(request: HttpRequest) -> HttpResponse:
    """Run one request on a fresh engine: the partial for htmx, the home page without JS."""
    return render_page_or_partial(
        request,
        page="console/home.html",
        partial="console/_engine_probe.html",
        context={"probe": services.probe_engine()},
    )
