"""The TTL tab: time to live on or off, and every item on a timeline against the clock."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from dynalab.console import ttl as ttl_service
from dynalab.console.calls import endpoint_url, remember_call
from dynalab.console.views.base import answers_missing_tables, region, table_or_404, workbench
from dynalab.sandboxes import services as sandbox_services


@require_http_methods(["GET", "POST"])
@answers_missing_tables
def ttl(request: HttpRequest, table: str) -> HttpResponse:
    """GET shows the timeline; POST turns TTL on (``attribute``) or off (``disable``)."""
    sandbox = request.sandbox  # type: ignore[attr-defined]
    summary = table_or_404(request, table)
    errors: dict[str, list[str]] = {}
    attribute = request.POST.get("attribute", "")
    if request.method == "POST":
        glance = summary.glance
        enabled = glance is not None and glance.ttl_status == "ENABLED"
        disable = "disable" in request.POST
        if disable and not enabled:
            errors["attribute"] = ["TTL is already off for this table."]
        elif not disable and not attribute:
            errors["attribute"] = [
                "Name the attribute that holds each item's expiry, in epoch seconds."
            ]
        else:
            result = ttl_service.update_ttl(
                sandbox,
                table,
                enabled=not disable,
                attribute=(glance.ttl_attribute or "") if disable and glance else attribute,
                endpoint=endpoint_url(request),
                region=region(request),
            )
            if result.ok:
                remember_call(request, result)
                messages.success(
                    request, "TTL turned off." if disable else f"TTL is on, reading {attribute}."
                )
                return redirect("console:ttl", table=table)
            errors["attribute"] = [f"{result.error.code}: {result.error.message}"]
    now = sandbox_services.simulated_now(sandbox)
    line = ttl_service.timeline(sandbox, table, now=now, region=region(request))
    view = line.view
    context = {
        "table": summary,
        "timeline": line,
        "errors": errors,
        "attribute": attribute or view.attribute or "",
        "filter_params": (
            ttl_service.hiding_filter(view.attribute, now) if view.attribute else None
        ),
        "delay_text": ttl_service.delay_text(view.deletion_delay),
        "delay_choice": ttl_service.delay_choice(view.deletion_delay),
        "delay_choices": ttl_service.DELAY_CHOICES,
        "clock_reloads": True,
    }
    return workbench(
        request,
        "console/ttl.html",
        context,
        status=400 if errors else 200,
        json=lambda: {
            "TableName": summary.name,
            "TimeToLiveStatus": view.status,
            "AttributeName": view.attribute,
            "Now": now,
            "DeletionDelay": view.deletion_delay,
            "Items": [
                {
                    "Key": row.key_text,
                    "State": row.state,
                    "ExpiresAt": row.expires_at,
                    "DeletionDueAt": row.due_at,
                    "DeletedAt": row.deleted_at,
                    "StreamSequenceNumber": row.stream_sequence,
                }
                for row in line.rows
            ],
            "ItemsWithoutTtl": view.items_without_ttl,
            "ItemsIgnored": view.items_ignored,
            "Errors": errors,
        },
    )
