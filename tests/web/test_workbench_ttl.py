"""The TTL tab: turning TTL on, items on the timeline as the clock moves (live, expired but
still read, deleted with the service's REMOVE), the hiding filter, and the demo delay."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from dynalab.sandboxes import services as sandbox_services
from tests.support.workbench import by_testid, create_table, execute, sandbox_of, text

pytestmark = pytest.mark.django_db(transaction=True)

TTL = reverse("console:ttl", args=["Sessions"])


def sessions(client: Client) -> float:
    """A Sessions table with a stream and TTL on ``expiresAt``; returns the simulated now."""
    create_table(
        client,
        "Sessions",
        partition_key="id",
        sort_key="",
        stream_view_type="NEW_AND_OLD_IMAGES",
        ttl_attribute="expiresAt",
    )
    return sandbox_services.simulated_now(sandbox_of(client))


def put(client: Client, key: str, **attributes: dict) -> None:
    execute(client, "PutItem", {"TableName": "Sessions", "Item": {"id": {"S": key}, **attributes}})


def test_ttl_can_be_turned_on_from_the_tab(learner: Client) -> None:
    create_table(learner, "Sessions", partition_key="id", sort_key="")
    assert "Time to live is off" in text(learner.get(TTL).content)

    empty = learner.post(TTL, {"attribute": ""})
    assert empty.status_code == 400
    assert "Name the attribute" in empty.content.decode()
    assert learner.post(TTL, {"attribute": "expiresAt"}).status_code == 302

    page = learner.get(TTL)
    assert "Time to live is on" in text(page.content)
    assert "TTL on, expiresAt" in by_testid(page.content, "table-glance")
    # The service allows one change an hour; its message is shown beside the field.
    refused = learner.post(TTL, {"disable": "1"})
    assert refused.status_code == 400
    assert "modified multiple times within a fixed interval" in refused.content.decode()


def test_an_item_expires_stays_readable_then_is_deleted_by_the_service(learner: Client) -> None:
    now = sessions(learner)
    learner.post(reverse("console:simulation"), {"ttl_delay": "3600", "next": TTL})
    put(learner, "soon", expiresAt={"N": str(int(now) + 120)})
    put(learner, "later", expiresAt={"N": str(int(now) + 30 * 86400)})
    put(learner, "never")

    page = learner.get(TTL)
    assert by_testid(page.content, "ttl-counts") == (
        "2 live items · 0 expired, not yet deleted · 0 deleted"
    )
    assert "1 item has no Number in the attribute" in text(page.content)
    assert "1 hour after expiry (demo)" in by_testid(page.content, "ttl-delay")
    # What the clock brings next: one deletion, an hour after the first expiry.
    assert "Next: in 1 h 2 min, TTL deletes 1 item from Sessions" in by_testid(
        page.content, "clock-next"
    )

    learner.post(reverse("console:advance_clock"), {"seconds": "300"})
    page = learner.get(TTL)
    assert by_testid(page.content, "ttl-counts") == (
        "1 live item · 1 expired, not yet deleted · 0 deleted"
    )
    assert "expired 3 min ago, still returned by reads" in text(page.content)
    scan = execute(learner, "Scan", {"TableName": "Sessions"})
    assert scan["Count"] == 3  # the expired item is still there
    # The filter the page shows hides it.
    filtered = learner.get(TTL, {"format": "json"}).json()
    assert filtered["Items"][0]["State"] == "expired"
    assert "attribute_not_exists(#ttl) OR #ttl &gt; :now" in by_testid(page.content, "ttl-filter")

    learner.post(reverse("console:advance_clock"), {"seconds": "3600"})
    page = learner.get(TTL)
    assert by_testid(page.content, "ttl-counts") == (
        "1 live item · 0 expired, not yet deleted · 1 deleted"
    )
    html = page.content.decode()
    assert "1 h after it expired" in text(html)
    assert "The stream holds its REMOVE, made by the service principal" in text(html)
    link = html.split("see the record")[0].rsplit('href="', 1)[1].split('"')[0]
    record = learner.get(link.replace("&amp;", "&"))
    assert by_testid(record.content, "event-name") == "REMOVE"
    assert "by TTL: the service principal dynamodb.amazonaws.com made it" in text(record.content)


def test_the_hiding_filter_runs_in_the_query_builder(learner: Client) -> None:
    now = sessions(learner)
    learner.post(reverse("console:simulation"), {"ttl_delay": "spread", "next": TTL})
    put(learner, "gone", expiresAt={"N": str(int(now) - 10)})
    put(learner, "fine", expiresAt={"N": str(int(now) + 86400)})
    page = learner.get(TTL)
    href = (
        page.content.decode()
        .split("Run this Scan in the builder")[0]
        .rsplit('href="', 1)[1]
        .split('"')[0]
        .replace("&amp;", "&")
    )
    result = learner.get(href + "&format=json").json()
    assert [item["id"]["S"] for item in result["Items"]] == ["fine"]
    assert result["ScannedCount"] == 2


def test_the_demo_delay_refuses_other_choices(learner: Client) -> None:
    sessions(learner)
    response = learner.post(reverse("console:simulation"), {"ttl_delay": "7", "next": TTL})
    assert response.status_code == 302
    page = learner.get(TTL)
    assert "Choose a TTL deletion delay from the list" in page.content.decode()
    assert "spread out (as DynamoDB)" in by_testid(page.content, "ttl-delay")


def test_the_twin_lists_every_item_with_its_state(learner: Client) -> None:
    now = sessions(learner)
    put(learner, "a", expiresAt={"N": str(int(now) + 60)})
    twin = learner.get(TTL, {"format": "json"}).json()
    assert (twin["TimeToLiveStatus"], twin["AttributeName"]) == ("ENABLED", "expiresAt")
    (item,) = twin["Items"]
    assert item["State"] == "live" and item["ExpiresAt"] == int(now) + 60
    assert json.dumps(twin)  # plain data
