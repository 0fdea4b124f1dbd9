"""The checks lessons 16-23 added (stream records, TTL expiry, restores, deletion protection,
DAX clusters and reads), each against sandboxes prepared to pass it and to fail it."""

from __future__ import annotations

from typing import Any

import pytest

from dynalab.course import checks
from dynalab.course.rehearsal import Rehearsal
from tests.support.course import CREATE_BOOKS, put_book
from tests.support.dax import ROLE_ARN

BOOK_1 = {"isbn": {"S": "1"}}
STREAM = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}}


def run(
    rehearsal: Rehearsal, check_name: str, *, at_step: int = 1, **args: Any
) -> checks.CheckResult:
    assert checks.REGISTRY[check_name].argument_errors(args) == []
    return rehearsal.check(at_step, lambda context: checks.run_check(check_name, context, args))


def books(**extra: Any) -> Rehearsal:
    rehearsal = Rehearsal()
    rehearsal.execute("CreateTable", {**CREATE_BOOKS, **extra})
    return rehearsal


# --------------------------------------------------------------------------- stream_record
def test_stream_record_counts_records_of_a_kind_for_an_item() -> None:
    rehearsal = books()
    assert (
        "has no stream"
        in run(rehearsal, "stream_record", table="Books", event_name="INSERT").message
    )
    rehearsal.execute("UpdateTable", {"TableName": "Books", **STREAM})
    rehearsal.execute("PutItem", put_book("1", title="Dune"))
    rehearsal.execute("PutItem", put_book("1", title="Dune"))  # changes nothing: no record
    rehearsal.execute("PutItem", put_book("1", title="Emma"))
    rehearsal.execute("PutItem", put_book("2"))
    assert run(rehearsal, "stream_record", table="Books", event_name="INSERT", min_count=2).passed
    modify = run(rehearsal, "stream_record", table="Books", event_name="MODIFY", key=BOOK_1)
    assert modify.passed and "1 MODIFY record for isbn = '1'" in modify.message
    twice = run(
        rehearsal, "stream_record", table="Books", event_name="MODIFY", key=BOOK_1, min_count=2
    )
    assert not twice.passed and "it holds 1" in twice.message
    assert not run(rehearsal, "stream_record", table="Books", event_name="REMOVE").passed
    assert not run(rehearsal, "stream_record", table="Nope", event_name="REMOVE").passed


def test_stream_record_tells_a_ttl_deletion_from_a_clients() -> None:
    rehearsal = books(**STREAM)
    rehearsal.execute(
        "UpdateTimeToLive",
        {
            "TableName": "Books",
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "ttl"},
        },
    )
    expired = {"TableName": "Books", "Item": {**BOOK_1, "ttl": {"N": "{{now-60}}"}}}
    rehearsal.execute("PutItem", expired)
    rehearsal.execute("DeleteItem", {"TableName": "Books", "Key": BOOK_1})
    args = {"table": "Books", "event_name": "REMOVE", "key": BOOK_1}
    assert run(rehearsal, "stream_record", **args, by_service=False).passed
    service = run(rehearsal, "stream_record", **args, by_service=True)
    assert not service.passed and "made by DynamoDB itself" in service.message
    rehearsal.execute("PutItem", expired)
    rehearsal.wait(2 * 86400)  # TTL deletes within 48 hours of expiry
    assert run(rehearsal, "stream_record", **args, by_service=True).passed


def test_ttl_deleted_counts_only_the_services_deletions() -> None:
    rehearsal = books()
    args = {"table": "Books", "key": BOOK_1}
    rehearsal.execute("PutItem", {"TableName": "Books", "Item": {**BOOK_1, "ttl": {"N": "1"}}})
    assert "not enabled" in run(rehearsal, "ttl_deleted", **args).message
    rehearsal.execute(
        "UpdateTimeToLive",
        {
            "TableName": "Books",
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "ttl"},
        },
    )
    rehearsal.execute("DeleteItem", {"TableName": "Books", "Key": BOOK_1})
    by_hand = run(rehearsal, "ttl_deleted", **args)
    assert not by_hand.passed and "has not deleted isbn = '1'" in by_hand.message
    rehearsal.execute(
        "PutItem", {"TableName": "Books", "Item": {**BOOK_1, "ttl": {"N": "{{now-60}}"}}}
    )
    rehearsal.wait(3 * 86400)  # longer than the stream keeps its records
    assert run(rehearsal, "ttl_deleted", **args).passed
    assert not run(rehearsal, "ttl_deleted", table="Books", key={"isbn": {"S": "2"}}).passed


# --------------------------------------------------------------------------- ttl_expiry
def ttl_books() -> Rehearsal:
    rehearsal = books()
    rehearsal.execute(
        "UpdateTimeToLive",
        {
            "TableName": "Books",
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expiresAt"},
        },
    )
    return rehearsal


def expire(rehearsal: Rehearsal, value: dict[str, str]) -> None:
    rehearsal.execute("PutItem", {"TableName": "Books", "Item": {**BOOK_1, "expiresAt": value}})


@pytest.mark.parametrize(
    ("value", "passed", "reason"),
    [
        ({"N": "{{now+600}}"}, True, "expires 10 minutes after it was written"),
        ({"N": "{{now+7200}}"}, False, "2 hours after the item was written"),
        ({"N": "{{now-60}}"}, False, "-1 minute after"),
        ({"N": "{{now}}000"}, False, "looks like milliseconds"),
        ({"S": "2030-01-01T00:00:00Z"}, False, "TTL reads only a Number of epoch seconds"),
    ],
)
def test_ttl_expiry_measures_from_the_items_write(
    value: dict[str, str], passed: bool, reason: str
) -> None:
    rehearsal = ttl_books()
    expire(rehearsal, value)
    rehearsal.wait(3600)  # pressing Check later does not change what was written
    result = run(
        rehearsal, "ttl_expiry", table="Books", key=BOOK_1, min_seconds=300, max_seconds=900
    )
    assert result.passed is passed and reason in result.message, result.message


def test_ttl_expiry_needs_the_attribute_and_a_setting() -> None:
    rehearsal = books()
    rehearsal.execute("PutItem", put_book("1"))
    args = {"table": "Books", "key": BOOK_1, "min_seconds": 0, "max_seconds": 60}
    assert "not enabled" in run(rehearsal, "ttl_expiry", **args).message
    missing = run(rehearsal, "ttl_expiry", **args, attribute="expiresAt")
    assert not missing.passed and "has no expiresAt attribute" in missing.message
    expire(rehearsal, {"N": "{{now+30}}"})
    assert run(rehearsal, "ttl_expiry", **args, attribute="expiresAt").passed
    assert not run(rehearsal, "ttl_expiry", **{**args, "key": {"isbn": {"S": "9"}}}).passed


# --------------------------------------------------------------------------- restores
def pitr_books() -> Rehearsal:
    rehearsal = books()
    rehearsal.execute("PutItem", put_book("1"))
    rehearsal.execute(
        "UpdateContinuousBackups",
        {
            "TableName": "Books",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )
    rehearsal.execute("CreateBackup", {"TableName": "Books", "BackupName": "nightly"})
    rehearsal.wait(600)
    return rehearsal


def test_table_restored_tells_a_restore_from_a_copy() -> None:
    rehearsal = pitr_books()
    rehearsal.execute("CreateTable", {**CREATE_BOOKS, "TableName": "Copy"})
    rehearsal.execute("PutItem", {**put_book("1"), "TableName": "Copy"})
    copy = run(rehearsal, "table_restored", table="Copy")
    assert not copy.passed and "was not made by a restore" in copy.message
    assert not run(rehearsal, "table_restored", table="Missing").passed
    rehearsal.execute(
        "RestoreTableToPointInTime",
        {"SourceTableName": "Books", "TargetTableName": "Back", "UseLatestRestorableTime": True},
    )
    rehearsal.execute(
        "RestoreTableFromBackup",
        {"TargetTableName": "FromBackup", "BackupArn": "{{backup-arn Books nightly}}"},
    )
    restoring = run(rehearsal, "table_restored", table="Back", source="Books", kind="point_in_time")
    assert restoring.passed and "still restoring to a point in time of Books" in restoring.message
    wrong_kind = run(rehearsal, "table_restored", table="Back", kind="backup")
    assert not wrong_kind.passed and "this step asks for an on-demand backup" in wrong_kind.message
    assert not run(rehearsal, "table_restored", table="Back", source="Copy").passed
    rehearsal.wait(3600)
    done = run(rehearsal, "table_restored", table="FromBackup", source="Books", kind="backup")
    assert done.passed and "was restored from a backup of Books" in done.message


def test_deletion_protection() -> None:
    rehearsal = books()
    assert not run(rehearsal, "deletion_protection", table="Books").passed
    assert run(rehearsal, "deletion_protection", table="Books", enabled=False).passed
    rehearsal.execute("UpdateTable", {"TableName": "Books", "DeletionProtectionEnabled": True})
    assert run(rehearsal, "deletion_protection", table="Books").passed
    assert not run(rehearsal, "deletion_protection", table="Books", enabled=False).passed
    assert not run(rehearsal, "deletion_protection", table="Nope").passed


# --------------------------------------------------------------------------- DAX
def with_cluster(nodes: int = 1, *, wait: bool = True) -> Rehearsal:
    rehearsal = books()
    rehearsal.execute("PutItem", put_book("1", price="20"))
    rehearsal.execute(
        "CreateCluster",
        {
            "ClusterName": "shop-cache",
            "NodeType": "dax.t3.small",
            "ReplicationFactor": nodes,
            "IamRoleArn": ROLE_ARN,
        },
    )
    if wait:
        rehearsal.wait(60)
    return rehearsal


def run_at_once(rehearsal: Rehearsal, check_name: str, **args: Any) -> checks.CheckResult:
    """A check pressed without the minute of thinking ``Rehearsal.check`` takes."""
    with rehearsal.sandbox.inspecting() as view:
        context = checks.CheckContext(view=view, activities=list(rehearsal.activities))
        return checks.run_check(check_name, context, args)


def test_dax_cluster_waits_for_it_and_counts_its_nodes() -> None:
    creating = with_cluster(wait=False)
    result = run_at_once(creating, "dax_cluster", cluster="shop-cache")
    assert not result.passed and "still creating" in result.message
    assert not run(Rehearsal(), "dax_cluster", cluster="shop-cache").passed
    rehearsal = with_cluster()
    assert run(rehearsal, "dax_cluster", cluster="shop-cache", nodes=1).passed
    assert not run(rehearsal, "dax_cluster", cluster="shop-cache", min_nodes=3).passed
    rehearsal.execute(
        "IncreaseReplicationFactor", {"ClusterName": "shop-cache", "NewReplicationFactor": 3}
    )
    growing = run_at_once(rehearsal, "dax_cluster", cluster="shop-cache", min_nodes=3)
    assert not growing.passed and "still adding or removing nodes" in growing.message
    rehearsal.wait(600)
    assert run(rehearsal, "dax_cluster", cluster="SHOP-CACHE", nodes=3).passed
    assert not run(rehearsal, "dax_cluster", cluster="shop-cache", max_nodes=2).passed


def dax_get(rehearsal: Rehearsal, isbn: str = "1", *, wire: bool = False) -> None:
    request = {"TableName": "Books", "Key": {"isbn": {"S": isbn}}}
    if wire:  # a DynamoDB client pointed at the cluster's endpoint
        rehearsal.sandbox.execute("GetItem", request, through_dax="shop-cache")
        return
    rehearsal.execute(
        "CallThroughDax", {"ClusterName": "shop-cache", "Operation": "GetItem", "Request": request}
    )


@pytest.mark.parametrize("wire", [False, True])
def test_dax_read_tells_a_hit_from_a_miss_and_a_stale_answer(wire: bool) -> None:
    rehearsal = with_cluster()
    args = {"cluster": "shop-cache", "table": "Books", "key": BOOK_1}
    assert "Read isbn = '1' of Books" in run(rehearsal, "dax_read", **args).message
    dax_get(rehearsal, wire=wire)
    assert run(rehearsal, "dax_read", **args, outcome="miss", stale=False).passed
    first = run(rehearsal, "dax_read", **args, outcome="hit")
    assert not first.passed and "the first read of an item fills the cache" in first.message
    dax_get(rehearsal, wire=wire)
    assert run(rehearsal, "dax_read", **args, outcome="hit", stale=False).passed
    fresh = run(rehearsal, "dax_read", **args, stale=True)
    assert not fresh.passed and "change the item in the table directly" in fresh.message
    # A write straight to the table leaves the cached item behind.
    rehearsal.execute("PutItem", put_book("1", price="25"))
    dax_get(rehearsal, wire=wire)
    stale = run(rehearsal, "dax_read", **args, outcome="hit", stale=True)
    assert stale.passed and "answered an old version" in stale.message
    assert not run(rehearsal, "dax_read", **args, stale=False).passed
    # Another item, another table or another cluster is not this read.
    assert not run(rehearsal, "dax_read", **{**args, "key": {"isbn": {"S": "2"}}}).passed
    assert not run(rehearsal, "dax_read", **{**args, "cluster": "other"}).passed


def test_dax_read_counts_only_this_steps_reads() -> None:
    rehearsal = with_cluster()
    dax_get(rehearsal)
    rehearsal.step_passed(1)
    args = {"cluster": "shop-cache", "table": "Books", "key": BOOK_1}
    assert not run(rehearsal, "dax_read", at_step=2, **args).passed
    assert run(rehearsal, "dax_read", at_step=2, **args, since_previous_step=False).passed


@pytest.mark.parametrize(
    ("name", "args", "error"),
    [
        ("dax_cluster", {"cluster": "c", "nodes": 2, "min_nodes": 1}, "give nodes alone"),
        ("dax_read", {"cluster": "c", "table": "T", "key": "k"}, "must be mapping"),
        (
            "dax_read",
            {"cluster": "c", "table": "T", "key": {"k": {"S": "1"}}, "outcome": "x"},
            "one of hit, miss",
        ),
        ("stream_record", {"table": "T", "event_name": "UPDATE"}, "one of INSERT, MODIFY, REMOVE"),
        ("ttl_expiry", {"table": "T", "key": {"k": {"S": "1"}}, "min_seconds": 1}, "max_seconds"),
        ("table_restored", {"table": "T", "kind": "snapshot"}, "one of backup, point_in_time"),
    ],
)
def test_new_checks_refuse_bad_arguments(name: str, args: dict[str, Any], error: str) -> None:
    assert any(error in problem for problem in checks.REGISTRY[name].argument_errors(args))
