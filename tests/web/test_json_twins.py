"""Every workbench page a browser can GET has a JSON twin: the same URL with
``format=json`` answers JSON, and the page names its twin in a ``Link`` header."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from dynalab.console import urls as console_urls
from tests.support.workbench import create_table, execute

pytestmark = pytest.mark.django_db(transaction=True)

DAX_CLUSTER = {
    "ClusterName": "orders-cache",
    "NodeType": "dax.t3.small",
    "ReplicationFactor": 1,
    "IamRoleArn": "arn:aws:iam::000000000000:role/DAXServiceRole",
}
KEY = json.dumps({"customer": {"S": "ann"}, "order_date": {"S": "2024"}})
#: Every GET page, with the arguments and query that show it with content.
PAGES = {
    "tables": ([], {}),
    "create_table": ([], {}),
    "items": (["Orders"], {}),
    "delete_table": (["Orders"], {}),
    "item_new": (["Orders"], {}),
    "item_edit": (["Orders"], {"key": KEY}),
    "item_delete": (["Orders"], {"key": KEY}),
    "bookshelf": (["Orders"], {"mode": "query", "pk": "ann"}),
    "throughput": (["Orders"], {}),
    "indexes": (["Orders"], {}),
    "index_detail": (["Orders", "ByStatus"], {"value": "open"}),
    "delete_index": (["Orders", "ByStatus"], {}),
    "stream": (["Orders"], {}),
    "ttl": (["Orders"], {}),
    "backups": (["Orders"], {}),
    "diff": (["Orders"], {"against": "Orders"}),
    "run": ([], {"operation": "GetItem", "template": "1"}),
    "query": ([], {"table": "Orders", "mode": "query", "pk": "ann"}),
    "compare": ([], {"table": "Orders", "mode": "query", "pk": "ann"}),
    "clock": ([], {}),
    "reset_sandbox": ([], {}),
    "activity": ([], {}),
    "dax": ([], {}),
    "dax_cluster": (["orders-cache"], {}),
    "replication": (["Orders"], {}),
}
#: Views that are not pages of the workbench, or answer only POST.
NOT_PAGES = {
    "home": "the landing page, outside the workbench",
    "engine_probe": "POST only",
    "create_trigger": "POST only",
    "delete_trigger": "POST only",
    "load_sample": "POST only",
    "advance_clock": "POST only",
    "simulation": "POST only",
    "dax_parameter_groups": "POST only",
    "dax_nodes": "POST only",
    "dax_delete": "POST only",
    "dax_stale_read": "POST only",
    "switch_region": "POST only",
}


@pytest.fixture
def orders(learner: Client) -> Client:
    create_table(
        learner,
        "Orders",
        gsi_0_name="ByStatus",
        gsi_0_pk="status",
        stream_view_type="NEW_AND_OLD_IMAGES",
        ttl_attribute="exp",
        pitr="on",
    )
    execute(learner, "UpdateSimulationSettings", {"GsiPropagationDelaySeconds": 0})
    execute(learner, "CreateCluster", DAX_CLUSTER)
    execute(
        learner,
        "PutItem",
        {
            "TableName": "Orders",
            "Item": {
                "customer": {"S": "ann"},
                "order_date": {"S": "2024"},
                "status": {"S": "open"},
            },
        },
    )
    return learner


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_page_has_a_json_twin(orders: Client, name: str) -> None:
    args, query = PAGES[name]
    url = reverse(f"console:{name}", args=args)

    page = orders.get(url, query)
    twin = orders.get(url, {**query, "format": "json"})

    assert page.status_code == 200, page.content[:500]
    assert 'rel="alternate"; type="application/json"' in page["Link"]
    assert twin["Content-Type"] == "application/json"
    assert isinstance(json.loads(twin.content), dict)


def test_every_console_view_is_a_page_or_said_not_to_be() -> None:
    names = {p.name for p in console_urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == set(PAGES) | set(NOT_PAGES)
    assert not set(PAGES) & set(NOT_PAGES)
