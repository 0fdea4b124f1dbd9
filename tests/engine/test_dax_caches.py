"""Calls through a DAX cluster: the item and query caches, their TTLs, negative entries,
write-through, eviction, nodes, capacity, and the state a journal must reproduce."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Engine, SimClock
from tests.support.dax import create_cluster, read, through
from tests.support.engine import FROZEN_AT, create_table, error_of, n, s, sized_item

KEY = {"pk": s("a")}


@pytest.fixture
def cached(engine: Engine) -> Engine:
    """A table Books with one item (pk a, v 1) and an available one-node cluster "cache"."""
    create_table(engine, "Books")
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s("a"), "v": n(1)}})
    create_cluster(engine)
    return engine


def put_direct(engine: Engine, value: int, key: str = "a") -> None:
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s(key), "v": n(value)}})


def value_of(answer: dict[str, Any]) -> int | None:
    item = answer["Response"].get("Item")
    return None if item is None else int(item["v"]["N"])


def stats(engine: Engine, cluster: str = "cache") -> Any:
    return engine.inspect.dax_cluster(cluster).statistics


# ---------------------------------------------------------------------- the item cache
def test_a_miss_reads_the_table_and_a_hit_costs_nothing(cached: Engine) -> None:
    miss = read(cached, "Books", KEY, ReturnConsumedCapacity="TOTAL")
    assert miss["Dax"]["Outcome"] == "miss"
    assert miss["Response"]["ConsumedCapacity"] == {"TableName": "Books", "CapacityUnits": 0.5}
    hit = read(cached, "Books", KEY, ReturnConsumedCapacity="INDEXES")
    assert hit["Dax"]["Outcome"] == "hit"
    assert hit["Response"]["Item"] == {"pk": s("a"), "v": n(1)}
    assert hit["Response"]["ConsumedCapacity"] == {
        "TableName": "Books",
        "CapacityUnits": 0.0,
        "Table": {"CapacityUnits": 0.0},
    }
    counts = stats(cached)
    assert (counts.item_hits, counts.item_misses, counts.read_units_saved) == (1, 1, 0.5)


def test_a_hit_draws_nothing_from_a_provisioned_tables_buckets(engine: Engine) -> None:
    create_table(
        engine,
        "Books",
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 10},
    )
    engine.call("PutItem", {"TableName": "Books", "Item": sized_item("a", 6000)})
    create_cluster(engine)

    def consumed() -> float:
        state = engine.call("DescribeThroughput", {"TableName": "Books"})
        return state["Throughput"]["Consumed"]["ReadUnits"]

    read(engine, "Books", KEY)
    after_miss = consumed()
    assert after_miss == 1.0  # 6,000 bytes: two 4 KB units, halved
    for _ in range(20):
        assert read(engine, "Books", KEY)["Dax"]["Outcome"] == "hit"
    assert consumed() == after_miss
    assert stats(engine).read_units_saved == 20.0


def test_projections_apply_to_the_cached_item(cached: Engine) -> None:
    read(cached, "Books", KEY)
    projected = read(cached, "Books", KEY, ProjectionExpression="v")
    assert projected["Dax"]["Outcome"] == "hit"
    assert projected["Response"]["Item"] == {"v": n(1)}
    legacy = read(cached, "Books", KEY, AttributesToGet=["pk"])
    assert legacy["Response"]["Item"] == {"pk": s("a")}


@pytest.mark.parametrize(
    "extra",
    [
        {"ProjectionExpression": "#x"},
        {"ExpressionAttributeNames": {"#unused": "v"}},
        {"ReturnConsumedCapacity": "ALL"},
        {"ProjectionExpression": "v", "AttributesToGet": ["v"]},
    ],
)
def test_a_request_the_service_refuses_is_refused_even_when_its_item_is_cached(
    cached: Engine, extra: dict[str, Any]
) -> None:
    read(cached, "Books", KEY)
    direct = error_of(cached, "GetItem", {"TableName": "Books", "Key": KEY, **extra})
    before = cached.revision
    error = error_of(cached, "CallThroughDax", {
        "ClusterName": "cache", "Operation": "GetItem",
        "Request": {"TableName": "Books", "Key": KEY, **extra},
    })  # fmt: skip
    assert (error.code, error.message) == (direct.code, direct.message)
    assert cached.revision == before  # a refused call changes nothing


def test_a_key_of_the_wrong_shape_is_refused(cached: Engine) -> None:
    direct = error_of(cached, "GetItem", {"TableName": "Books", "Key": {"id": s("a")}})
    error = error_of(cached, "CallThroughDax", {
        "ClusterName": "cache", "Operation": "GetItem",
        "Request": {"TableName": "Books", "Key": {"id": s("a")}},
    })  # fmt: skip
    assert (error.code, error.message) == (direct.code, direct.message)
    missing = error_of(cached, "CallThroughDax", {
        "ClusterName": "cache", "Operation": "GetItem",
        "Request": {"TableName": "Nope", "Key": KEY},
    })  # fmt: skip
    assert missing.code == "ResourceNotFoundException"


def test_an_item_that_does_not_exist_is_cached_as_such(cached: Engine) -> None:
    ghost = {"pk": s("ghost")}
    first = read(cached, "Books", ghost, ReturnConsumedCapacity="TOTAL")
    assert first["Dax"]["Outcome"] == "miss" and "Item" not in first["Response"]
    assert first["Response"]["ConsumedCapacity"]["CapacityUnits"] == 0.5
    put_direct(cached, 7, "ghost")  # straight to the table: DAX is not told
    second = read(cached, "Books", ghost, ReturnConsumedCapacity="TOTAL")
    assert second["Dax"]["Outcome"] == "hit" and "Item" not in second["Response"]
    assert second["Response"]["ConsumedCapacity"]["CapacityUnits"] == 0.0
    entry = cached.inspect.dax_cluster("cache").item_entries[0]
    assert entry.negative and entry.key == ghost
    # A write through DAX replaces the negative entry.
    through(cached, "PutItem", {"TableName": "Books", "Item": {"pk": s("ghost"), "v": n(8)}})
    assert value_of(read(cached, "Books", ghost)) == 8


def test_strongly_consistent_reads_pass_through_and_are_not_cached(cached: Engine) -> None:
    read(cached, "Books", KEY)
    put_direct(cached, 2)
    strong = read(cached, "Books", KEY, ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
    assert strong["Dax"]["Outcome"] == "pass-through"
    assert value_of(strong) == 2
    assert strong["Response"]["ConsumedCapacity"]["CapacityUnits"] == 1.0
    assert value_of(read(cached, "Books", KEY)) == 1  # the item cache was not refreshed
    other = read(cached, "Books", {"pk": s("b")}, ConsistentRead=True)
    assert other["Dax"]["Outcome"] == "pass-through"
    view = cached.inspect.dax_cluster("cache")
    assert view.item_entry_count == 1 and view.statistics.pass_throughs == 2


# ---------------------------------------------------------------------- TTL
def test_a_write_that_bypasses_dax_leaves_it_stale_until_the_ttl(cached: Engine) -> None:
    read(cached, "Books", KEY)
    put_direct(cached, 2)
    cached.clock.advance(299.9)
    stale = read(cached, "Books", KEY)
    assert (stale["Dax"]["Outcome"], value_of(stale)) == ("hit", 1)
    entry = cached.inspect.dax_cluster("cache").item_entries[0]
    assert entry.remaining_seconds == pytest.approx(0.1)
    cached.clock.advance(0.1)
    fresh = read(cached, "Books", KEY)
    assert (fresh["Dax"]["Outcome"], value_of(fresh)) == ("miss", 2)


def test_ttls_come_from_the_parameter_group_and_apply_at_once(engine: Engine) -> None:
    create_table(engine, "Books")
    put_direct(engine, 1)
    engine.call("CreateParameterGroup", {"ParameterGroupName": "quick"})

    def set_ttls(record: str, query: str) -> None:
        engine.call(
            "UpdateParameterGroup",
            {
                "ParameterGroupName": "quick",
                "ParameterNameValues": [
                    {"ParameterName": "record-ttl-millis", "ParameterValue": record},
                    {"ParameterName": "query-ttl-millis", "ParameterValue": query},
                ],
            },
        )

    set_ttls("2000", "10000")
    create_cluster(engine, ParameterGroupName="quick")
    scan = {"TableName": "Books"}
    read(engine, "Books", KEY)
    through(engine, "Scan", scan)
    engine.clock.advance(2)
    assert read(engine, "Books", KEY)["Dax"]["Outcome"] == "miss"
    assert through(engine, "Scan", scan)["Dax"]["Outcome"] == "hit"
    engine.clock.advance(8)
    assert through(engine, "Scan", scan)["Dax"]["Outcome"] == "miss"

    set_ttls("0", "0")  # 0: no expiry by time
    engine.clock.advance(10 * 365 * 86400)
    assert read(engine, "Books", KEY)["Dax"]["Outcome"] == "hit"
    assert through(engine, "Scan", scan)["Dax"]["Outcome"] == "hit"
    view = engine.inspect.dax_cluster("cache")
    assert view.record_ttl_millis == 0
    assert view.item_entries[0].expires_at is None

    set_ttls("1000", "1000")  # the entries are old: they expire at once
    assert read(engine, "Books", KEY)["Dax"]["Outcome"] == "miss"


# ---------------------------------------------------------------------- write-through
def test_writes_through_dax_update_the_item_cache(cached: Engine) -> None:
    read(cached, "Books", KEY)
    written = through(cached, "PutItem", {"TableName": "Books", "Item": {"pk": s("a"), "v": n(2)}})
    assert written["Dax"]["Outcome"] == "write-through"
    assert value_of(read(cached, "Books", KEY)) == 2
    assert read(cached, "Books", KEY)["Dax"]["Outcome"] == "hit"

    through(
        cached,
        "UpdateItem",
        {
            "TableName": "Books",
            "Key": KEY,
            "UpdateExpression": "SET v = v + :one",
            "ExpressionAttributeValues": {":one": n(1)},
        },
    )
    answer = read(cached, "Books", KEY)
    assert (answer["Dax"]["Outcome"], value_of(answer)) == ("hit", 3)

    through(cached, "DeleteItem", {"TableName": "Books", "Key": KEY})
    gone = read(cached, "Books", KEY)
    assert gone["Dax"]["Outcome"] == "hit" and "Item" not in gone["Response"]
    assert stats(cached).write_throughs == 3


def test_a_write_the_table_refuses_leaves_the_cache_alone(cached: Engine) -> None:
    read(cached, "Books", KEY)
    before = cached.inspect.dax_cluster("cache")
    error = error_of(cached, "CallThroughDax", {
        "ClusterName": "cache", "Operation": "PutItem",
        "Request": {
            "TableName": "Books", "Item": {"pk": s("a"), "v": n(9)},
            "ConditionExpression": "attribute_not_exists(pk)",
        },
    })  # fmt: skip
    assert error.code == "ConditionalCheckFailedException"
    assert cached.inspect.dax_cluster("cache") == before
    assert value_of(read(cached, "Books", KEY)) == 1


def test_batch_write_through_dax_caches_each_item_written(cached: Engine) -> None:
    through(
        cached,
        "BatchWriteItem",
        {
            "RequestItems": {
                "Books": [
                    {"PutRequest": {"Item": {"pk": s("b"), "v": n(2)}}},
                    {"DeleteRequest": {"Key": KEY}},
                ]
            }
        },
    )
    assert value_of(read(cached, "Books", {"pk": s("b")})) == 2
    deleted = read(cached, "Books", KEY)
    assert deleted["Dax"]["Outcome"] == "hit" and "Item" not in deleted["Response"]


def test_transactions_through_dax(engine: Engine) -> None:
    create_table(
        engine,
        "Books",
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 50, "WriteCapacityUnits": 50},
    )
    create_cluster(engine)
    throughput = {"TableName": "Books"}

    def read_units() -> float:
        return engine.call("DescribeThroughput", throughput)["Throughput"]["Consumed"]["ReadUnits"]

    through(
        engine,
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Put": {"TableName": "Books", "Item": {"pk": s("a"), "v": n(1)}}},
                {"Put": {"TableName": "Books", "Item": {"pk": s("b"), "v": n(2)}}},
            ]
        },
    )
    # DAX read both items back with transactional reads: 2 units each.
    assert read_units() == 4.0
    assert read(engine, "Books", KEY)["Dax"]["Outcome"] == "hit"
    assert read(engine, "Books", {"pk": s("b")})["Dax"]["Outcome"] == "hit"

    got = through(
        engine, "TransactGetItems", {"TransactItems": [{"Get": {"TableName": "Books", "Key": KEY}}]}
    )
    assert got["Dax"]["Outcome"] == "pass-through"
    assert got["Response"]["Responses"][0]["Item"]["v"] == n(1)
    assert read_units() == 6.0


# ---------------------------------------------------------------------- BatchGetItem
def test_batch_get_item_serves_each_key_from_the_item_cache(cached: Engine) -> None:
    put_direct(cached, 2, "b")
    read(cached, "Books", KEY)
    answer = through(
        cached,
        "BatchGetItem",
        {
            "RequestItems": {"Books": {"Keys": [KEY, {"pk": s("b")}, {"pk": s("zz")}]}},
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    assert (answer["Dax"]["Outcome"], answer["Dax"]["Hits"], answer["Dax"]["Misses"]) == (
        "mixed",
        1,
        2,
    )
    assert sorted(i["pk"]["S"] for i in answer["Response"]["Responses"]["Books"]) == ["a", "b"]
    assert answer["Response"]["ConsumedCapacity"] == [{"TableName": "Books", "CapacityUnits": 1.0}]
    again = through(
        cached,
        "BatchGetItem",
        {"RequestItems": {"Books": {"Keys": [KEY, {"pk": s("b")}, {"pk": s("zz")}]}}},
    )
    assert again["Dax"]["Outcome"] == "hit"
    strong = through(
        cached,
        "BatchGetItem",
        {"RequestItems": {"Books": {"Keys": [KEY], "ConsistentRead": True}}},
    )
    assert strong["Dax"]["Outcome"] == "pass-through"


# ---------------------------------------------------------------------- the query cache
QUERY = {
    "TableName": "Books",
    "KeyConditionExpression": "pk = :a",
    "ExpressionAttributeValues": {":a": s("a")},
}


def test_query_and_scan_pages_are_cached_by_their_request(cached: Engine) -> None:
    first = through(cached, "Query", {**QUERY, "ReturnConsumedCapacity": "TOTAL"})
    assert first["Dax"]["Outcome"] == "miss"
    assert first["Response"]["ConsumedCapacity"]["CapacityUnits"] == 0.5
    second = through(cached, "Query", {**QUERY, "ReturnConsumedCapacity": "TOTAL"})
    assert second["Dax"]["Outcome"] == "hit"
    assert second["Response"]["ConsumedCapacity"]["CapacityUnits"] == 0.0
    assert second["Response"]["Items"] == first["Response"]["Items"]
    # ReturnConsumedCapacity does not make a request different; other parameters do.
    assert through(cached, "Query", QUERY)["Dax"]["Outcome"] == "hit"
    assert through(cached, "Query", {**QUERY, "Limit": 1})["Dax"]["Outcome"] == "miss"
    assert through(cached, "Scan", {"TableName": "Books"})["Dax"]["Outcome"] == "miss"
    assert through(cached, "Scan", {"TableName": "Books"})["Dax"]["Outcome"] == "hit"
    counts = stats(cached)
    assert (counts.query_hits, counts.query_misses, counts.scan_hits, counts.scan_misses) == (
        2,
        2,
        1,
        1,
    )
    assert cached.inspect.dax_cluster("cache").item_entry_count == 0  # no warming by Scan


def test_a_cached_page_still_checks_return_consumed_capacity(cached: Engine) -> None:
    through(cached, "Query", QUERY)
    direct = error_of(cached, "Query", {**QUERY, "ReturnConsumedCapacity": "ALL"})
    error = error_of(cached, "CallThroughDax", {
        "ClusterName": "cache", "Operation": "Query",
        "Request": {**QUERY, "ReturnConsumedCapacity": "ALL"},
    })  # fmt: skip
    assert (error.code, error.message) == (direct.code, direct.message)


def test_writes_never_update_the_query_cache(cached: Engine) -> None:
    through(cached, "Query", QUERY)
    through(cached, "PutItem", {"TableName": "Books", "Item": {"pk": s("a"), "v": n(5)}})
    page = through(cached, "Query", QUERY)
    assert page["Dax"]["Outcome"] == "hit"
    assert page["Response"]["Items"] == [{"pk": s("a"), "v": n(1)}]
    assert value_of(read(cached, "Books", KEY)) == 5  # the item cache was written through
    cached.clock.advance(300)
    assert through(cached, "Query", QUERY)["Response"]["Items"] == [{"pk": s("a"), "v": n(5)}]


def test_an_empty_page_is_cached_too(cached: Engine) -> None:
    empty = {**QUERY, "ExpressionAttributeValues": {":a": s("nobody")}}
    assert through(cached, "Query", empty)["Response"]["Items"] == []
    put_direct(cached, 1, "nobody")
    page = through(cached, "Query", empty)
    assert (page["Dax"]["Outcome"], page["Response"]["Count"]) == ("hit", 0)


def test_consistent_queries_pass_through(cached: Engine) -> None:
    answer = through(cached, "Query", {**QUERY, "ConsistentRead": True})
    assert answer["Dax"]["Outcome"] == "pass-through"
    assert cached.inspect.dax_cluster("cache").query_entry_count == 0


def test_a_deleted_table_takes_its_entries_with_it(cached: Engine) -> None:
    read(cached, "Books", KEY)
    through(cached, "Scan", {"TableName": "Books"})
    cached.call("DeleteTable", {"TableName": "Books"})
    view = cached.inspect.dax_cluster("cache")
    assert (view.item_entry_count, view.query_entry_count, view.cache_used_bytes) == (0, 0, 0)


# ---------------------------------------------------------------------- memory
def test_the_least_recently_used_entry_is_evicted_when_memory_is_full(engine: Engine) -> None:
    create_table(engine, "Books")
    for key in "abcd":
        engine.call("PutItem", {"TableName": "Books", "Item": sized_item(key, 1000)})
    create_cluster(engine)
    dax: Any = engine.extensions["dax"]
    dax.max_cache_bytes = 3 * (1000 + 64)  # three entries of a 1,000-byte item

    for key in "abc":
        read(engine, "Books", {"pk": s(key)})
    read(engine, "Books", {"pk": s("a")})  # a is now the most recently used
    read(engine, "Books", {"pk": s("d")})  # no room: b, the least recently used, goes
    view = engine.inspect.dax_cluster("cache")
    assert [entry.key["pk"]["S"] for entry in view.item_entries] == ["d", "a", "c"]
    assert view.cache_used_bytes == 3 * 1064 == view.cache_capacity_bytes
    assert view.statistics.item_evictions == 1
    assert read(engine, "Books", {"pk": s("b")})["Dax"]["Outcome"] == "miss"

    # A page larger than the whole cache is answered but not kept.
    page = through(engine, "Scan", {"TableName": "Books"})
    assert len(page["Response"]["Items"]) == 4
    assert engine.inspect.dax_cluster("cache").query_entry_count == 0
    assert through(engine, "Scan", {"TableName": "Books"})["Dax"]["Outcome"] == "miss"


def test_expired_entries_make_room_before_live_ones_are_evicted(engine: Engine) -> None:
    create_table(engine, "Books")
    for key in "abc":
        engine.call("PutItem", {"TableName": "Books", "Item": sized_item(key, 1000)})
    create_cluster(engine)
    engine.extensions["dax"].max_cache_bytes = 2 * 1064  # type: ignore[attr-defined]
    read(engine, "Books", {"pk": s("a")})
    engine.clock.advance(200)
    read(engine, "Books", {"pk": s("b")})
    engine.clock.advance(150)  # a expired (350 s), b has not (150 s)
    read(engine, "Books", {"pk": s("c")})
    view = engine.inspect.dax_cluster("cache")
    assert [entry.key["pk"]["S"] for entry in view.item_entries] == ["c", "b"]
    assert view.statistics.item_evictions == 0


def test_the_cache_is_bounded_by_a_nodes_memory_up_to_dynalabs_limit(engine: Engine) -> None:
    create_cluster(engine)
    view = engine.inspect.dax_cluster("cache")
    assert view.node_memory_bytes == 2 * 1024**3  # dax.t3.small
    assert view.cache_capacity_bytes == 1024 * 1024
    engine.extensions["dax"].max_cache_bytes = 10 * 1024**4  # type: ignore[attr-defined]
    assert engine.inspect.dax_cluster("cache").cache_capacity_bytes == 2 * 1024**3


# ---------------------------------------------------------------------- nodes and calls
def test_reads_take_turns_on_the_nodes_and_writes_go_to_the_primary(cached: Engine) -> None:
    cached.call("IncreaseReplicationFactor", {"ClusterName": "cache", "NewReplicationFactor": 3})
    # While the new nodes start, the first one answers everything.
    assert {read(cached, "Books", KEY)["Dax"]["NodeId"] for _ in range(3)} == {"cache-a"}
    cached.clock.advance(60)
    served = [read(cached, "Books", KEY)["Dax"]["NodeId"] for _ in range(6)]
    assert served == ["cache-a", "cache-b", "cache-c"] * 2
    written = through(cached, "PutItem", {"TableName": "Books", "Item": {"pk": s("z")}})
    assert written["Dax"]["NodeId"] == "cache-a"
    named = through(cached, "GetItem", {"TableName": "Books", "Key": KEY}, node="cache-c")
    assert named["Dax"]["NodeId"] == "cache-c"
    served_counts = {
        n.node_id: n.requests_served for n in cached.inspect.dax_cluster("cache").nodes
    }
    assert sum(served_counts.values()) == 3 + 6 + 1 + 1
    unknown = error_of(cached, "CallThroughDax", {
        "ClusterName": "cache", "Operation": "GetItem", "NodeId": "cache-q",
        "Request": {"TableName": "Books", "Key": KEY},
    })  # fmt: skip
    assert unknown.code == "NodeNotFoundFault"


@pytest.mark.parametrize("operation", ["CreateTable", "DescribeTable", "ExecuteStatement"])
def test_dax_answers_no_table_operation_nor_partiql(cached: Engine, operation: str) -> None:
    error = error_of(cached, "CallThroughDax", {
        "ClusterName": "cache", "Operation": operation, "Request": {"TableName": "Books"},
    })  # fmt: skip
    assert error.code == "UnknownOperationException"
    assert f"DAX does not answer {operation}" in error.message


def test_calls_to_a_cluster_that_cannot_answer(engine: Engine) -> None:
    create_table(engine, "Books")
    request = {"ClusterName": "nope", "Operation": "GetItem", "Request": {"TableName": "Books"}}
    missing = error_of(engine, "CallThroughDax", request)
    assert (missing.code, missing.message) == ("ClusterNotFoundFault", "Cluster nope not found.")
    create_cluster(engine, "slow", available=False)
    creating = error_of(engine, "CallThroughDax", {**request, "ClusterName": "slow"})
    assert creating.code == "InvalidClusterStateFault"
    assert error_of(engine, "CallThroughDax", {"ClusterName": "slow"}).code == "ValidationException"


def test_every_call_through_dax_moves_the_revision(cached: Engine) -> None:
    for call in (
        lambda: read(cached, "Books", KEY),  # miss
        lambda: read(cached, "Books", KEY),  # hit: LRU order and statistics change
        lambda: read(cached, "Books", KEY, ConsistentRead=True),
        lambda: through(cached, "Scan", {"TableName": "Books"}),
    ):
        before = cached.revision
        call()
        assert cached.revision > before


# ---------------------------------------------------------------------- properties
Step = tuple[str, str, int]

#: Writes carry no value: each writes a value of its own (its position in the plan), so a
#: stale read can never pass for a current one by chance.
steps = st.lists(
    st.tuples(
        st.sampled_from(
            ["read", "read", "read", "strong", "write_dax", "delete_dax", "write_direct", "advance"]
        ),
        st.sampled_from("ab"),
        st.sampled_from([1, 30, 120, 299, 300, 301, 600]),
    ),
    max_size=40,
)


def _run(engine: Engine, plan: list[Step], ttl: float, check: bool, start: int = 0) -> None:
    """Run ``plan`` through DAX and around it; with ``check``, every eventually consistent
    read through DAX returns the table's current item or one the table held within the
    last TTL, and exactly the current one while no write has bypassed DAX."""
    #: key -> [(from, until or None, value or None)]: what the table held when.
    history: dict[str, list[list[Any]]] = {key: [[0.0, None, None]] for key in "ab"}
    bypassed = False

    def held(key: str, value: int | None) -> None:
        now = engine.now()
        history[key][-1][1] = now
        history[key].append([now, None, value])

    for position, (action, argument, seconds) in enumerate(plan, start):
        if action == "read":
            got = value_of(read(engine, "Books", {"pk": s(argument)}))
            if not check:
                continue
            now = engine.now()
            current = history[argument][-1][2]
            recent = {
                value
                for start, until, value in history[argument]
                if until is None or until > now - ttl
            }
            assert got == current or got in recent, (got, current, history[argument])
            if not bypassed:
                assert got == current
        elif action == "strong":
            got = value_of(read(engine, "Books", {"pk": s(argument)}, ConsistentRead=True))
            if check:
                assert got == history[argument][-1][2]
        elif action == "write_dax":
            item = {"pk": s(argument), "v": n(position)}
            through(engine, "PutItem", {"TableName": "Books", "Item": item})
            held(argument, position)
        elif action == "delete_dax":
            through(engine, "DeleteItem", {"TableName": "Books", "Key": {"pk": s(argument)}})
            held(argument, None)
        elif action == "write_direct":
            put_direct(engine, position, argument)
            held(argument, position)
            bypassed = True
        else:
            engine.clock.advance(seconds)


def _fresh() -> Engine:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    create_table(engine, "Books")
    create_cluster(engine, nodes=3)  # reads take turns on the nodes: more state to rebuild
    return engine


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=steps)
def test_a_read_through_dax_is_current_or_at_most_one_ttl_old(plan: list[Step]) -> None:
    _run(_fresh(), plan, 300.0, check=True)


@settings(max_examples=60, deadline=None)
@given(plan=steps, cut=st.integers(0, 40))
def test_a_sandbox_rebuilt_midway_ends_in_the_same_state(plan: list[Step], cut: int) -> None:
    """What a worker rebuilding from a snapshot does: dump, load, go on; both end equal."""
    whole = _fresh()
    _run(whole, plan, 300.0, check=False)
    halves = _fresh()
    _run(halves, plan[:cut], 300.0, check=False)
    halves = Engine.loads(halves.dumps())
    _run(halves, plan[cut:], 300.0, check=False, start=min(cut, len(plan)))
    assert halves.dumps() == whole.dumps()


def test_each_cache_expires_by_its_own_ttl_when_room_is_needed(engine: Engine) -> None:
    create_table(engine, "Books")
    for key in "abc":
        engine.call("PutItem", {"TableName": "Books", "Item": sized_item(key, 1000)})
    engine.call("CreateParameterGroup", {"ParameterGroupName": "quick-pages"})
    engine.call(
        "UpdateParameterGroup",
        {
            "ParameterGroupName": "quick-pages",
            "ParameterNameValues": [
                {"ParameterName": "query-ttl-millis", "ParameterValue": "5000"}
            ],
        },
    )
    create_cluster(engine, ParameterGroupName="quick-pages")
    read(engine, "Books", {"pk": s("a")})  # the oldest entry, and the least recently used
    scan = through(engine, "Scan", {"TableName": "Books", "Limit": 1})
    page_size = engine.inspect.dax_cluster("cache").query_entries[0].size_bytes
    engine.extensions["dax"].max_cache_bytes = 2 * 1064 + page_size  # type: ignore[attr-defined]
    read(engine, "Books", {"pk": s("b")})
    engine.clock.advance(5)  # the page has expired; the items have not
    read(engine, "Books", {"pk": s("c")})
    view = engine.inspect.dax_cluster("cache")
    assert [entry.key["pk"]["S"] for entry in view.item_entries] == ["c", "b", "a"]
    assert view.query_entry_count == 0
    assert view.statistics.item_evictions == view.statistics.query_evictions == 0
    assert scan["Dax"]["Outcome"] == "miss"
