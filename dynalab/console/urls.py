from django.urls import path

from dynalab.console.views import (
    home,
    items,
    reads,
    replication,
    runner,
    sandbox,
    tables,
    throughput,
)

app_name = "console"

urlpatterns = [
    path("", home.home, name="home"),
    path("engine-probe/", home.engine_probe, name="engine_probe"),
    path("tables/", tables.overview, name="tables"),
    path("tables/new/", tables.create_table, name="create_table"),
    path("tables/<str:table>/", items.items, name="items"),
    path("tables/<str:table>/delete/", tables.delete_table, name="delete_table"),
    path("tables/<str:table>/items/new/", items.item_new, name="item_new"),
    path("tables/<str:table>/items/edit/", items.item_edit, name="item_edit"),
    path("tables/<str:table>/items/delete/", items.item_delete, name="item_delete"),
    path("tables/<str:table>/bookshelf/", reads.bookshelf, name="bookshelf"),
    path("tables/<str:table>/throughput/", throughput.throughput, name="throughput"),
    path("tables/<str:table>/replication/", replication.replication, name="replication"),
    path("run/", runner.run, name="run"),
    path("query/", reads.query, name="query"),
    path("compare/", reads.compare, name="compare"),
    path("samples/<slug:slug>/load/", sandbox.load_sample, name="load_sample"),
    path("clock/advance/", sandbox.advance_clock, name="advance_clock"),
    path("region/", sandbox.switch_region, name="switch_region"),
    path("sandbox/reset/", sandbox.reset_sandbox, name="reset_sandbox"),
    path("activity/", sandbox.activity, name="activity"),
]
