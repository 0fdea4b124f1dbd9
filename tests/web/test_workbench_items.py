"""The items explorer and the item editor: paging by URL, both JSON forms, CRUD, escaping."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from tests.support.workbench import HTMX, add_item, create_table, execute, text

HOSTILE = "<script>alert(1)</script>"


def items_url(table: str = "Orders") -> str:
    return reverse("console:items", args=[table])


def test_adding_an_item_from_plain_json_stores_typed_values(learner: Client) -> None:
    create_table(learner)

    response = add_item(
        learner,
        "Orders",
        {"customer": "ann", "order_date": "2024-05-01", "total": 12.50, "paid": True},
    )

    assert response.status_code == 302
    stored = execute(
        learner,
        "GetItem",
        {
            "TableName": "Orders",
            "Key": {"customer": {"S": "ann"}, "order_date": {"S": "2024-05-01"}},
        },
    )["Item"]
    assert stored["total"] == {"N": "12.5"}
    assert stored["paid"] == {"BOOL": True}
    html = learner.get(items_url()).content.decode()
    assert "response = client.put_item(" in html
    assert "aws dynamodb put-item" in html


def test_items_show_as_plain_or_dynamodb_json(learner: Client) -> None:
    create_table(learner)
    add_item(learner, "Orders", {"customer": "ann", "order_date": "2024", "total": 3})

    plain = learner.get(items_url()).content.decode()
    typed = learner.get(items_url(), {"view": "dynamodb"}).content.decode()

    assert (
        '<td class="max-w-xs truncate px-3 py-1.5 font-mono text-xs text-slate-800" title="3">3</td>'
        in plain
    )
    assert "{&quot;N&quot;: &quot;3&quot;}" in typed


def test_invalid_json_is_refused_inline_and_the_text_kept(learner: Client) -> None:
    create_table(learner)

    response = learner.post(
        reverse("console:item_new", args=["Orders"]),
        {"item": '{"customer": "ann",', "format": "plain"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    errors = html.split('id="item-json-errors"')[1].split("</div>")[0]
    assert "The item is not valid JSON" in errors
    assert "line 1" in errors
    assert "{&quot;customer&quot;: &quot;ann&quot;,</textarea>" in html


def test_an_item_the_engine_refuses_shows_the_engine_message(learner: Client) -> None:
    create_table(learner)

    response = add_item(learner, "Orders", {"customer": 5, "order_date": "2024"})

    assert response.status_code == 400
    errors = response.content.decode().split('id="item-json-errors"')[1].split("</div>")[0]
    assert "ValidationException" in errors
    assert "Type mismatch for key customer expected: S actual: N" in errors


def test_a_new_item_does_not_overwrite_an_existing_one(learner: Client) -> None:
    create_table(learner)
    add_item(learner, "Orders", {"customer": "ann", "order_date": "2024", "total": 1})

    response = add_item(learner, "Orders", {"customer": "ann", "order_date": "2024", "total": 2})

    assert "An item with this key already exists" in text(response.content)


def test_editing_an_item_replaces_it(learner: Client) -> None:
    create_table(learner)
    add_item(learner, "Orders", {"customer": "ann", "order_date": "2024", "total": 1})
    key = json.dumps({"customer": {"S": "ann"}, "order_date": {"S": "2024"}})
    edit_url = reverse("console:item_edit", args=["Orders"])

    form = learner.get(edit_url, {"key": key}).content.decode()
    assert "&quot;total&quot;: 1" in form

    response = learner.post(
        edit_url,
        {
            "key": key,
            "format": "plain",
            "item": json.dumps({"customer": "ann", "order_date": "2024", "total": 99}),
        },
    )

    assert response.status_code == 302
    assert "99" in text(learner.get(items_url()).content)


def test_editing_cannot_change_the_key(learner: Client) -> None:
    create_table(learner)
    add_item(learner, "Orders", {"customer": "ann", "order_date": "2024"})
    key = json.dumps({"customer": {"S": "ann"}, "order_date": {"S": "2024"}})

    response = learner.post(
        reverse("console:item_edit", args=["Orders"]),
        {
            "key": key,
            "format": "plain",
            "item": json.dumps({"customer": "bob", "order_date": "2024"}),
        },
    )

    assert response.status_code == 400
    assert "The key attributes cannot change" in text(response.content)


def test_a_set_is_edited_as_dynamodb_json_by_default(learner: Client) -> None:
    create_table(learner)
    item = {"customer": {"S": "ann"}, "order_date": {"S": "1"}, "tags": {"SS": ["a", "b"]}}
    add_item(learner, "Orders", item, typed=True)
    key = json.dumps({"customer": {"S": "ann"}, "order_date": {"S": "1"}})

    html = learner.get(reverse("console:item_edit", args=["Orders"]), {"key": key}).content
    assert "Item as DynamoDB JSON" in text(html)


def test_deleting_an_item_asks_then_deletes(learner: Client) -> None:
    create_table(learner)
    add_item(learner, "Orders", {"customer": "ann", "order_date": "2024"})
    key = json.dumps({"customer": {"S": "ann"}, "order_date": {"S": "2024"}})
    url = reverse("console:item_delete", args=["Orders"])

    assert "Delete this item?" in text(learner.get(url, {"key": key}).content)
    response = learner.post(url, {"key": key})

    assert response.status_code == 302
    page = learner.get(items_url()).content.decode()
    assert "This table has no items yet" in page
    assert "aws dynamodb delete-item" in page


def test_items_page_through_last_evaluated_key_in_the_url(learner: Client) -> None:
    create_table(learner)
    for number in range(30):
        execute(
            learner,
            "PutItem",
            {
                "TableName": "Orders",
                "Item": {"customer": {"S": f"c{number:02d}"}, "order_date": {"S": "x"}},
            },
        )

    first = learner.get(items_url())
    grid = first.context["grid"]
    assert len(grid.rows) == 25
    next_start = first.context["next_start"]
    assert json.loads(next_start) == first.context["result"].response["LastEvaluatedKey"]

    second = learner.get(items_url(), {"start": next_start})

    assert len(second.context["grid"].rows) == 5
    assert second.context["next_start"] is None
    seen = {row.key["customer"]["S"] for row in grid.rows} | {
        row.key["customer"]["S"] for row in second.context["grid"].rows
    }
    assert len(seen) == 30
    assert "First page" in text(second.content)


def test_paging_by_htmx_swaps_only_the_panel(learner: Client) -> None:
    create_table(learner)

    response = learner.get(items_url(), {"view": "dynamodb"}, **HTMX)

    assert [t.name for t in response.templates][0] == "console/_items_panel.html"
    assert "<html" not in response.content.decode()


def test_the_items_page_has_a_json_twin(learner: Client) -> None:
    create_table(learner)
    add_item(learner, "Orders", {"customer": "ann", "order_date": "2024"})

    data = json.loads(learner.get(items_url(), {"format": "json"}).content)

    assert data["Items"] == [{"customer": {"S": "ann"}, "order_date": {"S": "2024"}}]
    assert data["ScannedCount"] == 1


def test_values_a_learner_typed_are_escaped_everywhere(learner: Client) -> None:
    create_table(learner)
    add_item(learner, "Orders", {"customer": HOSTILE, "order_date": HOSTILE, "note": HOSTILE})
    key = json.dumps({"customer": {"S": HOSTILE}, "order_date": {"S": HOSTILE}})

    pages = [
        learner.get(items_url()),
        learner.get(items_url(), {"view": "dynamodb"}),
        learner.get(reverse("console:item_edit", args=["Orders"]), {"key": key}),
        learner.get(reverse("console:bookshelf", args=["Orders"])),
        learner.get(
            reverse("console:query"),
            {"table": "Orders", "mode": "query", "pk": HOSTILE, "filter": HOSTILE},
        ),
    ]

    for response in pages:
        html = response.content.decode()
        assert HOSTILE not in html, response.request["PATH_INFO"]
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, response.request["PATH_INFO"]
