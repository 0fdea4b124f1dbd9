"""The DAX pages: clusters listed and created, parameter groups, a cluster's nodes, caches
with their remaining TTL and statistics, and the stale-read demonstration."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynalab.sandboxes import selectors
from dynalab.sandboxes import services as sandbox_services

pytestmark = pytest.mark.django_db


def sandbox_of(client: Client):
    client.get("/tables/")  # the session gets its sandbox
    from dynalab.sandboxes.models import Sandbox

    return Sandbox.objects.get(session_key=client.session.session_key)


def create(client: Client, name: str = "books-cache", **fields: str) -> object:
    data = {
        "name": name,
        "node_type": "dax.t3.small",
        "nodes": "2",
        "parameter_group": "default.dax1.0",
    }
    data.update(fields)
    return client.post("/dax-clusters/", data)


def available(client: Client, name: str = "books-cache") -> None:
    response = create(client, name)
    assert response.status_code == 302
    sandbox_services.advance_clock(sandbox_of(client), 60)


def make_table(client: Client) -> None:
    response = client.post(
        "/tables/new/",
        {
            "table_name": "Books",
            "partition_key_name": "isbn",
            "partition_key_type": "S",
            "sort_key_name": "",
            "sort_key_type": "S",
            "billing_mode": "PAY_PER_REQUEST",
        },
    )
    assert response.status_code == 302


def test_the_page_starts_empty_and_says_what_dax_is(learner: Client) -> None:
    response = learner.get("/dax-clusters/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "No clusters yet" in page
    assert 'href="/dax-clusters/" aria-current="page"' in page
    assert "Real applications use the DAX client SDK" in page
    twin = learner.get("/dax-clusters/?format=json").json()
    assert twin["Clusters"] == []
    assert [group["name"] for group in twin["ParameterGroups"]] == ["default.dax1.0"]


def test_a_cluster_made_from_the_page_starts_then_becomes_available(learner: Client) -> None:
    response = create(learner, "Books-Cache", nodes="3")
    assert response.status_code == 302
    assert response["Location"] == "/dax-clusters/books-cache/"

    page = learner.get("/dax-clusters/books-cache/").content.decode()
    assert 'data-testid="cluster-status">creating<' in page
    assert "advance the clock" in page.lower()
    assert "CreateCluster" in page  # what just ran, as code for the dax client and CLI
    assert "aws dax create-cluster" in page
    assert "boto3.client(\n    &quot;dax&quot;" in page

    sandbox_services.advance_clock(sandbox_of(learner), 60)
    page = learner.get("/dax-clusters/books-cache/").content.decode()
    assert 'data-testid="cluster-status">available<' in page
    assert "http://testserver/dax/books-cache/" in page
    assert page.count("read replica") == 2 and "primary" in page
    listing = learner.get("/dax-clusters/").content.decode()
    assert "3 of 3 available" in listing
    twin = learner.get("/dax-clusters/books-cache/?format=json").json()
    assert twin["status"] == "available"
    assert twin["endpoint_url"] == "http://testserver/dax/books-cache/"
    assert len(twin["nodes"]) == 3


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"name": "<b>2fast</b>"},
            "InvalidParameterValueException: Cluster ID specified is not a valid identifier",
        ),
        ({"nodes": "12"}, "Ensure this value is less than or equal to 11."),
        ({"nodes": "many"}, "Enter a whole number."),
        ({"node_type": "dax.r3.large"}, "Select a valid choice."),
        ({"parameter_group": "nope"}, "Select a valid choice."),
    ],
)
def test_a_cluster_the_service_refuses_is_explained_beside_the_form(
    learner: Client, fields: dict[str, str], message: str
) -> None:
    response = create(learner, **fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "<b>2fast</b>" not in page  # what the learner typed is escaped
    assert selectors.dax_clusters(sandbox_of(learner)) == ()


def test_a_taken_name_is_the_services_fault(learner: Client) -> None:
    create(learner, "cache")
    response = create(learner, "CACHE")
    assert response.status_code == 400
    assert "ClusterAlreadyExistsFault" in response.content.decode()


def test_parameter_groups_from_the_page(learner: Client) -> None:
    response = learner.post(
        "/dax-clusters/parameter-groups/",
        {"name": "Short-TTL", "record_ttl_millis": "10000", "query_ttl_millis": "0"},
    )
    assert response.status_code == 302
    page = learner.get("/dax-clusters/").content.decode()
    assert "short-ttl" in page and "items 10,000 ms · queries 0 ms" in page
    assert '<option value="short-ttl">' in page  # offered to new clusters

    create(learner, "quick", parameter_group="short-ttl")
    sandbox_services.advance_clock(sandbox_of(learner), 60)
    assert "TTL 10,000 ms" in learner.get("/dax-clusters/quick/").content.decode()

    again = learner.post(
        "/dax-clusters/parameter-groups/",
        {"name": "short-ttl", "record_ttl_millis": "1", "query_ttl_millis": "1"},
    )
    assert again.status_code == 400
    assert "ParameterGroupAlreadyExistsFault" in again.content.decode()
    negative = learner.post(
        "/dax-clusters/parameter-groups/",
        {"name": "other", "record_ttl_millis": "-1", "query_ttl_millis": "1"},
    )
    assert negative.status_code == 400


def test_an_unknown_cluster_is_a_404_page_and_the_services_error(learner: Client) -> None:
    response = learner.get("/dax-clusters/nope/")
    assert response.status_code == 404
    assert "No DAX cluster named" in response.content.decode()
    twin = learner.get("/dax-clusters/nope/?format=json")
    assert twin.status_code == 404
    assert twin.json()["__type"] == "ClusterNotFoundFault"


def test_the_stale_read_demonstration_tells_the_story(learner: Client) -> None:
    make_table(learner)
    available(learner)

    response = learner.post(
        "/dax-clusters/books-cache/stale-read/", {"table": "Books", "action": "run"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "A stale read." in page
    assert "version 1, written through DAX" in page
    assert "version 2, written straight to the table" in page
    assert page.count(">hit<") == 2  # both reads through DAX
    assert ">write-through<" in page
    assert "in <strong>5m 0s</strong> of simulated time" in page
    # The caches show the demo item with its remaining TTL.
    detail = learner.get("/dax-clusters/books-cache/").content.decode()
    assert "dax-demo" in detail and "5m 0s" in detail
    assert "version 1, written through DAX" in detail

    sandbox_services.advance_clock(sandbox_of(learner), 299)
    still = learner.post(
        "/dax-clusters/books-cache/stale-read/", {"table": "Books", "action": "again"}
    )
    assert "A stale read." in still.content.decode()
    assert "<strong>1s</strong>" in still.content.decode()
    sandbox_services.advance_clock(sandbox_of(learner), 1)
    fresh = learner.post(
        "/dax-clusters/books-cache/stale-read/", {"table": "Books", "action": "again"}
    )
    page = fresh.content.decode()
    assert "Current." in page and "its entry had expired" in page
    assert ">miss<" in page
    stats = selectors.dax_cluster(sandbox_of(learner), "books-cache").statistics
    assert (stats.item_hits, stats.item_misses, stats.write_throughs) == (3, 1, 1)
    activity = learner.get("/activity/").content.decode()
    assert "through DAX books-cache: miss" in activity
    assert "through DAX books-cache: hit" in activity


def test_the_demonstration_needs_an_available_cluster_and_a_table(learner: Client) -> None:
    make_table(learner)
    create(learner)  # still creating
    response = learner.post("/dax-clusters/books-cache/stale-read/", {"table": "Books"})
    assert response.status_code == 400
    assert "InvalidClusterStateFault" in response.content.decode()
    missing = learner.post("/dax-clusters/books-cache/stale-read/", {"table": "Nope"})
    assert missing.status_code == 400
    assert "Select a valid choice." in missing.content.decode()


def test_nodes_are_added_and_removed_from_the_page(learner: Client) -> None:
    available(learner)
    response = learner.post("/dax-clusters/books-cache/nodes/", {"nodes": "4"})
    assert response.status_code == 302
    page = learner.get("/dax-clusters/books-cache/").content.decode()
    assert 'data-testid="cluster-status">modifying<' in page
    assert "IncreaseReplicationFactor" in page
    sandbox_services.advance_clock(sandbox_of(learner), 60)
    learner.post("/dax-clusters/books-cache/nodes/", {"nodes": "1"})
    view = selectors.dax_cluster(sandbox_of(learner), "books-cache")
    assert [node.status for node in view.nodes] == ["available", "deleting", "deleting", "deleting"]

    refused = learner.post("/dax-clusters/books-cache/nodes/", {"nodes": "0"})
    assert refused.status_code == 400
    busy = learner.post("/dax-clusters/books-cache/nodes/", {"nodes": "2"})
    assert busy.status_code == 400
    assert "InvalidClusterStateFault" in busy.content.decode()


def test_a_cluster_is_deleted_from_the_page(learner: Client) -> None:
    available(learner)
    response = learner.post("/dax-clusters/books-cache/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/dax-clusters/"
    assert "is deleting" in response.content.decode()
    assert ">deleting<" in response.content.decode()
    sandbox_services.advance_clock(sandbox_of(learner), 30)
    assert learner.get("/dax-clusters/books-cache/").status_code == 404


def test_the_pages_forms_are_csrf_protected(db: None) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.get("/dax-clusters/")
    for path in (
        "/dax-clusters/",
        "/dax-clusters/parameter-groups/",
        "/dax-clusters/books-cache/nodes/",
        "/dax-clusters/books-cache/delete/",
        "/dax-clusters/books-cache/stale-read/",
    ):
        assert strict.post(path, {"name": "x"}).status_code == 403


def test_gets_only_where_nothing_changes(learner: Client) -> None:
    available(learner)
    for path in ("/dax-clusters/books-cache/nodes/", "/dax-clusters/books-cache/delete/"):
        assert learner.get(path).status_code == 405
    assert learner.post("/dax-clusters/books-cache/", {}).status_code == 405


def test_the_json_twin_lists_entries_and_statistics(learner: Client) -> None:
    make_table(learner)
    available(learner)
    learner.post("/dax-clusters/books-cache/stale-read/", {"table": "Books"})
    twin = learner.get("/dax-clusters/books-cache/?format=json").json()
    assert twin["statistics"]["item_hits"] == 2
    entry = twin["item_entries"][0]
    assert entry["key"] == {"isbn": {"S": "dax-demo"}}
    assert entry["remaining_seconds"] == pytest.approx(300, abs=1)
    assert json.dumps(twin)  # plain data all the way down


form_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "0", "1", "11", "12", "-1", "1e3", "dax.t3.small", "books-cache", "\x00"]),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(
        [
            "/dax-clusters/",
            "/dax-clusters/parameter-groups/",
            "/dax-clusters/books-cache/nodes/",
            "/dax-clusters/books-cache/delete/",
            "/dax-clusters/books-cache/stale-read/",
            "/dax-clusters/n%C3%B6pe/stale-read/",
        ]
    ),
    data=st.dictionaries(
        st.sampled_from(
            [
                "name",
                "node_type",
                "nodes",
                "parameter_group",
                "record_ttl_millis",
                "query_ttl_millis",
                "table",
                "action",
            ]
        ),
        form_text,
        max_size=6,
    ),
)
def test_whatever_a_form_is_sent_the_answer_is_never_a_500(
    learner: Client, path: str, data: dict[str, str]
) -> None:
    response = learner.post(path, data)
    assert response.status_code in (200, 302, 400, 404), (path, data, response.status_code)
