"""/accounts/...: Django's own login, logout and password views, and sign-up."""

from django.urls import include, path

from dynalab.classroom import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("", include("django.contrib.auth.urls")),
]
