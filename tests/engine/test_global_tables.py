"""Global tables, version 2019.11.21: replicas, asynchronous replication on the simulated
clock, last writer wins, pauses, streams, TTL, billing and their errors (all under a frozen
clock)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import MultiRegionEngine, SimClock
from engine.errors import DynamoDBError, ResourceInUseException
from engine.replication import DEFAULT_LAG_SECONDS, REPLICA_CREATE_SECONDS
from tests.support.engine import FROZEN_AT, create_table, n, s

US, EU, AP = "us-east-1", "eu-west-1", "ap-south-1"
LAG = DEFAULT_LAG_SECONDS


@pytest.fixture
def sandbox() -> MultiRegionEngine:
    return MultiRegionEngine(SimClock(frozen_at=FROZEN_AT))


def call(sandbox: MultiRegionEngine, region: str, operation: str, **request: Any) -> Any:
    return sandbox.call(operation, request, region=region)


def refusal(sandbox: MultiRegionEngine, region: str, operation: str, **request: Any) -> Any:
    with pytest.raises(DynamoDBError) as refused:
        sandbox.call(operation, request, region=region)
    return refused.value


def add_replica(sandbox: MultiRegionEngine, region: str, *, source: str = US) -> Any:
    return call(
        sandbox,
        source,
        "UpdateTable",
        TableName="Books",
        ReplicaUpdates=[{"Create": {"RegionName": region}}],
    )


def global_table(sandbox: MultiRegionEngine, *regions: str, **table: Any) -> None:
    """Books in us-east-1, replicated to ``regions`` (each ACTIVE)."""
    create_table(sandbox.region(US), **table)
    for region in regions:
        add_replica(sandbox, region)
        sandbox.clock.advance(REPLICA_CREATE_SECONDS + 1)


def get(sandbox: MultiRegionEngine, region: str, key: str) -> Any:
    return call(sandbox, region, "GetItem", TableName="Books", Key={"pk": s(key)}).get("Item")


def put(sandbox: MultiRegionEngine, region: str, key: str, **values: Any) -> None:
    call(sandbox, region, "PutItem", TableName="Books", Item={"pk": s(key), **values})


def stream_records(sandbox: MultiRegionEngine, region: str) -> list[dict[str, Any]]:
    arn = call(sandbox, region, "DescribeTable", TableName="Books")["Table"]["LatestStreamArn"]
    shards = call(sandbox, region, "DescribeStream", StreamArn=arn)["StreamDescription"]["Shards"]
    records = []
    for shard in shards:
        iterator = call(
            sandbox,
            region,
            "GetShardIterator",
            StreamArn=arn,
            ShardId=shard["ShardId"],
            ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]
        records += call(sandbox, region, "GetRecords", ShardIterator=iterator)["Records"]
    return records


# ---------------------------------------------------------------------- creating replicas
def test_adding_a_replica_answers_updating_and_enables_a_stream(sandbox: MultiRegionEngine) -> None:
    create_table(sandbox.region(US))
    put(sandbox, US, "before")

    answer = add_replica(sandbox, EU)["TableDescription"]

    assert answer["TableStatus"] == "UPDATING"
    assert answer["GlobalTableVersion"] == "2019.11.21"
    assert answer["Replicas"] == []  # the replica being created is not listed yet
    assert answer["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert answer["LatestStreamArn"].startswith("arn:aws:dynamodb:us-east-1:")
    source = call(sandbox, US, "DescribeTable", TableName="Books")["Table"]
    assert source["Replicas"] == [{"RegionName": EU, "ReplicaStatus": "CREATING"}]


def test_a_replica_answers_only_describe_table_until_its_backfill_ends(
    sandbox: MultiRegionEngine,
) -> None:
    create_table(sandbox.region(US))
    put(sandbox, US, "before", note=s("backfilled"))
    add_replica(sandbox, EU)

    replica = call(sandbox, EU, "DescribeTable", TableName="Books")["Table"]
    assert replica["TableStatus"] == "CREATING"
    assert replica["TableArn"] == "arn:aws:dynamodb:eu-west-1:000000000000:table/Books"
    assert replica["Replicas"] == [{"RegionName": US, "ReplicaStatus": "ACTIVE"}]
    assert replica["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert refusal(sandbox, EU, "GetItem", TableName="Books", Key={"pk": s("before")}).code == (
        "ResourceNotFoundException"
    )
    assert refusal(sandbox, EU, "DeleteTable", TableName="Books").message == (
        "Attempt to change a resource which is still in use: Table: Books is being used."
    )

    sandbox.clock.advance(REPLICA_CREATE_SECONDS + 1)

    assert get(sandbox, EU, "before") == {"pk": s("before"), "note": s("backfilled")}
    replica = call(sandbox, EU, "DescribeTable", TableName="Books")["Table"]
    assert replica["TableStatus"] == "ACTIVE"
    assert replica["ItemCount"] == 1


def test_a_keys_only_stream_stays_keys_only_and_replication_still_works(
    sandbox: MultiRegionEngine,
) -> None:
    keys_only = {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    global_table(sandbox, EU, StreamSpecification=keys_only)
    put(sandbox, US, "a", v=n(1))
    sandbox.clock.advance(LAG)

    assert get(sandbox, EU, "a") == {"pk": s("a"), "v": n(1)}
    for region in (US, EU):
        described = call(sandbox, region, "DescribeTable", TableName="Books")["Table"]
        assert described["StreamSpecification"] == keys_only


def test_each_region_lists_the_other_replicas_in_the_order_they_joined(
    sandbox: MultiRegionEngine,
) -> None:
    global_table(sandbox, EU, AP)

    def regions(region: str) -> list[str]:
        table = call(sandbox, region, "DescribeTable", TableName="Books")["Table"]
        return [replica["RegionName"] for replica in table["Replicas"]]

    assert regions(US) == [EU, AP]
    assert regions(EU) == [US, AP]
    assert regions(AP) == [US, EU]


def test_a_global_secondary_index_is_listed_with_each_replica(sandbox: MultiRegionEngine) -> None:
    create_table(
        sandbox.region(US),
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByG",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    add_replica(sandbox, EU)
    sandbox.clock.advance(REPLICA_CREATE_SECONDS + 1)

    replicas = call(sandbox, US, "DescribeTable", TableName="Books")["Table"]["Replicas"]
    assert replicas == [
        {
            "RegionName": EU,
            "ReplicaStatus": "ACTIVE",
            "GlobalSecondaryIndexes": [{"IndexName": "ByG"}],
        }
    ]
    put(sandbox, US, "a", g=s("x"))
    sandbox.clock.advance(LAG)
    found = call(
        sandbox,
        EU,
        "Query",
        TableName="Books",
        IndexName="ByG",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": s("x")},
    )
    assert found["Count"] == 1


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("updates", "message"),
    [
        (
            [{"Create": {"RegionName": US}}],
            "Cannot add or delete the local region through ReplicaUpdates. Use CreateTable, "
            "DeleteTable, or UpdateTable as required.",
        ),
        (
            [{"Delete": {"RegionName": US}}],
            "Cannot add or delete the local region through ReplicaUpdates. Use CreateTable, "
            "DeleteTable, or UpdateTable as required.",
        ),
        ([{}], "There are no actions specified in the Replica Update Action of the request."),
        (
            [{"Update": {"RegionName": EU}}],
            "Update global table operation failed because one or more replicas were not part of "
            "the global table. Please retry the request without these replicas: [eu-west-1].",
        ),
        (
            [{"Delete": {"RegionName": "ca-central-1"}}],
            "Update global table operation failed because one or more replicas were not part of "
            "the global table. Please retry the request without these replicas: [ca-central-1].",
        ),
        (
            [{"Create": {"RegionName": EU}, "Delete": {"RegionName": AP}}],
            "Update table operation with more than one type of replica actions not allowed.",
        ),
        (
            [{"Create": {"RegionName": EU}}, {"Create": {"RegionName": AP}}],
            "Update table operation with more than one create or delete replica actions not "
            "allowed",
        ),
    ],
)
def test_replica_updates_are_refused_as_the_service_refuses_them(
    sandbox: MultiRegionEngine, updates: list[Any], message: str
) -> None:
    create_table(sandbox.region(US))
    error = refusal(sandbox, US, "UpdateTable", TableName="Books", ReplicaUpdates=updates)
    assert (error.code, error.message) == ("ValidationException", message)
    assert "Replicas" not in call(sandbox, US, "DescribeTable", TableName="Books")["Table"]


def test_an_unsupported_region_is_refused_with_the_supported_list(
    sandbox: MultiRegionEngine,
) -> None:
    create_table(sandbox.region(US))
    error = refusal(
        sandbox,
        US,
        "UpdateTable",
        TableName="Books",
        ReplicaUpdates=[{"Create": {"RegionName": "us-fake-1"}}],
    )
    assert error.message.startswith(
        "Region us-fake-1 is not supported. The latest version of global tables are only "
        "supported in the following regions: [us-east-1, us-east-2,"
    )


def test_shape_errors_come_first(sandbox: MultiRegionEngine) -> None:
    create_table(sandbox.region(US))
    assert refusal(sandbox, US, "UpdateTable", TableName="Books", ReplicaUpdates=[]).message == (
        "1 validation error detected: Value '[]' at 'replicaUpdates' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1"
    )
    missing = refusal(
        sandbox, US, "UpdateTable", TableName="Books", ReplicaUpdates=[{"Create": {}}]
    )
    assert missing.message == (
        "1 validation error detected: Value null at 'replicaUpdates.1.member.create.regionName' "
        "failed to satisfy constraint: Member must not be null"
    )
    assert refusal(sandbox, US, "UpdateTable", TableName="Books", ReplicaUpdates="x").code == (
        "SerializationException"
    )


def test_replica_changes_must_be_the_only_change(sandbox: MultiRegionEngine) -> None:
    create_table(sandbox.region(US))
    error = refusal(
        sandbox,
        US,
        "UpdateTable",
        TableName="Books",
        ReplicaUpdates=[{"Create": {"RegionName": EU}}],
        DeletionProtectionEnabled=True,
    )
    assert error.message == (
        "One or more parameter values were invalid: Replica modification must be the only "
        "operation in the request"
    )


def test_a_region_that_has_a_table_of_that_name_cannot_take_a_replica(
    sandbox: MultiRegionEngine,
) -> None:
    create_table(sandbox.region(US))
    create_table(sandbox.region(EU))
    expected = (
        "Failed to create a the new replica of table with name: 'Books' because one or more "
        "replicas already existed as tables."
    )
    assert (
        refusal(
            sandbox,
            US,
            "UpdateTable",
            TableName="Books",
            ReplicaUpdates=[{"Create": {"RegionName": EU}}],
        ).message
        == expected
    )
    add_replica(sandbox, AP)
    sandbox.clock.advance(REPLICA_CREATE_SECONDS + 1)
    assert (
        refusal(
            sandbox,
            US,
            "UpdateTable",
            TableName="Books",
            ReplicaUpdates=[{"Create": {"RegionName": AP}}],
        ).message
        == expected
    )


def test_a_provisioned_table_needs_on_demand_capacity_to_go_global(
    sandbox: MultiRegionEngine,
) -> None:
    create_table(
        sandbox.region(US),
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    error = refusal(
        sandbox,
        US,
        "UpdateTable",
        TableName="Books",
        ReplicaUpdates=[{"Create": {"RegionName": EU}}],
    )
    assert error.message == "Table write capacity should either be Pay-Per-Request or AutoScaled."


def test_multi_region_strong_consistency_is_refused_saying_it_is_not_simulated(
    sandbox: MultiRegionEngine,
) -> None:
    create_table(sandbox.region(US))
    error = refusal(
        sandbox,
        US,
        "UpdateTable",
        TableName="Books",
        ReplicaUpdates=[{"Create": {"RegionName": EU}}],
        MultiRegionConsistency="STRONG",
    )
    assert "does not simulate multi-Region strong consistency" in error.message
    eventual = call(
        sandbox,
        US,
        "UpdateTable",
        TableName="Books",
        ReplicaUpdates=[{"Create": {"RegionName": EU}}],
        MultiRegionConsistency="EVENTUAL",
    )
    assert eventual["TableDescription"]["GlobalTableVersion"] == "2019.11.21"


def test_no_other_change_while_a_replica_is_being_created(sandbox: MultiRegionEngine) -> None:
    create_table(sandbox.region(US))
    add_replica(sandbox, EU)
    busy = refusal(
        sandbox,
        US,
        "UpdateTable",
        TableName="Books",
        ReplicaUpdates=[{"Create": {"RegionName": AP}}],
    )
    assert (busy.code, busy.message) == (
        "ResourceInUseException",
        "The resource which you are attempting to change is in use.",
    )
    assert isinstance(
        refusal(sandbox, US, "UpdateTable", TableName="Books", DeletionProtectionEnabled=True),
        ResourceInUseException,
    )


def test_a_global_tables_stream_cannot_be_disabled_or_changed(sandbox: MultiRegionEngine) -> None:
    global_table(sandbox, EU)
    for region in (US, EU):
        disabling = refusal(
            sandbox,
            region,
            "UpdateTable",
            TableName="Books",
            StreamSpecification={"StreamEnabled": False},
        )
        assert disabling.message == (
            "One or more parameter values were invalid: Disabling Stream is not allowed for a "
            "Global Table replica."
        )
        changing = refusal(
            sandbox,
            region,
            "UpdateTable",
            TableName="Books",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        )
        assert changing.message == "Table already has an enabled stream: TableName: Books"


# ---------------------------------------------------------------------- replication
def test_a_write_reaches_the_other_replica_after_the_lag(sandbox: MultiRegionEngine) -> None:
    global_table(sandbox, EU)

    put(sandbox, US, "a", v=n(1))
    assert get(sandbox, EU, "a") is None
    sandbox.clock.advance(LAG / 2)
    assert get(sandbox, EU, "a") is None
    sandbox.clock.advance(LAG / 2)
    assert get(sandbox, EU, "a") == {"pk": s("a"), "v": n(1)}

    call(
        sandbox,
        EU,
        "UpdateItem",
        TableName="Books",
        Key={"pk": s("a")},
        UpdateExpression="SET v = v + :one",
        ExpressionAttributeValues={":one": n(1)},
    )
    sandbox.clock.advance(LAG)
    assert get(sandbox, US, "a") == {"pk": s("a"), "v": n(2)}
    call(sandbox, US, "DeleteItem", TableName="Books", Key={"pk": s("a")})
    sandbox.clock.advance(LAG)
    assert get(sandbox, EU, "a") is None


def test_the_lag_is_a_setting_of_the_sandbox(sandbox: MultiRegionEngine) -> None:
    global_table(sandbox, EU)
    settings_now = call(sandbox, EU, "UpdateReplicationSettings", ReplicationLagSeconds=30)
    assert settings_now["ReplicationLagSeconds"] == 30.0

    put(sandbox, US, "slow")
    sandbox.clock.advance(29)
    assert get(sandbox, EU, "slow") is None
    sandbox.clock.advance(1)
    assert get(sandbox, EU, "slow") is not None
    assert call(sandbox, AP, "DescribeReplicationSettings")["ReplicationLagSeconds"] == 30.0
    for bad in (-1, 3601, "1", True, None):
        error = refusal(sandbox, US, "UpdateReplicationSettings", ReplicationLagSeconds=bad)
        assert "ReplicationLagSeconds" in error.message


def test_a_later_lag_never_overtakes_an_earlier_write(sandbox: MultiRegionEngine) -> None:
    global_table(sandbox, EU)
    call(sandbox, US, "UpdateReplicationSettings", ReplicationLagSeconds=10)
    put(sandbox, US, "k", v=n(1))
    call(sandbox, US, "UpdateReplicationSettings", ReplicationLagSeconds=0)
    put(sandbox, US, "k", v=n(2))
    sandbox.clock.advance(0)
    assert get(sandbox, EU, "k") is None  # the second write waits behind the first
    sandbox.clock.advance(10)
    assert get(sandbox, EU, "k") == {"pk": s("k"), "v": n(2)}


def test_replicated_writes_appear_in_the_replicas_own_stream(sandbox: MultiRegionEngine) -> None:
    global_table(sandbox, EU)
    put(sandbox, US, "a", v=n(1))
    sandbox.clock.advance(LAG)

    [record] = stream_records(sandbox, EU)
    assert record["eventName"] == "INSERT"
    assert record["awsRegion"] == EU
    assert "userIdentity" not in record
    assert record["dynamodb"]["NewImage"] == {"pk": s("a"), "v": n(1)}
    assert [r["awsRegion"] for r in stream_records(sandbox, US)] == [US]


def test_concurrent_writes_resolve_by_last_writer_wins_everywhere(
    sandbox: MultiRegionEngine,
) -> None:
    global_table(sandbox, EU)
    put(sandbox, US, "k", by=s("us"))
    sandbox.clock.advance(0.1)
    put(sandbox, EU, "k", by=s("eu"))  # written before the us write reached eu-west-1
    sandbox.clock.advance(LAG)

    assert get(sandbox, US, "k") == {"pk": s("k"), "by": s("eu")}
    assert get(sandbox, EU, "k") == {"pk": s("k"), "by": s("eu")}
    view = sandbox.inspect.region(US).replication("Books")
    assert view is not None
    [lost] = view.lost
    assert (lost.region, lost.loser.region, lost.winner.region) == (EU, US, EU)
    assert lost.loser.time == FROZEN_AT + 2 * (REPLICA_CREATE_SECONDS + 1) - (
        REPLICA_CREATE_SECONDS + 1
    )
    assert lost.winner.time - lost.loser.time == pytest.approx(0.1)
    assert lost.concurrent
    written = {write.seq: write for write in view.writes}
    loser = written[lost.loser.seq]
    assert {o.region: o.state for o in loser.outcomes} == {US: "applied", EU: "discarded"}
    assert [o.beaten_by for o in loser.outcomes if o.region == EU] == [lost.winner.seq]


def test_writes_at_the_same_instant_are_ordered_by_the_sandboxs_write_sequence(
    sandbox: MultiRegionEngine,
) -> None:
    global_table(sandbox, EU)
    put(sandbox, EU, "k", by=s("eu"))
    put(sandbox, US, "k", by=s("us"))  # same simulated instant, accepted second: it wins
    sandbox.clock.advance(LAG)

    assert get(sandbox, US, "k") == get(sandbox, EU, "k") == {"pk": s("k"), "by": s("us")}
    lost = sandbox.inspect.region(EU).replication("Books").lost  # type: ignore[union-attr]
    assert [(entry.loser.region, entry.winner.region) for entry in lost] == [(EU, US)]


def test_a_delete_keeps_an_older_write_from_bringing_the_item_back(
    sandbox: MultiRegionEngine,
) -> None:
    global_table(sandbox, EU)
    put(sandbox, US, "k")
    sandbox.clock.advance(LAG)
    put(sandbox, EU, "k", by=s("eu"))
    sandbox.clock.advance(0.1)
    call(sandbox, US, "DeleteItem", TableName="Books", Key={"pk": s("k")})  # later: it wins
    sandbox.clock.advance(LAG)

    assert get(sandbox, US, "k") is None
    assert get(sandbox, EU, "k") is None
    [lost] = sandbox.inspect.region(US).replication("Books").lost  # type: ignore[union-attr]
    assert (lost.loser.kind, lost.winner.kind, lost.region) == ("MODIFY", "REMOVE", US)


def test_a_paused_region_catches_up_in_order_when_resumed(sandbox: MultiRegionEngine) -> None:
    global_table(sandbox, EU)
    call(sandbox, US, "UpdateRegionReplication", RegionName=EU, Paused=True)
    put(sandbox, US, "from-us", v=n(1))
    put(sandbox, EU, "from-eu", v=n(2))
    put(sandbox, US, "both", by=s("us"))
    sandbox.clock.advance(5)
    put(sandbox, EU, "both", by=s("eu"))  # later, during the outage: it wins
    sandbox.clock.advance(60)

    assert get(sandbox, EU, "from-us") is None
    assert get(sandbox, US, "from-eu") is None
    described = call(sandbox, US, "DescribeReplicationSettings")
    assert described["PausedRegions"] == [{"RegionName": EU, "PausedAt": FROZEN_AT + 21.0}]
    view = sandbox.inspect.region(US).replication("Books")
    assert {r.region: (r.paused, r.pending_in, r.pending_out) for r in view.replicas} == {  # type: ignore[union-attr]
        US: (False, 2, 2),
        EU: (True, 2, 2),
    }

    call(sandbox, US, "UpdateRegionReplication", RegionName=EU, Paused=False)
    resumed_at = sandbox.clock.now()
    sandbox.clock.advance(0)

    for region in (US, EU):
        assert get(sandbox, region, "from-us") == {"pk": s("from-us"), "v": n(1)}
        assert get(sandbox, region, "from-eu") == {"pk": s("from-eu"), "v": n(2)}
        assert get(sandbox, region, "both") == {"pk": s("both"), "by": s("eu")}
    [record] = [
        r for r in stream_records(sandbox, EU) if r["dynamodb"]["Keys"]["pk"] == s("from-us")
    ]
    assert record["dynamodb"]["ApproximateCreationDateTime"] == float(int(resumed_at))


def test_pausing_asks_for_a_known_region(sandbox: MultiRegionEngine) -> None:
    error = refusal(sandbox, US, "UpdateRegionReplication", RegionName="mars-1", Paused=True)
    assert "DynaLab has no Region named" in error.message
    missing = refusal(sandbox, US, "UpdateRegionReplication", RegionName=EU)
    assert missing.message == (
        "1 validation error detected: Value null at 'paused' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_writes_in_flight_to_the_source_reach_a_replica_added_meanwhile(
    sandbox: MultiRegionEngine,
) -> None:
    global_table(sandbox, EU)
    put(sandbox, EU, "late")  # on its way to us-east-1 when ap-south-1 is added from there
    add_replica(sandbox, AP)
    sandbox.clock.advance(REPLICA_CREATE_SECONDS + 1)

    assert get(sandbox, AP, "late") == {"pk": s("late")}
    assert get(sandbox, US, "late") == {"pk": s("late")}


# ---------------------------------------------------------------------- billing
def test_replicated_writes_are_billed_as_replicated_write_units_where_they_land(
    sandbox: MultiRegionEngine,
) -> None:
    global_table(sandbox, EU)
    put(sandbox, US, "a", data=s("x" * 1500))  # 2 KB: 2 units
    sandbox.clock.advance(LAG)

    received = call(sandbox, EU, "DescribeThroughput", TableName="Books")["Throughput"]
    assert received["Consumed"]["ReplicatedWriteUnits"] == 2.0
    assert received["Consumed"]["WriteUnits"] == 2.0
    sent = call(sandbox, US, "DescribeThroughput", TableName="Books")["Throughput"]
    assert sent["Consumed"]["ReplicatedWriteUnits"] == 0.0
    view = sandbox.inspect.region(US).replication("Books")
    assert {r.region: r.replicated_write_units for r in view.replicas} == {US: 2.0, EU: 2.0}  # type: ignore[union-attr]


# ---------------------------------------------------------------------- TTL
def test_ttl_is_group_wide_and_its_deletions_replicate(sandbox: MultiRegionEngine) -> None:
    global_table(sandbox, EU)
    for region in (US, EU):
        sandbox.region(region).extensions["ttl"].ttl_deletion_delay = "immediate"  # type: ignore[attr-defined]
    call(
        sandbox,
        US,
        "UpdateTimeToLive",
        TableName="Books",
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"},
    )
    described = call(sandbox, EU, "DescribeTimeToLive", TableName="Books")
    assert described["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "exp",
    }
    expiry = int(sandbox.clock.now()) + 10
    put(sandbox, EU, "gone", exp=n(expiry))
    sandbox.clock.advance(11)

    assert get(sandbox, US, "gone") is None
    assert get(sandbox, EU, "gone") is None
    [us_delete] = [r for r in stream_records(sandbox, US) if r["eventName"] == "REMOVE"]
    assert us_delete["userIdentity"] == {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
    [eu_delete] = [r for r in stream_records(sandbox, EU) if r["eventName"] == "REMOVE"]
    assert "userIdentity" not in eu_delete
    view = sandbox.inspect.region(EU).replication("Books")
    assert [(r.region, r.runs_ttl) for r in view.replicas] == [(US, True), (EU, False)]  # type: ignore[union-attr]
    assert [w.kind for w in view.writes] == ["INSERT", "TTL"]  # type: ignore[union-attr]
    # The TTL deletion cost nothing where it ran; one replicated unit where it landed.
    assert {r.region: r.replicated_write_units for r in view.replicas} == {US: 1.0, EU: 2.0}  # type: ignore[union-attr]


def test_when_the_region_running_ttl_leaves_another_replica_takes_over(
    sandbox: MultiRegionEngine,
) -> None:
    global_table(sandbox, EU)
    sandbox.region(EU).extensions["ttl"].ttl_deletion_delay = "immediate"  # type: ignore[attr-defined]
    call(
        sandbox,
        US,
        "UpdateTimeToLive",
        TableName="Books",
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"},
    )
    sandbox.clock.advance(24 * 3600)
    put(sandbox, EU, "gone", exp=n(int(sandbox.clock.now()) + 10))
    call(sandbox, US, "DeleteTable", TableName="Books")

    sandbox.clock.advance(11)

    assert get(sandbox, EU, "gone") is None
    [delete] = [r for r in stream_records(sandbox, EU) if r["eventName"] == "REMOVE"]
    assert delete["userIdentity"]["Type"] == "Service"


# ---------------------------------------------------------------------- schema
def test_a_new_global_secondary_index_is_created_in_every_replica(
    sandbox: MultiRegionEngine,
) -> None:
    global_table(sandbox, EU)
    call(
        sandbox,
        EU,
        "UpdateTable",
        TableName="Books",
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "ByG",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            }
        ],
    )
    for region in (US, EU):
        table = call(sandbox, region, "DescribeTable", TableName="Books")["Table"]
        assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["ByG"]


# ---------------------------------------------------------------------- removing replicas
def test_deleting_a_replica_removes_that_regions_table(sandbox: MultiRegionEngine) -> None:
    global_table(sandbox, EU)
    sandbox.clock.advance(24 * 3600)  # past the 24-hour source rule

    answer = call(
        sandbox,
        EU,
        "UpdateTable",
        TableName="Books",
        ReplicaUpdates=[{"Delete": {"RegionName": US}}],
    )["TableDescription"]
    assert answer["TableStatus"] == "UPDATING"
    assert answer["Replicas"] == [{"RegionName": US, "ReplicaStatus": "ACTIVE"}]

    assert call(sandbox, US, "ListTables") == {"TableNames": []}
    regional = call(sandbox, EU, "DescribeTable", TableName="Books")["Table"]
    assert "Replicas" not in regional
    assert "GlobalTableVersion" not in regional
    assert regional["StreamSpecification"]["StreamEnabled"] is True  # kept
    call(
        sandbox, EU, "UpdateTable", TableName="Books", StreamSpecification={"StreamEnabled": False}
    )
    put(sandbox, EU, "alone")
    sandbox.clock.advance(LAG)
    assert sandbox.inspect.region(EU).replication("Books") is None


def test_a_source_region_cannot_leave_within_a_day_of_adding_a_replica(
    sandbox: MultiRegionEngine,
) -> None:
    global_table(sandbox, EU)
    rule = (
        "Replica cannot be deleted because it has acted as a source region for new replica(s) "
        "being added to the table in the last 24 hours."
    )
    assert refusal(sandbox, US, "DeleteTable", TableName="Books").message == rule
    assert (
        refusal(
            sandbox,
            EU,
            "UpdateTable",
            TableName="Books",
            ReplicaUpdates=[{"Delete": {"RegionName": US}}],
        ).message
        == rule
    )
    # The replica it added can go at once, and then the source too.
    call(sandbox, EU, "DeleteTable", TableName="Books")
    assert "Replicas" not in call(sandbox, US, "DescribeTable", TableName="Books")["Table"]
    call(sandbox, US, "DeleteTable", TableName="Books")


def test_deletion_protection_on_a_replica_blocks_its_removal(sandbox: MultiRegionEngine) -> None:
    global_table(sandbox, EU)
    call(sandbox, EU, "UpdateTable", TableName="Books", DeletionProtectionEnabled=True)
    message = (
        "Cannot delete table Books in region eu-west-1 because it has deletion protection "
        "enabled. Disable deletion protection first."
    )
    assert (
        refusal(
            sandbox,
            US,
            "UpdateTable",
            TableName="Books",
            ReplicaUpdates=[{"Delete": {"RegionName": EU}}],
        ).message
        == message
    )
    assert refusal(sandbox, EU, "DeleteTable", TableName="Books").message == message
    assert (
        call(sandbox, US, "DescribeTable", TableName="Books")["Table"]["DeletionProtectionEnabled"]
        is False
    )


def test_writes_on_their_way_to_a_deleted_replica_are_dropped_and_its_own_still_arrive(
    sandbox: MultiRegionEngine,
) -> None:
    global_table(sandbox, EU, AP)
    put(sandbox, US, "to-eu")
    put(sandbox, EU, "from-eu")
    call(sandbox, EU, "DeleteTable", TableName="Books")
    sandbox.clock.advance(LAG)

    assert get(sandbox, US, "from-eu") == {"pk": s("from-eu")}
    assert get(sandbox, AP, "from-eu") == {"pk": s("from-eu")}
    view = sandbox.inspect.region(US).replication("Books")
    [to_eu] = [w for w in view.writes if w.key == {"pk": s("to-eu")}]  # type: ignore[union-attr]
    assert {o.region: o.state for o in to_eu.outcomes} == {
        US: "applied",
        EU: "dropped",
        AP: "applied",
    }


# ---------------------------------------------------------------------- persistence
def test_replication_in_flight_survives_dump_and_load(sandbox: MultiRegionEngine) -> None:
    global_table(sandbox, EU)
    call(sandbox, US, "UpdateRegionReplication", RegionName=EU, Paused=True)
    put(sandbox, US, "k", by=s("us"))
    sandbox.clock.advance(1)
    put(sandbox, EU, "k", by=s("eu"))

    loaded = MultiRegionEngine.loads(sandbox.dumps())
    assert loaded.dumps() == sandbox.dumps()
    for engine in (sandbox, loaded):
        call(engine, US, "UpdateRegionReplication", RegionName=EU, Paused=False)
        engine.clock.advance(1)
    assert loaded.dumps() == sandbox.dumps()
    assert get(loaded, US, "k") == {"pk": s("k"), "by": s("eu")}


# ---------------------------------------------------------------------- the oracle
WRITES = st.lists(
    st.tuples(
        st.sampled_from([US, EU, AP]),
        st.sampled_from(["a", "b", "c"]),
        st.one_of(st.none(), st.integers(0, 9)),  # None deletes
        st.sampled_from([0.0, 0.0, 0.1, 0.3, 0.7, 2.0]),  # seconds before the write
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(
    writes=WRITES,
    pauses=st.lists(st.tuples(st.integers(0, 29), st.sampled_from([US, EU, AP])), max_size=3),
)
def test_after_every_lag_each_replica_holds_the_last_writer_wins_merge(
    writes: list[tuple[str, str, int | None, float]], pauses: list[tuple[int, str]]
) -> None:
    """Whatever the interleaving, the pauses and the ties: once everything is delivered, every
    replica holds, for each key, the latest (time, then order of acceptance) of the writes that
    changed something where they were made. A put of what the Region already holds, or a
    delete of what it does not hold, is no write: it makes no stream record and replicates
    nothing."""
    sandbox = MultiRegionEngine(SimClock(frozen_at=FROZEN_AT))
    global_table(sandbox, EU, AP)
    pause_at = {position: region for position, region in pauses}
    latest: dict[str, tuple[float, int, int | None]] = {}
    for position, (region, key, value, wait) in enumerate(writes):
        sandbox.clock.advance(wait)
        if position in pause_at:
            call(sandbox, US, "UpdateRegionReplication", RegionName=pause_at[position], Paused=True)
        held = get(sandbox, region, key)
        if value is None:
            call(sandbox, region, "DeleteItem", TableName="Books", Key={"pk": s(key)})
            effective = held is not None
        else:
            put(sandbox, region, key, v=n(value))
            effective = held != {"pk": s(key), "v": n(value)}
        if effective:
            latest[key] = (sandbox.clock.now(), position, value)
    for region in (US, EU, AP):
        call(sandbox, US, "UpdateRegionReplication", RegionName=region, Paused=False)
    sandbox.clock.advance(2 * LAG)

    expected = {key: value for key, (_, _, value) in latest.items() if value is not None}
    for region in (US, EU, AP):
        held_now = {
            item["pk"]["S"]: int(item["v"]["N"])
            for item in call(sandbox, region, "Scan", TableName="Books", ConsistentRead=True)[
                "Items"
            ]
        }
        assert held_now == expected, region
    assert sandbox.replication.pending_total == 0
    assert sandbox.replication.versions == {}


@settings(max_examples=40, deadline=None)
@given(writes=WRITES, cut=st.integers(0, 30))
def test_a_sandbox_saved_and_loaded_midway_ends_exactly_as_one_that_was_not(
    writes: list[tuple[str, str, int | None, float]], cut: int
) -> None:
    def run(reload_at: int | None) -> str:
        sandbox = MultiRegionEngine(SimClock(frozen_at=FROZEN_AT))
        global_table(sandbox, EU, AP)
        call(sandbox, US, "UpdateRegionReplication", RegionName=AP, Paused=True)
        for position, (region, key, value, wait) in enumerate(writes):
            if position == reload_at:
                sandbox = MultiRegionEngine.loads(sandbox.dumps())
            sandbox.clock.advance(wait)
            if value is None:
                call(sandbox, region, "DeleteItem", TableName="Books", Key={"pk": s(key)})
            else:
                put(sandbox, region, key, v=n(value))
        call(sandbox, US, "UpdateRegionReplication", RegionName=AP, Paused=False)
        sandbox.clock.advance(2 * LAG)
        return sandbox.dumps()

    assert run(cut) == run(None)


# ---------------------------------------------------------------------- version 2017.11.29
def test_the_legacy_global_table_operations_answer_as_the_service_does_today(
    sandbox: MultiRegionEngine,
) -> None:
    global_table(sandbox, EU)  # a version 2019.11.21 global table: the legacy API sees none

    created = refusal(
        sandbox,
        US,
        "CreateGlobalTable",
        GlobalTableName="Books",
        ReplicationGroup=[{"RegionName": EU}],
    )
    assert (created.code, created.message) == (
        "ValidationException",
        "DynamoDB global tables version 2017.11.29 is not supported. We recommend using DynamoDB "
        "global tables version 2019.11.21, instead of version 2017.11.29 (Legacy).",
    )
    for operation, extra in (
        ("DescribeGlobalTable", {}),
        ("DescribeGlobalTableSettings", {}),
        ("UpdateGlobalTable", {"ReplicaUpdates": [{"Delete": {"RegionName": EU}}]}),
        ("UpdateGlobalTableSettings", {"GlobalTableBillingMode": "PAY_PER_REQUEST"}),
    ):
        missing = refusal(sandbox, US, operation, GlobalTableName="Books", **extra)
        assert (missing.code, missing.message) == (
            "GlobalTableNotFoundException",
            "Global table with name 'Books' does not exist.",
        ), operation
    assert call(sandbox, US, "ListGlobalTables") == {"GlobalTables": []}
    assert refusal(sandbox, US, "DescribeGlobalTable").message == (
        "1 validation error detected: Value null at 'globalTableName' failed to satisfy "
        "constraint: Member must not be null"
    )
