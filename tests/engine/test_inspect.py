"""The inspection API: uncharged, side-effect free, and in agreement with what calls do."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import DynamoDBError, Engine, SimClock
from tests.support.engine import FROZEN_AT, create_table, n, s


def _provisioned(engine: Engine, name: str = "Orders", **extra: Any) -> None:
    create_table(
        engine,
        name,
        partition=("customer", "S"),
        sort=("placed", "S"),
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 100},
        **extra,
    )


def _orders(engine: Engine, customers: int = 3, per_customer: int = 4, pad: int = 0) -> None:
    for c in range(customers):
        for o in range(per_customer):
            engine.call(
                "PutItem",
                {
                    "TableName": "Orders",
                    "Item": {
                        "customer": s(f"c{c}"),
                        "placed": s(f"2024-0{o + 1}"),
                        "total": n(o * 10),
                        "note": s("x" * pad),
                    },
                },
            )


def test_itemised_query_matches_the_calls_bill_and_lists_every_item_read(engine: Engine) -> None:
    _provisioned(engine)
    _orders(engine, pad=3000)
    request = {
        "TableName": "Orders",
        "KeyConditionExpression": "customer = :c",
        "FilterExpression": "#t >= :t",
        "ExpressionAttributeNames": {"#t": "total"},
        "ExpressionAttributeValues": {":c": s("c1"), ":t": n(20)},
        "ReturnConsumedCapacity": "TOTAL",
    }
    read = engine.inspect.itemise_read("Query", request)
    response = engine.call("Query", request)
    assert [e.key["placed"]["S"] for e in read.entries] == [
        "2024-01",
        "2024-02",
        "2024-03",
        "2024-04",
    ]
    assert [e.kept for e in read.entries] == [False, False, True, True]
    assert read.scanned_count == response["ScannedCount"] == 4
    assert read.count == response["Count"] == 2
    assert read.filtered and read.filtered_out == 2
    # Four items of about 3 KB: 12 KB read, three 4 KB units, halved (eventual).
    assert read.read_bytes == sum(e.size_bytes for e in read.entries)
    assert read.rounded_units == math.ceil(read.read_bytes / 4096) == 3
    assert read.read_units == 1.5
    assert read.total_units == response["ConsumedCapacity"]["CapacityUnits"]


def test_inspection_draws_no_capacity_and_changes_nothing(engine: Engine) -> None:
    _provisioned(engine)
    _orders(engine)
    before = engine.dumps()
    revision = engine.revision
    for _ in range(50):  # far more than 5 RCU a second would allow if it were charged
        engine.inspect.itemise_read("Scan", {"TableName": "Orders", "ConsistentRead": True})
        engine.inspect.covered_keys("Scan", {"TableName": "Orders"})
        engine.inspect.shelves("Orders")
        engine.inspect.table_status("Orders")
        engine.inspect.describe_table("Orders")
        engine.inspect.item("Orders", {"customer": s("c0"), "placed": s("2024-01")})
    assert engine.revision == revision
    assert engine.dumps() == before


def test_inspection_does_not_apply_due_work(engine: Engine) -> None:
    """A TTL deletion that is due waits for the next call: applying it while only looking
    would make this worker's engine differ from one rebuilt from the journal."""
    create_table(engine, "Sessions")
    engine.call(
        "UpdateTimeToLive",
        {
            "TableName": "Sessions",
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expires"},
        },
    )
    engine.extensions["ttl"].ttl_deletion_delay = "immediate"
    engine.call(
        "PutItem",
        {
            "TableName": "Sessions",
            "Item": {"pk": s("a"), "expires": n(int(FROZEN_AT) + 10)},
        },
    )
    engine.clock.freeze(FROZEN_AT + 3600)
    assert engine.inspect.item("Sessions", {"pk": s("a")}) is not None
    assert engine.inspect.table_status("Sessions").item_count == 1
    engine.call("DescribeTable", {"TableName": "Sessions"})  # a call applies what is due
    assert engine.inspect.item("Sessions", {"pk": s("a")}) is None


def test_item_returns_a_copy_with_its_size_and_checks_the_key(engine: Engine) -> None:
    _provisioned(engine)
    _orders(engine, customers=1, per_customer=1)
    stored = engine.inspect.item("Orders", {"customer": s("c0"), "placed": s("2024-01")})
    assert stored is not None
    assert stored.size_bytes == len("customer") + 2 + len("placed") + 7 + len("total") + 1 + (
        len("note") + 0
    )
    stored.item["total"]["N"] = "999"  # the caller's copy: the engine's item is untouched
    again = engine.inspect.item("Orders", {"customer": s("c0"), "placed": s("2024-01")})
    assert again is not None and again.item["total"] == n(0)
    assert engine.inspect.item("Orders", {"customer": s("c9"), "placed": s("x")}) is None
    with pytest.raises(DynamoDBError) as caught:
        engine.inspect.item("Orders", {"customer": s("c0")})
    assert caught.value.code == "ValidationException"
    with pytest.raises(DynamoDBError) as caught:
        engine.inspect.item("Nope", {"customer": s("c0")})
    assert caught.value.code == "ResourceNotFoundException"


def test_shelves_follow_scan_order_and_hold_items_in_sort_order(engine: Engine) -> None:
    _provisioned(engine)
    _orders(engine, customers=5, per_customer=3)
    scanned = engine.call("Scan", {"TableName": "Orders"})["Items"]
    scan_partitions = list(dict.fromkeys(item["customer"]["S"] for item in scanned))
    shelves = engine.inspect.shelves("Orders", count=10, books=2)
    assert engine.inspect.shelf_count("Orders") == 5
    assert [shelf.partition_key["customer"]["S"] for shelf in shelves] == scan_partitions
    for shelf in shelves:
        assert shelf.item_count == 3
        assert [b.key["placed"]["S"] for b in shelf.books] == ["2024-01", "2024-02"]
        assert shelf.size_bytes == sum(
            engine.inspect.item("Orders", {**shelf.partition_key, "placed": s(p)}).size_bytes
            for p in ("2024-01", "2024-02", "2024-03")
        )
    assert engine.inspect.shelves("Orders", start=3, count=10)[0].position == 3


def test_shelf_of_finds_the_partition_and_a_window_around_the_item(engine: Engine) -> None:
    _provisioned(engine)
    for o in range(100):
        engine.call(
            "PutItem",
            {"TableName": "Orders", "Item": {"customer": s("big"), "placed": s(f"{o:03d}")}},
        )
    shelf = engine.inspect.shelf_of(
        "Orders", None, {"customer": s("big"), "placed": s("060")}, books=10, before=3
    )
    assert shelf is not None
    assert shelf.offset == 57
    assert [b.key["placed"]["S"] for b in shelf.books][:4] == ["057", "058", "059", "060"]
    end = engine.inspect.shelf_of(
        "Orders", None, {"customer": s("big"), "placed": s("099")}, books=10
    )
    assert end is not None and end.offset == 90 and len(end.books) == 10
    assert engine.inspect.shelf_of("Orders", None, {"customer": s("big"), "placed": s("x")}) is None


def test_covered_keys_ignore_filter_limit_and_start_key(engine: Engine) -> None:
    _provisioned(engine)
    _orders(engine, customers=2, per_customer=4)
    request = {
        "TableName": "Orders",
        "KeyConditionExpression": "customer = :c AND placed >= :p",
        "FilterExpression": "#t > :big",
        "ExpressionAttributeNames": {"#t": "total"},
        "ExpressionAttributeValues": {":c": s("c0"), ":p": s("2024-02"), ":big": n(1000)},
        "Limit": 1,
        "ExclusiveStartKey": {"customer": s("c0"), "placed": s("2024-02")},
    }
    covered = engine.inspect.covered_keys("Query", request)
    assert [k["placed"]["S"] for k in covered.keys] == ["2024-02", "2024-03", "2024-04"]
    assert not covered.truncated
    capped = engine.inspect.covered_keys("Scan", {"TableName": "Orders"}, limit=5)
    assert len(capped.keys) == 5 and capped.truncated


def test_index_membership_says_why_items_are_absent(engine: Engine) -> None:
    create_table(
        engine,
        "Orders",
        partition=("pk", "S"),
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "returnedAt", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "Returned",
                "KeySchema": [{"AttributeName": "returnedAt", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]},
            }
        ],
    )
    engine.extensions["indexes"].settings.propagation_delay = 0
    engine.call("PutItem", {"TableName": "Orders", "Item": {"pk": s("a"), "total": n(5)}})
    engine.call(
        "PutItem",
        {
            "TableName": "Orders",
            "Item": {"pk": s("b"), "returnedAt": n(7), "total": n(9), "other": s("x")},
        },
    )
    engine.extensions["indexes"].settings.propagation_delay = 60
    engine.call("PutItem", {"TableName": "Orders", "Item": {"pk": s("c"), "returnedAt": n(8)}})
    membership = engine.inspect.index_membership("Orders", "Returned")
    by_key = {m.key["pk"]["S"]: m for m in membership.members}
    assert by_key["a"].status == "missing_attribute" and by_key["a"].attribute == "returnedAt"
    assert by_key["b"].status == "in_index"
    assert set(by_key["b"].projected) == {"pk", "returnedAt", "total"}
    assert by_key["c"].status == "pending"
    assert membership.pending_writes == 1
    assert membership.projected_attributes == ("total",)
    assert (membership.table_item_count, membership.index_item_count) == (3, 1)
    engine.clock.freeze(FROZEN_AT + 120)
    engine.call("DescribeTable", {"TableName": "Orders"})
    membership = engine.inspect.index_membership("Orders", "Returned", offset=0, limit=2)
    assert len(membership.members) == 2
    statuses = {
        m.key["pk"]["S"]: m.status
        for m in engine.inspect.index_membership("Orders", "Returned").members
    }
    assert statuses["c"] == "in_index"


def test_table_status_gathers_keys_billing_indexes_stream_ttl_and_pitr(engine: Engine) -> None:
    _provisioned(engine, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    engine.call(
        "UpdateTimeToLive",
        {
            "TableName": "Orders",
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expires"},
        },
    )
    engine.call(
        "UpdateContinuousBackups",
        {
            "TableName": "Orders",
            "PointInTimeRecoverySpecification": {
                "PointInTimeRecoveryEnabled": True,
                "RecoveryPeriodInDays": 7,
            },
        },
    )
    status = engine.inspect.table_status("Orders")
    assert (status.partition_key.name, status.partition_key.type) == ("customer", "S")
    assert status.sort_key is not None and status.sort_key.name == "placed"
    assert (status.billing_mode, status.read_capacity, status.write_capacity) == (
        "PROVISIONED",
        5,
        100,
    )
    assert status.stream_enabled and status.stream_view_type == "NEW_IMAGE"
    assert (
        status.stream_arn
        == engine.call("DescribeTable", {"TableName": "Orders"})["Table"]["LatestStreamArn"]
    )
    assert (status.ttl_status, status.ttl_attribute) == ("ENABLED", "expires")
    assert status.pitr_enabled and status.pitr_recovery_days == 7
    assert status.indexes == ()


def test_errors_are_the_services(engine: Engine) -> None:
    with pytest.raises(DynamoDBError) as caught:
        engine.inspect.table_status("Missing")
    assert caught.value.code == "ResourceNotFoundException"
    create_table(engine, "Tbl")
    with pytest.raises(DynamoDBError) as caught:
        engine.inspect.itemise_read("Query", {"TableName": "Tbl", "KeyConditionExpression": "("})
    assert caught.value.code == "ValidationException"
    with pytest.raises(DynamoDBError) as caught:
        engine.inspect.itemise_read("PutItem", {"TableName": "Tbl"})
    assert caught.value.code == "ValidationException"


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=9000), min_size=0, max_size=30),
    limit=st.one_of(st.none(), st.integers(min_value=1, max_value=30)),
    consistent=st.booleans(),
    threshold=st.integers(min_value=0, max_value=9000),
)
def test_itemised_scan_equals_brute_force_and_the_calls_bill(
    sizes: list[int], limit: int | None, consistent: bool, threshold: int
) -> None:
    """Oracle: the entries are the first items in scan order, each sized by the service's
    rule; their sum rounded to 4 KB (halved when eventual) is the bill the call reports."""
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    create_table(engine, "Tbl")
    for number, size in enumerate(sizes):
        engine.call(
            "PutItem",
            {"TableName": "Tbl", "Item": {"pk": s(f"{number:03d}"), "body": s("p" * size)}},
        )
    request: dict[str, Any] = {
        "TableName": "Tbl",
        "ConsistentRead": consistent,
        "FilterExpression": "size(body) >= :t",
        "ExpressionAttributeValues": {":t": n(threshold)},
        "ReturnConsumedCapacity": "TOTAL",
    }
    if limit is not None:
        request["Limit"] = limit
    read = engine.inspect.itemise_read("Scan", request)
    response = engine.call("Scan", request)
    order = [item["pk"]["S"] for item in engine.call("Scan", {"TableName": "Tbl"})["Items"]]
    expected = order[: limit if limit is not None else len(order)]
    assert [e.key["pk"]["S"] for e in read.entries] == expected
    by_pk = {f"{number:03d}": size for number, size in enumerate(sizes)}
    assert [e.size_bytes for e in read.entries] == [2 + 3 + 4 + by_pk[pk] for pk in expected]
    assert [e.kept for e in read.entries] == [by_pk[pk] >= threshold for pk in expected]
    units = max(1, math.ceil(read.read_bytes / 4096))
    assert read.rounded_units == units
    assert read.total_units == (units if consistent else units / 2)
    assert read.total_units == response["ConsumedCapacity"]["CapacityUnits"]
    assert read.count == response["Count"]


def test_the_regional_views_see_the_sandbox_without_changing_it() -> None:
    from engine import MultiRegionEngine

    sandbox = MultiRegionEngine(SimClock(frozen_at=FROZEN_AT))
    us = sandbox.region("us-east-1")
    create_table(us)
    us.call("PutItem", {"TableName": "Books", "Item": {"pk": s("a")}})
    us.call(
        "UpdateTable",
        {"TableName": "Books", "ReplicaUpdates": [{"Create": {"RegionName": "eu-west-1"}}]},
    )
    sandbox.clock.advance(21)
    us.call("PutItem", {"TableName": "Books", "Item": {"pk": s("b")}})
    before = sandbox.dumps()

    view = sandbox.inspect.region("eu-west-1")
    replication = view.replication("Books")

    assert sandbox.dumps() == before  # nothing due was applied, nothing charged
    assert view.region == "eu-west-1"
    assert view.table_regions("Books") == ("eu-west-1", "us-east-1")
    assert [(r.region, r.tables) for r in view.regions()] == [
        ("eu-west-1", ("Books",)),
        ("us-east-1", ("Books",)),
    ]
    assert view.sandbox_usage().tables == 2
    assert view.usage().items == 1  # this Region's own: b is still on its way
    assert replication is not None
    assert (replication.table, replication.region, replication.version) == (
        "Books",
        "eu-west-1",
        "2019.11.21",
    )
    assert replication.lag_seconds == 0.5
    assert [(r.region, r.status, r.pending_in) for r in replication.replicas] == [
        ("us-east-1", "ACTIVE", 0),
        ("eu-west-1", "ACTIVE", 1),
    ]
    [write] = replication.writes
    assert (write.region, write.kind, write.key) == ("us-east-1", "INSERT", {"pk": s("b")})
    assert [(o.region, o.state, o.at) for o in write.outcomes] == [
        ("us-east-1", "applied", FROZEN_AT + 21),
        ("eu-west-1", "pending", FROZEN_AT + 21.5),
    ]
    assert replication.lost == ()
    assert sandbox.inspect.region("us-east-1").replication("Books") is not None
    create_table(us, name="Solo")
    assert sandbox.inspect.region("us-east-1").replication("Solo") is None
    with pytest.raises(DynamoDBError):
        view.replication("Missing")
