"""Answer DynamoDB calls before the rest of the site's middleware sees them.

A POST to ``/`` (where SDKs send calls by default) that carries ``X-Amz-Target`` (or the JSON
1.0 or 1.1 content type) is a DynamoDB call (or a DAX control-plane call), and so is any
request to ``/dynamodb/``; any request under ``/dax/`` is a call through a DAX cluster; every
other request goes on to the site (GET ``/`` is the home page). It comes first in MIDDLEWARE: API
calls authenticate with SigV4, not cookies or sessions, so the site's middleware (sessions,
CSRF, messages...) has nothing to do for them, and skipping it is a hot path's saving.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

from dynalab.api import protocol, views

security_log = logging.getLogger("django.security.DisallowedHost")
HOST_NOT_SERVED = (
    "This server does not answer for the host name in the request's Host header "
    "(DJANGO_ALLOWED_HOSTS): use the endpoint URL the Connect page shows"
)


class RootEndpointMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path in ENDPOINT_PATHS or (
            path == "/" and request.method == "POST" and is_api_call(request)
        ):
            # The site checks the Host header against ALLOWED_HOSTS when a view first asks
            # for it; the endpoint never did, so it answered any name (DNS rebinding reaches
            # a server on loopback that way). It checks first, as the site's pages do.
            try:
                request.get_host()
            except DisallowedHost as refused:
                security_log.error("%s", refused)
                return protocol.error_response(
                    protocol.HostNotServed(HOST_NOT_SERVED),
                    request_id=protocol.new_request_id(),
                )
            return views.endpoint(request)
        if path.startswith(DAX_PATH_PREFIX):
            return views.dax_endpoint(request)
        return self.get_response(request)


#: The dedicated endpoint paths (with and without the slash: an SDK sends exactly the URL
#: it was given).
ENDPOINT_PATHS = frozenset({"/dynamodb/", "/dynamodb"})
#: Calls through a DAX cluster: ``/dax/<cluster>/`` (the workbench's DAX pages live elsewhere).
DAX_PATH_PREFIX = "/dax/"


def is_api_call(request: HttpRequest) -> bool:
    meta = request.META
    if "HTTP_X_AMZ_TARGET" in meta:
        return True
    media_type = meta.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    return media_type in (protocol.JSON_CONTENT_TYPE, protocol.JSON_11_CONTENT_TYPE)
