"""Regions in the sandboxes layer: each call runs in a Region, the journal keeps it, replay
and rebuilds honour it, and the inspection view and selectors are regional."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from dynalab.sandboxes import errors, journal, selectors, services
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


# ---------------------------------------------------------------------- with main's bounds
def _limits(**overrides: int) -> Any:
    from dynalab.sandboxes.conf import DEFAULT_LIMITS

    return override_settings(DYNALAB_SANDBOX_LIMITS={**DEFAULT_LIMITS, **overrides})


@_limits(items=2)
def test_the_limits_find_an_overwritten_item_in_the_calls_region(sandbox: Sandbox) -> None:
    """limits.check_before looks the item up in the Region the call runs in (the sandbox-wide
    view has no items): an overwrite there adds nothing, a new item anywhere is refused."""
    services.execute(sandbox, "CreateTable", helpers.create_table(), region=EU)
    services.execute(sandbox, "PutItem", helpers.put_item(1), region=EU)
    services.execute(sandbox, "PutItem", helpers.put_item(2), region=EU)

    services.execute(sandbox, "PutItem", helpers.put_item(1, note="again"), region=EU)
    counted = helpers.add_to_counter() | {"Key": helpers.key(2)["Key"]}
    services.execute(sandbox, "UpdateItem", counted, region=EU)
    with pytest.raises(ValidationException, match="at most 2 items"):
        services.execute(sandbox, "PutItem", helpers.put_item(3), region=EU)
    services.execute(sandbox, "CreateTable", helpers.create_table())
    with pytest.raises(ValidationException, match="at most 2 items"):
        services.execute(sandbox, "PutItem", helpers.put_item(1))  # new in us-east-1
    assert selectors.usage(sandbox).items == 2


@override_settings(DYNALAB_SANDBOX_SNAPSHOT_EVERY=3)
def test_compaction_keeps_each_entrys_region_and_rebuilds_every_region(sandbox: Sandbox) -> None:
    services.execute(sandbox, "CreateTable", helpers.create_table())
    services.execute(sandbox, "CreateTable", helpers.create_table(), region=EU)
    for sk in range(8):
        services.execute(
            sandbox, "PutItem", helpers.put_item(sk), region=EU if sk % 2 else "us-east-1"
        )
    warm = helpers.journaled_state(services.engine_state(sandbox))

    kept = dict(JournalEntry.objects.filter(sandbox=sandbox).values_list("sequence", "region"))
    assert min(kept) > 1  # compacted behind the snapshots
    for sequence, region in kept.items():
        # Entry n is put_item(n - 3): odd sort keys ran in eu-west-1.
        assert region == (EU if (sequence - 3) % 2 else "us-east-1")
    services.ENGINES.clear()
    rebuilt = journal.rebuild(sandbox.pk, sandbox.last_sequence)
    assert helpers.journaled_state(rebuilt) == warm
    assert len(warm["regions"][EU]["tables"][0]["items"]) == 4
    assert len(warm["regions"]["us-east-1"]["tables"][0]["items"]) == 4


def test_dax_clusters_belong_to_the_region_they_were_made_in(sandbox: Sandbox) -> None:
    services.execute(sandbox, "CreateTable", helpers.create_table(), region=EU)
    services.execute(sandbox, "PutItem", helpers.put_item(1), region=EU)
    services.execute(
        sandbox,
        "CreateCluster",
        {
            "ClusterName": "cache",
            "NodeType": "dax.t3.small",
            "ReplicationFactor": 1,
            "IamRoleArn": "arn:aws:iam::000000000000:role/DAXServiceRole",
        },
        region=EU,
    )
    services.advance_clock(sandbox, 120)

    assert services.execute(sandbox, "DescribeClusters", {})["Clusters"] == []
    [cluster] = services.execute(sandbox, "DescribeClusters", {}, region=EU)["Clusters"]
    assert cluster["ClusterArn"].startswith(f"arn:aws:dax:{EU}:")
    assert selectors.dax_clusters(sandbox) == ()
    assert [c.name for c in selectors.dax_clusters(sandbox, region=EU)] == ["cache"]
    assert selectors.dax_cluster(sandbox, "cache") is None
    with pytest.raises(errors.ClusterNotFoundFault):
        services.execute(sandbox, "GetItem", helpers.get_item(1), through_dax="cache")
    eventually = helpers.get_item(1) | {"ConsistentRead": False}
    read = services.execute(sandbox, "GetItem", eventually, region=EU, through_dax="cache")
    assert read["Item"]["sk"] == {"N": "1"}
    through = Activity.objects.filter(sandbox=sandbox, operation="GetItem", status="ok").get()
    assert (through.summary["Region"], through.summary["DaxCluster"]) == (EU, "cache")


def test_the_scratch_sandbox_works_in_us_east_1_unless_told(db: None) -> None:
    from dynalab.sandboxes.scratch import ScratchSandbox

    scratch = ScratchSandbox()
    scratch.execute("CreateTable", helpers.create_table(), region=EU)
    scratch.execute("PutItem", helpers.put_item(1), region=EU)

    assert scratch.execute("ListTables", {}) == {"TableNames": []}
    with scratch.inspecting() as view:
        assert view.region == "us-east-1" and view.table_names() == []
    with scratch.inspecting(region=EU) as view:
        assert view.table_names() == ["Music"]
        assert view.item("Music", helpers.key(1)["Key"]) is not None
    assert [a.summary.get("Region") for a in scratch.activities] == [EU, EU, "us-east-1"]
