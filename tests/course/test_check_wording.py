"""Lab feedback speaks DynamoDB JSON and agrees its numbers with its words (issue 11, section
7): "holds {"BOOL": true}", never a Python repr; "1 item", "1 capacity unit"."""

from __future__ import annotations

from dynalab.course import checks
from dynalab.course.rehearsal import Rehearsal
from tests.support.course import CREATE_BOOKS


def check(rehearsal: Rehearsal, name: str, **args: object) -> checks.CheckResult:
    assert checks.REGISTRY[name].argument_errors(args) == []
    return rehearsal.check(1, lambda context: checks.run_check(name, context, args))


def test_attribute_equals_shows_dynamodb_json() -> None:
    rehearsal = Rehearsal()
    rehearsal.execute("CreateTable", CREATE_BOOKS)
    rehearsal.execute(
        "PutItem", {"TableName": "Books", "Item": {"isbn": {"S": "1"}, "sold": {"BOOL": True}}}
    )
    key = {"isbn": {"S": "1"}}
    wrong = check(
        rehearsal,
        "attribute_equals",
        table="Books",
        key=key,
        attribute="sold",
        value={"BOOL": False},
    )
    assert wrong.message == 'sold holds {"BOOL": true}, not {"BOOL": false}.'
    right = check(
        rehearsal,
        "attribute_equals",
        table="Books",
        key=key,
        attribute="sold",
        value={"BOOL": True},
    )
    assert right.message == 'sold holds {"BOOL": true}.'


def test_counts_agree_with_their_words() -> None:
    rehearsal = Rehearsal()
    rehearsal.execute("CreateTable", CREATE_BOOKS)
    rehearsal.execute("PutItem", {"TableName": "Books", "Item": {"isbn": {"S": "1"}}})
    rehearsal.execute("Scan", {"TableName": "Books"})
    scanned = check(rehearsal, "scan_was_run", table="Books")
    assert ": it read 1 item and returned 1, for 0.5 RCU." in scanned.message
    rehearsal.execute("PutItem", {"TableName": "Books", "Item": {"isbn": {"S": "2"}}})
    spent = check(rehearsal, "last_call_capacity", operation="PutItem", table="Books", equals=2)
    assert "consumed 1 capacity unit;" in spent.message
