"""Requests the sandbox tests send, so each test reads as the story it checks."""

from __future__ import annotations

from typing import Any

from engine import MultiRegionEngine

TABLE = "Music"


def create_table(name: str = TABLE) -> dict[str, Any]:
    return {
        "TableName": name,
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }


def put_item(sk: int, *, pk: str = "artist", table: str = TABLE, **extra: Any) -> dict[str, Any]:
    item = {"pk": {"S": pk}, "sk": {"N": str(sk)}}
    item.update({name: {"S": value} for name, value in extra.items()})
    return {"TableName": table, "Item": item}


def key(sk: int, *, pk: str = "artist", table: str = TABLE) -> dict[str, Any]:
    """TableName and Key: a DeleteItem request as it stands."""
    return {"TableName": table, "Key": {"pk": {"S": pk}, "sk": {"N": str(sk)}}}


def get_item(sk: int, *, pk: str = "artist", table: str = TABLE) -> dict[str, Any]:
    return key(sk, pk=pk, table=table) | {"ConsistentRead": True}


def query(pk: str = "artist", *, table: str = TABLE) -> dict[str, Any]:
    return {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ConsistentRead": True,
    }


def add_to_counter(*, pk: str = "counter", table: str = TABLE) -> dict[str, Any]:
    """UpdateItem that adds 1 to a counter and returns the new value."""
    return {
        "TableName": table,
        "Key": {"pk": {"S": pk}, "sk": {"N": "0"}},
        "UpdateExpression": "ADD hits :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}},
        "ReturnValues": "UPDATED_NEW",
    }


def state_without_clock(engine: MultiRegionEngine | dict[str, Any]) -> dict[str, Any]:
    """``engine.dump()`` (or a dump already taken, such as ``services.engine_state``) minus
    the clock, which each call freezes at its own instant."""
    state = dict(engine) if isinstance(engine, dict) else engine.dump()
    state.pop("clock")
    return state


def journaled_state(engine: MultiRegionEngine | dict[str, Any]) -> dict[str, Any]:
    """Everything the journal decides: the whole state but the clock (a read moves it).

    Reads that change state (they draw read capacity) are journaled, so the extensions'
    state (buckets, streams, TTL schedules) is included.
    """
    return state_without_clock(engine)
