"""Checks of items: an item is there (or gone), has an attribute (or not), of a value, a size."""

from __future__ import annotations

from typing import Any

from dynalab.course.checks.base import (
    AttributeType,
    CheckContext,
    all_of,
    check,
    describe,
    dynamodb_json,
    key_text,
    no_table,
    path_parts,
    resolve,
    stored,
    stored_item,
    validate_bounds,
    validate_key,
    validate_key_and_path,
)
from dynalab.sandboxes.selectors import values_equal


@check("item_exists", validate=validate_key)
def item_exists(context: CheckContext, *, table: str, key: dict[str, Any]) -> tuple[bool, str]:
    """An item with this primary key (typed values, e.g. ``{isbn: {S: "978-0"}}``) exists."""
    item, problem = stored_item(context, table, key)
    if item is None:
        return False, problem or ""
    return True, f"Table {table} has the item {key_text(key)}."


@check("item_absent", validate=validate_key)
def item_absent(context: CheckContext, *, table: str, key: dict[str, Any]) -> tuple[bool, str]:
    """No item with this primary key exists (for example after DeleteItem)."""
    if describe(context, table) is None:
        return no_table(table)
    item, _ = stored_item(context, table, key)
    if item is not None:
        return False, f"Table {table} still has the item {key_text(key)}."
    return True, f"Table {table} has no item {key_text(key)}."


@check("attribute_present", validate=validate_key_and_path)
def attribute_present(
    context: CheckContext,
    *,
    table: str,
    key: dict[str, Any],
    attribute: str,
    type: AttributeType | None = None,
) -> tuple[bool, str]:
    """The item has this attribute (a name or a document path such as ``comments[0].author``),
    of the given type if ``type`` is given (S, N, B, BOOL, NULL, L, M, SS, NS, BS)."""
    item, problem = stored_item(context, table, key)
    if item is None:
        return False, problem or ""
    value = resolve(item, path_parts(attribute) or [])
    if value is None:
        return False, f"The item {key_text(key)} has no attribute {attribute} yet."
    actual = next(iter(value))
    if type is not None and actual != type:
        return False, f"{attribute} is of type {actual}; this step asks for {type}."
    return True, f"The item has {attribute} (type {actual})."


@check("attribute_absent", validate=validate_key_and_path)
def attribute_absent(
    context: CheckContext, *, table: str, key: dict[str, Any], attribute: str
) -> tuple[bool, str]:
    """The item exists and does not have this attribute (or document path)."""
    item, problem = stored_item(context, table, key)
    if item is None:
        return False, problem or ""
    if resolve(item, path_parts(attribute) or []) is not None:
        return False, f"The item {key_text(key)} still has {attribute}."
    return True, f"The item {key_text(key)} has no {attribute}."


@check("attribute_equals", validate=validate_key_and_path)
def attribute_equals(
    context: CheckContext,
    *,
    table: str,
    key: dict[str, Any],
    attribute: str,
    value: dict[str, Any],
) -> tuple[bool, str]:
    """The item's attribute (or document path) holds exactly this typed value, e.g. ``{N: "3"}``."""
    item, problem = stored_item(context, table, key)
    if item is None:
        return False, problem or ""
    actual = resolve(item, path_parts(attribute) or [])
    if actual is None:
        return False, f"The item {key_text(key)} has no attribute {attribute} yet."
    if not values_equal(actual, value):
        return False, f"{attribute} holds {dynamodb_json(actual)}, not {dynamodb_json(value)}."
    return True, f"{attribute} holds {dynamodb_json(value)}."


@check("item_size", validate=all_of(validate_key, validate_bounds("min_bytes", "max_bytes")))
def item_size(
    context: CheckContext,
    *,
    table: str,
    key: dict[str, Any],
    min_bytes: int | None = None,
    max_bytes: int | None = None,
) -> tuple[bool, str]:
    """The item's size (attribute names plus values, the service's rule) is within bounds."""
    found, problem = stored(context, table, key)
    if found is None:
        return False, problem or ""
    size = found.size_bytes
    if min_bytes is not None and size < min_bytes:
        return False, f"The item is {size:,} bytes; this step needs at least {min_bytes:,}."
    if max_bytes is not None and size > max_bytes:
        return False, f"The item is {size:,} bytes; this step needs at most {max_bytes:,}."
    return True, f"The item is {size:,} bytes."
