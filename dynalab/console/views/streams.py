"""The Stream tab: shards on a timeline, a record stepper, and DynaLab's triggers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from dynalab.console import streams as stream_service
from dynalab.console.calls import endpoint_url, remember_call
from dynalab.console.tables import table_names
from dynalab.console.views.base import answers_missing_tables, region, table_or_404, workbench
from dynalab.sandboxes import selectors
from dynalab.sandboxes import services as sandbox_services


def _record_json(record: selectors.StreamRecordView | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "SequenceNumber": record.sequence_number,
        "EventName": record.event_name,
        "ApproximateCreationDateTime": record.created_at,
        "Keys": record.keys,
        "NewImage": record.new_image,
        "OldImage": record.old_image,
        "SizeBytes": record.size_bytes,
        "UserIdentity": record.user_identity,
    }


@require_http_methods(["GET", "POST"])
@answers_missing_tables
def stream(request: HttpRequest, table: str) -> HttpResponse:
    """GET: the stream's shards and the record at ``?shard=&position=``. POST turns the stream
    on (``view_type``) or off (``disable``)."""
    sandbox = request.sandbox  # type: ignore[attr-defined]
    summary = table_or_404(request, table)
    endpoint = endpoint_url(request)
    where = region(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        view_type = request.POST.get("view_type", "")
        disable = "disable" in request.POST
        if not disable and view_type not in stream_service.VIEW_TYPES:
            errors["view_type"] = ["Choose what each record holds: one of the four view types."]
        else:
            result = stream_service.set_stream(
                sandbox, table, None if disable else view_type, endpoint=endpoint, region=where
            )
            if result.ok:
                remember_call(request, result)
                messages.success(
                    request,
                    "Stream turned off: its records stay readable for 24 hours."
                    if disable
                    else f"Stream turned on ({view_type}): every change from now on is a record.",
                )
                return redirect("console:stream", table=table)
            errors["view_type"] = [f"{result.error.code}: {result.error.message}"]
    chosen, streams = stream_service.latest_stream(
        sandbox, summary, request.GET.get("stream"), region=where
    )
    now = sandbox_services.simulated_now(sandbox)
    current = None
    bars: list[stream_service.ShardBar] = []
    window = (now, now)
    if chosen is not None:
        current = stream_service.step(
            sandbox,
            chosen,
            request.GET.get("shard"),
            request.GET.get("position"),
            endpoint=endpoint,
            region=where,
        )
        bars, *window = stream_service.shard_bars(chosen, now)
    glance = summary.glance
    context = {
        "table": summary,
        "stream": chosen,
        "streams": streams,
        "bars": bars,
        "window": window,
        "step": current,
        "errors": errors,
        "view_types": stream_service.VIEW_TYPE_TEXT,
        "current_view_type": glance.stream_view_type if glance else None,
        "triggers": selectors.triggers(sandbox, summary.name, region=where),
        "handlers": selectors.trigger_handlers(),
        "table_names": [
            name for name in table_names(sandbox, region=where) if name != summary.name
        ],
        "now": now,
        "clock_reloads": True,
    }
    return workbench(
        request,
        "console/stream.html",
        context,
        status=400 if errors else 200,
        json=lambda: {
            "TableName": summary.name,
            "Stream": (
                {
                    "StreamArn": chosen.arn,
                    "StreamLabel": chosen.label,
                    "StreamViewType": chosen.view_type,
                    "StreamStatus": chosen.status,
                    "Shards": [
                        {
                            "ShardId": shard.shard_id,
                            "ParentShardId": shard.parent_shard_id,
                            "OpenedAt": shard.opened_at,
                            "ClosedAt": shard.closed_at,
                            "StartingSequenceNumber": shard.starting_sequence_number,
                            "EndingSequenceNumber": shard.ending_sequence_number,
                            "RecordCount": shard.record_count,
                            "Trimmed": shard.trimmed,
                        }
                        for shard in chosen.shards
                    ],
                }
                if chosen
                else None
            ),
            "Step": (
                {
                    "ShardId": current.shard.shard_id,
                    "Position": current.position,
                    "Record": _record_json(current.record),
                    "NextPosition": current.next_position,
                    "PreviousPosition": current.previous_position,
                    "ChildShardId": current.child_shard,
                }
                if current
                else None
            ),
            "Triggers": [
                {
                    "TriggerId": t.trigger_id,
                    "HandlerName": t.handler,
                    "TargetTable": t.target_table,
                    "State": t.state,
                    "RecordsProcessed": t.records_processed,
                    "BatchesProcessed": t.batches_processed,
                    "FailedAttempts": t.failed_attempts,
                    "LastProcessingResult": t.last_result,
                    "LastError": t.last_error,
                    "PendingRecords": t.pending_records,
                }
                for t in context["triggers"]
            ],
            "Errors": errors,
        },
    )


@require_POST
@answers_missing_tables
def create_trigger(request: HttpRequest, table: str) -> HttpResponse:
    sandbox = request.sandbox  # type: ignore[attr-defined]
    summary = table_or_404(request, table)
    where = region(request)
    chosen, _ = stream_service.latest_stream(sandbox, summary, region=where)
    if chosen is None or chosen.status != "ENABLED":
        messages.error(request, "Turn the table's stream on first: a trigger reads its records.")
        return redirect("console:stream", table=table)
    data = {
        name: request.POST.get(name, "")
        for name in (
            "handler",
            "target",
            "group_by",
            "operation",
            "attribute",
            "batch_size",
            "starting_position",
        )
    }
    result = stream_service.create_trigger(
        sandbox, chosen.arn, data, endpoint=endpoint_url(request), region=where
    )
    if result.ok:
        remember_call(request, result)
        messages.success(
            request,
            f"Trigger attached: {data['handler']} runs on {table}'s records, in batches, as "
            "writes settle and the clock moves.",
        )
    else:
        messages.error(request, f"{result.error.code}: {result.error.message}")
    return redirect("console:stream", table=table)


@require_POST
@answers_missing_tables
def delete_trigger(request: HttpRequest, table: str) -> HttpResponse:
    table_or_404(request, table)
    trigger_id = request.POST.get("trigger_id", "")
    result = stream_service.delete_trigger(
        request.sandbox,  # type: ignore[attr-defined]
        trigger_id,
        endpoint=endpoint_url(request),
        region=region(request),
    )
    if result.ok:
        remember_call(request, result)
        messages.success(request, "Trigger detached.")
    else:
        messages.error(request, f"{result.error.code}: {result.error.message}")
    return redirect("console:stream", table=table)
