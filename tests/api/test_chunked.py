"""Request bodies sent with ``Transfer-Encoding: chunked`` are read, under the test server
(which hands the raw chunks through) and under gunicorn (which decodes them)."""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dynalab.sandboxes.models import Sandbox
from tests.support import api as helpers
from tests.support.servers import Server, manage


def _post_chunked(url: str, payload: bytes, headers: dict[str, str], sizes: list[int]):
    """POST ``payload`` in chunks of the given sizes (the last chunk takes the rest)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    chunks, start = [], 0
    for size in sizes:
        chunks.append(payload[start : start + size])
        start += size
    chunks.append(payload[start:])
    connection.request(
        "POST",
        parts.path or "/",
        body=iter([c for c in chunks if c]),
        headers=headers,
        encode_chunked=True,
    )
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def _signed(url: str, payload: bytes, sandbox: Sandbox, operation: str) -> dict[str, str]:
    headers = helpers.signed_headers(
        url,
        payload,
        target=f"DynamoDB_20120810.{operation}",
        access_key_id=sandbox.access_key_id,
        secret_access_key=sandbox.secret_access_key,
    )
    headers.pop("Content-Length", None)
    return headers


def test_a_chunked_call_runs_on_the_test_server(live_server, sandbox: Sandbox) -> None:
    url = live_server.url + "/"
    create = helpers.body(helpers.create_table_request())
    response, body = _post_chunked(
        url, create, _signed(url, create, sandbox, "CreateTable"), [7, 50]
    )
    assert response.status == 200, body
    assert json.loads(body)["TableDescription"]["TableName"] == helpers.TABLE
    listed = b"{}"
    response, body = _post_chunked(url, listed, _signed(url, listed, sandbox, "ListTables"), [1])
    assert response.status == 200, body
    assert json.loads(body) == {"TableNames": [helpers.TABLE]}


def test_a_chunked_body_over_the_cap_is_refused(
    live_server, sandbox: Sandbox, api_settings
) -> None:
    api_settings.DYNALAB_API_MAX_REQUEST_BYTES = 100
    url = live_server.url + "/"
    payload = json.dumps({"TableName": "x" * 500}).encode()
    response, body = _post_chunked(
        url, payload, _signed(url, payload, sandbox, "DescribeTable"), [60]
    )
    assert response.status == 413
    assert json.loads(body)["__type"].endswith("#ValidationException")


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[Server]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "dynalab.settings",
        "DYNALAB_API_ACCEPT_ANY_KEY": "1",
        "DJANGO_DEBUG": "0",
    }
    manage(env, "migrate", "--no-input", "-v0")
    server = Server(env, tmp_path / "server.log")
    yield server
    server.kill()


def test_a_chunked_call_runs_under_gunicorn(gunicorn: Server) -> None:
    url = f"http://127.0.0.1:{gunicorn.port}/"
    payload = b'{"Limit": 5}'
    headers = helpers.signed_headers(
        url,
        payload,
        target="DynamoDB_20120810.ListTables",
        access_key_id="CHUNKED",
        secret_access_key="any",
    )
    headers.pop("Content-Length", None)
    response, body = _post_chunked(url, payload, headers, [3, 3])
    assert response.status == 200, body
    assert json.loads(body) == {"TableNames": []}
