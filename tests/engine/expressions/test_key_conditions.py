"""Key condition expressions: the shapes a Query accepts and the service's messages otherwise."""

from __future__ import annotations

import pytest

from engine.errors import ValidationException
from engine.expressions import ExpressionContext, compile_key_condition

VALUES = {":a": {"S": "1"}, ":b": {"S": "2"}, ":n": {"N": "1"}}


def compile_key(text, partition="a", sort="b", values=None, names=None, types=None):
    if values is None:
        values = {k: v for k, v in VALUES.items() if k in text}
    ctx = ExpressionContext(names, values or None)
    return compile_key_condition(text, ctx, partition, sort, attribute_types=types)


def error(text, partition="a", sort="b", values=None, names=None, types=None) -> str:
    with pytest.raises(ValidationException) as caught:
        compile_key(text, partition, sort, values, names, types)
    return caught.value.message


def test_partition_key_only():
    key = compile_key("a = :a")
    assert key.partition_value == {"S": "1"}
    assert key.sort_operator is None
    assert key.sort_values == ()
    assert compile_key(" #p  =   :a ", names={"#p": "a"}).partition_value == {"S": "1"}
    assert compile_key(":a = a", sort=None).partition_value == {"S": "1"}


@pytest.mark.parametrize(
    ("text", "operator", "values"),
    [
        ("a = :a AND b = :b", "=", ({"S": "2"},)),
        ("a = :a AND b < :b", "<", ({"S": "2"},)),
        ("a = :a AND b <= :b", "<=", ({"S": "2"},)),
        ("a = :a AND b > :b", ">", ({"S": "2"},)),
        ("a = :a AND b >= :b", ">=", ({"S": "2"},)),
        ("a = :a AND :b < b", ">", ({"S": "2"},)),
        ("a = :a AND :b >= b", "<=", ({"S": "2"},)),
        ("b = :b AND a = :a", "=", ({"S": "2"},)),
        ("a = :a AND b BETWEEN :a AND :b", "BETWEEN", ({"S": "1"}, {"S": "2"})),
        ("a = :a AND begins_with(b, :b)", "begins_with", ({"S": "2"},)),
        ("((b = :b) AND (a = :a))", "=", ({"S": "2"},)),
        ("a = :a aNd b BeTwEeN :a aNd :b", "BETWEEN", ({"S": "1"}, {"S": "2"})),
    ],
)
def test_sort_key_conditions(text, operator, values):
    key = compile_key(text)
    assert key.partition_value == {"S": "1"}
    assert key.sort_operator == operator
    assert key.sort_values == values


def test_matches():
    key = compile_key("a = :a AND b BETWEEN :a AND :b")
    assert key.matches({"a": {"S": "1"}, "b": {"S": "1"}})
    assert key.matches({"a": {"S": "1"}, "b": {"S": "15"}})
    assert not key.matches({"a": {"S": "1"}, "b": {"S": "3"}})
    assert not key.matches({"a": {"S": "2"}, "b": {"S": "1"}})
    prefix = compile_key("a = :a AND begins_with(b, :b)")
    assert prefix.matches({"a": {"S": "1"}, "b": {"S": "2x"}})
    assert not prefix.matches({"a": {"S": "1"}, "b": {"S": "x2"}})
    assert compile_key("a = :a AND b > :b").matches_sort({"S": "3"})
    assert not compile_key("a = :a AND b > :b").matches_sort({"N": "3"})


@pytest.mark.parametrize(
    ("text", "operator"),
    [
        ("a > b and size(b) > c or a > c", "OR"),
        ("a = :a OR b = :b", "OR"),
        ("a in (b, size(c), d)", "IN"),
        ("a = :a AND b IN (:b)", "IN"),
        ("attribute_exists(a)", "attribute_exists"),
        ("attribute_not_exists(a)", "attribute_not_exists"),
        ("contains(a.d, b)", "contains"),
        ("not a > b", "NOT"),
        ("NOT b = :b AND a = :a", "NOT"),
        ("a <> b", "<>"),
        ("a = :a AND b <> :b", "<>"),
    ],
)
def test_invalid_operators(text, operator):
    assert error(text) == f"Invalid operator used in KeyConditionExpression: {operator}"


def test_attribute_type_is_an_invalid_operator_once_valid():
    assert error("attribute_type(a, :t)", values={":t": {"S": "S"}}) == (
        "Invalid operator used in KeyConditionExpression: attribute_type"
    )
    assert error("attribute_type(a, :t)", values={":t": {"N": "1"}}) == (
        "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
        "operator or function: attribute_type, operand type: N"
    )


def test_general_checks_come_first_and_name_the_parameter():
    assert error("a = :a AND dog(b, :b)") == (
        "Invalid KeyConditionExpression: Invalid function name; function: dog"
    )
    assert error("a = :a AND BEGINS_WITH(b, :b)") == (
        "Invalid KeyConditionExpression: Invalid function name; function: BEGINS_WITH"
    )
    assert error("a = :a AND b != :b").startswith("Invalid KeyConditionExpression: Syntax error;")
    assert error("a = :a AND begins_with(b, :n)") == (
        "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
        "operator or function: begins_with, operand type: N"
    )
    assert error("a = :x") == (
        "Invalid KeyConditionExpression: An expression attribute value used in expression is "
        "not defined; attribute value: :x"
    )
    assert error("a = :a AND b BETWEEN :b AND :a") == (
        "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater "
        "than or equal to lower bound; lower bound operand: AttributeValue: {S:2}, upper bound "
        "operand: AttributeValue: {S:1}"
    )
    assert error("a = :a AND b BETWEEN :n AND :a") == (
        "Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower "
        "and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: "
        "AttributeValue: {S:1}"
    )
    assert error("p").startswith('Invalid KeyConditionExpression: Syntax error; token: "<EOF>"')
    assert error("((a = :a))") == (
        "Invalid KeyConditionExpression: The expression has redundant parentheses;"
    )


@pytest.mark.parametrize(
    ("text", "operator"),
    [
        (":a between size(b) and size(a) and b > :b", "BETWEEN"),
        ("begins_with(:a, b) and a > :b", "begins_with"),
    ],
)
def test_key_must_be_the_first_operand(text, operator):
    assert error(text) == (
        f"Invalid condition in KeyConditionExpression: {operator} operator must have the key "
        "attribute as its first operand"
    )


@pytest.mark.parametrize(
    "text", ["size(b) > a AND a.b > b AND b > c", "a > size(b.d)", "a between size(b) and size(a)"]
)
def test_nested_operations(text):
    assert error(text) == "KeyConditionExpressions cannot contain nested operations"


@pytest.mark.parametrize(
    "text",
    ["b > a.b", "b between c[1] and d", "a between b and size(a)", "begins_with(a, b)", "p = c"],
)
def test_multiple_attribute_names(text):
    assert error(text) == (
        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"
    )


@pytest.mark.parametrize(
    "text", ["b.d > a AND c.d > e.f", "a.d > c", "b[0] > a", "a = :a AND b.c < :b"]
)
def test_nested_attributes(text):
    assert error(text) == "KeyConditionExpressions cannot have conditions on nested attributes"


@pytest.mark.parametrize("text", [":b > :a AND a < :b", ":a > b AND :a < :b", ":a = :b"])
def test_no_key_attribute(text):
    assert error(text) == "Invalid condition in KeyConditionExpression: No key attribute specified"


@pytest.mark.parametrize(
    "text",
    [
        "b > :a AND b < :a and c = :a and d = :a",
        "(a > :a and b > :a) and (b > :a and c > :a)",
        "a = :a AND a = :a",
        "a = :a AND b >= :a AND b <= :b",
    ],
)
def test_one_condition_per_key(text):
    assert error(text) == "KeyConditionExpressions must only contain one condition per key"


@pytest.mark.parametrize(
    "text",
    [
        ":a = a and b = :a and :a = c",
        "(a > :a and b > :a) and (c > :a and d > :a) and (e > :a and f > :a)",
        "a = :a AND b < :b AND c < :b",
    ],
)
def test_at_most_two_conditions(text):
    assert error(text) == "Conditions can be of length 1 or 2 only"


def test_schema_checks_on_a_composite_key():
    assert error("b = :b") == "Query condition missed key schema element: a"
    assert error("z between :a and :b") == "Query condition missed key schema element: a"
    assert error("a = :a and c = :b") == "Query condition missed key schema element: b"
    assert error("a < :a") == "Query key condition not supported"
    assert error("begins_with(a, :a)") == "Query key condition not supported"
    assert error("a BETWEEN :a AND :b AND b = :b") == "Query key condition not supported"


@pytest.mark.parametrize(
    "text",
    [
        "a > :a",
        "a < :a",
        ":a <= a",
        ":a >= a",
        "begins_with(a, :a)",
        "a between :a and :a",
        "a = :a AND b = :a",
        "y = :a and z = :a",
    ],
)
def test_schema_checks_on_a_simple_key(text):
    assert error(text, sort=None) == "Query key condition not supported"


def test_a_condition_on_another_attribute_of_a_simple_key():
    assert error("z = :a", sort=None) == "Query condition missed key schema element: a"


def test_values_must_match_the_key_types_when_given():
    types = {"a": "S", "b": "N"}
    compile_key("a = :a AND b > :n", types=types)
    message = (
        "One or more parameter values were invalid: Condition parameter type does not match "
        "schema type"
    )
    assert error("a = :n", types=types) == message
    assert error("a = :a AND b > :b", types=types) == message
    assert error("a = :a AND begins_with(b, :b)", types=types) == message
