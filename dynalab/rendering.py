"""How every page answers, in one place: its JSON twin, the htmx partial, or the full page.

A page hands ``render_page`` its template, its context and the data it shows. A request for
``?format=json`` gets that data as JSON; an htmx request that swaps part of the page gets the
partial; everyone else gets the full page, with a ``Link: <...?format=json>; rel="alternate"``
header naming its twin (as Datasette does). Responses vary on ``HX-Request``, so no cache hands
a partial to a full-page load.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

#: The data a page shows, or a function that computes it only when the twin is asked for.
JsonData = Any | Callable[[], Any]


def wants_partial(request: HttpRequest) -> bool:
    """True for an htmx request that swaps part of a page.

    A boosted request (``hx-boost``) replaces the whole body, so it gets the full page, as
    does any request without JavaScript.
    """
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def wants_json(request: HttpRequest) -> bool:
    """True for a page's JSON twin: the same URL with ``format=json``."""
    return request.GET.get("format") == "json"


def json_response(data: Any, *, status: int = 200) -> JsonResponse:
    """Pretty JSON (dates and decimals as Django encodes them, text not escaped to ASCII)."""
    return JsonResponse(
        data,
        status=status,
        encoder=DjangoJSONEncoder,
        safe=False,
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )


def twin_url(request: HttpRequest) -> str:
    """This page's URL with ``format=json``, its other parameters kept."""
    query = request.GET.copy()
    query["format"] = "json"
    return f"{request.path}?{query.urlencode()}"


def render_page(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    partial: str | None = None,
    json: JsonData = None,
    status: int = 200,
    json_status: int | None = None,
) -> HttpResponse:
    """The page, its htmx ``partial`` (which the page includes), or its ``json`` twin.

    Pages without a twin pass ``json=None``: ``?format=json`` then renders the page as usual.
    ``json_status`` is the twin's status when it differs from the page's (a page that shows a
    service error is a 200 page; its twin is the error body with the service's 400).
    """
    if json is not None and wants_json(request):
        data = json() if callable(json) else json
        return json_response(data, status=status if json_status is None else json_status)
    chosen = partial if partial is not None and wants_partial(request) else template
    response = render(request, chosen, context, status=status)
    if partial is not None:
        patch_vary_headers(response, ("HX-Request",))
    if json is not None:
        response["Link"] = f'<{twin_url(request)}>; rel="alternate"; type="application/json"'
    return response


def render_page_or_partial(
    request: HttpRequest,
    *,
    page: str,
    partial: str,
    context: Mapping[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render ``partial`` for htmx, ``page`` (which includes the partial) for everyone else."""
    return render_page(request, page, context, partial=partial, status=status)
