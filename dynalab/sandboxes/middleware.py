"""Per-request middleware of the sandboxes: ``request.sandbox``, and each visitor's page rate.

``SandboxMiddleware`` gives every request a lazy ``request.sandbox``: the visitor's sandbox,
found (or created) the first time a view asks. Lazy, as django-htmx's ``request.htmx`` is:
pages that never touch a sandbox (the course map, static pages) cost nothing, and a page that
uses it several times looks it up once. It must come after the session and authentication
middleware. A client that created too many sandboxes lately gets a 429 page.

``PageRateLimitMiddleware`` limits each visitor's pages as the wire endpoint limits each
sandbox's calls: a token bucket per signed-in user, else per session, else per address
(``DYNALAB_PAGE_RATE_LIMIT``); past it, 429 with Retry-After. The endpoint's calls never get
here (dynalab.api answers them first), nor do static files (WhiteNoise does).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import SimpleLazyObject

from dynalab.sandboxes import conf, services
from dynalab.sandboxes.errors import SandboxCreationThrottled
from dynalab.sandboxes.throttling import RateLimiter

PAGE_THROTTLED_MESSAGE = (
    "Too many pages too fast: wait a second and try again. (Every visitor may load "
    "{rate:g} pages a second, {burst:g} at once.)"
)


class SandboxMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.sandbox = SimpleLazyObject(lambda: services.sandbox_for_request(request))  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, SandboxCreationThrottled):
            return too_many(request, exception.message, retry_after=60)
        return None


class PageRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._limiter: RateLimiter | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rate, burst = conf.page_rate()
        if rate > 0:
            limiter = self._limiter
            if limiter is None or (limiter.rate, limiter.burst) != (rate, burst):
                limiter = self._limiter = RateLimiter(rate, burst)
            if not limiter.allow(visitor_key(request)):
                message = PAGE_THROTTLED_MESSAGE.format(rate=rate, burst=burst)
                return too_many(request, message, retry_after=max(1, round(1 / rate)))
        return self.get_response(request)


def visitor_key(request: HttpRequest) -> tuple[str, str]:
    """Who a page is for: the signed-in user, else their session, else their address.

    Only a session the server knows counts (finding the user loaded it; a made-up cookie
    leaves no session key), so changing cookies on every request gets a client the
    address's bucket, not a fresh one each time.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return ("user", str(user.pk))
    session = getattr(request, "session", None)
    if session is not None and request.COOKIES.get(settings.SESSION_COOKIE_NAME):
        session.get("_auth_user_id")  # loaded: a made-up cookie now has no session key
        if session.session_key:
            return ("session", session.session_key)
    return ("address", services.client_address(request))


def too_many(request: HttpRequest, message: str, *, retry_after: int) -> HttpResponse:
    """429 in the shape the visitor asked for: the JSON twin's, or a short page."""
    if request.GET.get("format") == "json":
        response: HttpResponse = JsonResponse(
            {"__type": "ThrottlingException", "message": message}, status=429
        )
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response
