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
    elsewhere = tables.other_regions(sandbox, where)
    existing = {summary.name: summary for summary in summaries}
    sample_rows = []
    for sample in samples.SAMPLE_SETS.values():
        found = existing.get(sample.table_name)
        sample_rows.append(
            {
                "set": sample,
                "loaded": found is not None and sample.matches(found.description),
                "clash": found is not None and not sample.matches(found.description),
            }
        )
    context = {
        "tables": summaries,
        "other_regions": elsewhere,
        "samples": sample_rows,
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
            outcome = tables.create_table(
                request.sandbox,  # type: ignore[attr-defined]
                form.cleaned_data,
                endpoint=endpoint_url(request),
                region=region(request),
            )
            result = outcome.result
            if outcome.ok:
                name = result.request["TableName"]
                remember_call(request, result)
                messages.success(request, f"Table {name} created.")
                for follow_up in outcome.follow_ups:
                    if follow_up.ok:
                        messages.success(request, f"{follow_up.operation}: done.")
                    else:
                        messages.error(
                            request,
                            f"{follow_up.operation} failed, {follow_up.error.code}: "
                            f"{follow_up.error.message}",
                        )
                return redirect("console:items", table=name)
            for field_name, problems in result.error.by_field.items():
                for problem in problems:
                    target = field_name if field_name in form.fields else None
                    form.add_error(target, f"{result.error.code}: {problem}")
        status = 400
    else:
        form = CreateTableForm()
    return workbench(
        request,
        "console/create_table.html",
        {"form": form, "result": result},
        status=status,
        json=lambda: (
            result.as_json()
            if result is not None
            else {
                "Fields": list(form.fields),
                "Errors": form.errors.get_json_data() if form.is_bound else {},
            }
        ),
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
    return workbench(
        request,
        "console/delete_table.html",
        {"table": summary},
        json={"TableName": summary.name, "ItemCount": summary.item_count},
    )
