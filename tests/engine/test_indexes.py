"""Secondary indexes: sparse GSIs, LSIs, projections, propagation lag, reads and billing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine, SimClock
from tests.support.engine import FROZEN_AT, error_of, matches_table, n, orders_table, s


def put(engine: Engine, customer: str, placed: int, **attributes: Any) -> dict[str, Any]:
    item = {"customer": s(customer), "placed": n(placed), **attributes}
    return engine.call(
        "PutItem", {"TableName": "Orders", "Item": item, "ReturnConsumedCapacity": "INDEXES"}
    )


@pytest.fixture
def orders() -> Engine:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    orders_table(engine)
    return engine


def by_status(engine: Engine, status: str, **extra: Any) -> dict[str, Any]:
    return engine.call(
        "Query",
        {
            "TableName": "Orders",
            "IndexName": "by-status",
            "KeyConditionExpression": "#s = :s",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":s": s(status)},
            **extra,
        },
    )


def test_a_gsi_is_sparse_and_shows_writes_after_the_propagation_delay(orders: Engine) -> None:
    orders.extensions["indexes"].settings.propagation_delay = 1.0  # a lab showing the lag
    put(orders, "ann", 1, status=s("OPEN"))
    put(orders, "ann", 2)  # no status: not in the index
    put(orders, "bob", 3, status=s("OPEN"))
    assert by_status(orders, "OPEN")["Items"] == []  # not propagated yet
    orders.clock.advance(1)
    found = by_status(orders, "OPEN")["Items"]
    assert sorted(i["placed"]["N"] for i in found) == ["1", "3"]
    # KEYS_ONLY: the table's keys and the index's keys.
    assert set(found[0]) == {"customer", "placed", "status"}
    described = orders.call("DescribeTable", {"TableName": "Orders"})["Table"]
    assert described["GlobalSecondaryIndexes"][0]["ItemCount"] == 2
    assert described["LocalSecondaryIndexes"][0]["ItemCount"] == 0


def test_by_default_a_gsi_shows_a_write_at_once(orders: Engine) -> None:
    # What an SDK client sees on AWS, where the lag is a fraction of a second.
    assert orders.extensions["indexes"].settings.propagation_delay == 0
    put(orders, "ann", 1, status=s("OPEN"))
    assert by_status(orders, "OPEN")["Count"] == 1
    restored = Engine.loads(orders.dumps())
    assert restored.extensions["indexes"].settings.propagation_delay == 0


def test_dumps_from_before_the_zero_default_take_it(orders: Engine) -> None:
    state = orders.dump()
    old = state["extensions"]["indexes"]
    del old["settings_version"]
    old["settings"]["propagation_delay"] = 1.0  # what every older dump recorded
    assert Engine.load(state).extensions["indexes"].settings.propagation_delay == 0
    # A delay a lab chose survives dump and load.
    orders.extensions["indexes"].settings.propagation_delay = 1.0
    assert Engine.loads(orders.dumps()).extensions["indexes"].settings.propagation_delay == 1.0


def test_gsi_reads_are_eventually_consistent_only(orders: Engine) -> None:
    error = error_of(
        orders,
        "Query",
        {
            "TableName": "Orders",
            "IndexName": "by-status",
            "KeyConditionExpression": "#s = :s",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":s": s("OPEN")},
            "ConsistentRead": True,
        },
    )
    assert error.message == "Consistent reads are not supported on global secondary indexes"
    error = error_of(
        orders,
        "Query",
        {
            "TableName": "Orders",
            "IndexName": "nope",
            "KeyConditionExpression": "customer = :c",
            "ExpressionAttributeValues": {":c": s("a")},
        },
    )
    assert error.message == "The table does not have the specified index: nope"


def test_select_all_attributes_on_a_keys_only_gsi_is_rejected(orders: Engine) -> None:
    error = error_of(
        orders,
        "Scan",
        {"TableName": "Orders", "IndexName": "by-status", "Select": "ALL_ATTRIBUTES"},
    )
    assert "Select type ALL_ATTRIBUTES is not supported for global secondary index by-status" in (
        error.message
    )


def test_index_key_type_is_checked_on_write(orders: Engine) -> None:
    error = error_of(
        orders,
        "PutItem",
        {"TableName": "Orders", "Item": {"customer": s("a"), "placed": n(1), "status": n(5)}},
    )
    assert error.message == (
        "One or more parameter values were invalid: Type mismatch for Index Key status "
        "Expected: S Actual: N IndexName: by-status"
    )


def test_index_writes_are_billed_to_each_index(orders: Engine) -> None:
    orders.extensions["indexes"].settings.propagation_delay = 0
    created = put(orders, "ann", 1, status=s("OPEN"), total=n(10))["ConsumedCapacity"]
    assert created == {
        "TableName": "Orders",
        "CapacityUnits": 3.0,
        "Table": {"CapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {"by-status": {"CapacityUnits": 1.0}},
        "LocalSecondaryIndexes": {"by-total": {"CapacityUnits": 1.0}},
    }
    # The GSI key changes: a delete and a put there (2 units); the LSI entry changes (1).
    moved = put(orders, "ann", 1, status=s("SHIPPED"), total=n(10), extra=s("x"))
    assert moved["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {
        "by-status": {"CapacityUnits": 2.0}
    }
    # Only a non-projected attribute changes: the indexes are not written at all.
    untouched = put(orders, "ann", 1, status=s("SHIPPED"), total=n(10), extra=s("y"))
    assert untouched["ConsumedCapacity"] == {
        "TableName": "Orders",
        "CapacityUnits": 1.0,
        "Table": {"CapacityUnits": 1.0},
    }
    # Removing the index key takes the item out of the index: one write there.
    removed = put(orders, "ann", 1, total=n(10), extra=s("y"))
    assert removed["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {
        "by-status": {"CapacityUnits": 1.0}
    }
    assert by_status(orders, "SHIPPED")["Count"] == 0


def test_local_index_query_in_order_and_table_fetch_billing(orders: Engine) -> None:
    for placed, total in [(1, 30), (2, 10), (3, 20)]:
        put(orders, "ann", placed, total=n(total), note=s("n"), secret=s("x" * 5000))
    request = {
        "TableName": "Orders",
        "IndexName": "by-total",
        # "total" is a reserved word: it needs a placeholder.
        "KeyConditionExpression": "customer = :c AND #t >= :t",
        "ExpressionAttributeNames": {"#t": "total"},
        "ExpressionAttributeValues": {":c": s("ann"), ":t": n(15)},
        "ReturnConsumedCapacity": "INDEXES",
        "ConsistentRead": True,
    }
    projected = orders.call("Query", request)
    assert [i["total"]["N"] for i in projected["Items"]] == ["20", "30"]
    assert "secret" not in projected["Items"][0]
    assert projected["ConsumedCapacity"] == {
        "TableName": "Orders",
        "CapacityUnits": 1.0,
        "Table": {"CapacityUnits": 0.0},
        "LocalSecondaryIndexes": {"by-total": {"CapacityUnits": 1.0}},
    }
    fetched = orders.call("Query", {**request, "Select": "ALL_ATTRIBUTES"})
    assert fetched["Items"][0]["secret"] == s("x" * 5000)
    # Two items fetched from the table, each about 5 KB: 2 units apiece.
    assert fetched["ConsumedCapacity"]["Table"] == {"CapacityUnits": 4.0}
    assert fetched["ConsumedCapacity"]["CapacityUnits"] == 5.0


def test_index_pagination_keys_include_table_and_index_keys(orders: Engine) -> None:
    orders.extensions["indexes"].settings.propagation_delay = 0
    for placed in range(5):
        put(orders, f"c{placed}", placed, status=s("OPEN"))
    seen = []
    start = None
    while True:
        extra: dict[str, Any] = {"Limit": 2}
        if start:
            extra["ExclusiveStartKey"] = start
        page = by_status(orders, "OPEN", **extra)
        seen += [i["customer"]["S"] for i in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
        assert set(start) == {"customer", "placed", "status"}
    assert sorted(seen) == [f"c{i}" for i in range(5)]


def test_item_collection_limit_and_metrics() -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    orders_table(engine)
    engine.extensions["indexes"].settings.item_collection_limit = 3000
    response = engine.call(
        "PutItem",
        {
            "TableName": "Orders",
            "Item": {"customer": s("ann"), "placed": n(1), "total": n(1), "note": s("x" * 1000)},
            "ReturnItemCollectionMetrics": "SIZE",
        },
    )
    assert response["ItemCollectionMetrics"] == {
        "ItemCollectionKey": {"customer": s("ann")},
        "SizeEstimateRangeGB": [0.0, 1.0],
    }
    error = error_of(
        engine,
        "PutItem",
        {
            "TableName": "Orders",
            "Item": {"customer": s("ann"), "placed": n(2), "note": s("x" * 1500)},
        },
    )
    assert (error.code, error.message) == (
        "ItemCollectionSizeLimitExceededException",
        "Collection size exceeded.",
    )


def test_pending_index_writes_survive_dump_and_load(orders: Engine) -> None:
    orders.extensions["indexes"].settings.propagation_delay = 1.0
    put(orders, "ann", 1, status=s("OPEN"))
    orders.clock.advance(1)
    put(orders, "bob", 2, status=s("OPEN"))  # still in flight
    restored = Engine.loads(orders.dumps())
    assert restored.extensions["indexes"].settings.propagation_delay == 1.0
    assert [i["customer"]["S"] for i in by_status(restored, "OPEN")["Items"]] == ["ann"]
    restored.clock.advance(1)
    assert by_status(restored, "OPEN")["Count"] == 2


@settings(max_examples=40)
@given(
    writes=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c"]),
            st.integers(min_value=1, max_value=4),
            st.one_of(st.none(), st.sampled_from(["OPEN", "SHIPPED"])),
            st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
            st.booleans(),
        ),
        max_size=30,
    )
)
def test_indexes_equal_the_projection_of_items_with_their_keys(writes) -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    orders_table(
        engine, gsi_projection={"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]}
    )
    for customer, placed, status, total, delete in writes:
        if delete:
            engine.call(
                "DeleteItem",
                {"TableName": "Orders", "Key": {"customer": s(customer), "placed": n(placed)}},
            )
            continue
        item: dict[str, Any] = {"customer": s(customer), "placed": n(placed), "other": s("o")}
        if status:
            item["status"] = s(status)
        if total is not None:
            item["total"] = n(total)
        engine.call("PutItem", {"TableName": "Orders", "Item": item})
        engine.clock.advance(0.25)
    engine.clock.advance(1)
    items = engine.call("Scan", {"TableName": "Orders"})["Items"]
    table = engine.tables["Orders"]
    gsi = engine.call("Scan", {"TableName": "Orders", "IndexName": "by-status"})["Items"]
    expected_gsi = [
        {k: v for k, v in item.items() if k in {"customer", "placed", "status", "total"}}
        for item in items
        if "status" in item
    ]
    key = lambda i: (i["customer"]["S"], i["placed"]["N"])  # noqa: E731
    assert sorted(gsi, key=key) == sorted(expected_gsi, key=key)
    lsi = engine.call("Scan", {"TableName": "Orders", "IndexName": "by-total"})["Items"]
    expected_lsi = [
        {k: v for k, v in item.items() if k in {"customer", "placed", "total", "note"}}
        for item in items
        if "total" in item
    ]
    assert sorted(lsi, key=key) == sorted(expected_lsi, key=key)
    assert table.indexes["by-total"].item_count == len(expected_lsi)


def test_a_gsi_added_later_backfills_before_it_can_be_read() -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    engine.call(
        "CreateTable",
        {
            "TableName": "Books",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "isbn", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "isbn", "KeyType": "HASH"}],
        },
    )
    for i in range(10):
        item = {"isbn": s(f"i{i}"), "author": s("Le Guin" if i % 2 else "Herbert")}
        engine.call("PutItem", {"TableName": "Books", "Item": item})
    updated = engine.call(
        "UpdateTable",
        {
            "TableName": "Books",
            "AttributeDefinitions": [{"AttributeName": "author", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [
                {
                    "Create": {
                        "IndexName": "by-author",
                        "KeySchema": [{"AttributeName": "author", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                }
            ],
        },
    )["TableDescription"]
    index = updated["GlobalSecondaryIndexes"][0]
    assert (index["IndexStatus"], index["Backfilling"]) == ("CREATING", True)
    assert {"AttributeName": "author", "AttributeType": "S"} in updated["AttributeDefinitions"]
    request = {
        "TableName": "Books",
        "IndexName": "by-author",
        "KeyConditionExpression": "author = :a",
        "ExpressionAttributeValues": {":a": s("Herbert")},
    }
    error = error_of(engine, "Query", request)
    assert error.message == "Cannot read from backfilling global secondary index: by-author"
    engine.clock.advance(5)
    assert engine.call("Query", request)["Count"] == 5
    described = engine.call("DescribeTable", {"TableName": "Books"})["Table"]
    assert described["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert described["GlobalSecondaryIndexes"][0]["ItemCount"] == 10
    engine.call(
        "UpdateTable",
        {
            "TableName": "Books",
            "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by-author"}}],
        },
    )
    error = error_of(engine, "Query", request)
    assert error.message == "The table does not have the specified index: by-author"
    assert engine.call("DescribeTable", {"TableName": "Books"})["Table"][
        "AttributeDefinitions"
    ] == [{"AttributeName": "isbn", "AttributeType": "S"}]


def query_matches(
    engine: Engine, condition: str, values: dict[str, Any], **extra: Any
) -> list[str]:
    response = engine.call(
        "Query",
        {
            "TableName": "Matches",
            "IndexName": "by-tournament",
            "KeyConditionExpression": condition,
            **({"ExpressionAttributeNames": {"#r": "round"}} if "#r" in condition else {}),
            "ExpressionAttributeValues": values,
            **extra,
        },
    )
    return [item["matchId"]["S"] for item in response["Items"]]


def test_multi_attribute_gsi_keys() -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    matches_table(engine)
    base = {":t": s("WINTER"), ":g": s("EU")}
    both = "tournament = :t AND regionId = :g"
    # Sorted by round, then bracket.
    assert query_matches(engine, both, base) == ["m2", "m1", "m3", "m6"]
    assert query_matches(engine, both + " AND #r = :r", {**base, ":r": n(1)}) == ["m2", "m1"]
    assert query_matches(engine, both + " AND #r >= :r", {**base, ":r": n(2)}) == ["m3", "m6"]
    assert query_matches(
        engine,
        both + " AND #r = :r AND begins_with(bracket, :b)",
        {**base, ":r": n(1), ":b": s("UP")},
    ) == ["m1"]
    assert query_matches(engine, both, base, ScanIndexForward=False) == ["m6", "m3", "m1", "m2"]
    missing = error_of(
        engine,
        "Query",
        {
            "TableName": "Matches",
            "IndexName": "by-tournament",
            "KeyConditionExpression": "tournament = :t",
            "ExpressionAttributeValues": {":t": s("WINTER")},
        },
    )
    assert missing.message == "Query condition missed key schema element: regionId"
    skipped = error_of(
        engine,
        "Query",
        {
            "TableName": "Matches",
            "IndexName": "by-tournament",
            "KeyConditionExpression": both + " AND bracket = :b",
            "ExpressionAttributeValues": {**base, ":b": s("UPPER")},
        },
    )
    assert skipped.message == (
        "RANGE key attributes round must have equality conditions specified in the query "
        "because a condition is present on key attribute bracket"
    )
    range_first = error_of(
        engine,
        "Query",
        {
            "TableName": "Matches",
            "IndexName": "by-tournament",
            "KeyConditionExpression": both + " AND #r > :r AND bracket = :b",
            "ExpressionAttributeNames": {"#r": "round"},
            "ExpressionAttributeValues": {**base, ":r": n(1), ":b": s("UPPER")},
        },
    )
    assert range_first.message == (
        "RANGE key attributes round must have equality conditions specified in the query "
        "because a condition is present on key attribute bracket"
    )
    scanned = engine.call("Scan", {"TableName": "Matches", "IndexName": "by-tournament"})
    assert scanned["Count"] == 6
    described = engine.call("DescribeTable", {"TableName": "Matches"})["Table"]
    assert len(described["GlobalSecondaryIndexes"][0]["KeySchema"]) == 4


def test_multi_attribute_pagination() -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    matches_table(engine)
    seen = []
    start = None
    while True:
        extra: dict[str, Any] = {"Limit": 1}
        if start:
            extra["ExclusiveStartKey"] = start
        response = engine.call(
            "Query",
            {
                "TableName": "Matches",
                "IndexName": "by-tournament",
                "KeyConditionExpression": "tournament = :t AND regionId = :g",
                "ExpressionAttributeValues": {":t": s("WINTER"), ":g": s("EU")},
                **extra,
            },
        )
        seen += [i["matchId"]["S"] for i in response["Items"]]
        start = response.get("LastEvaluatedKey")
        if not start:
            break
        assert set(start) == {"matchId", "tournament", "regionId", "round", "bracket"}
    assert seen == ["m2", "m1", "m3", "m6"]
