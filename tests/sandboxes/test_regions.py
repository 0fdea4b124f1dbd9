"""Regions in the sandboxes layer: each call runs in a Region, the journal keeps it, replay
and rebuilds honour it, and the inspection view and selectors are regional."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from dynalab.sandboxes import journal, selectors, services
from dynalab.sandboxes.errors import ResourceNotFoundException, ValidationException
from dynalab.sandboxes.models import Activity, JournalEntry, Sandbox, Snapshot
from engine import Engine, SimClock
from tests.support import sandboxes as helpers

EU = "eu-west-1"


def test_a_table_lives_in_the_region_its_call_ran_in(sandbox: Sandbox) -> None:
    services.execute(sandbox, "CreateTable", helpers.create_table(), region=EU)
    services.execute(sandbox, "PutItem", helpers.put_item(1), region=EU)

    assert services.execute(sandbox, "ListTables", {}) == {"TableNames": []}
    assert services.execute(sandbox, "ListTables", {}, region=EU) == {"TableNames": ["Music"]}
    with pytest.raises(ResourceNotFoundException):
        services.execute(sandbox, "GetItem", helpers.get_item(1))
    regions = list(JournalEntry.objects.filter(sandbox=sandbox).values_list("operation", "region"))
    assert regions == [("CreateTable", EU), ("PutItem", EU)]
    assert Activity.objects.filter(sandbox=sandbox, operation="PutItem").get().summary[
        "Region"
    ] == (EU)


def test_an_unknown_region_is_refused_and_recorded_not_journaled(sandbox: Sandbox) -> None:
    with pytest.raises(ValidationException) as refused:
        services.execute(sandbox, "CreateTable", helpers.create_table(), region="moon-base-1")

    assert "DynaLab has no Region named 'moon-base-1'" in refused.value.message
    assert not JournalEntry.objects.filter(sandbox=sandbox).exists()
    failure = Activity.objects.get(sandbox=sandbox)
    assert failure.status == "ValidationException"


def test_a_cold_worker_rebuilds_every_region_from_the_journal(sandbox: Sandbox) -> None:
    services.execute(sandbox, "CreateTable", helpers.create_table())
    services.execute(sandbox, "CreateTable", helpers.create_table(), region=EU)
    services.execute(sandbox, "PutItem", helpers.put_item(1, pk="us"))
    services.execute(sandbox, "PutItem", helpers.put_item(2, pk="eu"), region=EU)
    warm = helpers.journaled_state(services.engine_state(sandbox))

    services.ENGINES.clear()
    rebuilt = journal.rebuild(sandbox.pk, sandbox.last_sequence)

    assert helpers.journaled_state(rebuilt) == warm
    assert sorted(warm["regions"]) == ["eu-west-1", "us-east-1"]
    item = services.execute(sandbox, "GetItem", helpers.get_item(2, pk="eu"), region=EU)
    assert item["Item"]["pk"] == {"S": "eu"}


def test_journal_entries_from_before_regions_replay_in_us_east_1(sandbox: Sandbox) -> None:
    for sequence, (operation, request) in enumerate(
        [("CreateTable", helpers.create_table()), ("PutItem", helpers.put_item(7))], 1
    ):
        JournalEntry.objects.create(
            sandbox=sandbox, sequence=sequence, operation=operation, request=request, at=1.0e9
        )
    Sandbox.objects.filter(pk=sandbox.pk).update(last_sequence=2)
    assert set(JournalEntry.objects.values_list("region", flat=True)) == {"us-east-1"}

    item = services.execute(sandbox, "GetItem", helpers.get_item(7))

    assert item["Item"]["sk"] == {"N": "7"}


@override_settings(DYNALAB_SANDBOX_SNAPSHOT_EVERY=2)
def test_a_snapshot_saved_before_regions_loads_as_us_east_1(sandbox: Sandbox) -> None:
    old = Engine(SimClock(frozen_at=1.0e9))
    old.call("CreateTable", helpers.create_table())
    old.call("PutItem", helpers.put_item(3))
    Snapshot.objects.create(sandbox=sandbox, sequence=2, state=old.dumps())
    Sandbox.objects.filter(pk=sandbox.pk).update(last_sequence=2)

    item = services.execute(sandbox, "GetItem", helpers.get_item(3))

    assert item["Item"]["sk"] == {"N": "3"}
    assert services.execute(sandbox, "ListTables", {}, region=EU) == {"TableNames": []}


def test_the_inspection_view_and_selectors_are_regional(sandbox: Sandbox) -> None:
    services.execute(sandbox, "CreateTable", helpers.create_table(), region=EU)
    services.execute(sandbox, "PutItem", helpers.put_item(1), region=EU)

    with services.inspecting(sandbox, region=EU) as view:
        assert view.region == EU
        assert view.table_names() == ["Music"]
    assert selectors.table_names(sandbox) == []
    assert selectors.table_names(sandbox, region=EU) == ["Music"]
    assert selectors.describe_table(sandbox, "Music") is None
    assert selectors.describe_table(sandbox, "Music", region=EU)["TableName"] == "Music"  # type: ignore[index]
    assert selectors.item(sandbox, "Music", helpers.key(1)["Key"], region=EU) is not None
    assert selectors.table_regions(sandbox, "Music") == (EU,)
    assert [(r.region, r.tables) for r in selectors.regions(sandbox)] == [(EU, ("Music",))]
    assert selectors.usage(sandbox).items == 1
    assert selectors.replication(sandbox, "Music", region=EU) is None
    with pytest.raises(ValidationException):
        selectors.table_names(sandbox, region="nowhere-1")


def test_a_global_table_replicates_through_the_sandbox_and_its_journal(sandbox: Sandbox) -> None:
    services.execute(sandbox, "CreateTable", helpers.create_table())
    services.execute(
        sandbox,
        "UpdateTable",
        {"TableName": "Music", "ReplicaUpdates": [{"Create": {"RegionName": EU}}]},
    )
    services.advance_clock(sandbox, 30)
    services.execute(sandbox, "PutItem", helpers.put_item(5))
    services.advance_clock(sandbox, 1)

    item = services.execute(sandbox, "GetItem", helpers.get_item(5), region=EU)
    assert item["Item"]["sk"] == {"N": "5"}
    view = selectors.replication(sandbox, "Music", region=EU)
    assert view is not None
    assert [replica.region for replica in view.replicas] == ["us-east-1", EU]

    warm = helpers.journaled_state(services.engine_state(sandbox))
    services.ENGINES.clear()
    assert helpers.journaled_state(journal.rebuild(sandbox.pk, sandbox.last_sequence)) == warm


def test_the_session_keeps_the_visitors_region(rf: RequestFactory) -> None:
    request = rf.get("/")
    request.session = {}  # type: ignore[assignment]

    assert services.session_region(request) == "us-east-1"
    assert services.remember_region(request, EU) == EU
    assert services.session_region(request) == EU
    with pytest.raises(ValidationException):
        services.remember_region(request, "<script>")
    request.session[services.SESSION_REGION] = "tampered"  # type: ignore[index]
    assert services.session_region(request) == "us-east-1"


@override_settings(DYNALAB_SANDBOX_DEBUG_API=True)
def test_the_debug_api_takes_a_region(client: Client, sandbox: Sandbox) -> None:
    url = reverse("sandboxes:execute", args=[sandbox.pk])
    body = {"Operation": "CreateTable", "Request": helpers.create_table(), "Region": EU}
    created = client.post(url, data=json.dumps(body), content_type="application/json")
    listed = client.post(
        url,
        data=json.dumps({"Operation": "ListTables", "Request": {}, "Region": EU}),
        content_type="application/json",
    )
    unknown = client.post(
        url,
        data=json.dumps({"Operation": "ListTables", "Request": {}, "Region": 7}),
        content_type="application/json",
    )

    assert created.status_code == 200
    assert listed.json() == {"TableNames": ["Music"]}
    assert unknown.status_code == 400
    assert unknown.json()["__type"] == "ValidationException"
