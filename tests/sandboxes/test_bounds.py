"""Issue 14, section 4: a sandbox's storage, memory and rates stay bounded, and an attack on
one learner's sandbox costs the others nothing. One test per finding."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings

from dynalab.sandboxes import activity, journal, limits, memory, selectors, services
from dynalab.sandboxes.cache import EngineCache
from dynalab.sandboxes.errors import ValidationException
from dynalab.sandboxes.models import Activity, JournalEntry, Sandbox, Snapshot
from engine import Engine, MultiRegionEngine
from tests.support import sandboxes as helpers

pytestmark = pytest.mark.django_db(transaction=True)


def _limits(**overrides: int) -> Any:
    from dynalab.sandboxes.conf import DEFAULT_LIMITS

    return override_settings(DYNALAB_SANDBOX_LIMITS={**DEFAULT_LIMITS, **overrides})


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"S": "bottom"}
    for _ in range(depth):
        value = {"M": {"a": value}}
    return value


# --------------------------------------------------------------------- poisoned input
def test_a_document_nested_far_too_deep_is_refused_before_anything_stores_it(
    sandbox_with_table: Sandbox,
) -> None:
    """About 960 levels once went into the journal, and every later call answered 500."""
    before = sandbox_with_table.last_sequence
    request = helpers.put_item(1) | {}
    request["Item"]["deep"] = _nested(1000)

    with pytest.raises(ValidationException) as refused:
        services.execute(sandbox_with_table, "PutItem", request)

    assert refused.value.message == limits.NESTING_TOO_DEEP
    assert JournalEntry.objects.filter(sandbox=sandbox_with_table).count() == before
    stored = selectors.recent_activity(sandbox_with_table, limit=1).get()
    assert stored.status == "ValidationException"
    assert stored.request == {"Truncated": True, "NestedTooDeeply": True, "TableName": "Music"}
    # The sandbox goes on working, and a worker that starts now rebuilds it.
    services.ENGINES.clear()
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(2))
    assert services.execute(sandbox_with_table, "Query", helpers.query())["Count"] == 1


def test_the_journal_stays_replayable_with_the_deepest_documents_it_accepts(
    sandbox_with_table: Sandbox,
) -> None:
    request = helpers.put_item(1)
    request["Item"]["deep"] = _nested(30)  # within the service's 32 levels
    services.execute(sandbox_with_table, "PutItem", request)
    sandbox_with_table.refresh_from_db()

    rebuilt = journal.rebuild(sandbox_with_table.pk, sandbox_with_table.last_sequence)

    assert rebuilt.dump() == services.ENGINES.peek(sandbox_with_table.pk).engine.dump()


def test_nesting_is_measured_without_recursion() -> None:
    limits.check_nesting(_nested(30))
    with pytest.raises(limits.NestedTooDeeply):
        limits.check_nesting(_nested(100_000))  # far past Python's recursion limit


# --------------------------------------------------------------------- unbounded growth
@override_settings(DYNALAB_SANDBOX_SNAPSHOT_EVERY=10_000)
@_limits(journal_bytes=20_000)
def test_the_journal_is_bounded_in_bytes_behind_snapshots(sandbox_with_table: Sandbox) -> None:
    """One learner added 200 MB in seconds: requests with values nothing used, journaled
    whole, never pruned. Now the journal is compacted behind a snapshot by bytes too."""
    padding = "x" * 5_000
    for sk in range(40):  # ~200 KB of requests, each overwriting one item
        services.execute(
            sandbox_with_table,
            "PutItem",
            helpers.put_item(1) | {"ConditionExpression": "attribute_exists(pk) OR :p <> :q",
                                   "ExpressionAttributeValues": {":p": {"S": padding}, ":q": {"S": str(sk)}}},
        )  # fmt: skip

    kept = JournalEntry.objects.filter(sandbox=sandbox_with_table)
    kept_bytes = sum(len(entry.request.__repr__()) for entry in kept)
    assert Snapshot.objects.filter(sandbox=sandbox_with_table).count() == 2
    assert kept_bytes < 3 * 20_000  # two snapshots' worth of journal at most, not 200 KB
    sandbox_with_table.refresh_from_db()
    services.ENGINES.clear()
    assert services.execute(sandbox_with_table, "Query", helpers.query())["Count"] == 1


@_limits(activity_rows=10, activity_notable_rows=5)
def test_activity_is_pruned_by_count_keeping_the_rows_the_dashboard_reads(
    sandbox_with_table: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(activity, "PRUNE_EVERY", 5)
    activity.forget_counts()
    for _ in range(3):
        with pytest.raises(ValidationException):
            services.execute(sandbox_with_table, "GetItem", {"TableName": "Music", "Key": {}})
    for _ in range(40):
        services.execute(sandbox_with_table, "ListTables", {})

    rows = Activity.objects.filter(sandbox=sandbox_with_table)
    assert rows.count() <= 10 + 5 + 5
    assert rows.filter(status="ValidationException").count() == 3  # notable: kept


@_limits(activity_days=0)
def test_activity_is_pruned_by_age(sandbox_with_table: Sandbox) -> None:
    services.execute(sandbox_with_table, "ListTables", {})
    assert activity.prune(sandbox_with_table.pk) >= 2
    assert not Activity.objects.filter(sandbox=sandbox_with_table).exists()


# --------------------------------------------------------------------- memory
@_limits(memory_bytes=memory.BASE + memory.PER_TABLE + 3 * memory.PER_ITEM + 2_000)
def test_a_sandboxs_memory_counts_against_its_limits(sandbox_with_table: Sandbox) -> None:
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(2))

    with pytest.raises(ValidationException, match=r"\(memory_bytes\)"):
        services.execute(sandbox_with_table, "PutItem", helpers.put_item(3, blob="x" * 1_000))


def test_each_workers_cache_is_bounded_by_memory_not_count() -> None:
    cache = EngineCache(lambda: 1_000, lambda: 100)
    a, b, c = (Engine() for _ in range(3))
    cache.put("a", a, 1, weight=40)
    cache.put("b", b, 1, weight=40)
    cache.put("c", c, 1, weight=40)  # 120 > 100: the least recently used goes

    assert cache.peek("a") is None and cache.peek("b") and cache.peek("c")
    assert cache.weight == 80
    cache.put("huge", Engine(), 1, weight=101)  # heavier than the whole budget: not kept
    assert cache.peek("huge") is None and cache.weight == 80


def test_the_estimate_is_above_what_an_engine_takes() -> None:
    import tracemalloc

    tracemalloc.start()
    engine = Engine()
    engine.call("CreateTable", helpers.create_table())
    for sk in range(2_000):
        engine.clock.advance(0.01)  # on-demand tables throttle a burst too fast
        engine.call("PutItem", helpers.put_item(sk, title=f"song number {sk}"))
    taken = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    estimated = memory.estimate(engine.inspect.usage())
    assert taken <= estimated <= 3 * taken


# --------------------------------------------------------------------- SQLite stalls
@_limits(items=3)
def test_an_over_limit_write_is_refused_without_rebuilding_the_engine(
    sandbox_with_table: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for sk in range(3):
        services.execute(sandbox_with_table, "PutItem", helpers.put_item(sk))
    cached = services.ENGINES.peek(sandbox_with_table.pk).engine
    rebuilds = []
    real_rebuild = journal.rebuild
    monkeypatch.setattr(journal, "rebuild", lambda *a: rebuilds.append(a) or real_rebuild(*a))

    for sk in range(10, 20):
        with pytest.raises(ValidationException, match="at most 3 items"):
            services.execute(sandbox_with_table, "PutItem", helpers.put_item(sk))
    services.execute(sandbox_with_table, "GetItem", helpers.get_item(0))

    assert rebuilds == []
    assert services.ENGINES.peek(sandbox_with_table.pk).engine is cached


def test_a_rebuild_happens_outside_the_write_transaction(
    sandbox_with_table: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a write transaction holds the whole database's write lock."""
    in_transaction = []
    real_rebuild = journal.rebuild

    def watched(*args: Any) -> Engine:
        in_transaction.append(connection.in_atomic_block)
        return real_rebuild(*args)

    monkeypatch.setattr(journal, "rebuild", watched)
    services.ENGINES.clear()
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))

    assert in_transaction == [False]


@override_settings(DYNALAB_SANDBOX_SNAPSHOT_EVERY=3)
def test_a_snapshot_is_taken_outside_the_write_transaction(
    sandbox_with_table: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    dumped_in_transaction = []
    real_dumps = MultiRegionEngine.dumps  # a sandbox's engine holds every Region

    def watched(self: MultiRegionEngine) -> str:
        dumped_in_transaction.append(connection.in_atomic_block)
        return real_dumps(self)

    monkeypatch.setattr(MultiRegionEngine, "dumps", watched)
    for sk in range(5):
        services.execute(sandbox_with_table, "PutItem", helpers.put_item(sk))

    assert dumped_in_transaction == [False, False]  # snapshots at 3 and 6
    assert list(
        Snapshot.objects.filter(sandbox=sandbox_with_table).values_list("sequence", flat=True)
    ) == [6, 3]


# --------------------------------------------------------------------- rates
@override_settings(DYNALAB_SANDBOX_CREATION_RATE={"per_minute": 1, "burst": 2})
def test_sandbox_creation_is_limited_per_client_address() -> None:
    services._creations = None
    answers = [Client(REMOTE_ADDR="10.9.8.7").get("/tables/").status_code for _ in range(3)]
    elsewhere = Client(REMOTE_ADDR="10.9.8.8").get("/tables/")
    twin = Client(REMOTE_ADDR="10.9.8.7").get("/tables/?format=json")

    assert answers == [200, 200, 429]
    assert elsewhere.status_code == 200
    assert twin.status_code == 429 and twin.json()["__type"] == "ThrottlingException"
    assert Sandbox.objects.count() == 3


# One page every five seconds refills: slow enough that no refill lands while the test runs,
# even on a loaded machine or PostgreSQL.
@override_settings(DYNALAB_PAGE_RATE_LIMIT={"requests_per_second": 0.2, "burst": 3})
def test_the_workbench_pages_are_rate_limited_per_visitor() -> None:
    learner = Client()
    learner.get("/tables/")  # the first page starts their session (and sandbox)
    answers = [learner.get("/tables/").status_code for _ in range(5)]
    other = Client().get("/tables/")
    forged = Client()
    forged.cookies["sessionid"] = "made-up"
    forged_answers = [forged.get("/learn/").status_code for _ in range(5)]

    assert answers[:3] == [200, 200, 200] and answers[3:] == [429, 429]
    assert other.status_code == 200
    assert 429 in forged_answers  # a made-up session counts as its address
    refused = learner.get("/tables/")
    assert refused["Retry-After"] == "5"
    assert b"Too many pages too fast" in refused.content
