"""Time to live: UpdateTimeToLive / DescribeTimeToLive and background deletion of expired items."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine, SimClock
from engine.table import Table
from engine.ttl import FIVE_YEARS_SECONDS, SPREAD_SECONDS, key_id
from tests.support.engine import FROZEN_AT, create_table, error_of, n, s

NOW = int(FROZEN_AT)
HOUR = 3600


def enable(engine: Engine, table: str = "Books", attribute: str = "expires") -> dict[str, Any]:
    return engine.call(
        "UpdateTimeToLive",
        {
            "TableName": table,
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": attribute},
        },
    )


def disable(engine: Engine, table: str = "Books", attribute: str = "expires") -> dict[str, Any]:
    return engine.call(
        "UpdateTimeToLive",
        {
            "TableName": table,
            "TimeToLiveSpecification": {"Enabled": False, "AttributeName": attribute},
        },
    )


def describe(engine: Engine, table: str = "Books") -> dict[str, Any]:
    return engine.call("DescribeTimeToLive", {"TableName": table})["TimeToLiveDescription"]


def put(engine: Engine, pk: str, **attributes: Any) -> None:
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s(pk), **attributes}})


def keys(engine: Engine, table: str = "Books") -> set[str]:
    return {item["pk"]["S"] for item in engine.call("Scan", {"TableName": table})["Items"]}


def ttl_engine(delay: Any = "immediate", **table: Any) -> Engine:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    engine.extensions["ttl"].ttl_deletion_delay = delay
    create_table(engine, **table)
    enable(engine)
    return engine


# ---------------------------------------------------------------------- the operations
def test_ttl_starts_disabled_and_enabling_is_immediate(engine: Engine) -> None:
    create_table(engine)
    assert describe(engine) == {"TimeToLiveStatus": "DISABLED"}
    assert enable(engine) == {
        "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expires"}
    }
    assert describe(engine) == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/Books"
    assert describe(engine, arn)["TimeToLiveStatus"] == "ENABLED"
    engine.clock.advance(HOUR)
    assert disable(engine) == {
        "TimeToLiveSpecification": {"Enabled": False, "AttributeName": "expires"}
    }
    assert describe(engine) == {"TimeToLiveStatus": "DISABLED"}


def test_update_time_to_live_errors(engine: Engine) -> None:
    create_table(engine)

    def error(enabled: bool, attribute: str) -> str:
        caught = error_of(
            engine,
            "UpdateTimeToLive",
            {
                "TableName": "Books",
                "TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute},
            },
        )
        assert caught.code == "ValidationException"
        return caught.message

    assert error(False, "expires") == "TimeToLive is already disabled"
    enable(engine)
    assert error(True, "expires") == "TimeToLive is already enabled"
    assert error(True, "other") == (
        "TimeToLive is active on a different AttributeName: current AttributeName is expires"
    )
    assert error(False, "other") == (
        "TimeToLive is active on a different AttributeName: current AttributeName is expires"
    )
    engine.clock.advance(HOUR - 1)
    assert error(False, "expires") == (
        "Time to live has been modified multiple times within a fixed interval"
    )
    engine.clock.advance(1)
    disable(engine)
    assert error(True, "expires") == (
        "Time to live has been modified multiple times within a fixed interval"
    )
    engine.clock.advance(HOUR)
    enable(engine, attribute="other")  # once disabled, any attribute may be chosen
    assert describe(engine)["AttributeName"] == "other"


def test_update_time_to_live_validation(engine: Engine) -> None:
    create_table(engine)
    missing = error_of(engine, "UpdateTimeToLive", {"TableName": "Books"})
    assert missing.message == (
        "1 validation error detected: Value null at 'timeToLiveSpecification' failed to "
        "satisfy constraint: Member must not be null"
    )
    empty = error_of(
        engine, "UpdateTimeToLive", {"TableName": "Books", "TimeToLiveSpecification": {}}
    )
    assert empty.message == (
        "2 validation errors detected: Value null at 'timeToLiveSpecification.attributeName' "
        "failed to satisfy constraint: Member must not be null; Value null at "
        "'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not be null"
    )
    for name, constraint in (("", "greater than or equal to 1"), ("x" * 256, "less than")):
        caught = error_of(
            engine,
            "UpdateTimeToLive",
            {
                "TableName": "Books",
                "TimeToLiveSpecification": {"Enabled": True, "AttributeName": name},
            },
        )
        assert "at 'timeToLiveSpecification.attributeName'" in caught.message
        assert constraint in caught.message
    wrong_type = error_of(
        engine,
        "UpdateTimeToLive",
        {"TableName": "Books", "TimeToLiveSpecification": {"Enabled": "yes", "AttributeName": "x"}},
    )
    assert wrong_type.code == "SerializationException"
    for operation in ("UpdateTimeToLive", "DescribeTimeToLive"):
        request: dict[str, Any] = {"TableName": "Nope"}
        if operation == "UpdateTimeToLive":
            request["TimeToLiveSpecification"] = {"Enabled": True, "AttributeName": "x"}
        caught = error_of(engine, operation, request)
        assert (caught.code, caught.message) == (
            "ResourceNotFoundException",
            "Requested resource not found: Table: Nope not found",
        )
    assert "Value null at 'tableName'" in error_of(engine, "DescribeTimeToLive", {}).message


# ---------------------------------------------------------------------- expiry rules
def test_an_item_is_deleted_once_its_time_is_in_the_past() -> None:
    engine = ttl_engine()
    put(engine, "a", expires=n(NOW + 100))
    engine.clock.advance(100)
    assert keys(engine) == {"a"}  # expiry equal to now: not yet expired
    engine.clock.advance(1)
    assert keys(engine) == set()


@pytest.mark.parametrize(
    "value, deleted",
    [
        ({"N": str(NOW - 10)}, True),
        ({"N": str(NOW - 4 * 365 * 24 * HOUR)}, True),
        ({"N": str(NOW - FIVE_YEARS_SECONDS - 10)}, False),  # more than five years ago
        ({"N": f"{NOW - 10}.5"}, True),
        ({"S": str(NOW - 10)}, False),
        ({"L": [{"N": str(NOW - 10)}]}, False),
        ({"NS": [str(NOW - 10)]}, False),
        ({"N": str(NOW + 10 * HOUR)}, False),
    ],
)
def test_only_a_past_number_of_epoch_seconds_expires(value: dict[str, Any], deleted: bool) -> None:
    engine = ttl_engine()
    put(engine, "a", expires=value)
    put(engine, "b", other=n(NOW - 10))  # no TTL attribute at all
    engine.clock.advance(1)
    assert keys(engine) == ({"b"} if deleted else {"a", "b"})


def test_nested_attributes_are_not_ttl_attributes() -> None:
    engine = ttl_engine()
    put(engine, "a", nested={"M": {"expires": n(NOW - 10)}})
    engine.clock.advance(10)
    assert keys(engine) == {"a"}


def test_expired_items_stay_readable_until_deleted() -> None:
    engine = ttl_engine(delay=2 * HOUR)
    put(engine, "a", expires=n(NOW + 60))
    engine.clock.advance(HOUR)
    item = engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s("a")}})["Item"]
    assert item["expires"] == n(NOW + 60)
    # A filter hides what has expired but is not deleted yet.
    hidden = engine.call(
        "Scan",
        {
            "TableName": "Books",
            "FilterExpression": "#e > :now",
            "ExpressionAttributeNames": {"#e": "expires"},
            "ExpressionAttributeValues": {":now": n(int(engine.now()))},
        },
    )
    assert hidden["Items"] == [] and hidden["ScannedCount"] == 1
    engine.clock.advance(HOUR + 60)
    assert keys(engine) == {"a"}
    engine.clock.advance(1)
    assert keys(engine) == set()


def test_spread_deletions_are_reproducible_and_within_48_hours() -> None:
    def run() -> tuple[list[float], list[int]]:
        engine = ttl_engine(delay="spread")
        for index in range(40):
            put(engine, f"k{index}", expires=n(NOW + 10))
        schedule = [due for due, _ in engine.extensions["ttl"].pending("Books")]
        remaining = []
        for _ in range(8):
            engine.clock.advance(6 * HOUR)
            remaining.append(len(keys(engine)))
        return schedule, remaining

    schedule, remaining = run()
    assert (schedule, remaining) == run()  # deterministic
    assert all(NOW + 10 <= due < NOW + 10 + SPREAD_SECONDS for due in schedule)
    assert len(set(schedule)) > 30  # spread out, not all at once
    assert remaining[-1] == 0  # all gone within 48 hours
    assert remaining == sorted(remaining, reverse=True) and 0 < remaining[3] < 40


def test_an_item_updated_after_expiry_is_reevaluated() -> None:
    engine = ttl_engine(delay=1000)
    for key in "abc":
        put(engine, key, expires=n(NOW + 10))
    engine.clock.advance(500)  # expired, not yet deleted
    update = {
        "TableName": "Books",
        "UpdateExpression": "SET #e = :e",
        "ExpressionAttributeNames": {"#e": "expires"},
    }
    engine.call(
        "UpdateItem",
        {**update, "Key": {"pk": s("a")}, "ExpressionAttributeValues": {":e": n(NOW + 10 * HOUR)}},
    )
    engine.call(
        "UpdateItem",
        {
            "TableName": "Books",
            "Key": {"pk": s("b")},
            "UpdateExpression": "REMOVE expires",
        },
    )
    engine.call(
        "UpdateItem",
        {
            "TableName": "Books",
            "Key": {"pk": s("c")},
            "UpdateExpression": "SET note = :x",
            "ExpressionAttributeValues": {":x": s("touched")},
        },
    )
    engine.clock.advance(600)  # c's original due time (expiry + 1000) has passed...
    assert keys(engine) == {"a", "b", "c"}  # ...but its update re-evaluated it
    engine.clock.advance(401)
    assert keys(engine) == {"a", "b"}
    engine.clock.advance(10 * HOUR)
    assert keys(engine) == {"b"}


def test_enabling_ttl_considers_items_already_there() -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    engine.extensions["ttl"].ttl_deletion_delay = "immediate"
    create_table(engine)
    put(engine, "old", expires=n(NOW - 100))
    engine.clock.advance(10)
    assert keys(engine) == {"old"}  # TTL is not enabled yet
    enable(engine)
    engine.clock.advance(1)
    assert keys(engine) == set()


def test_disabling_ttl_stops_deletions() -> None:
    engine = ttl_engine(delay=2 * HOUR)
    put(engine, "a", expires=n(NOW + 10))
    engine.clock.advance(HOUR)
    disable(engine)
    engine.clock.advance(10 * HOUR)
    assert keys(engine) == {"a"}


def test_the_delay_setting_reschedules_pending_deletions() -> None:
    engine = ttl_engine(delay=10 * HOUR)
    put(engine, "a", expires=n(NOW + 10))
    engine.clock.advance(HOUR)
    engine.extensions["ttl"].ttl_deletion_delay = "immediate"
    engine.clock.advance(1)
    assert keys(engine) == set()
    with pytest.raises(ValueError):
        engine.extensions["ttl"].ttl_deletion_delay = "sometimes"
    with pytest.raises(ValueError):
        engine.extensions["ttl"].ttl_deletion_delay = -1


# ---------------------------------------------------------------------- how deletion happens
def test_deletions_appear_in_the_stream_as_the_service_principal() -> None:
    engine = ttl_engine(
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    )
    arn = engine.call("DescribeTable", {"TableName": "Books"})["Table"]["LatestStreamArn"]
    put(engine, "a", expires=n(NOW + 30))
    engine.call("DeleteItem", {"TableName": "Books", "Key": {"pk": s("a")}})
    put(engine, "b", expires=n(NOW + 30))
    engine.clock.advance(60)
    shard = engine.call("DescribeStream", {"StreamArn": arn})["StreamDescription"]["Shards"][0]
    position = engine.call(
        "GetShardIterator",
        {"StreamArn": arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"},
    )["ShardIterator"]
    records = engine.call("GetRecords", {"ShardIterator": position})["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "REMOVE", "INSERT", "REMOVE"]
    assert "userIdentity" not in records[1]  # a client's delete
    ttl_delete = records[3]
    assert ttl_delete["userIdentity"] == {
        "PrincipalId": "dynamodb.amazonaws.com",
        "Type": "Service",
    }
    assert ttl_delete["dynamodb"]["OldImage"] == {"pk": s("b"), "expires": n(NOW + 30)}
    assert "NewImage" not in ttl_delete["dynamodb"]
    # Stamped when it became due (expiry, immediate mode), not when the clock was moved.
    assert ttl_delete["dynamodb"]["ApproximateCreationDateTime"] == NOW + 30


def test_deletions_consume_no_capacity_and_scan_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = ttl_engine()
    for index in range(20):
        put(engine, f"k{index}", expires=n(NOW + index))

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("TTL must neither charge capacity nor scan the table")

    monkeypatch.setattr(engine, "charge", refuse)
    monkeypatch.setattr(Table, "all_items", refuse)
    monkeypatch.setattr(Table, "scan_entries", refuse)
    engine.clock.advance(10.5)
    assert engine.tables["Books"].item_count == 9


def test_deletions_reach_local_indexes() -> None:
    engine = ttl_engine(
        sort=("sk", "N"),
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "rank", "AttributeType": "N"},
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-rank",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "rank", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    item = {"pk": s("a"), "sk": n(1), "rank": n(5), "expires": n(NOW + 5)}
    engine.call("PutItem", {"TableName": "Books", "Item": item})
    query = {
        "TableName": "Books",
        "IndexName": "by-rank",
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": s("a")},
    }
    assert engine.call("Query", query)["Count"] == 1
    engine.clock.advance(6)
    assert engine.call("Query", query)["Count"] == 0


def test_a_deleted_table_forgets_its_ttl() -> None:
    engine = ttl_engine()
    put(engine, "a", expires=n(NOW + 5))
    engine.call("DeleteTable", {"TableName": "Books"})
    create_table(engine)
    assert describe(engine) == {"TimeToLiveStatus": "DISABLED"}
    put(engine, "a", expires=n(NOW + 5))
    engine.clock.advance(10)
    assert keys(engine) == {"a"}


def test_ttl_settings_and_schedules_survive_dump_and_load() -> None:
    engine = ttl_engine(delay=HOUR)
    put(engine, "a", expires=n(NOW + 10))
    put(engine, "b", expires=n(NOW + 5 * HOUR))
    restored = Engine.loads(engine.dumps())
    ttl = restored.extensions["ttl"]
    assert ttl.ttl_deletion_delay == HOUR
    assert ttl.dump() == engine.extensions["ttl"].dump()
    assert describe(restored) == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    restored.clock.advance(HOUR + 11)
    assert keys(restored) == {"b"}
    put(restored, "c", expires=n(NOW + 2 * HOUR))  # the listener is attached again
    restored.clock.advance(2 * HOUR)
    assert keys(restored) == {"b"}
    # The one-hour rule is remembered too.
    fresh = Engine.loads(ttl_engine().dumps())
    assert error_of(
        fresh,
        "UpdateTimeToLive",
        {
            "TableName": "Books",
            "TimeToLiveSpecification": {"Enabled": False, "AttributeName": "expires"},
        },
    ).message == ("Time to live has been modified multiple times within a fixed interval")


# ---------------------------------------------------------------------- oracle
ttl_values = st.one_of(
    st.none(),
    st.integers(-3 * 24 * HOUR, 3 * 24 * HOUR).map(lambda offset: {"N": str(NOW + offset)}),
    st.just({"N": str(NOW - FIVE_YEARS_SECONDS - 1)}),
    st.just({"N": str(NOW - FIVE_YEARS_SECONDS + 24 * HOUR)}),
    st.integers(-HOUR, HOUR).map(lambda offset: {"S": str(NOW + offset)}),
)
events = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.sampled_from("abcdefgh"), ttl_values),
        st.tuples(st.just("wait"), st.just(""), st.integers(0, 20 * HOUR)),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(events, st.sampled_from(["immediate", "spread", 3 * HOUR]))
def test_items_expire_exactly_as_the_rules_say(
    steps: list[tuple[str, str, Any]], delay: Any
) -> None:
    engine = ttl_engine(delay=delay)
    ttl = engine.extensions["ttl"]
    enabled_at = engine.now()
    # The model: key -> (item's TTL value, time of its last write); an item is gone once the
    # clock is past max(expiry, enabled, written) + delay, unless ignored.
    model: dict[str, tuple[Any, float]] = {}

    def due(key: str) -> float | None:
        value, written = model[key]
        if value is None or "N" not in value:
            return None
        expiry = float(value["N"])
        start = max(expiry, enabled_at, written)
        if start - expiry > FIVE_YEARS_SECONDS:
            return None
        return start + ttl.delay("Books", key_id({"pk": s(key)}))

    for action, key, value in steps:
        if action == "put":
            put(engine, key, **({"expires": value} if value is not None else {}))
            model[key] = (value, engine.now())
        else:
            engine.clock.advance(value)
        now = engine.now()
        for name in list(model):
            deadline = due(name)
            if deadline is not None and deadline < now:
                del model[name]
        assert keys(engine) == set(model)
