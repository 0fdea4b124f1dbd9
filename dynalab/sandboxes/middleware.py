"""``request.sandbox``: the visitor's sandbox, found (or created) the first time a view asks.

Lazy, as django-htmx's ``request.htmx`` is: pages that never touch a sandbox (the course map,
static pages) cost nothing, and a page that uses it several times looks it up once. It must
come after the session and authentication middleware.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from dynalab.sandboxes import services


class SandboxMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.sandbox = SimpleLazyObject(lambda: services.sandbox_for_request(request))  # type: ignore[attr-defined]
        return self.get_response(request)
