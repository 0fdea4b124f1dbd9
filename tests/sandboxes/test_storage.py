"""What the database must hold for any call a learner may send, on SQLite and PostgreSQL alike.

A DynamoDB string may hold U+0000, which PostgreSQL refuses in text and jsonb columns, and
jsonb re-sorts objects' keys. tests/postgres runs this file against a real PostgreSQL too.
"""

from __future__ import annotations

import json

import pytest

from dynalab.sandboxes import journal, services
from dynalab.sandboxes.models import Activity, JournalEntry, Sandbox
from engine.errors import UnknownOperationException, ValidationException
from tests.support import sandboxes as helpers

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
        services.engine_state(sandbox_with_table)
    )


def test_activity_records_calls_holding_nul_with_a_stand_in(sandbox_with_table: Sandbox) -> None:
    services.execute(
        sandbox_with_table, "PutItem", {"TableName": helpers.TABLE, "Item": _item_with_nul()}
    )
    with pytest.raises(ValidationException):  # its message repeats the table's name
        services.execute(sandbox_with_table, "GetItem", helpers.get_item(1, table=f"Mu{NUL}"))
    with pytest.raises(UnknownOperationException):
        services.execute(sandbox_with_table, f"Get{NUL}", {})

    put, get, unknown = Activity.objects.filter(sandbox=sandbox_with_table).order_by("id")[1:]
    stand_in = f"a{services.NUL_IN_ACTIVITY}b"
    assert put.status == "ok"
    assert put.request["Item"]["zebra"] == {"S": stand_in}
    assert put.request["Item"][f"name{stand_in}"] == {"SS": [stand_in, services.NUL_IN_ACTIVITY]}
    assert get.status == "ValidationException"
    assert get.summary["TableName"] == f"Mu{stand_in}"
    assert f"Mu{stand_in}" in get.error_message and "\x00" not in get.error_message
    assert unknown.operation == f"Get{stand_in}"
    assert unknown.status == "UnknownOperationException"


def test_an_access_key_id_no_sandbox_can_hold_is_refused_not_looked_up(
    sandbox: Sandbox,
) -> None:
    assert services.sandbox_for_access_key(sandbox.access_key_id + "\x00") is None
    with pytest.raises(ValidationException):
        services.keyless_sandbox("AKIA\x00")
    with pytest.raises(ValidationException):
        services.keyless_sandbox("A" * 129)
    assert services.keyless_sandbox("A" * 128).label == "A" * 128
