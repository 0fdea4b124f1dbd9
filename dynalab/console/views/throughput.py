"""The Throughput tab: buckets, burst pool, partitions, decisions, and a burst of writes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from dynalab.console import throughput as throughput_service
from dynalab.console.calls import endpoint_url
from dynalab.console.views.base import (
    NoSuchTable,
    answers_missing_tables,
    bounded_int,
    region,
    table_or_404,
    workbench,
)


@require_http_methods(["GET", "POST"])
@answers_missing_tables
def throughput(request: HttpRequest, table: str) -> HttpResponse:
    """A table's token buckets, burst pool, partitions and recent throttling decisions; POST
    sends a burst of writes, back to back, to watch the table throttle."""
    sandbox = request.sandbox  # type: ignore[attr-defined]
    summary = table_or_404(request, table)
    burst = None
    errors: dict[str, list[str]] = {}
    count_text = request.POST.get("count", "100")
    size_text = request.POST.get("size_kb", "1")
    if request.method == "POST":
        count = bounded_int(count_text, 1, throughput_service.MAX_BURST_WRITES)
        size_kb = bounded_int(size_text, 1, throughput_service.MAX_BURST_ITEM_KB)
        if count is None:
            errors["count"] = [
                f"Enter a whole number from 1 to {throughput_service.MAX_BURST_WRITES}."
            ]
        if size_kb is None:
            errors["size_kb"] = [
                f"Enter a whole number from 1 to {throughput_service.MAX_BURST_ITEM_KB}."
            ]
        if not errors:
            burst = throughput_service.send_burst(
                sandbox,
                summary,
                count,
                size_kb,
                endpoint=endpoint_url(request),
                region=region(request),
            )
            summary = table_or_404(request, table)  # the header shows the table after it
    result = throughput_service.describe_throughput(
        sandbox, table, endpoint=endpoint_url(request), region=region(request)
    )
    if not result.ok:
        raise NoSuchTable(table)  # deleted meanwhile: nothing else makes it fail
    state = result.response["Throughput"]
    context = {
        "table": summary,
        "state": state,
        "bars": throughput_service.bucket_bars(state),
        "decisions": throughput_service.decision_lines(
            list(reversed(state["RecentDecisions"][-10:]))
        ),
        "burst": burst,
        "errors": errors,
        "count_text": count_text,
        "size_text": size_text,
    }
    return workbench(
        request,
        "console/throughput.html",
        context,
        json=state,
        status=400 if errors else 200,
    )
