"""Per-request expression context: the names and values placeholders stand for, and which were used."""

from __future__ import annotations

import re
from typing import Any

from engine.errors import ValidationException
from engine.expressions import ast
from engine.expressions.parser import ExpressionError
from engine.values import validate_value

_NAME_KEY = re.compile(r"#[A-Za-z0-9_]+\Z")
_VALUE_KEY = re.compile(r":[A-Za-z0-9_]+\Z")

#: A resolved document path: attribute and member names (str) and list indexes (int).
ResolvedPath = tuple[str | int, ...]


class ExpressionContext:
    """Per-request: ExpressionAttributeNames / ExpressionAttributeValues, and which were used.

    Pass ``None`` for a parameter the request does not carry. Construction validates both maps
    as the service does (empty maps, malformed placeholder keys, invalid attribute values) and
    keeps each value in canonical form. Every expression compiled with this context marks the
    placeholders it references; :meth:`check_unused` then reports the ones nothing used.
    """

    __slots__ = ("names", "values", "_used_names", "_used_values")

    def __init__(self, names: dict[str, str] | None, values: dict[str, dict] | None) -> None:
        if names is not None:
            if not names:
                raise ValidationException("ExpressionAttributeNames must not be empty")
            for key in names:
                if not isinstance(key, str) or not _NAME_KEY.match(key):
                    raise ValidationException(
                        f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{key}"'
                    )
            for key, name in names.items():
                if name == "":
                    raise ValidationException(
                        f"ExpressionAttributeNames contains invalid value: Empty attribute name "
                        f"for key {key}"
                    )
        validated: dict[str, dict[str, Any]] = {}
        if values is not None:
            if not values:
                raise ValidationException("ExpressionAttributeValues must not be empty")
            for key in values:
                if not isinstance(key, str) or not _VALUE_KEY.match(key):
                    raise ValidationException(
                        "ExpressionAttributeValues contains invalid key: Syntax error; "
                        f'key: "{key}"'
                    )
            for key, value in values.items():
                try:
                    validated[key] = validate_value(value)
                except ValidationException as error:
                    raise ValidationException(
                        f"ExpressionAttributeValues contains invalid value: {error.message} "
                        f"for key {key}"
                    ) from None
        self.names: dict[str, str] = dict(names) if names else {}
        self.values: dict[str, dict[str, Any]] = validated
        self._used_names: set[str] = set()
        self._used_values: set[str] = set()

    def name(self, ref: str) -> str:
        """The attribute name ``#ref`` stands for; marks it used. O(1)."""
        try:
            resolved = self.names[ref]
        except KeyError:
            raise ExpressionError(
                "An expression attribute name used in the document path is not defined; "
                f"attribute name: {ref}"
            ) from None
        self._used_names.add(ref)
        return resolved

    def value(self, ref: str) -> dict[str, Any]:
        """The (validated) attribute value ``:ref`` stands for; marks it used. O(1)."""
        try:
            resolved = self.values[ref]
        except KeyError:
            raise ExpressionError(
                "An expression attribute value used in expression is not defined; "
                f"attribute value: {ref}"
            ) from None
        self._used_values.add(ref)
        return resolved

    def resolve_path(self, path: ast.Path) -> ResolvedPath:
        """The path with every ``#ref`` replaced by its name. O(len(path))."""
        resolved: list[str | int] = []
        for element in path.elements:
            if isinstance(element, ast.Name):
                resolved.append(element.name)
            elif isinstance(element, ast.NameRef):
                resolved.append(self.name(element.ref))
            else:
                resolved.append(element.index)
        return tuple(resolved)

    def check_unused(self) -> None:
        """Raise for placeholders that no expression bound with this context referenced."""
        unused = [key for key in self.names if key not in self._used_names]
        if unused:
            raise ValidationException(
                "Value provided in ExpressionAttributeNames unused in expressions: "
                f"keys: {{{', '.join(unused)}}}"
            )
        unused = [key for key in self.values if key not in self._used_values]
        if unused:
            raise ValidationException(
                "Value provided in ExpressionAttributeValues unused in expressions: "
                f"keys: {{{', '.join(unused)}}}"
            )


def format_path(path: ResolvedPath) -> str:
    """A path as the service prints it in messages: ``[a, b, [0]]``."""
    return "[" + ", ".join(f"[{p}]" if isinstance(p, int) else p for p in path) + "]"


def check_overlaps(paths: list[ResolvedPath]) -> None:
    """Reject two paths where one contains the other, then two that disagree on a step's kind.

    All overlaps are reported before any conflict; in each pair, path one is the earlier.
    O(n^2 * depth) for n paths.
    """
    for later in range(len(paths)):
        for earlier in range(later):
            one, two = paths[earlier], paths[later]
            shorter = min(len(one), len(two))
            if one[:shorter] == two[:shorter]:
                raise ExpressionError(
                    "Two document paths overlap with each other; must remove or rewrite one of "
                    f"these paths; path one: {format_path(one)}, path two: {format_path(two)}"
                )
    for later in range(len(paths)):
        for earlier in range(later):
            one, two = paths[earlier], paths[later]
            for step_one, step_two in zip(one, two, strict=False):
                if step_one == step_two and type(step_one) is type(step_two):
                    continue
                if isinstance(step_one, int) != isinstance(step_two, int):
                    raise ExpressionError(
                        "Two document paths conflict with each other; must remove or rewrite "
                        f"one of these paths; path one: {format_path(one)}, "
                        f"path two: {format_path(two)}"
                    )
                break
