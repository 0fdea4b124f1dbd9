"""Projection expressions: nested paths, list compaction, overlap and conflict checks."""

from __future__ import annotations

import pytest

from engine.errors import ValidationException
from engine.expressions import (
    ExpressionContext,
    compile_condition,
    compile_projection,
    compile_update,
)

ITEM = {
    "p": {"S": "key"},
    "a": {
        "M": {
            "b": {"L": [{"N": "2"}, {"N": "4"}, {"M": {"x": {"S": "hi"}, "y": {"S": "yo"}}}]},
            "c": {"N": "5"},
        }
    },
    "b": {"S": "hello"},
    "e": {"M": {}},
}


def project(text: str, item: dict = ITEM, names: dict | None = None) -> dict:
    return compile_projection(text, ExpressionContext(names, None)).apply(item)


def error(text: str) -> str:
    with pytest.raises(ValidationException) as caught:
        compile_projection(text, ExpressionContext(None, None))
    return caught.value.message


def test_top_level_attributes():
    assert project("b") == {"b": {"S": "hello"}}
    assert project("p, b") == {"p": {"S": "key"}, "b": {"S": "hello"}}
    assert project(" p  ,   b  ") == {"p": {"S": "key"}, "b": {"S": "hello"}}
    assert project("x") == {}
    assert project("e") == {"e": {"M": {}}}


def test_nested_paths_keep_their_structure():
    assert project("a.c") == {"a": {"M": {"c": {"N": "5"}}}}
    assert project("a.b[0]") == {"a": {"M": {"b": {"L": [{"N": "2"}]}}}}
    assert project("a.b[2]") == {"a": {"M": {"b": {"L": [ITEM["a"]["M"]["b"]["L"][2]]}}}}
    assert project("a.b[2].y") == {"a": {"M": {"b": {"L": [{"M": {"y": {"S": "yo"}}}]}}}}


def test_list_elements_come_back_compacted_in_order():
    assert project("a.b[2].x, a.b[0]") == {
        "a": {"M": {"b": {"L": [{"N": "2"}, {"M": {"x": {"S": "hi"}}}]}}}
    }
    assert project("a.b[1],a.b[0]") == {"a": {"M": {"b": {"L": [{"N": "2"}, {"N": "4"}]}}}}


def test_merging_several_paths():
    assert project("a.b[0],a.c") == {"a": {"M": {"b": {"L": [{"N": "2"}]}, "c": {"N": "5"}}}}
    assert project("a.c,b") == {"a": {"M": {"c": {"N": "5"}}}, "b": {"S": "hello"}}


@pytest.mark.parametrize(
    "text",
    ["a.b[3]", "a.x", "a.x.y", "a.b[3].x", "a.b.x", "a[0]", "a.b[0].x", "a.b[0][0]", "b.x", "b[0]"],
)
def test_absent_or_mistyped_paths_are_skipped(text):
    assert project(text) == {}


def test_absent_parts_do_not_hide_present_ones():
    assert project("a.x, a.b[0], x, a.b[3].x") == {"a": {"M": {"b": {"L": [{"N": "2"}]}}}}


def test_placeholders():
    assert project("#n1.#n2", names={"#n1": "a", "#n2": "c"}) == {"a": {"M": {"c": {"N": "5"}}}}
    item = {"a.b": {"S": "flat"}, "a": {"M": {"b": {"S": "nested"}}}}
    assert project("#name", item, {"#name": "a.b"}) == {"a.b": {"S": "flat"}}
    assert project("a.b", item) == {"a": {"M": {"b": {"S": "nested"}}}}


def test_the_result_is_a_copy():
    result = project("a.b[2]")
    result["a"]["M"]["b"]["L"][0]["M"]["x"]["S"] = "changed"
    assert ITEM["a"]["M"]["b"]["L"][2]["M"]["x"] == {"S": "hi"}
    whole = project("b")
    whole["b"]["S"] = "changed"
    assert ITEM["b"] == {"S": "hello"}


@pytest.mark.parametrize(
    ("text", "one", "two"),
    [
        ("a, a", "[a]", "[a]"),
        ("a.b, a.b", "[a, b]", "[a, b]"),
        ("a[1], a[1]", "[a, [1]]", "[a, [1]]"),
        ("a, a.b", "[a]", "[a, b]"),
        ("a.b, a", "[a, b]", "[a]"),
        ("a.b, a.b[2]", "[a, b]", "[a, b, [2]]"),
        ("a, a.b[2].c", "[a]", "[a, b, [2], c]"),
        ("a.b.d.e, a.b", "[a, b, d, e]", "[a, b]"),
        ("x, a.b, a.b.d", "[a, b]", "[a, b, d]"),
    ],
)
def test_overlapping_paths(text, one, two):
    assert error(text) == (
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove "
        f"or rewrite one of these paths; path one: {one}, path two: {two}"
    )


def test_conflicting_paths():
    assert error("a.b, a[1]") == (
        "Invalid ProjectionExpression: Two document paths conflict with each other; must remove "
        "or rewrite one of these paths; path one: [a, b], path two: [a, [1]]"
    )
    assert error("a.b.c, a.b[2]").endswith("path one: [a, b, c], path two: [a, b, [2]]")


@pytest.mark.parametrize("text", ["a, b", "a.b, a.c", "a.b.d, a.b.e", "a[1], a[2]", "a.b, a.c[2]"])
def test_paths_that_neither_overlap_nor_conflict(text):
    compile_projection(text, ExpressionContext(None, None))


def test_overlaps_are_reported_before_conflicts():
    assert "overlap" in error("a.b, a[1], c, c.d")


def test_top_level_names():
    projection = compile_projection("a.b[0], #x, c", ExpressionContext({"#x": "status"}, None))
    assert projection.top_level_names == frozenset({"a", "status", "c"})
    assert projection.paths == (("a", "b", 0), ("status",), ("c",))


def test_list_indexes_past_a_java_int_are_refused():
    # Past the end of the list is simply absent; past the int range is an error.
    assert project("tags[2147483647]") == {}
    assert error("tags[2147483648]") == (
        "Invalid ProjectionExpression: List index is not within the allowable range; "
        "index: [2147483648]"
    )
    assert error("a.b[99999999999999].c") == (
        "Invalid ProjectionExpression: List index is not within the allowable range; "
        "index: [99999999999999]"
    )


def test_list_index_range_applies_to_every_expression():
    ctx = ExpressionContext(None, {":v": {"N": "1"}})
    with pytest.raises(ValidationException) as caught:
        compile_update("SET l[4294967295] = :v", ctx)
    assert caught.value.message == (
        "Invalid UpdateExpression: List index is not within the allowable range; "
        "index: [4294967295]"
    )
    with pytest.raises(ValidationException) as caught:
        compile_condition("l[3000000000] = :v", ctx, "ConditionExpression")
    assert caught.value.message.startswith("Invalid ConditionExpression: List index is not")
