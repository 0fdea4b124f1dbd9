"""Every lab check, against engines prepared to pass it and to fail it; and the registry itself."""

from __future__ import annotations

from typing import Any

import pytest

from dynalab.course import checks
from dynalab.course.rehearsal import Rehearsal
from dynalab.sandboxes.errors import ServiceError
from tests.support.course import CREATE_BOOKS, put_book

ORDERS = {
    "TableName": "Orders",
    "AttributeDefinitions": [
        {"AttributeName": "customer", "AttributeType": "S"},
        {"AttributeName": "orderId", "AttributeType": "S"},
        {"AttributeName": "openFlag", "AttributeType": "S"},
    ],
    "KeySchema": [
        {"AttributeName": "customer", "KeyType": "HASH"},
        {"AttributeName": "orderId", "KeyType": "RANGE"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "OpenOrders",
            "KeySchema": [{"AttributeName": "openFlag", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    ],
}


def run(rehearsal: Rehearsal, name: str, *, at_step: int = 1, **args: Any) -> checks.CheckResult:
    """Run a check as a lab step would: its arguments must be valid, then it reads the sandbox."""
    assert checks.REGISTRY[name].argument_errors(args) == []
    return rehearsal.check(at_step, lambda context: checks.run_check(name, context, args))


def books(*isbns: str, **extra: str) -> Rehearsal:
    rehearsal = Rehearsal()
    rehearsal.execute("CreateTable", CREATE_BOOKS)
    for isbn in isbns:
        rehearsal.execute("PutItem", put_book(isbn, **extra))
    return rehearsal


def orders(count: int = 6, *, open_every: int = 3) -> Rehearsal:
    """Orders of customer "ann" with a 300-byte note; every ``open_every``-th has openFlag."""
    rehearsal = Rehearsal()
    rehearsal.execute("CreateTable", ORDERS)
    for number in range(count):
        item = {
            "customer": {"S": "ann"},
            "orderId": {"S": f"o{number:03d}"},
            "note": {"S": "x" * 300},
        }
        if open_every and number % open_every == 0:
            item["openFlag"] = {"S": "Y"}
        rehearsal.execute("PutItem", {"TableName": "Orders", "Item": item})
    return rehearsal


def query_ann(rehearsal: Rehearsal, **extra: Any) -> None:
    rehearsal.execute(
        "Query",
        {
            "TableName": "Orders",
            "KeyConditionExpression": "customer = :c",
            "ExpressionAttributeValues": {":c": {"S": "ann"}},
            **extra,
        },
    )


# --------------------------------------------------------------------------- tables
def test_table_exists_passes_with_the_asked_keys() -> None:
    result = run(
        books(), "table_exists", table="Books", partition_key="isbn", partition_key_type="S"
    )
    assert result.passed
    assert result.message == "Table Books exists with key isbn (S)."


def test_table_exists_fails_without_the_table() -> None:
    result = run(Rehearsal(), "table_exists", table="Books")
    assert not result.passed
    assert "no table named Books" in result.message


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ({"partition_key": "id"}, "its partition key is isbn, not id"),
        ({"partition_key_type": "N"}, "its partition key isbn has type S, not N"),
        ({"sort_key": "title"}, "it has no sort key"),
        ({"key_type": "composite"}, "it has no sort key; this step asks for a composite key"),
        ({"billing_mode": "PROVISIONED"}, "its billing mode is PAY_PER_REQUEST, not PROVISIONED"),
    ],
)
def test_table_exists_fails_on_each_mismatch(args: dict[str, Any], reason: str) -> None:
    result = run(books(), "table_exists", table="Books", **args)
    assert not result.passed
    assert reason in result.message


def test_table_exists_checks_the_sort_key_and_a_simple_key() -> None:
    rehearsal = orders(0)
    assert run(
        rehearsal, "table_exists", table="Orders", sort_key="orderId", key_type="composite"
    ).passed
    simple = run(rehearsal, "table_exists", table="Orders", key_type="simple")
    assert not simple.passed
    assert "it has a sort key (orderId)" in simple.message


def test_table_absent() -> None:
    assert run(Rehearsal(), "table_absent", table="Books").passed
    assert not run(books(), "table_absent", table="Books").passed


# --------------------------------------------------------------------------- items
@pytest.mark.parametrize(
    ("bounds", "passed"),
    [
        ({"min": 2}, True),
        ({"min": 3}, False),
        ({"max": 2}, True),
        ({"max": 1}, False),
        ({"equals": 2}, True),
        ({"equals": 3}, False),
    ],
)
def test_item_count(bounds: dict[str, int], passed: bool) -> None:
    result = run(books("1", "2"), "item_count", table="Books", **bounds)
    assert result.passed is passed
    assert "holds 2 items" in result.message


def test_item_exists_and_item_absent() -> None:
    rehearsal = books("1")
    assert run(rehearsal, "item_exists", table="Books", key={"isbn": {"S": "1"}}).passed
    missing = run(rehearsal, "item_exists", table="Books", key={"isbn": {"S": "2"}})
    assert not missing.passed
    assert "no item with key isbn = '2'" in missing.message
    assert run(rehearsal, "item_absent", table="Books", key={"isbn": {"S": "2"}}).passed
    assert not run(rehearsal, "item_absent", table="Books", key={"isbn": {"S": "1"}}).passed


def test_item_exists_explains_a_key_that_does_not_fit_the_table() -> None:
    result = run(books("1"), "item_exists", table="Books", key={"id": {"S": "1"}})
    assert not result.passed
    assert "does not match table Books's key (isbn)" in result.message


def test_attribute_present_follows_document_paths_and_types() -> None:
    rehearsal = books()
    item = {
        "isbn": {"S": "1"},
        "comments": {"L": [{"M": {"author": {"S": "mei"}, "replies": {"L": []}}}]},
    }
    rehearsal.execute("PutItem", {"TableName": "Books", "Item": item})
    key = {"isbn": {"S": "1"}}

    assert run(
        rehearsal, "attribute_present", table="Books", key=key, attribute="comments", type="L"
    ).passed
    assert run(
        rehearsal, "attribute_present", table="Books", key=key, attribute="comments[0].author"
    ).passed
    wrong_type = run(
        rehearsal, "attribute_present", table="Books", key=key, attribute="comments", type="M"
    )
    assert not wrong_type.passed
    assert "of type L" in wrong_type.message
    deeper = run(
        rehearsal, "attribute_present", table="Books", key=key, attribute="comments[0].replies[0]"
    )
    assert not deeper.passed
    assert not run(
        rehearsal, "attribute_present", table="Books", key=key, attribute="comments[1]"
    ).passed


def test_attribute_equals_compares_typed_values() -> None:
    rehearsal = books()
    rehearsal.execute(
        "PutItem", {"TableName": "Books", "Item": {"isbn": {"S": "1"}, "price": {"N": "1.50"}}}
    )
    key = {"isbn": {"S": "1"}}
    assert run(
        rehearsal, "attribute_equals", table="Books", key=key, attribute="price", value={"N": "1.5"}
    ).passed
    different = run(
        rehearsal, "attribute_equals", table="Books", key=key, attribute="price", value={"N": "2"}
    )
    assert not different.passed
    assert not run(
        rehearsal, "attribute_equals", table="Books", key=key, attribute="price", value={"S": "1.5"}
    ).passed


def test_item_size_measures_names_and_values() -> None:
    rehearsal = books()
    # 4 + 1 (isbn) + 4 + 95 (note) = 104 bytes.
    rehearsal.execute("PutItem", put_book("1", note="x" * 95))
    key = {"isbn": {"S": "1"}}
    within = run(rehearsal, "item_size", table="Books", key=key, min_bytes=104, max_bytes=104)
    assert within.passed
    assert within.message == "The item is 104 bytes."
    assert not run(rehearsal, "item_size", table="Books", key=key, max_bytes=103).passed
    assert not run(rehearsal, "item_size", table="Books", key=key, min_bytes=105).passed


# --------------------------------------------------------------------------- indexes
def test_gsi_exists() -> None:
    rehearsal = orders(0)
    assert run(
        rehearsal,
        "gsi_exists",
        table="Orders",
        index="OpenOrders",
        partition_key="openFlag",
        projection_type="KEYS_ONLY",
    ).passed
    wrong = run(rehearsal, "gsi_exists", table="Orders", index="OpenOrders", projection_type="ALL")
    assert not wrong.passed
    assert "it projects KEYS_ONLY, not ALL" in wrong.message
    assert not run(rehearsal, "gsi_exists", table="Orders", index="ByDate").passed


def test_gsi_exists_waits_for_a_backfill() -> None:
    rehearsal = books("1", "2", genre="sf")
    rehearsal.execute(
        "UpdateTable",
        {
            "TableName": "Books",
            "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [
                {
                    "Create": {
                        "IndexName": "ByGenre",
                        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                }
            ],
        },
    )
    with rehearsal.sandbox.inspecting() as view:  # at once, without a minute's thinking
        context = checks.CheckContext(view, rehearsal.activities)
        creating = checks.run_check("gsi_exists", context, {"table": "Books", "index": "ByGenre"})
    assert not creating.passed
    assert "CREATING" in creating.message
    assert run(rehearsal, "gsi_exists", table="Books", index="ByGenre").passed  # a minute later


def test_index_is_sparse() -> None:
    assert run(
        orders(6, open_every=3), "index_is_sparse", table="Orders", index="OpenOrders"
    ).passed
    everyone = run(orders(3, open_every=1), "index_is_sparse", table="Orders", index="OpenOrders")
    assert not everyone.passed
    assert "not sparse" in everyone.message
    empty = run(orders(3, open_every=0), "index_is_sparse", table="Orders", index="OpenOrders")
    assert not empty.passed
    assert "holds 0 items" in empty.message


# --------------------------------------------------------------------------- activity
def test_last_operation_succeeded() -> None:
    rehearsal = books()
    assert not run(rehearsal, "last_operation_succeeded", operation="PutItem").passed
    rehearsal.execute("PutItem", put_book("1"))
    assert run(rehearsal, "last_operation_succeeded", operation="PutItem", table="Books").passed
    with pytest.raises(ServiceError):
        rehearsal.execute("PutItem", {"TableName": "Books", "Item": {"isbn": {"N": "1"}}})
    failed = run(rehearsal, "last_operation_succeeded", operation="PutItem")
    assert not failed.passed
    assert "failed with ValidationException" in failed.message


def test_operation_used_looks_only_since_the_previous_step_by_default() -> None:
    rehearsal = books("1")
    assert run(rehearsal, "operation_used", operation="PutItem", table="Books").passed
    rehearsal.step_passed(1)
    not_now = run(rehearsal, "operation_used", at_step=2, operation="PutItem")
    assert not not_now.passed
    assert "only calls made since you passed the previous step count" in not_now.message
    assert run(
        rehearsal, "operation_used", at_step=2, operation="PutItem", since_previous_step=False
    ).passed
    rehearsal.execute("PutItem", put_book("2"))
    assert run(rehearsal, "operation_used", at_step=2, operation="PutItem").passed


def test_scan_was_run_reports_what_the_scan_read() -> None:
    rehearsal = orders(6)
    assert not run(rehearsal, "scan_was_run", table="Orders").passed
    rehearsal.execute("Scan", {"TableName": "Orders"})
    result = run(rehearsal, "scan_was_run", table="Orders")
    assert result.passed
    # 6 items of 332 bytes = 1,992 bytes: one 4 KB block, eventually consistent.
    assert result.message == "You scanned Orders: it read 6 items and returned 6, for 0.5 RCU."


def test_query_was_run_on_a_table_or_an_index() -> None:
    rehearsal = orders(3)
    assert not run(rehearsal, "query_was_run", table="Orders").passed
    query_ann(rehearsal)
    assert run(rehearsal, "query_was_run", table="Orders").passed
    assert not run(rehearsal, "query_was_run", table="Orders", index="OpenOrders").passed


def test_last_query_max_rcu() -> None:
    rehearsal = orders(30)  # 30 x 332 bytes = 9,960 bytes: three 4 KB blocks
    assert not run(rehearsal, "last_query_max_rcu", table="Orders", max_units=1).passed
    query_ann(rehearsal, ConsistentRead=True)
    expensive = run(rehearsal, "last_query_max_rcu", table="Orders", max_units=1)
    assert not expensive.passed
    assert "consumed 3 RCU; aim for at most 1" in expensive.message
    query_ann(rehearsal, Limit=5)
    assert run(rehearsal, "last_query_max_rcu", table="Orders", max_units=1).passed


def test_last_query_count() -> None:
    rehearsal = orders(4)
    query_ann(rehearsal)
    assert run(rehearsal, "last_query_count", table="Orders", equals=4).passed
    query_ann(rehearsal, Limit=1)
    short = run(rehearsal, "last_query_count", table="Orders", equals=4)
    assert not short.passed
    assert "returned 1 item; this step expects 4" in short.message


def test_last_read_max_rcu_counts_any_read() -> None:
    rehearsal = orders(30)
    rehearsal.execute("Scan", {"TableName": "Orders", "ConsistentRead": True})
    assert not run(rehearsal, "last_read_max_rcu", table="Orders", max_units=0.5).passed
    rehearsal.execute(
        "GetItem",
        {"TableName": "Orders", "Key": {"customer": {"S": "ann"}, "orderId": {"S": "o001"}}},
    )
    cheap = run(rehearsal, "last_read_max_rcu", table="Orders", max_units=0.5)
    assert cheap.passed
    assert cheap.message == "Your last read (GetItem) of Orders consumed 0.5 RCU."


def test_last_call_capacity() -> None:
    rehearsal = books()
    rehearsal.execute("PutItem", put_book("1", note="x" * 1100))  # over 1 KB: 2 WCU
    assert run(rehearsal, "last_call_capacity", operation="PutItem", table="Books", equals=2).passed
    assert run(rehearsal, "last_call_capacity", operation="PutItem", min=1.5, max=2).passed
    wrong = run(rehearsal, "last_call_capacity", operation="PutItem", table="Books", equals=1)
    assert not wrong.passed
    assert "consumed 2 capacity units; this step expects 1" in wrong.message


def test_used_query_not_scan_looks_at_the_latest_read_so_it_never_locks_out() -> None:
    rehearsal = orders(3)
    assert not run(rehearsal, "used_query_not_scan", table="Orders").passed
    query_ann(rehearsal)
    assert run(rehearsal, "used_query_not_scan", table="Orders").passed
    # A Scan to compare the bills: the latest read is a Scan now...
    rehearsal.execute("Scan", {"TableName": "Orders"})
    scanned = run(rehearsal, "used_query_not_scan", table="Orders")
    assert not scanned.passed
    assert "Your latest read of Orders was a Scan" in scanned.message
    # ... and a Query again passes: no lockout.
    query_ann(rehearsal)
    assert run(rehearsal, "used_query_not_scan", table="Orders").passed
    # Reads of other tables do not count.
    rehearsal.execute("CreateTable", CREATE_BOOKS)
    rehearsal.execute("Scan", {"TableName": "Books"})
    assert run(rehearsal, "used_query_not_scan", table="Orders").passed


# --------------------------------------------------------------------------- the registry
def test_every_check_has_a_summary_and_keyword_only_arguments() -> None:
    assert len(checks.REGISTRY) >= 20
    for registered in checks.REGISTRY.values():
        assert registered.summary, registered.name
        assert registered.arguments, registered.name


@pytest.mark.parametrize(
    ("name", "args", "error"),
    [
        ("table_exists", {"table": "Books", "tabel": "x"}, "unknown argument 'tabel'"),
        ("table_exists", {}, "missing argument 'table'"),
        ("table_exists", {"table": 7}, "argument 'table' must be text, not 7"),
        (
            "table_exists",
            {"table": "B", "partition_key_type": "X"},
            "must be one of S, N, B, not 'X'",
        ),
        ("item_count", {"table": "Books"}, "give at least one of min, max, equals"),
        ("item_count", {"table": "Books", "min": 5, "max": 2}, "min (5) is more than max (2)"),
        ("item_count", {"table": "Books", "min": True}, "must be a whole number, not True"),
        ("item_exists", {"table": "Books", "key": {"isbn": "1"}}, "needs a typed value"),
        (
            "attribute_present",
            {"table": "B", "key": {"k": {"S": "1"}}, "attribute": "a..b"},
            "is not a path",
        ),
        ("last_query_max_rcu", {"table": "Books", "max_units": "1"}, "must be a number, not '1'"),
    ],
)
def test_argument_errors(name: str, args: dict[str, Any], error: str) -> None:
    errors = checks.REGISTRY[name].argument_errors(args)
    assert any(error in e for e in errors), errors


def test_numbers_may_be_whole_for_a_float_argument() -> None:
    assert (
        checks.REGISTRY["last_query_max_rcu"].argument_errors({"table": "T", "max_units": 1}) == []
    )


def test_a_check_that_crashes_is_a_failed_check_not_an_error() -> None:
    @checks.check("test_crashing_check")
    def crashing(context: checks.CheckContext, *, table: str) -> tuple[bool, str]:
        raise RuntimeError("bug")

    try:
        result = Rehearsal().check(
            1, lambda context: checks.run_check("test_crashing_check", context, {"table": "T"})
        )
    finally:
        del checks.REGISTRY["test_crashing_check"]
    assert not result.passed
    assert "could not run" in result.message


def test_a_name_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        checks.check("table_exists")(lambda context: (True, ""))


def test_within_bounds_judges_equals_then_min_then_max() -> None:
    from dynalab.course.checks.base import units, within_bounds

    said = "Table T holds 3 items"
    assert within_bounds(3, said, equals=3) == (True, "Table T holds 3 items.")
    assert within_bounds(3, said, equals=4, hint=" Look again.") == (
        False,
        "Table T holds 3 items; this step expects 4. Look again.",
    )
    assert within_bounds(3, said, min=5)[1].endswith("expects at least 5.")
    assert within_bounds(3, said, max=2)[1].endswith("expects at most 2.")
    assert within_bounds(3, said, min=1, max=3)[0] is True
    assert within_bounds(1.5, "Spent", max=0.5, show=units)[1] == (
        f"Spent; this step expects at most {units(0.5)}."
    )
