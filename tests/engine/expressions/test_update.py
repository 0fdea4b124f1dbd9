"""Update expressions: SET/REMOVE/ADD/DELETE semantics and the service's errors."""

from __future__ import annotations

import copy

import pytest

from engine.errors import ValidationException
from engine.expressions import ExpressionContext, compile_update


def N(n):  # noqa: N802
    return {"N": str(n)}


def S(s):  # noqa: N802
    return {"S": s}


def L(*values):  # noqa: N802
    wrapped = {int: N, str: S}
    return {"L": [wrapped[type(v)](v) if type(v) in wrapped else v for v in values]}


def M(**members):  # noqa: N802
    return {"M": members}


def apply(text, item, values=None, names=None, exists=True):
    update = compile_update(text, ExpressionContext(names, values))
    before = copy.deepcopy(item)
    new, updated = update.apply(item, exists=exists)
    assert item == before, "apply must not change its input"
    return new


def runtime_error(text, item, values=None, names=None, exists=True) -> str:
    update = compile_update(text, ExpressionContext(names, values))
    with pytest.raises(ValidationException) as caught:
        update.apply(item, exists=exists)
    return caught.value.message


def error(text, values=None, names=None) -> str:
    with pytest.raises(ValidationException) as caught:
        compile_update(text, ExpressionContext(names, values))
    return caught.value.message


# --------------------------------------------------------------------------- SET


def test_set_top_level_and_merge():
    item = {"p": S("k"), "a": S("hi")}
    assert apply("SET b = :v", item, {":v": S("hello")}) == {
        "p": S("k"),
        "a": S("hi"),
        "b": S("hello"),
    }
    assert apply("sEt a = :v, c = :v", item, {":v": N(4)}) == {"p": S("k"), "a": N(4), "c": N(4)}
    assert apply("  set   b=:v  ", {}, {":v": S("x")}) == {"b": S("x")}


def test_set_copies_other_attributes_read_from_the_original_item():
    item = {"a": S("hello")}
    assert apply("SET b = a", item) == {"a": S("hello"), "b": S("hello")}
    assert apply("REMOVE a SET b = a", item) == {"b": S("hello")}
    assert apply("SET c = b REMOVE b", {"b": S("x")}) == {"c": S("x")}
    assert apply("SET a = a", item) == item
    assert apply("SET #one = #two", item, names={"#one": "c", "#two": "a"})["c"] == S("hello")
    missing = "The provided expression refers to an attribute that does not exist in the item"
    assert runtime_error("SET c = z", item) == missing
    assert runtime_error("SET x = :v, y = x", item, {":v": N(4)}) == missing
    assert runtime_error("SET z = z", {}) == missing


def test_set_values_are_copies():
    item = {"a": M(x=N(1))}
    new = apply("SET b = a", item)
    new["b"]["M"]["x"]["N"] = "2"
    assert item["a"]["M"]["x"] == N(1)


def test_arithmetic():
    item = {"a": N(2), "b": N(10), "s": S("x")}
    assert apply("SET c = a + :v", item, {":v": N(3)})["c"] == N(5)
    assert apply("SET a = :v - a", item, {":v": N(7)})["a"] == N(5)
    assert apply("SET a = b - a", item)["a"] == N(8)
    assert apply("SET c = :x + :y", {}, {":x": N("0.1"), ":y": N("0.2")})["c"] == N("0.3")
    assert apply("SET c = if_not_exists(c, :z) + :one", {}, {":z": N(0), ":one": N(1)})["c"] == N(1)
    assert apply("SET c = (a) + (b)", item)["c"] == N(12)
    wrong = "An operand in the update expression has an incorrect data type"
    assert runtime_error("SET c = s + :v", item, {":v": N(1)}) == wrong
    assert runtime_error("SET c = a - s", item) == wrong
    missing = "The provided expression refers to an attribute that does not exist in the item"
    assert runtime_error("SET c = z + :v", item, {":v": N(1)}) == missing


def test_arithmetic_range_is_checked():
    big = "9.9999999999999999999999999999999999999E+125"
    assert runtime_error("SET a = a + :v", {"a": N(big)}, {":v": N(big)}) == (
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )
    assert runtime_error("ADD a :v", {"a": N(big)}, {":v": N(big)}) == (
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )


def test_list_append():
    item = {"a": L("x", 2)}
    assert apply("SET a = list_append(a, :v)", item, {":v": L(4)})["a"] == L("x", 2, 4)
    assert apply("SET a = list_append(:v, a)", item, {":v": L(0)})["a"] == L(0, "x", 2)
    assert apply("SET b = list_append(a, a)", item)["b"] == L("x", 2, "x", 2)
    values = {":e": {"L": []}, ":v": L(1)}
    assert apply("SET b = list_append(if_not_exists(b, :e), :v)", item, values)["b"] == L(1)
    assert runtime_error("SET a = list_append(b, :v)", item, {":v": L(1)}) == (
        "The provided expression refers to an attribute that does not exist in the item"
    )
    for not_a_list in (N(7), S("hello"), {"SS": ["a"]}, M(a=N(3))):
        assert runtime_error("SET a = list_append(b, :v)", {"b": not_a_list}, {":v": L(1)}) == (
            "An operand in the update expression has an incorrect data type"
        )


def test_if_not_exists():
    values = {":v": N(2)}
    assert apply("SET a = if_not_exists(a, :v)", {}, values) == {"a": N(2)}
    assert apply("SET a = if_not_exists(a, :v)", {"a": N(1)}, values) == {"a": N(1)}
    assert apply("SET b = if_not_exists(a, :v)", {"a": N(1)}, values) == {"a": N(1), "b": N(1)}
    assert apply("SET b = if_not_exists(c, a)", {"a": N(1)}) == {"a": N(1), "b": N(1)}
    assert apply("SET b = if_not_exists(m.x, :v)", {"m": M(x=S("y"))}, values)["b"] == S("y")


def test_set_nested_members_and_list_elements():
    item = {"a": M(b=N(3), c=M(x=N(7))), "l": L("one", "two", "three")}
    new = apply("SET a.c.x = :v, a.d = :v, l[1] = :w", item, {":v": N(9), ":w": S("hello")})
    assert new["a"] == M(b=N(3), c=M(x=N(9)), d=N(9))
    assert new["l"] == L("one", "hello", "three")
    assert apply("SET a.c = :v", item, {":v": N(1)})["a"] == M(b=N(3), c=N(1))
    deep = {"a": M(c={"L": [S("hi"), M(x=M(y=L(3, 5, 7)))]})}
    new = apply("SET a.c[1].#n.y[1] = :v", deep, {":v": N(9)}, {"#n": "x"})
    assert new["a"]["M"]["c"]["L"][1] == M(x=M(y=L(3, 9, 7)))


def test_set_past_the_end_appends_in_index_order():
    item = {"a": L("one", "two", "three")}
    assert apply("SET a[7] = :v", item, {":v": S("hello")})["a"] == L(
        "one", "two", "three", S("hello")
    )
    values = {":a": S("a1"), ":b": S("a2"), ":c": S("a3"), ":d": S("a4")}
    new = apply("SET a[84] = :a, a[37] = :b, a[17] = :c, a[50] = :d", item, values)
    assert new["a"] == L("one", "two", "three", S("a3"), S("a2"), S("a4"), S("a1"))


def test_the_service_example_of_nested_updates():
    key = S("k")
    item = {"a": key, "b": M(a=N(1), b=N(2), c=N(3)), "c": L(1, 3)}
    text = (
        "set b.c=((c[1])+(b.a)),b.a = a,c[1] = a, c[4] = b.a - b.b, c[2] = b.c add c[8] :b, c[6] :a"
    )
    update = compile_update(text, ExpressionContext(None, {":a": N(2), ":b": {"SS": ["a"]}}))
    new, names = update.apply(item)
    assert new == {
        "a": key,
        "b": M(a=key, b=N(2), c=N(4)),
        "c": L(1, key, 3, -1, 2, {"SS": ["a"]}),
    }
    assert names == {"b", "c"}
    assert update.updated_attributes(new) == {"b": M(a=key, c=N(4)), "c": L(key, 3, 2)}
    assert update.updated_attributes(item) == {"b": M(a=N(1), c=N(3)), "c": L(3)}


# --------------------------------------------------------------------------- REMOVE


def test_remove():
    item = {"a": S("x"), "b": M(x=N(1), y=N(2)), "l": L(1, 2, 3)}
    assert apply("REMOVE a", item) == {"b": M(x=N(1), y=N(2)), "l": L(1, 2, 3)}
    assert apply("REMOVE b.x, l[0]", item)["b"] == M(y=N(2))
    assert apply("REMOVE b.x, l[0]", item)["l"] == L(2, 3)
    assert apply("REMOVE b.x, b.y", item)["b"] == {"M": {}}
    assert apply("REMOVE gone, b.gone, l[17]", item) == item


def test_remove_list_indexes_refer_to_the_original_positions():
    item = {"a": L(2, 3, 4, 5, 6, 7)}
    values = {":v": N(17)}
    assert apply("REMOVE a[1] SET a[3] = :v", item, values)["a"] == L(2, 4, 17, 6, 7)
    assert apply("SET a[3] = :v REMOVE a[1]", item, values)["a"] == L(2, 4, 17, 6, 7)
    assert apply("REMOVE a[0], a[2], a[4]", item)["a"] == L(3, 5, 7)
    # an element appended by SET is not the "original" element at that index
    assert apply("SET a[9] = :v REMOVE a[6]", item, values)["a"] == L(2, 3, 4, 5, 6, 7, 17)
    assert apply("REMOVE a[0]", {"a": L(1)})["a"] == {"L": []}


def test_remove_through_a_missing_or_wrong_parent():
    invalid = "The document path provided in the update expression is invalid for update"
    item = {"a": S("hello"), "b": L("hi")}
    for text in ("REMOVE a.c", "REMOVE b.c", "REMOVE c.c", "REMOVE a[0]", "REMOVE c[0]"):
        assert runtime_error(text, item) == invalid
    # ...but an item that does not exist yet ignores them
    assert apply("REMOVE x.y", {"p": S("k")}, exists=False) == {"p": S("k")}
    assert apply("REMOVE x[0], a.b", {"p": S("k")}, exists=False) == {"p": S("k")}


# --------------------------------------------------------------------------- ADD / DELETE


def test_add_numbers():
    assert apply("ADD a :v", {"a": N(3)}, {":v": N(4)})["a"] == N(7)
    assert apply("ADD a :v", {}, {":v": N(7)})["a"] == N(7)
    assert apply("ADD a :v", {"a": N("0.5")}, {":v": N("-0.5")})["a"] == N(0)
    assert apply("ADD m.x :v", {"m": M()}, {":v": N(2)})["m"] == M(x=N(2))
    assert apply("ADD l[5] :v", {"l": L(1)}, {":v": N(2)})["l"] == L(1, 2)


def test_add_sets():
    item = {"a": {"SS": ["dog", "cat"]}}
    assert apply("ADD a :v", item, {":v": {"SS": ["pig", "dog"]}})["a"] == {
        "SS": ["dog", "cat", "pig"]
    }
    assert apply("ADD b :v", item, {":v": {"NS": ["1"]}})["b"] == {"NS": ["1"]}
    assert apply("ADD n :v", {"n": {"NS": ["1", "2"]}}, {":v": {"NS": ["2.0", "3"]}})["n"] == {
        "NS": ["1", "2", "3"]
    }


def test_add_type_mismatches():
    wrong = "An operand in the update expression has an incorrect data type"
    assert runtime_error("ADD b :v", {"b": S("hi")}, {":v": N(1)}) == wrong
    assert runtime_error("ADD a :v", {"a": {"SS": ["a"]}}, {":v": {"NS": ["1"]}}) == wrong
    assert runtime_error("ADD a :v", {"a": {"NS": ["1"]}}, {":v": N(1)}) == wrong
    assert runtime_error("ADD a :v", {"a": L(1, 2)}, {":v": {"NS": ["3"]}}) == wrong


def test_delete_from_sets():
    item = {"a": {"SS": ["dog", "cat", "mouse"]}, "b": S("hi")}
    assert apply("DELETE a :v", item, {":v": {"SS": ["cat", "mouse"]}})["a"] == {"SS": ["dog"]}
    assert apply("DELETE a :v", item, {":v": {"SS": ["pig"]}}) == item
    assert apply("DELETE a :v", item, {":v": {"SS": ["dog", "cat", "mouse"]}}) == {"b": S("hi")}
    assert apply("DELETE z :v", item, {":v": {"SS": ["dog"]}}) == item
    assert apply("DELETE n :v", {"n": {"NS": ["1", "2"]}}, {":v": {"NS": ["2"]}}) == {
        "n": {"NS": ["1"]}
    }
    nested = {"l": {"L": [{"SS": ["x"]}, N(1)]}}
    assert apply("DELETE l[0] :v", nested, {":v": {"SS": ["x"]}}) == {"l": L(1)}
    wrong = "An operand in the update expression has an incorrect data type"
    assert runtime_error("DELETE b :v", item, {":v": {"SS": ["hi"]}}) == wrong
    assert runtime_error("DELETE a :v", item, {":v": {"NS": ["1"]}}) == wrong


@pytest.mark.parametrize(
    ("text", "value", "operator", "type_word"),
    [
        ("add a.b :a", {"S": "a"}, "ADD", "STRING"),
        ("delete a.b :a", {"S": "a"}, "DELETE", "STRING"),
        ("add a.b :a", {"NULL": True}, "ADD", "NULL"),
        ("delete a.b :a", {"NULL": True}, "DELETE", "NULL"),
        ("add a.b :a", {"BOOL": False}, "ADD", "BOOLEAN"),
        ("delete a.b :a", {"BOOL": False}, "DELETE", "BOOLEAN"),
        ("add a.b :a", {"B": "YQ=="}, "ADD", "BINARY"),
        ("delete a.b :a", {"B": "YQ=="}, "DELETE", "BINARY"),
        ("add a.b :a", {"M": {"a": {"L": [{"N": "1"}]}}}, "ADD", "MAP"),
        ("delete a.b :a", {"M": {}}, "DELETE", "MAP"),
        ("add a.b :a", {"L": [{"N": "1"}]}, "ADD", "LIST"),
        ("delete a.b :a", {"L": []}, "DELETE", "LIST"),
        ("delete a.b :a", {"N": "1"}, "DELETE", "NUMBER"),
    ],
)
def test_add_and_delete_operand_types(text, value, operator, type_word):
    assert error(text, {":a": value}) == (
        "Invalid UpdateExpression: Incorrect operand type for operator or function; "
        f"operator: {operator}, operand type: {type_word}"
    )


# --------------------------------------------------------------------------- invalid paths


@pytest.mark.parametrize(
    "text",
    [
        "set b.a = :a",
        "set b[1] = :a",
        "set y.a = :a",
        "set y[1] = :a",
        "set c[1] = :a",
        "set d.#1 = :a",
        "remove b.a",
        "remove b[1]",
        "remove y.a",
        "remove y[1]",
        "remove c[1]",
        "remove d.#1",
        "delete b.a :s",
        "delete y.a :s",
        "delete c[1] :s",
        "delete d.#1 :s",
        "add b.a :s",
        "add y[1] :s",
        "add c[1] :s",
        "add d.#1 :s",
        "set y.a.b = :a",
    ],
)
def test_paths_invalid_for_update(text):
    item = {"a": S("k"), "b": S("k"), "c": M(**{"1": S("a")}), "d": L(S("a"), S("b"))}
    names = {"#1": "1"} if "#1" in text else None
    values = {k: v for k, v in {":a": {"SS": ["a"]}, ":s": {"SS": ["a"]}}.items() if k in text}
    assert runtime_error(text, item, values or None, names) == (
        "The document path provided in the update expression is invalid for update"
    )


def test_set_into_a_missing_item_is_invalid():
    message = "The document path provided in the update expression is invalid for update"
    assert runtime_error("SET b.a = :v", {"p": S("k")}, {":v": N(1)}, exists=False) == message


# --------------------------------------------------------------------------- static checks


@pytest.mark.parametrize(
    ("text", "one", "two"),
    [
        ("SET a = :v, a = :v", "[a]", "[a]"),
        ("REMOVE a SET a = :v", "[a]", "[a]"),
        ("SET a = :v REMOVE a", "[a]", "[a]"),
        ("SET #a1 = :v, #a2 = :v", "[a]", "[a]"),
        ("SET a = :v, a.b = :v", "[a]", "[a, b]"),
        ("SET a.b.c = :v, a.b = :v", "[a, b, c]", "[a, b]"),
        ("SET a[1][1] = :v, a[1] = :v", "[a, [1], [1]]", "[a, [1]]"),
        ("SET a = :v ADD a.b :n", "[a]", "[a, b]"),
        ("DELETE s :s REMOVE s", "[s]", "[s]"),
        ("set d[1] = :v, d.b = :v, c[1].a = :v, #c = if_not_exists(a)", "[c, [1], a]", "[c]"),
        ("set #c[3].#d = :v, #c[3] = :v", "[c, [3], [3]]", "[c, [3]]"),
    ],
)
def test_overlapping_paths(text, one, two):
    values = {k: v for k, v in {":v": N(1), ":n": N(1), ":s": {"SS": ["a"]}}.items() if k in text}
    names = {k: v for k, v in {"#a1": "a", "#a2": "a", "#c": "c", "#d": "[3]"}.items() if k in text}
    assert error(text, values, names or None) == (
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
        f"rewrite one of these paths; path one: {one}, path two: {two}"
    )


@pytest.mark.parametrize(
    ("text", "one", "two"),
    [
        ("SET a.b = :v, a[1] = :v", "[a, b]", "[a, [1]]"),
        ("SET a.b.c = :v, a.b[2] = :v", "[a, b, c]", "[a, b, [2]]"),
        ("remove a.c set a[1] = :v", "[a, c]", "[a, [1]]"),
    ],
)
def test_conflicting_paths(text, one, two):
    assert error(text, {":v": N(1)}) == (
        "Invalid UpdateExpression: Two document paths conflict with each other; must remove or "
        f"rewrite one of these paths; path one: {one}, path two: {two}"
    )


def test_non_overlapping_paths_are_fine():
    item = {"a": M(x=N(3), y=N(4), c=M(y=N(3))), "b": M(x=N(1), y=N(2))}
    values = {":v1": N(10), ":v2": S("dog"), ":v3": N(17)}
    new = apply("SET a.b = :v1, a.c.d = :v2, b.x = :v3 REMOVE a.x, b.y", item, values)
    assert new == {"a": M(y=N(4), c=M(y=N(3), d=S("dog")), b=N(10)), "b": M(x=N(17))}


def test_function_checks():
    values = {
        ":a": S("a"),
        ":b": N(1),
        ":c": {"B": "YQ=="},
        ":d": {"BOOL": True},
        ":e": {"NULL": True},
        ":f": {"SS": ["a"]},
        ":g": {"NS": ["1"]},
        ":h": {"BS": ["YQ=="]},
        ":i": {"M": {}},
        ":j": {"L": []},
    }
    cases = [
        ("set a = list_append(:a, a)", "list_append", "S"),
        ("set a = list_append(a, :b)", "list_append", "N"),
        ("set a = list_append(:i, a)", "list_append", "M"),
        ("set a = list_append(if_not_exists(a, :g), :j)", "list_append", "NS"),
        ("set a = a + :a", "+", "S"),
        ("set a = :a + :c", "+", "S"),
        ("set a = :c + a", "+", "B"),
        ("set a = a - :d", "-", "BOOL"),
        ("set a = a - :e", "-", "NULL"),
        ("set a = a + :f", "+", "SS"),
        ("set a = a - :h", "-", "BS"),
        ("set a = a - :j", "-", "L"),
        ("set a = list_append(a, :j) + :b", "+", "L"),
    ]
    for text, function, kind in cases:
        used = {k: v for k, v in values.items() if k in text}
        assert error(text, used) == (
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            f"operator or function: {function}, operand type: {kind}"
        ), text
    assert error("set a = if_not_exists(c)") == (
        "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
        "operator or function: if_not_exists, number of operands: 1"
    )
    assert error("set a = list_append(c, d, e)") == (
        "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
        "operator or function: list_append, number of operands: 3"
    )
    for text in ("set a = if_not_exists(:a, c)", "set a = if_not_exists(if_not_exists(a, b), c)"):
        used = {":a": S("a")} if ":a" in text else None
        assert error(text, used) == (
            "Invalid UpdateExpression: Operator or function requires a document path; "
            "operator or function: if_not_exists"
        )


def test_check_order():
    # ADD/DELETE operand types before overlapping paths before function checks
    text = "set b = list_append(:a, a), c = if_not_exists(a) add a.b :a"
    assert error(text, {":a": S("a")}).endswith("operator: ADD, operand type: STRING")
    assert "overlap" in error("set c = if_not_exists(a), c = :v", {":v": N(1)})
    # undefined placeholders before everything else
    assert "attribute value: :x" in error("SET a = :x, a = :x")


def test_updated_names_and_paths():
    update = compile_update(
        "SET a.b = :v, #s = :v REMOVE c[0] ADD d :v DELETE e :s",
        ExpressionContext({"#s": "status"}, {":v": N(1), ":s": {"SS": ["x"]}}),
    )
    assert update.updated_names == {"a", "status", "c", "d", "e"}
    assert update.paths == (("a", "b"), ("status",), ("c", 0), ("d",), ("e",))
    new, names = update.apply({"a": M(), "c": L(1)})
    assert names == update.updated_names
    assert new == {"a": M(b=N(1)), "status": N(1), "c": {"L": []}, "d": N(1)}


def test_untouched_attributes_are_shared_not_copied():
    item = {"keep": M(x=N(1)), "a": N(1)}
    new = apply("SET a = :v", item, {":v": N(2)})
    assert new["keep"] is item["keep"]
