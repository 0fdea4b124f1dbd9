"""PutItem, GetItem, UpdateItem and DeleteItem: behaviour, errors and consumed capacity."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine
from tests.support.engine import create_table, error_of, n, s, sized_item


@pytest.fixture
def books(engine: Engine) -> Engine:
    create_table(engine)
    return engine


def put(engine: Engine, item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return engine.call("PutItem", {"TableName": "Books", "Item": item, **extra})


def get(engine: Engine, key: str, **extra: Any) -> dict[str, Any]:
    return engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s(key)}, **extra})


def test_put_then_get_round_trips_with_canonical_numbers(books: Engine) -> None:
    put(books, {"pk": s("a"), "price": n("012.50"), "tags": {"SS": ["x", "y"]}})
    assert get(books, "a") == {
        "Item": {"pk": s("a"), "price": n("12.5"), "tags": {"SS": ["x", "y"]}}
    }
    assert get(books, "missing") == {}


def test_responses_are_copies(books: Engine) -> None:
    put(books, {"pk": s("a"), "list": {"L": [s("x")]}})
    first = get(books, "a")
    first["Item"]["list"]["L"].append(s("mutated"))
    assert get(books, "a")["Item"]["list"] == {"L": [s("x")]}


def test_put_replaces_and_returns_all_old(books: Engine) -> None:
    put(books, {"pk": s("a"), "v": n(1)})
    response = put(books, {"pk": s("a"), "w": n(2)}, ReturnValues="ALL_OLD")
    assert response == {"Attributes": {"pk": s("a"), "v": n(1)}}
    assert get(books, "a")["Item"] == {"pk": s("a"), "w": n(2)}
    error = error_of(
        books, "PutItem", {"TableName": "Books", "Item": {"pk": s("a")}, "ReturnValues": "ALL_NEW"}
    )
    assert error.message == "ReturnValues can only be ALL_OLD or NONE"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {"other": s("x")},
            "One or more parameter values were invalid: Missing the key pk in the item",
        ),
        (
            {"pk": n(1)},
            "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
        ),
        (
            {"pk": s("")},
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            "cannot contain an empty string value. Key: pk",
        ),
    ],
)
def test_put_key_errors(books: Engine, item: dict[str, Any], message: str) -> None:
    error = error_of(books, "PutItem", {"TableName": "Books", "Item": item})
    assert (error.code, error.message) == ("ValidationException", message)


def test_get_key_must_match_the_schema(books: Engine) -> None:
    for key in ({"pk": n(1)}, {"pk": s("a"), "extra": s("b")}, {"other": s("a")}):
        error = error_of(books, "GetItem", {"TableName": "Books", "Key": key})
        assert error.message == "The provided key element does not match the schema"


def test_400_kb_passes_and_one_byte_more_fails(books: Engine) -> None:
    put(books, sized_item("a", 409600))
    error = error_of(books, "PutItem", {"TableName": "Books", "Item": sized_item("b", 409601)})
    assert error.message == "Item size has exceeded the maximum allowed size"


def test_partition_key_size_limit(books: Engine) -> None:
    put(books, {"pk": s("k" * 2048)})
    error = error_of(books, "PutItem", {"TableName": "Books", "Item": {"pk": s("k" * 2049)}})
    assert "Size of hashkey has exceeded the maximum size limit of2048 bytes" in error.message


def test_conditional_put_and_the_failure_item(books: Engine) -> None:
    put(books, {"pk": s("a"), "v": n(1)})
    request = {
        "TableName": "Books",
        "Item": {"pk": s("a"), "v": n(2)},
        "ConditionExpression": "attribute_not_exists(pk)",
    }
    error = error_of(books, "PutItem", request)
    assert (error.code, error.message) == (
        "ConditionalCheckFailedException",
        "The conditional request failed",
    )
    assert "Item" not in error.extra
    error = error_of(
        books, "PutItem", {**request, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
    )
    assert error.extra["Item"] == {"pk": s("a"), "v": n(1)}
    assert get(books, "a")["Item"]["v"] == n(1)
    put(books, {"pk": s("b")}, ConditionExpression="attribute_not_exists(pk)")
    assert get(books, "b")["Item"] == {"pk": s("b")}


def test_update_creates_and_edits_and_returns_values(books: Engine) -> None:
    created = books.call(
        "UpdateItem",
        {
            "TableName": "Books",
            "Key": {"pk": s("a")},
            "UpdateExpression": "SET #c = if_not_exists(#c, :zero) + :one, title = :t",
            "ExpressionAttributeNames": {"#c": "count"},
            "ExpressionAttributeValues": {":zero": n(0), ":one": n(1), ":t": s("Dune")},
            "ReturnValues": "ALL_NEW",
        },
    )
    assert created == {"Attributes": {"pk": s("a"), "count": n(1), "title": s("Dune")}}
    updated = books.call(
        "UpdateItem",
        {
            "TableName": "Books",
            "Key": {"pk": s("a")},
            "UpdateExpression": "SET #c = #c + :one REMOVE title",
            "ExpressionAttributeNames": {"#c": "count"},
            "ExpressionAttributeValues": {":one": n(1)},
            "ReturnValues": "UPDATED_OLD",
        },
    )
    assert updated == {"Attributes": {"count": n(1), "title": s("Dune")}}
    assert get(books, "a")["Item"] == {"pk": s("a"), "count": n(2)}


def test_update_cannot_change_a_key_attribute(books: Engine) -> None:
    error = error_of(
        books,
        "UpdateItem",
        {
            "TableName": "Books",
            "Key": {"pk": s("a")},
            "UpdateExpression": "SET pk = :v",
            "ExpressionAttributeValues": {":v": s("b")},
        },
    )
    assert error.message == (
        "One or more parameter values were invalid: Cannot update attribute pk. This attribute "
        "is part of the key"
    )
    assert get(books, "a") == {}


def test_update_with_condition_on_missing_item_fails(books: Engine) -> None:
    error = error_of(
        books,
        "UpdateItem",
        {
            "TableName": "Books",
            "Key": {"pk": s("a")},
            "UpdateExpression": "SET v = :v",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": {":v": n(1)},
        },
    )
    assert error.code == "ConditionalCheckFailedException"
    assert get(books, "a") == {}


def test_delete_returns_old_and_is_idempotent(books: Engine) -> None:
    put(books, {"pk": s("a"), "v": n(1)})
    deleted = books.call(
        "DeleteItem", {"TableName": "Books", "Key": {"pk": s("a")}, "ReturnValues": "ALL_OLD"}
    )
    assert deleted == {"Attributes": {"pk": s("a"), "v": n(1)}}
    assert books.call("DeleteItem", {"TableName": "Books", "Key": {"pk": s("a")}}) == {}
    assert get(books, "a") == {}


def test_unused_expression_values_are_rejected(books: Engine) -> None:
    error = error_of(
        books,
        "PutItem",
        {
            "TableName": "Books",
            "Item": {"pk": s("a")},
            "ConditionExpression": "attribute_not_exists(pk)",
            "ExpressionAttributeValues": {":unused": n(1)},
        },
    )
    assert (
        error.message
        == "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"
    )


# ---------------------------------------------------------------------- capacity
def capacity(response: dict[str, Any]) -> float:
    return response["ConsumedCapacity"]["CapacityUnits"]


@pytest.mark.parametrize(
    ("size", "strong", "eventual"),
    [
        (100, 1.0, 0.5),
        (3584, 1.0, 0.5),
        (4096, 1.0, 0.5),
        (4097, 2.0, 1.0),
        (8192, 2.0, 1.0),
        (25600, 7.0, 3.5),
    ],
)
def test_get_item_reads_per_4_kb(books: Engine, size: int, strong: float, eventual: float) -> None:
    put(books, sized_item("a", size))
    assert capacity(get(books, "a", ReturnConsumedCapacity="TOTAL", ConsistentRead=True)) == strong
    assert capacity(get(books, "a", ReturnConsumedCapacity="TOTAL")) == eventual


def test_get_of_a_missing_item_still_costs_a_read(books: Engine) -> None:
    response = get(books, "missing", ReturnConsumedCapacity="TOTAL")
    assert response == {"ConsumedCapacity": {"TableName": "Books", "CapacityUnits": 0.5}}


@pytest.mark.parametrize(
    ("size", "units"), [(500, 1.0), (1024, 1.0), (1025, 2.0), (3072, 3.0), (25600, 25.0)]
)
def test_writes_cost_one_unit_per_kb(books: Engine, size: int, units: float) -> None:
    assert capacity(put(books, sized_item("a", size), ReturnConsumedCapacity="TOTAL")) == units


def test_writes_bill_the_larger_of_old_and_new(books: Engine) -> None:
    put(books, sized_item("a", 5000))
    # Replacing a 5 KB item with a tiny one costs 5 units (the old image is larger).
    assert capacity(put(books, {"pk": s("a")}, ReturnConsumedCapacity="TOTAL")) == 5.0
    put(books, sized_item("b", 3000))
    deleted = books.call(
        "DeleteItem",
        {"TableName": "Books", "Key": {"pk": s("b")}, "ReturnConsumedCapacity": "TOTAL"},
    )
    assert capacity(deleted) == 3.0
    update = books.call(
        "UpdateItem",
        {
            "TableName": "Books",
            "Key": {"pk": s("a")},
            "UpdateExpression": "SET big = :b",
            "ExpressionAttributeValues": {":b": s("y" * 2100)},
            "ReturnConsumedCapacity": "INDEXES",
        },
    )
    assert update["ConsumedCapacity"] == {
        "TableName": "Books",
        "CapacityUnits": 3.0,
        "Table": {"CapacityUnits": 3.0},
    }


def _stream_records(engine: Engine) -> list[dict[str, Any]]:
    arn = engine.call("DescribeTable", {"TableName": "Books"})["Table"]["LatestStreamArn"]
    shard = engine.call("DescribeStream", {"StreamArn": arn})["StreamDescription"]["Shards"][0]
    iterator = engine.call(
        "GetShardIterator",
        {"StreamArn": arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"},
    )["ShardIterator"]
    return engine.call("GetRecords", {"ShardIterator": iterator})["Records"]


@pytest.mark.parametrize(
    ("expression", "values"),
    [
        ("REMOVE a", None),
        ("REMOVE a.b", None),  # the parent is missing too: nothing to refuse on a missing item
        ("REMOVE a, b[2]", None),
        ("DELETE tags :t", {":t": {"SS": ["x"]}}),
        ("REMOVE a DELETE tags :t", {":t": {"SS": ["x"]}}),
    ],
)
def test_removing_from_a_missing_item_creates_nothing(
    engine: Engine, expression: str, values: dict[str, Any] | None
) -> None:
    create_table(engine, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    request: dict[str, Any] = {
        "TableName": "Books",
        "Key": {"pk": s("ghost")},
        "UpdateExpression": expression,
        "ReturnValues": "ALL_NEW",
        "ReturnConsumedCapacity": "TOTAL",
    }
    if values:
        request["ExpressionAttributeValues"] = values
    response = engine.call("UpdateItem", request)
    assert "Attributes" not in response
    assert response["ConsumedCapacity"] == {"TableName": "Books", "CapacityUnits": 1.0}
    assert get(engine, "ghost") == {}
    assert _stream_records(engine) == []
    # Nothing was stored, so the same request is ignored again (a key-only item left behind
    # would make a nested REMOVE an invalid document path the second time).
    assert "Attributes" not in engine.call("UpdateItem", request)
    assert get(engine, "ghost") == {}
    # The same action in a transaction leaves the item missing as well.
    del request["ReturnValues"], request["ReturnConsumedCapacity"]
    engine.call("TransactWriteItems", {"TransactItems": [{"Update": request}]})
    assert get(engine, "ghost") == {}
    assert _stream_records(engine) == []


def test_an_update_that_sets_anything_still_creates_the_missing_item(books: Engine) -> None:
    books.call(
        "UpdateItem",
        {
            "TableName": "Books",
            "Key": {"pk": s("new")},
            "UpdateExpression": "SET a = :v REMOVE b.c",
            "ExpressionAttributeValues": {":v": n(1)},
        },
    )
    assert get(books, "new")["Item"] == {"pk": s("new"), "a": n(1)}
    # With no UpdateExpression at all, the key alone is stored.
    books.call("UpdateItem", {"TableName": "Books", "Key": {"pk": s("bare")}})
    assert get(books, "bare")["Item"] == {"pk": s("bare")}
