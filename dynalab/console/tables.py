"""Tables for the workbench: what a page needs of a table's description, and CreateTable from
the create-table form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dynalab.console.calls import CallResult, call
from dynalab.sandboxes import selectors
from dynalab.sandboxes.models import Sandbox


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: str


@dataclass
class TableSummary:
    """What the overview and the builders need of a DescribeTable answer."""

    description: dict[str, Any]

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
    description = selectors.describe_table(sandbox, name, region=region)
    return TableSummary(description) if description is not None else None


def list_tables(sandbox: Sandbox, *, region: str) -> list[TableSummary]:
    """Every table of one Region of the sandbox, described, in ListTables order."""
    summaries = []
    with selectors.inspecting(sandbox, region=region) as view:
        for name in view.table_names():
            summaries.append(TableSummary(view.describe_table(name)))
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
]


def create_table_request(data: dict[str, Any]) -> dict[str, Any]:
    """The CreateTable request for the create-table form's cleaned data."""
    definitions = [
        {"AttributeName": data["partition_key_name"], "AttributeType": data["partition_key_type"]}
    ]
    key_schema = [{"AttributeName": data["partition_key_name"], "KeyType": "HASH"}]
    if data.get("sort_key_name"):
        if data["sort_key_name"] != data["partition_key_name"]:
            definitions.append(
                {"AttributeName": data["sort_key_name"], "AttributeType": data["sort_key_type"]}
            )
        key_schema.append({"AttributeName": data["sort_key_name"], "KeyType": "RANGE"})
    request: dict[str, Any] = {
        "TableName": data["table_name"],
        "AttributeDefinitions": definitions,
        "KeySchema": key_schema,
        "BillingMode": data["billing_mode"],
    }
    if data["billing_mode"] == "PROVISIONED":
        request["ProvisionedThroughput"] = {
            "ReadCapacityUnits": data.get("read_capacity"),
            "WriteCapacityUnits": data.get("write_capacity"),
        }
    return request


def create_table(
    sandbox: Sandbox, data: dict[str, Any], *, endpoint: str, region: str
) -> CallResult:
    return call(
        sandbox,
        "CreateTable",
        create_table_request(data),
        endpoint=endpoint,
        region=region,
        fields=CREATE_TABLE_FIELDS,
    )


def delete_table(sandbox: Sandbox, name: str, *, endpoint: str, region: str) -> CallResult:
    return call(sandbox, "DeleteTable", {"TableName": name}, endpoint=endpoint, region=region)
