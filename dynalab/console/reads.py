"""Query and Scan for the workbench: build the request from the builder, run it, explain the bill.

The capacity receipt lists the items the request *read* (not only those it returned), with
their sizes, so the learner can check the arithmetic: sum the bytes, round up to 4 KB units,
halve for an eventually consistent read. The items and the arithmetic are the engine's own:
the sandbox's inspection view itemises the same page, uncharged (``selectors.itemised_read``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dynalab.console import values as value_text
from dynalab.console.calls import CallResult, call, url_json
from dynalab.console.items import parse_key
from dynalab.console.tables import TableSummary, table_summary
from dynalab.sandboxes import selectors
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.models import Sandbox

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


def build_request(form: ReadForm, table: TableSummary) -> BuiltRequest:
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
                expression = f"{attribute_reference(partition.name, '#pk', names)} = :pk"
                guided_values[":pk"] = typed_key_value(form.pk, partition.type)
                if form.sk_op and sort is not None:
                    reference = attribute_reference(sort.name, "#sk", names)
                    guided_values[":sk"] = typed_key_value(form.sk, sort.type)
                    if form.sk_op == "BETWEEN":
                        guided_values[":sk2"] = typed_key_value(form.sk2, sort.type)
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
        start = parse_key(form.start)
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
    """The bill of one Query or Scan page, itemised: the learner-facing side of the engine's
    ``ItemisedRead``."""

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
    #: The 4 KB units the bytes read round up to, and the units that makes (the engine's).
    units_of_4kb: int = 1
    computed_units: float = 0.0
    #: An index read that also fetched items from the table (local index, unprojected attrs).
    index_fetch_units: float = 0.0
    page_cut: bool = False
    stopped_at_limit: bool = False
    #: False when the items could not be listed (the table changed between the read and the
    #: receipt): only the reported total is shown.
    itemised: bool = True

    @property
    def shown_lines(self) -> list[ReceiptLine]:
        return self.lines[:RECEIPT_ROWS]

    @property
    def hidden_lines(self) -> int:
        return max(0, len(self.lines) - RECEIPT_ROWS)

    @property
    def minimum_applied(self) -> bool:
        return (self.read_bytes or 0) == 0

    @property
    def filtered_out(self) -> int:
        return self.scanned_count - self.count

    @property
    def limit_before_filter(self) -> bool:
        """The puzzling empty page: Limit items read, the filter kept none, more to come."""
        return self.more_pages and self.count == 0 and self.filtered

    @property
    def unit_word(self) -> str:
        return "units" if self.units_of_4kb != 1 else "unit"


def capacity_receipt(
    sandbox: Sandbox,
    operation: str,
    request: dict[str, Any],
    response: dict[str, Any],
    *,
    region: str,
) -> CapacityReceipt:
    """Itemise what one Query or Scan page read and what it cost."""
    capacity = response.get("ConsumedCapacity") or {}
    index_name = request.get("IndexName")
    more_pages = "LastEvaluatedKey" in response
    receipt = CapacityReceipt(
        operation=operation,
        target=f"index {index_name} of {request['TableName']}"
        if index_name
        else f"table {request['TableName']}",
        consistent=bool(request.get("ConsistentRead")),
        scanned_count=int(response.get("ScannedCount", 0)),
        count=int(response.get("Count", 0)),
        lines=[],
        read_bytes=None,
        reported_units=capacity.get("CapacityUnits"),
        limit=request.get("Limit"),
        filtered=bool(request.get("FilterExpression")),
        projected=bool(request.get("ProjectionExpression")),
        more_pages=more_pages,
    )
    try:
        read = selectors.itemised_read(sandbox, operation, request, region=region)
    except ServiceError:
        receipt.itemised = False
        return receipt
    if read.scanned_count != receipt.scanned_count or (
        receipt.reported_units is not None and read.total_units != receipt.reported_units
    ):
        receipt.itemised = False  # someone wrote between the call and this receipt
        return receipt
    receipt.read_bytes = read.read_bytes
    receipt.units_of_4kb = read.rounded_units
    receipt.computed_units = read.read_units
    receipt.index_fetch_units = read.fetched_units
    receipt.page_cut = read.stopped_at_page_size
    receipt.stopped_at_limit = read.stopped_at_limit
    receipt.lines = [
        ReceiptLine(value_text.key_text(entry.key), entry.size_bytes, entry.kept)
        for entry in read.entries
    ]
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
    table: TableSummary | None
    built: BuiltRequest | None = None
    result: CallResult | None = None
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
        return url_json(last) if last else None


def run_read(sandbox: Sandbox, form: ReadForm, *, endpoint: str, region: str) -> ReadOutcome:
    """Describe the table, build the request, run it, and itemise its bill."""
    table = table_summary(sandbox, form.table, region=region) if form.table else None
    outcome = ReadOutcome(form=form, table=table)
    if table is None:
        if form.table:
            outcome.errors["table"] = [
                f"There is no table named {form.table} in {region}; pick one from the list."
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
    result = call(
        sandbox,
        built.operation,
        built.request,
        endpoint=endpoint,
        region=region,
        fields=READ_FIELDS,
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
        sandbox, built.operation, built.request, result.response, region=region
    )
    return outcome


# ---------------------------------------------------------------------- expressions
def attribute_reference(name: str, placeholder: str, names: dict[str, str]) -> str:
    """The attribute as written in an expression: itself, or a #placeholder when it must be."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) and not selectors.is_reserved_word(name):
        return name
    names[placeholder] = name
    return placeholder


def typed_key_value(text: str, kind: str) -> dict[str, str]:
    """A key value the learner typed, typed as the key attribute is (S, N or B)."""
    return {kind: text.strip() if kind == "N" else text}
