"""The operation catalog: every operation declared once, with facts that match behaviour."""

from __future__ import annotations

import contextlib

import pytest

from engine import DynamoDBError, Engine, catalog
from engine.extensions import EXTENSIONS
from tests.support.engine import create_table, s


def test_every_operation_the_engine_answers_is_in_the_catalog_once() -> None:
    names = catalog.names()
    assert names == sorted(set(names))
    assert Engine().operations == names
    for name in names:
        facts = catalog.get(name)
        assert facts is not None and facts.name == name
        assert facts.api in catalog.APIS
        assert facts.summary, f"{name} has no docstring to summarise it"


def test_facts_that_other_layers_rely_on() -> None:
    assert catalog.names(api=catalog.STREAMS) == [
        "DescribeStream",
        "GetRecords",
        "GetShardIterator",
        "ListStreams",
    ]
    reads = {f.name for f in catalog.operations() if f.bills == "read"}
    assert reads == {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
    writes = {f.name for f in catalog.operations() if f.bills == "write"}
    assert writes == {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
    assert all(catalog.get(name).read_only for name in reads)
    assert not any(catalog.get(name).read_only for name in writes)
    creators = {f.name for f in catalog.operations() if f.creates_table}
    assert creators == {"CreateTable", "RestoreTableFromBackup", "RestoreTableToPointInTime"}
    assert {f.name for f in catalog.operations(api=catalog.DYNALAB)} >= {
        "DescribeThroughput",
        "CreateTrigger",
    }
    assert not catalog.is_read_only("NoSuchOperation")
    assert {f.name for f in catalog.operations() if f.bills == "either"} == {
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
    }
    assert not catalog.bills_capacity("NoSuchOperation")


def test_operations_that_take_return_consumed_capacity_report_it() -> None:
    """``bills`` is exactly the set of operations whose answer carries ConsumedCapacity."""
    engine = Engine()
    create_table(engine, "Tbl")
    engine.call("PutItem", {"TableName": "Tbl", "Item": {"pk": s("a")}})
    key = {"pk": s("a")}
    requests = {
        "GetItem": {"TableName": "Tbl", "Key": key},
        "PutItem": {"TableName": "Tbl", "Item": key},
        "UpdateItem": {"TableName": "Tbl", "Key": key},
        "DeleteItem": {"TableName": "Tbl", "Key": key},
        "Query": {
            "TableName": "Tbl",
            "KeyConditionExpression": "pk = :a",
            "ExpressionAttributeValues": {":a": s("a")},
        },
        "Scan": {"TableName": "Tbl"},
        "BatchGetItem": {"RequestItems": {"Tbl": {"Keys": [key]}}},
        "BatchWriteItem": {"RequestItems": {"Tbl": [{"PutRequest": {"Item": key}}]}},
        "TransactGetItems": {"TransactItems": [{"Get": {"TableName": "Tbl", "Key": key}}]},
        "TransactWriteItems": {"TransactItems": [{"Put": {"TableName": "Tbl", "Item": key}}]},
    }
    requests["ExecuteStatement"] = {"Statement": "SELECT * FROM Tbl WHERE pk = 'a'"}
    requests["BatchExecuteStatement"] = {
        "Statements": [{"Statement": "SELECT * FROM Tbl WHERE pk = 'a'"}]
    }
    requests["ExecuteTransaction"] = {
        "TransactStatements": [{"Statement": "SELECT * FROM Tbl WHERE pk = 'a'"}]
    }
    assert set(requests) == {f.name for f in catalog.operations() if f.bills_capacity}
    for name, request in requests.items():
        response = engine.call(name, {**request, "ReturnConsumedCapacity": "TOTAL"})
        assert "ConsumedCapacity" in response, name


@pytest.mark.parametrize("name", [f.name for f in catalog.operations() if f.read_only])
def test_read_only_operations_change_no_data(name: str) -> None:
    """Whatever a read-only operation is asked, the tables' items and settings stay as they
    were (it may refuse the request; it may not write)."""
    engine = Engine()
    create_table(
        engine, "Tbl", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    )
    engine.call("PutItem", {"TableName": "Tbl", "Item": {"pk": s("a")}})
    before = engine.dump()
    with contextlib.suppress(DynamoDBError):  # refusals are fine; only writes are not
        engine.call(name, {"TableName": "Tbl"})
    after = engine.dump()
    assert after["tables"] == before["tables"]


def test_extensions_are_registered_in_one_ordered_list() -> None:
    engine = Engine()
    assert [name for name, _ in EXTENSIONS] == list(engine.extensions)
    assert list(engine.extensions) == [
        "throughput",
        "backups",
        "indexes",
        "streams",
        "triggers",
        "ttl",
        "replication",
        "dax",
    ]


@pytest.mark.parametrize(
    ("operation", "request_body", "reads_only"),
    [
        ("ExecuteStatement", {"Statement": "SELECT * FROM Tbl WHERE pk = 'a'"}, True),
        ("ExecuteStatement", {"Statement": '  select pk FROM "Tbl"'}, True),
        ("ExecuteStatement", {"Statement": "INSERT INTO Tbl VALUE {'pk': 'b'}"}, False),
        ("ExecuteStatement", {"Statement": "DELETE FROM Tbl WHERE pk = 'a'"}, False),
        ("ExecuteStatement", {"Statement": "SELEC nonsense"}, False),
        ("ExecuteStatement", {}, False),
        (
            "BatchExecuteStatement",
            {
                "Statements": [
                    {"Statement": "SELECT * FROM Tbl WHERE pk = 'a'"},
                    {"Statement": "UPDATE Tbl SET x = 1 WHERE pk = 'a'"},
                ]
            },
            False,
        ),
        (
            "ExecuteTransaction",
            {"TransactStatements": [{"Statement": "SELECT * FROM Tbl WHERE pk = 'a'"}]},
            True,
        ),
    ],
)
def test_partiql_requests_say_whether_they_only_read(
    operation: str, request_body: dict, reads_only: bool
) -> None:
    """A sandbox journals a PartiQL call unless its statements are all SELECTs; a SELECT
    that is called read-only must indeed change no data."""
    assert catalog.is_read_only(operation, request_body) is reads_only
    if reads_only:
        engine = Engine()
        create_table(engine, "Tbl")
        engine.call("PutItem", {"TableName": "Tbl", "Item": {"pk": s("a")}})
        before = engine.dump()["tables"]
        engine.call(operation, request_body)
        assert engine.dump()["tables"] == before


def test_dynamodb_operations_not_simulated_say_so_and_why() -> None:
    """Each name in NOT_SIMULATED is an operation of DynamoDB's API (as botocore, the AWS
    SDK for Python, models it) that the engine does not answer; calling one is refused as
    the service refuses an unknown name, with a message that says what is missing."""
    import botocore.session

    modelled = set(botocore.session.get_session().get_service_model("dynamodb").operation_names)
    engine = Engine()
    for name, reason in catalog.NOT_SIMULATED.items():
        assert name in modelled, name
        assert catalog.get(name) is None, name
        with pytest.raises(DynamoDBError) as caught:
            engine.call(name, {})
        assert caught.value.code == "UnknownOperationException"
        assert caught.value.message == (
            f"{name} is a DynamoDB operation that DynaLab does not simulate: {reason}."
        )
    with pytest.raises(DynamoDBError) as caught:
        engine.call("ExportTablesToS3", {})
    assert caught.value.message == "Unknown operation: ExportTablesToS3"
