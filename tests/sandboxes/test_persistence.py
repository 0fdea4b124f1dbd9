"""The journal and snapshots are the sandbox; an engine in memory is only a cache of them."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from dynalab.sandboxes import journal, selectors, services
from dynalab.sandboxes.models import JournalEntry, Sandbox, Snapshot
from engine import MultiRegionEngine
from engine.errors import ValidationException
from tests.support import sandboxes as helpers

pytestmark = pytest.mark.django_db(transaction=True)


def _busy_history(sandbox: Sandbox) -> None:
    """Every kind of write: puts, updates, deletes, a batch, a transaction, a second table."""
    for sk in range(6):
        services.execute(sandbox, "PutItem", helpers.put_item(sk, title=f"song {sk}"))
    for _ in range(3):
        services.execute(sandbox, "UpdateItem", helpers.add_to_counter())
    services.execute(sandbox, "DeleteItem", helpers.key(2))
    services.execute(sandbox, "CreateTable", helpers.create_table("Albums"))
    services.execute(
        sandbox,
        "BatchWriteItem",
        {
            "RequestItems": {
                "Albums": [
                    {"PutRequest": {"Item": {"pk": {"S": "a"}, "sk": {"N": str(n)}}}}
                    for n in range(3)
                ]
            }
        },
    )
    services.execute(
        sandbox,
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Put": helpers.put_item(100, title="in a transaction")},
                {"Delete": helpers.key(0, pk="a", table="Albums")},
            ],
            "ClientRequestToken": "token-1",
        },
    )


def _cached(sandbox: Sandbox) -> MultiRegionEngine:
    entry = services.ENGINES.peek(sandbox.pk)
    assert entry is not None, "the worker should have kept the engine"
    return entry.engine


@override_settings(DYNALAB_SANDBOX_SNAPSHOT_EVERY=4)
def test_a_fresh_worker_rebuilds_exactly_the_same_state(sandbox_with_table: Sandbox) -> None:
    _busy_history(sandbox_with_table)
    sandbox_with_table.refresh_from_db()
    warm = _cached(sandbox_with_table).dump()

    services.ENGINES.clear()  # a worker that just started
    from_snapshot = journal.rebuild(sandbox_with_table.pk, sandbox_with_table.last_sequence)
    # Snapshots at 4, 8 and 12: the journal is kept only after the older of the two newest.
    Snapshot.objects.filter(sequence=12).delete()
    from_older_snapshot = journal.rebuild(sandbox_with_table.pk, sandbox_with_table.last_sequence)
    Snapshot.objects.all().delete()
    from_journal_only = MultiRegionEngine()
    journal.replay(from_journal_only, JournalEntry.objects.filter(sandbox=sandbox_with_table))

    assert from_snapshot.dump() == warm
    assert from_older_snapshot.dump() == warm
    assert from_journal_only.dump() != warm  # the first 8 entries are gone: compacted
    # 6 songs - 1 deleted + counter + transaction
    assert len(warm["regions"]["us-east-1"]["tables"][0]["items"]) == 7


@override_settings(DYNALAB_SANDBOX_SNAPSHOT_EVERY=4)
def test_a_cold_read_serves_the_same_answers(sandbox_with_table: Sandbox) -> None:
    _busy_history(sandbox_with_table)
    scan = {"TableName": helpers.TABLE, "ConsistentRead": True}
    warm = services.execute(sandbox_with_table, "Scan", scan)

    services.ENGINES.clear()
    cold = services.execute(sandbox_with_table, "Scan", scan)

    assert cold == warm
    assert sandbox_with_table.last_sequence == 14  # execute keeps the caller's instance current
    assert helpers.journaled_state(services.engine_state(sandbox_with_table)) == (
        helpers.journaled_state(journal.rebuild(sandbox_with_table.pk, 14))
    )


@override_settings(DYNALAB_SANDBOX_SNAPSHOT_EVERY=5)
def test_a_snapshot_is_taken_every_n_entries_and_old_ones_pruned(
    sandbox_with_table: Sandbox,
) -> None:
    for sk in range(15):  # entries 2..16: snapshots at 5, 10 and 15
        services.execute(sandbox_with_table, "PutItem", helpers.put_item(sk))

    snapshots = list(Snapshot.objects.filter(sandbox=sandbox_with_table).order_by("sequence"))
    assert [s.sequence for s in snapshots] == [10, 15]
    at_ten = MultiRegionEngine.loads(snapshots[0].state)
    assert at_ten.region("us-east-1").tables["Music"].item_count == 9  # entry 1 created the table


@override_settings(DYNALAB_SANDBOX_SNAPSHOT_EVERY=5)
def test_a_cold_start_replays_only_the_entries_after_the_snapshot(
    sandbox_with_table: Sandbox,
) -> None:
    for sk in range(7):  # entries 2..8, snapshot at 5
        services.execute(sandbox_with_table, "PutItem", helpers.put_item(sk))
    # Were a cold start to replay from the beginning, it would now miss the table and items.
    JournalEntry.objects.filter(sandbox=sandbox_with_table, sequence__lte=5).delete()
    services.ENGINES.clear()

    response = services.execute(sandbox_with_table, "Query", helpers.query())

    assert response["Count"] == 7


def test_a_worker_behind_catches_up_from_the_journal(sandbox_with_table: Sandbox) -> None:
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))
    behind = services.ENGINES.take(sandbox_with_table.pk)  # this worker's engine, at entry 2
    assert behind is not None and behind.sequence == 2
    # Another worker writes twice meanwhile (here: the same process with an empty cache).
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(2))
    services.execute(sandbox_with_table, "UpdateItem", helpers.add_to_counter())
    services.ENGINES.clear()
    services.ENGINES.put(sandbox_with_table.pk, behind.engine, behind.sequence)

    response = services.execute(sandbox_with_table, "UpdateItem", helpers.add_to_counter())

    assert response["Attributes"] == {"hits": {"N": "2"}}
    assert _cached(sandbox_with_table) is behind.engine  # caught up, not rebuilt


def test_a_worker_ahead_of_the_database_drops_its_engine(sandbox_with_table: Sandbox) -> None:
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))
    impostor = MultiRegionEngine()  # e.g. a write whose transaction rolled back after the call ran
    services.ENGINES.clear()
    services.ENGINES.put(sandbox_with_table.pk, impostor, 99)

    response = services.execute(sandbox_with_table, "GetItem", helpers.get_item(1))

    assert response["Item"]["sk"] == {"N": "1"}
    assert _cached(sandbox_with_table) is not impostor


def test_advance_clock_is_journaled_and_survives_a_cache_drop(sandbox_with_table: Sandbox) -> None:
    before = time.time()
    now = services.advance_clock(sandbox_with_table, 86_400)
    assert journal.rebuild(sandbox_with_table.pk, 2).clock.now() == now  # replayed move
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))

    assert now >= before + 86_400
    clock_entry, put_entry = JournalEntry.objects.filter(sandbox=sandbox_with_table)[1:]
    assert (clock_entry.operation, clock_entry.request) == ("AdvanceClock", {"seconds": 86_400.0})
    assert put_entry.at >= now
    warm_clock = _cached(sandbox_with_table).dump()["clock"]

    services.ENGINES.clear()

    assert journal.rebuild(sandbox_with_table.pk, 3).dump()["clock"] == warm_clock
    assert services.simulated_now(sandbox_with_table) >= before + 86_400
    clock = services.engine_state(sandbox_with_table)["clock"]
    assert clock["frozen_at"] + clock["offset"] >= now
    activity = selectors.recent_activity(sandbox_with_table, limit=2)[1]
    assert (activity.operation, activity.summary) == (
        "AdvanceClock",
        {"Seconds": 86_400, "Now": now},
    )


def test_replay_reproduces_what_the_clock_moved_past(sandbox_with_table: Sandbox) -> None:
    """A transaction token lasts 10 simulated minutes: the replayed clock must agree."""
    transact = {
        "TransactItems": [{"Put": helpers.put_item(1)}],
        "ClientRequestToken": "once",
    }
    services.execute(sandbox_with_table, "TransactWriteItems", transact)
    services.advance_clock(sandbox_with_table, 601)
    changed = {"TransactItems": [{"Put": helpers.put_item(2)}], "ClientRequestToken": "once"}
    services.execute(sandbox_with_table, "TransactWriteItems", changed)  # token expired: runs
    warm = _cached(sandbox_with_table).dump()

    services.ENGINES.clear()

    assert journal.rebuild(sandbox_with_table.pk, 4).dump() == warm


@override_settings(DYNALAB_SANDBOX_JOURNAL_READS=True)
def test_with_reads_journaled_a_rebuild_matches_after_reads_too(
    sandbox_with_table: Sandbox,
) -> None:
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))
    services.execute(sandbox_with_table, "Query", helpers.query())
    services.execute(sandbox_with_table, "GetItem", helpers.get_item(1))
    warm = _cached(sandbox_with_table).dump()

    services.ENGINES.clear()

    operations = JournalEntry.objects.filter(sandbox=sandbox_with_table).values_list(
        "operation", flat=True
    )
    assert list(operations) == ["CreateTable", "PutItem", "Query", "GetItem"]
    assert journal.rebuild(sandbox_with_table.pk, 4).dump() == warm


@pytest.mark.parametrize("seconds", [-1, float("inf"), float("nan"), 10**12, "soon"])
def test_the_clock_only_moves_forward_by_a_sane_amount(sandbox: Sandbox, seconds: object) -> None:
    with pytest.raises(ValidationException, match="forward"):
        services.advance_clock(sandbox, seconds)  # type: ignore[arg-type]

    assert not JournalEntry.objects.filter(sandbox=sandbox).exists()
    assert selectors.recent_activity(sandbox, limit=1).get().status == "ValidationException"
