"""The tables overview, the create-table form and deleting a table."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from dynalab.console import samples, tables
from dynalab.console.calls import endpoint_url, pop_last_call, remember_call
from dynalab.console.forms import CreateTableForm
from dynalab.console.views.base import answers_missing_tables, region, table_or_404, workbench
from dynalab.console.views.sandbox import activity_rows


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    sandbox = request.sandbox  # type: ignore[attr-defined]
    where = region(request)
    summaries = tables.list_tables(sandbox, region=where)
    existing = {summary.name for summary in summaries}
    elsewhere = tables.other_regions(sandbox, where)
    context = {
        "tables": summaries,
        "other_regions": elsewhere,
        "samples": [
            {"set": sample, "loaded": sample.table_name in existing}
            for sample in samples.SAMPLE_SETS.values()
        ],
        "activity": activity_rows(sandbox, include_housekeeping=False, limit=12),
        "last_call": pop_last_call(request),
        "endpoint_url": endpoint_url(request),
    }
    return workbench(
        request,
        "console/tables.html",
        context,
        json=lambda: {
            "Region": where,
            "Tables": [summary.description for summary in summaries],
            "TablesInOtherRegions": {entry.region: list(entry.tables) for entry in elsewhere},
        },
    )


@require_http_methods(["GET", "POST"])
def create_table(request: HttpRequest) -> HttpResponse:
    result = None
    status = 200
    if request.method == "POST":
        form = CreateTableForm(request.POST)
        if form.is_valid():
            result = tables.create_table(
                request.sandbox,  # type: ignore[attr-defined]
                form.cleaned_data,
                endpoint=endpoint_url(request),
                region=region(request),
            )
            if result.ok:
                remember_call(request, result)
                messages.success(request, f"Table {result.request['TableName']} created.")
                return redirect("console:items", table=result.request["TableName"])
            for field_name, problems in result.error.by_field.items():
                for problem in problems:
                    form.add_error(field_name or None, f"{result.error.code}: {problem}")
        status = 400
    else:
        form = CreateTableForm()
    return workbench(
        request, "console/create_table.html", {"form": form, "result": result}, status=status
    )


@require_http_methods(["GET", "POST"])
@answers_missing_tables
def delete_table(request: HttpRequest, table: str) -> HttpResponse:
    summary = table_or_404(request, table)
    if request.method == "POST":
        result = tables.delete_table(
            request.sandbox,  # type: ignore[attr-defined]
            table,
            endpoint=endpoint_url(request),
            region=region(request),
        )
        if result.ok:
            remember_call(request, result)
            messages.success(request, f"Table {table} deleted.")
        else:
            messages.error(request, f"{result.error.code}: {result.error.message}")
        return redirect("console:tables")
    return workbench(request, "console/delete_table.html", {"table": summary})
