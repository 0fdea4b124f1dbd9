"""The request runner at /run/: any operation as JSON, where lessons' "Open in workbench"
buttons land."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from dynalab.console import runner
from dynalab.console.calls import endpoint_url
from dynalab.console.tables import table_names
from dynalab.console.views.base import region, workbench
from dynalab.sandboxes import selectors
from dynalab.sandboxes.capacity import capacity_lines


@require_http_methods(["GET", "POST"])
def run(request: HttpRequest) -> HttpResponse:
    """GET fills the form from ``?operation=&request=`` (nothing runs); POST runs it and shows
    the response, the consumed capacity and the same request as boto3 and AWS CLI code.

    The JSON twin of a POST is the service's answer: the response, or its error body (400).
    """
    sandbox = request.sandbox  # type: ignore[attr-defined]
    where = region(request)
    chosen_table = request.GET.get("table") or request.POST.get("table") or None
    template = None
    if request.method == "GET":
        context_facts = runner.template_context(sandbox, chosen_table, region=where)

        def template(operation: str) -> dict[str, Any]:
            return runner.request_template(operation, context_facts)

    source = request.POST if request.method == "POST" else request.GET
    if request.method == "GET" and request.GET.get("template"):
        # "Fill in the template": the operation and table chosen, not the text below them.
        source = {"operation": request.GET.get("operation", "")}
    form = runner.RunForm.from_data(source, template=template)
    result = None
    if request.method == "POST" and not form.errors:
        result = runner.run_request(sandbox, form, endpoint=endpoint_url(request), region=where)
    failed = result is not None and not result.ok
    facts = selectors.operation(form.operation)
    context = {
        "form": form,
        "result": result,
        "operations": runner.RUNNABLE_OPERATIONS,
        "groups": runner.operation_groups(),
        "facts": facts,
        "summary": runner.learner_summary(facts.summary) if facts else "",
        "dynalab": facts is not None and facts.api == selectors.DYNALAB_API,
        "table_names": table_names(sandbox, region=where),
        "chosen_table": chosen_table or "",
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
