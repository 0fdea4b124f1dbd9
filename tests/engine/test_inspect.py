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
    with pytest.raises(TypeError):  # a stored scalar is shared and cannot be changed
        stored.item["total"]["N"] = "999"
    stored.item["total"] = n(999)  # the caller's copy: the engine's item is untouched
    del stored.item["note"]
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


# ---------------------------------------------------------------------- key conditions
def _key_target(engine: Engine, **request: Any) -> Any:
    return engine.inspect.key_condition({"TableName": "Orders", **request})


def test_key_condition_names_the_partition_value_and_the_sort_condition(engine: Engine) -> None:
    _provisioned(engine)
    target = _key_target(
        engine,
        KeyConditionExpression=":from <= placed AND customer = :c",
        ExpressionAttributeValues={":c": s("c1"), ":from": s("2024")},
    )
    assert target.table == "Orders" and target.index is None
    assert target.partition_key == {"customer": s("c1")}
    # Written with the key on the left: ":from <= placed" is "placed >= :from".
    assert (target.sort_key, target.sort_operator, target.sort_values) == (
        "placed",
        ">=",
        (s("2024"),),
    )
    plain = _key_target(
        engine,
        KeyConditionExpression="#c = :c",
        ExpressionAttributeNames={"#c": "customer"},
        ExpressionAttributeValues={":c": s("c2")},
    )
    assert plain.partition_key == {"customer": s("c2")}
    assert (plain.sort_key, plain.sort_operator, plain.sort_values) == (None, None, ())


def test_key_condition_reads_the_legacy_key_conditions_and_an_index(engine: Engine) -> None:
    _provisioned(
        engine,
        AttributeDefinitions=[
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "placed", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByStatus",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            }
        ],
    )
    legacy = _key_target(
        engine,
        KeyConditions={
            "customer": {"AttributeValueList": [s("c3")], "ComparisonOperator": "EQ"},
            "placed": {"AttributeValueList": [s("2024")], "ComparisonOperator": "BEGINS_WITH"},
        },
    )
    assert legacy.partition_key == {"customer": s("c3")}
    assert (legacy.sort_operator, legacy.sort_values) == ("begins_with", (s("2024"),))
    on_index = _key_target(
        engine,
        IndexName="ByStatus",
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": s("OPEN")},
    )
    assert (on_index.index, on_index.partition_key) == ("ByStatus", {"status": s("OPEN")})


def test_key_condition_refuses_what_query_refuses_and_changes_nothing(engine: Engine) -> None:
    _provisioned(engine)
    _orders(engine)
    before = engine.dump()
    with pytest.raises(DynamoDBError, match="Query condition missed key schema element"):
        _key_target(
            engine,
            KeyConditionExpression="placed = :p",
            ExpressionAttributeValues={":p": s("2024-01")},
        )
    with pytest.raises(DynamoDBError, match="Query key condition not supported"):
        _key_target(
            engine,
            KeyConditionExpression="customer > :c",
            ExpressionAttributeValues={":c": s("c1")},
        )
    with pytest.raises(DynamoDBError, match="does not have the specified index"):
        _key_target(
            engine,
            IndexName="Nope",
            KeyConditionExpression="customer = :c",
            ExpressionAttributeValues={":c": s("c1")},
        )
    assert engine.dump() == before


# ---------------------------------------------------------------------- backups, triggers
def test_backups_lists_each_backup_with_its_status_as_of_now(engine: Engine) -> None:
    create_table(engine, "Books")
    create_table(engine, "Notes")
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s("1")}})
    assert engine.inspect.backups() == ()
    engine.call("CreateBackup", {"TableName": "Books", "BackupName": "first"})
    engine.call("CreateBackup", {"TableName": "Notes", "BackupName": "notes"})
    every = engine.inspect.backups()
    assert [(b.name, b.table, b.kind) for b in every] == [
        ("first", "Books", "USER"),
        ("notes", "Notes", "USER"),
    ]
    (books,) = engine.inspect.backups("Books")
    assert books.item_count == 1
    described = engine.call("DescribeBackup", {"BackupArn": books.arn})
    assert books.status == described["BackupDescription"]["BackupDetails"]["BackupStatus"]


def test_triggers_lists_each_trigger_of_a_stream(engine: Engine) -> None:
    created = create_table(
        engine,
        "Books",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    create_table(engine, "Copies")
    assert engine.inspect.triggers() == ()
    engine.call(
        "CreateTrigger",
        {
            "StreamArn": created["TableDescription"]["LatestStreamArn"],
            "HandlerName": "copy_to_table",
            "HandlerParameters": {"TableName": "Copies"},
            "StartingPosition": "TRIM_HORIZON",
        },
    )
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s("1")}})
    (trigger,) = engine.inspect.triggers("Books")
    assert (trigger.table, trigger.handler, trigger.state) == ("Books", "copy_to_table", "Enabled")
    assert trigger.records_processed == 1 and trigger.last_error is None
    assert engine.inspect.triggers("Copies") == ()


def test_dax_views_show_clusters_caches_and_statistics_without_touching_them(
    engine: Engine,
) -> None:
    from tests.support.dax import create_cluster, read, through

    create_table(engine, "Books")
    for key in "abc":
        engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s(key), "v": n(1)}})
    engine.call("CreateParameterGroup", {"ParameterGroupName": "mine"})
    create_cluster(engine, nodes=2, ParameterGroupName="mine")
    read(engine, "Books", {"pk": s("a")})
    read(engine, "Books", {"pk": s("zz")})
    engine.clock.advance(100)
    read(engine, "Books", {"pk": s("b")})
    read(engine, "Books", {"pk": s("a")})  # a hit: a is the most recently used
    through(engine, "Query", {
        "TableName": "Books", "KeyConditionExpression": "pk = :k",
        "ExpressionAttributeValues": {":k": s("c")},
    })  # fmt: skip
    revision, state = engine.revision, engine.extensions["dax"].dump()

    view = engine.inspect.dax_cluster("CACHE", entries=2)
    assert (view.name, view.status, view.active_nodes, view.serving) == (
        "cache",
        "available",
        2,
        True,
    )
    assert [node.primary for node in view.nodes] == [True, False]
    assert [entry.key for entry in view.item_entries] == [{"pk": s("a")}, {"pk": s("b")}]
    assert view.item_entry_count == 3
    assert view.item_entries[0].remaining_seconds == pytest.approx(300 - 100)
    assert view.item_entries[0].item == {"pk": s("a"), "v": n(1)}
    page = view.query_entries[0]
    assert (page.operation, page.item_count, page.request["TableName"]) == ("Query", 1, "Books")
    assert (view.statistics.item_hits, view.statistics.item_misses) == (1, 3)
    whole = engine.inspect.dax_cluster("cache")
    assert whole.cache_used_bytes == sum(
        entry.size_bytes for entry in whole.item_entries + whole.query_entries
    )
    assert [cluster.name for cluster in engine.inspect.dax_clusters()] == ["cache"]
    groups = {group.name: group for group in engine.inspect.dax_parameter_groups()}
    assert groups["mine"].clusters == ("cache",)
    assert groups["default.dax1.0"].clusters == ()

    # A hit does not make an entry younger: a and zz, cached first, expire first.
    engine.clock.advance(250)
    later = engine.inspect.dax_cluster("cache")
    assert [entry.key["pk"]["S"] for entry in later.item_entries] == ["b"]
    # Looking changed nothing: no revision, no LRU move, no expired entry dropped.
    assert engine.revision == revision
    assert engine.extensions["dax"].dump() == state
    with pytest.raises(DynamoDBError) as caught:
        engine.inspect.dax_cluster("nope")
    assert caught.value.code == "ClusterNotFoundFault"


# ---------------------------------------------------------------------- the second half
def _stream_table(engine: Engine, view: str = "NEW_AND_OLD_IMAGES") -> str:
    create_table(
        engine,
        "Books",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )
    return engine.call("DescribeTable", {"TableName": "Books"})["Table"]["LatestStreamArn"]


def _put(engine: Engine, table: str, **attributes: Any) -> None:
    engine.call("PutItem", {"TableName": table, "Item": attributes})


def test_a_new_global_index_reports_its_backfill_from_start_to_end(engine: Engine) -> None:
    create_table(engine, "Orders")
    for number in range(20):
        _put(engine, "Orders", pk=s(f"o{number}"), status=s("open"))
    engine.call(
        "UpdateTable",
        {
            "TableName": "Orders",
            "AttributeDefinitions": [{"AttributeName": "status", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [
                {
                    "Create": {
                        "IndexName": "ByStatus",
                        "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "KEYS_ONLY"},
                    }
                }
            ],
        },
    )
    (index,) = engine.inspect.table_status("Orders").indexes
    assert index.status == "CREATING"
    assert index.backfill_started == FROZEN_AT and index.ready_at == FROZEN_AT + 5.0
    assert index.backfill_progress(FROZEN_AT) == 0.0
    assert index.backfill_progress(FROZEN_AT + 2.5) == 0.5
    # The start survives a snapshot, as the backfill does.
    reloaded = Engine.loads(engine.dumps())
    (again,) = reloaded.inspect.table_status("Orders").indexes
    assert again.backfill_started == FROZEN_AT
    engine.clock.advance(6)
    (done,) = engine.inspect.table_status("Orders").indexes
    assert done.status == "ACTIVE" and done.backfill_started is None
    assert done.backfill_progress(engine.now()) is None and done.item_count == 20


def test_index_members_and_the_writes_still_on_their_way(engine: Engine) -> None:
    create_table(
        engine,
        "Orders",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "returnedAt", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "Returned",
                "KeySchema": [{"AttributeName": "returnedAt", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    engine.extensions["indexes"].settings.propagation_delay = 0
    _put(engine, "Orders", pk=s("a"), returnedAt=n(1))
    _put(engine, "Orders", pk=s("b"), returnedAt=n(2))
    engine.extensions["indexes"].settings.propagation_delay = 30
    _put(engine, "Orders", pk=s("a"))  # leaves the index, 30 s from now
    _put(engine, "Orders", pk=s("c"), returnedAt=n(3))  # enters it
    members = engine.inspect.index_members(
        "Orders", "Returned", [{"pk": s("a")}, {"pk": s("b")}, {"pk": s("c")}, {"pk": s("z")}]
    )
    assert [(m.key["pk"]["S"], m.status) for m in members] == [
        ("a", "missing_attribute"),
        ("b", "in_index"),
        ("c", "pending"),
    ]
    pending = engine.inspect.pending_index_writes("Orders", "Returned")
    assert [(w.key, w.effect, w.visible_at) for w in pending] == [
        ({"pk": s("a")}, "remove", FROZEN_AT + 30),
        ({"pk": s("c")}, "put", FROZEN_AT + 30),
    ]
    assert len(engine.inspect.pending_index_writes("Orders", "Returned", limit=1)) == 1
    with pytest.raises(DynamoDBError):
        engine.inspect.pending_index_writes("Orders", "Nope")


def test_streams_and_their_records_are_what_get_records_returns(engine: Engine) -> None:
    arn = _stream_table(engine)
    _put(engine, "Books", pk=s("a"), title=s("Dune"))
    engine.call(
        "UpdateItem",
        {
            "TableName": "Books",
            "Key": {"pk": s("a")},
            "UpdateExpression": "SET title = :t, pages = :p",
            "ExpressionAttributeValues": {":t": s("Dune II"), ":p": n(300)},
        },
    )
    engine.call("DeleteItem", {"TableName": "Books", "Key": {"pk": s("a")}})
    (stream,) = engine.inspect.streams("Books")
    assert (stream.arn, stream.view_type, stream.status) == (arn, "NEW_AND_OLD_IMAGES", "ENABLED")
    (shard,) = stream.shards
    assert shard.record_count == 3 and shard.closed_at is None and not shard.trimmed
    records = engine.inspect.stream_records(arn, shard.shard_id, count=10)
    assert [r.event_name for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert records[1].old_image == {"pk": s("a"), "title": s("Dune")}
    assert records[1].new_image == {"pk": s("a"), "title": s("Dune II"), "pages": n(300)}
    iterator = engine.call(
        "GetShardIterator",
        {"StreamArn": arn, "ShardId": shard.shard_id, "ShardIteratorType": "TRIM_HORIZON"},
    )["ShardIterator"]
    wire = engine.call("GetRecords", {"ShardIterator": iterator})["Records"]
    assert [r.sequence_number for r in records] == [w["dynamodb"]["SequenceNumber"] for w in wire]
    # Stepping as an iterator does: after the first record, and back from the last.
    after_first = str(int(records[0].sequence_number) + 1)
    (second,) = engine.inspect.stream_records(arn, shard.shard_id, position=after_first)
    assert second.event_name == "MODIFY"
    (before_last,) = engine.inspect.stream_records(
        arn, shard.shard_id, position=records[2].sequence_number, backwards=True
    )
    assert before_last.event_name == "MODIFY"
    assert engine.inspect.stream_records(arn, shard.shard_id, position=shard.latest) == ()
    with pytest.raises(DynamoDBError):
        engine.inspect.stream_records(arn, shard.shard_id, position="12x")


def test_shards_roll_over_and_old_records_are_trimmed(engine: Engine) -> None:
    arn = _stream_table(engine, "KEYS_ONLY")
    _put(engine, "Books", pk=s("a"))
    engine.clock.advance(5 * 3600)  # past one 4-hour rollover
    _put(engine, "Books", pk=s("b"))
    (stream,) = engine.inspect.streams()
    first, second = stream.shards
    assert first.closed_at == FROZEN_AT + 4 * 3600 and first.ending_sequence_number
    assert second.parent_shard_id == first.shard_id and second.record_count == 1
    (keys_only,) = engine.inspect.stream_records(arn, first.shard_id)
    assert keys_only.new_image is None and keys_only.keys == {"pk": s("a")}
    engine.clock.advance(20 * 3600)  # the first record is now 25 hours old
    (stream,) = engine.inspect.streams("Books")
    assert stream.shards[0].trimmed and stream.shards[0].record_count == 0
    assert engine.inspect.stream_records(arn, stream.shards[0].shard_id) == ()


def test_triggers_show_their_handler_progress_and_target(engine: Engine) -> None:
    arn = _stream_table(engine)
    create_table(engine, "Copy")
    engine.call(
        "CreateTrigger",
        {
            "StreamArn": arn,
            "HandlerName": "copy_to_table",
            "HandlerParameters": {"TableName": "Copy"},
            "StartingPosition": "TRIM_HORIZON",
        },
    )
    _put(engine, "Books", pk=s("a"))
    (trigger,) = engine.inspect.triggers("Books")
    assert (trigger.handler, trigger.target_table, trigger.records_processed) == (
        "copy_to_table",
        "Copy",
        1,
    )
    assert trigger.last_result == "OK" and trigger.pending_records == 0
    assert engine.inspect.triggers("Copy") == ()
    names = [handler.name for handler in engine.inspect.trigger_handlers()]
    assert names == ["copy_to_table", "running_aggregate"]


def test_ttl_view_schedules_deletes_and_finds_the_service_remove(engine: Engine) -> None:
    arn = _stream_table(engine)
    engine.extensions["ttl"].ttl_deletion_delay = 600
    engine.call(
        "UpdateTimeToLive",
        {
            "TableName": "Books",
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"},
        },
    )
    now = int(FROZEN_AT)
    _put(engine, "Books", pk=s("soon"), exp=n(now + 3600))
    _put(engine, "Books", pk=s("past"), exp=n(now - 60))
    _put(engine, "Books", pk=s("text"), exp=s("tomorrow"))
    _put(engine, "Books", pk=s("none"))
    _put(engine, "Books", pk=s("ancient"), exp=n(now - 6 * 365 * 86400))
    view = engine.inspect.ttl("Books")
    assert (view.status, view.attribute, view.deletion_delay) == ("ENABLED", "exp", 600)
    assert [(e.key["pk"]["S"], e.due_at) for e in view.scheduled] == [
        ("past", FROZEN_AT + 600),
        ("soon", now + 3600 + 600),
    ]
    assert view.scheduled[0].expires_at == now - 60
    assert (view.items_without_ttl, view.items_ignored, view.scheduled_count) == (2, 1, 2)
    assert view.deleted == ()
    engine.clock.advance(3600)
    view = engine.inspect.ttl("Books", limit=5)
    (deleted,) = view.deleted
    assert deleted.key == {"pk": s("past")} and deleted.deleted_at == FROZEN_AT + 600
    assert deleted.expires_at == now - 60
    remove = engine.inspect.stream_records(
        arn, deleted.stream_shard_id, position=deleted.stream_sequence_number
    )[0]
    assert remove.event_name == "REMOVE"
    assert remove.user_identity == {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
    # The deletions a table remembers survive a snapshot.
    assert Engine.loads(engine.dumps()).inspect.ttl("Books").deleted[0].key == {"pk": s("past")}


def test_backups_and_a_restored_table_diffed_against_the_live_one(engine: Engine) -> None:
    create_table(engine, "Books")
    for key in ("a", "b", "c"):
        _put(engine, "Books", pk=s(key), copies=n(1))
    engine.call("CreateBackup", {"TableName": "Books", "BackupName": "before"})
    (backup,) = engine.inspect.backups("Books")
    assert (backup.name, backup.kind, backup.status, backup.item_count) == (
        "before",
        "USER",
        "CREATING",
        3,
    )
    engine.clock.advance(61)
    assert engine.inspect.backups()[0].status == "AVAILABLE"
    _put(engine, "Books", pk=s("b"), copies=n(2), note=s("reprinted"))
    engine.call("DeleteItem", {"TableName": "Books", "Key": {"pk": s("c")}})
    _put(engine, "Books", pk=s("d"), copies=n(1))
    engine.call("RestoreTableFromBackup", {"TargetTableName": "Restored", "BackupArn": backup.arn})
    diff = engine.inspect.table_diff("Restored", "Books")
    assert (diff.first_count, diff.second_count, diff.same_count) == (3, 3, 1)
    assert [d.key for d in diff.only_in_first] == [{"pk": s("c")}]
    assert [d.key for d in diff.only_in_second] == [{"pk": s("d")}]
    (changed,) = diff.changed
    assert changed.changed_attributes == ("copies", "note")
    assert changed.first == {"pk": s("b"), "copies": n(1)}
    assert not diff.identical and not diff.truncated
    capped = engine.inspect.table_diff("Restored", "Books", limit=0)
    assert capped.truncated and capped.changed_count == 1
    assert engine.inspect.table_diff("Books", "Books").identical
    create_table(engine, "Other", partition=("id", "N"))
    with pytest.raises(DynamoDBError) as caught:
        engine.inspect.table_diff("Books", "Other")
    assert caught.value.code == "ValidationException"


def test_due_within_says_what_moving_the_clock_would_do(engine: Engine) -> None:
    arn = _stream_table(engine)
    assert arn
    engine.extensions["ttl"].ttl_deletion_delay = "immediate"
    engine.call(
        "UpdateTimeToLive",
        {
            "TableName": "Books",
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"},
        },
    )
    for key in ("a", "b", "c"):
        _put(engine, "Books", pk=s(key), exp=n(int(FROZEN_AT) + 5 * 3600))
    _put(engine, "Books", pk=s("later"), exp=n(int(FROZEN_AT) + 40 * 3600))
    _provisioned(engine)
    _orders(engine, customers=1, per_customer=2)
    assert engine.inspect.due_within(60) == ()  # nothing falls due within a minute
    within = {(w.kind, w.table): w for w in engine.inspect.due_within(6 * 3600)}
    deletes = within[("ttl_delete", "Books")]
    assert deletes.count == 3 and deletes.first_at == FROZEN_AT + 5 * 3600
    assert within[("shard_rollover", "Books")].first_at == FROZEN_AT + 4 * 3600
    assert within[("burst_refill", "Orders")].detail == "write"
    day = {(w.kind, w.table): w for w in engine.inspect.due_within(2 * 86400)}
    assert day[("ttl_delete", "Books")].count == 4
    assert day[("stream_trim", "Books")].count == 4  # every record passes 24 hours
    work = engine.inspect.due_within(6 * 3600)
    assert [w.first_at for w in work] == sorted(w.first_at for w in work)


def test_simulation_settings_follow_the_dynalab_operation(engine: Engine) -> None:
    engine.call(
        "UpdateSimulationSettings",
        {"GsiPropagationDelaySeconds": 45, "TtlDeletionMode": "IMMEDIATE"},
    )
    settings = engine.inspect.simulation_settings()
    assert (settings.gsi_propagation_delay, settings.ttl_deletion_delay) == (45, "immediate")
    assert settings.shard_rollover_seconds == 4 * 3600
    assert settings.stream_retention_seconds == 24 * 3600


def test_the_new_views_change_nothing(engine: Engine) -> None:
    arn = _stream_table(engine)
    engine.call(
        "UpdateTimeToLive",
        {
            "TableName": "Books",
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"},
        },
    )
    _put(engine, "Books", pk=s("a"), exp=n(int(FROZEN_AT)))
    engine.call("CreateBackup", {"TableName": "Books", "BackupName": "snap"})
    before = engine.dumps()
    revision = engine.revision
    (stream,) = engine.inspect.streams("Books")
    engine.inspect.stream_records(arn, stream.shards[0].shard_id, count=5)
    engine.inspect.ttl("Books")
    engine.inspect.backups()
    engine.inspect.table_diff("Books", "Books")
    engine.inspect.due_within(86400 * 40)
    engine.inspect.triggers()
    engine.inspect.simulation_settings()
    assert engine.revision == revision
    assert engine.dumps() == before


def test_a_view_reaches_another_region_of_its_sandbox() -> None:
    from engine import MultiRegionEngine
    from engine.errors import ValidationException

    sandbox = MultiRegionEngine(SimClock(frozen_at=FROZEN_AT))
    create_table(sandbox.region("eu-west-1"))
    us = sandbox.inspect.region("us-east-1")
    assert us.table_names() == []
    eu = us.in_region("eu-west-1")
    assert (eu.region, eu.table_names()) == ("eu-west-1", ["Books"])
    assert us.in_region("us-east-1") is us
    with pytest.raises(ValidationException):
        us.in_region("mars-north-1")
    lone = Engine(SimClock(frozen_at=FROZEN_AT)).inspect
    assert lone.in_region(lone.region) is lone
