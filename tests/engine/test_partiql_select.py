"""SELECT: Query or Scan underneath, projections, indexes, ORDER BY, paging and its errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine, SimClock
from tests.support.engine import FROZEN_AT, create_table, error_of, n, s


@pytest.fixture
def music(engine: Engine) -> Engine:
    """Music: pk (S) + sk (N); partitions a (sk 1-5), b (sk 1-3), c (sk 1)."""
    create_table(engine, "Music", partition=("pk", "S"), sort=("sk", "N"))
    for pk, count in (("a", 5), ("b", 3), ("c", 1)):
        for sk in range(1, count + 1):
            item = {
                "pk": s(pk),
                "sk": n(sk),
                "n": n(sk * 10),
                "tag": s("even" if sk % 2 == 0 else "odd"),
                "info": {"M": {"year": n(2000 + sk), "list": {"L": [s("x"), n(sk)]}}},
            }
            engine.call("PutItem", {"TableName": "Music", "Item": item})
    return engine


def select(engine: Engine, statement: str, *parameters: Any, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"Statement": statement, **extra}
    if parameters:
        request["Parameters"] = list(parameters)
    return engine.call("ExecuteStatement", request)


def keys(response: dict[str, Any]) -> list[tuple[str, int]]:
    return [(i["pk"]["S"], int(i["sk"]["N"])) for i in response["Items"]]


def message(engine: Engine, statement: str, *parameters: Any, **extra: Any) -> str:
    request: dict[str, Any] = {"Statement": statement, **extra}
    if parameters:
        request["Parameters"] = list(parameters)
    return error_of(engine, "ExecuteStatement", request).message


# ---------------------------------------------------------------------- Query or Scan
def test_a_partition_key_equality_reads_as_the_equivalent_query(music: Engine):
    response = select(
        music,
        "SELECT * FROM Music WHERE pk = 'a' AND sk BETWEEN 2 AND 4 AND tag = 'even'",
        ReturnConsumedCapacity="INDEXES",
    )
    query = music.call(
        "Query",
        {
            "TableName": "Music",
            "KeyConditionExpression": "pk = :p AND sk BETWEEN :l AND :h",
            "FilterExpression": "tag = :t",
            "ExpressionAttributeValues": {":p": s("a"), ":l": n(2), ":h": n(4), ":t": s("even")},
            "ReturnConsumedCapacity": "INDEXES",
        },
    )
    assert response["Items"] == query["Items"]
    assert keys(response) == [("a", 2), ("a", 4)]
    assert response["ConsumedCapacity"] == query["ConsumedCapacity"]
    assert "Count" not in response and "NextToken" not in response


def test_without_a_partition_key_equality_it_scans_and_pays_for_the_scan(music: Engine):
    response = select(
        music, "SELECT pk, sk FROM Music WHERE sk > 2 OR pk = 'c'", ReturnConsumedCapacity="TOTAL"
    )
    scan = music.call(
        "Scan",
        {
            "TableName": "Music",
            "FilterExpression": "sk > :two OR pk = :c",
            "ProjectionExpression": "pk, sk",
            "ExpressionAttributeValues": {":two": n(2), ":c": s("c")},
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    assert response["Items"] == scan["Items"]
    assert response["ConsumedCapacity"] == scan["ConsumedCapacity"]
    assert sorted(keys(response)) == [("a", 3), ("a", 4), ("a", 5), ("b", 3), ("c", 1)]


def test_a_sort_key_condition_reads_only_its_range(music: Engine):
    for condition, expected in [
        ("sk = 3", [3]),
        ("sk < 3", [1, 2]),
        ("3 <= sk", [3, 4, 5]),
        ("sk > 4", [5]),
        ("begins_with(tag, 'ev')", [2, 4]),
        ("sk <> 1 AND sk IN [1, 2, 5]", [2, 5]),
        ("NOT sk = 1", [2, 3, 4, 5]),
        ("(sk = 1 OR sk = 2)", [1, 2]),
    ]:
        response = select(music, f"SELECT sk FROM Music WHERE pk = 'a' AND {condition}")
        assert [int(i["sk"]["N"]) for i in response["Items"]] == expected, condition


def test_in_and_or_on_the_partition_key_read_each_partition(music: Engine):
    response = select(music, "SELECT pk, sk FROM Music WHERE pk IN ['c', 'b'] AND sk < 3")
    assert keys(response) == [("c", 1), ("b", 1), ("b", 2)]
    response = select(
        music, "SELECT pk, sk FROM Music WHERE (pk = 'a' AND sk = 5) OR (pk = 'b' AND sk > 2)"
    )
    assert keys(response) == [("a", 5), ("b", 3)]
    # Two disjoint ranges of one partition are two Queries, read in key order.
    response = select(
        music, "SELECT pk, sk FROM Music WHERE (pk = 'a' AND sk > 4) OR (pk = 'a' AND sk < 2)"
    )
    assert keys(response) == [("a", 1), ("a", 5)]
    # A branch that negates the sort key makes the partition one Query filtered by the OR.
    response = select(
        music, "SELECT sk FROM Music WHERE pk = 'a' AND NOT sk = 1 OR pk = 'a' AND sk = 2"
    )
    assert [int(i["sk"]["N"]) for i in response["Items"]] == [2, 3, 4, 5]


def test_in_on_the_partition_key_costs_one_query_per_partition(music: Engine):
    response = select(
        music, "SELECT * FROM Music WHERE pk IN ['a', 'b', 'zz']", ReturnConsumedCapacity="TOTAL"
    )
    # Three eventually consistent Queries of under 4 KB each: half a unit apiece.
    assert response["ConsumedCapacity"] == {"TableName": "Music", "CapacityUnits": 1.5}


@pytest.mark.parametrize(
    "where",
    ["pk IN ['a', 'a']", "pk = 'a' OR pk = 'a'", "(pk = 'a' AND sk > 1) OR (pk = 'a' AND sk < 3)",
     "(pk = 'a' AND tag = 'odd') OR (pk = 'a' AND tag = 'even')"],
)  # fmt: skip
def test_overlapping_key_conditions_are_refused(music: Engine, where: str):
    assert message(music, f"SELECT * FROM Music WHERE {where}") == (
        "Overlapping conditions with range keys are not supported in where clause"
    )


def test_key_values_of_the_wrong_type_are_refused_when_they_name_partitions(music: Engine):
    assert message(music, "SELECT * FROM Music WHERE pk = 1 OR pk = 'a'") == (
        "Key attribute's data type should match its data type in table's schema: Key pk"
    )
    assert message(music, "SELECT * FROM Music WHERE pk = 'a' AND sk IN [1, '2']") == (
        "Key attribute's data type should match its data type in table's schema: Key sk"
    )
    # Without an equality on the partition key it is a Scan that matches nothing.
    assert select(music, "SELECT * FROM Music WHERE pk > 1")["Items"] == []


# ---------------------------------------------------------------------- projections
def test_projections_of_attributes_and_nested_paths(music: Engine):
    response = select(
        music, 'SELECT "tag", info.year, info.list[1] FROM Music WHERE pk = ? AND sk = ?',
        s("b"), n(2),
    )  # fmt: skip
    assert response["Items"] == [
        {"tag": s("even"), "info": {"M": {"year": n(2002), "list": {"L": [n(2)]}}}}
    ]


def test_a_filter_on_key_attributes_still_projects_only_what_was_asked(music: Engine):
    response = select(music, "SELECT tag FROM Music WHERE pk = 'a' AND (sk = 1 OR pk = 'zz')")
    assert response["Items"] == [{"tag": s("odd")}]


# ---------------------------------------------------------------------- indexes
@pytest.fixture
def orders(engine: Engine) -> Engine:
    engine.extensions["indexes"].settings.propagation_delay = 0
    create_table(
        engine,
        "Orders",
        partition=("customer", "S"),
        sort=("placed", "N"),
        AttributeDefinitions=[
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "placed", "AttributeType": "N"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "total", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-status",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "total", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-total",
                "KeySchema": [
                    {"AttributeName": "customer", "KeyType": "HASH"},
                    {"AttributeName": "total", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    for placed, (customer, status, total) in enumerate(
        [("ann", "open", 30), ("ann", "shipped", 10), ("bob", "open", 20)]
    ):
        item = {
            "customer": s(customer),
            "placed": n(placed),
            "status": s(status),
            "total": n(total),
            "note": s(f"note {placed}"),
            "secret": s("x"),
        }
        engine.call("PutItem", {"TableName": "Orders", "Item": item})
    return engine


def test_select_from_a_gsi_queries_it(orders: Engine):
    response = select(
        orders,
        'SELECT customer, total FROM "Orders"."by-status" WHERE status = \'open\' AND total > 15',
        ReturnConsumedCapacity="INDEXES",
    )
    assert response["Items"] == [
        {"customer": s("bob"), "total": n(20)},
        {"customer": s("ann"), "total": n(30)},
    ]
    assert response["ConsumedCapacity"] == {
        "TableName": "Orders",
        "CapacityUnits": 0.5,
        "Table": {"CapacityUnits": 0.0},
        "GlobalSecondaryIndexes": {"by-status": {"CapacityUnits": 0.5}},
    }
    star = select(orders, 'SELECT * FROM "Orders"."by-status" WHERE status = \'shipped\'')
    assert star["Items"] == [
        {"customer": s("ann"), "placed": n(1), "status": s("shipped"), "total": n(10),
         "note": s("note 1")}
    ]  # fmt: skip


def test_an_lsi_read_reaches_attributes_it_does_not_project(orders: Engine):
    response = select(
        orders,
        'SELECT secret FROM "Orders"."by-total" WHERE customer = \'ann\' AND total < 20',
        ConsistentRead=True,
    )
    assert response["Items"] == [{"secret": s("x")}]


def test_index_refusals(orders: Engine):
    assert message(orders, 'SELECT secret FROM "Orders"."by-status"') == (
        "One or more parameter values were invalid: Global secondary index by-status does not "
        "project [secret]"
    )
    assert message(orders, 'SELECT * FROM "Orders"."by-status" WHERE status = \'open\' AND secret = \'x\'') == (
        "One or more parameter values were invalid: Secondary index by-status does not project "
        "one or more filter attributes: [secret]"
    )  # fmt: skip
    assert message(
        orders, 'SELECT * FROM "Orders"."by-status" WHERE status = \'open\'', ConsistentRead=True
    ) == ("Strongly consistent read is not supported on Global Secondary Indexes")
    assert message(orders, 'SELECT * FROM "Orders"."nope"') == (
        "The table does not have the specified index"
    )


def test_a_missing_table_is_resource_not_found(music: Engine):
    error = error_of(music, "ExecuteStatement", {"Statement": "SELECT * FROM Nope WHERE pk = 'a'"})
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        "Requested resource not found",
    )
    assert message(music, 'SELECT * FROM "x!" WHERE pk = 1').startswith("Table name should be")


# ---------------------------------------------------------------------- ORDER BY
def test_order_by_the_keys(music: Engine):
    def order(where: str) -> list[tuple[str, int]]:
        return keys(select(music, f"SELECT pk, sk FROM Music WHERE {where}"))

    assert order("pk = 'b' ORDER BY sk DESC") == [("b", 3), ("b", 2), ("b", 1)]
    assert order("pk = 'b' ORDER BY sk") == [("b", 1), ("b", 2), ("b", 3)]
    # Naming only the partition key reads each partition in descending key order.
    assert order("pk = 'b' ORDER BY pk ASC") == [("b", 3), ("b", 2), ("b", 1)]
    assert order("pk IN ['b', 'c'] ORDER BY pk DESC, sk ASC") == [
        ("c", 1), ("b", 1), ("b", 2), ("b", 3)
    ]  # fmt: skip


@pytest.mark.parametrize(
    "tail, refusal",
    [("ORDER BY sk", "Must have WHERE clause in the statement when using ORDER BY clause."),
     ("WHERE pk = 'a' ORDER BY tag", "Attribute tag in ORDER BY clause must be part of the primary key"),
     ("WHERE pk > 'a' ORDER BY sk", "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause."),
     ("WHERE pk IN ['a', 'b'] ORDER BY sk", "Must have hash key in ORDER BY clause when more than one hash key condition specified in WHERE clause.")],
)  # fmt: skip
def test_order_by_refusals(music: Engine, tail: str, refusal: str):
    assert message(music, f"SELECT sk FROM Music {tail}") == refusal


# ---------------------------------------------------------------------- paging
def page_all(engine: Engine, statement: str, **extra: Any) -> list[dict[str, Any]]:
    pages = []
    token = None
    for _ in range(100):
        request: dict[str, Any] = {"Statement": statement, **extra}
        if token is not None:
            request["NextToken"] = token
        response = engine.call("ExecuteStatement", request)
        pages.append(response)
        token = response.get("NextToken")
        if token is None:
            return pages
    raise AssertionError("too many pages")


def test_limit_counts_items_read_and_next_token_resumes(music: Engine):
    pages = page_all(music, "SELECT sk FROM Music WHERE pk = 'a' AND tag = 'odd'", Limit=2)
    assert [[int(i["sk"]["N"]) for i in p["Items"]] for p in pages] == [[1], [3], [5]]
    assert pages[0]["LastEvaluatedKey"] == {"pk": s("a"), "sk": n(2)}
    pages = page_all(
        music, "SELECT pk, sk FROM Music WHERE pk IN ['b', 'a'] ORDER BY pk DESC", Limit=2
    )
    assert [keys(p) for p in pages] == [
        [("b", 3), ("b", 2)], [("b", 1), ("a", 5)], [("a", 4), ("a", 3)], [("a", 2), ("a", 1)], []
    ]  # fmt: skip


def test_a_scan_pages_at_one_megabyte(engine: Engine):
    create_table(engine, "Big")
    for i in range(30):
        item = {"pk": s(f"k{i:02d}"), "blob": s("x" * 100_000)}
        engine.call("PutItem", {"TableName": "Big", "Item": item})
    pages = page_all(engine, "SELECT pk FROM Big", ReturnConsumedCapacity="TOTAL")
    sizes = [len(p["Items"]) for p in pages]
    assert sum(sizes) == 30 and len(pages) >= 3
    # The first page stops as soon as it has read 1 MB (11 items of 100 KB), as a Scan does.
    scan = engine.call(
        "Scan",
        {"TableName": "Big", "ProjectionExpression": "pk", "ReturnConsumedCapacity": "TOTAL"},
    )
    assert sizes[0] == len(scan["Items"]) == 11
    assert pages[0]["Items"] == scan["Items"]
    assert pages[0]["ConsumedCapacity"] == scan["ConsumedCapacity"]


def test_more_than_ten_partitions_page_ten_at_a_time(engine: Engine):
    create_table(engine, "Many")
    names = [f"p{i:02d}" for i in range(12)]
    for name in names:
        engine.call("PutItem", {"TableName": "Many", "Item": {"pk": s(name)}})
    listed = ", ".join(f"'{name}'" for name in names)
    pages = page_all(engine, f"SELECT pk FROM Many WHERE pk IN [{listed}]")
    assert [len(p["Items"]) for p in pages] == [10, 2]


def test_next_token_survives_dump_and_load_and_is_tied_to_its_statement(music: Engine):
    statement = "SELECT sk FROM Music WHERE pk = ?"
    first = select(music, statement, s("a"), Limit=2)
    restored = Engine.load(music.dump())
    second = select(restored, statement, s("a"), Limit=2, NextToken=first["NextToken"])
    assert [i["sk"] for i in second["Items"]] == [n(3), n(4)]
    assert message(music, statement, s("b"), NextToken=first["NextToken"]) == (
        "NextToken does not match request"
    )
    assert message(music, statement, s("a"), NextToken="garbage") == "Invalid NextToken"
    tampered = first["NextToken"][:-2] + ("AA" if first["NextToken"][-2:] != "AA" else "BB")
    assert message(music, statement, s("a"), NextToken=tampered) == "Invalid NextToken"


# ---------------------------------------------------------------------- functions and IS
def test_condition_functions_and_is(engine: Engine):
    create_table(engine, "Things")
    item = {
        "pk": s("t"),
        "ss": {"SS": ["a", "b"]},
        "s": s("str"),
        "m": {"M": {"sub": s("x")}},
        "nul": {"NULL": True},
        "flag": {"BOOL": True},
    }
    engine.call("PutItem", {"TableName": "Things", "Item": item})

    def holds(condition: str) -> bool:
        statement = f"SELECT pk FROM Things WHERE pk = 't' AND {condition}"
        return len(select(engine, statement)["Items"]) == 1

    for true in ["attribute_exists(ss)", "ATTRIBUTE_NOT_EXISTS(nope)", "attribute_exists(m.sub)",
                 "attribute_exists(\"ss\")", "size(s) = 3", "attribute_type(ss, 'SS')",
                 "contains(ss, 'a')", "begins_with(s, 'st')", "nul IS NULL", "s IS NOT NULL",
                 "nope IS NOT NULL", "nope IS MISSING", "s IS NOT MISSING", "flag IS BOOL",
                 "s IS STRING", "m IS STRUCT", "attribute_exists(nope) = false",
                 "true = attribute_exists(s)", "(s = 'x' OR flag = true) = true",
                 "s != 'x'", "ss = <<'b', 'a'>>", "m = {'sub': 'x'}"]:  # fmt: skip
        assert holds(true), true
    for false in ["attribute_exists(nope)", "nope IS NULL", "s IS BOOL", "size(s) = 4",
                  "NOT attribute_exists(s)", "attribute_exists(s) <> true"]:  # fmt: skip
        assert not holds(false), false


@pytest.mark.parametrize(
    "condition, refusal",
    [
        ("attribute_exists('ss')", "Operator or function requires a document path; operator or function: attribute_exists"),
        ("attribute_exists()", "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 0"),
        ("attribute_exists(ss, s)", "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"),
        ("EXISTS(ss)", "Unrecognized function: exists at 1:42:6"),
        ("set_add(ss, <<'x'>>) = ss", "Unrecognized function: set_add at 1:42:7"),
        ("s < true", "Incorrect operand type for operator or function; operator or function: <, operand type: BOOL"),
        ("attribute_exists(s) > false", "Incorrect operand type for operator or function; operator or function: >, operand type: BOOL"),
        ("attribute_type(s, 'X')", "Invalid attribute type name found; type: X, valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}"),
        ("s = MISSING", "MISSING must be compared using IS operator"),
        ("s IS DATE", "Unsupported data type for IS operator: DATE. Supported data types are [MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]"),
    ],
)  # fmt: skip
def test_condition_refusals(engine: Engine, condition: str, refusal: str):
    create_table(engine, "Things")
    assert message(engine, f"SELECT pk FROM Things WHERE pk = 't' AND {condition}") == refusal


def test_exists_is_for_transactions_only(music: Engine):
    assert message(music, "EXISTS(SELECT * FROM Music WHERE pk = 'a' AND sk = 1 AND x IS MISSING)") == (
        "EXISTS can only be used in ExecuteTransaction write requests."
    )  # fmt: skip


# ---------------------------------------------------------------------- the oracle
ITEMS = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c"]),
        st.integers(min_value=0, max_value=30),
        st.integers(min_value=0, max_value=5),
        st.integers(min_value=0, max_value=3_000),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(
    items=ITEMS,
    partition=st.sampled_from(["a", "b", "c", "d"]),
    operator=st.sampled_from(["=", "<", "<=", ">", ">=", "BETWEEN", None]),
    bound=st.integers(min_value=0, max_value=30),
    score=st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
    limit=st.one_of(st.none(), st.integers(min_value=1, max_value=7)),
    consistent=st.booleans(),
    forward=st.booleans(),
)
def test_select_by_partition_key_returns_what_the_equivalent_query_returns(
    items: list[tuple[str, int, int, int]],
    partition: str,
    operator: str | None,
    bound: int,
    score: int | None,
    limit: int | None,
    consistent: bool,
    forward: bool,
) -> None:
    engine = Engine(SimClock(frozen_at=FROZEN_AT))
    create_table(engine, "Tbl", partition=("pk", "S"), sort=("sk", "N"))
    for pk, sk, points, padding in items:
        item = {"pk": s(pk), "sk": n(sk), "score": n(points), "pad": s("x" * padding)}
        engine.call("PutItem", {"TableName": "Tbl", "Item": item})
    where = "pk = ?"
    parameters: list[dict[str, Any]] = [s(partition)]
    key_condition = "pk = :p"
    values: dict[str, Any] = {":p": s(partition)}
    if operator == "BETWEEN":
        where += " AND sk BETWEEN ? AND ?"
        parameters += [n(bound), n(bound + 10)]
        key_condition += " AND sk BETWEEN :l AND :h"
        values.update({":l": n(bound), ":h": n(bound + 10)})
    elif operator is not None:
        where += f" AND sk {operator} ?"
        parameters.append(n(bound))
        key_condition += f" AND sk {operator} :l"
        values[":l"] = n(bound)
    query: dict[str, Any] = {
        "TableName": "Tbl",
        "KeyConditionExpression": key_condition,
        "ExpressionAttributeValues": values,
        "ConsistentRead": consistent,
        "ScanIndexForward": forward,
        "ReturnConsumedCapacity": "TOTAL",
    }
    if score is not None:
        where += " AND score >= ?"
        parameters.append(n(score))
        query["FilterExpression"] = "score >= :s"
        values[":s"] = n(score)
    if limit is not None:
        query["Limit"] = limit
    statement = f"SELECT * FROM Tbl WHERE {where} ORDER BY sk {'ASC' if forward else 'DESC'}"
    token = None
    for _ in range(100):
        request: dict[str, Any] = {
            "Statement": statement,
            "Parameters": parameters,
            "ConsistentRead": consistent,
            "ReturnConsumedCapacity": "TOTAL",
        }
        if limit is not None:
            request["Limit"] = limit
        if token is not None:
            request["NextToken"] = token
        ours = engine.call("ExecuteStatement", request)
        theirs = engine.call("Query", query)
        assert ours["Items"] == theirs["Items"]
        assert ours["ConsumedCapacity"] == theirs["ConsumedCapacity"]
        assert ours.get("LastEvaluatedKey") == theirs.get("LastEvaluatedKey")
        token = ours.get("NextToken")
        if "LastEvaluatedKey" not in theirs:
            assert token is None
            break
        query["ExclusiveStartKey"] = theirs["LastEvaluatedKey"]
    else:
        raise AssertionError("did not finish")
