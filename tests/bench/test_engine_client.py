"""The boto3 adapter of bench/engine_client.py behaves like a real client, and the benchmark runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from bench.engine_client import engine_client, engine_resource, moto_client

ROOT = Path(__file__).resolve().parents[2]


def _create(client, name="things", *, sort_key=False):
    keys = [("pk", "HASH")] + ([("sk", "RANGE")] if sort_key else [])
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": a, "KeyType": k} for a, k in keys],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a, _ in keys],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture
def client():
    client, _ = engine_client()
    _create(client)
    return client


def test_put_then_get_round_trips_through_boto3(client):
    item = {"pk": {"S": "a"}, "n": {"N": "1.50"}, "tags": {"SS": ["x", "y"]}, "ok": {"BOOL": True}}
    response = client.put_item(TableName="things", Item=item)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200

    got = client.get_item(TableName="things", Key={"pk": {"S": "a"}})["Item"]

    assert got["pk"] == {"S": "a"}
    assert got["n"] == {"N": "1.5"}
    assert sorted(got["tags"]["SS"]) == ["x", "y"]
    assert got["ok"] == {"BOOL": True}


def test_the_engine_behind_the_client_is_the_one_returned():
    client, engine = engine_client()
    _create(client, "shared")
    assert engine.call("ListTables", {})["TableNames"] == ["shared"]


def test_a_failed_condition_raises_the_modelled_exception(client):
    client.put_item(TableName="things", Item={"pk": {"S": "a"}})
    with pytest.raises(client.exceptions.ConditionalCheckFailedException) as caught:
        client.put_item(
            TableName="things",
            Item={"pk": {"S": "a"}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    error = caught.value.response["Error"]
    assert error["Code"] == "ConditionalCheckFailedException"
    assert error["Message"] == "The conditional request failed"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_failed_condition_can_return_the_old_item(client):
    client.put_item(TableName="things", Item={"pk": {"S": "a"}, "v": {"N": "7"}})
    with pytest.raises(client.exceptions.ConditionalCheckFailedException) as caught:
        client.delete_item(
            TableName="things",
            Key={"pk": {"S": "a"}},
            ConditionExpression="v = :eight",
            ExpressionAttributeValues={":eight": {"N": "8"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert caught.value.response["Item"] == {"pk": {"S": "a"}, "v": {"N": "7"}}


def test_a_validation_error_is_a_client_error_with_its_code(client):
    with pytest.raises(ClientError) as caught:
        client.get_item(TableName="things", Key={"pk": {"S": "a"}, "extra": {"S": "b"}})
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_missing_table_is_resource_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_item(TableName="nope", Key={"pk": {"S": "a"}})


def test_the_scan_paginator_collects_every_page(client):
    for i in range(30):
        client.put_item(TableName="things", Item={"pk": {"S": f"k{i:02d}"}})

    pages = list(client.get_paginator("scan").paginate(TableName="things", Limit=7))
    keys = [item["pk"]["S"] for page in pages for item in page["Items"]]

    assert sorted(keys) == [f"k{i:02d}" for i in range(30)]
    assert len(pages) >= 5


def test_the_resource_api_queries_with_key_conditions():
    resource, _ = engine_resource()
    table = resource.create_table(
        TableName="records",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    with table.batch_writer() as writer:
        for i in range(5):
            writer.put_item(Item={"pk": "a", "sk": i, "v": f"value {i}"})
        writer.put_item(Item={"pk": "b", "sk": 0})

    items = table.query(KeyConditionExpression=Key("pk").eq("a"))["Items"]

    assert [int(item["sk"]) for item in items] == [0, 1, 2, 3, 4]
    assert items[2]["v"] == "value 2"


def test_inside_mock_aws_the_engine_client_answers_alone():
    # botocore runs every before-send handler, so moto's stubber must be off the client:
    # otherwise moto would also see (and pay for) each request.
    from moto import mock_aws

    with mock_aws():
        client, engine = engine_client()
        _create(client, "inside")
        assert moto_client().list_tables()["TableNames"] == []
    assert engine.call("ListTables", {})["TableNames"] == ["inside"]


def test_the_quick_benchmark_runs_and_prints_the_table(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [
            sys.executable,
            "bench/engine_bench.py",
            "--quick",
            "--items",
            "1000",
            "--seconds",
            "0.1",
            "--json",
            out,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for heading in ("moto ops/s", "engine (boto3) ops/s", "engine/moto", "raw Engine.call ops/s"):
        assert heading in result.stdout
    for workload in ("PutItem", "GetItem", "UpdateItem", "Query", "Scan"):
        assert workload in result.stdout
    for row in (
        "6. PutItem, 2 GSIs + stream",
        "7. Query 100 of 1,000 (1 GSI partition)",
        "8. ExecuteStatement SELECT by key",
        "9. ExecuteStatement INSERT",
        "10. GetItem through DAX, a cache hit (moto: plain GetItem)",
    ):
        assert row in result.stdout
    assert "costs at most 2x a plain PutItem" in result.stdout
    assert "raw Engine.call:" in result.stdout and "engine through boto3:" in result.stdout
    assert "PASS" in result.stdout or "BELOW" in result.stdout
    assert out.exists()
    results = json.loads(out.read_text())
    names = [workload["name"] for workload in results["workloads"]]
    assert names == [
        "put",
        "get",
        "update",
        "query",
        "scan",
        "put_gsi",
        "query_gsi",
        "select",
        "insert",
        "dax_get",
    ]
    paths = results["gsi_put_cost_goal"]["paths"]
    assert [path["verdict"] for path in paths][:2] != [None, None]
    assert all(path["factor"] > 0 for path in paths)
