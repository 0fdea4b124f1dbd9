"""Tables for the workbench: what a page needs of a table's description, and CreateTable from
the create-table form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dynalab.console.calls import CallResult, call
from dynalab.sandboxes import selectors
from dynalab.sandboxes import services as sandbox_services
from dynalab.sandboxes.errors import ResourceNotFoundException
from dynalab.sandboxes.models import Sandbox


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: str


@dataclass
class TableSummary:
    """What the overview and the builders need of a DescribeTable answer, and the table at a
    glance (``glance``: keys, billing, indexes, stream, TTL, PITR) as of ``now``."""

    description: dict[str, Any]
    glance: selectors.TableStatus | None = None
    now: float = 0.0

    @property
    def name(self) -> str:
        return self.description["TableName"]

    @property
    def status(self) -> str:
        return self.description.get("TableStatus", "")

    @property
    def item_count(self) -> int:
        return self.description.get("ItemCount", 0)

    @property
    def size_bytes(self) -> int:
        return self.description.get("TableSizeBytes", 0)

    @property
    def billing_mode(self) -> str:
        summary = self.description.get("BillingModeSummary") or {}
        return summary.get("BillingMode", "PROVISIONED")

    @property
    def throughput(self) -> dict[str, Any]:
        return self.description.get("ProvisionedThroughput") or {}

    @property
    def is_global(self) -> bool:
        """A replica of a global table (DescribeTable lists the other replicas)."""
        return "GlobalTableVersion" in self.description

    @property
    def replica_regions(self) -> list[str]:
        """The other Regions holding a replica of this table."""
        return [replica["RegionName"] for replica in self.description.get("Replicas", [])]

    def _types(self) -> dict[str, str]:
        return {
            d["AttributeName"]: d["AttributeType"]
            for d in self.description.get("AttributeDefinitions", [])
        }

    def _keys(self, key_schema: list[dict[str, str]]) -> tuple[KeyAttribute, KeyAttribute | None]:
        types = self._types()
        hash_keys = [k["AttributeName"] for k in key_schema if k["KeyType"] == "HASH"]
        range_keys = [k["AttributeName"] for k in key_schema if k["KeyType"] == "RANGE"]
        partition = KeyAttribute(hash_keys[0], types.get(hash_keys[0], "S"))
        sort = KeyAttribute(range_keys[0], types.get(range_keys[0], "S")) if range_keys else None
        return partition, sort

    @property
    def partition_key(self) -> KeyAttribute:
        return self._keys(self.description["KeySchema"])[0]

    @property
    def sort_key(self) -> KeyAttribute | None:
        return self._keys(self.description["KeySchema"])[1]

    @property
    def key_names(self) -> list[str]:
        return [k["AttributeName"] for k in self.description["KeySchema"]]

    @property
    def indexes(self) -> list[dict[str, Any]]:
        described = []
        for kind, key in (("GSI", "GlobalSecondaryIndexes"), ("LSI", "LocalSecondaryIndexes")):
            for index in self.description.get(key, []):
                partition, sort = self._keys(index["KeySchema"])
                described.append(
                    {
                        "name": index["IndexName"],
                        "kind": kind,
                        "partition_key": partition,
                        "sort_key": sort,
                        "projection": index.get("Projection", {}).get("ProjectionType", "ALL"),
                        "status": index.get("IndexStatus", "ACTIVE"),
                        "item_count": index.get("ItemCount", 0),
                    }
                )
        return described

    @property
    def index_glances(self) -> list[dict[str, Any]]:
        """Each index as the header shows it: kind, status and backfill progress (0-100)."""
        if self.glance is None:
            return []
        glances = []
        for index in self.glance.indexes:
            progress = index.backfill_progress(self.now)
            glances.append(
                {
                    "name": index.name,
                    "kind": "LSI" if index.local else "GSI",
                    "status": index.status,
                    "percent": None if progress is None else round(100 * progress),
                    "ready_at": index.ready_at,
                    "pending_writes": index.pending_writes,
                }
            )
        return glances

    def keys_for(self, index_name: str | None) -> tuple[KeyAttribute, KeyAttribute | None]:
        """The partition and sort key of the table, or of one of its indexes."""
        if index_name:
            for index in self.indexes:
                if index["name"] == index_name:
                    return index["partition_key"], index["sort_key"]
        return self.partition_key, self.sort_key


def table_summary(sandbox: Sandbox, name: str, *, region: str) -> TableSummary | None:
    """The table's description in ``region`` as of the sandbox's simulated now, or None
    when that Region has no such table. Read through the sandbox's selectors: a page view
    records no activity and costs no capacity, so it never crowds out the learner's calls."""
    now = sandbox_services.simulated_now(sandbox)
    try:
        with selectors.inspecting(sandbox, region=region) as view:
            return TableSummary(view.describe_table(name), view.table_status(name), now)
    except ResourceNotFoundException:
        return None


def list_tables(sandbox: Sandbox, *, region: str) -> list[TableSummary]:
    """Every table of one Region of the sandbox, described, in ListTables order."""
    summaries = []
    now = sandbox_services.simulated_now(sandbox)
    with selectors.inspecting(sandbox, region=region) as view:
        for name in view.table_names():
            summaries.append(TableSummary(view.describe_table(name), view.table_status(name), now))
    return summaries


def table_names(sandbox: Sandbox, *, region: str) -> list[str]:
    """One Region's table names in ListTables order."""
    return selectors.table_names(sandbox, region=region)


def other_regions(sandbox: Sandbox, region: str) -> list[selectors.RegionTables]:
    """The sandbox's other Regions that hold tables (a learner who looks in the wrong
    Region is told where their tables are)."""
    return [entry for entry in selectors.regions(sandbox) if entry.region != region]


#: Where the service's CreateTable messages point, as (fragment, form field).
CREATE_TABLE_FIELDS = [
    ("'tableName'", "table_name"),
    ("Table already exists", "table_name"),
    ("attributeDefinitions.1", "partition_key_name"),
    ("keySchema.1", "partition_key_name"),
    ("attributeDefinitions.2", "sort_key_name"),
    ("keySchema.2", "sort_key_name"),
    ("Hash Key and the Range Key", "sort_key_name"),
    ("readCapacityUnits", "read_capacity"),
    ("ReadCapacityUnits", "read_capacity"),
    ("writeCapacityUnits", "write_capacity"),
    ("billingMode", "billing_mode"),
    ("StreamViewType", "stream_view_type"),
    ("streamSpecification", "stream_view_type"),
]

#: Index slots of the create-table form: two global, one local (more GSIs can be added later
#: on the Indexes tab; local indexes exist only from CreateTable on).
GSI_SLOTS = 2
LSI_SLOTS = 1


@dataclass
class CreateTablePlan:
    """The calls the create-table form asks for: CreateTable, then TTL and PITR settings.

    ``index_fields`` maps each index the request declares (by kind and position, as the
    service's messages count them) to the form slot it came from.
    """

    request: dict[str, Any]
    ttl_attribute: str = ""
    pitr_days: int | None = None
    index_slots: dict[str, str] = field(default_factory=dict)


def include_names(text: str) -> list[str]:
    """INCLUDE attributes as typed: names separated by commas or spaces, each kept once."""
    names = [name for name in re.split(r"[,\s]+", text or "") if name]
    return list(dict.fromkeys(names))


def create_table_request(data: dict[str, Any]) -> dict[str, Any]:
    """The CreateTable request for the create-table form's cleaned data."""
    return create_table_plan(data).request


def create_table_plan(data: dict[str, Any]) -> CreateTablePlan:
    """CreateTable (keys, billing, indexes, stream), then the TTL attribute and PITR."""
    definitions: list[dict[str, str]] = []

    def define(name: str, kind: str) -> None:
        # The same name and type once; a clash of types is left for the service to refuse.
        entry = {"AttributeName": name, "AttributeType": kind}
        if entry not in definitions:
            definitions.append(entry)

    define(data["partition_key_name"], data["partition_key_type"])
    key_schema = [{"AttributeName": data["partition_key_name"], "KeyType": "HASH"}]
    if data.get("sort_key_name"):
        if data["sort_key_name"] != data["partition_key_name"]:
            define(data["sort_key_name"], data["sort_key_type"])
        key_schema.append({"AttributeName": data["sort_key_name"], "KeyType": "RANGE"})
    request: dict[str, Any] = {
        "TableName": data["table_name"],
        "AttributeDefinitions": definitions,
        "KeySchema": key_schema,
        "BillingMode": data["billing_mode"],
    }
    provisioned = data["billing_mode"] == "PROVISIONED"
    if provisioned:
        request["ProvisionedThroughput"] = {
            "ReadCapacityUnits": data.get("read_capacity"),
            "WriteCapacityUnits": data.get("write_capacity"),
        }
    plan = CreateTablePlan(request)
    globals_: list[dict[str, Any]] = []
    locals_: list[dict[str, Any]] = []
    for kind, slots, target in (("gsi", GSI_SLOTS, globals_), ("lsi", LSI_SLOTS, locals_)):
        for slot in range(slots):
            prefix = f"{kind}_{slot}_"
            name = data.get(prefix + "name") or ""
            if not name:
                continue
            if kind == "gsi":
                partition = data.get(prefix + "pk") or ""
                define(partition, data.get(prefix + "pk_type") or "S")
                index_keys = [{"AttributeName": partition, "KeyType": "HASH"}]
            else:
                # A local index shares the table's partition key.
                index_keys = [{"AttributeName": data["partition_key_name"], "KeyType": "HASH"}]
            sort = data.get(prefix + "sk") or ""
            if sort:
                define(sort, data.get(prefix + "sk_type") or "S")
                index_keys.append({"AttributeName": sort, "KeyType": "RANGE"})
            projection: dict[str, Any] = {
                "ProjectionType": data.get(prefix + "projection") or "ALL"
            }
            if projection["ProjectionType"] == "INCLUDE":
                projection["NonKeyAttributes"] = include_names(data.get(prefix + "include") or "")
            index: dict[str, Any] = {
                "IndexName": name,
                "KeySchema": index_keys,
                "Projection": projection,
            }
            if kind == "gsi" and provisioned:
                index["ProvisionedThroughput"] = dict(request["ProvisionedThroughput"])
            target.append(index)
            member = "globalSecondaryIndexes" if kind == "gsi" else "localSecondaryIndexes"
            plan.index_slots[f"{member}.{len(target)}."] = prefix + "name"
            plan.index_slots[f"IndexName: {name}"] = prefix + "name"
    if globals_:
        request["GlobalSecondaryIndexes"] = globals_
    if locals_:
        request["LocalSecondaryIndexes"] = locals_
    if data.get("stream_view_type"):
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": data["stream_view_type"],
        }
    plan.ttl_attribute = data.get("ttl_attribute") or ""
    if data.get("pitr"):
        plan.pitr_days = data.get("pitr_days") or 35
    return plan


@dataclass
class CreateTableOutcome:
    """CreateTable's result, and the TTL and PITR calls made after it."""

    result: CallResult
    follow_ups: list[CallResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def failed_follow_ups(self) -> list[CallResult]:
        return [call for call in self.follow_ups if not call.ok]


def create_table(
    sandbox: Sandbox, data: dict[str, Any], *, endpoint: str, region: str
) -> CreateTableOutcome:
    """CreateTable in ``region``; then, if it succeeded, UpdateTimeToLive and
    UpdateContinuousBackups as the form asks (the service sets TTL and PITR with calls of
    their own)."""
    plan = create_table_plan(data)
    # An index's own messages first: they also mention keySchema and attributeDefinitions.
    fields = [*plan.index_slots.items(), *CREATE_TABLE_FIELDS]
    fields += [("globalSecondaryIndex", "gsi_0_name"), ("localSecondaryIndex", "lsi_0_name")]
    result = call(
        sandbox, "CreateTable", plan.request, endpoint=endpoint, region=region, fields=fields
    )
    outcome = CreateTableOutcome(result)
    if not result.ok:
        return outcome
    name = plan.request["TableName"]
    if plan.ttl_attribute:
        outcome.follow_ups.append(
            call(
                sandbox,
                "UpdateTimeToLive",
                {
                    "TableName": name,
                    "TimeToLiveSpecification": {
                        "Enabled": True,
                        "AttributeName": plan.ttl_attribute,
                    },
                },
                endpoint=endpoint,
                region=region,
            )
        )
    if plan.pitr_days is not None:
        outcome.follow_ups.append(
            call(
                sandbox,
                "UpdateContinuousBackups",
                {
                    "TableName": name,
                    "PointInTimeRecoverySpecification": {
                        "PointInTimeRecoveryEnabled": True,
                        "RecoveryPeriodInDays": plan.pitr_days,
                    },
                },
                endpoint=endpoint,
                region=region,
            )
        )
    return outcome


def delete_table(sandbox: Sandbox, name: str, *, endpoint: str, region: str) -> CallResult:
    return call(sandbox, "DeleteTable", {"TableName": name}, endpoint=endpoint, region=region)
