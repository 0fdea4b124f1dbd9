"""Reading a table: the Query and Scan builder, Query against Scan, and the bookshelf."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from dynalab.console import bookshelf as bookshelf_service
from dynalab.console import compare as compare_service
from dynalab.console import items as item_service
from dynalab.console import reads
from dynalab.console.calls import endpoint_url
from dynalab.console.tables import table_names
from dynalab.console.views.base import answers_missing_tables, region, table_or_404, workbench


@require_GET
def query(request: HttpRequest) -> HttpResponse:
    sandbox = request.sandbox  # type: ignore[attr-defined]
    where = region(request)
    form = reads.ReadForm.from_query(request.GET)
    outcome = reads.run_read(sandbox, form, endpoint=endpoint_url(request), region=where)
    typed = request.GET.get("view") == "dynamodb"
    grid = None
    if outcome.result is not None and outcome.result.ok and "Items" in outcome.result.response:
        grid = item_service.item_grid(
            outcome.result.response["Items"], outcome.key_names, typed=typed
        )
    partition_key, sort_key = (
        outcome.table.keys_for(form.index) if outcome.table is not None else (None, None)
    )
    context = {
        "form": form,
        "outcome": outcome,
        "partition_key": partition_key,
        "sort_key": sort_key,
        "table_names": table_names(sandbox, region=where),
        "operators": reads.SORT_OPERATORS,
        "grid": grid,
        "typed": typed,
        "first_page_params": form.params(start=""),
        "next_page_params": form.params(start=outcome.next_start) if outcome.next_start else None,
        "toggle_params": form.params(view="plain" if typed else "dynamodb"),
        "bookshelf_params": form.params(start=""),
        "errors": outcome.errors,
    }

    def twin() -> Any:
        if outcome.result is None:
            return {"errors": outcome.errors}
        return outcome.result.as_json()

    failed = outcome.result is not None and not outcome.result.ok
    return workbench(
        request,
        "console/query.html",
        context,
        partial="console/_query_workspace.html",
        json=twin,
        status=400 if outcome.errors else 200,
        json_status=400 if outcome.errors or failed else 200,
    )


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    sandbox = request.sandbox  # type: ignore[attr-defined]
    where = region(request)
    names = table_names(sandbox, region=where)
    params = request.GET.copy()
    if not params.get("table") and "CustomerOrders" in names:
        # The page's example question: all of ann's orders placed in 2024 or later.
        params.update(
            {"table": "CustomerOrders", "mode": "query", "pk": "ann", "sk_op": ">=", "sk": "2024"}
        )
    form = reads.ReadForm.from_query(params)
    comparison = compare_service.compare(
        sandbox, form, endpoint=endpoint_url(request), region=where
    )
    partition_key, sort_key = (
        comparison.table.keys_for(form.index) if comparison.table is not None else (None, None)
    )
    context = {
        "form": form,
        "comparison": comparison,
        "partition_key": partition_key,
        "sort_key": sort_key,
        "table_names": names,
        "operators": reads.SORT_OPERATORS,
        "errors": comparison.errors,
    }
    return workbench(
        request,
        "console/compare.html",
        context,
        json=lambda: {
            side.operation: {
                "Request": side.first.request if side.first else None,
                "Pages": side.pages,
                "ScannedCount": side.scanned,
                "Count": side.returned,
                "CapacityUnits": side.units,
                "Error": side.error.message if side.error else None,
            }
            for side in (comparison.query, comparison.scan)
        },
    )


@require_GET
@answers_missing_tables
def bookshelf(request: HttpRequest, table: str) -> HttpResponse:
    summary = table_or_404(request, table)
    form = reads.ReadForm.from_query(request.GET)
    form.table = table
    read = None
    if form.mode_given:
        form.start = ""
        built = reads.build_request(form, summary)
        if not built.errors:
            read = (built.operation, built.request)
    picture = bookshelf_service.draw(
        request.sandbox,  # type: ignore[attr-defined]
        summary,
        region=region(request),
        index=form.index or None,
        read=read,
    )
    context = {
        "table": summary,
        "picture": picture,
        "form": form,
        "query_params": form.params(start="") if read else None,
        "read_request": read[1] if read else None,
    }
    return workbench(
        request,
        "console/bookshelf.html",
        context,
        json=lambda: {
            "TableName": picture.table,
            "IndexName": picture.index,
            "ShelfCount": picture.shelf_count,
            "ItemCount": picture.item_count,
            "Read": read[1] if read else None,
            "Shelves": [
                {
                    "Position": shelf.position,
                    "PartitionKey": shelf.label,
                    "ItemCount": shelf.item_count,
                    "SizeBytes": shelf.size_bytes,
                    "Visited": shelf.visited,
                    "Books": [
                        {"Key": book.key, "SizeBytes": book.size_bytes, "Read": book.read}
                        for book in shelf.books
                    ],
                }
                for shelf in picture.shelves
            ],
        },
    )
