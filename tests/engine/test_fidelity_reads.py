"""Query and Scan as the service checks and bills them: where an ExclusiveStartKey may restart a
Query, what a global index can be asked for, and the minimum a read costs."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine
from tests.support.engine import create_table, error_of, n, s

OUTSIDE = "The provided starting key is outside query boundaries based on provided conditions"
PREDICATE = "The provided starting key does not match the range key predicate"
ONE_ROW = "The query can return at most one row and cannot be restarted"


@pytest.fixture
def shelves(engine: Engine) -> Engine:
    create_table(engine, "Shelves", sort=("sk", "S"))
    for pk in ("a", "b"):
        for sk in ("1", "2", "3"):
            engine.call("PutItem", {"TableName": "Shelves", "Item": {"pk": s(pk), "sk": s(sk)}})
    return engine


def query(engine: Engine, condition: str, values: dict[str, Any], start: dict[str, Any]) -> Any:
    return engine.call(
        "Query",
        {
            "TableName": "Shelves",
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ExclusiveStartKey": start,
        },
    )


def start_error(engine: Engine, condition: str, values: dict[str, Any], start: Any) -> str:
    request = {
        "TableName": "Shelves",
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ExclusiveStartKey": start,
    }
    error = error_of(engine, "Query", request)
    assert error.code == "ValidationException"
    return error.message


def test_a_start_key_in_another_partition_is_outside_the_query(shelves: Engine) -> None:
    values = {":p": s("a")}
    assert start_error(shelves, "pk = :p", values, {"pk": s("b"), "sk": s("1")}) == OUTSIDE
    page = query(shelves, "pk = :p", values, {"pk": s("a"), "sk": s("1")})
    assert [item["sk"] for item in page["Items"]] == [s("2"), s("3")]


def test_a_start_key_is_checked_against_the_range_condition_first(shelves: Engine) -> None:
    values = {":p": s("a"), ":s": s("1")}
    # Fails the sort-key condition: refused, whichever partition it names.
    for pk in ("a", "b"):
        start = {"pk": s(pk), "sk": s("0")}
        assert start_error(shelves, "pk = :p AND sk > :s", values, start) == PREDICATE
    start = {"pk": s("a"), "sk": s("9")}
    assert start_error(shelves, "pk = :p AND begins_with(sk, :s)", values, start) == PREDICATE
    # Passes it but names another partition.
    start = {"pk": s("b"), "sk": s("2")}
    assert start_error(shelves, "pk = :p AND sk > :s", values, start) == ONE_ROW
    # Both keys fixed by equality: nothing to restart.
    start = {"pk": s("a"), "sk": s("1")}
    assert start_error(shelves, "pk = :p AND sk = :s", values, start) == ONE_ROW
    page = query(shelves, "pk = :p AND sk >= :s", values, start)
    assert [item["sk"] for item in page["Items"]] == [s("2"), s("3")]


def test_a_start_key_with_a_sort_key_on_a_table_without_one_is_refused(engine: Engine) -> None:
    create_table(engine)
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s("a")}})
    request = {
        "TableName": "Books",
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": s("a")},
        "ExclusiveStartKey": {"pk": s("a"), "sk": s("1")},
    }
    error = error_of(engine, "Query", request)
    assert (error.code, error.message) == (
        "ValidationException",
        "The provided starting key is invalid: The provided key element does not match the schema",
    )


@pytest.fixture
def orders(engine: Engine) -> Engine:
    engine.call(
        "CreateTable",
        {
            "TableName": "Orders",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "status", "AttributeType": "S"},
            ],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "by-status",
                    "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["price"]},
                }
            ],
        },
    )
    item = {"pk": s("o1"), "status": s("OPEN"), "price": n(5), "note": s("gift")}
    engine.call("PutItem", {"TableName": "Orders", "Item": item})
    return engine


def test_a_global_index_is_not_asked_for_attributes_it_does_not_project(orders: Engine) -> None:
    base = {"TableName": "Orders", "IndexName": "by-status"}
    condition = {
        "KeyConditionExpression": "#s = :s",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":s": s("OPEN")},
    }
    message = (
        "One or more parameter values were invalid: Global secondary index by-status "
        "does not project [address, note]"
    )
    for operation, extra in (
        ("Query", {**condition, "ProjectionExpression": "note, price, address.city"}),
        ("Scan", {"ProjectionExpression": "note, address, pk"}),
        ("Scan", {"AttributesToGet": ["note", "address"]}),
    ):
        error = error_of(orders, operation, {**base, **extra})
        assert (error.code, error.message) == ("ValidationException", message)
    found = orders.call("Query", {**base, **condition, "ProjectionExpression": "pk, price"})
    assert found["Items"] == [{"pk": s("o1"), "price": n(5)}]


def test_read_charges_round_the_bytes_read_once_with_a_minimum_of_one_unit(engine: Engine) -> None:
    create_table(engine)
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s("a"), "t": s("tiny")}})

    def units(operation: str, consistent: bool) -> float:
        request: dict[str, Any] = {
            "TableName": "Books",
            "ConsistentRead": consistent,
            "ReturnConsumedCapacity": "TOTAL",
        }
        if operation == "Query":
            request["KeyConditionExpression"] = "pk = :p"
            request["ExpressionAttributeValues"] = {":p": s("a")}
        return engine.call(operation, request)["ConsumedCapacity"]["CapacityUnits"]

    # One item of a few bytes rounds up to 4 KB: one unit strongly consistent, half eventually.
    assert (units("Scan", True), units("Scan", False)) == (1.0, 0.5)
    assert (units("Query", True), units("Query", False)) == (1.0, 0.5)
    # Three 1.5 KB items are 4.5 KB read in one request: rounded once, to 8 KB.
    for pk in ("a", "b", "c"):
        item = {"pk": s(pk), "t": s("x" * (1536 - 3))}
        engine.call("PutItem", {"TableName": "Books", "Item": item})
    assert units("Scan", True) == 2.0


def test_a_query_of_one_whole_key_has_no_next_page(engine: Engine) -> None:
    """A key condition that names a whole primary key can return at most one row: even when
    Limit stops the page at that row, there is no LastEvaluatedKey to restart from (the
    restart would be refused)."""
    create_table(engine, "Pairs", partition=("pk", "S"), sort=("sk", "N"))
    engine.call("PutItem", {"TableName": "Pairs", "Item": {"pk": s("a"), "sk": n(1)}})
    engine.call("PutItem", {"TableName": "Pairs", "Item": {"pk": s("a"), "sk": n(2)}})
    one = engine.call(
        "Query",
        {
            "TableName": "Pairs",
            "KeyConditionExpression": "pk = :p AND sk = :s",
            "ExpressionAttributeValues": {":p": s("a"), ":s": n(1)},
            "Limit": 1,
        },
    )
    assert one["Count"] == 1 and "LastEvaluatedKey" not in one
    several = engine.call(
        "Query",
        {
            "TableName": "Pairs",
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": s("a")},
            "Limit": 1,
        },
    )
    assert several["LastEvaluatedKey"] == {"pk": s("a"), "sk": n(1)}
