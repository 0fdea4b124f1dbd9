"""Calls sent through a DAX cluster: DynaLab's stand-in for the DAX client SDK.

Applications reach DAX with the DAX client SDK (amazon-dax-client for Python), which speaks
DAX's own protocol to the cluster's nodes. DynaLab has no such protocol: it answers the same
DynamoDB requests on a path of its own, ``/dax/<cluster>/`` (``/dax/<cluster>/<node id>/`` for
one node), and the wire endpoint turns each into one call of this DynaLab operation::

    CallThroughDax {"ClusterName": "orders-cache", "Operation": "GetItem",
                    "Request": {...the DynamoDB request...}, "NodeId": "orders-cache-b"}

which answers ``{"Response": {...what DynamoDB's operation answers...}, "Dax": {...}}``, where
``Dax`` tells which node answered and how: ``Outcome`` is ``hit``, ``miss`` (a BatchGetItem
may be ``mixed``; ``Hits`` and ``Misses`` count its keys), ``pass-through`` (strongly
consistent and transactional reads) or ``write-through``.

The reads are GetItem, BatchGetItem, Query, Scan and TransactGetItems; the writes PutItem,
UpdateItem, DeleteItem, BatchWriteItem and TransactWriteItems, as DAX answers them (see
``engine/dax.py`` for the caches' rules). DAX does not answer table operations (CreateTable,
DescribeTable, ...) nor PartiQL: those are refused, to be sent to DynamoDB itself.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from engine import catalog
from engine.capacity import Consumption, read_units
from engine.catalog import DYNALAB, operation
from engine.core import Engine
from engine.dax import ITEM_CACHE, QUERY_CACHE, Cluster, DaxExtension, Node
from engine.errors import (
    NodeNotFoundFault,
    ProvisionedThroughputExceededException,
    ThrottlingException,
    UnknownOperationException,
)
from engine.operations import batch, items, reads
from engine.operations.common import RETURN_CAPACITY, add_capacity
from engine.operations.dax import _required, dax_of, serving_cluster
from engine.table import Table
from engine.validation import Violations, get_bool, get_dict, get_str
from engine.values import Item, copy_item, item_size, validate_item

READS = ("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems")
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
TRANSACT_ACTIONS = ("Put", "Update", "Delete", "ConditionCheck")


def _reads_only(request: dict[str, Any]) -> bool:
    """A call through DAX only reads when its operation does (it may still fill a cache:
    ``Engine.revision`` tells)."""
    return request.get("Operation") in READS


@operation("CallThroughDax", api=DYNALAB, read_only=_reads_only)
def call_through_dax(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """DynaLab's stand-in for the DAX client SDK: one DynamoDB read or write sent through a
    DAX cluster's caches."""
    _required(request, ("ClusterName", "clusterName"), ("Operation", "operation"))
    name = get_str(request, "ClusterName") or ""
    operation_name = get_str(request, "Operation") or ""
    node_id = get_str(request, "NodeId")
    inner = get_dict(request, "Request") or {}
    now = engine.now()
    cluster = serving_cluster(engine, name, now)
    answer = ANSWERS.get(operation_name)
    if answer is None:
        raise UnknownOperationException(
            f"DAX does not answer {operation_name}: it serves {', '.join(READS)}, "
            f"{', '.join(WRITES)}. Send table operations such as CreateTable, and PartiQL, "
            "to DynamoDB's own endpoint, as an application using the DAX client does."
        )
    writes = operation_name in WRITES
    node = _serving_node(cluster, node_id, writes=writes, now=now)
    through = Through(engine, dax_of(engine), cluster, now)
    response = answer(through, inner)
    node.served += 1
    if not writes:
        cluster.reads += 1
    engine.revision += 1
    return {
        "Response": response,
        "Dax": {
            "ClusterName": cluster.name,
            "NodeId": node.node_id,
            "Outcome": through.outcome(writes),
            "Hits": through.hits,
            "Misses": through.misses,
        },
    }


def _serving_node(cluster: Cluster, node_id: str | None, *, writes: bool, now: float) -> Node:
    """The node that answers: the one named, else the primary for writes (every write goes
    through it) and the available nodes in turn for reads."""
    available = cluster.available_nodes(now)
    if node_id is not None:
        named = next((node for node in available if node.node_id == node_id), None)
        if named is None:
            raise NodeNotFoundFault(
                f"Node {node_id} is not an available node of cluster {cluster.name}."
            )
        if not writes:
            return named
    if writes:
        return available[0]
    return available[cluster.reads % len(available)]


class Through:
    """One call going through a cluster: the caches it reads and fills, and what it did."""

    def __init__(self, engine: Engine, dax: DaxExtension, cluster: Cluster, now: float) -> None:
        self.engine = engine
        self.dax = dax
        self.cluster = cluster
        self.now = now
        self.hits = 0
        self.misses = 0
        self.passed = False

    def outcome(self, writes: bool) -> str:
        if writes:
            return "write-through"
        if self.passed and not (self.hits or self.misses):
            return "pass-through"
        if self.hits and self.misses:
            return "mixed"
        return "hit" if self.hits else "miss"

    # ------------------------------------------------------------------ reads
    def pass_through(self, operation_name: str, request: dict[str, Any]) -> dict[str, Any]:
        """Send the request on to the table unchanged; nothing is cached."""
        handler = catalog.handler(operation_name)
        assert handler is not None
        response = handler(self.engine, request)
        self.passed = True
        self.dax.count(self.cluster, "pass_throughs")
        return response

    def read_key(
        self,
        engine: Engine,
        table: Table,
        key: Item,
        partition_value: Any,
        sort_value: Any,
        consistent: bool,
    ) -> tuple[Item | None, int, Consumption]:
        """One key through the item cache (a ``batch.KeyReader``): a hit costs nothing, a
        miss is an eventually consistent read of the table that fills the cache."""
        if consistent:
            self.passed = True
            self.dax.count(self.cluster, "pass_throughs")
            return batch.read_from_table(engine, table, key, partition_value, sort_value, True)
        text = key_text(table, key)
        entry = self.dax.cached(self.cluster, ITEM_CACHE, table.name, text, self.now)
        if entry is not None:
            self.dax.record_hit(self.cluster, entry, "item_hits")
            self.hits += 1
            value = entry.value
            return value, item_size(value) if value is not None else 0, Consumption(table.name)
        item, size, consumption = batch.read_from_table(
            engine, table, key, partition_value, sort_value, False
        )
        self._keep_item(table, key, item, size, consumption.total)
        self.dax.count(self.cluster, "item_misses")
        self.misses += 1
        return item, size, consumption

    def query(self, operation_name: str, request: dict[str, Any]) -> dict[str, Any]:
        """A Query or Scan page through the query cache, keyed by the whole request."""
        if get_bool(request, "ConsistentRead"):
            return self.pass_through(operation_name, request)
        text = request_text(request)
        table_name = self.engine.resolve_table_name(get_str(request, "TableName") or "")
        counter = "query" if operation_name == "Query" else "scan"
        mode = request.get("ReturnConsumedCapacity")
        entry = self.dax.cached(self.cluster, QUERY_CACHE, table_name, text, self.now)
        if entry is not None:
            # The request equals one that succeeded but for ReturnConsumedCapacity, which the
            # key leaves out: check it as the operation would.
            violations = Violations()
            violations.enum(
                get_str(request, "ReturnConsumedCapacity"),
                "returnConsumedCapacity",
                RETURN_CAPACITY,
            )
            violations.raise_if_any()
            self.dax.record_hit(self.cluster, entry, f"{counter}_hits")
            self.hits += 1
            response = copy.deepcopy(entry.value)
            add_capacity(response, Consumption(entry.table), mode)
            return response
        run = reads.run_query if operation_name == "Query" else reads.run_scan
        table, response, consumption = run(self.engine, request)
        self.engine.charge(table, consumption)
        payload = len(text) + sum(item_size(item) for item in response.get("Items", []))
        if "LastEvaluatedKey" in response:
            payload += item_size(response["LastEvaluatedKey"])
        self.dax.store(
            self.cluster,
            QUERY_CACHE,
            table.name,
            text,
            copy.deepcopy(response),
            payload,
            consumption.total,
            self.now,
            operation_name,
        )
        self.dax.count(self.cluster, f"{counter}_misses")
        self.misses += 1
        add_capacity(response, consumption, mode)
        return response

    # ------------------------------------------------------------------ writes
    def write_through(self, table: Table, key: Item) -> None:
        """After a write the table accepted: store the item as the table now holds it."""
        partition_value, sort_value = table.schema.check_key(key)
        stored = table.get(partition_value, sort_value)
        item, size = (stored[0], stored[1]) if stored is not None else (None, 0)
        self._keep_item(table, key, item, size, read_units(size, consistent=False))
        self.dax.count(self.cluster, "write_throughs")

    def _keep_item(
        self, table: Table, key: Item, item: Item | None, size: int, units: float
    ) -> None:
        key_only = {name: key[name] for name in table.schema.names}
        self.dax.store(
            self.cluster,
            ITEM_CACHE,
            table.name,
            key_text(table, key),
            copy_item(item) if item is not None else None,
            size if item is not None else item_size(key_only),
            units,
            self.now,
        )


def key_text(table: Table, key: Item) -> str:
    """The item cache's key: the table's key attributes as canonical JSON (validated values
    are canonical, so equal keys give equal text)."""
    return json.dumps(
        {name: key[name] for name in table.schema.names}, sort_keys=True, separators=(",", ":")
    )


def request_text(request: dict[str, Any]) -> str:
    """The query cache's key: every parameter that shapes the page, as canonical JSON."""
    return json.dumps(
        {name: value for name, value in request.items() if name != "ReturnConsumedCapacity"},
        sort_keys=True,
        separators=(",", ":"),
    )


# ---------------------------------------------------------------------- the operations
def _get_item(through: Through, request: dict[str, Any]) -> dict[str, Any]:
    engine = through.engine
    name, key, projection, consistent = items.plan_get_item(request)
    table = engine.get_table(name)
    partition_value, sort_value = table.schema.check_key(key)
    if consistent:
        return through.pass_through("GetItem", request)
    item, _, consumption = through.read_key(engine, table, key, partition_value, sort_value, False)
    response: dict[str, Any] = {}
    if item is not None:
        response["Item"] = projection.apply(item) if projection else copy_item(item)
    add_capacity(response, consumption, request.get("ReturnConsumedCapacity"))
    return response


def _batch_get_item(through: Through, request: dict[str, Any]) -> dict[str, Any]:
    plans = batch.plan_batch_get(through.engine, request)
    return batch.run_batch_get(through.engine, request, plans, through.read_key)


def _query(through: Through, request: dict[str, Any]) -> dict[str, Any]:
    return through.query("Query", request)


def _scan(through: Through, request: dict[str, Any]) -> dict[str, Any]:
    return through.query("Scan", request)


def _transact_get_items(through: Through, request: dict[str, Any]) -> dict[str, Any]:
    return through.pass_through("TransactGetItems", request)


def _put_item(through: Through, request: dict[str, Any]) -> dict[str, Any]:
    response = items.put_item(through.engine, request)
    table = through.engine.get_table(get_str(request, "TableName") or "")
    item = validate_item(request.get("Item"))
    through.write_through(table, table.schema.key_of(item))
    return response


def _update_or_delete(
    handler: Callable[[Engine, dict[str, Any]], dict[str, Any]],
) -> Callable[[Through, dict[str, Any]], dict[str, Any]]:
    def answer(through: Through, request: dict[str, Any]) -> dict[str, Any]:
        response = handler(through.engine, request)
        table = through.engine.get_table(get_str(request, "TableName") or "")
        through.write_through(table, validate_item(request.get("Key"), parameter="Key"))
        return response

    return answer


def _batch_write_item(through: Through, request: dict[str, Any]) -> dict[str, Any]:
    engine = through.engine
    response = batch.batch_write_item(engine, request)
    unprocessed = response.get("UnprocessedItems") or {}
    for table_name, writes in request["RequestItems"].items():
        table = engine.get_table(table_name)
        left = unprocessed.get(table.name, [])
        for write in writes:
            if write in left:  # refused by the table's throughput: not written, not cached
                continue
            if "PutRequest" in write:
                key = table.schema.key_of(validate_item(write["PutRequest"]["Item"]))
            else:
                key = validate_item(write["DeleteRequest"]["Key"], parameter="Key")
            through.write_through(table, key)
    return response


def _transact_write_items(through: Through, request: dict[str, Any]) -> dict[str, Any]:
    """Written by the table; then DAX reads every item of the transaction back with a
    transactional read, which the table bills, and caches it. A read back that the table
    throttles leaves that item uncached (the write itself succeeded)."""
    engine = through.engine
    handler = catalog.handler("TransactWriteItems")
    assert handler is not None
    response = handler(engine, request)
    for entry in request["TransactItems"]:
        action_name = next(name for name in TRANSACT_ACTIONS if entry.get(name) is not None)
        action = entry[action_name]
        table = engine.get_table(action["TableName"])
        if action_name == "Put":
            key = table.schema.key_of(validate_item(action["Item"]))
        else:
            key = validate_item(action["Key"], parameter="Key")
        partition_value, sort_value = table.schema.check_key(key)
        stored = table.get(partition_value, sort_value)
        size = stored[1] if stored is not None else 0
        read = items.item_read_consumption(table, key, size, consistent=True, transactional=True)
        try:
            engine.charge(table, read)
        except (ProvisionedThroughputExceededException, ThrottlingException):
            continue
        through.write_through(table, key)
    return response


ANSWERS: dict[str, Callable[[Through, dict[str, Any]], dict[str, Any]]] = {
    "GetItem": _get_item,
    "BatchGetItem": _batch_get_item,
    "Query": _query,
    "Scan": _scan,
    "TransactGetItems": _transact_get_items,
    "PutItem": _put_item,
    "UpdateItem": _update_or_delete(items.update_item),
    "DeleteItem": _update_or_delete(items.delete_item),
    "BatchWriteItem": _batch_write_item,
    "TransactWriteItems": _transact_write_items,
}
