"""The instructor's dashboard: the grid, the misconceptions, a learner's page, reports and
exports, each with its JSON twin, from real sandbox calls and real progress rows."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dynalab.classroom import services
from dynalab.course.lessons import get_course
from dynalab.course.models import Learner, LessonVisit, QuizAnswer, StepProgress
from dynalab.sandboxes import services as sandbox_services
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.models import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)

LAB = "query-and-scan/scan-vs-query"


def _progress(user, *, step: int, passed: bool, solution_first: bool = False) -> None:
    learner, _ = Learner.objects.get_or_create(user=user)
    now = timezone.now()
    StepProgress.objects.create(
        learner=learner,
        lesson="query-and-scan",
        lab="scan-vs-query",
        step=step,
        attempts=2,
        passed_at=now if passed else None,
        solution_shown_at=now - timedelta(minutes=1) if solution_first else None,
        passed_with_solution=passed and solution_first,
    )


def _answer(user, quiz: str, answer: str, correct: bool) -> None:
    learner, _ = Learner.objects.get_or_create(user=user)
    QuizAnswer.objects.create(
        learner=learner,
        lesson="query-and-scan",
        quiz=quiz,
        answer=answer,
        correct=correct,
        answered_at=timezone.now(),
    )


def _set_up_orders(user) -> Sandbox:
    """The lesson's own setup (ShopOrders, 100 orders) in the learner's sandbox."""
    sandbox = sandbox_services.sandbox_for_user(user)
    for request in get_course().lesson("query-and-scan").setup:
        sandbox_services.execute(sandbox, request.operation, request.body, source="lesson")
    return sandbox


def _cells(client, classroom) -> dict[tuple[str, str], str]:
    data = client.get(reverse("classroom:dashboard", args=[classroom.pk]) + "?format=json").json()
    return {
        (row["username"], key): cell["status"]
        for row in data["learners"]
        for key, cell in row["cells"].items()
    }


def test_the_grid_shows_each_step_and_quiz_as_the_learner_left_it(
    classroom, learner, instructor_client
) -> None:
    _progress(learner, step=1, passed=True)
    _progress(learner, step=2, passed=True, solution_first=True)
    _progress(learner, step=3, passed=False)
    _answer(learner, "scan-cost", "8", False)
    _answer(learner, "scan-cost", "4", True)
    _answer(
        learner,
        "empty-page",
        "The two items it read did not match; there are more to read, so ask for the next page",
        True,
    )

    cells = _cells(instructor_client, classroom)

    assert cells[("ada", f"{LAB}/1")] == "done"
    assert cells[("ada", f"{LAB}/2")] == "solution"
    assert cells[("ada", f"{LAB}/3")] == "in_progress"
    assert cells[("ada", "query-and-scan/scan-cost")] == "later"
    assert cells[("ada", "query-and-scan/empty-page")] == "first_try"
    page = instructor_client.get(reverse("classroom:dashboard", args=[classroom.pk]))
    assert page["Link"].endswith('rel="alternate"; type="application/json"')
    html = page.content.decode()
    assert f'data-column="{LAB}/2" data-status="solution"' in html
    assert 'hx-trigger="every 5s"' in html
    assert 'colspan="5"' in html and "8. Query and Scan" in html  # 3 steps and 2 quizzes


def test_the_polled_partial_is_the_grid_alone(classroom, learner, instructor_client) -> None:
    _progress(learner, step=1, passed=True)
    partial = instructor_client.get(
        reverse("classroom:dashboard", args=[classroom.pk]), HTTP_HX_REQUEST="true"
    )
    html = partial.content.decode()
    assert html.lstrip().startswith("{#") is False
    assert html.lstrip().startswith('<div id="progress-grid"')
    assert "<html" not in html
    assert 'data-status="done"' in html


def test_grid_cells_escape_what_a_learner_chose_and_show_when_in_local_time(
    classroom, django_user_model, instructor_client, settings
) -> None:
    """The grid's cells are built in Python (classroom_tags.grid_cells): the username is the
    one value in them a learner chose, so it must arrive escaped."""
    settings.TIME_ZONE = "Europe/Paris"
    odd = django_user_model.objects.create_user('x"><b>&y', password="a long passphrase 9")
    services.join(classroom, learner=odd)
    _progress(odd, step=1, passed=True)
    passed = StepProgress.objects.get(learner__user=odd).passed_at
    local = timezone.localtime(passed, timezone.get_current_timezone())

    html = instructor_client.get(
        reverse("classroom:dashboard", args=[classroom.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert 'x"><b>&y' not in html
    cell = f'data-learner="x&quot;&gt;&lt;b&gt;&amp;y" data-column="{LAB}/1" data-status="done"'
    assert cell in html
    assert f'title="{local:%Y-%m-%d %H:%M}">' in html.split(cell, 1)[1][:40]
    assert 'aria-label="not answered">·</span>' in html


def test_misconceptions_name_the_learners_concerned(classroom, learner, instructor_client) -> None:
    sandbox = _set_up_orders(learner)
    learner_row, _ = Learner.objects.get_or_create(user=learner)
    LessonVisit.objects.create(
        learner=learner_row,
        lesson="query-and-scan",
        first_visited_at=timezone.now() - timedelta(minutes=5),
        last_visited_at=timezone.now(),
    )
    sandbox_services.execute(
        sandbox,
        "Scan",
        {
            "TableName": "ShopOrders",
            "FilterExpression": "customer = :c",
            "ExpressionAttributeValues": {":c": {"S": "c03"}},
        },
    )
    with pytest.raises(ServiceError):
        sandbox_services.execute(sandbox, "GetItem", {"TableName": "Nope", "Key": {}})
    _answer(learner, "scan-cost", "8", False)

    found = instructor_client.get(
        reverse("classroom:misconceptions", args=[classroom.pk]) + "?format=json"
    ).json()

    scan = found["scans_where_query_fits"][0]
    assert (scan["learner"]["username"], scan["tables"], scan["query_on"]) == (
        "ada",
        ["ShopOrders"],
        "(table)",
    )
    costly = {entry["step"]: entry for entry in found["costly_reads"]}
    # The Scan read ~30 KB (4 RCU); step 2's model answer, a Query, reads c03's ten orders.
    assert f"{LAB}/2" in costly and costly[f"{LAB}/2"]["ratio"] >= 5
    assert f"{LAB}/1" not in costly  # step 1's model answer is that very Scan
    codes = {entry["code"]: entry for entry in found["error_codes"]}
    assert codes["ResourceNotFoundException"]["learners"][0]["username"] == "ada"
    missed = found["missed_quiz_questions"][0]
    assert missed["quiz"] == "query-and-scan/scan-cost"
    assert missed["learners"][0]["first_answer"] == "8"
    page = instructor_client.get(reverse("classroom:misconceptions", args=[classroom.pk]))
    assert b"Scanned where a Query fits" in page.content
    assert b'data-learner="ada"' in page.content


def test_the_learner_page_shows_their_tables_timeline_and_reports(
    classroom, learner, learner_client, instructor_client
) -> None:
    sandbox = sandbox_services.sandbox_for_user(learner)
    sandbox_services.execute(
        sandbox,
        "CreateTable",
        {
            "TableName": "Pets",
            "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "name", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    sandbox_services.execute(
        sandbox, "PutItem", {"TableName": "Pets", "Item": {"name": {"S": "<b>Rex</b>"}}}
    )
    learner_client.post(
        reverse("classroom:report"), {"message": "My <script> Query is empty", "page": "/query/"}
    )

    url = reverse("classroom:learner", args=[classroom.pk, learner.pk])
    page = instructor_client.get(url).content.decode()
    data = instructor_client.get(url + "?format=json").json()

    assert data["tables"][0]["name"] == "Pets"
    assert data["tables"][0]["items"] == [{"name": {"S": "<b>Rex</b>"}}]
    assert [e["operation"] for e in data["timeline"] if e["kind"] == "call"][:2] == [
        "PutItem",
        "CreateTable",
    ]
    assert data["reports"][0]["message"] == "My <script> Query is empty"
    assert "<b>Rex</b>" not in page and "&lt;b&gt;Rex&lt;/b&gt;" in page
    assert "My <script>" not in page
    before = Sandbox.objects.filter(owner=learner).count()
    assert b"Reset" in instructor_client.get(url).content
    # A sandbox read from the dashboard records no call in the learner's activity.
    assert sandbox_services.execute(sandbox, "Scan", {"TableName": "Pets"})["Count"] == 1
    assert Sandbox.objects.filter(owner=learner).count() == before


def test_resetting_a_learner_keeps_the_old_sandbox_in_their_history(
    classroom, learner, instructor_client
) -> None:
    old = sandbox_services.sandbox_for_user(learner)
    sandbox_services.execute(
        old,
        "CreateTable",
        {
            "TableName": "Pets",
            "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "name", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    url = reverse("classroom:reset_learner", args=[classroom.pk, learner.pk])

    confirm = instructor_client.get(url)
    assert Sandbox.objects.get(pk=old.pk).is_active  # a GET only asks
    done = instructor_client.post(url)

    assert confirm.status_code == 200 and b"Yes, reset their sandbox" in confirm.content
    assert done.status_code == 302
    old.refresh_from_db()
    new = Sandbox.objects.get(owner=learner, is_active=True)
    assert not old.is_active and old.replaced_by_id == new.pk
    data = instructor_client.get(
        reverse("classroom:learner", args=[classroom.pk, learner.pk]) + "?format=json"
    ).json()
    assert [s["active"] for s in data["sandboxes"]] == [True, False]
    assert data["tables"] == []
    reset = next(e for e in data["timeline"] if e.get("operation") == "ResetSandbox")
    assert reset["kind"] == "call"
    assert "CreateTable" in [e.get("operation") for e in data["timeline"]]  # history kept


def test_a_report_carries_the_page_the_last_call_and_the_sandbox_state(
    classroom, learner, learner_client, instructor_client
) -> None:
    sandbox = sandbox_services.sandbox_for_user(learner)
    with pytest.raises(ServiceError):
        sandbox_services.execute(
            sandbox,
            "Query",
            {
                "TableName": "Missing",
                "KeyConditionExpression": "k = :k",
                "ExpressionAttributeValues": {":k": {"S": "x"}},
            },
        )

    page = learner_client.get(reverse("classroom:report") + "?page=/query/%3Ftable%3DMissing")
    sent = learner_client.post(
        reverse("classroom:report"),
        {"message": "Query says not found", "page": "/query/?table=Missing"},
    )

    assert page.status_code == 200 and b"/query/?table=Missing" in page.content
    assert sent.status_code == 302 and sent["Location"] == "/query/?table=Missing"
    inbox = instructor_client.get(
        reverse("classroom:reports", args=[classroom.pk]) + "?format=json"
    ).json()["reports"]
    report = inbox[0]
    assert report["message"] == "Query says not found"
    assert report["page"] == "/query/?table=Missing"
    assert report["sandbox_id"] == str(sandbox.pk)
    assert report["last_call"]["operation"] == "Query"
    assert report["last_call"]["status"] == "ResourceNotFoundException"
    assert report["last_call"]["request"]["TableName"] == "Missing"
    html = instructor_client.get(reverse("classroom:reports", args=[classroom.pk])).content
    assert b"Query says not found" in html and b"ResourceNotFoundException" in html


def test_a_report_page_off_the_site_is_dropped(
    classroom, learner_client, instructor_client
) -> None:
    learner_client.post(
        reverse("classroom:report"), {"message": "hi", "page": "https://evil.example/x"}
    )
    inbox = instructor_client.get(
        reverse("classroom:reports", args=[classroom.pk]) + "?format=json"
    ).json()["reports"]
    assert inbox[0]["page"] == ""


def test_a_learner_in_no_class_is_told_there_is_no_instructor(django_user_model) -> None:
    from tests.support.classroom import logged_in

    client = logged_in(django_user_model.objects.create_user("solo", password="pass phrase x"))
    response = client.post(reverse("classroom:report"), {"message": "help", "page": "/"})
    assert response.status_code == 200
    assert b"You are not in a class yet" in response.content


def test_the_exports_hold_the_grid_and_the_misconceptions(
    classroom, learner, instructor_client, django_user_model
) -> None:
    _progress(learner, step=1, passed=True)
    sneaky = django_user_model.objects.create_user("=HYPERLINK", password="pass phrase y")
    services.join(classroom, learner=sneaky)

    grid_csv = instructor_client.get(
        reverse("classroom:export", args=[classroom.pk, "grid", "csv"])
    )
    rows = list(csv.reader(io.StringIO(grid_csv.content.decode())))
    grid_json = json.loads(
        instructor_client.get(
            reverse("classroom:export", args=[classroom.pk, "grid", "json"])
        ).content
    )
    found_csv = instructor_client.get(
        reverse("classroom:export", args=[classroom.pk, "misconceptions", "csv"])
    )

    assert grid_csv["Content-Disposition"] == 'attachment; filename="dynamodb-101-grid.csv"'
    header = rows[0]
    ada = next(row for row in rows if row[0] == "ada")
    assert ada[header.index(f"{LAB}/1")] == "done"
    assert any(row[0] == "'=HYPERLINK" for row in rows)  # not a formula in a spreadsheet
    assert grid_json["learners"][0]["cells"][f"{LAB}/1"]["status"] == "done"
    assert found_csv.content.decode().splitlines()[0] == "kind,username,where,detail,figure"
    assert (
        instructor_client.get(
            reverse("classroom:export", args=[classroom.pk, "nothing", "csv"])
        ).status_code
        == 404
    )


def test_the_learner_page_shows_their_tables_in_every_region(
    classroom, learner, learner_client, instructor_client
) -> None:
    sandbox = sandbox_services.sandbox_for_user(learner)
    pets = {
        "TableName": "Pets",
        "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "name", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    for region, pet in (("eu-west-1", "Rex"), ("us-east-1", "Tom")):
        sandbox_services.execute(sandbox, "CreateTable", pets, region=region)
        sandbox_services.execute(
            sandbox, "PutItem", {"TableName": "Pets", "Item": {"name": {"S": pet}}}, region=region
        )

    url = reverse("classroom:learner", args=[classroom.pk, learner.pk])
    page = instructor_client.get(url).content.decode()
    data = instructor_client.get(url + "?format=json").json()

    assert [(t["name"], t["region"], t["items"]) for t in data["tables"]] == [
        ("Pets", "eu-west-1", [{"name": {"S": "Rex"}}]),
        ("Pets", "us-east-1", [{"name": {"S": "Tom"}}]),
    ]
    assert "in eu-west-1" in page and "in us-east-1" in page
    calls = [e for e in data["timeline"] if e["kind"] == "call"]
    assert [(e["operation"], e["region"]) for e in calls][:2] == [
        ("PutItem", "us-east-1"),
        ("CreateTable", "us-east-1"),
    ]
