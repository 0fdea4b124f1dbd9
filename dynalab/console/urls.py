from django.urls import path

from dynalab.console import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("engine-probe/", views.engine_probe, name="engine_probe"),
    path("tables/", views.tables, name="tables"),
    path("tables/new/", views.create_table, name="create_table"),
    path("tables/<str:table>/", views.items, name="items"),
    path("tables/<str:table>/delete/", views.delete_table, name="delete_table"),
    path("tables/<str:table>/items/new/", views.item_new, name="item_new"),
    path("tables/<str:table>/items/edit/", views.item_edit, name="item_edit"),
    path("tables/<str:table>/items/delete/", views.item_delete, name="item_delete"),
    path("tables/<str:table>/bookshelf/", views.bookshelf, name="bookshelf"),
    path("tables/<str:table>/throughput/", views.throughput, name="throughput"),
    path("run/", views.run, name="run"),
    path("query/", views.query, name="query"),
    path("compare/", views.compare, name="compare"),
    path("samples/<slug:slug>/load/", views.load_sample, name="load_sample"),
    path("clock/advance/", views.advance_clock, name="advance_clock"),
    path("sandbox/reset/", views.reset_sandbox, name="reset_sandbox"),
    path("activity/", views.activity, name="activity"),
]
