"""The items explorer and the item editor."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from dynalab.console import items as item_service
from dynalab.console import values as value_text
from dynalab.console.calls import endpoint_url, pop_last_call, remember_call, url_json
from dynalab.console.tables import TableSummary
from dynalab.console.views.base import answers_missing_tables, region, table_or_404, workbench


@require_GET
@answers_missing_tables
def items(request: HttpRequest, table: str) -> HttpResponse:
    summary = table_or_404(request, table)
    start = item_service.parse_key(request.GET.get("start"))
    result = item_service.scan_items_page(
        request.sandbox,  # type: ignore[attr-defined]
        table,
        start=start,
        endpoint=endpoint_url(request),
        region=region(request),
    )
    typed = request.GET.get("view") == "dynamodb"
    grid = None
    next_start = None
    if result.ok:
        grid = item_service.item_grid(
            result.response.get("Items", []), summary.key_names, typed=typed
        )
        last = result.response.get("LastEvaluatedKey")
        next_start = url_json(last) if last else None
    context = {
        "table": summary,
        "result": result,
        "grid": grid,
        "typed": typed,
        "view": "dynamodb" if typed else "plain",
        "start": request.GET.get("start", "") if start else "",
        "next_start": next_start,
        "last_call": pop_last_call(request),
    }
    return workbench(
        request,
        "console/items.html",
        context,
        partial="console/_items_panel.html",
        json=result.as_json,
        json_status=200 if result.ok else 400,
    )


def _editor_format(request: HttpRequest, item: dict[str, Any] | None) -> bool:
    """True for DynamoDB JSON. Plain JSON by default, unless it would lose a type."""
    chosen = request.POST.get("format") or request.GET.get("format")
    if chosen in ("dynamodb", "plain"):
        return chosen == "dynamodb"
    return item is not None and not value_text.plain_is_lossless(item)


def _item_editor(
    request: HttpRequest,
    summary: TableSummary,
    *,
    key: dict[str, Any] | None,
    item: dict[str, Any] | None,
) -> HttpResponse:
    typed = _editor_format(request, item)
    edit = None
    if request.method == "POST":
        text = request.POST.get("item", "")
        edit = item_service.save_item(
            request.sandbox,  # type: ignore[attr-defined]
            summary,
            text=text,
            typed=typed,
            original_key=key,
            endpoint=endpoint_url(request),
            region=region(request),
        )
        if edit.ok:
            remember_call(request, edit.result)
            messages.success(request, "Item saved.")
            return redirect("console:items", table=summary.name)
    elif item is not None:
        text = item_service.item_editor_text(item, typed=typed)
    else:
        text = item_service.new_item_template(summary, typed=typed)
    context = {
        "table": summary,
        "key": key,
        "key_json": url_json(key) if key else "",
        "key_text": value_text.key_text(key) if key else "",
        "text": text,
        "typed": typed,
        "lossless": item is None or value_text.plain_is_lossless(item),
        "edit": edit,
    }
    return workbench(
        request,
        "console/item_edit.html",
        context,
        status=400 if edit is not None else 200,
        json=lambda: {
            "TableName": summary.name,
            "Key": key,
            "Item": item,
            "Text": text,
            "Errors": edit.errors if edit is not None else [],
        },
    )


@require_http_methods(["GET", "POST"])
@answers_missing_tables
def item_new(request: HttpRequest, table: str) -> HttpResponse:
    return _item_editor(request, table_or_404(request, table), key=None, item=None)


@require_http_methods(["GET", "POST"])
@answers_missing_tables
def item_edit(request: HttpRequest, table: str) -> HttpResponse:
    summary = table_or_404(request, table)
    key = item_service.parse_key(request.POST.get("key") or request.GET.get("key"))
    item = (
        item_service.get_item(request.sandbox, table, key, region=region(request))  # type: ignore[attr-defined]
        if key
        else None
    )
    if item is None:
        messages.error(request, "That item is not in the table any more.")
        return redirect("console:items", table=table)
    return _item_editor(request, summary, key=key, item=item)


@require_http_methods(["GET", "POST"])
@answers_missing_tables
def item_delete(request: HttpRequest, table: str) -> HttpResponse:
    summary = table_or_404(request, table)
    key = item_service.parse_key(request.POST.get("key") or request.GET.get("key"))
    if key is None:
        messages.error(request, "No item key was given.")
        return redirect("console:items", table=table)
    if request.method == "POST":
        result = item_service.delete_item(
            request.sandbox,  # type: ignore[attr-defined]
            table,
            key,
            endpoint=endpoint_url(request),
            region=region(request),
        )
        if result.ok:
            remember_call(request, result)
            messages.success(request, f"Item {value_text.key_text(key)} deleted.")
        else:
            messages.error(request, f"{result.error.code}: {result.error.message}")
        return redirect("console:items", table=table)
    context = {
        "table": summary,
        "key_json": url_json(key),
        "key_text": value_text.key_text(key),
    }
    return workbench(
        request, "console/item_delete.html", context, json={"TableName": table, "Key": key}
    )
