"""The Indexes tab: indexes with their backfill, adding and deleting a GSI, one index against
its table (the sparse overlay, Scan against Query, propagation lag), and the JSON twins."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.workbench import by_testid, create_table, execute, text

pytestmark = pytest.mark.django_db(transaction=True)


def orders_with_a_sparse_index(client: Client, *, returned: int = 3, others: int = 12) -> None:
    """Orders whose GSI ``Returned`` (partition key returnedAt) holds only returned orders."""
    response = create_table(
        client,
        "Orders",
        partition_key="pk",
        sort_key="",
        gsi_0_name="Returned",
        gsi_0_pk="status",
        gsi_0_pk_type="S",
        gsi_0_sk="returnedAt",
        gsi_0_sk_type="N",
        gsi_0_projection="INCLUDE",
        gsi_0_include="total",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    execute(client, "UpdateSimulationSettings", {"GsiPropagationDelaySeconds": 0})
    for number in range(others):
        execute(
            client,
            "PutItem",
            {"TableName": "Orders", "Item": {"pk": {"S": f"o{number:02d}"}, "total": {"N": "5"}}},
        )
    for number in range(returned):
        execute(
            client,
            "PutItem",
            {
                "TableName": "Orders",
                "Item": {
                    "pk": {"S": f"r{number:02d}"},
                    "status": {"S": "RETURNED"},
                    "returnedAt": {"N": str(1000 + number)},
                    "total": {"N": "9"},
                },
            },
        )


def test_the_tab_lists_each_index_with_keys_projection_and_counts(learner: Client) -> None:
    orders_with_a_sparse_index(learner)

    response = learner.get(reverse("console:indexes", args=["Orders"]))

    assert response.status_code == 200
    card = by_testid(response.content, "index-Returned")
    assert "Partition key status (S), sort key returnedAt (N)" in card
    assert "projection INCLUDE ( total )" in card
    assert "3 of 15" in card and "Sparse? yes" in card
    glance = by_testid(response.content, "table-glance")
    assert "GSI Returned" in glance and "Stream off" in glance
    twin = learner.get(reverse("console:indexes", args=["Orders"]), {"format": "json"}).json()
    (index,) = twin["Indexes"]
    assert (index["IndexName"], index["ItemCount"], index["NonKeyAttributes"]) == (
        "Returned",
        3,
        ["total"],
    )


def test_adding_an_index_backfills_it_on_the_clock(learner: Client) -> None:
    orders_with_a_sparse_index(learner)
    url = reverse("console:indexes", args=["Orders"])

    response = learner.post(
        url,
        {
            "index_name": "ByTotal",
            "partition_key_name": "total",
            "partition_key_type": "N",
            "projection": "KEYS_ONLY",
        },
    )

    assert response.status_code == 302
    page = learner.get(url)
    card = by_testid(page.content, "index-ByTotal")
    assert "CREATING" in card and re.search(r"Backfilling: \d+% of the table's items", card)
    assert re.search(r"backfilling \d+%", by_testid(page.content, "table-glance"))
    twin = learner.get(url, {"format": "json"}).json()
    creating = next(i for i in twin["Indexes"] if i["IndexName"] == "ByTotal")
    # The simulated clock follows the wall clock: a few milliseconds of a 5-second backfill.
    assert creating["Status"] == "CREATING" and 0.0 <= creating["BackfillProgress"] < 0.2
    learner.post(reverse("console:advance_clock"), {"seconds": "60"})
    card = by_testid(learner.get(url).content, "index-ByTotal")
    assert "ACTIVE" in card and "15 of 15" in card


def test_adding_an_index_shows_the_services_error_beside_the_field(learner: Client) -> None:
    orders_with_a_sparse_index(learner)

    response = learner.post(
        reverse("console:indexes", args=["Orders"]),
        {
            "index_name": "Returned",
            "partition_key_name": "status",
            "partition_key_type": "S",
            "projection": "ALL",
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    errors = html.split('id="id_index_name-errors"')[1].split("</ul>")[0]
    assert "Attempting to create an index which already exists" in errors


def test_deleting_an_index_asks_first(learner: Client) -> None:
    orders_with_a_sparse_index(learner)
    url = reverse("console:delete_index", args=["Orders", "Returned"])

    confirm = learner.get(url)
    assert confirm.status_code == 200
    assert "Delete index Returned?" in text(confirm.content)
    assert learner.get(url, {"format": "json"}).json()["ItemCount"] == 3
    assert learner.post(url).status_code == 302
    description = execute(learner, "DescribeTable", {"TableName": "Orders"})["Table"]
    assert "GlobalSecondaryIndexes" not in description
    assert description["ItemCount"] == 15


def test_the_overlay_says_which_items_are_in_the_index_and_why(learner: Client) -> None:
    orders_with_a_sparse_index(learner)
    url = reverse("console:index_detail", args=["Orders", "Returned"])

    response = learner.get(url)

    assert response.status_code == 200
    assert "3 items in the index, of 15 in the table" in by_testid(response.content, "index-counts")
    legend = by_testid(response.content, "overlay-legend")
    assert "in the index (3)" in legend and "missing a key attribute (12)" in legend
    members = text(response.content.decode().split('data-testid="members"')[1])
    assert "pk = o00 no no status attribute, so not in the index (the index is sparse)" in members
    assert "pk = r00 status = RETURNED returnedAt = 1000 yes in the index; holds" in members
    twin = learner.get(url, {"format": "json"}).json()
    statuses = {member["Key"]: member["Status"] for member in twin["Members"]}
    assert statuses["pk = r01, status = RETURNED, returnedAt = 1001"] == "in_index"
    assert statuses["pk = o03"] == "missing_attribute"
    assert (twin["TableItemCount"], twin["IndexItemCount"]) == (15, 3)


def test_a_scan_with_a_filter_against_a_query_of_the_sparse_index(learner: Client) -> None:
    orders_with_a_sparse_index(learner, returned=3, others=40)
    url = reverse("console:index_detail", args=["Orders", "Returned"])

    response = learner.get(url, {"value": "RETURNED"})

    assert response.status_code == 200
    summary = by_testid(response.content, "sparse-summary")
    assert "Both found 3 items" in summary
    assert by_testid(response.content, "sparse-scan-scanned") == "43"
    assert by_testid(response.content, "sparse-query-scanned") == "3"
    html = response.content.decode()
    assert "attribute_type(#sk0, :sk0)" in html  # the filter states the index's rule
    twin = learner.get(url, {"value": "RETURNED", "format": "json"}).json()
    assert twin["Comparison"]["Scan"]["ScannedCount"] == 43
    assert twin["Comparison"]["Query"] == {
        "ScannedCount": 3,
        "Count": 3,
        "CapacityUnits": 0.5,
        "Pages": 1,
    }
    empty = learner.get(url, {"value": ""})
    assert empty.status_code == 400
    assert "Enter a value of status" in empty.content.decode()


def test_propagation_lag_shows_the_old_entry_until_the_clock_moves(learner: Client) -> None:
    orders_with_a_sparse_index(learner)
    url = reverse("console:index_detail", args=["Orders", "Returned"])
    learner.post(reverse("console:simulation"), {"gsi_lag": "60", "next": url})
    page = learner.get(url)
    assert "Now: 1 min" in by_testid(page.content, "lag-now")

    response = learner.post(
        url, {"item": '{"pk": "r99", "status": "RETURNED", "returnedAt": 5000, "total": 1}'}
    )

    assert response.status_code == 200
    result = by_testid(response.content, "probe-result")
    assert "PutItem succeeded, yet the Query of the index right after it returned 3 items" in result
    assert "without pk = r99" in result
    assert "r99" in by_testid(response.content, "pending-writes")
    learner.post(reverse("console:advance_clock"), {"seconds": "60"})
    after = learner.get(url)
    assert "None: the index shows every write" in by_testid(after.content, "pending-writes")
    assert "4 items in the index" in by_testid(after.content, "index-counts")
    # Back to no lag: the next write is in the index at once.
    learner.post(reverse("console:simulation"), {"gsi_lag": "0", "next": url})
    found = learner.post(url, {"item": '{"pk": "r98", "status": "RETURNED", "returnedAt": 1}'})
    assert "already returns" in by_testid(found.content, "probe-result")


def test_a_probe_item_without_the_index_key_is_explained(learner: Client) -> None:
    orders_with_a_sparse_index(learner)
    response = learner.post(
        reverse("console:index_detail", args=["Orders", "Returned"]), {"item": '{"pk": "x"}'}
    )
    assert response.status_code == 400
    assert "Give the item a status attribute" in by_testid(response.content, "probe-result")


def test_choosing_an_index_relabels_the_query_builders_key_fields(learner: Client) -> None:
    orders_with_a_sparse_index(learner)

    response = learner.get(
        reverse("console:query"), {"table": "Orders", "index": "Returned"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    keys = by_testid(response.content, "builder-keys")
    assert "Keys of Returned: status (S), returnedAt (N)" in keys
    assert 'for="q-pk"' in response.content.decode()
    assert "status =" in text(response.content)
    assert response.context["outcome"].result is None  # choosing runs nothing


def test_an_unknown_index_goes_back_to_the_tab(learner: Client) -> None:
    orders_with_a_sparse_index(learner)
    response = learner.get(reverse("console:index_detail", args=["Orders", "Nope"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("console:indexes", args=["Orders"])
