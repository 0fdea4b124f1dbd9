"""The Connect page: the visitor's keys and ready-to-copy snippets for boto3, the CLI and the
environment, never cached, linked from the header."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client

from dynalab.sandboxes.models import Sandbox

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_sessions_sandbox_keys_in_every_snippet(client: Client) -> None:
    response = client.get("/connect/")

    assert response.status_code == 200
    assert response.templates[0].name == "api/connect.html"
    sandbox = Sandbox.objects.get()
    connection = response.context["connection"]
    assert (connection.access_key_id, connection.secret_access_key) == (
        sandbox.access_key_id,
        sandbox.secret_access_key,
    )
    html = unescape(response.content.decode())
    for snippet in ("boto3-snippet", "cli-configure-snippet", "environment-snippet"):
        block = html.split(f'id="{snippet}">', 1)[1].split("</code>", 1)[0]
        assert sandbox.access_key_id in block
        assert sandbox.secret_access_key in block
    assert 'endpoint_url="http://testserver/"' in html
    assert "--endpoint-url http://testserver/" in html
    assert "export AWS_ENDPOINT_URL_DYNAMODB=http://testserver/" in html
    assert "http://testserver/dynamodb/" in html


def test_the_same_session_keeps_its_keys(client: Client) -> None:
    first = client.get("/connect/").context["connection"].access_key_id

    assert client.get("/connect/").context["connection"].access_key_id == first


def test_the_page_is_never_cached(client: Client) -> None:
    assert "no-store" in client.get("/connect/")["Cache-Control"]


def test_single_user_mode_says_so(client: Client, settings) -> None:
    assert "single-user mode" not in client.get("/connect/").content.decode()

    settings.DYNALAB_API_ACCEPT_ANY_KEY = True

    assert "single-user mode" in client.get("/connect/").content.decode()


def test_the_header_links_the_page(client: Client) -> None:
    home = client.get("/").content.decode()
    connect = client.get("/connect/").content.decode()

    assert 'href="/connect/"' in home
    assert 'href="/connect/" aria-current="page"' in connect


def test_only_get(client: Client) -> None:
    assert client.post("/connect/").status_code == 405
