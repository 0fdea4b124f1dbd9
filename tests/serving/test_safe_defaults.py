"""Issue 14, section 4, "safe defaults": debug pages stay on loopback, the endpoint honours
ALLOWED_HOSTS, and a page's 500 is logged with its traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from dynalab.classroom.management.commands.runserver import listening_host
from tests.support.servers import REPO


@pytest.mark.parametrize("address", ["0.0.0.0:8000", "0:8000", "[::]:8000", "192.168.1.5:80"])
def test_runserver_with_debug_on_refuses_any_address_but_loopback(address: str) -> None:
    with override_settings(DEBUG=True), pytest.raises(CommandError, match="loopback"):
        call_command("runserver", address, use_reloader=False)


def test_loopback_addresses_are_what_runserver_keeps() -> None:
    assert [listening_host(a) for a in ["", "8000", "127.0.0.1:8000", "[::1]:8000"]] == [
        "",
        "",
        "127.0.0.1",
        "[::1]",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/dynamodb/", "/dynamodb"])
def test_the_endpoint_refuses_a_host_it_does_not_serve(path: str) -> None:
    client = Client()
    headers = {
        "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.ListTables",
        "content_type": "application/x-amz-json-1.0",
    }
    refused = client.post(path, data=b"{}", HTTP_HOST="attacker.example", **headers)
    served = client.post(path, data=b"{}", HTTP_HOST="localhost", **headers)

    assert refused.status_code == 400
    body = json.loads(refused.content)
    assert body["__type"] == "com.amazonaws.dynamodb.v20120810#ValidationException"
    assert "does not answer for the host name" in body["message"]
    assert b"host name" not in served.content


def test_a_page_500_is_logged_with_its_traceback(tmp_path) -> None:
    """In a process of its own, as a server's worker: the traceback reaches its stderr (the
    server's log) with debug off, where Django's default sent it only to mail_admins."""
    script = (
        "import django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'dynalab.settings'\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "settings.ROOT_URLCONF = 'tests.support.failing_urls'\n"
        "from django.test import Client\n"
        "from django.test.utils import setup_test_environment\n"
        "setup_test_environment()\n"
        "response = Client(raise_request_exception=False).get('/broken/')\n"
        "print(response.status_code)\n"
    )
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip

    assert result.stdout.strip() == "500", result.stderr
    assert "Internal Server Error: /broken/" in result.stderr
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: the page broke on purpose" in result.stderr
