"""The Stream tab: turning a stream on, shards, stepping record by record with old and new
images, what each view type holds, triggers, and the JSON twin."""

from __future__ import annotations

from html import unescape as html_unescape

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.workbench import by_testid, create_table, execute, text

pytestmark = pytest.mark.django_db(transaction=True)

STREAM = reverse("console:stream", args=["Orders"])


def orders_with_changes(client: Client, view_type: str = "NEW_AND_OLD_IMAGES") -> None:
    create_table(client, "Orders")
    assert client.post(STREAM, {"view_type": view_type}).status_code == 302
    key = {"customer": {"S": "ann"}, "order_date": {"S": "2024-01-01"}}
    execute(client, "PutItem", {"TableName": "Orders", "Item": {**key, "total": {"N": "10"}}})
    execute(
        client,
        "UpdateItem",
        {
            "TableName": "Orders",
            "Key": key,
            "UpdateExpression": "SET #t = :t, note = :n",
            "ExpressionAttributeNames": {"#t": "total"},
            "ExpressionAttributeValues": {":t": {"N": "12"}, ":n": {"S": "gift"}},
        },
    )
    execute(client, "DeleteItem", {"TableName": "Orders", "Key": key})


def test_without_a_stream_the_tab_says_how_to_start(learner: Client) -> None:
    create_table(learner, "Orders")
    response = learner.get(STREAM)
    assert response.status_code == 200
    assert "No stream yet" in text(response.content)
    assert learner.get(STREAM, {"format": "json"}).json()["Stream"] is None


def test_a_view_type_must_be_chosen(learner: Client) -> None:
    create_table(learner, "Orders")
    response = learner.post(STREAM, {"view_type": "EVERYTHING"})
    assert response.status_code == 400
    assert "Choose what each record holds" in response.content.decode()


def test_stepping_through_the_records_from_trim_horizon(learner: Client) -> None:
    orders_with_changes(learner)

    first = learner.get(STREAM)

    assert first.status_code == 200
    assert by_testid(first.content, "event-name") == "INSERT"
    assert "1 record" not in by_testid(first.content, "shards")  # three records kept
    assert "3 records" in by_testid(first.content, "shards")
    twin = learner.get(STREAM, {"format": "json"}).json()
    step = twin["Step"]
    assert step["Record"]["EventName"] == "INSERT" and step["PreviousPosition"] is None
    second = learner.get(STREAM, {"shard": step["ShardId"], "position": step["NextPosition"]})
    assert by_testid(second.content, "event-name") == "MODIFY"
    html = second.content.decode()
    # Old and new side by side: total changed, note added, the keys the same.
    assert 'data-change="changed"' in html and 'data-change="added"' in html
    images = html_unescape(text(html.split('data-testid="images"')[1].split("</table>")[0]))
    assert 'total (changed) {"N": "10"} {"N": "12"}' in images
    assert 'note (added) — {"S": "gift"}' in images
    rows = text(html.split("What each view type would hold")[1].split("</ul>")[0])
    assert "KEYS_ONLY : only the key attributes" in rows
    assert "NEW_AND_OLD_IMAGES this stream" in rows
    second_twin = learner.get(
        STREAM, {"shard": step["ShardId"], "position": step["NextPosition"], "format": "json"}
    ).json()["Step"]
    third = learner.get(STREAM, {"shard": step["ShardId"], "position": second_twin["NextPosition"]})
    assert by_testid(third.content, "event-name") == "REMOVE"
    back = learner.get(
        STREAM, {"shard": step["ShardId"], "position": second_twin["PreviousPosition"]}
    )
    assert by_testid(back.content, "event-name") == "INSERT"
    latest = learner.get(STREAM, {"shard": step["ShardId"], "position": "latest"})
    assert "the iterator waits at the end of the open shard" in by_testid(
        latest.content, "no-record"
    )
    # The page shows the calls an SDK makes for the same step.
    assert "get_shard_iterator(" in html and "dynamodbstreams" in html


def test_a_new_image_stream_says_the_old_image_is_not_kept(learner: Client) -> None:
    orders_with_changes(learner, "NEW_IMAGE")
    twin = learner.get(STREAM, {"format": "json"}).json()["Step"]
    modify = learner.get(STREAM, {"shard": twin["ShardId"], "position": twin["NextPosition"]})
    html = modify.content.decode()
    assert "This stream keeps the whole item as it was after the change" in text(html)
    assert "not kept by this stream (NEW_IMAGE)" in text(html)


def test_a_bad_position_falls_back_to_the_oldest_record(learner: Client) -> None:
    orders_with_changes(learner)
    response = learner.get(STREAM, {"shard": "nope", "position": "9" * 5000})
    assert response.status_code == 200
    assert by_testid(response.content, "event-name") == "INSERT"


def test_a_trigger_copies_changes_into_another_table(learner: Client) -> None:
    orders_with_changes(learner)
    create_table(learner, "OrdersCopy")

    response = learner.post(
        reverse("console:create_trigger", args=["Orders"]),
        {"handler": "copy_to_table", "target": "OrdersCopy", "starting_position": "TRIM_HORIZON"},
    )

    assert response.status_code == 302
    page = learner.get(STREAM)
    trigger = by_testid(page.content, "trigger")
    assert "copy_to_table → OrdersCopy" in trigger
    assert "Records processed 3" in trigger
    assert "stand-in" in text(page.content)
    execute(
        learner,
        "PutItem",
        {"TableName": "Orders", "Item": {"customer": {"S": "bo"}, "order_date": {"S": "x"}}},
    )
    copied = execute(learner, "Scan", {"TableName": "OrdersCopy"})
    assert copied["Count"] == 1
    trigger_id = learner.get(STREAM, {"format": "json"}).json()["Triggers"][0]["TriggerId"]
    learner.post(reverse("console:delete_trigger", args=["Orders"]), {"trigger_id": trigger_id})
    assert learner.get(STREAM, {"format": "json"}).json()["Triggers"] == []


def test_a_refused_trigger_says_why(learner: Client) -> None:
    orders_with_changes(learner, "KEYS_ONLY")
    response = learner.post(
        reverse("console:create_trigger", args=["Orders"]),
        {"handler": "copy_to_table", "target": "Orders"},
        follow=True,
    )
    assert "needs a stream whose StreamViewType is NEW_IMAGE or NEW_AND_OLD_IMAGES" in (
        response.content.decode()
    )


def test_turning_the_stream_off_keeps_its_records_readable(learner: Client) -> None:
    orders_with_changes(learner)
    assert learner.post(STREAM, {"disable": "1"}).status_code == 302
    twin = learner.get(STREAM, {"format": "json"}).json()
    assert twin["Stream"]["StreamStatus"] == "DISABLED"
    assert twin["Stream"]["Shards"][0]["ClosedAt"] is not None
    assert twin["Step"]["Record"]["EventName"] == "INSERT"
