"""Real server processes on one database: workers agree, and acknowledged writes survive.

Each test starts gunicorn (one worker process, four threads: the production setup in
miniature) on a free loopback port against a temporary SQLite file, and talks to it over
HTTP through the sandbox debug endpoint, which only these servers turn on. Every server keeps
its own engine cache, so a write through one and a read through the other only agree if the
journal is shared and each worker catches up before it serves.
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import sandboxes as helpers
from tests.support.servers import Server, all_sort_keys, manage, new_sandbox


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for a fresh migrated SQLite file shared by every server of this module."""
    folder = tmp_path_factory.mktemp("servers")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "dynalab.settings",
        "DYNALAB_SANDBOX_DEBUG_API": "1",
        # Small, so a restarted server loads a snapshot and replays the journal after it.
        "DYNALAB_SANDBOX_SNAPSHOT_EVERY": "5",
        "DJANGO_DEBUG": "0",
        "LOG_FOLDER": str(folder),
    }
    manage(env, "migrate", "--no-input", "-v0")
    return env


@pytest.fixture
def start_server(server_env: dict[str, str]) -> Iterator[Callable[[], Server]]:
    started: list[Server] = []

    def start() -> Server:
        server = Server(server_env, Path(server_env["LOG_FOLDER"]) / "servers.log")
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()


def test_two_servers_each_see_every_write_the_other_acknowledged(
    server_env: dict[str, str], start_server: Callable[[], Server]
) -> None:
    first, second = start_server(), start_server()
    sandbox_id = new_sandbox(server_env, "two-servers")
    first.ok(sandbox_id, "CreateTable", helpers.create_table())

    # Alternate: write through one, read back through the other, which holds its own
    # cached engine from the previous round and must catch up before answering.
    for n in range(20):
        writer, reader = (first, second) if n % 2 == 0 else (second, first)
        writer.ok(sandbox_id, "PutItem", helpers.put_item(n))
        counted = writer.ok(sandbox_id, "UpdateItem", helpers.add_to_counter())
        assert counted["Attributes"] == {"hits": {"N": str(n + 1)}}
        assert reader.ok(sandbox_id, "GetItem", helpers.get_item(n))["Item"]["sk"] == {"N": str(n)}

    # Concurrent increments through both servers: serialised, so no update is lost and no
    # two calls saw the same counter.
    seen: list[int] = []

    def increment(server: Server) -> None:
        for _ in range(10):
            body = server.ok(sandbox_id, "UpdateItem", helpers.add_to_counter())
            seen.append(int(body["Attributes"]["hits"]["N"]))

    threads = [threading.Thread(target=increment, args=(s,)) for s in (first, second) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(seen) == list(range(21, 61))
    for server in (first, second):
        counter = server.ok(sandbox_id, "GetItem", helpers.get_item(0, pk="counter"))
        assert counter["Item"]["hits"] == {"N": "60"}
        assert all_sort_keys(server, sandbox_id) == set(range(20))


def test_acknowledged_writes_survive_sigkill(
    server_env: dict[str, str], start_server: Callable[[], Server]
) -> None:
    doomed = start_server()
    sandbox_id = new_sandbox(server_env, "sigkill")
    doomed.ok(sandbox_id, "CreateTable", helpers.create_table())
    acknowledged = set()
    for n in range(25):
        doomed.ok(sandbox_id, "PutItem", helpers.put_item(n))
        acknowledged.add(n)

    # Keep writing from a second thread and kill the server mid-stream.
    attempted: set[int] = set()

    def keep_writing() -> None:
        for n in range(1000, 2000):
            attempted.add(n)
            try:
                status, _ = doomed.call(sandbox_id, "PutItem", helpers.put_item(n))
            except (OSError, http.client.HTTPException):
                return  # the kill landed mid-call: this write was never acknowledged
            if status == 200:
                acknowledged.add(n)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    time.sleep(0.3)
    doomed.kill()
    writer.join(timeout=30)
    assert len(acknowledged) > 25, "the kill should land while writes are flowing"

    survivor = start_server()
    found = all_sort_keys(survivor, sandbox_id)

    assert acknowledged <= found
    assert found <= set(range(25)) | attempted
