"""Answer DynamoDB calls sent to the server's root URL, where SDKs send them by default.

A POST to ``/`` that carries ``X-Amz-Target`` (or the JSON 1.0 content type) is a DynamoDB
call and goes to the endpoint; every other request goes on to the site (GET ``/`` is the home
page). It sits before CsrfViewMiddleware: API calls authenticate with SigV4, not cookies.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from dynalab.api import protocol, views


class RootEndpointMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/" and request.method == "POST" and is_api_call(request):
            return views.endpoint(request)
        return self.get_response(request)


def is_api_call(request: HttpRequest) -> bool:
    meta = request.META
    if "HTTP_X_AMZ_TARGET" in meta:
        return True
    media_type = meta.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    return media_type == protocol.JSON_CONTENT_TYPE
