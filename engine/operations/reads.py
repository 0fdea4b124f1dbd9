"""Query and Scan: read ranges of items a page at a time, then filter and project.

Both read items in key order (Query) or scan order (Scan), stop at Limit items read or at 1 MB
read, bill for every byte read before the filter, and return LastEvaluatedKey whenever they
stopped early, so the caller pages on with ExclusiveStartKey.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.capacity import Consumption, read_units
from engine.core import Engine, operation
from engine.errors import ValidationException
from engine.expressions import compile_key_condition
from engine.keys import HASH_SPACE, partition_hash
from engine.operations.common import (
    RETURN_CAPACITY,
    add_capacity,
    expression_context,
    key_attributes_of,
    optional_condition,
    optional_projection,
    reject_legacy,
)
from engine.table import Stored, Table
from engine.validation import Violations, get_bool, get_dict, get_int, get_str
from engine.values import copy_item, key_sort_value, validate_item

PAGE_BYTES = 1024 * 1024
SELECT_VALUES = ("ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT")
STARTING_KEY_INVALID = "The provided starting key is invalid: "


def _read_violations(request: dict[str, Any]) -> tuple[Violations, str]:
    violations = Violations()
    name = get_str(request, "TableName")
    if name is not None and name.startswith("arn:"):
        violations.length(name, "tableName", 1, 1024)
    else:
        violations.table_name(name)
    index_name = get_str(request, "IndexName")
    if index_name is not None:
        violations.length(index_name, "indexName", 3, 255)
    violations.enum(get_str(request, "Select"), "select", SELECT_VALUES)
    violations.range(get_int(request, "Limit"), "limit", 1)
    violations.enum(
        get_str(request, "ReturnConsumedCapacity"), "returnConsumedCapacity", RETURN_CAPACITY
    )
    return violations, name or ""


def _select(request: dict[str, Any]) -> str:
    select = get_str(request, "Select")
    has_projection = request.get("ProjectionExpression") is not None
    if select == "ALL_PROJECTED_ATTRIBUTES" and request.get("IndexName") is None:
        raise ValidationException(
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
        )
    if has_projection:
        if select == "ALL_ATTRIBUTES":
            raise ValidationException(
                "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"
            )
        if select == "ALL_PROJECTED_ATTRIBUTES":
            raise ValidationException(
                "Cannot specify the ProjectionExpression when choosing to get "
                "ALL_PROJECTED_ATTRIBUTES"
            )
        if select == "COUNT":
            raise ValidationException(
                "Cannot specify the ProjectionExpression when choosing to get only the Count"
            )
        return "SPECIFIC_ATTRIBUTES"
    if select == "SPECIFIC_ATTRIBUTES":
        raise ValidationException(
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get "
            "SPECIFIC_ATTRIBUTES"
        )
    return select or "ALL_ATTRIBUTES"


def _no_index(table: Table, request: dict[str, Any]) -> None:
    index_name = get_str(request, "IndexName")
    if index_name is None:
        return
    known = {i["IndexName"] for i in table.local_indexes + table.global_indexes}
    if index_name not in known:
        raise ValidationException(f"The table does not have the specified index: {index_name}")
    raise ValidationException(
        f"Reading index {index_name} is not supported by this engine yet: query the base table"
    )


def _start_key(table: Table, request: dict[str, Any]) -> dict[str, Any] | None:
    raw = get_dict(request, "ExclusiveStartKey")
    if raw is None:
        return None
    key = validate_item(raw, parameter="ExclusiveStartKey")
    table.schema.check_key(
        key, message=STARTING_KEY_INVALID + "The provided key element does not match the schema"
    )
    return key


def _page(
    entries: Iterator[Stored],
    table: Table,
    *,
    limit: int | None,
    condition: Any,
    projection: Any,
    select: str,
    consistent: bool,
) -> tuple[dict[str, Any], Consumption]:
    """Read entries until Limit or 1 MB, filter, project; build the common response."""
    scanned = 0
    read_bytes = 0
    items: list[dict[str, Any]] = []
    last_item = None
    stopped_early = False
    count_only = select == "COUNT"
    count = 0
    for item, size in entries:
        scanned += 1
        read_bytes += size
        last_item = item
        if condition is None or condition.evaluate(item):
            count += 1
            if not count_only:
                items.append(projection.apply(item) if projection else copy_item(item))
        if (limit is not None and scanned >= limit) or read_bytes >= PAGE_BYTES:
            stopped_early = True
            break
    response: dict[str, Any] = {}
    if not count_only:
        response["Items"] = items
    response["Count"] = count
    response["ScannedCount"] = scanned
    if stopped_early and last_item is not None:
        response["LastEvaluatedKey"] = copy_item(key_attributes_of(table, last_item))
    consumption = Consumption(table.name)
    consumption.add_table_read(read_units(read_bytes, consistent=consistent))
    return response, consumption


# ---------------------------------------------------------------------- Query
@operation("Query")
def query(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Read one partition's items in sort-key order within a key condition.

    O(log n + k): a bisect into the partition's SortedDict, then k items read.
    """
    violations, name = _read_violations(request)
    limit = get_int(request, "Limit")
    consistent = bool(get_bool(request, "ConsistentRead"))
    forward = get_bool(request, "ScanIndexForward")
    forward = True if forward is None else forward
    violations.raise_if_any()
    reject_legacy(request)
    select = _select(request)
    key_text = get_str(request, "KeyConditionExpression")
    if key_text is None:
        raise ValidationException(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in "
            "the request."
        )
    context = expression_context(request)
    table = engine.get_table(name)
    _no_index(table, request)
    schema = table.schema
    key_condition = compile_key_condition(key_text, context, schema.partition_key, schema.sort_key)
    condition = optional_condition(request, context, "FilterExpression")
    projection = optional_projection(request, context)
    context.check_unused()
    _check_filter_keys(condition, schema.names)
    partition_value = key_sort_value(key_condition.partition_value)
    start = _start_key(table, request)
    if start is not None and key_sort_value(start[schema.partition_key]) != partition_value:
        raise ValidationException(
            "The provided starting key is outside query boundaries based on provided conditions"
        )
    entries = _query_entries(table, partition_value, key_condition, forward, start)
    response, consumption = _page(
        entries,
        table,
        limit=limit,
        condition=condition,
        projection=projection,
        select=select,
        consistent=consistent,
    )
    add_capacity(response, consumption, request.get("ReturnConsumedCapacity"))
    return response


def _check_filter_keys(condition: Any, key_names: tuple[str, ...]) -> None:
    """A Query's filter may not name the primary-key attributes."""
    if condition is None:
        return
    used = getattr(condition, "top_level_names", None)
    if not used:
        return
    for name in key_names:
        if name in used:
            raise ValidationException(
                "Filter Expression can only contain non-primary key attributes: Primary key "
                f"attribute: {name}"
            )


def _query_entries(
    table: Table,
    partition_value: Any,
    key_condition: Any,
    forward: bool,
    start: dict[str, Any] | None,
) -> Iterator[Stored]:
    if not table.composite:
        entry = table.get(partition_value)
        if entry is not None and start is None:
            yield entry
        return
    partition = table.partition(partition_value)
    if partition is None:
        return
    operator = key_condition.sort_operator
    values = [key_sort_value(v) for v in key_condition.sort_values]
    low = high = None
    low_inclusive = high_inclusive = True
    if operator == "=":
        low = high = values[0]
    elif operator == "<":
        high, high_inclusive = values[0], False
    elif operator == "<=":
        high = values[0]
    elif operator == ">":
        low, low_inclusive = values[0], False
    elif operator == ">=":
        low = values[0]
    elif operator == "BETWEEN":
        low, high = values
    elif operator == "begins_with":
        # [prefix, prefix_end) holds exactly the values that start with the prefix.
        low = values[0]
        high, high_inclusive = _prefix_end(values[0]), False
    if start is not None:
        start_sort = key_sort_value(start[table.schema.sort_key])
        if forward:
            if low is None or start_sort >= low:
                low, low_inclusive = start_sort, False
        elif high is None or start_sort <= high:
            high, high_inclusive = start_sort, False
    empty_range = low is not None and high is not None and (
        low > high or (low == high and not (low_inclusive and high_inclusive))
    )
    if empty_range:
        return
    for sort_value in partition.irange(
        low, high, (low_inclusive, high_inclusive), reverse=not forward
    ):
        yield partition[sort_value]


def _prefix_end(prefix: Any) -> Any:
    """The smallest value greater than every value starting with ``prefix`` (None: no bound)."""
    if isinstance(prefix, bytes):
        stripped = prefix.rstrip(b"\xff")
        if not stripped:
            return None
        return stripped[:-1] + bytes([stripped[-1] + 1])
    stripped = prefix.rstrip("\U0010ffff")
    if not stripped:
        return None
    return stripped[:-1] + chr(ord(stripped[-1]) + 1)


# ---------------------------------------------------------------------- Scan
@operation("Scan")
def scan(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Read every item of a table (or one segment of it) in scan order. O(n) over the table."""
    violations, name = _read_violations(request)
    limit = get_int(request, "Limit")
    consistent = bool(get_bool(request, "ConsistentRead"))
    segment = get_int(request, "Segment")
    total_segments = get_int(request, "TotalSegments")
    violations.range(segment, "segment", 0, 999999)
    violations.range(total_segments, "totalSegments", 1, 1000000)
    violations.raise_if_any()
    if segment is not None and total_segments is None:
        raise ValidationException(
            "The TotalSegments parameter is required but was not present in the request when "
            "Segment parameter is present"
        )
    if total_segments is not None and segment is None:
        raise ValidationException(
            "The Segment parameter is required but was not present in the request when "
            "parameter TotalSegments is present"
        )
    if segment is not None and total_segments is not None and segment >= total_segments:
        raise ValidationException(
            "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
            f"Segment: {segment} is not less than TotalSegments: {total_segments}"
        )
    reject_legacy(request)
    select = _select(request)
    context = expression_context(request)
    condition = optional_condition(request, context, "FilterExpression")
    projection = optional_projection(request, context)
    context.check_unused()
    table = engine.get_table(name)
    _no_index(table, request)
    start = _start_key(table, request)
    segment = segment or 0
    total_segments = total_segments or 1
    start_after = None
    if start is not None:
        start_after = table.scan_position(start)
        low = segment * HASH_SPACE // total_segments
        high = (segment + 1) * HASH_SPACE // total_segments
        if not low <= partition_hash(start[table.schema.partition_key]) < high:
            raise ValidationException(
                STARTING_KEY_INVALID + "The Exclusive Start Key must be in the segment that "
                "the request specifies"
            )
    entries = table.scan_entries(
        start_after=start_after, segment=segment, total_segments=total_segments
    )
    response, consumption = _page(
        entries,
        table,
        limit=limit,
        condition=condition,
        projection=projection,
        select=select,
        consistent=consistent,
    )
    add_capacity(response, consumption, request.get("ReturnConsumedCapacity"))
    return response
