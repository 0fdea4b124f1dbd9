"""The benchmark's GSI and PartiQL workloads do the work they claim, on the engine and moto."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench.engine_bench import (
    GSI_PUT_TABLE,
    GSI_QUERY_INDEX,
    GSI_QUERY_TABLE,
    ITEMS_TABLE,
    QUERY_PAGE,
    QUICK,
    BenchError,
    RawEngineClient,
    build_workloads,
    dax_clients,
    gsi_put_item,
    setup_engine,
    setup_moto,
    single_item,
)
from engine.values import item_size

SIZES = replace(QUICK, single_items=10, large_items=600)


def _workload(name):
    return next(w for w in build_workloads("test", SIZES) if w.name == name)


def test_gsi_put_items_are_as_large_as_plain_put_items():
    for i in (0, 1, 2, 3, 99_999):
        plain = item_size(single_item(f"engine-{i:09d}", i))
        assert abs(item_size(gsi_put_item(f"engine-{i:09d}", i)) - plain) <= 1


def test_the_engine_under_test_never_throttles():
    # 1,100 writes within one (frozen) second on one GSI partition: past the per-partition
    # maximum of 1,000 WCU a second, which would throttle with the engine's defaults.
    _, engine, _ = setup_engine(SIZES, False, ["put_gsi"])
    engine.clock.freeze()
    for i in range(1_100):
        engine.call("PutItem", {"TableName": GSI_PUT_TABLE, "Item": gsi_put_item(f"k{i}", 4 * i)})
    assert engine.tables[GSI_PUT_TABLE].item_count == 1_100


def test_only_the_tables_the_selected_workloads_read_are_loaded():
    _, engine, _ = setup_engine(SIZES, False, ["put_gsi"])
    assert engine.tables[GSI_QUERY_TABLE].item_count == 0
    assert engine.tables[GSI_PUT_TABLE].item_count == 0


def test_engine_gsi_put_writes_both_indexes_and_a_stream_record():
    client, engine, _ = setup_engine(SIZES, False, ["put_gsi"])
    run = _workload("put_gsi").run
    for i in range(3):
        run(client, i)
    run(RawEngineClient(engine), 3)

    table = engine.tables[GSI_PUT_TABLE]
    description = engine.call("DescribeTable", {"TableName": GSI_PUT_TABLE})["Table"]
    assert {i["IndexName"]: i["ItemCount"] for i in description["GlobalSecondaryIndexes"]} == {
        "by_owner": 4,
        "by_status": 4,
    }
    assert table.item_count == 4
    arn = description["LatestStreamArn"]
    shard = engine.call("DescribeStream", {"StreamArn": arn})["StreamDescription"]["Shards"][0]
    iterator = engine.call(
        "GetShardIterator",
        {"StreamArn": arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"},
    )["ShardIterator"]
    records = engine.call("GetRecords", {"ShardIterator": iterator})["Records"]
    assert [r["eventName"] for r in records] == ["INSERT"] * 4


def test_engine_gsi_query_returns_the_page_from_a_complete_index():
    client, engine, _ = setup_engine(SIZES, False, ["query_gsi"])
    description = engine.call("DescribeTable", {"TableName": GSI_QUERY_TABLE})["Table"]
    (index,) = description["GlobalSecondaryIndexes"]
    assert index["IndexName"] == GSI_QUERY_INDEX
    assert index["ItemCount"] == SIZES.large_items
    run = _workload("query_gsi").run
    for i in range(5):
        assert run(client, i) == QUERY_PAGE
        assert run(RawEngineClient(engine), i) == QUERY_PAGE


def test_moto_answers_the_gsi_workloads_alike():
    from moto import mock_aws

    with mock_aws():
        client, _ = setup_moto(SIZES, False, ["put_gsi", "query_gsi"])
        _workload("put_gsi").run(client, 0)
        assert _workload("query_gsi").run(client, 0) == QUERY_PAGE
        described = client.describe_table(TableName=GSI_PUT_TABLE)["Table"]
        assert described["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert len(described["GlobalSecondaryIndexes"]) == 2


def test_a_short_gsi_query_page_is_a_bench_error():
    client, engine, _ = setup_engine(SIZES, False, ["query_gsi"])
    run = _workload("query_gsi").run
    assert run(client, 0) == QUERY_PAGE
    # Operation 0 reads ranks 150 to 249 of 600: take one out of the index's range.
    engine.call("DeleteItem", {"TableName": GSI_QUERY_TABLE, "Key": {"id": {"S": "g00000200"}}})
    with pytest.raises(BenchError):
        run(client, 0)


def test_partiql_workloads_read_and_write_the_single_item_table_on_both_backends():
    from moto import mock_aws

    client, engine, _ = setup_engine(SIZES, False, ["select", "insert"])
    select, insert = _workload("select").run, _workload("insert").run
    for target in (client, RawEngineClient(engine)):
        assert select(target, 3) == 1
    insert(client, 7)
    insert(RawEngineClient(engine), 8)
    stored = engine.call(
        "GetItem", {"TableName": ITEMS_TABLE, "Key": {"id": {"S": "test-pq-000000007"}}}
    )
    assert stored["Item"] == single_item("test-pq-000000007", 7)
    assert engine.tables[ITEMS_TABLE].item_count == SIZES.single_items + 2
    with pytest.raises(Exception, match="Duplicate primary key"):
        insert(client, 7)
    with mock_aws():
        moto, _ = setup_moto(SIZES, False, ["select", "insert"])
        assert select(moto, 3) == 1
        insert(moto, 7)
        key = {"id": {"S": "test-pq-000000007"}}
        assert moto.get_item(TableName=ITEMS_TABLE, Key=key)["Item"] == single_item(
            "test-pq-000000007", 7
        )


def test_the_dax_workload_reads_every_item_from_the_cache_and_moto_reads_plainly():
    from moto import mock_aws

    client, engine, _ = setup_engine(SIZES, False, ["dax_get"])
    run = _workload("dax_get").run
    boto3_client, raw = dax_clients(engine)
    before = engine.inspect.dax_cluster("bench-cache").statistics
    assert before.item_misses == SIZES.single_items  # filled before measuring
    for i in range(3 * SIZES.single_items):
        assert run(boto3_client, i) == 1
        assert run(raw, i) == 1
    after = engine.inspect.dax_cluster("bench-cache").statistics
    assert after.item_misses == before.item_misses
    assert after.item_hits == before.item_hits + 6 * SIZES.single_items
    # Items stay cached however long the run: no TTL expires them.
    engine.clock.advance(10 * 86400)
    assert run(raw, 0) == 1
    # A miss would compare different work: the workload refuses it.
    engine.call(
        "UpdateParameterGroup",
        {
            "ParameterGroupName": "bench-no-expiry",
            "ParameterNameValues": [{"ParameterName": "record-ttl-millis", "ParameterValue": "1"}],
        },
    )
    with pytest.raises(BenchError, match="was a miss"):
        run(raw, 0)
    with mock_aws():
        moto, _ = setup_moto(SIZES, False, ["dax_get"])
        assert run(moto, 3) == 1
