"""The Indexes tab: a table's indexes, adding and deleting a global one, and one index seen
against its table."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from dynalab.console import indexes as index_service
from dynalab.console.calls import endpoint_url, remember_call
from dynalab.console.forms import AddIndexForm
from dynalab.console.views.base import (
    answers_missing_tables,
    bounded_int,
    region,
    table_or_404,
    workbench,
)


def _index_json(status: Any, now: float) -> dict[str, Any]:
    progress = status.backfill_progress(now)
    return {
        "IndexName": status.name,
        "Kind": "LSI" if status.local else "GSI",
        "Status": status.status,
        "BackfillProgress": progress,
        "BackfillStarted": status.backfill_started,
        "ReadyAt": status.ready_at,
        "ItemCount": status.item_count,
        "SizeBytes": status.size_bytes,
        "PartitionKey": [{"Name": k.name, "Type": k.type} for k in status.partition_key],
        "SortKey": [{"Name": k.name, "Type": k.type} for k in status.sort_key],
        "ProjectionType": status.projection_type,
        "NonKeyAttributes": list(status.non_key_attributes),
        "PendingWrites": status.pending_writes,
    }


@require_http_methods(["GET", "POST"])
@answers_missing_tables
def indexes(request: HttpRequest, table: str) -> HttpResponse:
    """Every index of the table with its status and backfill progress; POST adds a GSI."""
    sandbox = request.sandbox  # type: ignore[attr-defined]
    summary = table_or_404(request, table)
    result = None
    status = 200
    if request.method == "POST":
        form = AddIndexForm(request.POST)
        if form.is_valid():
            result = index_service.add_index(
                sandbox,
                summary,
                form.cleaned_data,
                endpoint=endpoint_url(request),
                region=region(request),
            )
            if result.ok:
                remember_call(request, result)
                messages.success(
                    request,
                    f"Index {form.cleaned_data['index_name']} is being created: it backfills "
                    "from the table's items as the simulated clock moves.",
                )
                return redirect("console:indexes", table=table)
            for field_name, problems in result.error.by_field.items():
                for problem in problems:
                    target = field_name if field_name in form.fields else None
                    form.add_error(target, f"{result.error.code}: {problem}")
        status = 400
    else:
        form = AddIndexForm()
    context = {
        "table": summary,
        "form": form,
        "result": result,
        "rows": [
            {"status": found, "percent": glance["percent"]}
            for found, glance in zip(
                summary.glance.indexes if summary.glance else (),
                summary.index_glances,
                strict=True,
            )
        ],
        "clock_reloads": True,
    }
    return workbench(
        request,
        "console/indexes.html",
        context,
        status=status,
        json=lambda: (
            result.as_json()
            if result is not None
            else {
                "TableName": summary.name,
                "Indexes": [
                    _index_json(found, summary.now)
                    for found in (summary.glance.indexes if summary.glance else ())
                ],
            }
        ),
        json_status=400 if status == 400 else None,
    )


@require_http_methods(["GET", "POST"])
@answers_missing_tables
def index_detail(request: HttpRequest, table: str, index: str) -> HttpResponse:
    """One index against its table: which items it holds and why, Scan against Query, and
    propagation lag (POST writes an item and queries the index at once)."""
    sandbox = request.sandbox  # type: ignore[attr-defined]
    summary = table_or_404(request, table)
    status = index_service.index_status(summary, index)
    if status is None:
        messages.error(request, f"{table} has no index named {index}.")
        return redirect("console:indexes", table=table)
    offset = bounded_int(request.GET.get("offset", "0"), 0, 10**9) or 0
    value = request.GET.get("value", "")
    comparison = None
    errors: dict[str, list[str]] = {}
    if "value" in request.GET:
        if value == "":
            errors["value"] = [f"Enter a value of {status.partition_key[0].name} to ask about."]
        elif not status.local:
            comparison = index_service.compare_sparse(
                sandbox,
                summary,
                status,
                value,
                endpoint=endpoint_url(request),
                region=region(request),
            )
    probe = None
    probe_text = request.POST.get("item", "")
    if request.method == "POST":
        probe = index_service.probe_lag(
            sandbox,
            summary,
            status,
            probe_text,
            endpoint=endpoint_url(request),
            region=region(request),
        )
        summary = table_or_404(request, table)  # the write changed the counts
        status = index_service.index_status(summary, index) or status
    page = index_service.index_page(sandbox, summary, index, offset=offset, region=region(request))
    if not probe_text:
        probe_text = index_service.probe_example(summary, status)
    context = {
        "table": summary,
        "index": status,
        "page": page,
        "comparison": comparison,
        "value": value or (page.sample_values[0] if page.sample_values else ""),
        "errors": errors,
        "probe": probe,
        "probe_text": probe_text,
        "lag_choices": index_service.LAG_CHOICES,
        "lag_now": f"{page.lag_seconds:g}",
        "clock_reloads": True,
    }
    failed = bool(errors) or (probe is not None and bool(probe.errors))
    return workbench(
        request,
        "console/index.html",
        context,
        status=400 if failed else 200,
        json=lambda: {
            "TableName": summary.name,
            "Index": _index_json(status, summary.now),
            "TableItemCount": page.membership.table_item_count,
            "IndexItemCount": page.membership.index_item_count,
            "Offset": page.membership.offset,
            "Members": [
                {"Key": member.key_text, "Status": member.status, "Why": member.reason}
                for member in page.members
            ],
            "PendingWrites": [
                {"Key": write.key, "Effect": write.effect, "VisibleAt": write.visible_at}
                for write in page.pending
            ],
            "PropagationDelaySeconds": page.lag_seconds,
            "Comparison": (
                {
                    side.operation: {
                        "ScannedCount": side.scanned,
                        "Count": side.returned,
                        "CapacityUnits": side.units,
                        "Pages": side.pages,
                    }
                    for side in (comparison.query, comparison.scan)
                }
                if comparison is not None
                else None
            ),
            "Errors": errors,
        },
    )


@require_http_methods(["GET", "POST"])
@answers_missing_tables
def delete_index(request: HttpRequest, table: str, index: str) -> HttpResponse:
    summary = table_or_404(request, table)
    status = index_service.index_status(summary, index)
    if status is None or status.local:
        messages.error(
            request,
            f"{table} has no global secondary index named {index}: only a global index can "
            "be deleted (a local one lives as long as its table).",
        )
        return redirect("console:indexes", table=table)
    if request.method == "POST":
        result = index_service.delete_index(
            request.sandbox,  # type: ignore[attr-defined]
            table,
            index,
            endpoint=endpoint_url(request),
            region=region(request),
        )
        if result.ok:
            remember_call(request, result)
            messages.success(request, f"Index {index} deleted; the table's items are untouched.")
        else:
            messages.error(request, f"{result.error.code}: {result.error.message}")
        return redirect("console:indexes", table=table)
    return workbench(
        request,
        "console/confirm.html",
        {
            "table": summary,
            "title": f"Delete index {index}?",
            "text": (
                f"UpdateTable deletes the global secondary index {index} and its "
                f"{status.item_count:,} entries. The table's items stay as they are; queries "
                "that named the index fail from now on."
            ),
            "button": "Yes, delete the index",
            "cancel_url_name": "console:indexes",
        },
        json={"TableName": table, "IndexName": index, "ItemCount": status.item_count},
    )
