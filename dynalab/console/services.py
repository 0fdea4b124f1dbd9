"""Console services: the work behind the workbench's views, so the views stay thin.

Every call a learner makes goes through ``dynalab.sandboxes.services.execute``; this module
builds the requests from what the learner typed, runs them, and turns the answers (and the
service's error messages) into what the pages show. Reads for pictures (the capacity receipt,
the bookshelf) use the sandbox's caught-up engine, read-only.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from dynalab.console import values as value_text
from dynalab.console.codegen import RequestCode
from dynalab.sandboxes import services as sandbox_services
from dynalab.sandboxes.models import Sandbox
from engine import DynamoDBError, Engine
from engine.capacity import CAPACITY_OPERATIONS
from engine.expressions.reserved import is_reserved

PROBE_OPERATION = "ListTables"
PROBE_REQUEST: dict[str, Any] = {}

#: Session key of the last change the workbench made, shown once on the next page.
SESSION_LAST_CALL = "console_last_call"
#: Items a page of the items explorer holds.
ITEMS_PAGE_SIZE = 25
SOURCE = "console"


# ---------------------------------------------------------------------- the engine probe
@dataclass(frozen=True)
class ProbeResult:
    """What one request to a brand-new engine gave back: a response or a service error."""

    operation: str
    request: dict[str, Any]
    response: dict[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_code is None

    @property
    def request_json(self) -> str:
        return json.dumps(self.request, indent=2, sort_keys=True)

    @property
    def response_json(self) -> str:
        return json.dumps(self.response, indent=2, sort_keys=True)


def probe_engine() -> ProbeResult:
    """Send ListTables to a fresh engine and report exactly what it answered.

    A service error is a result, not a failure: it is shown to the learner as the service
    would send it.
    """
    engine = Engine()
    request = dict(PROBE_REQUEST)
    try:
        response = engine.call(PROBE_OPERATION, dict(request))
    except DynamoDBError as error:
        return ProbeResult(
            operation=PROBE_OPERATION,
            request=request,
            error_code=error.code,
            error_message=error.message,
        )
    return ProbeResult(operation=PROBE_OPERATION, request=request, response=response)


# ---------------------------------------------------------------------- calls and errors
@dataclass
class ServiceError:
    """A service error as the learner sees it, split into the fields it concerns."""

    code: str
    message: str
    #: form field name -> messages; "" collects what concerns no one field.
    by_field: dict[str, list[str]] = field(default_factory=dict)

    @property
    def general(self) -> list[str]:
        return self.by_field.get("", [])


@dataclass
class CallResult:
    """One request the workbench ran: what it sent, and the response or the error."""

    operation: str
    request: dict[str, Any]
    endpoint_url: str
    response: dict[str, Any] | None = None
    error: ServiceError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def code(self) -> RequestCode:
        return RequestCode(self.operation, self.request, self.endpoint_url)

    @property
    def response_json(self) -> str:
        return json.dumps(self.response, indent=2, ensure_ascii=False)


def endpoint_url(request: HttpRequest) -> str:
    """Where boto3 and the AWS CLI reach this server's DynamoDB endpoint (dynalab.api)."""
    try:
        path = reverse("api:endpoint")
    except NoReverseMatch:
        path = "/"
    return request.build_absolute_uri(path)


def call(
    sandbox: Sandbox,
    operation: str,
    request: dict[str, Any],
    *,
    endpoint: str,
    fields: list[tuple[str, str]] | None = None,
) -> CallResult:
    """Run one operation through the sandbox; a service error becomes part of the result.

    ``fields`` maps fragments of the service's messages to form fields (see split_error).
    """
    try:
        response = sandbox_services.execute(sandbox, operation, request, source=SOURCE)
    except DynamoDBError as error:
        return CallResult(
            operation,
            request,
            endpoint,
            error=split_error(error.code, error.message, fields or []),
        )
    return CallResult(operation, request, endpoint, response=response)


_VIOLATIONS = re.compile(r"^\d+ validation errors? detected: ")


def split_error(code: str, message: str, fields: list[tuple[str, str]]) -> ServiceError:
    """Give each part of a service error to the form field it concerns.

    The service joins several constraint violations into one message ("2 validation errors
    detected: Value 'a' at 'tableName' ...; Value '0' at 'provisionedThroughput...' ...");
    each part goes to the first field whose fragment it contains (case-insensitive), the
    rest to "" (the form as a whole).
    """
    parts = [message]
    if _VIOLATIONS.match(message):
        parts = re.split(r"; (?=Value )", _VIOLATIONS.sub("", message))
    by_field: dict[str, list[str]] = {}
    for part in parts:
        lowered = part.lower()
        target = next(
            (name for fragment, name in fields if fragment.lower() in lowered),
            "",
        )
        by_field.setdefault(target, []).append(part)
    return ServiceError(code, message, by_field)


def remember_call(request: HttpRequest, result: CallResult) -> None:
    """Keep a successful change to show on the next page ("what just ran")."""
    request.session[SESSION_LAST_CALL] = {
        "operation": result.operation,
        "request": result.request,
    }


def pop_last_call(request: HttpRequest) -> RequestCode | None:
    stored = request.session.pop(SESSION_LAST_CALL, None)
    if not stored:
        return None
    return RequestCode(stored["operation"], stored["request"], endpoint_url(request))


# ---------------------------------------------------------------------- tables
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


def list_tables(sandbox: Sandbox) -> list[TableSummary]:
    """Every table of the sandbox, described (ListTables, then DescribeTable for each)."""
    names: list[str] = []
    request: dict[str, Any] = {}
    while True:
        response = sandbox_services.execute(sandbox, "ListTables", request, source=SOURCE)
        names.extend(response.get("TableNames", []))
        if "LastEvaluatedTableName" not in response:
            break
        request = {"ExclusiveStartTableName": response["LastEvaluatedTableName"]}
    summaries = []
    for name in names:
        summary = describe_table(sandbox, name)
        if summary is not None:
            summaries.append(summary)
    return summaries


def describe_table(sandbox: Sandbox, name: str) -> TableSummary | None:
    """The table's description, or None when there is no such table."""
    try:
        response = sandbox_services.execute(
            sandbox, "DescribeTable", {"TableName": name}, source=SOURCE
        )
    except DynamoDBError as error:
        if error.code == "ResourceNotFoundException" or error.code == "ValidationException":
            return None
        raise
    return TableSummary(response["Table"])


def table_summary(sandbox: Sandbox, name: str) -> TableSummary | None:
    """The table's description read from the sandbox's engine, without a call.

    For what a page needs to lay itself out (key names, indexes): a DescribeTable through
    execute would record an Activity row per page view and crowd out the learner's own calls.
    """
    with sandbox_services.reading_engine(sandbox) as engine:
        table = engine.tables.get(name)
        return TableSummary(table.describe(engine.now())) if table is not None else None


def table_names(sandbox: Sandbox) -> list[str]:
    """The sandbox's table names in ListTables order, read without a call (see table_summary)."""
    with sandbox_services.reading_engine(sandbox) as engine:
        return sorted(engine.tables)


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


def create_table(sandbox: Sandbox, data: dict[str, Any], *, endpoint: str) -> CallResult:
    return call(
        sandbox,
        "CreateTable",
        create_table_request(data),
        endpoint=endpoint,
        fields=CREATE_TABLE_FIELDS,
    )


def delete_table(sandbox: Sandbox, name: str, *, endpoint: str) -> CallResult:
    return call(sandbox, "DeleteTable", {"TableName": name}, endpoint=endpoint)


# ---------------------------------------------------------------------- items
@dataclass
class ItemRow:
    """One item of a results table: its key (for links) and its cells in column order."""

    item: dict[str, Any]
    key: dict[str, Any] | None
    cells: list[str | None]

    @property
    def key_json(self) -> str:
        return json.dumps(self.key, separators=(",", ":"), ensure_ascii=False)


@dataclass
class ItemGrid:
    """Items as a table: key attributes first, then every other attribute seen."""

    columns: list[str]
    rows: list[ItemRow]


def item_grid(items: list[dict[str, Any]], key_names: list[str], *, typed: bool) -> ItemGrid:
    others: dict[str, None] = {}
    for item in items:
        for name in item:
            if name not in key_names:
                others.setdefault(name, None)
    columns = [name for name in key_names if any(name in item for item in items)] or list(key_names)
    columns += sorted(others)
    rows = []
    for item in items:
        has_key = all(name in item for name in key_names)
        rows.append(
            ItemRow(
                item=item,
                key={name: item[name] for name in key_names} if has_key else None,
                cells=[
                    value_text.cell_text(item[name], typed=typed) if name in item else None
                    for name in columns
                ],
            )
        )
    return ItemGrid(columns, rows)


def parse_key(text: str | None) -> dict[str, Any] | None:
    """A key (or LastEvaluatedKey) carried in a URL as DynamoDB JSON; None when absent or bad."""
    if not text:
        return None
    try:
        key = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(key, dict) or not key:
        return None
    if not all(value_text.looks_typed(value) for value in key.values()):
        return None
    return key


def url_json(value: dict[str, Any]) -> str:
    """Compact JSON for a URL parameter."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def scan_items_page(
    sandbox: Sandbox,
    table: str,
    *,
    start: dict[str, Any] | None,
    endpoint: str,
    limit: int = ITEMS_PAGE_SIZE,
) -> CallResult:
    request: dict[str, Any] = {"TableName": table, "Limit": limit}
    if start:
        request["ExclusiveStartKey"] = start
    request["ReturnConsumedCapacity"] = "TOTAL"
    return call(sandbox, "Scan", request, endpoint=endpoint, fields=[("starting key", "start")])


def get_item(sandbox: Sandbox, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    try:
        response = sandbox_services.execute(
            sandbox,
            "GetItem",
            {"TableName": table, "Key": key, "ConsistentRead": True},
            source=SOURCE,
        )
    except DynamoDBError:
        return None
    return response.get("Item")


@dataclass
class ItemEdit:
    """The item editor's outcome: the request (if it got that far) and what went wrong."""

    result: CallResult | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.result is not None and self.result.ok


def save_item(
    sandbox: Sandbox,
    table: TableSummary,
    *,
    text: str,
    typed: bool,
    original_key: dict[str, Any] | None,
    endpoint: str,
) -> ItemEdit:
    """PutItem the learner's JSON; the engine validates it. Editing never moves an item.

    ``original_key`` is the key of the item being edited (None for a new item): a changed
    key would write a second item, so it is refused with the reason.
    """
    try:
        parsed = value_text.parse_json_object(text)
        item = (
            value_text.typed_item_from_json(parsed) if typed else value_text.item_to_typed(parsed)
        )
    except value_text.ItemJSONError as error:
        return ItemEdit(errors=[str(error)])
    if original_key is not None:
        new_key = {name: item.get(name) for name in original_key}
        if new_key != original_key:
            return ItemEdit(
                errors=[
                    "The key attributes cannot change: DynamoDB identifies an item by its key, "
                    "so a new key would write a second item. Keep "
                    + value_text.key_text(original_key)
                    + ", or add a new item instead."
                ]
            )
    request: dict[str, Any] = {"TableName": table.name, "Item": item}
    if original_key is None:
        # A new item must not overwrite one that already has its key.
        request["ConditionExpression"] = "attribute_not_exists(#pk)"
        request["ExpressionAttributeNames"] = {"#pk": table.partition_key.name}
    request["ReturnConsumedCapacity"] = "TOTAL"
    result = call(sandbox, "PutItem", request, endpoint=endpoint)
    if not result.ok:
        message = result.error.message
        if result.error.code == "ConditionalCheckFailedException":
            message = (
                "An item with this key already exists (the request's ConditionExpression "
                "attribute_not_exists refused to overwrite it): edit that item instead, or "
                "change the key."
            )
        return ItemEdit(result=result, errors=[f"{result.error.code}: {message}"])
    return ItemEdit(result=result)


def delete_item(sandbox: Sandbox, table: str, key: dict[str, Any], *, endpoint: str) -> CallResult:
    return call(
        sandbox,
        "DeleteItem",
        {"TableName": table, "Key": key, "ReturnConsumedCapacity": "TOTAL"},
        endpoint=endpoint,
    )


def item_editor_text(item: dict[str, Any], *, typed: bool) -> str:
    if typed:
        return json.dumps(item, indent=2, ensure_ascii=False)
    return value_text.dumps(value_text.item_to_plain(item))


def new_item_template(table: TableSummary, *, typed: bool) -> str:
    """A starting item holding the key attributes with placeholder values of their types."""
    examples = {"S": "", "N": "0", "B": ""}
    item: dict[str, Any] = {}
    for key in (table.partition_key, table.sort_key):
        if key is not None:
            item[key.name] = {key.type: examples.get(key.type, "")}
    return item_editor_text(item, typed=typed)


# ---------------------------------------------------------------------- expressions
def attribute_reference(name: str, placeholder: str, names: dict[str, str]) -> str:
    """The attribute as written in an expression: itself, or a #placeholder when it must be."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) and not is_reserved(name):
        return name
    names[placeholder] = name
    return placeholder


def typed_key_value(text: str, kind: str) -> dict[str, str]:
    """A key value the learner typed, typed as the key attribute is (S, N or B)."""
    return {kind: text.strip() if kind == "N" else text}


# ---------------------------------------------------------------------- sample data
def load_sample_step(
    sandbox: Sandbox, sample: Any, step: int, *, endpoint: str
) -> ServiceError | None:
    """Step 0 creates the sample's table; each later step writes a few 25-item batches."""
    if step == 0:
        result = call(sandbox, "CreateTable", sample.table_request, endpoint=endpoint)
        if not result.ok and result.error.code == "ResourceInUseException":
            result.error.message = (
                f"Your sandbox already has a table named {sample.table_name}: delete it (or "
                "reset the sandbox) to load the sample again."
            )
        return result.error
    for batch in sample.batches(step):
        request = batch
        for _ in range(5):
            result = call(sandbox, "BatchWriteItem", request, endpoint=endpoint)
            if not result.ok:
                return result.error
            unprocessed = result.response.get("UnprocessedItems")
            if not unprocessed:
                break
            request = {"RequestItems": unprocessed}
    return None


# ---------------------------------------------------------------------- any request
#: Operations the request runner offers (everything the engine answers).
RUNNABLE_OPERATIONS: list[str] = sorted(Engine().operations)


@dataclass
class RunForm:
    """The request runner's form: an operation and its request as JSON text."""

    operation: str = ""
    request_text: str = ""
    request: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Any) -> RunForm:
        form = cls(
            operation=str(data.get("operation", "")).strip(),
            request_text=str(data.get("request", "")),
        )
        if not form.operation and not form.request_text:
            form.operation = "ListTables"
            form.request_text = "{}"
            return form
        if form.operation not in RUNNABLE_OPERATIONS:
            form.errors["operation"] = [
                f"{form.operation or 'Nothing'} is not an operation this engine answers; "
                "pick one from the list."
            ]
        try:
            parsed = json.loads(form.request_text or "{}")
        except json.JSONDecodeError as error:
            form.errors["request"] = [
                f"The request is not valid JSON: {error.msg} (line {error.lineno}, "
                f"column {error.colno})."
            ]
            return form
        if not isinstance(parsed, dict):
            form.errors["request"] = ["The request must be a JSON object: { ... }."]
            return form
        form.request = parsed
        if form.request_text and not form.errors:
            form.request_text = json.dumps(parsed, indent=2, ensure_ascii=False)
        return form


def run_request(sandbox: Sandbox, form: RunForm, *, endpoint: str) -> CallResult:
    """Run the form's request through the sandbox, asking for the capacity it consumed."""
    request = dict(form.request)
    if form.operation in CAPACITY_OPERATIONS and "ReturnConsumedCapacity" not in request:
        request["ReturnConsumedCapacity"] = "TOTAL"
    return call(sandbox, form.operation, request, endpoint=endpoint)


def capacity_lines(response: dict[str, Any] | None) -> list[str]:
    """The ConsumedCapacity of a response in words, one line per table."""
    if not response or "ConsumedCapacity" not in response:
        return []
    consumed = response["ConsumedCapacity"]
    entries = consumed if isinstance(consumed, list) else [consumed]
    return [
        f"{entry.get('TableName', '?')}: {entry.get('CapacityUnits', 0):g} capacity units"
        for entry in entries
    ]


# ---------------------------------------------------------------------- throughput
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


def describe_throughput(sandbox: Sandbox, table: str, *, endpoint: str) -> CallResult:
    """The engine's DescribeThroughput (a DynaLab extension) for one table."""
    return call(sandbox, "DescribeThroughput", {"TableName": table}, endpoint=endpoint)


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


def send_burst(sandbox: Sandbox, table: TableSummary, count: int, size_kb: int) -> BurstResult:
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
                sandbox, "PutItem", {"TableName": table.name, "Item": item}, source=SOURCE
            )
        except DynamoDBError as error:
            if error.code not in ("ProvisionedThroughputExceededException", "ThrottlingException"):
                result.error = f"{error.code}: {error.message}"
                break
            result.throttled += 1
            if result.first_throttled is None:
                result.first_throttled = number + 1
            continue
        result.succeeded += 1
    return result
