"""The engine probe: an htmx partial or a full page, CSRF-protected, and escaped."""

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from dynalab.console import runner
from dynalab.sandboxes.errors import ServiceError

PROBE_URL = reverse("console:engine_probe")
HTMX = {"HTTP_HX_REQUEST": "true"}
HOSTILE = '<script>alert("x")</script>'


class SandboxThatAnswers:
    """Stands in for the scratch sandbox (a fresh one holds no table, so no markup), answering
    ListTables with a table name full of markup."""

    def execute(self, operation: str, request: dict[str, Any], **_: Any) -> dict[str, Any]:
        assert operation == "ListTables"
        return {"TableNames": [HOSTILE]}


class HostileError(ServiceError):
    code = "ValidationException"


class SandboxThatRefuses:
    def execute(self, operation: str, request: dict[str, Any], **_: Any) -> dict[str, Any]:
        raise HostileError(f"1 validation error detected: {HOSTILE}")


def test_htmx_request_gets_only_the_partial(client: Client) -> None:
    response = client.post(PROBE_URL, **HTMX)

    assert response.status_code == 200
    assert [t.name for t in response.templates] == ["console/_engine_probe.html"]
    html = response.content.decode()
    assert "<html" not in html
    assert 'Request <span class="font-mono normal-case">ListTables</span>' in html
    assert "HX-Request" in response["Vary"]


def test_request_without_javascript_gets_the_full_page(client: Client) -> None:
    response = client.post(PROBE_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith("<!DOCTYPE html>")
    assert 'Request <span class="font-mono normal-case">ListTables</span>' in html
    assert "HX-Request" in response["Vary"]


def test_boosted_request_gets_the_full_page(client: Client) -> None:
    response = client.post(PROBE_URL, HTTP_HX_BOOSTED="true", **HTMX)

    assert response.content.decode().startswith("<!DOCTYPE html>")


def test_probe_shows_what_the_real_engine_answered(client: Client) -> None:
    html = client.post(PROBE_URL, **HTMX).content.decode()

    # The engine may answer ListTables or, while it is being built, refuse it with a
    # service error; either way the page shows the engine's own words.
    assert "TableNames" in html or "Service error" in html


def test_probe_shows_a_response_as_json(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "ScratchSandbox", SandboxThatAnswers)

    response = client.post(PROBE_URL, **HTMX)

    probe = response.context["probe"]
    assert probe.ok
    assert json.loads(probe.response_json) == {"TableNames": [HOSTILE]}
    assert escape(probe.response_json) in response.content.decode()


def test_engine_values_are_escaped(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "ScratchSandbox", SandboxThatAnswers)

    html = client.post(PROBE_URL, **HTMX).content.decode()

    assert "<script>" not in html
    # The name as a JSON string, then HTML-escaped: "<script>alert(\"x\")</script>".
    assert escape(json.dumps(HOSTILE)) in html
    assert "&lt;script&gt;alert(" in html


def test_engine_error_text_is_escaped(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "ScratchSandbox", SandboxThatRefuses)

    html = client.post(PROBE_URL, **HTMX).content.decode()

    assert "ValidationException" in html
    assert "1 validation error detected: &lt;script&gt;alert(&quot;x&quot;)" in html
    assert "<script>" not in html


def test_probe_refuses_get(client: Client) -> None:
    assert client.get(PROBE_URL).status_code == 405


def test_post_without_csrf_token_is_refused() -> None:
    client = Client(enforce_csrf_checks=True)

    assert client.post(PROBE_URL, **HTMX).status_code == 403
    assert client.post(PROBE_URL).status_code == 403


def test_htmx_post_with_the_pages_csrf_header_is_accepted() -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("console:home")).content.decode()
    headers = json.loads(re.search(r"hx-headers='([^']*)'", page).group(1))

    response = client.post(PROBE_URL, headers=headers, **HTMX)

    assert response.status_code == 200


def test_form_post_with_the_pages_csrf_field_is_accepted() -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("console:home")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = client.post(PROBE_URL, {"csrfmiddlewaretoken": token})

    assert response.status_code == 200
