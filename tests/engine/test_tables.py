"""Table operations: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable, tags."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine, SimClock
from tests.support.engine import FROZEN_AT, create_table, error_of


def provisioned(name: str = "Orders", **extra: Any) -> dict[str, Any]:
    request = {
        "TableName": name,
        "AttributeDefinitions": [
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "placed", "AttributeType": "N"},
        ],
        "KeySchema": [
            {"AttributeName": "customer", "KeyType": "HASH"},
            {"AttributeName": "placed", "KeyType": "RANGE"},
        ],
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 10},
    }
    request.update(extra)
    return request


def test_create_table_answers_creating_then_describe_shows_active(engine: Engine) -> None:
    created = engine.call("CreateTable", provisioned())["TableDescription"]
    assert created["TableStatus"] == "CREATING"
    assert created["TableArn"] == "arn:aws:dynamodb:us-east-1:000000000000:table/Orders"
    assert created["CreationDateTime"] == FROZEN_AT
    described = engine.call("DescribeTable", {"TableName": "Orders"})["Table"]
    assert described["TableStatus"] == "ACTIVE"
    assert described["KeySchema"] == [
        {"AttributeName": "customer", "KeyType": "HASH"},
        {"AttributeName": "placed", "KeyType": "RANGE"},
    ]
    assert described["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 5,
        "WriteCapacityUnits": 10,
    }
    assert described["ItemCount"] == 0
    assert described["TableSizeBytes"] == 0
    assert "BillingModeSummary" not in described
    assert described["TableId"] == created["TableId"]


def test_on_demand_tables_report_zero_throughput_and_a_billing_summary(engine: Engine) -> None:
    """As recorded against the service: CreateTable's answer names the billing mode without
    LastUpdateToPayPerRequestDateTime, which DescribeTable then shows."""
    created = create_table(engine)["TableDescription"]
    assert created["BillingModeSummary"] == {"BillingMode": "PAY_PER_REQUEST"}
    assert created["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    described = engine.call("DescribeTable", {"TableName": created["TableName"]})["Table"]
    assert described["BillingModeSummary"] == {
        "BillingMode": "PAY_PER_REQUEST",
        "LastUpdateToPayPerRequestDateTime": FROZEN_AT,
    }


def test_on_demand_sent_again_answers_updating_and_changes_nothing(engine: Engine) -> None:
    """As recorded against the service: a 200 whose TableStatus is UPDATING, with the table
    ACTIVE in DescribeTable at once."""
    name = create_table(engine)["TableDescription"]["TableName"]
    again = engine.call("UpdateTable", {"TableName": name, "BillingMode": "PAY_PER_REQUEST"})
    assert again["TableDescription"]["TableStatus"] == "UPDATING"
    described = engine.call("DescribeTable", {"TableName": name})["Table"]
    assert described["TableStatus"] == "ACTIVE"
    assert described["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"] == FROZEN_AT


def test_item_count_and_size_follow_writes(engine: Engine) -> None:
    create_table(engine)
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": {"S": "a"}, "t": {"S": "xyz"}}})
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": {"S": "b"}}})
    described = engine.call("DescribeTable", {"TableName": "Books"})["Table"]
    assert described["ItemCount"] == 2
    assert described["TableSizeBytes"] == (2 + 1 + 1 + 3) + (2 + 1)


def test_table_name_rules(engine: Engine) -> None:
    error = error_of(engine, "CreateTable", provisioned("a!"))
    assert error.code == "ValidationException"
    assert error.message == (
        "2 validation errors detected: Value 'a!' at 'tableName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 3; Value 'a!' at 'tableName' failed "
        "to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
    )
    error = error_of(engine, "DescribeTable", {})
    assert error.message == (
        "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: "
        "Member must not be null"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"BillingMode": "PAY_PER_REQUEST"},
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
            "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
        ),
        (
            {"ProvisionedThroughput": None},
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits "
            "must both be specified when BillingMode is PROVISIONED",
        ),
        (
            {
                "KeySchema": [
                    {"AttributeName": "placed", "KeyType": "RANGE"},
                    {"AttributeName": "customer", "KeyType": "HASH"},
                ]
            },
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
        ),
        (
            {"AttributeDefinitions": [{"AttributeName": "customer", "AttributeType": "S"}]},
            "One or more parameter values were invalid: Some index key attributes are not defined "
            "in AttributeDefinitions. Keys: [customer, placed], AttributeDefinitions: [customer]",
        ),
        (
            {
                "AttributeDefinitions": [
                    {"AttributeName": "customer", "AttributeType": "S"},
                    {"AttributeName": "placed", "AttributeType": "N"},
                    {"AttributeName": "extra", "AttributeType": "S"},
                ]
            },
            "One or more parameter values were invalid: Number of attributes in KeySchema does "
            "not exactly match number of attributes defined in AttributeDefinitions",
        ),
        (
            {"ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}},
            "1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' "
            "failed to satisfy constraint: Member must have value greater than or equal to 1",
        ),
        (
            {
                "AttributeDefinitions": [
                    {"AttributeName": "customer", "AttributeType": "X"},
                    {"AttributeName": "placed", "AttributeType": "N"},
                ]
            },
            "1 validation error detected: Value 'X' at 'attributeDefinitions.1.member.attributeType' "
            "failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]",
        ),
    ],
)
def test_create_table_validation(engine: Engine, change: dict[str, Any], message: str) -> None:
    request = provisioned()
    for key, value in change.items():
        if value is None:
            request.pop(key)
        else:
            request[key] = value
    error = error_of(engine, "CreateTable", request)
    assert (error.code, error.message) == ("ValidationException", message)
    assert engine.call("ListTables", {})["TableNames"] == []


def test_an_existing_table_is_in_use(engine: Engine) -> None:
    engine.call("CreateTable", provisioned())
    error = error_of(engine, "CreateTable", provisioned())
    assert (error.code, error.message) == ("ResourceInUseException", "Table already exists: Orders")


def test_missing_tables(engine: Engine) -> None:
    error = error_of(engine, "DescribeTable", {"TableName": "Nope"})
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        "Requested resource not found: Table: Nope not found",
    )
    error = error_of(engine, "GetItem", {"TableName": "Nope", "Key": {"pk": {"S": "a"}}})
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        "Requested resource not found",
    )


def test_list_tables_pages_in_name_order(engine: Engine) -> None:
    for name in ["ccc", "aaa", "bbb", "ddd", "eee"]:
        create_table(engine, name)
    first = engine.call("ListTables", {"Limit": 2})
    assert first == {"TableNames": ["aaa", "bbb"], "LastEvaluatedTableName": "bbb"}
    second = engine.call("ListTables", {"Limit": 2, "ExclusiveStartTableName": "bbb"})
    assert second == {"TableNames": ["ccc", "ddd"], "LastEvaluatedTableName": "ddd"}
    last = engine.call("ListTables", {"Limit": 2, "ExclusiveStartTableName": "ddd"})
    assert last == {"TableNames": ["eee"]}
    error = error_of(engine, "ListTables", {"Limit": 101})
    assert "Member must have value less than or equal to 100" in error.message


def test_update_table_throughput_and_billing_mode() -> None:
    clock = SimClock(frozen_at=FROZEN_AT)
    engine = Engine(clock)
    engine.call("CreateTable", provisioned())
    clock.advance(60)
    updated = engine.call(
        "UpdateTable",
        {
            "TableName": "Orders",
            "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 5},
        },
    )["TableDescription"]
    assert updated["TableStatus"] == "UPDATING"
    throughput = updated["ProvisionedThroughput"]
    assert throughput["ReadCapacityUnits"] == 10
    assert throughput["LastIncreaseDateTime"] == FROZEN_AT + 60
    assert throughput["LastDecreaseDateTime"] == FROZEN_AT + 60
    assert throughput["NumberOfDecreasesToday"] == 1
    error = error_of(
        engine,
        "UpdateTable",
        {
            "TableName": "Orders",
            "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 5},
        },
    )
    assert error.message.startswith(
        "The provisioned throughput for the table will not change. The requested value equals "
        "the current value. Current ReadCapacityUnits provisioned for the table: 10."
    )
    on_demand = engine.call(
        "UpdateTable", {"TableName": "Orders", "BillingMode": "PAY_PER_REQUEST"}
    )
    assert on_demand["TableDescription"]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    error = error_of(engine, "UpdateTable", {"TableName": "Orders", "BillingMode": "PROVISIONED"})
    assert "ProvisionedThroughput must be specified" in error.message
    error = error_of(engine, "UpdateTable", {"TableName": "Orders"})
    assert error.message.startswith("At least one of ProvisionedThroughput, BillingMode")


def test_delete_table_returns_deleting_and_removes_it(engine: Engine) -> None:
    create_table(engine)
    deleted = engine.call("DeleteTable", {"TableName": "Books"})["TableDescription"]
    assert deleted["TableStatus"] == "DELETING"
    assert engine.call("ListTables", {}) == {"TableNames": []}
    assert (
        error_of(engine, "DeleteTable", {"TableName": "Books"}).code == "ResourceNotFoundException"
    )


def test_deletion_protection(engine: Engine) -> None:
    create_table(engine, DeletionProtectionEnabled=True)
    error = error_of(engine, "DeleteTable", {"TableName": "Books"})
    assert error.message.startswith("Resource cannot be deleted as it is currently protected")
    engine.call("UpdateTable", {"TableName": "Books", "DeletionProtectionEnabled": False})
    engine.call("DeleteTable", {"TableName": "Books"})


def test_tags(engine: Engine) -> None:
    arn = create_table(engine, Tags=[{"Key": "course", "Value": "intro"}])["TableDescription"][
        "TableArn"
    ]
    engine.call("TagResource", {"ResourceArn": arn, "Tags": [{"Key": "team", "Value": "a"}]})
    listed = engine.call("ListTagsOfResource", {"ResourceArn": arn})
    assert listed == {"Tags": [{"Key": "course", "Value": "intro"}, {"Key": "team", "Value": "a"}]}
    engine.call("UntagResource", {"ResourceArn": arn, "TagKeys": ["course"]})
    assert engine.call("ListTagsOfResource", {"ResourceArn": arn}) == {
        "Tags": [{"Key": "team", "Value": "a"}]
    }
    missing = arn.replace("Books", "Nope")
    assert error_of(engine, "ListTagsOfResource", {"ResourceArn": missing}).code == (
        "ResourceNotFoundException"
    )


def test_indexes_and_streams_are_described(engine: Engine) -> None:
    request = provisioned(
        AttributeDefinitions=[
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "placed", "AttributeType": "N"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-status-local",
                "KeySchema": [
                    {"AttributeName": "customer", "KeyType": "HASH"},
                    {"AttributeName": "status", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    engine.call("CreateTable", request)
    described = engine.call("DescribeTable", {"TableName": "Orders"})["Table"]
    assert described["GlobalSecondaryIndexes"][0]["IndexName"] == "by-status"
    assert described["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert described["LocalSecondaryIndexes"][0]["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["total"],
    }
    assert described["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert described["LatestStreamArn"].startswith(described["TableArn"] + "/stream/")


def test_local_index_needs_the_tables_partition_key(engine: Engine) -> None:
    request = provisioned(
        AttributeDefinitions=[
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "placed", "AttributeType": "N"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "wrong",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "placed", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    error = error_of(engine, "CreateTable", request)
    assert "does not have the same leading hash key as table KeySchema" in error.message


def test_unknown_operations_and_bad_shapes(engine: Engine) -> None:
    assert error_of(engine, "Frobnicate", {}).code == "UnknownOperationException"
    assert error_of(engine, "DescribeTable", {"TableName": 5}).code == "SerializationException"


def test_describe_limits_reports_the_quota_update_table_enforces() -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    limits = engine.call("DescribeLimits", {})
    assert limits == {
        "AccountMaxReadCapacityUnits": 80000,
        "AccountMaxWriteCapacityUnits": 80000,
        "TableMaxReadCapacityUnits": 40000,
        "TableMaxWriteCapacityUnits": 40000,
    }
    engine.call("CreateTable", provisioned())
    engine.clock.advance(60)
    most = limits["TableMaxReadCapacityUnits"]
    over = error_of(
        engine,
        "UpdateTable",
        {
            "TableName": "Orders",
            "ProvisionedThroughput": {"ReadCapacityUnits": most + 1, "WriteCapacityUnits": 5},
        },
    )
    assert over.code == "LimitExceededException"
    assert over.message == (
        "The requested ReadCapacityUnits, 40001, is above the per table maximum for the account "
        "in us-east-1. Per table maximum: 40000. Refer to the Amazon DynamoDB Developer Guide "
        "for current limits and how to request higher limits."
    )
    at_most = engine.call(
        "UpdateTable",
        {
            "TableName": "Orders",
            "ProvisionedThroughput": {"ReadCapacityUnits": most, "WriteCapacityUnits": 5},
        },
    )
    assert at_most["TableDescription"]["ProvisionedThroughput"]["ReadCapacityUnits"] == most


def test_create_table_refuses_more_than_the_per_table_maximum(engine: Engine) -> None:
    """The service's text for CreateTable and UpdateTable alike, reads named first (as
    recorded against the service); the quota is DescribeLimits' TableMax*CapacityUnits."""
    most = engine.call("DescribeLimits", {})["TableMaxWriteCapacityUnits"]
    request = provisioned()
    request["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": most + 1}
    error = error_of(engine, "CreateTable", request)
    assert error.code == "LimitExceededException"
    assert error.message.startswith(
        f"The requested WriteCapacityUnits, {most + 1}, is above the per table maximum for the "
        f"account in us-east-1. Per table maximum: {most}."
    )
    assert engine.call("ListTables", {})["TableNames"] == []
    request["ProvisionedThroughput"]["WriteCapacityUnits"] = most
    assert engine.call("CreateTable", request)["TableDescription"]["TableName"] == "Orders"


def _one_key_index(i: int) -> dict[str, Any]:
    return {
        "IndexName": f"idx{i}",
        "KeySchema": [{"AttributeName": f"g{i}", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }


def _wide_table(indexes: int) -> dict[str, Any]:
    """An on-demand table keyed on pk with ``indexes`` one-key global indexes (g0, g1, ...)."""
    return {
        "TableName": "Wide",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]
        + [{"AttributeName": f"g{i}", "AttributeType": "S"} for i in range(indexes)],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [_one_key_index(i) for i in range(indexes)],
    }


def test_update_table_past_the_twentieth_global_index_is_a_limit() -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    engine.call("CreateTable", _wide_table(20))
    error = error_of(
        engine,
        "UpdateTable",
        {
            "TableName": "Wide",
            "AttributeDefinitions": _wide_table(21)["AttributeDefinitions"],
            "GlobalSecondaryIndexUpdates": [{"Create": _one_key_index(20)}],
        },
    )
    assert error.code == "LimitExceededException"
    assert error.message == (
        "Subscriber limit exceeded: Number of global secondary indexes exceeds per-table limit of 20"
    )


def test_control_plane_messages_recorded_against_the_service(engine: Engine) -> None:
    """Texts from a public catalogue of answers recorded against the service: CreateTable's
    21st global index is a validation (UpdateTable's a limit, above), TableClass has its own
    message, and an UpdateTable that changes nothing lists every member that could."""
    too_many = error_of(engine, "CreateTable", _wide_table(21))
    assert too_many.code == "ValidationException"
    assert too_many.message == (
        "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the "
        "per-table limit of 20"
    )
    wrong_class = error_of(engine, "CreateTable", provisioned(TableClass="GLACIER"))
    assert wrong_class.message == (
        "Invalid table-class parameter provided. Please try again with a valid table-class "
        "value: [STANDARD, STANDARD_INFREQUENT_ACCESS]."
    )
    engine.call("CreateTable", provisioned())
    assert error_of(engine, "UpdateTable", {"TableName": "Orders", "TableClass": "X"}).message == (
        wrong_class.message
    )
    nothing = error_of(engine, "UpdateTable", {"TableName": "Orders"})
    assert nothing.message == (
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
        "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, "
        "ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, "
        "OnDemandThroughput, WarmThroughput or TableClass is required"
    )
