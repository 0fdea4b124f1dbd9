"""What the database must hold for any call a learner may send, on SQLite and PostgreSQL alike.

A DynamoDB string may hold U+0000, which PostgreSQL refuses in text and jsonb columns, and
jsonb re-sorts objects' keys. tests/postgres runs this file against a real PostgreSQL too.
"""

from __future__ import annotations

import json

import pytest

from dynalab.sandboxes import journal, services
from dynalab.sandboxes.models import JournalEntry, Sandbox
from tests.sandboxes import helpers

pytestmark = pytest.mark.django_db(transaction=True)

NUL = "a\x00b"


def _item_with_nul() -> dict:
    # Keys in an order jsonb would not keep: it sorts them by length, then bytewise.
    return {
        "zebra": {"S": NUL},
        "pk": {"S": "artist"},
        "sk": {"N": "1"},
        f"name{NUL}": {"SS": [NUL, "\x00"]},
    }


def test_an_item_holding_nul_is_journaled_exactly_and_replays_the_same(
    sandbox_with_table: Sandbox,
) -> None:
    request = {"TableName": helpers.TABLE, "Item": _item_with_nul()}
    services.execute(sandbox_with_table, "PutItem", request)

    entry = JournalEntry.objects.get(sandbox=sandbox_with_table, operation="PutItem")
    ran = {**request, "ReturnConsumedCapacity": "INDEXES"}  # execute() asks for it
    assert json.dumps(entry.request) == json.dumps(ran)  # keys in their order too
    sandbox_with_table.refresh_from_db()
    replayed = journal.rebuild(sandbox_with_table.pk, sandbox_with_table.last_sequence)
    services.ENGINES.clear()
    answer = services.execute(sandbox_with_table, "GetItem", helpers.get_item(1))
    assert json.dumps(answer["Item"]) == json.dumps(_item_with_nul())
    assert helpers.state_without_clock(replayed) == helpers.state_without_clock(
        services.read_engine(sandbox_with_table)
    )
