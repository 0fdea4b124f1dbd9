"""BatchExecuteStatement (each statement on its own) and ExecuteTransaction (all or nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine
from tests.support.engine import create_table, error_of, n, s


@pytest.fixture
def music(engine: Engine) -> Engine:
    create_table(engine, "Music", partition=("pk", "S"), sort=("sk", "N"))
    for pk in ("a", "b"):
        item = {"pk": s(pk), "sk": n(1), "v": n(1)}
        engine.call("PutItem", {"TableName": "Music", "Item": item})
    return engine


def stored(engine: Engine, pk: str, sk: int = 1) -> dict[str, Any] | None:
    key = {"pk": s(pk), "sk": n(sk)}
    return engine.call("GetItem", {"TableName": "Music", "Key": key}).get("Item")


def batch(engine: Engine, *statements: str | dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
    members = [{"Statement": m} if isinstance(m, str) else m for m in statements]
    return engine.call("BatchExecuteStatement", {"Statements": members, **extra})["Responses"]


def transact(engine: Engine, *statements: str | dict[str, Any], **extra: Any) -> dict[str, Any]:
    members = [{"Statement": m} if isinstance(m, str) else m for m in statements]
    return engine.call("ExecuteTransaction", {"TransactStatements": members, **extra})


def transact_error(engine: Engine, *statements: str, **extra: Any) -> Any:
    members = [{"Statement": m} for m in statements]
    return error_of(engine, "ExecuteTransaction", {"TransactStatements": members, **extra})


# ---------------------------------------------------------------------- BatchExecuteStatement
def test_a_batch_runs_each_statement_and_reports_each_failure_in_place(music: Engine):
    responses = batch(
        music,
        "SELECT * FROM Music WHERE pk = 'a' AND sk = 1",
        "SELECT v FROM Music WHERE pk = 'zz' AND sk = 1",
        "SELECT * FROM Music WHERE pk = 'a'",
        "INSERT INTO Music VALUE {'pk': 'a', 'sk': 1}",
        "INSERT INTO Music VALUE {'pk': 'c', 'sk': 1}",
        {"Statement": "UPDATE Music SET v = 2 WHERE pk = ? AND sk = 1 AND v = 9", "Parameters": [s("b")],
         "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
        "DELETE FROM Music WHERE pk = 'b' AND sk = 1 RETURNING ALL OLD *",
        "SELECT * FROM Nope WHERE pk = 'a' AND sk = 1",
        "SLECT 1",
    )  # fmt: skip
    assert responses == [
        {"TableName": "Music", "Item": {"pk": s("a"), "sk": n(1), "v": n(1)}},
        {"TableName": "Music"},
        {"Error": {"Code": "ValidationError", "Message": "Select statements within BatchExecuteStatement must specify the primary key in the where clause."}},
        {"Error": {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}, "TableName": "Music"},
        {"TableName": "Music"},
        {"Error": {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}, "TableName": "Music"},
        {"TableName": "Music", "Item": {"pk": s("b"), "sk": n(1), "v": n(1)}},
        {"Error": {"Code": "ResourceNotFound", "Message": "Requested resource not found"}},
        {"Error": {"Code": "ValidationError", "Message": "Statement wasn't well formed, can't be processed: Expected data manipulation"}},
    ]  # fmt: skip
    assert stored(music, "c") is not None
    assert stored(music, "b") is None


def test_batch_reads_accept_only_the_key_in_their_where(music: Engine):
    refusal = "Select statements within BatchExecuteStatement must specify the primary key in the where clause."
    responses = batch(
        music,
        "SELECT sk FROM Music WHERE pk IN ['a'] AND sk = 1",
        "SELECT sk FROM Music WHERE pk = 'a' AND sk = 1 AND v = 1",
        "SELECT sk FROM Music WHERE pk = 'a' AND sk = 1 AND pk = 'b'",
        "SELECT sk FROM Music WHERE (sk = 1) AND pk = 'a' AND pk = 'a'",
    )
    assert responses[0] == {"TableName": "Music", "Item": {"sk": n(1)}}
    assert responses[1]["Error"]["Message"] == refusal
    assert responses[2]["Error"]["Message"] == refusal
    assert responses[3] == {"TableName": "Music", "Item": {"sk": n(1)}}


def test_batch_capacity_is_each_statement_billed_on_its_own(music: Engine):
    response = music.call(
        "BatchExecuteStatement",
        {
            "Statements": [
                {"Statement": "SELECT * FROM Music WHERE pk = 'a' AND sk = 1", "ConsistentRead": True},
                {"Statement": "SELECT * FROM Music WHERE pk = 'b' AND sk = 1"},
                {"Statement": "UPDATE Music SET w = 1 WHERE pk = 'a' AND sk = 1"},
            ],
            "ReturnConsumedCapacity": "TOTAL",
        },
    )  # fmt: skip
    assert response["ConsumedCapacity"] == [{"TableName": "Music", "CapacityUnits": 2.5}]


def test_batch_limits(music: Engine):
    too_many = [{"Statement": "SELECT * FROM Music WHERE pk = 'a' AND sk = 1"}] * 26
    error = error_of(music, "BatchExecuteStatement", {"Statements": too_many})
    assert error.code == "ValidationException"
    assert "Member must have length less than or equal to 25" in error.message
    error = error_of(music, "BatchExecuteStatement", {"Statements": []})
    assert "Member must have length greater than or equal to 1" in error.message


# ---------------------------------------------------------------------- ExecuteTransaction
def test_a_write_transaction_applies_everything_and_answers_no_responses(music: Engine):
    music.call("PutItem", {"TableName": "Music", "Item": {"pk": s("x"), "sk": n(1)}})
    response = transact(
        music,
        "UPDATE Music SET v = 2 WHERE pk = 'a' AND sk = 1",
        "INSERT INTO Music VALUE {'pk': 'c', 'sk': 1}",
        "DELETE FROM Music WHERE pk = 'b' AND sk = 1",
        "EXISTS(SELECT * FROM Music WHERE pk = 'x' AND sk = 1 AND attribute_not_exists(v))",
        ReturnConsumedCapacity="TOTAL",
    )
    assert response == {
        "Responses": [],
        "ConsumedCapacity": [{"TableName": "Music", "CapacityUnits": 8.0}],
    }
    assert stored(music, "a")["v"] == n(2)
    assert stored(music, "b") is None and stored(music, "c") is not None


def test_a_failed_condition_cancels_the_whole_transaction(music: Engine):
    music.call("PutItem", {"TableName": "Music", "Item": {"pk": s("d"), "sk": n(1)}})
    error = transact_error(
        music,
        "EXISTS(SELECT * FROM Music WHERE pk = 'a' AND sk = 1 AND v IS MISSING)",
        "UPDATE Music SET touched = 1 WHERE pk = 'b' AND sk = 1",
        "INSERT INTO Music VALUE {'pk': 'd', 'sk': 1}",
    )
    assert error.code == "TransactionCanceledException"
    assert error.message == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[ConditionalCheckFailed, None, DuplicateItem]"
    )
    assert error.extra["CancellationReasons"] == [
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
        {"Code": "None"},
        {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"},
    ]
    assert "touched" not in stored(music, "b")


def test_a_read_transaction_answers_one_response_per_statement(music: Engine):
    response = transact(
        music,
        "SELECT * FROM Music WHERE pk = 'a' AND sk = 1",
        "SELECT v FROM Music WHERE pk = 'zz' AND sk = 1",
        "SELECT v FROM Music WHERE sk = 1 AND pk IN ['b']",
        ReturnConsumedCapacity="TOTAL",
    )
    assert response == {
        "Responses": [
            {"Item": {"pk": s("a"), "sk": n(1), "v": n(1)}},
            {},
            {"Item": {"v": n(1)}},
        ],
        "ConsumedCapacity": [{"TableName": "Music", "CapacityUnits": 6.0}],
    }


@pytest.mark.parametrize(
    "statements, refusal",
    [
        (["SELECT * FROM Music WHERE pk = 'a' AND sk = 1 AND v = 1"], "Validation failed in TransactStatements[0]: Select statements within ExecuteTransaction must specify the primary key in the where clause."),
        (["SELECT * FROM Music WHERE pk = 'a' AND sk = 1", 'SELECT * FROM "Music"."idx" WHERE pk = \'a\' AND sk = 1'], "Validation failed in TransactStatements[1]: Reads on indices are not supported within transactions."),
        (["UPDATE Music SET v = 1 WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *"], "Validation failed in TransactStatements[0]: RETURNING clause is not supported in ExecuteTransaction."),
        (["EXISTS(SELECT * FROM Music WHERE pk = 'a' AND sk = 1)", "UPDATE Music SET v = 1 WHERE pk = 'b' AND sk = 1"], "Validation failed in TransactStatements[0]: EXISTS() must contain a single item read with additional condition"),
        (["SELECT * FROM Music WHERE"], "Validation failed in TransactStatements[0]: Statement wasn't well formed, can't be processed: Unexpected term"),
        (["UPDATE Music SET v = v + [1] WHERE pk = 'a' AND sk = 1"], "Validation failed in TransactStatements[0]: Incorrect operand type for operator or function; operator or function: +, operand type: L"),
        (["SELECT * FROM Music WHERE pk = 'a' AND sk = 1", "UPDATE Music SET v = 1 WHERE pk = 'a' AND sk = 1"], "ExecuteTransaction API does not support both read and write operations in the same request."),
        (["UPDATE Music SET v = 1 WHERE pk = 'a' AND sk = 1", "DELETE FROM Music WHERE sk = 1 AND pk = 'a'"], "Transaction request cannot include multiple operations on one item"),
    ],
)  # fmt: skip
def test_transaction_refusals(music: Engine, statements: list[str], refusal: str):
    error = transact_error(music, *statements)
    assert (error.code, error.message) == ("ValidationException", refusal)
    assert stored(music, "a") == {"pk": s("a"), "sk": n(1), "v": n(1)}


def test_statements_that_name_no_item_cancel_the_transaction(music: Engine):
    mismatch = "The provided key element does not match the schema"
    error = transact_error(
        music,
        "UPDATE Music SET x = 1 WHERE pk = 'a'",
        "UPDATE Music SET x = 1 WHERE pk = 'a' AND sk = '1'",
        "INSERT INTO Music VALUE {'pk': 'new'}",
        "DELETE FROM Nope WHERE pk = 'a' AND sk = 1",
        "UPDATE Music SET x = 1 WHERE pk = 'b' AND sk = 1",
    )
    assert error.code == "TransactionCanceledException"
    assert error.extra["CancellationReasons"] == [
        {"Code": "ValidationError", "Message": mismatch},
        {"Code": "ValidationError", "Message": mismatch},
        {"Code": "ValidationError", "Message": "One or more parameter values were invalid: Missing the key sk in the item"},
        {"Code": "ResourceNotFound", "Message": "Requested resource not found"},
        {"Code": "None"},
    ]  # fmt: skip
    assert "x" not in stored(music, "b")


def test_a_client_request_token_makes_the_transaction_idempotent(music: Engine):
    statement = {"Statement": "UPDATE Music SET v = v + 1 WHERE pk = 'a' AND sk = 1"}
    transact(music, statement, ClientRequestToken="token-1")
    transact(music, statement, ClientRequestToken="token-1")
    assert stored(music, "a")["v"] == n(2)
    other = {"Statement": "UPDATE Music SET v = v + 2 WHERE pk = 'a' AND sk = 1"}
    error = error_of(
        music,
        "ExecuteTransaction",
        {"TransactStatements": [other], "ClientRequestToken": "token-1"},
    )
    assert error.code == "IdempotentParameterMismatchException"


def test_transaction_limits(music: Engine):
    members = [
        {"Statement": f"INSERT INTO Music VALUE {{'pk': 'k{i}', 'sk': 1}}"} for i in range(101)
    ]
    error = error_of(music, "ExecuteTransaction", {"TransactStatements": members})
    assert "Member must have length less than or equal to 100" in error.message
    transact(music, *members[:100])
    assert stored(music, "k99") is not None
