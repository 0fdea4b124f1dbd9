"""Tokens of DynamoDB's PartiQL dialect, each with the line and column the service reports.

Whitespace, ``-- line`` and ``/* block */`` comments separate tokens. Anything the lexer
cannot read (an unterminated string or comment, ``#``, an Ion literal in backticks) is refused
with the "wasn't well formed" message and no detail after the colon, as the service does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import ValidationException

# Token kinds.
IDENT = "ident"  # a bare identifier or keyword: keywords are matched case-insensitively
QUOTED = "quoted"  # a "double-quoted" identifier: a table, index or attribute name as written
STRING = "string"  # a 'single-quoted' string literal ('' inside stands for one quote)
NUMBER = "number"  # an unsigned number literal: digits, optional fraction and exponent
PARAM = "param"  # a ? parameter
PUNCT = "punct"  # operators and brackets
EOF = "eof"

NOT_WELL_FORMED = "Statement wasn't well formed, can't be processed: "

_TOKEN = re.compile(
    r"(?P<space>[ \t\r\n\f]+)"
    r"|(?P<comment>--[^\n]*|/\*.*?\*/)"
    r"|(?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<ident>[A-Za-z_$][A-Za-z0-9_$]*)"
    r'|(?P<quoted>"(?:[^"]|"")*")'
    r"|(?P<string>'(?:[^']|'')*')"
    r"|(?P<param>\?)"
    r"|(?P<punct><<|>>|<=|>=|<>|!=|[=<>()\[\]{},.:*+\-;])",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its text as written, its value (unquoted) and its position."""

    kind: str
    text: str
    value: str
    line: int
    column: int

    @property
    def at(self) -> str:
        """``line:column:length``, as the service's messages locate a token."""
        return f"{self.line}:{self.column}:{len(self.text)}"

    @property
    def upper(self) -> str:
        return self.value.upper() if self.kind == IDENT else ""


def not_well_formed(detail: str = "") -> ValidationException:
    """The service's syntax error; some refusals carry no detail after the colon."""
    return ValidationException(NOT_WELL_FORMED + detail)


def tokenize(text: str) -> list[Token]:
    """Split a statement into tokens, ending with an EOF token. O(len(text))."""
    tokens: list[Token] = []
    line = 1
    line_start = 0
    position = 0
    end = len(text)
    match = _TOKEN.match
    while position < end:
        found = match(text, position)
        if found is None:
            raise not_well_formed()
        kind = found.lastgroup
        raw = found.group()
        if kind not in ("space", "comment"):
            if kind == "quoted":
                value = raw[1:-1].replace('""', '"')
            elif kind == "string":
                value = raw[1:-1].replace("''", "'")
            else:
                value = raw
            assert kind is not None
            tokens.append(Token(kind, raw, value, line, position - line_start + 1))
        newlines = raw.count("\n")
        if newlines:
            line += newlines
            line_start = position + raw.rindex("\n") + 1
        position = found.end()
    tokens.append(Token(EOF, "", "", line, position - line_start + 1))
    return tokens
