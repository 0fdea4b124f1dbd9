"""``recent_calls``: the lab checks' cheap view of recorded calls must say exactly what the
Activity rows say (on SQLite and, through tests/postgres, on PostgreSQL's jsonb)."""

from __future__ import annotations

import contextlib

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dynalab.sandboxes import selectors, services
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.models import Sandbox
from tests.support import sandboxes as helpers


def _make_calls(sandbox: Sandbox) -> None:
    services.execute(sandbox, "PutItem", helpers.put_item(1, note="first"))
    puts = [{"PutRequest": {"Item": helpers.put_item(sk)["Item"]}} for sk in range(2, 7)]
    services.execute(sandbox, "BatchWriteItem", {"RequestItems": {helpers.TABLE: puts}})
    services.execute(
        sandbox,
        "Scan",
        {
            "TableName": helpers.TABLE,
            "FilterExpression": "sk > :four",
            "ExpressionAttributeValues": {":four": {"N": "4"}},
        },
        source="api",
    )
    with contextlib.suppress(ServiceError):
        services.execute(sandbox, "GetItem", helpers.key(1, table="Missing"))


def test_recent_calls_say_what_the_activity_rows_say(sandbox_with_table: Sandbox) -> None:
    _make_calls(sandbox_with_table)
    rows = list(selectors.recent_activity(sandbox_with_table, limit=4))
    records = selectors.recent_calls(sandbox_with_table, limit=4)
    assert [r.pk for r in records] == [a.pk for a in rows]
    for record, row in zip(records, rows, strict=True):
        assert record.operation == row.operation
        assert record.status == row.status
        assert record.created_at == row.created_at
        assert record.request == row.request
        assert record.summary == row.summary
        assert record.consumed_capacity == row.consumed_capacity
        assert record.response == row.response
    assert records[0].status == "ResourceNotFoundException"
    assert records[1].operation == "Scan" and records[1].summary["Count"] == 2


def test_recent_calls_read_in_one_query_and_a_response_only_when_used(
    sandbox_with_table: Sandbox,
) -> None:
    _make_calls(sandbox_with_table)
    with CaptureQueriesContext(connection) as reading:
        records = selectors.recent_calls(sandbox_with_table, limit=500)
        requests = [r.request for r in records]
        summaries = [r.summary for r in records]
    assert len(reading) == 1
    assert len(records) == 5  # CreateTable and the four calls above
    assert requests[-1]["TableName"] == helpers.TABLE and isinstance(summaries[-1], dict)
    assert all(r.request is q for r, q in zip(records, requests, strict=True))  # decoded once
    scan = next(r for r in records if r.operation == "Scan")
    with CaptureQueriesContext(connection) as reading:
        first, again = scan.response, scan.response
    assert len(reading) == 1
    assert first is again and len(first["Items"]) == 2
