"""Console services: the work behind the console's views, so the views stay thin."""

import json
from dataclasses import dataclass
from typing import Any

from engine import DynamoDBError, Engine

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
    """Send ListTables to a fresh engine and report exactly what it answered.

    A service error is a result, not a failure: it is shown to the learner as the service
    would send it.
    """
    engine = Engine()
    request = dict(PROBE_REQUEST)
    try:
        response = engine.call(PROBE_OPERATION, dict(request))
    except DynamoDBError as error:
        return ProbeResult(
            operation=PROBE_OPERATION,
            request=request,
            error_code=error.code,
            error_message=error.message,
        )
    return ProbeResult(operation=PROBE_OPERATION, request=request, response=response)
