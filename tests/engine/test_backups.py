"""On-demand backups: CreateBackup, DescribeBackup, ListBackups, DeleteBackup and
RestoreTableFromBackup, with the service's shapes, errors and what a restore carries over."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine, SimClock
from tests.support.engine import FROZEN_AT, create_table, error_of, n, s

ARN_PATTERN = re.compile(
    r"arn:aws:dynamodb:us-east-1:000000000000:table/Books/backup/\d{14}-[0-9a-f]{8}"
)


def put(engine: Engine, table: str, pk: str, **attributes: Any) -> None:
    engine.call("PutItem", {"TableName": table, "Item": {"pk": s(pk), **attributes}})


def scan(engine: Engine, table: str) -> list[dict[str, Any]]:
    items = engine.call("Scan", {"TableName": table, "ConsistentRead": True})["Items"]
    return sorted(items, key=lambda item: item["pk"]["S"])


def backup(engine: Engine, table: str = "Books", name: str = "nightly") -> str:
    response = engine.call("CreateBackup", {"TableName": table, "BackupName": name})
    return response["BackupDetails"]["BackupArn"]


def available(engine: Engine, table: str = "Books", name: str = "nightly") -> str:
    arn = backup(engine, table, name)
    engine.clock.advance(120)
    return arn


def restore(engine: Engine, arn: str, target: str = "Restored", **extra: Any) -> dict[str, Any]:
    request = {"TargetTableName": target, "BackupArn": arn, **extra}
    return engine.call("RestoreTableFromBackup", request)["TableDescription"]


@pytest.fixture
def books(engine: Engine) -> Engine:
    create_table(engine)
    for pk in ("a", "b", "c"):
        put(engine, "Books", pk, title=s(f"title {pk}"))
    return engine


# ---------------------------------------------------------------------- CreateBackup
def test_create_backup_returns_backup_details(books: Engine) -> None:
    details = books.call("CreateBackup", {"TableName": "Books", "BackupName": "nightly"})[
        "BackupDetails"
    ]
    assert ARN_PATTERN.fullmatch(details["BackupArn"])
    assert details["BackupArn"].split("/backup/")[1].startswith(f"{int(FROZEN_AT * 1000):014d}-")
    size = books.call("DescribeTable", {"TableName": "Books"})["Table"]["TableSizeBytes"]
    assert details == {
        "BackupArn": details["BackupArn"],
        "BackupName": "nightly",
        "BackupSizeBytes": size,
        "BackupStatus": "CREATING",
        "BackupType": "USER",
        "BackupCreationDateTime": FROZEN_AT,
    }


def test_backup_becomes_available_as_the_clock_moves(books: Engine) -> None:
    arn = backup(books)
    books.clock.advance(59)
    assert describe(books, arn)["BackupDetails"]["BackupStatus"] == "CREATING"
    books.clock.advance(1)
    assert describe(books, arn)["BackupDetails"]["BackupStatus"] == "AVAILABLE"


def test_create_backup_of_a_missing_table(engine: Engine) -> None:
    error = error_of(engine, "CreateBackup", {"TableName": "Nope", "BackupName": "nightly"})
    assert error.code == "TableNotFoundException"
    assert error.message == "Table not found: Nope"


def test_create_backup_validates_its_parameters(books: Engine) -> None:
    error = error_of(books, "CreateBackup", {"TableName": "Books", "BackupName": "x!"})
    assert error.code == "ValidationException"
    assert error.message == (
        "2 validation errors detected: Value 'x!' at 'backupName' failed to satisfy "
        "constraint: Member must have length greater than or equal to 3; Value 'x!' at "
        "'backupName' failed to satisfy constraint: Member must satisfy regular expression "
        "pattern: [a-zA-Z0-9_.-]+"
    )
    error = error_of(books, "CreateBackup", {"TableName": "Books"})
    assert "Value null at 'backupName' failed to satisfy constraint" in error.message


def test_create_backup_accepts_the_table_arn(books: Engine) -> None:
    table_arn = books.call("DescribeTable", {"TableName": "Books"})["Table"]["TableArn"]
    details = books.call("CreateBackup", {"TableName": table_arn, "BackupName": "by-arn"})
    assert details["BackupDetails"]["BackupName"] == "by-arn"


def test_a_second_backup_while_one_is_being_created_is_in_use(books: Engine) -> None:
    backup(books)
    error = error_of(books, "CreateBackup", {"TableName": "Books", "BackupName": "again"})
    assert error.code == "BackupInUseException"
    books.clock.advance(60)
    backup(books, name="again")


def test_backups_of_a_table_being_restored_are_unavailable(books: Engine) -> None:
    restore(books, available(books))
    error = error_of(books, "CreateBackup", {"TableName": "Restored", "BackupName": "copy"})
    assert error.code == "ContinuousBackupsUnavailableException"
    assert error.message == (
        "Backups are being enabled for the table: Restored. Please retry later"
    )


def test_a_backup_is_a_deep_copy_that_later_writes_never_reach(books: Engine) -> None:
    before = scan(books, "Books")
    arn = available(books)
    put(books, "Books", "a", title=s("changed"))
    put(books, "Books", "d")
    books.call("DeleteItem", {"TableName": "Books", "Key": {"pk": s("b")}})
    restore(books, arn)
    assert scan(books, "Restored") == before
    # Changing the restored table does not change the backup either.
    put(books, "Restored", "z")
    restore(books, arn, "Second")
    assert scan(books, "Second") == before


# ---------------------------------------------------------------------- DescribeBackup
def describe(engine: Engine, arn: str) -> dict[str, Any]:
    return engine.call("DescribeBackup", {"BackupArn": arn})["BackupDescription"]


def test_describe_backup_shows_the_source_table_and_its_features(engine: Engine) -> None:
    engine.call(
        "CreateTable",
        {
            "TableName": "Orders",
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
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6},
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "by-status",
                    "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3},
                }
            ],
            "LocalSecondaryIndexes": [
                {
                    "IndexName": "by-total",
                    "KeySchema": [
                        {"AttributeName": "customer", "KeyType": "HASH"},
                        {"AttributeName": "total", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        },
    )
    engine.call(
        "PutItem",
        {"TableName": "Orders", "Item": {"customer": s("ann"), "placed": n(1), "total": n(5)}},
    )
    table = engine.call("DescribeTable", {"TableName": "Orders"})["Table"]
    arn = backup(engine, "Orders")
    description = describe(engine, arn)
    assert description["BackupDetails"]["BackupName"] == "nightly"
    assert description["SourceTableDetails"] == {
        "TableName": "Orders",
        "TableId": table["TableId"],
        "TableArn": table["TableArn"],
        "TableSizeBytes": table["TableSizeBytes"],
        "KeySchema": table["KeySchema"],
        "TableCreationDateTime": table["CreationDateTime"],
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6},
        "ItemCount": 1,
        "BillingMode": "PROVISIONED",
    }
    assert description["SourceTableFeatureDetails"] == {
        "LocalSecondaryIndexes": [
            {
                "IndexName": "by-total",
                "KeySchema": [
                    {"AttributeName": "customer", "KeyType": "HASH"},
                    {"AttributeName": "total", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "by-status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3},
            }
        ],
        "StreamDescription": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    }


def test_backup_describes_ttl_which_a_restore_does_not_carry(books: Engine) -> None:
    books.call(
        "UpdateTimeToLive",
        {
            "TableName": "Books",
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expires"},
        },
    )
    arn = available(books)
    assert describe(books, arn)["SourceTableFeatureDetails"]["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires",
    }
    restore(books, arn)
    ttl = books.call("DescribeTimeToLive", {"TableName": "Restored"})["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "DISABLED"


def test_describe_backup_of_an_on_demand_table(books: Engine) -> None:
    source = describe(books, backup(books))["SourceTableDetails"]
    assert source["BillingMode"] == "PAY_PER_REQUEST"
    assert source["ProvisionedThroughput"] == {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    assert source["ItemCount"] == 3


def test_describe_a_missing_backup(engine: Engine) -> None:
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/Books/backup/01750000000000-00000000"
    error = error_of(engine, "DescribeBackup", {"BackupArn": arn})
    assert error.code == "BackupNotFoundException"
    assert error.message == f"Backup not found: {arn}"
    error = error_of(engine, "DescribeBackup", {"BackupArn": "arn:short"})
    assert error.message == (
        "1 validation error detected: Value 'arn:short' at 'backupArn' failed to satisfy "
        "constraint: Member must have length greater than or equal to 37"
    )


# ---------------------------------------------------------------------- ListBackups
def test_list_backups_in_creation_order_with_summaries(books: Engine) -> None:
    first = available(books, name="first")
    second = available(books, name="second")
    summaries = books.call("ListBackups", {})["BackupSummaries"]
    assert [summary["BackupArn"] for summary in summaries] == [first, second]
    table = books.call("DescribeTable", {"TableName": "Books"})["Table"]
    assert summaries[0] == {
        "TableName": "Books",
        "TableId": table["TableId"],
        "TableArn": table["TableArn"],
        "BackupArn": first,
        "BackupName": "first",
        "BackupCreationDateTime": FROZEN_AT,
        "BackupStatus": "AVAILABLE",
        "BackupType": "USER",
        "BackupSizeBytes": table["TableSizeBytes"],
    }


def test_list_backups_filters_by_table(books: Engine) -> None:
    create_table(books, "Other")
    mine = available(books)
    available(books, "Other")
    summaries = books.call("ListBackups", {"TableName": "Books"})["BackupSummaries"]
    assert [summary["BackupArn"] for summary in summaries] == [mine]
    assert books.call("ListBackups", {"TableName": "Missing"})["BackupSummaries"] == []


def test_list_backups_time_range_lower_inclusive_upper_exclusive(books: Engine) -> None:
    arns = []
    for position in range(3):
        arns.append(available(books, name=f"b{position:02d}"))
    times = [FROZEN_AT, FROZEN_AT + 120, FROZEN_AT + 240]
    listed = books.call(
        "ListBackups", {"TimeRangeLowerBound": times[1], "TimeRangeUpperBound": times[2]}
    )
    assert [summary["BackupArn"] for summary in listed["BackupSummaries"]] == [arns[1]]
    listed = books.call("ListBackups", {"TimeRangeLowerBound": times[1]})
    assert [summary["BackupArn"] for summary in listed["BackupSummaries"]] == arns[1:]


def test_list_backups_pages_with_limit_and_last_evaluated_arn(books: Engine) -> None:
    arns = [available(books, name=f"b{position:02d}") for position in range(5)]
    seen: list[str] = []
    request: dict[str, Any] = {"Limit": 2}
    pages = 0
    while True:
        response = books.call("ListBackups", request)
        pages += 1
        seen.extend(summary["BackupArn"] for summary in response["BackupSummaries"])
        if "LastEvaluatedBackupArn" not in response:
            break
        assert response["LastEvaluatedBackupArn"] == seen[-1]
        request["ExclusiveStartBackupArn"] = response["LastEvaluatedBackupArn"]
    assert seen == arns
    assert pages == 3


def test_list_backups_types_default_to_user(books: Engine) -> None:
    books.call(
        "UpdateContinuousBackups",
        {
            "TableName": "Books",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )
    user = available(books)
    books.call("DeleteTable", {"TableName": "Books"})
    assert [b["BackupArn"] for b in books.call("ListBackups", {})["BackupSummaries"]] == [user]
    system = books.call("ListBackups", {"BackupType": "SYSTEM"})["BackupSummaries"]
    assert len(system) == 1
    assert system[0]["BackupType"] == "SYSTEM"
    every = books.call("ListBackups", {"BackupType": "ALL"})["BackupSummaries"]
    assert [b["BackupType"] for b in every] == ["USER", "SYSTEM"]


def test_list_backups_validates_its_parameters(engine: Engine) -> None:
    error = error_of(engine, "ListBackups", {"Limit": 101, "BackupType": "NIGHTLY"})
    assert error.message == (
        "2 validation errors detected: Value '101' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 100; Value 'NIGHTLY' at 'backupType' "
        "failed to satisfy constraint: Member must satisfy enum value set: "
        "[USER, SYSTEM, AWS_BACKUP, ALL]"
    )


# ---------------------------------------------------------------------- DeleteBackup
def test_delete_backup_returns_its_description_as_deleted(books: Engine) -> None:
    arn = available(books)
    description = books.call("DeleteBackup", {"BackupArn": arn})["BackupDescription"]
    assert description["BackupDetails"]["BackupStatus"] == "DELETED"
    assert description["SourceTableDetails"]["TableName"] == "Books"
    assert error_of(books, "DescribeBackup", {"BackupArn": arn}).code == "BackupNotFoundException"
    assert error_of(books, "DeleteBackup", {"BackupArn": arn}).code == "BackupNotFoundException"
    assert books.call("ListBackups", {})["BackupSummaries"] == []


def test_a_backup_being_created_or_restored_cannot_be_deleted(books: Engine) -> None:
    arn = backup(books)
    assert error_of(books, "DeleteBackup", {"BackupArn": arn}).code == "BackupInUseException"
    books.clock.advance(60)
    restore(books, arn)
    error = error_of(books, "DeleteBackup", {"BackupArn": arn})
    assert error.code == "BackupInUseException"
    assert error.message == "Backup is being restored to table: Restored"
    books.clock.advance(3600)
    books.call("DeleteBackup", {"BackupArn": arn})


# ---------------------------------------------------------------------- RestoreTableFromBackup
def test_restore_creates_a_new_table_that_is_creating_until_the_restore_ends(
    books: Engine,
) -> None:
    arn = available(books)
    now = books.now()
    description = restore(books, arn)
    assert description["TableName"] == "Restored"
    assert description["TableStatus"] == "CREATING"
    assert description["CreationDateTime"] == now
    assert description["RestoreSummary"] == {
        "SourceBackupArn": arn,
        "SourceTableArn": books.call("DescribeTable", {"TableName": "Books"})["Table"]["TableArn"],
        "RestoreDateTime": FROZEN_AT,
        "RestoreInProgress": True,
    }
    assert description["ItemCount"] == 3
    books.clock.advance(599)
    table = books.call("DescribeTable", {"TableName": "Restored"})["Table"]
    assert table["TableStatus"] == "CREATING"
    assert table["RestoreSummary"]["RestoreInProgress"] is True
    books.clock.advance(1)
    table = books.call("DescribeTable", {"TableName": "Restored"})["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["RestoreSummary"]["RestoreInProgress"] is False


def test_restore_duration_grows_with_the_table_size(engine: Engine) -> None:
    create_table(engine, "Small")
    create_table(engine, "Large")
    put(engine, "Small", "a")
    for position in range(30):
        put(engine, "Large", f"k{position}", blob=s("x" * 100_000))
    small, large = available(engine, "Small"), available(engine, "Large")
    restore(engine, small, "SmallCopy")
    restore(engine, large, "LargeCopy")
    engine.clock.advance(601)
    assert engine.call("DescribeTable", {"TableName": "SmallCopy"})["Table"]["TableStatus"] == (
        "ACTIVE"
    )
    assert engine.call("DescribeTable", {"TableName": "LargeCopy"})["Table"]["TableStatus"] == (
        "CREATING"
    )
    engine.clock.advance(3)
    assert engine.call("DescribeTable", {"TableName": "LargeCopy"})["Table"]["TableStatus"] == (
        "ACTIVE"
    )


def test_restore_to_an_existing_table_name(books: Engine) -> None:
    arn = available(books)
    error = error_of(
        books, "RestoreTableFromBackup", {"TargetTableName": "Books", "BackupArn": arn}
    )
    assert error.code == "TableAlreadyExistsException"
    assert error.message == "Table already exists: Books"


def test_restore_from_a_missing_or_unfinished_backup(books: Engine) -> None:
    arn = backup(books)
    error = error_of(books, "RestoreTableFromBackup", {"TargetTableName": "New", "BackupArn": arn})
    assert error.code == "BackupInUseException"
    books.clock.advance(60)
    books.call("DeleteBackup", {"BackupArn": arn})
    error = error_of(books, "RestoreTableFromBackup", {"TargetTableName": "New", "BackupArn": arn})
    assert error.code == "BackupNotFoundException"


def test_concurrent_restores_are_limited(books: Engine) -> None:
    books.extensions["backups"].max_concurrent_restores = 1  # type: ignore[attr-defined]
    arn = available(books)
    restore(books, arn, "First")
    error = error_of(
        books, "RestoreTableFromBackup", {"TargetTableName": "Second", "BackupArn": arn}
    )
    assert error.code == "LimitExceededException"
    books.clock.advance(600)  # the first restore is done
    restore(books, arn, "Second")


def test_restore_validates_its_parameters(books: Engine) -> None:
    error = error_of(books, "RestoreTableFromBackup", {"TargetTableName": "x"})
    assert error.message == (
        "2 validation errors detected: Value 'x' at 'targetTableName' failed to satisfy "
        "constraint: Member must have length greater than or equal to 3; Value null at "
        "'backupArn' failed to satisfy constraint: Member must not be null"
    )


def test_restore_carries_settings_the_service_restores_and_drops_the_others(
    engine: Engine,
) -> None:
    create_table(
        engine,
        partition=("pk", "S"),
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 7, "WriteCapacityUnits": 8},
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        Tags=[{"Key": "team", "Value": "lab"}],
        DeletionProtectionEnabled=True,
        TableClass="STANDARD_INFREQUENT_ACCESS",
    )
    engine.call(
        "UpdateContinuousBackups",
        {
            "TableName": "Books",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )
    arn = available(engine)
    engine.call(
        "UpdateTable",
        {
            "TableName": "Books",
            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        },
    )
    table = restore(engine, arn)
    # Restored: capacity mode and the throughput at backup time, the table class.
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 8
    assert table["TableClassSummary"] == {"TableClass": "STANDARD_INFREQUENT_ACCESS"}
    # Not restored: streams, tags, deletion protection, point-in-time recovery.
    assert "StreamSpecification" not in table
    assert table["DeletionProtectionEnabled"] is False
    tags = engine.call("ListTagsOfResource", {"ResourceArn": table["TableArn"]})
    assert tags["Tags"] == []
    engine.clock.advance(3600)
    recovery = engine.call("DescribeContinuousBackups", {"TableName": "Restored"})
    assert recovery["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"] == {
        "PointInTimeRecoveryStatus": "DISABLED"
    }


def indexed_table(engine: Engine, mode: str = "PROVISIONED") -> None:
    provisioned = mode == "PROVISIONED"
    index_throughput = (
        {"ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}}
        if provisioned
        else {}
    )
    request: dict[str, Any] = {
        "TableName": "Games",
        "BillingMode": mode,
        "AttributeDefinitions": [
            {"AttributeName": "player", "AttributeType": "S"},
            {"AttributeName": "game", "AttributeType": "S"},
            {"AttributeName": "score", "AttributeType": "N"},
            {"AttributeName": "level", "AttributeType": "N"},
        ],
        "KeySchema": [
            {"AttributeName": "player", "KeyType": "HASH"},
            {"AttributeName": "game", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "by-score",
                "KeySchema": [
                    {"AttributeName": "game", "KeyType": "HASH"},
                    {"AttributeName": "score", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
                **index_throughput,
            },
            {
                "IndexName": "by-level",
                "KeySchema": [{"AttributeName": "level", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                **index_throughput,
            },
        ],
    }
    if provisioned:
        request["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    engine.call("CreateTable", request)
    for player, score in (("ann", 10), ("bob", 20)):
        engine.call(
            "PutItem",
            {
                "TableName": "Games",
                "Item": {"player": s(player), "game": s("chess"), "score": n(score), "level": n(1)},
            },
        )


def index_names(description: dict[str, Any]) -> list[str]:
    return [index["IndexName"] for index in description.get("GlobalSecondaryIndexes", [])]


def test_restore_keeps_the_indexes_and_they_answer_queries(engine: Engine) -> None:
    indexed_table(engine)
    arn = available(engine, "Games")
    description = restore(engine, arn)
    assert index_names(description) == ["by-score", "by-level"]
    engine.clock.advance(3600)
    response = engine.call(
        "Query",
        {
            "TableName": "Restored",
            "IndexName": "by-score",
            "KeyConditionExpression": "game = :g",
            "ExpressionAttributeValues": {":g": s("chess")},
        },
    )
    assert [item["player"]["S"] for item in response["Items"]] == ["ann", "bob"]


def test_a_global_index_override_may_drop_indexes(engine: Engine) -> None:
    indexed_table(engine)
    arn = available(engine, "Games")
    description = restore(
        engine,
        arn,
        GlobalSecondaryIndexOverride=[
            {
                "IndexName": "by-score",
                "KeySchema": [
                    {"AttributeName": "game", "KeyType": "HASH"},
                    {"AttributeName": "score", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 9, "WriteCapacityUnits": 9},
            }
        ],
    )
    assert index_names(description) == ["by-score"]
    assert (
        description["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 9
    )
    # The attribute only the dropped index used is no longer defined.
    assert {d["AttributeName"] for d in description["AttributeDefinitions"]} == {
        "player",
        "game",
        "score",
    }
    bare = restore(engine, arn, "Bare", GlobalSecondaryIndexOverride=[])
    assert "GlobalSecondaryIndexes" not in bare
    assert bare["ItemCount"] == 2


def test_a_global_index_override_must_match_an_existing_index(engine: Engine) -> None:
    indexed_table(engine)
    arn = available(engine, "Games")
    error = error_of(
        engine,
        "RestoreTableFromBackup",
        {
            "TargetTableName": "Restored",
            "BackupArn": arn,
            "GlobalSecondaryIndexOverride": [
                {
                    "IndexName": "by-level",
                    "KeySchema": [{"AttributeName": "level", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                }
            ],
        },
    )
    assert error.code == "ValidationException"
    assert "by-level" in error.message


def test_billing_mode_and_throughput_overrides(engine: Engine) -> None:
    indexed_table(engine)
    arn = available(engine, "Games")
    on_demand = restore(engine, arn, "OnDemand", BillingModeOverride="PAY_PER_REQUEST")
    assert on_demand["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert on_demand["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    bigger = restore(
        engine,
        arn,
        "Bigger",
        ProvisionedThroughputOverride={"ReadCapacityUnits": 50, "WriteCapacityUnits": 60},
    )
    assert bigger["ProvisionedThroughput"]["ReadCapacityUnits"] == 50
    assert bigger["ProvisionedThroughput"]["WriteCapacityUnits"] == 60
    error = error_of(
        engine,
        "RestoreTableFromBackup",
        {
            "TargetTableName": "Wrong",
            "BackupArn": arn,
            "BillingModeOverride": "PAY_PER_REQUEST",
            "ProvisionedThroughputOverride": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        },
    )
    assert error.message == (
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
        "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
    )


def test_an_on_demand_backup_restored_as_provisioned_needs_throughput(engine: Engine) -> None:
    indexed_table(engine, "PAY_PER_REQUEST")
    arn = available(engine, "Games")
    error = error_of(
        engine,
        "RestoreTableFromBackup",
        {"TargetTableName": "Prov", "BackupArn": arn, "BillingModeOverride": "PROVISIONED"},
    )
    assert error.message == (
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits "
        "must both be specified when BillingMode is PROVISIONED"
    )
    description = restore(
        engine,
        arn,
        "Prov",
        BillingModeOverride="PROVISIONED",
        ProvisionedThroughputOverride={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
    )
    assert description["ProvisionedThroughput"]["WriteCapacityUnits"] == 4
    assert (
        description["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["WriteCapacityUnits"] == 4
    )


def test_a_system_backup_is_made_when_a_table_with_pitr_is_deleted(books: Engine) -> None:
    books.call(
        "UpdateContinuousBackups",
        {
            "TableName": "Books",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )
    before = scan(books, "Books")
    books.call("DeleteTable", {"TableName": "Books"})
    (summary,) = books.call("ListBackups", {"BackupType": "SYSTEM"})["BackupSummaries"]
    assert summary["BackupName"] == "Books$DeletedTableBackup"
    assert summary["BackupExpiryDateTime"] == books.now() + 35 * 86400
    books.clock.advance(120)
    restore(books, summary["BackupArn"], "Books")
    assert scan(books, "Books") == before
    books.clock.advance(35 * 86400)
    assert books.call("ListBackups", {"BackupType": "SYSTEM"})["BackupSummaries"] == []


def test_no_system_backup_without_pitr(books: Engine) -> None:
    books.call("DeleteTable", {"TableName": "Books"})
    assert books.call("ListBackups", {"BackupType": "ALL"})["BackupSummaries"] == []


def test_backups_and_restores_survive_dump_and_load(books: Engine) -> None:
    arn = available(books)
    restore(books, arn)
    loaded = Engine.loads(books.dumps())
    assert describe(loaded, arn) == describe(books, arn)
    assert loaded.call("DescribeTable", {"TableName": "Restored"})["Table"]["TableStatus"] == (
        "CREATING"
    )
    loaded.clock.advance(3600)
    restore(loaded, arn, "Again")
    assert scan(loaded, "Again") == scan(books, "Restored")


# ---------------------------------------------------------------------- property
writes = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d", "e"]),
        st.one_of(st.none(), st.integers(min_value=0, max_value=99)),
    ),
    max_size=20,
)


@settings(max_examples=40)
@given(before=writes, after=writes)
def test_a_backup_restores_exactly_the_table_at_backup_time(
    before: list[tuple[str, int | None]], after: list[tuple[str, int | None]]
) -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    create_table(engine)

    def apply(sequence: list[tuple[str, int | None]]) -> None:
        for pk, value in sequence:
            if value is None:
                engine.call("DeleteItem", {"TableName": "Books", "Key": {"pk": s(pk)}})
            else:
                put(engine, "Books", pk, value=n(value))
            engine.clock.advance(1)

    apply(before)
    expected = scan(engine, "Books")
    arn = backup(engine)
    apply(after)
    engine.clock.advance(60)
    restore(engine, arn)
    assert scan(engine, "Restored") == expected


def test_backup_texts_recorded_against_the_service(books: Engine) -> None:
    """Texts from a public catalogue of answers recorded against the service."""
    bounds = error_of(books, "ListBackups", {"TimeRangeLowerBound": 100, "TimeRangeUpperBound": 50})
    assert bounds.code == "ValidationException"
    assert bounds.message == (
        "One or more parameter values were invalid: Time range lower bound must be less than "
        "or equal to upper bound"
    )
    period = error_of(
        books,
        "UpdateContinuousBackups",
        {
            "TableName": "Books",
            "PointInTimeRecoverySpecification": {
                "PointInTimeRecoveryEnabled": False,
                "RecoveryPeriodInDays": 5,
            },
        },
    )
    assert period.message == (
        "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time "
        "recovery."
    )
