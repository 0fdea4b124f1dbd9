"""The Indexes tab: a table's indexes, adding and deleting a global one, and one index seen
against its table (the sparse overlay, the same question asked by Scan and by Query, and the
propagation lag a learner can turn on).

Reads go through the sandbox's inspection view (uncharged, unrecorded); every change and every
read the learner asks for is a call through ``calls.call``, so it is journaled and billed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dynalab.console import bookshelf
from dynalab.console import values as value_text
from dynalab.console.calls import CallResult, call
from dynalab.console.compare import Side, run_all_pages
from dynalab.console.reads import READ_FIELDS, CapacityReceipt, capacity_receipt
from dynalab.console.tables import TableSummary, include_names
from dynalab.sandboxes import selectors
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.models import Sandbox

#: The lags the workbench offers, in seconds (0 turns lag off): long enough to query in
#: between, short enough to watch arrive with one step of the clock.
LAG_CHOICES = {
    "0": "off",
    "1": "1 second",
    "10": "10 seconds",
    "60": "1 minute",
    "300": "5 minutes",
}
#: Base items the membership list shows per page.
MEMBERS_PAGE = 50

ADD_INDEX_FIELDS = [
    ("indexName", "index_name"),
    ("Index with name", "index_name"),
    ("index which already exists", "index_name"),
    ("keySchema", "partition_key_name"),
    ("attributeDefinitions", "partition_key_name"),
    ("NonKeyAttributes", "include"),
    ("projection", "projection"),
    ("readCapacityUnits", "read_capacity"),
    ("ReadCapacityUnits", "read_capacity"),
    ("writeCapacityUnits", "write_capacity"),
    ("WriteCapacityUnits", "write_capacity"),
]

#: Why a base item is in an index or not, as a learner reads it.
MEMBER_REASONS = {
    "in_index": "in the index",
    "missing_attribute": "no {attribute} attribute, so not in the index (the index is sparse)",
    "wrong_type": "{attribute} is {found_type}, not the index key's type {expected}",
    "pending": "written, but the write has not reached the index yet (propagation lag)",
    "backfilling": "the index is still being built (backfilling)",
    "skipped": "has the key attributes, but the index holds no entry for it",
}


def add_index_request(table: TableSummary, data: dict[str, Any]) -> dict[str, Any]:
    """UpdateTable creating one global secondary index from the add-index form."""
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
    projection: dict[str, Any] = {"ProjectionType": data["projection"]}
    if data["projection"] == "INCLUDE":
        projection["NonKeyAttributes"] = include_names(data.get("include") or "")
    create: dict[str, Any] = {
        "IndexName": data["index_name"],
        "KeySchema": key_schema,
        "Projection": projection,
    }
    if table.billing_mode == "PROVISIONED":
        create["ProvisionedThroughput"] = {
            "ReadCapacityUnits": data.get("read_capacity"),
            "WriteCapacityUnits": data.get("write_capacity"),
        }
    return {
        "TableName": table.name,
        "AttributeDefinitions": definitions,
        "GlobalSecondaryIndexUpdates": [{"Create": create}],
    }


def add_index(
    sandbox: Sandbox, table: TableSummary, data: dict[str, Any], *, endpoint: str, region: str
) -> CallResult:
    return call(
        sandbox,
        "UpdateTable",
        add_index_request(table, data),
        endpoint=endpoint,
        region=region,
        fields=ADD_INDEX_FIELDS,
    )


def delete_index(
    sandbox: Sandbox, table: str, index: str, *, endpoint: str, region: str
) -> CallResult:
    return call(
        sandbox,
        "UpdateTable",
        {"TableName": table, "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": index}}]},
        endpoint=endpoint,
        region=region,
    )


def set_propagation_lag(
    sandbox: Sandbox, seconds: float, *, endpoint: str, region: str
) -> CallResult:
    """DynaLab's UpdateSimulationSettings: every global index of ``region`` lags this long
    (each Region's engine keeps its own setting)."""
    return call(
        sandbox,
        "UpdateSimulationSettings",
        {"GsiPropagationDelaySeconds": seconds},
        endpoint=endpoint,
        region=region,
    )


# ---------------------------------------------------------------------- one index
@dataclass
class Member:
    """One base item and whether (and why not) the index holds it."""

    key_text: str
    status: str
    reason: str
    projected: tuple[str, ...] = ()

    @property
    def key_parts(self) -> list[str]:
        """``name = value`` of each key attribute, to show one a line."""
        return self.key_text.split(", ")


def reason(member: selectors.IndexMember, expected: dict[str, str]) -> str:
    template = MEMBER_REASONS.get(member.status, member.status)
    return template.format(
        attribute=member.attribute or "",
        found_type=member.found_type or "",
        expected=expected.get(member.attribute or "", ""),
    )


@dataclass
class IndexPage:
    """One index seen against its table."""

    status: selectors.IndexStatus
    membership: selectors.IndexMembership
    members: list[Member]
    picture: bookshelf.Bookshelf
    pending: tuple[selectors.PendingIndexWrite, ...]
    lag_seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    sample_values: list[str] = field(default_factory=list)

    @property
    def key_names(self) -> list[str]:
        return [k.name for k in self.membership.partition_key + self.membership.sort_key]

    @property
    def has_more(self) -> bool:
        return self.membership.offset + len(self.members) < self.membership.table_item_count


def index_status(table: TableSummary, index: str) -> selectors.IndexStatus | None:
    if table.glance is None:
        return None
    return next((found for found in table.glance.indexes if found.name == index), None)


def index_page(
    sandbox: Sandbox, table: TableSummary, index: str, *, offset: int, region: str
) -> IndexPage:
    """The membership of the base items ``offset``.., the table's bookshelf with every book
    marked in or out of the index, and the writes still on their way."""
    status = index_status(table, index)
    assert status is not None
    membership = selectors.index_membership(
        sandbox, table.name, index, offset=offset, limit=MEMBERS_PAGE, region=region
    )
    expected = {k.name: k.type for k in membership.partition_key + membership.sort_key}
    members = [
        Member(value_text.key_text(m.key), m.status, reason(m, expected), m.projected)
        for m in membership.members
    ]
    picture = bookshelf.draw(sandbox, table, region=region)
    keys = [book.key for shelf in picture.shelves for book in shelf.books]
    marks = {
        bookshelf.traced_key(m.key, table.key_names): m.status
        for m in selectors.index_members(sandbox, table.name, index, keys, region=region)
    }
    counts: dict[str, int] = {}
    for shelf in picture.shelves:
        for book in shelf.books:
            book.membership = marks.get(bookshelf.traced_key(book.key, table.key_names))
            group = book.membership or "unknown"
            if group in ("pending", "backfilling"):
                group = "waiting"
            counts[group] = counts.get(group, 0) + 1
    samples = []
    partition_names = [k.name for k in membership.partition_key]
    for shelf in selectors.shelves(sandbox, table.name, index, count=5, books=0, region=region):
        value = shelf.partition_key.get(partition_names[0]) if partition_names else None
        if value is not None:
            samples.append(value_text.cell_text(value, typed=False))
    return IndexPage(
        status=status,
        membership=membership,
        members=members,
        picture=picture,
        pending=selectors.pending_index_writes(sandbox, table.name, index, limit=20, region=region),
        lag_seconds=selectors.simulation_settings(sandbox, region=region).gsi_propagation_delay,
        counts=counts,
        sample_values=samples,
    )


# ---------------------------------------------------------------------- two ways to ask
@dataclass
class SparseComparison:
    """One question asked two ways: a Scan of the whole table with a filter that states the
    index's membership rule, and a Query of the (sparse) index."""

    value: str
    query: Side = field(default_factory=lambda: Side("Query"))
    scan: Side = field(default_factory=lambda: Side("Scan"))
    query_receipt: CapacityReceipt | None = None
    scan_receipt: CapacityReceipt | None = None
    error: str = ""

    @property
    def ran(self) -> bool:
        return self.query.first is not None

    @property
    def ratio(self) -> float | None:
        if not self.query.scanned or not self.scan.ok:
            return None
        return self.scan.scanned / self.query.scanned


def sparse_requests(
    table: TableSummary, status: selectors.IndexStatus, value: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Query of the index for one partition-key value, and the Scan that returns the same
    items from the table: its filter says what puts an item in the index (the partition key
    equals the value, and each sort-key attribute exists with the index's type)."""
    (partition,) = status.partition_key
    typed_value = {partition.type: value.strip() if partition.type == "N" else value}
    names = {"#pk": partition.name}
    values: dict[str, Any] = {":pk": typed_value}
    query = {
        "TableName": table.name,
        "IndexName": status.name,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": dict(names),
        "ExpressionAttributeValues": dict(values),
        "ReturnConsumedCapacity": "TOTAL",
    }
    conditions = ["#pk = :pk"]
    for number, sort in enumerate(status.sort_key):
        names[f"#sk{number}"] = sort.name
        values[f":sk{number}"] = {"S": sort.type}
        conditions.append(f"attribute_type(#sk{number}, :sk{number})")
    scan = {
        "TableName": table.name,
        "FilterExpression": " AND ".join(conditions),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ReturnConsumedCapacity": "TOTAL",
    }
    return query, scan


def compare_sparse(
    sandbox: Sandbox,
    table: TableSummary,
    status: selectors.IndexStatus,
    value: str,
    *,
    endpoint: str,
    region: str,
) -> SparseComparison:
    comparison = SparseComparison(value=value)
    if len(status.partition_key) != 1:
        comparison.error = (
            "This index's partition key has several attributes: ask it from the Query "
            "builder, which takes a key condition of your own."
        )
        return comparison
    query, scan = sparse_requests(table, status, value)
    run_all_pages(sandbox, comparison.query, query, endpoint=endpoint, region=region)
    if comparison.query.ok:
        run_all_pages(sandbox, comparison.scan, scan, endpoint=endpoint, region=region)
    for side, attribute in ((comparison.query, "query_receipt"), (comparison.scan, "scan_receipt")):
        first = side.first
        if first is not None and first.ok:
            setattr(
                comparison,
                attribute,
                capacity_receipt(
                    sandbox, first.operation, first.request, first.response, region=region
                ),
            )
    return comparison


# ---------------------------------------------------------------------- propagation, tried
@dataclass
class LagProbe:
    """A write, then the index asked at once: is the new entry there yet?"""

    write: CallResult | None
    query: CallResult | None
    key_text: str = ""
    found: bool = False
    errors: list[str] = field(default_factory=list)
    visible_at: float | None = None


def probe_example(table: TableSummary, status: selectors.IndexStatus) -> str:
    """A new item to try the lag with: the table's and the index's key attributes, filled in
    with values of their types, as plain JSON."""
    example: dict[str, Any] = {}
    keys = [table.partition_key, table.sort_key, *status.partition_key, *status.sort_key]
    for number, key in enumerate(k for k in keys if k is not None):
        if key.name not in example:
            example[key.name] = number + 1 if key.type == "N" else f"new-{key.name}"
    return value_text.dumps(example)


def probe_lag(
    sandbox: Sandbox,
    table: TableSummary,
    status: selectors.IndexStatus,
    text: str,
    *,
    endpoint: str,
    region: str,
) -> LagProbe:
    """PutItem the learner's item, then Query the index for its partition-key value at once,
    and say whether the index shows it yet (and when it will)."""
    try:
        item = value_text.item_to_typed(value_text.parse_json_object(text))
    except value_text.ItemJSONError as error:
        return LagProbe(None, None, errors=[str(error)])
    partition = status.partition_key[0]
    if partition.name not in item:
        return LagProbe(
            None,
            None,
            errors=[
                f"Give the item a {partition.name} attribute: without it the item is not in "
                f"index {status.name} (the index is sparse), so there is nothing to wait for."
            ],
        )
    write = call(
        sandbox,
        "PutItem",
        {"TableName": table.name, "Item": item, "ReturnConsumedCapacity": "TOTAL"},
        endpoint=endpoint,
        region=region,
    )
    if not write.ok:
        return LagProbe(write, None, errors=[f"{write.error.code}: {write.error.message}"])
    key = {name: item[name] for name in table.key_names if name in item}
    query = call(
        sandbox,
        "Query",
        {
            "TableName": table.name,
            "IndexName": status.name,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": partition.name},
            "ExpressionAttributeValues": {":pk": item[partition.name]},
            "ReturnConsumedCapacity": "TOTAL",
        },
        endpoint=endpoint,
        region=region,
        fields=READ_FIELDS,
    )
    probe = LagProbe(write, query, key_text=value_text.key_text(key))
    if query.ok:
        probe.found = any(
            all(selectors.values_equal(found.get(n), v) for n, v in key.items())
            and selectors.values_equal(found.get(partition.name), item[partition.name])
            for found in query.response.get("Items", [])
        )
    try:
        pending = selectors.pending_index_writes(
            sandbox, table.name, status.name, limit=1000, region=region
        )
    except ServiceError:
        pending = ()
    waiting = [w.visible_at for w in pending if w.key == key]
    probe.visible_at = max(waiting) if waiting else None
    return probe
