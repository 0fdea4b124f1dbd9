"""Recursive-descent parsers for conditions, updates and projections, cached by expression text.

Each parser returns the syntax tree of :mod:`engine.expressions.ast` or raises
:class:`ExpressionError` with the service's message *without* the ``Invalid <Parameter>: ``
prefix (the caller adds it, so one cached parse serves every parameter name).

Besides syntax, a parse runs the checks that depend on the text alone, in the order the
service reports them: document-path depth, redundant parentheses, unknown function names,
functions used in the wrong place, reserved words, and (updates) repeated sections.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from engine.expressions import ast
from engine.expressions.lexer import (
    EOF,
    NAME,
    NAME_REF,
    NUMBER,
    PUNCT,
    VALUE_REF,
    Token,
    tokenize,
)
from engine.expressions.reserved import RESERVED_WORDS

MAX_EXPRESSION_BYTES = 4096
MAX_PATH_DEPTH = 32
MAX_OPERATORS = 300
#: List indexes are read as Java ints: a larger one is refused, whatever the list's length.
MAX_LIST_INDEX = 2**31 - 1

CONDITION_FUNCTIONS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
    "size": 1,
}
UPDATE_FUNCTIONS = {"if_not_exists": 2, "list_append": 2}

_CONDITION_KEYWORDS = frozenset({"AND", "OR", "NOT", "BETWEEN", "IN"})
_UPDATE_KEYWORDS = frozenset({"SET", "REMOVE", "ADD", "DELETE"})
_COMPARATORS = frozenset({"=", "<>", "<", "<=", ">", ">="})


class ExpressionError(Exception):
    """A validation failure in an expression; ``message`` lacks the ``Invalid X: `` prefix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------- entry points


def parse_condition(text: str) -> ast.ConditionExpression:
    """Parse a condition, filter or key condition. O(len(text)) the first time, then cached."""
    return _parse_condition_cached(text)


def parse_update(text: str) -> ast.UpdateExpression:
    """Parse an update expression. O(len(text)) the first time, then cached."""
    return _parse_update_cached(text)


def parse_projection(text: str) -> ast.ProjectionExpression:
    """Parse a projection expression. O(len(text)) the first time, then cached."""
    return _parse_projection_cached(text)


def check_text(text: str) -> None:
    """The checks made before parsing: not empty, at most 4 KB of UTF-8."""
    size = len(text.encode("utf-8"))
    if size > MAX_EXPRESSION_BYTES:
        raise ExpressionError(
            f"Expression size has exceeded the maximum allowed size; expression size: {size}"
        )
    if not text.strip(" \t\r\n"):
        raise ExpressionError("The expression can not be empty;")


@lru_cache(maxsize=2048)
def _parse_condition_cached(text: str) -> ast.ConditionExpression:
    check_text(text)
    parser = _Parser(text, _CONDITION_KEYWORDS)
    root = parser.or_condition(allow_bare=False)
    parser.expect_end()
    tree = ast.ConditionExpression(root)
    checks = _StaticChecks()
    checks.condition(root, in_condition=True)
    checks.raise_first()
    return tree


@lru_cache(maxsize=2048)
def _parse_update_cached(text: str) -> ast.UpdateExpression:
    check_text(text)
    parser = _Parser(text, _UPDATE_KEYWORDS)
    tree = parser.update()
    checks = _StaticChecks()
    checks.update(tree)
    checks.raise_first()
    return tree


@lru_cache(maxsize=2048)
def _parse_projection_cached(text: str) -> ast.ProjectionExpression:
    check_text(text)
    parser = _Parser(text, frozenset())
    paths = [parser.path()]
    while parser.at_punct(","):
        parser.advance()
        paths.append(parser.path())
    parser.expect_end()
    checks = _StaticChecks()
    for path in paths:
        checks.path(path)
    checks.raise_first()
    return ast.ProjectionExpression(tuple(paths))


# --------------------------------------------------------------------------- deep nesting

# Parsing, checking and binding are recursive. Legal expressions (4 KB, 300 operators) can
# nest a few hundred levels, deeper than Python's default limit allows at 4 frames a level,
# so compiling runs with a raised limit (restored once no thread is compiling any more).
_RECURSION_LIMIT = 20_000
_recursion_lock = threading.Lock()
_compiling = 0
_saved_limit = 0


@contextmanager
def deep_recursion() -> Iterator[None]:
    """Run the block with a recursion limit high enough for any legal expression."""
    global _compiling, _saved_limit
    with _recursion_lock:
        if _compiling == 0:
            _saved_limit = sys.getrecursionlimit()
            if _saved_limit < _RECURSION_LIMIT:
                sys.setrecursionlimit(_RECURSION_LIMIT)
        _compiling += 1
    try:
        yield
    finally:
        with _recursion_lock:
            _compiling -= 1
            if _compiling == 0 and _saved_limit < _RECURSION_LIMIT:
                sys.setrecursionlimit(_saved_limit)


# --------------------------------------------------------------------------- the parser


def unwrap(node: ast.Node) -> ast.Node:
    """The node inside any number of parentheses."""
    while isinstance(node, ast.Parens):
        node = node.inner
    return node


def _is_operand(node: ast.Node) -> bool:
    return isinstance(unwrap(node), (ast.Path, ast.ValueRef, ast.FunctionCall, ast.Arithmetic))


class _Parser:
    """One pass over the tokens of one expression; ``keywords`` cannot be attribute names."""

    def __init__(self, text: str, keywords: frozenset[str]) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.keywords = keywords
        self.operators = 0

    def count_operator(self) -> None:
        """Count one operator or function against the service's limit of 300."""
        self.operators += 1
        if self.operators > MAX_OPERATORS:
            raise ExpressionError(
                f"The expression contains too many operators; operator count: {self.operators}"
            )

    # ----------------------------------------------------------------- token helpers
    def peek(self, ahead: int = 0) -> Token:
        index = self.i + ahead
        if index >= len(self.tokens):
            return self.tokens[-1]
        return self.tokens[index]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        if token.kind != EOF:
            self.i += 1
        return token

    def at_punct(self, text: str) -> bool:
        token = self.tokens[self.i]
        return token.kind == PUNCT and token.text == text

    def at_keyword(self, word: str) -> bool:
        token = self.tokens[self.i]
        return token.kind == NAME and token.text.upper() == word

    def is_keyword(self, token: Token) -> bool:
        return token.kind == NAME and token.text.upper() in self.keywords

    def expect_punct(self, text: str) -> Token:
        if not self.at_punct(text):
            self.fail()
        return self.advance()

    def expect_end(self) -> None:
        if self.tokens[self.i].kind != EOF:
            self.fail()

    def fail(self) -> None:
        """Raise the service's syntax error for the current token.

        ``near`` is the text from the previous token to the next one (the service's window).
        """
        index = self.i
        token = self.tokens[index]
        shown = "<EOF>" if token.kind == EOF else token.text
        start = self.tokens[index - 1].start if index > 0 else token.start
        if token.kind == EOF:
            end = len(self.text)
        else:
            end = self.tokens[index + 1].end
            if self.tokens[index + 1].kind == EOF:
                end = len(self.text)
        near = self.text[start:end]
        raise ExpressionError(f'Syntax error; token: "{shown}", near: "{near}"')

    # ----------------------------------------------------------------- paths
    def path(self) -> ast.Path:
        """``name | #ref`` then any of ``.name``, ``.#ref``, ``[digits]``."""
        token = self.peek()
        pos = token.start
        elements: list[ast.PathElement] = [self._path_name()]
        self._path_steps(elements)
        return ast.Path(tuple(elements), pos)

    def _path_name(self) -> ast.Name | ast.NameRef:
        token = self.peek()
        if token.kind == NAME and not self.is_keyword(token):
            self.advance()
            return ast.Name(token.text, token.start)
        if token.kind == NAME_REF:
            self.advance()
            return ast.NameRef(token.text, token.start)
        self.fail()
        raise AssertionError  # unreachable

    def _path_steps(self, elements: list[ast.PathElement]) -> None:
        while True:
            if self.at_punct("."):
                self.advance()
                elements.append(self._path_name())
            elif self.at_punct("["):
                self.advance()
                token = self.peek()
                if token.kind != NUMBER:
                    self.fail()
                self.advance()
                self.expect_punct("]")
                elements.append(ast.Index(int(token.text), token.start))
            else:
                return

    def _function_ahead(self) -> bool:
        token = self.peek()
        following = self.peek(1)
        return (
            token.kind == NAME
            and not self.is_keyword(token)
            and following.kind == PUNCT
            and following.text == "("
        )

    # ----------------------------------------------------------------- conditions
    def or_condition(self, allow_bare: bool) -> ast.Node:
        left = self.and_condition(allow_bare)
        if _is_operand(left) and not isinstance(unwrap(left), ast.FunctionCall):
            return left  # a bare operand inside parentheses: the caller decides
        while self.at_keyword("OR"):
            pos = self.advance().start
            self.count_operator()
            left = ast.Or(left, self.and_condition(False), pos)
        return left

    def and_condition(self, allow_bare: bool) -> ast.Node:
        left = self.not_condition(allow_bare)
        if _is_operand(left) and not isinstance(unwrap(left), ast.FunctionCall):
            return left
        while self.at_keyword("AND"):
            pos = self.advance().start
            self.count_operator()
            left = ast.And(left, self.not_condition(False), pos)
        return left

    def not_condition(self, allow_bare: bool) -> ast.Node:
        if self.at_keyword("NOT"):
            pos = self.advance().start
            self.count_operator()
            return ast.Not(self.not_condition(False), pos)
        return self.primary_condition(allow_bare)

    def primary_condition(self, allow_bare: bool) -> ast.Node:
        if self.at_punct("("):
            pos = self.advance().start
            inner = self.or_condition(allow_bare=True)
            self.expect_punct(")")
            node: ast.Node = ast.Parens(inner, pos)
            if _is_operand(inner):
                node = self._continue_path(node)
                return self.comparison_tail(node, allow_bare)
            return node
        return self.comparison_tail(self.operand(), allow_bare)

    def comparison_tail(self, left: ast.Node, allow_bare: bool) -> ast.Node:
        token = self.peek()
        if token.kind == PUNCT and token.text in _COMPARATORS:
            self.advance()
            self.count_operator()
            return ast.Comparison(token.text, left, self.operand(), token.start)
        if self.at_keyword("BETWEEN"):
            self.advance()
            self.count_operator()
            lower = self.operand()
            if not self.at_keyword("AND"):
                self.fail()
            self.advance()
            return ast.Between(left, lower, self.operand(), token.start)
        if self.at_keyword("IN"):
            self.advance()
            self.count_operator()
            self.expect_punct("(")
            candidates = [self.operand()]
            while self.at_punct(","):
                self.advance()
                candidates.append(self.operand())
            self.expect_punct(")")
            return ast.In(left, tuple(candidates), token.start)
        if isinstance(unwrap(left), ast.FunctionCall):
            return left  # a function used as a condition
        if allow_bare and self.at_punct(")"):
            return left
        self.fail()
        raise AssertionError  # unreachable

    def operand(self) -> ast.Node:
        """A condition operand: path, ``:value``, ``function(...)`` or ``( operand )``."""
        token = self.peek()
        if token.kind == PUNCT and token.text == "(":
            self.advance()
            inner = self.operand()
            self.expect_punct(")")
            return self._continue_path(ast.Parens(inner, token.start))
        if token.kind == VALUE_REF:
            self.advance()
            return ast.ValueRef(token.text, token.start)
        if self._function_ahead():
            self.advance()
            self.advance()
            self.count_operator()
            args = [self.operand()]
            while self.at_punct(","):
                self.advance()
                args.append(self.operand())
            self.expect_punct(")")
            return ast.FunctionCall(token.text, tuple(args), token.start)
        return self.path()

    def _continue_path(self, node: ast.Parens) -> ast.Node:
        """``(a.b).c``: a parenthesised path may go on with more steps."""
        inner = unwrap(node)
        if isinstance(inner, ast.Path) and (self.at_punct(".") or self.at_punct("[")):
            elements = list(inner.elements)
            self._path_steps(elements)
            return ast.Path(tuple(elements), node.pos, node)
        return node

    # ----------------------------------------------------------------- updates
    def update(self) -> ast.UpdateExpression:
        clauses: list[ast.Clause] = []
        token = self.peek()
        while token.kind == NAME and token.text.upper() in _UPDATE_KEYWORDS:
            keyword = token.text.upper()
            self.advance()
            parse_action = {
                "SET": self._set_action,
                "REMOVE": self._remove_action,
                "ADD": self._add_action,
                "DELETE": self._delete_action,
            }[keyword]
            actions = [parse_action()]
            while self.at_punct(","):
                self.advance()
                actions.append(parse_action())
            clauses.append(ast.Clause(keyword, tuple(actions), token.start))
            token = self.peek()
        if not clauses:
            self.fail()
        self.expect_end()
        return ast.UpdateExpression(tuple(clauses))

    def _set_action(self) -> ast.SetAction:
        path = self.path()
        self.expect_punct("=")
        return ast.SetAction(path, self._set_value())

    def _remove_action(self) -> ast.RemoveAction:
        return ast.RemoveAction(self.path())

    def _value_ref(self) -> ast.ValueRef:
        token = self.peek()
        if token.kind != VALUE_REF:
            self.fail()
        self.advance()
        return ast.ValueRef(token.text, token.start)

    def _add_action(self) -> ast.AddAction:
        path = self.path()
        return ast.AddAction(path, self._value_ref())

    def _delete_action(self) -> ast.DeleteAction:
        path = self.path()
        return ast.DeleteAction(path, self._value_ref())

    def _set_value(self) -> ast.Node:
        """``operand`` or ``operand + operand`` or ``operand - operand`` (never more)."""
        left = self._update_operand()
        token = self.peek()
        if token.kind == PUNCT and token.text in ("+", "-"):
            self.advance()
            self.count_operator()
            return ast.Arithmetic(token.text, left, self._update_operand(), token.start)
        return left

    def _update_operand(self) -> ast.Node:
        token = self.peek()
        if token.kind == PUNCT and token.text == "(":
            self.advance()
            inner = self._set_value()
            self.expect_punct(")")
            return ast.Parens(inner, token.start)
        if token.kind == VALUE_REF:
            self.advance()
            return ast.ValueRef(token.text, token.start)
        if self._function_ahead():
            self.advance()
            self.advance()
            self.count_operator()
            args = [self._update_operand()]
            while self.at_punct(","):
                self.advance()
                args.append(self._update_operand())
            self.expect_punct(")")
            return ast.FunctionCall(token.text, tuple(args), token.start)
        return self.path()


# --------------------------------------------------------------------------- text-only checks


class _StaticChecks:
    """Collects the first error of each text-only category, then reports by precedence."""

    ORDER = ("index", "depth", "parens", "function", "misuse", "reserved", "section")

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def note(self, category: str, message: str) -> None:
        self.errors.setdefault(category, message)

    def raise_first(self) -> None:
        for category in self.ORDER:
            if category in self.errors:
                raise ExpressionError(self.errors[category])

    def path(self, path: ast.Path) -> None:
        if path.group is not None:
            self.operand_parens(path.group)
        if len(path.elements) > MAX_PATH_DEPTH:
            self.note(
                "depth",
                "The document path has too many nesting levels; "
                f"nesting levels: {len(path.elements)}",
            )
        for element in path.elements:
            if isinstance(element, ast.Index) and element.index > MAX_LIST_INDEX:
                self.note(
                    "index",
                    f"List index is not within the allowable range; index: [{element.index}]",
                )
            if isinstance(element, ast.Name) and element.name.upper() in RESERVED_WORDS:
                self.note(
                    "reserved",
                    "Attribute name is a reserved keyword; reserved keyword: " + element.name,
                )

    def operand_parens(self, node: ast.Parens) -> None:
        if isinstance(node.inner, ast.Parens):
            self.note("parens", "The expression has redundant parentheses;")
        self.condition(node.inner, in_condition=False)

    def condition(self, node: ast.Node, *, in_condition: bool) -> None:
        """Walk a condition tree; ``in_condition`` is False where an operand is expected."""
        if isinstance(node, ast.Parens):
            if isinstance(node.inner, ast.Parens):
                self.note("parens", "The expression has redundant parentheses;")
            self.condition(node.inner, in_condition=in_condition)
        elif isinstance(node, ast.Path):
            self.path(node)
        elif isinstance(node, ast.FunctionCall):
            name = node.name
            if name not in CONDITION_FUNCTIONS:
                if name in UPDATE_FUNCTIONS:
                    self.note(
                        "function",
                        "The function is not allowed in a condition expression; function: " + name,
                    )
                else:
                    self.note("function", "Invalid function name; function: " + name)
            elif (name == "size") == in_condition:
                self.note(
                    "misuse",
                    "The function is not allowed to be used this way in an expression; "
                    "function: " + name,
                )
            for arg in node.args:
                self.condition(arg, in_condition=False)
        elif isinstance(node, ast.Comparison):
            self.condition(node.left, in_condition=False)
            self.condition(node.right, in_condition=False)
        elif isinstance(node, ast.Between):
            for operand in (node.operand, node.lower, node.upper):
                self.condition(operand, in_condition=False)
        elif isinstance(node, ast.In):
            self.condition(node.operand, in_condition=False)
            for candidate in node.candidates:
                self.condition(candidate, in_condition=False)
        elif isinstance(node, (ast.And, ast.Or)):
            self.condition(node.left, in_condition=True)
            self.condition(node.right, in_condition=True)
        elif isinstance(node, ast.Not):
            self.condition(node.operand, in_condition=True)

    def update(self, tree: ast.UpdateExpression) -> None:
        seen: set[str] = set()
        for clause in tree.clauses:
            if clause.keyword in seen:
                self.note(
                    "section",
                    f'The "{clause.keyword}" section can only be used once in an update '
                    "expression;",
                )
            seen.add(clause.keyword)
            for action in clause.actions:
                self.path(action.path)
                if isinstance(action, ast.SetAction):
                    self.update_value(action.value, inside_list_append=False)

    def update_value(self, node: ast.Node, *, inside_list_append: bool) -> None:
        if isinstance(node, ast.Parens):
            if isinstance(node.inner, ast.Parens):
                self.note("parens", "The expression has redundant parentheses;")
            self.update_value(node.inner, inside_list_append=inside_list_append)
        elif isinstance(node, ast.Path):
            self.path(node)
        elif isinstance(node, ast.Arithmetic):
            self.update_value(node.left, inside_list_append=False)
            self.update_value(node.right, inside_list_append=False)
        elif isinstance(node, ast.FunctionCall):
            name = node.name
            if name not in UPDATE_FUNCTIONS:
                if name in CONDITION_FUNCTIONS:
                    self.note(
                        "function",
                        "The function is not allowed in an update expression; function: " + name,
                    )
                else:
                    self.note("function", "Invalid function name; function: " + name)
            elif name == "list_append" and inside_list_append:
                self.note(
                    "misuse",
                    "The function is not allowed to be used this way in an expression; "
                    "function: list_append",
                )
            for arg in node.args:
                self.update_value(arg, inside_list_append=name == "list_append")
