"""Attribute values: validation messages, canonical numbers, sizes and key order."""

from __future__ import annotations

import base64
import copy
import json
import pickle
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import DynamoDBError
from engine.errors import SerializationException, ValidationException
from engine.values import (
    MAX_ITEM_SIZE,
    Scalar,
    canonical_number,
    compare_scalars,
    copy_item,
    copy_value,
    freeze_item,
    item_size,
    key_sort_value,
    validate_value,
    value_size,
    values_equal,
)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("01.50", "1.5"),
        ("1e2", "100"),
        ("-0", "0"),
        ("0.000100", "0.0001"),
        ("-1.2E-3", "-0.0012"),
        ("123456789012345678901234567890.12345678", "123456789012345678901234567890.12345678"),
        ("9.9999999999999999999999999999999999999E+125", "9" * 38 + "0" * 88),
        ("1E-130", "0." + "0" * 129 + "1"),
    ],
)
def test_numbers_are_stored_in_canonical_form(text: str, canonical: str) -> None:
    assert canonical_number(text) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "The parameter cannot be converted to a numeric value: abc"),
        ("", "The parameter cannot be converted to a numeric value: "),
        ("NaN", "The parameter cannot be converted to a numeric value: NaN"),
        ("1" * 39, "Attempting to store more than 38 significant digits in a Number"),
        (
            "1E+126",
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
        ),
        (
            "1E-131",
            "Number underflow. Attempting to store a number with magnitude smaller than supported range",
        ),
    ],
)
def test_invalid_numbers_are_rejected_as_the_service_words_it(text: str, message: str) -> None:
    with pytest.raises(ValidationException) as caught:
        canonical_number(text)
    assert caught.value.message == message


def test_thirty_eight_digits_with_trailing_zeros_fit() -> None:
    assert canonical_number("1" * 38 + "000") == "1" * 38 + "000"


def test_empty_sets_and_duplicates_are_rejected() -> None:
    with pytest.raises(ValidationException) as caught:
        validate_value({"SS": []})
    assert caught.value.message == (
        "One or more parameter values were invalid: An string set  may not be empty"
    )
    with pytest.raises(ValidationException) as caught:
        validate_value({"NS": ["1", "1.0"]})
    assert "contains duplicates" in caught.value.message


def test_a_value_needs_exactly_one_type() -> None:
    with pytest.raises(ValidationException) as caught:
        validate_value({})
    assert caught.value.message == (
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    )
    with pytest.raises(ValidationException) as caught:
        validate_value({"S": "a", "N": "1"})
    assert "more than one datatypes" in caught.value.message


def test_null_must_be_true_and_binary_must_be_base64() -> None:
    with pytest.raises(ValidationException):
        validate_value({"NULL": False})
    with pytest.raises(SerializationException):
        validate_value({"B": "not base64!"})
    assert validate_value({"B": base64.b64encode(b"\x00\xff").decode()}) == {"B": "AP8="}


def test_empty_strings_are_allowed_outside_keys() -> None:
    assert validate_value({"S": ""}) == {"S": ""}
    assert validate_value({"B": ""}) == {"B": ""}


def test_sizes_follow_the_documented_rules() -> None:
    # Strings: UTF-8 bytes. "é" is two bytes.
    assert item_size({"name": {"S": "café"}}) == 4 + 5
    # Binary: raw bytes, not base64 characters.
    assert item_size({"b": {"B": base64.b64encode(b"12345").decode()}}) == 1 + 5
    # Null and Boolean: one byte.
    assert item_size({"x": {"NULL": True}, "y": {"BOOL": False}}) == 1 + 1 + 1 + 1
    # Lists and maps: 3 bytes of overhead plus 1 byte per element.
    assert value_size({"L": []}) == 3
    assert value_size({"L": [{"S": "ab"}, {"S": "c"}]}) == 3 + (1 + 2) + (1 + 1)
    assert value_size({"M": {"k": {"S": "v"}}}) == 3 + (1 + 1 + 1)
    # Numbers: about one byte per two significant digits, plus one.
    assert value_size({"N": "12345"}) == 4
    assert value_size({"N": "100"}) == 2
    assert value_size({"N": "-1.5"}) == 3


def test_the_item_limit_is_400_kb() -> None:
    assert MAX_ITEM_SIZE == 409600


def test_key_order_is_by_number_value_and_utf8_bytes() -> None:
    numbers = ["10", "9", "-1", "0.5"]
    assert sorted(numbers, key=lambda v: key_sort_value({"N": v})) == ["-1", "0.5", "9", "10"]
    strings = ["b", "a", "Z", "é", "aa"]
    by_bytes = sorted(strings, key=lambda v: v.encode("utf-8"))
    assert sorted(strings, key=lambda v: key_sort_value({"S": v})) == by_bytes


@given(st.lists(st.text(), min_size=2, max_size=8))
def test_string_order_equals_utf8_byte_order(strings: list[str]) -> None:
    strings = [s for s in strings if not any(0xD800 <= ord(c) <= 0xDFFF for c in s)]
    assert sorted(strings, key=lambda v: key_sort_value({"S": v})) == sorted(
        strings, key=lambda v: v.encode("utf-8")
    )


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=6, min_value=-(10**20), max_value=10**20
    )
)
def test_canonical_numbers_keep_their_value(value: Decimal) -> None:
    assert Decimal(canonical_number(str(value))) == value


def test_comparisons_across_types_are_undefined_and_sets_ignore_order() -> None:
    assert compare_scalars({"N": "2"}, {"S": "2"}) is None
    assert compare_scalars({"N": "10"}, {"N": "9"}) == 1
    assert values_equal({"SS": ["a", "b"]}, {"SS": ["b", "a"]})
    assert not values_equal({"N": "1"}, {"S": "1"})
    assert values_equal({"N": "1.0"}, {"N": "1"})


def test_lone_surrogates_are_refused_everywhere_a_string_goes() -> None:
    for value in ({"S": "a\ud800"}, {"SS": ["ok", "\udfff"]}, {"M": {"k\ud800": {"S": "v"}}}):
        with pytest.raises(SerializationException) as caught:
            validate_value(value)
        assert "lone surrogate" in caught.value.message
    assert validate_value({"S": "café \U0001f600"}) == {"S": "café \U0001f600"}


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.from_regex(r"[+-]?0*[0-9]{1,40}", fullmatch=True),
    )
)
def test_the_canonical_integer_shortcut_agrees_with_the_full_parse(text: str) -> None:
    """Integers already canonical skip the Decimal round trip; the answer (or the refusal)
    is the same as the full parse's."""
    from engine.values import canonical_number, format_number, parse_number

    def outcome(run: Any) -> Any:
        try:
            return run()
        except DynamoDBError as error:
            return (error.code, error.message)

    assert outcome(lambda: canonical_number(text)) == outcome(
        lambda: format_number(parse_number(text))
    )


# --------------------------------------------------------------------------- Scalar
SCALARS = [{"S": "x"}, {"S": ""}, {"N": "-1.5"}, {"B": "AQI="}, {"BOOL": False}, {"NULL": True}]


@pytest.mark.parametrize("plain", SCALARS)
def test_a_scalar_equals_and_encodes_as_the_plain_value(plain: dict[str, Any]) -> None:
    frozen = Scalar(plain)
    assert frozen == plain and plain == frozen
    assert not (frozen != plain)  # noqa: SIM202 -- dict's __ne__ too
    assert Scalar(plain) == frozen and frozen != {"S": "other"}
    assert json.dumps(frozen) == json.dumps(plain)
    assert json.dumps({"Item": {"a": frozen}}, separators=(",", ":")) == json.dumps(
        {"Item": {"a": plain}}, separators=(",", ":")
    )
    assert json.dumps(frozen, indent=2, sort_keys=True) == json.dumps(
        plain, indent=2, sort_keys=True
    )
    assert repr(frozen) == repr(plain)


@pytest.mark.parametrize("plain", SCALARS)
def test_a_scalar_survives_pickle_copy_and_deepcopy(plain: dict[str, Any]) -> None:
    frozen = Scalar(plain)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(frozen, protocol=protocol))
        assert type(again) is Scalar and again == plain
    for again in (copy.copy(frozen), copy.deepcopy(frozen), copy.deepcopy({"L": [frozen]})["L"][0]):
        assert type(again) is Scalar and again == plain
    mutable = frozen.copy()
    assert type(mutable) is dict and mutable == plain
    mutable["X"] = 1  # the copy is the caller's own
    assert frozen == plain


MUTATIONS = {
    "setitem": lambda v: v.__setitem__("S", "y"),
    "delitem": lambda v: v.__delitem__("S"),
    "clear": lambda v: v.clear(),
    "pop": lambda v: v.pop("S"),
    "pop default": lambda v: v.pop("missing", None),
    "popitem": lambda v: v.popitem(),
    "setdefault": lambda v: v.setdefault("N", "1"),
    "update": lambda v: v.update({"S": "y"}),
    "update kwargs": lambda v: v.update(S="y"),
    "ior": lambda v: v.__ior__({"S": "y"}),
}


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_every_way_of_changing_a_scalar_raises(mutate: Any) -> None:
    frozen = Scalar(S="x")
    with pytest.raises(TypeError, match="cannot be changed in place"):
        mutate(frozen)
    assert frozen == {"S": "x"} and type(frozen) is Scalar


def test_augmented_or_on_a_scalar_raises_and_plain_or_builds_a_dict() -> None:
    frozen = Scalar(S="x")
    name = frozen
    with pytest.raises(TypeError):
        name |= {"N": "1"}
    merged = frozen | {"N": "1"}
    assert type(merged) is dict and merged == {"S": "x", "N": "1"} and frozen == {"S": "x"}


@pytest.mark.parametrize("plain", SCALARS)
def test_validated_scalars_are_scalars(plain: dict[str, Any]) -> None:
    assert type(validate_value(plain)) is Scalar and validate_value(plain) == plain
    nested = validate_value({"M": {"a": plain, "l": {"L": [plain]}}})
    assert type(nested) is dict and type(nested["M"]) is dict
    assert type(nested["M"]["a"]) is Scalar and type(nested["M"]["l"]["L"][0]) is Scalar
    assert type(validate_value({"SS": ["a"]})) is dict


def test_copies_share_scalars_and_copy_everything_else() -> None:
    item = freeze_item(
        {"a": {"S": "x"}, "n": {"N": "1"}, "plain": {"N": "2"}, "l": {"L": [{"S": "y"}]}}
    )
    item["plain"] = {"N": "2"}  # a computed value may be a plain dict
    copied = copy_item(item)
    assert copied == item and copied is not item
    assert copied["a"] is item["a"] and copied["n"] is item["n"]
    assert copied["plain"] is not item["plain"] and copied["l"] is not item["l"]
    assert copied["l"]["L"] is not item["l"]["L"] and copied["l"]["L"][0] is item["l"]["L"][0]
    assert copy_value(item["a"]) is item["a"]


@given(
    st.recursive(
        st.one_of(
            st.text(max_size=5).map(lambda t: {"S": t}),
            st.integers(-(10**6), 10**6).map(lambda i: {"N": str(i)}),
            st.booleans().map(lambda b: {"BOOL": b}),
            st.just({"NULL": True}),
            st.binary(max_size=4).map(lambda b: {"B": base64.b64encode(b).decode()}),
        ),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3).map(lambda xs: {"L": xs}),
            st.dictionaries(st.text(min_size=1, max_size=3), inner, max_size=3).map(
                lambda m: {"M": m}
            ),
        ),
        max_leaves=8,
    )
)
@settings(max_examples=200, deadline=None)
def test_validated_and_frozen_values_encode_exactly_as_the_plain_wire_value(
    plain: dict[str, Any],
) -> None:
    validated = validate_value(plain)
    frozen = freeze_item({"v": plain})["v"]
    text = json.dumps(plain, separators=(",", ":"))
    assert json.dumps(validated, separators=(",", ":")) == text
    assert json.dumps(frozen, separators=(",", ":")) == text
    assert validated == plain == frozen and copy_value(validated) == plain
    assert pickle.loads(pickle.dumps(validated)) == plain
