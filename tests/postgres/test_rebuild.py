"""A worker that has just started rebuilds, from PostgreSQL alone, the engine another worker had.

tests/postgres/worker.py runs a varied history in one process (the worker that ran the calls)
and rebuilds in others (workers that just started); the journal, the snapshots and the
sandbox row are all they share. States are compared key order included: the journal keeps
each request as the text that ran (models.JSONTextField), where jsonb would hand replay its
keys re-sorted and rebuilt items would list their attributes in another order.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.support.servers import REPO, new_sandbox


def _worker(env: dict[str, str], command: str, sandbox_id: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.postgres.worker", command, sandbox_id],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_fresh_worker_rebuilds_the_same_state_from_snapshot_and_journal(
    server_env: dict[str, str],
) -> None:
    sandbox_id = new_sandbox(server_env, "pg-rebuild")
    ran = _worker(server_env, "workload", sandbox_id)
    rebuilt = _worker(server_env, "rebuild", sandbox_id)
    replayed = _worker(server_env, "replay", sandbox_id)

    # The rebuild loaded a snapshot and replayed the journal after it; the replay loaded the
    # older snapshot and replayed every entry kept after it (reads included).
    assert 0 < rebuilt["snapshot"] < rebuilt["last_sequence"] == ran["last_sequence"]
    kept = {e["operation"] for e in ran["journal"]}
    assert {"GetItem", "AdvanceClock", "PutItem"} <= kept
    # The journal is compacted: it starts right after the older of the two snapshots kept.
    assert 0 < ran["oldest_snapshot"] < ran["snapshot"]
    assert ran["journal"][0]["sequence"] == ran["oldest_snapshot"] + 1
    for other in (rebuilt, replayed):
        assert other["state"] == ran["state"]
        assert json.dumps(other["state"]) == json.dumps(ran["state"]), "same keys, other order"
    tables = ran["state"]["regions"]["us-east-1"]["tables"]
    music = next(t for t in tables if t["name"] == "Music")
    items = {(i["pk"]["S"], i["sk"]["N"]) for i in music["items"]}
    assert ("artist", "1") not in items, "TTL should have deleted it when the clock moved"
    assert ("artist", "9") in items


def test_the_journal_reads_back_each_request_as_it_ran(server_env: dict[str, str]) -> None:
    sandbox_id = new_sandbox(server_env, "pg-journal")
    # No snapshot, so no compaction: the whole journal is there to read back.
    no_snapshots = {**server_env, "DYNALAB_SANDBOX_SNAPSHOT_EVERY": "100000"}
    journal = _worker(no_snapshots, "workload", sandbox_id)["journal"]

    put = next(e["request"] for e in journal if e["operation"] == "PutItem")
    assert list(put["Item"])[:3] == ["zebra_long_name", "pk", "sk"]
    assert put["Item"]["genre"]["S"].startswith("nul\x00in the middle, Björk")
    batch = next(e["request"] for e in journal if e["operation"] == "BatchWriteItem")
    assert list(batch["RequestItems"]) == ["Albums", "Music"]
    clock = next(e["request"] for e in journal if e["operation"] == "AdvanceClock")
    assert clock == {"seconds": 3 * 24 * 3600.0} and isinstance(clock["seconds"], float)
