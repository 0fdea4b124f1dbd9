"""A global table's replication page: its replicas, what is on its way, the latest writes and
the writes last writer wins discarded; POST adds or removes a replica, sets the simulated lag,
or pauses and resumes a Region's replication."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from dynalab.console import replication as replication_service
from dynalab.console.calls import CallResult, endpoint_url, pop_last_call, remember_call
from dynalab.console.views.base import answers_missing_tables, region, table_or_404, workbench
from dynalab.sandboxes import selectors

ACTIONS = ("add_replica", "remove_replica", "set_lag", "pause", "resume")


@require_http_methods(["GET", "POST"])
@answers_missing_tables
def replication(request: HttpRequest, table: str) -> HttpResponse:
    sandbox = request.sandbox  # type: ignore[attr-defined]
    where = region(request)
    summary = table_or_404(request, table)
    if request.method == "POST":
        outcome = _change(request, table, where)
        if isinstance(outcome, HttpResponse):
            return outcome
        if outcome.ok:
            remember_call(request, outcome)
            messages.success(request, _done(outcome))
        else:
            messages.error(request, f"{outcome.error.code}: {outcome.error.message}")
        return redirect("console:replication", table=table)
    page = replication_service.replication_page(sandbox, table, region=where)
    context = {
        "table": summary,
        "page": page,
        "lag_max": replication_service.MAX_LAG_SECONDS,
        "last_call": pop_last_call(request),
    }
    return workbench(request, "console/replication.html", context, json=page.as_json)


def _change(request: HttpRequest, table: str, where: str) -> CallResult | HttpResponse:
    """Run the form's change as a call the learner can read back, or answer 400."""
    sandbox = request.sandbox  # type: ignore[attr-defined]
    action = request.POST.get("action", "")
    endpoint = endpoint_url(request)
    target = request.POST.get("region", "")
    if action not in ACTIONS:
        return HttpResponse("Unknown change: choose one of the page's buttons.", status=400)
    if action == "set_lag":
        seconds = replication_service.parse_lag(request.POST.get("seconds", ""))
        if seconds is None:
            return HttpResponse(
                "The replication lag is a number of simulated seconds from 0 to 3600.",
                status=400,
            )
        return replication_service.set_lag(sandbox, seconds, region=where, endpoint=endpoint)
    if not selectors.is_region(target):
        return HttpResponse("Choose one of the AWS Regions in the list.", status=400)
    if action == "add_replica":
        return replication_service.add_replica(
            sandbox, table, target, region=where, endpoint=endpoint
        )
    if action == "remove_replica":
        return replication_service.remove_replica(
            sandbox, table, target, region=where, endpoint=endpoint
        )
    return replication_service.set_paused(
        sandbox, target, action == "pause", region=where, endpoint=endpoint
    )


def _done(result: CallResult) -> str:
    request = result.request
    if result.operation == "UpdateTable":
        [update] = request["ReplicaUpdates"]
        if "Create" in update:
            return (
                f"Creating a replica in {update['Create']['RegionName']}: it holds a copy of "
                "every item and answers only DescribeTable until it is ACTIVE."
            )
        return f"The replica in {update['Delete']['RegionName']} and its table were deleted."
    if result.operation == "UpdateReplicationSettings":
        return (
            f"Writes made from now on reach the other replicas "
            f"{request['ReplicationLagSeconds']:g} simulated seconds later."
        )
    if request["Paused"]:
        return (
            f"Replication to and from {request['RegionName']} is paused: writes there stay "
            "there, and writes elsewhere wait, until you resume it."
        )
    return f"Replication to and from {request['RegionName']} resumed: what waited arrives now."
