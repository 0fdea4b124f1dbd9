"""The Backups tab (on-demand backups, point-in-time recovery, restores) and the diff of a
restored table against the live one."""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from dynalab.console import backups as backup_service
from dynalab.console import clock as clock_service
from dynalab.console.calls import CallResult, endpoint_url, remember_call
from dynalab.console.tables import table_summary
from dynalab.console.views.base import (
    answers_missing_tables,
    bounded_int,
    region,
    table_or_404,
    workbench,
)
from dynalab.sandboxes import selectors
from dynalab.sandboxes import services as sandbox_services
from dynalab.sandboxes.errors import ServiceError

ACTIONS = ("backup", "pitr_on", "pitr_off", "restore_pitr", "restore_backup", "delete_backup")


def _restored_name(table: str, now: float) -> str:
    stamp = backup_service.date_text(now).replace("-", "").replace(":", "").replace(" ", "-")
    return f"{table}-restored-{stamp}"[:255]


@require_http_methods(["GET", "POST"])
@answers_missing_tables
def backups(request: HttpRequest, table: str) -> HttpResponse:
    sandbox = request.sandbox  # type: ignore[attr-defined]
    summary = table_or_404(request, table)
    endpoint = endpoint_url(request)
    where = region(request)
    now = sandbox_services.simulated_now(sandbox)
    errors: dict[str, list[str]] = {}
    result: CallResult | None = None
    action = request.POST.get("action", "")
    if request.method == "POST":
        if action not in ACTIONS:
            errors[""] = ["Choose what to do with the buttons on this page."]
        elif action == "backup":
            name = request.POST.get("backup_name", "").strip()
            result = backup_service.create_backup(
                sandbox, table, name, endpoint=endpoint, region=where
            )
        elif action in ("pitr_on", "pitr_off"):
            days = bounded_int(request.POST.get("days", "35"), -(10**6), 10**6)
            if action == "pitr_on" and days is None:
                errors["days"] = ["The recovery period is a whole number of days, 1 to 35."]
            else:
                result = backup_service.set_pitr(
                    sandbox,
                    table,
                    enabled=action == "pitr_on",
                    days=days,
                    endpoint=endpoint,
                    region=where,
                )
        elif action == "restore_pitr":
            # A write mark's button names its own moment; else the date field, else the
            # slider (the page without JavaScript sends both).
            moment = backup_service.parse_date(
                request.POST.get("at_mark") or request.POST.get("at", "")
            )
            if moment is None:
                moment_text = request.POST.get("at_epoch", "")
                epoch = bounded_int(moment_text, 0, 10**11)
                moment = float(epoch) if epoch is not None else None
            if moment is None:
                errors["at"] = ["Give the moment as a UTC date and time: 2025-06-15 15:06:40."]
            else:
                target = request.POST.get("target", "").strip()
                result = backup_service.restore_to_point_in_time(
                    sandbox, table, moment, target, endpoint=endpoint, region=where
                )
        elif action == "restore_backup":
            result = backup_service.restore_from_backup(
                sandbox,
                request.POST.get("backup_arn", ""),
                request.POST.get("target", "").strip(),
                endpoint=endpoint,
                region=where,
            )
        elif action == "delete_backup":
            result = backup_service.delete_backup(
                sandbox, request.POST.get("backup_arn", ""), endpoint=endpoint, region=where
            )
        if result is not None:
            if result.ok:
                remember_call(request, result)
                if action in ("restore_pitr", "restore_backup"):
                    target = result.request["TargetTableName"]
                    messages.success(
                        request,
                        f"Restoring into {target}: the new table is CREATING for a while of "
                        "simulated time. Move the clock, then compare it with the live table.",
                    )
                    return redirect(reverse("console:diff", args=[table]) + f"?against={target}")
                messages.success(request, f"{result.operation}: done.")
                return redirect("console:backups", table=table)
            for name, problems in result.error.by_field.items():
                errors.setdefault(name or action, []).extend(
                    f"{result.error.code}: {problem}" for problem in problems
                )
        summary = table_or_404(request, table)
    glance = summary.glance
    earliest = glance.earliest_restorable if glance else None
    latest = glance.latest_restorable if glance else None
    if earliest is not None and latest is not None:
        # Whole seconds inside the window: what the slider and the dates can name.
        earliest, latest = float(math.ceil(earliest)), float(math.floor(latest))
        latest = max(latest, earliest)
    marks = (
        backup_service.write_marks(sandbox, table, earliest, latest, region=where)
        if earliest is not None and latest is not None
        else []
    )
    listed = selectors.backups(sandbox, table, region=where)
    chosen = latest if latest is not None else now
    # Errors the page shows beside their field, as it stands now; the rest go on top.
    inline = {"backup_name", "backup"}
    if earliest is not None:
        inline |= {"at", "restore_pitr"} | ({"target"} if action == "restore_pitr" else set())
    else:
        inline |= {"days", "pitr_on"}
    if listed:
        inline |= {"restore_backup", "delete_backup"}
        inline |= {"target"} if action == "restore_backup" else set()
    loose = [problem for name, found in errors.items() if name not in inline for problem in found]
    context = {
        "table": summary,
        "backups": listed,
        "errors": errors,
        "loose_errors": loose,
        "action": action,
        "earliest": earliest,
        "latest": latest,
        "chosen": chosen,
        "chosen_text": request.POST.get("at") or backup_service.date_text(chosen),
        "marks": marks,
        "default_backup_name": f"{table}-{backup_service.date_text(now)[:10]}"[:255],
        "default_target": request.POST.get("target") or _restored_name(table, now),
        "restored": backup_service.RESTORED,
        "not_restored": backup_service.NOT_RESTORED,
        "result": result,
        "clock_reloads": True,
    }
    return workbench(
        request,
        "console/backups.html",
        context,
        status=400 if errors else 200,
        json=lambda: {
            "TableName": table,
            "PointInTimeRecovery": {
                "Enabled": bool(glance and glance.pitr_enabled),
                "RecoveryPeriodInDays": glance.pitr_recovery_days if glance else None,
                "EarliestRestorableDateTime": earliest,
                "LatestRestorableDateTime": latest,
            },
            "Backups": [
                {
                    "BackupArn": b.arn,
                    "BackupName": b.name,
                    "BackupType": b.kind,
                    "BackupStatus": b.status,
                    "BackupCreationDateTime": b.created_at,
                    "BackupSizeBytes": b.size_bytes,
                    "ItemCount": b.item_count,
                }
                for b in listed
            ],
            "Errors": errors,
        },
    )


@require_GET
@answers_missing_tables
def diff(request: HttpRequest, table: str) -> HttpResponse:
    """The table named by ``?against=`` (a restored copy, say) against this live table."""
    sandbox = request.sandbox  # type: ignore[attr-defined]
    summary = table_or_404(request, table)
    where = region(request)
    against = request.GET.get("against", "")
    other = table_summary(sandbox, against, region=where) if against else None
    found = None
    waiting = None
    error = ""
    if against and other is None:
        error = f"There is no table named {against} in {where}."
    elif other is not None and other.status != "ACTIVE":
        # Like the service, no reading a table that is still being restored.
        now = sandbox_services.simulated_now(sandbox)
        ready = [
            line
            for line in clock_service.due_lines(
                sandbox, clock_service.LOOKAHEAD_SECONDS, now=now, region=where
            )
            if line.kind == "table_active" and line.table == other.name
        ]
        waiting = ready[0] if ready else None
    elif other is not None:
        try:
            found = backup_service.table_diff(sandbox, other.name, summary.name, region=where)
        except ServiceError as refused:
            error = f"{refused.code}: {refused.message}"
    candidates = [
        name for name in selectors.table_names(sandbox, region=where) if name != summary.name
    ]
    restore: dict[str, Any] | None = None
    if other is not None:
        restore = other.description.get("RestoreSummary")
    context = {
        "table": summary,
        "other": other,
        "against": against,
        "found": found,
        "error": error,
        "candidates": candidates,
        "restore": restore,
        "waiting": waiting,
        "clock_reloads": True,
    }

    def twin() -> Any:
        if found is None:
            return {
                "TableName": table,
                "Against": against,
                "Error": error or None,
                "AgainstStatus": other.status if other is not None else None,
            }
        d = found.diff
        return {
            "TableName": table,
            "Against": against,
            "ItemCount": {"Against": d.first_count, "Live": d.second_count},
            "Same": d.same_count,
            "OnlyInAgainst": d.only_in_first_count,
            "OnlyInLive": d.only_in_second_count,
            "Changed": d.changed_count,
            "Rows": [
                {
                    "Key": row.key_text,
                    "Kind": row.kind,
                    "Attributes": [
                        {"Name": name, "Against": old, "Live": new}
                        for name, old, new in row.changes
                    ],
                }
                for row in found.rows
            ],
        }

    return workbench(
        request,
        "console/diff.html",
        context,
        status=404 if against and other is None else (400 if error else 200),
        json=twin,
    )
