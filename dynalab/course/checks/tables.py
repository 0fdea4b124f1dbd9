"""Checks of tables: they exist with the keys, billing mode and capacity a step asks for."""

from __future__ import annotations

from typing import Any, Literal

from dynalab.course.checks.base import (
    CheckContext,
    KeyType,
    check,
    compare_key,
    describe,
    key_schema,
    no_table,
    plural,
    validate_any_of,
    validate_bounds,
    within_bounds,
)


@check("table_exists")
def table_exists(
    context: CheckContext,
    *,
    table: str,
    partition_key: str | None = None,
    partition_key_type: KeyType | None = None,
    sort_key: str | None = None,
    sort_key_type: KeyType | None = None,
    key_type: Literal["simple", "composite"] | None = None,
    billing_mode: Literal["PROVISIONED", "PAY_PER_REQUEST"] | None = None,
) -> tuple[bool, str]:
    """The table exists, with the partition key, sort key and billing mode given (if given).

    ``key_type: simple`` also requires that it has no sort key.
    """
    description = describe(context, table)
    if description is None:
        return no_table(table)
    keys = key_schema(description["AttributeDefinitions"], description["KeySchema"])
    problem = compare_key("partition key", keys["HASH"], partition_key, partition_key_type)
    problem = problem or compare_key("sort key", keys["RANGE"], sort_key, sort_key_type)
    if key_type == "simple" and keys["RANGE"] is not None:
        problem = f"it has a sort key ({keys['RANGE'][0]}); this step asks for a simple key"
    if key_type == "composite" and keys["RANGE"] is None:
        problem = "it has no sort key; this step asks for a composite key"
    mode = (description.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    if problem is None and billing_mode is not None and mode != billing_mode:
        return False, (
            f"Table {table} exists, but its billing mode is {mode}, not {billing_mode}. Change "
            "it with UpdateTable (BillingMode)."
        )
    if problem:
        return False, (
            f"Table {table} exists, but {problem}. Key attributes cannot be changed: delete "
            "the table and create it again."
        )
    key_text = " and ".join(f"{k[0]} ({k[1]})" for k in (keys["HASH"], keys["RANGE"]) if k)
    return True, f"Table {table} exists with key {key_text}."


@check("table_absent")
def table_absent(context: CheckContext, *, table: str) -> tuple[bool, str]:
    """There is no table with this name (for example after DeleteTable)."""
    if describe(context, table) is None:
        return True, f"Table {table} is gone."
    return False, f"Table {table} still exists."


@check("item_count", validate=validate_bounds("min", "max", "equals"))
def item_count(
    context: CheckContext,
    *,
    table: str,
    min: int | None = None,
    max: int | None = None,
    equals: int | None = None,
) -> tuple[bool, str]:
    """The table holds at least ``min``, at most ``max``, or exactly ``equals`` items."""
    description = describe(context, table)
    if description is None:
        return no_table(table)
    count = description["ItemCount"]
    holds = f"Table {table} holds {plural(count, 'item')}"
    return within_bounds(count, holds, equals=equals, min=min, max=max)


@check(
    "provisioned_throughput",
    validate=validate_any_of(
        "read_capacity", "write_capacity", "min_read_capacity", "min_write_capacity"
    ),
)
def provisioned_throughput(
    context: CheckContext,
    *,
    table: str,
    index: str | None = None,
    read_capacity: int | None = None,
    write_capacity: int | None = None,
    min_read_capacity: int | None = None,
    min_write_capacity: int | None = None,
) -> tuple[bool, str]:
    """The table (or its global secondary index ``index``) is provisioned with exactly
    ``read_capacity`` / ``write_capacity`` units a second, or at least ``min_...``."""
    description = describe(context, table)
    if description is None:
        return no_table(table)
    mode = (description.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    if mode != "PROVISIONED":
        return False, (
            f"Table {table} is on-demand (PAY_PER_REQUEST): it has no provisioned capacity. "
            "Switch it with UpdateTable, BillingMode PROVISIONED."
        )
    where = f"Table {table}"
    throughput: dict[str, Any] = description.get("ProvisionedThroughput") or {}
    if index is not None:
        found = next(
            (i for i in description.get("GlobalSecondaryIndexes", []) if i["IndexName"] == index),
            None,
        )
        if found is None:
            return False, f"Table {table} has no global secondary index named {index}."
        where = f"Index {index}"
        throughput = found.get("ProvisionedThroughput") or {}
    read, write = throughput.get("ReadCapacityUnits"), throughput.get("WriteCapacityUnits")
    has = f"{where} is provisioned with {read} RCU and {write} WCU a second"
    if read_capacity is not None and read != read_capacity:
        return False, f"{has}; this step asks for {read_capacity} RCU."
    if write_capacity is not None and write != write_capacity:
        return False, f"{has}; this step asks for {write_capacity} WCU."
    if min_read_capacity is not None and (read or 0) < min_read_capacity:
        return False, f"{has}; this step asks for at least {min_read_capacity} RCU."
    if min_write_capacity is not None and (write or 0) < min_write_capacity:
        return False, f"{has}; this step asks for at least {min_write_capacity} WCU."
    return True, f"{has}."
