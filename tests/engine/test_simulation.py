"""DynaLab's simulation operations: settings a lesson or the workbench turns on, and a burst
of writes billed and throttled without storing anything. Not part of the DynamoDB API."""

from __future__ import annotations

import pytest

from engine import Engine, catalog
from tests.support.engine import FROZEN_AT, create_table, error_of, n, s


def test_they_are_declared_as_dynalabs_own() -> None:
    for name in ("DescribeSimulationSettings", "UpdateSimulationSettings", "SimulateWriteBurst"):
        facts = catalog.get(name)
        assert facts is not None and facts.api == catalog.DYNALAB
        assert "NOT part of the DynamoDB API" in (catalog.handler(name).__doc__ or "")
    assert catalog.is_read_only("DescribeSimulationSettings")
    assert not catalog.is_read_only("UpdateSimulationSettings")
    assert not catalog.is_read_only("SimulateWriteBurst")


def test_propagation_lag_is_a_setting_and_survives_a_snapshot(engine: Engine) -> None:
    create_table(
        engine,
        "Orders",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByStatus",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    answer = engine.call("UpdateSimulationSettings", {"GsiPropagationDelaySeconds": 60})
    assert answer["SimulationSettings"]["GsiPropagationDelaySeconds"] == 60
    engine.call("PutItem", {"TableName": "Orders", "Item": {"pk": s("a"), "status": s("open")}})
    query = {
        "TableName": "Orders",
        "IndexName": "ByStatus",
        "KeyConditionExpression": "#s = :s",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":s": s("open")},
    }
    assert engine.call("Query", query)["Count"] == 0  # not there yet: the index lags
    reloaded = Engine.loads(engine.dumps())
    assert reloaded.call("DescribeSimulationSettings", {})["SimulationSettings"] == {
        "GsiPropagationDelaySeconds": 60,
        "TtlDeletionMode": "SPREAD",
    }
    engine.clock.advance(60)
    assert engine.call("Query", query)["Count"] == 1
    engine.call("UpdateSimulationSettings", {"GsiPropagationDelaySeconds": 0})
    engine.call("PutItem", {"TableName": "Orders", "Item": {"pk": s("b"), "status": s("open")}})
    assert engine.call("Query", query)["Count"] == 2  # no lag: at once


def test_ttl_deletion_delay_modes(engine: Engine) -> None:
    create_table(engine, "Sessions")
    engine.call(
        "UpdateTimeToLive",
        {
            "TableName": "Sessions",
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"},
        },
    )
    engine.call(
        "PutItem", {"TableName": "Sessions", "Item": {"pk": s("a"), "exp": n(int(FROZEN_AT))}}
    )
    fixed = engine.call(
        "UpdateSimulationSettings", {"TtlDeletionMode": "FIXED", "TtlDeletionDelaySeconds": 90}
    )["SimulationSettings"]
    assert fixed["TtlDeletionMode"] == "FIXED" and fixed["TtlDeletionDelaySeconds"] == 90
    (entry,) = engine.inspect.ttl("Sessions").scheduled
    assert entry.due_at == FROZEN_AT + 90  # rescheduled with the new delay
    engine.call("UpdateSimulationSettings", {"TtlDeletionMode": "IMMEDIATE"})
    engine.clock.advance(1)
    assert engine.call("Scan", {"TableName": "Sessions"})["Count"] == 0


@pytest.mark.parametrize(
    ("request_body", "code", "fragment"),
    [
        ({}, "ValidationException", "At least one of"),
        ({"GsiPropagationDelaySeconds": -1}, "ValidationException", "greater than or equal to 0"),
        ({"GsiPropagationDelaySeconds": 90000}, "ValidationException", "less than or equal to"),
        ({"GsiPropagationDelaySeconds": "5"}, "SerializationException", "STRING_VALUE"),
        ({"GsiPropagationDelaySeconds": True}, "SerializationException", "BOOLEAN_VALUE"),
        ({"TtlDeletionMode": "LATER"}, "ValidationException", "enum value set"),
        ({"TtlDeletionMode": "FIXED"}, "ValidationException", "is required when"),
        (
            {"TtlDeletionMode": "SPREAD", "TtlDeletionDelaySeconds": 5},
            "ValidationException",
            "only when TtlDeletionMode is FIXED",
        ),
        (
            {"TtlDeletionMode": "FIXED", "TtlDeletionDelaySeconds": 3 * 86400},
            "ValidationException",
            "less than or equal to 172800",
        ),
    ],
)
def test_settings_are_checked(engine: Engine, request_body: dict, code: str, fragment: str) -> None:
    error = error_of(engine, "UpdateSimulationSettings", request_body)
    assert error.code == code and fragment in error.message


def test_a_write_burst_throttles_without_storing_items(engine: Engine) -> None:
    create_table(
        engine,
        "Orders",
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    answer = engine.call(
        "SimulateWriteBurst", {"TableName": "Orders", "Count": 12, "ItemSizeBytes": 2000}
    )
    # A new 5 WCU table holds 5 units in its bucket and nothing in its burst pool yet: two
    # writes of 2 KB (2 WCU each) fit, the third does not.
    assert (answer["Succeeded"], answer["Throttled"], answer["FirstThrottled"]) == (2, 10, 3)
    assert answer["WriteCapacityUnits"] == 4.0
    assert answer["LastThrottlingError"]["Code"] == "ProvisionedThroughputExceededException"
    assert engine.inspect.usage().items == 0
    throughput = engine.call("DescribeThroughput", {"TableName": "Orders"})["Throughput"]
    assert throughput["Consumed"]["Throttled"]["write"] == 10
    # Five idle minutes refill the bucket and the burst pool (1,501 units in all), but the
    # table's one partition serves at most 1,000 WCU a second: 500 writes of 2 WCU.
    engine.clock.advance(300)
    later = engine.call(
        "SimulateWriteBurst", {"TableName": "Orders", "Count": 1000, "ItemSizeBytes": 2000}
    )
    assert (later["Succeeded"], later["FirstThrottled"]) == (500, 501)
    assert engine.inspect.usage().items == 0


def test_a_write_burst_is_checked(engine: Engine) -> None:
    assert (
        error_of(
            engine, "SimulateWriteBurst", {"TableName": "Nope", "Count": 1, "ItemSizeBytes": 1}
        ).code
        == "ResourceNotFoundException"
    )
    error = error_of(engine, "SimulateWriteBurst", {"TableName": "Nope", "Count": 0})
    assert error.code == "ValidationException" and "itemSizeBytes" in error.message
    create_table(engine, "Tbl")
    error = error_of(
        engine, "SimulateWriteBurst", {"TableName": "Tbl", "Count": 1001, "ItemSizeBytes": 1}
    )
    assert "less than or equal to 1000" in error.message
