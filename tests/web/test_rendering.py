"""dynalab.rendering: the one helper that picks an htmx partial or a full page."""

from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxMiddleware

from dynalab.rendering import wants_partial


def through_htmx_middleware(request: HttpRequest) -> HttpRequest:
    HtmxMiddleware(lambda request: HttpResponse())(request)
    return request


def test_plain_request_wants_the_page(rf: RequestFactory) -> None:
    assert not wants_partial(through_htmx_middleware(rf.get("/")))


def test_htmx_request_wants_the_partial(rf: RequestFactory) -> None:
    request = through_htmx_middleware(rf.get("/", headers={"HX-Request": "true"}))

    assert wants_partial(request)


def test_boosted_htmx_request_wants_the_page(rf: RequestFactory) -> None:
    request = through_htmx_middleware(
        rf.get("/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    )

    assert not wants_partial(request)


def test_request_that_skipped_the_middleware_wants_the_page(rf: RequestFactory) -> None:
    assert not wants_partial(rf.get("/", headers={"HX-Request": "true"}))
