"""INSERT, UPDATE and DELETE: what they write, what they refuse, and that they are the
equivalent PutItem, UpdateItem and DeleteItem (capacity, indexes, stream records)."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine, SimClock
from tests.support.engine import FROZEN_AT, create_table, error_of, n, read_stream, s


@pytest.fixture
def music(engine: Engine) -> Engine:
    create_table(engine, "Music", partition=("pk", "S"), sort=("sk", "N"))
    return engine


def run(engine: Engine, statement: str, *parameters: Any, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"Statement": statement, **extra}
    if parameters:
        request["Parameters"] = list(parameters)
    return engine.call("ExecuteStatement", request)


def failure(engine: Engine, statement: str, *parameters: Any, **extra: Any) -> Any:
    request: dict[str, Any] = {"Statement": statement, **extra}
    if parameters:
        request["Parameters"] = list(parameters)
    return error_of(engine, "ExecuteStatement", request)


def stored(engine: Engine, pk: str, sk: int, table: str = "Music") -> dict[str, Any] | None:
    key = {"pk": s(pk), "sk": n(sk)}
    return engine.call("GetItem", {"TableName": table, "Key": key}).get("Item")


# ---------------------------------------------------------------------- INSERT
def test_insert_adds_an_item_and_answers_an_empty_items_list(music: Engine):
    response = run(
        music, "INSERT INTO Music VALUE {'pk': ?, 'sk': 1, 'title': 'PartiQL Rocks'}", s("a")
    )
    assert response == {"Items": []}
    assert stored(music, "a", 1) == {"pk": s("a"), "sk": n(1), "title": s("PartiQL Rocks")}


def test_insert_over_an_existing_item_is_a_duplicate_and_changes_nothing(music: Engine):
    run(music, "INSERT INTO Music VALUE {'pk': 'a', 'sk': 1, 'v': 1}")
    error = failure(music, "INSERT INTO Music VALUE {'pk': 'a', 'sk': 1, 'v': 2}")
    assert (error.code, error.message) == (
        "DuplicateItemException",
        "Duplicate primary key exists in table",
    )
    assert stored(music, "a", 1)["v"] == n(1)


def test_insert_takes_a_whole_item_as_a_parameter(music: Engine):
    run(music, "INSERT INTO Music VALUE ?", {"M": {"pk": s("p"), "sk": n(2), "x": {"BOOL": False}}})
    assert stored(music, "p", 2) == {"pk": s("p"), "sk": n(2), "x": {"BOOL": False}}


def test_insert_without_the_key_is_refused_as_put_item_refuses_it(music: Engine):
    error = failure(music, "INSERT INTO Music VALUE {'pk': 'a'}")
    assert (
        error.message == "One or more parameter values were invalid: Missing the key sk in the item"
    )


# ---------------------------------------------------------------------- UPDATE
def test_update_sets_and_removes(music: Engine):
    run(
        music,
        "INSERT INTO Music VALUE {'pk': 'a', 'sk': 1, 'n': 5, 'l': [1], 'ss': <<'a', 'b'>>, 'gone': 1, 'm': {}}",
    )
    response = run(
        music,
        "UPDATE Music SET n = n + 100, l = list_append(l, [2]) SET m.k = 'v' "
        "SET ss = set_add(ss, <<'c'>>) REMOVE gone WHERE pk = 'a' AND sk = 1",
    )
    assert response == {"Items": []}
    run(
        music,
        "UPDATE Music SET n = n - - 1, ss = set_delete(ss, <<'a'>>) WHERE sk = 1 AND pk = 'a'",
    )
    assert stored(music, "a", 1) == {
        "pk": s("a"),
        "sk": n(1),
        "n": n(106),
        "l": {"L": [n(1), n(2)]},
        "ss": {"SS": ["b", "c"]},
        "m": {"M": {"k": s("v")}},
    }


def test_update_from_first_form(music: Engine):
    run(music, "INSERT INTO Music VALUE {'pk': 'a', 'sk': 1, 'b': 'bee'}")
    run(music, "FROM Music WHERE pk = ? AND sk = 1 SET c = ? REMOVE b", s("a"), n(7))
    assert stored(music, "a", 1) == {"pk": s("a"), "sk": n(1), "c": n(7)}


def test_update_of_a_missing_item_fails_its_condition_and_creates_nothing(music: Engine):
    error = failure(music, "UPDATE Music SET x = 1 WHERE pk = 'nope' AND sk = 1")
    assert (error.code, error.message) == (
        "ConditionalCheckFailedException",
        "The conditional request failed",
    )
    assert stored(music, "nope", 1) is None


def test_the_rest_of_the_where_is_the_condition(music: Engine):
    run(music, "INSERT INTO Music VALUE {'pk': 'a', 'sk': 1, 'v': 1}")
    run(music, "UPDATE Music SET w = 1 WHERE (pk = 'a' AND sk = 1) AND v = 1 AND w IS MISSING")
    assert stored(music, "a", 1)["w"] == n(1)
    error = failure(
        music,
        "UPDATE Music SET w = 2 WHERE pk = 'a' AND sk = 1 AND attribute_not_exists(w)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    assert error.code == "ConditionalCheckFailedException"
    assert error.extra["Item"] == {"pk": s("a"), "sk": n(1), "v": n(1), "w": n(1)}
    assert stored(music, "a", 1)["w"] == n(1)


@pytest.mark.parametrize(
    "returning, expected",
    [("ALL OLD", [{"pk": s("a"), "sk": n(1), "v": n(1), "o": n(0)}]),
     ("MODIFIED OLD", [{"v": n(1)}]),
     ("ALL NEW", [{"pk": s("a"), "sk": n(1), "v": n(2), "o": n(0)}]),
     ("MODIFIED NEW", [{"v": n(2)}])],
)  # fmt: skip
def test_update_returning(music: Engine, returning: str, expected: list[dict[str, Any]]):
    run(music, "INSERT INTO Music VALUE {'pk': 'a', 'sk': 1, 'v': 1, 'o': 0}")
    response = run(
        music, f"UPDATE Music SET v = 2 WHERE pk = 'a' AND sk = 1 RETURNING {returning} *"
    )
    assert response["Items"] == expected


def test_returning_an_empty_modified_projection_is_an_empty_list(music: Engine):
    run(music, "INSERT INTO Music VALUE {'pk': 'a', 'sk': 1, 'v': 1}")
    response = run(
        music, "UPDATE Music REMOVE v WHERE pk = 'a' AND sk = 1 RETURNING MODIFIED NEW *"
    )
    assert response == {"Items": []}


@pytest.mark.parametrize(
    "statement, refusal",
    [
        ("UPDATE Music SET x = 1 WHERE pk = 'a'", "Where clause does not contain a mandatory equality on all key attributes"),
        ("UPDATE Music SET x = 1 WHERE pk = 'a' OR sk = 1", "Where clause does not contain a mandatory equality on all key attributes"),
        ("UPDATE Music SET x = 1", "Where clause does not contain a mandatory equality on all key attributes"),
        ("UPDATE Music SET x = 1 WHERE pk = 'a' AND sk = 1 AND pk = 'b'", "Multiple conditions on same key pk. Only single item Update/Insert/Delete are supported"),
        ("UPDATE Music SET x = 1 WHERE pk = 'a' AND sk = '1'", "The provided key element does not match the schema"),
        ("UPDATE Music SET sk = 2 WHERE pk = 'a' AND sk = 1", "One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key"),
        ("UPDATE Music SET x = 'a' + 1 WHERE pk = 'a' AND sk = 1", "Incorrect operand type for operator or function; operator or function: +, operand type: S"),
        ("UPDATE Music SET x = set_add(y, <<'a'>>) WHERE pk = 'a' AND sk = 1", "The first argument to SET_ADD must equal the assignment value at 1:22:7"),
        ("UPDATE Music SET x = set_add(x, 'a') WHERE pk = 'a' AND sk = 1", "The second argument to SET_ADD must be a value with type SET at 1:30:1"),
        ("UPDATE Music SET x = set_delete(x) WHERE pk = 'a' AND sk = 1", "SET_DELETE must have exactly two arguments at 1:22:10"),
        ("UPDATE Music SET x = x + 1, x = 2 WHERE pk = 'a' AND sk = 1", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [x], path two: [x]"),
        ('UPDATE "Music"."idx" SET x = 1 WHERE pk = \'a\' AND sk = 1', "This operation is not supported on an index"),
    ],
)  # fmt: skip
def test_update_refusals(music: Engine, statement: str, refusal: str):
    run(music, "INSERT INTO Music VALUE {'pk': 'a', 'sk': 1, 'x': <<'x'>>}")
    error = failure(music, statement)
    assert (error.code, error.message) == ("ValidationException", refusal)
    assert stored(music, "a", 1) == {"pk": s("a"), "sk": n(1), "x": {"SS": ["x"]}}


# ---------------------------------------------------------------------- DELETE
def test_delete_removes_the_item_and_returning_all_old_returns_it(music: Engine):
    run(music, "INSERT INTO Music VALUE {'pk': 'a', 'sk': 1, 'v': 'gone'}")
    response = run(music, "DELETE FROM Music WHERE pk = 'a' AND sk = 1 RETURNING ALL OLD *")
    assert response == {"Items": [{"pk": s("a"), "sk": n(1), "v": s("gone")}]}
    assert stored(music, "a", 1) is None


def test_delete_of_a_missing_item_succeeds_whatever_its_condition(music: Engine):
    assert run(music, "DELETE FROM Music WHERE pk = 'x' AND sk = 1 AND v = 'anything'") == {
        "Items": []
    }


def test_delete_of_an_item_failing_the_condition_keeps_it(music: Engine):
    run(music, "INSERT INTO Music VALUE {'pk': 'a', 'sk': 1, 'name': 'xyz'}")
    error = failure(
        music, "DELETE FROM Music WHERE pk = 'a' AND sk = 1 AND NOT begins_with(name, 'x')"
    )
    assert error.code == "ConditionalCheckFailedException"
    assert stored(music, "a", 1) is not None


def test_delete_refusals(music: Engine):
    assert failure(music, "DELETE FROM Music WHERE pk = 'a'").message == (
        "Where clause does not contain a mandatory equality on all key attributes"
    )
    assert failure(music, "DELETE FROM Music WHERE pk = 'a' AND sk = 1 RETURNING MODIFIED OLD *").message == (
        "Invalid returning clause: RETURNING MODIFIED OLD *. Only RETURNING ALL OLD * is allowed "
        "in DELETE statements."
    )  # fmt: skip


# ---------------------------------------------------------------------- the same as the API
def indexed_engine() -> Engine:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    engine.extensions["indexes"].settings.propagation_delay = 0
    create_table(
        engine,
        "Orders",
        partition=("pk", "S"),
        sort=("sk", "N"),
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return engine


def test_writes_cost_index_and_stream_exactly_as_the_api_calls_do():
    partiql = indexed_engine()
    api = indexed_engine()
    item = {"pk": s("a"), "sk": n(1), "status": s("open"), "note": s("x" * 2000)}
    capacity = {"ReturnConsumedCapacity": "INDEXES"}
    ours = [
        run(partiql, "INSERT INTO Orders VALUE {'pk': 'a', 'sk': 1, 'status': 'open', 'note': ?}", s("x" * 2000), **capacity),
        run(partiql, "UPDATE Orders SET status = 'closed' WHERE pk = 'a' AND sk = 1", **capacity),
        run(partiql, "DELETE FROM Orders WHERE pk = 'a' AND sk = 1", **capacity),
    ]  # fmt: skip
    theirs = [
        api.call("PutItem", {"TableName": "Orders", "Item": item, **capacity}),
        api.call(
            "UpdateItem",
            {
                "TableName": "Orders",
                "Key": {"pk": s("a"), "sk": n(1)},
                "UpdateExpression": "SET #s = :c",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":c": s("closed")},
                **capacity,
            },
        ),
        api.call(
            "DeleteItem", {"TableName": "Orders", "Key": {"pk": s("a"), "sk": n(1)}, **capacity}
        ),
    ]
    assert [r["ConsumedCapacity"] for r in ours] == [r["ConsumedCapacity"] for r in theirs]
    assert ours[0]["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {
        "by-status": {"CapacityUnits": 2.0}
    }

    def events(engine: Engine) -> list[tuple[str, Any, Any]]:
        arn = engine.call("DescribeTable", {"TableName": "Orders"})["Table"]["LatestStreamArn"]
        return [
            (r["eventName"], r["dynamodb"].get("OldImage"), r["dynamodb"].get("NewImage"))
            for r in read_stream(engine, arn)
        ]

    assert events(partiql) == events(api)
    assert [e[0] for e in events(partiql)] == ["INSERT", "MODIFY", "REMOVE"]


def test_an_insert_is_visible_through_the_index(engine: Engine):
    engine = indexed_engine()
    run(engine, "INSERT INTO Orders VALUE {'pk': 'a', 'sk': 1, 'status': 'open'}")
    response = run(engine, 'SELECT pk FROM "Orders"."by-status" WHERE status = \'open\'')
    assert response["Items"] == [{"pk": s("a")}]
