"""A URL map with one page that fails, for the test that 500s are logged."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the page broke on purpose")


urlpatterns = [path("broken/", broken), path("", include("dynalab.urls"))]
