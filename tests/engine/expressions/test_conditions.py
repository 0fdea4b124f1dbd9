"""Condition and filter expressions: evaluation semantics and the per-condition checks."""

from __future__ import annotations

import base64

import pytest

from engine.errors import ValidationException
from engine.expressions import ExpressionContext, compile_condition


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def check(text: str, item: dict, values: dict | None = None, names: dict | None = None) -> bool:
    condition = compile_condition(text, ExpressionContext(names, values), "ConditionExpression")
    return condition.evaluate(item)


def error(text: str, values: dict | None = None, names: dict | None = None) -> str:
    with pytest.raises(ValidationException) as caught:
        compile_condition(text, ExpressionContext(names, values), "FilterExpression")
    return caught.value.message


S = lambda s: {"S": s}  # noqa: E731
N = lambda n: {"N": n}  # noqa: E731
B = lambda raw: {"B": b64(raw)}  # noqa: E731

ITEM = {
    "s": S("hello"),
    "n": N("12.5"),
    "neg": N("-3"),
    "b": B(b"\x01\x02\x03"),
    "t": {"BOOL": True},
    "f": {"BOOL": False},
    "z": {"NULL": True},
    "ss": {"SS": ["a", "b", "c"]},
    "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": [b64(b"x"), b64(b"y")]},
    "l": {"L": [S("x"), N("7"), {"M": {"k": S("v")}}]},
    "m": {"M": {"x": N("1"), "child": {"M": {"deep": S("yes")}}, "seq": {"L": [N("0"), N("1")]}}},
    "u": S("é€😀"),
}


# --------------------------------------------------------------------------- equality


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("s", S("hello")),
        ("n", N("12.50")),
        ("neg", N("-3.0")),
        ("b", B(b"\x01\x02\x03")),
        ("t", {"BOOL": True}),
        ("f", {"BOOL": False}),
        ("z", {"NULL": True}),
        ("ss", {"SS": ["c", "a", "b"]}),
        ("ns", {"NS": ["2.50", "1"]}),
        ("bs", {"BS": [b64(b"y"), b64(b"x")]}),
        ("l", {"L": [S("x"), N("7"), {"M": {"k": S("v")}}]}),
        ("m.child", {"M": {"deep": S("yes")}}),
    ],
)
def test_equal_values_of_every_type(path, value):
    assert check(f"{path} = :v", ITEM, {":v": value})
    assert not check(f"{path} <> :v", ITEM, {":v": value})
    assert check(f":v = {path}", ITEM, {":v": value})


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("s", S("hellO")),
        ("n", S("12.5")),
        ("n", N("12.51")),
        ("t", {"BOOL": False}),
        ("t", S("true")),
        ("z", {"BOOL": False}),
        ("ss", {"SS": ["a", "b"]}),
        ("ns", {"SS": ["1", "2.5"]}),
        ("l", {"L": [N("7"), S("x"), {"M": {"k": S("v")}}]}),
        ("m.child", {"M": {"deep": S("no")}}),
        ("b", S(b64(b"\x01\x02\x03"))),
    ],
)
def test_values_that_differ_in_type_or_content_are_not_equal(path, value):
    assert not check(f"{path} = :v", ITEM, {":v": value})
    assert check(f"{path} <> :v", ITEM, {":v": value})


def test_path_against_path():
    item = {"a": S("x"), "b": S("x"), "c": S("y"), "d": N("1"), "e": N("2")}
    assert check("a = b", item)
    assert check("a <> c", item)
    assert check("a < c AND d < e AND e >= d", item)
    assert not check("a < d", item)  # different types never order
    assert not check("a = d", item)


# --------------------------------------------------------------------------- ordering


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("n < :v", False),
        ("n <= :v", False),
        ("n > :v", True),
        ("n >= :v", True),
        ("neg < :v", True),
    ],
)
def test_number_ordering_is_numeric(text, expected):
    assert check(text, ITEM, {":v": N("9")}) is expected


def test_string_ordering_is_by_code_point():
    item = {"a": S("B"), "b": S("a"), "c": S("é"), "d": S("z")}
    assert check("a < b", item)  # "B" < "a"
    assert check("d < c", item)  # "z" (0x7a) < "é" (0xe9)
    assert check("a <= :v AND a >= :v", item, {":v": S("B")})


def test_binary_ordering_is_unsigned():
    item = {"a": B(b"\x7f"), "b": B(b"\x80")}
    assert check("a < b", item)
    assert check("b > :v", item, {":v": B(b"\x7f\xff")})
    assert check("a BETWEEN :lo AND :hi", item, {":lo": B(b"\x00"), ":hi": B(b"\x80")})


def test_ordering_across_types_is_false_not_an_error():
    assert not check("s < :v", ITEM, {":v": N("1")})
    assert not check("s >= :v", ITEM, {":v": N("1")})
    assert not check("n > :v", ITEM, {":v": S("1")})
    assert not check("t > :v", ITEM, {":v": S("1")})
    assert not check("ss > :v", ITEM, {":v": S("a")})


@pytest.mark.parametrize(
    ("op", "value", "kind"),
    [
        ("<", {"BOOL": True}, "BOOL"),
        ("<=", {"NULL": True}, "NULL"),
        (">", {"SS": ["a"]}, "SS"),
        (">=", {"L": []}, "L"),
        ("<", {"M": {}}, "M"),
        (">", {"NS": ["1"]}, "NS"),
    ],
)
def test_ordering_a_non_orderable_value_is_rejected(op, value, kind):
    assert error(f"a {op} :v", {":v": value}) == (
        "Invalid FilterExpression: Incorrect operand type for operator or function; "
        f"operator or function: {op}, operand type: {kind}"
    )


def test_constant_comparisons_are_allowed_and_folded():
    values = {":a": N("1"), ":b": N("2")}
    assert check(":a < :b", {}, values)
    assert not check(":a = :b", {}, values)
    assert check(":a = :a", {}, values)


# --------------------------------------------------------------------------- gone attributes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gone = :v", False),
        ("gone <> :v", True),
        ("gone < :v", False),
        ("gone >= :v", False),
        (":v > gone", False),
        ("gone BETWEEN :v AND :v", False),
        ("gone IN (:v)", False),
        ("begins_with(gone, :v)", False),
        ("contains(gone, :v)", False),
        ("size(gone) > :n", False),
        ("size(gone) <> :n", True),
        ("attribute_exists(gone)", False),
        ("attribute_not_exists(gone)", True),
        ("attribute_type(gone, :t)", False),
        ("m.gone = :v", False),
        ("m.x.y = :v", False),
        ("l[10] = :v", False),
        ("s[0] = :v", False),
        ("l.x = :v", False),
        ("m[0] = :v", False),
        ("s = gone", False),
        ("s <> gone", True),
        ("contains(l, gone)", False),
        ("begins_with(s, gone)", False),
    ],
)
def test_gone_attributes(text, expected):
    values = {":v": S("x"), ":n": N("1"), ":t": S("S")}
    used = {k: v for k, v in values.items() if k in text}
    assert check(text, ITEM, used or None) is expected


# --------------------------------------------------------------------------- nested paths


def test_nested_paths():
    assert check("m.x = :v", ITEM, {":v": N("1")})
    assert check("m.child.deep = :v", ITEM, {":v": S("yes")})
    assert check("m.#l[1] = :v", ITEM, {":v": N("1")}, {"#l": "seq"})
    assert check("l[2].k = :v", ITEM, {":v": S("v")})
    assert check("l[0] = :v AND l[1] = :w", ITEM, {":v": S("x"), ":w": N("7")})
    assert check("attribute_exists(m.child.deep) AND attribute_not_exists(m.child.nope)", ITEM)


# --------------------------------------------------------------------------- BETWEEN and IN


def test_between_is_inclusive():
    values = {":lo": N("12.5"), ":hi": N("13")}
    assert check("n BETWEEN :lo AND :hi", ITEM, values)
    assert check("n BETWEEN :lo AND :lo", ITEM, values)
    assert not check("n BETWEEN :hi AND :hi", ITEM, values)
    assert check("s BETWEEN :a AND :b", ITEM, {":a": S("h"), ":b": S("i")})
    assert not check("s BETWEEN :a AND :b", ITEM, {":a": N("1"), ":b": N("2")})


def test_between_with_path_bounds():
    item = {"a": N("5"), "lo": N("1"), "hi": N("9"), "s": S("x")}
    assert check("a BETWEEN lo AND hi", item)
    assert not check("a BETWEEN hi AND lo", item)  # not an error when bounds are paths
    assert not check("a BETWEEN lo AND s", item)


def test_between_bounds_are_checked():
    assert error("a BETWEEN :lo AND :hi", {":lo": N("5"), ":hi": N("1")}) == (
        "Invalid FilterExpression: The BETWEEN operator requires upper bound to be greater than "
        "or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound "
        "operand: AttributeValue: {N:1}"
    )
    assert error("a BETWEEN :lo AND :hi", {":lo": N("1"), ":hi": S("a")}) == (
        "Invalid FilterExpression: The BETWEEN operator requires same data type for lower and "
        "upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: "
        "AttributeValue: {S:a}"
    )
    assert error("a BETWEEN :lo AND :hi", {":lo": S("b"), ":hi": S("a")}).endswith(
        "lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}"
    )
    assert error("a BETWEEN :lo AND :hi", {":lo": {"BOOL": True}, ":hi": {"BOOL": True}}) == (
        "Invalid FilterExpression: Incorrect operand type for operator or function; "
        "operator or function: BETWEEN, operand type: BOOL"
    )


def test_in():
    values = {f":v{i}": N(str(i)) for i in range(99)}
    text = "n IN (" + ", ".join(values) + ")"
    assert not check(text, ITEM, values)
    assert check(text, {"n": N("98")}, values)
    assert check("s IN (:a, :b)", ITEM, {":a": N("1"), ":b": S("hello")})
    assert check("l IN (:a)", ITEM, {":a": ITEM["l"]})
    assert check("ss IN (:a)", ITEM, {":a": {"SS": ["c", "b", "a"]}})
    assert error("a IN ()").startswith("Invalid FilterExpression: Syntax error;")
    assert check("s IN (t, m.x)", {"s": S("q"), "m": {"M": {"x": S("q")}}}) is True
    assert not check("n IN (x, y)", ITEM)


def test_in_allows_at_most_100_operands_counting_the_left_one():
    values = {f":v{i}": N(str(i)) for i in range(100)}
    text = "n IN (" + ", ".join(values) + ")"
    assert error(text, values) == (
        "Invalid FilterExpression: The IN operator is provided with too many operands; "
        "number of operands: 101"
    )


# --------------------------------------------------------------------------- functions


@pytest.mark.parametrize(
    ("path", "type_name"),
    [
        ("s", "S"),
        ("n", "N"),
        ("b", "B"),
        ("t", "BOOL"),
        ("z", "NULL"),
        ("ss", "SS"),
        ("ns", "NS"),
        ("bs", "BS"),
        ("l", "L"),
        ("m", "M"),
    ],
)
def test_attribute_type(path, type_name):
    for other in ("S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"):
        assert check(f"attribute_type({path}, :t)", ITEM, {":t": S(other)}) is (other == type_name)


def test_attribute_type_requires_a_known_type_name():
    assert error("attribute_type(a, :t)", {":t": S("STRING")}) == (
        "Invalid FilterExpression: Invalid attribute type name found; type: STRING, "
        "valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
    )
    assert error("attribute_type(a, :t)", {":t": N("1")}) == (
        "Invalid FilterExpression: Incorrect operand type for operator or function; "
        "operator or function: attribute_type, operand type: N"
    )
    assert error("attribute_type(a, size(a)) and a = :t", {":t": N("1")}) == (
        "Invalid FilterExpression: Incorrect operand type for operator or function; "
        "operator or function: attribute_type, operand type: N"
    )
    assert error("attribute_type(a, b)").startswith(
        "Invalid FilterExpression: Incorrect operand type for operator or function; "
        "operator or function: attribute_type, operand type: {S,SS,N,NS,B,BS,BOOL,NULL,L,M"
    )


def test_begins_with():
    assert check("begins_with(s, :p)", ITEM, {":p": S("he")})
    assert check("begins_with(s, :p)", ITEM, {":p": S("")})
    assert not check("begins_with(s, :p)", ITEM, {":p": S("el")})
    assert check("begins_with(b, :p)", ITEM, {":p": B(b"\x01\x02")})
    assert not check("begins_with(b, :p)", ITEM, {":p": B(b"\x02")})
    assert not check("begins_with(b, :p)", ITEM, {":p": S("AQ")})  # type mismatch
    assert not check("begins_with(ss, :p)", ITEM, {":p": S("a")})
    assert not check("begins_with(n, :p)", ITEM, {":p": S("1")})
    item = {"a": S("prefix-rest"), "p": S("prefix")}
    assert check("begins_with(a, p)", item)
    assert check("begins_with(:v, p)", item, {":v": S("prefixed")})


@pytest.mark.parametrize("kind", ["N", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"])
def test_begins_with_operand_types(kind):
    value = {
        "N": N("1"),
        "BOOL": {"BOOL": True},
        "NULL": {"NULL": True},
        "L": {"L": []},
        "M": {"M": {}},
        "SS": {"SS": ["1"]},
        "NS": {"NS": ["1"]},
        "BS": {"BS": [b64(b"a")]},
    }[kind]
    message = (
        "Invalid FilterExpression: Incorrect operand type for operator or function; "
        f"operator or function: begins_with, operand type: {kind}"
    )
    assert error("begins_with(a, :a)", {":a": value}) == message
    assert error("begins_with(:a, a)", {":a": value}) == message


def test_contains():
    assert check("contains(s, :v)", ITEM, {":v": S("ell")})
    assert not check("contains(s, :v)", ITEM, {":v": S("xyz")})
    assert check("contains(ss, :v)", ITEM, {":v": S("b")})
    assert not check("contains(ss, :v)", ITEM, {":v": S("ab")})
    assert check("contains(ns, :v)", ITEM, {":v": N("2.50")})
    assert not check("contains(ns, :v)", ITEM, {":v": S("1")})
    assert check("contains(bs, :v)", ITEM, {":v": B(b"y")})
    assert check("contains(l, :v)", ITEM, {":v": N("7")})
    assert check("contains(l, :v)", ITEM, {":v": {"M": {"k": S("v")}}})
    assert not check("contains(l, :v)", ITEM, {":v": S("7")})
    assert check("contains(b, :v)", ITEM, {":v": B(b"\x02\x03")})
    assert not check("contains(n, :v)", ITEM, {":v": N("2")})
    assert not check("contains(m, :v)", ITEM, {":v": S("x")})
    assert not check("contains(ss, :v)", ITEM, {":v": {"SS": ["a"]}})
    assert check("contains(ss, m.w)", {"ss": {"SS": ["q"]}, "m": {"M": {"w": S("q")}}})


def test_size():
    values = {":n": N("5")}
    assert check("size(s) = :n", ITEM, values)
    assert check("size(u) = :v", ITEM, {":v": N("9")})  # UTF-8 bytes: 2 + 3 + 4
    assert check("size(b) = :v", ITEM, {":v": N("3")})
    assert check("size(ss) = :v AND size(ns) = :w", ITEM, {":v": N("3"), ":w": N("2")})
    assert check("size(l) = :v AND size(m) = :v", ITEM, {":v": N("3")})
    assert check("size(bs) < size(ss)", ITEM)
    assert check(":v > size(s)", ITEM, {":v": N("5.5")})
    assert check("size(m.seq) BETWEEN :a AND :b", ITEM, {":a": N("2"), ":b": N("2")})
    assert check("size(s) IN (:a, :b)", ITEM, {":a": N("4"), ":b": N("5")})
    assert check("size(:s) = :n", {}, {":s": S("abcde"), ":n": N("5")})


@pytest.mark.parametrize("path", ["n", "t", "z"])
def test_size_of_numbers_booleans_and_nulls_is_no_value(path):
    assert not check(f"size({path}) >= :v", ITEM, {":v": N("0")})
    assert not check(f"size({path}) = :v", ITEM, {":v": N("1")})


def test_size_operand_types():
    for value, kind in [(N("1"), "N"), ({"BOOL": True}, "BOOL"), ({"NULL": True}, "NULL")]:
        assert error("size(:a) > a", {":a": value}) == (
            "Invalid FilterExpression: Incorrect operand type for operator or function; "
            f"operator or function: size, operand type: {kind}"
        )
    assert error("size(size(a)) > :a", {":a": N("1")}).endswith("size, operand type: N")


def test_functions_need_their_operand_counts():
    for text, name, count in [
        ("attribute_exists(things, a) and a=a", "attribute_exists", 2),
        ("attribute_not_exists(things, b)", "attribute_not_exists", 2),
        ("attribute_type(things)", "attribute_type", 1),
        ("begins_with(things)", "begins_with", 1),
        ("begins_with(things, size(a), b)", "begins_with", 3),
        ("contains(things)", "contains", 1),
        ("size(things, a) > b", "size", 2),
    ]:
        assert error(text) == (
            "Invalid FilterExpression: Incorrect number of operands for operator or function; "
            f"operator or function: {name}, number of operands: {count}"
        )


def test_functions_that_need_a_document_path():
    values = {":a": S("1")}
    assert error("attribute_exists(:a) and a=a", values) == (
        "Invalid FilterExpression: Operator or function requires a document path; "
        "operator or function: attribute_exists"
    )
    assert error("attribute_not_exists(size(:a))", values) == (
        "Invalid FilterExpression: Operator or function requires a document path; "
        "operator or function: attribute_not_exists"
    )


def test_attribute_type_accepts_a_value_as_its_first_operand():
    assert check("attribute_type(:v, :t)", {}, {":v": N("0"), ":t": S("N")})
    assert not check("attribute_type(:v, :t)", {}, {":v": N("0"), ":t": S("S")})
    assert check("attribute_type(size(s), :t)", ITEM, {":t": S("N")})


@pytest.mark.parametrize(
    ("text", "operator", "path"),
    [
        ("a = a AND #a = b AND :views > a", "=", "[a]"),
        ("#a <> a", "<>", "[a]"),
        ("a > #a", ">", "[a]"),
        ("((a=a) OR (a=a))", "=", "[a]"),
        ("contains(ab.bc[1].a, ab.bc[1].#a)", "contains", "[ab, bc, [1], a]"),
        ("attribute_type(ab.bc[1].#a, ab.bc[1].a)", "attribute_type", "[ab, bc, [1], a]"),
        ("begins_with(ab.bc[1].a, ab.bc[1].#a)", "begins_with", "[ab, bc, [1], a]"),
        ("a IN (b, #a)", "IN", "[a]"),
    ],
)
def test_operands_must_be_distinct(text, operator, path):
    assert error(text, names={"#a": "a"}) == (
        "Invalid FilterExpression: The first operand must be distinct from the remaining "
        f"operands for this operator or function; operator: {operator}, first operand: {path}"
    )


def test_per_condition_checks_come_in_order():
    # names/values, then operand counts, then distinct operands, then operand types
    assert "attribute name: #P" in error("attribute_exists(#P, a, b)")
    assert "number of operands" in error("begins_with(a, a, :x) ", {":x": N("1")})
    assert "distinct" in error("begins_with(a, a)")
    # the first condition with a problem wins
    assert "distinct" in error("a = a AND attribute_exists(b, c)")


# --------------------------------------------------------------------------- logic


def test_logic_and_precedence():
    item = {"a": N("1"), "b": N("2"), "c": N("3")}
    values = {":1": N("1"), ":2": N("2"), ":9": N("9")}
    assert check("a = :1 OR b = :9 AND c = :9", item, values)  # a OR (b AND c)
    assert not check("(a = :1 OR b = :9) AND c = :9", item, values)
    assert not check("NOT a = :1 AND b = :2", item, values)  # (NOT a) AND b
    assert check("NOT (a = :9 AND b = :2)", item, values)
    assert check("NOT NOT a = :1", item, values)
    assert check("a = :9 OR b = :9 OR c <> :9", item, values)


def test_functions_as_conditions_in_logic():
    assert check(
        "attribute_exists(s) AND NOT attribute_exists(nope) AND (contains(s, :v))",
        ITEM,
        {":v": S("h")},
    )


# --------------------------------------------------------------------------- introspection


def test_paths_and_top_level_names():
    ctx = ExpressionContext({"#s": "status"}, {":v": S("x")})
    condition = compile_condition("#s = :v AND m.a[1] > :v OR size(l) > :v", ctx, "Filter")
    assert condition.paths == (("status",), ("m", "a", 1), ("l",))
    assert condition.top_level_names == frozenset({"status", "m", "l"})


def test_condition_text_is_parsed_once():
    ctx = ExpressionContext(None, {":v": S("x")})
    first = compile_condition("a = :v", ctx, "ConditionExpression")
    second = compile_condition("a = :v", ctx, "FilterExpression")
    assert first.evaluate({"a": S("x")}) and second.evaluate({"a": S("x")})
    assert first is not second  # bound per request, parsed once


def test_parameter_names_the_message():
    with pytest.raises(ValidationException) as caught:
        compile_condition("a = :v", ExpressionContext(None, None), "ConditionExpression")
    assert caught.value.message.startswith("Invalid ConditionExpression: ")
