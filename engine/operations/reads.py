"""Query and Scan: read ranges of items a page at a time, then filter and project.

Both read items in key order (Query) or scan order (Scan), from the table or one of its
indexes, stop at Limit items read or at 1 MB read, bill for every byte read before the filter,
and return LastEvaluatedKey whenever they stopped early, so the caller pages on with
ExclusiveStartKey.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from itertools import accumulate, compress, islice, repeat
from operator import eq, itemgetter
from typing import Any

from engine.capacity import Consumption, read_units
from engine.catalog import operation
from engine.core import Engine
from engine.errors import ValidationException
from engine.expressions import compile_key_condition
from engine.indexes import SecondaryIndex
from engine.keys import HASH_SPACE, KeySchema, composite_hash, partition_hash
from engine.legacy import (
    add_violations,
    attributes_projection,
    check_parameters,
    filter_condition,
    key_condition_expression,
    key_conditions,
)
from engine.multikey import MultiKeyCondition, compile_multi_key_condition
from engine.operations.common import (
    RETURN_CAPACITY,
    add_capacity,
    expression_context,
    optional_condition,
    optional_projection,
)
from engine.ranges import (
    in_bounds,
    iterate_bounds,
    iterate_range,
    multi_sort_bounds,
    sort_bounds,
)
from engine.table import Table
from engine.validation import Violations, get_bool, get_dict, get_int, get_str
from engine.values import copy_item, key_sort_value, validate_item

PAGE_BYTES = 1024 * 1024
#: Entries a page reads at a time (see ``_page``).
_CHUNK = 256
_size_of = itemgetter(1)
_item_of = itemgetter(0)
#: ``observe(item, size_bytes, kept_by_filter)``: see ``_page``.
Observer = Callable[[dict[str, Any], int, bool], None]
SELECT_VALUES = ("ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT")
STARTING_KEY_INVALID = "The provided starting key is invalid: "


class ReadTarget:
    """What a Query or Scan reads: a table, or one of its indexes."""

    def __init__(self, table: Table, index: SecondaryIndex | None) -> None:
        self.table = table
        self.index = index
        self.schema: KeySchema = index.schema if index else table.schema
        #: Attributes of LastEvaluatedKey / ExclusiveStartKey: table keys, then index keys.
        self.key_names: tuple[str, ...] = index.key_names if index else table.schema.names

    def last_key(self, item: dict[str, Any]) -> dict[str, Any]:
        return copy_item({name: item[name] for name in self.key_names})

    def check_start_key(self, raw: dict[str, Any]) -> dict[str, Any]:
        key = validate_item(raw, parameter="ExclusiveStartKey")
        message = STARTING_KEY_INVALID + "The provided key element does not match the schema"
        if set(key) != set(self.key_names):
            raise ValidationException(message)
        self.table.schema.check_key(
            {name: key[name] for name in self.table.schema.names}, message=message
        )
        if self.index is not None and self.index.entry_key(key) is None:
            raise ValidationException(message)
        return key

    def query_entries(
        self, partition_value: Any, key_condition: Any, forward: bool, start: dict | None
    ) -> Iterator[tuple[dict[str, Any], int]]:
        operator = key_condition.sort_operator
        values = [key_sort_value(v) for v in key_condition.sort_values]
        if self.index is not None:
            partition = self.index.partitions.get(partition_value)
            if partition is None:
                return
            start_after = self.index.entry_key(start)[1] if start is not None else None
            if self.index.multi_sort:
                prefix = tuple(key_sort_value(v) for v in key_condition.equal_prefix)
                yield from iterate_bounds(
                    partition,
                    multi_sort_bounds(prefix, operator, values),
                    forward=forward,
                    start_after=start_after,
                    composite_keys=True,
                )
                return
            if isinstance(key_condition, MultiKeyCondition) and key_condition.equal_prefix:
                # A single sort attribute matched with "=" inside a multi-attribute key.
                operator, values = "=", [key_sort_value(key_condition.equal_prefix[0])]
            yield from iterate_range(
                partition,
                operator,
                values,
                forward=forward,
                start_after=start_after,
                composite_keys=True,
            )
            return
        table = self.table
        if not table.composite:
            entry = table.get(partition_value)
            if entry is not None and start is None:
                yield entry
            return
        partition = table.partition(partition_value)
        if partition is None:
            return
        start_after = key_sort_value(start[table.schema.sort_key]) if start is not None else None
        yield from iterate_range(
            partition, operator, values, forward=forward, start_after=start_after
        )

    def scan_entries(
        self, start: dict | None, segment: int, total_segments: int
    ) -> Iterator[tuple[dict[str, Any], int]]:
        source = self.index or self.table
        start_after = None
        if start is not None:
            low = segment * HASH_SPACE // total_segments
            high = (segment + 1) * HASH_SPACE // total_segments
            start_hash = (
                self.index.partition_hash_of(start)
                if self.index is not None
                else partition_hash(start[self.schema.partition_key])
            )
            if not low <= start_hash < high:
                raise ValidationException(
                    STARTING_KEY_INVALID + "The Exclusive Start Key must be in the segment "
                    "that the request specifies"
                )
            start_after = (
                self.index.position_of(start) if self.index else self.table.scan_position(start)
            )
        return source.scan_entries(
            start_after=start_after, segment=segment, total_segments=total_segments
        )


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
    # At most one of them: both together were refused as mixed parameters.
    projected = next(
        (p for p in ("ProjectionExpression", "AttributesToGet") if request.get(p) is not None),
        None,
    )
    on_index = request.get("IndexName") is not None
    if select == "ALL_PROJECTED_ATTRIBUTES" and not on_index:
        raise ValidationException(
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
        )
    if projected is not None:
        if select == "ALL_ATTRIBUTES":
            raise ValidationException(
                f"Cannot specify the {projected} when choosing to get ALL_ATTRIBUTES"
            )
        if select == "ALL_PROJECTED_ATTRIBUTES":
            raise ValidationException(
                f"Cannot specify the {projected} when choosing to get ALL_PROJECTED_ATTRIBUTES"
            )
        if select == "COUNT":
            raise ValidationException(
                f"Cannot specify the {projected} when choosing to get only the Count"
            )
        return "SPECIFIC_ATTRIBUTES"
    if select == "SPECIFIC_ATTRIBUTES":
        raise ValidationException(
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get "
            "SPECIFIC_ATTRIBUTES"
        )
    if select is None:
        # The service's default: everything from a table, the projection from an index.
        return "ALL_PROJECTED_ATTRIBUTES" if on_index else "ALL_ATTRIBUTES"
    return select


def _target(
    engine: Engine, table: Table, request: dict[str, Any], select: str, consistent: bool
) -> ReadTarget:
    index_name = get_str(request, "IndexName")
    if index_name is None:
        return ReadTarget(table, None)
    index = table.indexes.get(index_name)
    if index is None:
        raise ValidationException(f"The table does not have the specified index: {index_name}")
    if not index.local:
        if consistent:
            raise ValidationException(
                "Consistent reads are not supported on global secondary indexes"
            )
        if index.status(engine.now()) != "ACTIVE":
            raise ValidationException(
                f"Cannot read from backfilling global secondary index: {index_name}"
            )
        if select == "ALL_ATTRIBUTES" and index.projection_type != "ALL":
            raise ValidationException(
                "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
                f"supported for global secondary index {index_name} because its projection "
                "type is not ALL"
            )
    return ReadTarget(table, index)


def _check_projected(target: ReadTarget, projection: Any) -> None:
    """A global index cannot fetch from the table: asking it for attributes it does not
    project is refused (a local index reads them from the table instead)."""
    index = target.index
    if projection is None or index is None or index.local or index.projected_names is None:
        return
    missing = sorted(set(projection.top_level_names) - index.projected_names)
    if missing:
        raise ValidationException(
            "One or more parameter values were invalid: Global secondary index "
            f"{index.name} does not project [{', '.join(missing)}]"
        )


def _needs_table_fetch(target: ReadTarget, select: str, condition: Any, projection: Any) -> bool:
    """A local index query that wants attributes it does not project reads the table too."""
    index = target.index
    if index is None or not index.local or index.projected_names is None:
        return False
    if select == "ALL_ATTRIBUTES":
        return True
    wanted: set[str] = set()
    for expression in (condition, projection):
        if expression is not None:
            wanted |= set(expression.top_level_names)
    return not wanted <= index.projected_names


def _page(
    entries: Iterator[tuple[dict[str, Any], int]],
    target: ReadTarget,
    *,
    limit: int | None,
    condition: Any,
    projection: Any,
    select: str,
    consistent: bool,
    fetch: bool,
    observe: Observer | None = None,
) -> tuple[dict[str, Any], Consumption]:
    """Read entries until Limit or 1 MB, filter, project; build the common response.

    ``observe(item, size, kept)`` is told about every entry read, in order (the stored item
    or index entry, its size in bytes, and whether the filter kept it): the inspection API
    itemises a page's bill with it.
    """
    scanned = 0
    read_bytes = 0
    fetched_units = 0.0
    items: list[dict[str, Any]] = []
    last_item = None
    stopped_early = False
    count_only = select == "COUNT"
    count = 0
    table = target.table
    evaluate = condition.evaluate if condition is not None else None
    shape = projection.apply if projection is not None else copy_item
    append = items.append
    # The loop every Scan and Query runs: locals only, no work that a page does not need.
    stop_at = limit if limit is not None else -1
    if not fetch and observe is None:
        # A page in chunks: C-level slicing and running sums find where Limit or 1 MB stops
        # it, and the filter runs over each chunk in one comprehension.
        equality = condition.equality if condition is not None else None
        while True:
            want = _CHUNK if limit is None else min(_CHUNK, limit - scanned)
            chunk = list(islice(entries, want))
            if not chunk:
                break
            sums = list(accumulate(map(_size_of, chunk), initial=read_bytes))
            cut = bisect_left(sums, PAGE_BYTES, 1)
            full = len(chunk)
            if cut <= full:
                chunk = chunk[:cut]
            read_bytes = sums[len(chunk)]
            scanned += len(chunk)
            stored = list(map(_item_of, chunk))
            if equality is not None:
                # All in C: each item's attribute, compared, selects the items kept.
                name, value = equality
                kept = list(
                    compress(stored, map(eq, map(dict.get, stored, repeat(name)), repeat(value)))
                )
            elif evaluate is not None:
                kept = list(filter(evaluate, stored))
            else:
                kept = stored
            count += len(kept)
            if not count_only:
                items.extend(map(shape, kept))
            if cut <= full or scanned == stop_at:
                last_item, stopped_early = chunk[-1][0], True
                break
            if full < want:
                break
    else:
        for item, size in entries:
            scanned += 1
            read_bytes += size
            entry = item
            if fetch:
                # Local index: fetch the whole item from the table, billed item by item.
                stored = table.get(
                    key_sort_value(item[table.schema.partition_key]),
                    key_sort_value(item[table.schema.sort_key]) if table.schema.sort_key else None,
                )
                if stored is not None:
                    item = stored[0]
                    fetched_units += read_units(stored[1], consistent=consistent)
            kept = evaluate is None or evaluate(item)
            if kept:
                count += 1
                if not count_only:
                    append(shape(item))
            if observe is not None:
                observe(item, size, kept)
            if scanned == stop_at or read_bytes >= PAGE_BYTES:
                last_item, stopped_early = entry, True
                break
    response: dict[str, Any] = {}
    if not count_only:
        response["Items"] = items
    response["Count"] = count
    response["ScannedCount"] = scanned
    if stopped_early and last_item is not None:
        response["LastEvaluatedKey"] = target.last_key(last_item)
    consumption = Consumption(table.name)
    units = read_units(read_bytes, consistent=consistent)
    if target.index is None:
        consumption.add_table_read(units)
    else:
        consumption.add_index(target.index.name, units, local=target.index.local, write=False)
        if fetched_units:
            consumption.add_table_read(fetched_units)
    return response, consumption


# ---------------------------------------------------------------------- Query
@operation("Query", read_only=True, bills="read")
def query(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Read one partition's items in sort-key order within a key condition.

    O(log n + k): a bisect into the partition's SortedDict, then k items read.
    """
    table, response, consumption = run_query(engine, request)
    engine.charge(table, consumption)
    add_capacity(response, consumption, request.get("ReturnConsumedCapacity"))
    return response


def run_query(
    engine: Engine, request: dict[str, Any], *, observe: Observer | None = None
) -> tuple[Table, dict[str, Any], Consumption]:
    """Everything a Query does except charging: validate, read one page, bill it.

    Changes nothing, so the inspection API can run it to itemise a page.
    """
    violations, name = _read_violations(request)
    limit = get_int(request, "Limit")
    consistent = bool(get_bool(request, "ConsistentRead"))
    forward = get_bool(request, "ScanIndexForward")
    forward = True if forward is None else forward
    add_violations(request, violations, "Query")
    violations.raise_if_any()
    check_parameters(request, "Query")
    select = _select(request)
    legacy_filter = filter_condition(request, "QueryFilter")
    legacy_projection = attributes_projection(request)
    key_text = get_str(request, "KeyConditionExpression")
    legacy_keys = key_conditions(request) if key_text is None else None
    if key_text is None and legacy_keys is None:
        raise ValidationException(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in "
            "the request."
        )
    context = expression_context(request)
    table = engine.get_table(name)
    target = _target(engine, table, request, select, consistent)
    schema = target.schema
    index = target.index
    multi = index is not None and (index.multi_partition or index.multi_sort)
    if multi:
        attribute_types = dict(index.partition_attrs + index.sort_attrs)
        partition_keys = [attr for attr, _ in index.partition_attrs]
        sort_keys = [attr for attr, _ in index.sort_attrs]
    else:
        attribute_types = {
            d["AttributeName"]: d["AttributeType"] for d in table.attribute_definitions
        }
        partition_keys = [schema.partition_key]
        sort_keys = [schema.sort_key] if schema.sort_key else []
    key_context = context
    if legacy_keys is not None:
        key_text, key_context = key_condition_expression(
            legacy_keys, partition_keys, sort_keys, attribute_types
        )
    assert key_text is not None
    if multi:
        key_condition: Any = compile_multi_key_condition(
            key_text, key_context, index.partition_attrs, index.sort_attrs
        )
        partition_values = [key_sort_value(v) for v in key_condition.partition_values]
        partition_value = tuple(partition_values) if index.multi_partition else partition_values[0]
        key_names = tuple(name for name, _ in index.partition_attrs + index.sort_attrs)
    else:
        key_condition = compile_key_condition(
            key_text, key_context, schema.partition_key, schema.sort_key, attribute_types
        )
        partition_value = key_sort_value(key_condition.partition_value)
        key_names = schema.names
    condition = optional_condition(request, context, "FilterExpression")
    projection = optional_projection(request, context)
    context.check_unused()
    if legacy_filter is not None:
        condition = legacy_filter
        _check_filter_keys(condition, key_names, "QueryFilter")
    else:
        _check_filter_keys(condition, key_names, "Filter Expression")
    projection = projection or legacy_projection
    _check_projected(target, projection)
    raw_start = get_dict(request, "ExclusiveStartKey")
    start = target.check_start_key(raw_start) if raw_start is not None else None
    if start is not None:
        _check_start_within_query(start, target, key_condition, partition_value, multi)
    entries = target.query_entries(partition_value, key_condition, forward, start)
    response, consumption = _page(
        entries,
        target,
        limit=limit,
        condition=condition,
        projection=projection,
        select=select,
        consistent=consistent,
        fetch=_needs_table_fetch(target, select, condition, projection),
        observe=observe,
    )
    if index is None and (schema.sort_key is None or key_condition.sort_operator == "="):
        # The key condition names one whole primary key: the query can return at most one
        # row, so there is no next page to point to (and a restart would be refused).
        response.pop("LastEvaluatedKey", None)
    # A Query reads one partition: its units count against that partition's maximum.
    if index is not None and not index.local:
        if multi:
            first = key_condition.partition_values[0]
            hashed = composite_hash(list(key_condition.partition_values))
        else:
            first, hashed = key_condition.partition_value, None
        consumption.add_partition(first, consumption.total, index=index.name, hashed=hashed)
    else:
        consumption.add_partition(key_condition.partition_value, consumption.total)
    return table, response, consumption


def _check_start_within_query(
    start: dict[str, Any], target: ReadTarget, key_condition: Any, partition_value: Any, multi: bool
) -> None:
    """An ExclusiveStartKey must lie where the key condition reads. With a condition on the
    sort key, the service tests the key against it first; a key that passes but belongs to
    another partition, or any key when both keys are fixed by equality, is refused as a
    restart of a query that can return at most one row."""
    index = target.index
    start_partition = (
        index.entry_key(start)[0]
        if index is not None
        else key_sort_value(start[target.schema.partition_key])
    )
    operator = None if multi else key_condition.sort_operator
    if operator is None:
        if start_partition != partition_value:
            raise ValidationException(
                "The provided starting key is outside query boundaries based on provided conditions"
            )
        return
    values = [key_sort_value(v) for v in key_condition.sort_values]
    start_sort = key_sort_value(start[target.schema.sort_key])
    if not in_bounds(start_sort, sort_bounds(operator, values)):
        raise ValidationException(
            "The provided starting key does not match the range key predicate"
        )
    if start_partition != partition_value or (operator == "=" and index is None):
        # On an index, "=" on its sort key still matches every item sharing those values.
        raise ValidationException("The query can return at most one row and cannot be restarted")


def _check_filter_keys(condition: Any, key_names: tuple[str, ...], parameter: str) -> None:
    """A Query's filter (``Filter Expression`` or ``QueryFilter``) may not name the key
    attributes of what it queries."""
    if condition is None:
        return
    for name in key_names:
        if name in condition.top_level_names:
            raise ValidationException(
                f"{parameter} can only contain non-primary key attributes: Primary key "
                f"attribute: {name}"
            )


# ---------------------------------------------------------------------- Scan
@operation("Scan", read_only=True, bills="read")
def scan(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Read every item of a table or index (or one segment of it) in scan order. O(n)."""
    table, response, consumption = run_scan(engine, request)
    engine.charge(table, consumption)
    add_capacity(response, consumption, request.get("ReturnConsumedCapacity"))
    return response


def run_scan(
    engine: Engine, request: dict[str, Any], *, observe: Observer | None = None
) -> tuple[Table, dict[str, Any], Consumption]:
    """Everything a Scan does except charging (see ``run_query``)."""
    violations, name = _read_violations(request)
    limit = get_int(request, "Limit")
    consistent = bool(get_bool(request, "ConsistentRead"))
    segment = get_int(request, "Segment")
    total_segments = get_int(request, "TotalSegments")
    violations.range(segment, "segment", 0, 999999)
    violations.range(total_segments, "totalSegments", 1, 1000000)
    add_violations(request, violations, "Scan")
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
    check_parameters(request, "Scan")
    select = _select(request)
    legacy_filter = filter_condition(request, "ScanFilter")
    legacy_projection = attributes_projection(request)
    context = expression_context(request)
    condition = optional_condition(request, context, "FilterExpression")
    projection = optional_projection(request, context)
    context.check_unused()
    condition = condition or legacy_filter
    projection = projection or legacy_projection
    table = engine.get_table(name)
    target = _target(engine, table, request, select, consistent)
    _check_projected(target, projection)
    raw_start = get_dict(request, "ExclusiveStartKey")
    start = target.check_start_key(raw_start) if raw_start is not None else None
    entries = target.scan_entries(start, segment or 0, total_segments or 1)
    response, consumption = _page(
        entries,
        target,
        limit=limit,
        condition=condition,
        projection=projection,
        select=select,
        consistent=consistent,
        fetch=_needs_table_fetch(target, select, condition, projection),
        observe=observe,
    )
    return table, response, consumption
