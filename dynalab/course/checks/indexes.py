"""Checks of secondary indexes: they exist with the asked keys and projection, and what they hold."""

from __future__ import annotations

from typing import Any

from dynalab.course.checks.base import (
    CheckContext,
    KeyType,
    ProjectionType,
    check,
    compare_key,
    describe,
    key_schema,
    no_table,
    plural,
    validate_bounds,
    within_bounds,
)


def _index(description: dict[str, Any], index: str) -> tuple[dict[str, Any] | None, bool]:
    """(the index's description, whether it is local) or (None, False)."""
    for local, field in ((False, "GlobalSecondaryIndexes"), (True, "LocalSecondaryIndexes")):
        for found in description.get(field, []):
            if found["IndexName"] == index:
                return found, local
    return None, False


def _shape_problem(
    description: dict[str, Any],
    found: dict[str, Any],
    *,
    partition_key: str | None,
    partition_key_type: str | None,
    sort_key: str | None,
    sort_key_type: str | None,
    projection_type: str | None,
) -> str | None:
    keys = key_schema(description["AttributeDefinitions"], found["KeySchema"])
    problem = compare_key("partition key", keys["HASH"], partition_key, partition_key_type)
    problem = problem or compare_key("sort key", keys["RANGE"], sort_key, sort_key_type)
    actual_projection = found["Projection"]["ProjectionType"]
    if problem is None and projection_type is not None and actual_projection != projection_type:
        problem = f"it projects {actual_projection}, not {projection_type}"
    return problem


@check("gsi_exists")
def gsi_exists(
    context: CheckContext,
    *,
    table: str,
    index: str,
    partition_key: str | None = None,
    partition_key_type: KeyType | None = None,
    sort_key: str | None = None,
    sort_key_type: KeyType | None = None,
    projection_type: ProjectionType | None = None,
) -> tuple[bool, str]:
    """The table has an ACTIVE global secondary index with these keys and projection."""
    description = describe(context, table)
    if description is None:
        return no_table(table)
    found, local = _index(description, index)
    if found is None or local:
        kind = " (it is a local one)" if found is not None else ""
        return False, f"Table {table} has no global secondary index named {index} yet{kind}."
    problem = _shape_problem(
        description,
        found,
        partition_key=partition_key,
        partition_key_type=partition_key_type,
        sort_key=sort_key,
        sort_key_type=sort_key_type,
        projection_type=projection_type,
    )
    if problem:
        return False, f"Index {index} exists, but {problem}. Delete it and create it again."
    if found.get("IndexStatus", "ACTIVE") != "ACTIVE":
        return False, f"Index {index} is still {found['IndexStatus']} (backfilling); wait a moment."
    return True, f"Index {index} on {table} is ACTIVE."


@check("lsi_exists")
def lsi_exists(
    context: CheckContext,
    *,
    table: str,
    index: str,
    sort_key: str | None = None,
    sort_key_type: KeyType | None = None,
    projection_type: ProjectionType | None = None,
) -> tuple[bool, str]:
    """The table has a local secondary index with this sort key and projection (its partition
    key is always the table's)."""
    description = describe(context, table)
    if description is None:
        return no_table(table)
    found, local = _index(description, index)
    if found is None or not local:
        kind = " (it is a global one)" if found is not None else ""
        return False, (
            f"Table {table} has no local secondary index named {index}{kind}. Local indexes "
            "are made with the table: create the table again with LocalSecondaryIndexes."
        )
    problem = _shape_problem(
        description,
        found,
        partition_key=None,
        partition_key_type=None,
        sort_key=sort_key,
        sort_key_type=sort_key_type,
        projection_type=projection_type,
    )
    if problem:
        return False, (
            f"Index {index} exists, but {problem}. A local index cannot be changed: delete the "
            "table and create it again."
        )
    return True, f"Table {table} has the local index {index}."


@check("index_is_sparse")
def index_is_sparse(
    context: CheckContext, *, table: str, index: str, min_items: int = 1
) -> tuple[bool, str]:
    """The index holds fewer items than its table (only items with its key attributes),
    and at least ``min_items``."""
    description = describe(context, table)
    if description is None:
        return no_table(table)
    found, _ = _index(description, index)
    if found is None:
        return False, f"Table {table} has no index named {index} yet."
    in_index, in_table = found["ItemCount"], description["ItemCount"]
    if in_index < min_items:
        return False, (
            f"Index {index} holds {plural(in_index, 'item')}; give at least "
            f"{plural(min_items, 'item')} the index's key attribute."
        )
    if in_index >= in_table:
        return False, (
            f"Index {index} holds {in_index} of the table's {plural(in_table, 'item')}: every "
            "item has its key attribute, so the index is not sparse."
        )
    return True, (
        f"Index {index} holds {in_index} of the table's {plural(in_table, 'item')}: it is sparse."
    )


@check("index_item_count", validate=validate_bounds("min", "max", "equals"))
def index_item_count(
    context: CheckContext,
    *,
    table: str,
    index: str,
    min: int | None = None,
    max: int | None = None,
    equals: int | None = None,
) -> tuple[bool, str]:
    """The index holds at least ``min``, at most ``max``, or exactly ``equals`` items."""
    description = describe(context, table)
    if description is None:
        return no_table(table)
    found, _ = _index(description, index)
    if found is None:
        return False, f"Table {table} has no index named {index} yet."
    count = found["ItemCount"]
    holds = (
        f"Index {index} holds {plural(count, 'item')} (the table holds {description['ItemCount']})"
    )
    return within_bounds(count, holds, equals=equals, min=min, max=max)
