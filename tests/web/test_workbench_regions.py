"""The workbench's Region: shown in the header, switched and kept in the session, followed by
every page and call, and named when a table exists only in another Region; and a global
table's replication page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynalab.sandboxes import services as sandbox_services
from tests.support.workbench import (
    by_id,
    by_testid,
    create_table,
    execute,
    sandbox_of,
    switch_region,
    text,
)

TABLES = reverse("console:tables")
EU = "eu-west-1"


def replication_url(table: str = "Orders") -> str:
    return reverse("console:replication", args=[table])


def advance(client: Client, seconds: float) -> None:
    sandbox_services.advance_clock(sandbox_of(client), seconds)


def put(client: Client, region: str, customer: str, **values: str) -> None:
    item = {"customer": {"S": customer}, "order_date": {"S": "2024"}}
    item.update({name: {"S": value} for name, value in values.items()})
    execute(client, "PutItem", {"TableName": "Orders", "Item": item}, region=region)


def make_global(client: Client) -> None:
    create_table(client, "Orders")
    response = client.post(replication_url(), {"action": "add_replica", "region": EU})
    assert response.status_code == 302
    advance(client, 30)


# ---------------------------------------------------------------------- the Region
def test_the_header_shows_the_region_and_us_east_1_is_the_default(learner: Client) -> None:
    page = learner.get(TABLES).content
    assert by_testid(page, "current-region") == "us-east-1"
    assert 'option value="eu-west-1"' in page.decode()
    assert "Your tables in us-east-1" in text(page)


def test_switching_keeps_the_region_in_the_session_and_every_page_follows(
    learner: Client,
) -> None:
    create_table(learner, "Orders")

    response = switch_region(learner, EU, next_url=TABLES)

    assert response.status_code == 302 and response["Location"] == TABLES
    page = learner.get(TABLES).content
    assert by_testid(page, "current-region") == EU
    assert "No tables yet in eu-west-1" in text(page)
    create_table(learner, "Invoices")
    twin = json.loads(learner.get(TABLES, {"format": "json"}).content)
    assert twin["Region"] == EU
    assert [table["TableName"] for table in twin["Tables"]] == ["Invoices"]
    assert twin["Tables"][0]["TableArn"].startswith("arn:aws:dynamodb:eu-west-1:")
    assert twin["TablesInOtherRegions"] == {"us-east-1": ["Orders"]}
    assert execute(learner, "ListTables", {}) == {"TableNames": ["Orders"]}


def test_the_tables_page_says_which_other_regions_hold_tables(learner: Client) -> None:
    create_table(learner, "Orders")
    switch_region(learner, EU)

    notice = by_testid(learner.get(TABLES).content, "tables-elsewhere")

    assert "us-east-1" in notice
    assert "Orders" in notice
    assert "Switch to us-east-1" in notice


def test_a_table_in_another_region_is_a_404_that_says_where_it_is(learner: Client) -> None:
    create_table(learner, "Orders")
    switch_region(learner, EU)
    url = reverse("console:items", args=["Orders"])

    response = learner.get(url)

    assert response.status_code == 404
    notice = by_testid(response.content, "table-elsewhere")
    assert "Your sandbox has a table named Orders in us-east-1" in notice
    assert "Switch to us-east-1" in notice
    twin = learner.get(url, {"format": "json"})
    assert twin.status_code == 404
    assert twin.json()["__type"] == "ResourceNotFoundException"
    back = switch_region(learner, "us-east-1", next_url=url)
    assert back["Location"] == url
    assert learner.get(url).status_code == 200


def test_a_table_in_no_region_says_so(learner: Client) -> None:
    response = learner.get(reverse("console:items", args=["Nope"]))
    assert response.status_code == 404
    assert "no such table in any Region" in text(response.content)


def test_switching_refuses_what_is_not_a_region_and_unsafe_destinations(learner: Client) -> None:
    assert switch_region(learner, "mars-1").status_code == 400
    assert switch_region(learner, "").status_code == 400
    assert by_testid(learner.get(TABLES).content, "current-region") == "us-east-1"
    away = switch_region(learner, EU, next_url="https://elsewhere.example/")
    assert away["Location"] == TABLES
    assert switch_region(learner, EU, next_url="tables")["Location"] == TABLES
    assert learner.get(reverse("console:switch_region")).status_code == 405


def test_switching_needs_the_csrf_token(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(TABLES)
    response = client.post(reverse("console:switch_region"), {"region": EU})
    assert response.status_code == 403


def test_the_code_a_request_shows_and_the_connect_page_sign_for_the_region(
    learner: Client,
) -> None:
    switch_region(learner, EU)
    create_table(learner, "Orders")

    tables_page = learner.get(TABLES).content
    what_ran = by_id(tables_page, "last-call-python").replace("&quot;", '"')
    cli = by_id(tables_page, "last-call-cli")
    connect = learner.get(reverse("api:connect")).content

    assert 'region_name="eu-west-1"' in what_ran
    assert "--region eu-west-1" in cli
    assert by_id(connect, "region") == EU
    assert "AWS_DEFAULT_REGION=eu-west-1" in by_id(connect, "environment-snippet")
    assert 'region_name="eu-west-1"' in by_id(connect, "boto3-snippet").replace("&quot;", '"')


def test_the_activity_list_names_each_calls_region(learner: Client) -> None:
    switch_region(learner, EU)
    create_table(learner, "Orders")
    activity = json.loads(learner.get(reverse("console:activity"), {"format": "json"}).content)
    assert [(row["operation"], row["region"]) for row in activity["Activity"]] == [
        ("CreateTable", EU)
    ]


# ---------------------------------------------------------------------- replication page
def test_a_regional_table_offers_to_add_a_replica(learner: Client) -> None:
    create_table(learner, "Orders")

    page = learner.get(replication_url())

    assert page.status_code == 200
    assert "A regional table" in text(page.content)
    assert 'option value="eu-west-1"' in page.content.decode()
    assert 'option value="us-east-1"' not in page.content.decode().split("Add a replica in")[1]
    assert learner.get(replication_url(), {"format": "json"}).json() == {
        "TableName": "Orders",
        "Region": "us-east-1",
        "GlobalTableVersion": None,
    }


def test_adding_a_replica_from_the_page_makes_the_table_global(learner: Client) -> None:
    create_table(learner, "Orders")

    response = learner.post(replication_url(), {"action": "add_replica", "region": EU})

    assert response.status_code == 302
    page = learner.get(replication_url())
    replicas = by_testid(page.content, "replicas")
    assert "eu-west-1" in replicas and "CREATING" in replicas
    assert "update_table" in by_id(page.content, "last-call-python")
    assert "Creating a replica in eu-west-1" in text(page.content)
    advance(learner, 30)
    twin = learner.get(replication_url(), {"format": "json"}).json()
    assert twin["GlobalTableVersion"] == "2019.11.21"
    assert [(r["RegionName"], r["ReplicaStatus"]) for r in twin["Replicas"]] == [
        ("us-east-1", "ACTIVE"),
        (EU, "ACTIVE"),
    ]
    tables = json.loads(learner.get(TABLES, {"format": "json"}).content)
    assert tables["Tables"][0]["Replicas"] == [{"RegionName": EU, "ReplicaStatus": "ACTIVE"}]
    assert "global" in text(learner.get(TABLES).content)


def test_the_page_shows_pending_writes_and_the_write_that_won_a_conflict(
    learner: Client,
) -> None:
    make_global(learner)
    learner.post(replication_url(), {"action": "pause", "region": EU})
    put(learner, "us-east-1", "ann", by="us")
    advance(learner, 1)
    put(learner, EU, "ann", by="eu")

    paused = learner.get(replication_url())
    assert by_testid(paused.content, "pending-count") == "2 writes not yet in every replica."
    assert "paused" in by_testid(paused.content, "replicas")

    learner.post(replication_url(), {"action": "resume", "region": EU})
    advance(learner, 1)
    page = learner.get(replication_url())

    lost = by_testid(page.content, "lost-writes")
    assert "Conflict:" in lost
    assert "written in us-east-1" in lost and "written in eu-west-1" in lost
    assert lost.index("us-east-1") < lost.index("lost to") < lost.index("eu-west-1")
    assert "customer = ann" in lost
    twin = learner.get(replication_url(), {"format": "json"}).json()
    [entry] = twin["LostWrites"]
    assert (entry["Lost"]["RegionName"], entry["Kept"]["RegionName"], entry["Concurrent"]) == (
        "us-east-1",
        EU,
        True,
    )
    kept = execute(
        learner,
        "GetItem",
        {"TableName": "Orders", "Key": {"customer": {"S": "ann"}, "order_date": {"S": "2024"}}},
    )
    assert kept["Item"]["by"] == {"S": "eu"}


def test_item_keys_on_the_page_are_escaped(learner: Client) -> None:
    make_global(learner)
    put(learner, "us-east-1", "<script>alert(1)</script>")

    page = learner.get(replication_url()).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_lag_is_set_from_the_page(learner: Client) -> None:
    make_global(learner)

    learner.post(replication_url(), {"action": "set_lag", "seconds": "30"})
    put(learner, "us-east-1", "bob")
    advance(learner, 29)

    twin = learner.get(replication_url(), {"format": "json"}).json()
    assert twin["ReplicationLagSeconds"] == 30.0
    assert twin["Writes"][-1]["Outcomes"][EU]["State"] == "pending"
    advance(learner, 1)
    twin = learner.get(replication_url(), {"format": "json"}).json()
    assert twin["Writes"][-1]["Outcomes"][EU]["State"] == "applied"


def test_removing_a_replica_from_the_page(learner: Client) -> None:
    make_global(learner)
    learner.post(replication_url(), {"action": "remove_replica", "region": EU})
    assert "A regional table" in text(learner.get(replication_url()).content)
    assert execute(learner, "ListTables", {}, region=EU) == {"TableNames": []}


def test_a_refused_change_is_shown_with_the_services_error(learner: Client) -> None:
    create_table(learner, "Orders", billing_mode="PROVISIONED")
    learner.post(replication_url(), {"action": "add_replica", "region": EU})
    page = text(learner.get(replication_url()).content)
    assert (
        "ValidationException: Table write capacity should either be Pay-Per-Request or "
        "AutoScaled." in page
    )


@pytest.mark.parametrize(
    "data",
    [
        {"action": "explode", "region": EU},
        {"action": "add_replica", "region": "mars-1"},
        {"action": "pause"},
        {"action": "set_lag", "seconds": "-1"},
        {"action": "set_lag", "seconds": "nan"},
        {"action": "set_lag", "seconds": "3601"},
        {"action": "set_lag"},
    ],
)
def test_every_bad_change_is_a_400(learner: Client, data: dict[str, str]) -> None:
    create_table(learner, "Orders")
    assert learner.post(replication_url(), data).status_code == 400


def test_the_replication_page_of_a_missing_table_is_a_404(learner: Client) -> None:
    assert learner.get(replication_url("Nope")).status_code == 404


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    fields=st.dictionaries(
        st.sampled_from(["action", "region", "seconds", "next"]),
        st.one_of(
            st.sampled_from(["add_replica", "pause", "resume", "set_lag", EU, "1e9", "0"]),
            st.text(max_size=40),
        ),
        max_size=4,
    )
)
def test_no_form_input_is_a_server_error(learner: Client, fields: dict[str, Any]) -> None:
    for url in (replication_url(), reverse("console:switch_region")):
        response = learner.post(url, fields)
        assert response.status_code < 500, (url, fields)


# ---------------------------------------------------------------------- main's pages, per Region
DAX_CLUSTER = {
    "ClusterName": "orders-cache",
    "NodeType": "dax.t3.small",
    "ReplicationFactor": 1,
    "IamRoleArn": "arn:aws:iam::000000000000:role/DAXServiceRole",
}


def test_the_table_pages_show_the_table_of_the_current_region(learner: Client) -> None:
    """Indexes, stream, TTL, backups and throughput read the table of the Region the learner
    works in: a table of that name in us-east-1 is another table."""
    create_table(learner, "Orders")  # us-east-1: no index, no stream, no TTL
    switch_region(learner, EU)
    create_table(
        learner,
        "Orders",
        gsi_0_name="ByStatus",
        gsi_0_pk="status",
        stream_view_type="NEW_IMAGE",
        ttl_attribute="exp",
        pitr="on",
    )
    assert execute(learner, "DescribeTimeToLive", {"TableName": "Orders"}, region=EU)[
        "TimeToLiveDescription"
    ]["TimeToLiveStatus"] == "ENABLED"  # fmt: skip
    put(learner, EU, "ann", status="open")

    def twin(name: str, *args: str) -> dict[str, Any]:
        response = learner.get(
            reverse(f"console:{name}", args=["Orders", *args]), {"format": "json"}
        )
        assert response.status_code == 200, response.content[:300]
        return json.loads(response.content)

    assert twin("ttl")["TimeToLiveStatus"] == "ENABLED"
    assert twin("stream")["Stream"]["StreamViewType"] == "NEW_IMAGE"
    assert twin("index_detail", "ByStatus")
    assert "Orders" in learner.get(reverse("console:backups", args=["Orders"])).content.decode()
    assert twin("throughput")

    switch_region(learner, "us-east-1")
    assert twin("ttl")["TimeToLiveStatus"] == "DISABLED"
    assert twin("stream")["Stream"] is None
    assert learner.get(
        reverse("console:index_detail", args=["Orders", "ByStatus"])
    ).status_code in (
        302,
        404,
    )


def test_the_dax_pages_show_the_clusters_of_the_current_region(learner: Client) -> None:
    create_table(learner, "Orders")
    execute(learner, "CreateCluster", DAX_CLUSTER, region=EU)

    here = json.loads(learner.get(reverse("console:dax"), {"format": "json"}).content)
    assert (here["Region"], here["Clusters"]) == ("us-east-1", [])
    missing = learner.get(reverse("console:dax_cluster", args=["orders-cache"]))
    assert missing.status_code == 404
    assert "us-east-1 has no such cluster" in text(missing.content)

    switch_region(learner, EU)
    there = json.loads(learner.get(reverse("console:dax"), {"format": "json"}).content)
    assert [cluster["name"] for cluster in there["Clusters"]] == ["orders-cache"]
    assert there["Clusters"][0]["region"] == EU
    assert learner.get(reverse("console:dax_cluster", args=["orders-cache"])).status_code == 200
    created = learner.post(
        reverse("console:dax"),
        {"name": "second", "node_type": "dax.t3.small", "nodes": "1", "parameter_group": ""},
    )
    assert created.status_code == 302
    assert execute(learner, "DescribeClusters", {})["Clusters"] == []
    names = [
        c["ClusterName"] for c in execute(learner, "DescribeClusters", {}, region=EU)["Clusters"]
    ]
    assert names == ["orders-cache", "second"]


def test_the_clock_page_and_simulation_settings_are_the_current_regions(learner: Client) -> None:
    switch_region(learner, EU)
    response = learner.post(reverse("console:simulation"), {"gsi_lag": "10", "next": "/clock/"})
    assert response.status_code == 302

    settings_eu = execute(learner, "DescribeSimulationSettings", {}, region=EU)
    settings_us = execute(learner, "DescribeSimulationSettings", {})
    assert settings_eu["SimulationSettings"]["GsiPropagationDelaySeconds"] == 10
    assert settings_us["SimulationSettings"]["GsiPropagationDelaySeconds"] == 0
    clock = json.loads(learner.get(reverse("console:clock"), {"format": "json"}).content)
    assert clock["Region"] == EU
    assert clock["SimulationSettings"]["GsiPropagationDelaySeconds"] == 10
