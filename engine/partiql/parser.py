"""Recursive-descent parser: statement text -> ``ast.Parsed``, cached by text.

Grammar (keywords ignore case)::

    statement  := (select | insert | update | delete | exists | from_update) [';']
    select     := SELECT ('*' | path (',' path)*) FROM source [WHERE expr]
                  [ORDER BY name [ASC|DESC] (',' name [ASC|DESC])*]
    insert     := INSERT INTO source VALUE ('{' 'name': value, ... '}' | '?')
    update     := UPDATE source clauses [WHERE expr] [returning]
    from_update:= FROM source WHERE expr clauses [returning]
    delete     := DELETE FROM source [WHERE expr] [returning]
    exists     := EXISTS '(' select ')'
    clauses    := (SET path '=' term (',' path '=' term)* | REMOVE path (',' path)*)+
    returning  := RETURNING (ALL | MODIFIED) (OLD | NEW) '*'
    expr       := or;  or := and (OR and)*;  and := not (AND not)*;  not := NOT not | predicate
    predicate  := term [(= | <> | != | < | <= | > | >=) term | [NOT] IN list
                  | [NOT] BETWEEN term AND term | IS [NOT] type]
    term       := unary (('+' | '-') unary)*
    unary      := ('+' | '-')* primary
    primary    := literal | '?' | path | name '(' [expr (',' expr)*] ')' | '(' expr ')'

Literals become typed values here, with the service's errors for numbers it cannot store
(" under root.a[1]" names where inside the literal), empty or mixed bags, and nesting.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from engine.errors import ValidationException
from engine.partiql import ast
from engine.partiql.lexer import (
    EOF,
    IDENT,
    NUMBER,
    PARAM,
    PUNCT,
    QUOTED,
    STRING,
    Token,
    not_well_formed,
    tokenize,
)
from engine.values import canonical_number

INT32_MAX = 2**31 - 1
#: A literal may nest 31 levels of lists and maps below an attribute value; the 32nd is refused.
MAX_LITERAL_DEPTH = 32

#: Words that cannot be bare attribute names (quote them: "value").
RESERVED = frozenset(
    {
        "ALL",
        "AND",
        "AS",
        "ASC",
        "AT",
        "BETWEEN",
        "BY",
        "CASE",
        "CAST",
        "DELETE",
        "DESC",
        "DISTINCT",
        "ELSE",
        "END",
        "EXISTS",
        "FALSE",
        "FROM",
        "GROUP",
        "HAVING",
        "IN",
        "INNER",
        "INSERT",
        "INTO",
        "IS",
        "JOIN",
        "LIKE",
        "LIMIT",
        "MISSING",
        "NOT",
        "NULL",
        "OFFSET",
        "ON",
        "OR",
        "ORDER",
        "OUTER",
        "PIVOT",
        "REMOVE",
        "RETURNING",
        "SELECT",
        "SET",
        "THEN",
        "TRUE",
        "UNION",
        "UNPIVOT",
        "UPDATE",
        "VALUE",
        "VALUES",
        "WHEN",
        "WHERE",
    }
)

_COMPARATORS = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

STAR_AND_OTHERS = "Other attributes should not be present in the projection when '*' is used."
ALIASING = "Aliasing is not supported"
EMPTY_COMPONENT = "Path component cannot be an empty string"
FROM_PATH = "A path may contain at most 2 components in the FROM clause"
EMPTY_BAG = "Empty bags are not supported"
MIXED_BAG = "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags"
INSERT_MANY = (
    "Unsupported operation: Inserting multiple items in a single statement is not supported, "
    'use "INSERT INTO tableName VALUE item" instead'
)
ITEM_SYNTAX = (
    "Unsupported format in item expression. Please use struct format {...} to express item "
    "values for insert statement."
)
INSERT_RETURNING = "RETURNING is not supported in INSERT"
RETURNING_SYNTAX = "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"


@lru_cache(maxsize=2048)
def parse(text: str) -> ast.Parsed:
    """Parse one statement. O(len(text)) the first time, then cached (the tree is immutable).

    Raises ValidationException worded as the service words it.
    """
    parser = _Parser(tokenize(text))
    statement = parser.statement()
    parser.finish()
    return ast.Parsed(statement, parser.parameters)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0
        self.parameters = 0

    # ------------------------------------------------------------------ token helpers
    def peek(self, offset: int = 0) -> Token:
        index = min(self.position + offset, len(self.tokens) - 1)
        return self.tokens[index]

    def advance(self) -> Token:
        token = self.tokens[self.position]
        if token.kind != EOF:
            self.position += 1
        return token

    def at_keyword(self, word: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token.kind == IDENT and token.upper == word

    def accept_keyword(self, word: str) -> bool:
        if self.at_keyword(word):
            self.advance()
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.accept_keyword(word):
            raise self.unexpected(f"Expected {word}")

    def at_punct(self, text: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token.kind == PUNCT and token.value == text

    def accept_punct(self, text: str) -> bool:
        if self.at_punct(text):
            self.advance()
            return True
        return False

    def expect_punct(self, text: str) -> None:
        if not self.accept_punct(text):
            raise self.unexpected(f"Expected {text}")

    def unexpected(self, detail: str) -> ValidationException:
        # Running out of statement where something must follow reads as a missing term.
        if self.peek().kind == EOF:
            return not_well_formed("Unexpected term")
        return not_well_formed(detail)

    def finish(self) -> None:
        self.accept_punct(";")
        if self.peek().kind != EOF:
            raise not_well_formed("Unexpected token after expression")

    # ------------------------------------------------------------------ statements
    def statement(self) -> ast.Statement:
        word = self.peek().upper
        if word == "SELECT":
            return self.select()
        if word == "INSERT":
            return self.insert()
        if word == "UPDATE":
            return self.update()
        if word == "DELETE":
            return self.delete()
        if word == "EXISTS":
            return self.exists()
        if word == "FROM":
            return self.from_update()
        raise not_well_formed("Expected data manipulation")

    def select(self) -> ast.Select:
        self.expect_keyword("SELECT")
        projection: tuple[ast.Path, ...] | None
        if self.accept_punct("*"):
            if self.at_punct(","):
                raise ValidationException(STAR_AND_OTHERS)
            projection = None
        else:
            paths = [self.projected_path()]
            while self.accept_punct(","):
                paths.append(self.projected_path())
            projection = tuple(paths)
        self.expect_keyword("FROM")
        source = self.source()
        self.refuse_alias()
        where = self.expression() if self.accept_keyword("WHERE") else None
        order: list[ast.OrderKey] = []
        if self.accept_keyword("ORDER"):
            self.expect_keyword("BY")
            order.append(self.order_key())
            while self.accept_punct(","):
                order.append(self.order_key())
        return ast.Select(projection, source, where, tuple(order))

    def projected_path(self) -> ast.Path:
        token = self.peek()
        if token.kind == PUNCT and token.value == "*":
            raise ValidationException(STAR_AND_OTHERS)
        if token.kind in (STRING, NUMBER, PARAM) or (token.kind == IDENT and self.at_punct("(", 1)):
            raise ValidationException(f"Unexpected path component at {token.at}")
        return self.path()

    def order_key(self) -> ast.OrderKey:
        token = self.advance()
        if token.kind not in (IDENT, QUOTED) or (token.kind == IDENT and token.upper in RESERVED):
            raise not_well_formed("Unexpected term")
        descending: bool | None = None
        if self.accept_keyword("ASC"):
            descending = False
        elif self.accept_keyword("DESC"):
            descending = True
        return ast.OrderKey(token.value, descending, token.at)

    def insert(self) -> ast.Insert:
        self.expect_keyword("INSERT")
        self.expect_keyword("INTO")
        source = self.source()
        if self.at_keyword("VALUES"):
            raise ValidationException(INSERT_MANY)
        if not self.at_keyword("VALUE"):
            # An alias (or anything else) here is a token the statement cannot place.
            raise self.unexpected("Unexpected token after expression")
        at = self.advance().at
        item: ast.Node
        if self.at_punct("{"):
            item = self.item_literal()
        elif self.peek().kind == PARAM:
            item = self.parameter()
        else:
            raise ValidationException(ITEM_SYNTAX)
        if self.at_keyword("RETURNING"):
            raise ValidationException(INSERT_RETURNING)
        return ast.Insert(source, item, at)

    def update(self) -> ast.Update:
        self.expect_keyword("UPDATE")
        source = self.source()
        self.refuse_alias()
        actions = self.update_clauses()
        where = self.expression() if self.accept_keyword("WHERE") else None
        return ast.Update(source, actions, where, self.returning())

    def from_update(self) -> ast.Update:
        self.expect_keyword("FROM")
        source = self.source()
        self.refuse_alias()
        self.expect_keyword("WHERE")
        where = self.expression()
        actions = self.update_clauses()
        return ast.Update(source, actions, where, self.returning())

    def update_clauses(self) -> tuple[ast.SetAction | ast.RemoveAction, ...]:
        actions: list[ast.SetAction | ast.RemoveAction] = []
        while True:
            if self.accept_keyword("SET"):
                actions.append(self.assignment())
                while self.accept_punct(","):
                    actions.append(self.assignment())
            elif self.accept_keyword("REMOVE"):
                actions.append(ast.RemoveAction(self.path()))
                while self.accept_punct(","):
                    actions.append(ast.RemoveAction(self.path()))
            else:
                break
        if not actions:
            raise self.unexpected("Expected SET or REMOVE")
        return tuple(actions)

    def assignment(self) -> ast.SetAction:
        target = self.path()
        self.expect_punct("=")
        return ast.SetAction(target, self.term())

    def delete(self) -> ast.Delete:
        self.expect_keyword("DELETE")
        self.expect_keyword("FROM")
        source = self.source()
        self.refuse_alias()
        where = self.expression() if self.accept_keyword("WHERE") else None
        return ast.Delete(source, where, self.returning())

    def exists(self) -> ast.Exists:
        self.expect_keyword("EXISTS")
        self.expect_punct("(")
        if not self.at_keyword("SELECT"):
            raise self.unexpected("Expected SELECT")
        select = self.select()
        self.expect_punct(")")
        return ast.Exists(select)

    def returning(self) -> str | None:
        if not self.accept_keyword("RETURNING"):
            return None
        scope = self.advance()
        image = self.advance()
        if scope.upper not in ("ALL", "MODIFIED") or image.upper not in ("OLD", "NEW"):
            raise not_well_formed("Unexpected term")
        if not self.accept_punct("*"):
            raise ValidationException(RETURNING_SYNTAX)
        return f"{scope.upper} {image.upper}"

    def source(self) -> ast.Source:
        parts = [self.source_component()]
        while self.accept_punct("."):
            parts.append(self.source_component())
        if len(parts) > 2:
            raise ValidationException(FROM_PATH)
        if any(part == "" for part in parts):
            raise ValidationException(EMPTY_COMPONENT)
        return ast.Source(parts[0], parts[1] if len(parts) == 2 else None)

    def source_component(self) -> str:
        token = self.advance()
        if token.kind not in (IDENT, QUOTED):
            raise not_well_formed("Unexpected term")
        return token.value

    def refuse_alias(self) -> None:
        token = self.peek()
        if (token.kind == IDENT and (token.upper == "AS" or token.upper not in RESERVED)) or (
            token.kind == QUOTED
        ):
            raise ValidationException(ALIASING)

    # ------------------------------------------------------------------ expressions
    def expression(self) -> ast.Node:
        items = [self.conjunction()]
        while self.accept_keyword("OR"):
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else ast.Or(tuple(items))

    def conjunction(self) -> ast.Node:
        items = [self.negation()]
        while self.accept_keyword("AND"):
            items.append(self.negation())
        return items[0] if len(items) == 1 else ast.And(tuple(items))

    def negation(self) -> ast.Node:
        if self.accept_keyword("NOT"):
            return ast.Not(self.negation())
        return self.predicate()

    def predicate(self) -> ast.Node:
        left = self.term()
        while True:
            token = self.peek()
            if token.kind == PUNCT and token.value in _COMPARATORS:
                self.advance()
                left = ast.Compare(_COMPARATORS[token.value], left, self.term(), token.at)
                continue
            if token.upper == "IS":
                self.advance()
                negated = self.accept_keyword("NOT")
                kind = self.advance()
                if kind.kind != IDENT:
                    raise not_well_formed("Unexpected term")
                return ast.Is(left, kind.upper, negated, token.at)
            negated = token.upper == "NOT" and self.peek(1).upper in ("IN", "BETWEEN")
            if negated:
                self.advance()
                token = self.peek()
            if token.upper == "IN":
                self.advance()
                node: ast.Node = ast.In(left, self.in_list(), token.at)
            elif token.upper == "BETWEEN":
                self.advance()
                low = self.term()
                self.expect_keyword("AND")
                node = ast.Between(left, low, self.term(), token.at)
            else:
                return left
            return ast.Not(node) if negated else node

    def in_list(self) -> tuple[ast.Node, ...]:
        close = {"[": "]", "(": ")"}.get(self.peek().value if self.peek().kind == PUNCT else "")
        if close is None:
            raise ValidationException(
                "IN operator must have a left hand argument of type Variable Reference and "
                "right hand argument of type Seq with at least one member"
            )
        self.advance()
        items: list[ast.Node] = []
        if not self.at_punct(close):
            items.append(self.term())
            while self.accept_punct(","):
                items.append(self.term())
        self.expect_punct(close)
        return tuple(items)

    def term(self) -> ast.Node:
        left = self.unary()
        while self.at_punct("+") or self.at_punct("-"):
            token = self.advance()
            left = ast.Arith(token.value, left, self.unary(), token.at)
        return left

    def unary(self) -> ast.Node:
        negative = None
        while self.at_punct("+") or self.at_punct("-"):
            negative = bool(negative) != (self.advance().value == "-")
        node = self.primary()
        if negative is None:
            return node
        # A sign applies to a number literal only; "-?" and "-n" are refused.
        if not (isinstance(node, ast.Value) and "N" in node.value):
            raise not_well_formed("Unexpected term")
        return ast.Value(_signed(node.value, negative), node.at) if negative else node

    def primary(self) -> ast.Node:
        token = self.peek()
        if token.kind == PUNCT:
            if token.value == "(":
                self.advance()
                inner = self.expression()
                self.expect_punct(")")
                return inner
            if token.value in ("[", "{", "<<"):
                return ast.Value(self.literal("root", 0), token.at)
            raise self.unexpected("Unexpected term")
        if token.kind == PARAM:
            return self.parameter()
        if token.kind == STRING:
            self.advance()
            return ast.Value({"S": token.value}, token.at)
        if token.kind == NUMBER:
            self.advance()
            return ast.Value(_number(token, "root"), token.at)
        if token.kind == IDENT:
            if self.at_punct("(", 1):
                return self.call()
            word = token.upper
            if word in ("TRUE", "FALSE"):
                self.advance()
                return ast.Value({"BOOL": word == "TRUE"}, token.at)
            if word == "NULL":
                self.advance()
                return ast.Value({"NULL": True}, token.at)
            if word == "MISSING":
                self.advance()
                return ast.Missing(token.at)
            if word in RESERVED:
                raise not_well_formed("Unexpected term")
            return self.path()
        if token.kind == QUOTED:
            return self.path()
        raise not_well_formed("Unexpected term")

    def parameter(self) -> ast.Param:
        token = self.advance()
        self.parameters += 1
        return ast.Param(self.parameters - 1, token.at)

    def call(self) -> ast.Call:
        name = self.advance()
        self.expect_punct("(")
        args: list[ast.Node] = []
        if not self.at_punct(")"):
            args.append(self.expression())
            while self.accept_punct(","):
                args.append(self.expression())
        self.expect_punct(")")
        return ast.Call(name.value.lower(), tuple(args), name.at)

    def path(self) -> ast.Path:
        token = self.advance()
        if token.kind not in (IDENT, QUOTED):
            raise not_well_formed("Unexpected term")
        if token.value == "":
            raise ValidationException(EMPTY_COMPONENT)
        steps: list[str | int] = []
        while True:
            if self.accept_punct("."):
                member = self.advance()
                named = member.kind == QUOTED and member.value
                if not (named or (member.kind == IDENT and member.upper not in RESERVED)):
                    raise not_well_formed("Invalid path dot component")
                steps.append(member.value)
            elif self.accept_punct("["):
                steps.append(self.list_index())
                self.expect_punct("]")
            else:
                return ast.Path(token.value, tuple(steps), token.at)

    def list_index(self) -> int:
        negative = False
        while self.at_punct("-") or self.at_punct("+"):
            negative = negative != (self.advance().value == "-")
        token = self.advance()
        if token.kind != NUMBER or not token.value.isdigit():
            raise not_well_formed("Unexpected term")
        index = int(token.value)
        if (negative and index) or index > INT32_MAX:
            shown = ("-" if negative else "") + token.value
            raise ValidationException(
                f"List index is not within the allowable range; index: [{shown}] at {token.at}"
            )
        return index

    # ------------------------------------------------------------------ literals
    def item_literal(self) -> ast.ItemLiteral:
        at = self.advance().at  # {
        entries: list[tuple[str, ast.Node]] = []
        seen: set[str] = set()
        if not self.accept_punct("}"):
            while True:
                name = self.tuple_key("root", seen)
                self.expect_punct(":")
                if self.peek().kind == PARAM:
                    value: ast.Node = self.parameter()
                else:
                    token = self.peek()
                    value = ast.Value(self.literal("root", 0), token.at)
                entries.append((name, value))
                if self.accept_punct("}"):
                    break
                self.expect_punct(",")
        return ast.ItemLiteral(tuple(entries), at)

    def tuple_key(self, path: str, seen: set[str]) -> str:
        token = self.advance()
        if token.kind != STRING:
            raise not_well_formed("Unexpected term")
        if token.value in seen:
            raise ValidationException(f"Duplicate keys in tuple. Key: {token.value} under {path}")
        seen.add(token.value)
        return token.value

    def literal(self, path: str, depth: int) -> dict[str, Any]:
        """A constant value; ``path`` names where it sits inside the outermost literal."""
        if depth >= MAX_LITERAL_DEPTH:
            raise ValidationException(f"Nesting Levels have exceeded supported limits under {path}")
        token = self.peek()
        if token.kind == PUNCT and token.value in ("+", "-"):
            negative = False
            while self.at_punct("+") or self.at_punct("-"):
                negative = negative != (self.advance().value == "-")
            number = self.advance()
            if number.kind != NUMBER:
                raise not_well_formed("Unexpected term")
            return _signed(_number(number, path), negative)
        if token.kind == STRING:
            self.advance()
            return {"S": token.value}
        if token.kind == NUMBER:
            self.advance()
            return _number(token, path)
        if token.kind == PARAM:
            raise ValidationException(
                f"Unsupported data type: Parameter under key {path} at {token.at}"
            )
        if token.kind == IDENT:
            word = token.upper
            if word in ("TRUE", "FALSE"):
                self.advance()
                return {"BOOL": word == "TRUE"}
            if word == "NULL":
                self.advance()
                return {"NULL": True}
            raise ValidationException(
                f"Unsupported data type: {token.value} under key {path} at {token.at}"
            )
        if token.kind == PUNCT and token.value == "[":
            self.advance()
            items: list[dict[str, Any]] = []
            if not self.accept_punct("]"):
                while True:
                    items.append(self.literal(f"{path}[{len(items)}]", depth + 1))
                    if self.accept_punct("]"):
                        break
                    self.expect_punct(",")
            return {"L": items}
        if token.kind == PUNCT and token.value == "{":
            self.advance()
            members: dict[str, dict[str, Any]] = {}
            seen: set[str] = set()
            if not self.accept_punct("}"):
                while True:
                    key = self.tuple_key(path, seen)
                    self.expect_punct(":")
                    members[key] = self.literal(f"{path}.{key}", depth + 1)
                    if self.accept_punct("}"):
                        break
                    self.expect_punct(",")
            return {"M": members}
        if token.kind == PUNCT and token.value == "<<":
            return self.bag(path)
        raise self.unexpected("Unexpected term")

    def bag(self, path: str) -> dict[str, Any]:
        self.advance()  # <<
        members: list[tuple[dict[str, Any], str]] = []
        if not self.accept_punct(">>"):
            while True:
                token = self.peek()
                if token.kind == PARAM:
                    raise ValidationException(
                        f"Unsupported data type: Parameter under key {path} at {token.at}"
                    )
                start = self.position
                value = self.literal(path, 1)
                written = "".join(t.text for t in self.tokens[start : self.position])
                members.append((value, written))
                if self.accept_punct(">>"):
                    break
                self.expect_punct(",")
        if not members:
            raise ValidationException(EMPTY_BAG)
        kinds = {next(iter(value)) for value, _ in members}
        if kinds == {"S"}:
            strings = [value["S"] for value, _ in members]
            if len(set(strings)) != len(strings):
                raise ValidationException(
                    "One or more parameter values were invalid: Input collection "
                    f"[{', '.join(strings)}] contains duplicates."
                )
            return {"SS": strings}
        if kinds == {"N"}:
            numbers = [value["N"] for value, _ in members]
            if len({Decimal(n) for n in numbers}) != len(numbers):
                raise ValidationException(
                    "One or more parameter values were invalid: Input collection "
                    f"[{', '.join(w for _, w in members)}] contains duplicates! under {path}"
                )
            return {"NS": numbers}
        raise ValidationException(MIXED_BAG)


def _number(token: Token, path: str) -> dict[str, Any]:
    """A number literal in canonical form, refused as the service refuses it."""
    text = token.value
    mantissa, _, exponent_text = text.lower().partition("e")
    exponent = int(exponent_text) if exponent_text else 0
    fraction = len(mantissa.partition(".")[2])
    # The service reads literals as Java BigDecimals: an exponent or a scale beyond a 32-bit
    # integer cannot be read at all.
    if not -INT32_MAX - 1 <= exponent <= INT32_MAX or not (
        -INT32_MAX - 1 <= fraction - exponent <= INT32_MAX
    ):
        raise not_well_formed()
    try:
        return {"N": canonical_number(text)}
    except ValidationException as error:
        raise ValidationException(f"{error.message} under {path}") from None


def _signed(value: dict[str, Any], negative: bool) -> dict[str, Any]:
    text = value["N"]
    if not negative or text == "0":
        return value
    return {"N": text[1:] if text.startswith("-") else "-" + text}
