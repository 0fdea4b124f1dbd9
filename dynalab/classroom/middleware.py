"""``DYNALAB_REQUIRE_LOGIN``: on a class's server, a sandbox only for signed-in people.

With it on, an anonymous visitor's request is sent to the login page (with ``next``) before
a view can create a sandbox for their session, so every limit (requests, storage, sandboxes)
applies per person rather than per cookie. Pages that need no sandbox stay open: logging in
and signing up, the admin, and the course's lessons (to read, not to run).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse

#: Path prefixes an anonymous visitor may still reach with the setting on.
OPEN_PREFIXES = ("/accounts/", "/admin/", "/static/", "/favicon")


class LoginRequiredForSandboxMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            getattr(settings, "DYNALAB_REQUIRE_LOGIN", False)
            and not request.user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and not _reading_a_lesson(request)
        ):
            if request.GET.get("format") == "json":
                return JsonResponse(
                    {"__type": "AccessDeniedException", "message": "Log in first."}, status=401
                )
            response = redirect_to_login(request.get_full_path())
            if getattr(request, "htmx", False):
                response["HX-Redirect"] = response["Location"]
            return response
        return self.get_response(request)


def _reading_a_lesson(request: HttpRequest) -> bool:
    """A GET of the course map or a lesson page: reading needs no sandbox."""
    return request.method == "GET" and request.path.startswith("/learn/")
