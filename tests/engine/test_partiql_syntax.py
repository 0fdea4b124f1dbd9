"""PartiQL statements the parser reads, literals it converts, and the syntax it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine
from engine.partiql import ast
from engine.partiql.lexer import tokenize
from engine.partiql.parser import parse
from tests.support.engine import create_table, error_of, n, s

NOT_WELL_FORMED = "Statement wasn't well formed, can't be processed: "


@pytest.fixture
def table(engine: Engine) -> Engine:
    create_table(engine, "Music", partition=("pk", "S"), sort=("sk", "N"))
    return engine


def run(engine: Engine, statement: str, *parameters: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {"Statement": statement}
    if parameters:
        request["Parameters"] = list(parameters)
    return engine.call("ExecuteStatement", request)


def refused(engine: Engine, statement: str, *parameters: dict[str, Any]) -> str:
    request: dict[str, Any] = {"Statement": statement}
    if parameters:
        request["Parameters"] = list(parameters)
    error = error_of(engine, "ExecuteStatement", request)
    assert error.code == "ValidationException"
    return error.message


def stored(engine: Engine, pk: str, sk: int) -> dict[str, Any] | None:
    response = engine.call("GetItem", {"TableName": "Music", "Key": {"pk": s(pk), "sk": n(sk)}})
    return response.get("Item")


# ---------------------------------------------------------------------- tokens
def test_tokens_carry_the_line_and_column_the_service_reports():
    tokens = tokenize("SELECT a\n  FROM \"T\" -- note\n WHERE b = 'it''s' /* c */ AND x = ?")
    where = {t.value: t.at for t in tokens}
    assert where["a"] == "1:8:1"
    assert where["T"] == "2:8:3"
    assert where["it's"] == "3:12:7"
    assert where["?"] == "3:36:1"
    assert tokens[-1].kind == "eof"


def test_keywords_ignore_case_and_names_keep_it():
    parsed = parse('select Title from "Music" where PK = 1')
    statement = parsed.statement
    assert isinstance(statement, ast.Select)
    assert statement.projection == (ast.Path("Title", (), "1:8:5"),)
    assert statement.source == ast.Source("Music", None)


# ---------------------------------------------------------------------- literals
def test_insert_stores_every_literal_type(table: Engine):
    run(
        table,
        "INSERT INTO Music VALUE {'pk': 'a', 'sk': 1, 'b': true, 'z': null, "
        "'m': {'k': [1, 'two', <<3, 4>>]}, 'ss': <<'x', 'y'>>, 'neg': -1.50E1, 'q': 'it''s'}",
    )
    assert stored(table, "a", 1) == {
        "pk": s("a"),
        "sk": n(1),
        "b": {"BOOL": True},
        "z": {"NULL": True},
        "m": {"M": {"k": {"L": [n(1), s("two"), {"NS": ["3", "4"]}]}}},
        "ss": {"SS": ["x", "y"]},
        "neg": n(-15),
        "q": s("it's"),
    }


@pytest.mark.parametrize(
    "literal, stored_as",
    [("7.31e6", "7310000"), ("731e4", "7310000"), (".73e1", "7.3"), ("-.73e1", "-7.3"),
     ("- - 2", "2"), ("-0", "0"), ("2.50", "2.5")],
)  # fmt: skip
def test_number_literals_are_stored_canonical(table: Engine, literal: str, stored_as: str):
    run(table, f"INSERT INTO Music VALUE {{'pk': 'n', 'sk': 1, 'v': {literal}}}")
    assert stored(table, "n", 1)["v"] == n(stored_as)


@pytest.mark.parametrize(
    "literal, message",
    [
        ("1e126", "Number overflow. Attempting to store a number with magnitude larger than supported range under root"),
        ("{'x': 1e-131}", "Number underflow. Attempting to store a number with magnitude smaller than supported range under root.x"),
        ("[1, 1e126]", "Number overflow. Attempting to store a number with magnitude larger than supported range under root[1]"),
        ("123456789012345678901234567890123456789", "Attempting to store more than 38 significant digits in a Number under root"),
        ("1e99999999999", NOT_WELL_FORMED),
        ("1.5e-2147483647", NOT_WELL_FORMED),
        ("<<>>", "Empty bags are not supported"),
        ("<<1, 'a'>>", "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags"),
        ("<<'a', 'a'>>", "One or more parameter values were invalid: Input collection [a, a] contains duplicates."),
        ("<<2, 2.0>>", "One or more parameter values were invalid: Input collection [2, 2.0] contains duplicates! under root"),
        ("{'a': 1, 'a': 2}", "Duplicate keys in tuple. Key: a under root"),
    ],
)  # fmt: skip
def test_literals_the_service_cannot_store_are_refused(table: Engine, literal: str, message: str):
    assert refused(table, f"INSERT INTO Music VALUE {{'pk': 'x', 'sk': 1, 'v': {literal}}}") == (
        message
    )
    assert stored(table, "x", 1) is None


def test_a_literal_nested_32_levels_deep_is_refused_31_is_not(table: Engine):
    deep = "{'a':" * 32 + "1" + "}" * 32
    run(table, "INSERT INTO Music VALUE {'pk': 'd', 'sk': 1}")
    assert refused(table, f"UPDATE Music SET d = {deep} WHERE pk = 'd' AND sk = 1") == (
        "Nesting Levels have exceeded supported limits under root" + ".a" * 32
    )
    allowed = "{'a':" * 31 + "1" + "}" * 31
    run(table, f"UPDATE Music SET d = {allowed} WHERE pk = 'd' AND sk = 1")
    assert "d" in stored(table, "d", 1)


def test_a_parameter_is_refused_inside_a_collection_literal(table: Engine):
    statement = "UPDATE Music SET x = [?] WHERE pk = 'a' AND sk = 1"
    assert refused(table, statement, s("v")) == (
        "Unsupported data type: Parameter under key root[0] at 1:23:1"
    )
    statement = "INSERT INTO Music VALUE {'pk': 'p', 'sk': 1, 'm': {'k': ?}}"
    assert refused(table, statement, s("v")) == (
        f"Unsupported data type: Parameter under key root.k at 1:{statement.index('?') + 1}:1"
    )


# ---------------------------------------------------------------------- comments, signs
def test_comments_are_whitespace_and_a_trailing_semicolon_is_allowed(table: Engine):
    run(table, "INSERT INTO Music VALUE {'pk': 'c', 'sk': 1, 'note': 'a--b /*c*/'}")
    statement = "-- first\nSELECT/**/* FROM Music -- the table\nWHERE pk/* key */='c' AND sk = 1 --"
    assert len(run(table, statement)["Items"]) == 1
    assert (
        len(run(table, "SELECT note FROM Music WHERE pk = 'c' AND note = 'a--b /*c*/';")["Items"])
        == 1
    )


@pytest.mark.parametrize(
    "statement",
    ["SELECT * FROM Music WHERE pk = 'a' # note", "SELECT * FROM Music WHERE pk = 'a' /* open",
     "SELECT * FROM \"Music", "SELECT * FROM Music WHERE pk = 'a", "SELECT * FROM Music WHERE pk = `1`"],
)  # fmt: skip
def test_what_the_lexer_cannot_read_has_no_detail(table: Engine, statement: str):
    assert refused(table, statement) == NOT_WELL_FORMED


# ---------------------------------------------------------------------- syntax errors
@pytest.mark.parametrize(
    "statement, message",
    [
        ("SELECT * FROM Music WHERE pk = 1 foo", "Unexpected token after expression"),
        ("SELECT * FROM Music WHERE pk = 1 e5", "Unexpected token after expression"),
        ("SELECT * FROM Music WHERE pk = 1)", "Unexpected token after expression"),
        ("INSERT INTO Music VALUE {'pk': 'a', 'sk': 1} foo", "Unexpected token after expression"),
        ("DELETE FROM Music WHERE pk = 'a' AND sk = 1 ORDER BY pk", "Unexpected token after expression"),
        ("SELECT * FROM Music ORDER BY pk WHERE pk = 'a'", "Unexpected token after expression"),
        ("INSERT INTO Music t VALUE {'pk': 'a'}", "Unexpected token after expression"),
        ("SELECT * FROM Music WHERE", "Unexpected term"),
        ("SLECT * FROM Music", "Expected data manipulation"),
        ("SELECT * FROM Music WHERE m.inner = 1", "Invalid path dot component"),
    ],
)  # fmt: skip
def test_syntax_errors(table: Engine, statement: str, message: str):
    assert refused(table, statement) == NOT_WELL_FORMED + message


@pytest.mark.parametrize(
    "statement, message",
    [
        ("SELECT * FROM Music t WHERE pk = 'x'", "Aliasing is not supported"),
        ("SELECT * FROM Music AS t WHERE pk = 'x'", "Aliasing is not supported"),
        ("UPDATE Music t SET a = 3 WHERE pk = 'x' AND sk = 1", "Aliasing is not supported"),
        ("DELETE FROM Music t WHERE pk = 'x' AND sk = 1", "Aliasing is not supported"),
        ("SELECT * FROM Music.\"a\".\"b\"", "A path may contain at most 2 components in the FROM clause"),
        ('SELECT * FROM ""', "Path component cannot be an empty string"),
        ("SELECT *, a FROM Music", "Other attributes should not be present in the projection when '*' is used."),
        ("SELECT attribute_exists(ss) FROM Music", "Unexpected path component at 1:8:16"),
        ("SELECT l[-1] FROM Music", "List index is not within the allowable range; index: [-1] at 1:11:1"),
        ("SELECT l[2147483648] FROM Music", "List index is not within the allowable range; index: [2147483648] at 1:10:10"),
        ("INSERT INTO Music VALUES {'pk': 'a'}", 'Unsupported operation: Inserting multiple items in a single statement is not supported, use "INSERT INTO tableName VALUE item" instead'),
        ("INSERT INTO Music VALUE ['a']", "Unsupported format in item expression. Please use struct format {...} to express item values for insert statement."),
        ("INSERT INTO Music VALUE {'pk': 'a', 'sk': 1} RETURNING ALL OLD *", "RETURNING is not supported in INSERT"),
        ("UPDATE Music SET a = 1 WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW", "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"),
        ("INSERT INTO Music VALUE {'pk': 'a', 'sk': 1, 's': set_add(<<'a'>>, <<'b'>>)}", "Unsupported data type: set_add under key root at 1:51:7"),
    ],
)  # fmt: skip
def test_statements_the_service_refuses_by_name(table: Engine, statement: str, message: str):
    assert refused(table, statement) == message


def test_sign_applies_to_number_literals_only(table: Engine):
    run(table, "INSERT INTO Music VALUE {'pk': 's', 'sk': 1, 'n': 1}")
    base = "SELECT sk FROM Music WHERE pk = 's' AND sk = 1 AND "
    assert len(run(table, base + "n = - - 1")["Items"]) == 1
    assert len(run(table, base + "n > -/* c */-1")["Items"]) == 0
    assert len(run(table, base + "n BETWEEN - 2 AND +5 AND n IN [- 1, 1]")["Items"]) == 1
    assert refused(table, base + "n > -?", n(1)).startswith(NOT_WELL_FORMED)
    assert refused(table, base + "n > -n").startswith(NOT_WELL_FORMED)


# ---------------------------------------------------------------------- parameters
def test_parameters_are_validated_before_the_statement_is_read(table: Engine):
    assert refused(table, "UPDATE Music SET WHERE", {"SS": ["a", "a"]}) == (
        "One or more parameter values were invalid: Input collection [a, a] contains duplicates."
    )
    assert refused(table, "SELECT * FROM Music WHERE pk = ?", {"N": "1e99999999999"}) == (
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )
    assert refused(table, "SELECT * FROM Music WHERE pk = ?", {"N": "1 2"}) == (
        "The parameter cannot be converted to a numeric value: 1 2"
    )
    deep: dict[str, Any] = s("leaf")
    for _ in range(40):
        deep = {"M": {"n": deep}}
    assert refused(table, "SELECT * FROM Music WHERE pk = 'a' AND x = ? AND y = ?", deep, n(1)) == (
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested "
        "levels beyond supported limit"
    )


def test_the_number_of_parameters_must_match(table: Engine):
    message = "Number of parameters in request and statement don't match."
    assert refused(table, "SELECT * FROM Music WHERE pk = ? AND sk = ?", s("a")) == message
    assert refused(table, "SELECT * FROM Music WHERE pk = 'a'", s("a")) == message


def test_parses_are_cached_and_shared_safely(table: Engine):
    statement = "INSERT INTO Music VALUE {'pk': 'k', 'sk': ?, 'm': {'x': [1]}}"
    run(table, statement, n(1))
    run(table, statement, n(2))
    table.call(
        "UpdateItem",
        {
            "TableName": "Music",
            "Key": {"pk": s("k"), "sk": n(1)},
            "UpdateExpression": "SET m.x[0] = :v",
            "ExpressionAttributeValues": {":v": n(9)},
        },
    )
    assert stored(table, "k", 2)["m"] == {"M": {"x": {"L": [n(1)]}}}
    assert parse.cache_info().hits >= 1


def test_request_shape_is_validated(table: Engine):
    error = error_of(table, "ExecuteStatement", {})
    assert error.message == (
        "1 validation error detected: Value null at 'statement' failed to satisfy constraint: "
        "Member must not be null"
    )
    error = error_of(
        table,
        "ExecuteStatement",
        {"Statement": "SELECT * FROM Music", "Limit": 0, "Parameters": []},
    )
    assert error.message == (
        "2 validation errors detected: Value '[]' at 'parameters' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; Value '0' at 'limit' failed to "
        "satisfy constraint: Member must have value greater than or equal to 1"
    )
    too_long = "SELECT * FROM Music WHERE a = '" + "x" * 8200 + "'"
    assert (
        "Member must have length less than or equal to 8192"
        in error_of(table, "ExecuteStatement", {"Statement": too_long}).message
    )
