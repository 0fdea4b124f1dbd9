"""Items for the workbench: a page of them as a grid, and the item editor's writes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dynalab.console import values as value_text
from dynalab.console.calls import CallResult, call
from dynalab.console.tables import TableSummary
from dynalab.sandboxes import selectors
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.models import Sandbox

#: Items a page of the items explorer holds.
ITEMS_PAGE_SIZE = 25


@dataclass
class ItemRow:
    """One item of a results table: its key (for links) and its cells in column order."""

    item: dict[str, Any]
    key: dict[str, Any] | None
    cells: list[str | None]

    @property
    def key_json(self) -> str:
        return json.dumps(self.key, separators=(",", ":"), ensure_ascii=False)


@dataclass
class ItemGrid:
    """Items as a table: key attributes first, then every other attribute seen."""

    columns: list[str]
    rows: list[ItemRow]


def item_grid(items: list[dict[str, Any]], key_names: list[str], *, typed: bool) -> ItemGrid:
    others: dict[str, None] = {}
    for item in items:
        for name in item:
            if name not in key_names:
                others.setdefault(name, None)
    columns = [name for name in key_names if any(name in item for item in items)] or list(key_names)
    columns += sorted(others)
    rows = []
    for item in items:
        has_key = all(name in item for name in key_names)
        rows.append(
            ItemRow(
                item=item,
                key={name: item[name] for name in key_names} if has_key else None,
                cells=[
                    value_text.cell_text(item[name], typed=typed) if name in item else None
                    for name in columns
                ],
            )
        )
    return ItemGrid(columns, rows)


def parse_key(text: str | None) -> dict[str, Any] | None:
    """A key (or LastEvaluatedKey) carried in a URL as DynamoDB JSON; None when absent or bad."""
    if not text or value_text.nesting_beyond(text, value_text.MAX_JSON_DEPTH):
        return None
    try:
        key = json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError, or an integer too long to parse
        return None
    if not isinstance(key, dict) or not key or value_text.has_lone_surrogate(key):
        return None
    if not all(value_text.looks_typed(value) for value in key.values()):
        return None
    return key


def scan_items_page(
    sandbox: Sandbox,
    table: str,
    *,
    start: dict[str, Any] | None,
    endpoint: str,
    region: str,
    limit: int = ITEMS_PAGE_SIZE,
) -> CallResult:
    request: dict[str, Any] = {"TableName": table, "Limit": limit}
    if start:
        request["ExclusiveStartKey"] = start
    request["ReturnConsumedCapacity"] = "TOTAL"
    return call(
        sandbox,
        "Scan",
        request,
        endpoint=endpoint,
        region=region,
        fields=[("starting key", "start")],
    )


def get_item(
    sandbox: Sandbox, table: str, key: dict[str, Any], *, region: str
) -> dict[str, Any] | None:
    """The item to edit, read without a call (opening the editor costs no capacity); None
    when it is gone or the key does not fit the table."""
    try:
        stored = selectors.item(sandbox, table, key, region=region)
    except ServiceError:
        return None
    return stored.item if stored is not None else None


@dataclass
class ItemEdit:
    """The item editor's outcome: the request (if it got that far) and what went wrong."""

    result: CallResult | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.result is not None and self.result.ok


def save_item(
    sandbox: Sandbox,
    table: TableSummary,
    *,
    text: str,
    typed: bool,
    original_key: dict[str, Any] | None,
    endpoint: str,
    region: str,
) -> ItemEdit:
    """PutItem the learner's JSON; the engine validates it. Editing never moves an item.

    ``original_key`` is the key of the item being edited (None for a new item): a changed
    key would write a second item, so it is refused with the reason.
    """
    try:
        parsed = value_text.parse_json_object(text)
        item = (
            value_text.typed_item_from_json(parsed) if typed else value_text.item_to_typed(parsed)
        )
    except value_text.ItemJSONError as error:
        return ItemEdit(errors=[str(error)])
    if original_key is not None:
        new_key = {name: item.get(name) for name in original_key}
        if new_key != original_key:
            return ItemEdit(
                errors=[
                    "The key attributes cannot change: DynamoDB identifies an item by its key, "
                    "so a new key would write a second item. Keep "
                    + value_text.key_text(original_key)
                    + ", or add a new item instead."
                ]
            )
    request: dict[str, Any] = {"TableName": table.name, "Item": item}
    if original_key is None:
        # A new item must not overwrite one that already has its key.
        request["ConditionExpression"] = "attribute_not_exists(#pk)"
        request["ExpressionAttributeNames"] = {"#pk": table.partition_key.name}
    request["ReturnConsumedCapacity"] = "TOTAL"
    result = call(sandbox, "PutItem", request, endpoint=endpoint, region=region)
    if not result.ok:
        message = result.error.message
        if result.error.code == "ConditionalCheckFailedException":
            message = (
                "An item with this key already exists (the request's ConditionExpression "
                "attribute_not_exists refused to overwrite it): edit that item instead, or "
                "change the key."
            )
        return ItemEdit(result=result, errors=[f"{result.error.code}: {message}"])
    return ItemEdit(result=result)


def delete_item(
    sandbox: Sandbox, table: str, key: dict[str, Any], *, endpoint: str, region: str
) -> CallResult:
    return call(
        sandbox,
        "DeleteItem",
        {"TableName": table, "Key": key, "ReturnConsumedCapacity": "TOTAL"},
        endpoint=endpoint,
        region=region,
    )


def item_editor_text(item: dict[str, Any], *, typed: bool) -> str:
    if typed:
        return json.dumps(item, indent=2, ensure_ascii=False)
    return value_text.dumps(value_text.item_to_plain(item))


def new_item_template(table: TableSummary, *, typed: bool) -> str:
    """A starting item holding the key attributes with placeholder values of their types."""
    examples = {"S": "", "N": "0", "B": ""}
    item: dict[str, Any] = {}
    for key in (table.partition_key, table.sort_key):
        if key is not None:
            item[key.name] = {key.type: examples.get(key.type, "")}
    return item_editor_text(item, typed=typed)
