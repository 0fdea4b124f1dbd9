"""BatchGetItem, BatchWriteItem, TransactWriteItems and TransactGetItems."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine, SimClock
from tests.support.engine import FROZEN_AT, create_table, error_of, n, s, sized_item


@pytest.fixture
def books(engine: Engine) -> Engine:
    create_table(engine)
    create_table(engine, "Authors", partition=("name", "S"))
    return engine


def put_request(key: str, **attributes: Any) -> dict[str, Any]:
    return {"PutRequest": {"Item": {"pk": s(key), **attributes}}}


def test_batch_write_then_batch_get(books: Engine) -> None:
    response = books.call(
        "BatchWriteItem",
        {
            "RequestItems": {
                "Books": [put_request(f"b{i}") for i in range(20)],
                "Authors": [{"PutRequest": {"Item": {"name": s("Le Guin")}}}],
            },
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    assert response["UnprocessedItems"] == {}
    assert sorted(c["CapacityUnits"] for c in response["ConsumedCapacity"]) == [1.0, 20.0]
    got = books.call(
        "BatchGetItem",
        {
            "RequestItems": {
                "Books": {"Keys": [{"pk": s("b1")}, {"pk": s("b2")}, {"pk": s("nope")}]},
                "Authors": {
                    "Keys": [{"name": s("Le Guin")}],
                    "ProjectionExpression": "#n",
                    "ExpressionAttributeNames": {"#n": "name"},
                },
            },
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    assert sorted(i["pk"]["S"] for i in got["Responses"]["Books"]) == ["b1", "b2"]
    assert got["Responses"]["Authors"] == [{"name": s("Le Guin")}]
    assert got["UnprocessedKeys"] == {}
    # Each key is billed as its own eventually consistent GetItem, found or not.
    units = {c["TableName"]: c["CapacityUnits"] for c in got["ConsumedCapacity"]}
    assert units == {"Books": 1.5, "Authors": 0.5}


def test_batch_write_deletes(books: Engine) -> None:
    books.call("PutItem", {"TableName": "Books", "Item": {"pk": s("a")}})
    books.call(
        "BatchWriteItem", {"RequestItems": {"Books": [{"DeleteRequest": {"Key": {"pk": s("a")}}}]}}
    )
    assert books.call("GetItem", {"TableName": "Books", "Key": {"pk": s("a")}}) == {}


def test_batch_limits_and_duplicates(books: Engine) -> None:
    error = error_of(
        books,
        "BatchWriteItem",
        {"RequestItems": {"Books": [put_request(f"b{i}") for i in range(26)]}},
    )
    assert error.message.endswith(
        "failed to satisfy constraint: Map value must satisfy constraint: [Member must have "
        "length less than or equal to 25, Member must have length greater than or equal to 1]"
    )
    error = error_of(
        books, "BatchWriteItem", {"RequestItems": {"Books": [put_request("a"), put_request("a")]}}
    )
    assert error.message == "Provided list of item keys contains duplicates"
    assert books.call("GetItem", {"TableName": "Books", "Key": {"pk": s("a")}}) == {}
    error = error_of(
        books,
        "BatchGetItem",
        {"RequestItems": {"Books": {"Keys": [{"pk": s(str(i))} for i in range(101)]}}},
    )
    assert error.message.startswith("1 validation error detected") or error.message == (
        "Too many items requested for the BatchGetItem call"
    )
    error = error_of(
        books,
        "BatchGetItem",
        {"RequestItems": {"Books": {"Keys": [{"pk": s("a")}, {"pk": s("a")}]}}},
    )
    assert error.message == "Provided list of item keys contains duplicates"
    error = error_of(books, "BatchWriteItem", {"RequestItems": {"Nope": [put_request("a")]}})
    assert error.code == "ResourceNotFoundException"


def test_batch_write_validates_every_request_before_writing(books: Engine) -> None:
    error = error_of(
        books,
        "BatchWriteItem",
        {
            "RequestItems": {
                "Books": [put_request("ok"), {"PutRequest": {"Item": {"other": s("x")}}}]
            }
        },
    )
    assert (
        error.message == "One or more parameter values were invalid: Missing the key pk in the item"
    )
    assert books.call("GetItem", {"TableName": "Books", "Key": {"pk": s("ok")}}) == {}


def test_batch_get_returns_unprocessed_keys_past_16_mb(books: Engine) -> None:
    for i in range(45):
        books.call("PutItem", {"TableName": "Books", "Item": sized_item(f"k{i:02d}", 400_000)})
        # 391 WCU apiece: a partition serves at most 1,000 WCU a second.
        books.clock.advance(1)
    keys = [{"pk": s(f"k{i:02d}")} for i in range(45)]
    response = books.call("BatchGetItem", {"RequestItems": {"Books": {"Keys": keys}}})
    returned = len(response["Responses"]["Books"])
    unprocessed = response["UnprocessedKeys"]["Books"]["Keys"]
    assert returned == 42  # 42 x 400,000 bytes is the first total past 16 MiB
    assert returned + len(unprocessed) == 45


# ---------------------------------------------------------------------- transactions
def test_transact_write_applies_all_or_nothing(books: Engine) -> None:
    books.call("PutItem", {"TableName": "Books", "Item": {"pk": s("stock"), "left": n(1)}})
    order = {
        "TransactItems": [
            {
                "Update": {
                    "TableName": "Books",
                    "Key": {"pk": s("stock")},
                    "UpdateExpression": "SET #l = #l - :one",
                    "ConditionExpression": "#l >= :one",
                    "ExpressionAttributeNames": {"#l": "left"},
                    "ExpressionAttributeValues": {":one": n(1)},
                }
            },
            {"Put": {"TableName": "Books", "Item": {"pk": s("order-1")}}},
        ],
        "ReturnConsumedCapacity": "TOTAL",
    }
    done = books.call("TransactWriteItems", order)
    # Transactions cost twice the units: two 1-unit writes -> 4 units.
    assert done["ConsumedCapacity"] == [{"TableName": "Books", "CapacityUnits": 4.0}]
    order["TransactItems"][1]["Put"]["Item"] = {"pk": s("order-2")}
    error = error_of(books, "TransactWriteItems", order)
    assert error.code == "TransactionCanceledException"
    assert error.message == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[ConditionalCheckFailed, None]"
    )
    assert error.extra["CancellationReasons"] == [
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
        {"Code": "None"},
    ]
    assert books.call("GetItem", {"TableName": "Books", "Key": {"pk": s("order-2")}}) == {}
    assert books.call("GetItem", {"TableName": "Books", "Key": {"pk": s("stock")}})["Item"][
        "left"
    ] == n(0)


def test_transaction_condition_check_and_failure_item(books: Engine) -> None:
    books.call(
        "PutItem",
        {"TableName": "Authors", "Item": {"name": s("Herbert"), "banned": {"BOOL": True}}},
    )
    error = error_of(
        books,
        "TransactWriteItems",
        {
            "TransactItems": [
                {
                    "ConditionCheck": {
                        "TableName": "Authors",
                        "Key": {"name": s("Herbert")},
                        "ConditionExpression": "banned = :f",
                        "ExpressionAttributeValues": {":f": {"BOOL": False}},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
                {"Delete": {"TableName": "Books", "Key": {"pk": s("dune")}}},
            ]
        },
    )
    assert error.extra["CancellationReasons"][0]["Item"] == {
        "name": s("Herbert"),
        "banned": {"BOOL": True},
    }


def test_one_item_twice_in_a_transaction_is_rejected(books: Engine) -> None:
    error = error_of(
        books,
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Put": {"TableName": "Books", "Item": {"pk": s("a")}}},
                {"Delete": {"TableName": "Books", "Key": {"pk": s("a")}}},
            ]
        },
    )
    assert error.message == "Transaction request cannot include multiple operations on one item"


def test_client_request_token_makes_a_transaction_idempotent() -> None:
    clock = SimClock(frozen_at=FROZEN_AT)
    engine = Engine(clock)
    create_table(engine)
    request = {
        "ClientRequestToken": "token-1",
        "TransactItems": [
            {
                "Update": {
                    "TableName": "Books",
                    "Key": {"pk": s("counter")},
                    "UpdateExpression": "ADD hits :one",
                    "ExpressionAttributeValues": {":one": n(1)},
                }
            }
        ],
    }
    engine.call("TransactWriteItems", request)
    engine.call("TransactWriteItems", request)
    item = engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s("counter")}})["Item"]
    assert item["hits"] == n(1)
    changed = {
        **request,
        "TransactItems": [{"Put": {"TableName": "Books", "Item": {"pk": s("x")}}}],
    }
    assert (
        error_of(engine, "TransactWriteItems", changed).code
        == "IdempotentParameterMismatchException"
    )
    clock.advance(601)
    engine.call("TransactWriteItems", request)
    item = engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s("counter")}})["Item"]
    assert item["hits"] == n(2)


def test_a_repeated_token_reports_read_units_for_reading_the_items() -> None:
    """The API reference: the first call returns the write units of its changes; a repeat
    with the same token returns "the number of read capacity units consumed in reading the
    item" (billed here as a transactional read, two units per 4 KB), and follows its own
    ReturnConsumedCapacity. Nothing is written again."""
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    create_table(engine)
    put = {"Put": {"TableName": "Books", "Item": sized_item("big", 5000)}}
    request = {"ClientRequestToken": "token-2", "TransactItems": [put]}
    first = engine.call("TransactWriteItems", {**request, "ReturnConsumedCapacity": "TOTAL"})
    assert first["ConsumedCapacity"] == [{"TableName": "Books", "CapacityUnits": 10.0}]
    assert "ConsumedCapacity" not in engine.call("TransactWriteItems", request)
    again = engine.call("TransactWriteItems", {**request, "ReturnConsumedCapacity": "TOTAL"})
    assert again["ConsumedCapacity"] == [
        {"TableName": "Books", "CapacityUnits": 4.0, "ReadCapacityUnits": 4.0}
    ]
    scan = engine.call("Scan", {"TableName": "Books"})
    assert scan["Count"] == 1


def test_transact_get_items(books: Engine) -> None:
    books.call("PutItem", {"TableName": "Books", "Item": sized_item("a", 5000)})
    response = books.call(
        "TransactGetItems",
        {
            "TransactItems": [
                {
                    "Get": {
                        "TableName": "Books",
                        "Key": {"pk": s("a")},
                        "ProjectionExpression": "pk",
                    }
                },
                {"Get": {"TableName": "Books", "Key": {"pk": s("missing")}}},
            ],
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    assert response["Responses"] == [{"Item": {"pk": s("a")}}, {}]
    # 5,000 bytes is 2 units of 4 KB, doubled; the missing item costs 2.
    assert response["ConsumedCapacity"] == [{"TableName": "Books", "CapacityUnits": 6.0}]


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"Delete": {"Key": {"pk": n(5)}}}, "The provided key element does not match the schema"),
        (
            {"ConditionCheck": {"Key": {"pk": {"L": [s("x")]}}, "ConditionExpression": "a = :a"}},
            "The provided key element does not match the schema",
        ),
        (
            {"Update": {"Key": {"pk": n(5)}, "UpdateExpression": "SET a = :a"}},
            "The provided key element does not match the schema",
        ),
        (
            {"Put": {"Item": {"pk": n(5)}}},
            "One or more parameter values were invalid: Type mismatch for key pk expected: S "
            "actual: N",
        ),
    ],
)
def test_a_wrongly_typed_key_cancels_a_transaction(
    books: Engine, action: dict[str, Any], message: str
) -> None:
    kind, body = next(iter(action.items()))
    body = {"TableName": "Books", **body}
    if "ConditionExpression" in body or "UpdateExpression" in body:
        body["ExpressionAttributeValues"] = {":a": n(1)}
    good = {"Put": {"TableName": "Books", "Item": {"pk": s("fine")}}}
    error = error_of(books, "TransactWriteItems", {"TransactItems": [good, {kind: body}]})
    assert error.code == "TransactionCanceledException"
    assert error.message == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ValidationError]"
    )
    assert error.extra["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ValidationError", "Message": message},
    ]
    assert books.call("GetItem", {"TableName": "Books", "Key": {"pk": s("fine")}}) == {}


def test_an_empty_key_value_is_refused_before_a_transaction_runs(books: Engine) -> None:
    for action in (
        {"Delete": {"TableName": "Books", "Key": {"pk": s("")}}},
        {"Put": {"TableName": "Books", "Item": {"pk": s("")}}},
    ):
        error = error_of(books, "TransactWriteItems", {"TransactItems": [action]})
        assert (error.code, error.message) == (
            "ValidationException",
            "One or more parameter values are not valid. The AttributeValue for a key "
            "attribute cannot contain an empty string value. Key: pk",
        )


def test_an_empty_index_key_in_a_transaction_put_is_refused_up_front(engine: Engine) -> None:
    create_table(
        engine,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "author", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-author",
                "KeySchema": [{"AttributeName": "author", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    put = {"Put": {"TableName": "Books", "Item": {"pk": s("a"), "author": s("")}}}
    error = error_of(engine, "TransactWriteItems", {"TransactItems": [put]})
    assert error.code == "ValidationException"
    assert error.message.endswith("IndexName: by-author, IndexKey: author")
    # A wrongly typed index key is found while the transaction runs.
    put["Put"]["Item"]["author"] = n(1)
    error = error_of(engine, "TransactWriteItems", {"TransactItems": [put]})
    assert error.code == "TransactionCanceledException"
    assert error.extra["CancellationReasons"][0]["Code"] == "ValidationError"


def test_a_transaction_over_4_mb_is_refused_before_any_condition(engine: Engine) -> None:
    """The aggregate size of a transaction's items may not exceed 4 MB (11 items of 400 KB
    are 4.4 MB); 10 of them (4,000,000 bytes of items) go through."""
    create_table(engine, "Blobs")
    big = "x" * (400 * 1024 - 20)

    def put(number: int, **extra: Any) -> dict[str, Any]:
        item = {"pk": s(f"{number:02d}"), "data": s(big)}
        return {"Put": {"TableName": "Blobs", "Item": item, **extra}}

    never = {"ConditionExpression": "attribute_exists(nothing)"}
    eleven = [put(n) for n in range(10)] + [put(10, **never)]
    error = error_of(engine, "TransactWriteItems", {"TransactItems": eleven})
    assert (error.code, error.message) == (
        "ValidationException",
        "Transaction request cannot be larger than 4 MB",
    )
    assert engine.inspect.usage().items == 0
    engine.call("TransactWriteItems", {"TransactItems": [put(n) for n in range(10)]})
    assert engine.inspect.usage().items == 10
