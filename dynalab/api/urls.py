from django.urls import path, re_path

from dynalab.api import views

app_name = "api"

urlpatterns = [
    path("dynamodb/", views.endpoint, name="endpoint"),
    # An SDK sends exactly the endpoint URL it was given, so answer without the slash too
    # (CommonMiddleware's APPEND_SLASH cannot redirect a POST).
    re_path(r"^dynamodb$", views.endpoint),
    path("connect/", views.connect, name="connect"),
]
