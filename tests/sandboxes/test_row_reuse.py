"""A page reads its sandbox's row once: the looks that follow in the same request reuse it
for a moment (services.ROW_REUSE_SECONDS), and nothing this worker writes is missed."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dynalab.sandboxes import services
from dynalab.sandboxes.models import Sandbox
from tests.support import sandboxes as helpers


def _row_reads(queries: CaptureQueriesContext) -> int:
    return sum(1 for q in queries.captured_queries if "sandboxes_sandbox" in q["sql"])


def test_looks_right_after_loading_read_no_row_again(
    sandbox_with_table: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A window far wider than the half second, so a slow shared machine cannot close it.
    monkeypatch.setattr(services, "ROW_REUSE_SECONDS", 60.0)
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))
    loaded = Sandbox.objects.get(pk=sandbox_with_table.pk)
    with CaptureQueriesContext(connection) as queries:
        services.simulated_now(loaded)
        with services.inspecting(loaded) as view:
            assert view.table_names() == [helpers.TABLE]
        assert services.execute(loaded, "Query", helpers.query())["Count"] == 1
        services.simulated_now(loaded)
    assert _row_reads(queries) == 0


def test_after_the_moment_passes_a_look_reads_the_row(
    sandbox_with_table: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "ROW_REUSE_SECONDS", 0.0)
    loaded = Sandbox.objects.get(pk=sandbox_with_table.pk)
    with CaptureQueriesContext(connection) as queries:
        services.simulated_now(loaded)
        services.simulated_now(loaded)
    assert _row_reads(queries) == 2


def test_a_look_after_this_workers_own_write_sees_it(sandbox_with_table: Sandbox) -> None:
    loaded = Sandbox.objects.get(pk=sandbox_with_table.pk)
    assert services.execute(loaded, "Query", helpers.query())["Count"] == 0
    services.ENGINES.clear()  # the write below then reads the row before its transaction
    services.execute(loaded, "PutItem", helpers.put_item(1))
    assert services.execute(loaded, "Query", helpers.query())["Count"] == 1
    services.advance_clock(loaded, 3600)
    assert abs(services.simulated_now(loaded) - time.time() - 3600) < 5
    fresh = Sandbox.objects.get(pk=loaded.pk)
    assert loaded.clock_offset == fresh.clock_offset == 3600


def test_another_objects_write_is_seen_by_the_next_load(sandbox_with_table: Sandbox) -> None:
    first = Sandbox.objects.get(pk=sandbox_with_table.pk)
    other = Sandbox.objects.get(pk=sandbox_with_table.pk)
    services.execute(other, "PutItem", helpers.put_item(7))
    services.ENGINES.clear()  # as if ``other`` were another worker
    assert (
        services.execute(Sandbox.objects.get(pk=first.pk), "Query", helpers.query())["Count"] == 1
    )


def test_a_row_loaded_before_another_requests_write_is_not_reused(
    sandbox_with_table: Sandbox,
) -> None:
    """Two requests of one worker: the reader loaded the row, then the writer wrote and
    cached its engine at the next entry. The reader must see the write, not take the
    engine back to the entry it loaded (found by tests/postgres/test_servers.py's race)."""
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1))
    reader = Sandbox.objects.get(pk=sandbox_with_table.pk)
    writer = Sandbox.objects.get(pk=sandbox_with_table.pk)
    services.execute(writer, "PutItem", helpers.put_item(2))
    assert services.execute(reader, "GetItem", helpers.get_item(2))["Item"]["sk"] == {"N": "2"}
    with services.inspecting(reader) as view:
        assert view.table_status(helpers.TABLE).item_count == 2
