"""DynaLab's engine against moto, through the same boto3 client code, in one process.

    .venv/bin/python bench/engine_bench.py                 # full run (4-5 minutes)
    .venv/bin/python bench/engine_bench.py --quick         # small tables, short windows
    .venv/bin/python bench/engine_bench.py --json out.json # also write the results as JSON
    .venv/bin/python bench/engine_bench.py --profile query # cProfile the engine side of one
    .venv/bin/python bench/engine_bench.py --profile put --raw --sort tottime
    .venv/bin/python bench/engine_bench.py --only put,put_gsi   # a subset of the workloads

The same workload functions run against four backends:

* ``moto``: a boto3 client under moto's ``mock_aws`` (moto answers in botocore's
  ``before-send`` event, so no HTTP is involved);
* ``engine``: a boto3 client whose ``before-send.dynamodb.*`` handler answers from an
  in-process ``Engine`` (bench/engine_client.py), so it pays exactly the client cost moto's
  client pays: parameter validation, serialization, signing, parsing, error mapping;
* ``raw``: ``Engine.call`` on the same request dicts with no boto3 at all;
* ``floor`` (single-item workloads): a boto3 client answered from canned responses, i.e. an
  engine that takes no time: moto's rate against it is the best ratio any engine could reach.

Each workload gets a short warm-up, then ``rounds`` windows per backend in which the backends
take turns, so a burst of load from other processes on this shared machine hits them all
alike; each backend reports its best round, in operations per CPU second of this process.
The time spent inside Engine.call on the boto3 path is timed in place, which gives the
client's share. The large tables (one partition of 100,000 items for Query, 100,000 items for
Scan, one GSI partition of 100,000 items for the GSI Query) are loaded through each backend's
internals (moto's backend ``put_item``; ``Engine.call("BatchWriteItem")``) unless
``--load-via-client`` asks for boto3 BatchWriteItem, and only when a selected workload reads
them; every measured operation goes through the client.

Global secondary indexes: the engine's are eventually consistent (a write reaches them one
simulated second later by default). The benchmark sets the engine's propagation delay to zero
before loading, so the GSI Query table's index is complete when measuring starts and every
PutItem of workload 6 pays for both index writes inside its own call rather than in a later one.

Throttling: the engine enforces on-demand quotas and the per-partition maximum (1,000 WCU and
3,000 RCU a second) against the wall clock, which a tight Engine.call loop (tens of thousands of
writes a second on one table, thousands on one GSI partition) would exceed. The benchmark raises
those rates out of reach before creating the tables: the engine still does all its capacity
accounting, per partition too, but never refuses a request (moto never throttles either).

DAX (workload 10): a GetItem through a DAX cluster, every one a cache hit (the cluster's item
cache is filled before measuring, and its parameter group keeps items without expiry, so that
no hit turns into a miss however long the run; each answer is checked to have billed no read
units). The engine side sends it as DynaLab's stand-in for the DAX client does, one
``CallThroughDax`` per GetItem (through boto3: a DynamoDB client whose calls are routed
through the cluster). moto has no DAX data plane, so its column for workload 10 is moto's
plain GetItem with the same parameters: the ratio compares a DAX hit on the engine with the
only GetItem moto has.

PartiQL (workloads 8 and 9): moto answers every ExecuteStatement by handing all items of all
its tables to its PartiQL interpreter, so its cost grows with everything loaded, including the
large tables when the workloads that read them are selected (``--only select,insert`` measures
it on the single-item table alone). moto's INSERT takes no parameters, so workload 9 writes
its item as a literal: the engine parses each of those statements afresh (its parse cache is
keyed by statement text), while workload 8 reuses one parameterized SELECT.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from botocore.awsrequest import AWSResponse  # noqa: E402

from bench.engine_client import (  # noqa: E402
    DEFAULT_REGION,
    EngineHandler,
    RawBody,
    detach_moto,
    engine_client,
    moto_client,
)
from engine import Engine  # noqa: E402

ITEMS_TABLE = "bench_items"
SELECT_BY_KEY = f'SELECT * FROM "{ITEMS_TABLE}" WHERE id = ?'
PARTITION_TABLE = "bench_partition"
SCAN_TABLE = "bench_scan"
GSI_PUT_TABLE = "bench_gsi_put"
GSI_QUERY_TABLE = "bench_gsi_query"
GSI_QUERY_INDEX = "by_rank"
GSI_GROUP = "G"
PARTITION_VALUE = "P"
QUERY_PAGE = 100
SCAN_CATEGORY = 3
CATEGORIES = 10
#: Pads items to about 200 bytes as DynamoDB counts them (names plus values).
PAYLOAD = "x" * 130
LARGE_PAYLOAD = "y" * 150

#: Request units a second given to every throughput limit of the engine: never reached.
UNTHROTTLED = 1e15
#: The DAX cluster of workload 10, and its parameter group (items never expire by time).
DAX_CLUSTER = "bench-cache"
DAX_PARAMETER_GROUP = "bench-no-expiry"

SINGLE_ITEM_GOAL = 3.0
QUERY_GOAL = 50.0
#: A PutItem on a table with two GSIs and a stream may cost at most this many plain PutItems.
GSI_PUT_COST_GOAL = 2.0
#: Workload 5's raw Engine.call goal: items a filtered Scan examines per second.
SCAN_RATE_GOAL = 1_000_000
#: Memory an engine holds per stored item, at most this many times the item's DynamoDB size.
MEMORY_GOAL = 10.0
MEMORY_ITEMS = 20_000


class BenchError(AssertionError):
    """A backend answered a workload wrongly: the figures would compare different work."""


# --------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class Sizes:
    #: Items preloaded into the single-item table (GetItem and UpdateItem cycle over them).
    single_items: int
    #: Items in the Query partition, in the Scan table and in the GSI Query partition.
    large_items: int
    #: Seconds each workload is measured for, per backend (split into ``rounds``).
    seconds: float
    #: At most this many measured operations per workload and backend.
    max_ops: int
    #: Rounds per workload; backends take turns, and each reports its best round.
    rounds: int = 4
    #: Warm-up: this share of ``seconds`` (at least one operation, at most ``max_warmup``).
    warmup_share: float = 0.1
    max_warmup: int = 200


FULL = Sizes(single_items=2_000, large_items=100_000, seconds=4.0, max_ops=100_000)
QUICK = Sizes(
    single_items=200, large_items=2_000, seconds=0.3, max_ops=2_000, rounds=2, max_warmup=20
)


# --------------------------------------------------------------------------- items
def single_key(index: int) -> str:
    return f"item-{index:06d}"


def single_item(key: str, index: int) -> dict[str, Any]:
    return {
        "id": {"S": key},
        "c": {"N": "0"},
        "name": {"S": f"User {index:06d}"},
        "email": {"S": f"user{index:06d}@example.com"},
        "active": {"BOOL": True},
        "payload": {"S": PAYLOAD},
    }


def insert_statement(key: str, index: int) -> str:
    """A PartiQL INSERT of the item workload 1 puts, its values written as literals."""
    literals = {
        "S": lambda data: "'" + data.replace("'", "''") + "'",
        "N": str,
        "BOOL": lambda data: "true" if data else "false",
    }
    parts = []
    for name, value in single_item(key, index).items():
        ((kind, data),) = value.items()
        parts.append(f"'{name}': {literals[kind](data)}")
    return f'INSERT INTO "{ITEMS_TABLE}" VALUE {{{", ".join(parts)}}}'


def partition_item(index: int) -> dict[str, Any]:
    return {
        "pk": {"S": PARTITION_VALUE},
        "sk": {"S": f"{index:08d}"},
        "n": {"N": str(index)},
        "payload": {"S": LARGE_PAYLOAD},
    }


def scan_item(index: int) -> dict[str, Any]:
    return {
        "id": {"S": f"s{index:08d}"},
        "cat": {"N": str(index % CATEGORIES)},
        "n": {"N": str(index)},
        "payload": {"S": LARGE_PAYLOAD},
    }


#: Workload 6's GSI key attributes take the place of this many payload bytes, so that its
#: items are as large as workload 1's (within a byte or two; about 200 bytes as DynamoDB
#: counts them).
GSI_PUT_PAYLOAD = "x" * (len(PAYLOAD) - 57)
GSI_PUT_STATUSES = ("active", "pending", "closed", "archived")


def gsi_put_item(key: str, index: int) -> dict[str, Any]:
    """An item carrying both GSIs' keys: every PutItem of it writes both indexes."""
    return {
        "id": {"S": key},
        "c": {"N": "0"},
        "name": {"S": f"User {index:06d}"},
        "email": {"S": f"user{index:06d}@example.com"},
        "active": {"BOOL": True},
        "owner": {"S": f"owner-{index % 100:03d}"},
        "created": {"N": str(1_712_345_678 + index)},
        "status": {"S": GSI_PUT_STATUSES[index % len(GSI_PUT_STATUSES)]},
        "updated": {"S": f"2024-06-{index % 28 + 1:02d}"},
        "payload": {"S": GSI_PUT_PAYLOAD},
    }


def gsi_query_item(index: int) -> dict[str, Any]:
    """Every item shares one GSI partition (``grp``); ``rank`` orders them there."""
    return {
        "id": {"S": f"g{index:08d}"},
        "grp": {"S": GSI_GROUP},
        "rank": {"S": f"{index:08d}"},
        "n": {"N": str(index)},
        "payload": {"S": LARGE_PAYLOAD},
    }


def expected_scan_matches(large_items: int) -> int:
    return sum(1 for i in range(large_items) if i % CATEGORIES == SCAN_CATEGORY)


TABLES: dict[str, list[tuple[str, str, str]]] = {
    ITEMS_TABLE: [("id", "S", "HASH")],
    PARTITION_TABLE: [("pk", "S", "HASH"), ("sk", "S", "RANGE")],
    SCAN_TABLE: [("id", "S", "HASH")],
    GSI_PUT_TABLE: [("id", "S", "HASH")],
    GSI_QUERY_TABLE: [("id", "S", "HASH")],
}


def _gsi(name: str, partition: str, sort: str, projection: dict[str, Any]) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": partition, "KeyType": "HASH"},
            {"AttributeName": sort, "KeyType": "RANGE"},
        ],
        "Projection": projection,
    }


#: Global secondary indexes (name, partition key, sort key, projection) and their key types.
TABLE_EXTRAS: dict[str, dict[str, Any]] = {
    GSI_PUT_TABLE: {
        "attributes": [("owner", "S"), ("created", "N"), ("status", "S"), ("updated", "S")],
        "GlobalSecondaryIndexes": [
            _gsi("by_owner", "owner", "created", {"ProjectionType": "ALL"}),
            _gsi(
                "by_status",
                "status",
                "updated",
                {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name", "email"]},
            ),
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    },
    GSI_QUERY_TABLE: {
        "attributes": [("grp", "S"), ("rank", "S")],
        "GlobalSecondaryIndexes": [
            _gsi(GSI_QUERY_INDEX, "grp", "rank", {"ProjectionType": "ALL"}),
        ],
    },
}


def create_tables(client: Any) -> None:
    for name, keys in TABLES.items():
        extras = dict(TABLE_EXTRAS.get(name, {}))
        attributes = [(a, t) for a, t, _ in keys] + extras.pop("attributes", [])
        client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": a, "KeyType": k} for a, _, k in keys],
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, t in attributes],
            BillingMode="PAY_PER_REQUEST",
            **extras,
        )


def batches(items: Iterable[dict[str, Any]], size: int = 25) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def batch_write(call: Callable[..., dict[str, Any]], table: str, items: Iterable[dict]) -> None:
    """Write items 25 at a time through ``call(RequestItems=...)``, retrying unprocessed ones."""
    for batch in batches(items):
        request = {table: [{"PutRequest": {"Item": item}} for item in batch]}
        while request:
            request = call(RequestItems=request).get("UnprocessedItems") or {}


# --------------------------------------------------------------------------- workloads
@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    #: ``run(client, i)`` does operation number i and returns the items it examined.
    run: Callable[[Any, int], int]
    goal: float | None = None
    single_item: bool = False
    #: The engine's side goes through the DAX cluster (moto's is a plain call).
    through_dax: bool = False


def build_workloads(tag: str, sizes: Sizes) -> list[Workload]:
    """The workloads, in WORKLOAD_NAMES order; ``tag`` keeps written keys distinct between
    backends sharing data."""
    single_items = sizes.single_items
    large = sizes.large_items
    scan_matches = expected_scan_matches(large)
    middle = large // 2 - QUERY_PAGE // 2

    def put_item(client: Any, i: int) -> int:
        client.put_item(TableName=ITEMS_TABLE, Item=single_item(f"{tag}-{i:09d}", i))
        return 1

    def get_item(client: Any, i: int) -> int:
        response = client.get_item(
            TableName=ITEMS_TABLE, Key={"id": {"S": single_key(i % single_items)}}
        )
        if "Item" not in response:
            raise BenchError(f"GetItem found no item {single_key(i % single_items)}")
        return 1

    def update_item(client: Any, i: int) -> int:
        client.update_item(
            TableName=ITEMS_TABLE,
            Key={"id": {"S": single_key(i % single_items)}},
            UpdateExpression="SET #c = #c + :one",
            ExpressionAttributeNames={"#c": "c"},
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
        return 1

    def query(client: Any, i: int) -> int:
        low = middle + (i * 7919) % 201 - 100
        low = max(0, min(large - QUERY_PAGE, low))
        response = client.query(
            TableName=PARTITION_TABLE,
            KeyConditionExpression="#pk = :pk AND #sk BETWEEN :low AND :high",
            ExpressionAttributeNames={"#pk": "pk", "#sk": "sk"},
            ExpressionAttributeValues={
                ":pk": {"S": PARTITION_VALUE},
                ":low": {"S": f"{low:08d}"},
                ":high": {"S": f"{low + QUERY_PAGE - 1:08d}"},
            },
        )
        items = response["Items"]
        if len(items) != QUERY_PAGE or items[0]["sk"]["S"] != f"{low:08d}":
            raise BenchError(f"Query returned {len(items)} items from {low:08d}")
        return response["ScannedCount"]

    def put_gsi_item(client: Any, i: int) -> int:
        client.put_item(TableName=GSI_PUT_TABLE, Item=gsi_put_item(f"{tag}-{i:09d}", i))
        return 1

    def query_gsi(client: Any, i: int) -> int:
        low = middle + (i * 7919) % 201 - 100
        low = max(0, min(large - QUERY_PAGE, low))
        response = client.query(
            TableName=GSI_QUERY_TABLE,
            IndexName=GSI_QUERY_INDEX,
            KeyConditionExpression="#grp = :grp AND #rank BETWEEN :low AND :high",
            ExpressionAttributeNames={"#grp": "grp", "#rank": "rank"},
            ExpressionAttributeValues={
                ":grp": {"S": GSI_GROUP},
                ":low": {"S": f"{low:08d}"},
                ":high": {"S": f"{low + QUERY_PAGE - 1:08d}"},
            },
        )
        items = response["Items"]
        if (
            len(items) != QUERY_PAGE
            or items[0]["rank"]["S"] != f"{low:08d}"
            or items[-1]["rank"]["S"] != f"{low + QUERY_PAGE - 1:08d}"
            or "payload" not in items[0]
            or response.get("LastEvaluatedKey")
        ):
            raise BenchError(f"GSI Query returned {len(items)} items from {low:08d}")
        return response["ScannedCount"]

    def scan(client: Any, i: int) -> int:
        request: dict[str, Any] = {
            "TableName": SCAN_TABLE,
            "FilterExpression": "#cat = :cat",
            "ExpressionAttributeNames": {"#cat": "cat"},
            "ExpressionAttributeValues": {":cat": {"N": str(SCAN_CATEGORY)}},
        }
        scanned = matched = 0
        while True:
            response = client.scan(**request)
            scanned += response["ScannedCount"]
            matched += response["Count"]
            last = response.get("LastEvaluatedKey")
            if not last:
                break
            request["ExclusiveStartKey"] = last
        if scanned != large or matched != scan_matches:
            raise BenchError(
                f"Scan examined {scanned} items (expected {large}) and matched {matched} "
                f"(expected {scan_matches})"
            )
        return scanned

    def select_by_key(client: Any, i: int) -> int:
        key = single_key(i % single_items)
        response = client.execute_statement(Statement=SELECT_BY_KEY, Parameters=[{"S": key}])
        items = response["Items"]
        # The id itself is not checked: the floor backend replays one recorded answer.
        if len(items) != 1 or "payload" not in items[0] or "NextToken" in response:
            raise BenchError(f"ExecuteStatement SELECT returned {len(items)} items for {key}")
        return 1

    def dax_get(client: Any, i: int) -> int:
        key = single_key(i % single_items)
        response = client.get_item(
            TableName=ITEMS_TABLE, Key={"id": {"S": key}}, ReturnConsumedCapacity="TOTAL"
        )
        if "Item" not in response:
            raise BenchError(f"GetItem found no item {key}")
        if getattr(client, "through_dax", False) and response["ConsumedCapacity"]["CapacityUnits"]:
            raise BenchError(f"GetItem of {key} through DAX was a miss: it billed read units")
        return 1

    def insert(client: Any, i: int) -> int:
        response = client.execute_statement(Statement=insert_statement(f"{tag}-pq-{i:09d}", i))
        if response["Items"]:
            raise BenchError(f"ExecuteStatement INSERT answered {response['Items']}")
        return 1

    large_text = f"{large:,}"
    return [
        Workload("put", "1. PutItem (~200 B, new keys)", put_item, SINGLE_ITEM_GOAL, True),
        Workload("get", "2. GetItem (existing items)", get_item, SINGLE_ITEM_GOAL, True),
        Workload("update", "3. UpdateItem SET #c = #c + :one", update_item, SINGLE_ITEM_GOAL, True),
        Workload("query", f"4. Query 100 of {large_text} (1 partition)", query, QUERY_GOAL),
        Workload("scan", f"5. Scan+filter, {large_text} items (full)", scan, None),
        Workload("put_gsi", "6. PutItem, 2 GSIs + stream (new keys)", put_gsi_item, None, True),
        Workload("query_gsi", f"7. Query 100 of {large_text} (1 GSI partition)", query_gsi, None),
        Workload("select", "8. ExecuteStatement SELECT by key", select_by_key, None, True),
        Workload("insert", "9. ExecuteStatement INSERT (~200 B, new keys)", insert, None, True),
        Workload(
            "dax_get",
            "10. GetItem through DAX, a cache hit (moto: plain GetItem)",
            dax_get,
            None,
            True,
            through_dax=True,
        ),
    ]


WORKLOAD_NAMES = (
    "put",
    "get",
    "update",
    "query",
    "scan",
    "put_gsi",
    "query_gsi",
    "select",
    "insert",
    "dax_get",
)
#: The large table each workload reads: loaded only when a selected workload needs it.
LARGE_TABLE_OF = {"query": PARTITION_TABLE, "scan": SCAN_TABLE, "query_gsi": GSI_QUERY_TABLE}


class ThroughDax:
    """An engine seen through a DAX cluster: each ``call`` becomes one ``CallThroughDax``, as
    DynaLab's stand-in for the DAX client sends it, and answers what the operation answers."""

    def __init__(self, engine: Any, cluster: str = DAX_CLUSTER) -> None:
        self.engine = engine
        self.cluster = cluster

    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        wrapped = {"ClusterName": self.cluster, "Operation": operation, "Request": request}
        return self.engine.call("CallThroughDax", wrapped)["Response"]


def setup_dax(engine: Engine, items: int) -> None:
    """An available one-node cluster whose item cache holds every single-table item, kept
    without expiry (record-ttl-millis 0), so every read of workload 10 is a hit."""
    engine.call("CreateParameterGroup", {"ParameterGroupName": DAX_PARAMETER_GROUP})
    engine.call(
        "UpdateParameterGroup",
        {
            "ParameterGroupName": DAX_PARAMETER_GROUP,
            "ParameterNameValues": [{"ParameterName": "record-ttl-millis", "ParameterValue": "0"}],
        },
    )
    engine.call(
        "CreateCluster",
        {
            "ClusterName": DAX_CLUSTER,
            "NodeType": "dax.r5.large",
            "ReplicationFactor": 1,
            "IamRoleArn": "arn:aws:iam::000000000000:role/DAXServiceRole",
            "ParameterGroupName": DAX_PARAMETER_GROUP,
        },
    )
    engine.clock.advance(engine.extensions["dax"].create_seconds)  # type: ignore[attr-defined]
    warm = ThroughDax(engine)
    for index in range(items):
        warm.call("GetItem", {"TableName": ITEMS_TABLE, "Key": {"id": {"S": single_key(index)}}})


def dax_clients(engine: Engine) -> tuple[Any, RawEngineClient]:
    """Workload 10's clients: boto3 through the cluster (timed), and raw calls through it."""
    timed = TimedEngine(ThroughDax(engine))
    client, _ = engine_client(timed, region=DEFAULT_REGION)  # type: ignore[arg-type]
    client.timed_engine = timed
    client.through_dax = True
    raw = RawEngineClient(ThroughDax(engine))  # type: ignore[arg-type]
    raw.through_dax = True  # type: ignore[attr-defined]
    return client, raw


class RawEngineClient:
    """The boto3 client methods the workloads use, as plain ``Engine.call`` (no boto3)."""

    def __init__(self, engine: Engine) -> None:
        call = engine.call
        self.put_item = lambda **request: call("PutItem", request)
        self.get_item = lambda **request: call("GetItem", request)
        self.update_item = lambda **request: call("UpdateItem", request)
        self.query = lambda **request: call("Query", request)
        self.scan = lambda **request: call("Scan", request)
        self.batch_write_item = lambda **request: call("BatchWriteItem", request)
        self.execute_statement = lambda **request: call("ExecuteStatement", request)


class ReplayHandler:
    """Answers each operation with the first response the engine gave it, ever after.

    A client served by it costs boto3's own work and nothing else: its rate is the ceiling
    an engine that took no time at all could reach through boto3.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = EngineHandler(engine)
        self._recorded: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def __call__(self, request: Any, **kwargs: Any) -> AWSResponse:
        target = request.headers.get("X-Amz-Target")
        recorded = self._recorded.get(target)
        if recorded is None:
            first = self._engine(request, **kwargs)
            recorded = (first.status_code, dict(first.headers.items()), first.content)
            self._recorded[target] = recorded
        status, headers, body = recorded
        return AWSResponse(request.url, status, headers, RawBody(body))


def replay_client(engine: Engine) -> Any:
    client = moto_client(DEFAULT_REGION)
    client.meta.events.register("before-send.dynamodb.*", ReplayHandler(engine))
    detach_moto(client)
    return client


# --------------------------------------------------------------------------- measuring
@dataclass(frozen=True)
class Round:
    ops: int
    #: CPU seconds of this process: what the rates use, since this machine is shared and
    #: wall time also counts the moments other processes had the cores.
    cpu_seconds: float
    wall_seconds: float
    examined: int
    #: Wall seconds spent inside Engine.call (the engine through boto3 only).
    engine_seconds: float | None = None

    @property
    def engine_share(self) -> float | None:
        if self.engine_seconds is None or self.wall_seconds <= 0:
            return None
        return min(1.0, self.engine_seconds / self.wall_seconds)

    @property
    def rate(self) -> float:
        return self.ops / self.cpu_seconds if self.cpu_seconds > 0 else 0.0


@dataclass
class Measurement:
    """The rounds of one workload on one backend."""

    rounds: list[Round] = field(default_factory=list)

    @property
    def ops(self) -> int:
        return sum(r.ops for r in self.rounds)

    def _best(self) -> Round:
        return max(self.rounds, key=lambda r: r.rate)

    @property
    def ops_per_second(self) -> float:
        """The best round's rate per CPU second: the least disturbed by anything else."""
        return self._best().rate

    @property
    def mean_ops_per_second(self) -> float:
        seconds = sum(r.cpu_seconds for r in self.rounds)
        return self.ops / seconds if seconds > 0 else 0.0

    @property
    def wall_ops_per_second(self) -> float:
        seconds = sum(r.wall_seconds for r in self.rounds)
        return self.ops / seconds if seconds > 0 else 0.0

    @property
    def engine_share(self) -> float | None:
        """The best round's share of wall time spent inside Engine.call."""
        return self._best().engine_share

    @property
    def examined_per_second(self) -> float:
        best = self._best()
        return best.examined / best.cpu_seconds if best.cpu_seconds > 0 else 0.0


def warm_up(workload: Workload, client: Any, sizes: Sizes, index: int) -> int:
    """Run a few operations (at least one) unmeasured; return the next operation index."""
    perf = time.perf_counter
    deadline = perf() + sizes.seconds * sizes.warmup_share
    for count in range(1, sizes.max_warmup + 1):
        workload.run(client, index)
        index += 1
        if count >= sizes.max_warmup or perf() >= deadline:
            break
    return index


def measure_round(
    workload: Workload, client: Any, seconds: float, max_ops: int, index: int
) -> tuple[Round, int]:
    """Run operations until ``seconds`` (wall) or ``max_ops`` is used up (at least one)."""
    perf = time.perf_counter
    run = workload.run
    timed = getattr(client, "timed_engine", None)
    inside_start = timed.seconds if timed is not None else 0.0
    ops = examined = 0
    cpu_start = time.process_time()
    start = perf()
    deadline = start + seconds
    while ops < max_ops:
        examined += run(client, index)
        index += 1
        ops += 1
        if perf() >= deadline:
            break
    wall = perf() - start
    cpu = time.process_time() - cpu_start
    inside = timed.seconds - inside_start if timed is not None else None
    result = Round(
        ops=ops, cpu_seconds=cpu, wall_seconds=wall, examined=examined, engine_seconds=inside
    )
    return result, index


def measure(workload: Workload, client: Any, sizes: Sizes) -> Measurement:
    """Warm up, then one round of ``sizes.seconds`` (the profiler's and the tests' helper)."""
    index = warm_up(workload, client, sizes, 0)
    result, _ = measure_round(workload, client, sizes.seconds, sizes.max_ops, index)
    return Measurement([result])


def settle() -> None:
    """Collect, then freeze what the loading left so the GC does not re-walk big tables."""
    gc.collect()
    gc.freeze()


def unsettle() -> None:
    gc.unfreeze()
    gc.collect()


# --------------------------------------------------------------------------- backends
def load_common(client: Any, sizes: Sizes) -> None:
    create_tables(client)
    batch_write(
        client.batch_write_item,
        ITEMS_TABLE,
        (single_item(single_key(i), i) for i in range(sizes.single_items)),
    )


def large_tables(
    sizes: Sizes, workloads: Iterable[str] = WORKLOAD_NAMES
) -> list[tuple[str, Iterator[dict[str, Any]]]]:
    """The large tables the given workloads read, each with a generator of its items."""
    makers = {
        PARTITION_TABLE: partition_item,
        SCAN_TABLE: scan_item,
        GSI_QUERY_TABLE: gsi_query_item,
    }
    needed = {LARGE_TABLE_OF[name] for name in workloads if name in LARGE_TABLE_OF}
    return [
        (table, map(make, range(sizes.large_items)))
        for table, make in makers.items()
        if table in needed
    ]


def setup_moto(
    sizes: Sizes, via_client: bool, workloads: Iterable[str] = WORKLOAD_NAMES
) -> tuple[Any, float]:
    """A boto3 client on moto's DynamoDB with the tables loaded (call under mock_aws)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    client = moto_client(DEFAULT_REGION)
    started = time.perf_counter()
    load_common(client, sizes)
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][DEFAULT_REGION]
    for table, items in large_tables(sizes, workloads):
        if via_client or table not in backend.tables:
            batch_write(client.batch_write_item, table, items)
        else:
            for item in items:
                backend.put_item(table, item)
    return client, time.perf_counter() - started


class TimedEngine:
    """An Engine seen through a stopwatch: ``seconds`` adds up the time inside ``call``.

    Put between the boto3 adapter and the engine, it tells how much of a boto3 operation
    the engine itself takes *there*, which is more than a tight ``Engine.call`` loop shows:
    botocore's large working set leaves the CPU caches cold for the engine's code and data.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seconds = 0.0

    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        start = time.perf_counter()
        try:
            return self.engine.call(operation, request)
        finally:
            self.seconds += time.perf_counter() - start


def setup_engine(
    sizes: Sizes, via_client: bool, workloads: Iterable[str] = WORKLOAD_NAMES
) -> tuple[Any, Engine, float]:
    """A boto3 client on a new Engine with the tables loaded.

    The client's engine is wrapped in a TimedEngine, reachable as ``client.timed_engine``.
    GSIs propagate at once and nothing throttles (see the module's docstring).
    """
    engine = Engine(region=DEFAULT_REGION)
    engine.extensions["indexes"].settings.propagation_delay = 0  # type: ignore[attr-defined]
    throughput: Any = engine.extensions["throughput"]
    throughput.partition_read_units = throughput.partition_write_units = UNTHROTTLED
    throughput.on_demand_table_read_units = throughput.on_demand_table_write_units = UNTHROTTLED
    timed = TimedEngine(engine)
    client, _ = engine_client(timed, region=DEFAULT_REGION)  # type: ignore[arg-type]
    client.timed_engine = timed
    started = time.perf_counter()
    load_common(client, sizes)
    raw = RawEngineClient(engine)
    for table, items in large_tables(sizes, workloads):
        batch_write(client.batch_write_item if via_client else raw.batch_write_item, table, items)
    if "dax_get" in workloads:
        setup_dax(engine, sizes.single_items)
    return client, engine, time.perf_counter() - started


BACKENDS = ("moto", "engine", "raw", "floor")


def run_all(
    workloads: list[str], sizes: Sizes, via_client: bool, log: Callable[[str], None]
) -> tuple[dict[str, dict[str, Measurement]], dict[str, float]]:
    """Measure every workload on every backend, in rounds that take turns between backends.

    Backends: ``moto``; ``engine`` (boto3 -> engine); ``raw`` (Engine.call, no boto3);
    ``floor`` (boto3 answered from canned responses; single-item workloads only). Taking
    turns spreads whatever else the machine is doing over all backends alike.
    """
    from moto import mock_aws

    results: dict[str, dict[str, Measurement]] = {backend: {} for backend in BACKENDS}
    load_seconds: dict[str, float] = {}
    with mock_aws():
        moto, load_seconds["moto"] = setup_moto(sizes, via_client, workloads)
        log(f"moto: loaded in {load_seconds['moto']:.1f} s")
        client, engine, load_seconds["engine"] = setup_engine(sizes, via_client, workloads)
        log(f"engine: loaded in {load_seconds['engine']:.1f} s")
        targets = {"moto": moto, "engine": client, "raw": RawEngineClient(engine)}
        dax_targets: dict[str, Any] = {}
        if "dax_get" in workloads:
            dax_targets["engine"], dax_targets["raw"] = dax_clients(engine)
        plans = {backend: build_workloads(backend, sizes) for backend in BACKENDS}
        settle()
        try:
            for position, name in enumerate(WORKLOAD_NAMES):
                if name not in workloads:
                    continue
                runs = {
                    backend: plans[backend][position]
                    for backend in BACKENDS
                    if backend != "floor" or plans[backend][position].single_item
                }
                if "floor" in runs:
                    # A recorder per workload: ExecuteStatement answers both SELECT and
                    # INSERT, and each must replay its own first answer.
                    targets["floor"] = replay_client(engine)
                chosen = {
                    backend: (
                        dax_targets.get(backend, targets[backend])
                        if workload.through_dax
                        else targets[backend]
                    )
                    for backend, workload in runs.items()
                }
                indexes = {
                    backend: warm_up(workload, chosen[backend], sizes, 0)
                    for backend, workload in runs.items()
                }
                window = sizes.seconds / sizes.rounds
                max_ops = max(1, sizes.max_ops // sizes.rounds)
                for _ in range(sizes.rounds):
                    for backend, workload in runs.items():
                        result, indexes[backend] = measure_round(
                            workload, chosen[backend], window, max_ops, indexes[backend]
                        )
                        results[backend].setdefault(name, Measurement()).rounds.append(result)
                log(
                    f"{name}: "
                    + ", ".join(
                        f"{backend} {results[backend][name].ops_per_second:,.1f}/s"
                        for backend in runs
                    )
                )
        finally:
            unsettle()
    return results, load_seconds


# --------------------------------------------------------------------------- reporting
@dataclass
class Row:
    name: str
    title: str
    goal: float | None
    moto: float
    engine: float
    raw: float
    moto_examined: float = 0.0
    engine_examined: float = 0.0
    raw_examined: float = 0.0
    moto_ops: int = 0
    engine_ops: int = 0
    raw_ops: int = 0
    #: boto3 against canned answers: the rate of an engine that took no time (single items).
    floor: float | None = None
    measurements: dict[str, Measurement] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.engine / self.moto if self.moto else float("inf")

    @property
    def engine_share(self) -> float | None:
        """Share of an engine-through-boto3 operation's time spent inside Engine.call."""
        measured = self.measurements.get("engine")
        return measured.engine_share if measured is not None else None

    @property
    def client_share(self) -> float | None:
        """Share of an engine-through-boto3 operation's time spent outside Engine.call."""
        share = self.engine_share
        return None if share is None else 1 - share

    @property
    def backend_ratio(self) -> float | None:
        """moto's time less the client's, over the engine's time inside Engine.call.

        Backend against backend, assuming moto's client costs what the engine's does.
        """
        share = self.engine_share
        if not (self.moto and self.engine and share):
            return None
        engine_time = share / self.engine
        client_time = (1 - share) / self.engine
        moto_backend_time = 1 / self.moto - client_time
        if moto_backend_time <= 0:
            return None
        return moto_backend_time / engine_time

    @property
    def ceiling(self) -> float | None:
        """The ratio an engine that took no time at all would reach through boto3."""
        if not (self.floor and self.moto):
            return None
        return self.floor / self.moto

    @property
    def verdict(self) -> str | None:
        if self.goal is None:
            return None
        return "PASS" if self.ratio >= self.goal else "BELOW"


@dataclass(frozen=True)
class CostFactor:
    """What one workload-6 PutItem (two GSIs, a stream) costs in plain PutItems, on one path."""

    path: str
    #: Operations per CPU second: workload 1 (plain PutItem) and workload 6.
    plain: float
    indexed: float
    #: Whether the goal applies (the engine's paths) or the figure is for reference (moto).
    judged: bool = True

    @property
    def factor(self) -> float:
        return self.plain / self.indexed if self.indexed else float("inf")

    @property
    def verdict(self) -> str | None:
        if not self.judged:
            return None
        return "PASS" if self.factor <= GSI_PUT_COST_GOAL else "BELOW"


def gsi_put_factors(rows: list[Row]) -> list[CostFactor]:
    """Workload 6 against workload 1, when both ran: raw Engine.call, boto3, and moto."""
    by_name = {row.name: row for row in rows}
    plain, indexed = by_name.get("put"), by_name.get("put_gsi")
    if plain is None or indexed is None:
        return []
    return [
        CostFactor("raw Engine.call", plain.raw, indexed.raw),
        CostFactor("engine through boto3", plain.engine, indexed.engine),
        CostFactor("moto through boto3", plain.moto, indexed.moto, judged=False),
    ]


def _micros(rate: float) -> str:
    return f"{1e6 / rate:,.1f} us" if rate > 0 else "-"


def _rate(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:,.1f}"
    return f"{value:.3f}"


def render(rows: list[Row], meta: dict[str, Any]) -> str:
    headers = (
        "workload",
        "moto ops/s",
        "engine (boto3) ops/s",
        "ratio engine/moto",
        "raw Engine.call ops/s",
        "client share",
        "backend ratio (est.)",
    )
    lines: list[list[str]] = []
    for row in rows:
        lines.append(
            [
                row.title,
                _rate(row.moto),
                _rate(row.engine),
                f"{row.ratio:,.1f}x",
                _rate(row.raw),
                "-" if row.client_share is None else f"{row.client_share:.0%}",
                f"{row.backend_ratio:,.0f}x" if row.backend_ratio else "-",
            ]
        )
        if row.name == "scan":
            lines.append(
                [
                    "   (items examined/s)",
                    _rate(row.moto_examined),
                    _rate(row.engine_examined),
                    f"{row.engine_examined / row.moto_examined:,.1f}x"
                    if row.moto_examined
                    else "-",
                    _rate(row.raw_examined),
                    "",
                    "",
                ]
            )
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]

    def fmt(cells: list[str] | tuple[str, ...]) -> str:
        parts = [cells[0].ljust(widths[0])]
        parts += [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return " | ".join(parts)

    out = [
        f"DynaLab engine ({meta['engine_revision'] or 'unknown revision'}) vs moto "
        f"{meta['moto']} through boto3 {meta['boto3']} (Python {meta['python']}, "
        f"{meta['mode']} run)",
        f"each workload: {meta['seconds']:g} s per backend in {meta['sizes']['rounds']} rounds "
        "taking turns; rates are the best round's, in operations per CPU second",
        f"tables loaded: moto {meta['load_seconds'].get('moto', 0):.1f} s, "
        f"engine {meta['load_seconds'].get('engine', 0):.1f} s "
        f"({'through the client' if meta['load_via_client'] else 'through backend internals'}); "
        f"{meta['cpus']} CPUs, load average {meta['load_average_at_start']} at start, "
        f"{meta['load_average_at_end']} at end",
        "",
        fmt(headers),
        "-+-".join("-" * w for w in widths),
    ]
    out += [fmt(line) for line in lines]
    out.append("")
    out.append("Goals (engine through boto3 vs moto through boto3):")
    for row in rows:
        if row.goal is None:
            continue
        line = (
            f"  {row.title.split(' ', 1)[1].split(' (')[0]:<34} >= {row.goal:g}x moto: "
            f"{row.ratio:,.1f}x  {row.verdict}"
        )
        if row.ceiling is not None:
            line += f"  (ceiling with a zero-cost engine: {row.ceiling:,.1f}x)"
        out.append(line)
    factors = gsi_put_factors(rows)
    if factors:
        out.append("")
        out.append(
            "Goal: PutItem with two GSIs and a stream costs at most "
            f"{GSI_PUT_COST_GOAL:g}x a plain PutItem (time per op, workload 6 over workload 1):"
        )
        for cost in factors:
            verdict = cost.verdict or "(for reference)"
            out.append(
                f"  {cost.path + ':':<22} {cost.factor:,.2f}x  {verdict:<15}  "
                f"({_micros(cost.indexed)} vs {_micros(cost.plain)} per op)"
            )
    out += [
        "",
        "client share: the part of an engine-through-boto3 operation spent outside Engine.call",
        "(botocore plus the adapter), timed in place. backend ratio (est.): moto's time less",
        "that client time, over the time inside Engine.call. ceiling: the ratio against a",
        "boto3 client answered from canned responses, as an engine taking no time would get.",
        "raw Engine.call runs in a tight loop with warm CPU caches: in place, under boto3, the",
        "same calls take longer (see engine_share in the JSON).",
    ]
    scan = next((row for row in rows if row.name == "scan"), None)
    if scan is not None and scan.raw_examined:
        verdict = "PASS" if scan.raw_examined >= SCAN_RATE_GOAL else "BELOW"
        out.append("")
        out.append(
            f"Goal: a filtered Scan examines at least {SCAN_RATE_GOAL:,} items a second in raw "
            f"Engine.call: {scan.raw_examined:,.0f}  {verdict}"
        )
    memory = meta.get("memory")
    if memory:
        out.append("")
        out.append(
            f"Goal: memory per stored item at most {MEMORY_GOAL:g}x its DynamoDB size "
            f"(tracemalloc, {memory['items']:,} items):"
        )
        for line in memory["tables"]:
            verdict = line["verdict"] or "(for reference)"
            out.append(
                f"  {line['table'] + ':':<44} {line['bytes_per_item']:>6,.0f} B per "
                f"{line['item_bytes']:,.0f}-byte item = {line['factor']:5.1f}x  {verdict}"
            )
    if any(row.name == "dax_get" for row in rows):
        out += [
            "workload 10: every engine read is a DAX item-cache hit (CallThroughDax); moto has",
            "no DAX data plane, so its figure is moto's plain GetItem with the same parameters.",
        ]
    if meta["mode"] != "full":
        out.append("  (a quick run: tables are too small for these verdicts to mean much)")
    return "\n".join(out)


def collect_meta(sizes: Sizes, mode: str, via_client: bool) -> dict[str, Any]:
    import boto3
    import botocore
    import moto

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "boto3": boto3.__version__,
        "botocore": botocore.__version__,
        "moto": moto.__version__,
        "mode": mode,
        "seconds": sizes.seconds,
        "sizes": asdict(sizes),
        "load_via_client": via_client,
        "load_seconds": {},
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cpus": os.cpu_count(),
        "engine_revision": _engine_revision(),
        "load_average_at_start": _load_average(),
    }


def _engine_revision() -> str | None:
    """The checkout's commit, with ``+dirty`` when engine/ has uncommitted changes."""
    import subprocess

    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "engine"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def _load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def results_json(rows: list[Row], meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "meta": meta,
        "gsi_put_cost_goal": {
            "goal_factor": GSI_PUT_COST_GOAL,
            "paths": [
                {
                    "path": cost.path,
                    "plain_put_ops_per_s": cost.plain,
                    "gsi_stream_put_ops_per_s": cost.indexed,
                    "factor": cost.factor,
                    "verdict": cost.verdict,
                }
                for cost in gsi_put_factors(rows)
            ],
        },
        "workloads": [
            {
                "name": row.name,
                "title": row.title,
                "moto_ops_per_s": row.moto,
                "engine_boto3_ops_per_s": row.engine,
                "raw_engine_ops_per_s": row.raw,
                "ratio_engine_to_moto": row.ratio,
                "client_share": row.client_share,
                "engine_share_in_boto3_path": row.engine_share,
                "backend_ratio_estimate": row.backend_ratio,
                "boto3_floor_ops_per_s": row.floor,
                "ratio_ceiling_with_zero_cost_engine": row.ceiling,
                "ops_measured": {
                    "moto": row.moto_ops,
                    "engine": row.engine_ops,
                    "raw": row.raw_ops,
                },
                "rounds": {
                    backend: [asdict(r) for r in measurement.rounds]
                    for backend, measurement in row.measurements.items()
                },
                "mean_ops_per_cpu_s": {
                    backend: measurement.mean_ops_per_second
                    for backend, measurement in row.measurements.items()
                },
                "wall_clock_ops_per_s": {
                    backend: measurement.wall_ops_per_second
                    for backend, measurement in row.measurements.items()
                },
                "items_examined_per_s": {
                    "moto": row.moto_examined,
                    "engine": row.engine_examined,
                    "raw": row.raw_examined,
                },
                "goal_ratio": row.goal,
                "verdict": row.verdict,
            }
            for row in rows
        ],
    }


# --------------------------------------------------------------------------- profiling
def profile(name: str, sizes: Sizes, *, raw: bool, sort: str, via_client: bool) -> None:
    """Run the engine side of one workload under cProfile; print the top 25 functions."""
    client, engine, load_seconds = setup_engine(sizes, via_client, [name])
    target = RawEngineClient(engine) if raw else client
    workload = next(w for w in build_workloads("profile", sizes) if w.name == name)
    if workload.through_dax:
        dax_client, dax_raw = dax_clients(engine)
        target = dax_raw if raw else dax_client
    settle()
    measure(workload, target, Sizes(**{**asdict(sizes), "seconds": min(sizes.seconds, 1.0)}))
    profiler = cProfile.Profile()
    perf = time.perf_counter
    ops = 0
    start = perf()
    deadline = start + sizes.seconds
    profiler.enable()
    while ops < sizes.max_ops:
        workload.run(target, 1_000_000 + ops)
        ops += 1
        if perf() >= deadline:
            break
    profiler.disable()
    elapsed = perf() - start
    unsettle()
    through = "Engine.call (no boto3)" if raw else "boto3 client -> engine"
    print(
        f"profile of {workload.title} via {through}: {ops} ops in {elapsed:.2f} s "
        f"({ops / elapsed:,.1f} ops/s under the profiler; tables loaded in {load_seconds:.1f} s)"
    )
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats(sort).print_stats(25)
    print(stream.getvalue())
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("tottime").print_stats(r"[/\\]engine[/\\]", 15)
    print("engine/ functions only, by own time:")
    print(stream.getvalue())


# --------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small tables and short windows")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--profile", metavar="WORKLOAD", choices=WORKLOAD_NAMES, help="cProfile the engine side"
    )
    parser.add_argument("--raw", action="store_true", help="with --profile: Engine.call only")
    parser.add_argument(
        "--sort", default="cumulative", help="with --profile: pstats sort key (cumulative)"
    )
    parser.add_argument(
        "--only", metavar="NAMES", help=f"comma-separated subset of {','.join(WORKLOAD_NAMES)}"
    )
    parser.add_argument("--items", type=int, help="items in the large tables")
    parser.add_argument("--seconds", type=float, help="measuring window per workload")
    parser.add_argument(
        "--load-via-client", action="store_true", help="load large tables with boto3 batches"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a goal is BELOW (full runs)"
    )
    return parser.parse_args(argv)


def memory_per_item(count: int) -> dict[str, Any]:
    """Bytes the engine holds per stored item (tracemalloc, the requests' own objects freed),
    against the items' DynamoDB size: workload 1's table (the goal), and for reference a
    table of small items and workload 6's table with two GSIs and a stream."""
    import gc
    import tracemalloc

    from engine.values import item_size

    def measure(
        create: dict[str, Any], make: Callable[[int], dict[str, Any]]
    ) -> tuple[float, float]:
        engine = Engine()
        engine.call("CreateTable", create)
        texts = [json.dumps(make(i)) for i in range(count)]
        size = sum(item_size(json.loads(text)) for text in texts)
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for text in texts:
            engine.call("PutItem", {"TableName": create["TableName"], "Item": json.loads(text)})
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        return held / count, size / count

    def table(name: str, keys: list[tuple[str, str, str]], **extra: Any) -> dict[str, Any]:
        attributes = {n: t for n, t, _ in keys} | dict(extra.pop("attributes", []))
        return {
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": n, "AttributeType": t} for n, t in attributes.items()
            ],
            "KeySchema": [{"AttributeName": n, "KeyType": k} for n, _, k in keys],
            **extra,
        }

    cases = [
        (
            "workload 1's table (~200 B items)",
            table(ITEMS_TABLE, TABLES[ITEMS_TABLE]),
            lambda i: single_item(single_key(i), i),
            True,
        ),
        (
            "small items (4 attributes, composite key)",
            table("bench_small", [("pk", "S", "HASH"), ("sk", "S", "RANGE")]),
            lambda i: {
                "pk": {"S": f"c{i % 100}"},
                "sk": {"S": f"2024-{i:06d}"},
                "total": {"N": str(i)},
                "status": {"S": "NEW"},
            },
            False,
        ),
        (
            "workload 6's table (two GSIs and a stream)",
            table(
                GSI_PUT_TABLE,
                TABLES[GSI_PUT_TABLE],
                **json.loads(json.dumps({k: v for k, v in TABLE_EXTRAS[GSI_PUT_TABLE].items()})),
            ),
            lambda i: gsi_put_item(f"m-{i:09d}", i),
            False,
        ),
    ]
    lines = []
    for title, create, make, is_goal in cases:
        held, item_bytes = measure(create, make)
        factor = held / item_bytes
        verdict = ("PASS" if factor <= MEMORY_GOAL else "BELOW") if is_goal else None
        lines.append(
            {
                "table": title,
                "bytes_per_item": held,
                "item_bytes": item_bytes,
                "factor": factor,
                "verdict": verdict,
            }
        )
    return {"items": count, "tables": lines}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    overrides: dict[str, Any] = {}
    if args.items is not None:
        overrides["large_items"] = max(QUERY_PAGE + 201, args.items)
    if args.seconds is not None:
        overrides["seconds"] = args.seconds
    if overrides:
        sizes = Sizes(**{**asdict(sizes), **overrides})
    if args.profile:
        profile(args.profile, sizes, raw=args.raw, sort=args.sort, via_client=args.load_via_client)
        return 0
    workloads = list(WORKLOAD_NAMES)
    if args.only:
        workloads = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = set(workloads) - set(WORKLOAD_NAMES)
        if unknown:
            print(f"unknown workloads: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2

    def log(message: str) -> None:
        print(f"  [{time.perf_counter() - began:6.1f} s] {message}", file=sys.stderr, flush=True)

    began = time.perf_counter()
    mode = "quick" if args.quick else "full"
    if overrides:
        mode += " (resized)"
    meta = collect_meta(sizes, mode, args.load_via_client)
    log("measuring memory per stored item")
    meta["memory"] = memory_per_item(MEMORY_ITEMS if not args.quick else 2_000)
    results, meta["load_seconds"] = run_all(workloads, sizes, args.load_via_client, log)
    moto_results, engine_results, raw_results, floor_results = (
        results[backend] for backend in BACKENDS
    )
    meta["total_seconds"] = time.perf_counter() - began
    meta["load_average_at_end"] = _load_average()
    rows = []
    for workload in build_workloads("report", sizes):
        if workload.name not in workloads:
            continue
        moto, eng, raw = (
            moto_results[workload.name],
            engine_results[workload.name],
            raw_results[workload.name],
        )
        rows.append(
            Row(
                name=workload.name,
                title=workload.title,
                goal=workload.goal,
                moto=moto.ops_per_second,
                engine=eng.ops_per_second,
                raw=raw.ops_per_second,
                moto_examined=moto.examined_per_second,
                engine_examined=eng.examined_per_second,
                raw_examined=raw.examined_per_second,
                moto_ops=moto.ops,
                engine_ops=eng.ops,
                raw_ops=raw.ops,
                floor=floor_results[workload.name].ops_per_second
                if workload.name in floor_results
                else None,
                measurements={
                    backend: results[backend][workload.name]
                    for backend in BACKENDS
                    if workload.name in results[backend]
                },
            )
        )
    print(render(rows, meta))
    print(f"\n(total {meta['total_seconds']:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(results_json(rows, meta), indent=2) + "\n")
    verdicts = [row.verdict for row in rows] + [cost.verdict for cost in gsi_put_factors(rows)]
    verdicts += [line["verdict"] for line in meta["memory"]["tables"]]
    if args.strict and "BELOW" in verdicts:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
