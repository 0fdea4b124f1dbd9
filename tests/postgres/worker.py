"""A sandbox worker in a process of its own, for tests/postgres (DATABASE_URL picks the database).

``python -m tests.postgres.worker workload SANDBOX_ID`` runs a varied history of calls on the
sandbox through ``services.execute``, as a server's worker does, and prints what the engine it
kept holds; ``... rebuild SANDBOX_ID`` is a worker that has just started: it rebuilds the engine
from the newest snapshot and the journal after it, and prints the same; ``... replay
SANDBOX_ID`` loads the oldest snapshot kept (the journal before it is compacted away) and
replays every entry after it. Each prints one JSON object: ``state`` (``Engine.dump()`` minus
the clock, keys in the engine's order), ``last_sequence``, ``snapshot`` and
``oldest_snapshot`` (the newest and oldest snapshots' sequences, 0 if none) and ``journal``
(every entry's sequence, operation and request as read back from the database).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dynalab.settings")
django.setup()

from dynalab.sandboxes import journal, services  # noqa: E402
from dynalab.sandboxes.models import JournalEntry, Sandbox, Snapshot  # noqa: E402
from engine import MultiRegionEngine  # noqa: E402
from engine.errors import ConditionalCheckFailedException  # noqa: E402
from tests.support import sandboxes as helpers  # noqa: E402

#: U+0000, which PostgreSQL's jsonb and text refuse, and characters beyond ASCII.
AWKWARD = "nul\x00in the middle, Björk 🎵"


def _music_table() -> dict[str, Any]:
    request = helpers.create_table()
    request["AttributeDefinitions"].append({"AttributeName": "genre", "AttributeType": "S"})
    request["GlobalSecondaryIndexes"] = [
        {
            "IndexName": "ByGenre",
            "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }
    ]
    request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    return request


def _provisioned_table(name: str) -> dict[str, Any]:
    request = helpers.create_table(name)
    del request["BillingMode"]
    request["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    return request


def workload(sandbox: Sandbox) -> None:
    """Tables of each kind, items of every type, batches, transactions, reads that count, time."""

    def call(operation: str, request: dict[str, Any]) -> None:
        services.execute(sandbox, operation, request)

    call("CreateTable", _music_table())
    call("CreateTable", _provisioned_table("Albums"))
    call(
        "UpdateTimeToLive",
        {
            "TableName": helpers.TABLE,
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expires"},
        },
    )
    # Attribute names in an order jsonb would not keep (it sorts keys by length, then bytes).
    call(
        "PutItem",
        {
            "TableName": helpers.TABLE,
            "Item": {
                "zebra_long_name": {"S": "first"},
                "pk": {"S": "artist"},
                "sk": {"N": "1"},
                "genre": {"S": AWKWARD},
                f"name{AWKWARD}": {"S": AWKWARD},
                "a": {
                    "M": {
                        "z": {"L": [{"N": "12345678901234567890.123456789"}, {"NULL": True}]},
                        "b": {"BOOL": False},
                    }
                },
                "sets": {"SS": ["x", "\x00", "é"]},
                "numbers": {"NS": ["1", "-0.5", "1E+10"]},
                "blob": {"B": "AAEC/w=="},
                # A minute from now: deleted by TTL once the clock moves on below.
                "expires": {"N": str(int(time.time()) + 60)},
            },
        },
    )
    for sk in range(2, 9):
        call("PutItem", helpers.put_item(sk, title=f"song {sk} {AWKWARD}", genre="rock"))
    for _ in range(3):
        call("UpdateItem", helpers.add_to_counter())
    call(
        "UpdateItem",
        {
            **helpers.key(2),
            "UpdateExpression": "SET #t = :t, plays = if_not_exists(plays, :zero) + :one",
            "ExpressionAttributeNames": {"#t": "title"},
            "ExpressionAttributeValues": {
                ":t": {"S": AWKWARD},
                ":zero": {"N": "0"},
                ":one": {"N": "1"},
            },
        },
    )
    # Tables in an order jsonb would not keep ("Music" is shorter, so it would come first).
    call(
        "BatchWriteItem",
        {
            "RequestItems": {
                "Albums": [
                    {"PutRequest": {"Item": {"pk": {"S": "a"}, "sk": {"N": str(n)}}}}
                    for n in range(3)
                ],
                helpers.TABLE: [{"DeleteRequest": {"Key": helpers.key(3)["Key"]}}],
            }
        },
    )
    call(
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Put": helpers.put_item(100, title="in a transaction")},
                {"Delete": helpers.key(0, pk="a", table="Albums")},
            ],
            "ClientRequestToken": "token-1",
        },
    )
    # Reads of a provisioned table draw from its buckets: they are journaled too.
    for _ in range(3):
        call("GetItem", helpers.get_item(1, pk="a", table="Albums"))
    call("Query", helpers.query("a", table="Albums"))
    try:  # refused (the batch deleted it): recorded as activity, not journaled
        call("PutItem", {**helpers.put_item(3), "ConditionExpression": "attribute_exists(pk)"})
    except ConditionalCheckFailedException:
        pass
    else:
        raise AssertionError("the condition should have failed")
    services.advance_clock(sandbox, 3 * 24 * 3600)  # TTL deletes within two days
    call("DeleteItem", helpers.key(4))
    call("PutItem", helpers.put_item(9, title=AWKWARD))


def report(sandbox: Sandbox, state: dict[str, Any]) -> dict[str, Any]:
    snapshot = Snapshot.objects.filter(sandbox=sandbox).order_by("-sequence").first()
    oldest = Snapshot.objects.filter(sandbox=sandbox).order_by("sequence").first()
    entries = JournalEntry.objects.filter(sandbox=sandbox).order_by("sequence")
    return {
        "state": state,
        "last_sequence": sandbox.last_sequence,
        "snapshot": snapshot.sequence if snapshot is not None else 0,
        "oldest_snapshot": oldest.sequence if oldest is not None else 0,
        "journal": [
            {"sequence": e.sequence, "operation": e.operation, "request": e.request}
            for e in entries
        ],
    }


def main(command: str, sandbox_id: str) -> None:
    sandbox = Sandbox.objects.get(pk=sandbox_id)
    if command == "workload":
        workload(sandbox)
        cached = services.ENGINES.peek(sandbox.pk)
        assert cached is not None, "the worker should have kept its engine"
        engine = cached.engine
    elif command == "rebuild":
        assert services.ENGINES.peek(sandbox.pk) is None
        engine = services.engine_state(sandbox)  # rebuilt: newest snapshot, then the journal
    elif command == "replay":
        oldest = Snapshot.objects.filter(sandbox=sandbox).order_by("sequence").first()
        engine = (
            MultiRegionEngine.loads(oldest.state) if oldest is not None else MultiRegionEngine()
        )
        start = oldest.sequence if oldest is not None else 0
        journal.catch_up(engine, sandbox.pk, start, sandbox.last_sequence)
    else:
        raise SystemExit(f"unknown command {command!r}: workload, rebuild or replay")
    sandbox.refresh_from_db()
    json.dump(report(sandbox, helpers.state_without_clock(engine)), sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:])
