from django.urls import path

from dynalab.console import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("engine-probe/", views.engine_probe, name="engine_probe"),
]
