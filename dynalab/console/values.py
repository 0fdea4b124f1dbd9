"""Attribute values between DynamoDB JSON ({"S": "ann"}) and plain JSON ("ann"), for display.

The workbench shows items either as the service sends them or as plain JSON, and lets the
learner type either. Plain JSON cannot say "string set" or "binary", so sets read back as lists
and binary as its base64 text: ``plain_is_lossless`` tells the editor when to warn.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

TYPE_TAGS = frozenset({"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"})


class ItemJSONError(ValueError):
    """Text that is not the JSON object the editor needs; the message says where and why."""


#: How deeply JSON typed into a form may nest. DynamoDB allows 32 levels of nested
#: attributes; a request wraps them in a few more, so the service's own check has room to
#: answer while Python's recursion limit is never near.
MAX_JSON_DEPTH = 64


def parse_json_object(
    text: str, *, what: str = "The item", exact_numbers: bool = True
) -> dict[str, Any]:
    """Parse text as a JSON object, keeping numbers exact (as Decimal) unless
    ``exact_numbers`` is False. Anything but a JSON object nested at most ``MAX_JSON_DEPTH``
    deep is an ItemJSONError saying why."""
    too_deep = nesting_beyond(text, MAX_JSON_DEPTH)
    if too_deep:
        raise ItemJSONError(
            f"{what} is nested more than {MAX_JSON_DEPTH} levels deep (DynamoDB allows 32 "
            "levels of nested attributes)"
        )
    try:
        if exact_numbers:
            value = json.loads(text, parse_float=Decimal, parse_int=Decimal)
        else:
            value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ItemJSONError(
            f"{what} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    except (ValueError, RecursionError) as error:
        # Python refuses integers of more than 4,300 digits as plain int.
        raise ItemJSONError(f"{what} is not JSON this workbench can read: {error}") from None
    if not isinstance(value, dict):
        raise ItemJSONError(f"{what} must be a JSON object, {{...}}, not a {_json_kind(value)}")
    if has_lone_surrogate(value):
        raise ItemJSONError(
            f"{what} holds a lone surrogate (an escape such as \\ud800 without its pair): "
            "that is not valid Unicode, and DynamoDB refuses it"
        )
    return value


def has_lone_surrogate(value: Any) -> bool:
    """True when a string anywhere in ``value`` (keys too) holds a lone UTF-16 surrogate,
    which JSON can spell (``\\ud800``) but no valid Unicode text holds."""
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogate(element) for element in value)
    return False


def nesting_beyond(text: str, depth: int) -> bool:
    """True when brackets outside strings nest more than ``depth`` deep. O(len(text))."""
    level = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            level += 1
            if level > depth:
                return True
        elif char in "]}":
            level -= 1
    return False


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number"


def to_typed(value: Any) -> dict[str, Any]:
    """A plain JSON value as a DynamoDB attribute value (as boto3's serializer types it)."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, Decimal | int | float):
        return {"N": _number_text(value)}
    if isinstance(value, list):
        return {"L": [to_typed(element) for element in value]}
    if isinstance(value, dict):
        return {"M": {str(name): to_typed(element) for name, element in value.items()}}
    raise ItemJSONError(f"Cannot store a value of type {type(value).__name__}")


def _number_text(value: Decimal | int | float) -> str:
    if isinstance(value, Decimal):
        return format(value, "f") if value == value.to_integral_value() else str(value)
    return repr(value)


def item_to_typed(plain: dict[str, Any]) -> dict[str, Any]:
    return {str(name): to_typed(value) for name, value in plain.items()}


def looks_typed(value: Any) -> bool:
    """True for a one-key dict whose key is a DynamoDB type tag, like {"S": "x"}."""
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in TYPE_TAGS


def values_to_typed(values: dict[str, Any]) -> dict[str, Any]:
    """ExpressionAttributeValues typed by the learner either way: {":a": 5} or {":a": {"N": "5"}}."""
    return {
        name: _typed_json(value) if looks_typed(value) else to_typed(value)
        for name, value in values.items()
    }


def _typed_json(value: Any) -> Any:
    """A parsed typed value with Decimals turned back into JSON-safe strings or ints."""
    if isinstance(value, Decimal):
        return _number_text(value)
    if isinstance(value, dict):
        return {name: _typed_json(element) for name, element in value.items()}
    if isinstance(value, list):
        return [_typed_json(element) for element in value]
    return value


def typed_item_from_json(value: dict[str, Any]) -> dict[str, Any]:
    """A parsed DynamoDB JSON item, JSON-safe (the engine validates it)."""
    return _typed_json(value)


def to_plain(value: dict[str, Any]) -> Any:
    """A DynamoDB attribute value as plain JSON (numbers as Decimal, sets as sorted lists)."""
    tag, data = next(iter(value.items()))
    if tag == "S" or tag == "B":
        return data
    if tag == "N":
        return Decimal(data)
    if tag == "BOOL":
        return bool(data)
    if tag == "NULL":
        return None
    if tag == "L":
        return [to_plain(element) for element in data]
    if tag == "M":
        return {name: to_plain(element) for name, element in data.items()}
    if tag == "NS":
        return [Decimal(element) for element in data]
    return list(data)  # SS, BS


def item_to_plain(item: dict[str, Any]) -> dict[str, Any]:
    return {name: to_plain(value) for name, value in item.items()}


def plain_is_lossless(item: dict[str, Any]) -> bool:
    """False when plain JSON would lose a type (sets, binary) on the way back."""

    def lossless(value: dict[str, Any]) -> bool:
        tag, data = next(iter(value.items()))
        if tag in ("SS", "NS", "BS", "B"):
            return False
        if tag == "L":
            return all(lossless(element) for element in data)
        if tag == "M":
            return all(lossless(element) for element in data.values())
        return True

    return all(lossless(value) for value in item.values())


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """JSON text with Decimal numbers written exactly (json cannot emit raw number text)."""
    return _dump(value, indent, 0)


def _dump(value: Any, indent: int | None, depth: int) -> str:
    if isinstance(value, Decimal):
        return _number_text(value)
    if isinstance(value, dict | list):
        if not value:
            return "{}" if isinstance(value, dict) else "[]"
        if isinstance(value, dict):
            parts = [
                f"{json.dumps(str(name), ensure_ascii=False)}: {_dump(element, indent, depth + 1)}"
                for name, element in value.items()
            ]
            opening, closing = "{", "}"
        else:
            parts = [_dump(element, indent, depth + 1) for element in value]
            opening, closing = "[", "]"
        if indent is None:
            return opening + ", ".join(parts) + closing
        inner = " " * (indent * (depth + 1))
        outer = " " * (indent * depth)
        return opening + "\n" + ",\n".join(inner + part for part in parts) + "\n" + outer + closing
    return json.dumps(value, ensure_ascii=False)


def cell_text(value: dict[str, Any], *, typed: bool) -> str:
    """One attribute value as compact text for a results table cell."""
    if typed:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    plain = to_plain(value)
    if isinstance(plain, str):
        return plain
    return dumps(plain, indent=None)


def key_text(key: dict[str, Any]) -> str:
    """A key for people: ``customer = ann, order_date = 2024-01-02``."""
    parts = []
    for name, value in key.items():
        plain = to_plain(value)
        parts.append(f"{name} = {plain if not isinstance(plain, list | dict) else dumps(plain)}")
    return ", ".join(parts)


def number_or_none(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None
