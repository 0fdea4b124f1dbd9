"""Query and Scan: key conditions, order, paging, the 1 MB page, filters, Select and capacity."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine
from tests.support.engine import create_table, error_of, n, s, sized_item


@pytest.fixture
def scores(engine: Engine) -> Engine:
    """Players' scores: partition "player", sort key "game" (numbers)."""
    create_table(engine, "Scores", partition=("player", "S"), sort=("game", "N"))
    for player in ("ann", "bob"):
        for game in range(1, 11):
            engine.call(
                "PutItem",
                {
                    "TableName": "Scores",
                    "Item": {"player": s(player), "game": n(game), "points": n(game * 10)},
                },
            )
    return engine


def query(engine: Engine, condition: str, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return engine.call(
        "Query",
        {
            "TableName": "Scores",
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            **extra,
        },
    )


def games(response: dict[str, Any]) -> list[int]:
    return [int(item["game"]["N"]) for item in response["Items"]]


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ("player = :p", {}, list(range(1, 11))),
        ("player = :p AND game = :g", {":g": n(3)}, [3]),
        ("player = :p AND game < :g", {":g": n(3)}, [1, 2]),
        ("player = :p AND game <= :g", {":g": n(3)}, [1, 2, 3]),
        ("player = :p AND game > :g", {":g": n(8)}, [9, 10]),
        ("player = :p AND game >= :g", {":g": n(8)}, [8, 9, 10]),
        ("player = :p AND game BETWEEN :a AND :b", {":a": n(4), ":b": n(6)}, [4, 5, 6]),
        ("game BETWEEN :a AND :b AND player = :p", {":a": n(4), ":b": n(4)}, [4]),
    ],
)
def test_key_conditions(
    scores: Engine, condition: str, values: dict[str, Any], expected: list[int]
) -> None:
    response = query(scores, condition, {":p": s("ann"), **values})
    assert games(response) == expected
    assert response["Count"] == response["ScannedCount"] == len(expected)


def test_numbers_sort_by_value_and_backwards(scores: Engine) -> None:
    response = query(scores, "player = :p", {":p": s("bob")}, ScanIndexForward=False)
    assert games(response) == list(range(10, 0, -1))


def test_begins_with_on_a_string_sort_key(engine: Engine) -> None:
    create_table(engine, "Orders", partition=("customer", "S"), sort=("sk", "S"))
    for sk in ["ORDER#2024-01", "ORDER#2024-02", "ORDER#2025-01", "PROFILE", "ORDER"]:
        engine.call("PutItem", {"TableName": "Orders", "Item": {"customer": s("c1"), "sk": s(sk)}})
    request = {
        "TableName": "Orders",
        "KeyConditionExpression": "customer = :c AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {":c": s("c1"), ":prefix": s("ORDER#2024")},
    }
    forward = engine.call("Query", request)
    assert [i["sk"]["S"] for i in forward["Items"]] == ["ORDER#2024-01", "ORDER#2024-02"]
    backward = engine.call("Query", {**request, "ScanIndexForward": False})
    assert [i["sk"]["S"] for i in backward["Items"]] == ["ORDER#2024-02", "ORDER#2024-01"]


def test_pagination_with_limit_returns_last_evaluated_key(scores: Engine) -> None:
    seen: list[int] = []
    start = None
    pages = 0
    while True:
        extra: dict[str, Any] = {"Limit": 4}
        if start:
            extra["ExclusiveStartKey"] = start
        response = query(scores, "player = :p", {":p": s("ann")}, **extra)
        seen += games(response)
        pages += 1
        start = response.get("LastEvaluatedKey")
        if start is None:
            break
        assert set(start) == {"player", "game"}
    assert seen == list(range(1, 11))
    assert pages == 3


def test_limit_equal_to_the_rest_still_returns_a_key_then_an_empty_page(scores: Engine) -> None:
    first = query(scores, "player = :p", {":p": s("ann")}, Limit=10)
    assert first["LastEvaluatedKey"] == {"player": s("ann"), "game": n(10)}
    last = query(
        scores, "player = :p", {":p": s("ann")}, ExclusiveStartKey=first["LastEvaluatedKey"]
    )
    assert last == {"Items": [], "Count": 0, "ScannedCount": 0}


def test_limit_counts_items_read_before_the_filter(scores: Engine) -> None:
    response = query(
        scores,
        "player = :p",
        {":p": s("ann"), ":min": n(95)},
        FilterExpression="points > :min",
        Limit=5,
    )
    # Five items were read, none passed the filter: an empty page that is not the end.
    assert response["Items"] == []
    assert (response["Count"], response["ScannedCount"]) == (0, 5)
    assert response["LastEvaluatedKey"] == {"player": s("ann"), "game": n(5)}


def test_filter_does_not_reduce_capacity(scores: Engine) -> None:
    unfiltered = query(scores, "player = :p", {":p": s("ann")}, ReturnConsumedCapacity="TOTAL")
    filtered = query(
        scores,
        "player = :p",
        {":p": s("ann"), ":min": n(95)},
        FilterExpression="points > :min",
        ReturnConsumedCapacity="TOTAL",
    )
    assert filtered["Count"] == 1
    assert filtered["ConsumedCapacity"] == unfiltered["ConsumedCapacity"]


def test_query_sums_sizes_then_rounds(engine: Engine) -> None:
    create_table(engine, "Docs", partition=("pk", "S"), sort=("sk", "N"))
    # Three items of 1,500 bytes: 4,500 bytes in all, which is 2 units (not 3 rounded apiece).
    for sk in range(3):
        item = sized_item("p", 1500, sk=n(sk))
        engine.call("PutItem", {"TableName": "Docs", "Item": item})
    request = {
        "TableName": "Docs",
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": s("p")},
        "ReturnConsumedCapacity": "TOTAL",
    }
    assert (
        engine.call("Query", {**request, "ConsistentRead": True})["ConsumedCapacity"][
            "CapacityUnits"
        ]
        == 2.0
    )
    assert engine.call("Query", request)["ConsumedCapacity"]["CapacityUnits"] == 1.0


def test_query_of_nothing_costs_the_minimum(scores: Engine) -> None:
    response = query(scores, "player = :p", {":p": s("nobody")}, ReturnConsumedCapacity="TOTAL")
    assert response["ConsumedCapacity"]["CapacityUnits"] == 0.5
    assert response["Count"] == 0


def test_one_megabyte_page_limit(engine: Engine) -> None:
    create_table(engine, "Big", partition=("pk", "S"), sort=("sk", "N"))
    for sk in range(12):
        item = {"pk": s("p"), "sk": n(sk), "data": s("x" * (100 * 1024))}
        engine.call("PutItem", {"TableName": "Big", "Item": item})
        # 101 WCU apiece into one partition, which serves at most 1,000 WCU a second.
        engine.clock.advance(1)
    response = engine.call(
        "Query",
        {
            "TableName": "Big",
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": s("p")},
            "ReturnConsumedCapacity": "TOTAL",
            "ConsistentRead": True,
        },
    )
    # Each item is a little over 100 KB: the page stops once 1 MB has been read.
    assert response["Count"] == 11
    assert "LastEvaluatedKey" in response
    assert response["ConsumedCapacity"]["CapacityUnits"] == 276.0


def test_select_count_and_projection(scores: Engine) -> None:
    counted = query(scores, "player = :p", {":p": s("ann")}, Select="COUNT")
    assert counted == {"Count": 10, "ScannedCount": 10}
    projected = query(
        scores,
        "player = :p AND game = :g",
        {":p": s("ann"), ":g": n(1)},
        ProjectionExpression="points",
    )
    assert projected["Items"] == [{"points": n(10)}]
    error = error_of(
        scores,
        "Query",
        {
            "TableName": "Scores",
            "KeyConditionExpression": "player = :p",
            "ExpressionAttributeValues": {":p": s("ann")},
            "Select": "COUNT",
            "ProjectionExpression": "points",
        },
    )
    assert (
        error.message
        == "Cannot specify the ProjectionExpression when choosing to get only the Count"
    )


def test_query_errors(scores: Engine) -> None:
    error = error_of(scores, "Query", {"TableName": "Scores"})
    assert error.message == (
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
    )
    error = error_of(
        scores,
        "Query",
        {
            "TableName": "Scores",
            "KeyConditionExpression": "game = :g",
            "ExpressionAttributeValues": {":g": n(1)},
        },
    )
    assert error.message == "Query condition missed key schema element: player"
    error = error_of(
        scores,
        "Query",
        {
            "TableName": "Scores",
            "KeyConditionExpression": "player = :p",
            "ExpressionAttributeValues": {":p": s("ann")},
            "ExclusiveStartKey": {"player": s("bob"), "game": n(1)},
        },
    )
    assert error.message == (
        "The provided starting key is outside query boundaries based on provided conditions"
    )
    error = error_of(
        scores,
        "Query",
        {
            "TableName": "Scores",
            "KeyConditionExpression": "player = :p",
            "ExpressionAttributeValues": {":p": s("ann")},
            "Limit": 0,
        },
    )
    assert error.message == (
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


# ---------------------------------------------------------------------- Scan
def scan_all(engine: Engine, **extra: Any) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    start = None
    pages = 0
    while True:
        request: dict[str, Any] = {"TableName": "Scores", **extra}
        if start:
            request["ExclusiveStartKey"] = start
        response = engine.call("Scan", request)
        items += response["Items"]
        pages += 1
        start = response.get("LastEvaluatedKey")
        if not start:
            return items, pages


def test_scan_reads_everything_once_in_pages(scores: Engine) -> None:
    items, pages = scan_all(scores, Limit=3)
    keys = sorted((i["player"]["S"], int(i["game"]["N"])) for i in items)
    assert keys == sorted((p, g) for p in ("ann", "bob") for g in range(1, 11))
    assert pages == 7


def test_scan_order_is_stable_and_not_key_order(engine: Engine) -> None:
    create_table(engine)
    for i in range(50):
        engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s(f"book-{i:02d}")}})
    first = [i["pk"]["S"] for i in engine.call("Scan", {"TableName": "Books"})["Items"]]
    second = [i["pk"]["S"] for i in engine.call("Scan", {"TableName": "Books"})["Items"]]
    assert first == second
    assert first != sorted(first)


def test_parallel_scan_segments_partition_the_table(scores: Engine) -> None:
    seen: list[tuple[str, str]] = []
    for segment in range(4):
        items, _ = scan_all(scores, Segment=segment, TotalSegments=4, Limit=2)
        seen += [(i["player"]["S"], i["game"]["N"]) for i in items]
    assert len(seen) == 20 == len(set(seen))


def test_scan_segment_errors(scores: Engine) -> None:
    error = error_of(scores, "Scan", {"TableName": "Scores", "Segment": 2, "TotalSegments": 2})
    assert error.message == (
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
        "Segment: 2 is not less than TotalSegments: 2"
    )
    error = error_of(scores, "Scan", {"TableName": "Scores", "Segment": 0})
    assert error.message.startswith("The TotalSegments parameter is required")


def test_scan_capacity_counts_every_item_read(scores: Engine) -> None:
    response = scores.call(
        "Scan",
        {
            "TableName": "Scores",
            "FilterExpression": "points > :p",
            "ExpressionAttributeValues": {":p": n(1000)},
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    assert (response["Count"], response["ScannedCount"]) == (0, 20)
    assert response["ConsumedCapacity"]["CapacityUnits"] == 0.5
