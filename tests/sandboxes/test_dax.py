"""Calls through DAX in a sandbox: journaled when they change a cache, recorded as the
DynamoDB call they are, and rebuilt identically by any worker."""

from __future__ import annotations

from typing import Any

import pytest

from dynalab.sandboxes import selectors, services
from dynalab.sandboxes.errors import ClusterNotFoundFault, ValidationException
from dynalab.sandboxes.models import Activity, JournalEntry, Sandbox
from dynalab.sandboxes.scratch import ScratchSandbox
from tests.support import sandboxes as helpers
from tests.support.dax import ROLE_ARN

pytestmark = pytest.mark.django_db(transaction=True)

CLUSTER = {
    "ClusterName": "cache",
    "NodeType": "dax.t3.small",
    "ReplicationFactor": 2,
    "IamRoleArn": ROLE_ARN,
}


@pytest.fixture
def with_cluster(sandbox_with_table: Sandbox) -> Sandbox:
    services.execute(sandbox_with_table, "PutItem", helpers.put_item(1, title="Blue"))
    services.execute(sandbox_with_table, "CreateCluster", CLUSTER)
    services.advance_clock(sandbox_with_table, 60)
    return sandbox_with_table


def read(sandbox: Sandbox, **extra: Any) -> dict[str, Any]:
    return services.execute(
        sandbox, "GetItem", helpers.key(1) | extra, source="api", through_dax="cache"
    )


def test_reads_through_dax_are_journaled_and_recorded_as_getitem(with_cluster: Sandbox) -> None:
    journaled = JournalEntry.objects.count()
    first = read(with_cluster)
    second = read(with_cluster, ReturnConsumedCapacity="TOTAL")

    assert first == {"Item": {"pk": {"S": "artist"}, "sk": {"N": "1"}, "title": {"S": "Blue"}}}
    assert second["ConsumedCapacity"] == {"TableName": helpers.TABLE, "CapacityUnits": 0.0}
    entries = list(JournalEntry.objects.order_by("sequence"))[journaled:]
    assert [entry.operation for entry in entries] == ["CallThroughDax", "CallThroughDax"]
    assert entries[0].request["Operation"] == "GetItem"
    assert entries[0].request["ClusterName"] == "cache"
    activities = list(Activity.objects.filter(sandbox=with_cluster).order_by("-id")[:2])
    assert [a.operation for a in activities] == ["GetItem", "GetItem"]
    assert [a.summary["DaxOutcome"] for a in activities] == ["hit", "miss"]
    assert {a.summary["DaxCluster"] for a in activities} == {"cache"}
    assert [a.summary["DaxNode"] for a in activities] == ["cache-b", "cache-a"]
    assert activities[1].consumed_capacity["CapacityUnits"] == 0.5  # asked for by execute
    assert "ConsumedCapacity" not in first  # and removed from the answer


def test_a_worker_that_rebuilds_from_the_journal_has_the_same_caches(
    with_cluster: Sandbox,
) -> None:
    read(with_cluster)
    services.execute(with_cluster, "PutItem", helpers.put_item(1, title="Red"))  # bypasses DAX
    read(with_cluster)
    services.execute(
        with_cluster,
        "Query",
        helpers.query(),
        through_dax="cache",
        dax_node="cache-b",
    )
    services.execute(
        with_cluster, "PutItem", helpers.put_item(2, title="Green"), through_dax="cache"
    )
    state = selectors.engine_state(with_cluster)

    services.ENGINES.clear()  # another worker, or this one after a restart
    assert selectors.engine_state(with_cluster) == state
    view = selectors.dax_cluster(with_cluster, "cache")
    assert view is not None
    assert view.statistics.item_hits == 1
    stale = read(with_cluster)
    assert stale["Item"]["title"] == {"S": "Blue"}  # stale: the Red write bypassed DAX


def test_a_refused_call_through_dax_is_recorded_and_not_journaled(
    with_cluster: Sandbox,
) -> None:
    journaled = JournalEntry.objects.count()
    with pytest.raises(ClusterNotFoundFault):
        services.execute(with_cluster, "GetItem", helpers.key(1), through_dax="nope")
    with pytest.raises(ValidationException):
        services.execute(
            with_cluster, "GetItem", {"TableName": helpers.TABLE, "Key": {}}, through_dax="cache"
        )
    assert JournalEntry.objects.count() == journaled
    refused = Activity.objects.filter(sandbox=with_cluster).order_by("-id")[1]
    assert (refused.operation, refused.status) == ("GetItem", "ClusterNotFoundFault")
    assert refused.summary["DaxCluster"] == "nope"


def test_selectors_show_clusters_and_parameter_groups(with_cluster: Sandbox) -> None:
    read(with_cluster)
    clusters = selectors.dax_clusters(with_cluster)
    assert [(c.name, c.status, c.active_nodes) for c in clusters] == [("cache", "available", 2)]
    assert clusters[0].item_entries == ()  # the list carries no entries
    assert selectors.dax_cluster(with_cluster, "cache").item_entry_count == 1
    assert selectors.dax_cluster(with_cluster, "nope") is None
    assert [g.name for g in selectors.dax_parameter_groups(with_cluster)] == ["default.dax1.0"]


def test_a_scratch_sandbox_sends_calls_through_dax_as_a_learners_does() -> None:
    scratch = ScratchSandbox()
    scratch.execute("CreateTable", helpers.create_table())
    scratch.execute("PutItem", helpers.put_item(1))
    scratch.execute("CreateCluster", CLUSTER)
    scratch.advance_clock(60)
    scratch.execute("GetItem", helpers.key(1), through_dax="cache")
    answer = scratch.execute("GetItem", helpers.key(1), through_dax="cache")
    assert answer["Item"]["sk"] == {"N": "1"}
    assert [a.summary.get("DaxOutcome") for a in scratch.activities[-2:]] == ["miss", "hit"]
    assert scratch.activities[-1].consumed_capacity["CapacityUnits"] == 0.0
