"""The Throughput tab: a table's buckets and burst pool, and a burst of writes to watch it
throttle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dynalab.console.calls import CallResult, call
from dynalab.console.tables import TableSummary
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
    call: CallResult | None = None


MAX_BURST_WRITES = 500
MAX_BURST_ITEM_KB = 10


def describe_throughput(sandbox: Sandbox, table: str, *, endpoint: str, region: str) -> CallResult:
    """The engine's DescribeThroughput (a DynaLab extension) for one table."""
    return call(
        sandbox, "DescribeThroughput", {"TableName": table}, endpoint=endpoint, region=region
    )


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
    sandbox: Sandbox, table: TableSummary, count: int, size_kb: int, *, endpoint: str, region: str
) -> BurstResult:
    """Bill ``count`` PutItems of new ``size_kb`` KB items against the table's capacity, one
    after another at this simulated instant, and count how many it lets through.

    DynaLab's SimulateWriteBurst does it: the writes are billed and throttled exactly as
    PutItem would be, but no item is stored, so the learner's table gains no junk items."""
    result = BurstResult(requested=count, size_kb=size_kb)
    answer = call(
        sandbox,
        "SimulateWriteBurst",
        {"TableName": table.name, "Count": count, "ItemSizeBytes": size_kb * 1024},
        endpoint=endpoint,
        region=region,
    )
    if not answer.ok:
        result.error = f"{answer.error.code}: {answer.error.message}"
        return result
    response = answer.response
    result.succeeded = response["Succeeded"]
    result.throttled = response["Throttled"]
    result.first_throttled = response.get("FirstThrottled")
    result.call = answer
    return result


def decision_lines(decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The engine's decisions split into a headline ("write of 1 WCU allowed") and its
    detail, so a page says "allowed" or "throttled" once."""
    lines = []
    for decision in decisions:
        why = str(decision.get("why", ""))
        headline, _, detail = why.partition(": ")
        lines.append({"allowed": decision.get("allowed"), "headline": headline, "detail": detail})
    return lines
