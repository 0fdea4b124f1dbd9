"""The Query and Scan builder, its capacity receipt, Query against Scan, and the bookshelf."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.workbench import HTMX, by_testid, create_table, execute, padded_item, text

QUERY = reverse("console:query")


@pytest.fixture
def orders(learner: Client) -> Client:
    """Orders: ann has three 1,500-byte orders in 2023-2025, bob one; 7 items in all."""
    create_table(learner)
    items = [
        padded_item("ann", "2023-01-10", 1500, status="SHIPPED"),
        padded_item("ann", "2024-03-02", 1500, status="PLACED"),
        padded_item("ann", "2025-07-19", 1500, status="SHIPPED"),
        padded_item("bob", "2024-01-01", 800, status="PLACED"),
        padded_item("cy", "2024-02-02", 300, status="PLACED"),
        padded_item("dee", "2024-02-02", 300, status="PLACED"),
        padded_item("eve", "2024-02-02", 300, status="PLACED"),
    ]
    for item in items:
        execute(learner, "PutItem", {"TableName": "Orders", "Item": item})
    return learner


def run(client: Client, **params: str):
    return client.get(QUERY, {"table": "Orders", "mode": "query", **params})


def test_a_link_naming_only_the_table_opens_the_builder_without_running(orders: Client) -> None:
    response = orders.get(QUERY, {"table": "Orders"})

    assert response.status_code == 200
    assert response.context["outcome"].result is None
    assert "customer =" in text(response.content)


def test_a_guided_query_reads_one_partition(orders: Client) -> None:
    response = run(orders, pk="ann")

    assert response.status_code == 200
    result = response.context["outcome"].result
    assert result.request["KeyConditionExpression"] == "customer = :pk"
    assert result.request["ExpressionAttributeValues"] == {":pk": {"S": "ann"}}
    assert result.response["Count"] == 3


@pytest.mark.parametrize(
    ("operator", "values", "expected"),
    [
        ("=", {"sk": "2024-03-02"}, ["2024-03-02"]),
        ("<", {"sk": "2024"}, ["2023-01-10"]),
        ("<=", {"sk": "2024-03-02"}, ["2023-01-10", "2024-03-02"]),
        (">", {"sk": "2024"}, ["2024-03-02", "2025-07-19"]),
        (">=", {"sk": "2025-07-19"}, ["2025-07-19"]),
        ("BETWEEN", {"sk": "2024", "sk2": "2025"}, ["2024-03-02"]),
        ("begins_with", {"sk": "2025"}, ["2025-07-19"]),
    ],
)
def test_each_sort_key_operator(
    orders: Client, operator: str, values: dict, expected: list
) -> None:
    response = run(orders, pk="ann", sk_op=operator, **values)

    items = response.context["outcome"].result.response["Items"]
    assert [item["order_date"]["S"] for item in items] == expected


def test_descending_order_and_a_reserved_word_placeholder(orders: Client) -> None:
    response = run(
        orders, pk="ann", order="desc", projection="order_date, #s", names='{"#s": "status"}'
    )

    request = response.context["outcome"].result.request
    assert request["ScanIndexForward"] is False
    items = response.context["outcome"].result.response["Items"]
    assert [item["order_date"]["S"] for item in items] == ["2025-07-19", "2024-03-02", "2023-01-10"]
    assert set(items[0]) == {"order_date", "status"}


def test_query_pages_follow_last_evaluated_key_in_the_url(orders: Client) -> None:
    first = run(orders, pk="ann", limit="2")
    next_params = first.context["next_page_params"]
    assert json.loads(next_params["start"]) == {
        "customer": {"S": "ann"},
        "order_date": {"S": "2024-03-02"},
    }
    assert next_params["pk"] == "ann" and next_params["limit"] == "2"

    second = orders.get(QUERY, next_params)

    items = second.context["outcome"].result.response["Items"]
    assert [item["order_date"]["S"] for item in items] == ["2025-07-19"]
    assert second.context["next_page_params"] is None
    assert "First page" in text(second.content)


def test_three_items_of_1500_bytes_eventually_consistent_cost_one_rcu(orders: Client) -> None:
    html = run(orders, pk="ann").content

    assert by_testid(html, "scanned-count") == "3"
    assert by_testid(html, "read-bytes") == "4,500"
    assert by_testid(html, "rcu") == "1.0 RCU"
    arithmetic = by_testid(html, "capacity-arithmetic")
    assert "3 items read, 4,500 bytes in all" in arithmetic
    assert "2 units of 4 KB" in arithmetic
    assert "eventually consistent: half an RCU per unit = 1.0 RCU" in arithmetic
    receipt = text(html)
    assert "customer = ann, order_date = 2023-01-10 1,500" in receipt


def test_a_strongly_consistent_read_costs_the_full_unit(orders: Client) -> None:
    html = run(orders, pk="ann", consistent="1").content

    assert by_testid(html, "rcu") == "2.0 RCU"
    assert "strongly consistent: 1 RCU per unit = 2.0 RCU" in by_testid(html, "capacity-arithmetic")


def test_a_filter_does_not_reduce_the_bill(orders: Client) -> None:
    html = run(
        orders, pk="ann", filter="#s = :s", names='{"#s": "status"}', values='{":s": "PLACED"}'
    ).content

    assert by_testid(html, "count") == "1"
    assert by_testid(html, "scanned-count") == "3"
    assert by_testid(html, "rcu") == "1.0 RCU"
    page = text(html)
    assert "The filter kept 1 of the 3 items read; you paid for all 3." in page
    assert "filtered out" in page


def test_limit_before_filter_explains_the_empty_page(orders: Client) -> None:
    response = run(
        orders,
        pk="ann",
        limit="1",
        filter="#s = :s",
        names='{"#s": "status"}',
        values='{":s": "PLACED"}',
    )

    outcome = response.context["outcome"]
    assert outcome.result.response["Count"] == 0
    assert "LastEvaluatedKey" in outcome.result.response
    explanation = by_testid(response.content, "limit-before-filter")
    assert "An empty page that is not the end" in explanation
    assert "applies Limit before the filter" in explanation
    assert "your Limit of 1" in explanation


def test_a_scan_reads_every_item(orders: Client) -> None:
    response = orders.get(QUERY, {"table": "Orders", "mode": "scan"})

    html = response.content
    assert by_testid(html, "scanned-count") == "7"
    assert by_testid(html, "read-bytes") == f"{3 * 1500 + 800 + 3 * 300:,}"
    assert by_testid(html, "rcu") == "1.0 RCU"  # 6,200 bytes: 2 units, halved


def test_a_wrong_typed_partition_value_is_shown_on_the_partition_field(learner: Client) -> None:
    create_table(learner, "Numbers", partition_key="id", partition_type="N", sort_key="")

    response = learner.get(QUERY, {"table": "Numbers", "mode": "query", "pk": "abc"})

    assert response.status_code == 400
    html = response.content.decode()
    errors = html.split('id="q-pk-errors"')[1].split("</ul>")[0]
    assert "ValidationException" in errors
    assert 'value="abc"' in html


def test_a_query_without_a_partition_value_asks_for_it(orders: Client) -> None:
    response = run(orders)

    errors = response.content.decode().split('id="q-pk-errors"')[1].split("</ul>")[0]
    assert "a Query reads exactly one partition" in errors


def test_a_bad_raw_key_condition_is_shown_on_its_field(orders: Client) -> None:
    response = run(orders, key_condition="customer = :c AND", values='{":c": "ann"}')

    html = response.content.decode()
    errors = html.split('id="q-key_condition-errors"')[1].split("</ul>")[0]
    assert "Invalid KeyConditionExpression: Syntax error" in errors
    assert 'value="customer = :c AND"' in html


def test_a_bad_filter_is_shown_on_the_filter_field(orders: Client) -> None:
    response = run(orders, pk="ann", filter="total >")

    errors = response.content.decode().split('id="q-filter-errors"')[1].split("</ul>")[0]
    assert "Invalid FilterExpression" in errors


def test_the_query_shows_its_request_as_boto3_and_cli(orders: Client) -> None:
    html = run(orders, pk="ann", sk_op=">=", sk="2024").content.decode()

    assert "response = client.query(" in html
    assert "KeyConditionExpression=&quot;customer = :pk AND order_date &gt;= :sk&quot;" in html
    assert "aws dynamodb query" in html
    assert "--key-condition-expression &#x27;customer = :pk AND order_date &gt;= :sk&#x27;" in html
    assert "--no-paginate" in html


def test_the_query_page_has_a_json_twin(orders: Client) -> None:
    response = run(orders, pk="bob", format="json")

    data = json.loads(response.content)
    assert data["Count"] == 1
    assert data["Items"][0]["customer"] == {"S": "bob"}
    assert "ConsumedCapacity" in data


def test_a_refused_query_has_a_json_error_twin(orders: Client) -> None:
    response = run(orders, key_condition="nonsense", format="json")

    assert response.status_code == 400
    assert json.loads(response.content)["__type"] == "ValidationException"


def test_htmx_gets_only_the_workspace(orders: Client) -> None:
    response = orders.get(QUERY, {"table": "Orders", "mode": "query", "pk": "ann"}, **HTMX)

    assert [t.name for t in response.templates][0] == "console/_query_workspace.html"
    assert "<html" not in response.content.decode()


def test_query_against_scan_compares_items_examined_and_capacity(orders: Client) -> None:
    response = orders.get(
        reverse("console:compare"),
        {"table": "Orders", "mode": "query", "pk": "ann", "sk_op": ">=", "sk": "2024"},
    )

    comparison = response.context["comparison"]
    assert comparison.query.returned == comparison.scan.returned == 2
    assert comparison.query.scanned == 2
    assert comparison.scan.scanned == 7
    assert comparison.query.units == 0.5
    assert comparison.scan.units == 1.0
    scan_request = comparison.scan.first.request
    assert scan_request["FilterExpression"] == "customer = :pk AND order_date >= :sk"
    summary = by_testid(response.content, "compare-summary")
    assert "The Query read 2 and consumed 0.5 RCU" in summary
    assert "the Scan read 7 and consumed 1.0 RCU" in summary


def test_the_bookshelf_marks_the_range_a_query_reads(orders: Client) -> None:
    response = orders.get(
        reverse("console:bookshelf", args=["Orders"]),
        {"mode": "query", "pk": "ann", "sk_op": ">", "sk": "2024"},
    )

    picture = response.context["picture"]
    assert picture.shelf_count == 5
    assert picture.read_count == 2
    ann = next(shelf for shelf in picture.shelves if shelf.label == "ann")
    assert [book.read for book in ann.books] == [False, True, True]
    assert [segment.read for segment in ann.segments] == [False, True]
    assert all(shelf.visited is False for shelf in picture.shelves if shelf.label != "ann")
    # Wider books are bigger items.
    assert (
        ann.books[0].width_px
        > next(s for s in picture.shelves if s.label == "cy").books[0].width_px
    )


def test_the_bookshelf_shows_a_scan_sweeping_every_shelf(orders: Client) -> None:
    response = orders.get(reverse("console:bookshelf", args=["Orders"]), {"mode": "scan"})

    assert all(shelf.visited for shelf in response.context["picture"].shelves)
    assert "A Scan sweeps every shelf" in by_testid(response.content, "bookshelf-read")


def test_the_bookshelf_caps_big_tables(learner: Client) -> None:
    create_table(learner, "Wide", partition_key="p", sort_key="s")
    for start in range(0, 40 * 3, 25):
        batch = [
            {"PutRequest": {"Item": {"p": {"S": f"p{n // 3}"}, "s": {"S": f"{n % 3}"}}}}
            for n in range(start, min(start + 25, 120))
        ]
        execute(learner, "BatchWriteItem", {"RequestItems": {"Wide": batch}})

    response = learner.get(reverse("console:bookshelf", args=["Wide"]))

    picture = response.context["picture"]
    assert picture.shelf_count == 40
    assert len(picture.shelves) == 30
    assert "10 more shelves are not drawn" in text(response.content)


def test_the_bookshelf_has_a_json_twin(orders: Client) -> None:
    data = json.loads(
        orders.get(reverse("console:bookshelf", args=["Orders"]), {"format": "json"}).content
    )

    assert data["ShelfCount"] == 5
    assert sum(shelf["ItemCount"] for shelf in data["Shelves"]) == 7
