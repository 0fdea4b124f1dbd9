"""Fixtures for the engine's tests: a fresh engine on a frozen clock, and table helpers."""

from __future__ import annotations

from typing import Any

import pytest

from engine import DynamoDBError, Engine, SimClock

FROZEN_AT = 1_750_000_000.0


@pytest.fixture
def engine() -> Engine:
    return Engine(SimClock(frozen_at=FROZEN_AT))


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
