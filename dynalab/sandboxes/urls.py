from django.urls import path

from dynalab.sandboxes import views

app_name = "sandboxes"

urlpatterns = [
    path("<uuid:sandbox_id>/execute", views.execute, name="execute"),
]
