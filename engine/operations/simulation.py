"""DynaLab's own operations for the simulation's knobs, NOT part of the DynamoDB API.

DescribeSimulationSettings and UpdateSimulationSettings read and change the settings a lesson
or the workbench turns on for a demonstration: how long a write takes to reach a global
secondary index (propagation lag) and how long TTL waits before it deletes an expired item.
They are operations, not attributes set from outside, so that a change is journaled like any
call and every worker rebuilds the same sandbox.

SimulateWriteBurst charges a table's write capacity for a burst of PutItem calls, exactly as
those calls would be billed and throttled, without storing any item: the Throughput tab shows
throttling without leaving junk in the learner's table.
"""

from __future__ import annotations

import base64
from typing import Any

from engine.capacity import Consumption
from engine.catalog import DYNALAB, operation
from engine.core import Engine
from engine.errors import DynamoDBError, ResourceNotFoundException, ValidationException
from engine.operations.common import bill_write
from engine.ttl import ttl_of
from engine.validation import Violations, get_int, get_str
from engine.values import item_size

#: The longest propagation lag a sandbox may be given: one simulated day.
MAX_PROPAGATION_DELAY_SECONDS = 86400
#: The longest fixed TTL deletion delay: the service's documented worst case is 48 hours.
MAX_TTL_DELAY_SECONDS = 48 * 3600
TTL_MODES = ("SPREAD", "IMMEDIATE", "FIXED")
#: SimulateWriteBurst: at most this many writes, each at most the 400 KB item limit.
MAX_BURST_WRITES = 1000
MAX_BURST_ITEM_BYTES = 400 * 1024
THROTTLE_CODES = ("ProvisionedThroughputExceededException", "ThrottlingException")


def _settings(engine: Engine) -> dict[str, Any]:
    delay = ttl_of(engine).ttl_deletion_delay
    ttl: dict[str, Any]
    if delay == "spread":
        ttl = {"TtlDeletionMode": "SPREAD"}
    elif delay == "immediate":
        ttl = {"TtlDeletionMode": "IMMEDIATE"}
    else:
        ttl = {"TtlDeletionMode": "FIXED", "TtlDeletionDelaySeconds": delay}
    propagation = engine.extensions["indexes"].settings.propagation_delay  # type: ignore[attr-defined]
    return {"SimulationSettings": {"GsiPropagationDelaySeconds": propagation, **ttl}}


@operation("DescribeSimulationSettings", api=DYNALAB, read_only=True)
def describe_simulation_settings(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """DynaLab's own, not in the DynamoDB API: the sandbox's GSI propagation lag and TTL delay.

    NOT part of the DynamoDB API (no AWS SDK has it). O(1)."""
    return _settings(engine)


@operation("UpdateSimulationSettings", api=DYNALAB)
def update_simulation_settings(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """DynaLab's own, not in the DynamoDB API: set the GSI propagation lag and the TTL delay.

    NOT part of the DynamoDB API. GsiPropagationDelaySeconds is 0 to 86,400; TtlDeletionMode
    is SPREAD (within 48 hours, as the service does), IMMEDIATE, or FIXED with
    TtlDeletionDelaySeconds. O(1), or O(n log n) over scheduled TTL deletions when their
    delay changes.

    Writes already on their way to an index keep the lag they were given.
    """
    violations = Violations()
    propagation = _seconds(request, "GsiPropagationDelaySeconds")
    mode = get_str(request, "TtlDeletionMode")
    ttl_seconds = _seconds(request, "TtlDeletionDelaySeconds")
    violations.range(propagation, "gsiPropagationDelaySeconds", 0, MAX_PROPAGATION_DELAY_SECONDS)
    violations.enum(mode, "ttlDeletionMode", TTL_MODES)
    violations.range(ttl_seconds, "ttlDeletionDelaySeconds", 0, MAX_TTL_DELAY_SECONDS)
    violations.raise_if_any()
    if propagation is None and mode is None and ttl_seconds is None:
        raise ValidationException(
            "At least one of GsiPropagationDelaySeconds or TtlDeletionMode is required"
        )
    if mode == "FIXED" and ttl_seconds is None:
        raise ValidationException(
            "TtlDeletionDelaySeconds is required when TtlDeletionMode is FIXED"
        )
    if ttl_seconds is not None and mode != "FIXED":
        raise ValidationException(
            "TtlDeletionDelaySeconds may be given only when TtlDeletionMode is FIXED"
        )
    if propagation is not None:
        engine.extensions["indexes"].settings.propagation_delay = propagation  # type: ignore[attr-defined]
    if mode is not None:
        delay: str | float = {"SPREAD": "spread", "IMMEDIATE": "immediate"}.get(
            mode, ttl_seconds if ttl_seconds is not None else 0.0
        )
        ttl_of(engine).ttl_deletion_delay = delay
    return _settings(engine)


def _seconds(request: dict[str, Any], key: str) -> float | None:
    """A whole or fractional number of seconds (finite)."""
    value = request.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        get_int(request, key)  # raises the service's SerializationException for the type
        raise ValidationException(f"{key} must be a number")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValidationException(f"{key} must be a finite number")
    return number


@operation("SimulateWriteBurst", api=DYNALAB)
def simulate_write_burst(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """DynaLab's own, not in the DynamoDB API: bill a burst of PutItems, storing nothing.

    NOT part of the DynamoDB API. Bills and throttles Count PutItem calls of new items of
    ItemSizeBytes, one after another at this simulated instant, without
    storing anything; answers how many the table's capacity let through. O(Count).

    Each write is billed as PutItem bills a new item (per started 1 KB, plus every index the
    item would enter) and offered to the table's buckets; a refused write changes nothing,
    exactly as a throttled PutItem. The items' keys are ``burst-0001``... (numbers for a
    Number key), so the writes spread over partitions as distinct keys do.
    """
    violations = Violations()
    name = get_str(request, "TableName")
    count = get_int(request, "Count")
    size = get_int(request, "ItemSizeBytes")
    violations.table_name(name)
    if violations.not_null(count, "count"):
        violations.range(count, "count", 1, MAX_BURST_WRITES)
    if violations.not_null(size, "itemSizeBytes"):
        violations.range(size, "itemSizeBytes", 1, MAX_BURST_ITEM_BYTES)
    violations.raise_if_any()
    assert name is not None and count is not None and size is not None
    table = engine.tables.get(engine.resolve_table_name(name))
    if table is None:
        raise ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")
    succeeded = throttled = 0
    first_throttled: int | None = None
    units = 0.0
    last_error: dict[str, str] | None = None
    for number in range(count):
        item = _burst_item(table, number, size)
        consumption = Consumption(table.name)
        bill_write(table, consumption, None, item, item_size(item))
        try:
            engine.charge(table, consumption)
        except DynamoDBError as error:
            if error.code not in THROTTLE_CODES:
                raise
            throttled += 1
            first_throttled = first_throttled or number + 1
            last_error = {"Code": error.code, "Message": error.message}
            continue
        succeeded += 1
        units += consumption.total
    response: dict[str, Any] = {
        "TableName": table.name,
        "Requested": count,
        "Succeeded": succeeded,
        "Throttled": throttled,
        "WriteCapacityUnits": units,
    }
    if first_throttled is not None:
        response["FirstThrottled"] = first_throttled
        response["LastThrottlingError"] = last_error
    return response


def _burst_item(table: Any, number: int, size: int) -> dict[str, Any]:
    """A new item with distinct key values of the key's types, padded to about ``size``."""
    schema = table.schema
    item: dict[str, Any] = {schema.partition_key: _key_value(schema.partition_type, number)}
    if schema.sort_key:
        item[schema.sort_key] = _key_value(schema.sort_type or "S", number)
    padding = max(0, size - item_size(item) - len("padding"))
    item["padding"] = {"S": "x" * padding}
    return item


def _key_value(kind: str, number: int) -> dict[str, str]:
    if kind == "N":
        return {"N": str(number)}
    if kind == "B":
        return {"B": base64.b64encode(f"burst-{number:04d}".encode()).decode()}
    return {"S": f"burst-{number:04d}"}
