"""The Throughput tab: a table's buckets and burst pool, and a burst of writes to watch it
throttle."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from dynalab.console.calls import SOURCE, CallResult, call
from dynalab.console.tables import TableSummary
from dynalab.sandboxes import services as sandbox_services
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.models import Sandbox


@dataclass
class BurstResult:
    """What "send a burst" did: how many writes went through before the first throttle."""

    requested: int
    size_kb: int
    succeeded: int = 0
    throttled: int = 0
    first_throttled: int | None = None
    error: str = ""


MAX_BURST_WRITES = 500
MAX_BURST_ITEM_KB = 10


def describe_throughput(sandbox: Sandbox, table: str, *, endpoint: str, region: str) -> CallResult:
    """The engine's DescribeThroughput (a DynaLab extension) for one table."""
    return call(
        sandbox, "DescribeThroughput", {"TableName": table}, endpoint=endpoint, region=region
    )


def _burst_key(kind: str, number: int) -> dict[str, str]:
    """A distinct key value of the key's type for the burst's ``number``th item."""
    if kind == "N":
        return {"N": str(number)}
    if kind == "B":
        return {"B": base64.b64encode(f"burst-{number:04d}".encode()).decode()}
    return {"S": f"burst-{number:04d}"}


def bucket_bars(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The table's read and write buckets with the shares a bar needs (0-100)."""
    bars = []
    for name, bucket in state["Table"].items():
        rate, capacity = bucket["Rate"], bucket["BurstCapacity"]
        bars.append(
            {
                "name": name,
                "unit": "RCU" if name == "Read" else "WCU",
                "rate": rate,
                "level": bucket["Level"],
                "burst": bucket["BurstPool"],
                "capacity": capacity,
                "level_pct": round(100 * bucket["Level"] / rate) if rate else 0,
                "burst_pct": round(100 * bucket["BurstPool"] / capacity) if capacity else 0,
            }
        )
    return bars


def send_burst(
    sandbox: Sandbox, table: TableSummary, count: int, size_kb: int, *, region: str
) -> BurstResult:
    """Write ``count`` items of about ``size_kb`` KB back to back, one PutItem each, and count
    how many the table's capacity lets through (the simulated clock follows the wall clock
    meanwhile, so a long burst earns a little refill)."""
    result = BurstResult(requested=count, size_kb=size_kb)
    partition, sort = table.partition_key, table.sort_key
    padding = "x" * max(0, size_kb * 1024 - 64)
    for number in range(count):
        item: dict[str, Any] = {partition.name: _burst_key(partition.type, number)}
        if sort is not None:
            item[sort.name] = _burst_key(sort.type, number)
        item["padding"] = {"S": padding}
        try:
            sandbox_services.execute(
                sandbox,
                "PutItem",
                {"TableName": table.name, "Item": item},
                source=SOURCE,
                region=region,
            )
        except ServiceError as error:
            if error.code not in ("ProvisionedThroughputExceededException", "ThrottlingException"):
                result.error = f"{error.code}: {error.message}"
                break
            result.throttled += 1
            if result.first_throttled is None:
                result.first_throttled = number + 1
            continue
        result.succeeded += 1
    return result
