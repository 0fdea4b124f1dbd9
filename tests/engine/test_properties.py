"""Property tests with an oracle: Query and Scan equal a brute-force pass over all items."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine, SimClock
from tests.support.engine import FROZEN_AT, create_table

PARTITIONS = ["a", "b", "c"]

items_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "pk": st.sampled_from(PARTITIONS),
            "sk": st.integers(min_value=-50, max_value=50),
            "score": st.one_of(st.none(), st.integers(min_value=0, max_value=9)),
            "name": st.text(alphabet="abcxyz", min_size=0, max_size=3),
        }
    ),
    max_size=60,
)

comparison = st.sampled_from(["=", "<", "<=", ">", ">="])


def load(items: list[dict[str, Any]]) -> tuple[Engine, dict[tuple[str, int], dict[str, Any]]]:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    create_table(engine, "Tbl", partition=("pk", "S"), sort=("sk", "N"))
    truth: dict[tuple[str, int], dict[str, Any]] = {}
    for raw in items:
        item: dict[str, Any] = {
            "pk": {"S": raw["pk"]},
            "sk": {"N": str(raw["sk"])},
            "name": {"S": raw["name"]},
        }
        if raw["score"] is not None:
            item["score"] = {"N": str(raw["score"])}
        engine.call("PutItem", {"TableName": "Tbl", "Item": item})
        truth[(raw["pk"], raw["sk"])] = item
    return engine, truth


def holds(op: str, left: Decimal, right: Decimal) -> bool:
    return {
        "=": left == right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]


def filter_holds(item: dict[str, Any], op: str, threshold: int, prefix: str) -> bool:
    # FilterExpression: score <op> :t OR begins_with(name, :prefix)
    score = item.get("score")
    by_score = score is not None and holds(op, Decimal(score["N"]), Decimal(threshold))
    return by_score or item["name"]["S"].startswith(prefix)


def page_through(
    engine: Engine, operation: str, request: dict[str, Any]
) -> tuple[list[dict[str, Any]], int]:
    results: list[dict[str, Any]] = []
    scanned = 0
    start = None
    for _ in range(500):
        call = dict(request)
        if start is not None:
            call["ExclusiveStartKey"] = start
        response = engine.call(operation, call)
        assert response["Count"] == len(response["Items"])
        results += response["Items"]
        scanned += response["ScannedCount"]
        start = response.get("LastEvaluatedKey")
        if start is None:
            return results, scanned
    raise AssertionError("pagination did not end")


@settings(max_examples=60)
@given(
    items=items_strategy,
    partition=st.sampled_from(PARTITIONS),
    key_op=st.one_of(st.none(), comparison, st.just("BETWEEN")),
    bound_a=st.integers(min_value=-60, max_value=60),
    bound_b=st.integers(min_value=-60, max_value=60),
    filter_op=comparison,
    threshold=st.integers(min_value=0, max_value=9),
    prefix=st.text(alphabet="abcxyz", min_size=1, max_size=2),
    use_filter=st.booleans(),
    limit=st.one_of(st.none(), st.integers(min_value=1, max_value=7)),
    forward=st.booleans(),
)
def test_query_equals_brute_force(
    items,
    partition,
    key_op,
    bound_a,
    bound_b,
    filter_op,
    threshold,
    prefix,
    use_filter,
    limit,
    forward,
) -> None:
    engine, truth = load(items)
    low, high = sorted((bound_a, bound_b))
    condition = "pk = :p"
    values: dict[str, Any] = {":p": {"S": partition}}
    if key_op == "BETWEEN":
        condition += " AND sk BETWEEN :a AND :b"
        values[":a"], values[":b"] = {"N": str(low)}, {"N": str(high)}
    elif key_op is not None:
        condition += f" AND sk {key_op} :a"
        values[":a"] = {"N": str(bound_a)}
    request: dict[str, Any] = {
        "TableName": "Tbl",
        "KeyConditionExpression": condition,
        "ScanIndexForward": forward,
    }
    if use_filter:
        request["FilterExpression"] = f"score {filter_op} :t OR begins_with(#n, :prefix)"
        request["ExpressionAttributeNames"] = {"#n": "name"}
        values[":t"] = {"N": str(threshold)}
        values[":prefix"] = {"S": prefix}
    request["ExpressionAttributeValues"] = values
    if limit is not None:
        request["Limit"] = limit

    def in_range(sk: int) -> bool:
        if key_op is None:
            return True
        if key_op == "BETWEEN":
            return low <= sk <= high
        return holds(key_op, Decimal(sk), Decimal(bound_a))

    matching = sorted(
        (key for key in truth if key[0] == partition and in_range(key[1])),
        key=lambda key: key[1],
        reverse=not forward,
    )
    expected = [
        truth[key]
        for key in matching
        if not use_filter or filter_holds(truth[key], filter_op, threshold, prefix)
    ]
    results, scanned = page_through(engine, "Query", request)
    assert results == expected
    assert scanned == len(matching)


@settings(max_examples=40)
@given(
    items=items_strategy,
    filter_op=comparison,
    threshold=st.integers(min_value=0, max_value=9),
    prefix=st.text(alphabet="abcxyz", min_size=1, max_size=2),
    limit=st.one_of(st.none(), st.integers(min_value=1, max_value=9)),
    total_segments=st.integers(min_value=1, max_value=4),
)
def test_scan_equals_brute_force(
    items, filter_op, threshold, prefix, limit, total_segments
) -> None:
    engine, truth = load(items)
    expected = sorted(
        (key for key, item in truth.items() if filter_holds(item, filter_op, threshold, prefix)),
    )
    found: list[tuple[str, int]] = []
    scanned_total = 0
    for segment in range(total_segments):
        request: dict[str, Any] = {
            "TableName": "Tbl",
            "FilterExpression": f"score {filter_op} :t OR begins_with(#n, :prefix)",
            "ExpressionAttributeNames": {"#n": "name"},
            "ExpressionAttributeValues": {":t": {"N": str(threshold)}, ":prefix": {"S": prefix}},
        }
        if total_segments > 1:
            request["Segment"] = segment
            request["TotalSegments"] = total_segments
        if limit is not None:
            request["Limit"] = limit
        results, scanned = page_through(engine, "Scan", request)
        scanned_total += scanned
        found += [(i["pk"]["S"], int(i["sk"]["N"])) for i in results]
    assert sorted(found) == expected
    assert len(found) == len(set(found))
    assert scanned_total == len(truth)


@settings(max_examples=30)
@given(items=items_strategy)
def test_dump_and_load_preserve_every_item_and_the_scan_order(items) -> None:
    engine, _ = load(items)
    restored = Engine.loads(engine.dumps())
    original = engine.call("Scan", {"TableName": "Tbl"})
    again = restored.call("Scan", {"TableName": "Tbl"})
    assert again["Items"] == original["Items"]
    described = restored.call("DescribeTable", {"TableName": "Tbl"})["Table"]
    assert described == engine.call("DescribeTable", {"TableName": "Tbl"})["Table"]
