"""Attribute values and names as the service reads them: the number grammar, unknown type
descriptors, attribute names, and the 32-level nesting limit (wherever a document is built)."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine
from engine.errors import ValidationException
from engine.values import canonical_number
from tests.support.engine import create_table, error_of, n, s

NOT_NUMERIC = "The parameter cannot be converted to a numeric value: "
OVERFLOW = (
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
)
UNDERFLOW = (
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
)
TOO_DEEP = (
    "Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)


def deep_map(levels: int, leaf: dict[str, Any] | None = None) -> dict[str, Any]:
    """A value wrapped in ``levels`` single-key maps: deep_map(1) == {"M": {"n": leaf}}."""
    value = leaf if leaf is not None else s("leaf")
    for _ in range(levels):
        value = {"M": {"n": value}}
    return value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (" 1", NOT_NUMERIC + " 1"),
        ("1 ", NOT_NUMERIC + "1 "),
        ("1_000", NOT_NUMERIC + "1_000"),
        ("1e", NOT_NUMERIC + "1e"),
        ("Infinity", NOT_NUMERIC + "Infinity"),
        # An exponent past any integer is still a number too large or too small to store.
        ("1e2147483647", OVERFLOW),
        ("-1e99999999999", OVERFLOW),
        ("1e-99999999999", UNDERFLOW),
    ],
)
def test_numbers_are_read_as_written(text: str, message: str) -> None:
    with pytest.raises(ValidationException) as caught:
        canonical_number(text)
    assert caught.value.message == message


@pytest.mark.parametrize(("text", "canonical"), [("+5", "5"), (".5", "0.5"), ("5.", "5")])
def test_signed_and_bare_point_numbers_are_accepted(text: str, canonical: str) -> None:
    assert canonical_number(text) == canonical


def test_a_padded_number_is_refused_before_anything_is_stored(engine: Engine) -> None:
    create_table(engine)
    error = error_of(
        engine, "PutItem", {"TableName": "Books", "Item": {"pk": s("a"), "n": n(" 7")}}
    )
    assert (error.code, error.message) == ("ValidationException", NOT_NUMERIC + " 7")
    assert "Item" not in engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s("a")}})


def test_an_unknown_type_descriptor_reads_as_an_empty_value(engine: Engine) -> None:
    create_table(engine)
    error = error_of(
        engine, "PutItem", {"TableName": "Books", "Item": {"pk": s("a"), "x": {"X": "a"}}}
    )
    assert error.code == "ValidationException"
    assert error.message == (
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    )
    # A member the service does not know is skipped beside a known one.
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s("b"), "x": {"S": "v", "X": 1}}})
    item = engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s("b")}})["Item"]
    assert item["x"] == s("v")


def test_a_value_that_is_not_an_object_is_a_serialization_error(engine: Engine) -> None:
    create_table(engine)
    error = error_of(engine, "PutItem", {"TableName": "Books", "Item": {"pk": s("a"), "x": "a"}})
    assert (error.code, error.message) == (
        "SerializationException",
        "Unexpected value type in payload",
    )


def test_attribute_names_are_one_to_65535_bytes(engine: Engine) -> None:
    create_table(engine)
    error = error_of(engine, "PutItem", {"TableName": "Books", "Item": {"pk": s("a"), "": s("x")}})
    assert (error.code, error.message) == ("ValidationException", "Empty attribute name")
    too_long = "é" * 32768  # 65,536 bytes of UTF-8 in 32,768 characters
    error = error_of(
        engine, "PutItem", {"TableName": "Books", "Item": {"pk": s("a"), too_long: s("x")}}
    )
    assert error.message == "Attribute name is too large, must be less than 65536 bytes"
    longest = "x" * 65535
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s("a"), longest: n(1)}})
    item = engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s("a")}})["Item"]
    assert item[longest] == n(1)


def test_documents_nest_32_levels_deep_and_no_deeper(engine: Engine) -> None:
    create_table(engine)
    # The attribute is level 1: 31 maps put the leaf at level 32, the deepest allowed.
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s("ok"), "d": deep_map(31)}})
    for value in (deep_map(32), deep_map(31, {"L": []}), {"L": [deep_map(31)]}):
        error = error_of(
            engine, "PutItem", {"TableName": "Books", "Item": {"pk": s("x"), "d": value}}
        )
        assert (error.code, error.message) == ("ValidationException", TOO_DEEP)
    assert "Item" not in engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s("x")}})


def test_a_condition_value_nested_too_deep_is_refused(engine: Engine) -> None:
    create_table(engine)
    request = {
        "TableName": "Books",
        "Key": {"pk": s("a")},
        "UpdateExpression": "SET t = :t",
        "ConditionExpression": "d = :deep",
        "ExpressionAttributeValues": {":t": s("y"), ":deep": deep_map(32)},
    }
    # The engine names the value the way it names every invalid expression value.
    assert error_of(engine, "UpdateItem", request).message == (
        f"ExpressionAttributeValues contains invalid value: {TOO_DEEP} for key :deep"
    )


def test_an_update_cannot_build_a_document_deeper_than_the_limit(engine: Engine) -> None:
    create_table(engine)
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s("a"), "d": deep_map(20)}})
    path = "d" + ".n" * 20  # the leaf, below 20 maps
    request = {
        "TableName": "Books",
        "Key": {"pk": s("a")},
        "UpdateExpression": f"SET {path} = :v",
        "ExpressionAttributeValues": {":v": deep_map(12)},  # 32 maps in all
    }
    error = error_of(engine, "UpdateItem", request)
    assert (error.code, error.message) == ("ValidationException", TOO_DEEP)
    stored = engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s("a")}})["Item"]
    assert stored["d"] == deep_map(20)
    request["ExpressionAttributeValues"] = {":v": deep_map(11)}  # 31 maps: allowed
    engine.call("UpdateItem", request)
    # Inside a transaction the same mistake cancels it with the short form of the message.
    request["UpdateExpression"] = "SET d" + ".n" * 19 + " = :v"
    request["ExpressionAttributeValues"] = {":v": deep_map(13)}
    error = error_of(engine, "TransactWriteItems", {"TransactItems": [{"Update": request}]})
    assert error.code == "TransactionCanceledException"
    assert error.extra["CancellationReasons"] == [
        {"Code": "ValidationError", "Message": "Nesting Levels have exceeded supported limits"}
    ]
