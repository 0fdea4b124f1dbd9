"""The request runner: any operation as JSON, run in the learner's sandbox."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.workbench import create_table, execute

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_lesson_link_fills_the_form_without_running_it(learner: Client) -> None:
    request = {"TableName": "Orders", "Item": {"customer": {"S": "ann"}}}
    url = (
        reverse("console:run")
        + "?"
        + urlencode({"operation": "PutItem", "request": json.dumps(request)})
    )
    page = learner.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="PutItem" selected>' in html
    assert "&quot;customer&quot;" in html  # the JSON, escaped inside the textarea
    assert "Response" not in html  # nothing ran


def test_running_a_write_shows_the_response_capacity_and_code(learner: Client) -> None:
    create_table(learner)
    item = {"customer": {"S": "ann"}, "order_date": {"S": "2024-01-01"}, "note": {"S": "x" * 1500}}
    page = learner.post(
        reverse("console:run"),
        {"operation": "PutItem", "request": json.dumps({"TableName": "Orders", "Item": item})},
    )
    assert page.status_code == 200
    html = page.content.decode()
    # 1,500-odd bytes: two write units of 1 KB.
    assert "Orders</span>: 2 capacity units" in html
    assert "put_item(" in html and "aws dynamodb put-item" in html
    stored = execute(
        learner,
        "GetItem",
        {
            "TableName": "Orders",
            "Key": {"customer": {"S": "ann"}, "order_date": {"S": "2024-01-01"}},
        },
    )
    assert stored["Item"]["note"] == {"S": "x" * 1500}


def test_service_errors_and_bad_input_are_shown_not_raised(learner: Client) -> None:
    page = learner.post(
        reverse("console:run"),
        {
            "operation": "GetItem",
            "request": json.dumps({"TableName": "Nope", "Key": {"k": {"S": "a"}}}),
        },
    )
    assert page.status_code == 200
    assert "ResourceNotFoundException" in page.content.decode()
    bad_json = learner.post(reverse("console:run"), {"operation": "GetItem", "request": "{oops"})
    assert bad_json.status_code == 400
    assert "The request is not valid JSON" in bad_json.content.decode()
    assert "{oops" in bad_json.content.decode()  # what the learner typed is kept
    unknown = learner.post(reverse("console:run"), {"operation": "DropEverything", "request": "{}"})
    assert unknown.status_code == 400
    assert "is not an operation this engine answers" in unknown.content.decode()
    # A real DynamoDB operation DynaLab does not simulate says so, and why.
    export = learner.post(reverse("console:run"), {"operation": "ListExports", "request": "{}"})
    assert export.status_code == 400
    assert "ListExports is a DynamoDB operation that DynaLab does not simulate" in (
        export.content.decode()
    )
    assert "Amazon S3" in export.content.decode()


def test_typed_values_are_escaped(learner: Client) -> None:
    create_table(learner)
    item = {
        "customer": {"S": "<script>alert(1)</script>"},
        "order_date": {"S": "2024"},
    }
    page = learner.post(
        reverse("console:run"),
        {
            "operation": "PutItem",
            "request": json.dumps({"TableName": "Orders", "Item": item, "ReturnValues": "NONE"}),
        },
    )
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content.decode()


def test_the_runner_is_csrf_protected(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    refused = client.post(reverse("console:run"), {"operation": "ListTables", "request": "{}"})
    assert refused.status_code == 403


def test_lessons_open_their_requests_in_the_runner(learner: Client) -> None:
    page = learner.get(reverse("course:lesson", args=["primary-keys"]))
    assert page.status_code == 200
    html = page.content.decode()
    link = reverse("console:run") + "?operation="
    assert link in html
    start = html.index(link)
    href = html[start : html.index('"', start)].replace("&amp;", "&")
    opened = learner.get(href)
    assert opened.status_code == 200
    assert "selected" in opened.content.decode()


def test_the_runner_is_in_the_navigation(learner: Client) -> None:
    html = learner.get(reverse("console:tables")).content.decode()
    assert f'href="{reverse("console:run")}"' in html and "Run a request" in html


def test_picking_an_operation_fills_a_template_for_the_learners_table(learner: Client) -> None:
    create_table(learner, "Orders")
    execute(
        learner,
        "PutItem",
        {
            "TableName": "Orders",
            "Item": {"customer": {"S": "ann"}, "order_date": {"S": "2024"}, "total": {"N": "3"}},
        },
    )

    page = learner.get(reverse("console:run"), {"operation": "GetItem", "template": "1"})

    form = page.context["form"]
    assert form.request == {
        "TableName": "Orders",
        "Key": {"customer": {"S": "ann"}, "order_date": {"S": "2024"}},
        "ConsistentRead": True,
    }
    query = learner.get(reverse("console:run"), {"operation": "Query", "template": "1"})
    assert query.context["form"].request["ExpressionAttributeValues"] == {":pk": {"S": "ann"}}
    # The template runs as it is.
    ran = learner.post(
        reverse("console:run"),
        {"operation": "GetItem", "request": json.dumps(form.request)},
    )
    assert "&quot;total&quot;: {" in ran.content.decode()


def test_every_operation_has_a_template_that_is_a_json_object(learner: Client) -> None:
    create_table(learner, "Orders")
    for name in [
        o for g in learner.get(reverse("console:run")).context["groups"] for o in g["operations"]
    ]:
        page = learner.get(reverse("console:run"), {"operation": name, "template": "1"})
        assert page.status_code == 200, name
        assert isinstance(page.context["form"].request, dict), name
        assert "TableName" not in page.context["form"].request or (
            page.context["form"].request["TableName"].startswith("Orders")
        ), name


def test_dynalabs_own_operations_are_marked(learner: Client) -> None:
    page = learner.get(reverse("console:run"), {"operation": "SimulateWriteBurst", "template": "1"})
    html = page.content.decode()
    assert '<optgroup label="DynaLab&#x27;s own (not part of AWS)">' in html
    assert ">SimulateWriteBurst (DynaLab)</option>" in html
    assert "Not part of the DynamoDB API: no AWS SDK or CLI has it." in html
    get_item = learner.get(reverse("console:run"), {"operation": "GetItem", "template": "1"})
    assert (
        "(DynaLab)" not in get_item.content.decode().split('data-testid="operation-facts"')[1][:300]
    )


def test_a_stream_call_is_written_for_the_streams_client(learner: Client) -> None:
    page = learner.post(
        reverse("console:run"),
        {"operation": "ListStreams", "request": "{}"},
    )
    html = page.content.decode()
    assert "&quot;dynamodbstreams&quot;" in html or '"dynamodbstreams"' in html
    assert "aws dynamodbstreams list-streams" in html


def test_templates_before_any_table_need_one_only_where_the_call_does(learner: Client) -> None:
    """With no table yet, an account-wide call's template is ready to run; a table's call
    names what is missing."""

    def template(operation: str) -> str:
        html = learner.get(reverse("console:run") + "?" + urlencode({"operation": operation}))
        text = html.content.decode()
        start = text.index(">", text.index('id="run-request"')) + 1
        return text[start : text.index("</textarea>", start)].strip()

    assert template("DescribeLimits") == "{}"
    assert template("ListTables") == "{}"
    assert "create a table first" in template("GetItem")
    ran = learner.post(reverse("console:run"), {"operation": "DescribeLimits", "request": "{}"})
    assert ran.status_code == 200
    assert "TableMaxReadCapacityUnits" in ran.content.decode()
