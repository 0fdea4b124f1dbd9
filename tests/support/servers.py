"""Real servers for the tests that need them: gunicorn on a free loopback port, and the
management commands that set up their sandboxes."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.support import sandboxes as helpers

REPO = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 20
#: With debug off a server refuses the development key (dynalab/security.py): test servers
#: get one of their own unless the test sets one.
TEST_SECRET_KEY = "test-servers-only-" + "k" * 40


def with_test_defaults(env: dict[str, str]) -> dict[str, str]:
    """A secret key, and no page or sandbox-creation rate limits (these tests drive one
    server from one address as fast as it goes), unless the test set them."""
    return {
        "DJANGO_SECRET_KEY": TEST_SECRET_KEY,
        "DYNALAB_PAGE_REQUESTS_PER_SECOND": "0",
        "DYNALAB_SANDBOX_CREATIONS_PER_MINUTE": "0",
        **env,
    }


class Server:
    """One gunicorn process group serving the project on 127.0.0.1:``port``."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        env = with_test_defaults(env)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "dynalab.wsgi:application",
                    f"--bind=127.0.0.1:{self.port}",
                    "--workers=1",
                    "--threads=4",
                    "--log-level=warning",
                ],
                cwd=REPO,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: master and worker die together
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.kill()
                    raise RuntimeError(f"server did not start:\n{log.read_text()}") from None
                time.sleep(0.05)

    def call(self, sandbox_id: str, operation: str, request: dict[str, Any]) -> tuple[int, dict]:
        body = json.dumps({"Operation": operation, "Request": request}).encode()
        http_request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/sandboxes/{sandbox_id}/execute",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(http_request, timeout=30) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def ok(self, sandbox_id: str, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        status, body = self.call(sandbox_id, operation, request)
        assert status == 200, (operation, body)
        return body

    def kill(self) -> None:
        """SIGKILL the whole group: no shutdown code runs, as in a crash or an OOM kill."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def new_sandbox(env: dict[str, str], label: str) -> str:
    return json.loads(manage(env, "sandbox_create", f"--label={label}"))["id"]


def all_sort_keys(server: Server, sandbox_id: str) -> set[int]:
    body = server.ok(sandbox_id, "Query", helpers.query())
    assert "LastEvaluatedKey" not in body
    return {int(item["sk"]["N"]) for item in body["Items"]}


class ProductionServer:
    """The server ``make serve`` starts: gunicorn with dynalab/gunicorn_conf.py (uvicorn's
    workers) serving dynalab.asgi, debug off, on a free loopback port (HOST_PORT)."""

    def __init__(self, env: dict[str, str], log: Path, *, workers: int = 1) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = log
        env = with_test_defaults(
            {
                "DJANGO_DEBUG": "0",
                "HOST_PORT": f"127.0.0.1:{self.port}",
                "DYNALAB_SERVER_WORKERS": str(workers),
                "DYNALAB_ACCESS_LOG": "",
                **env,
            }
        )
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "dynalab/gunicorn_conf.py",
                    "dynalab.asgi:application",
                ],
                cwd=REPO,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:  # any answer will do (a redirect to https included)
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/learn/", headers={"Host": "127.0.0.1"})
                connection.getresponse().read()
                connection.close()
                return
            except (OSError, http.client.HTTPException):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"server did not start:\n{log.read_text()}") from None
                time.sleep(0.1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
