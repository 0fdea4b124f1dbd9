"""Query and Scan for the workbench: build the request from the builder, run it, explain the bill.

The capacity receipt lists the items the request *read* (not only those it returned), with
their sizes, so the learner can check the arithmetic: sum the bytes, round up to 4 KB units,
halve for an eventually consistent read. To know those items the console re-reads the same
page read-only: the same key condition, start key and Limit (ScannedCount), without the filter
and projection that decide only what is returned.
"""

from __future__ import annotations

import math
import re
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from dynalab.console import services
from dynalab.console import values as value_text
from dynalab.sandboxes import services as sandbox_services
from dynalab.sandboxes.models import Sandbox
from engine import DynamoDBError, Engine
from engine.values import item_size

READ_UNIT_BYTES = 4096
PAGE_BYTES = 1024 * 1024
SORT_OPERATORS = ["=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"]
#: Rows of the receipt shown; the totals always cover every item read.
RECEIPT_ROWS = 100

#: Where the service's Query/Scan messages point, as (fragment, builder field).
READ_FIELDS = [
    ("KeyConditionExpression", "key_condition"),
    ("KeyConditions", "key_condition"),
    ("query key condition", "key_condition"),
    ("FilterExpression", "filter"),
    ("Filter Expression", "filter"),
    ("ProjectionExpression", "projection"),
    ("ExpressionAttributeValues", "values"),
    ("attribute value", "values"),
    ("ExpressionAttributeNames", "names"),
    ("attribute name", "names"),
    ("'limit'", "limit"),
    ("specified index", "index"),
    ("indexName", "index"),
    ("global secondary index", "index"),
    ("Consistent reads", "consistent"),
    ("starting key", "start"),
    ("Exclusive Start Key", "start"),
    ("Requested resource not found", "table"),
    ("tableName", "table"),
]


@dataclass
class ReadForm:
    """The builder's state, exactly as it appears in the URL."""

    mode: str = "query"
    table: str = ""
    index: str = ""
    pk: str = ""
    sk_op: str = ""
    sk: str = ""
    sk2: str = ""
    key_condition: str = ""
    filter: str = ""
    projection: str = ""
    names: str = ""
    values: str = ""
    limit: str = ""
    consistent: bool = False
    order: str = "asc"
    start: str = ""

    NAMES_EXAMPLE = '{"#s": "status"}'
    VALUES_EXAMPLE = '{":status": "SHIPPED"}'

    PARAMETERS = (
        "mode",
        "table",
        "index",
        "pk",
        "sk_op",
        "sk",
        "sk2",
        "key_condition",
        "filter",
        "projection",
        "names",
        "values",
        "limit",
        "order",
        "start",
    )

    @classmethod
    def from_query(cls, query: Any) -> ReadForm:
        form = cls(**{name: query.get(name, "").strip() for name in cls.PARAMETERS})
        form.pk = query.get("pk", "")
        form.sk = query.get("sk", "")
        form.sk2 = query.get("sk2", "")
        form.consistent = query.get("consistent") in ("1", "on", "true")
        form.mode_given = bool(query.get("mode"))
        if form.mode not in ("query", "scan"):
            form.mode = "query"
        if form.order not in ("asc", "desc"):
            form.order = "asc"
        if form.sk_op not in SORT_OPERATORS:
            form.sk_op = ""
        return form

    @property
    def submitted(self) -> bool:
        """A form the learner ran (a link that only names the table just opens the builder)."""
        return bool(self.table) and bool(self.mode_given)

    mode_given: bool = False

    def params(self, **changes: Any) -> dict[str, str]:
        """URL parameters for this state (empty ones left out), with ``changes`` applied."""
        state = {name: getattr(self, name) for name in self.PARAMETERS}
        state["consistent"] = "1" if self.consistent else ""
        state.update(changes)
        return {name: str(value) for name, value in state.items() if value not in ("", None)}


@dataclass
class BuiltRequest:
    operation: str
    request: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)


def build_request(form: ReadForm, table: services.TableSummary) -> BuiltRequest:
    """The Query or Scan request the builder describes, or the fields that stop it."""
    operation = "Query" if form.mode == "query" else "Scan"
    errors: dict[str, list[str]] = {}
    request: dict[str, Any] = {"TableName": table.name}
    if form.index:
        request["IndexName"] = form.index
    names: dict[str, str] = {}
    typed_values: dict[str, Any] = {}
    for parameter, target in (("names", names), ("values", typed_values)):
        text = getattr(form, parameter)
        if not text:
            continue
        try:
            parsed = value_text.parse_json_object(text, what=f"Expression attribute {parameter}")
        except value_text.ItemJSONError as error:
            errors.setdefault(parameter, []).append(str(error))
            continue
        if parameter == "names":
            target.update({str(k): str(v) for k, v in parsed.items()})
        else:
            target.update(value_text.values_to_typed(parsed))
    guided_values: dict[str, Any] = {}
    if operation == "Query":
        if form.key_condition:
            request["KeyConditionExpression"] = form.key_condition
        else:
            partition, sort = table.keys_for(form.index)
            if not form.pk:
                errors.setdefault("pk", []).append(
                    f"Enter the value of the partition key {partition.name}: a Query reads "
                    "exactly one partition."
                )
            else:
                expression = f"{services.attribute_reference(partition.name, '#pk', names)} = :pk"
                guided_values[":pk"] = services.typed_key_value(form.pk, partition.type)
                if form.sk_op and sort is not None:
                    reference = services.attribute_reference(sort.name, "#sk", names)
                    guided_values[":sk"] = services.typed_key_value(form.sk, sort.type)
                    if form.sk_op == "BETWEEN":
                        guided_values[":sk2"] = services.typed_key_value(form.sk2, sort.type)
                        expression += f" AND {reference} BETWEEN :sk AND :sk2"
                    elif form.sk_op == "begins_with":
                        expression += f" AND begins_with({reference}, :sk)"
                    else:
                        expression += f" AND {reference} {form.sk_op} :sk"
                request["KeyConditionExpression"] = expression
        if form.order == "desc":
            request["ScanIndexForward"] = False
    clash = sorted(set(guided_values) & set(typed_values))
    if clash:
        errors.setdefault("values", []).append(
            f"{', '.join(clash)} is used by the guided key condition: give your value another name."
        )
    if form.filter:
        request["FilterExpression"] = form.filter
    if form.projection:
        request["ProjectionExpression"] = form.projection
    if names:
        request["ExpressionAttributeNames"] = names
    all_values = {**guided_values, **typed_values}
    if all_values:
        request["ExpressionAttributeValues"] = all_values
    if form.limit:
        try:
            request["Limit"] = int(form.limit)
        except ValueError:
            errors.setdefault("limit", []).append("Limit is a whole number of items to read.")
    if form.consistent:
        request["ConsistentRead"] = True
    if form.start:
        start = services.parse_key(form.start)
        if start is None:
            errors.setdefault("start", []).append(
                "The start key in the URL is not a DynamoDB JSON key; start from the first page."
            )
        else:
            request["ExclusiveStartKey"] = start
    request["ReturnConsumedCapacity"] = "INDEXES"
    return BuiltRequest(operation, request, errors)


# ---------------------------------------------------------------------- the receipt
@dataclass(frozen=True)
class ReceiptLine:
    key: str
    size_bytes: int
    returned: bool | None  # None when the receipt cannot tell


@dataclass
class CapacityReceipt:
    """The bill of one Query or Scan page, itemised."""

    operation: str
    target: str
    consistent: bool
    scanned_count: int
    count: int
    lines: list[ReceiptLine]
    read_bytes: int | None
    reported_units: float | None
    limit: int | None
    filtered: bool
    projected: bool
    more_pages: bool
    #: False when the re-read could not account for the page (the table changed meanwhile).
    itemised: bool = True
    #: An index read that also fetched items from the table (local index, unprojected attrs).
    index_fetch_units: float = 0.0

    @property
    def shown_lines(self) -> list[ReceiptLine]:
        return self.lines[:RECEIPT_ROWS]

    @property
    def hidden_lines(self) -> int:
        return max(0, len(self.lines) - RECEIPT_ROWS)

    @property
    def read_kb(self) -> str:
        return f"{(self.read_bytes or 0) / 1024:,.1f}"

    @property
    def units_of_4kb(self) -> int:
        return max(1, math.ceil((self.read_bytes or 0) / READ_UNIT_BYTES))

    @property
    def computed_units(self) -> float:
        units = float(self.units_of_4kb)
        return units if self.consistent else units / 2

    @property
    def minimum_applied(self) -> bool:
        return (self.read_bytes or 0) == 0

    @property
    def units_match(self) -> bool:
        return self.reported_units is None or math.isclose(
            self.computed_units + self.index_fetch_units, self.reported_units
        )

    @property
    def filtered_out(self) -> int:
        return self.scanned_count - self.count

    @property
    def page_cut(self) -> bool:
        """The page stopped because it had read 1 MB."""
        return (
            self.more_pages
            and self.read_bytes is not None
            and self.read_bytes >= PAGE_BYTES
            and (self.limit is None or self.scanned_count < self.limit)
        )

    @property
    def stopped_at_limit(self) -> bool:
        return self.more_pages and self.limit is not None and self.scanned_count >= self.limit

    @property
    def limit_before_filter(self) -> bool:
        """The puzzling empty page: Limit items read, the filter kept none, more to come."""
        return self.more_pages and self.count == 0 and self.filtered

    @property
    def unit_word(self) -> str:
        return "units" if self.units_of_4kb != 1 else "unit"


def _engine_reader(sandbox: Sandbox) -> AbstractContextManager[Engine]:
    reading = getattr(sandbox_services, "reading_engine", None)
    if reading is not None:
        return reading(sandbox)
    return nullcontext(sandbox_services.read_engine(sandbox))


class _Uncharged:
    """The engine as a read handler sees it, minus billing: re-reading must cost nothing and
    change nothing (a provisioned table's token bucket would otherwise be drawn twice)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def charge(self, table: Any, consumption: Any) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


_PLACEHOLDER = re.compile(r"[:#][A-Za-z0-9_]+")


def _reread_request(request: dict[str, Any], scanned: int) -> dict[str, Any]:
    """The same page's read with nothing that decides only what is returned."""
    reread = {
        name: value
        for name, value in request.items()
        if name in ("TableName", "IndexName", "KeyConditionExpression", "ScanIndexForward")
        or name in ("ExclusiveStartKey", "ConsistentRead", "Segment", "TotalSegments")
    }
    used = set(_PLACEHOLDER.findall(request.get("KeyConditionExpression", "")))
    names = {k: v for k, v in (request.get("ExpressionAttributeNames") or {}).items() if k in used}
    values = {
        k: v for k, v in (request.get("ExpressionAttributeValues") or {}).items() if k in used
    }
    if names:
        reread["ExpressionAttributeNames"] = names
    if values:
        reread["ExpressionAttributeValues"] = values
    reread["Limit"] = scanned
    return reread


def capacity_receipt(
    sandbox: Sandbox,
    operation: str,
    request: dict[str, Any],
    response: dict[str, Any],
    key_names: list[str],
) -> CapacityReceipt:
    """Itemise what one Query or Scan page read and what it cost."""
    from engine.core import OPERATIONS

    scanned = int(response.get("ScannedCount", 0))
    capacity = response.get("ConsumedCapacity") or {}
    reported = capacity.get("CapacityUnits")
    index_name = request.get("IndexName")
    receipt = CapacityReceipt(
        operation=operation,
        target=f"index {index_name} of {request['TableName']}"
        if index_name
        else f"table {request['TableName']}",
        consistent=bool(request.get("ConsistentRead")),
        scanned_count=scanned,
        count=int(response.get("Count", 0)),
        lines=[],
        read_bytes=None,
        reported_units=reported,
        limit=request.get("Limit"),
        filtered=bool(request.get("FilterExpression")),
        projected=bool(request.get("ProjectionExpression")),
        more_pages="LastEvaluatedKey" in response,
    )
    if index_name:
        receipt.index_fetch_units = float((capacity.get("Table") or {}).get("CapacityUnits", 0))
    if scanned == 0:
        receipt.read_bytes = 0
        return receipt
    returned_keys = None
    if "Items" in response and not receipt.projected:
        returned_keys = {
            services.url_json({n: item[n] for n in key_names if n in item})
            for item in response["Items"]
        }
    try:
        with _engine_reader(sandbox) as engine:
            page = OPERATIONS[operation](_Uncharged(engine), _reread_request(request, scanned))
    except DynamoDBError:
        receipt.itemised = False
        return receipt
    items = page.get("Items", [])
    if len(items) != scanned:
        receipt.itemised = False
        return receipt
    total = 0
    for item in items:
        size = item_size(item)
        total += size
        key = {n: item[n] for n in key_names if n in item}
        returned = None
        if returned_keys is not None:
            returned = services.url_json(key) in returned_keys
        receipt.lines.append(ReceiptLine(value_text.key_text(key), size, returned))
    receipt.read_bytes = total
    if not receipt.units_match:
        receipt.itemised = False
    return receipt


# ---------------------------------------------------------------------- running a read
_GUIDED_VALUE = re.compile(r"(?<![\w:]):(pk|sk2|sk)\b")


def _route_guided(by_field: dict[str, list[str]], *, guided: bool) -> dict[str, list[str]]:
    """The guided fields write the key condition and its :pk/:sk/:sk2 values, so the
    service's complaints about those belong next to the fields the learner filled in."""
    if not guided:
        return by_field
    routed: dict[str, list[str]] = {}
    for name, messages in by_field.items():
        for message in messages:
            target = name
            if name in ("key_condition", "values", ""):
                placeholder = _GUIDED_VALUE.search(message)
                if placeholder:
                    target = placeholder.group(1)
                elif name == "key_condition":
                    target = "pk"
            routed.setdefault(target, []).append(message)
    return routed


@dataclass
class ReadOutcome:
    form: ReadForm
    table: services.TableSummary | None
    built: BuiltRequest | None = None
    result: services.CallResult | None = None
    receipt: CapacityReceipt | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    key_names: list[str] = field(default_factory=list)

    @property
    def general_errors(self) -> list[str]:
        return self.errors.get("", [])

    @property
    def next_start(self) -> str | None:
        if self.result is None or not self.result.ok:
            return None
        last = self.result.response.get("LastEvaluatedKey")
        return services.url_json(last) if last else None


def run_read(sandbox: Sandbox, form: ReadForm, *, endpoint: str) -> ReadOutcome:
    """Describe the table, build the request, run it, and itemise its bill."""
    table = services.table_summary(sandbox, form.table) if form.table else None
    outcome = ReadOutcome(form=form, table=table)
    if table is None:
        if form.table:
            outcome.errors["table"] = [
                f"There is no table named {form.table} in your sandbox; pick one from the list."
            ]
        return outcome
    outcome.key_names = list(table.key_names)
    if form.index:
        partition, sort = table.keys_for(form.index)
        for key in (partition, sort):
            if key is not None and key.name not in outcome.key_names:
                outcome.key_names.append(key.name)
    if not form.submitted:
        return outcome
    built = build_request(form, table)
    outcome.built = built
    if built.errors:
        outcome.errors = built.errors
        return outcome
    result = services.call(
        sandbox, built.operation, built.request, endpoint=endpoint, fields=READ_FIELDS
    )
    outcome.result = result
    if not result.ok:
        by_field = _route_guided(dict(result.error.by_field), guided=not form.key_condition)
        outcome.errors = {
            name: [f"{result.error.code}: {message}" for message in messages]
            for name, messages in by_field.items()
        }
        return outcome
    outcome.receipt = capacity_receipt(
        sandbox, built.operation, built.request, result.response, outcome.key_names
    )
    return outcome
