"""The throughput tab: buckets and burst pool, and a burst of writes that throttles."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.workbench import by_testid, execute, text

pytestmark = pytest.mark.django_db(transaction=True)


def provisioned_table(client: Client, write: int = 5) -> None:
    client.get(reverse("console:tables"))  # the visitor's sandbox
    execute(
        client,
        "CreateTable",
        {
            "TableName": "Ledger",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": write},
        },
    )


def test_a_new_table_shows_full_buckets_and_an_empty_burst_pool(learner: Client) -> None:
    provisioned_table(learner)
    page = learner.get(reverse("console:throughput", args=["Ledger"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Write: 5 WCU a second" in html
    assert "5 / 5" in html  # the bucket is full
    assert " / 1500" in html  # the burst pool holds 300 s x 5 WCU at most
    state = learner.get(reverse("console:throughput", args=["Ledger"]) + "?format=json").json()
    write = state["Table"]["Write"]
    assert (write["Rate"], write["Level"], write["BurstCapacity"]) == (5.0, 5.0, 1500.0)
    # The simulated clock follows the wall clock: the pool has only the moments since
    # CreateTable in it.
    assert 0 <= write["BurstPool"] < 1


def test_a_burst_throttles_once_bucket_and_pool_are_spent(learner: Client) -> None:
    provisioned_table(learner, write=5)
    # A brand-new table holds one second of capacity: five 1 KB writes, then throttling.
    page = learner.post(
        reverse("console:throughput", args=["Ledger"]), {"count": "8", "size_kb": "1"}
    )
    html = page.content.decode()
    assert "<strong>5</strong> of 8 writes of 1 KB went through" in html
    assert "<strong>3</strong> were throttled, the first at write 6" in html
    assert "Throttled" in html  # the decision log names the refusal
    # After a minute of idling, 5 refill the bucket and 295 go to the burst pool.
    learner.post(reverse("console:advance_clock"), {"seconds": "60"})
    state = learner.get(reverse("console:throughput", args=["Ledger"]) + "?format=json").json()
    write = state["Table"]["Write"]
    assert write["Level"] == 5.0
    # Plus the wall-clock moments between calls (5 WCU each second): a loaded machine's.
    assert 295 <= write["BurstPool"] < 300


def test_bad_burst_sizes_are_refused_with_the_numbers_kept(learner: Client) -> None:
    provisioned_table(learner)
    page = learner.post(
        reverse("console:throughput", args=["Ledger"]), {"count": "9999", "size_kb": "x"}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "Enter a whole number from 1 to 500." in html
    assert "Enter a whole number from 1 to 10." in html
    assert 'value="9999"' in html


def test_a_burst_leaves_no_items_behind_and_the_header_is_current(learner: Client) -> None:
    provisioned_table(learner, write=5)
    execute(learner, "PutItem", {"TableName": "Ledger", "Item": {"id": {"S": "real"}}})

    page = learner.post(
        reverse("console:throughput", args=["Ledger"]), {"count": "20", "size_kb": "2"}
    )

    assert execute(learner, "Scan", {"TableName": "Ledger"})["Count"] == 1
    assert by_testid(page.content, "table-item-count") == "1 item"
    assert "of 20 writes of 2 KB went through" in by_testid(page.content, "burst-result")
    html = page.content.decode()
    # Each decision says "allowed" or "throttled" once.
    assert "Throttled throttled" not in text(html) and "Allowed write" not in text(html)
    assert "Write throttled" in text(html)


def test_the_consumed_counts_are_worded_for_one(learner: Client) -> None:
    provisioned_table(learner, write=5)
    learner.post(reverse("console:throughput", args=["Ledger"]), {"count": "6", "size_kb": "1"})
    page = text(learner.get(reverse("console:throughput", args=["Ledger"])).content)
    assert "0 reads, 1 write" in page
