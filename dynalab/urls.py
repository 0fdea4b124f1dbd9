"""The project's URL map: each app mounts its own urls.py."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("dynalab.console.urls")),
    path("sandboxes/", include("dynalab.sandboxes.urls")),
    path("learn/", include("dynalab.course.urls")),
    path("accounts/", include("dynalab.classroom.accounts_urls")),
    path("classes/", include("dynalab.classroom.urls")),
    path("admin/", admin.site.urls),
    path("", include("dynalab.api.urls")),
]
