"""The request runner: any operation as JSON in the learner's sandbox; and the home page's
engine probe, one request to a brand-new sandbox."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dynalab.console.calls import SOURCE, CallResult, call
from dynalab.sandboxes import selectors
from dynalab.sandboxes.capacity import bills_capacity
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.models import Sandbox
from dynalab.sandboxes.scratch import ScratchSandbox

PROBE_OPERATION = "ListTables"
PROBE_REQUEST: dict[str, Any] = {}


@dataclass(frozen=True)
class ProbeResult:
    """What one request to a brand-new engine gave back: a response or a service error."""

    operation: str
    request: dict[str, Any]
    response: dict[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_code is None

    @property
    def request_json(self) -> str:
        return json.dumps(self.request, indent=2, sort_keys=True)

    @property
    def response_json(self) -> str:
        return json.dumps(self.response, indent=2, sort_keys=True)


def probe_engine() -> ProbeResult:
    """Send ListTables to a fresh scratch sandbox and report exactly what it answered.

    A service error is a result, not a failure: it is shown to the learner as the service
    would send it.
    """
    request = dict(PROBE_REQUEST)
    try:
        response = ScratchSandbox().execute(PROBE_OPERATION, dict(request), source=SOURCE)
    except ServiceError as error:
        return ProbeResult(
            operation=PROBE_OPERATION,
            request=request,
            error_code=error.code,
            error_message=error.message,
        )
    return ProbeResult(operation=PROBE_OPERATION, request=request, response=response)


#: Operations the request runner offers (everything a sandbox answers), by name.
RUNNABLE_OPERATIONS: list[str] = [facts.name for facts in selectors.operations()]


@dataclass
class RunForm:
    """The request runner's form: an operation and its request as JSON text."""

    operation: str = ""
    request_text: str = ""
    request: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Any) -> RunForm:
        form = cls(
            operation=str(data.get("operation", "")).strip(),
            request_text=str(data.get("request", "")),
        )
        if not form.operation and not form.request_text:
            form.operation = "ListTables"
            form.request_text = "{}"
            return form
        if form.operation not in RUNNABLE_OPERATIONS:
            form.errors["operation"] = [
                f"{form.operation or 'Nothing'} is not an operation this engine answers; "
                "pick one from the list."
            ]
        try:
            parsed = json.loads(form.request_text or "{}")
        except json.JSONDecodeError as error:
            form.errors["request"] = [
                f"The request is not valid JSON: {error.msg} (line {error.lineno}, "
                f"column {error.colno})."
            ]
            return form
        if not isinstance(parsed, dict):
            form.errors["request"] = ["The request must be a JSON object: { ... }."]
            return form
        form.request = parsed
        if form.request_text and not form.errors:
            form.request_text = json.dumps(parsed, indent=2, ensure_ascii=False)
        return form


def run_request(sandbox: Sandbox, form: RunForm, *, endpoint: str, region: str) -> CallResult:
    """Run the form's request in one Region of the sandbox, asking for the capacity it
    consumed."""
    request = dict(form.request)
    if bills_capacity(form.operation) and "ReturnConsumedCapacity" not in request:
        request["ReturnConsumedCapacity"] = "TOTAL"
    return call(sandbox, form.operation, request, endpoint=endpoint, region=region)
