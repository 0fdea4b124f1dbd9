"""DynamoDB Streams: stream lifecycle, the four operations, record shapes, shards, retention."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine, SimClock
from engine.values import values_equal
from tests.support.engine import (
    FROZEN_AT,
    create_table,
    error_of,
    iterator,
    n,
    read_stream,
    s,
    shards_of,
)

LABEL = "2025-06-15T15:06:40.000"  # FROZEN_AT as a stream label
TABLE_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/Books"
HOUR = 3600.0


def with_stream(
    engine: Engine, view: str = "NEW_AND_OLD_IMAGES", name: str = "Books", **extra: Any
) -> str:
    """Create a table with a stream; return the stream ARN."""
    described = create_table(
        engine,
        name,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
        **extra,
    )["TableDescription"]
    return described["LatestStreamArn"]


def put(engine: Engine, pk: str, table: str = "Books", **attributes: Any) -> None:
    engine.call("PutItem", {"TableName": table, "Item": {"pk": s(pk), **attributes}})


def only_shard(engine: Engine, arn: str) -> str:
    (shard,) = shards_of(engine, arn)
    return shard["ShardId"]


# ---------------------------------------------------------------------- stream lifecycle
def test_create_table_with_a_stream_describes_its_arn_and_label(engine: Engine) -> None:
    created = create_table(
        engine,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    )["TableDescription"]
    assert created["LatestStreamLabel"] == LABEL
    assert created["LatestStreamArn"] == f"{TABLE_ARN}/stream/{LABEL}"
    described = engine.call("DescribeTable", {"TableName": "Books"})["Table"]
    assert described["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "KEYS_ONLY",
    }
    assert described["LatestStreamArn"] == created["LatestStreamArn"]
    assert described["LatestStreamLabel"] == LABEL


def test_the_label_is_the_simulated_time_with_milliseconds() -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT + 0.1239))
    arn = with_stream(engine)
    assert arn.endswith("/stream/2025-06-15T15:06:40.123")


def test_a_table_without_a_stream_has_none_listed(engine: Engine) -> None:
    described = create_table(engine)["TableDescription"]
    assert "LatestStreamArn" not in described
    assert "StreamSpecification" not in described
    assert engine.call("ListStreams", {}) == {"Streams": []}


def test_each_enabling_creates_a_new_stream_labelled_with_its_time(engine: Engine) -> None:
    create_table(engine)
    engine.clock.advance(65.25)
    updated = engine.call(
        "UpdateTable",
        {
            "TableName": "Books",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        },
    )["TableDescription"]
    first = updated["LatestStreamArn"]
    assert updated["LatestStreamLabel"] == "2025-06-15T15:07:45.250"
    put(engine, "a")
    engine.clock.advance(HOUR)
    disabled = engine.call(
        "UpdateTable", {"TableName": "Books", "StreamSpecification": {"StreamEnabled": False}}
    )["TableDescription"]
    # DescribeTable keeps naming the disabled stream, without a StreamSpecification.
    assert disabled["LatestStreamArn"] == first
    assert "StreamSpecification" not in disabled
    closed = engine.call("DescribeStream", {"StreamArn": first})["StreamDescription"]
    assert closed["StreamStatus"] == "DISABLED"
    assert all("EndingSequenceNumber" in sh["SequenceNumberRange"] for sh in closed["Shards"])
    engine.clock.advance(HOUR)
    second = engine.call(
        "UpdateTable",
        {
            "TableName": "Books",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        },
    )["TableDescription"]["LatestStreamArn"]
    assert second != first
    assert second.endswith("/stream/2025-06-15T17:07:45.250")
    listed = engine.call("ListStreams", {"TableName": "Books"})["Streams"]
    assert [entry["StreamArn"] for entry in listed] == [second, first]  # newest first
    # The disabled stream is still readable: its record is there.
    assert [r["eventName"] for r in read_stream(engine, first)] == ["INSERT"]
    assert read_stream(engine, second) == []


def test_enabling_twice_in_one_millisecond_gives_distinct_labels(engine: Engine) -> None:
    first = with_stream(engine)
    engine.call(
        "UpdateTable", {"TableName": "Books", "StreamSpecification": {"StreamEnabled": False}}
    )
    second = engine.call(
        "UpdateTable",
        {
            "TableName": "Books",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        },
    )["TableDescription"]["LatestStreamArn"]
    assert first.endswith(LABEL)
    assert second.endswith("/stream/2025-06-15T15:06:40.001")


def test_update_table_stream_errors(engine: Engine) -> None:
    arn = with_stream(engine)
    error = error_of(
        engine,
        "UpdateTable",
        {
            "TableName": "Books",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        },
    )
    assert error.code == "ValidationException"
    assert error.message == "Table already has an enabled stream: TableName: Books"
    # The specification itself is checked first.
    error = error_of(
        engine,
        "UpdateTable",
        {"TableName": "Books", "StreamSpecification": {"StreamEnabled": True}},
    )
    assert error.message == (
        "One or more parameter values were invalid: "
        "If stream is being enabled then UpdateViewType is required"
    )
    error = error_of(
        engine,
        "UpdateTable",
        {
            "TableName": "Books",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "X"},
        },
    )
    assert error.message == (
        "1 validation error detected: Value 'X' at 'streamSpecification.streamViewType' failed "
        "to satisfy constraint: Member must satisfy enum value set: "
        "[NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]"
    )
    assert engine.call("DescribeTable", {"TableName": "Books"})["Table"]["LatestStreamArn"] == arn
    disable = {"TableName": "Books", "StreamSpecification": {"StreamEnabled": False}}
    engine.call("UpdateTable", disable)
    error = error_of(engine, "UpdateTable", disable)
    assert error.message == "Table has no stream to disable: TableName: Books"
    disable["StreamSpecification"]["StreamViewType"] = "KEYS_ONLY"
    assert error_of(engine, "UpdateTable", disable).message == (
        "One or more parameter values were invalid: "
        "If stream is being disabled, then UpdateViewType must not be specified"
    )


def test_an_unknown_stream_view_type_is_refused_before_the_table_changes(engine: Engine) -> None:
    create_table(engine)
    error = error_of(
        engine,
        "UpdateTable",
        {
            "TableName": "Books",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "ALL"},
        },
    )
    assert error.code == "ValidationException"
    assert "Value 'ALL' at 'streamSpecification.streamViewType'" in error.message
    assert "LatestStreamArn" not in engine.call("DescribeTable", {"TableName": "Books"})["Table"]


def test_a_disabled_stream_is_readable_for_24_hours_then_gone(engine: Engine) -> None:
    arn = with_stream(engine)
    put(engine, "a")
    engine.call(
        "UpdateTable", {"TableName": "Books", "StreamSpecification": {"StreamEnabled": False}}
    )
    engine.clock.advance(24 * HOUR)
    assert engine.call("DescribeStream", {"StreamArn": arn})["StreamDescription"][
        "StreamStatus"
    ] == ("DISABLED")
    engine.clock.advance(1)
    assert engine.call("ListStreams", {}) == {"Streams": []}
    error = error_of(engine, "DescribeStream", {"StreamArn": arn})
    assert error.code == "ResourceNotFoundException"
    assert error.message == f"Requested resource not found: Stream: {arn} not found"


def test_iterators_taken_before_disabling_still_read_the_closed_shard(engine: Engine) -> None:
    arn = with_stream(engine, "KEYS_ONLY")
    put(engine, "a")
    position = iterator(engine, arn, only_shard(engine, arn), "TRIM_HORIZON")
    engine.call(
        "UpdateTable", {"TableName": "Books", "StreamSpecification": {"StreamEnabled": False}}
    )
    put(engine, "b")  # after disabling: not recorded
    page = engine.call("GetRecords", {"ShardIterator": position})
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]] == ["a"]
    assert "NextShardIterator" not in page
    described = engine.call("DescribeStream", {"StreamArn": arn})["StreamDescription"]
    assert described["StreamViewType"] == "KEYS_ONLY"  # the disabled stream keeps its view


def test_deleting_the_table_disables_its_stream_which_stays_readable(engine: Engine) -> None:
    arn = with_stream(engine)
    put(engine, "a")
    engine.call("DeleteTable", {"TableName": "Books"})
    described = engine.call("DescribeStream", {"StreamArn": arn})["StreamDescription"]
    assert described["StreamStatus"] == "DISABLED"
    assert described["TableName"] == "Books"
    assert [r["eventName"] for r in read_stream(engine, arn)] == ["INSERT"]
    # A new table of the same name gets a stream of its own.
    engine.clock.advance(1)
    again = with_stream(engine)
    assert again != arn
    assert len(engine.call("ListStreams", {"TableName": "Books"})["Streams"]) == 2


# ---------------------------------------------------------------------- records
VIEW_IMAGES = {
    "KEYS_ONLY": (False, False),
    "NEW_IMAGE": (True, False),
    "OLD_IMAGE": (False, True),
    "NEW_AND_OLD_IMAGES": (True, True),
}


@pytest.mark.parametrize("view", list(VIEW_IMAGES))
def test_each_view_type_carries_its_images(engine: Engine, view: str) -> None:
    arn = with_stream(engine, view)
    put(engine, "a", v=n(1))
    engine.call(
        "UpdateItem",
        {
            "TableName": "Books",
            "Key": {"pk": s("a")},
            "UpdateExpression": "SET v = :v",
            "ExpressionAttributeValues": {":v": n(2)},
        },
    )
    engine.call("DeleteItem", {"TableName": "Books", "Key": {"pk": s("a")}})
    insert, modify, remove = read_stream(engine, arn)
    assert [insert["eventName"], modify["eventName"], remove["eventName"]] == [
        "INSERT",
        "MODIFY",
        "REMOVE",
    ]
    new, old = VIEW_IMAGES[view]
    one = {"pk": s("a"), "v": n(1)}
    two = {"pk": s("a"), "v": n(2)}
    expected = [(one if new else None, None), (two if new else None, one if old else None)]
    expected.append((None, two if old else None))
    for record, (new_image, old_image) in zip((insert, modify, remove), expected, strict=True):
        body = record["dynamodb"]
        assert body["Keys"] == {"pk": s("a")}
        assert body.get("NewImage") == new_image
        assert body.get("OldImage") == old_image
        assert body["StreamViewType"] == view


def test_record_shape_matches_the_service() -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT + 0.75), region="eu-west-1")
    arn = with_stream(engine, "NEW_AND_OLD_IMAGES")
    put(engine, "a", title=s("Dune"))
    put(engine, "a", title=s("Emma"))
    first, second = read_stream(engine, arn)
    assert list(first) == [
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
    ]
    assert first["eventVersion"] == "1.1"
    assert first["eventSource"] == "aws:dynamodb"
    assert first["awsRegion"] == "eu-west-1"
    assert "userIdentity" not in first  # a client's write has no identity in the record
    assert len(first["eventID"]) == 32 and int(first["eventID"], 16) >= 0
    assert first["eventID"] != second["eventID"]
    body = first["dynamodb"]
    assert body["ApproximateCreationDateTime"] == FROZEN_AT  # rounded down to the second
    assert body["SequenceNumber"] == "100000000000000000001"
    assert second["dynamodb"]["SequenceNumber"] == "100000000000000000002"
    # SizeBytes: keys + new image ("pk"+"a" = 3, plus "pk"+"a"+"title"+"Dune" = 12).
    assert body["SizeBytes"] == 15
    assert second["dynamodb"]["SizeBytes"] == 3 + 12 + 12


def test_writes_that_change_nothing_write_no_record(engine: Engine) -> None:
    arn = with_stream(engine)
    put(engine, "a", tags={"SS": ["x", "y"]}, v=n(1))
    put(engine, "a", tags={"SS": ["y", "x"]}, v=n("1.0"))  # the same item
    engine.call(
        "UpdateItem",
        {
            "TableName": "Books",
            "Key": {"pk": s("a")},
            "UpdateExpression": "SET v = :v",
            "ExpressionAttributeValues": {":v": n(1)},
        },
    )
    engine.call("DeleteItem", {"TableName": "Books", "Key": {"pk": s("missing")}})
    assert [r["eventName"] for r in read_stream(engine, arn)] == ["INSERT"]


def test_batches_and_transactions_write_one_record_per_item(engine: Engine) -> None:
    arn = with_stream(engine, "KEYS_ONLY")
    engine.call(
        "BatchWriteItem",
        {
            "RequestItems": {
                "Books": [{"PutRequest": {"Item": {"pk": s(f"b{i}")}}} for i in range(3)]
            }
        },
    )
    engine.call(
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Put": {"TableName": "Books", "Item": {"pk": s("t")}}},
                {"Delete": {"TableName": "Books", "Key": {"pk": s("b0")}}},
            ]
        },
    )
    records = read_stream(engine, arn)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [
        ("INSERT", "b0"),
        ("INSERT", "b1"),
        ("INSERT", "b2"),
        ("INSERT", "t"),
        ("REMOVE", "b0"),
    ]
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers) and len(set(numbers)) == 5


# ---------------------------------------------------------------------- shards
def test_shards_roll_over_every_four_hours_and_name_their_parent(engine: Engine) -> None:
    arn = with_stream(engine)
    put(engine, "a")
    engine.clock.advance(4 * HOUR)
    put(engine, "b")
    first, second = shards_of(engine, arn)
    assert first["SequenceNumberRange"] == {
        "StartingSequenceNumber": "100000000000000000001",
        "EndingSequenceNumber": "100000000000000000001",
    }
    assert "ParentShardId" not in first
    assert second["ParentShardId"] == first["ShardId"]
    assert second["SequenceNumberRange"] == {"StartingSequenceNumber": "100000000000000000002"}
    assert first["ShardId"].startswith("shardId-00000001750000000000-")
    assert second["ShardId"].startswith("shardId-00000001750014400000-")
    assert 28 <= len(first["ShardId"]) <= 65
    # An idle stream still rolls over; an empty shard closes on its starting number.
    engine.clock.advance(8 * HOUR)
    third, fourth = shards_of(engine, arn)[2:]
    assert third["SequenceNumberRange"] == {
        "StartingSequenceNumber": "100000000000000000003",
        "EndingSequenceNumber": "100000000000000000003",
    }
    assert third["ParentShardId"] == second["ShardId"]
    assert fourth["ParentShardId"] == third["ShardId"]
    assert fourth["SequenceNumberRange"] == {"StartingSequenceNumber": "100000000000000000004"}
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_stream(engine, arn)] == ["a", "b"]


def test_rollover_interval_is_a_setting(engine: Engine) -> None:
    engine.extensions["streams"].shard_rollover_seconds = 60
    arn = with_stream(engine)
    for index in range(5):
        put(engine, f"k{index}")
        engine.clock.advance(60)
    shards = shards_of(engine, arn)
    assert len(shards) == 6
    for parent, child in zip(shards, shards[1:], strict=False):
        assert child["ParentShardId"] == parent["ShardId"]
    assert len(read_stream(engine, arn)) == 5


def test_describe_stream_pages_through_shards(engine: Engine) -> None:
    engine.extensions["streams"].shard_rollover_seconds = 60
    arn = with_stream(engine)
    engine.clock.advance(60 * 4)
    page = engine.call("DescribeStream", {"StreamArn": arn, "Limit": 2})["StreamDescription"]
    assert len(page["Shards"]) == 2
    assert page["LastEvaluatedShardId"] == page["Shards"][1]["ShardId"]
    assert page["StreamArn"] == arn
    assert page["StreamLabel"] == LABEL
    assert page["StreamStatus"] == "ENABLED"
    assert page["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert page["CreationRequestDateTime"] == FROZEN_AT
    assert page["TableName"] == "Books"
    assert page["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    rest = engine.call(
        "DescribeStream",
        {"StreamArn": arn, "ExclusiveStartShardId": page["LastEvaluatedShardId"]},
    )["StreamDescription"]
    assert len(rest["Shards"]) == 3
    assert "LastEvaluatedShardId" not in rest


def test_describe_stream_errors(engine: Engine) -> None:
    missing = f"{TABLE_ARN}/stream/{LABEL}"
    error = error_of(engine, "DescribeStream", {"StreamArn": missing})
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Stream: {missing} not found",
    )
    assert error_of(engine, "DescribeStream", {}).message == (
        "1 validation error detected: Value null at 'streamArn' failed to satisfy constraint: "
        "Member must not be null"
    )
    assert "Member must have length greater than or equal to 37" in (
        error_of(engine, "DescribeStream", {"StreamArn": "arn:short"}).message
    )
    assert "Member must have value greater than or equal to 1" in (
        error_of(engine, "DescribeStream", {"StreamArn": missing, "Limit": 0}).message
    )


# ---------------------------------------------------------------------- ListStreams
def test_list_streams_filters_and_pages(engine: Engine) -> None:
    arns = []
    for name in ("Alpha", "Beta", "Gamma"):
        arns.append(with_stream(engine, name=name))
        engine.clock.advance(1)
    everything = engine.call("ListStreams", {})["Streams"]
    assert [entry["TableName"] for entry in everything] == ["Gamma", "Beta", "Alpha"]
    assert everything[0] == {
        "StreamArn": arns[2],
        "TableName": "Gamma",
        "StreamLabel": "2025-06-15T15:06:42.000",
    }
    first = engine.call("ListStreams", {"Limit": 2})
    assert [entry["StreamArn"] for entry in first["Streams"]] == [arns[2], arns[1]]
    assert first["LastEvaluatedStreamArn"] == arns[1]
    rest = engine.call(
        "ListStreams", {"Limit": 2, "ExclusiveStartStreamArn": first["LastEvaluatedStreamArn"]}
    )
    assert [entry["StreamArn"] for entry in rest["Streams"]] == [arns[0]]
    assert "LastEvaluatedStreamArn" not in rest
    assert engine.call("ListStreams", {"TableName": "Beta"})["Streams"][0]["StreamArn"] == arns[1]
    assert engine.call("ListStreams", {"TableName": "Nope"}) == {"Streams": []}


def test_list_streams_validation(engine: Engine) -> None:
    assert "Member must have value greater than or equal to 1" in (
        error_of(engine, "ListStreams", {"Limit": 0}).message
    )
    assert "Member must satisfy regular expression pattern" in (
        error_of(engine, "ListStreams", {"TableName": "bad name!"}).message
    )
    assert error_of(engine, "ListStreams", {"Limit": "x"}).code == "SerializationException"


# ---------------------------------------------------------------------- iterators and records
def test_iterator_types(engine: Engine) -> None:
    arn = with_stream(engine, "KEYS_ONLY")
    for key in "abc":
        put(engine, key)
    shard = only_shard(engine, arn)

    def keys(position: str) -> list[str]:
        records = engine.call("GetRecords", {"ShardIterator": position})["Records"]
        return [r["dynamodb"]["Keys"]["pk"]["S"] for r in records]

    assert keys(iterator(engine, arn, shard, "TRIM_HORIZON")) == ["a", "b", "c"]
    latest = iterator(engine, arn, shard, "LATEST")
    assert keys(latest) == []
    second = "100000000000000000002"
    at = iterator(engine, arn, shard, "AT_SEQUENCE_NUMBER", SequenceNumber=second)
    after = iterator(engine, arn, shard, "AFTER_SEQUENCE_NUMBER", SequenceNumber=second)
    put(engine, "d")
    assert keys(latest) == ["d"]
    assert keys(at) == ["b", "c", "d"]
    assert keys(after) == ["c", "d"]


def test_get_shard_iterator_errors(engine: Engine) -> None:
    arn = with_stream(engine)
    put(engine, "a")
    shard = only_shard(engine, arn)
    base = {"StreamArn": arn, "ShardId": shard}

    def error(**request: Any) -> tuple[str, str]:
        caught = error_of(engine, "GetShardIterator", {**base, **request})
        return caught.code, caught.message

    assert error(ShardIteratorType="AT_SEQUENCE_NUMBER") == (
        "ValidationException",
        "SequenceNumber is required when ShardIteratorType is AT_SEQUENCE_NUMBER",
    )
    assert error(ShardIteratorType="LATEST", SequenceNumber="100000000000000000001") == (
        "ValidationException",
        "SequenceNumber must not be specified when ShardIteratorType is LATEST",
    )
    assert error(ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber="0" * 21) == (
        "ValidationException",
        "Invalid SequenceNumber for the shard",
    )
    assert error(ShardIteratorType="FIRST") == (
        "ValidationException",
        "1 validation error detected: Value 'FIRST' at 'shardIteratorType' failed to satisfy "
        "constraint: Member must satisfy enum value set: "
        "[TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]",
    )
    assert (
        "Member must have length greater than or equal to 21"
        in error(ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber="12")[1]
    )
    unknown = "shardId-00000000000000000000-00000000"
    assert error(ShardId=unknown, ShardIteratorType="LATEST")[0] == "ResourceNotFoundException"
    missing = error_of(engine, "GetShardIterator", {})
    assert missing.message.startswith("3 validation errors detected: Value null at 'streamArn'")
    gone = f"{TABLE_ARN}/stream/2020-01-01T00:00:00.000"
    assert error(StreamArn=gone, ShardIteratorType="LATEST") == (
        "ResourceNotFoundException",
        f"Requested resource not found: Stream: {gone} not found",
    )


def test_get_records_pages_with_limit_and_next_iterator(engine: Engine) -> None:
    arn = with_stream(engine, "KEYS_ONLY")
    for index in range(5):
        put(engine, f"k{index}")
    position = iterator(engine, arn, only_shard(engine, arn), "TRIM_HORIZON")
    seen = []
    for _ in range(3):
        page = engine.call("GetRecords", {"ShardIterator": position, "Limit": 2})
        seen += [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]]
        position = page["NextShardIterator"]  # an open shard always gives one
    assert seen == ["k0", "k1", "k2", "k3", "k4"]
    assert engine.call("GetRecords", {"ShardIterator": position})["Records"] == []


def test_a_closed_shard_ends_without_a_next_iterator(engine: Engine) -> None:
    arn = with_stream(engine, "KEYS_ONLY")
    put(engine, "a")
    put(engine, "b")
    engine.clock.advance(4 * HOUR)
    first = shards_of(engine, arn)[0]["ShardId"]
    page = engine.call(
        "GetRecords", {"ShardIterator": iterator(engine, arn, first, "TRIM_HORIZON"), "Limit": 1}
    )
    assert len(page["Records"]) == 1 and "NextShardIterator" in page
    page = engine.call("GetRecords", {"ShardIterator": page["NextShardIterator"]})
    assert len(page["Records"]) == 1
    assert "NextShardIterator" not in page
    latest = engine.call("GetRecords", {"ShardIterator": iterator(engine, arn, first, "LATEST")})
    assert latest == {"Records": []}


def test_get_records_validation_and_bad_iterators(engine: Engine) -> None:
    arn = with_stream(engine)
    position = iterator(engine, arn, only_shard(engine, arn), "TRIM_HORIZON")
    too_many = error_of(engine, "GetRecords", {"ShardIterator": position, "Limit": 1001})
    assert too_many.message == (
        "One or more parameter values were invalid: Limit should be less than or equal to 1000"
    )
    assert "Member must have value greater than or equal to 1" in (
        error_of(engine, "GetRecords", {"ShardIterator": position, "Limit": 0}).message
    )
    assert error_of(engine, "GetRecords", {}).message == (
        "1 validation error detected: Value null at 'shardIterator' failed to satisfy "
        "constraint: Member must not be null"
    )
    for bad in ("garbage", position[:-3] + "abc", position.replace("|1|", "|2|")):
        caught = error_of(engine, "GetRecords", {"ShardIterator": bad})
        assert (caught.code, caught.message) == ("ValidationException", "Invalid ShardIterator")
    assert engine.call("GetRecords", {"ShardIterator": position, "Limit": 1000}) is not None


def test_iterators_expire_after_15_minutes(engine: Engine) -> None:
    arn = with_stream(engine)
    position = iterator(engine, arn, only_shard(engine, arn), "TRIM_HORIZON")
    engine.clock.advance(15 * 60)
    page = engine.call("GetRecords", {"ShardIterator": position})  # 15 minutes: still valid
    engine.clock.advance(1)
    # The NextShardIterator is a fresh iterator; the first one has now expired.
    fresh = engine.call("GetRecords", {"ShardIterator": page["NextShardIterator"]})
    assert "NextShardIterator" in fresh
    error = error_of(engine, "GetRecords", {"ShardIterator": position})
    assert (error.code, error.message) == ("ExpiredIteratorException", "Shard iterator has expired")


def test_records_older_than_24_hours_are_trimmed(engine: Engine) -> None:
    arn = with_stream(engine, "KEYS_ONLY")
    put(engine, "old")
    engine.clock.advance(2 * HOUR)
    put(engine, "new")
    shard = only_shard(engine, arn)
    engine.clock.advance(22 * HOUR - 5 * 60)
    early = iterator(engine, arn, shard, "TRIM_HORIZON")  # still points at "old"
    engine.clock.advance(5 * 60 + 1)  # "old" is now more than 24 hours old
    error = error_of(engine, "GetRecords", {"ShardIterator": early})
    assert (error.code, error.message) == (
        "TrimmedDataAccessException",
        "The operation attempted to read past the oldest stream record in a shard.",
    )
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_stream(engine, arn)] == ["new"]
    trimmed = error_of(
        engine,
        "GetShardIterator",
        {
            "StreamArn": arn,
            "ShardId": shard,
            "ShardIteratorType": "AT_SEQUENCE_NUMBER",
            "SequenceNumber": "100000000000000000001",
        },
    )
    assert trimmed.code == "TrimmedDataAccessException"
    # AFTER the trimmed record is the first record still there.
    after = iterator(
        engine, arn, shard, "AFTER_SEQUENCE_NUMBER", SequenceNumber="100000000000000000001"
    )
    assert len(engine.call("GetRecords", {"ShardIterator": after})["Records"]) == 1
    engine.clock.advance(2 * HOUR)
    assert read_stream(engine, arn) == []


def test_closed_shards_disappear_24_hours_after_closing(engine: Engine) -> None:
    arn = with_stream(engine)
    engine.clock.advance(4 * HOUR)
    assert len(shards_of(engine, arn)) == 2
    engine.clock.advance(24 * HOUR + 1)
    shards = shards_of(engine, arn)
    assert len(shards) == 7  # the first closed 24 hours and 1 second ago
    assert "ParentShardId" in shards[0]  # its parent is gone: a reader starts here


def test_get_records_stops_at_one_megabyte(engine: Engine) -> None:
    arn = with_stream(engine, "NEW_IMAGE")
    big = "x" * (400 * 1024 - 20)
    for index in range(4):
        put(engine, f"k{index}", blob=s(big))
    position = iterator(engine, arn, only_shard(engine, arn), "TRIM_HORIZON")
    page = engine.call("GetRecords", {"ShardIterator": position})
    assert len(page["Records"]) == 2
    page = engine.call("GetRecords", {"ShardIterator": page["NextShardIterator"]})
    assert len(page["Records"]) == 2


# ---------------------------------------------------------------------- persistence
def test_streams_survive_dump_and_load(engine: Engine) -> None:
    engine.extensions["streams"].shard_rollover_seconds = 600
    arn = with_stream(engine)
    put(engine, "a", v=n(1))
    engine.clock.advance(700)
    put(engine, "b")
    first_shard = shards_of(engine, arn)[0]["ShardId"]
    position = iterator(engine, arn, first_shard, "TRIM_HORIZON")
    restored = Engine.loads(engine.dumps())
    assert restored.extensions["streams"].shard_rollover_seconds == 600
    for name in ("streams", "triggers", "ttl"):
        assert restored.extensions[name].dump() == engine.extensions[name].dump()
    assert restored.call("GetRecords", {"ShardIterator": position}) == engine.call(
        "GetRecords", {"ShardIterator": position}
    )
    put(restored, "c")
    records = read_stream(restored, arn)
    assert [r["dynamodb"]["SequenceNumber"][-1] for r in records] == ["1", "2", "3"]
    assert restored.call("DescribeTable", {"TableName": "Books"})["Table"]["LatestStreamArn"] == (
        arn
    )
    restored.clock.advance(15 * 60 + 1)
    assert error_of(restored, "GetRecords", {"ShardIterator": position}).code == (
        "ExpiredIteratorException"
    )


def test_a_trimmed_shard_keeps_its_trim_point_through_dump_and_load(engine: Engine) -> None:
    arn = with_stream(engine, "KEYS_ONLY")
    put(engine, "a")
    put(engine, "b")
    engine.clock.advance(24 * HOUR + 1)
    restored = Engine.loads(engine.dumps())
    put(restored, "c")
    ranges = shards_of(restored, arn)[-1]["SequenceNumberRange"]
    records = read_stream(restored, arn)
    assert [r["dynamodb"]["SequenceNumber"] for r in records] == ["100000000000000000008"]
    assert ranges["StartingSequenceNumber"] == "100000000000000000008"
    first = shards_of(restored, arn)[0]
    assert first["SequenceNumberRange"]["EndingSequenceNumber"] == "100000000000000000002"
    page = restored.call(
        "GetRecords", {"ShardIterator": iterator(restored, arn, first["ShardId"], "TRIM_HORIZON")}
    )
    assert page == {"Records": []}  # trimmed and closed: nothing, and no next iterator


# ---------------------------------------------------------------------- oracle
operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.sampled_from("abcde"), st.integers(0, 3)),
        st.tuples(st.just("update"), st.sampled_from("abcde"), st.integers(0, 3)),
        st.tuples(st.just("delete"), st.sampled_from("abcde"), st.just(0)),
        st.tuples(st.just("wait"), st.just(""), st.integers(1, 5)),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(operations, st.sampled_from(["NEW_AND_OLD_IMAGES", "NEW_IMAGE"]), st.integers(1, 4))
def test_replaying_the_stream_rebuilds_the_table(
    steps: list[tuple[str, str, int]], view: str, limit: int
) -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    engine.extensions["streams"].shard_rollover_seconds = 3 * 60
    arn = with_stream(engine, view)
    for action, key, value in steps:
        if action == "put":
            put(engine, key, v=n(value), **({"even": {"BOOL": True}} if value % 2 == 0 else {}))
        elif action == "update":
            engine.call(
                "UpdateItem",
                {
                    "TableName": "Books",
                    "Key": {"pk": s(key)},
                    "UpdateExpression": "ADD v :one",
                    "ExpressionAttributeValues": {":one": n(value)},
                },
            )
        elif action == "delete":
            engine.call("DeleteItem", {"TableName": "Books", "Key": {"pk": s(key)}})
        else:
            engine.clock.advance(value * 60)
    replayed: dict[str, dict[str, Any]] = {}
    previous = 0
    for record in read_stream(engine, arn, limit=limit):
        body = record["dynamodb"]
        number = int(body["SequenceNumber"])
        assert number > previous
        previous = number
        key = body["Keys"]["pk"]["S"]
        if record["eventName"] == "REMOVE":
            assert key in replayed
            del replayed[key]
        else:
            assert (record["eventName"] == "INSERT") == (key not in replayed)
            if view == "NEW_AND_OLD_IMAGES" and key in replayed:
                assert body["OldImage"] == replayed[key]
            replayed[key] = body["NewImage"]
    actual = {
        item["pk"]["S"]: item for item in engine.call("Scan", {"TableName": "Books"})["Items"]
    }
    assert replayed.keys() == actual.keys()
    for key, item in actual.items():
        assert item.keys() == replayed[key].keys()
        assert all(values_equal(item[name], replayed[key][name]) for name in item)


# ---------------------------------------------------------------------- fidelity
def test_a_malformed_stream_arn_is_a_validation_error(engine: Engine) -> None:
    with_stream(engine)
    malformed = "x" * 40  # long enough for the length constraint, not an ARN
    shard = {"ShardId": "shardId-00000001750000000000-00000000", "ShardIteratorType": "LATEST"}
    for operation, request in (
        ("DescribeStream", {"StreamArn": malformed}),
        ("DescribeStream", {"StreamArn": f"{TABLE_ARN}/index/by-author"}),
        ("GetShardIterator", {"StreamArn": malformed, **shard}),
        ("ListStreams", {"ExclusiveStartStreamArn": malformed}),
    ):
        error = error_of(engine, operation, request)
        assert (error.code, error.message) == ("ValidationException", "Invalid StreamArn")
    # A well-formed ARN of a stream that does not exist is still not found.
    missing = f"{TABLE_ARN}/stream/2020-01-01T00:00:00.000"
    assert error_of(engine, "DescribeStream", {"StreamArn": missing}).code == (
        "ResourceNotFoundException"
    )


def test_list_streams_returns_at_most_100_a_page(engine: Engine) -> None:
    with_stream(engine)
    error = error_of(engine, "ListStreams", {"Limit": 101})
    assert (error.code, error.message) == (
        "ValidationException",
        "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 100",
    )
    assert len(engine.call("ListStreams", {"Limit": 100})["Streams"]) == 1


def test_describe_stream_lists_the_children_of_a_shard(engine: Engine) -> None:
    engine.extensions["streams"].shard_rollover_seconds = 60
    arn = with_stream(engine)
    engine.clock.advance(130)
    first, second, third = shards_of(engine, arn)
    children = engine.call(
        "DescribeStream",
        {"StreamArn": arn, "ShardFilter": {"Type": "CHILD_SHARDS", "ShardId": first["ShardId"]}},
    )["StreamDescription"]["Shards"]
    assert children == [second]
    last = {"Type": "CHILD_SHARDS", "ShardId": third["ShardId"]}
    assert (
        engine.call("DescribeStream", {"StreamArn": arn, "ShardFilter": last})["StreamDescription"][
            "Shards"
        ]
        == []
    )
    error = error_of(
        engine,
        "DescribeStream",
        {"StreamArn": arn, "ShardFilter": {"Type": "PARENT", "ShardId": first["ShardId"]}},
    )
    assert error.message == (
        "1 validation error detected: Value 'PARENT' at 'shardFilter.type' failed to satisfy "
        "constraint: Member must satisfy enum value set: [CHILD_SHARDS]"
    )
    error = error_of(
        engine, "DescribeStream", {"StreamArn": arn, "ShardFilter": {"ShardId": "short"}}
    )
    assert "at 'shardFilter.shardId' failed to satisfy constraint" in error.message
    error = error_of(
        engine, "DescribeStream", {"StreamArn": arn, "ShardFilter": {"Type": "CHILD_SHARDS"}}
    )
    assert error.code == "ValidationException"
