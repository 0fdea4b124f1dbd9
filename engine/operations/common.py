"""Pieces the item, read, batch and transaction operations share."""

from __future__ import annotations

from typing import Any

from engine.capacity import Consumption, write_units
from engine.errors import ConditionalCheckFailedException, ValidationException
from engine.expressions import ExpressionContext, compile_condition, compile_projection
from engine.table import Stored, Table
from engine.validation import Violations, get_dict, get_str
from engine.values import MAX_ITEM_SIZE, Item, copy_item, validate_item

RETURN_CAPACITY = ("INDEXES", "TOTAL", "NONE")
RETURN_VALUES = ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW")
RETURN_ON_FAILURE = ("ALL_OLD", "NONE")
RETURN_METRICS = ("SIZE", "NONE")

CONDITION_FAILED = "The conditional request failed"


def expression_context(request: dict[str, Any]) -> ExpressionContext:
    names = get_dict(request, "ExpressionAttributeNames")
    values = get_dict(request, "ExpressionAttributeValues")
    if values is not None and not values:
        raise ValidationException("ExpressionAttributeValues must not be empty")
    if names is not None and not names:
        raise ValidationException("ExpressionAttributeNames must not be empty")
    return ExpressionContext(names, values)


def optional_condition(request: dict[str, Any], context: ExpressionContext, parameter: str) -> Any:
    text = get_str(request, parameter)
    if text is None:
        return None
    return compile_condition(text, context, parameter)


def optional_projection(request: dict[str, Any], context: ExpressionContext) -> Any:
    text = get_str(request, "ProjectionExpression")
    if text is None:
        return None
    return compile_projection(text, context)


def validated_item(request: dict[str, Any], violations: Violations, path: str = "item") -> Item:
    raw = get_dict(request, "Item")
    violations.not_null(raw, path)
    violations.raise_if_any()
    return validate_item(raw)


def validated_key(request: dict[str, Any], violations: Violations, path: str = "key") -> Item:
    raw = get_dict(request, "Key")
    violations.not_null(raw, path)
    violations.raise_if_any()
    return validate_item(raw, parameter="Key")


def check_item_size(size: int, *, update: bool = False) -> None:
    """400 KB is the largest item: 409,600 bytes pass, one more byte fails."""
    if size > MAX_ITEM_SIZE:
        if update:
            raise ValidationException("Item size to update has exceeded the maximum allowed size")
        raise ValidationException("Item size has exceeded the maximum allowed size")


def condition_failed(
    old: Item | None, return_on_failure: str | None
) -> ConditionalCheckFailedException:
    if return_on_failure == "ALL_OLD" and old is not None:
        return ConditionalCheckFailedException(CONDITION_FAILED, Item=copy_item(old))
    return ConditionalCheckFailedException(CONDITION_FAILED)


def add_capacity(response: dict[str, Any], consumption: Consumption, mode: str | None) -> None:
    wire = consumption.to_wire(mode)
    if wire is not None:
        response["ConsumedCapacity"] = wire


def key_attributes_of(table: Table, item: Item) -> Item:
    return {name: item[name] for name in table.schema.names}


def bill_write(
    table: Table,
    consumption: Consumption,
    old: Stored | None,
    new_item: Item | None,
    new_size: int,
    *,
    transactional: bool = False,
) -> None:
    """Add one item write to ``consumption``: the table's units (the larger of the old and new
    images, per 1 KB) and every index the change touches."""
    table_units = write_units(max(new_size, old[1] if old else 0), transactional=transactional)
    consumption.add_table_write(table_units)
    source = new_item if new_item is not None else (old[0] if old else None)
    if table.indexes:
        factor = 2 if transactional else 1
        old_item = old[0] if old else None
        costs = table.index_write_costs(
            old_item, new_item, old[1] if old else None, new_size if new_item else None
        )
        for index, units, plan in costs:
            consumption.add_index(index.name, units * factor, local=index.local, write=True)
            if index.local:
                table_units += units * factor
                continue
            # A GSI write lands on the index partition of the new image (or the old one).
            image = new_item if plan.new_key is not None else old_item
            consumption.add_partition(
                image[index.schema.partition_key],
                units * factor,
                index=index.name,
                hashed=index.partition_hash_of(image),
            )
    if source is not None:
        # The table's partition serves the table write and its local index writes.
        consumption.add_partition(source[table.schema.partition_key], table_units)


def prepare_write(
    table: Table,
    partition_value: Any,
    old: Stored | None,
    new_item: Item | None,
    *,
    keys_checked: bool = False,
) -> None:
    """Index key types and the item-collection limit, checked before anything changes.
    ``keys_checked``: the caller already checked the new item's index keys."""
    if new_item is not None and table.indexes and not keys_checked:
        table.check_index_keys(new_item)
    table.check_collection_size(partition_value, old, new_item)


def add_collection_metrics(
    response: dict[str, Any], table: Table, item: Item | None, requested: str | None
) -> None:
    if requested != "SIZE" or item is None:
        return
    metrics = table.collection_metrics(item)
    if metrics is not None:
        response["ItemCollectionMetrics"] = metrics
