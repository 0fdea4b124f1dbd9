"""Capacity modes and throttling: token buckets, the burst pool, GSI back-pressure, partitions
and hot keys, on-demand accounting, the decrease quota, and the explanation log."""

from __future__ import annotations

from typing import Any

import pytest

from engine import DynamoDBError, Engine, SimClock
from engine.capacity import Consumption
from engine.throughput import Throughput
from tests.support.engine import FROZEN_AT, create_table, error_of, n, s

TABLE_MESSAGE = (
    "The level of configured provisioned throughput for the table was exceeded. Consider "
    "increasing your provisioning level with the UpdateTable API."
)
INDEX_MESSAGE = (
    "The level of configured provisioned throughput for one or more global secondary indexes "
    "of the table was exceeded. Consider increasing your provisioning level for the "
    "under-provisioned global secondary indexes with the UpdateTable API"
)


def provisioned(engine: Engine, name: str = "Books", read: int = 10, write: int = 10) -> None:
    create_table(
        engine,
        name,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": read, "WriteCapacityUnits": write},
    )


def throughput(engine: Engine) -> Throughput:
    return engine.extensions["throughput"]  # type: ignore[return-value]


def put(engine: Engine, pk: str, table: str = "Books", **attributes: Any) -> None:
    engine.call("PutItem", {"TableName": table, "Item": {"pk": s(pk), **attributes}})


def writes_until_throttled(engine: Engine, limit: int = 10_000, table: str = "Books") -> int:
    for count in range(limit):
        try:
            put(engine, f"k{count}", table)
        except DynamoDBError as error:
            assert error.code in ("ProvisionedThroughputExceededException", "ThrottlingException")
            return count
    return limit


def charge(
    engine: Engine,
    units: float,
    *,
    table: str = "Books",
    write: bool = True,
    keys: dict[str, float] | None = None,
    indexes: dict[str, float] | None = None,
) -> None:
    """Offer a hand-made Consumption to the engine, as a handler would."""
    consumption = Consumption(table)
    if write:
        consumption.add_table_write(units)
    else:
        consumption.add_table_read(units)
    for name, index_units in (indexes or {}).items():
        consumption.add_index(name, index_units, local=False, write=write)
    for key, key_units in (keys or {}).items():
        consumption.add_partition(s(key), key_units)
    engine.charge(engine.tables[table], consumption)


def accepted(engine: Engine, attempts: int, **kwargs: Any) -> int:
    for count in range(attempts):
        try:
            charge(engine, **kwargs)
        except DynamoDBError:
            return count
    return attempts


# ---------------------------------------------------------------------- provisioned buckets
def test_a_10_wcu_table_idle_for_five_minutes_takes_about_3000_writes_at_once(
    engine: Engine,
) -> None:
    """The bucket view alone. One partition also serves at most 1,000 WCU a second, so with
    partition limits on the same burst spreads over three seconds (see below)."""
    provisioned(engine)
    throughput(engine).partition_limits = False
    engine.clock.advance(300)
    # One second of provisioned rate plus 300 seconds of unused capacity in the burst pool.
    assert writes_until_throttled(engine) == 3010
    error = error_of(engine, "PutItem", {"TableName": "Books", "Item": {"pk": s("late")}})
    assert error.code == "ProvisionedThroughputExceededException"
    assert error.message == TABLE_MESSAGE
    assert error.to_dict()["ThrottlingReasons"] == [
        {
            "reason": "TableWriteProvisionedThroughputExceeded",
            "resource": "arn:aws:dynamodb:us-east-1:000000000000:table/Books",
        }
    ]
    # A throttled write changes nothing.
    item = engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s("late")}})
    assert "Item" not in item


def test_a_new_table_has_no_burst_yet(engine: Engine) -> None:
    provisioned(engine)
    assert writes_until_throttled(engine) == 10


def test_the_burst_pool_keeps_at_most_300_seconds(engine: Engine) -> None:
    provisioned(engine)
    throughput(engine).partition_limits = False
    engine.clock.advance(5000)
    assert writes_until_throttled(engine) == 3010


def test_buckets_refill_at_the_provisioned_rate(engine: Engine) -> None:
    provisioned(engine)
    assert writes_until_throttled(engine) == 10
    engine.clock.advance(1)
    assert writes_until_throttled(engine) == 10
    engine.clock.advance(0.5)
    assert writes_until_throttled(engine) == 5
    engine.clock.advance(3)  # one second fills the bucket, the rest goes to the pool
    assert writes_until_throttled(engine) == 30


def test_writes_bill_per_kilobyte(engine: Engine) -> None:
    provisioned(engine)
    put(engine, "big", blob=s("x" * 3000))  # 3 WCU
    put(engine, "big2", blob=s("x" * 3000))  # 3 WCU
    put(engine, "big3", blob=s("x" * 3000))  # 3 WCU
    put(engine, "one")  # 1 WCU: 10 used
    assert writes_until_throttled(engine) == 0


def test_reads_have_their_own_bucket_and_eventually_consistent_reads_cost_half(
    engine: Engine,
) -> None:
    provisioned(engine, read=5)
    assert writes_until_throttled(engine) == 10  # the write bucket is empty...
    reads = 0
    while True:
        try:
            engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s("k1")}})
        except DynamoDBError as error:
            assert error.to_dict()["ThrottlingReasons"][0]["reason"] == (
                "TableReadProvisionedThroughputExceeded"
            )
            break
        reads += 1
    assert reads == 10  # ...the read bucket is not; 5 RCU = 10 eventually consistent reads
    engine.clock.advance(1)
    consistent = {"TableName": "Books", "Key": {"pk": s("k1")}, "ConsistentRead": True}
    for _ in range(5):
        engine.call("GetItem", consistent)
    assert error_of(engine, "GetItem", consistent).code == "ProvisionedThroughputExceededException"


def test_query_and_scan_are_charged(engine: Engine) -> None:
    provisioned(engine, read=1)
    engine.call(
        "Query",
        {
            "TableName": "Books",
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": s("a")},
            "ConsistentRead": True,
        },
    )
    error = error_of(engine, "Scan", {"TableName": "Books", "ConsistentRead": True})
    assert error.code == "ProvisionedThroughputExceededException"


def test_raising_throughput_raises_the_rate(engine: Engine) -> None:
    provisioned(engine)
    assert writes_until_throttled(engine) == 10
    engine.call(
        "UpdateTable",
        {
            "TableName": "Books",
            "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 100},
        },
    )
    engine.clock.advance(1)
    assert writes_until_throttled(engine) == 100


def test_lowering_throughput_shrinks_the_burst_pool(engine: Engine) -> None:
    provisioned(engine, write=100)
    engine.clock.advance(300)
    engine.call(
        "UpdateTable",
        {
            "TableName": "Books",
            "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 1},
        },
    )
    engine.clock.advance(0)
    assert writes_until_throttled(engine) == 301


# ---------------------------------------------------------------------- global indexes
def indexed(engine: Engine, index_write: int = 1) -> None:
    engine.call(
        "CreateTable",
        {
            "TableName": "Books",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "genre", "AttributeType": "S"},
            ],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 100, "WriteCapacityUnits": 100},
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "by-genre",
                    "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                    "ProvisionedThroughput": {
                        "ReadCapacityUnits": 1,
                        "WriteCapacityUnits": index_write,
                    },
                }
            ],
        },
    )


def test_an_under_provisioned_gsi_throttles_the_tables_writes(engine: Engine) -> None:
    indexed(engine)
    put(engine, "a", genre=s("sf"))
    error = error_of(
        engine, "PutItem", {"TableName": "Books", "Item": {"pk": s("b"), "genre": s("sf")}}
    )
    assert error.code == "ProvisionedThroughputExceededException"
    assert error.message == INDEX_MESSAGE
    assert error.to_dict()["ThrottlingReasons"] == [
        {
            "reason": "IndexWriteProvisionedThroughputExceeded",
            "resource": "arn:aws:dynamodb:us-east-1:000000000000:table/Books/index/by-genre",
        }
    ]
    assert "Item" not in engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s("b")}})
    # Items the sparse index does not hold cost it nothing: the table takes them.
    for position in range(50):
        put(engine, f"plain{position}")
    # The index refills at its own rate.
    engine.clock.advance(1)
    put(engine, "b", genre=s("sf"))


def test_gsi_reads_use_the_index_read_bucket(engine: Engine) -> None:
    indexed(engine)
    query = {
        "TableName": "Books",
        "IndexName": "by-genre",
        "KeyConditionExpression": "genre = :g",
        "ExpressionAttributeValues": {":g": s("sf")},
    }
    engine.call("Query", query)
    engine.call("Query", query)  # 1 RCU = two eventually consistent reads
    error = error_of(engine, "Query", query)
    assert error.message == INDEX_MESSAGE
    assert error.to_dict()["ThrottlingReasons"][0]["reason"] == (
        "IndexReadProvisionedThroughputExceeded"
    )
    engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s("a")}})  # the table is fine


# ---------------------------------------------------------------------- partitions
def describe(engine: Engine, table: str = "Books") -> dict[str, Any]:
    return engine.call("DescribeThroughput", {"TableName": table})["Throughput"]


@pytest.mark.parametrize(
    ("read", "write", "partitions"),
    [(10, 10, 1), (3000, 1000, 2), (6000, 2000, 4), (100, 2500, 3), (40000, 1, 14)],
)
def test_partitions_follow_the_rule_of_thumb(
    engine: Engine, read: int, write: int, partitions: int
) -> None:
    provisioned(engine, read=read, write=write)
    assert len(describe(engine)["Partitions"]) == partitions


def test_partitions_split_for_size_and_never_merge(engine: Engine) -> None:
    provisioned(engine, read=6000, write=2000)
    engine.call(
        "UpdateTable",
        {
            "TableName": "Books",
            "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
        },
    )
    assert len(describe(engine)["Partitions"]) == 4
    engine.tables["Books"].size_bytes = 55 * 1024**3  # as if the table held 55 GB
    assert len(describe(engine)["Partitions"]) == 6


def test_a_hot_partition_key_throttles_below_the_tables_total(engine: Engine) -> None:
    provisioned(engine, write=3000)
    # 3,000 WCU a second for the table, but one partition serves at most 1,000.
    assert accepted(engine, 2000, units=1.0, keys={"hot": 1.0}) == 1000
    with pytest.raises(DynamoDBError) as caught:
        charge(engine, 1.0, keys={"hot": 1.0})
    assert caught.value.code == "ProvisionedThroughputExceededException"
    assert caught.value.message == TABLE_MESSAGE
    assert caught.value.to_dict()["ThrottlingReasons"] == [
        {
            "reason": "TableWriteKeyRangeThroughputExceeded",
            "resource": "arn:aws:dynamodb:us-east-1:000000000000:table/Books",
        }
    ]
    # The table still has capacity for keys that live in other partitions.
    partition_of = throughput(engine).explain("Books")[-1]["checks"][-1]["partition"]
    other = next(
        key for key in (f"cold{i}" for i in range(100)) if _partition(engine, key) != partition_of
    )
    charge(engine, 500.0, keys={other: 500.0})
    engine.clock.advance(1)
    assert accepted(engine, 2000, units=1.0, keys={"hot": 1.0}) == 1000


def _partition(engine: Engine, key: str) -> int:
    from engine.keys import HASH_SPACE, partition_hash

    count = len(describe(engine)["Partitions"])
    return partition_hash(s(key)) * count // HASH_SPACE


def test_the_burst_example_with_partition_keys_spreads_over_three_seconds(
    engine: Engine,
) -> None:
    provisioned(engine)
    engine.clock.advance(300)
    total = 0
    for _ in range(3):
        total += accepted(engine, 5000, units=1.0, keys={"same": 1.0})
        engine.clock.advance(1)
    total += accepted(engine, 5000, units=1.0, keys={"same": 1.0})
    # The pool's 3,010 units, at most 1,000 a second from the one partition, plus the refill.
    assert total == 3040


def test_partition_limits_can_be_switched_off_for_a_lab(engine: Engine) -> None:
    provisioned(engine)
    throughput(engine).partition_limits = False
    engine.clock.advance(300)
    assert accepted(engine, 5000, units=1.0, keys={"same": 1.0}) == 3010


def test_reads_of_one_partition_stop_at_3000_rcu(engine: Engine) -> None:
    provisioned(engine, read=10000)
    assert accepted(engine, 5000, units=1.0, write=False, keys={"hot": 1.0}) == 3000
    with pytest.raises(DynamoDBError) as caught:
        charge(engine, 1.0, write=False, keys={"hot": 1.0})
    assert caught.value.to_dict()["ThrottlingReasons"][0]["reason"] == (
        "TableReadKeyRangeThroughputExceeded"
    )


# ---------------------------------------------------------------------- on-demand
def test_on_demand_does_not_throttle_below_the_documented_limits(engine: Engine) -> None:
    create_table(engine)
    assert accepted(engine, 20_000, units=1.0) == 20_000
    engine.clock.advance(1)
    # Writes spread over many keys (and so over the partitions) are not throttled either.
    for position in range(4000):
        charge(engine, 1.0, keys={f"k{position}": 1.0})
    assert describe(engine)["Consumed"]["Throttled"] == {"read": 0, "write": 0}


def test_on_demand_per_table_quota_throttles(engine: Engine) -> None:
    create_table(engine)
    charge(engine, 40_000.0)
    with pytest.raises(DynamoDBError) as caught:
        charge(engine, 1.0)
    assert caught.value.code == "ThrottlingException"
    assert caught.value.message.startswith(
        "Throughput exceeds the current capacity of your table or index. DynamoDB is "
        "automatically scaling your table or index so please try again shortly."
    )
    assert caught.value.to_dict()["ThrottlingReasons"][0]["reason"] == (
        "TableWriteAccountLimitExceeded"
    )


def test_on_demand_partitions_absorb_a_short_burst(engine: Engine) -> None:
    # An SDK batch writer putting 200 items of 10 KB under one partition key at once
    # succeeds on AWS: 2,000 WCU on one key, twice the partition's maximum a second.
    create_table(engine, sort=("sk", "S"))
    for batch in range(8):
        items = [
            {
                "PutRequest": {
                    "Item": {"pk": s("hot"), "sk": s(f"{batch}-{i}"), "x": s("y" * 10_000)}
                }
            }
            for i in range(25)
        ]
        response = engine.call("BatchWriteItem", {"RequestItems": {"Books": items}})
        assert response["UnprocessedItems"] == {}
    described = engine.call("DescribeTable", {"TableName": "Books"})["Table"]
    assert described["ItemCount"] == 200
    # 2,000 WCU: the partition's 1,000 for this second, and 1,000 of its 5,000-unit pool.
    view = describe(engine)["Partitions"]
    pools = sorted(partition["WriteBurstPool"] for partition in view)
    assert pools[0] == 4000.0
    assert set(pools[1:]) == {5000.0}


def test_on_demand_hot_partitions_still_throttle_under_sustained_load(engine: Engine) -> None:
    create_table(engine)
    assert accepted(engine, 10_000, units=1.0, keys={"hot": 1.0}) == 6000  # 1,000 + 5 s pool
    engine.clock.advance(60)  # idle: the pool refills from the unused capacity
    # 2,000 WCU a second on one key: the pool pays the excess for five seconds; after that
    # the key gets its 1,000 WCU a second on average, so half of such requests are refused.
    outcomes = []
    for _ in range(8):
        try:
            charge(engine, 2000.0, keys={"hot": 2000.0})
            outcomes.append(True)
        except DynamoDBError as error:
            outcomes.append(False)
            assert error.code == "ProvisionedThroughputExceededException"
            assert error.to_dict()["ThrottlingReasons"][0]["reason"] == (
                "TableWriteKeyRangeThroughputExceeded"
            )
        engine.clock.advance(1)
    assert outcomes == [True, True, True, True, True, False, True, False]
    # The partition's maximum itself is always served.
    for _ in range(5):
        charge(engine, 1000.0, keys={"hot": 1000.0})
        engine.clock.advance(1)


def test_on_demand_partition_bursts_can_be_switched_off_for_a_lab(engine: Engine) -> None:
    throughput(engine).on_demand_partition_burst_seconds = 0
    create_table(engine)
    assert accepted(engine, 5000, units=1.0, keys={"hot": 1.0}) == 1000
    restored = Engine.loads(engine.dumps())
    assert throughput(restored).on_demand_partition_burst_seconds == 0


def test_on_demand_counts_request_units_and_estimates_the_cost(engine: Engine) -> None:
    create_table(engine)
    for position in range(4):
        put(engine, f"k{position}", blob=s("x" * 1500))  # 2 WRU each
    engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s("k0")}})  # 0.5 RRU
    view = describe(engine)
    assert view["BillingMode"] == "PAY_PER_REQUEST"
    assert view["Consumed"]["WriteUnits"] == 8
    assert view["Consumed"]["ReadUnits"] == 0.5
    assert view["CostEstimate"] == {
        "Mode": "PAY_PER_REQUEST",
        "ReadRequestUnits": 0.5,
        "WriteRequestUnits": 8.0,
        "EstimatedUSD": round(8 / 1e6 * 0.625 + 0.5 / 1e6 * 0.125, 6),
        "PricePerMillionReadsUSD": 0.125,
        "PricePerMillionWritesUSD": 0.625,
    }
    throughput(engine).price_per_million_writes = 1_000_000.0
    assert describe(engine)["CostEstimate"]["EstimatedUSD"] == pytest.approx(8.0, abs=1e-3)


def test_switching_to_on_demand_lifts_the_provisioned_limit(engine: Engine) -> None:
    provisioned(engine)
    assert writes_until_throttled(engine) == 10
    engine.call("UpdateTable", {"TableName": "Books", "BillingMode": "PAY_PER_REQUEST"})
    assert writes_until_throttled(engine, limit=500) == 500


# ---------------------------------------------------------------------- decreases
def update(engine: Engine, read: int, write: int) -> dict[str, Any]:
    return engine.call(
        "UpdateTable",
        {
            "TableName": "Books",
            "ProvisionedThroughput": {"ReadCapacityUnits": read, "WriteCapacityUnits": write},
        },
    )["TableDescription"]


def test_four_decreases_a_day_then_one_an_hour(engine: Engine) -> None:
    start = 1_750_032_000.0  # 2025-06-16 00:00:00 UTC
    engine = Engine(SimClock(frozen_at=start))
    provisioned(engine, read=100, write=100)
    for decrease in range(4):
        description = update(engine, 90 - decrease, 90)
        assert description["ProvisionedThroughput"]["NumberOfDecreasesToday"] == decrease + 1
        engine.clock.advance(60)
    error = error_of(
        engine,
        "UpdateTable",
        {
            "TableName": "Books",
            "ProvisionedThroughput": {"ReadCapacityUnits": 50, "WriteCapacityUnits": 90},
        },
    )
    assert error.code == "LimitExceededException"
    assert error.message == (
        "Subscriber limit exceeded: Provisioned throughput decreases are limited within a "
        "given UTC day. After the first 4 decreases, each subsequent decrease in the same UTC "
        "day can be performed at most once every 3600 seconds. Number of decreases today: 4. "
        "Last decrease at Monday, June 16, 2025 12:03:00 AM Coordinated Universal Time. Next "
        "decrease can be made at Monday, June 16, 2025 1:03:00 AM Coordinated Universal Time"
    )
    # Increases are never limited.
    update(engine, 200, 200)
    engine.clock.advance(3600)
    assert update(engine, 150, 150)["ProvisionedThroughput"]["NumberOfDecreasesToday"] == 5
    assert (
        error_of(
            engine,
            "UpdateTable",
            {
                "TableName": "Books",
                "ProvisionedThroughput": {"ReadCapacityUnits": 140, "WriteCapacityUnits": 140},
            },
        ).code
        == "LimitExceededException"
    )
    # A new UTC day starts the count again.
    engine.clock.advance(86400)
    assert update(engine, 10, 10)["ProvisionedThroughput"]["NumberOfDecreasesToday"] == 1


def test_at_most_27_decreases_in_a_day(engine: Engine) -> None:
    start = 1_750_032_000.0
    engine = Engine(SimClock(frozen_at=start))
    provisioned(engine, read=1000, write=1000)
    decreases = 0
    read = 1000
    while engine.now() < start + 86400 - 1:
        read -= 1
        try:
            update(engine, read, 1000)
            decreases += 1
        except DynamoDBError:
            read += 1
        engine.clock.advance(600)
    assert decreases == 27


# ---------------------------------------------------------------------- explanations
def test_every_decision_is_explained(engine: Engine) -> None:
    provisioned(engine, write=2)
    put(engine, "a")
    put(engine, "b")
    with pytest.raises(DynamoDBError):
        put(engine, "c")
    log = throughput(engine).explain("Books")
    assert [entry["allowed"] for entry in log] == [True, True, False]
    allowed, _, throttled = log
    assert allowed["time"] == FROZEN_AT
    assert allowed["operation"] == "write"
    assert allowed["requested"] == {"table": 1.0, "indexes": {}}
    assert allowed["checks"][:1] == [
        {
            "resource": "table",
            "limit": "table",
            "requested": 1.0,
            "level_before": 2.0,
            "burst_before": 0.0,
            "allowed": True,
            "level_after": 1.0,
            "burst_after": 0.0,
        }
    ]
    assert throttled["reasons"][0]["reason"] == "TableWriteProvisionedThroughputExceeded"
    assert throttled["why"] == (
        "write throttled: table needs 1 WCU but holds 0 in its bucket and 0 in its burst pool"
    )


def test_partition_decisions_name_the_partition_and_keys(engine: Engine) -> None:
    provisioned(engine, write=3000)
    accepted(engine, 2000, units=1.0, keys={"hot": 1.0})
    entry = throughput(engine).explain("Books")[-1]
    partition_check = entry["checks"][-1]
    assert partition_check["limit"] == "partition"
    assert partition_check["keys"] == ["S:hot"]
    assert partition_check["partitions"] == 4  # ceil(10 / 3,000 + 3,000 / 1,000)
    assert partition_check["allowed"] is False
    assert "a partition serves at most its maximum WCU a second" in entry["why"]


def test_the_log_is_bounded(engine: Engine) -> None:
    create_table(engine)
    for position in range(250):
        put(engine, f"k{position}")
    assert len(throughput(engine).explain("Books")) == 200
    assert throughput(engine).explain("Missing") == []


def test_describe_throughput_draws_the_buckets(engine: Engine) -> None:
    indexed(engine)
    engine.clock.advance(10)
    put(engine, "a", genre=s("sf"))
    view = describe(engine)
    assert view["TableName"] == "Books"
    assert view["BillingMode"] == "PROVISIONED"
    assert view["Time"] == FROZEN_AT + 10
    assert view["Table"]["Write"] == {
        "Rate": 100.0,
        "Level": 99.0,
        "BurstPool": 1000.0,
        "BurstCapacity": 30000.0,
    }
    assert view["GlobalSecondaryIndexes"]["by-genre"]["Write"] == {
        "Rate": 1.0,
        "Level": 0.0,
        "BurstPool": 10.0,
        "BurstCapacity": 300.0,
    }
    assert view["GlobalSecondaryIndexes"]["by-genre"]["Consumed"]["WriteUnits"] == 1.0
    assert view["Partitions"][0]["WriteMaximum"] == 1000.0
    assert view["Consumed"]["Requests"] == {"read": 0, "write": 1}
    assert view["CostEstimate"]["Mode"] == "PROVISIONED"
    assert view["CostEstimate"]["PerHourUSD"] == round(100 * 0.00013 + 100 * 0.00065, 6)
    assert view["RecentDecisions"][-1]["allowed"] is True
    error = error_of(engine, "DescribeThroughput", {"TableName": "Nope"})
    assert error.code == "ResourceNotFoundException"


def test_throughput_state_survives_dump_and_load(engine: Engine) -> None:
    provisioned(engine)
    engine.clock.advance(100)
    assert writes_until_throttled(engine, limit=500) == 500
    loaded = Engine.loads(engine.dumps())
    assert describe(loaded) == describe(engine)
    assert throughput(loaded).explain("Books") == throughput(engine).explain("Books")
    # The table holds 10 + 1,000 burst - 500 = 510 units, but its one partition serves at
    # most 1,000 WCU a second and has given 500 of them this second: 500 more in both.
    assert writes_until_throttled(loaded, table="Books") == 500


def test_deleting_a_table_forgets_its_buckets(engine: Engine) -> None:
    provisioned(engine)
    writes_until_throttled(engine)
    engine.call("DeleteTable", {"TableName": "Books"})
    provisioned(engine)
    assert throughput(engine).explain("Books") == []
    assert describe(engine)["Table"]["Write"]["Level"] == 10.0


def test_items_written_by_the_table_do_not_depend_on_the_charge(engine: Engine) -> None:
    provisioned(engine, write=1)
    engine.call(
        "PutItem",
        {
            "TableName": "Books",
            "Item": {"pk": s("a"), "n": n(1)},
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    error = error_of(
        engine,
        "UpdateItem",
        {
            "TableName": "Books",
            "Key": {"pk": s("a")},
            "UpdateExpression": "SET n = n + :one",
            "ExpressionAttributeValues": {":one": n(1)},
        },
    )
    assert error.code == "ProvisionedThroughputExceededException"
    item = engine.call("GetItem", {"TableName": "Books", "Key": {"pk": s("a")}})["Item"]
    assert item["n"] == n(1)


def test_a_hot_partition_throttles_below_the_tables_total_through_the_api(engine: Engine) -> None:
    # 4,000 WCU: four partitions, each serving at most 1,000 WCU a second.
    provisioned(engine, write=4000)
    engine.clock.advance(1)
    hot = 0
    for hot in range(1, 2000):
        try:
            engine.call(
                "PutItem",
                {"TableName": "Books", "Item": {"pk": {"S": "hot"}, "v": {"N": str(hot)}}},
            )
        except DynamoDBError as error:
            assert error.code == "ProvisionedThroughputExceededException"
            assert error.extra["ThrottlingReasons"][0]["reason"] == (
                "TableWriteKeyRangeThroughputExceeded"
            )
            break
    assert hot == 1001  # 1,000 one-unit writes fit the partition, the next is refused
    # Another key on another partition still has room at the same instant.
    cold = next(
        key
        for key in (f"cold{i}" for i in range(100))
        if _partition_of(key) != _partition_of("hot")
    )
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": {"S": cold}}})


def _partition_of(key: str) -> int:
    from engine.keys import HASH_SPACE, partition_hash

    return partition_hash({"S": key}) * 4 // HASH_SPACE


def test_throttled_batch_writes_come_back_unprocessed(engine: Engine) -> None:
    provisioned(engine, write=1)  # a new table: one unit in the bucket, an empty burst pool
    response = engine.call(
        "BatchWriteItem",
        {
            "RequestItems": {
                "Books": [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}}}} for i in range(3)]
            },
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    assert len(response["UnprocessedItems"]["Books"]) == 2
    assert response["ConsumedCapacity"] == [{"TableName": "Books", "CapacityUnits": 1.0}]
    written = engine.call("Scan", {"TableName": "Books"})["Count"]
    assert written == 1
    # When nothing at all can be written, the batch fails with the throttling error.
    error = None
    try:
        engine.call(
            "BatchWriteItem",
            {"RequestItems": {"Books": [{"PutRequest": {"Item": {"pk": {"S": "late"}}}}]}},
        )
    except DynamoDBError as caught:
        error = caught
    assert error is not None and error.code == "ProvisionedThroughputExceededException"


def test_a_throttled_transaction_is_cancelled(engine: Engine) -> None:
    provisioned(engine, write=1)
    error = None
    try:
        engine.call(
            "TransactWriteItems",
            {"TransactItems": [{"Put": {"TableName": "Books", "Item": {"pk": {"S": "a"}}}}]},
        )
    except DynamoDBError as caught:
        error = caught
    assert error is not None and error.code == "TransactionCanceledException"
    assert error.extra["CancellationReasons"][0]["Code"] == "ThrottlingError"
