"""Helpers for the engine's tests: a frozen instant, table builders, typed values."""

from __future__ import annotations

from typing import Any

import pytest

from engine import DynamoDBError, Engine
from engine.values import item_size

FROZEN_AT = 1_750_000_000.0


def create_table(
    engine: Engine,
    name: str = "Books",
    *,
    partition: tuple[str, str] = ("pk", "S"),
    sort: tuple[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    definitions = [{"AttributeName": partition[0], "AttributeType": partition[1]}]
    schema = [{"AttributeName": partition[0], "KeyType": "HASH"}]
    if sort is not None:
        definitions.append({"AttributeName": sort[0], "AttributeType": sort[1]})
        schema.append({"AttributeName": sort[0], "KeyType": "RANGE"})
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": definitions,
        "KeySchema": schema,
        "BillingMode": "PAY_PER_REQUEST",
    }
    request.update(extra)
    return engine.call("CreateTable", request)


def error_of(engine: Engine, operation: str, request: dict[str, Any]) -> DynamoDBError:
    """The DynamoDBError a call raises (fails the test if it succeeds)."""
    with pytest.raises(DynamoDBError) as caught:
        engine.call(operation, request)
    return caught.value


def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: int | str) -> dict[str, str]:
    return {"N": str(value)}


def sized_item(key: str, size: int, **extra: Any) -> dict[str, Any]:
    """An item of exactly ``size`` bytes: pk (2 + len(key)) + "data" (4) + padding."""
    item = {"pk": s(key), **extra}
    padding = size - item_size(item) - 4
    assert padding >= 0
    item["data"] = s("x" * padding)
    assert item_size(item) == size
    return item


def orders_table(engine: Engine, *, gsi_projection: dict[str, Any] | None = None) -> None:
    """Orders: customer (HASH) + placed (RANGE); GSI by status; LSI by total."""
    engine.call(
        "CreateTable",
        {
            "TableName": "Orders",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": "customer", "AttributeType": "S"},
                {"AttributeName": "placed", "AttributeType": "N"},
                {"AttributeName": "status", "AttributeType": "S"},
                {"AttributeName": "total", "AttributeType": "N"},
            ],
            "KeySchema": [
                {"AttributeName": "customer", "KeyType": "HASH"},
                {"AttributeName": "placed", "KeyType": "RANGE"},
            ],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "by-status",
                    "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                    "Projection": gsi_projection or {"ProjectionType": "KEYS_ONLY"},
                }
            ],
            "LocalSecondaryIndexes": [
                {
                    "IndexName": "by-total",
                    "KeySchema": [
                        {"AttributeName": "customer", "KeyType": "HASH"},
                        {"AttributeName": "total", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]},
                }
            ],
        },
    )


def matches_table(engine: Engine) -> None:
    """Tournament matches with a GSI keyed on two partition and two sort attributes."""
    engine.call(
        "CreateTable",
        {
            "TableName": "Matches",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": "matchId", "AttributeType": "S"},
                {"AttributeName": "tournament", "AttributeType": "S"},
                {"AttributeName": "regionId", "AttributeType": "S"},
                {"AttributeName": "round", "AttributeType": "N"},
                {"AttributeName": "bracket", "AttributeType": "S"},
            ],
            "KeySchema": [{"AttributeName": "matchId", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "by-tournament",
                    "KeySchema": [
                        {"AttributeName": "tournament", "KeyType": "HASH"},
                        {"AttributeName": "regionId", "KeyType": "HASH"},
                        {"AttributeName": "round", "KeyType": "RANGE"},
                        {"AttributeName": "bracket", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        },
    )
    engine.extensions["indexes"].settings.propagation_delay = 0
    rows = [
        ("m1", "WINTER", "EU", 1, "UPPER"),
        ("m2", "WINTER", "EU", 1, "LOWER"),
        ("m3", "WINTER", "EU", 2, "UPPER"),
        ("m4", "WINTER", "NA", 1, "UPPER"),
        ("m5", "SUMMER", "EU", 1, "UPPER"),
        ("m6", "WINTER", "EU", 3, "FINAL"),
    ]
    for match, tournament, region, round_, bracket in rows:
        item = {
            "matchId": s(match),
            "tournament": s(tournament),
            "regionId": s(region),
            "round": n(round_),
            "bracket": s(bracket),
        }
        engine.call("PutItem", {"TableName": "Matches", "Item": item})
    # Without every key attribute an item is not in the index.
    engine.call(
        "PutItem",
        {"TableName": "Matches", "Item": {"matchId": s("m7"), "tournament": s("WINTER")}},
    )


def shards_of(engine: Engine, arn: str) -> list[dict[str, Any]]:
    shards: list[dict[str, Any]] = []
    request: dict[str, Any] = {"StreamArn": arn}
    while True:
        description = engine.call("DescribeStream", request)["StreamDescription"]
        shards += description["Shards"]
        if "LastEvaluatedShardId" not in description:
            return shards
        request["ExclusiveStartShardId"] = description["LastEvaluatedShardId"]


def iterator(engine: Engine, arn: str, shard_id: str, kind: str, **extra: Any) -> str:
    request = {"StreamArn": arn, "ShardId": shard_id, "ShardIteratorType": kind, **extra}
    return engine.call("GetShardIterator", request)["ShardIterator"]


def read_stream(engine: Engine, arn: str, limit: int | None = None) -> list[dict[str, Any]]:
    """Every record from TRIM_HORIZON, following each shard to its child, as a reader must."""
    shards = shards_of(engine, arn)
    ids = {shard["ShardId"] for shard in shards}
    children = {shard.get("ParentShardId"): shard for shard in shards}
    current = next(shard for shard in shards if shard.get("ParentShardId") not in ids)
    records: list[dict[str, Any]] = []
    while current is not None:
        position: str | None = iterator(engine, arn, current["ShardId"], "TRIM_HORIZON")
        while position is not None:
            request: dict[str, Any] = {"ShardIterator": position}
            if limit is not None:
                request["Limit"] = limit
            page = engine.call("GetRecords", request)
            records += page["Records"]
            position = page.get("NextShardIterator")
            if not page["Records"] and "EndingSequenceNumber" not in current.get(
                "SequenceNumberRange", {}
            ):
                break  # the open shard has nothing more yet
        current = children.get(current["ShardId"])
    return records
