"""Several servers on one PostgreSQL agree (DESIGN: "Classroom: PostgreSQL through DATABASE_URL").

Each server is gunicorn with one threaded worker and its own engine cache, started on a loopback
port against the session's PostgreSQL database and driven over HTTP through the sandbox debug
endpoint, exactly as tests/sandboxes/test_processes.py does on SQLite. On PostgreSQL nothing
but the row lock (``SELECT ... FOR UPDATE`` on the sandbox) keeps two workers' writes apart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from tests.support import sandboxes as helpers
from tests.support.servers import Server, all_sort_keys, new_sandbox

#: Threads racing increments, half through each server, and how many each sends.
RACERS = 6
INCREMENTS = 10


def _hits(server: Server, sandbox_id: str) -> int:
    body = server.ok(sandbox_id, "GetItem", helpers.get_item(0, pk="counter"))
    return int(body["Item"]["hits"]["N"])


def test_two_servers_agree_and_count_every_racing_increment_once(
    server_env: dict[str, str], start_server: Callable[[], Server]
) -> None:
    first, second = start_server(), start_server()
    sandbox_id = new_sandbox(server_env, "pg-two-servers")
    first.ok(sandbox_id, "CreateTable", helpers.create_table())

    # Alternate: write through one, read back through the other, which holds its own cached
    # engine from the previous round and must catch up from the journal before answering.
    for n in range(20):
        writer, reader = (first, second) if n % 2 == 0 else (second, first)
        writer.ok(sandbox_id, "PutItem", helpers.put_item(n))
        counted = writer.ok(sandbox_id, "UpdateItem", helpers.add_to_counter())
        assert counted["Attributes"] == {"hits": {"N": str(n + 1)}}
        assert reader.ok(sandbox_id, "GetItem", helpers.get_item(n))["Item"]["sk"] == {"N": str(n)}

    # Threads race ADD increments and puts through both servers at once. Each increment's
    # answer is the counter after it: serialised by the row lock, the answers are exactly the
    # numbers 21..80, none twice and none skipped. After each acknowledgement, a read through
    # the other server must already see it.
    def race(writer: Server, reader: Server, racer: int) -> list[int]:
        answers = []
        for i in range(INCREMENTS):
            sk = 1000 + racer * INCREMENTS + i
            writer.ok(sandbox_id, "PutItem", helpers.put_item(sk))
            body = writer.ok(sandbox_id, "UpdateItem", helpers.add_to_counter())
            answers.append(int(body["Attributes"]["hits"]["N"]))
            assert reader.ok(sandbox_id, "GetItem", helpers.get_item(sk)).get("Item"), sk
            assert _hits(reader, sandbox_id) >= answers[-1]
        return answers

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        futures = [
            pool.submit(race, *((first, second) if r % 2 == 0 else (second, first)), r)
            for r in range(RACERS)
        ]
        answers = [answer for future in futures for answer in future.result()]

    total = 20 + RACERS * INCREMENTS
    assert sorted(answers) == list(range(21, total + 1))
    raced = {1000 + n for n in range(RACERS * INCREMENTS)}
    for server in (first, second):
        assert _hits(server, sandbox_id) == total
        assert all_sort_keys(server, sandbox_id) == set(range(20)) | raced


def test_acknowledged_writes_survive_sigkill_of_a_server(
    server_env: dict[str, str], start_server: Callable[[], Server]
) -> None:
    doomed, other = start_server(), start_server()
    sandbox_id = new_sandbox(server_env, "pg-sigkill")
    doomed.ok(sandbox_id, "CreateTable", helpers.create_table())
    assert all_sort_keys(other, sandbox_id) == set()  # the other server caches the engine

    # Two threads write through the doomed server; it is killed once N writes are
    # acknowledged, with more in flight (one may hold the row lock at that instant).
    wanted = 40
    acknowledged: set[int] = set()
    attempted: set[int] = set()
    enough = threading.Event()

    def keep_writing(start: int) -> None:
        for n in range(start, start + 1000):
            attempted.add(n)
            try:
                status, _ = doomed.call(sandbox_id, "PutItem", helpers.put_item(n))
            except OSError:
                return
            if status != 200:
                return
            acknowledged.add(n)
            if len(acknowledged) >= wanted:
                enough.set()

    writers = [threading.Thread(target=keep_writing, args=(s,)) for s in (0, 10_000)]
    for writer in writers:
        writer.start()
    assert enough.wait(timeout=30), f"only {len(acknowledged)} writes acknowledged"
    doomed.kill()
    for writer in writers:
        writer.join(timeout=30)
    assert len(acknowledged) >= wanted

    # PostgreSQL rolls back the dead worker's open transaction and frees its row lock: the
    # server that was running all along catches up and writes on, and a new one finds it all.
    found = all_sort_keys(other, sandbox_id)
    assert acknowledged <= found <= attempted
    other.ok(sandbox_id, "PutItem", helpers.put_item(-1))
    assert all_sort_keys(start_server(), sandbox_id) == found | {-1}


def test_strings_holding_nul_round_trip_through_servers(
    server_env: dict[str, str], start_server: Callable[[], Server]
) -> None:
    """U+0000 is a valid DynamoDB string; jsonb and text columns refuse it (it used to be 500)."""
    first, second = start_server(), start_server()
    sandbox_id = new_sandbox(server_env, "pg-nul")
    first.ok(sandbox_id, "CreateTable", helpers.create_table())
    item = {"zebra": {"S": "a\x00b"}, "pk": {"S": "artist"}, "sk": {"N": "1"}}
    first.ok(sandbox_id, "PutItem", {"TableName": helpers.TABLE, "Item": item})

    assert second.ok(sandbox_id, "GetItem", helpers.get_item(1))["Item"] == item
    # Refused calls whose message or operation repeat the U+0000 are recorded and answered.
    status, body = first.call(sandbox_id, "GetItem", helpers.get_item(1, table="Mu\x00sic"))
    assert (status, body["__type"].rsplit("#")[-1]) == (400, "ValidationException")
    status, body = second.call(sandbox_id, "Get\x00Item", {})
    assert (status, body["__type"].rsplit("#")[-1]) == (400, "UnknownOperationException")
    assert start_server().ok(sandbox_id, "GetItem", helpers.get_item(1))["Item"] == item
