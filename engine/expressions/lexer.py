"""Tokens of the expression language, each with its start and end offsets in the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Token kinds.
NAME = "name"  # an attribute name or keyword: a letter, then letters, digits or underscores
NAME_REF = "name_ref"  # an ExpressionAttributeNames placeholder: '#' then [A-Za-z0-9_]+
VALUE_REF = "value_ref"  # an ExpressionAttributeValues placeholder: ':' then [A-Za-z0-9_]+
NUMBER = "number"  # digits (only meaningful as a list index)
PUNCT = "punct"  # ( ) [ ] , . = <> < <= > >= + -
UNKNOWN = "unknown"  # any other single character: always a syntax error where it appears
EOF = "eof"

# The service's lexer: whitespace is space, tab, CR and LF; a bare name may not start with
# an underscore or a digit; a placeholder's body may.
_TOKEN = re.compile(
    r"[ \t\r\n]+"
    r"|(?P<name>[A-Za-z][A-Za-z0-9_]*)"
    r"|(?P<name_ref>#[A-Za-z0-9_]+)"
    r"|(?P<value_ref>:[A-Za-z0-9_]+)"
    r"|(?P<number>[0-9]+)"
    r"|(?P<punct><>|<=|>=|[=<>()\[\],.+-])"
    r"|(?P<unknown>.)",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its text and where it sits in the expression (``text[start:end]``)."""

    kind: str
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an EOF token at ``len(text)``. O(len(text))."""
    tokens: list[Token] = []
    append = tokens.append
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind is None:  # whitespace
            continue
        append(Token(kind, match.group(kind), match.start(), match.end()))
    append(Token(EOF, "", len(text), len(text)))
    return tokens
