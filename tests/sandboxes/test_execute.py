"""execute(): the one way to touch a sandbox; what it journals and what it records."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from dynalab.sandboxes import journal, selectors, services
from dynalab.sandboxes.models import Activity, JournalEntry, Sandbox
from engine.errors import (
    ConditionalCheckFailedException,
    ResourceNotFoundException,
    SerializationException,
    UnknownOperationException,
)
from tests.support import sandboxes as helpers

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_write_then_a_read_round_trip(sandbox_with_table: Sandbox) -> None:
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1, title="Blue"))

    response = services.execute(sandbox_with_table, "GetItem", helpers.get_item(1))

    assert response == {"Item": {"pk": {"S": "artist"}, "sk": {"N": "1"}, "title": {"S": "Blue"}}}


def test_writes_are_journaled_in_order_and_bump_the_sequence(sandbox_with_table: Sandbox) -> None:
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))
    services.execute(sandbox_with_table, "DeleteItem", helpers.key(1))

    entries = list(JournalEntry.objects.filter(sandbox=sandbox_with_table))
    assert [(e.sequence, e.operation) for e in entries] == [
        (1, "CreateTable"),
        (2, "PutItem"),
        (3, "DeleteItem"),
    ]
    sandbox_with_table.refresh_from_db()
    assert sandbox_with_table.last_sequence == 3
    assert entries[1].at <= entries[2].at


def test_reads_are_recorded_and_journaled_only_when_they_change_state(
    sandbox_with_table: Sandbox,
) -> None:
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))
    journal_before = JournalEntry.objects.count()

    # Describing and listing change nothing; reading an on-demand table draws no bucket that
    # is part of the state (its read accounting stays in the worker's memory).
    services.execute(sandbox_with_table, "DescribeTable", {"TableName": helpers.TABLE})
    services.execute(sandbox_with_table, "ListTables", {})
    services.execute(sandbox_with_table, "Query", helpers.query())
    services.execute(sandbox_with_table, "Scan", {"TableName": helpers.TABLE})
    assert JournalEntry.objects.count() == journal_before
    operations = [a.operation for a in selectors.recent_activity(sandbox_with_table)]
    assert operations[:4] == ["Scan", "Query", "ListTables", "DescribeTable"]

    # A provisioned table's reads draw tokens from its read bucket, which a replay must
    # reproduce: they are journaled after they run.
    provisioned = helpers.create_table("Ledger")
    provisioned["BillingMode"] = "PROVISIONED"
    provisioned["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    services.execute(sandbox_with_table, "CreateTable", provisioned)
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1, table="Ledger"))
    before_reads = JournalEntry.objects.count()
    services.execute(sandbox_with_table, "GetItem", helpers.get_item(1, table="Ledger"))
    services.execute(sandbox_with_table, "Scan", {"TableName": "Ledger"})
    entries = list(JournalEntry.objects.order_by("sequence"))
    assert [e.operation for e in entries[before_reads:]] == ["GetItem", "Scan"]

    # A fresh worker rebuilds exactly the state the warm one has, read buckets included.
    warm = helpers.journaled_state(services.engine_state(sandbox_with_table))
    services.ENGINES.clear()
    sandbox_with_table.refresh_from_db()
    rebuilt = journal.rebuild(sandbox_with_table.pk, sandbox_with_table.last_sequence)
    assert helpers.journaled_state(rebuilt) == warm


def test_a_failing_call_is_recorded_with_its_code_and_not_journaled(
    sandbox_with_table: Sandbox,
) -> None:
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))
    journal_before = JournalEntry.objects.count()
    cached = services.ENGINES.peek(sandbox_with_table.pk)
    refused = helpers.put_item(1, title="again") | {
        "ConditionExpression": "attribute_not_exists(pk)"
    }

    with pytest.raises(ConditionalCheckFailedException):
        services.execute(sandbox_with_table, "PutItem", refused, source="lesson")

    assert JournalEntry.objects.count() == journal_before
    activity = selectors.recent_activity(sandbox_with_table, limit=1).get()
    assert activity.status == "ConditionalCheckFailedException"
    assert activity.error_message == "The conditional request failed"
    assert activity.source == "lesson"
    assert activity.request == refused
    # A refused call changes nothing, so the worker keeps its engine instead of rebuilding.
    assert services.ENGINES.peek(sandbox_with_table.pk).engine is cached.engine
    # The refused write changed nothing, and the cached engine is still trusted.
    assert services.execute(sandbox_with_table, "GetItem", helpers.get_item(1))["Item"].keys() == {
        "pk",
        "sk",
    }


def test_engine_errors_reach_the_caller_unchanged(sandbox: Sandbox) -> None:
    with pytest.raises(UnknownOperationException):
        services.execute(sandbox, "DropEverything", {})
    with pytest.raises(ResourceNotFoundException):
        services.execute(sandbox, "GetItem", helpers.get_item(1, table="Missing"))
    with pytest.raises(SerializationException):
        services.execute(sandbox, "PutItem", ["not", "a", "dict"])  # type: ignore[arg-type]

    statuses = [a.status for a in selectors.recent_activity(sandbox)]
    assert statuses == [
        "SerializationException",
        "ResourceNotFoundException",
        "UnknownOperationException",
    ]
    assert not JournalEntry.objects.filter(sandbox=sandbox).exists()


def test_query_and_scan_summaries_carry_what_lab_checks_read(sandbox_with_table: Sandbox) -> None:
    for sk in range(4):
        services.execute(
            sandbox_with_table, "PutItem", helpers.put_item(sk, kind="x" if sk else "y")
        )

    services.execute(sandbox_with_table, "Query", helpers.query() | {"Limit": 2})
    services.execute(
        sandbox_with_table,
        "Scan",
        {
            "TableName": helpers.TABLE,
            "FilterExpression": "kind = :k",
            "ExpressionAttributeValues": {":k": {"S": "y"}},
        },
    )

    scan, query = selectors.recent_activity(sandbox_with_table, limit=2)
    assert query.summary == {
        "TableName": "Music",
        "UsedScan": False,
        "Filtered": False,
        "Limit": 2,
        "Count": 2,
        "ScannedCount": 2,
        "MorePages": True,
        "CapacityUnits": 1.0,
        "Region": "us-east-1",
    }
    assert scan.summary["UsedScan"] is True
    assert scan.summary["Filtered"] is True
    assert (scan.summary["Count"], scan.summary["ScannedCount"]) == (1, 4)
    assert scan.summary["MorePages"] is False


def test_capacity_is_recorded_even_when_the_caller_did_not_ask(sandbox_with_table: Sandbox) -> None:
    response = services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))
    asked = services.execute(
        sandbox_with_table, "PutItem", helpers.put_item(2) | {"ReturnConsumedCapacity": "TOTAL"}
    )

    assert "ConsumedCapacity" not in response
    assert asked["ConsumedCapacity"] == {"TableName": "Music", "CapacityUnits": 1.0}
    second, first = selectors.recent_activity(sandbox_with_table, limit=2)
    assert first.consumed_capacity == {
        "TableName": "Music",
        "CapacityUnits": 1.0,
        "Table": {"CapacityUnits": 1.0},
    }
    assert first.request == helpers.put_item(1)  # as the caller sent it
    assert second.consumed_capacity == {"TableName": "Music", "CapacityUnits": 1.0}


@override_settings(DYNALAB_SANDBOX_ACTIVITY_REQUEST_BYTES=500)
def test_a_huge_request_is_recorded_as_a_preview(sandbox_with_table: Sandbox) -> None:
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1, blob="z" * 5000))

    activity = selectors.recent_activity(sandbox_with_table, limit=1).get()
    assert activity.request["Truncated"] is True
    assert activity.request["TableName"] == "Music"
    assert activity.request["SizeBytes"] > 5000
    assert len(activity.request["Preview"]) == 2048
    # The journal keeps the whole request: replay needs it.
    assert JournalEntry.objects.last().request["Item"]["blob"] == {"S": "z" * 5000}


def test_a_replaced_sandbox_refuses_writes_but_still_answers_reads(
    sandbox_with_table: Sandbox,
) -> None:
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))
    stale = Sandbox.objects.get(pk=sandbox_with_table.pk)
    services.reset_sandbox(sandbox_with_table)

    with pytest.raises(ResourceNotFoundException, match="reset"):
        services.execute(stale, "PutItem", helpers.put_item(2))

    assert services.execute(stale, "GetItem", helpers.get_item(1))["Item"]
    assert stale.is_active is False  # execute refreshed the caller's instance


def test_activity_since_reads_oldest_first(sandbox_with_table: Sandbox) -> None:
    started = Activity.objects.latest("created_at").created_at
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))
    services.execute(sandbox_with_table, "Query", helpers.query())

    operations = [a.operation for a in selectors.activity_since(sandbox_with_table, started)]

    assert operations == ["CreateTable", "PutItem", "Query"]


def test_inside_an_outer_transaction_that_rolls_back_nothing_stays(
    sandbox_with_table: Sandbox,
) -> None:
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))
    services.execute(sandbox_with_table, "GetItem", helpers.get_item(1))  # cache the engine

    with pytest.raises(RuntimeError), transaction.atomic():
        services.execute(sandbox_with_table, "PutItem", helpers.put_item(2))
        assert services.execute(sandbox_with_table, "GetItem", helpers.get_item(2))["Item"]
        raise RuntimeError("the caller gives up")

    # The worker's cache never holds what the database has not committed: had it kept the
    # engine at entry 3, another worker's next write (also entry 3) would go unnoticed.
    cached = services.ENGINES.peek(sandbox_with_table.pk)
    assert cached is None or cached.sequence <= 2
    # Neither the journal nor this worker's cached engine kept the rolled-back write.
    assert services.execute(sandbox_with_table, "GetItem", helpers.get_item(2)) == {}
    assert services.execute(sandbox_with_table, "GetItem", helpers.get_item(1))["Item"]
    sandbox_with_table.refresh_from_db()
    assert sandbox_with_table.last_sequence == 2
