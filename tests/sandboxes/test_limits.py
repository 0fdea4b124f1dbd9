"""Per-sandbox limits answer with the service's errors and leave the sandbox as it was."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from dynalab.sandboxes import journal, selectors, services
from dynalab.sandboxes.models import JournalEntry, Sandbox
from engine.errors import LimitExceededException, ValidationException
from tests.support import sandboxes as helpers

pytestmark = pytest.mark.django_db(transaction=True)


def _limits(**overrides: int) -> Any:
    return override_settings(
        DYNALAB_SANDBOX_LIMITS={
            "tables": 25,
            "items": 50_000,
            "bytes": 50 * 1024 * 1024,
            "request_bytes": 1024 * 1024,
            **overrides,
        }
    )


def _state(sandbox: Sandbox) -> tuple[int, dict[str, Any]]:
    """What must not change: the journal head and the engine (rebuilt from the database)."""
    sandbox.refresh_from_db()
    services.ENGINES.clear()
    return sandbox.last_sequence, helpers.state_without_clock(services.engine_state(sandbox))


@_limits(tables=2)
def test_too_many_tables_is_a_limit_exceeded_exception(sandbox_with_table: Sandbox) -> None:
    services.execute(sandbox_with_table, "CreateTable", helpers.create_table("Albums"))
    before = _state(sandbox_with_table)

    with pytest.raises(LimitExceededException) as refused:
        services.execute(sandbox_with_table, "CreateTable", helpers.create_table("Genres"))

    assert refused.value.message == (
        "Subscriber limit exceeded: a sandbox may have at most 2 tables (tables); delete a "
        "table before creating another"
    )
    assert _state(sandbox_with_table) == before
    assert services.execute(sandbox_with_table, "ListTables", {})["TableNames"] == [
        "Albums",
        "Music",
    ]
    assert selectors.recent_activity(sandbox_with_table)[1].status == "LimitExceededException"


@_limits(items=3)
def test_too_many_items_is_a_validation_exception(sandbox_with_table: Sandbox) -> None:
    for sk in range(3):
        services.execute(sandbox_with_table, "PutItem", helpers.put_item(sk))
    services.execute(sandbox_with_table, "GetItem", helpers.get_item(0))  # engine cached
    before = _state(sandbox_with_table)

    with pytest.raises(ValidationException, match=r"at most 3 items .*\(items\)"):
        services.execute(sandbox_with_table, "PutItem", helpers.put_item(3))
    with pytest.raises(ValidationException, match="at most 3 items"):
        services.execute(
            sandbox_with_table,
            "BatchWriteItem",
            {"RequestItems": {"Music": [{"PutRequest": {"Item": helpers.put_item(9)["Item"]}}]}},
        )

    assert _state(sandbox_with_table) == before
    assert services.execute(sandbox_with_table, "Query", helpers.query())["Count"] == 3
    # At the limit, a write that does not add an item still works, and so does a delete.
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(0, title="replaced"))
    services.execute(sandbox_with_table, "DeleteItem", helpers.key(1))
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(3))


@_limits(bytes=300)
def test_too_many_bytes_is_a_validation_exception(sandbox_with_table: Sandbox) -> None:
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1, blob="a" * 150))
    before = _state(sandbox_with_table)

    with pytest.raises(ValidationException, match=r"at most 300 bytes .*\(bytes\)"):
        services.execute(
            sandbox_with_table,
            "UpdateItem",
            helpers.key(1)
            | {
                "UpdateExpression": "SET more = :m",
                "ExpressionAttributeValues": {":m": {"S": "b" * 200}},
            },
        )

    assert _state(sandbox_with_table) == before
    item = services.execute(sandbox_with_table, "GetItem", helpers.get_item(1))["Item"]
    assert "more" not in item


@_limits(request_bytes=1000)
def test_a_request_too_large_is_a_validation_exception(sandbox_with_table: Sandbox) -> None:
    before = _state(sandbox_with_table)

    with pytest.raises(ValidationException) as refused:
        services.execute(sandbox_with_table, "PutItem", helpers.put_item(1, blob="x" * 2000))

    assert "exceeds this sandbox's limit of 1,000 bytes (request_bytes)" in refused.value.message
    assert _state(sandbox_with_table) == before
    activity = selectors.recent_activity(sandbox_with_table, limit=1).get()
    assert (activity.operation, activity.status) == ("PutItem", "ValidationException")


@_limits(items=2)
def test_a_limit_refusal_is_not_journaled(sandbox_with_table: Sandbox) -> None:
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(2))

    with pytest.raises(ValidationException):
        services.execute(sandbox_with_table, "PutItem", helpers.put_item(3))

    operations = JournalEntry.objects.filter(sandbox=sandbox_with_table).values_list(
        "operation", flat=True
    )
    assert list(operations) == ["CreateTable", "PutItem", "PutItem"]
    rebuilt = journal.rebuild(sandbox_with_table.pk, 3)
    assert rebuilt.region("us-east-1").tables["Music"].item_count == 2


def test_a_request_with_a_lone_surrogate_is_refused_not_a_crash(
    sandbox_with_table: Sandbox,
) -> None:
    from engine.errors import SerializationException

    with pytest.raises(SerializationException):
        services.execute(
            sandbox_with_table,
            "PutItem",
            {"TableName": helpers.TABLE, "Item": {"pk": {"S": "x\ud800"}, "sk": {"N": "1"}}},
        )
    assert JournalEntry.objects.filter(operation="PutItem").count() == 0
