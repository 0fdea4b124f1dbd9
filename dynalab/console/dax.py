"""The DAX page's work: clusters made and resized, parameter groups, and the stale read.

Every call goes through ``dynalab.sandboxes.services.execute`` (the console's calls), and the
page reads clusters and their caches through the sandboxes' selectors. A cluster belongs to
one Region, as on AWS: every function here works in the ``region`` it is given (the console's
current Region), and the stale read goes through that Region's cluster to that Region's table. The stale-read
demonstration runs the five calls a learner would make to see DAX go stale, and keeps each
call's answer so the page can tell the story.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass, field
from typing import Any

from dynalab.console.calls import SOURCE, CallResult, call
from dynalab.console.tables import TableSummary
from dynalab.sandboxes import selectors
from dynalab.sandboxes import services as sandbox_services
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.models import Sandbox

#: The current node types and their memory, as the create form offers them.
NODE_TYPES = [
    ("dax.t3.small", "dax.t3.small (2 GiB)"),
    ("dax.t3.medium", "dax.t3.medium (4 GiB)"),
    ("dax.r5.large", "dax.r5.large (16 GiB)"),
    ("dax.r5.xlarge", "dax.r5.xlarge (32 GiB)"),
    ("dax.r5.2xlarge", "dax.r5.2xlarge (64 GiB)"),
    ("dax.r5.4xlarge", "dax.r5.4xlarge (128 GiB)"),
    ("dax.r5.8xlarge", "dax.r5.8xlarge (256 GiB)"),
    ("dax.r5.12xlarge", "dax.r5.12xlarge (384 GiB)"),
    ("dax.r5.16xlarge", "dax.r5.16xlarge (512 GiB)"),
    ("dax.r5.24xlarge", "dax.r5.24xlarge (768 GiB)"),
]
#: The role a cluster made from the page names: DAX assumes it to read the tables.
DEFAULT_ROLE_ARN = "arn:aws:iam::000000000000:role/DAXServiceRole"
MAX_NODES = 11
#: Form fields the service's messages concern.
CLUSTER_FIELDS = [
    ("cluster id", "name"),
    ("cluster name", "name"),
    ("already exists", "name"),
    ("node type", "node_type"),
    ("replicationfactor", "nodes"),
    ("nodes", "nodes"),
    ("parameter group", "parameter_group"),
]
GROUP_FIELDS = [("parameter group name", "name"), ("already exists", "name")]


def create_cluster(
    sandbox: Sandbox, data: dict[str, Any], *, endpoint: str, region: str
) -> CallResult:
    """CreateCluster with the form's name, node type, node count and parameter group."""
    request = {
        "ClusterName": data["name"],
        "NodeType": data["node_type"],
        "ReplicationFactor": data["nodes"],
        "IamRoleArn": DEFAULT_ROLE_ARN,
    }
    if data.get("parameter_group"):
        request["ParameterGroupName"] = data["parameter_group"]
    return call(
        sandbox, "CreateCluster", request, endpoint=endpoint, region=region, fields=CLUSTER_FIELDS
    )


def resize(
    sandbox: Sandbox, cluster: str, current: int, wanted: int, *, endpoint: str, region: str
) -> CallResult:
    """IncreaseReplicationFactor or DecreaseReplicationFactor, whichever reaches ``wanted``
    (the same count goes to IncreaseReplicationFactor, which refuses it as the service does)."""
    operation = "DecreaseReplicationFactor" if wanted < current else "IncreaseReplicationFactor"
    request = {"ClusterName": cluster, "NewReplicationFactor": wanted}
    return call(
        sandbox, operation, request, endpoint=endpoint, region=region, fields=[("", "nodes")]
    )


def delete_cluster(sandbox: Sandbox, cluster: str, *, endpoint: str, region: str) -> CallResult:
    return call(
        sandbox, "DeleteCluster", {"ClusterName": cluster}, endpoint=endpoint, region=region
    )


def create_parameter_group(
    sandbox: Sandbox,
    name: str,
    record_ttl_ms: int,
    query_ttl_ms: int,
    *,
    endpoint: str,
    region: str,
) -> CallResult:
    """CreateParameterGroup, then UpdateParameterGroup with the two TTLs: the result of the
    first call that failed, else of the update."""
    created = call(
        sandbox,
        "CreateParameterGroup",
        {"ParameterGroupName": name},
        endpoint=endpoint,
        region=region,
        fields=GROUP_FIELDS,
    )
    if not created.ok:
        return created
    values = [
        {"ParameterName": "record-ttl-millis", "ParameterValue": str(record_ttl_ms)},
        {"ParameterName": "query-ttl-millis", "ParameterValue": str(query_ttl_ms)},
    ]
    return call(
        sandbox,
        "UpdateParameterGroup",
        {"ParameterGroupName": created.response["ParameterGroup"]["ParameterGroupName"],
         "ParameterNameValues": values},
        endpoint=endpoint,
        region=region,
    )  # fmt: skip


# ---------------------------------------------------------------------- the stale read
@dataclass
class Step:
    """One call of the demonstration and what it answered."""

    title: str
    operation: str
    #: "through DAX" or "straight to the table".
    route: str
    request: dict[str, Any]
    note: str | None = None
    #: hit, miss, write-through, or "" for calls that did not go through DAX.
    outcome: str = ""
    capacity_units: float | None = None
    error: str = ""


@dataclass
class StaleRead:
    """The demonstration's steps, and the item cache entry's remaining TTL afterwards."""

    table: str
    key: dict[str, Any]
    steps: list[Step] = field(default_factory=list)
    remaining_seconds: float | None = None
    ttl_seconds: float | None = None
    error: str = ""

    @property
    def again(self) -> Step | None:
        """The read through DAX after the write that bypassed it."""
        return next((step for step in self.steps if step.title == "read-again"), None)

    @property
    def stale(self) -> bool:
        """The read through DAX answered something the table no longer holds."""
        by_title = {step.title: step for step in self.steps}
        cached = by_title.get("read-again")
        table = by_title.get("read-table")
        return bool(cached and table and cached.note != table.note)


DEMO_VALUE = "dax-demo"


def demo_key(table: TableSummary) -> dict[str, Any]:
    """The demonstration item's key: ``dax-demo`` in the key attributes' types."""

    def value(kind: str) -> dict[str, str]:
        if kind == "N":
            return {"N": "3292"}
        if kind == "B":
            return {"B": base64.b64encode(DEMO_VALUE.encode()).decode()}
        return {"S": DEMO_VALUE}

    key = {table.partition_key.name: value(table.partition_key.type)}
    if table.sort_key is not None:
        key[table.sort_key.name] = value(table.sort_key.type)
    return key


def run_stale_read(
    sandbox: Sandbox, cluster: str, table: TableSummary, *, region: str
) -> StaleRead:
    """Write the demo item through DAX, read it through DAX, change it straight in the table,
    read it through DAX again (the stale item) and straight from the table (the new one)."""
    key = demo_key(table)
    demo = StaleRead(table.name, key)
    now = datetime.datetime.fromtimestamp(sandbox_services.simulated_now(sandbox), datetime.UTC)
    at = now.strftime("%H:%M:%S")
    first = {**key, "note": {"S": f"version 1, written through DAX at {at}"}}
    plan = [
        Step(
            "write-dax",
            "PutItem",
            "through DAX",
            {"TableName": table.name, "Item": first, "ReturnConsumedCapacity": "TOTAL"},
        ),
        Step("read-dax", "GetItem", "through DAX", _get(table.name, key)),
        Step(
            "write-table",
            "UpdateItem",
            "straight to the table",
            {
                "TableName": table.name,
                "Key": key,
                "UpdateExpression": "SET note = :note",
                "ExpressionAttributeValues": {
                    ":note": {"S": f"version 2, written straight to the table at {at}"}
                },
                "ReturnConsumedCapacity": "TOTAL",
            },
        ),
        Step("read-again", "GetItem", "through DAX", _get(table.name, key)),
        Step("read-table", "GetItem", "straight to the table", _get(table.name, key, True)),
    ]
    for step in plan:
        demo.steps.append(step)
        if not _run(sandbox, cluster, step, region=region):
            demo.error = step.error
            return demo
    _remaining_ttl(sandbox, cluster, demo, region=region)
    return demo


def read_again(sandbox: Sandbox, cluster: str, table: TableSummary, *, region: str) -> StaleRead:
    """Read the demo item through DAX and straight from the table, once more."""
    key = demo_key(table)
    demo = StaleRead(table.name, key)
    for step in (
        Step("read-again", "GetItem", "through DAX", _get(table.name, key)),
        Step("read-table", "GetItem", "straight to the table", _get(table.name, key, True)),
    ):
        demo.steps.append(step)
        if not _run(sandbox, cluster, step, region=region):
            demo.error = step.error
            return demo
    _remaining_ttl(sandbox, cluster, demo, region=region)
    return demo


def _get(table: str, key: dict[str, Any], consistent: bool = False) -> dict[str, Any]:
    request = {"TableName": table, "Key": key, "ReturnConsumedCapacity": "TOTAL"}
    if consistent:
        request["ConsistentRead"] = True
    return request


def _run(sandbox: Sandbox, cluster: str, step: Step, *, region: str) -> bool:
    through = step.route == "through DAX"
    try:
        response = sandbox_services.execute(
            sandbox,
            step.operation,
            step.request,
            source=SOURCE,
            region=region,
            through_dax=cluster if through else None,
        )
    except ServiceError as error:
        step.error = f"{error.code}: {error.message}"
        return False
    units = (response.get("ConsumedCapacity") or {}).get("CapacityUnits")
    step.capacity_units = units
    item = response.get("Item")
    if step.operation == "GetItem":
        step.note = (item or {}).get("note", {}).get("S") if item else None
    else:
        note = step.request.get("Item", {}).get("note") or step.request.get(
            "ExpressionAttributeValues", {}
        ).get(":note")
        step.note = note["S"] if note else None
    if through:
        if step.operation != "GetItem":
            step.outcome = "write-through"
        else:
            step.outcome = "hit" if units == 0 else "miss"
    return True


def _remaining_ttl(sandbox: Sandbox, cluster: str, demo: StaleRead, *, region: str) -> None:
    view = selectors.dax_cluster(sandbox, cluster, region=region)
    if view is None:
        return
    demo.ttl_seconds = view.record_ttl_millis / 1000 if view.record_ttl_millis else None
    for entry in view.item_entries:
        if entry.table == demo.table and entry.key == demo.key:
            demo.remaining_seconds = entry.remaining_seconds
            return
