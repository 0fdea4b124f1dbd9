"""Capacity modes and throttling, driven only by the simulated clock.

Every request's capacity reaches ``Throughput.charge`` (the ``Extension.charge`` hook) before it
takes effect; refusing it raises the service's throttling error and nothing changes.

Provisioned mode
    The table and each global secondary index have a read and a write token bucket. A bucket
    holds one second of the provisioned rate and refills continuously at that rate; what the
    refill cannot fit spills into a burst pool that keeps up to 300 seconds of unused capacity.
    A request draws on the bucket first, then on the burst pool. So a 10 WCU table left idle
    for five minutes holds 10 + 3,000 units: about 3,000 one-KB writes at once, then throttling
    until the bucket refills at 10 units a second. A write that a global index cannot absorb is
    refused for the table too (back-pressure), with the service's index wording.

Partitions
    A table has ``max(ceil(RCU / 3,000 + WCU / 1,000), ceil(size / 10 GB))`` partitions (the
    documented rule of thumb; partitions split but never merge, so the count only grows). A
    partition-key value lives in the partition whose slice of the hash space holds its hash.
    Whatever the mode, a partition serves at most 3,000 RCU and 1,000 WCU a second, so one hot
    key throttles below the table's total. Requests say which keys they touched through
    ``Consumption.add_partition``; a request that does not is checked against totals only.

On-demand mode
    No provisioned rate: a table or index may use up to the per-table quota (40,000 read and
    40,000 write request units a second) and each partition its maximum. Request units are
    counted and priced with configurable prices (``price_per_million_reads`` / ``_writes``).
    A short burst to one partition key is absorbed, as on AWS (an SDK batch writer putting
    200 items of 10 KB under one key at once succeeds there): each partition's bucket has a
    burst pool of ``on_demand_partition_burst_seconds`` (5) seconds of the partition maximum,
    full while the partition is idle and refilled, like the provisioned pool, only by capacity
    left unused. So one key takes up to 6,000 WCU (18,000 RCU) at once; load held above 1,000
    WCU a second empties the pool within seconds and then throttles.

Every decision, allowed or throttled, is logged per table (bounded) with the bucket and burst
levels before and after, the partition and the reason: ``explain(table_name)``, and the DynaLab
operation ``DescribeThroughput`` (not part of the DynamoDB API) for the workbench.
"""

from __future__ import annotations

import copy
import math
from collections import deque
from typing import Any

from engine.capacity import Consumption
from engine.catalog import DYNALAB, operation
from engine.core import Engine, Extension
from engine.errors import (
    ProvisionedThroughputExceededException,
    ResourceNotFoundException,
    ThrottlingException,
)
from engine.keys import HASH_SPACE
from engine.table import Table
from engine.validation import Violations, get_str

TABLE_MESSAGE = (
    "The level of configured provisioned throughput for the table was exceeded. Consider "
    "increasing your provisioning level with the UpdateTable API."
)
INDEX_MESSAGE = (
    "The level of configured provisioned throughput for one or more global secondary indexes "
    "of the table was exceeded. Consider increasing your provisioning level for the "
    "under-provisioned global secondary indexes with the UpdateTable API"
)
ON_DEMAND_TABLE_MESSAGE = (
    "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically "
    "scaling your table or index so please try again shortly. If exceptions persist, check if "
    "you have a hot key: "
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html"
)
ON_DEMAND_INDEX_MESSAGE = (
    "Throughput exceeds the current capacity for one or more global secondary indexes. "
    "DynamoDB is automatically scaling your index so please try again shortly."
)

BURST_SECONDS = 300.0
PARTITION_READ_UNITS = 3000.0
PARTITION_WRITE_UNITS = 1000.0
PARTITION_BYTES = 10 * 1024**3
#: DynaLab's model of a new on-demand table: enough partitions for 12,000 RRU and 4,000 WRU.
ON_DEMAND_INITIAL_PARTITIONS = 8
UNITS = {"read": "RCU", "write": "WCU"}


class Bucket:
    """A token bucket holding one second of ``rate``, with a burst pool of unused capacity."""

    __slots__ = ("rate", "level", "burst", "burst_seconds", "updated")

    def __init__(self, rate: float, now: float, *, burst_seconds: float = 0.0) -> None:
        self.rate = float(rate)
        self.level = float(rate)
        self.burst = 0.0
        self.burst_seconds = burst_seconds
        self.updated = now

    @property
    def burst_capacity(self) -> float:
        return self.rate * self.burst_seconds

    def refill(self, now: float) -> None:
        """Add ``rate`` units per elapsed second: the bucket first, the overflow to the pool."""
        elapsed = now - self.updated
        if elapsed <= 0:
            return
        added = elapsed * self.rate
        into_level = min(added, max(0.0, self.rate - self.level))
        self.level += into_level
        self.burst = min(self.burst_capacity, self.burst + added - into_level)
        self.updated = now

    def set_rate(self, rate: float) -> None:
        self.rate = float(rate)
        self.level = min(self.level, self.rate)
        self.burst = min(self.burst, self.burst_capacity)

    @property
    def available(self) -> float:
        return self.level + self.burst

    def take(self, units: float) -> None:
        from_level = min(units, self.level)
        self.level -= from_level
        self.burst = max(0.0, self.burst - (units - from_level))

    def view(self) -> dict[str, float]:
        return {
            "Rate": self.rate,
            "Level": _round(self.level),
            "BurstPool": _round(self.burst),
            "BurstCapacity": self.burst_capacity,
        }

    def dump(self) -> list[float]:
        return [self.rate, self.level, self.burst, self.burst_seconds, self.updated]

    @classmethod
    def load(cls, state: list[float]) -> Bucket:
        bucket = cls(state[0], state[4], burst_seconds=state[3])
        bucket.level, bucket.burst = state[1], state[2]
        return bucket


def _round(value: float) -> float:
    return round(value, 6)


_TABLE_INFO = {"resource": "table"}


def _n(value: float) -> str:
    """A unit count for a sentence: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _entry_time(entry: Any) -> float:
    return entry["time"] if isinstance(entry, dict) else entry[0]


class TableThroughput:
    """One table's buckets, partitions, totals and decision log."""

    def __init__(self, mode: str, now: float, log_limit: int) -> None:
        self.mode = mode
        #: (index name or "", "read" | "write") -> bucket; "" is the table itself.
        self.buckets: dict[tuple[str, str], Bucket] = {}
        #: (index name or "", "read" | "write") -> provisioned rate the bucket was built for.
        self.partition_counts: dict[str, int] = {}
        #: (index name or "", partition number, kind) -> bucket at the partition maximum.
        self.partition_buckets: dict[tuple[str, int, str], Bucket] = {}
        self.consumed = {"read": 0.0, "write": 0.0}
        self.index_consumed: dict[str, dict[str, float]] = {}
        self.requests = {"read": 0, "write": 0}
        self.throttled = {"read": 0, "write": 0}
        #: Write units of replicated writes this table received from other Regions (global
        #: tables); they are in ``consumed`` too.
        self.replicated_writes = 0.0
        #: Decisions as raw lists (see ``Throughput._format``), newest last.
        self.log: deque[Any] = deque(maxlen=log_limit)
        self.created = now
        #: The table settings the buckets were built for (see ``Throughput._state``).
        self.signature: Any = None

    def dump(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "buckets": [
                [name, kind, bucket.dump()] for (name, kind), bucket in self.buckets.items()
            ],
            "partition_counts": dict(self.partition_counts),
            "partition_buckets": [
                [name, number, kind, bucket.dump()]
                for (name, number, kind), bucket in self.partition_buckets.items()
            ],
            "consumed": dict(self.consumed),
            "index_consumed": {name: dict(v) for name, v in self.index_consumed.items()},
            "requests": dict(self.requests),
            "throttled": dict(self.throttled),
            "log": list(self.log),
            "created": self.created,
            "replicated_writes": self.replicated_writes,
        }

    @classmethod
    def load(cls, state: dict[str, Any], log_limit: int) -> TableThroughput:
        table = cls(state["mode"], state["created"], log_limit)
        table.buckets = {(name, kind): Bucket.load(b) for name, kind, b in state["buckets"]}
        table.partition_counts = dict(state["partition_counts"])
        table.partition_buckets = {
            (name, number, kind): Bucket.load(b)
            for name, number, kind, b in state["partition_buckets"]
        }
        table.consumed = dict(state["consumed"])
        table.index_consumed = {name: dict(v) for name, v in state["index_consumed"].items()}
        table.requests = dict(state["requests"])
        table.throttled = dict(state["throttled"])
        table.log.extend(state["log"])
        table.replicated_writes = state.get("replicated_writes", 0.0)
        return table


class Throughput(Extension):
    """Token buckets, burst pools, partitions and on-demand accounting for every table."""

    #: Seconds of unused provisioned capacity the burst pool keeps.
    burst_seconds = BURST_SECONDS
    #: Enforce the per-partition maximum (3,000 RCU / 1,000 WCU a second).
    partition_limits = True
    partition_read_units = PARTITION_READ_UNITS
    partition_write_units = PARTITION_WRITE_UNITS
    #: On-demand per-table (and per-index) quota, request units a second.
    on_demand_table_read_units = 40000.0
    on_demand_table_write_units = 40000.0
    #: On-demand partitions: seconds of their maximum kept for bursts (0 turns bursts off).
    on_demand_partition_burst_seconds = 5.0
    #: Prices (USD) for the cost view: on-demand per million request units (us-east-1), and
    #: provisioned per capacity-unit hour.
    price_per_million_reads = 0.125
    price_per_million_writes = 0.625
    price_per_rcu_hour = 0.00013
    price_per_wcu_hour = 0.00065
    #: Decisions kept per table for ``explain``.
    log_limit = 200

    SETTINGS = (
        "burst_seconds",
        "partition_limits",
        "partition_read_units",
        "partition_write_units",
        "on_demand_table_read_units",
        "on_demand_table_write_units",
        "on_demand_partition_burst_seconds",
        "price_per_million_reads",
        "price_per_million_writes",
        "price_per_rcu_hour",
        "price_per_wcu_hour",
        "log_limit",
    )

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.tables: dict[str, TableThroughput] = {}
        #: On-demand tables' reads: accounted (per-partition maximum, counts, cost, log) but
        #: kept in this worker's memory only, not in the engine's dump. They can only throttle
        #: past 3,000 RCU a second on one partition, so two workers disagreeing on them changes
        #: nothing a learner can do; keeping them out of the state spares every read a journal
        #: entry. Provisioned tables' reads draw on real buckets and are part of the state.
        self.soft_tables: dict[str, TableThroughput] = {}

    # ------------------------------------------------------------------ hooks
    def table_created(self, table: Table) -> None:
        now = self.engine.now()
        self.tables[table.name] = TableThroughput(table.billing_mode, now, self.log_limit)
        self._sync(table, now)

    def table_deleted(self, table: Table, now: float) -> None:
        self.tables.pop(table.name, None)
        self.soft_tables.pop(table.name, None)

    def advance(self, now: float) -> None:
        """Nothing to do per request: buckets refill lazily, from their last update, when they
        are next charged or described (one refill over a gap equals many small ones)."""

    def table_updated(self, table: Table, now: float) -> None:
        # Refill at the old rates up to the moment the settings change, then re-rate.
        state = self.tables.get(table.name)
        if state is not None:
            for bucket in state.buckets.values():
                bucket.refill(now)
        self._sync(table, now)

    def charge(self, table: Table, consumption: Any, now: float) -> None:
        """Draw a request's units from every bucket it touches, or refuse it whole. O(buckets).

        Only the buckets charged are refilled; the decision is logged as raw numbers and turned
        into words only when someone reads the log (``explain``)."""
        if not isinstance(consumption, Consumption):
            return
        kind = "write" if consumption.write_units > 0 else "read"
        # On-demand reads are accounted in memory only (see ``soft_tables``).
        soft = kind == "read" and table.billing_mode == "PAY_PER_REQUEST"
        state = self._state(table, now, soft=soft)
        table_units = consumption.table_units + sum(consumption.local_indexes.values())
        demands: list[tuple[str, Bucket, float, dict[str, Any]]] = []
        if table_units > 0:
            demands.append(("table", state.buckets[("", kind)], table_units, _TABLE_INFO))
        for index_name, units in consumption.global_indexes.items():
            bucket = state.buckets.get((index_name, kind))
            if bucket is not None and units > 0:
                demands.append(("index", bucket, units, {"resource": f"index/{index_name}"}))
        if self.partition_limits and consumption.partitions:
            demands.extend(self._partition_demands(table, state, consumption, kind, now))
        checks: list[list[Any]] = []
        failures = []
        for level, bucket, units, info in demands:
            bucket.refill(now)
            allowed_here = bucket.available + 1e-9 >= units
            checks.append([level, info, units, bucket.level, bucket.burst, allowed_here])
            if not allowed_here:
                failures.append((level, info))
        allowed = not failures
        if allowed:
            for (_, bucket, units, _), check in zip(demands, checks, strict=True):
                bucket.take(units)
                check.extend((bucket.level, bucket.burst))
            state.consumed[kind] += table_units
            for index_name, units in consumption.global_indexes.items():
                totals = state.index_consumed.setdefault(index_name, {"read": 0.0, "write": 0.0})
                totals[kind] += units
        else:
            for check in checks:
                check.extend((check[3], check[4]))
        state.requests[kind] += 1
        reasons = []
        if not allowed:
            state.throttled[kind] += 1
            reasons = [self._reason(table, state, kind, level, info) for level, info in failures]
        state.log.append(
            [now, kind, table_units, dict(consumption.global_indexes), allowed, checks, reasons]
        )
        if not soft:
            # Buckets, counters and the log are state a replay must reproduce.
            self.engine.revision += 1
        if not allowed:
            raise self._error(state, kind, failures, reasons)

    def record_replicated(self, table: Table, consumption: Consumption, now: float) -> None:
        """A replicated write from another Region (global tables) landed in ``table``: its
        units are drawn from the write buckets and counted, but never refused (the service
        slows replication instead; DynaLab applies it). O(buckets)."""
        state = self._state(table, now)
        table_units = consumption.table_units + sum(consumption.local_indexes.values())
        bucket = state.buckets.get(("", "write"))
        if bucket is not None and table_units > 0:
            bucket.refill(now)
            bucket.take(table_units)
        for index_name, units in consumption.global_indexes.items():
            index_bucket = state.buckets.get((index_name, "write"))
            if index_bucket is not None and units > 0:
                index_bucket.refill(now)
                index_bucket.take(units)
            totals = state.index_consumed.setdefault(index_name, {"read": 0.0, "write": 0.0})
            totals["write"] += units
        state.consumed["write"] += table_units
        state.replicated_writes += table_units
        self.engine.revision += 1

    def _state(self, table: Table, now: float, *, soft: bool = False) -> TableThroughput:
        """The table's throughput state, rebuilt only when its settings or size class change.

        ``soft``: the separate, in-memory state for an on-demand table's reads."""
        store = self.soft_tables if soft else self.tables
        state = store.get(table.name)
        signature = (
            table.billing_mode,
            table.throughput.read,
            table.throughput.write,
            len(table.global_indexes),
            # An on-demand table's indexes have no throughput of their own to follow.
            tuple(repr(index.get("ProvisionedThroughput")) for index in table.global_indexes)
            if table.global_indexes and table.billing_mode == "PROVISIONED"
            else (),
            table.size_bytes // PARTITION_BYTES,
        )
        if state is None or state.signature != signature:
            state = self._sync(table, now, store=store)
            state.signature = signature
        return state

    @staticmethod
    def _format(entry: Any) -> dict[str, Any]:
        """A logged decision in words and rounded numbers (entries are stored raw)."""
        if isinstance(entry, dict):
            return dict(entry)
        now, kind, table_units, indexes, allowed, raw_checks, reasons = entry
        checks = []
        for (
            level,
            info,
            units,
            level_before,
            burst_before,
            ok,
            level_after,
            burst_after,
        ) in raw_checks:
            checks.append(
                {
                    **_info(info),
                    "limit": level,
                    "requested": _round(units),
                    "level_before": _round(level_before),
                    "burst_before": _round(burst_before),
                    "allowed": ok,
                    "level_after": _round(level_after),
                    "burst_after": _round(burst_after),
                }
            )
        return {
            "time": now,
            "operation": kind,
            "requested": {
                "table": _round(table_units),
                "indexes": {k: _round(v) for k, v in indexes.items()},
            },
            "allowed": allowed,
            "checks": checks,
            "reasons": reasons,
            "why": Throughput._why(kind, table_units, checks, allowed),
        }

    # ------------------------------------------------------------------ model
    def _sync(
        self, table: Table, now: float, *, store: dict[str, TableThroughput] | None = None
    ) -> TableThroughput:
        """Bring a table's buckets in line with its settings (re-rating changed ones)."""
        if store is None:
            store = self.tables
        state = store.get(table.name)
        if state is None or state.mode != table.billing_mode:
            state = TableThroughput(table.billing_mode, now, self.log_limit)
            if table.name in store:
                old = store[table.name]
                state.consumed, state.requests, state.throttled = (
                    old.consumed,
                    old.requests,
                    old.throttled,
                )
                state.replicated_writes = old.replicated_writes
                state.index_consumed, state.log = old.index_consumed, old.log
            store[table.name] = state
        provisioned = table.billing_mode == "PROVISIONED"
        rates: dict[tuple[str, str], float] = {}
        if provisioned:
            rates[("", "read")] = table.throughput.read
            rates[("", "write")] = table.throughput.write
        else:
            rates[("", "read")] = self.on_demand_table_read_units
            rates[("", "write")] = self.on_demand_table_write_units
        for index in table.global_indexes:
            name = index["IndexName"]
            throughput = index.get("ProvisionedThroughput") or {}
            if provisioned:
                rates[(name, "read")] = throughput.get("ReadCapacityUnits", 0)
                rates[(name, "write")] = throughput.get("WriteCapacityUnits", 0)
            else:
                rates[(name, "read")] = self.on_demand_table_read_units
                rates[(name, "write")] = self.on_demand_table_write_units
        burst = self.burst_seconds if provisioned else 0.0
        for key in list(state.buckets):
            if key not in rates:
                del state.buckets[key]
        for key, rate in rates.items():
            bucket = state.buckets.get(key)
            if bucket is None:
                state.buckets[key] = Bucket(rate, now, burst_seconds=burst)
                continue
            if bucket.rate != rate:
                # Refill at the old rate up to now, then re-rate. Buckets whose rate stays are
                # left alone: they refill lazily when charged, so when this runs never matters.
                bucket.refill(now)
                bucket.set_rate(rate)
        counts = {"": self._partition_count(table, "", provisioned)}
        for index in table.global_indexes:
            counts[index["IndexName"]] = self._partition_count(table, index, provisioned)
        for name, count in counts.items():
            if state.partition_counts.get(name, 0) < count:
                state.partition_counts[name] = count
                # A split: the new partitions start with full buckets.
                for key in [key for key in state.partition_buckets if key[0] == name]:
                    del state.partition_buckets[key]
        for key in [k for k in state.partition_counts if k not in counts]:
            del state.partition_counts[key]
        return state

    @staticmethod
    def _partition_count(table: Table, index: Any, provisioned: bool) -> int:
        if index == "":
            throughput = (table.throughput.read, table.throughput.write)
            size = table.size_bytes
        else:
            units = index.get("ProvisionedThroughput") or {}
            throughput = (units.get("ReadCapacityUnits", 0), units.get("WriteCapacityUnits", 0))
            live = getattr(table, "indexes", {}).get(index["IndexName"])
            size = getattr(live, "size_bytes", 0)
        by_throughput = (
            math.ceil(throughput[0] / PARTITION_READ_UNITS + throughput[1] / PARTITION_WRITE_UNITS)
            if provisioned
            else ON_DEMAND_INITIAL_PARTITIONS
        )
        return max(1, by_throughput, math.ceil(size / PARTITION_BYTES))

    def _partition_demands(
        self,
        table: Table,
        state: TableThroughput,
        consumption: Consumption,
        kind: str,
        now: float,
    ) -> list[tuple[str, Bucket, float, dict[str, Any]]]:
        grouped: dict[tuple[str, int], list[Any]] = {}
        for (index_name, hashed), (units, label) in consumption.partitions.items():
            name = index_name or ""
            count = state.partition_counts.get(name)
            if count is None:
                continue
            number = hashed * count // HASH_SPACE
            entry = grouped.setdefault((name, number), [0.0, []])
            entry[0] += units
            entry[1].append(label)
        rate = self.partition_read_units if kind == "read" else self.partition_write_units
        burst = self.on_demand_partition_burst_seconds if state.mode == "PAY_PER_REQUEST" else 0.0
        demands = []
        for (name, number), (units, labels) in sorted(grouped.items()):
            key = (name, number, kind)
            bucket = state.partition_buckets.get(key)
            if bucket is None or bucket.rate != rate or bucket.burst_seconds != burst:
                bucket = state.partition_buckets[key] = Bucket(rate, now, burst_seconds=burst)
                # A partition first touched now has been idle: its pool is full.
                bucket.burst = bucket.burst_capacity
            # Kept compact on this hot path (every write's partitions); ``_info`` turns it into
            # the dict the log's readers use.
            info = [name, number, state.partition_counts[name], labels]
            demands.append(("partition", bucket, units, info))
        return demands

    def _reason(
        self, table: Table, state: TableThroughput, kind: str, level: str, info: dict[str, Any]
    ) -> dict[str, str]:
        info = _info(info)
        on_index = info["resource"].startswith("index/")
        resource = f"{table.arn}/{info['resource']}" if on_index else table.arn
        limit = {
            "partition": "KeyRangeThroughputExceeded",
            "table": "ProvisionedThroughputExceeded",
            "index": "ProvisionedThroughputExceeded",
        }[level]
        if level != "partition" and state.mode == "PAY_PER_REQUEST":
            limit = "AccountLimitExceeded"
        prefix = "Index" if on_index else "Table"
        return {"reason": f"{prefix}{kind.capitalize()}{limit}", "resource": resource}

    @staticmethod
    def _error(
        state: TableThroughput,
        kind: str,
        failures: list[tuple[str, dict[str, Any]]],
        reasons: list[dict[str, str]],
    ) -> Exception:
        levels = {level for level, _ in failures}
        on_index = all(_info(info)["resource"].startswith("index/") for _, info in failures)
        extra = {"ThrottlingReasons": reasons}
        if state.mode == "PAY_PER_REQUEST" and levels != {"partition"}:
            message = ON_DEMAND_INDEX_MESSAGE if on_index else ON_DEMAND_TABLE_MESSAGE
            return ThrottlingException(message, **extra)
        return ProvisionedThroughputExceededException(
            INDEX_MESSAGE if on_index else TABLE_MESSAGE, **extra
        )

    @staticmethod
    def _why(kind: str, units: float, checks: list[dict[str, Any]], allowed: bool) -> str:
        unit = UNITS[kind]
        if allowed:
            parts = [
                f"{c['resource']}"
                + (f" partition {c['partition']}" if "partition" in c else "")
                + f" {_n(c['level_before'])} + {_n(c['burst_before'])} burst -> "
                f"{_n(c['level_after'])} + {_n(c['burst_after'])}"
                for c in checks
            ]
            return f"{kind} of {_n(units)} {unit} allowed: " + "; ".join(parts)
        refused = [
            f"{c['resource']}"
            + (
                f" partition {c['partition']} (keys {', '.join(c['keys'])})"
                if "partition" in c
                else ""
            )
            + f" needs {_n(c['requested'])} {unit} but holds {_n(c['level_before'])} in its bucket "
            f"and {_n(c['burst_before'])} in its burst pool"
            + (
                f" (a partition serves at most its maximum {unit} a second)"
                if c["limit"] == "partition"
                else ""
            )
            for c in checks
            if not c["allowed"]
        ]
        return f"{kind} throttled: " + "; ".join(refused)

    # ------------------------------------------------------------------ views
    def explain(self, table_name: str) -> list[dict[str, Any]]:
        """The recent throttling decisions for a table, oldest first (copies)."""
        state = self.tables.get(table_name)
        if state is None:
            return []
        entries = list(state.log)
        soft = self.soft_tables.get(table_name)
        if soft is not None:
            entries = sorted(entries + list(soft.log), key=lambda entry: _entry_time(entry))
            entries = entries[-self.log_limit :]
        return [self._format(entry) for entry in entries]

    def describe(self, table: Table, now: float) -> dict[str, Any]:
        """Buckets, burst pools, partitions, totals, cost and recent decisions of one table."""
        # Shown as of ``now`` without touching the stored buckets: describing changes nothing.
        state = copy.deepcopy(self._state(table, now))
        for bucket in state.buckets.values():
            bucket.refill(now)
        for bucket in state.partition_buckets.values():
            bucket.refill(now)
        provisioned = table.billing_mode == "PROVISIONED"
        buckets = {
            kind.capitalize(): state.buckets[("", kind)].view() for kind in ("read", "write")
        }
        indexes = {}
        for index in table.global_indexes:
            name = index["IndexName"]
            indexes[name] = {
                **{
                    kind.capitalize(): state.buckets[(name, kind)].view()
                    for kind in ("read", "write")
                },
                "Partitions": self._partitions_view(state, name, now),
                "Consumed": {
                    "ReadUnits": _round(state.index_consumed.get(name, {}).get("read", 0.0)),
                    "WriteUnits": _round(state.index_consumed.get(name, {}).get("write", 0.0)),
                },
            }
        reads, writes = state.consumed["read"], state.consumed["write"]
        soft = self.soft_tables.get(table.name)
        requests, throttled = dict(state.requests), dict(state.throttled)
        if soft is not None:
            reads += soft.consumed["read"]
            requests["read"] += soft.requests["read"]
            throttled["read"] += soft.throttled["read"]
        cost: dict[str, Any]
        if provisioned:
            cost = {
                "Mode": "PROVISIONED",
                "PerHourUSD": _round(
                    table.throughput.read * self.price_per_rcu_hour
                    + table.throughput.write * self.price_per_wcu_hour
                ),
                "PricePerRcuHourUSD": self.price_per_rcu_hour,
                "PricePerWcuHourUSD": self.price_per_wcu_hour,
            }
        else:
            cost = {
                "Mode": "PAY_PER_REQUEST",
                "ReadRequestUnits": _round(reads),
                "WriteRequestUnits": _round(writes),
                "EstimatedUSD": _round(
                    reads / 1e6 * self.price_per_million_reads
                    + writes / 1e6 * self.price_per_million_writes
                ),
                "PricePerMillionReadsUSD": self.price_per_million_reads,
                "PricePerMillionWritesUSD": self.price_per_million_writes,
            }
        return {
            "TableName": table.name,
            "BillingMode": table.billing_mode,
            "Time": now,
            "Table": buckets,
            "GlobalSecondaryIndexes": indexes,
            "Partitions": self._partitions_view(state, "", now),
            "Consumed": {
                "ReadUnits": _round(reads),
                "WriteUnits": _round(writes),
                "ReplicatedWriteUnits": _round(state.replicated_writes),
                "Requests": requests,
                "Throttled": throttled,
            },
            "CostEstimate": cost,
            "RecentDecisions": self.explain(table.name)[-20:],
        }

    def _partitions_view(self, state: TableThroughput, name: str, now: float) -> list[Any]:
        count = state.partition_counts.get(name, 1)
        view = []
        for number in range(count):
            entry: dict[str, Any] = {
                "Partition": number,
                "HashRange": [number * HASH_SPACE // count, (number + 1) * HASH_SPACE // count],
            }
            for kind, maximum in (
                ("read", self.partition_read_units),
                ("write", self.partition_write_units),
            ):
                bucket = state.partition_buckets.get((name, number, kind))
                entry[f"{kind.capitalize()}Available"] = (
                    _round(bucket.level) if bucket is not None else maximum
                )
                entry[f"{kind.capitalize()}Maximum"] = maximum
                if state.mode == "PAY_PER_REQUEST":
                    # An untouched partition's pool is full (see _partition_demands).
                    entry[f"{kind.capitalize()}BurstPool"] = (
                        _round(bucket.burst)
                        if bucket is not None
                        else maximum * self.on_demand_partition_burst_seconds
                    )
            view.append(entry)
        return view

    # ------------------------------------------------------------------ persistence
    def dump(self) -> dict[str, Any]:
        return {
            "settings": {name: getattr(self, name) for name in self.SETTINGS},
            "tables": {name: state.dump() for name, state in self.tables.items()},
        }

    def load(self, state: Any) -> None:
        for name, value in (state.get("settings") or {}).items():
            if name in self.SETTINGS:
                setattr(self, name, value)
        for name, table_state in (state.get("tables") or {}).items():
            if name in self.engine.tables:
                self.tables[name] = TableThroughput.load(table_state, self.log_limit)


@operation("DescribeThroughput", api=DYNALAB, read_only=True)
def describe_throughput(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """DynaLab extension, NOT part of the DynamoDB API: a table's token buckets, burst pools,
    partitions, consumed units, cost estimate and recent throttling decisions."""
    violations = Violations()
    name = get_str(request, "TableName")
    violations.table_name(name)
    violations.raise_if_any()
    assert name is not None
    table = engine.tables.get(engine.resolve_table_name(name))
    if table is None:
        raise ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")
    extension = engine.extensions["throughput"]
    return {"Throughput": extension.describe(table, engine.now())}  # type: ignore[attr-defined]


def _info(info: Any) -> dict[str, Any]:
    """What a logged check was about: a dict (table, index, and older logs' partitions), or a
    partition's compact ``[index name or "", number, partitions, key labels]``."""
    if isinstance(info, dict):
        return info
    name, number, partitions, labels = info
    return {
        "resource": f"index/{name}" if name else "table",
        "partition": number,
        "partitions": partitions,
        "keys": sorted(labels),
    }
