"""What keeps a shared server safe by default: the start-up refusal and the response headers.

- ``refuse_unsafe_start()`` runs when the WSGI or ASGI application is built (gunicorn, uvicorn,
  ``runserver``): with debug off and no ``DJANGO_SECRET_KEY`` the development key would sign
  every session, so anyone could forge one; the server stops with a message instead.
- ``ContentSecurityPolicyMiddleware`` sends ``settings.DYNALAB_CONTENT_SECURITY_POLICY`` with
  every page: scripts only from this server (htmx and the workbench's script are files), so a
  value a learner typed that slipped past escaping still could not run.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

UNSAFE_START = (
    "DJANGO_SECRET_KEY is not set and debug is off: this server would sign sessions and CSRF "
    "tokens with the public development key. Set DJANGO_SECRET_KEY to a long random value "
    '(for example: python -c "import secrets; print(secrets.token_urlsafe(50))"), or set '
    "DJANGO_DEBUG=1 on your own machine."
)


def refuse_unsafe_start() -> None:
    """Raise ImproperlyConfigured when debug is off and the secret key is the default."""
    if not settings.DEBUG and getattr(settings, "SECRET_KEY_IS_DEVELOPMENT_DEFAULT", False):
        raise ImproperlyConfigured(UNSAFE_START)


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy header to responses that have none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "DYNALAB_CONTENT_SECURITY_POLICY", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
