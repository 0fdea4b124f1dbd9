"""Lexing, syntax errors and the text-only checks (depth, parentheses, functions, reserved words)."""

from __future__ import annotations

import pytest

from engine.errors import ValidationException
from engine.expressions import (
    ExpressionContext,
    ast,
    compile_condition,
    compile_projection,
    compile_update,
)
from engine.expressions.lexer import (
    EOF,
    NAME,
    NAME_REF,
    NUMBER,
    PUNCT,
    UNKNOWN,
    VALUE_REF,
    tokenize,
)
from engine.expressions.parser import parse_condition, parse_update
from engine.expressions.reserved import RESERVED_WORDS, is_reserved


def condition_error(text: str, names=None, values=None, parameter="ConditionExpression") -> str:
    with pytest.raises(ValidationException) as caught:
        compile_condition(text, ExpressionContext(names, values), parameter)
    return caught.value.message


def update_error(text: str, names=None, values=None) -> str:
    with pytest.raises(ValidationException) as caught:
        compile_update(text, ExpressionContext(names, values))
    return caught.value.message


def projection_error(text: str, names=None) -> str:
    with pytest.raises(ValidationException) as caught:
        compile_projection(text, ExpressionContext(names, None))
    return caught.value.message


# --------------------------------------------------------------------------- lexer


def test_tokens_carry_kind_text_and_position():
    tokens = tokenize("a.#b[10] <= :v_1")
    assert [(t.kind, t.text, t.start, t.end) for t in tokens] == [
        (NAME, "a", 0, 1),
        (PUNCT, ".", 1, 2),
        (NAME_REF, "#b", 2, 4),
        (PUNCT, "[", 4, 5),
        (NUMBER, "10", 5, 7),
        (PUNCT, "]", 7, 8),
        (PUNCT, "<=", 9, 11),
        (VALUE_REF, ":v_1", 12, 16),
        (EOF, "", 16, 16),
    ]


def test_names_start_with_a_letter_but_placeholders_may_start_with_anything():
    assert [t.kind for t in tokenize("_a")][:2] == [UNKNOWN, NAME]
    assert [t.text for t in tokenize("#1_x :_ a_1")][:3] == ["#1_x", ":_", "a_1"]
    assert [t.kind for t in tokenize("# :")][:2] == [UNKNOWN, UNKNOWN]


def test_operators_lex_longest_first():
    assert [t.text for t in tokenize("<><=>=<>=")][:-1] == ["<>", "<=", ">=", "<>", "="]
    assert [t.text for t in tokenize("a==b")][:-1] == ["a", "=", "=", "b"]


# --------------------------------------------------------------------------- empty, size


@pytest.mark.parametrize("text", ["", "   ", "\t\r\n"])
def test_empty_expression(text):
    assert condition_error(text) == "Invalid ConditionExpression: The expression can not be empty;"
    assert update_error(text) == "Invalid UpdateExpression: The expression can not be empty;"
    assert (
        projection_error(text) == "Invalid ProjectionExpression: The expression can not be empty;"
    )
    assert (
        condition_error(text, parameter="KeyConditionExpression")
        == "Invalid KeyConditionExpression: The expression can not be empty;"
    )


def test_expression_size_limit_is_4_kb_of_utf8():
    ok = "attribute_exists(" + "a" * (4096 - 18) + ")"
    assert len(ok.encode()) == 4096
    compile_condition(ok, ExpressionContext(None, None), "FilterExpression")
    too_long = "a" * 4097
    # The service appends the size it measured, in UTF-8 bytes.
    assert condition_error(too_long, parameter="FilterExpression") == (
        "Invalid FilterExpression: Expression size has exceeded the maximum allowed size; "
        "expression size: 4097"
    )
    multibyte = "é" * 2049  # 2049 characters, 4098 bytes
    assert update_error(multibyte) == (
        "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size; "
        "expression size: 4098"
    )


# --------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("text", "token", "near"),
    [
        ("things are not gonna be ok", "are", "things are not"),
        ("a > 4", "4", "> 4"),
        ("a = ", "<EOF>", "= "),
        ("a = :v AND", "<EOF>", "AND"),
        ("attribute_exists(Pictures-RearView)", "-", "Pictures-RearView"),
        ('attribute_exists("Pictures.RearView")', '"', '("Pictures'),
        ("attribute_exists(Pictures..RearView)", ".", "..RearView"),
        ("attribute_exists(asdf[a])", "a", "[a]"),
        ("a in b", "b", "in b"),
        ("a in (b,c,)", ")", ",)"),
        ("a > between", "between", "> between"),
        ("(a)between(b.(c.d))and(c)", "(", ".(c"),
        ("#$.b > a", "#", "#$"),
        ("b[:a] > a", ":a", "[:a]"),
        ("b[#_] > a", "#_", "[#_]"),
        ("ü > a", "ü", "ü >"),
        ("size(a).b > a", ".", ").b"),
        ("(size(a))[0] > a", "[", ")[0"),
        ("a != :v", "!", "a !="),
        ("a == :v", "=", "== :v"),
        ("a", "<EOF>", "a"),
        (":v", "<EOF>", ":v"),
        ("(a)", "<EOF>", ")"),
        ("NOT a", "<EOF>", "a"),
        ("a = b c", "c", "b c"),
        ("f()", ")", "()"),
        ("a = b AND OR c = d", "OR", "AND OR c"),
    ],
)
def test_condition_syntax_errors(text, token, near):
    assert condition_error(text) == (
        f'Invalid ConditionExpression: Syntax error; token: "{token}", near: "{near}"'
    )


@pytest.mark.parametrize(
    ("text", "token", "near"),
    [
        ("whatever", "whatever", "whatever"),
        ("INVALID SYNTAX HERE", "INVALID", "INVALID SYNTAX"),
        ("SET", "<EOF>", "SET"),
        ("set a", "<EOF>", "a"),
        ("set a=set", "set", "=set"),
        ("remove a = b", "=", "a = b"),
        ("delete a b", "b", "a b"),
        ("add abort b", "b", "abort b"),
        ("ADD hits : incr", ":", "hits : incr"),
        ("set a = b / c", "/", "b / c"),
        ("set a = b + c + d", "+", "c + d"),
        ("SET a = if_not_exist(a, 100)", "100", ", 100)"),
        ("set (a = (b + c))", "(", "set (a"),
        ("set a = (b.c).d + e", ".", ").d"),
        ("set a[1] = 1", "1", "= 1"),
        ("set :a = b", ":a", "set :a ="),
        ("SET _123 = :v", "_", "SET _123"),
        ("SET a[:xyz] = :v", ":xyz", "[:xyz]"),
        ("SET c = if_not_exists(c, :a+:b)", "+", ":a+:b"),
        ("SET a = :v,", "<EOF>", ","),
        ("REMOVE", "<EOF>", "REMOVE"),
        ("SET a = _f(b)", "_", "= _f"),
    ],
)
def test_update_syntax_errors(text, token, near):
    assert update_error(text) == (
        f'Invalid UpdateExpression: Syntax error; token: "{token}", near: "{near}"'
    )


@pytest.mark.parametrize(
    ("text", "token", "near"),
    [("a,", "<EOF>", ","), (",a", ",", ",a"), ("a,,b", ",", ",,b"), ("a b", "b", "a b")],
)
def test_projection_syntax_errors(text, token, near):
    assert projection_error(text) == (
        f'Invalid ProjectionExpression: Syntax error; token: "{token}", near: "{near}"'
    )


def test_keywords_and_update_clauses_are_case_insensitive():
    tree = parse_condition("a = :v aNd NoT b BeTwEeN :x AnD :y oR c In (:z)")
    assert isinstance(tree.root, ast.Or)
    update = parse_update("sEt a = :v rEmOvE b aDd c :n DeLeTe d :s")
    assert [clause.keyword for clause in update.clauses] == ["SET", "REMOVE", "ADD", "DELETE"]


# --------------------------------------------------------------------------- precedence


def test_and_binds_tighter_than_or():
    root = parse_condition("a = :v OR b = :v AND c = :v").root
    assert isinstance(root, ast.Or)
    assert isinstance(root.right, ast.And)


def test_not_binds_tighter_than_and():
    root = parse_condition("NOT a = :v AND b = :v").root
    assert isinstance(root, ast.And)
    assert isinstance(root.left, ast.Not)
    assert isinstance(root.left.operand, ast.Comparison)


def test_parentheses_override_precedence():
    root = parse_condition("(a = :v OR b = :v) AND c = :v").root
    assert isinstance(root, ast.And)
    assert isinstance(root.left, ast.Parens)
    assert isinstance(root.left.inner, ast.Or)


def test_between_and_is_not_the_logical_and():
    root = parse_condition("a BETWEEN :x AND :y AND b = :v").root
    assert isinstance(root, ast.And)
    assert isinstance(root.left, ast.Between)


def test_parenthesised_operands_and_paths():
    root = parse_condition("(a) = (:v)").root
    assert isinstance(root, ast.Comparison)
    root = parse_condition("(a.b).c[1] = :v").root
    assert isinstance(root.left, ast.Path)
    assert [e.name if isinstance(e, ast.Name) else e.index for e in root.left.elements] == [
        "a",
        "b",
        "c",
        1,
    ]


def test_or_is_left_associative_chain():
    root = parse_condition("a = :v OR b = :v OR c = :v").root
    assert isinstance(root, ast.Or)
    assert isinstance(root.left, ast.Or)


# --------------------------------------------------------------------------- text-only checks


@pytest.mark.parametrize(
    "text",
    [
        "a=a and a > ((views))",
        "(a)between(((b.c)).d)and(c)",
        "a > whatever((:things), ((a)))",
        "a=a AND ((a=a AND a=a)) AND a=a",
        "a=a OR ((a=a OR a=a)) OR a=a",
        "a=a AND ((a=a AND (a=a AND a=a)))",
        "((a = :v))",
        "((attribute_exists(a)))",
    ],
)
def test_redundant_parentheses(text):
    assert (
        condition_error(text, parameter="FilterExpression")
        == "Invalid FilterExpression: The expression has redundant parentheses;"
    )


def test_single_parentheses_at_each_level_are_fine():
    compile_condition(
        "((a = :v) AND (b = :v))", ExpressionContext(None, {":v": {"S": "x"}}), "Filter"
    )


def test_redundant_parentheses_in_update_values():
    assert (
        update_error("SET a = ((b))")
        == "Invalid UpdateExpression: The expression has redundant parentheses;"
    )


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("a=a and whatever((:things)) > a", "whatever"),
        ("attRIbute_exIsts((views), #a)", "attRIbute_exIsts"),
        ("ATTRIBUTE_EXISTS(a)", "ATTRIBUTE_EXISTS"),
        ("foo(a)", "foo"),
    ],
)
def test_unknown_condition_functions(text, name):
    assert condition_error(text, parameter="FilterExpression") == (
        f"Invalid FilterExpression: Invalid function name; function: {name}"
    )


def test_update_functions_are_not_condition_functions():
    assert condition_error("if_not_exists(a, :v) = :v") == (
        "Invalid ConditionExpression: The function is not allowed in a condition expression; "
        "function: if_not_exists"
    )


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("a=a and attribute_exists((views), (#a)) > b", "attribute_exists"),
        ("attribute_not_exists(things) > b", "attribute_not_exists"),
        ("attribute_type(things, :a) > b", "attribute_type"),
        ("begins_with(things, a) > b", "begins_with"),
        ("contains(:things, c) > b", "contains"),
        ("size(contains(a, b)) > a", "contains"),
        ("size(things)", "size"),
        ("a = b AND (size(c))", "size"),
        ("a between b and attribute_exists(things)", "attribute_exists"),
        ("a in (b, attribute_exists(things))", "attribute_exists"),
    ],
)
def test_functions_used_in_the_wrong_place(text, name):
    assert condition_error(text, parameter="FilterExpression") == (
        "Invalid FilterExpression: The function is not allowed to be used this way in an "
        f"expression; function: {name}"
    )


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("attribute_exists(views, #a)", "views"),
        (":a < abOrT", "abOrT"),
        ("status = :v", "status"),
        ("a.size = :v", "size"),
        ("#a.Name[1].x = :v", "Name"),
    ],
)
def test_reserved_words_in_conditions(text, word):
    assert condition_error(text) == (
        f"Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: {word}"
    )


def test_reserved_words_in_updates_and_projections():
    assert update_error(" set #c = :c set abOrt = true ") == (
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: abOrt"
    )
    assert update_error(" remove Absolute ") == (
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: Absolute"
    )
    assert projection_error("a, b.Comment") == (
        "Invalid ProjectionExpression: Attribute name is a reserved keyword; "
        "reserved keyword: Comment"
    )


def test_placeholders_avoid_reserved_words():
    ctx = ExpressionContext({"#s": "status"}, {":v": {"S": "on"}})
    condition = compile_condition("#s = :v", ctx, "ConditionExpression")
    assert condition.evaluate({"status": {"S": "on"}})


def test_reserved_word_list():
    assert len(RESERVED_WORDS) == 573
    assert is_reserved("status") and is_reserved("STATUS") and is_reserved("Status")
    assert is_reserved("ttl") and is_reserved("zone") and is_reserved("abort")
    assert not is_reserved("price") and not is_reserved("attribute_exists")


def test_text_checks_come_in_the_service_order():
    # redundant parentheses before unknown functions before misuse before reserved words
    assert "redundant" in condition_error("foo(a) = ((status))")
    assert "Invalid function name" in condition_error("foo(a) = size(status)")
    assert "not allowed to be used" in condition_error("status = contains(a, b)")
    # reserved words before undefined placeholders
    assert "reserved" in condition_error("#x = status")
    # in updates: functions, reserved words, then repeated sections
    assert "Invalid function name" in update_error("set #c = if_not_exist(:c) set c = d")
    assert "reserved" in update_error("set a = :c set abort = :d")


@pytest.mark.parametrize("keyword", ["SET", "REMOVE", "ADD", "DELETE"])
def test_update_sections_only_once(keyword):
    expressions = {
        "SET": "set a = #c set c = :d",
        "REMOVE": "remove #d set a = b remove e",
        "ADD": "add #d :e set a = b add e :f",
        "DELETE": "delete #d :e set a = b delete #e :f",
    }
    assert update_error(expressions[keyword]) == (
        f'Invalid UpdateExpression: The "{keyword}" section can only be used once in an update '
        "expression;"
    )


def test_update_functions():
    assert update_error("set #c = if_not_exist(:c)") == (
        "Invalid UpdateExpression: Invalid function name; function: if_not_exist"
    )
    assert update_error("SET a = LIST_APPEND(:a, :b)") == (
        "Invalid UpdateExpression: Invalid function name; function: LIST_APPEND"
    )
    assert update_error("SET x = size(:val)") == (
        "Invalid UpdateExpression: The function is not allowed in an update expression; "
        "function: size"
    )
    assert update_error("SET a = list_append(list_append(:a, :b), :c)") == (
        "Invalid UpdateExpression: The function is not allowed to be used this way in an "
        "expression; function: list_append"
    )


# --------------------------------------------------------------------------- nesting depth


def test_document_paths_up_to_32_levels():
    ctx = ExpressionContext(None, None)
    compile_projection("a" + ".b" * 31, ctx)
    assert projection_error("a" + ".b" * 32) == (
        "Invalid ProjectionExpression: The document path has too many nesting levels; "
        "nesting levels: 33"
    )
    assert update_error("REMOVE a" + "[0]" * 32) == (
        "Invalid UpdateExpression: The document path has too many nesting levels; "
        "nesting levels: 33"
    )
    assert condition_error("attribute_exists(a" + ".b" * 40 + ")") == (
        "Invalid ConditionExpression: The document path has too many nesting levels; "
        "nesting levels: 41"
    )


def test_parse_is_cached_by_text():
    assert parse_condition("a = :v") is parse_condition("a = :v")
    assert parse_update("SET a = :v") is parse_update("SET a = :v")


# --------------------------------------------------------------------------- operator limit


def test_at_most_300_operators():
    ctx = ExpressionContext(None, {":v": {"S": "x"}})
    ok = " AND ".join(["a = :v"] * 150)  # 150 comparisons + 149 ANDs
    assert compile_condition(ok, ctx, "FilterExpression").evaluate({"a": {"S": "x"}})
    too_many = " AND ".join(["a = :v"] * 151)
    assert condition_error(too_many, values={":v": {"S": "x"}}) == (
        "Invalid ConditionExpression: The expression contains too many operators; "
        "operator count: 301"
    )
    assert condition_error("NOT " * 1000 + "a = :v").endswith("operator count: 301")
    nested_functions = "size(" * 301 + "a" + ")" * 301 + " = :v"
    assert condition_error(nested_functions).endswith("operator count: 301")


def test_deep_but_legal_nesting_compiles_and_evaluates():
    ctx = ExpressionContext(None, {":v": {"S": "x"}})
    text = "(NOT " * 299 + "a = :v" + ")" * 299
    condition = compile_condition(text, ctx, "ConditionExpression")
    assert condition.evaluate({"a": {"S": "y"}}) is True  # an odd number of NOTs
    assert condition_error("(" * 1500 + "a = :v" + ")" * 1500) == (
        "Invalid ConditionExpression: The expression has redundant parentheses;"
    )
