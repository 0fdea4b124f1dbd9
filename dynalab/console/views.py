"""Console views: parse the request, call the console's services, render.

Each page renders fully without JavaScript; htmx requests get the partial that changes (the
choice is made in dynalab.rendering). Every GET page answers ``?format=json`` with the data it
shows, so anything a learner sees can also be read by a script.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dynalab.console import bookshelf as bookshelf_service
from dynalab.console import compare as compare_service
from dynalab.console import reads, samples, services
from dynalab.console.forms import CreateTableForm
from dynalab.rendering import render_page_or_partial, wants_partial
from dynalab.sandboxes import selectors
from dynalab.sandboxes import services as sandbox_services
from dynalab.sandboxes.models import Sandbox

CLOCK_STEPS = {"60": "1 minute", "3600": "1 hour", "86400": "1 day"}
#: Console-internal reads hidden from the activity list unless asked for.
HOUSEKEEPING = {"ListTables", "DescribeTable"}


# ---------------------------------------------------------------------- helpers
def _workbench(request: HttpRequest, sandbox: Sandbox, context: dict[str, Any]) -> dict:
    """What every workbench page shows: the simulated clock in the header."""
    now = sandbox_services.simulated_now(sandbox)
    return {
        "clock": _clock(now, sandbox.clock_offset),
        "sandbox": sandbox,
        **context,
    }


def _clock(now: float, offset: float) -> dict[str, Any]:
    moment = datetime.datetime.fromtimestamp(now, tz=datetime.UTC)
    return {
        "now": moment,
        "iso": moment.isoformat(timespec="seconds"),
        "epoch": int(now),
        "ahead": _duration_text(offset) if offset >= 1 else None,
        "steps": CLOCK_STEPS,
    }


def _duration_text(seconds: float) -> str:
    """``1d 3h 5m``: how far the simulated clock runs ahead of real time."""
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return " ".join(part for part in parts if part) or f"{int(seconds)}s"


def _wants_json(request: HttpRequest) -> bool:
    return request.GET.get("format") == "json"


def _json(data: Any, *, status: int = 200) -> JsonResponse:
    return JsonResponse(
        data,
        status=status,
        encoder=DjangoJSONEncoder,
        safe=False,
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )


def _error_json(error: services.ServiceError) -> JsonResponse:
    return _json({"__type": error.code, "message": error.message}, status=400)


def _table_or_404(request: HttpRequest, sandbox: Sandbox, name: str, *, call: bool = False):
    """The table's summary, or the 404 page. ``call``: describe it through a DescribeTable call,
    which also lets the engine apply what became due (index propagation, TTL deletions)."""
    if call:
        table = services.describe_table(sandbox, name)
    else:
        table = services.table_summary(sandbox, name)
    if table is None:
        response = render(
            request,
            "console/no_table.html",
            _workbench(request, sandbox, {"table_name": name}),
            status=404,
        )
        return None, response
    return table, None


def _activity_rows(sandbox: Sandbox, *, include_housekeeping: bool, limit: int) -> list:
    rows = []
    for entry in selectors.recent_activity(sandbox, limit=200):
        if not include_housekeeping and entry.operation in HOUSEKEEPING:
            continue
        rows.append(
            {
                "operation": entry.operation,
                "status": entry.status,
                "ok": entry.status == "ok",
                "error_message": entry.error_message,
                "table": (entry.summary or {}).get("TableName", ""),
                "capacity_units": (entry.summary or {}).get("CapacityUnits"),
                "count": (entry.summary or {}).get("Count"),
                "scanned_count": (entry.summary or {}).get("ScannedCount"),
                "source": entry.source,
                "at": datetime.datetime.fromtimestamp(entry.at, tz=datetime.UTC),
                "duration_ms": entry.duration_ms,
            }
        )
        if len(rows) >= limit:
            break
    return rows


# ---------------------------------------------------------------------- home and probe
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "console/home.html")


@require_POST
def engine_probe(request: HttpRequest) -> HttpResponse:
    """Run one request on a fresh engine: the partial for htmx, the home page without JS."""
    return render_page_or_partial(
        request,
        page="console/home.html",
        partial="console/_engine_probe.html",
        context={"probe": services.probe_engine()},
    )


# ---------------------------------------------------------------------- any request
@require_http_methods(["GET", "POST"])
def run(request: HttpRequest) -> HttpResponse:
    """Run any DynamoDB request as JSON: where lessons' "Open in workbench" buttons land.

    GET fills the form from ``?operation=&request=`` (nothing runs); POST runs it and shows the
    response, the consumed capacity and the same request as boto3 and AWS CLI code.
    """
    sandbox = sandbox_services.sandbox_for_request(request)
    source = request.POST if request.method == "POST" else request.GET
    form = services.RunForm.from_data(source)
    result = None
    if request.method == "POST" and not form.errors:
        result = services.run_request(sandbox, form, endpoint=services.endpoint_url(request))
        if _wants_json(request):
            if not result.ok:
                return _error_json(result.error)
            return _json(result.response)
    context = {
        "form": form,
        "result": result,
        "operations": services.RUNNABLE_OPERATIONS,
        "capacity": services.capacity_lines(result.response) if result and result.ok else [],
    }
    return render(
        request,
        "console/run.html",
        _workbench(request, sandbox, context),
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------------- tables
@require_GET
def tables(request: HttpRequest) -> HttpResponse:
    sandbox = sandbox_services.sandbox_for_request(request)
    summaries = services.list_tables(sandbox)
    if _wants_json(request):
        return _json({"Tables": [summary.description for summary in summaries]})
    existing = {summary.name for summary in summaries}
    context = {
        "tables": summaries,
        "samples": [
            {"set": sample, "loaded": sample.table_name in existing}
            for sample in samples.SAMPLE_SETS.values()
        ],
        "activity": _activity_rows(sandbox, include_housekeeping=False, limit=12),
        "last_call": services.pop_last_call(request),
        "endpoint_url": services.endpoint_url(request),
    }
    return render(request, "console/tables.html", _workbench(request, sandbox, context))


@require_http_methods(["GET", "POST"])
def create_table(request: HttpRequest) -> HttpResponse:
    sandbox = sandbox_services.sandbox_for_request(request)
    result = None
    status = 200
    if request.method == "POST":
        form = CreateTableForm(request.POST)
        if form.is_valid():
            result = services.create_table(
                sandbox, form.cleaned_data, endpoint=services.endpoint_url(request)
            )
            if result.ok:
                services.remember_call(request, result)
                messages.success(request, f"Table {result.request['TableName']} created.")
                return redirect("console:items", table=result.request["TableName"])
            for field_name, problems in result.error.by_field.items():
                for problem in problems:
                    form.add_error(field_name or None, f"{result.error.code}: {problem}")
        status = 400
    else:
        form = CreateTableForm()
    return render(
        request,
        "console/create_table.html",
        _workbench(request, sandbox, {"form": form, "result": result}),
        status=status,
    )


@require_http_methods(["GET", "POST"])
def delete_table(request: HttpRequest, table: str) -> HttpResponse:
    sandbox = sandbox_services.sandbox_for_request(request)
    summary, missing = _table_or_404(request, sandbox, table)
    if missing:
        return missing
    if request.method == "POST":
        result = services.delete_table(sandbox, table, endpoint=services.endpoint_url(request))
        if result.ok:
            services.remember_call(request, result)
            messages.success(request, f"Table {table} deleted.")
        else:
            messages.error(request, f"{result.error.code}: {result.error.message}")
        return redirect("console:tables")
    return render(
        request, "console/delete_table.html", _workbench(request, sandbox, {"table": summary})
    )


# ---------------------------------------------------------------------- items
@require_GET
def items(request: HttpRequest, table: str) -> HttpResponse:
    sandbox = sandbox_services.sandbox_for_request(request)
    summary, missing = _table_or_404(request, sandbox, table)
    if missing:
        return missing
    start = services.parse_key(request.GET.get("start"))
    result = services.scan_items_page(
        sandbox, table, start=start, endpoint=services.endpoint_url(request)
    )
    if _wants_json(request):
        return _json(result.response) if result.ok else _error_json(result.error)
    typed = request.GET.get("view") == "dynamodb"
    grid = None
    next_start = None
    if result.ok:
        grid = services.item_grid(result.response.get("Items", []), summary.key_names, typed=typed)
        last = result.response.get("LastEvaluatedKey")
        next_start = services.url_json(last) if last else None
    context = {
        "table": summary,
        "result": result,
        "grid": grid,
        "typed": typed,
        "view": "dynamodb" if typed else "plain",
        "start": request.GET.get("start", "") if start else "",
        "next_start": next_start,
        "last_call": services.pop_last_call(request),
    }
    return render_page_or_partial(
        request,
        page="console/items.html",
        partial="console/_items_panel.html",
        context=_workbench(request, sandbox, context),
    )


def _editor_format(request: HttpRequest, item: dict[str, Any] | None) -> bool:
    """True for DynamoDB JSON. Plain JSON by default, unless it would lose a type."""
    chosen = request.POST.get("format") or request.GET.get("format")
    if chosen in ("dynamodb", "plain"):
        return chosen == "dynamodb"
    return item is not None and not services.value_text.plain_is_lossless(item)


def _item_editor(
    request: HttpRequest,
    sandbox: Sandbox,
    summary: services.TableSummary,
    *,
    key: dict[str, Any] | None,
    item: dict[str, Any] | None,
) -> HttpResponse:
    typed = _editor_format(request, item)
    edit = None
    if request.method == "POST":
        text = request.POST.get("item", "")
        edit = services.save_item(
            sandbox,
            summary,
            text=text,
            typed=typed,
            original_key=key,
            endpoint=services.endpoint_url(request),
        )
        if edit.ok:
            services.remember_call(request, edit.result)
            messages.success(request, "Item saved.")
            return redirect("console:items", table=summary.name)
    elif item is not None:
        text = services.item_editor_text(item, typed=typed)
    else:
        text = services.new_item_template(summary, typed=typed)
    context = {
        "table": summary,
        "key": key,
        "key_json": services.url_json(key) if key else "",
        "key_text": services.value_text.key_text(key) if key else "",
        "text": text,
        "typed": typed,
        "lossless": item is None or services.value_text.plain_is_lossless(item),
        "edit": edit,
    }
    return render(
        request,
        "console/item_edit.html",
        _workbench(request, sandbox, context),
        status=400 if edit is not None else 200,
    )


@require_http_methods(["GET", "POST"])
def item_new(request: HttpRequest, table: str) -> HttpResponse:
    sandbox = sandbox_services.sandbox_for_request(request)
    summary, missing = _table_or_404(request, sandbox, table)
    if missing:
        return missing
    return _item_editor(request, sandbox, summary, key=None, item=None)


@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, table: str) -> HttpResponse:
    sandbox = sandbox_services.sandbox_for_request(request)
    summary, missing = _table_or_404(request, sandbox, table)
    if missing:
        return missing
    key = services.parse_key(request.POST.get("key") or request.GET.get("key"))
    item = services.get_item(sandbox, table, key) if key else None
    if item is None:
        messages.error(request, "That item is not in the table any more.")
        return redirect("console:items", table=table)
    return _item_editor(request, sandbox, summary, key=key, item=item)


@require_http_methods(["GET", "POST"])
def item_delete(request: HttpRequest, table: str) -> HttpResponse:
    sandbox = sandbox_services.sandbox_for_request(request)
    summary, missing = _table_or_404(request, sandbox, table)
    if missing:
        return missing
    key = services.parse_key(request.POST.get("key") or request.GET.get("key"))
    if key is None:
        messages.error(request, "No item key was given.")
        return redirect("console:items", table=table)
    if request.method == "POST":
        result = services.delete_item(sandbox, table, key, endpoint=services.endpoint_url(request))
        if result.ok:
            services.remember_call(request, result)
            messages.success(request, f"Item {services.value_text.key_text(key)} deleted.")
        else:
            messages.error(request, f"{result.error.code}: {result.error.message}")
        return redirect("console:items", table=table)
    context = {
        "table": summary,
        "key_json": services.url_json(key),
        "key_text": services.value_text.key_text(key),
    }
    return render(request, "console/item_delete.html", _workbench(request, sandbox, context))


# ---------------------------------------------------------------------- reads
def _table_names(sandbox: Sandbox) -> list[str]:
    return services.table_names(sandbox)


@require_GET
def query(request: HttpRequest) -> HttpResponse:
    sandbox = sandbox_services.sandbox_for_request(request)
    form = reads.ReadForm.from_query(request.GET)
    outcome = reads.run_read(sandbox, form, endpoint=services.endpoint_url(request))
    if _wants_json(request):
        if outcome.result is None:
            return _json({"errors": outcome.errors}, status=400 if outcome.errors else 200)
        if not outcome.result.ok:
            return _error_json(outcome.result.error)
        return _json(outcome.result.response)
    typed = request.GET.get("view") == "dynamodb"
    grid = None
    if outcome.result is not None and outcome.result.ok and "Items" in outcome.result.response:
        grid = services.item_grid(outcome.result.response["Items"], outcome.key_names, typed=typed)
    partition_key, sort_key = (
        outcome.table.keys_for(form.index) if outcome.table is not None else (None, None)
    )
    context = {
        "form": form,
        "outcome": outcome,
        "partition_key": partition_key,
        "sort_key": sort_key,
        "table_names": _table_names(sandbox),
        "operators": reads.SORT_OPERATORS,
        "grid": grid,
        "typed": typed,
        "first_page_params": form.params(start=""),
        "next_page_params": form.params(start=outcome.next_start) if outcome.next_start else None,
        "toggle_params": form.params(view="plain" if typed else "dynamodb"),
        "bookshelf_params": form.params(start=""),
        "errors": outcome.errors,
    }
    return render_page_or_partial(
        request,
        page="console/query.html",
        partial="console/_query_workspace.html",
        context=_workbench(request, sandbox, context),
        status=400 if outcome.errors else 200,
    )


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    sandbox = sandbox_services.sandbox_for_request(request)
    names = _table_names(sandbox)
    params = request.GET.copy()
    if not params.get("table") and "CustomerOrders" in names:
        # The page's example question: all of ann's orders placed in 2024 or later.
        params.update(
            {"table": "CustomerOrders", "mode": "query", "pk": "ann", "sk_op": ">=", "sk": "2024"}
        )
    form = reads.ReadForm.from_query(params)
    comparison = compare_service.compare(sandbox, form, endpoint=services.endpoint_url(request))
    if _wants_json(request):
        return _json(
            {
                side.operation: {
                    "Request": side.first.request if side.first else None,
                    "Pages": side.pages,
                    "ScannedCount": side.scanned,
                    "Count": side.returned,
                    "CapacityUnits": side.units,
                    "Error": side.error.message if side.error else None,
                }
                for side in (comparison.query, comparison.scan)
            }
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
    return render(request, "console/compare.html", _workbench(request, sandbox, context))


@require_GET
def bookshelf(request: HttpRequest, table: str) -> HttpResponse:
    sandbox = sandbox_services.sandbox_for_request(request)
    # A real call first, so the picture shows the table as of the simulated now.
    summary, missing = _table_or_404(request, sandbox, table, call=True)
    if missing:
        return missing
    form = reads.ReadForm.from_query(request.GET)
    form.table = table
    read = None
    if form.mode_given:
        form.start = ""
        built = reads.build_request(form, summary)
        if not built.errors:
            read = (built.operation, built.request)
    picture = bookshelf_service.draw(sandbox, summary, index=form.index or None, read=read)
    if _wants_json(request):
        return _json(
            {
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
            }
        )
    context = {
        "table": summary,
        "picture": picture,
        "form": form,
        "query_params": form.params(start="") if read else None,
        "read_request": read[1] if read else None,
    }
    return render(request, "console/bookshelf.html", _workbench(request, sandbox, context))


@require_http_methods(["GET", "POST"])
def throughput(request: HttpRequest, table: str) -> HttpResponse:
    """A table's token buckets, burst pool, partitions and recent throttling decisions; POST
    sends a burst of writes, back to back, to watch the table throttle."""
    sandbox = sandbox_services.sandbox_for_request(request)
    summary, missing = _table_or_404(request, sandbox, table, call=True)
    if missing:
        return missing
    burst = None
    errors: dict[str, list[str]] = {}
    count_text = request.POST.get("count", "100")
    size_text = request.POST.get("size_kb", "1")
    if request.method == "POST":
        count = _bounded_int(count_text, 1, services.MAX_BURST_WRITES)
        size_kb = _bounded_int(size_text, 1, services.MAX_BURST_ITEM_KB)
        if count is None:
            errors["count"] = [f"Enter a whole number from 1 to {services.MAX_BURST_WRITES}."]
        if size_kb is None:
            errors["size_kb"] = [f"Enter a whole number from 1 to {services.MAX_BURST_ITEM_KB}."]
        if not errors:
            burst = services.send_burst(sandbox, summary, count, size_kb)
    result = services.describe_throughput(sandbox, table, endpoint=services.endpoint_url(request))
    if not result.ok:
        return _error_json(result.error)
    state = result.response["Throughput"]
    if _wants_json(request):
        return _json(state)
    context = {
        "table": summary,
        "state": state,
        "bars": services.bucket_bars(state),
        "decisions": list(reversed(state["RecentDecisions"][-10:])),
        "burst": burst,
        "errors": errors,
        "count_text": count_text,
        "size_text": size_text,
    }
    return render(
        request,
        "console/throughput.html",
        _workbench(request, sandbox, context),
        status=400 if errors else 200,
    )


def _bounded_int(text: str, low: int, high: int) -> int | None:
    try:
        value = int(text)
    except (TypeError, ValueError):
        return None
    return value if low <= value <= high else None


# ---------------------------------------------------------------------- samples, clock, reset
@require_POST
def load_sample(request: HttpRequest, slug: str) -> HttpResponse:
    sandbox = sandbox_services.sandbox_for_request(request)
    sample = samples.SAMPLE_SETS.get(slug)
    if sample is None:
        return HttpResponse("No such sample data set.", status=404)
    endpoint = services.endpoint_url(request)
    partial = wants_partial(request)
    try:
        step = int(request.POST.get("step", "0"))
    except ValueError:
        step = 0
    steps = range(step, step + 1) if partial else range(0, sample.steps)
    error = None
    for current in steps:
        error = services.load_sample_step(sandbox, sample, current, endpoint=endpoint)
        if error is not None:
            break
    done = error is None and steps[-1] >= sample.steps - 1
    if not partial:
        if error is not None:
            messages.error(request, f"{error.code}: {error.message}")
            return redirect("console:tables")
        messages.success(request, f"Loaded {sample.item_count:,} items into {sample.table_name}.")
        return redirect("console:items", table=sample.table_name)
    loaded = sample.items_loaded_after(step)
    context = {
        "sample": sample,
        "error": error,
        "done": done,
        "next_step": step + 1,
        "loaded": loaded,
        "percent": round(100 * loaded / max(sample.item_count, 1)),
    }
    response = render(request, "console/_sample_progress.html", context)
    if done:
        # The table list and the activity beside the progress bar are now stale.
        response["HX-Refresh"] = "true"
    return response


@require_POST
def advance_clock(request: HttpRequest) -> HttpResponse:
    sandbox = sandbox_services.sandbox_for_request(request)
    seconds = request.POST.get("seconds", "")
    if seconds not in CLOCK_STEPS:
        return HttpResponse("Advance the clock by 60, 3600 or 86400 seconds.", status=400)
    now = sandbox_services.advance_clock(sandbox, int(seconds), source=services.SOURCE)
    if wants_partial(request):
        response = render(
            request,
            "console/_clock.html",
            {"clock": _clock(now, sandbox.clock_offset), "next_url": request.POST.get("next")},
        )
        response["HX-Trigger"] = "clockAdvanced"
        return response
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("console:tables")
    messages.success(request, f"The simulated clock moved forward {CLOCK_STEPS[seconds]}.")
    return redirect(target)


@require_http_methods(["GET", "POST"])
def reset_sandbox(request: HttpRequest) -> HttpResponse:
    sandbox = sandbox_services.sandbox_for_request(request)
    if request.method == "POST":
        sandbox_services.reset_sandbox(sandbox)
        request.session.pop(services.SESSION_LAST_CALL, None)
        messages.success(
            request, "Your sandbox was reset: no tables, and the clock is back to now."
        )
        return redirect("console:tables")
    return render(request, "console/reset.html", _workbench(request, sandbox, {}))


@require_GET
def activity(request: HttpRequest) -> HttpResponse:
    sandbox = sandbox_services.sandbox_for_request(request)
    include_all = request.GET.get("all") == "1"
    rows = _activity_rows(sandbox, include_housekeeping=include_all, limit=50)
    if _wants_json(request):
        return _json({"Activity": rows})
    return render_page_or_partial(
        request,
        page="console/activity.html",
        partial="console/_activity_list.html",
        context=_workbench(request, sandbox, {"activity": rows, "include_all": include_all}),
    )
