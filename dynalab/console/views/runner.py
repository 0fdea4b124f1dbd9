"""The request runner at /run/: any operation as JSON, where lessons' "Open in workbench"
buttons land."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from dynalab.console import runner
from dynalab.console.calls import endpoint_url
from dynalab.console.views.base import region, workbench
from dynalab.sandboxes.capacity import capacity_lines


@require_http_methods(["GET", "POST"])
def run(request: HttpRequest) -> HttpResponse:
    """GET fills the form from ``?operation=&request=`` (nothing runs); POST runs it and shows
    the response, the consumed capacity and the same request as boto3 and AWS CLI code.

    The JSON twin of a POST is the service's answer: the response, or its error body (400).
    """
    source = request.POST if request.method == "POST" else request.GET
    form = runner.RunForm.from_data(source)
    result = None
    if request.method == "POST" and not form.errors:
        result = runner.run_request(
            request.sandbox,  # type: ignore[attr-defined]
            form,
            endpoint=endpoint_url(request),
            region=region(request),
        )
    failed = result is not None and not result.ok
    context = {
        "form": form,
        "result": result,
        "operations": runner.RUNNABLE_OPERATIONS,
        "capacity": capacity_lines((result.response or {}).get("ConsumedCapacity"))
        if result is not None and result.ok
        else [],
    }
    return workbench(
        request,
        "console/run.html",
        context,
        json=lambda: (
            result.as_json()
            if result is not None
            else {"Operation": form.operation, "Request": form.request, "Errors": form.errors}
        ),
        status=400 if form.errors else 200,
        json_status=400 if form.errors or failed else 200,
    )
