"""ExpressionAttributeNames / ExpressionAttributeValues: validation, resolution, unused ones."""

from __future__ import annotations

import pytest

from engine.errors import SerializationException, ValidationException
from engine.expressions import (
    ExpressionContext,
    compile_condition,
    compile_projection,
    compile_update,
)


def context_error(names, values) -> str:
    with pytest.raises(ValidationException) as caught:
        ExpressionContext(names, values)
    return caught.value.message


def test_empty_maps_are_rejected():
    assert context_error({}, None) == "ExpressionAttributeNames must not be empty"
    assert context_error(None, {}) == "ExpressionAttributeValues must not be empty"
    # names are checked before values
    assert context_error({}, {}) == "ExpressionAttributeNames must not be empty"


@pytest.mark.parametrize("key", ["a", "#", "#a-b", "# a", ":a"])
def test_invalid_name_keys(key):
    assert context_error({key: "x"}, None) == (
        f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{key}"'
    )


@pytest.mark.parametrize("key", ["b", ":", ":a!", "#a"])
def test_invalid_value_keys(key):
    assert context_error(None, {key: {"S": "x"}}) == (
        f'ExpressionAttributeValues contains invalid key: Syntax error; key: "{key}"'
    )


def test_empty_attribute_names():
    assert context_error({"#a": "a", "#DE": ""}, None) == (
        "ExpressionAttributeNames contains invalid value: Empty attribute name for key #DE"
    )
    assert context_error({"#DE": "", "b": "b"}, None) == (
        'ExpressionAttributeNames contains invalid key: Syntax error; key: "b"'
    )


def test_keys_are_checked_before_values():
    assert context_error(None, {":b": {}, "b": {"S": "a"}}) == (
        'ExpressionAttributeValues contains invalid key: Syntax error; key: "b"'
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {},
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        ),
        (
            {"S": "a", "N": "1"},
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
            "the supported datatypes",
        ),
        (
            {"SS": []},
            "One or more parameter values were invalid: An string set  may not be empty",
        ),
        (
            {"NULL": False},
            "One or more parameter values were invalid: Null attribute value types must have "
            "the value of true",
        ),
        ({"N": "b"}, "The parameter cannot be converted to a numeric value: b"),
        (
            {"N": "1e126"},
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range",
        ),
        (
            {"SS": ["a", "a"]},
            "One or more parameter values were invalid: Input collection [a, a] contains "
            "duplicates.",
        ),
    ],
)
def test_invalid_values_name_their_key(value, message):
    assert context_error(None, {":b": value}) == (
        f"ExpressionAttributeValues contains invalid value: {message} for key :b"
    )


def test_serialization_errors_pass_through():
    with pytest.raises(SerializationException):
        ExpressionContext(None, {":b": {"S": 5}})


def test_values_are_kept_canonical():
    ctx = ExpressionContext(None, {":n": {"N": "01.50"}, ":s": {"NS": ["1.0", "2"]}})
    assert ctx.values[":n"] == {"N": "1.5"}
    condition = compile_condition("a = :n AND contains(b, :n)", ctx, "ConditionExpression")
    assert condition.evaluate({"a": {"N": "1.5"}, "b": {"NS": ["1.5", "3"]}})


def test_undefined_name_and_value():
    ctx = ExpressionContext({"#a": "a"}, {":a": {"S": "x"}})
    with pytest.raises(ValidationException) as caught:
        compile_condition("#b = :a", ctx, "ConditionExpression")
    assert caught.value.message == (
        "Invalid ConditionExpression: An expression attribute name used in the document path is "
        "not defined; attribute name: #b"
    )
    with pytest.raises(ValidationException) as caught:
        compile_update("SET #a = :b", ctx)
    assert caught.value.message == (
        "Invalid UpdateExpression: An expression attribute value used in expression is not "
        "defined; attribute value: :b"
    )
    with pytest.raises(ValidationException) as caught:
        compile_projection("a.#x", ctx)
    assert caught.value.message == (
        "Invalid ProjectionExpression: An expression attribute name used in the document path is "
        "not defined; attribute name: #x"
    )


def test_undefined_placeholders_reported_in_the_order_written():
    ctx = ExpressionContext(None, None)
    with pytest.raises(ValidationException) as caught:
        compile_condition("begins_with(:hello, #a, #b)", ctx, "FilterExpression")
    assert caught.value.message.endswith("attribute value: :hello")
    with pytest.raises(ValidationException) as caught:
        compile_condition("(#P between :lo and :hi) and (#PC in (:c1, :c2))", ctx, "Filter")
    assert caught.value.message.endswith("attribute name: #P")
    with pytest.raises(ValidationException) as caught:
        compile_update("SET #c = if_not_exists(:c)", ExpressionContext({"#a": "a"}, None))
    assert caught.value.message.endswith("attribute name: #c")


def test_unused_names_and_values():
    ctx = ExpressionContext({"#a": "a", "#b": "b", "#c": "c"}, {":a": {"S": "x"}, ":c": {"S": "y"}})
    compile_condition("#a = :a", ctx, "ConditionExpression")
    with pytest.raises(ValidationException) as caught:
        ctx.check_unused()
    assert caught.value.message == (
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b, #c}"
    )
    compile_projection("#b, #c", ctx)
    with pytest.raises(ValidationException) as caught:
        ctx.check_unused()
    assert caught.value.message == (
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:c}"
    )
    compile_update("SET x = :c", ctx)
    ctx.check_unused()


def test_names_used_by_any_expression_of_the_request_count():
    ctx = ExpressionContext({"#name1": "p", "#name2": "a"}, {":v": {"S": "x"}})
    compile_condition("#name1 = :v", ctx, "KeyConditionExpression")
    compile_projection("#name2", ctx)
    ctx.check_unused()


def test_no_maps_nothing_unused():
    ExpressionContext(None, None).check_unused()


def test_name_placeholder_is_one_path_element_even_with_dots():
    ctx = ExpressionContext({"#a": "a.b", "#w": "3can include any character!.#="}, None)
    projection = compile_projection("#a, #w", ctx)
    item = {
        "a.b": {"S": "flat"},
        "a": {"M": {"b": {"S": "nested"}}},
        "3can include any character!.#=": {"N": "1"},
    }
    assert projection.apply(item) == {
        "a.b": {"S": "flat"},
        "3can include any character!.#=": {"N": "1"},
    }
