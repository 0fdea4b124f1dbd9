"""Regions: a sandbox keeps one engine per AWS Region on one clock, and tables belong to one."""

from __future__ import annotations

import json

import pytest

from engine import DEFAULT_REGION, REGIONS, DynamoDBError, Engine, MultiRegionEngine, SimClock
from engine.errors import ResourceNotFoundException, ValidationException
from tests.support.engine import FROZEN_AT, create_table, n, s


@pytest.fixture
def sandbox() -> MultiRegionEngine:
    return MultiRegionEngine(SimClock(frozen_at=FROZEN_AT))


def test_a_table_created_in_one_region_is_not_in_another(sandbox: MultiRegionEngine) -> None:
    create_table(sandbox.region("us-east-1"))
    sandbox.call("PutItem", {"TableName": "Books", "Item": {"pk": s("a")}}, region="us-east-1")

    assert sandbox.call("ListTables", {}, region="eu-west-1") == {"TableNames": []}
    with pytest.raises(ResourceNotFoundException) as missing:
        sandbox.call("DescribeTable", {"TableName": "Books"}, region="eu-west-1")
    assert missing.value.message == "Requested resource not found: Table: Books not found"
    with pytest.raises(ResourceNotFoundException):
        sandbox.call("GetItem", {"TableName": "Books", "Key": {"pk": s("a")}}, region="eu-west-1")
    assert sandbox.call("ListTables", {}) == {"TableNames": ["Books"]}  # us-east-1 by default


def test_two_regions_may_hold_independent_tables_of_one_name(sandbox: MultiRegionEngine) -> None:
    for region, value in (("us-east-1", "1"), ("ap-south-1", "2")):
        create_table(sandbox.region(region))
        sandbox.call(
            "PutItem",
            {"TableName": "Books", "Item": {"pk": s("x"), "region": n(value)}},
            region=region,
        )
    us = sandbox.call("GetItem", {"TableName": "Books", "Key": {"pk": s("x")}})
    ap = sandbox.call("GetItem", {"TableName": "Books", "Key": {"pk": s("x")}}, region="ap-south-1")
    assert (us["Item"]["region"], ap["Item"]["region"]) == (n(1), n(2))
    described = sandbox.call("DescribeTable", {"TableName": "Books"}, region="ap-south-1")
    assert described["Table"]["TableArn"] == "arn:aws:dynamodb:ap-south-1:000000000000:table/Books"
    assert "Replicas" not in described["Table"]
    assert "GlobalTableVersion" not in described["Table"]


def test_an_unknown_region_is_refused_with_a_clear_message(sandbox: MultiRegionEngine) -> None:
    for region in ("us-fake-1", "local", "", "EU-WEST-1"):
        with pytest.raises(ValidationException) as refused:
            sandbox.call("ListTables", {}, region=region)
        assert "DynaLab has no Region named" in refused.value.message
        assert "us-east-1" in refused.value.message
    assert sandbox.engines == {}


def test_the_region_list_holds_the_aws_partitions_commercial_regions() -> None:
    assert DEFAULT_REGION in REGIONS
    assert {"eu-west-1", "ap-northeast-1", "sa-east-1"} <= set(REGIONS)
    assert len(set(REGIONS)) == len(REGIONS)
    assert not any(region.startswith(("cn-", "us-gov-")) for region in REGIONS)


def test_stream_records_name_the_region_of_their_table(sandbox: MultiRegionEngine) -> None:
    eu = sandbox.region("eu-west-1")
    create_table(eu, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    eu.call("PutItem", {"TableName": "Books", "Item": {"pk": s("a")}})
    arn = eu.call("DescribeTable", {"TableName": "Books"})["Table"]["LatestStreamArn"]
    assert arn.startswith("arn:aws:dynamodb:eu-west-1:")
    shard = eu.call("DescribeStream", {"StreamArn": arn})["StreamDescription"]["Shards"][0]
    iterator = eu.call(
        "GetShardIterator",
        {"StreamArn": arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"},
    )["ShardIterator"]
    records = eu.call("GetRecords", {"ShardIterator": iterator})["Records"]
    assert [record["awsRegion"] for record in records] == ["eu-west-1"]


def test_one_clock_drives_every_region(sandbox: MultiRegionEngine) -> None:
    eu = sandbox.region("eu-west-1")
    create_table(eu)
    eu.extensions["ttl"].ttl_deletion_delay = "immediate"  # type: ignore[attr-defined]
    eu.call(
        "UpdateTimeToLive",
        {
            "TableName": "Books",
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"},
        },
    )
    eu.call(
        "PutItem", {"TableName": "Books", "Item": {"pk": s("a"), "exp": n(int(FROZEN_AT) + 10)}}
    )
    sandbox.call("ListTables", {}, region="us-east-1")

    sandbox.clock.advance(11)

    assert eu.tables["Books"].item_count == 0
    assert sandbox.region("us-east-1").clock is sandbox.clock


def test_a_call_in_one_region_does_not_work_on_the_others(
    sandbox: MultiRegionEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_table(sandbox.region("eu-west-1"))
    create_table(sandbox.region("us-east-1"))

    def untouchable(now: float) -> None:
        raise AssertionError("a call in us-east-1 applied eu-west-1's due work")

    monkeypatch.setattr(sandbox.region("eu-west-1"), "advance_extensions", untouchable)
    sandbox.call("PutItem", {"TableName": "Books", "Item": {"pk": s("a")}})
    sandbox.call("Scan", {"TableName": "Books"})


def test_dump_and_load_keep_every_region(sandbox: MultiRegionEngine) -> None:
    create_table(sandbox.region("us-east-1"))
    create_table(sandbox.region("eu-west-1"), name="Orders")
    sandbox.call("PutItem", {"TableName": "Orders", "Item": {"pk": s("o")}}, region="eu-west-1")

    text = sandbox.dumps()
    loaded = MultiRegionEngine.loads(text)

    assert loaded.dumps() == text
    assert sorted(loaded.engines) == ["eu-west-1", "us-east-1"]
    assert loaded.call(
        "GetItem", {"TableName": "Orders", "Key": {"pk": s("o")}}, region="eu-west-1"
    )["Item"] == {"pk": s("o")}
    assert loaded.region("eu-west-1").clock is loaded.clock


def test_a_region_that_holds_nothing_is_left_out_of_the_dump(sandbox: MultiRegionEngine) -> None:
    create_table(sandbox.region("us-east-1"))
    before = sandbox.dump()
    with pytest.raises(DynamoDBError):  # a refused write in a Region never used before
        sandbox.call("PutItem", {"TableName": "Books", "Item": {"pk": s("a")}}, region="eu-west-2")
    sandbox.call("ListTables", {}, region="ap-south-1")

    assert "eu-west-2" in sandbox.engines
    assert sandbox.dump() == before
    assert list(before["regions"]) == ["us-east-1"]


def test_a_single_region_dump_from_before_regions_loads_as_us_east_1() -> None:
    old = Engine(SimClock(frozen_at=FROZEN_AT))
    create_table(old)
    old.call("PutItem", {"TableName": "Books", "Item": {"pk": s("kept")}})
    saved = json.loads(old.dumps())

    sandbox = MultiRegionEngine.load(saved)

    item = sandbox.call("GetItem", {"TableName": "Books", "Key": {"pk": s("kept")}})
    assert item["Item"] == {"pk": s("kept")}
    assert sandbox.call("ListTables", {}, region="eu-west-1") == {"TableNames": []}
    assert sandbox.clock.now() == FROZEN_AT


def test_the_sandbox_view_counts_usage_and_finds_tables_across_regions(
    sandbox: MultiRegionEngine,
) -> None:
    create_table(sandbox.region("us-east-1"))
    create_table(sandbox.region("eu-west-1"))
    create_table(sandbox.region("eu-west-1"), name="Orders")
    sandbox.call("PutItem", {"TableName": "Orders", "Item": {"pk": s("o")}}, region="eu-west-1")

    view = sandbox.inspect
    assert view.usage().tables == 3
    assert view.usage().items == 1
    assert view.table_regions("Books") == ("eu-west-1", "us-east-1")
    assert view.table_regions("Orders") == ("eu-west-1",)
    assert view.table_regions("Nothing") == ()
    assert [(r.region, r.tables) for r in view.regions()] == [
        ("eu-west-1", ("Books", "Orders")),
        ("us-east-1", ("Books",)),
    ]
    regional = view.region("ap-south-1")
    assert regional.region == "ap-south-1"
    assert regional.table_names() == []
    assert regional.table_regions("Orders") == ("eu-west-1",)
    assert "ap-south-1" not in sandbox.engines  # looking creates nothing


# ---------------------------------------------------------------------- with DAX and the clock
DAX_CLUSTER = {
    "NodeType": "dax.t3.small",
    "ReplicationFactor": 1,
    "IamRoleArn": "arn:aws:iam::000000000000:role/DAXServiceRole",
}


def _cluster(sandbox: MultiRegionEngine, name: str, region: str) -> dict:
    return sandbox.call("CreateCluster", {"ClusterName": name, **DAX_CLUSTER}, region=region)


def test_a_dax_cluster_made_in_one_region_is_not_listed_in_another(
    sandbox: MultiRegionEngine,
) -> None:
    made = _cluster(sandbox, "cache", "eu-west-1")["Cluster"]

    assert made["ClusterArn"] == "arn:aws:dax:eu-west-1:000000000000:cache/cache"
    assert sandbox.call("DescribeClusters", {}, region="us-east-1")["Clusters"] == []
    listed = sandbox.call("DescribeClusters", {}, region="eu-west-1")["Clusters"]
    assert [cluster["ClusterName"] for cluster in listed] == ["cache"]
    assert [c.name for c in sandbox.inspector("eu-west-1").dax_clusters()] == ["cache"]
    assert sandbox.inspector("us-east-1").dax_clusters() == ()
    # Another Region may make a cluster of the same name: a different cluster.
    again = _cluster(sandbox, "cache", "us-east-1")["Cluster"]
    assert again["ClusterArn"].startswith("arn:aws:dax:us-east-1:")


def test_the_limit_on_dax_clusters_is_the_sandboxs_over_all_its_regions(
    sandbox: MultiRegionEngine,
) -> None:
    """Each cluster keeps a cache in the server's memory: spreading clusters over Regions must
    not multiply what one sandbox may hold."""
    regions = ["us-east-1", "us-east-1", "eu-west-1", "ap-south-1", "sa-east-1"]
    for number, region in enumerate(regions):
        _cluster(sandbox, f"cache{number}", region)

    with pytest.raises(DynamoDBError) as refused:
        _cluster(sandbox, "onemore", "us-west-2")
    assert refused.value.code == "ClusterQuotaForCustomerExceededFault"
    assert "over all its Regions" in refused.value.message
    sandbox.clock.advance(60)  # available: a cluster being created cannot be deleted
    sandbox.call("DeleteCluster", {"ClusterName": "cache2"}, region="eu-west-1")
    sandbox.clock.advance(31)  # gone
    _cluster(sandbox, "onemore", "us-west-2")


def test_the_clock_says_when_replicated_writes_reach_a_region(sandbox: MultiRegionEngine) -> None:
    us = sandbox.region("us-east-1")
    create_table(us)
    us.call(
        "UpdateTable",
        {"TableName": "Books", "ReplicaUpdates": [{"Create": {"RegionName": "eu-west-1"}}]},
    )
    sandbox.clock.advance(30)
    us.call("PutItem", {"TableName": "Books", "Item": {"pk": s("a")}})
    us.call("PutItem", {"TableName": "Books", "Item": {"pk": s("b")}})

    eu = sandbox.inspector("eu-west-1")
    [arriving] = [w for w in eu.due_within(10) if w.kind == "replicated_write"]
    assert (arriving.table, arriving.detail, arriving.count) == ("Books", "us-east-1", 2)
    assert arriving.first_at == FROZEN_AT + 30.5
    assert eu.due_within(0.1) == ()
    assert not [
        w for w in sandbox.inspector("us-east-1").due_within(10) if w.kind == "replicated_write"
    ]
    sandbox.call(
        "UpdateRegionReplication", {"RegionName": "eu-west-1", "Paused": True}, region="us-east-1"
    )
    assert not [w for w in eu.due_within(10) if w.kind == "replicated_write"]
