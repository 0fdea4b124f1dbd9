"""Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem."""

from __future__ import annotations

from typing import Any

from engine.capacity import Consumption, read_units
from engine.catalog import operation
from engine.core import Engine
from engine.errors import ValidationException
from engine.expressions import compile_update
from engine.legacy import (
    add_violations,
    attribute_updates,
    attributes_projection,
    check_parameters,
    expected_condition,
)
from engine.operations.common import (
    RETURN_CAPACITY,
    RETURN_METRICS,
    RETURN_ON_FAILURE,
    RETURN_VALUES,
    add_capacity,
    add_collection_metrics,
    bill_write,
    check_item_size,
    condition_failed,
    expression_context,
    optional_condition,
    optional_projection,
    prepare_write,
    validated_item,
    validated_key,
)
from engine.validation import Violations, get_bool, get_str
from engine.values import Item, check_item_depth, copy_item, item_size


def _common_violations(request: dict[str, Any]) -> tuple[Violations, str]:
    violations = Violations()
    name = get_str(request, "TableName")
    if name is not None and name.startswith("arn:"):
        violations.length(name, "tableName", 1, 1024)
    else:
        violations.table_name(name)
    violations.enum(
        get_str(request, "ReturnConsumedCapacity"), "returnConsumedCapacity", RETURN_CAPACITY
    )
    return violations, name or ""


def _write_options(request: dict[str, Any], violations: Violations) -> tuple[str, str | None]:
    return_values = get_str(request, "ReturnValues")
    violations.enum(return_values, "returnValues", RETURN_VALUES)
    violations.enum(
        get_str(request, "ReturnItemCollectionMetrics"),
        "returnItemCollectionMetrics",
        RETURN_METRICS,
    )
    on_failure = get_str(request, "ReturnValuesOnConditionCheckFailure")
    violations.enum(on_failure, "returnValuesOnConditionCheckFailure", RETURN_ON_FAILURE)
    return return_values or "NONE", on_failure


def _put_or_delete_condition(request: dict[str, Any], return_values: str) -> Any:
    """PutItem and DeleteItem return at most the old item, and take one condition: a
    ConditionExpression or the legacy Expected."""
    if return_values not in ("NONE", "ALL_OLD"):
        raise ValidationException("ReturnValues can only be ALL_OLD or NONE")
    context = expression_context(request)
    condition = optional_condition(request, context, "ConditionExpression")
    context.check_unused()
    return condition or expected_condition(request)


# ---------------------------------------------------------------------- PutItem
@operation("PutItem", bills="write")
def put_item(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Create or replace an item, optionally under a condition. O(log n)."""
    violations, name = _common_violations(request)
    return_values, on_failure = _write_options(request, violations)
    add_violations(request, violations, "PutItem")
    item = validated_item(request, violations)
    check_parameters(request, "PutItem")
    condition = _put_or_delete_condition(request, return_values)
    table = engine.get_table(name)
    partition_value, sort_value = table.schema.check_item(item)
    new_size = item_size(item)
    check_item_size(new_size)
    old_entry = table.get(partition_value, sort_value)
    old = old_entry[0] if old_entry else None
    if table.indexes:
        table.check_index_keys(item)
    if condition is not None and not condition.evaluate(old or {}):
        raise condition_failed(old, on_failure)
    prepare_write(table, partition_value, old_entry, item, keys_checked=True)
    consumption = Consumption(table.name)
    bill_write(table, consumption, old_entry, item, new_size)
    engine.charge(table, consumption)
    table.write(partition_value, sort_value, item, engine.now(), size=new_size)
    response: dict[str, Any] = {}
    if return_values == "ALL_OLD" and old is not None:
        response["Attributes"] = copy_item(old)
    add_capacity(response, consumption, request.get("ReturnConsumedCapacity"))
    add_collection_metrics(response, table, item, request.get("ReturnItemCollectionMetrics"))
    return response


# ---------------------------------------------------------------------- GetItem
def plan_get_item(request: dict[str, Any]) -> tuple[str, Item, Any, bool]:
    """A GetItem request checked as the service checks it, before any table is looked up:
    ``(table name or ARN, key, projection or None, consistent)``. DAX's item cache reads
    requests through it too, so a request it serves from memory is refused exactly as
    DynamoDB would refuse it."""
    violations, name = _common_violations(request)
    consistent = bool(get_bool(request, "ConsistentRead"))
    add_violations(request, violations, "GetItem")
    key = validated_key(request, violations)
    check_parameters(request, "GetItem")
    context = expression_context(request)
    projection = optional_projection(request, context)
    context.check_unused()
    return name, key, projection or attributes_projection(request), consistent


def item_read_consumption(
    table: Any, key: Item, size: int, *, consistent: bool, transactional: bool = False
) -> Consumption:
    """What reading one item of ``size`` bytes (0: no such item) by ``key`` bills. O(1)."""
    consumption = Consumption(table.name)
    units = read_units(size, consistent=consistent, transactional=transactional)
    consumption.add_table_read(units)
    consumption.add_partition(key[table.schema.partition_key], units)
    return consumption


@operation("GetItem", read_only=True, bills="read")
def get_item(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Read one item by its full primary key. O(1) simple key, O(log n) composite."""
    name, key, projection, consistent = plan_get_item(request)
    table = engine.get_table(name)
    partition_value, sort_value = table.schema.check_key(key)
    entry = table.get(partition_value, sort_value)
    consumption = item_read_consumption(table, key, entry[1] if entry else 0, consistent=consistent)
    engine.charge(table, consumption)
    response: dict[str, Any] = {}
    if entry is not None:
        response["Item"] = projection.apply(entry[0]) if projection else copy_item(entry[0])
    add_capacity(response, consumption, request.get("ReturnConsumedCapacity"))
    return response


# ---------------------------------------------------------------------- UpdateItem
@operation("UpdateItem", bills="write")
def update_item(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Edit an item's attributes (creating it if absent), optionally under a condition."""
    violations, name = _common_violations(request)
    return_values, on_failure = _write_options(request, violations)
    add_violations(request, violations, "UpdateItem")
    key = validated_key(request, violations)
    check_parameters(request, "UpdateItem")
    context = expression_context(request)
    update_text = get_str(request, "UpdateExpression")
    update: Any = compile_update(update_text, context) if update_text is not None else None
    condition = optional_condition(request, context, "ConditionExpression")
    context.check_unused()
    update = update or attribute_updates(request)
    condition = condition or expected_condition(request)
    table = engine.get_table(name)
    partition_value, sort_value = table.schema.check_key(key)
    old_entry = table.get(partition_value, sort_value)
    old = old_entry[0] if old_entry else None
    if condition is not None and not condition.evaluate(old or {}):
        raise condition_failed(old, on_failure)
    base = old if old is not None else dict(key)
    if update is not None:
        new, updated_names = update.apply(base, exists=old is not None)
    else:
        new, updated_names = dict(base), frozenset()
    for key_name in table.schema.names:
        if key_name in updated_names:
            raise ValidationException(
                "One or more parameter values were invalid: Cannot update attribute "
                f"{key_name}. This attribute is part of the key"
            )
    if old is None and update is not None and not update.creates_item:
        # REMOVE and DELETE actions alone never create a missing item (nor a stream record);
        # the write is still billed.
        consumption = Consumption(table.name)
        bill_write(table, consumption, None, None, 0)
        engine.charge(table, consumption)
        billed: dict[str, Any] = {}
        add_capacity(billed, consumption, request.get("ReturnConsumedCapacity"))
        return billed
    if update is not None and update.writes_nested:
        check_item_depth(new)
    new_size = item_size(new)
    check_item_size(new_size, update=True)
    prepare_write(table, partition_value, old_entry, new)
    consumption = Consumption(table.name)
    bill_write(table, consumption, old_entry, new, new_size)
    engine.charge(table, consumption)
    table.write(partition_value, sort_value, new, engine.now(), size=new_size)
    response: dict[str, Any] = {}
    attributes = _returned_attributes(return_values, old, new, update)
    if attributes:
        response["Attributes"] = attributes
    add_capacity(response, consumption, request.get("ReturnConsumedCapacity"))
    add_collection_metrics(response, table, new, request.get("ReturnItemCollectionMetrics"))
    return response


def _returned_attributes(
    return_values: str, old: dict | None, new: dict, update: Any
) -> dict | None:
    """ReturnValues: UPDATED_* give only the updated paths (nested paths stay nested)."""
    if return_values == "ALL_OLD":
        return copy_item(old) if old else None
    if return_values == "ALL_NEW":
        return copy_item(new)
    if update is None:
        return None
    if return_values == "UPDATED_OLD":
        return copy_item(update.updated_attributes(old or {})) or None
    if return_values == "UPDATED_NEW":
        return copy_item(update.updated_attributes(new)) or None
    return None


# ---------------------------------------------------------------------- DeleteItem
@operation("DeleteItem", bills="write")
def delete_item(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Delete one item by key, optionally under a condition. O(log n)."""
    violations, name = _common_violations(request)
    return_values, on_failure = _write_options(request, violations)
    add_violations(request, violations, "DeleteItem")
    key = validated_key(request, violations)
    check_parameters(request, "DeleteItem")
    condition = _put_or_delete_condition(request, return_values)
    table = engine.get_table(name)
    partition_value, sort_value = table.schema.check_key(key)
    old_entry = table.get(partition_value, sort_value)
    old = old_entry[0] if old_entry else None
    if condition is not None and not condition.evaluate(old or {}):
        raise condition_failed(old, on_failure)
    consumption = Consumption(table.name)
    bill_write(table, consumption, old_entry, None, 0)
    engine.charge(table, consumption)
    if old_entry is not None:
        table.write(partition_value, sort_value, None, engine.now())
    response: dict[str, Any] = {}
    if return_values == "ALL_OLD" and old is not None:
        response["Attributes"] = copy_item(old)
    add_capacity(response, consumption, request.get("ReturnConsumedCapacity"))
    add_collection_metrics(response, table, old, request.get("ReturnItemCollectionMetrics"))
    return response
