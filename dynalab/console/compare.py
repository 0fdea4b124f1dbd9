"""Query against Scan: one question answered both ways, every page read, the costs side by side."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dynalab.console.calls import CallResult, FieldErrors, call
from dynalab.console.reads import READ_FIELDS, ReadForm, build_request
from dynalab.console.tables import TableSummary, table_summary
from dynalab.sandboxes.models import Sandbox

#: Pages each side may read before the comparison stops (and says so).
MAX_PAGES = 50


@dataclass
class Side:
    """One way of answering: its first request, and the totals over all its pages."""

    operation: str
    first: CallResult | None = None
    pages: int = 0
    scanned: int = 0
    returned: int = 0
    units: float = 0.0
    stopped_early: bool = False
    error: FieldErrors | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.first is not None


@dataclass
class Comparison:
    form: ReadForm
    table: TableSummary | None
    query: Side = field(default_factory=lambda: Side("Query"))
    scan: Side = field(default_factory=lambda: Side("Scan"))
    errors: dict[str, list[str]] = field(default_factory=dict)
    ran: bool = False

    @property
    def same_answer(self) -> bool:
        return self.query.returned == self.scan.returned

    def bar_percent(self, side: Side) -> int:
        """The side's items examined as a share of the larger side's, for the bar chart."""
        most = max(self.query.scanned, self.scan.scanned, 1)
        return max(1, round(100 * side.scanned / most))

    @property
    def query_bar(self) -> int:
        return self.bar_percent(self.query)

    @property
    def scan_bar(self) -> int:
        return self.bar_percent(self.scan)

    @property
    def scan_to_query_units(self) -> float | None:
        if not self.query.units:
            return None
        return self.scan.units / self.query.units


def scan_equivalent(query_request: dict[str, Any]) -> dict[str, Any]:
    """The Scan that returns what a Query returns: its key condition becomes the filter."""
    scan = {
        name: value
        for name, value in query_request.items()
        if name not in ("KeyConditionExpression", "ScanIndexForward", "FilterExpression")
    }
    condition = query_request["KeyConditionExpression"]
    if query_request.get("FilterExpression"):
        condition = f"({condition}) AND ({query_request['FilterExpression']})"
    scan["FilterExpression"] = condition
    return scan


def run_all_pages(
    sandbox: Sandbox, side: Side, request: dict[str, Any], *, endpoint: str, region: str
) -> None:
    """Run ``request`` in ``region`` and every page after it (at most ``MAX_PAGES``), adding
    up ``side``."""
    page_request = dict(request)
    while side.pages < MAX_PAGES:
        result = call(
            sandbox,
            side.operation,
            page_request,
            endpoint=endpoint,
            region=region,
            fields=READ_FIELDS,
        )
        if side.first is None:
            side.first = result
        if not result.ok:
            side.error = result.error
            return
        response = result.response
        side.pages += 1
        side.scanned += response.get("ScannedCount", 0)
        side.returned += response.get("Count", 0)
        side.units += (response.get("ConsumedCapacity") or {}).get("CapacityUnits", 0.0)
        last = response.get("LastEvaluatedKey")
        if not last:
            return
        page_request = {**request, "ExclusiveStartKey": last}
    side.stopped_early = True


def compare(sandbox: Sandbox, form: ReadForm, *, endpoint: str, region: str) -> Comparison:
    table = table_summary(sandbox, form.table, region=region) if form.table else None
    comparison = Comparison(form=form, table=table)
    if table is None:
        if form.table:
            comparison.errors["table"] = [f"There is no table named {form.table} in {region}."]
        return comparison
    if not form.submitted:
        return comparison
    form.mode = "query"
    form.start = ""
    built = build_request(form, table)
    if built.errors:
        comparison.errors = built.errors
        return comparison
    comparison.ran = True
    run_all_pages(sandbox, comparison.query, built.request, endpoint=endpoint, region=region)
    if comparison.query.ok:
        run_all_pages(
            sandbox,
            comparison.scan,
            scan_equivalent(built.request),
            endpoint=endpoint,
            region=region,
        )
    return comparison
