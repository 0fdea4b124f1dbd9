"""Request-shape validation worded as the service words it.

The service reports parameter constraint violations together:
``2 validation errors detected: Value 'x!' at 'tableName' failed to satisfy constraint: ...; ...``.
A parameter of the wrong JSON type is a SerializationException instead.
"""

from __future__ import annotations

import re
from typing import Any

from engine.errors import SerializationException, ValidationException

TABLE_NAME_PATTERN = re.compile(r"[a-zA-Z0-9_.\-]+")


class Violations:
    """Collects constraint violations and raises them as one ValidationException."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, value: Any, path: str, constraint: str) -> None:
        shown = "null" if value is None else f"'{_show(value)}'"
        self.messages.append(
            f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}"
        )

    def not_null(self, value: Any, path: str) -> bool:
        if value is None:
            self.add(None, path, "Member must not be null")
            return False
        return True

    def enum(self, value: Any, path: str, allowed: tuple[str, ...]) -> None:
        if value is not None and value not in allowed:
            self.add(value, path, f"Member must satisfy enum value set: [{', '.join(allowed)}]")

    def length(self, value: Any, path: str, low: int | None, high: int | None) -> None:
        if value is None:
            return
        size = len(value)
        if low is not None and size < low:
            self.add(value, path, f"Member must have length greater than or equal to {low}")
        if high is not None and size > high:
            self.add(value, path, f"Member must have length less than or equal to {high}")

    def range(self, value: Any, path: str, low: int | None, high: int | None = None) -> None:
        if value is None:
            return
        if low is not None and value < low:
            self.add(value, path, f"Member must have value greater than or equal to {low}")
        if high is not None and value > high:
            self.add(value, path, f"Member must have value less than or equal to {high}")

    def table_name(self, value: Any, path: str = "tableName", *, required: bool = True) -> None:
        if value is None:
            if required:
                self.not_null(value, path)
            return
        if len(value) < 3 or len(value) > 255:
            self.length(value, path, 3, 255)
        if not TABLE_NAME_PATTERN.fullmatch(value):
            self.add(value, path, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")

    def raise_if_any(self) -> None:
        if not self.messages:
            return
        count = len(self.messages)
        noun = "error" if count == 1 else "errors"
        raise ValidationException(
            f"{count} validation {noun} detected: " + "; ".join(self.messages)
        )


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_show(v)}" for k, v in value.items()) + "}"
    return str(value)


# ---------------------------------------------------------------- JSON type checks
_TYPE_WORDS = {str: "String", int: "Integer", bool: "Boolean", dict: "Structure", list: "List"}


def get_str(request: dict[str, Any], key: str) -> str | None:
    value = request.get(key)
    if value is None or isinstance(value, str):
        return value
    raise SerializationException(_wrong(value, str))


def get_int(request: dict[str, Any], key: str) -> int | None:
    value = request.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SerializationException(_wrong(value, int))
    if isinstance(value, float):
        if not value.is_integer():
            raise SerializationException(f"Unable to parse {value} as an integer")
        return int(value)
    return value


def get_bool(request: dict[str, Any], key: str) -> bool | None:
    value = request.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise SerializationException(_wrong(value, bool))


def get_str_list(request: dict[str, Any], key: str) -> list[str] | None:
    """A list whose members must all be strings (SerializationException otherwise)."""
    values = get_list(request, key)
    for value in values or []:
        if not isinstance(value, str):
            raise SerializationException(_wrong(value, str))
    return values


def get_dict(request: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = request.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise SerializationException(_wrong(value, dict))


def get_list(request: dict[str, Any], key: str) -> list[Any] | None:
    value = request.get(key)
    if value is None or isinstance(value, list):
        return value
    raise SerializationException(_wrong(value, list))


def _wrong(value: Any, expected: type) -> str:
    if isinstance(value, dict):
        return "Start of structure or map found where not expected."
    if isinstance(value, list):
        return "Start of list found where not expected"
    found = {str: "STRING_VALUE", bool: "BOOLEAN_VALUE"}.get(type(value), "NUMBER_VALUE")
    return f"{found} can not be converted to {_TYPE_WORDS[expected]}"
