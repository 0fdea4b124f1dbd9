"""The course's URLs: each view's wiring, the htmx partial against the page without JavaScript."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from dynalab.course import selectors
from tests.support.course import CREATE_BOOKS, FRONT, lab_lesson, quiz, write_lesson, yaml_block

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def course(lessons_dir: Path) -> Path:
    lab_lesson(lessons_dir, "01-books.md")
    front = {
        **FRONT,
        "title": "Setup lesson",
        "setup": [{"operation": "CreateTable", "request": CREATE_BOOKS}],
    }
    write_lesson(lessons_dir, "02-setup.md", yaml_block("quiz", quiz("wcu")), front=front)
    return lessons_dir


def test_the_course_index_lists_every_lesson(client: Client, course: Path) -> None:
    response = client.get("/learn/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('href="/learn/books/"') == 2  # the start link and the map
    assert 'href="/learn/setup/"' in html
    assert "2 short lessons, about 20 minutes in all" in html
    assert "Not started" in html


def test_the_nav_links_to_the_course(client: Client, course: Path) -> None:
    html = client.get("/learn/").content.decode()
    assert '<a href="/learn/" aria-current="page"' in html


def test_a_lesson_page(client: Client, course: Path) -> None:
    response = client.get("/learn/books/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "A test lesson" in html
    assert "Lesson 1 of 2" in html
    assert "Learn one thing" in html  # the objectives
    assert 'href="/learn/setup/"' in html  # next lesson


@pytest.mark.parametrize(
    "url",
    [
        "/learn/nope/",
        "/learn/books/requests/request-9/run/",
        "/learn/books/labs/nope/steps/1/check/",
        "/learn/books/labs/books-lab/steps/3/check/",
        "/learn/books/quizzes/nope/answer/",
        "/learn/books/setup/",  # this lesson has no setup
    ],
)
def test_unknown_things_are_404(client: Client, course: Path, url: str) -> None:
    method = client.get if url == "/learn/nope/" else client.post
    assert method(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/learn/books/requests/request-1/run/",
        "/learn/books/labs/books-lab/steps/1/check/",
        "/learn/books/labs/books-lab/steps/1/hint/",
        "/learn/books/labs/books-lab/steps/1/solution/",
        "/learn/setup/quizzes/wcu/answer/",
        "/learn/setup/setup/",
    ],
)
def test_actions_are_posts_with_csrf(course: Path, url: str) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403


def test_running_a_request_with_htmx_returns_the_result_alone(client: Client, course: Path) -> None:
    response = client.post("/learn/books/requests/request-1/run/", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "CreateTable succeeded in your sandbox." in html
    assert "Response" in html and "TableDescription" in html
    assert "HX-Request" in response["Vary"]


def test_running_a_request_without_javascript_returns_the_page_with_the_result(
    client: Client, course: Path
) -> None:
    response = client.post("/learn/books/requests/request-1/run/")
    html = response.content.decode()
    assert "<html" in html and "A test lesson" in html
    assert "CreateTable succeeded in your sandbox." in html


def test_the_result_shows_consumed_capacity(client: Client, course: Path) -> None:
    client.post("/learn/setup/setup/", **HTMX)
    html = client.post(
        "/learn/books/requests/books-lab-step-2-solution-1/run/", **HTMX
    ).content.decode()
    assert "Consumed capacity: 1 WCU" in html
    # The capacity was asked for by the site, not by the lesson: the response stays as the
    # lesson's request returns it.
    assert "ConsumedCapacity" not in html


def test_setup_prepares_the_sandbox_and_may_run_again(client: Client, course: Path) -> None:
    page = client.get("/learn/setup/").content.decode()
    assert "Prepare your sandbox" in page and "CreateTable Books" in page
    first = client.post("/learn/setup/setup/", **HTMX).content.decode()
    assert "Your sandbox is ready: 1 request ran." in first
    again = client.post("/learn/setup/setup/", **HTMX).content.decode()
    assert "1 table you already had was kept" in again


def test_checking_without_javascript_returns_the_page_with_the_verdict(
    client: Client, course: Path
) -> None:
    html = client.post("/learn/books/labs/books-lab/steps/1/check/").content.decode()
    assert "<html" in html
    assert 'role="status"' in html
    assert "Not yet." in html and "There is no table named Books" in html


def test_checking_with_htmx_returns_the_step_and_the_counter(client: Client, course: Path) -> None:
    html = client.post("/learn/books/labs/books-lab/steps/1/check/", **HTMX).content.decode()
    assert html.lstrip().startswith('<li id="lab-books-lab-step-1"')
    assert 'hx-swap-oob="true"' in html


def test_answering_without_javascript(client: Client, course: Path) -> None:
    html = client.post("/learn/setup/quizzes/wcu/answer/", {"answer": "3"}).content.decode()
    assert "<html" in html and "Correct." in html


def test_a_broken_lesson_shows_its_problems(client: Client, lessons_dir: Path) -> None:
    write_lesson(lessons_dir, "01-broken.md", "```request\nNoSuchOperation\n```\n")
    response = client.get("/learn/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "This lesson cannot be shown yet" in html
    assert "unknown operation &#x27;NoSuchOperation&#x27;" in html


def test_the_workbench_link_appears_when_the_workbench_takes_requests(
    client: Client, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = "Open in workbench" in client.get("/learn/books/").content.decode()
    assert shown is (selectors.workbench_path() is not None)

    monkeypatch.setattr(selectors, "workbench_path", lambda: "/console/run/")
    html = client.get("/learn/books/").content.decode()
    assert "Open in workbench" in html
    start = html.index('href="/console/run/?operation=CreateTable') + len('href="')
    url = html[start : html.index('"', start)].replace("&amp;", "&")
    query = parse_qs(urlsplit(url).query)
    assert query["operation"] == ["CreateTable"]
    assert json.loads(query["request"][0]) == CREATE_BOOKS


def test_the_course_map_has_a_json_twin(client: Client, course: Path) -> None:
    client.get("/learn/setup/")
    client.post("/learn/setup/quizzes/wcu/answer/", {"answer": "3"}, **HTMX)
    data = client.get("/learn/", {"format": "json"}).json()
    assert data["continue"] == {"slug": "books", "kind": "next"}
    assert [(lesson["slug"], lesson["status"]) for lesson in data["lessons"]] == [
        ("books", "not_started"),
        ("setup", "done"),
    ]
    assert data["lessons"][0]["steps"] == 2 and data["lessons"][1]["quizzes_correct"] == 1
    # A step passed after its solution was shown is counted apart.
    client.post("/learn/books/requests/request-1/run/", **HTMX)
    client.post("/learn/books/labs/books-lab/steps/1/hint/", **HTMX)
    client.post("/learn/books/labs/books-lab/steps/1/hint/", **HTMX)
    client.post("/learn/books/labs/books-lab/steps/1/solution/", **HTMX)
    client.post("/learn/books/labs/books-lab/steps/1/check/", **HTMX)
    books = client.get("/learn/", {"format": "json"}).json()["lessons"][0]
    assert (books["steps_passed"], books["steps_with_solution"]) == (1, 1)


def test_the_continue_card_can_go_on_any_page(rf, course: Path) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore
    from django.template import Context, Template

    request = rf.get("/")
    request.user, request.session = AnonymousUser(), SessionStore()
    html = Template("{% load course_tags %}{% course_continue %}").render(
        Context({"request": request})
    )
    assert "Start the course" in html
    assert "0 of 2 lessons done." in html
    assert 'href="/learn/books/"' in html and "Start with lesson 1: A test lesson" in html


def test_setup_sends_a_throttled_batchs_unprocessed_items_again(
    client: Client, lessons_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dynalab.course import services
    from dynalab.sandboxes import services as sandbox_services

    puts = [{"PutRequest": {"Item": {"isbn": {"S": str(n)}}}} for n in range(3)]
    front = {
        **FRONT,
        "setup": [
            {"operation": "CreateTable", "request": CREATE_BOOKS},
            {"operation": "BatchWriteItem", "request": {"RequestItems": {"Books": puts}}},
        ],
    }
    write_lesson(lessons_dir, "01-batch.md", front=front)
    real_execute = sandbox_services.execute
    batches = []

    def throttled_once(sandbox, operation, request, *, source, region):
        if operation == "BatchWriteItem":
            batches.append(len(request["RequestItems"]["Books"]))
            if len(batches) == 1:  # the first call writes one item and hands back the rest
                first = {"RequestItems": {"Books": puts[:1]}}
                real_execute(sandbox, operation, first, source=source, region=region)
                return {"UnprocessedItems": {"Books": puts[1:]}}
        return real_execute(sandbox, operation, request, source=source, region=region)

    monkeypatch.setattr(services.sandbox_services, "execute", throttled_once)
    html = client.post("/learn/batch/setup/", **HTMX).content.decode()
    assert "Your sandbox is ready: 2 requests ran." in html
    assert batches == [3, 2]
    sandbox = sandbox_services.sandbox_for_request(client.get("/learn/batch/").wsgi_request)
    scan = real_execute(sandbox, "Scan", {"TableName": "Books", "Select": "COUNT"})
    assert scan["Count"] == 3


def test_every_real_lesson_page_renders(client: Client, settings) -> None:
    from django.conf import settings as django_settings

    from dynalab.course.lessons import load_course

    settings.DYNALAB_LESSON_DIRS = [Path(django_settings.BASE_DIR, "lessons")]
    course = load_course()
    assert len(course.lessons) >= 15
    for lesson in course.lessons:
        response = client.get(f"/learn/{lesson.slug}/")
        assert response.status_code == 200, lesson.slug
        html = response.content.decode()
        assert lesson.title.replace("'", "&#x27;").replace('"', "&quot;") in html, lesson.slug
        for lab in lesson.labs:
            assert f'id="lab-{lab.id}"' in html
        for question in lesson.quizzes:
            assert f'id="quiz-{question.id}"' in html


def test_a_repeated_idempotency_token_is_billed_in_read_units(client: Client, settings) -> None:
    """Lesson 10 asks to run its ClientRequestToken transaction twice: the first run writes
    two items (4 WCU in a transaction); the repeat writes nothing and is billed for reading
    them, which the result names RCU."""
    from django.conf import settings as django_settings

    settings.DYNALAB_LESSON_DIRS = [Path(django_settings.BASE_DIR, "lessons")]
    lesson = "/learn/batches-and-transactions"
    assert client.post(f"{lesson}/setup/", **HTMX).status_code == 200
    first = client.post(f"{lesson}/requests/request-6/run/", **HTMX).content.decode()
    again = client.post(f"{lesson}/requests/request-6/run/", **HTMX).content.decode()
    assert "TransactWriteItems succeeded" in first and "TransactWriteItems succeeded" in again
    assert "Consumed capacity: 4 WCU" in first
    assert "Consumed capacity: 4 RCU" in again
