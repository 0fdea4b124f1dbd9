"""Calls the workbench makes on a learner's behalf, and their errors split by form field.

Every call goes through ``dynalab.sandboxes.services.execute`` (source "console"); a service
error is part of the result, shown beside the field it concerns, never an exception a view
has to catch.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from dynalab.console.codegen import RequestCode
from dynalab.sandboxes import services as sandbox_services
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.models import Sandbox

#: The Activity source of every call the workbench makes.
SOURCE = "console"
#: Session key of the last change the workbench made, shown once on the next page.
SESSION_LAST_CALL = "console_last_call"


@dataclass
class FieldErrors:
    """A service error as the learner sees it, split into the fields it concerns."""

    code: str
    message: str
    #: form field name -> messages; "" collects what concerns no one field.
    by_field: dict[str, list[str]] = field(default_factory=dict)

    @property
    def general(self) -> list[str]:
        return self.by_field.get("", [])

    def as_json(self) -> dict[str, str]:
        """The service's error body: what a script reading a page's JSON twin gets."""
        return {"__type": self.code, "message": self.message}


@dataclass
class CallResult:
    """One request the workbench ran: what it sent, and the response or the error."""

    operation: str
    request: dict[str, Any]
    endpoint_url: str
    response: dict[str, Any] | None = None
    error: FieldErrors | None = None
    #: The AWS Region the request ran in.
    region: str = "us-east-1"

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def code(self) -> RequestCode:
        return RequestCode(self.operation, self.request, self.endpoint_url, self.region)

    @property
    def response_json(self) -> str:
        return json.dumps(self.response, indent=2, ensure_ascii=False)

    def as_json(self) -> Any:
        """The response, or the service's error body."""
        return self.response if self.error is None else self.error.as_json()


def endpoint_url(request: HttpRequest) -> str:
    """Where boto3 and the AWS CLI reach this server's DynamoDB endpoint (dynalab.api)."""
    try:
        path = reverse("api:endpoint")
    except NoReverseMatch:
        path = "/"
    return request.build_absolute_uri(path)


def call(
    sandbox: Sandbox,
    operation: str,
    request: dict[str, Any],
    *,
    endpoint: str,
    region: str,
    fields: list[tuple[str, str]] | None = None,
) -> CallResult:
    """Run one operation in one Region of the sandbox; a service error becomes part of the
    result.

    ``fields`` maps fragments of the service's messages to form fields (see split_error).
    """
    try:
        response = sandbox_services.execute(
            sandbox, operation, request, source=SOURCE, region=region
        )
    except ServiceError as error:
        return CallResult(
            operation,
            request,
            endpoint,
            error=split_error(error.code, error.message, fields or []),
            region=region,
        )
    return CallResult(operation, request, endpoint, response=response, region=region)


_VIOLATIONS = re.compile(r"^\d+ validation errors? detected: ")


def split_error(code: str, message: str, fields: list[tuple[str, str]]) -> FieldErrors:
    """Give each part of a service error to the form field it concerns.

    The service joins several constraint violations into one message ("2 validation errors
    detected: Value 'a' at 'tableName' ...; Value '0' at 'provisionedThroughput...' ...");
    each part goes to the first field whose fragment it contains (case-insensitive), the
    rest to "" (the form as a whole).
    """
    parts = [message]
    if _VIOLATIONS.match(message):
        parts = re.split(r"; (?=Value )", _VIOLATIONS.sub("", message))
    by_field: dict[str, list[str]] = {}
    for part in parts:
        lowered = part.lower()
        target = next(
            (name for fragment, name in fields if fragment.lower() in lowered),
            "",
        )
        by_field.setdefault(target, []).append(part)
    return FieldErrors(code, message, by_field)


def remember_call(request: HttpRequest, result: CallResult) -> None:
    """Keep a successful change to show on the next page ("what just ran")."""
    request.session[SESSION_LAST_CALL] = {
        "operation": result.operation,
        "request": result.request,
        "region": result.region,
    }


def pop_last_call(request: HttpRequest) -> RequestCode | None:
    stored = request.session.pop(SESSION_LAST_CALL, None)
    if not stored:
        return None
    return RequestCode(
        stored["operation"],
        stored["request"],
        endpoint_url(request),
        stored.get("region", "us-east-1"),
    )


def url_json(value: dict[str, Any]) -> str:
    """Compact JSON for a URL parameter."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
