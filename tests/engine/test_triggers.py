"""Stream triggers (a DynaLab extension): built-in handlers fed a stream's records in order."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine
from tests.support.engine import FROZEN_AT, create_table, error_of, n, s

HOUR = 3600


def source(engine: Engine, view: str = "NEW_AND_OLD_IMAGES", name: str = "Orders") -> str:
    described = create_table(
        engine, name, StreamSpecification={"StreamEnabled": True, "StreamViewType": view}
    )["TableDescription"]
    return described["LatestStreamArn"]


def trigger(engine: Engine, arn: str, handler: str = "copy_to_table", **extra: Any) -> str:
    request: dict[str, Any] = {
        "StreamArn": arn,
        "HandlerName": handler,
        "HandlerParameters": {"TableName": "Copy"},
        "StartingPosition": "TRIM_HORIZON",
        **extra,
    }
    return engine.call("CreateTrigger", request)["TriggerId"]


def describe(engine: Engine, trigger_id: str) -> dict[str, Any]:
    return engine.call("DescribeTrigger", {"TriggerId": trigger_id})


def put(engine: Engine, pk: str, table: str = "Orders", **attributes: Any) -> None:
    engine.call("PutItem", {"TableName": table, "Item": {"pk": s(pk), **attributes}})


def items(engine: Engine, table: str = "Copy") -> dict[str, dict[str, Any]]:
    scanned = engine.call("Scan", {"TableName": table})["Items"]
    return {
        item[next(iter(k for k in item if k in ("pk", "group")))]["S"]: item for item in scanned
    }


# ---------------------------------------------------------------------- copy_to_table
def test_copy_to_table_mirrors_every_change(engine: Engine) -> None:
    arn = source(engine, "NEW_IMAGE")
    create_table(engine, "Copy")
    trigger_id = trigger(engine, arn)
    put(engine, "a", v=n(1))
    put(engine, "b", v=n(2))
    assert items(engine) == {"a": {"pk": s("a"), "v": n(1)}, "b": {"pk": s("b"), "v": n(2)}}
    put(engine, "a", v=n(3))
    engine.call("DeleteItem", {"TableName": "Orders", "Key": {"pk": s("b")}})
    assert items(engine) == {"a": {"pk": s("a"), "v": n(3)}}
    described = describe(engine, trigger_id)
    assert described == {
        "TriggerId": trigger_id,
        "StreamArn": arn,
        "TableName": "Orders",
        "HandlerName": "copy_to_table",
        "HandlerParameters": {"TableName": "Copy"},
        "BatchSize": 100,
        "StartingPosition": "TRIM_HORIZON",
        "State": "Enabled",
        "CreationDateTime": FROZEN_AT,
        "LastProcessingResult": "OK",
        "RecordsProcessed": 4,
        "BatchesProcessed": 4,
        "FailedAttempts": 0,
        "PendingRecords": 0,
        "LastProcessedDateTime": FROZEN_AT,
    }


def test_starting_position_chooses_old_records_or_only_new_ones(engine: Engine) -> None:
    arn = source(engine)
    create_table(engine, "Copy")
    create_table(engine, "Recent")
    put(engine, "before")
    trigger(engine, arn)
    trigger(engine, arn, HandlerParameters={"TableName": "Recent"}, StartingPosition="LATEST")
    put(engine, "after")
    assert set(items(engine)) == {"before", "after"}
    assert set(items(engine, "Recent")) == {"after"}


def test_a_batch_write_reaches_the_handler_in_batches_of_batch_size(engine: Engine) -> None:
    arn = source(engine)
    create_table(engine, "Copy")
    trigger_id = trigger(engine, arn, BatchSize=3)
    engine.call(
        "BatchWriteItem",
        {
            "RequestItems": {
                "Orders": [{"PutRequest": {"Item": {"pk": s(f"k{i}")}}} for i in range(10)]
            }
        },
    )
    described = describe(engine, trigger_id)
    assert (described["RecordsProcessed"], described["BatchesProcessed"]) == (10, 4)
    assert len(items(engine)) == 10


def test_a_failing_batch_is_retried_and_nothing_is_skipped(engine: Engine) -> None:
    arn = source(engine)
    trigger_id = trigger(engine, arn)  # the target table does not exist yet
    put(engine, "a")
    put(engine, "b")
    described = describe(engine, trigger_id)
    assert described["LastProcessingResult"] == (
        "PROBLEM: ResourceNotFoundException: Requested resource not found"
    )
    assert described["LastError"] == {
        "ErrorCode": "ResourceNotFoundException",
        "Message": "Requested resource not found",
        "Time": FROZEN_AT,
        "SequenceNumber": "100000000000000000001",
    }
    assert (described["RecordsProcessed"], described["PendingRecords"]) == (0, 2)
    attempts = described["FailedAttempts"]
    # Nothing changed: describing again does not retry.
    assert describe(engine, trigger_id)["FailedAttempts"] == attempts
    create_table(engine, "Copy")  # the fix: the next run delivers everything, in order
    assert set(items(engine)) == {"a", "b"}
    described = describe(engine, trigger_id)
    assert described["LastProcessingResult"] == "OK"
    assert (described["RecordsProcessed"], described["PendingRecords"]) == (2, 0)
    assert described["LastError"]["ErrorCode"] == "ResourceNotFoundException"  # kept


def test_a_batch_stops_at_the_failing_record_and_waits_for_it(engine: Engine) -> None:
    arn = source(engine)
    engine.call(
        "CreateTable",
        {
            "TableName": "Copy",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    trigger_id = trigger(engine, arn)
    engine.call(
        "BatchWriteItem",
        {
            "RequestItems": {
                "Orders": [
                    {"PutRequest": {"Item": {"pk": s("a")}}},
                    {"PutRequest": {"Item": {"pk": s("b"), "big": s("x" * 300_000)}}},
                    {"PutRequest": {"Item": {"pk": s("c")}}},
                ]
            }
        },
    )
    assert set(items(engine)) == {"a", "b", "c"}  # all fit: no failure
    # Now make the target refuse "d": delete the target and recreate it with another key.
    engine.call("DeleteTable", {"TableName": "Copy"})
    engine.call(
        "CreateTable",
        {
            "TableName": "Copy",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    put(engine, "d")
    described = describe(engine, trigger_id)
    assert described["LastError"]["Message"] == (
        "One or more parameter values were invalid: Type mismatch for key pk expected: N actual: S"
    )
    assert described["LastError"]["SequenceNumber"] == "100000000000000000004"
    assert (described["RecordsProcessed"], described["PendingRecords"]) == (3, 1)
    before = described["FailedAttempts"]
    engine.clock.advance(60)  # the clock moved: retried (and failing again)
    assert describe(engine, trigger_id)["FailedAttempts"] == before + 1


# ---------------------------------------------------------------------- running_aggregate
def aggregate_target(engine: Engine) -> None:
    engine.call(
        "CreateTable",
        {
            "TableName": "Totals",
            "AttributeDefinitions": [{"AttributeName": "group", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "group", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )


def totals(engine: Engine, attribute: str) -> dict[str, str]:
    return {group: item[attribute]["N"] for group, item in items(engine, "Totals").items()}


def test_running_aggregate_counts_per_group(engine: Engine) -> None:
    arn = source(engine)
    aggregate_target(engine)
    trigger(
        engine,
        arn,
        "running_aggregate",
        HandlerParameters={"TableName": "Totals", "GroupBy": "status", "KeyAttribute": "group"},
    )
    put(engine, "o1", status=s("open"))
    put(engine, "o2", status=s("open"))
    put(engine, "o3", status=s("shipped"))
    put(engine, "o4")  # no status: not counted
    assert totals(engine, "count") == {"open": "2", "shipped": "1"}
    put(engine, "o1", status=s("shipped"))  # moves between groups atomically
    engine.call("DeleteItem", {"TableName": "Orders", "Key": {"pk": s("o2")}})
    put(engine, "o3", status=s("shipped"), note=s("same group"))
    assert totals(engine, "count") == {"open": "0", "shipped": "2"}


def test_running_aggregate_sums_a_number(engine: Engine) -> None:
    arn = source(engine)
    aggregate_target(engine)
    trigger(
        engine,
        arn,
        "running_aggregate",
        HandlerParameters={
            "TableName": "Totals",
            "GroupBy": "customer",
            "KeyAttribute": "group",
            "Operation": "SUM",
            "Attribute": "total",
            "ResultAttribute": "revenue",
        },
    )
    put(engine, "o1", customer=s("ann"), total=n("10.5"))
    put(engine, "o2", customer=s("ann"), total=n(4))
    put(engine, "o3", customer=s("bob"), total=n(7))
    put(engine, "o1", customer=s("ann"), total=n("0.5"))
    engine.call("DeleteItem", {"TableName": "Orders", "Key": {"pk": s("o3")}})
    assert totals(engine, "revenue") == {"ann": "4.5", "bob": "0"}


def test_handler_writes_appear_in_the_target_tables_own_stream(engine: Engine) -> None:
    arn = source(engine)
    target_arn = source(engine, "KEYS_ONLY", name="Copy")
    trigger(engine, arn)
    put(engine, "a")
    shard = engine.call("DescribeStream", {"StreamArn": target_arn})["StreamDescription"]["Shards"][
        0
    ]["ShardId"]
    position = engine.call(
        "GetShardIterator",
        {"StreamArn": target_arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"},
    )["ShardIterator"]
    records = engine.call("GetRecords", {"ShardIterator": position})["Records"]
    assert [(r["eventName"], r["dynamodb"]["Keys"]) for r in records] == [
        ("INSERT", {"pk": s("a")})
    ]


def test_triggers_that_feed_each_other_stop_when_nothing_changes(engine: Engine) -> None:
    first = source(engine, name="Left")
    second = source(engine, name="Right")
    trigger(engine, first, HandlerParameters={"TableName": "Right"})
    trigger(engine, second, HandlerParameters={"TableName": "Left"})
    put(engine, "a", table="Left", v=n(1))
    put(engine, "b", table="Right", v=n(2))
    assert set(items(engine, "Left")) == set(items(engine, "Right")) == {"a", "b"}


# ---------------------------------------------------------------------- time-driven delivery
def test_ttl_deletions_reach_triggers_as_the_clock_moves(engine: Engine) -> None:
    arn = source(engine)
    create_table(engine, "Copy")
    trigger(engine, arn)
    engine.extensions["ttl"].ttl_deletion_delay = "immediate"
    engine.call(
        "UpdateTimeToLive",
        {
            "TableName": "Orders",
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expires"},
        },
    )
    put(engine, "a", expires=n(int(FROZEN_AT) + 10))
    assert engine.tables["Copy"].item_count == 1
    engine.clock.advance(11)  # no operation: the clock alone drives TTL and the trigger
    assert engine.tables["Orders"].item_count == 0
    assert engine.tables["Copy"].item_count == 0


def test_a_trigger_follows_shards_and_drains_a_disabled_stream(engine: Engine) -> None:
    engine.extensions["streams"].shard_rollover_seconds = 60
    arn = source(engine)
    create_table(engine, "Copy")
    put(engine, "a")
    engine.clock.advance(125)
    put(engine, "b")
    engine.call(
        "UpdateTable", {"TableName": "Orders", "StreamSpecification": {"StreamEnabled": False}}
    )
    trigger_id = trigger(engine, arn)  # created after: reads the closed shards from the start
    assert set(items(engine)) == {"a", "b"}
    assert describe(engine, trigger_id)["RecordsProcessed"] == 2
    engine.clock.advance(24 * HOUR + 1)
    described = describe(engine, trigger_id)
    assert described["State"] == "Disabled"
    assert described["LastProcessingResult"] == "PROBLEM: Stream not found"


def test_a_trigger_that_fell_behind_the_trim_horizon_reports_it(engine: Engine) -> None:
    arn = source(engine)
    put(engine, "a")
    trigger_id = trigger(engine, arn)  # no target yet: stuck on "a"
    engine.clock.advance(24 * HOUR + 1)
    create_table(engine, "Copy")
    put(engine, "b")
    described = describe(engine, trigger_id)
    assert described["LastError"]["ErrorCode"] == "TrimmedDataAccessException"
    assert set(items(engine)) == {"b"}


# ---------------------------------------------------------------------- the operations
def test_list_and_delete_triggers(engine: Engine) -> None:
    orders = source(engine)
    other = source(engine, name="Other")
    create_table(engine, "Copy")
    first = trigger(engine, orders)
    second = trigger(engine, other)
    listed = engine.call("ListTriggers", {})["Triggers"]
    assert [entry["TriggerId"] for entry in listed] == [first, second]
    assert [
        t["TriggerId"] for t in engine.call("ListTriggers", {"StreamArn": other})["Triggers"]
    ] == [second]
    assert [
        t["TriggerId"] for t in engine.call("ListTriggers", {"TableName": "Orders"})["Triggers"]
    ] == [first]
    deleted = engine.call("DeleteTrigger", {"TriggerId": first})
    assert deleted["State"] == "Deleting"
    assert [t["TriggerId"] for t in engine.call("ListTriggers", {})["Triggers"]] == [second]
    put(engine, "a")
    assert items(engine) == {}  # the deleted trigger no longer runs
    for operation in ("DescribeTrigger", "DeleteTrigger"):
        error = error_of(engine, operation, {"TriggerId": first})
        assert (error.code, error.message) == (
            "ResourceNotFoundException",
            f"Requested resource not found: Trigger: {first} not found",
        )
    assert "Value null at 'triggerId'" in error_of(engine, "DescribeTrigger", {}).message


def test_trigger_ids_are_deterministic(engine: Engine) -> None:
    def make() -> str:
        fresh = Engine(engine.clock.__class__(frozen_at=FROZEN_AT))
        arn = source(fresh)
        return trigger(fresh, arn)

    assert make() == make()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"HandlerName": "rm_rf"}, "Unknown HandlerName: rm_rf. Built-in handlers: "),
        ({"HandlerParameters": {}}, "HandlerParameters.TableName is required"),
        ({"HandlerParameters": {"TableName": 5}}, "HandlerParameters.TableName must be"),
        ({"HandlerParameters": {"TableName": "x", "Extra": 1}}, "Unknown HandlerParameters"),
        ({"BatchSize": 0}, "Member must have value greater than or equal to 1"),
        ({"BatchSize": 1001}, "Member must have value less than or equal to 1000"),
        ({"StartingPosition": None}, "Value null at 'startingPosition'"),
        ({"StartingPosition": "AT_TIMESTAMP"}, "Member must satisfy enum value set"),
        ({"HandlerName": None}, "Value null at 'handlerName'"),
        (
            {"HandlerName": "running_aggregate", "HandlerParameters": {"TableName": "T"}},
            "HandlerParameters.GroupBy is required",
        ),
        (
            {
                "HandlerName": "running_aggregate",
                "HandlerParameters": {"TableName": "T", "GroupBy": "g", "Operation": "SUM"},
            },
            "HandlerParameters.Attribute is required",
        ),
        (
            {
                "HandlerName": "running_aggregate",
                "HandlerParameters": {"TableName": "T", "GroupBy": "g", "Operation": "AVG"},
            },
            "HandlerParameters.Operation must be COUNT or SUM",
        ),
    ],
)
def test_create_trigger_validation(engine: Engine, change: dict[str, Any], message: str) -> None:
    arn = source(engine)
    request: dict[str, Any] = {
        "StreamArn": arn,
        "HandlerName": "copy_to_table",
        "HandlerParameters": {"TableName": "Copy"},
        "StartingPosition": "TRIM_HORIZON",
        **change,
    }
    error = error_of(engine, "CreateTrigger", {k: v for k, v in request.items() if v is not None})
    assert error.code == "ValidationException"
    assert message in error.message


def test_handlers_need_the_images_they_use(engine: Engine) -> None:
    keys_only = source(engine, "KEYS_ONLY")
    error = error_of(
        engine,
        "CreateTrigger",
        {
            "StreamArn": keys_only,
            "HandlerName": "copy_to_table",
            "HandlerParameters": {"TableName": "Copy"},
            "StartingPosition": "LATEST",
        },
    )
    assert error.message == (
        "Handler copy_to_table needs a stream whose StreamViewType is NEW_IMAGE or "
        "NEW_AND_OLD_IMAGES; this stream's is KEYS_ONLY"
    )
    new_only = source(engine, "NEW_IMAGE", name="Other")
    error = error_of(
        engine,
        "CreateTrigger",
        {
            "StreamArn": new_only,
            "HandlerName": "running_aggregate",
            "HandlerParameters": {"TableName": "T", "GroupBy": "g"},
            "StartingPosition": "LATEST",
        },
    )
    assert "needs a stream whose StreamViewType is NEW_AND_OLD_IMAGES" in error.message
    missing = "arn:aws:dynamodb:us-east-1:000000000000:table/Nope/stream/2025-06-15T15:06:40.000"
    error = error_of(
        engine,
        "CreateTrigger",
        {"StreamArn": missing, "HandlerName": "copy_to_table", "StartingPosition": "LATEST"},
    )
    assert error.code == "ResourceNotFoundException"


# ---------------------------------------------------------------------- persistence
def test_triggers_survive_dump_and_load(engine: Engine) -> None:
    arn = source(engine)
    trigger_id = trigger(engine, arn)  # failing: no target yet
    put(engine, "a")
    restored = Engine.loads(engine.dumps())
    assert restored.extensions["triggers"].dump() == engine.extensions["triggers"].dump()
    assert describe(restored, trigger_id) == describe(engine, trigger_id)
    create_table(restored, "Copy")
    put(restored, "b")
    assert set(items(restored)) == {"a", "b"}
    assert describe(restored, trigger_id)["RecordsProcessed"] == 2
