"""BatchGetItem (up to 100 keys) and BatchWriteItem (up to 25 puts and deletes)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from engine.capacity import Consumption, read_units
from engine.catalog import operation
from engine.core import Engine
from engine.errors import (
    DynamoDBError,
    ProvisionedThroughputExceededException,
    ThrottlingException,
    ValidationException,
)
from engine.expressions import ExpressionContext, compile_projection
from engine.legacy import add_violations, attributes_projection, check_parameters
from engine.operations.common import (
    RETURN_CAPACITY,
    RETURN_METRICS,
    bill_write,
    check_item_size,
    prepare_write,
)
from engine.table import Table
from engine.validation import Violations, get_bool, get_dict, get_list, get_str
from engine.values import Item, copy_item, item_size, validate_item

MAX_BATCH_GET_KEYS = 100
MAX_BATCH_WRITES = 25
MAX_BATCH_GET_RESPONSE_BYTES = 16 * 1024 * 1024
DUPLICATES = "Provided list of item keys contains duplicates"


def _key_fingerprint(key: dict[str, Any], names: tuple[str, ...]) -> str:
    return json.dumps([key[n] for n in names], sort_keys=True)


def _request_items(request: dict[str, Any], violations: Violations) -> dict[str, Any]:
    items = get_dict(request, "RequestItems")
    if violations.not_null(items, "requestItems"):
        violations.length(items, "requestItems", 1, None)
    violations.enum(
        get_str(request, "ReturnConsumedCapacity"), "returnConsumedCapacity", RETURN_CAPACITY
    )
    return items or {}


# ---------------------------------------------------------------------- BatchGetItem
#: One table's part of a BatchGetItem: the name the request gave it (a name or an ARN, which
#: the response keeps), the table, its keys located (key, partition value, sort value), the
#: projection, whether reads are consistent, and the request's spec for that table.
BatchGetPlan = tuple[str, Table, list[tuple[Item, Any, Any]], Any, bool, dict[str, Any]]
#: ``read(engine, table, key, partition_value, sort_value, consistent)`` -> the item found
#: (None when there is none), its size in bytes, and the capacity it consumed (already
#: charged; it raises the throttling error when refused). ``read_from_table`` reads the table.
KeyReader = Callable[[Engine, Table, Item, Any, Any, bool], tuple[Item | None, int, Consumption]]


def plan_batch_get(engine: Engine, request: dict[str, Any]) -> list[BatchGetPlan]:
    """Check a whole BatchGetItem before reading anything: parameters, tables, keys and
    duplicates, in the service's order. O(keys)."""
    violations = Violations()
    request_items = _request_items(request, violations)
    for table_name in request_items:
        violations.table_name(table_name, "requestItems.member.key")
    violations.raise_if_any()
    total_keys = sum(
        len(spec.get("Keys") or []) for spec in request_items.values() if isinstance(spec, dict)
    )
    if total_keys > MAX_BATCH_GET_KEYS:
        raise ValidationException("Too many items requested for the BatchGetItem call")
    specs = []
    for table_name, spec in request_items.items():
        if not isinstance(spec, dict):
            raise ValidationException(f"Invalid request for table {table_name}")
        keys = get_list(spec, "Keys")
        table_violations = Violations()
        if table_violations.not_null(keys, f"requestItems.{table_name}.member.keys"):
            table_violations.length(keys, f"requestItems.{table_name}.member.keys", 1, 100)
        add_violations(spec, table_violations, "BatchGetItem", f"requestItems.{table_name}.member.")
        table_violations.raise_if_any()
        check_parameters(spec, "BatchGetItem")
        names = get_dict(spec, "ExpressionAttributeNames")
        context = ExpressionContext(names, None)
        projection_text = get_str(spec, "ProjectionExpression")
        projection = compile_projection(projection_text, context) if projection_text else None
        context.check_unused()
        projection = projection or attributes_projection(spec)
        consistent = bool(get_bool(spec, "ConsistentRead"))
        keys = [validate_item(k, parameter="Key") for k in keys]
        specs.append((table_name, keys, projection, consistent, spec))
    plans: list[BatchGetPlan] = []
    for table_name, keys, projection, consistent, spec in specs:
        table = engine.get_table(table_name)
        seen: set[str] = set()
        located = []
        for key in keys:
            partition_value, sort_value = table.schema.check_key(key)
            fingerprint = _key_fingerprint(key, table.schema.names)
            if fingerprint in seen:
                raise ValidationException(DUPLICATES)
            seen.add(fingerprint)
            located.append((key, partition_value, sort_value))
        plans.append((table_name, table, located, projection, consistent, spec))
    return plans


def read_from_table(
    engine: Engine, table: Table, key: Item, partition_value: Any, sort_value: Any, consistent: bool
) -> tuple[Item | None, int, Consumption]:
    """One key of a BatchGetItem, billed (and maybe throttled) as its own GetItem."""
    entry = table.get(partition_value, sort_value)
    size = entry[1] if entry else 0
    read = Consumption(table.name)
    units = read_units(size, consistent=consistent)
    read.add_table_read(units)
    read.add_partition(key[table.schema.partition_key], units)
    engine.charge(table, read)
    return (entry[0] if entry else None), size, read


@operation("BatchGetItem", read_only=True, bills="read")
def batch_get_item(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Read up to 100 items from one or more tables; each item billed as its own GetItem.

    Items past 16 MB of response come back in UnprocessedKeys.
    """
    return run_batch_get(engine, request, plan_batch_get(engine, request), read_from_table)


def run_batch_get(
    engine: Engine, request: dict[str, Any], plans: list[BatchGetPlan], read: KeyReader
) -> dict[str, Any]:
    """Read every planned key with ``read`` and build the response: keys past 16 MB of
    response, or throttled, come back in UnprocessedKeys; if every key was throttled, the
    throttling error is raised. O(keys)."""
    responses: dict[str, list[Any]] = {}
    unprocessed: dict[str, Any] = {}
    consumptions: list[Consumption] = []
    response_bytes = 0
    processed = 0
    throttled: DynamoDBError | None = None
    for table_name, table, located, projection, consistent, spec in plans:
        consumption = Consumption(table.name)
        found: list[Any] = []
        left: list[Any] = []
        for key, partition_value, sort_value in located:
            if response_bytes >= MAX_BATCH_GET_RESPONSE_BYTES:
                left.append(key)
                continue
            try:
                item, size, units = read(
                    engine, table, key, partition_value, sort_value, consistent
                )
            except (ProvisionedThroughputExceededException, ThrottlingException) as error:
                throttled = error
                left.append(key)
                continue
            processed += 1
            merge_consumption(consumption, units)
            if item is not None:
                response_bytes += size
                found.append(projection.apply(item) if projection else copy_item(item))
        responses[table_name] = found
        if left:
            remaining = {k: v for k, v in spec.items() if k != "Keys"}
            remaining["Keys"] = left
            unprocessed[table_name] = remaining
        consumptions.append(consumption)
    if throttled is not None and not processed:
        raise throttled
    response: dict[str, Any] = {"Responses": responses, "UnprocessedKeys": unprocessed}
    mode = request.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        response["ConsumedCapacity"] = [c.to_wire(mode) for c in consumptions]
    return response


# ---------------------------------------------------------------------- BatchWriteItem
@operation("BatchWriteItem", bills="write")
def batch_write_item(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Put or delete up to 25 items across tables; no conditions, each billed on its own.

    Every request is validated before any is applied.
    """
    violations = Violations()
    request_items = _request_items(request, violations)
    violations.enum(
        get_str(request, "ReturnItemCollectionMetrics"),
        "returnItemCollectionMetrics",
        RETURN_METRICS,
    )
    for table_name, writes in request_items.items():
        violations.table_name(table_name, "requestItems.member.key")
        if isinstance(writes, list) and not 1 <= len(writes) <= MAX_BATCH_WRITES:
            violations.add(
                request_items,
                "requestItems",
                "Map value must satisfy constraint: [Member must have length less than or equal "
                "to 25, Member must have length greater than or equal to 1]",
            )
    violations.raise_if_any()
    total = sum(len(w) for w in request_items.values() if isinstance(w, list))
    if total > MAX_BATCH_WRITES:
        raise ValidationException("Too many items requested for the BatchWriteItem call")
    planned = []
    for table_name, writes in request_items.items():
        if not isinstance(writes, list):
            raise ValidationException(f"Invalid request for table {table_name}")
        table = engine.get_table(table_name)
        seen: set[str] = set()
        for write in writes:
            put = write.get("PutRequest") if isinstance(write, dict) else None
            delete = write.get("DeleteRequest") if isinstance(write, dict) else None
            if (put is None) == (delete is None):
                raise ValidationException(
                    "Request must contain either a valid (non-empty) PutRequest or DeleteRequest"
                )
            if put is not None:
                item = validate_item(put.get("Item") or {})
                partition_value, sort_value = table.schema.check_item(item)
                size = item_size(item)
                check_item_size(size)
                if table.indexes:
                    table.check_index_keys(item)
                key = table.schema.key_of(item)
            else:
                key = validate_item(delete.get("Key") or {}, parameter="Key")
                partition_value, sort_value = table.schema.check_key(key)
                item, size = None, 0
            fingerprint = _key_fingerprint(key, table.schema.names)
            if fingerprint in seen:
                raise ValidationException(DUPLICATES)
            seen.add(fingerprint)
            planned.append((table, partition_value, sort_value, item, size, write))
    # Check everything first: an invalid batch changes nothing.
    for table, partition_value, sort_value, item, _size, _raw in planned:
        prepare_write(
            table,
            partition_value,
            table.get(partition_value, sort_value),
            item,
            keys_checked=True,  # each Put's item was checked as the batch was read
        )
    # Then each write on its own: one that the table's throughput refuses comes back in
    # UnprocessedItems, as the service does; if every write is refused, the error is raised.
    consumptions: dict[str, Consumption] = {}
    unprocessed: dict[str, list[Any]] = {}
    throttled: DynamoDBError | None = None
    now = engine.now()
    metrics: dict[str, list[Any]] = {}
    for table, partition_value, sort_value, item, size, raw in planned:
        old = table.get(partition_value, sort_value)
        consumption = Consumption(table.name)
        bill_write(table, consumption, old, item, size)
        try:
            engine.charge(table, consumption)
        except (ProvisionedThroughputExceededException, ThrottlingException) as error:
            throttled = error
            unprocessed.setdefault(table.name, []).append(raw)
            continue
        merge_consumption(consumptions.setdefault(table.name, Consumption(table.name)), consumption)
        old = table.write(partition_value, sort_value, item, now, size=size if item else None)
        written = item if item is not None else (old[0] if old else None)
        if request.get("ReturnItemCollectionMetrics") == "SIZE" and written is not None:
            collection = table.collection_metrics(written)
            if collection is not None:
                metrics.setdefault(table.name, []).append(collection)
    if throttled is not None and not consumptions:
        raise throttled
    response: dict[str, Any] = {"UnprocessedItems": unprocessed}
    mode = request.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        response["ConsumedCapacity"] = [c.to_wire(mode) for c in consumptions.values()]
    if metrics:
        response["ItemCollectionMetrics"] = metrics
    return response


def merge_consumption(total: Consumption, part: Consumption) -> None:
    """Add one item's capacity to its table's total for the response."""
    total.table_units += part.table_units
    total.read_units += part.read_units
    total.write_units += part.write_units
    for name, units in part.global_indexes.items():
        total.global_indexes[name] = total.global_indexes.get(name, 0.0) + units
    for name, units in part.local_indexes.items():
        total.local_indexes[name] = total.local_indexes.get(name, 0.0) + units
