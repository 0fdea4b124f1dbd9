"""The checks that verify a step's objective (the key queried, how an item was written, the
shape of a request, a table's features, throttling), each against sandboxes prepared to pass
it and to fail it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynalab.course import checks
from dynalab.course.checks.base import shape_matches, shape_problems
from dynalab.course.checks.writes import update_actions
from dynalab.course.rehearsal import Rehearsal
from dynalab.sandboxes.errors import ServiceError
from tests.support.course import CREATE_BOOKS, put_book

ORDERS = {
    "TableName": "Orders",
    "AttributeDefinitions": [
        {"AttributeName": "customer", "AttributeType": "S"},
        {"AttributeName": "orderId", "AttributeType": "S"},
        {"AttributeName": "total", "AttributeType": "N"},
    ],
    "KeySchema": [
        {"AttributeName": "customer", "KeyType": "HASH"},
        {"AttributeName": "orderId", "KeyType": "RANGE"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
    "LocalSecondaryIndexes": [
        {
            "IndexName": "ByTotal",
            "KeySchema": [
                {"AttributeName": "customer", "KeyType": "HASH"},
                {"AttributeName": "total", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    ],
}
BOOK_1 = {"isbn": {"S": "1"}}


def run(
    rehearsal: Rehearsal, check_name: str, *, at_step: int = 1, **args: Any
) -> checks.CheckResult:
    assert checks.REGISTRY[check_name].argument_errors(args) == []
    return rehearsal.check(at_step, lambda context: checks.run_check(check_name, context, args))


def books(*isbns: str) -> Rehearsal:
    rehearsal = Rehearsal()
    rehearsal.execute("CreateTable", CREATE_BOOKS)
    for isbn in isbns:
        rehearsal.execute("PutItem", put_book(isbn))
    return rehearsal


def orders() -> Rehearsal:
    rehearsal = Rehearsal()
    rehearsal.execute("CreateTable", ORDERS)
    for customer in ("ann", "bob"):
        for number in range(3):
            item = {
                "customer": {"S": customer},
                "orderId": {"S": f"2024-0{number + 1}"},
                "total": {"N": str(10 * number)},
            }
            rehearsal.execute("PutItem", {"TableName": "Orders", "Item": item})
    return rehearsal


def query(rehearsal: Rehearsal, customer: str, **extra: Any) -> None:
    rehearsal.execute(
        "Query",
        {
            "TableName": "Orders",
            "KeyConditionExpression": "#c = :c",
            "ExpressionAttributeNames": {"#c": "customer"},
            "ExpressionAttributeValues": {":c": {"S": customer}, **extra.pop("values", {})},
            **extra,
        },
    )


def fails(rehearsal: Rehearsal, operation: str, request: dict[str, Any]) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        rehearsal.execute(operation, request)
    return caught.value


# --------------------------------------------------------------------------- the key queried
def test_last_query_targets_reads_the_key_condition_however_it_is_written() -> None:
    rehearsal = orders()
    query(rehearsal, "bob")
    wrong = run(rehearsal, "last_query_targets", table="Orders", key={"customer": {"S": "ann"}})
    assert not wrong.passed
    assert "asked for another partition key: this step asks for customer = 'ann'" in wrong.message
    # Placeholder names are the learner's; the legacy KeyConditions work too.
    rehearsal.execute(
        "Query",
        {
            "TableName": "Orders",
            "KeyConditions": {
                "customer": {"AttributeValueList": [{"S": "ann"}], "ComparisonOperator": "EQ"}
            },
        },
    )
    assert run(
        rehearsal, "last_query_targets", table="Orders", key={"customer": {"S": "ann"}}
    ).passed


def test_last_query_targets_can_ask_for_a_sort_key_condition_and_an_index() -> None:
    rehearsal = orders()
    query(rehearsal, "ann")
    key = {"customer": {"S": "ann"}}
    broad = run(rehearsal, "last_query_targets", table="Orders", key=key, narrowed=True)
    assert not broad.passed
    assert "narrow it with a condition on the sort key" in broad.message
    query(
        rehearsal,
        "ann",
        KeyConditionExpression="#c = :c AND orderId >= :from",
        values={":from": {"S": "2024-02"}},
    )
    assert run(rehearsal, "last_query_targets", table="Orders", key=key, narrowed=True).passed
    assert not run(rehearsal, "last_query_targets", table="Orders", key=key, narrowed=False).passed
    query(rehearsal, "ann", IndexName="ByTotal")
    assert run(rehearsal, "last_query_targets", table="Orders", key=key, index="ByTotal").passed


def test_last_query_targets_looks_only_at_this_steps_queries() -> None:
    rehearsal = orders()
    query(rehearsal, "ann")
    rehearsal.step_passed(1)
    key = {"customer": {"S": "ann"}}
    stale = run(rehearsal, "last_query_targets", at_step=2, table="Orders", key=key)
    assert not stale.passed
    assert "only calls made since you passed the previous step count" in stale.message
    query(rehearsal, "ann")
    assert run(rehearsal, "last_query_targets", at_step=2, table="Orders", key=key).passed


def test_query_was_run_for_a_key() -> None:
    rehearsal = orders()
    query(rehearsal, "bob")
    assert not run(
        rehearsal, "query_was_run", table="Orders", key={"customer": {"S": "ann"}}
    ).passed
    query(rehearsal, "ann")
    query(rehearsal, "bob")  # any Query in the window counts, not only the latest
    assert run(rehearsal, "query_was_run", table="Orders", key={"customer": {"S": "ann"}}).passed


def test_scan_was_run_can_ask_for_the_filter_its_value_and_what_it_returned() -> None:
    rehearsal = orders()
    rehearsal.execute("Scan", {"TableName": "Orders"})
    args = {"table": "Orders", "filtered": True, "value": {"S": "ann"}, "returned": 3}
    plain = run(rehearsal, "scan_was_run", **args)
    assert not plain.passed
    assert "with a FilterExpression" in plain.message
    assert "your last one returned 6 of 6 items read" in plain.message
    rehearsal.execute(
        "Scan",
        {
            "TableName": "Orders",
            "FilterExpression": "customer = :who",
            "ExpressionAttributeValues": {":who": {"S": "bob"}},
        },
    )
    assert not run(rehearsal, "scan_was_run", **args).passed  # bob's, not ann's
    rehearsal.execute(
        "Scan",
        {
            "TableName": "Orders",
            "FilterExpression": "customer = :who",
            "ExpressionAttributeValues": {":who": {"S": "ann"}},
        },
    )
    result = run(rehearsal, "scan_was_run", **args)
    assert result.passed
    assert "it read 6 items and returned 3" in result.message


# --------------------------------------------------------------------------- how it was written
def test_item_written_by_tells_an_update_from_a_put() -> None:
    rehearsal = books("1")
    put = run(rehearsal, "item_written_by", table="Books", key=BOOK_1, operation="UpdateItem")
    assert not put.passed
    assert "was a PutItem; this step asks you to use UpdateItem" in put.message
    rehearsal.execute(
        "UpdateItem",
        {
            "TableName": "Books",
            "Key": BOOK_1,
            "UpdateExpression": "SET tags = list_append(if_not_exists(tags, :none), :t)",
            "ExpressionAttributeValues": {":none": {"L": []}, ":t": {"L": [{"S": "sf"}]}},
        },
    )
    for args in (
        {"operation": "UpdateItem"},
        {"update_action": "SET"},
        {"update_function": "list_append"},
        {"update_function": "if_not_exists"},
        {"conditional": False},
    ):
        assert run(rehearsal, "item_written_by", table="Books", key=BOOK_1, **args).passed, args
    add = run(rehearsal, "item_written_by", table="Books", key=BOOK_1, update_action="ADD")
    assert not add.passed
    assert "used SET; this step asks for a ADD clause" in add.message
    assert not run(rehearsal, "item_written_by", table="Books", key=BOOK_1, conditional=True).passed


def test_item_written_by_follows_the_item_through_batches_and_transactions() -> None:
    rehearsal = books("2")
    rehearsal.execute(
        "BatchWriteItem",
        {"RequestItems": {"Books": [{"PutRequest": {"Item": {"isbn": {"S": "1"}}}}]}},
    )
    assert run(
        rehearsal, "item_written_by", table="Books", key=BOOK_1, operation="BatchWriteItem"
    ).passed
    rehearsal.execute(
        "TransactWriteItems",
        {
            "TransactItems": [
                {
                    "Update": {
                        "TableName": "Books",
                        "Key": BOOK_1,
                        "UpdateExpression": "ADD copies :one",
                        "ConditionExpression": "attribute_exists(isbn)",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                }
            ]
        },
    )
    assert run(
        rehearsal,
        "item_written_by",
        table="Books",
        key=BOOK_1,
        operation="TransactWriteItems",
        update_action="ADD",
        conditional=True,
    ).passed
    # A write of another item does not count; a failed write of this one neither.
    rehearsal.execute("PutItem", put_book("2"))
    fails(
        rehearsal,
        "PutItem",
        {**put_book("1"), "ConditionExpression": "attribute_not_exists(isbn)"},
    )
    assert run(
        rehearsal, "item_written_by", table="Books", key=BOOK_1, operation="TransactWriteItems"
    ).passed


@pytest.mark.parametrize(
    ("expression", "clauses", "functions"),
    [
        ("SET a = :a", {"SET"}, set()),
        ("set #add = list_append(#add, :x) REMOVE old", {"SET", "REMOVE"}, {"list_append"}),
        ("ADD n :one DELETE tags :t", {"ADD", "DELETE"}, set()),
        ("SET v = if_not_exists(v, :zero) + :one", {"SET"}, {"if_not_exists"}),
        ("SET #set = :delete", {"SET"}, set()),
    ],
)
def test_update_actions(expression: str, clauses: set[str], functions: set[str]) -> None:
    assert update_actions(expression) == (clauses, functions)


# --------------------------------------------------------------------------- calls and shapes
def test_last_call_failed_with_a_given_error() -> None:
    rehearsal = books("1")
    conditional = {**put_book("1"), "ConditionExpression": "attribute_not_exists(isbn)"}
    args = {
        "operation": "PutItem",
        "error": "ConditionalCheckFailedException",
        "table": "Books",
        "key": BOOK_1,
    }
    not_yet = run(rehearsal, "last_call_failed", **args)
    assert not not_yet.passed  # the latest PutItem of book 1 succeeded
    assert "succeeded; this step expects ConditionalCheckFailedException" in not_yet.message
    fails(rehearsal, "PutItem", conditional)
    rehearsal.execute("PutItem", put_book("3"))  # another item: does not count
    assert run(rehearsal, "last_call_failed", **args).passed
    fails(rehearsal, "PutItem", {"TableName": "Books", "Item": {"isbn": {"N": "1"}}})
    other = run(rehearsal, "last_call_failed", **{**args, "key": None})
    assert not other.passed
    assert "failed with ValidationException" in other.message


def test_request_matched_compares_a_shape() -> None:
    rehearsal = books("1")
    shape = {
        "TransactItems": [
            {"Put": {"Item": {"isbn": {"S": "9"}}, "ConditionExpression": {"$present": True}}}
        ]
    }
    args = {"operation": "TransactWriteItems", "table": "Books", "shape": shape}
    rehearsal.execute(
        "TransactWriteItems",
        {"TransactItems": [{"Put": {"TableName": "Books", "Item": {"isbn": {"S": "9"}}}}]},
    )
    unconditional = run(rehearsal, "request_matched", **args)
    assert not unconditional.passed
    assert "not yet the request this step asks for" in unconditional.message
    conditional = {
        "TransactItems": [
            {
                "Put": {
                    "TableName": "Books",
                    "Item": {"isbn": {"S": "9"}},
                    "ConditionExpression": "attribute_not_exists(isbn)",
                }
            }
        ]
    }
    fails(rehearsal, "TransactWriteItems", conditional)  # book 9 exists now
    failed = run(rehearsal, "request_matched", **args)
    assert not failed.passed
    assert "has the right shape, but it failed" in failed.message
    assert run(rehearsal, "request_matched", **args, succeeded=False).passed
    rehearsal.execute("DeleteItem", {"TableName": "Books", "Key": {"isbn": {"S": "9"}}})
    rehearsal.execute("TransactWriteItems", conditional)
    assert run(rehearsal, "request_matched", **args).passed
    twice = run(rehearsal, "request_matched", **args, min_count=2)
    assert not twice.passed
    assert "1 time(s); send it 2 times in all" in twice.message


def test_last_operation_succeeded_and_last_call_capacity_on_one_item() -> None:
    rehearsal = books("1")
    rehearsal.execute("PutItem", put_book("2", note="x" * 1100))  # 2 WCU
    rehearsal.execute("PutItem", put_book("1"))  # 1 WCU, the latest PutItem
    key = {"isbn": {"S": "2"}}
    assert run(
        rehearsal, "last_call_capacity", operation="PutItem", table="Books", key=key, equals=2
    ).passed
    assert not run(
        rehearsal, "last_call_capacity", operation="PutItem", table="Books", equals=2
    ).passed
    rehearsal.execute("GetItem", {"TableName": "Books", "Key": key})
    assert run(
        rehearsal, "last_operation_succeeded", operation="GetItem", table="Books", key=key
    ).passed
    assert not run(
        rehearsal, "last_operation_succeeded", operation="GetItem", table="Books", key=BOOK_1
    ).passed


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"operation": "GetItem", "key": BOOK_1}, "give the table whose item key names"),
        ({"operation": "GetItem", "table": "B", "key": {"isbn": "1"}}, "needs a typed value"),
    ],
)
def test_a_key_needs_its_table_and_typed_values(args: dict[str, Any], error: str) -> None:
    assert any(
        error in e for e in checks.REGISTRY["last_operation_succeeded"].argument_errors(args)
    )


@pytest.mark.parametrize(
    ("shape", "error"),
    [
        ({"Key": {"$exists": True}}, "'$exists' is not an operator"),
        ({"Key": {"$absent": 1}}, "$absent takes true"),
        ({"TransactItems": [{"Put": {"$contains": 3}}]}, "$contains takes text"),
    ],
)
def test_shape_operators_are_checked_when_the_lesson_loads(shape: Any, error: str) -> None:
    errors = checks.REGISTRY["request_matched"].argument_errors(
        {"operation": "PutItem", "shape": shape}
    )
    assert any(error in e for e in errors), errors


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.text(alphabet="abcXYZ:#", min_size=1, max_size=4), children, max_size=3
        )
    ),
    max_leaves=12,
)


@given(json_values)
def test_a_request_matches_itself_as_a_shape(value: Any) -> None:
    assert shape_matches(value, value)
    assert shape_problems(value) == []


@given(st.dictionaries(st.text(alphabet="abc", min_size=1, max_size=3), json_values, min_size=1))
def test_a_shape_is_matched_by_any_request_that_holds_more(request: dict[str, Any]) -> None:
    bigger = {**request, "Extra": {"S": "x"}}
    assert shape_matches(request, bigger)
    key = next(iter(request))
    assert shape_matches({key: {"$present": True}}, bigger)
    assert not shape_matches({key: {"$absent": True}}, bigger)
    assert not shape_matches({**request, "Missing": 1}, bigger)


def test_shape_wildcards_and_contains() -> None:
    request = {
        "FilterExpression": "#c = :who AND total > :t",
        "ExpressionAttributeValues": {":who": {"S": "ann"}, ":t": {"N": "3"}},
    }
    assert shape_matches({"ExpressionAttributeValues": {"*": {"S": "ann"}}}, request)
    assert not shape_matches({"ExpressionAttributeValues": {"*": {"S": "bob"}}}, request)
    assert shape_matches({"FilterExpression": {"$contains": "total >"}}, request)
    assert not shape_matches({"FilterExpression": {"$contains": "status"}}, request)


# --------------------------------------------------------------------------- tables and indexes
def test_attribute_absent() -> None:
    rehearsal = books("1")
    rehearsal.execute("PutItem", put_book("2", price="9"))
    assert run(rehearsal, "attribute_absent", table="Books", key=BOOK_1, attribute="price").passed
    there = run(
        rehearsal, "attribute_absent", table="Books", key={"isbn": {"S": "2"}}, attribute="price"
    )
    assert not there.passed
    assert "still has price" in there.message
    missing = run(
        rehearsal, "attribute_absent", table="Books", key={"isbn": {"S": "3"}}, attribute="price"
    )
    assert not missing.passed  # no item at all is not "an item without price"


def test_provisioned_throughput_of_a_table_and_an_index() -> None:
    rehearsal = books()
    on_demand = run(rehearsal, "provisioned_throughput", table="Books", read_capacity=1)
    assert not on_demand.passed
    assert "is on-demand (PAY_PER_REQUEST)" in on_demand.message
    rehearsal.execute(
        "CreateTable",
        {
            **CREATE_BOOKS,
            "TableName": "Shelves",
            "AttributeDefinitions": [
                {"AttributeName": "isbn", "AttributeType": "S"},
                {"AttributeName": "genre", "AttributeType": "S"},
            ],
            "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": {"ReadCapacityUnits": 100, "WriteCapacityUnits": 150},
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "ByGenre",
                    "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                }
            ],
        },
    )
    assert run(
        rehearsal, "provisioned_throughput", table="Shelves", read_capacity=100, write_capacity=150
    ).passed
    wrong = run(rehearsal, "provisioned_throughput", table="Shelves", write_capacity=50)
    assert not wrong.passed
    assert (
        "provisioned with 100 RCU and 150 WCU a second; this step asks for 50 WCU" in wrong.message
    )
    assert run(
        rehearsal, "provisioned_throughput", table="Shelves", index="ByGenre", write_capacity=1
    ).passed
    low = run(
        rehearsal,
        "provisioned_throughput",
        table="Shelves",
        index="ByGenre",
        min_write_capacity=400,
    )
    assert not low.passed
    assert "Index ByGenre is provisioned with 1 RCU and 1 WCU" in low.message


def test_lsi_exists_and_index_item_count() -> None:
    rehearsal = orders()
    assert run(
        rehearsal,
        "lsi_exists",
        table="Orders",
        index="ByTotal",
        sort_key="total",
        sort_key_type="N",
    ).passed
    wrong = run(rehearsal, "lsi_exists", table="Orders", index="ByTotal", projection_type="ALL")
    assert not wrong.passed
    assert "projects KEYS_ONLY, not ALL" in wrong.message
    assert (
        "Local indexes are made with the table"
        in run(rehearsal, "lsi_exists", table="Orders", index="ByDate").message
    )
    assert not run(rehearsal, "gsi_exists", table="Orders", index="ByTotal").passed
    assert run(rehearsal, "index_item_count", table="Orders", index="ByTotal", equals=6).passed
    fewer = run(rehearsal, "index_item_count", table="Orders", index="ByTotal", max=5)
    assert not fewer.passed
    assert "Index ByTotal holds 6 items (the table holds 6)" in fewer.message


def test_stream_ttl_and_pitr() -> None:
    rehearsal = books()
    for name in ("stream_enabled", "ttl_enabled", "pitr_enabled"):
        assert not run(rehearsal, name, table="Books").passed, name
    rehearsal.execute(
        "UpdateTable",
        {
            "TableName": "Books",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        },
    )
    rehearsal.execute(
        "UpdateTimeToLive",
        {
            "TableName": "Books",
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expiresAt"},
        },
    )
    rehearsal.execute(
        "UpdateContinuousBackups",
        {
            "TableName": "Books",
            "PointInTimeRecoverySpecification": {
                "PointInTimeRecoveryEnabled": True,
                "RecoveryPeriodInDays": 7,
            },
        },
    )
    assert run(rehearsal, "stream_enabled", table="Books", view_type="NEW_IMAGE").passed
    assert (
        "cannot change"
        in run(rehearsal, "stream_enabled", table="Books", view_type="NEW_AND_OLD_IMAGES").message
    )
    assert run(rehearsal, "ttl_enabled", table="Books", attribute="expiresAt").passed
    assert not run(rehearsal, "ttl_enabled", table="Books", attribute="ttl").passed
    assert run(rehearsal, "pitr_enabled", table="Books", recovery_days=7).passed
    assert not run(rehearsal, "pitr_enabled", table="Books", recovery_days=35).passed


def test_backup_exists_waits_for_it_to_be_available() -> None:
    rehearsal = books("1")
    assert not run(rehearsal, "backup_exists", table="Books").passed
    rehearsal.execute("CreateBackup", {"TableName": "Books", "BackupName": "before-sale"})
    assert run(rehearsal, "backup_exists", table="Books", name="before-sale").passed
    assert not run(rehearsal, "backup_exists", table="Books", name="after-sale").passed
    assert run(rehearsal, "backup_exists", table="Books", status=None).passed


def test_trigger_exists() -> None:
    rehearsal = books()
    created = rehearsal.execute(
        "UpdateTable",
        {
            "TableName": "Books",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        },
    )
    rehearsal.execute("CreateTable", {**CREATE_BOOKS, "TableName": "Copies"})
    assert not run(rehearsal, "trigger_exists", table="Books").passed
    rehearsal.execute(
        "CreateTrigger",
        {
            "StreamArn": created["TableDescription"]["LatestStreamArn"],
            "HandlerName": "copy_to_table",
            "HandlerParameters": {"TableName": "Copies"},
            "StartingPosition": "TRIM_HORIZON",
        },
    )
    rehearsal.execute("PutItem", put_book("1"))
    result = run(rehearsal, "trigger_exists", table="Books", handler="copy_to_table")
    assert result.passed
    assert "1 record processed" in result.message
    assert not run(rehearsal, "trigger_exists", table="Books", handler="running_aggregate").passed


# --------------------------------------------------------------------------- throttling
def provisioned(read: int = 1, write: int = 1, index_write: int | None = None) -> Rehearsal:
    rehearsal = Rehearsal()
    request: dict[str, Any] = {
        **CREATE_BOOKS,
        "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": read, "WriteCapacityUnits": write},
    }
    if index_write is not None:
        request["AttributeDefinitions"] = [
            {"AttributeName": "isbn", "AttributeType": "S"},
            {"AttributeName": "genre", "AttributeType": "S"},
        ]
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": "ByGenre",
                "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": {
                    "ReadCapacityUnits": 1,
                    "WriteCapacityUnits": index_write,
                },
            }
        ]
    rehearsal.execute("CreateTable", request)
    return rehearsal


def big_book(isbn: str, kilobytes: int, **extra: str) -> dict[str, Any]:
    return put_book(isbn, body="x" * (kilobytes * 1024), **extra)


def test_throttled_since_step_by_the_table() -> None:
    rehearsal = provisioned(write=1)
    assert not run(rehearsal, "throttled_since_step", table="Books").passed
    # 1 WCU a second, and about a minute of burst: a 100 KB write is refused.
    fails(rehearsal, "PutItem", big_book("1", 100))
    result = run(rehearsal, "throttled_since_step", table="Books", operation="PutItem")
    assert result.passed
    assert (
        "throttled by the table itself (ProvisionedThroughputExceededException)" in result.message
    )
    assert not run(rehearsal, "throttled_since_step", table="Books", by_index=True).passed
    rehearsal.step_passed(1)
    assert not run(rehearsal, "throttled_since_step", at_step=2, table="Books").passed
    assert run(rehearsal, "throttled_since_step", at_step=2, table="Books", step=0).passed


def test_throttled_since_step_by_an_index_is_back_pressure() -> None:
    rehearsal = provisioned(write=1000, index_write=1)
    error = fails(rehearsal, "PutItem", big_book("1", 100, genre="sf"))
    assert "global secondary indexes" in error.message
    assert run(rehearsal, "throttled_since_step", table="Books", by_index=True).passed
    assert not run(rehearsal, "throttled_since_step", table="Books", by_index=False).passed
