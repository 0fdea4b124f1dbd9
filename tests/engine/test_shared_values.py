"""Reads hand out stored scalar values shared, not copied: a caller can change nothing stored.

A stored S, N, B, BOOL or NULL value is an immutable ``Scalar``, so every read returns the
same object and a caller's attempt to change it raises; the item dicts, lists, maps and sets
a read returns are still the caller's own copies.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from typing import Any

import pytest

from engine import Engine
from engine.values import Scalar
from tests.support.engine import create_table, n, s

STORED = {
    "pk": s("a"),
    "count": n(7),
    "flag": {"BOOL": True},
    "none": {"NULL": True},
    "blob": {"B": "AQI="},
    "tags": {"SS": ["x", "y"]},
    "list": {"L": [s("one"), n(2)]},
    "map": {"M": {"inner": s("deep"), "nums": {"NS": ["1", "2"]}}},
}
KEY = {"pk": s("a")}
TABLE = {"TableName": "Shared"}


@pytest.fixture
def shared(engine: Engine) -> Engine:
    create_table(engine, "Shared")
    engine.call("PutItem", {**TABLE, "Item": STORED})
    return engine


def _get(engine: Engine) -> dict[str, Any]:
    return engine.call("GetItem", {**TABLE, "Key": KEY, "ConsistentRead": True})["Item"]


READS: dict[str, Callable[[Engine], dict[str, Any]]] = {
    "GetItem": _get,
    "GetItem projected": lambda e: e.call(
        "GetItem",
        {
            **TABLE,
            "Key": KEY,
            "ProjectionExpression": ", ".join(f"#{name}" for name in STORED),
            "ExpressionAttributeNames": {f"#{name}": name for name in STORED},
        },
    )["Item"],
    "Query": lambda e: e.call(
        "Query",
        {
            **TABLE,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": s("a")},
        },
    )["Items"][0],
    "Scan": lambda e: e.call("Scan", TABLE)["Items"][0],
    "Scan filtered": lambda e: e.call(
        "Scan",
        {
            **TABLE,
            "FilterExpression": "#c = :c",
            "ExpressionAttributeNames": {"#c": "count"},
            "ExpressionAttributeValues": {":c": n(7)},
        },
    )["Items"][0],
    "BatchGetItem": lambda e: e.call("BatchGetItem", {"RequestItems": {"Shared": {"Keys": [KEY]}}})[
        "Responses"
    ]["Shared"][0],
    "TransactGetItems": lambda e: e.call(
        "TransactGetItems", {"TransactItems": [{"Get": {**TABLE, "Key": KEY}}]}
    )["Responses"][0]["Item"],
    "ExecuteStatement": lambda e: e.call(
        "ExecuteStatement", {"Statement": "SELECT * FROM Shared WHERE pk = 'a'"}
    )["Items"][0],
    "PutItem ALL_OLD": lambda e: e.call(
        "PutItem", {**TABLE, "Item": STORED, "ReturnValues": "ALL_OLD"}
    )["Attributes"],
    "UpdateItem ALL_NEW": lambda e: e.call(
        "UpdateItem",
        {
            **TABLE,
            "Key": KEY,
            "UpdateExpression": "SET note = :o",
            "ExpressionAttributeValues": {":o": s("o")},
            "ReturnValues": "ALL_NEW",
        },
    )["Attributes"],
    "UpdateItem ALL_OLD": lambda e: e.call(
        "UpdateItem",
        {
            **TABLE,
            "Key": KEY,
            "UpdateExpression": "SET note = :o",
            "ExpressionAttributeValues": {":o": s("o")},
            "ReturnValues": "ALL_OLD",
        },
    )["Attributes"],
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_a_handed_out_scalar_cannot_be_changed(shared: Engine, read: Callable) -> None:
    item = read(shared)
    expected = copy.deepcopy(_get(shared))
    assert item["count"] == n(7) and expected.items() >= STORED.items()
    with pytest.raises(TypeError, match="cannot be changed in place"):
        item["count"]["N"] = "8"
    with pytest.raises(TypeError):
        item["flag"]["BOOL"] = False
    with pytest.raises(TypeError):
        item["list"]["L"][0]["S"] = "changed"
    with pytest.raises(TypeError):
        item["map"]["M"]["inner"].update({"S": "changed"})
    with pytest.raises(TypeError):
        del item["pk"]["S"]
    assert _get(shared) == expected


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_a_handed_out_item_and_its_documents_and_sets_are_the_callers(
    shared: Engine, read: Callable
) -> None:
    item = read(shared)
    expected = copy.deepcopy(_get(shared))
    item["added"] = s("new")
    del item["blob"]
    item["count"] = n(99)
    item["tags"]["SS"].append("z")
    item["list"]["L"].append(s("three"))
    item["list"]["L"][0] = s("replaced")
    item["map"]["M"]["inner"] = s("replaced")
    item["map"]["M"]["nums"]["NS"].append("3")
    del item["map"]["M"]["nums"]
    assert _get(shared) == expected


def test_a_returned_item_shares_the_stored_scalars(shared: Engine) -> None:
    first, second = _get(shared), _get(shared)
    assert first is not second and first["list"] is not second["list"]
    for name in ("pk", "count", "flag", "none", "blob"):
        assert type(first[name]) is Scalar and first[name] is second[name]
    assert first["list"]["L"][0] is second["list"]["L"][0]


def test_computed_values_may_be_plain_dicts_and_still_read_back_as_copies(
    shared: Engine,
) -> None:
    """An ADD computes a fresh number: stored as a plain dict, each read gets its own copy."""
    shared.call(
        "UpdateItem",
        {
            **TABLE,
            "Key": KEY,
            "UpdateExpression": "ADD #c :one SET #l = list_append(#l, :more)",
            "ExpressionAttributeNames": {"#c": "count", "#l": "list"},
            "ExpressionAttributeValues": {":one": n(1), ":more": {"L": [s("x")]}},
        },
    )
    item = _get(shared)
    assert item["count"] == n(8)
    with contextlib.suppress(TypeError):  # had the engine stored a Scalar after all
        item["count"]["N"] = "100"
    item["list"]["L"][-1] = s("y")
    assert _get(shared)["list"]["L"][-1] == s("x")
    assert _get(shared)["count"] == n(8)


def test_a_scan_after_a_restart_reads_the_same_values(shared: Engine) -> None:
    loaded = Engine.loads(shared.dumps())
    item = loaded.call("GetItem", {**TABLE, "Key": KEY})["Item"]
    assert item == STORED
    with pytest.raises(TypeError):  # loaded scalars are shared and immutable too
        item["count"]["N"] = "8"
    item["list"]["L"].append(s("x"))
    assert loaded.call("Scan", TABLE)["Items"] == [STORED]
