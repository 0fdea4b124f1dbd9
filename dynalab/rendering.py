"""The one place that decides between an htmx partial and a full page."""

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_partial(request: HttpRequest) -> bool:
    """True for an htmx request that swaps part of a page.

    A boosted request (``hx-boost``) replaces the whole body, so it gets the full page, as
    does any request without JavaScript.
    """
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def render_page_or_partial(
    request: HttpRequest,
    *,
    page: str,
    partial: str,
    context: Mapping[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render ``partial`` for htmx, ``page`` (which includes the partial) for everyone else.

    The response varies on ``HX-Request``, so no cache hands a partial to a full-page load.
    """
    template = partial if wants_partial(request) else page
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
