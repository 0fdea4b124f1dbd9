"""The legacy (pre-expression) parameters: Expected, ConditionalOperator, AttributesToGet,
KeyConditions, QueryFilter, ScanFilter and AttributeUpdates, with the service's messages.

Each legacy condition must select exactly what the expression it stands for selects; the
property test at the end checks that for random ScanFilters over random items.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine, SimClock
from engine.values import key_sort_value
from tests.support.engine import (
    FROZEN_AT,
    create_table,
    error_of,
    matches_table,
    n,
    orders_table,
    s,
)

INVALID = "One or more parameter values were invalid: "
MIXED = "Can not use both expression and non-expression parameters in the same request: "
WITHOUT = "ConditionalOperator cannot be used without Filter or Expected"
ONE_ELEMENT = (
    "ConditionalOperator can only be used when Filter or Expected has two or more elements"
)
OPERATOR_ENUM = (
    "Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, "
    "NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"
)


def b(text: str) -> dict[str, str]:
    return {"B": base64.b64encode(text.encode()).decode()}


def cond(operator: str, *values: dict[str, Any]) -> dict[str, Any]:
    condition: dict[str, Any] = {"ComparisonOperator": operator}
    if values:
        condition["AttributeValueList"] = list(values)
    return condition


# =========================================================================== fixtures

#: Items of the "Things" table (partition key "id"), with attributes of every kind.
THINGS: dict[str, dict[str, Any]] = {
    "t1": {"name": s("apple"), "qty": n(5), "tags": {"SS": ["red", "fruit"]}, "raw": b("xyz")},
    "t2": {"name": s("apricot"), "qty": n(12), "tags": {"SS": ["orange"]}, "ok": {"BOOL": True}},
    "t3": {"name": s("banana"), "qty": n(7), "list": {"L": [s("a"), n(1), {"BOOL": True}]}},
    "t4": {"qty": {"S": "7"}, "nums": {"NS": ["1", "2"]}, "nothing": {"NULL": True}},
    "t5": {"name": s("cherry"), "map": {"M": {"k": s("v")}}},
}


@pytest.fixture
def things(engine: Engine) -> Engine:
    create_table(engine, "Things", partition=("id", "S"))
    for key, attributes in THINGS.items():
        engine.call("PutItem", {"TableName": "Things", "Item": {"id": s(key), **attributes}})
    return engine


@pytest.fixture
def scores(engine: Engine) -> Engine:
    """Players' scores: partition "player", sort key "game" (numbers)."""
    create_table(engine, "Scores", partition=("player", "S"), sort=("game", "N"))
    for player in ("ann", "bob"):
        for game in range(1, 11):
            item = {"player": s(player), "game": n(game), "points": n(game * 10)}
            engine.call("PutItem", {"TableName": "Scores", "Item": item})
    return engine


@pytest.fixture
def words(engine: Engine) -> Engine:
    """Words sorted by a string sort key, for BEGINS_WITH."""
    create_table(engine, "Words", partition=("letter", "S"), sort=("word", "S"))
    for word in ("ant", "apple", "apricot", "axe", "bee"):
        item = {"letter": s(word[0]), "word": s(word)}
        engine.call("PutItem", {"TableName": "Words", "Item": item})
    return engine


def scan_ids(engine: Engine, **request: Any) -> list[str]:
    response = engine.call("Scan", {"TableName": "Things", **request})
    return sorted(item["id"]["S"] for item in response["Items"])


def legacy_query(engine: Engine, key_conditions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return engine.call("Query", {"TableName": "Scores", "KeyConditions": key_conditions, **extra})


def games(response: dict[str, Any]) -> list[int]:
    return [int(item["game"]["N"]) for item in response["Items"]]


def ann(*sort: dict[str, Any]) -> dict[str, Any]:
    conditions = {"player": cond("EQ", s("ann"))}
    if sort:
        conditions["game"] = sort[0]
    return conditions


# =========================================================================== mixing


@pytest.mark.parametrize(
    ("operation", "request_", "non_expression", "expression"),
    [
        (
            "PutItem",
            {
                "Item": {"id": s("x")},
                "Expected": {"a": cond("NULL"), "b": cond("NULL")},
                "ConditionalOperator": "AND",
                "ConditionExpression": "attribute_exists(id)",
            },
            "Expected, ConditionalOperator",
            "ConditionExpression",
        ),
        (
            "DeleteItem",
            {"Key": {"id": s("x")}, "Expected": {}, "ConditionExpression": "attribute_exists(id)"},
            "Expected",
            "ConditionExpression",
        ),
        (
            "UpdateItem",
            {
                "Key": {"id": s("x")},
                "AttributeUpdates": {"a": {"Value": s("v")}},
                "Expected": {"a": cond("NULL")},
                "ConditionalOperator": "AND",
                "UpdateExpression": "SET a = :v",
                "ConditionExpression": "attribute_exists(id)",
                "ExpressionAttributeValues": {":v": s("x")},
            },
            "AttributeUpdates, Expected, ConditionalOperator",
            "UpdateExpression, ConditionExpression",
        ),
        (
            "UpdateItem",
            {
                "Key": {"id": s("x")},
                "Expected": {"a": cond("NULL")},
                "UpdateExpression": "SET c = :v",
                "ExpressionAttributeValues": {":v": s("x")},
            },
            "Expected",
            "UpdateExpression",
        ),
        (
            "GetItem",
            {"Key": {"id": s("x")}, "AttributesToGet": ["a"], "ProjectionExpression": "a"},
            "AttributesToGet",
            "ProjectionExpression",
        ),
        (
            "Scan",
            {
                "AttributesToGet": ["a"],
                "ScanFilter": {"a": cond("EQ", s("x"))},
                "ConditionalOperator": "AND",
                "FilterExpression": "a = :v",
                "ProjectionExpression": "b",
                "ExpressionAttributeValues": {":v": s("x")},
            },
            "AttributesToGet, ScanFilter, ConditionalOperator",
            "ProjectionExpression, FilterExpression",
        ),
        (
            "Scan",
            {"ConditionalOperator": "AND", "ProjectionExpression": "a"},
            "ConditionalOperator",
            "ProjectionExpression",
        ),
        (
            "Query",
            {
                "KeyConditions": {"id": cond("EQ", s("x"))},
                "QueryFilter": {"a": cond("EQ", s("x"))},
                "ConditionalOperator": "AND",
                "KeyConditionExpression": "id = :p",
                "FilterExpression": "a = :v",
                "ProjectionExpression": "b",
                "ExpressionAttributeValues": {":p": s("x"), ":v": s("x")},
            },
            "QueryFilter, ConditionalOperator, KeyConditions",
            "ProjectionExpression, FilterExpression, KeyConditionExpression",
        ),
        (
            "Query",
            {
                "KeyConditions": {"id": cond("EQ", s("x"))},
                "QueryFilter": {"a": cond("EQ", s("x"))},
                "FilterExpression": "a = :v",
                "ExpressionAttributeValues": {":v": s("x")},
            },
            "QueryFilter",
            "FilterExpression",
        ),
        (
            "Query",
            {
                "AttributesToGet": ["a"],
                "KeyConditionExpression": "id = :p",
                "ExpressionAttributeValues": {":p": s("x")},
            },
            "AttributesToGet",
            "KeyConditionExpression",
        ),
    ],
)
def test_legacy_and_expression_parameters_are_not_mixed(
    things: Engine,
    operation: str,
    request_: dict[str, Any],
    non_expression: str,
    expression: str,
) -> None:
    error = error_of(things, operation, {"TableName": "Things", **request_})
    assert error.code == "ValidationException"
    assert error.message == (
        f"{MIXED}Non-expression parameters: {{{non_expression}}} "
        f"Expression parameters: {{{expression}}}"
    )


def test_batch_get_refuses_mixed_parameters_per_table(things: Engine) -> None:
    error = error_of(
        things,
        "BatchGetItem",
        {
            "RequestItems": {
                "Things": {
                    "Keys": [{"id": s("t1")}],
                    "AttributesToGet": ["name"],
                    "ProjectionExpression": "qty",
                }
            }
        },
    )
    assert error.message == (
        f"{MIXED}Non-expression parameters: {{AttributesToGet}} "
        "Expression parameters: {ProjectionExpression}"
    )


def test_key_conditions_go_with_filter_and_projection_expressions(things: Engine) -> None:
    response = things.call(
        "Query",
        {
            "TableName": "Things",
            "KeyConditions": {"id": cond("EQ", s("t1"))},
            "FilterExpression": "#n = :n",
            "ProjectionExpression": "qty",
            "ExpressionAttributeNames": {"#n": "name"},
            "ExpressionAttributeValues": {":n": s("apple")},
        },
    )
    assert response["Items"] == [{"qty": n(5)}]


@pytest.mark.parametrize(
    ("operation", "request_", "message"),
    [
        (
            "PutItem",
            {"Item": {"id": s("x")}, "Expected": {"a": cond("NULL")}},
            "ExpressionAttributeValues can only be specified when using expressions: "
            "ConditionExpression is null",
        ),
        (
            "UpdateItem",
            {"Key": {"id": s("x")}, "AttributeUpdates": {"a": {"Value": s("v")}}},
            "ExpressionAttributeValues can only be specified when using expressions: "
            "UpdateExpression and ConditionExpression are null",
        ),
        (
            "Query",
            {"KeyConditions": {"id": cond("EQ", s("t1"))}, "ProjectionExpression": "qty"},
            "ExpressionAttributeValues can only be specified when using expressions: "
            "FilterExpression and KeyConditionExpression are null",
        ),
        (
            "Scan",
            {"ScanFilter": {"a": cond("NULL")}},
            "ExpressionAttributeValues can only be specified when using expressions: "
            "FilterExpression is null",
        ),
    ],
)
def test_expression_values_need_an_expression(
    things: Engine, operation: str, request_: dict[str, Any], message: str
) -> None:
    request = {"TableName": "Things", **request_, "ExpressionAttributeValues": {":v": s("x")}}
    assert error_of(things, operation, request).message == message


@pytest.mark.parametrize(
    ("operation", "request_"),
    [
        ("PutItem", {"Item": {"id": s("x")}, "Expected": {"a": cond("NULL")}}),
        ("GetItem", {"Key": {"id": s("x")}, "AttributesToGet": ["a"]}),
        ("Scan", {"ScanFilter": {"a": cond("NULL")}}),
    ],
)
def test_expression_names_need_an_expression(
    things: Engine, operation: str, request_: dict[str, Any]
) -> None:
    request = {"TableName": "Things", **request_, "ExpressionAttributeNames": {"#a": "a"}}
    assert (
        error_of(things, operation, request).message
        == "ExpressionAttributeNames can only be specified when using expressions"
    )


# =========================================================================== ConditionalOperator


@pytest.mark.parametrize(
    ("operation", "request_", "message"),
    [
        ("Scan", {"ConditionalOperator": "AND"}, WITHOUT),
        ("Scan", {"ConditionalOperator": "OR", "ScanFilter": {}}, WITHOUT),
        ("Scan", {"ConditionalOperator": "AND", "AttributesToGet": ["a", "b"]}, WITHOUT),
        ("Scan", {"ConditionalOperator": "OR", "ScanFilter": {"a": cond("NULL")}}, ONE_ELEMENT),
        # The rule comes before the missing key condition.
        ("Query", {"ConditionalOperator": "AND"}, WITHOUT),
        ("Query", {"ConditionalOperator": "AND", "KeyConditions": ann()}, WITHOUT),
        (
            "Query",
            {
                "ConditionalOperator": "AND",
                "KeyConditions": ann(),
                "QueryFilter": {"a": cond("NULL")},
            },
            ONE_ELEMENT,
        ),
        ("PutItem", {"Item": {"id": s("x")}, "ConditionalOperator": "AND"}, WITHOUT),
        (
            "PutItem",
            {"Item": {"id": s("x")}, "ConditionalOperator": "AND", "Expected": {"a": {}}},
            ONE_ELEMENT,
        ),
        ("DeleteItem", {"Key": {"id": s("x")}, "ConditionalOperator": "OR"}, WITHOUT),
        (
            "UpdateItem",
            {
                "Key": {"id": s("x")},
                "ConditionalOperator": "AND",
                "AttributeUpdates": {"a": {"Value": s("v")}},
            },
            WITHOUT,
        ),
    ],
)
def test_conditional_operator_needs_two_conditions(
    things: Engine, operation: str, request_: dict[str, Any], message: str
) -> None:
    assert error_of(things, operation, {"TableName": "Things", **request_}).message == message


def test_conditional_operator_is_and_or_or(things: Engine) -> None:
    error = error_of(
        things,
        "Scan",
        {"TableName": "Things", "ConditionalOperator": "XOR", "ScanFilter": {"a": {}, "b": {}}},
    )
    assert error.message == (
        "3 validation errors detected: Value 'XOR' at 'conditionalOperator' failed to satisfy "
        "constraint: Member must satisfy enum value set: [OR, AND]; Value null at "
        "'scanFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must not "
        "be null; Value null at 'scanFilter.b.member.comparisonOperator' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_conditions_are_anded_unless_conditional_operator_is_or(things: Engine) -> None:
    both = {"name": cond("BEGINS_WITH", s("ap")), "qty": cond("GT", n(10))}
    assert scan_ids(things, ScanFilter=both) == ["t2"]
    assert scan_ids(things, ScanFilter=both, ConditionalOperator="AND") == ["t2"]
    assert scan_ids(things, ScanFilter=both, ConditionalOperator="OR") == ["t1", "t2"]


# =========================================================================== ScanFilter


@pytest.mark.parametrize(
    ("attribute", "condition", "expected"),
    [
        ("qty", cond("EQ", n(7)), ["t3"]),
        ("qty", cond("EQ", s("7")), ["t4"]),  # types must match
        ("tags", cond("EQ", {"SS": ["fruit", "red"]}), ["t1"]),  # sets ignore order
        ("map", cond("EQ", {"M": {"k": s("v")}}), ["t5"]),
        ("nothing", cond("EQ", {"NULL": True}), ["t4"]),
        ("qty", cond("NE", n(7)), ["t1", "t2", "t4", "t5"]),  # a missing attribute is not equal
        ("qty", cond("LT", n(7)), ["t1"]),
        ("qty", cond("LE", n(7)), ["t1", "t3"]),
        ("qty", cond("GT", n(7)), ["t2"]),
        ("qty", cond("GE", n(7)), ["t2", "t3"]),
        ("name", cond("GT", s("b")), ["t3", "t5"]),
        ("raw", cond("GE", b("xy")), ["t1"]),
        ("name", cond("NOT_NULL"), ["t1", "t2", "t3", "t5"]),
        ("name", cond("NULL"), ["t4"]),
        ("nothing", cond("NOT_NULL"), ["t4"]),  # a NULL value exists
        ("name", cond("CONTAINS", s("an")), ["t3"]),
        ("tags", cond("CONTAINS", s("red")), ["t1"]),
        ("nums", cond("CONTAINS", n(2)), ["t4"]),
        ("list", cond("CONTAINS", {"BOOL": True}), ["t3"]),
        ("raw", cond("CONTAINS", b("y")), ["t1"]),
        ("name", cond("NOT_CONTAINS", s("ap")), ["t3", "t4", "t5"]),  # and where it is missing
        ("tags", cond("NOT_CONTAINS", s("red")), ["t2", "t3", "t4", "t5"]),
        ("name", cond("BEGINS_WITH", s("ap")), ["t1", "t2"]),
        ("raw", cond("BEGINS_WITH", b("xy")), ["t1"]),
        ("qty", cond("IN", n(5), n(7), n(99)), ["t1", "t3"]),
        ("name", cond("IN", s("cherry")), ["t5"]),
        ("qty", cond("BETWEEN", n(5), n(7)), ["t1", "t3"]),
        ("name", cond("BETWEEN", s("apricot"), s("banana")), ["t2", "t3"]),
    ],
)
def test_scan_filter_operators(
    things: Engine, attribute: str, condition: dict[str, Any], expected: list[str]
) -> None:
    assert scan_ids(things, ScanFilter={attribute: condition}) == expected


def test_an_empty_scan_filter_filters_nothing(things: Engine) -> None:
    assert scan_ids(things, ScanFilter={}) == sorted(THINGS)


def test_in_takes_more_values_than_an_expression_can(things: Engine) -> None:
    values = [n(i) for i in range(100, 400)] + [n(12)]
    assert scan_ids(things, ScanFilter={"qty": cond("IN", *values)}) == ["t2"]


def test_a_filter_may_join_more_conditions_than_an_expression_can(things: Engine) -> None:
    conditions = {f"missing{i}": cond("NULL") for i in range(400)}
    conditions["qty"] = cond("EQ", n(12))
    assert scan_ids(things, ScanFilter=conditions) == ["t2"]


@pytest.mark.parametrize(
    ("condition", "operator"),
    [
        ({"ComparisonOperator": "EQ"}, "EQ"),
        (cond("EQ", s("a"), s("b")), "EQ"),
        ({"ComparisonOperator": "NE", "AttributeValueList": []}, "NE"),
        (cond("LE"), "LE"),
        (cond("LT", n(1), n(2)), "LT"),
        (cond("GE"), "GE"),
        (cond("GT"), "GT"),
        (cond("NOT_NULL", s("a")), "NOT_NULL"),
        (cond("NULL", s("a")), "NULL"),
        (cond("CONTAINS"), "CONTAINS"),
        (cond("NOT_CONTAINS", s("a"), s("b")), "NOT_CONTAINS"),
        (cond("BEGINS_WITH"), "BEGINS_WITH"),
        (cond("IN"), "IN"),
        (cond("BETWEEN", s("a")), "BETWEEN"),
        (cond("BETWEEN", s("a"), s("b"), s("c")), "BETWEEN"),
    ],
)
def test_argument_counts(things: Engine, condition: dict[str, Any], operator: str) -> None:
    message = f"{INVALID}Invalid number of argument(s) for the {operator} ComparisonOperator"
    assert (
        error_of(things, "Scan", {"TableName": "Things", "ScanFilter": {"a": condition}}).message
        == message
    )
    expected = error_of(
        things,
        "PutItem",
        {"TableName": "Things", "Item": {"id": s("x")}, "Expected": {"a": condition}},
    )
    if operator in ("NULL", "NOT_NULL") or "AttributeValueList" in condition:
        assert expected.message == message
    else:
        assert expected.message == (
            f"{INVALID}Value or AttributeValueList must be used with ComparisonOperator: "
            f"{operator} for Attribute: a"
        )


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        (operator, value)
        for operator in ("LT", "LE", "GT", "GE", "IN", "BETWEEN")
        for value in (
            {"BOOL": True},
            {"NULL": True},
            {"SS": ["a"]},
            {"NS": ["1"]},
            {"BS": ["YQ=="]},
            {"M": {}},
            {"L": []},
        )
    ]
    + [
        (operator, value)
        for operator in ("CONTAINS", "NOT_CONTAINS")
        for value in ({"SS": ["a"]}, {"NS": ["1"]}, {"BS": ["YQ=="]}, {"M": {}}, {"L": []})
    ]
    + [("BEGINS_WITH", value) for value in (n(1), {"BOOL": True}, {"SS": ["a"]}, {"L": []})],
)
def test_value_types_per_operator(things: Engine, operator: str, value: dict[str, Any]) -> None:
    values = [value, value] if operator == "BETWEEN" else [value]
    kind = next(iter(value))
    message = f"{INVALID}ComparisonOperator {operator} is not valid for {kind} AttributeValue type"
    for parameter in ("ScanFilter",):
        request = {"TableName": "Things", parameter: {"a": cond(operator, *values)}}
        assert error_of(things, "Scan", request).message == message
    expected = {"a": cond(operator, *values)}
    request = {"TableName": "Things", "Item": {"id": s("x")}, "Expected": expected}
    assert error_of(things, "PutItem", request).message == message


def test_values_of_a_list_share_one_type(things: Engine) -> None:
    request = {"TableName": "Things", "ScanFilter": {"a": cond("IN", s("b"), n(1))}}
    assert error_of(things, "Scan", request).message == (
        f"{INVALID}AttributeValues inside AttributeValueList must be of same type"
    )


def test_between_bounds_in_order(things: Engine) -> None:
    request = {"TableName": "Things", "ScanFilter": {"a": cond("BETWEEN", s("b"), s("a"))}}
    assert error_of(things, "Scan", request).message == (
        "The BETWEEN condition was provided a range where the lower bound is greater than the "
        "upper bound"
    )
    equal = {"TableName": "Things", "ScanFilter": {"qty": cond("BETWEEN", n(7), n(7))}}
    assert things.call("Scan", equal)["Count"] == 1


def test_condition_values_are_validated(things: Engine) -> None:
    request = {"TableName": "Things", "ScanFilter": {"a": cond("EQ", {"SS": []})}}
    assert error_of(things, "Scan", request).message == (
        f"{INVALID}An string set  may not be empty"
    )
    request = {"TableName": "Things", "ScanFilter": {"a": cond("EQ", {})}}
    assert error_of(things, "Scan", request).message == (
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    )


def test_comparison_operator_is_required_and_known(things: Engine) -> None:
    error = error_of(
        things,
        "Scan",
        {"TableName": "Things", "ScanFilter": {"a": {}, "b": {"ComparisonOperator": "XX"}}},
    )
    assert error.message == (
        "2 validation errors detected: Value null at 'scanFilter.a.member.comparisonOperator' "
        "failed to satisfy constraint: Member must not be null; Value 'XX' at "
        f"'scanFilter.b.member.comparisonOperator' failed to satisfy constraint: {OPERATOR_ENUM}"
    )


def test_scan_filter_with_limit_pages_like_a_filter_expression(things: Engine) -> None:
    first = things.call(
        "Scan",
        {"TableName": "Things", "Limit": 2, "ScanFilter": {"qty": cond("NOT_NULL")}},
    )
    assert first["ScannedCount"] == 2
    assert "LastEvaluatedKey" in first


# =========================================================================== Expected


@pytest.mark.parametrize(
    ("expected", "holds"),
    [
        ({"qty": {"Value": n(5)}}, True),
        ({"qty": {"Value": n(6)}}, False),
        ({"qty": {"Value": n(5), "Exists": True}}, True),
        ({"missing": {"Exists": False}}, True),
        ({"qty": {"Exists": False}}, False),
        ({"qty": {"ComparisonOperator": "EQ", "Value": n(5)}}, True),
        ({"qty": cond("LT", n(6))}, True),
        ({"qty": cond("GT", n(6))}, False),
        ({"qty": cond("NOT_NULL")}, True),
        ({"missing": cond("NULL")}, True),
        ({"tags": cond("CONTAINS", s("red"))}, True),
        ({"tags": cond("NOT_CONTAINS", s("red"))}, False),
        ({"name": cond("BEGINS_WITH", s("app"))}, True),
        ({"qty": cond("IN", n(1), n(5))}, True),
        ({"qty": cond("BETWEEN", n(6), n(9))}, False),
        ({"qty": cond("NE", n(5)), "name": cond("EQ", s("apple"))}, False),
    ],
)
def test_expected_guards_every_write(things: Engine, expected: dict[str, Any], holds: bool) -> None:
    key = {"id": s("t1")}
    for operation, request in (
        ("PutItem", {"Item": {**key, "qty": n(5), "name": s("apple"), "tags": {"SS": ["red"]}}}),
        ("UpdateItem", {"Key": key, "AttributeUpdates": {"seen": {"Value": {"BOOL": True}}}}),
        ("DeleteItem", {"Key": key}),
    ):
        full = {"TableName": "Things", **request, "Expected": expected}
        if holds:
            things.call(operation, full)
            # Put the item back as it was for the next operation.
            item = {**key, **THINGS["t1"]}
            things.call("PutItem", {"TableName": "Things", "Item": item})
        else:
            error = error_of(things, operation, full)
            assert error.code == "ConditionalCheckFailedException"
            assert error.message == "The conditional request failed"


def test_expected_or_and_return_values_on_failure(things: Engine) -> None:
    request = {
        "TableName": "Things",
        "Key": {"id": s("t1")},
        "Expected": {"qty": cond("EQ", n(0)), "name": cond("EQ", s("nope"))},
        "ConditionalOperator": "OR",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    error = error_of(things, "DeleteItem", request)
    assert error.extra["Item"]["name"] == s("apple")
    request["Expected"]["name"] = cond("EQ", s("apple"))
    assert things.call("DeleteItem", {**request, "ReturnValues": "ALL_OLD"})["Attributes"]


def test_expected_on_a_missing_item(things: Engine) -> None:
    item = {"id": s("new"), "qty": n(1)}
    things.call(
        "PutItem", {"TableName": "Things", "Item": item, "Expected": {"id": {"Exists": False}}}
    )
    error = error_of(
        things,
        "PutItem",
        {"TableName": "Things", "Item": item, "Expected": {"id": {"Exists": False}}},
    )
    assert error.code == "ConditionalCheckFailedException"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"Value": s("a"), "AttributeValueList": []},
            "Value and AttributeValueList cannot be used together",
        ),
        (
            {"Exists": True, "ComparisonOperator": "LT"},
            "Exists and ComparisonOperator cannot be used together",
        ),
        (
            {"ComparisonOperator": "LT"},
            "Value or AttributeValueList must be used with ComparisonOperator: LT",
        ),
        (
            {"AttributeValueList": []},
            "AttributeValueList can only be used with a ComparisonOperator",
        ),
        (
            {"Exists": True, "AttributeValueList": []},
            "AttributeValueList can only be used with a ComparisonOperator",
        ),
        ({}, "Value must be provided when Exists is null"),
        ({"Exists": True}, "Value must be provided when Exists is true"),
        ({"Exists": False, "Value": s("a")}, "Value cannot be used when Exists is false"),
    ],
)
def test_expected_entry_rules(things: Engine, entry: dict[str, Any], message: str) -> None:
    request = {"TableName": "Things", "Key": {"id": s("t1")}, "Expected": {"a": entry}}
    assert error_of(things, "DeleteItem", request).message == f"{INVALID}{message} for Attribute: a"


def test_expected_operator_counts_with_value(things: Engine) -> None:
    for operator in ("BETWEEN", "NULL"):
        expected = {"a": {"Value": s("a"), "ComparisonOperator": operator}}
        request = {"TableName": "Things", "Key": {"id": s("t1")}, "Expected": expected}
        assert error_of(things, "DeleteItem", request).message == (
            f"{INVALID}Invalid number of argument(s) for the {operator} ComparisonOperator"
        )


def test_expected_operator_enum(things: Engine) -> None:
    request = {
        "TableName": "Things",
        "Key": {"id": s("t1")},
        "Expected": {"a": {"ComparisonOperator": "LIKE", "Value": s("a")}},
    }
    assert error_of(things, "DeleteItem", request).message == (
        "1 validation error detected: Value 'LIKE' at 'expected.a.member.comparisonOperator' "
        f"failed to satisfy constraint: {OPERATOR_ENUM}"
    )


# =========================================================================== KeyConditions


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, list(range(1, 11))),
        (cond("EQ", n(3)), [3]),
        (cond("LT", n(3)), [1, 2]),
        (cond("LE", n(3)), [1, 2, 3]),
        (cond("GT", n(8)), [9, 10]),
        (cond("GE", n(8)), [8, 9, 10]),
        (cond("BETWEEN", n(4), n(6)), [4, 5, 6]),
    ],
)
def test_key_conditions(scores: Engine, sort: dict[str, Any] | None, expected: list[int]) -> None:
    conditions = ann(sort) if sort else ann()
    assert games(legacy_query(scores, conditions)) == expected


def test_key_conditions_begins_with(words: Engine) -> None:
    response = words.call(
        "Query",
        {
            "TableName": "Words",
            "KeyConditions": {
                "letter": cond("EQ", s("a")),
                "word": cond("BEGINS_WITH", s("ap")),
            },
        },
    )
    assert [item["word"]["S"] for item in response["Items"]] == ["apple", "apricot"]


def test_key_conditions_with_order_paging_filter_and_projection(scores: Engine) -> None:
    request: dict[str, Any] = {
        "TableName": "Scores",
        "KeyConditions": ann(cond("GE", n(3))),
        "QueryFilter": {"points": cond("NE", n(50))},
        "AttributesToGet": ["game"],
        "ScanIndexForward": False,
        "Limit": 4,
        "ReturnConsumedCapacity": "TOTAL",
    }
    first = scores.call("Query", request)
    assert first["Items"] == [{"game": n(10)}, {"game": n(9)}, {"game": n(8)}, {"game": n(7)}]
    second = scores.call("Query", {**request, "ExclusiveStartKey": first["LastEvaluatedKey"]})
    assert games(second) == [6, 4, 3]
    assert second["ScannedCount"] == 4
    expression = scores.call(
        "Query",
        {
            "TableName": "Scores",
            "KeyConditionExpression": "player = :p AND game >= :g",
            "FilterExpression": "points <> :x",
            "ProjectionExpression": "game",
            "ExpressionAttributeValues": {":p": s("ann"), ":g": n(3), ":x": n(50)},
            "ScanIndexForward": False,
            "Limit": 4,
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    assert expression == first


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ({"game": cond("EQ", n(1))}, "Query condition missed key schema element: player"),
        (
            {"player": cond("EQ", s("ann")), "points": cond("EQ", n(1))},
            "Query condition missed key schema element: game",
        ),
        ({"player": cond("BEGINS_WITH", s("a"))}, "Query key condition not supported"),
        ({"player": cond("GT", s("a"))}, "Query key condition not supported"),
        (
            {"player": cond("EQ", n(1))},
            f"{INVALID}Condition parameter type does not match schema type",
        ),
        (
            ann(cond("BEGINS_WITH", s("1"))),
            f"{INVALID}Condition parameter type does not match schema type",
        ),
        ({}, "Conditions can be of length 1 or 2 only"),
        (
            {**ann(cond("EQ", n(1))), "points": cond("EQ", n(1))},
            "Conditions can be of length 1 or 2 only",
        ),
    ]
    + [
        (
            ann(cond(operator, *values)),
            "Attempted conditional constraint is not an indexable operation",
        )
        for operator, values in (
            ("NE", [n(1)]),
            ("NULL", []),
            ("NOT_NULL", []),
            ("CONTAINS", [n(1)]),
            ("NOT_CONTAINS", [n(1)]),
            ("IN", [n(1)]),
        )
    ]
    + [
        (
            {"player": cond("IN", s("ann"))},
            "Attempted conditional constraint is not an indexable operation",
        ),
    ],
)
def test_key_condition_errors(scores: Engine, conditions: dict[str, Any], message: str) -> None:
    assert (
        error_of(scores, "Query", {"TableName": "Scores", "KeyConditions": conditions}).message
        == message
    )


def test_key_conditions_on_a_hash_only_table(things: Engine) -> None:
    response = things.call(
        "Query", {"TableName": "Things", "KeyConditions": {"id": cond("EQ", s("t2"))}}
    )
    assert [item["id"] for item in response["Items"]] == [s("t2")]
    error = error_of(
        things,
        "Query",
        {"TableName": "Things", "KeyConditions": {"id": cond("EQ", s("t2")), "qty": cond("NULL")}},
    )
    assert error.message == "Query key condition not supported"


def test_a_query_needs_a_key_condition(scores: Engine) -> None:
    assert error_of(scores, "Query", {"TableName": "Scores"}).message == (
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the "
        "request."
    )


def test_key_condition_values_are_checked_before_the_table(engine: Engine) -> None:
    bad = {"TableName": "Nope", "KeyConditions": {"a": cond("EQ")}}
    assert error_of(engine, "Query", bad).message == (
        f"{INVALID}Invalid number of argument(s) for the EQ ComparisonOperator"
    )
    unknown_table = {"TableName": "Nope", "KeyConditions": {"a": cond("NULL")}}
    assert error_of(engine, "Query", unknown_table).code == "ResourceNotFoundException"


def test_key_conditions_on_secondary_indexes() -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    orders_table(engine)
    engine.extensions["indexes"].settings.propagation_delay = 0
    for placed, (status, total) in enumerate([("OPEN", 5), ("OPEN", 50), ("SHIPPED", 7)]):
        item = {"customer": s("ann"), "placed": n(placed), "status": s(status), "total": n(total)}
        engine.call("PutItem", {"TableName": "Orders", "Item": item})
    by_status = engine.call(
        "Query",
        {
            "TableName": "Orders",
            "IndexName": "by-status",
            "KeyConditions": {"status": cond("EQ", s("OPEN"))},
        },
    )
    assert sorted(int(i["placed"]["N"]) for i in by_status["Items"]) == [0, 1]
    by_total = engine.call(
        "Query",
        {
            "TableName": "Orders",
            "IndexName": "by-total",
            "KeyConditions": {"customer": cond("EQ", s("ann")), "total": cond("LT", n(10))},
            "Select": "ALL_PROJECTED_ATTRIBUTES",
        },
    )
    assert [int(i["total"]["N"]) for i in by_total["Items"]] == [5, 7]
    # The filter may not name the index's keys.
    error = error_of(
        engine,
        "Query",
        {
            "TableName": "Orders",
            "IndexName": "by-status",
            "KeyConditions": {"status": cond("EQ", s("OPEN"))},
            "QueryFilter": {"status": cond("NOT_NULL")},
        },
    )
    assert error.message == (
        "QueryFilter can only contain non-primary key attributes: Primary key attribute: status"
    )


def test_key_conditions_on_a_multi_attribute_index() -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    matches_table(engine)
    response = engine.call(
        "Query",
        {
            "TableName": "Matches",
            "IndexName": "by-tournament",
            "KeyConditions": {
                "tournament": cond("EQ", s("WINTER")),
                "regionId": cond("EQ", s("EU")),
            },
        },
    )
    assert [i["matchId"]["S"] for i in response["Items"]] == ["m2", "m1", "m3", "m6"]


# =========================================================================== QueryFilter


def test_query_filter(scores: Engine) -> None:
    response = legacy_query(
        scores,
        ann(),
        QueryFilter={"points": cond("BETWEEN", n(30), n(50)), "missing": cond("NULL")},
    )
    assert games(response) == [3, 4, 5]
    assert response["ScannedCount"] == 10


@pytest.mark.parametrize("key", ["player", "game"])
def test_query_filter_may_not_name_keys(scores: Engine, key: str) -> None:
    error = error_of(
        scores,
        "Query",
        {"TableName": "Scores", "KeyConditions": ann(), "QueryFilter": {key: cond("NOT_NULL")}},
    )
    assert error.message == (
        f"QueryFilter can only contain non-primary key attributes: Primary key attribute: {key}"
    )


# =========================================================================== AttributesToGet


def test_attributes_to_get_everywhere(things: Engine) -> None:
    wanted = ["name", "qty", "absent"]
    got = things.call(
        "GetItem", {"TableName": "Things", "Key": {"id": s("t1")}, "AttributesToGet": wanted}
    )
    assert got["Item"] == {"name": s("apple"), "qty": n(5)}
    scanned = things.call("Scan", {"TableName": "Things", "AttributesToGet": ["qty"]})
    assert all(set(item) <= {"qty"} for item in scanned["Items"])
    assert scanned["Count"] == 5
    specific = things.call(
        "Scan", {"TableName": "Things", "AttributesToGet": ["qty"], "Select": "SPECIFIC_ATTRIBUTES"}
    )
    assert specific == scanned
    batch = things.call(
        "BatchGetItem",
        {"RequestItems": {"Things": {"Keys": [{"id": s("t2")}], "AttributesToGet": ["tags"]}}},
    )
    assert batch["Responses"]["Things"] == [{"tags": {"SS": ["orange"]}}]


def test_attribute_names_are_taken_literally(engine: Engine) -> None:
    create_table(engine, "Odd", partition=("id", "S"))
    item = {"id": s("1"), "a.b": n(1), "a": {"M": {"b": n(2)}}, "size": n(3)}
    engine.call("PutItem", {"TableName": "Odd", "Item": item})
    got = engine.call(
        "GetItem", {"TableName": "Odd", "Key": {"id": s("1")}, "AttributesToGet": ["a.b", "size"]}
    )
    assert got["Item"] == {"a.b": n(1), "size": n(3)}
    filtered = engine.call("Scan", {"TableName": "Odd", "ScanFilter": {"a.b": cond("EQ", n(1))}})
    assert filtered["Count"] == 1


@pytest.mark.parametrize(
    ("select", "message"),
    [
        (
            "ALL_ATTRIBUTES",
            "Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES",
        ),
        ("COUNT", "Cannot specify the AttributesToGet when choosing to get only the Count"),
    ],
)
def test_attributes_to_get_and_select(things: Engine, select: str, message: str) -> None:
    request = {"TableName": "Things", "AttributesToGet": ["qty"], "Select": select}
    assert error_of(things, "Scan", request).message == message


def test_attributes_to_get_and_all_projected_attributes() -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    orders_table(engine)
    error = error_of(
        engine,
        "Query",
        {
            "TableName": "Orders",
            "IndexName": "by-status",
            "KeyConditions": {"status": cond("EQ", s("OPEN"))},
            "AttributesToGet": ["status"],
            "Select": "ALL_PROJECTED_ATTRIBUTES",
        },
    )
    assert error.message == (
        "Cannot specify the AttributesToGet when choosing to get ALL_PROJECTED_ATTRIBUTES"
    )


def test_attributes_to_get_rules(things: Engine) -> None:
    duplicate = {"TableName": "Things", "Key": {"id": s("t1")}, "AttributesToGet": ["a", "b", "a"]}
    assert error_of(things, "GetItem", duplicate).message == (
        f"{INVALID}Duplicate value in attribute name: a"
    )
    empty = {"TableName": "Things", "Key": {"id": s("t1")}, "AttributesToGet": []}
    assert error_of(things, "GetItem", empty).message == (
        "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1"
    )
    batch = {"RequestItems": {"Things": {"Keys": [{"id": s("t1")}], "AttributesToGet": []}}}
    assert error_of(things, "BatchGetItem", batch).message == (
        "1 validation error detected: Value '[]' at 'requestItems.Things.member.attributesToGet' "
        "failed to satisfy constraint: Member must have length greater than or equal to 1"
    )


# =========================================================================== AttributeUpdates


def update(engine: Engine, key: str, updates: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return engine.call(
        "UpdateItem",
        {"TableName": "Things", "Key": {"id": s(key)}, "AttributeUpdates": updates, **extra},
    )


def item_of(engine: Engine, key: str) -> dict[str, Any] | None:
    got = engine.call("GetItem", {"TableName": "Things", "Key": {"id": s(key)}})
    return got.get("Item")


def test_put_is_the_default_action(things: Engine) -> None:
    update(things, "t1", {"name": {"Value": s("pear")}, "qty": {"Action": "PUT", "Value": n(1)}})
    assert item_of(things, "t1") == {
        **{"id": s("t1")},
        **THINGS["t1"],
        "name": s("pear"),
        "qty": n(1),
    }


def test_add(things: Engine) -> None:
    update(
        things,
        "t1",
        {
            "qty": {"Action": "ADD", "Value": n(-2.5)},
            "fresh": {"Action": "ADD", "Value": n(3)},
            "tags": {"Action": "ADD", "Value": {"SS": ["red", "sweet"]}},
            "list": {"Action": "ADD", "Value": {"L": [n(1)]}},
        },
    )
    update(things, "t1", {"list": {"Action": "ADD", "Value": {"L": [n(1), s("x")]}}})
    item = item_of(things, "t1")
    assert item is not None
    assert item["qty"] == n("2.5")
    assert item["fresh"] == n(3)
    assert item["tags"] == {"SS": ["red", "fruit", "sweet"]}
    assert item["list"] == {"L": [n(1), n(1), s("x")]}


def test_add_creates_a_missing_item(things: Engine) -> None:
    response = update(
        things, "new", {"count": {"Action": "ADD", "Value": n(1)}}, ReturnValues="ALL_NEW"
    )
    assert response["Attributes"] == {"id": s("new"), "count": n(1)}


def test_delete(things: Engine) -> None:
    update(
        things,
        "t1",
        {
            "name": {"Action": "DELETE"},
            "tags": {"Action": "DELETE", "Value": {"SS": ["red", "blue"]}},
            "absent": {"Action": "DELETE", "Value": {"NS": ["1"]}},
        },
    )
    item = item_of(things, "t1")
    assert item is not None
    assert "name" not in item and "absent" not in item
    assert item["tags"] == {"SS": ["fruit"]}
    update(things, "t1", {"tags": {"Action": "DELETE", "Value": {"SS": ["fruit"]}}})
    assert "tags" not in (item_of(things, "t1") or {})


def test_delete_alone_never_creates_an_item(things: Engine) -> None:
    response = update(
        things,
        "ghost",
        {"a": {"Action": "DELETE"}, "b": {"Action": "DELETE", "Value": {"SS": ["x"]}}},
        ReturnValues="ALL_NEW",
        ReturnConsumedCapacity="TOTAL",
    )
    assert response == {"ConsumedCapacity": {"TableName": "Things", "CapacityUnits": 1.0}}
    assert item_of(things, "ghost") is None
    # With a PUT beside it, the item is created.
    update(things, "ghost", {"a": {"Action": "DELETE"}, "b": {"Value": n(1)}})
    assert item_of(things, "ghost") == {"id": s("ghost"), "b": n(1)}


@pytest.mark.parametrize(
    ("updates", "message"),
    [
        (
            {"qty": {"Action": "ADD", "Value": {"NS": ["1"]}}},
            "Type mismatch for attribute to update",
        ),
        ({"name": {"Action": "ADD", "Value": n(1)}}, "Type mismatch for attribute to update"),
        (
            {"tags": {"Action": "ADD", "Value": {"NS": ["1"]}}},
            "Type mismatch for attribute to update",
        ),
        (
            {"qty": {"Action": "DELETE", "Value": {"NS": ["5"]}}},
            "Type mismatch for attribute to update",
        ),
        (
            {"tags": {"Action": "DELETE", "Value": {"NS": ["1"]}}},
            "Type mismatch for attribute to update",
        ),
        (
            {"id": {"Action": "DELETE"}},
            f"{INVALID}Cannot update attribute id. This attribute is part of the key",
        ),
        (
            {"id": {"Value": s("t9")}},
            f"{INVALID}Cannot update attribute id. This attribute is part of the key",
        ),
    ],
)
def test_update_errors_on_the_item(things: Engine, updates: dict[str, Any], message: str) -> None:
    error = error_of(
        things,
        "UpdateItem",
        {"TableName": "Things", "Key": {"id": s("t1")}, "AttributeUpdates": updates},
    )
    assert error.message == message
    assert item_of(things, "t1") == {"id": s("t1"), **THINGS["t1"]}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({}, "Only DELETE action is allowed when no attribute value is specified"),
        ({"Action": "ADD"}, "Only DELETE action is allowed when no attribute value is specified"),
        ({"Action": "PUT"}, "Only DELETE action is allowed when no attribute value is specified"),
    ]
    + [
        (
            {"Action": "DELETE", "Value": value},
            f"DELETE action with value is not supported for the type {next(iter(value))}",
        )
        for value in (s("a"), n(1), b("a"), {"BOOL": True}, {"NULL": True}, {"L": []}, {"M": {}})
    ]
    + [
        (
            {"Action": "ADD", "Value": value},
            f"ADD action is not supported for the type {next(iter(value))}",
        )
        for value in (s("1"), b("a"), {"BOOL": True}, {"NULL": True}, {"M": {}})
    ],
)
def test_update_entry_rules(things: Engine, entry: dict[str, Any], message: str) -> None:
    error = error_of(
        things,
        "UpdateItem",
        {"TableName": "Things", "Key": {"id": s("t1")}, "AttributeUpdates": {"a": entry}},
    )
    assert error.message == INVALID + message


def test_update_action_enum(things: Engine) -> None:
    error = error_of(
        things,
        "UpdateItem",
        {
            "TableName": "Things",
            "Key": {"id": s("t1")},
            "AttributeUpdates": {"a": {"Action": "SET", "Value": n(1)}},
        },
    )
    assert error.message == (
        "1 validation error detected: Value 'SET' at 'attributeUpdates.a.member.action' failed to "
        "satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"
    )


@pytest.mark.parametrize(
    ("return_values", "expected"),
    [
        ("NONE", None),
        ("ALL_OLD", {"id": s("t1"), **THINGS["t1"]}),
        ("UPDATED_OLD", {"qty": n(5), "name": s("apple")}),
        ("UPDATED_NEW", {"qty": n(6), "new": s("x")}),
        (
            "ALL_NEW",
            {
                "id": s("t1"),
                "qty": n(6),
                "tags": THINGS["t1"]["tags"],
                "raw": THINGS["t1"]["raw"],
                "new": s("x"),
            },
        ),
    ],
)
def test_update_return_values(
    things: Engine, return_values: str, expected: dict[str, Any] | None
) -> None:
    response = update(
        things,
        "t1",
        {
            "qty": {"Action": "ADD", "Value": n(1)},
            "name": {"Action": "DELETE"},
            "new": {"Value": s("x")},
        },
        ReturnValues=return_values,
    )
    assert response.get("Attributes") == expected


def test_update_with_expected(things: Engine) -> None:
    request = {
        "TableName": "Things",
        "Key": {"id": s("t1")},
        "AttributeUpdates": {"qty": {"Action": "ADD", "Value": n(1)}},
        "Expected": {"qty": {"Value": n(5)}},
    }
    things.call("UpdateItem", request)
    assert error_of(things, "UpdateItem", request).code == "ConditionalCheckFailedException"
    assert (item_of(things, "t1") or {})["qty"] == n(6)


def test_many_attribute_updates(things: Engine) -> None:
    updates = {f"attribute{i}": {"Value": n(i)} for i in range(300)}
    update(things, "t1", updates)
    assert len(item_of(things, "t1") or {}) == 1 + len(THINGS["t1"]) + 300


def test_update_respects_index_key_types() -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    orders_table(engine)
    error = error_of(
        engine,
        "UpdateItem",
        {
            "TableName": "Orders",
            "Key": {"customer": s("ann"), "placed": n(1)},
            "AttributeUpdates": {"status": {"Value": n(1)}},
        },
    )
    assert error.message.startswith(f"{INVALID}Type mismatch for Index Key status")


# =========================================================================== property test

NAMES = ["a", "b", "c"]
_text = st.text(alphabet="ab", max_size=3)
_number = st.integers(-3, 3).map(str)
_binary = st.binary(min_size=1, max_size=2).map(lambda raw: base64.b64encode(raw).decode())
SCALARS = {
    "S": _text.map(lambda t: {"S": t}),
    "N": _number.map(lambda v: {"N": v}),
    "B": _binary.map(lambda v: {"B": v}),
}
scalar = st.one_of(*SCALARS.values())
other = st.one_of(
    st.booleans().map(lambda v: {"BOOL": v}),
    st.just({"NULL": True}),
    st.lists(_text, min_size=1, max_size=3, unique=True).map(lambda v: {"SS": v}),
    st.lists(st.integers(-3, 3), min_size=1, max_size=3, unique=True).map(
        lambda v: {"NS": [str(x) for x in v]}
    ),
    st.lists(scalar, max_size=3).map(lambda v: {"L": v}),
    st.dictionaries(st.sampled_from(["k", "m"]), scalar, max_size=2).map(lambda v: {"M": v}),
)
any_value = st.one_of(scalar, other)
items_strategy = st.lists(
    st.dictionaries(st.sampled_from(NAMES), any_value, max_size=3), max_size=12
)

#: The FilterExpression each operator stands for, written independently of engine/legacy.py.
EXPRESSIONS = {
    "EQ": "{n} = {v0}",
    "NE": "{n} <> {v0}",
    "LT": "{n} < {v0}",
    "LE": "{n} <= {v0}",
    "GT": "{n} > {v0}",
    "GE": "{n} >= {v0}",
    "NULL": "attribute_not_exists({n})",
    "NOT_NULL": "attribute_exists({n})",
    "CONTAINS": "contains({n}, {v0})",
    "NOT_CONTAINS": "NOT contains({n}, {v0})",
    "BEGINS_WITH": "begins_with({n}, {v0})",
    "BETWEEN": "{n} BETWEEN {v0} AND {v1}",
}


@st.composite
def legacy_condition(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    operator = draw(st.sampled_from([*EXPRESSIONS, "IN"]))
    if operator in ("NULL", "NOT_NULL"):
        return operator, []
    if operator in ("EQ", "NE"):
        return operator, [draw(any_value)]
    if operator in ("CONTAINS", "NOT_CONTAINS"):
        return operator, [
            draw(
                st.one_of(scalar, st.booleans().map(lambda v: {"BOOL": v}), st.just({"NULL": True}))
            )
        ]
    if operator == "BEGINS_WITH":
        return operator, [draw(st.one_of(SCALARS["S"], SCALARS["B"]))]
    kind = draw(st.sampled_from(list(SCALARS)))
    if operator == "IN":
        return operator, draw(st.lists(SCALARS[kind], min_size=1, max_size=4))
    if operator == "BETWEEN":
        pair = draw(st.lists(SCALARS[kind], min_size=2, max_size=2))
        return operator, sorted(pair, key=lambda v: key_sort_value(v))
    return operator, [draw(SCALARS[kind])]


def expression_for(
    scan_filter: dict[str, tuple[str, list[dict[str, Any]]]], conditional_operator: str | None
) -> dict[str, Any]:
    names: dict[str, str] = {}
    values: dict[str, dict[str, Any]] = {}
    parts = []
    for position, (name, (operator, operands)) in enumerate(scan_filter.items()):
        ref = f"#n{position}"
        names[ref] = name
        refs = []
        for index, operand in enumerate(operands):
            values[f":v{position}_{index}"] = operand
            refs.append(f":v{position}_{index}")
        if operator == "IN":
            parts.append(f"{ref} IN ({', '.join(refs)})")
        else:
            parts.append(
                EXPRESSIONS[operator].format(n=ref, **{f"v{i}": r for i, r in enumerate(refs)})
            )
    joiner = " OR " if conditional_operator == "OR" else " AND "
    request: dict[str, Any] = {
        "FilterExpression": joiner.join(f"({part})" for part in parts),
        "ExpressionAttributeNames": names,
    }
    if values:
        request["ExpressionAttributeValues"] = values
    return request


@settings(max_examples=150)
@given(
    items=items_strategy,
    scan_filter=st.dictionaries(st.sampled_from(NAMES), legacy_condition(), min_size=1, max_size=3),
    conditional_operator=st.sampled_from([None, "AND", "OR"]),
    limit=st.one_of(st.none(), st.integers(1, 6)),
)
def test_a_scan_filter_selects_what_its_filter_expression_selects(
    items: list[dict[str, Any]],
    scan_filter: dict[str, tuple[str, list[dict[str, Any]]]],
    conditional_operator: str | None,
    limit: int | None,
) -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    create_table(engine, "Things", partition=("id", "N"))
    for number, attributes in enumerate(items):
        engine.call("PutItem", {"TableName": "Things", "Item": {"id": n(number), **attributes}})
    common: dict[str, Any] = {"TableName": "Things", "ReturnConsumedCapacity": "TOTAL"}
    if limit is not None:
        common["Limit"] = limit
    legacy: dict[str, Any] = {
        **common,
        "ScanFilter": {
            name: cond(operator, *operands) for name, (operator, operands) in scan_filter.items()
        },
    }
    if conditional_operator is not None and len(scan_filter) > 1:
        legacy["ConditionalOperator"] = conditional_operator
    expression = {**common, **expression_for(scan_filter, legacy.get("ConditionalOperator"))}
    assert engine.call("Scan", legacy) == engine.call("Scan", expression)


def test_expected_not_contains_fails_on_a_missing_attribute(things: Engine) -> None:
    # CONTAINS and NOT_CONTAINS are both false where the attribute is missing (NE holds).
    key = {"id": s("t1")}
    for operation, request in (
        ("PutItem", {"Item": {**key, "seen": {"BOOL": True}}}),
        ("UpdateItem", {"Key": key, "AttributeUpdates": {"seen": {"Value": {"BOOL": True}}}}),
        ("DeleteItem", {"Key": key}),
    ):
        for missing in ("absent", "also_absent"):
            expected = {missing: cond("NOT_CONTAINS", s("x"))}
            full = {"TableName": "Things", **request, "Expected": expected}
            assert error_of(things, operation, full).code == "ConditionalCheckFailedException"
        full = {"TableName": "Things", **request, "Expected": {"absent": cond("NE", s("x"))}}
        things.call(operation, full)
        things.call("PutItem", {"TableName": "Things", "Item": {**key, "name": s("apple")}})
    # With OR, another condition can still let the write through.
    expected = {"absent": cond("NOT_CONTAINS", s("x")), "name": cond("EQ", s("apple"))}
    things.call(
        "PutItem",
        {
            "TableName": "Things",
            "Item": {**key, "name": s("pear")},
            "Expected": expected,
            "ConditionalOperator": "OR",
        },
    )
